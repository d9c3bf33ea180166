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

#[cfg(test)]
mod tests {
    use alphaflops_core::Op;

    /// README's list of layers is the catalog's: every kind is listed (`add` and `concat`
    /// where `then` is), and every layer listed is a kind.
    #[test]
    fn readme_lists_every_layer_kind() {
        let readme = include_str!("../README.md");
        let list = readme
            .split_once("Layers: ")
            .and_then(|(_, rest)| rest.split_once(" (a ViT"))
            .map(|(list, _)| list)
            .expect("README lists the layers after `Layers: `");
        // `max/avg_pool1d/2d` is four kinds, `adaptive_avg_pool1d/2d` two.
        let mut listed = Vec::new();
        for entry in list.split(',').map(str::trim) {
            let (stem, dims) = match entry.strip_suffix("1d/2d") {
                Some(stem) => (stem, &["1d", "2d"][..]),
                None => (entry, &[""][..]),
            };
            for head in stem.split('/') {
                // `max/avg_pool`: the suffix after the last part belongs to each.
                let head = match stem.rsplit_once('/') {
                    Some((_, last)) if head != last => {
                        format!("{head}{}", &last[last.find('_').unwrap_or(0)..])
                    }
                    _ => head.to_string(),
                };
                for d in dims {
                    listed.push(format!("{head}{d}"));
                }
            }
        }
        for name in &listed {
            assert!(
                Op::from_key(name).is_some(),
                "README lists `{name}`, which is no layer kind"
            );
        }
        for op in Op::ALL {
            let key = op.key();
            let found = listed.iter().any(|l| l == key) || readme.contains(&format!("`{key}`"));
            assert!(found, "README does not list the layer kind `{key}`");
        }
    }
}
