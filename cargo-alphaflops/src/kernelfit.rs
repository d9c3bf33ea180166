//! Fitting the kernel-aware form (`--model kernel`, core's `[[gemm_class]]`): per GEMM class
//! (one for convolutions and, with `--matmul-class`, one for dense rows) a scale, saturation
//! along N and K (`(1 + half/d)^power`), a latency (or with `--floor` a floor) and a memory
//! term; the M axis is α_K(S) of the alpha classes, fitted as before. Tile sizes and the
//! number of parallel units are not continuous: `--units` and `--tiles` give candidates, each
//! is fitted and the best in sample kept (`--model auto` compares them out of sample).
//! Element-wise rows, when the data hold any, get an `[[elementwise_class]]` per class
//! (latency + bytes). Same solver, residuals (ln pred − ln t), L1 by IRLS and weak prior as
//! `fit.rs`; predictions come from core's `price_kernels`.

use alphaflops_core::profile::Memory;
use alphaflops_core::{
    Combine, Elementwise, ElementwiseClass, GemmClass, KernelOp, Profile, price_kernels,
};
use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::DVector;

use crate::data::Row;
use crate::fit::{Fitted, Loss, SpecArgs};
use crate::metrics::Metrics;
use crate::{Result, err};

/// Parameters per GEMM class: ln scale, ln n_half, ln n_power, ln k_half, ln k_power,
/// ln latency (or floor), ln ms_per_byte.
const PER_GEMM: usize = 7;
/// Per element-wise class: ln latency, ln ms_per_byte.
const PER_EW: usize = 2;
const PRIOR: f64 = 1e-3;
/// Starting (β, γ) of every alpha class. One start per combine and tile, for speed: on the
/// T2000 data a second start, (0.2, 0.5), ended within 0.01 % of the same loss.
const STARTS: &[(f64, f64)] = &[(0.02, 1.0)];

fn logistic(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

struct Problem<'a> {
    rows: &'a [Row],
    ln_t: Vec<f64>,
    base: Profile,
    floor: bool,
    theta: DVector<f64>,
    sqrt_w: Vec<f64>,
}

impl Problem<'_> {
    fn profile(&self, theta: &DVector<f64>) -> Profile {
        let mut p = self.base.clone();
        let nc = p.alpha_classes.len();
        for (c, class) in p.alpha_classes.iter_mut().enumerate() {
            class.beta = logistic(theta[2 * c]).clamp(1e-12, 1.0);
            class.gamma = theta[2 * c + 1].clamp(-50.0, 50.0).exp();
        }
        let mut i = 2 * nc;
        for g in &mut p.gemm_classes {
            // Halves up to 1e7 keep a trial step finite. Powers at most 1: d·(1 + h/d)^p
            // grows with d only for p ≤ 1, and a GEMM with a longer axis is never faster; a
            // larger power, which a narrow range of d in the rows cannot rule out, prices
            // shapes outside it absurdly (attention's K = 64 beside dense rows' K ≥ 544).
            let x = |j: usize| theta[i + j].clamp(-200.0, 200.0).exp();
            g.ms_per_flop = x(0);
            (g.n_half, g.n_power) = (x(1).min(1e7), x(2).min(1.0));
            (g.k_half, g.k_power) = (x(3).min(1e7), x(4).min(1.0));
            if self.floor {
                g.floor_ms = x(5);
            } else {
                g.latency_ms = x(5);
            }
            g.ms_per_byte = x(6);
            i += PER_GEMM;
        }
        for e in &mut p.elementwise_classes {
            e.latency_ms = theta[i].clamp(-200.0, 200.0).exp();
            e.ms_per_byte = theta[i + 1].clamp(-200.0, 200.0).exp();
            i += PER_EW;
        }
        p
    }

    fn residuals_at(&self, theta: &DVector<f64>) -> Option<DVector<f64>> {
        let p = self.profile(theta);
        let n = self.rows.len();
        let mut r = DVector::zeros(n + theta.len());
        for (i, row) in self.rows.iter().enumerate() {
            let v = price_kernels(&p, &row.kernels)
                .map_or(f64::NAN, |p| p.predicted_ms.ln() - self.ln_t[i]);
            // A trial step past f64's range is a very bad fit, not the end of the search
            // (the solver stops at the first `None`).
            r[i] = if v.is_finite() {
                v.clamp(-50.0, 50.0)
            } else {
                50.0
            } * self.sqrt_w[i];
        }
        // A very weak prior keeps parameters the data cannot see (a half of an axis the
        // rows never vary, γ when β → 1) finite; it is far below the data's residuals.
        let nc = 2 * p.alpha_classes.len();
        for k in 0..theta.len() {
            // β, γ and the saturation halves and powers; scales, latencies and per-byte
            // costs have no natural centre in log space.
            let shape = k < nc
                || (k < nc + PER_GEMM * p.gemm_classes.len()
                    && (1..=4).contains(&((k - nc) % PER_GEMM)));
            r[n + k] = if shape { PRIOR * theta[k] } else { 0.0 };
        }
        Some(r)
    }
}

crate::fit::least_squares_problem!(Problem<'_>);

/// A GEMM class to fit into, with tiles `tile` (m, n) over `units` units.
fn gemm_class(
    op: Option<KernelOp>,
    tile: (u64, u64),
    units: u64,
    combine: Combine,
    memory: Memory,
) -> GemmClass {
    GemmClass {
        op,
        ms_per_flop: 1e-9,
        alpha: true,
        m_half: 0.0,
        m_power: 0.0,
        n_half: 0.0,
        n_power: 0.0,
        k_half: 0.0,
        k_power: 0.0,
        tile_m: tile.0,
        tile_n: tile.1,
        units,
        latency_ms: 0.0,
        floor_ms: 0.0,
        ms_per_byte: 0.0,
        combine,
        memory,
    }
}

/// The element-wise classes the rows' kernels use.
fn elementwise_in(rows: &[Row]) -> Vec<Elementwise> {
    let mut v: Vec<Elementwise> = Elementwise::ALL
        .into_iter()
        .filter(|e| {
            rows.iter()
                .flat_map(|r| &r.kernels)
                .any(|k| k.elementwise == Some(*e))
        })
        .collect();
    v.dedup();
    v
}

/// Fits the kernel-aware form; `base` is the template (alpha classes, with a matmul class
/// when `--matmul-class`).
pub fn fit(rows: &[Row], spec: &SpecArgs, base: &Profile) -> Result<Fitted> {
    let memory = match spec.memory {
        crate::fit::MemoryArg::Tensors => Memory::Tensors,
        crate::fit::MemoryArg::Im2col => Memory::Im2col,
    };
    let own_matmul = crate::fit::has_matmul_class(base);
    let ops: Vec<Option<KernelOp>> = if own_matmul {
        vec![Some(KernelOp::Conv), Some(KernelOp::Matmul)]
    } else {
        vec![None]
    };
    let ew = elementwise_in(rows);
    let nc = base.alpha_classes.len();
    let n_params = 2 * nc + PER_GEMM * ops.len() + PER_EW * ew.len();
    let distinct = rows
        .iter()
        .map(|r| r.workload)
        .collect::<std::collections::HashSet<_>>()
        .len();
    if distinct < n_params + 3 {
        return Err(err!(
            "too few rows to fit the kernel model: {distinct} distinct configurations for {n_params} parameters, need at least {}; measure more configurations",
            n_params + 3
        ));
    }
    let combines: Vec<Combine> = match spec.combine {
        Some(c) => vec![crate::fit::to_combine(c)],
        None => vec![Combine::Sum, Combine::Max],
    };
    let mut tiles: Vec<(u64, u64)> = vec![(1, 1)];
    if spec.units.is_some() {
        tiles.extend(spec.tiles.0.iter().copied());
    }
    let units = spec.units.unwrap_or(1);
    let ln_t: Vec<f64> = rows.iter().map(|r| r.t().ln()).collect();
    let t_min = rows.iter().map(Row::t).fold(f64::INFINITY, f64::min);
    let t_med = crate::metrics::median(&rows.iter().map(Row::t).collect::<Vec<_>>());
    // The memory term starts at a fifth of the median time for the median traffic, so that
    // under `combine = "max"` it is active somewhere and the solver sees its gradient.
    let bytes_med = crate::metrics::median(
        &rows
            .iter()
            .map(|r| {
                r.kernels
                    .iter()
                    .map(|k| alphaflops_core::timing::bytes_of(base, k, memory))
                    .sum::<f64>()
            })
            .collect::<Vec<_>>(),
    );
    let ln_per_byte = (0.2 * t_med / bytes_med.max(1.0)).ln();
    let mut best: Option<(f64, Profile)> = None;
    let mut starts = 0;
    for &tile in &tiles {
        let u = if tile == (1, 1) { 1 } else { units };
        for &comb in &combines {
            for &(beta0, gamma0) in STARTS {
                let mut b = base.clone();
                b.gemm_classes = ops
                    .iter()
                    .map(|&op| gemm_class(op, tile, u, comb, memory))
                    .collect();
                b.elementwise_classes = ew
                    .iter()
                    .map(|&e| ElementwiseClass {
                        op: Some(e),
                        latency_ms: 0.0,
                        floor_ms: 0.0,
                        ms_per_byte: 0.0,
                        min_intensity: None,
                        max_intensity: None,
                    })
                    .collect();
                let mut theta = DVector::zeros(n_params);
                for c in 0..nc {
                    theta[2 * c] = (beta0 / (1.0 - beta0)).ln();
                    theta[2 * c + 1] = f64::ln(gamma0);
                }
                let mut i = 2 * nc;
                for _ in &ops {
                    // Halves of 16 and powers of 1/2; scale set in closed form below.
                    theta[i + 1] = 16f64.ln();
                    theta[i + 2] = 0.5f64.ln();
                    theta[i + 3] = 16f64.ln();
                    theta[i + 4] = 0.5f64.ln();
                    theta[i + 5] = if spec.floor {
                        t_min.ln()
                    } else {
                        (0.5 * t_min).ln()
                    };
                    theta[i + 6] = ln_per_byte;
                    i += PER_GEMM;
                }
                for _ in &ew {
                    theta[i] = (0.5 * t_min).ln();
                    theta[i + 1] = ln_per_byte;
                    i += PER_EW;
                }
                let mut problem = Problem {
                    rows,
                    ln_t: ln_t.clone(),
                    base: b,
                    floor: spec.floor,
                    theta: theta.clone(),
                    sqrt_w: vec![1.0; rows.len()],
                };
                // Closed-form scale per class: the geometric mean of t / (its price at scale 1).
                let mut i = 2 * nc;
                for &op in &ops {
                    theta[i] = 0.0;
                    let unit = problem.profile(&theta);
                    let own: Vec<(f64, f64)> = rows
                        .iter()
                        .zip(&ln_t)
                        .filter(|(r, _)| {
                            r.kernels
                                .iter()
                                .any(|k| k.alpha.is_some_and(|a| op.is_none_or(|o| o == a.op)))
                        })
                        .filter_map(|(r, lt)| {
                            Some((price_kernels(&unit, &r.kernels).ok()?.predicted_ms, *lt))
                        })
                        .collect();
                    let ln_scale = if own.is_empty() {
                        (t_med / 1e9).ln()
                    } else {
                        own.iter()
                            .map(|(p, lt)| lt - p.max(1e-300).ln())
                            .sum::<f64>()
                            / own.len() as f64
                    };
                    theta[i] = ln_scale + f64::ln(0.7);
                    i += PER_GEMM;
                }
                problem.theta = theta;
                let (mut problem, _) = LevenbergMarquardt::new()
                    .with_patience(200)
                    .with_ftol(1e-7)
                    .minimize(problem);
                if spec.loss == Loss::L1 {
                    problem = problem.least_absolute(8);
                }
                starts += 1;
                let Some(r) = problem.residuals() else {
                    continue;
                };
                let ss = match spec.loss {
                    Loss::L2 => r.rows(0, rows.len()).norm_squared(),
                    Loss::L1 => r.rows(0, rows.len()).abs().sum(),
                };
                if ss.is_finite() && best.as_ref().is_none_or(|(b, _)| ss < *b) {
                    best = Some((ss, problem.profile(&problem.theta)));
                }
            }
        }
    }
    let Some((sum_sq, mut profile)) = best else {
        return Err(err!(
            "the kernel model did not converge from any starting point; check the data for outliers or mixed devices"
        ));
    };
    profile.format = 2;
    // Terms the fit drove to nothing (e^-200) are written as the zero they are.
    for g in &mut profile.gemm_classes {
        for v in [&mut g.ms_per_byte, &mut g.latency_ms, &mut g.floor_ms] {
            if *v < 1e-30 {
                *v = 0.0;
            }
        }
    }
    // Kernels no class prices (element-wise ones without a class of their own) fall back to
    // [timing]: give it the first class's constants (the convolutions'), as a format-1 fit
    // priced them, not the template's placeholder. The fitted rows did not use it.
    if let Some(g) = profile.gemm_classes.first() {
        profile.timing = alphaflops_core::Timing {
            ms_per_flop: g.ms_per_flop,
            latency_ms: g.latency_ms,
            ms_per_byte: g.ms_per_byte,
            combine: g.combine,
            floor_ms: g.floor_ms,
            memory: g.memory,
        };
    }
    let pred: Vec<f64> = rows
        .iter()
        .map(|r| {
            price_kernels(&profile, &r.kernels)
                .map(|p| p.predicted_ms)
                .unwrap_or(f64::NAN)
        })
        .collect();
    let t: Vec<f64> = rows.iter().map(Row::t).collect();
    Ok(Fitted {
        metrics: Metrics::of(&pred, &t),
        profile,
        sum_sq,
        starts,
        choice: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Table;
    use crate::fit::{Classes, Form, MemoryArg, Tiles};
    use alphaflops_core::ConvWorkload;
    use std::path::Path;

    fn spec(units: Option<u64>, tiles: Vec<(u64, u64)>) -> SpecArgs {
        SpecArgs {
            model: Form::Kernel,
            combine: Some(crate::fit::CombineArg::Max),
            classes: Classes(vec![1, 2]),
            matmul_class: false,
            loss: Loss::L2,
            floor: false,
            memory: MemoryArg::Tensors,
            units,
            tiles: Tiles(tiles),
            folds: 5,
            auto_folds: None,
            residual: None,
        }
    }

    /// Rows priced by a known kernel-form profile come back with its parameters.
    #[test]
    fn fit_recovers_known_kernel_parameters() {
        let mut truth = Profile::default_profile();
        truth.format = 2;
        let mut g = gemm_class(None, (32, 32), 4, Combine::Max, Memory::Tensors);
        (g.ms_per_flop, g.n_half, g.n_power, g.k_half, g.k_power) = (3e-9, 40.0, 0.8, 60.0, 0.6);
        (g.latency_ms, g.ms_per_byte) = (0.01, 2e-8);
        truth.gemm_classes = vec![g.clone()];
        let mut csv = String::from("experiment,series,h,w,c_in,c_out,k1,k2,time_ms\n");
        for h in [3, 8, 16, 33, 64] {
            for (ci, co) in [(3, 8), (16, 16), (24, 100), (64, 64), (128, 48), (200, 256)] {
                for k in [1, 3, 5] {
                    let t = ConvWorkload::new(h, h, ci, co, k, k)
                        .price(&truth)
                        .unwrap()
                        .predicted_ms;
                    csv.push_str(&format!("e,0,{h},{h},{ci},{co},{k},{k},{t:e}\n"));
                }
            }
        }
        let rows = Table::parse(&csv, Path::new("synthetic.csv"), true)
            .unwrap()
            .rows;
        let base = crate::fit::template("t", truth.device.clone(), &[1, 2], false);
        let fitted = fit(
            &rows,
            &spec(Some(4), vec![(16, 16), (32, 32), (64, 64)]),
            &base,
        )
        .unwrap();
        let got = &fitted.profile.gemm_classes[0];
        assert_eq!((got.tile_m, got.tile_n, got.units), (32, 32, 4), "{got:?}");
        let close = |a: f64, b: f64, rel: f64| (a - b).abs() <= rel * b.abs();
        assert!(fitted.metrics.mape_pct < 0.5, "{:?}", fitted.metrics);
        assert!(
            close(got.n_half, 40.0, 0.05) && close(got.n_power, 0.8, 0.05),
            "{got:?}"
        );
        assert!(
            close(got.k_half, 60.0, 0.05) && close(got.k_power, 0.6, 0.05),
            "{got:?}"
        );
        assert!(
            close(got.latency_ms, 0.01, 0.05) && close(got.ms_per_byte, 2e-8, 0.05),
            "{got:?}"
        );
        let a = &fitted.profile.alpha_classes;
        assert!(
            close(a[1].beta, 0.001, 0.1) && close(a[1].gamma, 0.56, 0.05),
            "{a:?}"
        );
    }
}
