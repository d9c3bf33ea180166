//! `cargo alphaflops`: the regression workflow (`check`, `bless`, `report`) for any cargo
//! workspace whose models carry `#[cost_budget]`, and the device workflow (measure convolution
//! times, fit device profiles, validate them, run the default benchmark grid and plot the
//! result). The `cargo-alphaflops` binary and alphaflops' own `cargo xtask` both run [`main`].
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
mod ewfit;
mod fit;
mod judge;
mod kernelfit;
mod measure;
mod metrics;
mod plot;
mod report;
mod util;
mod validate;
mod zoo;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Prices the `#[cost_budget]` models of a cargo workspace against their baseline and budgets,
/// and measures, fits and validates device profiles (timing runs belong in an optimised build:
/// `cargo install cargo-alphaflops`).
///
/// Exit status: 0 when all is well, 1 when `check` finds a regression or an exceeded budget,
/// 2 on a usage or build error.
#[derive(Parser, Debug)]
#[command(name = "cargo-alphaflops", bin_name = "cargo alphaflops", version, long_about = None)]
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

/// Which binary runs [`main`]: what its messages tell the user to type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `cargo alphaflops`, installed by `cargo install cargo-alphaflops`.
    Alphaflops,
    /// `cargo xtask` inside the alphaflops repository.
    Xtask,
}

impl Tool {
    /// The command a user types, without the subcommand.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Alphaflops => "cargo alphaflops",
            Tool::Xtask => "cargo xtask",
        }
    }
}

static TOOL: OnceLock<Tool> = OnceLock::new();

/// `cargo alphaflops` or `cargo xtask`, for messages that name a command to run.
pub(crate) fn cmd() -> &'static str {
    TOOL.get().copied().unwrap_or(Tool::Alphaflops).command()
}

/// Exit status of a `check` that found a regression or an exceeded budget.
pub const EXIT_FAILED: u8 = 1;
/// Exit status of a usage error (clap's) or of any other error (build, input, I/O).
pub const EXIT_ERROR: u8 = 2;

/// Parses the command line and runs one subcommand.
pub fn main(tool: Tool) -> ExitCode {
    let _ = TOOL.set(tool);
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // cargo runs `cargo alphaflops check` as `cargo-alphaflops alphaflops check`.
    if tool == Tool::Alphaflops && args.get(1).is_some_and(|a| a == "alphaflops") {
        args.remove(1);
    }
    let command = match tool {
        Tool::Alphaflops => Cli::command(),
        Tool::Xtask => Cli::command().name("xtask").bin_name("cargo xtask").about(
            "Developer tasks for alphaflops (timing runs belong in a release build: `cargo run --release -p xtask -- <task>`)",
        ),
    };
    // Usage errors exit with clap's status, 2.
    let matches = command.get_matches_from(args);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.task {
        Task::Measure(a) => measure::run(a),
        Task::Fit(a) => fit::run(a),
        Task::Validate(a) => validate::run(a),
        Task::Crossval(a) => crossval::run(a),
        Task::Bench(a) => bench::run(a),
        Task::Plot(a) => plot::run(a),
        Task::Configs(a) => configs::run(a),
        Task::Bless(a) => bless::run(a),
        Task::Check(a) => match check::run(a) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(EXIT_FAILED),
            Err(e) => Err(e),
        },
        Task::Report(a) => report::run(a),
        Task::Zoo(a) => zoo::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
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
