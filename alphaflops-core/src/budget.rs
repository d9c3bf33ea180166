//! Budgets: limits on a model's cost and the verdicts against them. The macro judges with
//! these at compile time; `CostModel::budgets` gives the same at run time.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cost::ModelCost;
use crate::report::{si, sig4};

/// What a budget limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    AlphaFlops,
    Flops,
    Macs,
    Params,
    TimeMs,
    EnergyMj,
    /// Weights in MB (10⁶ bytes).
    WeightsMb,
    /// Weights, KV cache, peak activations (and a training step's state) in MB.
    MemoryMb,
    ActiveParams,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::AlphaFlops,
        Metric::Flops,
        Metric::Macs,
        Metric::Params,
        Metric::TimeMs,
        Metric::EnergyMj,
        Metric::WeightsMb,
        Metric::MemoryMb,
        Metric::ActiveParams,
    ];

    /// The metrics a baseline file stores for each model, in its order.
    pub const BASELINE: [Metric; 5] = [
        Metric::Params,
        Metric::Macs,
        Metric::AlphaFlops,
        Metric::TimeMs,
        Metric::MemoryMb,
    ];

    /// The attribute key and JSON name: `alpha_flops`, `time_ms`, …
    pub fn key(self) -> &'static str {
        match self {
            Metric::AlphaFlops => "alpha_flops",
            Metric::Flops => "flops",
            Metric::Macs => "macs",
            Metric::Params => "params",
            Metric::TimeMs => "time_ms",
            Metric::EnergyMj => "energy_mj",
            Metric::WeightsMb => "weights_mb",
            Metric::MemoryMb => "memory_mb",
            Metric::ActiveParams => "active_params",
        }
    }

    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The name in a baseline file (`alphaflops-baseline.toml`, [`crate::baseline::Change`]):
    /// as [`Metric::key`], except that time is `predicted_ms`.
    pub fn baseline_key(self) -> &'static str {
        match self {
            Metric::TimeMs => "predicted_ms",
            m => m.key(),
        }
    }

    /// The unit after a number in messages.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::AlphaFlops => "α-FLOPs",
            Metric::Flops => "FLOPs",
            Metric::Macs => "MACs",
            Metric::Params => "params",
            Metric::TimeMs => "ms",
            Metric::EnergyMj => "mJ",
            Metric::WeightsMb | Metric::MemoryMb => "MB",
            Metric::ActiveParams => "active params",
        }
    }

    /// The metric's value for a cost; `None` for energy on a profile without power.
    pub fn value(self, cost: &ModelCost) -> Option<f64> {
        Some(match self {
            Metric::AlphaFlops => cost.alpha_flops,
            Metric::Flops => cost.flops as f64,
            Metric::Macs => cost.macs as f64,
            Metric::Params => cost.params as f64,
            Metric::TimeMs => cost.predicted_ms,
            Metric::EnergyMj => cost.energy_j? * 1000.0,
            Metric::WeightsMb => cost.weights_bytes as f64 / 1e6,
            Metric::MemoryMb => cost.memory_bytes() as f64 / 1e6,
            Metric::ActiveParams => cost.active_params as f64,
        })
    }

    /// A value with its unit: `1.81 G MACs`, `0.5000 ms`.
    pub fn format(self, value: f64) -> String {
        match self {
            Metric::TimeMs | Metric::EnergyMj | Metric::WeightsMb | Metric::MemoryMb => {
                format!("{} {}", sig4(value), self.unit())
            }
            _ => format!("{} {}", si(value), self.unit()),
        }
    }
}

/// A limit on one metric.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub metric: Metric,
    pub limit: f64,
}

/// A budget and the model's value against it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub budget: Budget,
    pub value: f64,
}

impl Verdict {
    pub fn over(&self) -> bool {
        self.value > self.budget.limit
    }

    /// Share of the budget used in percent, or `None` for a zero budget.
    pub fn used_pct(&self) -> Option<f64> {
        (self.budget.limit > 0.0).then(|| 100.0 * self.value / self.budget.limit)
    }

    /// `(12.5 % of budget)`, `(10.50× the budget)`, or nothing for a zero budget.
    pub fn used(&self) -> String {
        match self.used_pct() {
            Some(pct) if pct < 1000.0 => format!("{pct:.1} % of budget"),
            Some(pct) => format!("{}× the budget", si(pct / 100.0)),
            None => String::new(),
        }
    }
}

impl Budget {
    /// The verdict on `cost`; `None` when the metric cannot be predicted (energy without power).
    pub fn check(&self, cost: &ModelCost) -> Option<Verdict> {
        Some(Verdict {
            budget: *self,
            value: self.metric.value(cost)?,
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.budget.metric;
        write!(
            f,
            "{}: {} {} {}",
            m.key(),
            m.format(self.value),
            if self.over() { ">" } else { "≤" },
            m.format(self.budget.limit)
        )?;
        let used = self.used();
        if !used.is_empty() {
            write!(f, " ({used})")?;
        }
        f.write_str(if self.over() {
            " — over budget"
        } else {
            " — within budget"
        })
    }
}

/// The Markdown table of verdicts (for rustdoc).
pub fn verdict_table(verdicts: &[Verdict], level: &str) -> String {
    let mut s = format!(
        "\n**Budgets** (level `{level}`):\n\n| metric | predicted | budget | used | verdict |\n|---|---:|---:|---:|---|\n"
    );
    for v in verdicts {
        let m = v.budget.metric;
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.key(),
            m.format(v.value),
            m.format(v.budget.limit),
            v.used_pct()
                .map_or_else(|| "—".to_string(), |pct| format!("{pct:.1} %")),
            if v.over() {
                "**over budget**"
            } else {
                "within budget"
            }
        ));
    }
    s
}
