//! Judging a priced model: verdicts against its budgets and baseline, the warnings or errors
//! they raise, the rustdoc cost section and the JSON report.

use alphaflops_core::baseline::Change;
use alphaflops_core::budget::verdict_table;
use alphaflops_core::settings::ENV_REPORT_DIR;
use alphaflops_core::{LayerError, Metric, ModelCost, Op, Verdict};

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ctxt::{Ctxt, Range};
use crate::lower::{self, BROKEN, Budget, Child, Children, Level};
use crate::profile::Resolved;

/// The priced model and what judging it needs.
pub struct Priced {
    /// The package the model is in (`CARGO_PKG_NAME`), the baseline's key with its name.
    pub package: String,
    /// The baseline file, and this model's changes against its entry (empty when it has none).
    pub baseline: Option<(std::path::PathBuf, Vec<Change>)>,
    pub name: String,
    pub model: alphaflops_core::Model,
    pub cost: ModelCost,
    pub resolved: Resolved,
    pub budgets: Vec<Budget>,
    /// The attribute as written, where diagnostics about the whole model point.
    pub site: Range,
    pub level: Level,
    pub level_source: String,
    /// `level` as the attribute says, before `ALPHAFLOPS_LEVEL`: what `check` judges by.
    pub declared_level: Level,
}

/// Whether a field nests a struct whose own annotations have errors. Those errors are
/// shown where it is defined, and stop the build there (in this crate or the one defining
/// it), so repeating them here would only be noise. Reports modules never collected (a
/// struct that nests itself).
pub fn check_modules(cx: &Ctxt, lowered: &lower::Lowered) -> bool {
    let broken = lowered
        .model
        .nodes
        .iter()
        .any(|n| matches!(&n.layer, alphaflops_core::Layer::Block(m) if m.name == BROKEN));
    if cx.has_errors() {
        return broken;
    }
    for m in &lowered.missing {
        cx.error(m.range, format!("`{}` cannot be priced as a module here: it contains itself, directly or through other modules", m.ident));
    }
    broken
}

pub fn judge(p: &Priced) -> Vec<(Verdict, Range)> {
    p.budgets
        .iter()
        .filter_map(|b| Some((b.budget.check(&p.cost)?, b.range)))
        .collect()
}

fn message(p: &Priced, v: &Verdict) -> String {
    let top: Vec<String> = p
        .cost
        .top_layers(3)
        .iter()
        .map(|l| format!("{} {:.1} %", l.name, l.share_pct))
        .collect();
    let m = v.budget.metric;
    let used = v.used();
    // Time and energy are the predictions a fitted range can fail to back.
    let note = matches!(m, Metric::TimeMs | Metric::EnergyMj)
        .then(|| p.cost.extrapolation_note())
        .flatten()
        .map_or(String::new(), |n| format!("; {n}"));
    format!(
        "`{}` is over its {} budget on profile `{}`: {} > {}{}; costliest layers: {}{note}",
        p.name,
        m.key(),
        p.cost.profile,
        m.format(v.value),
        m.format(v.budget.limit),
        if used.is_empty() {
            String::new()
        } else {
            format!(" ({used})")
        },
        top.join(", ")
    )
}

/// Warnings (a deprecated item, the one stable way for a macro to warn) or errors for
/// budgets exceeded and regressions against the baseline; nothing when all is well.
pub fn diagnostics(p: &Priced, verdicts: &[(Verdict, Range)]) -> TokenStream {
    let mut out = TokenStream::new();
    for (v, range) in verdicts.iter().filter(|(v, _)| v.over()) {
        out.extend(emit(
            p,
            *range,
            message(p, v),
            "raise the budget",
            "alphaflops_over_budget",
        ));
    }
    let regressions: Vec<&Change> = p
        .baseline
        .iter()
        .flat_map(|(_, changes)| changes)
        .filter(|c| c.regression)
        .collect();
    if !regressions.is_empty() {
        let list: Vec<String> = regressions
            .iter()
            .map(|c| {
                format!(
                    "{} {} → {} ({:+.1} %)",
                    c.metric.baseline_key(),
                    c.metric.format(c.base),
                    c.metric.format(c.head),
                    c.change_pct
                )
            })
            .collect();
        let text = format!(
            "`{}` got more expensive than its baseline on profile `{}`: {}",
            p.name,
            p.cost.profile,
            list.join(", ")
        );
        out.extend(emit(
            p,
            p.site,
            text,
            "accept the change with `cargo alphaflops bless`",
            "alphaflops_regression",
        ));
    }
    out
}

/// One warning or error at `range`, per the level; a warning is the use of a deprecated
/// function named `warning`, so its name says what it is.
fn emit(p: &Priced, range: Range, text: String, fix: &str, warning: &str) -> TokenStream {
    match p.level {
        Level::Deny => crate::ctxt::error(
            range,
            format!("{text}; denied by {}; {fix}", p.level_source),
        )
        .to_compile_error(),
        Level::Warn => {
            let note = format!("{text}; {fix}, or set level = \"deny\" to fail the build");
            // The lint points at the call's name, so it carries the offending key's span.
            let warning = syn::Ident::new(warning, range.start);
            let call = quote_spanned!(range.start=> #warning());
            quote! {
                const _: () = {
                    #[deprecated(note = #note)]
                    const fn #warning() {}
                    #call
                };
            }
        }
    }
}

pub fn doc_section(p: &Priced, verdicts: &[(Verdict, Range)]) -> String {
    let mut s = String::from("\n# Cost\n\n");
    s.push_str(&p.cost.to_markdown());
    if !verdicts.is_empty() {
        let level = match p.level {
            Level::Warn => "warn",
            Level::Deny => "deny",
        };
        let verdicts: Vec<Verdict> = verdicts.iter().map(|(v, _)| *v).collect();
        s.push_str(&verdict_table(&verdicts, level));
    }
    if let Some((file, changes)) = &p.baseline {
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        if changes.is_empty() {
            s.push_str(&format!("\n**Baseline**: `{name}` has no entry for this model; add one with `cargo alphaflops bless`.\n"));
        } else {
            s.push_str(&format!("\n**Baseline** (`{name}`):\n\n| metric | baseline | now | change | verdict |\n|---|---:|---:|---:|---|\n"));
            for c in changes {
                let verdict = if c.regression {
                    "**regression**"
                } else if c.change_pct < 0.0 {
                    "improved"
                } else {
                    "unchanged"
                };
                s.push_str(&format!(
                    "| `{}` | {} | {} | {:+.1} % | {verdict} |\n",
                    c.metric.baseline_key(),
                    c.metric.format(c.base),
                    c.metric.format(c.head),
                    c.change_pct
                ));
            }
        }
    }
    s
}

/// With `ALPHAFLOPS_REPORT_DIR` set (by `cargo alphaflops check`, `bless` and `report`), writes the
/// model's cost, verdicts and baseline changes there as JSON.
pub fn write_report(
    p: &Priced,
    verdicts: &[(Verdict, Range)],
    dir: Option<&std::path::Path>,
) -> Result<(), String> {
    let Some(dir) = dir else {
        return Ok(());
    };
    let verdicts: Vec<&Verdict> = verdicts.iter().map(|(v, _)| v).collect();
    let report = serde_json::json!({
        "package": p.package,
        "model": p.name,
        "level": match p.level { Level::Warn => "warn", Level::Deny => "deny" },
        "declared_level": match p.declared_level { Level::Warn => "warn", Level::Deny => "deny" },
        "cost": p.cost,
        "verdicts": verdicts,
        "baseline": p.baseline.as_ref().map(|(_, changes)| changes),
    });
    let file = dir.join(format!(
        "{}__{}__{}.json",
        p.package, p.name, p.cost.profile
    ));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&file, report.to_string()))
        .map_err(|e| {
            format!(
                "cannot write the cost report {} ({ENV_REPORT_DIR}): {e}",
                file.display()
            )
        })
}

/// How to fix a shape error, where the rule broken says.
pub fn hint(error: &LayerError, children: &Children) -> String {
    let features_key = |op: &str| Op::from_key(op).and_then(Op::features_key);
    match error {
        // In a nested block, name it; a parameterised one may take the value from a binding.
        LayerError::Nested { model, error } => match hint(&error.error, children) {
            inner if inner.is_empty() => inner,
            inner => match children.get(model) {
                Some(Child::Template(_)) => format!(
                    "{inner} in `{model}`, or bind the parameter that sets it in `module(...)`"
                ),
                _ => format!("{inner} in `{model}`"),
            },
        },
        LayerError::Mismatch {
            what: "input channels",
            actual,
            ..
        } => format!("; set `channels = [{actual}, …]`"),
        // The key that sets a normalisation's features, from the catalog.
        LayerError::Mismatch { op, actual, .. } if features_key(op).is_some() => {
            format!(
                "; set `{} = {actual}`",
                features_key(op).unwrap_or_default()
            )
        }
        LayerError::Features {
            flattened, last, ..
        } => {
            format!(
                "; set `d_input = {}` or check the layers before it",
                flattened.unwrap_or(*last)
            )
        }
        LayerError::KernelTooLarge { .. } => {
            "; use a smaller `kernel_size`, more `padding` or a larger input".to_string()
        }
        _ => String::new(),
    }
}
