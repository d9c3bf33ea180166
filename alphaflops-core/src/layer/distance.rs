//! Two-input reductions: `cosine_similarity` and `pairwise_distance` (burn-nn's
//! `CosineSimilarity` and `PairwiseDistance`), counted as burn composes them.

use super::common::elementwise_kernel;
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product, sum};

/// The second input of a two-input reduction, which must be exactly one.
fn second<'a>(op: &str, others: &'a [Shape]) -> Result<&'a Shape, LayerError> {
    match others {
        [other] => Ok(other),
        _ => Err(LayerError::Invalid(format!(
            "{op} takes two inputs, got {}",
            1 + others.len()
        ))),
    }
}

/// PyTorch's broadcasting of two inputs of one rank (at least 2, as burn's `[N, D]`): each
/// dimension equal, or 1 in one of them.
fn broadcast(op: &str, a: &Shape, b: &Shape) -> Result<Shape, LayerError> {
    if a.rank() < 2 || a.rank() != b.rank() {
        return Err(LayerError::Invalid(format!(
            "{op} needs two inputs of one rank, at least [N, D], got {a} and {b}"
        )));
    }
    let dims = a
        .dims()
        .iter()
        .zip(b.dims())
        .map(|(&x, &y)| match (x, y) {
            _ if x == y => Ok(x),
            (1, _) => Ok(y),
            (_, 1) => Ok(x),
            _ => Err(LayerError::Invalid(format!(
                "{op} needs inputs that broadcast, got {a} and {b}"
            ))),
        })
        .collect::<Result<Vec<u64>, _>>()?;
    Ok(Shape(dims))
}

/// `shape` without dimension `axis`, as burn's forward squeezes it.
fn without(shape: &Shape, axis: usize) -> Shape {
    let mut dims = shape.dims().to_vec();
    dims.remove(axis);
    Shape(dims)
}

/// burn's `cosine_similarity` along `dim`: each input's L2 norm (square, sum; square root and
/// clamp per norm), each divided by its norm, their product summed along `dim`. The inputs
/// broadcast, but must agree along `dim` (PyTorch's rule); the output drops `dim`.
pub(super) fn cosine_similarity(
    dim: i64,
    input: &Shape,
    others: &[Shape],
) -> Result<LayerEval, LayerError> {
    let op = "cosine_similarity";
    let other = second(op, others)?;
    let both = broadcast(op, input, other)?;
    let axis = input.axis(dim)?;
    let (d1, d2) = (input.dims()[axis], other.dims()[axis]);
    if d1 != d2 {
        return Err(LayerError::Invalid(format!(
            "{op} needs inputs of one size along dimension {dim}, got {input} and {other}"
        )));
    }
    let (n1, n2, n) = (input.numel()?, other.numel()?, both.numel()?);
    let output = without(&both, axis);
    let norms = sum(&[n1 / d1, n2 / d1], "the norms")?;
    let flops = sum(
        &[
            product(&[3, n1], "the FLOP count")?,
            product(&[3, n2], "the FLOP count")?,
            product(&[2, norms], "the FLOP count")?,
            product(&[2, n], "the FLOP count")?,
        ],
        "the FLOP count",
    )?;
    let moved = [n1, n2, output.numel()?];
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Norm, flops, &moved)?],
    })
}

/// burn's `pairwise_distance`: `lp_norm(x1 − x2 + eps, p)` along the last dimension. The
/// difference and the eps cost 2 an element; the norm as burn's `lp_norm` dispatches on `p`:
/// p = 0 compare, select and sum (3 an element); p = 1 and p = ±∞ abs and a sum or max (2);
/// p = 2 and other even integers a power and a sum (2) and a root per output; any other p
/// abs, power and sum (3) and a root per output.
pub(super) fn pairwise_distance(
    p: f64,
    input: &Shape,
    others: &[Shape],
) -> Result<LayerEval, LayerError> {
    let op = "pairwise_distance";
    let other = second(op, others)?;
    let both = broadcast(op, input, other)?;
    let n = both.numel()?;
    let output = without(&both, both.rank() - 1);
    let o = output.numel()?;
    let even = p.fract() == 0.0 && p % 2.0 == 0.0;
    let (per_element, per_output) = match p {
        0.0 => (3, 0),
        1.0 => (2, 0),
        _ if p.is_infinite() => (2, 0),
        _ if even => (2, 1),
        _ => (3, 1),
    };
    let flops = sum(
        &[
            product(&[2 + per_element, n], "the FLOP count")?,
            product(&[per_output, o], "the FLOP count")?,
        ],
        "the FLOP count",
    )?;
    let moved = [input.numel()?, other.numel()?, o];
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Norm, flops, &moved)?],
    })
}
