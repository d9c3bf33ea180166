//! `cargo xtask measure`: times one forward of each row's op (conv2d by default; see `data`
//! for the `op` and `groups` columns) per row of a configs CSV.
//!
//! `--backend cpu|cuda` times in process, and refuses a debug build (its timings are not the
//! library's); `--backend cmd:PROGRAM` runs PROGRAM through `sh -c`, feeds it the configs
//! CSV on stdin and expects the same rows back on stdout with a `time_ms` column.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::{self, Backend, Budget, Sample};
use crate::data::Table;
use crate::{Result, err, util};

/// Where times come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendArg {
    InProcess(backend::Kind),
    Cmd(String),
}

impl FromStr for BackendArg {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cpu" => Ok(BackendArg::InProcess(backend::Kind::Cpu)),
            "cuda" => Ok(BackendArg::InProcess(backend::Kind::Cuda)),
            _ => match s.strip_prefix("cmd:") {
                Some(p) if !p.trim().is_empty() => Ok(BackendArg::Cmd(p.to_string())),
                Some(_) => Err("`cmd:` needs a program, e.g. cmd:./time_convs.sh".into()),
                None => Err(format!(
                    "unknown backend `{s}`: use cpu, cuda or cmd:PROGRAM"
                )),
            },
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// cpu (candle-core), cuda (cuDNN/cuBLAS) or cmd:PROGRAM (reads the CSV on stdin, writes it back with time_ms)
    #[arg(long)]
    pub backend: BackendArg,
    /// Configurations: CSV with h,w,c_in,c_out,k1,k2 (optional batch, stride; other columns pass through)
    #[arg(long)]
    pub configs: PathBuf,
    /// Where to write the configurations with time_ms (median), p10_ms, p90_ms and reps
    #[arg(long)]
    pub out: PathBuf,
    /// Shorter timing per configuration (fewer repetitions)
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub run: backend::Options,
    /// Allow in-process timing in a debug build (numbers are not representative)
    #[arg(long)]
    pub allow_debug: bool,
}

/// In-process timings of a debug build measure the debug build: refused unless asked for,
/// naming the command that times the release build.
pub fn refuse_debug(command: &str, allow: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        if !allow {
            return Err(err!(
                "{command} times kernels, and this is a debug build; run `cargo run --release -p xtask -- {command} …` (or pass --allow-debug to proceed anyway)"
            ));
        }
        eprintln!(
            "warning: this is a debug build, so in-process timings are far slower than real use; run `cargo run --release -p xtask -- {command} …` for numbers worth keeping"
        );
    }
    Ok(())
}

pub fn progress(n: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(n as u64);
    let style =
        ProgressStyle::with_template("{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style);
    pb.set_message(what.to_string());
    pb
}

/// What timing a table gives: a sample per row, and the algorithm per row where the
/// backend records one.
pub struct Measured {
    pub samples: Vec<Sample>,
    pub algorithms: Option<Vec<String>>,
}

impl Measured {
    /// The columns `measure` and `bench` append.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut c = Sample::COLUMNS.to_vec();
        if self.algorithms.is_some() {
            c.push(ALGO);
        }
        c
    }

    pub fn fields(&self, row: usize) -> Vec<String> {
        let mut f = self.samples[row].fields();
        if let Some(a) = &self.algorithms {
            f.push(a[row].clone());
        }
        f
    }

    /// The table with the measured columns last; an earlier run's (an algorithm column
    /// included, which this backend may not write) are dropped, not kept beside the new ones.
    pub fn render(&self, table: &Table) -> String {
        let mut drop = Sample::COLUMNS.to_vec();
        drop.push(ALGO);
        table.render(&drop, &self.columns(), |r| self.fields(r))
    }
}

/// The column that names the algorithm a backend chose for a row.
pub const ALGO: &str = "algo";

/// Times every row of a table; returns the samples in row order.
pub fn measure_table(
    backend: &mut dyn Backend,
    table: &Table,
    budget: &Budget,
    label: &str,
) -> Result<Measured> {
    for row in &table.rows {
        if let Some(why) = backend.unsupported(row.workload.op) {
            return Err(err!("{}:{}: {why}", table.path.display(), row.line));
        }
    }
    let rounds = budget.rounds.max(1);
    let per_round = Budget {
        target_s: budget.target_s / rounds as f64,
        ..*budget
    };
    let pb = progress(table.rows.len() * rounds, label);
    let mut pooled = vec![Vec::new(); table.rows.len()];
    // Every pass's choice: a heuristic that changes its mind between passes shows as `a|b`.
    let mut algorithms: Vec<Vec<String>> = vec![Vec::new(); table.rows.len()];
    for _ in 0..rounds {
        for ((row, times), algos) in table.rows.iter().zip(&mut pooled).zip(&mut algorithms) {
            let t = backend
                .time(&row.workload, &per_round)
                .map_err(|e| err!("{}:{}: {e}", table.path.display(), row.line))?;
            times.extend(t);
            let a = backend.algorithm();
            if !algos.contains(&a) {
                algos.push(a);
            }
            pb.inc(1);
        }
    }
    pb.finish();
    Ok(Measured {
        samples: pooled.iter().map(|t| Sample::of(t)).collect(),
        algorithms: backend
            .records_algorithm()
            .then(|| algorithms.iter().map(|a| a.join("|")).collect()),
    })
}

/// Runs an external timing program and checks what it returns.
pub fn run_cmd(program: &str, configs: &Path, input: &str, sent: &Table) -> Result<Table> {
    let n_rows = sent.rows.len();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err!("cmd:{program}: cannot start it through sh: {e}"))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| err!("cmd:{program}: no stdin"))?;
    let input = input.to_string();
    // Feed stdin from a thread so a program that writes before reading everything cannot deadlock.
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| err!("cmd:{program}: {e}"))?;
    let _ = feeder.join();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(err!(
            "cmd:{program}: exited with {} while timing {}: {}",
            output.status,
            configs.display(),
            stderr.trim()
        ));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| err!("cmd:{program}: its output is not UTF-8 text"))?;
    let origin = PathBuf::from(format!("<stdout of cmd:{program}>"));
    let table = Table::parse(&text, &origin, true)?;
    if table.rows.len() != n_rows {
        return Err(err!(
            "cmd:{program}: returned {} rows for {} configurations; it must write back every row with time_ms",
            table.rows.len(),
            n_rows
        ));
    }
    for (k, (got, want)) in table.rows.iter().zip(&sent.rows).enumerate() {
        if got.workload != want.workload {
            return Err(err!(
                "cmd:{program}: row {} of its output ({:?}) is not configuration {} of {} ({:?}); write the rows back in the order given",
                k + 1,
                got.workload,
                k + 1,
                configs.display(),
                want.workload
            ));
        }
    }
    Ok(table)
}

pub fn run(args: Args) -> Result<()> {
    let table = Table::read(&args.configs, false)?;
    // Before minutes of timing, not after.
    util::output_dir(&args.out)?;
    let text = match &args.backend {
        BackendArg::Cmd(program) => {
            if args.quick
                || args.allow_debug
                || args.run.precision != backend::Precision::F32
                || args.run.timing != backend::Timing::Launch
            {
                return Err(err!(
                    "--quick, --allow-debug, --precision and --timing choose how the cpu and cuda backends run; a cmd: program decides for itself (e.g. cmd:python3 scripts/torch-conv-times.py --dtype tf32 --graph)"
                ));
            }
            // The program sees the configurations without earlier timings, so every spread
            // column that comes back is its own.
            let input = table.render_without(&Sample::COLUMNS);
            let back = run_cmd(program, &args.configs, &input, &table)?;
            // Its rows as written (columns it adds pass through), time_ms and the spread last.
            let (names, idx): (Vec<&str>, Vec<usize>) = Sample::COLUMNS
                .iter()
                .filter_map(|&c| back.column(c).map(|i| (c, i)))
                .unzip();
            back.render_with(&names, |r| {
                idx.iter()
                    .map(|&i| back.rows[r].fields[i].clone())
                    .collect()
            })
        }
        BackendArg::InProcess(kind) => {
            refuse_debug("measure", args.allow_debug)?;
            let mut b = backend::open(*kind, args.run)?;
            let budget = b.budget(args.quick);
            measure_table(b.as_mut(), &table, &budget, "measure")?.render(&table)
        }
    };
    util::write_atomic(&args.out, text.as_bytes())?;
    outln!("wrote {} ({} rows)", args.out.display(), table.rows.len());
    Ok(())
}
