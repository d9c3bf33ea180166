//! UI tests of `#[cost_budget]`: every diagnostic the macro emits, and the forms it accepts.
//!
//! - `tests/ui/<topic>/<case>.rs` must fail to compile with the message in `<case>.stderr`;
//!   topics: `args` (the `#[cost_budget(...)]` arguments), `layer` (keys inside
//!   `#[layer(...)]`), `field` (how fields are annotated), `profile`, `shape`, `budget` and
//!   `item` (what the attribute is put on, several errors at once).
//! - `tests/ui/pass/<case>.rs` must compile and run.
//! - `tests/ui/profiles/` holds deliberately broken profile files the `profile` cases read.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p alphaflops-ui-tests`,
//! then read them. The cases assume the default target directory (`target/` in the
//! workspace): `path` is relative to the crate's manifest directory, which under trybuild is
//! the generated crate `target/tests/trybuild/alphaflops-ui-tests`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for topic in [
        "args", "layer", "field", "profile", "shape", "budget", "item", "nested",
    ] {
        t.compile_fail(format!("{topic}/*.rs"));
    }
    t.pass("pass/*.rs");
}
