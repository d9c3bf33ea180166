//! `cargo xtask report`: every annotated model of the workspace with its totals, budget
//! verdicts and costliest layers, as Markdown for a pull-request comment or as JSON.

use alphaflops_core::LayerCost;
use alphaflops_core::report::{si, sig4};
use serde_json::{Value, json};

use crate::Result;
use crate::collect::{ModelReport, Workspace, WorkspaceArgs};

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
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// How many layers each model lists.
const TOP_LAYERS: usize = 3;

pub fn run(args: Args) -> Result<()> {
    let ws = Workspace::find(&args.workspace)?;
    let reports = ws.collect()?;
    match args.format {
        Format::Md => out!("{}", markdown(&reports)),
        Format::Json => {
            let text = serde_json::to_string_pretty(&json(&reports)).unwrap_or_else(|e| format!("\"{e}\""));
            outln!("{text}");
        }
    }
    Ok(())
}

/// The costliest layers by predicted time (a block counts as one).
fn top_layers(r: &ModelReport) -> Vec<&LayerCost> {
    let mut layers: Vec<&LayerCost> = r.cost.layers.iter().collect();
    layers.sort_by(|a, b| {
        b.predicted_ms.total_cmp(&a.predicted_ms).then_with(|| b.alpha_flops.total_cmp(&a.alpha_flops))
    });
    layers.truncate(TOP_LAYERS);
    layers
}

fn markdown(reports: &[ModelReport]) -> String {
    let mut s = String::from("## alphaflops cost report\n\n");
    if reports.is_empty() {
        s.push_str("No `#[cost_budget]` model in this workspace.\n");
        return s;
    }
    let over: usize = reports.iter().map(|r| r.verdicts.iter().filter(|v| v.over()).count()).sum();
    s.push_str(&format!(
        "{} model(s); {}\n\n",
        reports.len(),
        if over == 0 { "all within budget".to_string() } else { format!("**{over} budget(s) exceeded**") }
    ));
    s.push_str("| model | profile | params | MACs | FLOPs | α-FLOPs | predicted ms | budgets |\n");
    s.push_str("|---|---|---:|---:|---:|---:|---:|---|\n");
    for r in reports {
        let c = &r.cost;
        let over = r.verdicts.iter().filter(|v| v.over()).count();
        let budgets = match (r.verdicts.len(), over) {
            (0, _) => "—".to_string(),
            (n, 0) => format!("✅ {n} within"),
            (n, o) => format!("❌ {o} of {n} over"),
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {budgets} |\n",
            r.id(),
            c.profile,
            si(c.params as f64),
            si(c.macs as f64),
            si(c.flops as f64),
            si(c.alpha_flops),
            sig4(c.predicted_ms)
        ));
    }
    for r in reports {
        let c = &r.cost;
        s.push_str(&format!("\n### `{}` on `{}`\n\n", r.id(), c.profile));
        s.push_str(&format!("Input {} → output {}, device {}.\n\n", c.input, c.output, c.device));
        if !r.verdicts.is_empty() {
            for v in &r.verdicts {
                s.push_str(&format!("- {} {v}\n", if v.over() { "❌" } else { "✅" }));
            }
            s.push('\n');
        }
        let top = top_layers(r);
        if !top.is_empty() {
            s.push_str("| layer | op | α-FLOPs | predicted ms | share |\n|---|---|---:|---:|---:|\n");
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

fn json(reports: &[ModelReport]) -> Value {
    Value::Array(
        reports
            .iter()
            .map(|r| {
                let c = &r.cost;
                json!({
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
    use alphaflops_core::{Budget, Conv, Layer, Metric, Model, Profile};

    #[test]
    fn markdown_and_json_list_models_and_top_layers() {
        let mut m = Model::new("Net", [1, 3, 16, 16]);
        m.push("stem", Layer::Conv(Conv::new(3, 8, &[1, 1])));
        for (i, c) in [8u64, 16, 32, 64].windows(2).enumerate() {
            m.push(format!("conv{i}"), Layer::Conv(Conv::new(c[0], c[1], &[3, 3])));
        }
        let cost = m.price(&Profile::default_profile()).unwrap();
        let verdicts = vec![Budget { metric: Metric::Params, limit: 10.0 }.check(&cost).unwrap()];
        let r = ModelReport { package: "p".into(), model: "Net".into(), cost, verdicts };
        let md = markdown(std::slice::from_ref(&r));
        assert!(md.contains("| `p::Net` |") && md.contains("### `p::Net` on `quadro-t2000-asperti2021`"), "{md}");
        assert!(md.contains("❌ 1 of 1 over") && md.contains("over budget"), "{md}");
        let j = json(&[r]);
        assert_eq!(j[0]["model"], "Net");
        assert_eq!(j[0]["top_layers"].as_array().unwrap().len(), 3);
        assert_eq!(j[0]["verdicts"][0]["over"], true);
    }
}
