fn main() {
    eprintln!("cargo xtask: subcommands are being built (measure, fit, validate, bench, plot)");
}
