//! `cargo xtask` is the cargo-alphaflops library under this repository's name: every command
//! is there, and messages name `cargo xtask`.

use std::process::Command;

#[test]
fn every_command_under_the_xtask_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && help.contains("Usage: cargo xtask <COMMAND>"),
        "{help}"
    );
    for command in [
        "measure", "fit", "validate", "crossval", "bench", "plot", "configs", "bless", "check",
        "report", "zoo",
    ] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(command)),
            "no `{command}` in\n{help}"
        );
    }
    // A usage error exits 2, as clap's do.
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("no-such-task")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--manifest-path", "/nowhere/Cargo.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
