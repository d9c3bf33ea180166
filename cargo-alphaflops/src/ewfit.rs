//! Fitting `[[elementwise_class]]`es on the rows that run element-wise kernels alone
//! (activations, adds, pooling, norms, softmax): `t = latency_ms + ms_per_byte · bytes`, per
//! class and arithmetic intensity (FLOPs per element moved, core's `timing::intensity`).
//!
//! Their prices share no parameter with the convolutions', so `fit` fits them apart, after
//! the form it fits on the other rows, and every form gets them. The rows of one class are
//! grouped by intensity, because core's FLOP counts do not carry a transcendental's cost (on
//! candle a GELU takes 200× a ReLU's time for the same bytes); a group with fewer than
//! [`MIN_ROWS`] configurations joins its nearest neighbour, and the groups' bounds sit
//! half-way between them, so an intensity never measured takes the nearest group's price.
//! Same solver, residuals (ln pred − ln t) and loss as `fit.rs`.

use std::collections::HashSet;

use alphaflops_core::profile::Memory;
use alphaflops_core::timing::intensity;
use alphaflops_core::{Elementwise, ElementwiseClass, Profile, price_kernels};
use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::DVector;

use crate::data::Row;
use crate::fit::Loss;
use crate::{Result, err};

/// Distinct configurations a group needs for its two parameters (and one to spare).
pub const MIN_ROWS: usize = 3;

/// Ratio between neighbouring intensities below which they are one group.
const SAME: f64 = 1.1;

/// Whether every kernel of `row` is element-wise: such rows are fitted here.
pub fn is_elementwise(row: &Row) -> bool {
    !row.kernels.is_empty()
        && row
            .kernels
            .iter()
            .all(|k| k.alpha.is_none() && k.elementwise.is_some())
}

/// One group: an element-wise class over an intensity interval, and the intensities seen.
#[derive(Debug)]
struct Group {
    class: Elementwise,
    intensities: Vec<f64>,
    configs: usize,
}

/// The groups the rows form, per class in ascending intensity, small ones merged.
fn groups(rows: &[Row]) -> Vec<Group> {
    let mut out = Vec::new();
    for class in Elementwise::ALL {
        // Intensity per distinct configuration.
        let mut seen: Vec<(f64, alphaflops_core::Workload)> = Vec::new();
        for r in rows {
            for k in r.kernels.iter().filter(|k| k.elementwise == Some(class)) {
                let i = intensity(k);
                if !seen.iter().any(|(j, w)| *j == i && *w == r.workload) {
                    seen.push((i, r.workload));
                }
            }
        }
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Intensities within SAME of the previous one are one op at other sizes (a norm's
        // weights move its intensity by a fraction of a percent).
        let mut gs: Vec<Group> = Vec::new();
        for (i, _) in &seen {
            match gs.last_mut() {
                Some(g)
                    if g.intensities
                        .last()
                        .is_some_and(|&l| *i <= l * SAME + 1e-12) =>
                {
                    g.intensities.push(*i);
                    g.configs += 1;
                }
                _ => gs.push(Group {
                    class,
                    intensities: vec![*i],
                    configs: 1,
                }),
            }
        }
        // Merge the smallest group under MIN_ROWS into its nearer neighbour (in log intensity)
        // until none is left or one group remains.
        while gs.len() > 1 {
            let Some(s) = (0..gs.len())
                .filter(|&g| gs[g].configs < MIN_ROWS)
                .min_by_key(|&g| gs[g].configs)
            else {
                break;
            };
            let gap = |a: &Group, b: &Group| {
                let lo = a
                    .intensities
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min)
                    .max(1e-9)
                    .ln();
                let hi = b
                    .intensities
                    .iter()
                    .copied()
                    .fold(0.0, f64::max)
                    .max(1e-9)
                    .ln();
                (lo - hi).abs()
            };
            let into = match (s.checked_sub(1), (s + 1 < gs.len()).then_some(s + 1)) {
                (Some(l), Some(r)) => {
                    if gap(&gs[s], &gs[l]) <= gap(&gs[r], &gs[s]) {
                        l
                    } else {
                        r
                    }
                }
                (Some(l), None) => l,
                (None, Some(r)) => r,
                (None, None) => break,
            };
            let g = gs.remove(s);
            let into = if into > s { into - 1 } else { into };
            gs[into].intensities.extend(g.intensities);
            gs[into].configs += g.configs;
        }
        out.extend(gs);
    }
    out
}

/// The classes, unfitted, for `groups`: one class per group, bounded half-way to its
/// neighbours (none for a class of a single group).
fn classes(groups: &[Group]) -> Vec<ElementwiseClass> {
    let bound = |a: &Group, b: &Group| {
        let hi = a.intensities.iter().copied().fold(0.0, f64::max);
        let lo = b.intensities.iter().copied().fold(f64::INFINITY, f64::min);
        (hi + lo) / 2.0
    };
    groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let before = g
                .checked_sub(1)
                .map(|p| &groups[p])
                .filter(|p| p.class == group.class);
            let after = groups.get(g + 1).filter(|n| n.class == group.class);
            ElementwiseClass {
                op: Some(group.class),
                latency_ms: 0.0,
                floor_ms: 0.0,
                ms_per_byte: 0.0,
                min_intensity: before.map(|p| bound(p, group)),
                max_intensity: after.map(|n| bound(group, n)),
            }
        })
        .collect()
}

struct Problem<'a> {
    rows: &'a [Row],
    ln_t: Vec<f64>,
    base: Profile,
    /// Index of the first fitted class in `base.elementwise_classes`.
    first: usize,
    theta: DVector<f64>,
    sqrt_w: Vec<f64>,
}

impl Problem<'_> {
    fn profile(&self, theta: &DVector<f64>) -> Profile {
        let mut p = self.base.clone();
        for (c, class) in p.elementwise_classes[self.first..].iter_mut().enumerate() {
            // Bounded so a trial step of the solver stays finite.
            class.latency_ms = theta[2 * c].clamp(-200.0, 200.0).exp();
            class.ms_per_byte = theta[2 * c + 1].clamp(-200.0, 200.0).exp();
        }
        p
    }

    fn residuals_at(&self, theta: &DVector<f64>) -> Option<DVector<f64>> {
        let p = self.profile(theta);
        let mut r = DVector::zeros(self.rows.len());
        for (i, row) in self.rows.iter().enumerate() {
            let v = price_kernels(&p, &row.kernels)
                .map_or(f64::NAN, |p| p.predicted_ms.ln() - self.ln_t[i]);
            r[i] = if v.is_finite() {
                v.clamp(-50.0, 50.0)
            } else {
                50.0
            } * self.sqrt_w[i];
        }
        Some(r)
    }
}

crate::fit::least_squares_problem!(Problem<'_>);

/// Fits element-wise classes on `rows` (each [`is_elementwise`]) into `profile`, replacing
/// any it had; returns the loss over the rows (squared or absolute log errors, by `loss`).
/// No rows: the profile is left as it is (it prices them through `[timing]`).
pub fn fit(rows: &[Row], profile: &mut Profile, loss: Loss) -> Result<f64> {
    if rows.is_empty() {
        return Ok(0.0);
    }
    let gs = groups(rows);
    let distinct = rows
        .iter()
        .map(|r| r.workload)
        .collect::<HashSet<_>>()
        .len();
    if distinct < MIN_ROWS {
        return Err(err!(
            "too few element-wise rows to fit their classes: {distinct} distinct configurations, need at least {MIN_ROWS}; measure more, or leave them out of --data"
        ));
    }
    let mut base = profile.clone();
    base.elementwise_classes = classes(&gs);
    base.format = alphaflops_core::profile::FORMAT;
    let n = base.elementwise_classes.len();
    let ln_t: Vec<f64> = rows.iter().map(|r| r.t().ln()).collect();
    // Start each class at half its smallest time as latency, and half the median time per
    // byte of its rows.
    let mut theta = DVector::zeros(2 * n);
    for (c, class) in base.elementwise_classes.iter().enumerate() {
        let own: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| {
                r.kernels
                    .iter()
                    .any(|k| base.elementwise_class_of(k).is_some_and(|o| o == class))
            })
            .map(|r| {
                let bytes: f64 = r
                    .kernels
                    .iter()
                    .map(|k| alphaflops_core::timing::bytes_of(&base, k, Memory::Tensors))
                    .sum();
                (r.t(), r.t() / bytes.max(1.0))
            })
            .collect();
        let t_min = own.iter().map(|o| o.0).fold(f64::INFINITY, f64::min);
        let per_byte = crate::metrics::median(&own.iter().map(|o| o.1).collect::<Vec<_>>());
        theta[2 * c] = if t_min.is_finite() {
            (0.5 * t_min).ln()
        } else {
            (1e-3f64).ln()
        };
        theta[2 * c + 1] = if per_byte.is_finite() && per_byte > 0.0 {
            (0.5 * per_byte).ln()
        } else {
            (1e-9f64).ln()
        };
    }
    let problem = Problem {
        rows,
        ln_t,
        first: 0,
        base,
        theta,
        sqrt_w: vec![1.0; rows.len()],
    };
    let (mut problem, _) = LevenbergMarquardt::new()
        .with_patience(200)
        .minimize(problem);
    if loss == Loss::L1 {
        problem = problem.least_absolute(8);
    }
    let r = problem
        .residuals()
        .unwrap_or_else(|| DVector::from_element(rows.len(), f64::NAN));
    let mut fitted = problem.profile(&problem.theta);
    // Terms the fit drove to nothing (e^-200) are written as the zero they are.
    for c in &mut fitted.elementwise_classes {
        for v in [&mut c.latency_ms, &mut c.ms_per_byte] {
            if *v < 1e-30 {
                *v = 0.0;
            }
        }
    }
    profile.elementwise_classes = fitted.elementwise_classes;
    profile.format = alphaflops_core::profile::FORMAT;
    Ok(match loss {
        Loss::L2 => r.norm_squared(),
        Loss::L1 => r.abs().sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Table;
    use std::path::Path;

    /// Rows priced by known element-wise classes (two activation intensities, pooling, a norm)
    /// come back with those classes' constants.
    #[test]
    fn fit_recovers_known_elementwise_classes() {
        let mut truth = Profile::default_profile();
        truth.format = 2;
        let class = |op, latency_ms, ms_per_byte, lo, hi| ElementwiseClass {
            op: Some(op),
            latency_ms,
            floor_ms: 0.0,
            ms_per_byte,
            min_intensity: lo,
            max_intensity: hi,
        };
        // relu is 0.5 FLOP per element moved, gelu 4: any bound between them splits them.
        truth.elementwise_classes = vec![
            class(Elementwise::Activation, 0.002, 1e-8, None, Some(2.25)),
            class(Elementwise::Activation, 0.004, 3e-7, Some(2.25), None),
            class(Elementwise::Pool, 0.003, 5e-8, None, None),
            class(Elementwise::Norm, 0.01, 2e-7, None, None),
        ];
        let mut csv =
            String::from("experiment,series,h,w,c_in,c_out,k1,k2,stride,groups,op,time_ms\n");
        for (op, k) in [("relu", 1), ("gelu", 1), ("max_pool", 2), ("batch_norm", 1)] {
            for (c, h) in [
                (4, 8),
                (16, 16),
                (8, 48),
                (32, 32),
                (64, 64),
                (24, 100),
                (128, 128),
            ] {
                let s = if k == 1 { 1 } else { 2 };
                csv.push_str(&format!("{op},0,{h},{h},{c},{c},{k},{k},{s},1,{op},1\n"));
            }
        }
        let unpriced = Table::parse(&csv, Path::new("synthetic.csv"), true)
            .unwrap()
            .rows;
        let rows: Vec<Row> = unpriced
            .into_iter()
            .map(|mut r| {
                r.time_ms = Some(price_kernels(&truth, &r.kernels).unwrap().predicted_ms);
                r
            })
            .collect();
        assert!(rows.iter().all(is_elementwise));
        let mut got = Profile::default_profile();
        fit(&rows, &mut got, Loss::L2).unwrap();
        assert_eq!(got.format, 2);
        let ew = &got.elementwise_classes;
        assert_eq!(ew.len(), 4, "{ew:?}");
        let close = |a: f64, b: f64| (a - b).abs() <= 0.02 * b.abs();
        for (g, t) in ew.iter().zip(&truth.elementwise_classes) {
            assert_eq!(g.op, t.op);
            assert!(
                close(g.latency_ms, t.latency_ms) && close(g.ms_per_byte, t.ms_per_byte),
                "{g:?} vs {t:?}"
            );
        }
        // The activation split lies half-way between the intensities seen (0.5 and 4).
        assert_eq!(
            (ew[0].max_intensity, ew[1].min_intensity),
            (Some(2.25), Some(2.25))
        );
        for r in &rows {
            let p = price_kernels(&got, &r.kernels).unwrap().predicted_ms;
            assert!(
                (p / r.t() - 1.0).abs() < 0.01,
                "line {}: {p} vs {}",
                r.line,
                r.t()
            );
        }
        // One class per op cannot price relu and gelu alike.
        let relu_gelu: Vec<Row> = rows
            .iter()
            .filter(|r| r.experiment.ends_with("elu"))
            .cloned()
            .collect();
        let mut merged = Profile::default_profile();
        let mut one = relu_gelu.clone();
        for r in &mut one {
            r.kernels
                .iter_mut()
                .for_each(|k| k.flops = k.elements_moved);
        }
        fit(&one, &mut merged, Loss::L2).unwrap();
        assert_eq!(merged.elementwise_classes.len(), 1);
        let worst = one
            .iter()
            .map(|r| {
                (price_kernels(&merged, &r.kernels).unwrap().predicted_ms / r.t())
                    .ln()
                    .abs()
            })
            .fold(0.0, f64::max);
        assert!(worst > 1.0, "{worst}");
    }

    #[test]
    fn small_groups_join_their_neighbour() {
        let mut csv =
            String::from("experiment,series,h,w,c_in,c_out,k1,k2,stride,groups,op,time_ms\n");
        for (c, h) in [(4, 8), (16, 16), (8, 48), (32, 32)] {
            csv.push_str(&format!("relu,0,{h},{h},{c},{c},1,1,1,1,relu,1\n"));
        }
        // Two silu rows: too few for a group of their own.
        for (c, h) in [(4, 8), (16, 16)] {
            csv.push_str(&format!("silu,0,{h},{h},{c},{c},1,1,1,1,silu,1\n"));
        }
        let rows = Table::parse(&csv, Path::new("s.csv"), true).unwrap().rows;
        let gs = groups(&rows);
        assert_eq!(gs.len(), 1, "{gs:?}");
        assert_eq!(gs[0].configs, 6);
        let cs = classes(&gs);
        assert_eq!((cs[0].min_intensity, cs[0].max_intensity), (None, None));
    }
}
