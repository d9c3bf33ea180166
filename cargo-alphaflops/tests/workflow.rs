//! The regression workflow as a user runs it: `cargo alphaflops` found on PATH by cargo, in a
//! workspace of their own outside this repository (a temporary directory with one annotated
//! crate depending on `alphaflops` by path), the commands README.md's CI recipe runs.
//!
//! The scratch workspace compiles into the target directory tests/regression.rs uses, so
//! alphaflops and its few dependencies (no framework) build once for both, offline, with
//! this repository's Cargo.lock.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn lib(width: u64) -> String {
    format!(
        r#"use alphaflops::cost_budget;
pub struct Linear;

/// Priced on a profile shipped inside alphaflops, by name.
#[cost_budget(input = [8, 64], profile = "cpu-amd-epyc-2c-candle", params = "1M")]
pub struct Net {{
    #[layer(linear(d_input = 64, d_output = {width}))]
    fc1: Linear,
    #[layer(linear(d_input = {width}, d_output = 10))]
    fc2: Linear,
}}
"#
    )
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `cargo alphaflops <args>` in `dir`, with cargo-alphaflops first on PATH.
fn cargo_alphaflops(dir: &Path, args: &[&str]) -> Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_cargo-alphaflops"));
    let mut path = vec![bin.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let out: Output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("alphaflops")
        .args(args)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(path).unwrap())
        .env(
            "CARGO_TARGET_DIR",
            Path::new(REPO).join("target/xtask-regression/target"),
        )
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("ALPHAFLOPS_LEVEL")
        .env_remove("ALPHAFLOPS_PROFILE")
        .env_remove("ALPHAFLOPS_REPORT_DIR")
        .output()
        .expect("run cargo alphaflops");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn bless_check_regress_report_in_a_users_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    let ws: PathBuf = tmp.path().canonicalize().unwrap();
    let repo = Path::new(REPO).canonicalize().unwrap();
    assert!(!ws.starts_with(&repo));
    std::fs::create_dir_all(ws.join("models/src")).unwrap();
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"models\"]\nresolver = \"3\"\n",
    )
    .unwrap();
    std::fs::write(
        ws.join("models/Cargo.toml"),
        format!(
            "[package]\nname = \"user-models\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nalphaflops = {{ path = {:?} }}\n",
            repo.display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(repo.join("Cargo.lock"), ws.join("Cargo.lock")).unwrap();
    std::fs::write(ws.join("models/src/lib.rs"), lib(32)).unwrap();
    // From a directory inside the workspace, without --manifest-path, as cargo finds it.
    let inside = ws.join("models/src");

    let r = cargo_alphaflops(&inside, &["bless"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("added    user-models::Net on cpu-amd-epyc-2c-candle"),
        "{r}"
    );
    let baseline = std::fs::read_to_string(ws.join("alphaflops-baseline.toml")).unwrap();
    assert!(baseline.contains("model = \"Net\"") && baseline.contains("params = 2410"));

    let r = cargo_alphaflops(&inside, &["check", "--deny"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("check passed: 1 model(s) within their baselines and budgets"),
        "{r}"
    );

    // A wider layer: a regression of params, MACs, α-FLOPs, memory and time (the CPU
    // profile's launch latency no longer hides the added work within the 1 % tolerance), each
    // named with model, metric and base → head.
    std::fs::write(ws.join("models/src/lib.rs"), lib(48)).unwrap();
    let r = cargo_alphaflops(&inside, &["check", "--deny"]);
    assert_eq!(r.code, Some(1), "{r}");
    // 64·32 + 32 + 32·10 + 10 = 2410 params before, 64·48 + 48 + 48·10 + 10 = 3610 after.
    assert!(
        r.stdout
            .contains("✗ regression: user-models::Net on cpu-amd-epyc-2c-candle: params 2.41 k → 3.61 k (+49.79 %)"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("✗ regression: user-models::Net on cpu-amd-epyc-2c-candle: macs"),
        "{r}"
    );
    assert!(
        r.stdout
            .ends_with("accept these costs with: cargo alphaflops bless\n"),
        "{r}"
    );
    // At the model's own level (warn) the same check passes, with the warning.
    let r = cargo_alphaflops(&inside, &["check"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("⚠ regression: user-models::Net on cpu-amd-epyc-2c-candle: params"),
        "{r}"
    );

    let r = cargo_alphaflops(&ws, &["report", "--format", "md", "--deny"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout.starts_with(
            "## alphaflops cost report\n\n❌ check fails: 1 model(s), **5 regression(s)**"
        ),
        "{r}"
    );
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("| params |"))
        .unwrap_or_default();
    assert!(
        row.starts_with(
            "| ❌ | `user-models::Net` | cpu-amd-epyc-2c-candle | params | 2.41 k | 3.61 k | **+49.79 %** |"
        ),
        "{r}"
    );
    let r = cargo_alphaflops(&ws, &["report", "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
    assert_eq!(v[0]["status"], "warned");
    assert_eq!(v[0]["changes"][0]["metric"], "params");
    assert_eq!(v[0]["changes"][0]["base"], 2410.0);
    assert_eq!(v[0]["changes"][0]["head"], 3610.0);

    // Accepting it makes check pass again.
    assert_eq!(cargo_alphaflops(&inside, &["bless"]).code, Some(0));
    let r = cargo_alphaflops(&inside, &["check", "--deny"]);
    assert_eq!(r.code, Some(0), "{r}");

    // Outside any workspace: an error saying so, with status 2.
    let r = cargo_alphaflops(&std::env::temp_dir(), &["check"]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(
        r.stderr.contains(
            "run this inside a cargo workspace or pass its Cargo.toml to --manifest-path"
        ),
        "{r}"
    );
}
