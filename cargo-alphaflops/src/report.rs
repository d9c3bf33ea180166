//! `cargo alphaflops report`: every annotated model of the workspace, its accepted cost (the
//! baseline) beside the current one with the change in %, regressions first, then its
//! totals, budget verdicts and costliest layers: Markdown for a pull-request comment or a
//! job summary, or the same data as JSON. It judges as `check` does.

use alphaflops_core::LayerCost;
use alphaflops_core::report::{si, sig4};
use serde_json::{Value, json};

use crate::Result;
use crate::collect::{ModelReport, Workspace, WorkspaceArgs};
use crate::judge::{
    Judged, Judgement, Level, Line, Status, budget_cell, forced_level, judge, pct, value,
};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Md,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Markdown (for a pull-request comment) or one JSON array
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Judge every model at level deny, as `check --deny` does
    #[arg(long)]
    pub deny: bool,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// How many layers each model lists.
const TOP_LAYERS: usize = 3;

pub fn run(args: Args) -> Result<()> {
    let forced = forced_level(args.deny)?;
    let ws = Workspace::find(&args.workspace)?;
    let baseline = ws.read_baseline()?;
    let reports = ws.collect()?;
    let j = judge(&reports, baseline.as_ref(), forced);
    match args.format {
        Format::Md => out!("{}", markdown(&j)),
        Format::Json => {
            let text =
                serde_json::to_string_pretty(&json(&j)).unwrap_or_else(|e| format!("\"{e}\""));
            outln!("{text}");
        }
    }
    Ok(())
}

/// How size-limit and CodSpeed mark a row: ❌ fails the check, ⚠️ a warning (level warn),
/// 🆕 no baseline yet, 🎉 cheaper, ✅ unchanged or within the tolerance.
fn mark(status: Status) -> &'static str {
    match status {
        Status::Failed => "❌",
        Status::Warned => "⚠️",
        Status::New => "🆕",
        Status::Improved => "🎉",
        Status::Unchanged => "✅",
    }
}

fn line_mark(m: &Judged, l: &Line) -> &'static str {
    match (l.bad(), m.level) {
        (true, Level::Deny) => "❌",
        (true, Level::Warn) => "⚠️",
        _ if l.improved => "🎉",
        _ => "",
    }
}

/// `**+100.00 %**` for a regression, the plain change otherwise.
fn change_cell(l: &Line) -> String {
    match l.base {
        None => "—".into(),
        Some(b) if l.regression => format!("**{}**", pct(b, l.head)),
        Some(b) => pct(b, l.head),
    }
}

/// The costliest layers by predicted time (a block counts as one).
fn top_layers(r: &ModelReport) -> Vec<&LayerCost> {
    let mut layers: Vec<&LayerCost> = r.cost.layers.iter().collect();
    layers.sort_by(|a, b| {
        b.predicted_ms
            .total_cmp(&a.predicted_ms)
            .then_with(|| b.alpha_flops.total_cmp(&a.alpha_flops))
    });
    layers.truncate(TOP_LAYERS);
    layers
}

fn markdown(j: &Judgement) -> String {
    let mut s = String::from("## alphaflops cost report\n\n");
    if j.models.is_empty() {
        s.push_str("No `#[cost_budget]` model in this workspace.\n");
        return s;
    }
    let regressions: usize = j.models.iter().map(|m| m.regressions().count()).sum();
    let over: usize = j.models.iter().map(|m| m.over_budget().count()).sum();
    let mut summary = vec![format!("{} model(s)", j.models.len())];
    for (n, what) in [(regressions, "regression(s)"), (over, "budget(s) exceeded")] {
        summary.push(if n == 0 {
            format!("no {}", what.replace("(s)", "s"))
        } else {
            format!("**{n} {what}**")
        });
    }
    for (status, what) in [
        (Status::Improved, "improved"),
        (Status::New, "new"),
        (Status::Unchanged, "unchanged"),
    ] {
        let n = j.count(status);
        if n > 0 {
            summary.push(format!("{n} {what}"));
        }
    }
    let verdict = match (j.failed(), j.count(Status::Warned)) {
        (true, _) => "❌ check fails",
        (false, 0) => "✅ check passes",
        (false, _) => "⚠️ check passes with warnings (level = \"warn\")",
    };
    s.push_str(&format!("{verdict}: {}.", summary.join(", ")));
    if j.has_baseline {
        s.push_str(&format!(
            " Base: `alphaflops-baseline.toml` (tolerance {} %).\n\n",
            j.tolerance_pct
        ));
    } else {
        s.push_str(" No `alphaflops-baseline.toml` yet: every model is new.\n\n");
    }

    // Base against head, worst first; unchanged lines only count.
    let changed: Vec<(&Judged, &Line)> = j
        .models
        .iter()
        .flat_map(|m| m.lines.iter().map(move |l| (m, l)))
        .filter(|(_, l)| l.bad() || l.budget.is_some() || l.base.is_some_and(|b| b != l.head))
        .collect();
    if !changed.is_empty() {
        s.push_str("| | model | profile | metric | base | head | change | budget |\n");
        s.push_str("|---|---|---|---|---:|---:|---:|---|\n");
        for (m, l) in changed {
            s.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} | {} | {} |\n",
                line_mark(m, l),
                m.report.id(),
                m.report.cost.profile,
                if l.base.is_some() {
                    l.metric.baseline_key()
                } else {
                    l.metric.key()
                },
                l.base.map_or("—".into(), |b| value(l.metric, b)),
                value(l.metric, l.head),
                change_cell(l),
                l.budget.as_ref().map_or("—".into(), budget_cell),
            ));
        }
        s.push('\n');
    }
    for e in &j.stale {
        s.push_str(&format!(
            "- stale baseline entry {e}: no such model any more\n"
        ));
    }
    if !j.other_profiles.is_empty() {
        s.push_str(&format!(
            "- {} baseline entries on other profiles not compared\n",
            j.other_profiles.len()
        ));
    }
    if !j.stale.is_empty() || !j.other_profiles.is_empty() {
        s.push('\n');
    }

    s.push_str(
        "| | model | profile | params | MACs | FLOPs | α-FLOPs | predicted ms | budgets |\n",
    );
    s.push_str("|---|---|---|---:|---:|---:|---:|---:|---|\n");
    for m in &j.models {
        let r = m.report;
        let c = &r.cost;
        let over = r.verdicts.iter().filter(|v| v.over()).count();
        let budgets = match (r.verdicts.len(), over) {
            (0, _) => "—".to_string(),
            (n, 0) => format!("✅ {n} within"),
            (n, o) => format!("❌ {o} of {n} over"),
        };
        s.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {budgets} |\n",
            mark(m.status()),
            r.id(),
            c.profile,
            si(c.params as f64),
            si(c.macs as f64),
            si(c.flops as f64),
            si(c.alpha_flops),
            sig4(c.predicted_ms)
        ));
    }
    for m in &j.models {
        let r = m.report;
        let c = &r.cost;
        s.push_str(&format!("\n### `{}` on `{}`\n\n", r.id(), c.profile));
        s.push_str(&format!(
            "Input {} → output {}, device {}.\n\n",
            c.input, c.output, c.device
        ));
        if !r.verdicts.is_empty() {
            for v in &r.verdicts {
                s.push_str(&format!("- {} {v}\n", if v.over() { "❌" } else { "✅" }));
            }
            s.push('\n');
        }
        let top = top_layers(r);
        if !top.is_empty() {
            s.push_str(
                "| layer | op | α-FLOPs | predicted ms | share |\n|---|---|---:|---:|---:|\n",
            );
            for l in top {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {:.1} % |\n",
                    l.name,
                    l.op,
                    si(l.alpha_flops),
                    sig4(l.predicted_ms),
                    l.share_pct
                ));
            }
        }
    }
    s
}

fn json(j: &Judgement) -> Value {
    Value::Array(
        j.models
            .iter()
            .map(|m| {
                let r = m.report;
                let c = &r.cost;
                json!({
                    "status": m.status().key(),
                    "level": m.level.as_str(),
                    "changes": m.lines.iter().filter(|l| l.base.is_some()).map(|l| json!({
                        "metric": l.metric.baseline_key(),
                        "base": l.base,
                        "head": l.head,
                        "change_pct": l.change_pct,
                        "regression": l.regression,
                    })).collect::<Vec<_>>(),
                    "package": r.package,
                    "model": r.model,
                    "profile": c.profile,
                    "device": c.device,
                    "params": c.params,
                    "macs": c.macs,
                    "flops": c.flops,
                    "alpha_flops": c.alpha_flops,
                    "predicted_ms": c.predicted_ms,
                    "energy_j": c.energy_j,
                    "verdicts": r.verdicts.iter().map(|v| json!({
                        "metric": v.budget.metric.key(),
                        "limit": v.budget.limit,
                        "value": v.value,
                        "over": v.over(),
                    })).collect::<Vec<_>>(),
                    "top_layers": top_layers(r).iter().map(|l| json!({
                        "name": l.name,
                        "op": l.op,
                        "alpha_flops": l.alpha_flops,
                        "predicted_ms": l.predicted_ms,
                        "share_pct": l.share_pct,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::tests::report;
    use alphaflops_core::baseline::{Baseline, Entry};
    use alphaflops_core::{Budget, Conv, Layer, Metric, Model, Profile};

    #[test]
    fn markdown_and_json_list_models_and_top_layers() {
        let mut m = Model::new("Net", [1, 3, 16, 16]);
        m.push("stem", Layer::Conv(Conv::new(3, 8, &[1, 1])));
        for (i, c) in [8u64, 16, 32, 64].windows(2).enumerate() {
            m.push(
                format!("conv{i}"),
                Layer::Conv(Conv::new(c[0], c[1], &[3, 3])),
            );
        }
        let cost = m.price(&Profile::default_profile()).unwrap();
        let verdicts = vec![
            Budget {
                metric: Metric::Params,
                limit: 10.0,
            }
            .check(&cost)
            .unwrap(),
        ];
        let r = ModelReport {
            package: "p".into(),
            model: "Net".into(),
            cost,
            verdicts,
            level: Level::Warn,
        };
        let reports = [r];
        let j = judge(&reports, None, None);
        let md = markdown(&j);
        assert!(
            md.contains("| `p::Net` |")
                && md.contains("### `p::Net` on `quadro-t2000-asperti2021`"),
            "{md}"
        );
        assert!(
            md.contains("❌ 1 of 1 over") && md.contains("over budget"),
            "{md}"
        );
        assert!(
            md.contains("**1 budget(s) exceeded**") && md.contains("⚠️ check passes with warnings"),
            "{md}"
        );
        let v = json(&j);
        assert_eq!(v[0]["model"], "Net");
        assert_eq!(v[0]["top_layers"].as_array().unwrap().len(), 3);
        assert_eq!(v[0]["verdicts"][0]["over"], true);
        assert_eq!(v[0]["status"], "warned");
    }

    /// What `report` said "all within budget" for while `check` failed: a regression, shown
    /// base against head with the change, first.
    #[test]
    fn regressions_come_first_with_base_head_and_change() {
        let mut b = Baseline::new(1.0);
        for name in ["A", "B"] {
            b.models
                .push(Entry::of("p", &report(name, 8, 1e9, Level::Deny).cost));
        }
        let reports = [
            report("A", 8, 1e9, Level::Deny),
            report("B", 16, 1e9, Level::Deny),
        ];
        let j = judge(&reports, Some(&b), None);
        let md = markdown(&j);
        assert!(
            md.contains(
                "❌ check fails: 2 model(s), **5 regression(s)**, no budgets exceeded, 1 unchanged"
            ),
            "{md}"
        );
        let row = md.lines().find(|l| l.contains("| params |")).unwrap();
        assert_eq!(
            row,
            "| ❌ | `p::B` | quadro-t2000-asperti2021 | params | 224 | 448 | **+100.00 %** | ≤ 1.00 G (0.0 % of budget) |"
        );
        assert!(
            md.find("| ❌ | `p::B` |").unwrap() < md.find("| ✅ | `p::A` |").unwrap(),
            "{md}"
        );
        let v = json(&j);
        assert_eq!(v[0]["model"], "B");
        assert_eq!(v[0]["status"], "failed");
        let params = &v[0]["changes"][0];
        assert_eq!(
            (
                params["metric"].as_str(),
                params["base"].as_f64(),
                params["head"].as_f64()
            ),
            (Some("params"), Some(224.0), Some(448.0))
        );
        assert_eq!(params["regression"], true);
        assert_eq!(v[1]["status"], "unchanged");
    }
}
