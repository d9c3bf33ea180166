//! Attention: `multi_head_attention` (PyTorch's `nn.MultiheadAttention`, self-attention).

use super::common::{elementwise_kernel, matmul_kernel, nonzero};
use super::{LayerError, LayerEval};
use crate::alpha::AlphaInput;
use crate::kernel::{Elementwise, Gemm};
use crate::shape::{Shape, product, sum};

/// `[N, T, D]` with `D = dim`, split.
pub(super) fn sequence(
    op: &'static str,
    input: &Shape,
    dim: u64,
) -> Result<(u64, u64, u64), LayerError> {
    nonzero(dim, "dim")?;
    if input.rank() != 3 {
        return Err(LayerError::Rank {
            op,
            expected: "[N, T, D]",
            got: input.clone(),
        });
    }
    let d = input.dims();
    if d[2] != dim {
        return Err(LayerError::Mismatch {
            op,
            what: "features",
            expected: dim,
            actual: d[2],
            got: input.clone(),
        });
    }
    Ok((d[0], d[1], d[2]))
}

pub(super) fn attention(
    d_model: u64,
    n_heads: u64,
    bias: bool,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    nonzero(n_heads, "n_heads")?;
    let (n, t, d) = sequence("multi_head_attention", input, d_model)?;
    if d % n_heads != 0 {
        return Err(LayerError::Invalid(format!(
            "n_heads = {n_heads} does not divide d_model = {d}"
        )));
    }
    let head_dim = d / n_heads;
    let rows = product(&[n, t], "the number of tokens")?;
    let n_in = input.numel()?;
    let scores = product(&[n, n_heads, t, t], "the attention scores")?;
    let batch_rows = product(&[n, n_heads, t], "the attention rows")?;
    let heads = product(&[n, n_heads], "the attention heads")?;
    let proj_weights = product(&[d, d], "the parameter count")?;
    let proj_params = sum(
        &[proj_weights, if bias { d } else { 0 }],
        "the parameter count",
    )?;
    let qkv_out = product(&[3, n_in], "the elements moved")?;
    let qkv_params = product(&[3, proj_params], "the parameter count")?;
    let kernels = vec![
        // Q, K, V projections: one [N·T, D] × [D, 3D] matmul.
        matmul_kernel(
            product(&[rows, d, 3 * d], "the MAC count")?,
            0,
            AlphaInput::matmul(rows),
            Gemm {
                batch: 1,
                m: rows,
                n: 3 * d,
                k: d,
            },
            &[n_in, qkv_out, qkv_params],
        )?,
        // QKᵀ per head, scaled by 1/√d_head (one FLOP per score).
        matmul_kernel(
            product(&[scores, head_dim], "the MAC count")?,
            scores,
            AlphaInput::matmul(batch_rows),
            Gemm {
                batch: heads,
                m: t,
                n: t,
                k: head_dim,
            },
            &[2 * n_in, scores],
        )?,
        elementwise_kernel(
            Elementwise::Softmax,
            product(&[5, scores], "the FLOP count")?,
            &[scores, scores],
        )?,
        // AV per head.
        matmul_kernel(
            product(&[scores, head_dim], "the MAC count")?,
            0,
            AlphaInput::matmul(batch_rows),
            Gemm {
                batch: heads,
                m: t,
                n: head_dim,
                k: t,
            },
            &[scores, n_in, n_in],
        )?,
        // Output projection.
        matmul_kernel(
            product(&[rows, d, d], "the MAC count")?,
            0,
            AlphaInput::matmul(rows),
            Gemm {
                batch: 1,
                m: rows,
                n: d,
                k: d,
            },
            &[n_in, n_in, proj_params],
        )?,
    ];
    let params = product(&[4, proj_params], "the parameter count")?;
    Ok(LayerEval {
        output: input.clone(),
        params,
        kernels,
    })
}
