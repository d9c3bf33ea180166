//! `cargo alphaflops bless`: accept the current costs. Compiles the workspace, prices every
//! annotated model and rewrites `alphaflops-baseline.toml` at the workspace root. Entries on
//! profiles this run did not price (another `ALPHAFLOPS_PROFILE`) are kept.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use alphaflops_core::Metric;
use alphaflops_core::baseline::{Baseline, Entry};
use alphaflops_core::report::{si, sig4};

use crate::collect::{Workspace, WorkspaceArgs};
use crate::judge::pct;
use crate::util::write_atomic;
use crate::{Result, err};

/// The tolerance of a new baseline file.
pub const DEFAULT_TOLERANCE_PCT: f64 = 1.0;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rises up to this percentage are not regressions (default: the file's, else 1.0)
    #[arg(long, value_name = "PCT")]
    pub tolerance: Option<f64>,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

pub fn run(args: Args) -> Result<()> {
    if let Some(t) = args.tolerance
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(err!(
            "--tolerance {t}: must be a non-negative percentage, such as 1.0"
        ));
    }
    let ws = Workspace::find(&args.workspace)?;
    let path = ws.baseline_path();
    // An invalid baseline stops every annotated crate from compiling, so it is moved aside
    // while the costs are collected (and put back if that fails).
    let (old, aside) = match ws.read_baseline() {
        Ok(old) => (old, None),
        Err(e) => {
            let aside = PathBuf::from(format!("{}.invalid", path.display()));
            std::fs::rename(&path, &aside).map_err(|re| {
                err!(
                    "{e}\n{}: cannot move it aside to {}: {re}",
                    path.display(),
                    aside.display()
                )
            })?;
            eprintln!(
                "warning: {e}\nwarning: moved it to {}; writing a fresh baseline",
                aside.display()
            );
            (None, Some(aside))
        }
    };
    let reports = match ws.collect() {
        Ok(r) => r,
        Err(e) => {
            if let Some(aside) = &aside {
                let _ = std::fs::rename(aside, &path);
            }
            return Err(e);
        }
    };
    let tolerance = args
        .tolerance
        .or(old.as_ref().map(|b| b.tolerance_pct))
        .unwrap_or(DEFAULT_TOLERANCE_PCT);
    let entries = reports
        .iter()
        .map(|r| Entry::of(&r.package, &r.cost))
        .collect();
    let new = Baseline::blessed(old.as_ref(), entries, tolerance);
    let text = new.to_toml_string();

    let priced: BTreeSet<&str> = reports.iter().map(|r| r.cost.profile.as_str()).collect();
    let kept = new
        .other_profiles(&priced.iter().copied().collect::<Vec<_>>())
        .len();
    let mut changes = describe(old.as_ref(), &new);
    if kept > 0 {
        changes.push(format!(
            "kept     {kept} entries on other profiles than {}: bless under ALPHAFLOPS_PROFILE=<profile> to update them",
            priced.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    // An unchanged file is not rewritten: every annotated crate tracks it and would rebuild.
    let unchanged = std::fs::read_to_string(&path).is_ok_and(|t| t == text);
    let first = !path.exists();
    if !unchanged {
        write_atomic(&path, text.as_bytes())?;
    }
    if first {
        touch_manifests(&ws, &reports);
    }
    for line in &changes {
        outln!("{line}");
    }
    let verb = if unchanged {
        "is up to date"
    } else {
        "written"
    };
    outln!(
        "{} {verb}: {} models, tolerance {tolerance} %",
        path.display(),
        new.models.len()
    );
    Ok(())
}

/// A crate compiled while there was no baseline file tracks its manifest instead (a missing
/// file cannot be tracked); touching the manifests of the packages with models makes their
/// next build read the new file. Failing that only warns: `cargo clean -p <package>` does
/// the same.
fn touch_manifests(ws: &Workspace, reports: &[crate::collect::ModelReport]) {
    let now = std::time::SystemTime::now();
    for (name, manifest) in &ws.packages {
        if !reports.iter().any(|r| &r.package == name) {
            continue;
        }
        let touched = std::fs::File::options()
            .write(true)
            .open(manifest)
            .and_then(|f| f.set_modified(now));
        if let Err(e) = touched {
            eprintln!(
                "warning: {}: cannot touch it ({e}), so `{name}` may not see the new baseline until `cargo clean -p {name}`",
                manifest.display()
            );
        }
    }
}

/// `added`, `removed` and `updated` lines, old against new.
fn describe(old: Option<&Baseline>, new: &Baseline) -> Vec<String> {
    let key = |e: &Entry| (e.package.clone(), e.model.clone(), e.profile.clone());
    let name = |(p, m, f): &(String, String, String)| format!("{p}::{m} on {f}");
    let old_map: BTreeMap<_, &Entry> = old
        .iter()
        .flat_map(|b| &b.models)
        .map(|e| (key(e), e))
        .collect();
    let new_map: BTreeMap<_, &Entry> = new.models.iter().map(|e| (key(e), e)).collect();
    let mut lines = Vec::new();
    for (k, e) in &new_map {
        match old_map.get(k) {
            None => lines.push(format!(
                "added    {}: {} params, {} MACs, {} α-FLOPs, {} ms",
                name(k),
                si(e.params as f64),
                si(e.macs as f64),
                si(e.alpha_flops),
                sig4(e.predicted_ms)
            )),
            Some(o) if o != e => {
                let diffs: Vec<String> = Metric::BASELINE
                    .into_iter()
                    .filter_map(|m| Some((m.baseline_key(), o.value(m)?, e.value(m)?)))
                    .filter(|(_, a, b)| a != b)
                    .map(|(m, a, b)| format!("{m} {a} → {b} ({})", pct(a, b)))
                    .collect();
                lines.push(format!("updated  {}: {}", name(k), diffs.join(", ")));
            }
            Some(_) => {}
        }
    }
    for k in old_map.keys().filter(|k| !new_map.contains_key(*k)) {
        lines.push(format!("removed  {}: no such model any more", name(k)));
    }
    if lines.is_empty() {
        lines.push("no changes: every model costs what the baseline says".to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(model: &str, params: u64) -> Entry {
        Entry {
            package: "p".into(),
            model: model.into(),
            profile: "x".into(),
            params,
            macs: 10,
            alpha_flops: 5.0,
            predicted_ms: 0.5,
            memory_mb: None,
        }
    }

    #[test]
    fn describes_added_removed_updated() {
        let mut old = Baseline::new(1.0);
        old.models = vec![entry("Gone", 1), entry("Same", 2), entry("Grown", 100)];
        let mut new = Baseline::new(1.0);
        new.models = vec![entry("Same", 2), entry("Grown", 150), entry("Fresh", 3)];
        let lines = describe(Some(&old), &new);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("added    p::Fresh on x"))
        );
        assert!(lines.iter().any(|l| l.starts_with("removed  p::Gone on x")));
        assert!(
            lines
                .iter()
                .any(|l| l == "updated  p::Grown on x: params 100 → 150 (+50.00 %)"),
            "{lines:?}"
        );
        assert_eq!(
            describe(Some(&new), &new),
            vec!["no changes: every model costs what the baseline says"]
        );
    }
}
