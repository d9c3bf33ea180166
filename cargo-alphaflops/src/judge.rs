//! What `check` and `report` share: each model's cost now (head) against its baseline entry
//! (base) and its budgets, and whether that fails `check` at the model's level.

use std::collections::BTreeSet;

use alphaflops_core::baseline::Baseline;
use alphaflops_core::report::{si, sig4};
use alphaflops_core::{Metric, Verdict};

use crate::collect::ModelReport;
use crate::{Result, err};

/// The variable that overrides every model's `level` (as it does for the macro).
pub const ENV_LEVEL: &str = "ALPHAFLOPS_LEVEL";

/// Whether a model's regressions and exceeded budgets fail `check` (`deny`) or only warn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// The level every model is judged at: `deny` with `--deny`, else `$ALPHAFLOPS_LEVEL` when
/// set, else `None` (each model's own `level`). The only place the variable is read.
pub fn forced_level(deny: bool) -> Result<Option<Level>> {
    if deny {
        return Ok(Some(Level::Deny));
    }
    match std::env::var(ENV_LEVEL) {
        Err(_) => Ok(None),
        Ok(v) if v == "warn" => Ok(Some(Level::Warn)),
        Ok(v) if v == "deny" => Ok(Some(Level::Deny)),
        Ok(v) => Err(err!(
            "{ENV_LEVEL}={v}: must be `warn` or `deny`; unset it to use each model's level"
        )),
    }
}

/// One metric of one model.
#[derive(Debug, Clone)]
pub struct Line {
    pub metric: Metric,
    /// The baseline's value; `None` without an entry, or for a metric the baseline does not
    /// store (a budget on FLOPs or energy).
    pub base: Option<f64>,
    pub head: f64,
    /// `100·(head − base)/base`; infinite from a base of 0.
    pub change_pct: Option<f64>,
    /// Above the base beyond the tolerance.
    pub regression: bool,
    /// Below the base beyond the tolerance.
    pub improved: bool,
    /// The budget on this metric, if any.
    pub budget: Option<Verdict>,
}

impl Line {
    pub fn over(&self) -> bool {
        self.budget.as_ref().is_some_and(Verdict::over)
    }

    pub fn bad(&self) -> bool {
        self.regression || self.over()
    }

    /// `2.4 k → 4.8 k (+100.00 %)`, or the head alone.
    pub fn base_to_head(&self) -> String {
        match self.base {
            Some(b) => format!(
                "{} → {} ({})",
                value(self.metric, b),
                value(self.metric, self.head),
                pct(b, self.head)
            ),
            None => value(self.metric, self.head),
        }
    }
}

/// How a model came out, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// A regression or an exceeded budget at level `deny`: `check` fails.
    Failed,
    /// The same at level `warn`: `check` warns.
    Warned,
    /// No baseline entry yet.
    New,
    Improved,
    Unchanged,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Failed => "failed",
            Status::Warned => "warned",
            Status::New => "new",
            Status::Improved => "improved",
            Status::Unchanged => "unchanged",
        }
    }
}

/// One model, judged.
#[derive(Debug)]
pub struct Judged<'a> {
    pub report: &'a ModelReport,
    /// The level it is judged at: forced, or its own.
    pub level: Level,
    pub has_entry: bool,
    pub lines: Vec<Line>,
}

impl Judged<'_> {
    pub fn status(&self) -> Status {
        match (self.lines.iter().any(Line::bad), self.level) {
            (true, Level::Deny) => Status::Failed,
            (true, Level::Warn) => Status::Warned,
            _ if !self.has_entry => Status::New,
            _ if self.lines.iter().any(|l| l.improved) => Status::Improved,
            _ => Status::Unchanged,
        }
    }

    pub fn regressions(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.regression)
    }

    pub fn over_budget(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.over())
    }
}

/// Every model of a run against one baseline.
#[derive(Debug)]
pub struct Judgement<'a> {
    /// Worst first (failed, warned, new, improved, unchanged), then by package, model, profile.
    pub models: Vec<Judged<'a>>,
    pub tolerance_pct: f64,
    pub has_baseline: bool,
    /// `package::Model on profile` of entries whose model is gone from a profile priced now.
    pub stale: Vec<String>,
    /// Entries on profiles no model was priced on in this run: neither checked nor stale.
    pub other_profiles: Vec<String>,
}

impl Judgement<'_> {
    pub fn count(&self, status: Status) -> usize {
        self.models.iter().filter(|m| m.status() == status).count()
    }

    pub fn failed(&self) -> bool {
        self.count(Status::Failed) > 0
    }
}

/// Judges `reports` against `baseline`; `forced` overrides every model's level.
pub fn judge<'a>(
    reports: &'a [ModelReport],
    baseline: Option<&Baseline>,
    forced: Option<Level>,
) -> Judgement<'a> {
    let tolerance = baseline.map_or(0.0, |b| b.tolerance_pct);
    let mut models = Vec::new();
    for r in reports {
        let entry = baseline.and_then(|b| b.find(&r.package, &r.model, &r.cost.profile));
        let mut verdicts: Vec<Option<&Verdict>> = r.verdicts.iter().map(Some).collect();
        let mut take = |m: Metric| {
            verdicts
                .iter_mut()
                .find(|v| v.is_some_and(|v| v.budget.metric == m))
                .and_then(Option::take)
        };
        let mut lines = Vec::new();
        if let Some(e) = entry {
            for c in e.compare(&r.cost, tolerance) {
                lines.push(Line {
                    metric: c.metric,
                    base: Some(c.base),
                    head: c.head,
                    change_pct: Some(c.change_pct),
                    regression: c.regression,
                    improved: c.head < c.base * (1.0 - tolerance / 100.0),
                    budget: take(c.metric).copied(),
                });
            }
        }
        for v in verdicts.into_iter().flatten() {
            lines.push(Line {
                metric: v.budget.metric,
                base: None,
                head: v.value,
                change_pct: None,
                regression: false,
                improved: false,
                budget: Some(*v),
            });
        }
        models.push(Judged {
            report: r,
            level: forced.unwrap_or(r.level),
            has_entry: entry.is_some(),
            lines,
        });
    }
    models.sort_by(|a, b| {
        a.status()
            .cmp(&b.status())
            .then_with(|| a.report.key().cmp(&b.report.key()))
    });

    let (mut stale, mut other_profiles) = (Vec::new(), Vec::new());
    if let Some(b) = baseline {
        let priced: BTreeSet<&str> = reports.iter().map(|r| r.cost.profile.as_str()).collect();
        let priced: Vec<&str> = priced.into_iter().collect();
        let present: BTreeSet<(&str, &str, &str)> = reports.iter().map(ModelReport::key).collect();
        let others = b.other_profiles(&priced);
        for e in &b.models {
            let name = format!("{}::{} on {}", e.package, e.model, e.profile);
            if others.iter().any(|o| std::ptr::eq(*o, e)) {
                other_profiles.push(name);
            } else if !present.contains(&(e.package.as_str(), e.model.as_str(), e.profile.as_str()))
            {
                stale.push(name);
            }
        }
    }
    Judgement {
        models,
        tolerance_pct: tolerance,
        has_baseline: baseline.is_some(),
        stale,
        other_profiles,
    }
}

/// A metric's value as tables show it: `4.8 k`, `0.5000`.
pub fn value(metric: Metric, v: f64) -> String {
    match metric {
        Metric::TimeMs | Metric::EnergyMj | Metric::WeightsMb | Metric::MemoryMb => sig4(v),
        _ => si(v),
    }
}

/// `+12.50 %`, `-3.00 %`, `from 0` for a change from zero.
pub fn pct(base: f64, head: f64) -> String {
    if base == 0.0 {
        return if head == 0.0 {
            "0.00 %".into()
        } else {
            "from 0".into()
        };
    }
    format!("{:+.2} %", 100.0 * (head - base) / base)
}

/// `≤ 1 G (12.0 % of budget)` or `> 100 (4800.0 % of budget)`.
pub fn budget_cell(v: &Verdict) -> String {
    let used = v.used();
    let used = if used.is_empty() {
        String::new()
    } else {
        format!(" ({used})")
    };
    format!(
        "{} {}{used}",
        if v.over() { ">" } else { "≤" },
        value(v.budget.metric, v.budget.limit)
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alphaflops_core::baseline::Entry;
    use alphaflops_core::{Budget, Conv, Layer, Model, Profile};

    /// `model`: one 3→`out_channels` 3×3 conv, with a params budget.
    pub(crate) fn report(model: &str, out_channels: u64, budget: f64, level: Level) -> ModelReport {
        let mut m = Model::new(model, [1, 3, 8, 8]);
        m.push("conv", Layer::Conv(Conv::new(3, out_channels, &[3, 3])));
        let cost = m.price(&Profile::default_profile()).unwrap();
        let verdicts = vec![
            Budget {
                metric: Metric::Params,
                limit: budget,
            }
            .check(&cost)
            .unwrap(),
        ];
        ModelReport {
            package: "p".into(),
            model: model.into(),
            cost,
            verdicts,
            level,
        }
    }

    #[test]
    fn regressions_budgets_levels_stale_and_other_profiles() {
        let mut b = Baseline::new(1.0);
        b.models
            .push(Entry::of("p", &report("A", 8, 1e9, Level::Warn).cost));
        b.models
            .push(Entry::of("p", &report("Gone", 8, 1e9, Level::Warn).cost));
        let mut elsewhere = Entry::of("p", &report("A", 8, 1e9, Level::Warn).cost);
        elsewhere.profile = "gpu".into();
        b.models.push(elsewhere);

        let same = [report("A", 8, 1e9, Level::Deny)];
        let j = judge(&same, Some(&b), None);
        assert!(!j.failed(), "{j:?}");
        assert_eq!(j.stale, vec!["p::Gone on quadro-t2000-asperti2021"]);
        assert_eq!(j.other_profiles, vec!["p::A on gpu"]);
        assert_eq!(j.models[0].lines.len(), 5);
        assert_eq!(j.models[0].status(), Status::Unchanged);

        // Worst first: the failed model, then the new one, then the improved one.
        let reports = [
            report("A", 4, 1e9, Level::Deny),
            report("B", 16, 1e9, Level::Deny),
            report("New", 8, 10.0, Level::Warn),
        ];
        b.models
            .push(Entry::of("p", &report("B", 8, 1e9, Level::Warn).cost));
        let j = judge(&reports, Some(&b), None);
        let order: Vec<(&str, Status)> = j
            .models
            .iter()
            .map(|m| (m.report.model.as_str(), m.status()))
            .collect();
        assert_eq!(
            order,
            [
                ("B", Status::Failed),
                ("New", Status::Warned),
                ("A", Status::Improved)
            ]
        );
        assert!(j.failed());
        let params = j.models[0]
            .regressions()
            .find(|l| l.metric == Metric::Params)
            .unwrap();
        assert_eq!(params.base_to_head(), "224 → 448 (+100.00 %)");

        // A warn-level regression passes, unless every model is forced to deny.
        let warn = [report("B", 16, 1e9, Level::Warn)];
        assert!(!judge(&warn, Some(&b), None).failed());
        assert!(judge(&warn, Some(&b), Some(Level::Deny)).failed());
        assert!(!judge(&reports, Some(&b), Some(Level::Warn)).failed());

        let none = judge(&same, None, None);
        assert!(
            !none.failed() && !none.models[0].has_entry && none.models[0].lines.len() == 1,
            "{none:?}"
        );
    }
}
