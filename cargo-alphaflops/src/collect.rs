//! What `bless`, `check` and `report` share: find the workspace, compile it once with
//! `ALPHAFLOPS_REPORT_DIR` set so every `#[cost_budget]` model writes its cost as JSON, read
//! those files back, and read the baseline file.

use std::path::{Path, PathBuf};
use std::process::Command;

use alphaflops_core::baseline::{BASELINE_FILE, Baseline};
use alphaflops_core::{ModelCost, Verdict};
use serde_json::Value;

use crate::judge::Level;
use crate::{Result, err};

/// The variable the macro writes its reports under.
pub const ENV_REPORT: &str = "ALPHAFLOPS_REPORT_DIR";

/// The `--manifest-path` every regression subcommand takes.
#[derive(clap::Args, Debug, Clone)]
pub struct WorkspaceArgs {
    /// The workspace's Cargo.toml (default: the workspace around the current directory, as
    /// cargo finds it)
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

/// A cargo workspace: where its baseline lives and where cargo builds.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub manifest: PathBuf,
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// Each member package's name and manifest.
    pub packages: Vec<(String, PathBuf)>,
}

/// One annotated model's report as the macro wrote it.
#[derive(Debug, Clone)]
pub struct ModelReport {
    pub package: String,
    pub model: String,
    pub cost: ModelCost,
    pub verdicts: Vec<Verdict>,
    /// The model's own `level` (the build that collects it runs at `warn`).
    pub level: Level,
}

impl ModelReport {
    /// `package::Model`.
    pub fn id(&self) -> String {
        format!("{}::{}", self.package, self.model)
    }

    pub fn key(&self) -> (&str, &str, &str) {
        (&self.package, &self.model, &self.cost.profile)
    }
}

/// The cargo that runs us (`$CARGO` under `cargo run`), else `cargo` from PATH.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

impl Workspace {
    /// The workspace of `--manifest-path`, or else the one around the current directory (as
    /// cargo itself finds it), as cargo sees it: root and target directory from
    /// `cargo metadata`.
    pub fn find(args: &WorkspaceArgs) -> Result<Workspace> {
        let mut metadata = cargo();
        metadata.args(["metadata", "--format-version", "1", "--no-deps"]);
        let place = match &args.manifest_path {
            Some(manifest) => {
                if !manifest.is_file() {
                    return Err(err!(
                        "{}: no such manifest; pass the workspace's Cargo.toml to --manifest-path",
                        manifest.display()
                    ));
                }
                metadata.arg("--manifest-path").arg(manifest);
                manifest.display().to_string()
            }
            None => {
                let cwd = std::env::current_dir()
                    .map_err(|e| err!("cannot read the current directory: {e}"))?;
                format!("{} (the current directory)", cwd.display())
            }
        };
        let out = metadata
            .output()
            .map_err(|e| err!("cannot run cargo metadata: {e}"))?;
        if !out.status.success() {
            return Err(err!(
                "{place}: cargo metadata failed; run this inside a cargo workspace or pass its Cargo.toml to --manifest-path:\n{}",
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }

        let meta: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| err!("{place}: cargo metadata printed invalid JSON: {e}"))?;
        let path = |key: &str| {
            meta.get(key)
                .and_then(Value::as_str)
                .map(PathBuf::from)
                .ok_or_else(|| err!("{place}: cargo metadata gave no `{key}`"))
        };
        let packages = meta
            .get("packages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((
                    p.get("name")?.as_str()?.to_string(),
                    PathBuf::from(p.get("manifest_path")?.as_str()?),
                ))
            })
            .collect();
        let root = path("workspace_root")?;
        let manifest = args
            .manifest_path
            .clone()
            .unwrap_or_else(|| root.join("Cargo.toml"));
        Ok(Workspace {
            root,
            target_dir: path("target_directory")?,
            manifest,
            packages,
        })
    }

    /// `alphaflops-baseline.toml` at the workspace root.
    pub fn baseline_path(&self) -> PathBuf {
        self.root.join(BASELINE_FILE)
    }

    /// Compiles the workspace (`cargo check --workspace --lib --bins`) with every model
    /// reporting into a fresh directory, and returns the reports sorted by package, model,
    /// profile. Budgets and baselines only warn meanwhile (`ALPHAFLOPS_LEVEL=warn`), so a
    /// deny-level model does not stop the collection; a compile error does, with the
    /// compiler's output.
    pub fn collect(&self) -> Result<Vec<ModelReport>> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = self
            .target_dir
            .join("alphaflops-reports")
            .join(format!("{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| err!("{}: cannot create the report directory: {e}", dir.display()))?;
        let result = self.compile_into(&dir).and_then(|()| read_reports(&dir));
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn compile_into(&self, dir: &Path) -> Result<()> {
        eprintln!(
            "collecting costs: cargo check --workspace --lib --bins ({})",
            self.manifest.display()
        );
        let out = cargo()
            .args([
                "check",
                "--workspace",
                "--lib",
                "--bins",
                "--quiet",
                "--manifest-path",
            ])
            .arg(&self.manifest)
            .env(ENV_REPORT, dir)
            .env("ALPHAFLOPS_LEVEL", "warn")
            .output()
            .map_err(|e| err!("cannot run cargo check: {e}"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(err!(
                "the workspace does not compile (cargo check --workspace --lib --bins --manifest-path {}, {}), so its costs cannot be collected; fix these errors first:\n{}",
                self.manifest.display(),
                out.status,
                stderr.trim_end()
            ));
        }
        Ok(())
    }

    /// The baseline file, or `None` when there is none.
    pub fn read_baseline(&self) -> Result<Option<Baseline>> {
        read_baseline(&self.baseline_path())
    }
}

/// Reads and validates a baseline file; `None` when it does not exist.
pub fn read_baseline(path: &Path) -> Result<Option<Baseline>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err!("{}: cannot read the baseline: {e}", path.display())),
    };
    Baseline::from_toml_str(&text, &path.display().to_string())
        .map(Some)
        .map_err(|e| {
            err!(
                "invalid baseline {e}; fix it, or delete it and run `{} bless`",
                crate::cmd()
            )
        })
}

/// Every `*.json` report in `dir`, sorted by package, model, profile.
pub fn read_reports(dir: &Path) -> Result<Vec<ModelReport>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| err!("{}: cannot read the report directory: {e}", dir.display()))?;
    let mut reports = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| err!("{}: cannot list the report directory: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|x| x == "json") {
            reports.push(read_report(&path)?);
        }
    }
    reports.sort_by(|a, b| a.key().cmp(&b.key()));
    Ok(reports)
}

/// One report file: `{"package","model","level","declared_level","cost","verdicts","baseline"}`.
pub fn read_report(path: &Path) -> Result<ModelReport> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| err!("{}: cannot read the cost report: {e}", path.display()))?;
    let bad = |what: String| {
        err!(
            "{}: not a cost report written by #[cost_budget]: {what}",
            path.display()
        )
    };
    let mut v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("{e}")))?;
    let string = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| bad(format!("no string `{key}`")))
    };
    let package = string(&v, "package")?;
    let model = string(&v, "model")?;
    let cost: ModelCost =
        serde_json::from_value(v.get_mut("cost").map(Value::take).unwrap_or(Value::Null))
            .map_err(|e| bad(format!("`cost`: {e}")))?;
    let verdicts: Vec<Verdict> = match v.get_mut("verdicts").map(Value::take) {
        None | Some(Value::Null) => Vec::new(),
        Some(x) => serde_json::from_value(x).map_err(|e| bad(format!("`verdicts`: {e}")))?,
    };
    // The level the attribute declares: the collecting build overrides `level` with warn.
    let level = match v
        .get("declared_level")
        .or_else(|| v.get("level"))
        .and_then(Value::as_str)
    {
        Some("deny") => Level::Deny,
        Some("warn") | None => Level::Warn,
        Some(other) => return Err(bad(format!("`level` is `{other}`, not warn or deny"))),
    };
    Ok(ModelReport {
        package,
        model,
        cost,
        verdicts,
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_reports_and_baselines_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p__M__x.json");
        std::fs::write(&file, "{ not json").unwrap();
        let e = read_reports(dir.path()).unwrap_err().0;
        assert!(
            e.contains("p__M__x.json") && e.contains("not a cost report"),
            "{e}"
        );
        std::fs::write(&file, r#"{"package":"p","model":"M","cost":{}}"#).unwrap();
        let e = read_reports(dir.path()).unwrap_err().0;
        assert!(e.contains("p__M__x.json") && e.contains("`cost`"), "{e}");

        let e = read_reports(&dir.path().join("missing")).unwrap_err().0;
        assert!(
            e.contains("missing") && e.contains("cannot read the report directory"),
            "{e}"
        );

        let b = dir.path().join(BASELINE_FILE);
        assert!(read_baseline(&b).unwrap().is_none());
        std::fs::write(&b, "format = 7\n").unwrap();
        let e = read_baseline(&b).unwrap_err().0;
        assert!(e.contains(BASELINE_FILE) && e.contains("format"), "{e}");
    }
}
