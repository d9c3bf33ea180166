//! Costs: per layer and per model, in parameters, MACs, FLOPs, α-FLOPs, milliseconds, joules.

use serde::{Deserialize, Serialize};

use crate::layer::{Kernel, LayerError, LayerEval};
use crate::profile::Profile;
use crate::shape::Shape;

/// α-FLOPs and predicted time of a list of kernel launches.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KernelPrice {
    pub alpha_flops: f64,
    pub predicted_ms: f64,
    /// Some kernel lies outside the range the profile's fit covered
    /// ([`Profile::outside_fitted_range`]).
    pub extrapolated: bool,
}

/// Prices kernel launches with a profile: α per kernel from its class (for an element-wise
/// kernel, its predicted time in convolution α-FLOPs where the profile measured its class, else
/// 1; see [`crate::timing`]), then time: a linear-algebra kernel by the profile's
/// `[[gemm_class]]` for its op where it has one, an element-wise kernel by its
/// `[[elementwise_class]]` where it has one (see [`crate::timing`]), any other by `[timing]`
/// with the α class's own latency and floor where it has them. With `fusion`, an
/// element-wise kernel fused into the one before it costs only its extra traffic
/// ([`crate::timing::epilogue_ms`]). A profile's `[residual]` scales a linear-algebra kernel's
/// time by its measured neighbours' ratios ([`crate::residual`]). The one place α-FLOPs become time.
pub fn price_kernels(profile: &Profile, kernels: &[Kernel]) -> Result<KernelPrice, LayerError> {
    price_kernels_after(profile, kernels, &mut false)
}

/// [`price_kernels`] for kernels that run after others: `open` says whether the kernel before
/// the first can take an epilogue ([`crate::Fusion::fuses`]), and is left as the last one
/// leaves it, so a model prices its layers in order as one stream.
pub fn price_kernels_after(
    profile: &Profile,
    kernels: &[Kernel],
    open: &mut bool,
) -> Result<KernelPrice, LayerError> {
    let mut total = KernelPrice::default();
    for k in kernels {
        let fused = profile.fusion.fuses(open, k);
        let class = match k.alpha {
            Some(input) => Some((
                input,
                profile.class(input.op, input.kernel_area).ok_or_else(|| {
                    LayerError::Invalid(format!(
                        "profile `{}` has no alpha class for {} kernels of area {}; add one to its alpha classes",
                        profile.name,
                        input.op.name(),
                        input.kernel_area
                    ))
                })?,
            )),
            None => None,
        };
        let alpha = class.map_or(1.0, |(input, c)| c.alpha(input));
        if let (false, Some((_, c))) = ((alpha * k.flops as f64).is_finite(), class) {
            // Only an extreme γ gets here: α = base^γ, or α·FLOPs, past f64's range.
            return Err(LayerError::Invalid(format!(
                "profile `{}` prices this kernel at α = {alpha} (class {}, gamma = {}); lower that gamma or refit the profile",
                profile.name,
                c.label(),
                c.gamma
            )));
        }
        let mut alpha_flops = alpha * k.flops as f64;
        total.extrapolated |= profile.outside_fitted_range(k);
        let elementwise = profile.elementwise_class_of(k);
        let ms = if fused {
            crate::timing::epilogue_ms(profile, k)
        } else {
            let gemm = k.gemm.zip(class).and_then(|(g, (input, c))| {
                Some((g, c.gemm_alpha(input), profile.gemm_class(input.op)?))
            });
            let ms = match (gemm, elementwise) {
                (Some((g, a, c)), _) => c.kernel_ms(profile, k, g, a),
                (None, Some(c)) => c.kernel_ms(profile, k),
                (None, None) => profile.kernel_ms(
                    class.map(|(_, c)| c),
                    alpha_flops,
                    profile.memory_elements(k),
                ),
            };
            // The measured rows' correction ([`crate::residual`]) scales the form's time,
            // never the device's physical floor.
            let residual = match (&profile.residual, k.alpha, k.gemm) {
                (Some(r), Some(input), Some(g)) => r.factor(input.op, g),
                _ => 1.0,
            };
            (ms * residual).max(profile.physical_floor_ms(k))
        };
        if elementwise.is_some() && class.is_none() && k.flops > 0 {
            // A measured element-wise kernel's α-FLOPs are its time in convolution α-FLOPs
            // (see `crate::timing`), fused or not; a kernel without FLOPs keeps none.
            alpha_flops = ms / profile.ms_per_alpha_flop();
        }
        total.alpha_flops += alpha_flops;
        total.predicted_ms += ms;
    }
    Ok(total)
}

/// The cost of one layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerCost {
    pub name: String,
    pub op: String,
    pub input: Shape,
    pub output: Shape,
    pub params: u64,
    /// Multiply-accumulates.
    pub macs: u64,
    /// `2·macs` plus element-wise FLOPs.
    pub flops: u64,
    /// Effective α: `alpha_flops / flops` (1 for layers without FLOPs).
    pub alpha: f64,
    pub alpha_flops: f64,
    pub predicted_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_j: Option<f64>,
    /// Share of the model's predicted time, in percent.
    pub share_pct: f64,
    /// The prediction extrapolates: a kernel lies outside the range the profile's fit
    /// covered (serialized only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extrapolated: bool,
    /// The layers of a nested block, whose sums this layer's numbers are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<LayerCost>,
}

impl LayerCost {
    pub fn new(name: String, op: &str, input: Shape, eval: &LayerEval, price: KernelPrice) -> Self {
        let flops = eval.flops();
        LayerCost {
            name,
            op: op.to_string(),
            input,
            output: eval.output.clone(),
            params: eval.params,
            macs: eval.macs(),
            flops,
            alpha: if flops == 0 {
                1.0
            } else {
                price.alpha_flops / flops as f64
            },
            alpha_flops: price.alpha_flops,
            predicted_ms: price.predicted_ms,
            energy_j: None,
            share_pct: 0.0,
            extrapolated: price.extrapolated,
            children: Vec::new(),
        }
    }
}

/// The cost of a whole model on one profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCost {
    pub model: String,
    /// The profile's name.
    pub profile: String,
    pub device: String,
    pub input: Shape,
    pub output: Shape,
    pub params: u64,
    /// Multiply-accumulates.
    pub macs: u64,
    /// `2·macs` plus element-wise FLOPs.
    pub flops: u64,
    pub alpha_flops: f64,
    pub predicted_ms: f64,
    /// Joules per inference, when the profile gives the device's power.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_j: Option<f64>,
    /// Parameters that run per token: `params` but for the idle experts.
    #[serde(default)]
    pub active_params: u64,
    /// `params` × bytes per element ([`crate::memory`] has the rules of all memory metrics).
    #[serde(default)]
    pub weights_bytes: u64,
    /// The KV cache of the causal attention layers after this step.
    #[serde(default)]
    pub kv_cache_bytes: u64,
    /// Peak live activations, or in a training step those saved for backward.
    #[serde(default)]
    pub activation_bytes: u64,
    /// A training step's gradients and optimizer state (0 for inference).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub training_state_bytes: u64,
    pub layers: Vec<LayerCost>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl ModelCost {
    /// Totals and shares from per-layer costs. [`crate::Model::price`] has checked that the
    /// counts add up within u64; here they saturate rather than wrap.
    pub(crate) fn from_layers(
        model: &str,
        profile: &Profile,
        input: Shape,
        output: Shape,
        mut layers: Vec<LayerCost>,
    ) -> Self {
        let total_ms: f64 = layers.iter().map(|l| l.predicted_ms).sum();
        // Shares and energy for every layer, nested ones included, against the model's total.
        fn shares(layers: &mut [LayerCost], total_ms: f64, profile: &Profile) {
            for l in layers {
                l.share_pct = if total_ms > 0.0 {
                    100.0 * l.predicted_ms / total_ms
                } else {
                    0.0
                };
                l.energy_j = profile.energy_j(l.predicted_ms);
                shares(&mut l.children, total_ms, profile);
            }
        }
        shares(&mut layers, total_ms, profile);
        let add =
            |f: fn(&LayerCost) -> u64| layers.iter().fold(0u64, |acc, l| acc.saturating_add(f(l)));
        ModelCost {
            model: model.to_string(),
            profile: profile.name.clone(),
            device: profile.device.name.clone(),
            input,
            output,
            params: add(|l| l.params),
            macs: add(|l| l.macs),
            flops: add(|l| l.flops),
            alpha_flops: layers.iter().map(|l| l.alpha_flops).sum(),
            predicted_ms: total_ms,
            energy_j: profile.energy_j(total_ms),
            active_params: 0,
            weights_bytes: 0,
            kv_cache_bytes: 0,
            activation_bytes: 0,
            training_state_bytes: 0,
            layers,
        }
    }

    /// Weights, KV cache, activations and training state together.
    pub fn memory_bytes(&self) -> u64 {
        self.weights_bytes
            .saturating_add(self.kv_cache_bytes)
            .saturating_add(self.activation_bytes)
            .saturating_add(self.training_state_bytes)
    }

    /// The names of the top-level layers whose predictions extrapolate.
    pub fn extrapolated_layers(&self) -> Vec<&str> {
        self.layers
            .iter()
            .filter(|l| l.extrapolated)
            .map(|l| l.name.as_str())
            .collect()
    }

    /// The `n` layers with the largest predicted time, costliest first.
    pub fn top_layers(&self, n: usize) -> Vec<&LayerCost> {
        let mut sorted: Vec<&LayerCost> = self.layers.iter().collect();
        sorted.sort_by(|a, b| b.predicted_ms.total_cmp(&a.predicted_ms));
        sorted.truncate(n);
        sorted
    }
}
