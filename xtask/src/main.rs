//! `cargo xtask`: developer tasks for alphaflops — measure convolution times, fit device
//! profiles, validate them, run the default benchmark grid and plot the result.
//!
//! One module per subcommand, in the style of rust-analyzer's xtask. Every error on user
//! input (CSV, CLI, profile files) is returned, not panicked, and says what, where
//! (`path:line`) and how to fix it.

/// Prints to stdout, ignoring a closed pipe (`cargo xtask validate | head` must not panic).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

mod backend;
mod bench;
mod bless;
mod check;
mod collect;
mod configs;
mod crossval;
mod data;
mod fit;
mod kernelfit;
mod measure;
mod metrics;
mod plot;
mod report;
mod util;
mod validate;
mod zoo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Developer tasks for alphaflops (run as `cargo xtask <task>`; timing runs belong in a
/// release build: `cargo run --release -p xtask -- <task>`).
#[derive(Parser, Debug)]
#[command(name = "xtask", bin_name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand, Debug)]
enum Task {
    /// Time one conv2d forward per row of a configs CSV (median and spread)
    Measure(measure::Args),
    /// Fit a device profile (β, γ per kernel class, timing terms) to measured times
    Fit(fit::Args),
    /// Compare a profile's predictions with measured times (α-FLOPs vs FLOPs only)
    Validate(validate::Args),
    /// Leave-one-group-out cross-validation of a fitted model form
    Crossval(crossval::Args),
    /// Measure the default grid, fit, and write profile + CSV + SVG
    Bench(bench::Args),
    /// Plot measured (solid) vs predicted (dashed) times per sweep as SVG
    Plot(plot::Args),
    /// Write a configs CSV: the default bench grid or random configs outside it
    Configs(configs::Args),
    /// Rewrite alphaflops-baseline.toml with every annotated model's current cost
    Bless(bless::Args),
    /// Compare every annotated model with its baseline and budgets (for CI)
    Check(check::Args),
    /// Every annotated model's cost, budgets and top layers as Markdown or JSON
    Report(report::Args),
    /// Price core's built-in models (ResNet, VGG, ViT…) on a profile, against measured times
    Zoo(zoo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Measure(a) => measure::run(a),
        Task::Fit(a) => fit::run(a),
        Task::Validate(a) => validate::run(a),
        Task::Crossval(a) => crossval::run(a),
        Task::Bench(a) => bench::run(a),
        Task::Plot(a) => plot::run(a),
        Task::Configs(a) => configs::run(a),
        Task::Bless(a) => bless::run(a),
        Task::Check(a) => check::run(a),
        Task::Report(a) => report::run(a),
        Task::Zoo(a) => zoo::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An error for the user: one message that says what, where and how to fix it.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error(s)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Self {
        Error(s.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Builds an [`Error`] from a format string.
#[macro_export]
macro_rules! err {
    ($($t:tt)*) => { $crate::Error(format!($($t)*)) };
}
