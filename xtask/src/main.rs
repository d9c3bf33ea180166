//! `cargo xtask <task>`: alphaflops' own chores (refitting the shipped profiles, device runs,
//! BENCHMARKS figures) run through the same library as the installable `cargo alphaflops`.

fn main() -> std::process::ExitCode {
    cargo_alphaflops::main(cargo_alphaflops::Tool::Xtask)
}
