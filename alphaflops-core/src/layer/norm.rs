//! Normalisation: `batch_norm`, `group_norm`, `instance_norm`, `layer_norm`,
//! `local_response_norm` and `rms_norm` (4 FLOPs per element: square, sum, scale by the
//! reciprocal root, scale by γ; `d_model` parameters).

use super::common::{elementwise_kernel, last_dim, nonzero};
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product};

/// Batch norm over channel dimension 1, at inference folded into a scale and a shift.
pub(super) fn batch_norm(num_features: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(num_features, "num_features")?;
    channel_check("batch_norm", input, num_features)?;
    affine_norm(input, n_in, 2, num_features)
}

/// Group norm over channel dimension 1.
pub(super) fn group_norm(
    num_groups: u64,
    num_channels: u64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(num_groups, "num_groups")?;
    nonzero(num_channels, "num_channels")?;
    if !num_channels.is_multiple_of(num_groups) {
        return Err(LayerError::Groups {
            groups: num_groups,
            what: "num_channels",
            channels: num_channels,
        });
    }
    channel_check("group_norm", input, num_channels)?;
    affine_norm(input, n_in, 5, num_channels)
}

/// Instance norm (PyTorch's `InstanceNorm1d`/`2d`, burn's `InstanceNorm`): each sample's
/// channels normalised on their own, a group norm with one group per channel; the scale and
/// shift only when `affine`.
pub(super) fn instance_norm(
    num_channels: u64,
    affine: bool,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(num_channels, "num_channels")?;
    channel_check("instance_norm", input, num_channels)?;
    affine_norm(input, n_in, 5, if affine { num_channels } else { 0 })
}

/// Layer norm over the last dimension.
pub(super) fn layer_norm(d_model: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(d_model, "d_model")?;
    let last = *input.dims().last().unwrap_or(&0);
    if input.rank() < 1 || last != d_model {
        return Err(LayerError::Mismatch {
            op: "layer_norm",
            what: "features in the last dimension",
            expected: d_model,
            actual: last,
            got: input.clone(),
        });
    }
    affine_norm(input, n_in, 5, d_model)
}

/// Local response norm (PyTorch's and burn's `LocalResponseNorm`) of `[N, C, …]`: each
/// element divided by `(k + α/size · Σ x²)^β` over `size` neighbouring channels. The shape is
/// kept and nothing is learned; per element the window's squares and sum (2·size − 1),
/// the scale and shift (2), the power and the divide: 2·size + 3 FLOPs.
pub(super) fn local_response_norm(size: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(size, "size")?;
    if input.rank() < 3 {
        return Err(LayerError::Rank {
            op: "local_response_norm",
            expected: "[N, C, …] with at least one dimension after C",
            got: input.clone(),
        });
    }
    let per_element = product(&[2, size], "the FLOP count")?
        .checked_add(3)
        .ok_or_else(|| LayerError::Overflow("the FLOP count".into()))?;
    let flops = product(&[per_element, n_in], "the FLOP count")?;
    Ok(LayerEval {
        output: input.clone(),
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Norm, flops, &[n_in, n_in])?],
    })
}

/// A norm of `n_in` elements costing `flops_per_element` each, with a scale and a shift of
/// `features` each (0: none): the input read and written, and the affine parameters read.
fn affine_norm(
    input: &Shape,
    n_in: u64,
    flops_per_element: u64,
    features: u64,
) -> Result<LayerEval, LayerError> {
    let flops = product(&[flops_per_element, n_in], "the FLOP count")?;
    let params = product(&[2, features], "the parameter count")?;
    Ok(LayerEval {
        output: input.clone(),
        params,
        kernels: vec![elementwise_kernel(
            Elementwise::Norm,
            flops,
            &[n_in, n_in, params],
        )?],
    })
}

pub(super) fn channel_check(
    op: &'static str,
    input: &Shape,
    channels: u64,
) -> Result<(), LayerError> {
    if input.rank() < 2 {
        return Err(LayerError::Rank {
            op,
            expected: "[N, C, …]",
            got: input.clone(),
        });
    }
    if input.dims()[1] != channels {
        return Err(LayerError::Mismatch {
            op,
            what: "channels",
            expected: channels,
            actual: input.dims()[1],
            got: input.clone(),
        });
    }
    Ok(())
}

/// RMSNorm over the last dimension.
pub(super) fn rms_norm(d_model: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    last_dim("rms_norm", input, d_model, false)?;
    let n_in = input.numel()?;
    Ok(LayerEval {
        output: input.clone(),
        params: d_model,
        kernels: vec![elementwise_kernel(
            Elementwise::Norm,
            product(&[4, n_in], "the FLOP count")?,
            &[n_in, n_in, d_model],
        )?],
    })
}
