//! The attention kinds' heads: `multi_head_attention` and `cross_attention`.

use alphaflops_core::{Attention, Layer};

use super::read::{checked, optional, required_positive};
use crate::attr;
use crate::keys::Keys;
use crate::lower::sym::*;

/// The heads of an attention of `d_model` features, read in the catalog's order: `n_heads`,
/// `n_heads_kv` (default `n_heads`), `d_head` (default `d_model / n_heads`), `causal` (for
/// self-attention, `self_attention`), `bias` and `dropout`. Without the grouped-query or
/// causal keys it is the plain multi-head layer.
pub(super) fn attention(
    keys: &mut Keys,
    d_model: Option<u64>,
    self_attention: bool,
) -> Option<Layer> {
    let extended = [N_HEADS_KV, D_HEAD, CAUSAL]
        .into_iter()
        .any(|k| keys.written(k))
        || !self_attention;
    let h = required_positive(keys, N_HEADS, "n_heads = 12");
    let kv = keys
        .value(N_HEADS_KV)
        .map(|v| attr::positive(keys.cx(), N_HEADS_KV, &v));
    let d_head = keys
        .value(D_HEAD)
        .map(|v| attr::positive(keys.cx(), D_HEAD, &v));
    let causal = if self_attention {
        optional(keys, CAUSAL, false, attr::boolean)
    } else {
        Some(false)
    };
    let bias = optional(keys, BIAS, true, attr::boolean);
    checked(keys, DROPOUT, attr::probability);
    let (d, h, bias) = (d_model?, h?, bias?);
    if !extended {
        // The plain form stays the layer it always was (the same numbers either way).
        return Some(Layer::MultiHeadAttention {
            d_model: d,
            n_heads: h,
            bias,
        });
    }
    let d_head = match d_head {
        Some(d_head) => d_head?,
        None if d.is_multiple_of(h) => d / h,
        None => {
            keys.cx().error(
                keys.owner(),
                format!("n_heads = {h} does not divide d_model = {d}: give `d_head`, the width of one head"),
            );
            return None;
        }
    };
    let attention = Attention::new(d, h)
        .n_heads_kv(kv.unwrap_or(Some(h))?)
        .d_head(d_head)
        .causal(causal?)
        .bias(bias);
    Some(Layer::Attention(attention))
}
