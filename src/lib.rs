//! alphaflops: price burn and candle models in α-FLOPs at build time.
#![doc = include_str!("../README.md")]

pub use alphaflops_core::*;
#[doc(hidden)]
pub use alphaflops_macros::__cost_resolve;
pub use alphaflops_macros::{cost_budget, cost_model};

pub mod verify;
#[cfg(feature = "burn")]
pub use verify::verify;
#[cfg(feature = "candle")]
pub use verify::verify_candle;
pub use verify::{Layout, Mismatch, VerifyError, check};

#[cfg(feature = "burn")]
pub mod trace;
#[cfg(feature = "burn")]
pub use trace::{TraceError, TracedModel, assert_forward, trace, verify_forward};

#[doc(hidden)]
pub mod __private {
    use alphaflops_core::{Model, ModelCost, Profile};

    /// What `#[cost_budget]` expands `CostModel::cost` to: the model and profile it priced at
    /// compile time, priced again through the same functions. Both were checked when the
    /// macro ran, so a failure here is a bug in alphaflops, not in the user's code.
    pub fn price(model_json: &str, profile_toml: &str, origin: &str) -> ModelCost {
        let profile = Profile::from_toml_str(profile_toml, origin).unwrap_or_else(|e| {
            panic!("alphaflops bug: a profile checked at compile time fails at run time: {e}")
        });
        model(model_json).price(&profile).unwrap_or_else(|e| {
            panic!("alphaflops bug: a model priced at compile time fails at run time: {e}")
        })
    }

    /// The model `#[cost_budget]` recorded (see [`price`] for why this cannot fail).
    pub fn model(model_json: &str) -> Model {
        serde_json::from_str(model_json).unwrap_or_else(|e| {
            panic!("alphaflops bug: the model recorded by #[cost_budget] does not read back: {e}")
        })
    }
}
