//! The published crates package: `cargo package` of alphaflops-core, alphaflops-macros,
//! alphaflops and cargo-alphaflops together (their path dependencies resolve through cargo's
//! temporary local registry), offline, from the packages' cache `cargo test` just filled.
//!
//! The three libraries are verified (built from their .crate files); cargo-alphaflops is
//! packaged without that build by default, because built alone its dependencies get other
//! features than in this workspace (burn's unify into rand, half, syn, …), so its
//! verification rebuilds about 60 crates, candle and gemm among them: 1 min 51 s of CPU and
//! 500 MB of target on the 2-core CI machine. `ALPHAFLOPS_VERIFY_ALL=1` verifies it too (do
//! it before publishing).

use std::path::Path;
use std::process::Command;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const LIBRARIES: [&str; 3] = ["alphaflops-core", "alphaflops-macros", "alphaflops"];

/// The workspace's `[profile]` tables as `--config` arguments: the verification builds each
/// .crate as a workspace of its own, which would otherwise build every dependency again with
/// cargo's default profile (full debug info) beside the ones `cargo test` built.
fn profile_configs() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(REPO).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let mut out = Vec::new();
    fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
        for (key, value) in table {
            let key = if key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                format!("{prefix}.{key}")
            } else {
                format!("{prefix}.\"{key}\"")
            };
            match value {
                toml::Value::Table(t) => flatten(&key, t, out),
                v => out.push(format!("{key}={v}")),
            }
        }
    }
    if let Some(toml::Value::Table(profiles)) = manifest.get("profile") {
        flatten("profile", profiles, &mut out);
    }
    out
}

/// Cargo takes a registry crate as immutable: its sources are extracted once (under
/// `$CARGO_HOME/registry/src/-<hash>/`, `-` for the temporary local registry) and its build
/// kept, so a second run would verify against the alphaflops libraries the first one packaged.
/// Dropping those sources and fingerprints makes it use this run's .crate files (the
/// workspace's own builds of them rebuild next time).
fn forget_packaged_builds() {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        Into::into,
    );
    if let Ok(registries) = std::fs::read_dir(home.join("registry/src")) {
        for registry in registries.flatten() {
            if !registry.file_name().to_string_lossy().starts_with('-') {
                continue;
            }
            for name in ["alphaflops-core-", "alphaflops-macros-", "alphaflops-"] {
                let Ok(crates) = std::fs::read_dir(registry.path()) else {
                    continue;
                };
                for krate in crates.flatten() {
                    let file = krate.file_name().to_string_lossy().into_owned();
                    if file
                        .strip_prefix(name)
                        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                    {
                        let _ = std::fs::remove_dir_all(krate.path());
                    }
                }
            }
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(REPO).join("target"), Into::into);
    let Ok(entries) = std::fs::read_dir(target.join("debug/.fingerprint")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = ["alphaflops-core-", "alphaflops-macros-", "alphaflops-"]
            .iter()
            .any(|p| {
                name.strip_prefix(p)
                    .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            });
        if ours {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn package(crates: &[&str], verify: bool) -> Option<String> {
    if verify {
        forget_packaged_builds();
    }
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(REPO)
        .args(["package", "--offline", "--allow-dirty", "--quiet"]);
    if !verify {
        cmd.arg("--no-verify");
    }
    for c in crates {
        cmd.args(["-p", c]);
    }
    for c in profile_configs() {
        cmd.args(["--config", &c]);
    }
    let out = cmd.output().expect("run cargo package");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() && stderr.contains("offline") {
        eprintln!(
            "SKIPPED: cargo package needs a crate that is not in the local cache, and runs offline:\n{stderr}"
        );
        return None;
    }
    assert!(
        out.status.success(),
        "cargo package {crates:?} failed:\n{stderr}"
    );
    Some(stderr)
}

#[test]
fn published_crates_package_and_verify() {
    assert!(
        profile_configs()
            .iter()
            .any(|c| c.starts_with("profile.dev.")),
        "{:?}",
        profile_configs()
    );
    let all = [&LIBRARIES[..], &["cargo-alphaflops"]].concat();
    let verify_all = std::env::var_os("ALPHAFLOPS_VERIFY_ALL").is_some_and(|v| v == "1");
    let Some(_) = package(&all, verify_all) else {
        return;
    };
    if !verify_all {
        // Packaged together again so the libraries' path dependencies resolve; verified.
        let Some(_) = package(&LIBRARIES, true) else {
            return;
        };
        eprintln!("cargo-alphaflops packaged, not verified (ALPHAFLOPS_VERIFY_ALL=1 verifies it)");
    }
    // What a .crate holds: sources, licences, readme and the embedded profiles, no measurements.
    let listing = |name: &str| {
        let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(REPO)
            .args([
                "package",
                "--offline",
                "--allow-dirty",
                "--list",
                "-p",
                name,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for name in &all {
        let files = listing(name);
        for needed in ["LICENSE-MIT", "LICENSE-APACHE", "README.md", "Cargo.toml"] {
            assert!(
                files.lines().any(|l| l == needed),
                "{name} lacks {needed}:\n{files}"
            );
        }
        assert!(
            !files
                .lines()
                .any(|l| l.ends_with(".csv") || l.ends_with(".svg")),
            "{name}:\n{files}"
        );
    }
    let core = listing("alphaflops-core");
    for (profile, _) in alphaflops_core::profile::SHIPPED {
        assert!(
            core.lines()
                .any(|l| l == format!("profiles/{profile}.toml")),
            "{profile}:\n{core}"
        );
    }
    let cli = listing("cargo-alphaflops");
    let sources = Path::new(REPO).join("cargo-alphaflops/src");
    let mut stack = vec![sources.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = format!("src/{}", path.strip_prefix(&sources).unwrap().display());
                assert!(
                    cli.lines().any(|l| l == rel),
                    "cargo-alphaflops lacks {rel}:\n{cli}"
                );
            }
        }
    }
}
