//! `#[cost_budget]` rebuilds when what it read changes: ALPHAFLOPS_LEVEL, ALPHAFLOPS_PROFILE
//! and the profile file. Builds a scratch crate with the real cargo, once per change.

use std::path::{Path, PathBuf};
use std::process::Command;

const MODEL: &str = r#"
use alphaflops::cost_budget;
pub struct Linear;
#[cost_budget(input = [64, 512], profile = "dev", time_ms = 0.5)]
pub struct Mlp {
    #[layer(linear(d_input = 512, d_output = 512))]
    fc: Linear,
}
"#;

fn profile(name: &str, ms_per_flop: f64) -> String {
    alphaflops::DEFAULT_PROFILE_TOML
        .replace(
            "name = \"quadro-t2000-asperti2021\"",
            &format!("name = \"{name}\""),
        )
        .replace(
            "ms_per_flop = 1.875e-8",
            &format!("ms_per_flop = {ms_per_flop:e}"),
        )
}

struct Build {
    ok: bool,
    stderr: String,
}

fn build(dir: &Path, env: &[(&str, &str)]) -> Build {
    let repo = env!("CARGO_MANIFEST_DIR");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--offline", "--lib"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", Path::new(repo).join("target/tracking"))
        .env_remove("ALPHAFLOPS_LEVEL")
        .env_remove("ALPHAFLOPS_PROFILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("cargo runs");
    Build {
        ok: out.status.success(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn scratch() -> PathBuf {
    scratch_named("scratch")
}

/// A scratch crate named after its folder, so tests can run in parallel on one target dir.
fn scratch_named(folder: &str) -> PathBuf {
    scratch_in(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tracking"),
        folder,
    )
}

/// [`scratch_named`] under `base` (a crate inside this repository finds the repository's
/// own `alphaflops-baseline.toml` above it).
fn scratch_in(base: &Path, folder: &str) -> PathBuf {
    let repo = env!("CARGO_MANIFEST_DIR");
    let dir = base.join(folder);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    let manifest = format!(
        "[package]\nname = \"{folder}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nalphaflops = {{ path = {repo:?} }}\n\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    if let Ok(lock) = std::fs::read(Path::new(repo).join("Cargo.lock")) {
        // The workspace's versions are the ones already downloaded.
        let _ = std::fs::write(dir.join("Cargo.lock"), lock);
    }
    std::fs::write(dir.join("src/lib.rs"), MODEL).unwrap();
    dir
}

#[test]
fn env_overrides_and_profile_edits_rebuild() {
    let dir = scratch();
    // 64×512×512 MACs: 33.6 M MACs, 67.1 M FLOPs; α ≈ 0.07 on the dev profile.
    std::fs::write(dir.join("profiles/dev.toml"), profile("dev", 1.875e-8)).unwrap();
    std::fs::write(dir.join("profiles/slow.toml"), profile("slow", 1.875e-5)).unwrap();

    let b = build(&dir, &[]);
    assert!(
        b.ok && !b.stderr.contains("over its"),
        "under budget is silent:\n{}",
        b.stderr
    );

    // The profile file is tracked: making the device 1000× slower puts the model over budget.
    std::fs::write(dir.join("profiles/dev.toml"), profile("dev", 1.875e-5)).unwrap();
    let b = build(&dir, &[]);
    assert!(b.ok, "{}", b.stderr);
    assert!(
        b.stderr.contains("warning")
            && b.stderr
                .contains("`Mlp` is over its time_ms budget on profile `dev`"),
        "{}",
        b.stderr
    );

    // ALPHAFLOPS_LEVEL=deny turns the warning into an error.
    let b = build(&dir, &[("ALPHAFLOPS_LEVEL", "deny")]);
    assert!(
        !b.ok && b.stderr.contains("error") && b.stderr.contains("denied by ALPHAFLOPS_LEVEL=deny"),
        "{}",
        b.stderr
    );

    // ALPHAFLOPS_PROFILE overrides the attribute's profile.
    std::fs::write(dir.join("profiles/dev.toml"), profile("dev", 1.875e-8)).unwrap();
    let b = build(&dir, &[]);
    assert!(b.ok && !b.stderr.contains("over its"), "{}", b.stderr);
    let b = build(&dir, &[("ALPHAFLOPS_PROFILE", "slow")]);
    assert!(
        b.ok && b.stderr.contains("on profile `slow`"),
        "{}",
        b.stderr
    );

    // A bad override is an error naming the variable.
    let b = build(&dir, &[("ALPHAFLOPS_PROFILE", "nowhere")]);
    assert!(
        !b.ok
            && b.stderr
                .contains("ALPHAFLOPS_PROFILE: profile `nowhere` not found"),
        "{}",
        b.stderr
    );
    let b = build(&dir, &[("ALPHAFLOPS_LEVEL", "loud")]);
    assert!(
        !b.ok
            && b.stderr
                .contains("ALPHAFLOPS_LEVEL must be `warn` or `deny`, found `loud`"),
        "{}",
        b.stderr
    );
}

/// A baseline entry for the scratch model with the given parameter count.
fn baseline(params: u64) -> String {
    format!(
        "format = 1\ntolerance_pct = 1.0\n\n[[model]]\npackage = \"baseline\"\nmodel = \"Mlp\"\nprofile = \"dev\"\nparams = {params}\nmacs = 16777216\nalpha_flops = 1.0e12\npredicted_ms = 1.0e3\n"
    )
}

#[test]
fn baselines_warn_deny_and_rebuild() {
    let dir = scratch_named("baseline");
    std::fs::write(dir.join("profiles/dev.toml"), profile("dev", 1.875e-8)).unwrap();
    let file = dir.join("alphaflops-baseline.toml");

    // 512·512 + 512 = 262,656 params; a baseline of 200,000 makes it a regression.
    std::fs::write(&file, baseline(200_000)).unwrap();
    let b = build(&dir, &[]);
    assert!(b.ok, "{}", b.stderr);
    assert!(
        b.stderr.contains("`Mlp` got more expensive than its baseline on profile `dev`: params 200.00 k params → 262.66 k params (+31.3 %)")
            && b.stderr.contains("accept the change with `cargo alphaflops bless`")
            // Named for what it is, not as an exceeded budget.
            && b.stderr.contains("deprecated function `_::alphaflops_regression`")
            && !b.stderr.contains("alphaflops_over_budget"),
        "{}",
        b.stderr
    );
    let b = build(&dir, &[("ALPHAFLOPS_LEVEL", "deny")]);
    assert!(
        !b.ok && b.stderr.contains("got more expensive than its baseline"),
        "{}",
        b.stderr
    );

    // The baseline file is tracked: blessing the current cost silences the build.
    std::fs::write(&file, baseline(262_656)).unwrap();
    let b = build(&dir, &[]);
    assert!(b.ok && !b.stderr.contains("baseline"), "{}", b.stderr);

    // A malformed baseline is an error with its position and the command that fixes it.
    std::fs::write(&file, "format = 1\ntolerance = 3\n").unwrap();
    let b = build(&dir, &[]);
    assert!(
        !b.ok
            && b.stderr.contains("invalid baseline")
            && b.stderr
                .contains("alphaflops-baseline.toml:2:1: unknown field `tolerance`")
            && b.stderr
                .contains("regenerate it with `cargo alphaflops bless`"),
        "{}",
        b.stderr
    );

    // ALPHAFLOPS_REPORT_DIR makes every model write its cost for `cargo xtask check`.
    std::fs::write(&file, baseline(262_656)).unwrap();
    let reports = dir.join("reports");
    let _ = std::fs::remove_dir_all(&reports);
    let b = build(
        &dir,
        &[("ALPHAFLOPS_REPORT_DIR", reports.to_str().unwrap())],
    );
    assert!(b.ok, "{}", b.stderr);
    let json =
        std::fs::read_to_string(reports.join("baseline__Mlp__dev.json")).expect("report written");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cost"]["params"], 262_656);
    assert_eq!(v["verdicts"][0]["budget"]["metric"], "time_ms");
    assert_eq!(v["baseline"][0]["metric"], "params");
}

/// Without a baseline file the macro tracks the crate's manifest instead, and `cargo xtask
/// bless` touches the manifests when it writes the first baseline: a crate compiled before
/// the file existed then sees it on its next build.
#[test]
fn a_first_baseline_is_seen_once_the_manifest_is_touched() {
    // Outside this repository, so that its own baseline file is not found above the crate;
    // removed when dropped, also when an assert below fails.
    let base = tempfile::Builder::new()
        .prefix("alphaflops-tracking-")
        .tempdir()
        .expect("a temporary directory");
    let dir = scratch_in(base.path(), "first_baseline");
    std::fs::write(dir.join("profiles/dev.toml"), profile("dev", 1.875e-8)).unwrap();
    let file = dir.join("alphaflops-baseline.toml");
    let _ = std::fs::remove_file(&file);
    let b = build(&dir, &[]);
    assert!(b.ok && !b.stderr.contains("baseline"), "{}", b.stderr);

    // What `cargo alphaflops bless` does for a new file: write it, then touch each manifest.
    let entry = baseline(200_000).replace("package = \"baseline\"", "package = \"first_baseline\"");
    std::fs::write(&file, entry).unwrap();
    std::fs::File::options()
        .write(true)
        .open(dir.join("Cargo.toml"))
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .unwrap();
    let b = build(&dir, &[]);
    assert!(
        b.ok && b
            .stderr
            .contains("`Mlp` got more expensive than its baseline on profile `dev`"),
        "{}",
        b.stderr
    );
}

/// A model nesting a block is expanded from inside the block's exporter; what it says about
/// itself as a whole (a regression, a profile override not found) still points at its own
/// `#[cost_budget]`, not at the first `#[cost_model]` of the file.
#[test]
fn whole_model_diagnostics_point_at_the_model_through_its_modules() {
    const NESTED: &str = r#"use alphaflops::{cost_budget, cost_model};
pub struct Linear;
#[cost_model]
pub struct Block {
    #[layer(linear(d_input = 512, d_output = 512))]
    fc: Linear,
}
#[cost_budget(input = [64, 512], profile = "dev")]
pub struct Mlp {
    #[layer(module)]
    block: Block,
}
"#;
    let dir = scratch_named("nested_site");
    std::fs::write(dir.join("src/lib.rs"), NESTED).unwrap();
    std::fs::write(dir.join("profiles/dev.toml"), profile("dev", 1.875e-8)).unwrap();
    let entry = baseline(200_000).replace("package = \"baseline\"", "package = \"nested_site\"");
    std::fs::write(dir.join("alphaflops-baseline.toml"), entry).unwrap();
    let model_line = NESTED
        .lines()
        .position(|l| l.starts_with("#[cost_budget"))
        .unwrap()
        + 1;
    let at_model = format!("src/lib.rs:{model_line}:");
    let at_block = "src/lib.rs:3:";

    let b = build(&dir, &[]);
    assert!(
        b.ok && b.stderr.contains("got more expensive than its baseline")
            && b.stderr.contains(&at_model)
            && !b.stderr.contains(at_block),
        "{}",
        b.stderr
    );
    let b = build(&dir, &[("ALPHAFLOPS_PROFILE", "nowhere")]);
    assert!(
        !b.ok
            && b.stderr
                .contains("ALPHAFLOPS_PROFILE: profile `nowhere` not found")
            && b.stderr.contains(&at_model)
            && !b.stderr.contains(at_block),
        "{}",
        b.stderr
    );
}
