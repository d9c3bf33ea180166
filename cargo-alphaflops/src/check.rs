//! `cargo alphaflops check`: the CI gate. Compiles the workspace, compares every annotated
//! model with `alphaflops-baseline.toml` and its budgets, prints one table, regressions
//! first, and names each regression and exceeded budget with its model, metric and
//! base → head.
//!
//! `check` follows each model's `level`, as the build does: a `deny` model that regressed or
//! is over a budget fails the check (exit 1), a `warn` model (the default) is reported and
//! passes. `--deny`, or `ALPHAFLOPS_LEVEL=deny`, judges every model at `deny`.

use alphaflops_core::baseline::Baseline;

use crate::Result;
use crate::collect::{Workspace, WorkspaceArgs};
use crate::judge::{Judgement, Level, budget_cell, forced_level, judge, pct, value};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fail on every regression and exceeded budget, whatever each model's level
    #[arg(long)]
    pub deny: bool,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Compiles, judges and prints; `Ok(false)` when the check failed.
pub fn run(args: Args) -> Result<bool> {
    let forced = forced_level(args.deny)?;
    let ws = Workspace::find(&args.workspace)?;
    let path = ws.baseline_path();
    let baseline = ws.read_baseline()?;
    let reports = ws.collect()?;
    let judgement = judge(&reports, baseline.as_ref(), forced);
    if baseline.is_none() {
        outln!(
            "warning: no baseline file {}; create it with `{} bless`",
            path.display(),
            crate::cmd()
        );
    }
    out!("{}", render(&judgement, baseline.as_ref()));
    Ok(!judgement.failed())
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

/// The table, the problems one per line, the summary and what to do next.
fn render(j: &Judgement, baseline: Option<&Baseline>) -> String {
    let mut rows = Vec::new();
    for m in &j.models {
        for l in &m.lines {
            let mark = if m.level == Level::Deny { "✗" } else { "⚠" };
            let status = match (l.regression, l.over()) {
                (true, true) => format!("{mark} regression, over budget"),
                (true, false) => format!("{mark} regression"),
                (false, true) => format!("{mark} over budget"),
                _ if l.improved => "improved".into(),
                _ => "ok".into(),
            };
            rows.push(Row {
                model: m.report.id(),
                profile: m.report.cost.profile.clone(),
                metric: match l.base {
                    Some(_) => l.metric.baseline_key(),
                    None => l.metric.key(),
                }
                .to_string(),
                base: l.base.map_or("—".into(), |b| value(l.metric, b)),
                head: value(l.metric, l.head),
                change: l.base.map_or("—".into(), |b| pct(b, l.head)),
                budget: l.budget.as_ref().map_or("—".into(), budget_cell),
                status,
            });
        }
    }
    let mut s = String::new();
    if rows.is_empty() {
        s.push_str("no model has a baseline entry or a budget\n");
    } else {
        s.push_str(&table(&rows));
    }
    // Each problem with its model, metric and base → head.
    let (mut regressions, mut over, mut warned) = (0, 0, 0);
    for m in &j.models {
        let (mark, level) = match m.level {
            Level::Deny => ("✗", "deny"),
            Level::Warn => ("⚠", "warn"),
        };
        for l in m.regressions() {
            s.push_str(&format!(
                "{mark} regression: {} on {}: {} {}, above the baseline beyond the {} % tolerance (level {level})\n",
                m.report.id(),
                m.report.cost.profile,
                l.metric.baseline_key(),
                l.base_to_head(),
                j.tolerance_pct
            ));
        }
        for l in m.over_budget() {
            let Some(v) = &l.budget else { continue };
            let used = v.used();
            let used = if used.is_empty() {
                String::new()
            } else {
                format!(", {used}")
            };
            s.push_str(&format!(
                "{mark} over budget: {} on {}: {} {} > {}{used} (level {level})\n",
                m.report.id(),
                m.report.cost.profile,
                l.metric.key(),
                value(l.metric, l.head),
                value(l.metric, v.budget.limit),
            ));
        }
        let (r, o) = (m.regressions().count(), m.over_budget().count());
        match m.level {
            Level::Deny => (regressions, over) = (regressions + r, over + o),
            Level::Warn => warned += r + o,
        }
    }
    for m in j.models.iter().filter(|m| !m.has_entry) {
        s.push_str(&format!(
            "warning: {} on {} has no baseline entry\n",
            m.report.id(),
            m.report.cost.profile
        ));
    }
    for e in &j.stale {
        s.push_str(&format!(
            "warning: stale baseline entry {e}: no such model in the workspace\n"
        ));
    }
    if !j.other_profiles.is_empty() {
        let profiles: std::collections::BTreeSet<&str> = j
            .other_profiles
            .iter()
            .filter_map(|e| e.rsplit_once(" on ").map(|(_, p)| p))
            .collect();
        s.push_str(&format!(
            "note: {} baseline entries on other profiles were not checked ({}); check them with ALPHAFLOPS_PROFILE=<profile> {} check\n",
            j.other_profiles.len(),
            profiles.into_iter().collect::<Vec<_>>().join(", "),
            crate::cmd()
        ));
    }
    let tolerance = baseline.map_or(0.0, |b| b.tolerance_pct);
    if j.failed() {
        s.push_str(&format!(
            "check failed: {regressions} metric(s) above the baseline beyond the {tolerance} % tolerance, {over} budget(s) exceeded\n"
        ));
    } else {
        let n = j.models.len();
        if warned == 0 {
            s.push_str(&format!(
                "check passed: {n} model(s) within their baselines and budgets\n"
            ));
        } else {
            s.push_str(&format!(
                "check passed with {warned} warning(s) at level = \"warn\" (--deny fails on them): {n} model(s)\n"
            ));
        }
    }
    // What fixes what: bless accepts new costs; only the model or its budget fixes a budget.
    let over_any = j.models.iter().any(|m| m.over_budget().next().is_some());
    let bless_fixes = !j.has_baseline
        || !j.stale.is_empty()
        || j.models
            .iter()
            .any(|m| !m.has_entry || m.regressions().next().is_some());
    if over_any {
        s.push_str("over budget: make the model cheaper or raise its budget in #[cost_budget(...)]; bless does not change budgets\n");
    }
    if bless_fixes {
        s.push_str(&format!(
            "accept these costs with: {} bless\n",
            crate::cmd()
        ));
    }
    s
}

/// A Markdown table with padded columns, readable in a terminal and in a PR comment.
fn table(rows: &[Row]) -> String {
    let header = [
        "model", "profile", "metric", "base", "head", "change %", "budget", "status",
    ];
    let cells: Vec<[&str; 8]> = rows
        .iter()
        .map(|r| {
            [
                &*r.model,
                &*r.profile,
                &*r.metric,
                &*r.base,
                &*r.head,
                &*r.change,
                &*r.budget,
                &*r.status,
            ]
        })
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
    use crate::judge::tests::report;
    use alphaflops_core::baseline::Entry;

    #[test]
    fn names_model_metric_and_base_to_head_and_says_what_fixes_it() {
        let mut b = Baseline::new(1.0);
        b.models
            .push(Entry::of("p", &report("A", 8, 1e9, Level::Deny).cost));
        let reports = [
            report("A", 16, 1e9, Level::Deny),
            report("B", 8, 10.0, Level::Deny),
        ];
        let text = render(&judge(&reports, Some(&b), None), Some(&b));
        // Regressions first: A's rows come before B's.
        let a = text.find("| p::A").unwrap();
        assert!(a < text.find("| p::B").unwrap(), "{text}");
        assert!(
            text.contains(
                "✗ regression: p::A on quadro-t2000-asperti2021: params 224 → 448 (+100.00 %)"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "✗ over budget: p::B on quadro-t2000-asperti2021: params 224 > 10, 22.40× the budget (level deny)"
            ),
            "{text}"
        );
        assert!(
            text.contains("check failed: 5 metric(s) above the baseline"),
            "{text}"
        );
        assert!(
            text.contains("bless does not change budgets")
                && text.ends_with("accept these costs with: cargo alphaflops bless\n"),
            "{text}"
        );

        // Blessed, but still over a budget: bless is not suggested.
        let mut b = Baseline::new(1.0);
        b.models.push(Entry::of("p", &reports[1].cost));
        let text = render(&judge(&reports[1..], Some(&b), None), Some(&b));
        assert!(
            text.contains("check failed: 0 metric(s)") && !text.contains("bless\n"),
            "{text}"
        );

        // At level warn the same passes, with a warning.
        let warn = [report("B", 8, 10.0, Level::Warn)];
        let j = judge(&warn, Some(&b), None);
        let text = render(&j, Some(&b));
        assert!(
            !j.failed() && text.contains("⚠ over budget: p::B"),
            "{text}"
        );
        assert!(
            text.contains("check passed with 1 warning(s) at level = \"warn\" (--deny fails on them): 1 model(s)"),
            "{text}"
        );
    }
}
