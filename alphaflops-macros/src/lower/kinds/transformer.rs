//! burn's transformer pieces: `PositionWiseFeedForwardConfig`, `TransformerEncoderConfig` and
//! `TransformerDecoderConfig`.

use alphaflops_core::layer::Transformer;
use alphaflops_core::{Activation, Layer, Op};

use super::read::{checked, optional, required_positive};
use crate::attr::{self, Value};
use crate::ctxt::Ctxt;
use crate::keys::{self, Keys};
use crate::lower::sym::*;

/// position_wise_feed_forward(d_model = 512, d_ff = 2048, dropout = 0.1, activation = "gelu")
pub(super) fn feed_forward(keys: &mut Keys) -> Option<Layer> {
    let d_model = required_positive(keys, D_MODEL, "d_model = 512");
    let d_ff = required_positive(keys, D_FF, "d_ff = 2048");
    // Dropout is the identity at inference.
    checked(keys, DROPOUT, attr::probability);
    let activation = optional(keys, ACTIVATION, Some(Activation::Gelu), activation);
    Some(Layer::PositionWiseFeedForward {
        d_model: d_model?,
        d_ff: d_ff?,
        activation: activation?,
    })
}

/// transformer_encoder(d_model = 512, d_ff = 2048, n_heads = 8, n_layers = 6, dropout = 0.1,
/// norm_first = false, quiet_softmax = false, activation = "gelu", layer_norm_eps = 1e-5)
pub(super) fn encoder(keys: &mut Keys) -> Option<Layer> {
    stack(keys).map(Layer::TransformerEncoder)
}

/// transformer_decoder(…the encoder's keys…), then `with`, read by the caller
pub(super) fn decoder(keys: &mut Keys) -> Option<Layer> {
    stack(keys).map(Layer::TransformerDecoder)
}

/// The keys the encoder and the decoder share, in their configs' order.
fn stack(keys: &mut Keys) -> Option<Transformer> {
    let d_model = required_positive(keys, D_MODEL, "d_model = 512");
    let d_ff = required_positive(keys, D_FF, "d_ff = 2048");
    let n_heads = required_positive(keys, N_HEADS, "n_heads = 8");
    let n_layers = required_positive(keys, N_LAYERS, "n_layers = 6");
    // Dropout is the identity at inference; where the norms sit, the softmax's extra one
    // and the norms' epsilon do not change the cost.
    checked(keys, DROPOUT, attr::probability);
    checked(keys, NORM_FIRST, attr::boolean);
    checked(keys, QUIET_SOFTMAX, attr::boolean);
    let activation = optional(keys, ACTIVATION, Some(Activation::Gelu), activation);
    checked(keys, LAYER_NORM_EPS, attr::number);
    Some(Transformer {
        d_model: d_model?,
        d_ff: d_ff?,
        n_heads: n_heads?,
        n_layers: n_layers?,
        activation: activation?,
    })
}

/// `activation = "gelu"`: burn's `ActivationConfig` by its variant in snake case, one of the
/// catalog's parameter-free activations or `identity` (`None`).
pub(super) fn activation(cx: &Ctxt, key: &str, v: &Value) -> Option<Option<Activation>> {
    let name = attr::string(cx, key, v)?;
    let of = |op: Op| match op.parameter_free_layer() {
        Some(Layer::Activation(a)) => Some(Some(a)),
        Some(Layer::Identity) => Some(None),
        _ => None,
    };
    let found = Op::from_key(&name).and_then(of);
    if found.is_none() {
        let names: Vec<&str> = Op::ALL
            .into_iter()
            .filter(|&op| of(op).is_some())
            .map(Op::key)
            .collect();
        let head = format!("unknown {key} `{name}`");
        cx.error(
            v.range,
            keys::unknown(head, &name, &names, "expected one of"),
        );
    }
    found
}
