//! Embeddings: the token lookup `embedding`, a vision transformer's learned `class_token` and
//! `position_embedding`, the fixed sinusoidal `positional_encoding` of burn, and the
//! `rotary_encoding` of queries and keys (3 FLOPs per element, `x·cos + rotate(x)·sin`,
//! applied to queries and keys each priced as wide as the rotary's input: exact for multi-head
//! attention, an upper bound on a small term for grouped-query attention, whose keys are
//! narrower; its frequencies are a buffer, not parameters).

use super::attention::sequence;
use super::common::{elementwise_kernel, last_dim, nonzero};
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product, sum};

/// An index lookup: `[N, T]` → `[N, T, embedding_dim]`.
pub(super) fn embedding(
    num_embeddings: u64,
    embedding_dim: u64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(num_embeddings, "num_embeddings")?;
    nonzero(embedding_dim, "embedding_dim")?;
    let mut out = input.0.clone();
    out.push(embedding_dim);
    let out = Shape(out);
    let n_out = out.numel()?;
    let params = product(&[num_embeddings, embedding_dim], "the parameter count")?;
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_in, n_out])?],
    })
}

/// A learned class token prepended to the sequence.
pub(super) fn class_token(dim: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    let (n, t, d) = sequence("class_token", input, dim)?;
    let out = Shape(vec![n, sum(&[t, 1], "the sequence length")?, d]);
    let n_out = out.numel()?;
    Ok(LayerEval {
        output: out,
        params: d,
        kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_in, n_out])?],
    })
}

/// A learned position embedding added to the sequence.
pub(super) fn position_embedding(
    seq_len: u64,
    dim: u64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(seq_len, "seq_len")?;
    let (_, t, d) = sequence("position_embedding", input, dim)?;
    if t != seq_len {
        return Err(LayerError::Mismatch {
            op: "position_embedding",
            what: "tokens",
            expected: seq_len,
            actual: t,
            got: input.clone(),
        });
    }
    let params = product(&[t, d], "the parameter count")?;
    Ok(LayerEval {
        output: input.clone(),
        params,
        kernels: vec![elementwise_kernel(
            Elementwise::Binary,
            n_in,
            &[n_in, n_in, params],
        )?],
    })
}

/// burn's `PositionalEncoding`: fixed sinusoids (a constant, not learned) added to
/// `[N, T, d_model]`, T at most `max_sequence_size`; d_model even, as burn requires.
pub(super) fn positional_encoding(
    d_model: u64,
    max_sequence_size: u64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(max_sequence_size, "max_sequence_size")?;
    let (_, t, d) = sequence("positional_encoding", input, d_model)?;
    if !d.is_multiple_of(2) {
        return Err(LayerError::Invalid(format!(
            "positional_encoding needs an even d_model (sines and cosines in pairs), got {d}"
        )));
    }
    if t > max_sequence_size {
        return Err(LayerError::Invalid(format!(
            "the input {input} has {t} tokens, more than max_sequence_size = {max_sequence_size}"
        )));
    }
    let table = product(&[t, d], "the encoding read")?;
    Ok(LayerEval {
        output: input.clone(),
        params: 0,
        kernels: vec![elementwise_kernel(
            Elementwise::Binary,
            n_in,
            &[n_in, n_in, table],
        )?],
    })
}

/// Rotary encoding of queries and keys shaped like `input`, whose last dimension is a
/// multiple of `d_model` (the rotated width, one head's when applied per head).
pub(super) fn rotary(
    d_model: u64,
    max_sequence_length: Option<u64>,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    last_dim("rotary_encoding", input, d_model, true)?;
    if let (Some(max), Some(&t)) = (max_sequence_length, input.dims().iter().rev().nth(1))
        && t > max
    {
        return Err(LayerError::Invalid(format!(
            "rotary_encoding covers max_sequence_length = {max} positions, but the input {input} has {t}"
        )));
    }
    let n_in = input.numel()?;
    let rotated = product(&[2, n_in], "the rotated elements")?;
    Ok(LayerEval {
        output: input.clone(),
        params: 0,
        kernels: vec![elementwise_kernel(
            Elementwise::Activation,
            product(&[3, rotated], "the FLOP count")?,
            &[rotated, rotated],
        )?],
    })
}
