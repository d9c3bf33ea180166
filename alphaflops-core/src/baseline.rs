//! Regression baselines: the committed cost of each model, so a build can fail when a model
//! got more expensive. `cargo alphaflops bless` writes the file; `#[cost_budget]` reads it.
//!
//! ```toml
//! format = 1
//! tolerance_pct = 1.0     # a rise of up to 1 % is noise, not a regression
//!
//! [[model]]
//! package = "my-models"
//! model = "LeNet"
//! profile = "quadro-t2000-asperti2021"
//! params = 61706
//! macs = 416520
//! alpha_flops = 220702.4
//! predicted_ms = 0.004138
//! ```

use serde::{Deserialize, Serialize};

use crate::budget::Metric;
use crate::cost::ModelCost;
use crate::profile::{ProfileError, line_col};

/// [`Change::metric`] by its baseline name.
mod baseline_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    use crate::budget::Metric;

    pub fn serialize<S: Serializer>(m: &Metric, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.baseline_key())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Metric, D::Error> {
        let name = String::deserialize(d)?;
        Metric::BASELINE
            .into_iter()
            .find(|m| m.baseline_key() == name)
            .ok_or_else(|| {
                let names = Metric::BASELINE.map(Metric::baseline_key).join(", ");
                D::Error::custom(format!("unknown metric `{name}`: use one of {names}"))
            })
    }
}

/// The file name `cargo alphaflops bless` writes at the workspace root.
pub const BASELINE_FILE: &str = "alphaflops-baseline.toml";
pub const FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    #[serde(deserialize_with = "format_version")]
    pub format: u32,
    /// Rises up to this percentage are not regressions.
    #[serde(default, deserialize_with = "crate::profile::non_negative")]
    pub tolerance_pct: f64,
    #[serde(default, rename = "model")]
    pub models: Vec<Entry>,
}

/// One model's committed cost on one profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub package: String,
    pub model: String,
    pub profile: String,
    pub params: u64,
    pub macs: u64,
    // A NaN or negative value here would compare as no regression at all.
    #[serde(deserialize_with = "crate::profile::non_negative")]
    pub alpha_flops: f64,
    #[serde(deserialize_with = "crate::profile::non_negative")]
    pub predicted_ms: f64,
    /// Weights, KV cache and activations in MB; absent in baselines written before it was
    /// recorded, which then compare on the other metrics only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::profile::opt_non_negative"
    )]
    pub memory_mb: Option<f64>,
}

/// `format = 1`; another version is refused where it is written.
fn format_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    crate::profile::version(
        d,
        FORMAT,
        "baseline",
        "; rewrite it with `cargo alphaflops bless`",
    )
}

/// One metric, baseline against head.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Params, MACs, α-FLOPs or time; named as in the baseline file (`params`, `macs`,
    /// `alpha_flops`, `predicted_ms`) when serialized.
    #[serde(with = "baseline_name")]
    pub metric: Metric,
    pub base: f64,
    pub head: f64,
    /// `100·(head − base)/base`; infinite when the base is 0 and the head is not.
    pub change_pct: f64,
    /// Above `base × (1 + tolerance)`.
    pub regression: bool,
}

impl Entry {
    /// The entry for a priced model.
    pub fn of(package: &str, cost: &ModelCost) -> Entry {
        Entry {
            package: package.to_string(),
            model: cost.model.clone(),
            profile: cost.profile.clone(),
            params: cost.params,
            macs: cost.macs,
            alpha_flops: cost.alpha_flops,
            predicted_ms: cost.predicted_ms,
            memory_mb: Metric::MemoryMb.value(cost),
        }
    }

    /// The stored value of one of [`Metric::BASELINE`] (`None` for the others).
    pub fn value(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Params => Some(self.params as f64),
            Metric::Macs => Some(self.macs as f64),
            Metric::AlphaFlops => Some(self.alpha_flops),
            Metric::TimeMs => Some(self.predicted_ms),
            Metric::MemoryMb => self.memory_mb,
            Metric::Flops | Metric::EnergyMj | Metric::WeightsMb | Metric::ActiveParams => None,
        }
    }

    /// Each metric of `head` against this baseline.
    pub fn compare(&self, head: &ModelCost, tolerance_pct: f64) -> Vec<Change> {
        Metric::BASELINE
            .into_iter()
            .filter_map(|metric| Some((metric, self.value(metric)?, metric.value(head)?)))
            .map(|(metric, base, head)| {
                let change_pct = if base == 0.0 {
                    if head == 0.0 { 0.0 } else { f64::INFINITY }
                } else {
                    100.0 * (head - base) / base
                };
                // Relative slack on the stored value keeps float round-trips from flagging.
                let limit = base * (1.0 + tolerance_pct / 100.0) + base.abs() * 1e-9;
                Change {
                    metric,
                    base,
                    head,
                    change_pct,
                    regression: head > limit,
                }
            })
            .collect()
    }
}

impl Baseline {
    pub fn new(tolerance_pct: f64) -> Baseline {
        Baseline {
            format: FORMAT,
            tolerance_pct,
            models: Vec::new(),
        }
    }

    /// Parses a baseline; errors name `origin:line:col` like a profile's.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Baseline, ProfileError> {
        let error = |line, column, message: String| ProfileError {
            origin: origin.to_string(),
            line,
            column,
            message,
        };
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            error(line, column, e.message().to_string())
        })
    }

    /// The TOML `cargo alphaflops bless` writes: entries sorted, so diffs stay small.
    pub fn to_toml_string(&self) -> String {
        let mut sorted = self.clone();
        sorted.models.sort_by(|a, b| {
            (&a.package, &a.model, &a.profile).cmp(&(&b.package, &b.model, &b.profile))
        });
        let body = toml::to_string(&sorted)
            .unwrap_or_else(|e| unreachable!("a baseline always serializes: {e}"));
        format!(
            "# Written by `cargo alphaflops bless`: the accepted cost of every annotated model.\n{body}"
        )
    }

    /// What `bless` writes: `entries`, the models priced now, replace the old entries on the
    /// profiles they were priced on; entries on any other profile are kept, so one file can
    /// hold a model's cost on several devices (bless under each `ALPHAFLOPS_PROFILE`).
    pub fn blessed(old: Option<&Baseline>, entries: Vec<Entry>, tolerance_pct: f64) -> Baseline {
        let mut new = Baseline::new(tolerance_pct);
        let priced: std::collections::BTreeSet<&str> =
            entries.iter().map(|e| e.profile.as_str()).collect();
        new.models = old
            .into_iter()
            .flat_map(|b| &b.models)
            .filter(|e| !priced.contains(e.profile.as_str()))
            .cloned()
            .collect();
        new.models.extend(entries);
        new.models.sort_by(|a, b| {
            (&a.package, &a.model, &a.profile).cmp(&(&b.package, &b.model, &b.profile))
        });
        new
    }

    /// The entries on none of `priced`: a run that prices every model on other profiles
    /// neither checks nor removes them.
    pub fn other_profiles<'a>(&'a self, priced: &[&str]) -> Vec<&'a Entry> {
        self.models
            .iter()
            .filter(|e| !priced.contains(&e.profile.as_str()))
            .collect()
    }

    pub fn find(&self, package: &str, model: &str, profile: &str) -> Option<&Entry> {
        self.models
            .iter()
            .find(|e| e.package == package && e.model == model && e.profile == profile)
    }
}
