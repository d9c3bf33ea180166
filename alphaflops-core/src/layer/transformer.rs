//! burn-nn's `transformer` module: `position_wise_feed_forward`, `transformer_encoder` and
//! `transformer_decoder`, priced as the composition burn runs.

use serde::{Deserialize, Serialize};

use super::common::{last_dim, nonzero};
use super::{Activation, Attention, Layer, LayerError, LayerEval, elementwise, linear, norm};
use crate::shape::{Shape, product, sum};

/// burn's `TransformerEncoder` and `TransformerDecoder`, by the keys of their configs that
/// set the cost: `n_layers` layers, each multi-head self-attention (and in the decoder
/// cross-attention on the memory) and a position-wise feed-forward, each followed (or, with
/// `norm_first`, preceded) by a layer norm and added back to its input. Dropout is the
/// identity at inference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transformer {
    pub d_model: u64,
    pub d_ff: u64,
    pub n_heads: u64,
    pub n_layers: u64,
    /// The feed-forward's activation; `None`: burn's `Identity`.
    pub activation: Option<Activation>,
}

/// burn's `PositionWiseFeedForward`: `d_model → d_ff`, the activation, dropout (the identity
/// at inference), `d_ff → d_model`, both projections with a bias.
pub(super) fn position_wise_feed_forward(
    d_model: u64,
    d_ff: u64,
    activation: Option<Activation>,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    nonzero(d_ff, "d_ff")?;
    last_dim("position_wise_feed_forward", input, d_model, false)?;
    let inner = linear::linear(d_model, d_ff, true, input)?;
    let mut kernels = inner.kernels;
    let mut hidden = inner.output;
    if let Some(a) = activation {
        let act = elementwise::activation(a, &hidden)?;
        kernels.extend(act.kernels);
        hidden = act.output;
    }
    let outer = linear::linear(d_ff, d_model, true, &hidden)?;
    kernels.extend(outer.kernels);
    Ok(LayerEval {
        output: outer.output,
        params: sum(&[inner.params, outer.params], "the parameter count")?,
        kernels,
    })
}

/// One encoder layer after another, on `[batch, seq, d_model]`.
pub(super) fn transformer_encoder(t: &Transformer, input: &Shape) -> Result<LayerEval, LayerError> {
    nonzero(t.n_layers, "n_layers")?;
    last_dim("transformer_encoder", input, t.d_model, false)?;
    let attention = Layer::MultiHeadAttention {
        d_model: t.d_model,
        n_heads: t.n_heads,
        bias: true,
    };
    // Every layer takes and gives `input`'s shape, so one layer's cost is every layer's.
    let mha = attention.infer(input)?;
    let residual = elementwise::add(input, std::slice::from_ref(input))?;
    let layer_norm = norm::layer_norm(t.d_model, input)?;
    let pwff = position_wise_feed_forward(t.d_model, t.d_ff, t.activation, input)?;
    let one: Vec<_> = [&mha, &residual, &layer_norm, &pwff, &residual, &layer_norm]
        .into_iter()
        .flat_map(|e| e.kernels.iter().cloned())
        .collect();
    let per_layer = sum(
        &[
            mha.params,
            product(&[2, layer_norm.params], "the parameter count")?,
            pwff.params,
        ],
        "the parameter count",
    )?;
    let layers = usize::try_from(t.n_layers)
        .map_err(|_| LayerError::Overflow("the number of layers".into()))?;
    Ok(LayerEval {
        output: input.clone(),
        params: product(&[t.n_layers, per_layer], "the parameter count")?,
        kernels: std::iter::repeat_n(one, layers).flatten().collect(),
    })
}

/// One decoder layer after another on the target `[batch, seq, d_model]`, each attending
/// to the memory `[batch, memory_seq, d_model]` (`others[0]`).
pub(super) fn transformer_decoder(
    t: &Transformer,
    input: &Shape,
    others: &[Shape],
) -> Result<LayerEval, LayerError> {
    nonzero(t.n_layers, "n_layers")?;
    last_dim("transformer_decoder", input, t.d_model, false)?;
    let [memory] = others else {
        return Err(LayerError::Invalid(format!(
            "transformer_decoder reads a target and a memory, got {} inputs",
            1 + others.len()
        )));
    };
    last_dim("transformer_decoder", memory, t.d_model, false)?;
    let self_attention = Layer::MultiHeadAttention {
        d_model: t.d_model,
        n_heads: t.n_heads,
        bias: true,
    }
    .infer(input)?;
    // burn's cross_attn is a MultiHeadAttention whose keys and values read the memory.
    let cross_attention = Layer::Attention(Attention::new(t.d_model, t.n_heads).cross(t.d_model))
        .infer_with(input, std::slice::from_ref(memory))?;
    let residual = elementwise::add(input, std::slice::from_ref(input))?;
    let layer_norm = norm::layer_norm(t.d_model, input)?;
    let pwff = position_wise_feed_forward(t.d_model, t.d_ff, t.activation, input)?;
    let one: Vec<_> = [
        &self_attention,
        &residual,
        &layer_norm,
        &cross_attention,
        &residual,
        &layer_norm,
        &pwff,
        &residual,
        &layer_norm,
    ]
    .into_iter()
    .flat_map(|e| e.kernels.iter().cloned())
    .collect();
    let per_layer = sum(
        &[
            self_attention.params,
            cross_attention.params,
            product(&[3, layer_norm.params], "the parameter count")?,
            pwff.params,
        ],
        "the parameter count",
    )?;
    let layers = usize::try_from(t.n_layers)
        .map_err(|_| LayerError::Overflow("the number of layers".into()))?;
    Ok(LayerEval {
        output: input.clone(),
        params: product(&[t.n_layers, per_layer], "the parameter count")?,
        kernels: std::iter::repeat_n(one, layers).flatten().collect(),
    })
}
