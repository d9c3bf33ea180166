//! Layers that only move data: `flatten`, `transpose` and `select` (views, no kernel) and
//! `concat` (a copy).

use super::common::elementwise_kernel;
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product, sum};

/// PyTorch's `flatten(start_dim, end_dim)`: a view.
pub(super) fn flatten(
    start_dim: i64,
    end_dim: i64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let (s, e) = (input.axis(start_dim)?, input.axis(end_dim)?);
    if s > e {
        return Err(LayerError::Invalid(format!(
            "flatten's start_dim {start_dim} comes after end_dim {end_dim}"
        )));
    }
    let d = input.dims();
    let mut out = d[..s].to_vec();
    out.push(product(&d[s..=e], "the flattened size")?);
    out.extend_from_slice(&d[e + 1..]);
    Ok(LayerEval {
        output: Shape(out),
        params: 0,
        kernels: vec![],
    })
}

/// Two dimensions swapped: a view.
pub(super) fn transpose(dim0: i64, dim1: i64, input: &Shape) -> Result<LayerEval, LayerError> {
    let (a, b) = (input.axis(dim0)?, input.axis(dim1)?);
    let mut out = input.0.clone();
    out.swap(a, b);
    Ok(LayerEval {
        output: Shape(out),
        params: 0,
        kernels: vec![],
    })
}

/// One index of a dimension taken, the dimension removed: a view.
pub(super) fn select(dim: i64, index: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let axis = input.axis(dim)?;
    if index >= input.dims()[axis] {
        return Err(LayerError::Invalid(format!(
            "index {index} is out of range for dimension {dim} of size {}",
            input.dims()[axis]
        )));
    }
    let mut out = input.0.clone();
    out.remove(axis);
    Ok(LayerEval {
        output: Shape(out),
        params: 0,
        kernels: vec![],
    })
}

/// Concatenation along `dim`.
pub(super) fn concat(dim: i64, input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    if others.is_empty() {
        return Err(LayerError::Invalid("concat needs a second input".into()));
    }
    let axis = input.axis(dim)?;
    let mut out = input.0.clone();
    for other in others {
        let same_elsewhere = other.rank() == input.rank()
            && other
                .dims()
                .iter()
                .zip(input.dims())
                .enumerate()
                .all(|(i, (a, b))| i == axis || a == b);
        if !same_elsewhere {
            return Err(LayerError::Invalid(format!(
                "concat along dimension {dim} needs shapes equal elsewhere, got {input} and {other}"
            )));
        }
        out[axis] = sum(&[out[axis], other.dims()[axis]], "the concatenated size")?;
    }
    let out = Shape(out);
    let n_out = out.numel()?;
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_out, n_out])?],
    })
}
