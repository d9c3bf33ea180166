//! Pooling: `max_pool1d`/`2d`, `avg_pool1d`/`2d` and `adaptive_avg_pool1d`/`2d`/`3d`.

use serde::{Deserialize, Serialize};

use super::common::{axis, elementwise_kernel, per_dim, spatial_op_name, split_nc, window_out};
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product, sum};

/// Max or average pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    Max,
    Avg,
}

/// Pooling (1-d or 2-d by the length of `kernel`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub kind: PoolKind,
    pub kernel: Vec<u64>,
    /// PyTorch's default is the kernel size.
    pub stride: Vec<u64>,
    pub padding: Vec<u64>,
    pub dilation: Vec<u64>,
    pub ceil_mode: bool,
}

impl Pool {
    /// Pooling with stride = kernel, no padding, as PyTorch's defaults.
    pub fn new(kind: PoolKind, kernel: &[u64]) -> Self {
        Pool {
            kind,
            kernel: kernel.to_vec(),
            stride: kernel.to_vec(),
            padding: vec![0; kernel.len()],
            dilation: vec![1; kernel.len()],
            ceil_mode: false,
        }
    }
    pub fn stride(mut self, stride: &[u64]) -> Self {
        self.stride = stride.to_vec();
        self
    }
    pub fn padding(mut self, padding: &[u64]) -> Self {
        self.padding = padding.to_vec();
        self
    }
}

pub(super) fn pool(p: &Pool, input: &Shape) -> Result<LayerEval, LayerError> {
    let dims = p.kernel.len();
    if !(1..=2).contains(&dims) {
        return Err(LayerError::Invalid(format!(
            "a pooling kernel has 1 or 2 dimensions, got {dims}"
        )));
    }
    let op = spatial_op_name(
        if p.kind == PoolKind::Max {
            "max_pool"
        } else {
            "avg_pool"
        },
        dims,
    );
    per_dim(&p.kernel, dims, "kernel_size", 1)?;
    per_dim(&p.stride, dims, "stride", 1)?;
    per_dim(&p.dilation, dims, "dilation", 1)?;
    per_dim(&p.padding, dims, "padding", 0)?;
    for i in 0..dims {
        if p.padding[i] > p.kernel[i] / 2 {
            return Err(LayerError::Invalid(format!(
                "padding {} is more than half the kernel size {} (PyTorch's rule)",
                p.padding[i], p.kernel[i]
            )));
        }
    }
    let (n, c, spatial) = split_nc(op, input, dims)?;
    let mut out = vec![n, c];
    for i in 0..dims {
        out.push(window_out(
            axis(i, dims),
            spatial[i],
            (p.padding[i], p.padding[i]),
            p.kernel[i],
            p.stride[i],
            p.dilation[i],
            p.ceil_mode,
        )?);
    }
    let out = Shape(out);
    let n_out = out.numel()?;
    let area = product(&p.kernel, "the kernel area")?;
    let per_output = if p.kind == PoolKind::Avg {
        sum(&[area, 1], "the FLOP count")?
    } else {
        area
    };
    let flops = product(&[n_out, per_output], "the FLOP count")?;
    let kernel = elementwise_kernel(Elementwise::Pool, flops, &[input.numel()?, n_out])?;
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![kernel],
    })
}

/// `adaptive_avg_pool1d`/`2d`/`3d` to a fixed output size: each output averages its window.
pub(super) fn adaptive_avg_pool(output: &[u64], input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    let dims = output.len();
    if !(1..=3).contains(&dims) {
        return Err(LayerError::Invalid(
            "adaptive pooling takes 1, 2 or 3 output sizes".into(),
        ));
    }
    per_dim(output, dims, "output size", 1)?;
    let (n, c, _) = split_nc("adaptive_avg_pool", input, dims)?;
    let mut out = vec![n, c];
    out.extend_from_slice(output);
    let out = Shape(out);
    let n_out = out.numel()?;
    let kernel = elementwise_kernel(
        Elementwise::Pool,
        sum(&[n_in, n_out], "the FLOP count")?,
        &[n_in, n_out],
    )?;
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![kernel],
    })
}
