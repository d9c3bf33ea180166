//! What the families share: counting helpers, the kernel constructors, and PyTorch's
//! sliding-window rule.

use crate::alpha::AlphaInput;
use crate::kernel::{Elementwise, Gemm, Kernel};
use crate::shape::{Shape, sum};

use super::LayerError;

pub(super) fn nonzero(value: u64, what: &str) -> Result<u64, LayerError> {
    if value == 0 {
        Err(LayerError::Zero(what.to_string()))
    } else {
        Ok(value)
    }
}

pub(super) fn twice(macs: u64) -> Result<u64, LayerError> {
    macs.checked_mul(2)
        .ok_or_else(|| LayerError::Overflow("the FLOP count".into()))
}

/// A kernel with a matmul structure: FLOPs = 2·MACs + `extra_flops`.
pub(super) fn matmul_kernel(
    macs: u64,
    extra_flops: u64,
    alpha: AlphaInput,
    gemm: Gemm,
    moved: &[u64],
) -> Result<Kernel, LayerError> {
    Ok(Kernel {
        macs,
        flops: sum(&[twice(macs)?, extra_flops], "the FLOP count")?,
        alpha: Some(alpha),
        elements_moved: sum(moved, "the elements moved")?,
        unfolded_elements: None,
        gemm: Some(gemm),
        elementwise: None,
    })
}

/// An element-wise kernel of class `class`: no MACs, α = 1.
pub(super) fn elementwise_kernel(
    class: Elementwise,
    flops: u64,
    moved: &[u64],
) -> Result<Kernel, LayerError> {
    Ok(Kernel {
        macs: 0,
        flops,
        alpha: None,
        elements_moved: sum(moved, "the elements moved")?,
        unfolded_elements: None,
        gemm: None,
        elementwise: Some(class),
    })
}

/// Checks a per-spatial-dimension list has `dims` entries, each at least `min`.
pub(super) fn per_dim(values: &[u64], dims: usize, what: &str, min: u64) -> Result<(), LayerError> {
    if values.len() != dims {
        return Err(LayerError::Invalid(format!(
            "{what} has {} values but the kernel has {dims} dimensions",
            values.len()
        )));
    }
    if min > 0 && values.iter().any(|&v| v < min) {
        return Err(LayerError::Zero(what.to_string()));
    }
    Ok(())
}

/// The name of spatial dimension `dim` of a `dims`-d layer, for messages.
pub(super) fn axis(dim: usize, dims: usize) -> &'static str {
    match (dims, dim) {
        (1, _) => "length",
        (3, 0) => "depth",
        (3, 1) | (2, 0) => "height",
        _ => "width",
    }
}

/// Output length of a sliding window (PyTorch's formula); errors when the window cannot fit.
pub(super) fn window_out(
    axis: &'static str,
    input: u64,
    pad: (u64, u64),
    kernel: u64,
    stride: u64,
    dilation: u64,
    ceil: bool,
) -> Result<u64, LayerError> {
    let overflow = || LayerError::Overflow("the padded input size".into());
    let padded = input
        .checked_add(pad.0)
        .and_then(|v| v.checked_add(pad.1))
        .ok_or_else(overflow)?;
    let extent = dilation
        .checked_mul(kernel - 1)
        .and_then(|v| v.checked_add(1))
        .ok_or_else(|| LayerError::Overflow("the kernel extent".into()))?;
    if padded < extent {
        return Err(LayerError::KernelTooLarge {
            axis,
            extent,
            padded,
        });
    }
    let span = padded - extent;
    let mut out = span / stride + 1;
    if ceil && span % stride != 0 {
        // PyTorch: the last window must start inside the input or the left padding.
        // `input + pad.0 <= padded`, checked above; a product past u64 is past it too.
        if out
            .checked_mul(stride)
            .is_some_and(|start| start < input + pad.0)
        {
            out += 1;
        }
    }
    Ok(out)
}

pub(super) fn spatial_op_name(prefix: &str, dims: usize) -> &'static str {
    match (prefix, dims) {
        ("conv", 1) => "conv1d",
        ("conv", 3) => "conv3d",
        ("conv", _) => "conv2d",
        ("max_pool", 1) => "max_pool1d",
        ("max_pool", _) => "max_pool2d",
        ("avg_pool", 1) => "avg_pool1d",
        (_, _) => "avg_pool2d",
    }
}

/// Splits `[N, C, spatial…]` for a layer that needs `dims` spatial dimensions.
pub(super) fn split_nc(
    op: &'static str,
    input: &Shape,
    dims: usize,
) -> Result<(u64, u64, Vec<u64>), LayerError> {
    let expected = match dims {
        1 => "[N, C, L]",
        2 => "[N, C, H, W]",
        _ => "[N, C, D, H, W]",
    };
    if input.rank() != dims + 2 {
        return Err(LayerError::Rank {
            op,
            expected,
            got: input.clone(),
        });
    }
    let d = input.dims();
    Ok((d[0], d[1], d[2..].to_vec()))
}

/// The last dimension of `input`, which must be `want` (or a multiple of it with `multiple`).
pub(super) fn last_dim(
    op: &'static str,
    input: &Shape,
    want: u64,
    multiple: bool,
) -> Result<u64, LayerError> {
    nonzero(want, "d_model")?;
    let Some(&last) = input.dims().last() else {
        return Err(LayerError::Rank {
            op,
            expected: "[…, d_model]",
            got: input.clone(),
        });
    };
    let ok = if multiple {
        last % want == 0
    } else {
        last == want
    };
    if !ok {
        return Err(LayerError::Mismatch {
            op,
            what: if multiple {
                "features (a multiple)"
            } else {
                "features"
            },
            expected: want,
            actual: last,
            got: input.clone(),
        });
    }
    Ok(last)
}
