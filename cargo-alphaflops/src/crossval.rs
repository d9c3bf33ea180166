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
    /// With `--residual`: the held-out metrics with no residual (`0`) and with each of
    /// [`fit::RESIDUAL_CANDIDATES`] neighbours, all from this half's training rows.
    pub residual_sweep: Vec<(u64, Metrics)>,
}

/// A row and its index in its file.
type Indexed<'a> = (usize, &'a Row);

/// Fits on `grid` plus the rows of `random` of one parity, predicts the others; both ways.
pub fn halves(grid: &[Row], random: &[Row], spec: &SpecArgs) -> Result<Vec<Half>> {
    let device = crossval_device();
    let mut out = Vec::new();
    for parity in 0..2 {
        let (test, train_half): (Vec<Indexed>, Vec<Indexed>) = random
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
        let mut form = fitted
            .choice
            .as_ref()
            .map_or_else(|| spec.describe(), |c| c.spec.describe());
        let mut residual_sweep = Vec::new();
        if spec.residual.is_some() {
            form.push_str(&match &fitted.profile.residual {
                Some(r) => format!(" (used {} nearest)", r.neighbours),
                None => " (used none)".into(),
            });
            // The table is the same for every count: the ratios of this half's training rows.
            let mut plain = fitted.profile.clone();
            plain.residual = None;
            let table = fit::residual_table(&plain, &train, 1);
            for k in std::iter::once(0).chain(fit::RESIDUAL_CANDIDATES) {
                let mut p = plain.clone();
                if k > 0 {
                    p.residual = table.clone().map(|mut t| {
                        t.neighbours = k;
                        t
                    });
                }
                let mut pred = Vec::new();
                for (r, _) in &predicted {
                    pred.push(
                        alphaflops_core::price_kernels(&p, &r.kernels)
                            .map_err(|e| err!("line {}: {e}", r.line))?
                            .predicted_ms,
                    );
                }
                residual_sweep.push((k, Metrics::of(&pred, &t)));
            }
        }
        out.push(Half {
            metrics: Metrics::of(&p, &t),
            predicted,
            form,
            residual_sweep,
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
        let sweep: Vec<serde_json::Value> = hs[0]
            .residual_sweep
            .iter()
            .zip(&hs[1].residual_sweep)
            .map(|((k, a), (_, b))| json!({"neighbours": k, "mape_pct": [a.mape_pct, b.mape_pct], "mean_mape_pct": (a.mape_pct + b.mape_pct) / 2.0}))
            .collect();
        outln!(
            "{}",
            json!({"mean_mape_pct": mean, "pooled": serde_json::from_str::<serde_json::Value>(&pooled.json()).unwrap_or_default(), "halves": halves, "residual": sweep})
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
    if args.spec.residual.is_some() {
        outln!(
            "held-out MAPE % by residual neighbours (0: none), each table from its half's training rows:"
        );
        outln!(
            "{:<10} {:>9} {:>9} {:>9}",
            "neighbours",
            "half 1",
            "half 2",
            "mean"
        );
        for (i, (k, m1)) in hs[0].residual_sweep.iter().enumerate() {
            let m2 = &hs[1].residual_sweep[i].1;
            outln!(
                "{k:<10} {:>9.2} {:>9.2} {:>9.2}",
                m1.mape_pct,
                m2.mape_pct,
                (m1.mape_pct + m2.mape_pct) / 2.0
            );
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{Classes, CombineArg, Form, Loss, MemoryArg, ResidualArg, Tiles};
    use alphaflops_core::{ConvWorkload, Profile};
    use std::path::Path;

    /// A half's residual comes from its training rows only: where each held-out row's time
    /// carries an error of its own, the nearest training row cannot know it, so one neighbour
    /// does not recover the held-out half (it would, exactly, if the table saw those rows).
    #[test]
    fn a_half_builds_its_residual_from_its_training_rows() {
        let mut truth = Profile::default_profile();
        truth.device.memory_bandwidth_bytes_per_s = None;
        let mut csv = String::from("experiment,series,h,w,c_in,c_out,k1,k2,time_ms\n");
        let mut i = 0;
        for h in [4, 8, 16, 32, 64] {
            for c in [8, 32, 128] {
                for k in [1, 3] {
                    let t = ConvWorkload::new(h, h, c, c, k, k)
                        .price(&truth)
                        .unwrap()
                        .predicted_ms;
                    i += 1;
                    let bump = 0.6 + 0.2 * ((i * 7) % 5) as f64;
                    csv.push_str(&format!(
                        "e{},0,{h},{h},{c},{c},{k},{k},{:e}\n",
                        i % 3,
                        t * bump
                    ));
                }
            }
        }
        let rows = Table::parse(&csv, Path::new("s.csv"), true).unwrap().rows;
        let (grid, random) = rows.split_at(10);
        let spec = SpecArgs {
            model: Form::Paper,
            combine: Some(CombineArg::Sum),
            classes: Classes(vec![1, 2]),
            matmul_class: false,
            loss: Loss::L2,
            floor: false,
            memory: MemoryArg::Tensors,
            units: None,
            tiles: Tiles(vec![]),
            folds: 5,
            auto_folds: None,
            residual: Some(ResidualArg::Neighbours(1)),
        };
        let hs = halves(grid, random, &spec).unwrap();
        for h in &hs {
            let ks: Vec<u64> = h.residual_sweep.iter().map(|s| s.0).collect();
            assert_eq!(ks, vec![0, 1, 3, 5]);
            assert!(
                h.residual_sweep[1].1.mape_pct > 5.0,
                "{:?}",
                h.residual_sweep[1].1
            );
            assert_eq!(h.metrics, h.residual_sweep[1].1);
        }
    }
}
