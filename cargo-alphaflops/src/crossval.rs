//! `cargo xtask crossval`: leave-one-group-out cross-validation. For each group (by default
//! each `experiment`), fit on the other groups, predict the held-out rows; the metrics are
//! over all held-out predictions, i.e. out of sample. The FLOPs-only baseline is fitted the
//! same way (its constant from the training rows only).
//!
//! With `--matmul-class`, a fold whose training rows hold too few dense rows to fit the
//! matmul class (fewer than 3, or all at one batch size) leaves it out of that fold's profile,
//! whose classes without an op then price the held-out dense rows (the fold is marked in the
//! output).

use std::path::PathBuf;

use alphaflops_core::Device;
use serde_json::json;

use crate::data::{Row, Table};
use crate::fit::{self, SpecArgs};
use crate::metrics::{Metrics, flops_only_scale};
use crate::validate::Comparison;
use crate::{Result, err};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Measured times: one or more CSV files
    #[arg(long, num_args = 1.., required = true)]
    pub data: Vec<PathBuf>,
    /// The column whose values form the held-out groups
    #[arg(long, default_value = "experiment")]
    pub by: String,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Instead of leaving groups out: fit on --data plus every other row of this CSV (a
    /// random set), predict its remaining rows, then the other way round; reports both
    /// halves and their mean
    #[arg(long, value_name = "CSV")]
    pub halves: Option<PathBuf>,
    /// With --halves: list the held-out rows predicted more than this many percent off
    #[arg(long, value_name = "PCT", requires = "halves")]
    pub worst: Option<f64>,
    /// Print exactly one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// One half of a `--halves` run: fitted on the grid and the other half, scored on this one.
pub struct Half {
    pub metrics: Metrics,
    /// (row, prediction) of the held-out rows.
    pub predicted: Vec<(Row, f64)>,
    /// The form fitted (what `--model auto` chose).
    pub form: String,
}

/// Fits on `grid` plus the rows of `random` of one parity, predicts the others; both ways.
pub fn halves(grid: &[Row], random: &[Row], spec: &SpecArgs) -> Result<Vec<Half>> {
    let device = crossval_device();
    let mut out = Vec::new();
    for parity in 0..2 {
        let (test, train_half): (Vec<(usize, &Row)>, Vec<(usize, &Row)>) = random
            .iter()
            .enumerate()
            .partition(|(i, _)| i % 2 == parity);
        let mut train: Vec<Row> = grid.to_vec();
        train.extend(train_half.into_iter().map(|(_, r)| r.clone()));
        let mut base = fit::template(
            "crossval",
            device.clone(),
            &spec.classes.0,
            spec.matmul_class,
        );
        if spec.matmul_class && !fit::matmul_class_fittable(&train, &base) {
            base = fit::template("crossval", device.clone(), &spec.classes.0, false);
        }
        let fitted = fit::fit(&train, spec, &base).map_err(|e| err!("half {}: {e}", parity + 1))?;
        let mut predicted = Vec::new();
        for (_, r) in test {
            let ms = alphaflops_core::price_kernels(&fitted.profile, &r.kernels)
                .map_err(|e| err!("line {}: {e}", r.line))?
                .predicted_ms;
            predicted.push((r.clone(), ms));
        }
        let (p, t): (Vec<f64>, Vec<f64>) = predicted.iter().map(|(r, p)| (*p, r.t())).unzip();
        let form = fitted
            .choice
            .as_ref()
            .map_or_else(|| spec.describe(), |c| c.spec.describe());
        out.push(Half {
            metrics: Metrics::of(&p, &t),
            predicted,
            form,
        });
    }
    Ok(out)
}

fn crossval_device() -> Device {
    Device {
        name: "crossval".into(),
        kind: alphaflops_core::DeviceKind::Gpu,
        backend: "crossval".into(),
        dtype: "f32".into(),
        peak_flops_per_s: None,
        memory_bandwidth_bytes_per_s: None,
        power_w: None,
    }
}

fn run_halves(args: &Args, random: &std::path::Path) -> Result<()> {
    let grid = Table::read_many(&args.data)?;
    let table = Table::read(random, true)?;
    let hs = halves(&grid, &table.rows, &args.spec)?;
    let mean = (hs[0].metrics.mape_pct + hs[1].metrics.mape_pct) / 2.0;
    let all: Vec<&(Row, f64)> = hs.iter().flat_map(|h| &h.predicted).collect();
    let (p, t): (Vec<f64>, Vec<f64>) = all.iter().map(|(r, p)| (*p, r.t())).unzip();
    let pooled = Metrics::of(&p, &t);
    let chosen = |h: &Half| h.form.clone();
    if args.json {
        let halves: Vec<serde_json::Value> = hs
            .iter()
            .enumerate()
            .map(|(i, h)| json!({"half": i + 1, "n": h.metrics.n, "mape_pct": h.metrics.mape_pct, "median_ape_pct": h.metrics.median_ape_pct, "within10_pct": h.metrics.within10_pct, "spearman": h.metrics.spearman, "model": chosen(h)}))
            .collect();
        outln!(
            "{}",
            json!({"mean_mape_pct": mean, "pooled": serde_json::from_str::<serde_json::Value>(&pooled.json()).unwrap_or_default(), "halves": halves})
        );
        return Ok(());
    }
    outln!(
        "fit on {} grid rows + one half of {}, predict the other half (both ways), {} model",
        grid.len(),
        random.display(),
        args.spec.describe()
    );
    outln!(
        "{:<6} {:>5} {:>9} {:>12} {:>10} {:>9}  form",
        "half",
        "n",
        "MAPE %",
        "median APE %",
        "within10 %",
        "spearman"
    );
    for (i, h) in hs.iter().enumerate() {
        let m = &h.metrics;
        outln!(
            "{:<6} {:>5} {:>9.2} {:>12.2} {:>10.1} {:>9.4}  {}",
            i + 1,
            m.n,
            m.mape_pct,
            m.median_ape_pct,
            m.within10_pct,
            m.spearman,
            chosen(h)
        );
    }
    outln!(
        "mean of the two halves: MAPE {mean:.2} % (pooled over {} rows: {:.2} %)",
        pooled.n,
        pooled.mape_pct
    );
    if let Some(limit) = args.worst {
        outln!("held-out rows more than {limit} % off (predicted / measured):");
        outln!("{},predicted_ms,ratio", table.header.join(","));
        for (r, p) in all {
            if (p - r.t()).abs() / r.t() * 100.0 > limit {
                outln!("{},{p:.6},{:.2}", r.fields.join(","), p / r.t());
            }
        }
    }
    Ok(())
}

pub struct Fold {
    pub held_out: String,
    /// `--matmul-class` was asked for, but the training rows had too few dense rows to fit it.
    pub matmul_class_dropped: bool,
    pub alpha: Metrics,
    pub flops_only: Metrics,
    /// The form fitted in this fold (what `--model auto` chose on the fold's training rows).
    pub form: String,
}

pub fn crossval(
    rows: &[Row],
    group: &[String],
    spec: &SpecArgs,
) -> Result<(Comparison, Vec<Fold>)> {
    let mut groups: Vec<&String> = group.iter().collect();
    groups.sort();
    groups.dedup();
    if groups.len() < 2 {
        return Err(err!(
            "cross-validation needs at least 2 groups, found {}; choose another --by column",
            groups.len()
        ));
    }
    let device = crossval_device();
    let (mut pred, mut base_pred, mut t) = (Vec::new(), Vec::new(), Vec::new());
    let mut folds = Vec::new();
    for g in groups {
        let (test, train): (Vec<_>, Vec<_>) = rows.iter().zip(group).partition(|(_, gr)| *gr == g);
        let train: Vec<Row> = train.into_iter().map(|(r, _)| r.clone()).collect();
        let test: Vec<&Row> = test.into_iter().map(|(r, _)| r).collect();
        let mut base = fit::template(
            "crossval",
            device.clone(),
            &spec.classes.0,
            spec.matmul_class,
        );
        let dropped = spec.matmul_class && !fit::matmul_class_fittable(&train, &base);
        if dropped {
            base = fit::template("crossval", device.clone(), &spec.classes.0, false);
        }
        let fitted =
            fit::fit(&train, spec, &base).map_err(|e| err!("fold holding out `{g}`: {e}"))?;
        let c = flops_only_scale(
            &train.iter().map(|r| r.flops as f64).collect::<Vec<_>>(),
            &train.iter().map(Row::t).collect::<Vec<_>>(),
        );
        let fold_t: Vec<f64> = test.iter().map(|r| r.t()).collect();
        let mut fold_pred = Vec::new();
        for r in &test {
            let ms = alphaflops_core::price_kernels(&fitted.profile, &r.kernels)
                .map_err(|e| err!("line {}: {e}", r.line))?
                .predicted_ms;
            fold_pred.push(ms);
        }
        let fold_base: Vec<f64> = test.iter().map(|r| c * r.flops as f64).collect();
        folds.push(Fold {
            form: fitted
                .choice
                .as_ref()
                .map_or_else(|| spec.describe(), |c| c.spec.describe()),
            held_out: g.clone(),
            matmul_class_dropped: dropped,
            alpha: Metrics::of(&fold_pred, &fold_t),
            flops_only: Metrics::of(&fold_base, &fold_t),
        });
        pred.extend(fold_pred);
        base_pred.extend(fold_base);
        t.extend(fold_t);
    }
    Ok((
        Comparison {
            alpha: Metrics::of(&pred, &t),
            flops_only: Metrics::of(&base_pred, &t),
        },
        folds,
    ))
}

pub fn run(args: Args) -> Result<()> {
    if let Some(random) = &args.halves {
        return run_halves(&args, random);
    }
    let mut rows = Vec::new();
    let mut group = Vec::new();
    for p in &args.data {
        let table = Table::read(p, true)?;
        let Some(col) = table.column(&args.by) else {
            return Err(err!(
                "{}:1: no column `{}` to group by (the header has: {}); pass --by with one of them",
                p.display(),
                args.by,
                table.header.join(",")
            ));
        };
        for r in table.rows {
            group.push(r.fields[col].clone());
            rows.push(r);
        }
    }
    let (cmp, folds) = crossval(&rows, &group, &args.spec)?;
    if args.json {
        let folds: Vec<serde_json::Value> = folds
            .iter()
            .map(|f| {
                let mut o = json!({"held_out": f.held_out, "n": f.alpha.n, "alpha_mape_pct": f.alpha.mape_pct, "flops_only_mape_pct": f.flops_only.mape_pct, "form": f.form});
                if args.spec.matmul_class {
                    o["matmul_class_fitted"] = json!(!f.matmul_class_dropped);
                }
                o
            })
            .collect();
        // The validate object, then what is particular to cross-validation.
        let base = cmp.json();
        let model = format!("{:?}", args.spec.model).to_lowercase();
        // null for the paper form, which has no memory term to count.
        let memory = args
            .spec
            .memory_mode()
            .map(|m| format!("{m:?}").to_lowercase());
        outln!(
            "{},\"by\":{},\"model\":{},\"floor\":{},\"memory\":{},\"folds\":{}}}",
            &base[..base.len() - 1],
            json!(args.by),
            json!(model),
            json!(args.spec.floor),
            json!(memory),
            json!(folds)
        );
    } else {
        outln!(
            "leave-one-{}-out cross-validation, {} model",
            args.by,
            args.spec.describe()
        );
        outln!(
            "{:<28} {:>5} {:>14} {:>17}",
            "held out",
            "n",
            "α MAPE %",
            "FLOPs-only MAPE %"
        );
        for f in &folds {
            let note = if f.matmul_class_dropped {
                "  (too few dense rows to fit the matmul class)"
            } else {
                ""
            };
            let form = if args.spec.model == fit::Form::Auto {
                format!("  [{}]", f.form)
            } else {
                String::new()
            };
            outln!(
                "{:<28} {:>5} {:>14.2} {:>17.2}{form}{note}",
                f.held_out,
                f.alpha.n,
                f.alpha.mape_pct,
                f.flops_only.mape_pct
            );
        }
        out!("{}", cmp.table("all held-out rows (out of sample)"));
    }
    Ok(())
}
