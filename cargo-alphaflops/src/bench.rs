//! `cargo xtask bench`: measures the default grid (see `configs`), fits a profile and writes
//! `<out>.toml`, the raw measurements as `<out>.csv` and measured-vs-predicted as `<out>.svg`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::backend;
use crate::data::{Table, render_configs};
use crate::fit::{self, SpecArgs};
use crate::{Result, configs, err, measure, plot, util};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// cpu (candle-core) or cuda (cuDNN/cuBLAS)
    #[arg(long, value_enum)]
    pub backend: backend::Kind,
    /// Half the grid and shorter timing (seconds to a minute on 2 cores)
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub run: backend::Options,
    /// The profile to write, e.g. profiles/my-cpu.toml; the CSV and SVG go beside it
    #[arg(long)]
    pub out: PathBuf,
    /// Profile name (default: the output file's stem)
    #[arg(long)]
    pub name: Option<String>,
    /// Configuration sizes (default: cpu for --backend cpu, gpu for --backend cuda)
    #[arg(long, value_enum)]
    pub grid: Option<configs::GridSize>,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Allow timing in a debug build (numbers are not representative)
    #[arg(long)]
    pub allow_debug: bool,
}

pub fn beside(out: &Path, ext: &str) -> PathBuf {
    out.with_extension(ext)
}

pub fn run(args: Args) -> Result<()> {
    measure::refuse_debug("bench", args.allow_debug)?;
    if args.out.extension().and_then(|e| e.to_str()) != Some("toml") {
        return Err(err!(
            "--out {}: the profile file must end in .toml (its CSV and SVG are written beside it)",
            args.out.display()
        ));
    }
    // Before minutes of timing, not after (the CSV and SVG go beside it).
    util::output_dir(&args.out)?;
    let name = args.name.clone().unwrap_or_else(|| util::stem(&args.out));
    fit::check_name(&name)?;
    fit::warn_if_not_stem(&name, &args.out);
    let csv_path = beside(&args.out, "csv");
    let svg_path = beside(&args.out, "svg");
    let mut b = backend::open(args.backend, args.run)?;
    let started = Instant::now();
    let size = args.grid.unwrap_or(match args.backend {
        backend::Kind::Cpu => configs::GridSize::Cpu,
        backend::Kind::Cuda => configs::GridSize::Gpu,
    });
    // Rows of ops the backend has no kernel for are left out (and the count says so).
    let (grid, skipped): (Vec<_>, Vec<_>) = configs::grid(args.quick, size)
        .into_iter()
        .partition(|(_, _, w)| b.unsupported(w.op).is_none());
    let table = Table::parse(&render_configs(&grid), &csv_path, false)?;
    let budget = b.budget(args.quick);
    let measured = measure::measure_table(
        b.as_mut(),
        &table,
        &budget,
        if args.quick { "bench --quick" } else { "bench" },
    )?;
    let csv = measured.render(&table);
    util::write_atomic(&csv_path, csv.as_bytes())?;
    let measured = Table::parse(&csv, &csv_path, true)?;

    let device = b.device();
    let base = fit::template(&name, device, &args.spec.classes.0, args.spec.matmul_class);
    // A quick bench cross-validates `--model auto` over 3 folds of experiments, not one per
    // experiment, to stay within minutes.
    let mut spec = args.spec.clone();
    if args.quick && spec.auto_folds.is_none() {
        spec.auto_folds = Some(3);
    }
    let fitted = fit::fit(&measured.rows, &spec, &base)?;
    let m = fitted.metrics;
    let mut env = b.environment();
    env.insert(
        "grid".into(),
        format!(
            "{} configurations ({}, {} sizes, {} of them the training sample of seed {}{})",
            grid.len(),
            if args.quick { "quick" } else { "full" },
            size.label(),
            grid.iter().filter(|(e, _, _)| e == "sample").count(),
            configs::SAMPLE_SEED,
            if skipped.is_empty() {
                String::new()
            } else {
                let mut ops: Vec<&str> = skipped.iter().map(|(_, _, w)| w.op.name()).collect();
                ops.sort_unstable();
                ops.dedup();
                format!(
                    "; {} rows of {} left out: no kernel on this backend",
                    skipped.len(),
                    ops.join(", ")
                )
            }
        ),
    );
    let how = env
        .remove("timing")
        .map(|t| format!("{t}; "))
        .unwrap_or_default();
    env.insert(
        "timing".into(),
        format!(
            "{how}median of all runs over {} passes of the grid; per pass {} warm-up then {}..{} runs for ≥ {} s",
            budget.rounds,
            budget.warmup,
            budget.min_reps,
            budget.max_reps,
            budget.target_s / budget.rounds as f64
        ),
    );
    let source = format!(
        "cargo xtask bench --backend {:?}{} ({})",
        args.backend,
        if args.quick { " --quick" } else { "" },
        csv_path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    )
    .to_lowercase();
    let profile = fit::with_ranges(
        fit::with_provenance(fitted, source, &spec, env),
        &measured.rows,
    );
    fit::write_profile(&args.out, &profile)?;
    for w in fit::doubtful(&profile) {
        eprintln!("warning: {}: {w}", args.out.display());
    }
    let pred = crate::validate::predict(&profile, &measured.rows, &csv_path)?;
    let svg = plot::render(&profile, &measured.rows, &pred, &name)?;
    util::write_atomic(&svg_path, svg.as_bytes())?;
    outln!(
        "wrote {}, {} and {} in {:.0} s ({} configurations, fit MAPE {:.2} %)\n{}",
        args.out.display(),
        csv_path.display(),
        svg_path.display(),
        started.elapsed().as_secs_f64(),
        grid.len(),
        m.mape_pct,
        fit::describe(&profile)
    );
    Ok(())
}
