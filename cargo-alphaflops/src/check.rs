//! `cargo xtask check`: the CI gate. Compiles the workspace, compares every annotated model
//! with `alphaflops-baseline.toml` and its budgets, prints one table, and fails when a model
//! got more expensive than its baseline (beyond the tolerance) or is over a budget.

use std::collections::BTreeSet;

use alphaflops_core::baseline::Baseline;
use alphaflops_core::report::{si, sig4};
use alphaflops_core::{Metric, Verdict};

use crate::Result;
use crate::bless::pct;
use crate::collect::{ModelReport, Workspace, WorkspaceArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// The last line `check` prints.
pub const BLESS_HINT: &str = "accept these costs with: cargo xtask bless";

pub fn run(args: Args) -> Result<()> {
    let ws = Workspace::find(&args.workspace)?;
    let path = ws.baseline_path();
    let baseline = ws.read_baseline()?;
    let reports = ws.collect()?;
    let outcome = judge(&reports, baseline.as_ref());
    if baseline.is_none() {
        outln!("warning: no baseline file {}; create it with `cargo xtask bless`", path.display());
    }
    out!("{}", outcome.render(baseline.as_ref().map_or(0.0, |b| b.tolerance_pct)));
    outln!("{BLESS_HINT}");
    if outcome.failed() {
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        std::process::exit(1);
    }
    Ok(())
}

/// One table row.
#[derive(Debug, Default)]
struct Row {
    model: String,
    profile: String,
    metric: String,
    base: String,
    head: String,
    change: String,
    budget: String,
    status: String,
}

#[derive(Debug, Default)]
struct Outcome {
    rows: Vec<Row>,
    regressions: usize,
    over_budget: usize,
    stale: Vec<String>,
    missing: Vec<String>,
    models: usize,
}

impl Outcome {
    fn failed(&self) -> bool {
        self.regressions > 0 || self.over_budget > 0
    }

    fn render(&self, tolerance: f64) -> String {
        let mut s = String::new();
        if self.rows.is_empty() {
            s.push_str("no model has a baseline entry or a budget\n");
        } else {
            s.push_str(&table(&self.rows));
        }
        for m in &self.missing {
            s.push_str(&format!("warning: {m} has no baseline entry\n"));
        }
        for m in &self.stale {
            s.push_str(&format!("warning: stale baseline entry {m}: no such model in the workspace\n"));
        }
        if self.failed() {
            s.push_str(&format!(
                "check failed: {} metric(s) above the baseline beyond the {tolerance} % tolerance, {} budget(s) exceeded\n",
                self.regressions, self.over_budget
            ));
            if self.over_budget > 0 {
                s.push_str("over budget: make the model cheaper or raise its budget in #[cost_budget(...)]\n");
            }
        } else {
            s.push_str(&format!("check passed: {} model(s) within their baselines and budgets\n", self.models));
        }
        s
    }
}

fn value(metric: Metric, v: f64) -> String {
    match metric {
        Metric::TimeMs | Metric::EnergyMj => sig4(v),
        _ => si(v),
    }
}

fn budget_cell(v: &Verdict) -> String {
    let m = v.budget.metric;
    let used = v.used();
    let used = if used.is_empty() { String::new() } else { format!(" ({used})") };
    format!("{} {}{used}", if v.over() { ">" } else { "≤" }, value(m, v.budget.limit))
}

fn judge(reports: &[ModelReport], baseline: Option<&Baseline>) -> Outcome {
    let mut o = Outcome { models: reports.len(), ..Outcome::default() };
    let tolerance = baseline.map_or(0.0, |b| b.tolerance_pct);
    for r in reports {
        let mut verdicts: Vec<Option<&Verdict>> = r.verdicts.iter().map(Some).collect();
        let mut take =
            |m: Metric| verdicts.iter_mut().find(|v| v.is_some_and(|v| v.budget.metric == m)).and_then(Option::take);
        let mut status = |regression: bool, over: bool, improved: bool| {
            o.regressions += regression as usize;
            o.over_budget += over as usize;
            match (regression, over) {
                (true, true) => "✗ regression, over budget",
                (true, false) => "✗ regression",
                (false, true) => "✗ over budget",
                _ if improved => "improved",
                _ => "ok",
            }
            .to_string()
        };
        let entry = baseline.and_then(|b| b.find(&r.package, &r.model, &r.cost.profile));
        let mut rows = Vec::new();
        match entry {
            Some(e) => {
                for c in e.compare(&r.cost, tolerance) {
                    let metric = c.metric;
                    let verdict = take(metric);
                    let improved = c.head < c.base * (1.0 - tolerance / 100.0);
                    rows.push(Row {
                        metric: c.metric.baseline_key().to_string(),
                        base: value(metric, c.base),
                        head: value(metric, c.head),
                        change: pct(c.base, c.head),
                        budget: verdict.map_or("—".into(), budget_cell),
                        status: status(c.regression, verdict.is_some_and(Verdict::over), improved),
                        ..Row::default()
                    });
                }
            }
            None => o.missing.push(format!("{} on {}", r.id(), r.cost.profile)),
        }
        for v in verdicts.into_iter().flatten() {
            let m = v.budget.metric;
            rows.push(Row {
                metric: m.key().to_string(),
                base: "—".into(),
                head: value(m, v.value),
                change: "—".into(),
                budget: budget_cell(v),
                status: status(false, v.over(), false),
                ..Row::default()
            });
        }
        for mut row in rows {
            row.model = r.id();
            row.profile = r.cost.profile.clone();
            o.rows.push(row);
        }
    }
    if let Some(b) = baseline {
        let present: BTreeSet<(&str, &str, &str)> = reports.iter().map(ModelReport::key).collect();
        for e in &b.models {
            if !present.contains(&(e.package.as_str(), e.model.as_str(), e.profile.as_str())) {
                o.stale.push(format!("{}::{} on {}", e.package, e.model, e.profile));
            }
        }
    }
    o
}

/// A Markdown table with padded columns, readable in a terminal and in a PR comment.
fn table(rows: &[Row]) -> String {
    let header = ["model", "profile", "metric", "base", "head", "change %", "budget", "status"];
    let cells: Vec<[&str; 8]> = rows
        .iter()
        .map(|r| [&*r.model, &*r.profile, &*r.metric, &*r.base, &*r.head, &*r.change, &*r.budget, &*r.status])
        .collect();
    let mut width = header.map(|h| h.chars().count());
    for c in &cells {
        for (w, cell) in width.iter_mut().zip(c) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Numbers right-aligned.
    let right = [false, false, false, true, true, true, false, false];
    let line = |c: &[&str; 8]| {
        let mut s = String::from("|");
        for i in 0..8 {
            let pad = " ".repeat(width[i] - c[i].chars().count());
            if right[i] {
                s.push_str(&format!(" {pad}{} |", c[i]));
            } else {
                s.push_str(&format!(" {}{pad} |", c[i]));
            }
        }
        s.push('\n');
        s
    };
    let mut s = line(&header);
    s.push('|');
    for i in 0..8 {
        let dashes = "-".repeat(width[i].max(3) - right[i] as usize);
        s.push_str(&format!(" {dashes}{} |", if right[i] { ":" } else { "" }));
    }
    s.push('\n');
    for c in &cells {
        s.push_str(&line(c));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops_core::baseline::Entry;
    use alphaflops_core::{Budget, Conv, Layer, Model, Profile};

    fn report(model: &str, out_channels: u64, budget: f64) -> ModelReport {
        let mut m = Model::new(model, [1, 3, 8, 8]);
        m.push("conv", Layer::Conv(Conv::new(3, out_channels, &[3, 3])));
        let cost = m.price(&Profile::default_profile()).unwrap();
        let verdicts = vec![Budget { metric: Metric::Params, limit: budget }.check(&cost).unwrap()];
        ModelReport { package: "p".into(), model: model.into(), cost, verdicts }
    }

    #[test]
    fn regressions_budgets_stale_and_missing() {
        let mut b = Baseline::new(1.0);
        b.models.push(Entry::of("p", &report("A", 8, 1e9).cost));
        b.models.push(Entry::of("p", &report("Gone", 8, 1e9).cost));
        let same = judge(&[report("A", 8, 1e9)], Some(&b));
        assert!(!same.failed(), "{same:?}");
        assert_eq!(same.stale, vec!["p::Gone on quadro-t2000-asperti2021"]);
        assert_eq!(same.rows.len(), 4);

        let grown = judge(&[report("A", 16, 1e9), report("New", 8, 10.0)], Some(&b));
        assert!(grown.failed());
        assert_eq!(grown.over_budget, 1);
        assert!(grown.regressions >= 2, "{grown:?}");
        assert_eq!(grown.missing, vec!["p::New on quadro-t2000-asperti2021"]);
        let text = grown.render(1.0);
        assert!(text.contains("✗ regression") && text.contains("+100.00 %"), "{text}");
        assert!(text.contains("✗ over budget") && text.contains("check failed"), "{text}");

        let none = judge(&[report("A", 8, 1e9)], None);
        assert!(!none.failed() && none.missing.len() == 1 && none.rows.len() == 1, "{none:?}");
    }
}
