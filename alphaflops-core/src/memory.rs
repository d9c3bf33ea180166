//! What a model holds in memory: weights, KV cache, activations, and for a training step
//! gradients and optimizer state. Counted in elements here; [`crate::Model::price`] turns
//! them into bytes with the model's dtype (or the profile's).
//!
//! # Rules
//! - **Weights**: every parameter, experts included.
//! - **KV cache**: per causal (decoder) attention layer, `2 · N · (past + T) · n_heads_kv ·
//!   d_head` elements after the step; an encoder's or cross-attention's keys are not cached.
//! - **Peak activations** (inference): the forward chain keeps, at each node, its input and its
//!   output alive, and every earlier output a later node still reads (a residual branch); the
//!   peak over nodes is reported. A nested block counts its own peak in place of its output.
//!   Buffers inside a fused kernel (attention's scores, an MLP's hidden layer) count as the
//!   node's output only when the catalog makes them a node of their own.
//! - **Training step**: every node's input is saved for backward (the sum over nodes replaces
//!   the peak), gradients are one element per parameter, and the optimizer keeps
//!   [`Optimizer::state_per_param`] f32 values per parameter.

use serde::{Deserialize, Serialize};

use crate::layer::Layer;
use crate::model::{Evaluated, Model, Source};

/// What a priced model does: one inference, or one training step (forward and backward).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Inference,
    Train,
}

impl Mode {
    pub fn is_inference(&self) -> bool {
        *self == Mode::Inference
    }
}

/// The optimizer of a training step, for the state it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// Plain SGD: no state.
    Sgd,
    /// SGD with momentum: one value per parameter.
    Momentum,
    /// Adam and AdamW (`"adamw"` reads as this): two moments per parameter.
    Adam,
}

impl Optimizer {
    pub const ALL: [Optimizer; 3] = [Optimizer::Sgd, Optimizer::Momentum, Optimizer::Adam];

    pub fn key(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum => "momentum",
            Optimizer::Adam => "adam",
        }
    }

    /// A key, or `adamw` (whose state is Adam's).
    pub fn from_key(key: &str) -> Option<Optimizer> {
        match key {
            "adamw" => Some(Optimizer::Adam),
            key => Optimizer::ALL.into_iter().find(|o| o.key() == key),
        }
    }

    /// f32 values the optimizer keeps per parameter.
    pub fn state_per_param(self) -> u64 {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum => 1,
            Optimizer::Adam => 2,
        }
    }
}

/// Bytes per element of a dtype name (`f32`, `bf16`, …); `None` for an unknown one.
pub fn dtype_bytes(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "f64" => 8,
        "f32" | "tf32" => 4,
        "f16" | "bf16" => 2,
        "i8" | "f8" => 1,
        _ => return None,
    })
}

/// Element counts of a model's memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Parameters that run per token (one expert's worth per active expert).
    pub active_params: u64,
    pub kv_cache: u64,
    /// Peak live activations (inference) or activations saved for backward (training).
    pub activations: u64,
}

/// The footprint of `model`'s nodes as `evaluated` (its own [`Model::evaluate`]).
pub(crate) fn footprint(model: &Model, evaluated: &[Evaluated], train: bool) -> Footprint {
    let mut f = Footprint::default();
    for (node, e) in model.nodes.iter().zip(evaluated) {
        let (active, kv, inner_peak) = match &node.layer {
            Layer::Block(inner) => {
                let c = footprint(inner, &e.children, train);
                (c.active_params, c.kv_cache, Some(c.activations))
            }
            Layer::Experts {
                model: inner,
                active,
                ..
            } => {
                let c = footprint(inner, &e.children, train);
                let saved = if train {
                    c.activations.saturating_mul(*active)
                } else {
                    c.activations
                };
                (c.active_params.saturating_mul(*active), 0, Some(saved))
            }
            Layer::Attention(a) if a.causal || a.past_tokens > 0 => {
                (e.eval.params, a.kv_cache_elements(&e.input), None)
            }
            _ => (e.eval.params, 0, None),
        };
        f.active_params = f.active_params.saturating_add(active);
        f.kv_cache = f.kv_cache.saturating_add(kv);
        if train {
            let saved = inner_peak.unwrap_or_else(|| numel(&e.input));
            f.activations = f.activations.saturating_add(saved);
        }
    }
    if !train {
        f.activations = peak(model, evaluated);
    }
    f
}

fn numel(shape: &crate::shape::Shape) -> u64 {
    shape.numel().unwrap_or(u64::MAX)
}

/// Peak live elements of the forward chain (see the module rules).
fn peak(model: &Model, evaluated: &[Evaluated]) -> u64 {
    // The last node that reads each node's output by name.
    let last_read = |name: &str| {
        model.nodes.iter().rposition(|n| {
            std::iter::once(&n.input)
                .chain(&n.with)
                .any(|s| matches!(s, Source::Node(m) if m == name))
        })
    };
    let input_read_after = |i: usize| {
        model.nodes[i + 1..].iter().any(|n| {
            std::iter::once(&n.input)
                .chain(&n.with)
                .any(|s| matches!(s, Source::Input))
        })
    };
    let held: Vec<Option<usize>> = evaluated.iter().map(|e| last_read(&e.name)).collect();
    let mut peak = 0u64;
    for (i, (node, e)) in model.nodes.iter().zip(evaluated).enumerate() {
        let own = match &node.layer {
            Layer::Block(inner) | Layer::Experts { model: inner, .. } => {
                peak_of_block(inner, e).max(numel(&e.input).saturating_add(numel(&e.eval.output)))
            }
            _ => numel(&e.input).saturating_add(numel(&e.eval.output)),
        };
        // Earlier outputs still to be read after this node, besides the one flowing in.
        let mut branches = evaluated[..i.saturating_sub(1)]
            .iter()
            .zip(&held)
            .filter(|(_, last)| last.is_some_and(|l| l > i))
            .fold(0u64, |acc, (b, _)| {
                acc.saturating_add(numel(&b.eval.output))
            });
        if i > 0 && input_read_after(i) {
            branches = branches.saturating_add(evaluated.first().map_or(0, |f| numel(&f.input)));
        }
        peak = peak.max(own.saturating_add(branches));
    }
    peak
}

fn peak_of_block(inner: &Model, e: &Evaluated) -> u64 {
    peak(inner, &e.children)
}
