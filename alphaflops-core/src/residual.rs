//! A profile's residual correction from its own measured rows, as nn-Meter's sampled kernel
//! predictors correct a model with measured neighbours.
//!
//! `[residual]` holds, for each measured row of a linear-algebra op, its GEMM
//! (`groups × (m × k)·(k × n)`, [`Gemm`]) and `ratio` = measured / predicted time of the
//! fitted form on that row. A GEMM kernel of op `op` is then priced at the form's time times
//!
//! ```text
//! factor = exp(mean of ln ratio over the `neighbours` rows of `op` nearest in
//!              (ln groups, ln m, ln n, ln k), Euclidean; ties by table order)
//! ```
//!
//! — the geometric mean of their ratios, unweighted — but only where the kernel lies inside
//! the span of that op's rows along every axis: outside it the rows say nothing, and the
//! form's own extrapolation stands (factor 1). A profile without `[residual]`, or an op
//! without rows, prices exactly as without it.

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use crate::alpha::KernelOp;
use crate::kernel::Gemm;

/// `[residual]`: the rows and how many neighbours each prediction averages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residual {
    /// Nearest rows whose ratios are averaged; ≥ 1.
    #[serde(deserialize_with = "at_least_one")]
    pub neighbours: u64,
    /// `[[residual.row]]`: one per measured row.
    #[serde(rename = "row", default)]
    pub rows: Vec<ResidualRow>,
}

/// One measured row: its op, its GEMM and measured / predicted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidualRow {
    pub op: KernelOp,
    /// Groups (batched products); absent: 1.
    #[serde(
        default = "one",
        deserialize_with = "at_least_one",
        skip_serializing_if = "is_one"
    )]
    pub groups: u64,
    #[serde(deserialize_with = "at_least_one")]
    pub m: u64,
    #[serde(deserialize_with = "at_least_one")]
    pub n: u64,
    #[serde(deserialize_with = "at_least_one")]
    pub k: u64,
    #[serde(deserialize_with = "crate::profile::positive")]
    pub ratio: f64,
}

impl ResidualRow {
    pub fn new(op: KernelOp, g: Gemm, ratio: f64) -> ResidualRow {
        ResidualRow {
            op,
            groups: g.batch.max(1),
            m: g.m.max(1),
            n: g.n.max(1),
            k: g.k.max(1),
            ratio,
        }
    }

    fn point(&self) -> [f64; 4] {
        point(self.groups, self.m, self.n, self.k)
    }
}

fn point(groups: u64, m: u64, n: u64, k: u64) -> [f64; 4] {
    [groups, m, n, k].map(|d| (d.max(1) as f64).ln())
}

impl Residual {
    /// The factor on the form's time of a kernel of `op` running `g` (1.0 exactly where no
    /// row of `op` spans it).
    pub fn factor(&self, op: KernelOp, g: Gemm) -> f64 {
        let rows: Vec<[f64; 5]> = self
            .rows
            .iter()
            .filter(|r| r.op == op)
            .map(|r| {
                let p = r.point();
                [p[0], p[1], p[2], p[3], r.ratio.ln()]
            })
            .collect();
        if rows.is_empty() || self.neighbours == 0 {
            return 1.0;
        }
        let x = point(g.batch, g.m, g.n, g.k);
        // A tiny tolerance: the logs of the same dimension compare equal.
        let inside = (0..4).all(|a| {
            let lo = rows.iter().map(|r| r[a]).fold(f64::INFINITY, f64::min);
            let hi = rows.iter().map(|r| r[a]).fold(f64::NEG_INFINITY, f64::max);
            x[a] >= lo - 1e-12 && x[a] <= hi + 1e-12
        });
        if !inside {
            return 1.0;
        }
        let mut by_distance: Vec<(f64, f64, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((0..4).map(|a| (r[a] - x[a]).powi(2)).sum::<f64>(), r[4], i))
            .collect();
        // Stable: equal distances keep table order.
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
        let k = (self.neighbours as usize).min(by_distance.len());
        if k == 1 {
            // The measured ratio itself: exp(ln r) is not always r to the last bit.
            return self
                .rows
                .iter()
                .filter(|r| r.op == op)
                .nth(by_distance[0].2)
                .map_or(1.0, |r| r.ratio);
        }
        let mean = by_distance[..k].iter().map(|(_, l, _)| l).sum::<f64>() / k as f64;
        mean.exp()
    }
}

fn one() -> u64 {
    1
}
fn is_one(v: &u64) -> bool {
    *v == 1
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = i64::deserialize(d)?;
    u64::try_from(v)
        .ok()
        .filter(|&v| v >= 1)
        .ok_or_else(|| D::Error::custom(format!("must be a whole number ≥ 1, got {v}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(m: u64, n: u64, k: u64) -> Gemm {
        Gemm { batch: 1, m, n, k }
    }

    fn table(neighbours: u64, rows: &[(KernelOp, Gemm, f64)]) -> Residual {
        Residual {
            neighbours,
            rows: rows
                .iter()
                .map(|&(op, g, r)| ResidualRow::new(op, g, r))
                .collect(),
        }
    }

    #[test]
    fn one_neighbour_recovers_a_measured_row_exactly() {
        let t = table(
            1,
            &[
                (KernelOp::Conv, g(64, 64, 64), 1.5),
                (KernelOp::Conv, g(4096, 256, 576), 0.7),
                (KernelOp::Conv, g(100, 30, 9), 2.0),
            ],
        );
        assert_eq!(t.factor(KernelOp::Conv, g(4096, 256, 576)), 0.7);
        assert_eq!(t.factor(KernelOp::Conv, g(100, 30, 9)), 2.0);
        assert_eq!(t.factor(KernelOp::Conv, g(64, 64, 64)), 1.5);
    }

    #[test]
    fn k_neighbours_take_the_geometric_mean_of_the_nearest() {
        let t = table(
            2,
            &[
                (KernelOp::Conv, g(64, 64, 64), 2.0),
                (KernelOp::Conv, g(128, 64, 64), 0.5),
                (KernelOp::Conv, g(4096, 4096, 4096), 10.0),
            ],
        );
        let f = t.factor(KernelOp::Conv, g(90, 64, 64));
        assert!((f - 1.0).abs() < 1e-12, "{f}");
    }

    #[test]
    fn ratios_of_one_leave_every_kernel_as_it_was() {
        let t = table(
            3,
            &[
                (KernelOp::Matmul, g(1, 10, 10), 1.0),
                (KernelOp::Matmul, g(1000, 4000, 500), 1.0),
                (KernelOp::Matmul, g(30, 10, 9000), 1.0),
            ],
        );
        for m in [1, 7, 100, 1000] {
            assert_eq!(t.factor(KernelOp::Matmul, g(m, 100, 100)), 1.0);
        }
    }

    #[test]
    fn another_op_or_a_kernel_outside_the_rows_is_not_corrected() {
        let t = table(
            1,
            &[
                (KernelOp::Conv, g(64, 64, 64), 3.0),
                (KernelOp::Conv, g(256, 256, 256), 3.0),
            ],
        );
        assert_eq!(t.factor(KernelOp::Matmul, g(100, 100, 100)), 1.0);
        assert_eq!(t.factor(KernelOp::Conv, g(512, 100, 100)), 1.0);
        assert_eq!(t.factor(KernelOp::Conv, g(100, 100, 100)), 3.0);
        let grouped = Gemm {
            batch: 4,
            m: 100,
            n: 100,
            k: 100,
        };
        assert_eq!(t.factor(KernelOp::Conv, grouped), 1.0);
    }

    #[test]
    fn the_factor_rises_with_the_ratios() {
        // Scaling every ratio up never lowers a factor.
        let rows = [
            (KernelOp::Conv, g(64, 64, 64), 0.8),
            (KernelOp::Conv, g(512, 64, 64), 1.3),
            (KernelOp::Conv, g(512, 512, 64), 1.1),
            (KernelOp::Conv, g(64, 512, 512), 0.6),
        ];
        for k in 1..=4 {
            let lo = table(k, &rows);
            let up: Vec<_> = rows.iter().map(|&(o, g, r)| (o, g, r * 1.2)).collect();
            let hi = table(k, &up);
            for m in [64, 100, 300, 512] {
                let x = g(m, 200, 128);
                assert!(hi.factor(KernelOp::Conv, x) > lo.factor(KernelOp::Conv, x));
            }
        }
    }
}
