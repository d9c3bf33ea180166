//! Tensor ops a forward writes inline rather than as a module: `reshape` (a view), `mean` and
//! `sum` over dimensions (reductions), `matmul` of two outputs, and `custom`, an op priced by
//! the counts its annotation gives.

use serde::{Deserialize, Serialize};

use super::common::{elementwise_kernel, matmul_kernel};
use super::{LayerError, LayerEval};
use crate::alpha::AlphaInput;
use crate::kernel::{Elementwise, Gemm, Kernel};
use crate::shape::{Shape, product, sum};

/// `reshape(shape = [N, -1])`: a view (no kernel). One `-1` takes what the other dimensions
/// leave; a `0` keeps the input's size at that position, as burn's `reshape` does.
pub(super) fn reshape(shape: &[i64], input: &Shape) -> Result<LayerEval, LayerError> {
    if shape.is_empty() {
        return Err(LayerError::Invalid(
            "reshape needs a shape with at least one dimension".into(),
        ));
    }
    let n_in = input.numel()?;
    let mut inferred = None;
    let mut dims = Vec::with_capacity(shape.len());
    for (i, &d) in shape.iter().enumerate() {
        dims.push(match d {
            -1 if inferred.is_some() => {
                return Err(LayerError::Invalid(
                    "reshape infers at most one dimension: give one -1".into(),
                ));
            }
            -1 => {
                inferred = Some(i);
                1
            }
            0 => *input.dims().get(i).ok_or_else(|| {
                LayerError::Invalid(format!(
                    "reshape keeps dimension {i} of the input (a 0), but the input {input} has rank {}",
                    input.rank()
                ))
            })?,
            d if d > 0 => d as u64,
            d => {
                return Err(LayerError::Invalid(format!(
                    "reshape takes sizes of at least 1, -1 (inferred) or 0 (kept), found {d}"
                )));
            }
        });
    }
    let known = product(&dims, "the reshaped element count")?;
    if let Some(i) = inferred {
        if known == 0 || !n_in.is_multiple_of(known) {
            return Err(LayerError::Invalid(format!(
                "reshape cannot infer the -1: the input {input} has {n_in} elements, not a multiple of {known}"
            )));
        }
        dims[i] = n_in / known;
    } else if known != n_in {
        return Err(LayerError::Invalid(format!(
            "reshape to {} needs {known} elements, but the input {input} has {n_in}; write -1 for the size to infer",
            Shape(dims)
        )));
    }
    Ok(LayerEval {
        output: Shape(dims),
        params: 0,
        kernels: vec![],
    })
}

/// Which reduction: a sum adds, a mean also divides once per output element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reduce {
    Mean,
    Sum,
}

/// `mean(dims = [2, 3], keepdim = true)` or `sum(dim = 1)`: PyTorch's `mean`/`sum` over
/// `dims`, which are removed unless `keepdim` (burn's `mean_dim`/`sum_dim` keep them). One
/// FLOP per input element, and for a mean one more per output element (the division), as
/// adaptive average pooling counts.
pub(super) fn reduce(
    op: Reduce,
    dims: &[i64],
    keepdim: bool,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let name = match op {
        Reduce::Mean => "mean",
        Reduce::Sum => "sum",
    };
    if dims.is_empty() {
        return Err(LayerError::Invalid(format!(
            "{name} needs at least one dimension to reduce"
        )));
    }
    let mut axes = Vec::with_capacity(dims.len());
    for &d in dims {
        let axis = input.axis(d)?;
        if axes.contains(&axis) {
            return Err(LayerError::Invalid(format!(
                "{name} reduces dimension {axis} of the input {input} twice"
            )));
        }
        axes.push(axis);
    }
    let out: Vec<u64> = input
        .dims()
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdim) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    let output = Shape(out);
    let (n_in, n_out) = (input.numel()?, output.numel()?);
    let flops = match op {
        Reduce::Mean => sum(&[n_in, n_out], "the FLOP count")?,
        Reduce::Sum => n_in,
    };
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![elementwise_kernel(
            Elementwise::Pool,
            flops,
            &[n_in, n_out],
        )?],
    })
}

/// `matmul(with = "keys")`: PyTorch's `matmul` of the input `[…, M, K]` by another output
/// `[…, K, N]` (burn's `Tensor::matmul`), leading dimensions broadcast: `[…, M, N]`, one GEMM
/// of `batch·M·N·K` MACs.
pub(super) fn matmul(input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    let [other] = others else {
        return Err(LayerError::Invalid(format!(
            "matmul multiplies its input by one other output, got {}",
            others.len()
        )));
    };
    for s in [input, other] {
        if s.rank() < 2 {
            return Err(LayerError::Rank {
                op: "matmul",
                expected: "[…, M, K] and […, K, N] (at least 2 dimensions each)",
                got: s.clone(),
            });
        }
    }
    let (a, b) = (input.dims(), other.dims());
    let (m, k) = (a[a.len() - 2], a[a.len() - 1]);
    let (k2, n) = (b[b.len() - 2], b[b.len() - 1]);
    if k != k2 {
        return Err(LayerError::Invalid(format!(
            "matmul multiplies […, M, K] by […, K, N], but the input {input} has K = {k} and the other {other} has {k2} rows; transpose one of them"
        )));
    }
    let lead = broadcast(
        "matmul",
        &Shape(a[..a.len() - 2].to_vec()),
        &Shape(b[..b.len() - 2].to_vec()),
    )
    .map_err(|_| {
        LayerError::Invalid(format!(
            "matmul cannot broadcast the leading dimensions of {input} and {other}"
        ))
    })?;
    let batch = lead.numel()?;
    let mut out = lead.0;
    out.extend([m, n]);
    let output = Shape(out);
    let kernel = matmul_kernel(
        product(&[batch, m, n, k], "the MAC count")?,
        0,
        AlphaInput::matmul(product(&[batch, m], "the rows")?),
        Gemm { batch, m, n, k },
        &[input.numel()?, other.numel()?, output.numel()?],
    )?;
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![kernel],
    })
}

/// Two shapes broadcast as NumPy and PyTorch do: aligned from the last dimension, each pair
/// equal or one of them 1.
pub(super) fn broadcast(op: &str, a: &Shape, b: &Shape) -> Result<Shape, LayerError> {
    let rank = a.rank().max(b.rank());
    let at = |s: &Shape, i: usize| {
        let pad = rank - s.rank();
        if i < pad { 1 } else { s.dims()[i - pad] }
    };
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => Err(LayerError::Invalid(format!(
                "{op} needs shapes that broadcast (equal, or 1, in each dimension from the last), got {a} and {b}"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Shape)
}

/// `custom(macs = …, flops = …, params = …, elements = …, output = [..])`: an op the catalog
/// does not price, priced as its annotation says. One kernel at α = 1 (its structure is not
/// known), unless it does no work; the output is the input unless `output` is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custom {
    #[serde(default)]
    pub macs: u64,
    /// `2·macs` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flops: Option<u64>,
    #[serde(default)]
    pub params: u64,
    /// Elements read and written, the unit of every kernel's memory term.
    #[serde(default)]
    pub elements: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<u64>>,
}

impl Custom {
    /// The FLOPs: as given, or `2·macs`; an error when given below `2·macs`, which every
    /// other kernel counts.
    pub fn flops(&self) -> Result<u64, LayerError> {
        let twice = super::common::twice(self.macs)?;
        match self.flops {
            None => Ok(twice),
            Some(f) if f >= twice => Ok(f),
            Some(f) => Err(LayerError::Invalid(format!(
                "custom flops = {f} is below 2·macs = {twice}: a multiply-accumulate is two FLOPs"
            ))),
        }
    }
}

pub(super) fn custom(c: &Custom, input: &Shape) -> Result<LayerEval, LayerError> {
    let output = match &c.output {
        Some(dims) if dims.is_empty() || dims.contains(&0) => {
            return Err(LayerError::Invalid(
                "custom output needs a shape of dimensions of at least 1".into(),
            ));
        }
        Some(dims) => Shape(dims.clone()),
        None => input.clone(),
    };
    output.numel()?;
    let flops = c.flops()?;
    let kernels = if c.macs == 0 && flops == 0 && c.elements == 0 {
        Vec::new()
    } else {
        vec![Kernel {
            macs: c.macs,
            flops,
            alpha: None,
            elements_moved: c.elements,
            unfolded_elements: None,
            gemm: None,
            elementwise: None,
        }]
    };
    Ok(LayerEval {
        output,
        params: c.params,
        kernels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(d: &[u64]) -> Shape {
        Shape(d.to_vec())
    }

    #[test]
    fn reshape_infers_keeps_and_refuses() {
        let x = s(&[2, 3, 4, 5]);
        assert_eq!(reshape(&[2, -1], &x).unwrap().output, s(&[2, 60]));
        assert_eq!(reshape(&[0, 0, 20], &x).unwrap().output, s(&[2, 3, 20]));
        assert_eq!(reshape(&[120], &x).unwrap().output, s(&[120]));
        assert!(reshape(&[7, -1], &x).is_err());
        assert!(reshape(&[-1, -1], &x).is_err());
        assert!(reshape(&[2, 3], &x).is_err());
        assert!(reshape(&[0, 0, 0, 0, 0], &x).is_err());
        assert!(reshape(&[-2, 60], &x).is_err());
        assert!(reshape(&[], &x).is_err());
        assert!(reshape(&[2, 60], &x).unwrap().kernels.is_empty());
    }

    #[test]
    fn reductions_follow_torch_shapes_and_count_the_division() {
        let x = s(&[2, 8, 7, 7]);
        let mean = reduce(Reduce::Mean, &[2, 3], true, &x).unwrap();
        assert_eq!(mean.output, s(&[2, 8, 1, 1]));
        assert_eq!(mean.kernels[0].flops, 2 * 8 * 49 + 2 * 8);
        let sum = reduce(Reduce::Sum, &[-1], false, &x).unwrap();
        assert_eq!(sum.output, s(&[2, 8, 7]));
        assert_eq!(sum.kernels[0].flops, 2 * 8 * 49);
        assert!(reduce(Reduce::Sum, &[1, -3], false, &x).is_err());
        assert!(reduce(Reduce::Mean, &[4], false, &x).is_err());
        assert!(reduce(Reduce::Mean, &[], false, &x).is_err());
    }

    #[test]
    fn matmul_broadcasts_and_counts_one_gemm() {
        let q = s(&[2, 12, 197, 64]);
        let kt = s(&[2, 12, 64, 197]);
        let e = matmul(&q, std::slice::from_ref(&kt)).unwrap();
        assert_eq!(e.output, s(&[2, 12, 197, 197]));
        assert_eq!(e.kernels[0].macs, 2 * 12 * 197 * 197 * 64);
        let g = e.kernels[0].gemm.unwrap();
        assert_eq!((g.batch, g.m, g.n, g.k), (24, 197, 197, 64));
        // A weight-like [K, N] broadcasts over the batch.
        let e = matmul(&s(&[4, 10, 3]), &[s(&[3, 5])]).unwrap();
        assert_eq!(e.output, s(&[4, 10, 5]));
        assert!(matmul(&s(&[4, 10, 3]), &[s(&[4, 5])]).is_err());
        assert!(matmul(&s(&[3]), &[s(&[3, 5])]).is_err());
        assert!(matmul(&s(&[2, 4, 3]), &[s(&[3, 3, 5])]).is_err());
        assert!(matmul(&s(&[4, 3]), &[]).is_err());
    }

    #[test]
    fn mul_broadcasts_a_squeeze_excite_scale_either_way() {
        use crate::layer::Layer;
        let x = s(&[2, 16, 7, 7]);
        let scale = s(&[2, 16, 1, 1]);
        let n = 2 * 16 * 49;
        for (a, b) in [(&x, &scale), (&scale, &x)] {
            let e = Layer::Mul.infer_with(a, std::slice::from_ref(b)).unwrap();
            assert_eq!(e.output, x);
            assert_eq!(e.flops(), n);
            assert_eq!(e.kernels[0].elements_moved, 2 * n + 2 * 16);
        }
        assert!(Layer::Mul.infer_with(&x, &[s(&[2, 8, 1, 1])]).is_err());
        // Equal shapes read both inputs and write the output, as before broadcasting.
        let e = Layer::Mul.infer_with(&x, std::slice::from_ref(&x)).unwrap();
        assert_eq!(e.kernels[0].elements_moved, 3 * n);
    }

    #[test]
    fn custom_prices_what_it_is_given() {
        let c = Custom {
            macs: 10,
            flops: None,
            params: 7,
            elements: 30,
            output: None,
        };
        let e = custom(&c, &s(&[1, 4])).unwrap();
        assert_eq!((e.output.clone(), e.params), (s(&[1, 4]), 7));
        assert_eq!((e.kernels[0].macs, e.kernels[0].flops), (10, 20));
        assert_eq!(e.kernels[0].elements_moved, 30);
        let only_params = Custom {
            macs: 0,
            flops: None,
            params: 5,
            elements: 0,
            output: Some(vec![2, 2]),
        };
        let e = custom(&only_params, &s(&[1, 4])).unwrap();
        assert!(e.kernels.is_empty());
        assert_eq!(e.output, s(&[2, 2]));
        let low = Custom {
            flops: Some(19),
            ..c.clone()
        };
        assert!(custom(&low, &s(&[1])).is_err());
        let huge = Custom {
            macs: u64::MAX,
            ..c
        };
        assert!(matches!(
            custom(&huge, &s(&[1])),
            Err(LayerError::Overflow(_))
        ));
    }

    proptest! {
        /// PyTorch's rule: reduced dimensions vanish, or stay as 1 with keepdim; the element
        /// counts multiply back to the input's.
        #[test]
        fn reductions_keep_every_other_dimension(
            dims in prop::collection::vec(1u64..6, 1..5),
            pick in prop::collection::vec(any::<bool>(), 5),
            keepdim: bool,
        ) {
            let x = Shape(dims.clone());
            let axes: Vec<i64> = (0..dims.len()).filter(|&i| pick[i]).map(|i| i as i64).collect();
            prop_assume!(!axes.is_empty());
            let e = reduce(Reduce::Sum, &axes, keepdim, &x).unwrap();
            let kept: Vec<u64> = (0..dims.len()).filter(|i| !pick[*i]).map(|i| dims[i]).collect();
            let reduced: u64 = axes.iter().map(|&a| dims[a as usize]).product();
            prop_assert_eq!(e.output.numel().unwrap() * reduced, x.numel().unwrap());
            if keepdim {
                prop_assert_eq!(e.output.rank(), dims.len());
            } else {
                prop_assert_eq!(e.output.0, kept);
            }
        }

        /// Any reshape with one inferred dimension keeps the element count.
        #[test]
        fn reshape_keeps_the_element_count(dims in prop::collection::vec(1u64..6, 1..5), lead in 0usize..4) {
            let x = Shape(dims.clone());
            let lead = lead.min(dims.len() - 1);
            let mut shape: Vec<i64> = dims[..lead].iter().map(|&d| d as i64).collect();
            shape.push(-1);
            let e = reshape(&shape, &x).unwrap();
            prop_assert_eq!(e.output.numel().unwrap(), x.numel().unwrap());
            prop_assert_eq!(&e.output.0[..lead], &dims[..lead]);
        }

        /// Broadcasting is symmetric and each output dimension is one of the inputs'.
        #[test]
        fn broadcast_is_symmetric(a in prop::collection::vec(1u64..4, 0..4), b in prop::collection::vec(1u64..4, 0..4)) {
            let (a, b) = (Shape(a), Shape(b));
            let ab = broadcast("mul", &a, &b).ok();
            let ba = broadcast("mul", &b, &a).ok();
            prop_assert_eq!(&ab, &ba);
            if let Some(out) = ab {
                prop_assert_eq!(out.rank(), a.rank().max(b.rank()));
            }
        }
    }
}
