//! End-to-end tests of `cargo alphaflops bless`, `check` and `report` on a scratch workspace under
//! target/, compiled by the real cargo (offline, with the repository's Cargo.lock) into one
//! stable target dir so the dependencies compile once. No test depends on timing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A model crate: `Mlp` with `width` hidden units, and the extra source appended.
fn models(width: u64, budget: &str, extra: &str) -> String {
    format!(
        r#"#![allow(dead_code)]
use alphaflops::cost_budget;
pub struct Linear;
pub struct Relu;

#[cost_budget(input = [8, 64], profile = "dev", {budget})]
pub struct Mlp {{
    #[layer(linear(d_input = 64, d_output = {width}))]
    fc1: Linear,
    act: Relu,
    #[layer(linear(d_input = {width}, d_output = 10))]
    fc2: Linear,
}}
{extra}"#
    )
}

const TINY: &str = r#"
#[cost_budget(input = [1, 16], profile = "dev", params = "1M")]
pub struct Tiny {
    #[layer(linear(d_input = 16, d_output = 4))]
    fc: Linear,
}
"#;

const FRESH: &str = r#"
#[cost_budget(input = [1, 32], profile = "dev")]
pub struct Fresh {
    #[layer(linear(d_input = 32, d_output = 4))]
    fc: Linear,
}
"#;

/// A fresh workspace `target/xtask-regression/<name>` with one crate, `<name>-models`.
fn workspace(name: &str, lib: &str) -> PathBuf {
    let repo = Path::new(REPO).canonicalize().unwrap();
    let dir = repo.join("target/xtask-regression").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("models/src")).unwrap();
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"models\"]\nresolver = \"3\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("models/Cargo.toml"),
        format!(
            "[package]\nname = \"{name}-models\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nalphaflops = {{ path = {:?} }}\n",
            repo.display().to_string()
        ),
    )
    .unwrap();
    // The workspace's versions are the ones already downloaded.
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    // A profile of our own, so edits to the repository's profiles/ cannot change the numbers.
    let profile = alphaflops_core::DEFAULT_PROFILE_TOML.replacen(
        &format!("name = \"{}\"", alphaflops_core::DEFAULT_PROFILE_NAME),
        "name = \"dev\"",
        1,
    );
    assert!(
        profile.contains("name = \"dev\""),
        "the default profile's name line moved"
    );
    std::fs::write(dir.join("profiles/dev.toml"), profile).unwrap();
    set_lib(&dir, lib);
    dir
}

fn set_lib(dir: &Path, lib: &str) {
    std::fs::write(dir.join("models/src/lib.rs"), lib).unwrap();
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    xtask_with(dir, args, &[])
}

fn xtask_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let target = Path::new(REPO).join("target/xtask-regression/target");
    Command::new(env!("CARGO_BIN_EXE_cargo-alphaflops"))
        .args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("ALPHAFLOPS_LEVEL")
        .env_remove("ALPHAFLOPS_PROFILE")
        .env_remove("ALPHAFLOPS_REPORT_DIR")
        .envs(envs.iter().copied())
        .output()
        .expect("run xtask")
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, &[])
}

fn run_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let out = xtask_with(dir, args, envs);
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ok: {}\n--- stdout\n{}--- stderr\n{}",
            self.ok, self.stdout, self.stderr
        )
    }
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

const HINT: &str = "accept these costs with: cargo alphaflops bless";

#[test]
fn bless_check_regress_stale() {
    let dir = workspace("flow", &models(32, "alpha_flops = \"1G\"", TINY));
    let file = dir.join("alphaflops-baseline.toml");

    // Without a baseline, check warns about every model but passes.
    let r = run(&dir, &["check"]);
    assert!(r.ok, "{r}");
    assert!(
        r.stdout.contains("no baseline file")
            && r.stdout
                .contains("flow-models::Mlp on dev has no baseline entry"),
        "{r}"
    );
    assert_eq!(last_line(&r.stdout), HINT, "{r}");

    // bless writes the file, and touches the manifest of the crate with models, which tracks
    // its manifest while there is no baseline file to track.
    let manifest = dir.join("models/Cargo.toml");
    let mtime = || std::fs::metadata(&manifest).unwrap().modified().unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(&manifest)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let r = run(&dir, &["bless"]);
    assert!(r.ok, "{r}");
    assert!(mtime() > old, "bless did not touch {}", manifest.display());
    assert!(
        r.stdout.contains("added    flow-models::Mlp on dev")
            && r.stdout.contains("added    flow-models::Tiny"),
        "{r}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("model = \"Mlp\"")
            && text.contains("model = \"Tiny\"")
            && text.contains("tolerance_pct = 1.0"),
        "{text}"
    );
    // 64·32 + 32 + 32·10 + 10 parameters.
    assert!(
        text.contains(&format!("params = {}", 64 * 32 + 32 + 32 * 10 + 10)),
        "{text}"
    );

    // check passes right after bless, and has nothing for bless to do.
    let r = run(&dir, &["check"]);
    assert!(r.ok, "{r}");
    assert!(
        r.stdout.contains("check passed: 2 model(s)") && !r.stdout.contains('✗'),
        "{r}"
    );
    assert!(
        r.stdout.contains("| model") && r.stdout.contains("| flow-models::Mlp"),
        "{r}"
    );
    assert!(!r.stdout.contains("bless"), "{r}");

    // A bigger model is a regression. At its level, warn (the default), check reports it and
    // passes; --deny fails it with the model, the metric and base → head, the bless line last.
    set_lib(&dir, &models(64, "alpha_flops = \"1G\"", TINY));
    let r = run(&dir, &["check"]);
    assert!(r.ok, "{r}");
    assert!(
        r.stdout
            .contains("⚠ regression: flow-models::Mlp on dev: params 2.41 k → 4.81 k (+99.59 %)"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("check passed with 5 warning(s) at level = \"warn\""),
        "{r}"
    );
    let out = xtask(&dir, &["check", "--deny"]);
    assert_eq!(out.status.code(), Some(1));
    let r = run(&dir, &["check", "--deny"]);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("flow-models::Mlp") && l.contains("params"))
        .unwrap_or("");
    assert!(row.contains("✗ regression") && row.contains('+'), "{r}");
    assert!(
        r.stdout
            .contains("✗ regression: flow-models::Mlp on dev: params 2.41 k → 4.81 k (+99.59 %)"),
        "{r}"
    );
    assert!(r.stdout.contains("check failed"), "{r}");
    assert_eq!(last_line(&r.stdout), HINT, "{r}");
    // report sees what check sees.
    let r = run(&dir, &["report", "--format", "md", "--deny"]);
    assert!(
        r.stdout.contains("❌ check fails")
            && r.stdout.contains(
                "| ❌ | `flow-models::Mlp` | dev | params | 2.41 k | 4.81 k | **+99.59 %** |"
            ),
        "{r}"
    );

    // Blessing accepts it; the file exists now, so the manifest is left alone.
    std::fs::File::options()
        .write(true)
        .open(&manifest)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let r = run(&dir, &["bless"]);
    assert!(
        r.ok && r
            .stdout
            .contains("updated  flow-models::Mlp on dev: params"),
        "{r}"
    );
    assert_eq!(mtime(), old);
    let r = run(&dir, &["check"]);
    assert!(r.ok, "{r}");

    // A removed model leaves a stale entry, a new one is missing: warnings, exit 0.
    set_lib(&dir, &models(64, "alpha_flops = \"1G\"", FRESH));
    let r = run(&dir, &["check"]);
    assert!(r.ok, "{r}");
    assert!(
        r.stdout
            .contains("warning: stale baseline entry flow-models::Tiny on dev"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("warning: flow-models::Fresh on dev has no baseline entry"),
        "{r}"
    );
    assert_eq!(last_line(&r.stdout), HINT, "{r}");

    // bless removes the stale entry and keeps, or sets, the tolerance.
    let r = run(&dir, &["bless", "--tolerance", "5"]);
    assert!(
        r.ok && r.stdout.contains("removed  flow-models::Tiny")
            && r.stdout.contains("added    flow-models::Fresh"),
        "{r}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("tolerance_pct = 5.0") && !text.contains("Tiny"),
        "{text}"
    );
    let r = run(&dir, &["bless"]);
    assert!(
        r.ok && r.stdout.contains("no changes") && r.stdout.contains("is up to date"),
        "{r}"
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("tolerance_pct = 5.0")
    );

    // Over a deny-level budget: the costs are still collected, and check fails on the budget
    // without suggesting bless, which cannot fix a budget.
    set_lib(&dir, &models(64, "params = 100, level = \"deny\"", FRESH));
    let r = run(&dir, &["check"]);
    assert!(!r.ok, "{r}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("flow-models::Mlp") && l.contains("✗ over budget")),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("✗ over budget: flow-models::Mlp on dev: params 4.81 k > 100, 48.10× the budget (level deny)"),
        "{r}"
    );
    assert!(
        last_line(&r.stdout).starts_with("over budget: make the model cheaper or raise its budget"),
        "{r}"
    );
    assert!(!r.stdout.contains(HINT), "{r}");
    // The same budget at level warn only warns.
    set_lib(&dir, &models(64, "params = 100", FRESH));
    let r = run(&dir, &["check"]);
    assert!(
        r.ok && r.stdout.contains("⚠ over budget: flow-models::Mlp"),
        "{r}"
    );

    // A compile error is reported as such, with exit status 2.
    set_lib(&dir, "pub fn broken() -> u32 { \"no\" }\n");
    let out = xtask(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let r = run(&dir, &["check"]);
    assert!(
        !r.ok && r.stderr.contains("does not compile") && r.stderr.contains("mismatched types"),
        "{r}"
    );

    // An invalid baseline: check names the file; bless moves it aside and writes a new one.
    set_lib(&dir, &models(64, "alpha_flops = \"1G\"", ""));
    std::fs::write(&file, "format = 1\ntolerance_pct = \"lots\"\n").unwrap();
    let r = run(&dir, &["check"]);
    assert!(
        !r.ok
            && r.stderr.contains("alphaflops-baseline.toml")
            && r.stderr.contains("invalid baseline"),
        "{r}"
    );
    let r = run(&dir, &["bless"]);
    assert!(
        r.ok && r.stderr.contains("alphaflops-baseline.toml.invalid"),
        "{r}"
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("model = \"Mlp\"")
    );
    assert!(run(&dir, &["check"]).ok);
}

/// One baseline holds each model on several profiles: blessing or checking under a second
/// profile neither removes nor calls stale the first one's entries.
#[test]
fn profiles_share_one_baseline() {
    let dir = workspace("profiles", &models(32, "alpha_flops = \"1G\"", ""));
    let dev = std::fs::read_to_string(dir.join("profiles/dev.toml")).unwrap();
    std::fs::write(
        dir.join("profiles/dev2.toml"),
        dev.replacen("name = \"dev\"", "name = \"dev2\"", 1),
    )
    .unwrap();
    let file = dir.join("alphaflops-baseline.toml");
    let second = [("ALPHAFLOPS_PROFILE", "dev2")];

    assert!(run(&dir, &["bless"]).ok);
    let r = run_with(&dir, &["bless"], &second);
    assert!(
        r.ok && r.stdout.contains("added    profiles-models::Mlp on dev2")
            && !r.stdout.contains("removed"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("kept     1 entries on other profiles than dev2"),
        "{r}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("profile = \"dev\"") && text.contains("profile = \"dev2\""),
        "{text}"
    );

    let r = run_with(&dir, &["check"], &second);
    assert!(r.ok && !r.stdout.contains("stale"), "{r}");
    assert!(
        r.stdout
            .contains("note: 1 baseline entries on other profiles were not checked (dev)"),
        "{r}"
    );
    let r = run(&dir, &["check"]);
    assert!(
        r.ok && !r.stdout.contains("stale") && r.stdout.contains("(dev2)"),
        "{r}"
    );
    let r = run(&dir, &["bless"]);
    assert!(r.ok && r.stdout.contains("no changes"), "{r}");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("profile = \"dev2\"")
    );
}

#[test]
fn report_md_and_json() {
    let dir = workspace(
        "report",
        &models(32, "alpha_flops = \"1G\", params = 100", TINY),
    );
    let r = run(&dir, &["report", "--format", "md"]);
    assert!(r.ok, "{r}");
    assert!(r.stdout.starts_with("## alphaflops cost report"), "{r}");
    assert!(
        r.stdout.contains("| `report-models::Mlp` | dev |")
            && r.stdout.contains("| `report-models::Tiny` | dev |"),
        "{r}"
    );
    assert!(
        r.stdout.contains("❌ 1 of 2 over") && r.stdout.contains("| `fc1` | linear |"),
        "{r}"
    );

    let r = run(&dir, &["report", "--format", "json"]);
    assert!(r.ok, "{r}");
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).expect("report --format json prints JSON");
    let models = v.as_array().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models[0]["model"], "Mlp");
    assert_eq!(models[0]["params"], 64 * 32 + 32 + 32 * 10 + 10);
    assert_eq!(models[0]["top_layers"].as_array().unwrap().len(), 3);
    assert_eq!(models[1]["model"], "Tiny");
    assert!(
        models[0]["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["over"] == true)
    );

    let r = run(&dir, &["report", "--format", "xml"]);
    assert!(!r.ok && r.stderr.contains("xml"), "{r}");
}

#[test]
fn missing_manifest_is_an_error_naming_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-alphaflops"))
        .args(["check", "--manifest-path", "/nowhere/Cargo.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("/nowhere/Cargo.toml"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_cargo-alphaflops"))
        .args(["bless", "--tolerance=-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("--tolerance -1: must be a non-negative percentage"),
        "{stderr}"
    );
}
