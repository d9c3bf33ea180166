//! `cargo alphaflops <command>`: see `cargo alphaflops --help`.

fn main() -> std::process::ExitCode {
    cargo_alphaflops::main(cargo_alphaflops::Tool::Alphaflops)
}
