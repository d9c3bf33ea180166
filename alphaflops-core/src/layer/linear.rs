//! Dense layers: `linear`, burn's `swiglu` (two `d_input → d_output` projections, SiLU on
//! one (5 FLOPs) and their product (1 FLOP) per output element) and a `tied_linear` head.

use super::common::{elementwise_kernel, last_dim, matmul_kernel, nonzero};
use super::{LayerError, LayerEval};
use crate::alpha::AlphaInput;
use crate::kernel::{Elementwise, Gemm};
use crate::shape::{Shape, product, sum};

pub(super) fn linear(
    d_input: u64,
    d_output: u64,
    bias: bool,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    nonzero(d_input, "d_input")?;
    nonzero(d_output, "d_output")?;
    if input.rank() == 0 {
        return Err(LayerError::Rank {
            op: "linear",
            expected: "[…, d_input]",
            got: input.clone(),
        });
    }
    let d = input.dims();
    let last = d[d.len() - 1];
    let leading: Vec<u64> = if last == d_input {
        d[..d.len() - 1].to_vec()
    } else if d.len() >= 3 && product(&d[1..], "the flattened size")? == d_input {
        vec![d[0]]
    } else {
        let flattened = if d.len() >= 3 {
            Some(product(&d[1..], "the flattened size")?)
        } else {
            None
        };
        return Err(LayerError::Features {
            d_input,
            last,
            flattened,
            got: input.clone(),
        });
    };
    let rows = product(&leading, "the number of rows")?;
    let mut out = leading;
    out.push(d_output);
    let out = Shape(out);
    let weights = product(&[d_input, d_output], "the parameter count")?;
    let params = sum(
        &[weights, if bias { d_output } else { 0 }],
        "the parameter count",
    )?;
    let macs = product(&[rows, d_input, d_output], "the MAC count")?;
    let mut kernel = matmul_kernel(
        macs,
        0,
        AlphaInput::matmul(rows),
        Gemm {
            batch: 1,
            m: rows,
            n: d_output,
            k: d_input,
        },
        &[input.numel()?, out.numel()?, params],
    )?;
    // The GEMM reads the input as it is: what a 1×1 convolution unfolds to.
    kernel.unfolded_elements = Some(input.numel()?);
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![kernel],
    })
}

/// burn's `SwiGlu`: `silu(W_inner·x) ⊙ (W_outer·x)`, both `d_input → d_output`.
pub(super) fn swiglu(
    d_input: u64,
    d_output: u64,
    bias: bool,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    nonzero(d_output, "d_output")?;
    last_dim("swiglu", input, d_input, false)?;
    let n_in = input.numel()?;
    let rows = n_in / d_input;
    let mut out = input.0.clone();
    *out.last_mut().expect("last_dim checked the rank") = d_output;
    let out = Shape(out);
    let n_out = out.numel()?;
    let one = sum(
        &[
            product(&[d_input, d_output], "the parameter count")?,
            if bias { d_output } else { 0 },
        ],
        "the parameter count",
    )?;
    let projection = || {
        matmul_kernel(
            product(&[rows, d_input, d_output], "the MAC count")?,
            0,
            AlphaInput::matmul(rows),
            Gemm {
                batch: 1,
                m: rows,
                n: d_output,
                k: d_input,
            },
            &[n_in, n_out, one],
        )
    };
    Ok(LayerEval {
        output: out,
        params: product(&[2, one], "the parameter count")?,
        kernels: vec![
            projection()?,
            projection()?,
            elementwise_kernel(
                Elementwise::Activation,
                product(&[5, n_out], "the FLOP count")?,
                &[n_out, n_out],
            )?,
            elementwise_kernel(Elementwise::Binary, n_out, &[n_out, n_out, n_out])?,
        ],
    })
}

/// A dense layer whose weight is another layer's (an LM head tied to the embedding): priced
/// like `linear` without bias, with no parameters of its own.
pub(super) fn tied_linear(
    d_input: u64,
    d_output: u64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let mut eval = linear(d_input, d_output, false, input)?;
    eval.params = 0;
    Ok(eval)
}
