//! Accuracy metrics of predicted against measured times.

use serde_json::Value;

/// How well predictions match measurements.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub n: usize,
    /// Mean of |pred − t| / t, in percent.
    pub mape_pct: f64,
    /// Median of |pred − t| / t, in percent.
    pub median_ape_pct: f64,
    /// Share of rows with |pred − t| / t ≤ 0.10, in percent.
    pub within10_pct: f64,
    pub pearson: f64,
    pub spearman: f64,
}

impl Metrics {
    /// Metrics of `pred` against `t` (same length, at least one row, `t > 0`).
    pub fn of(pred: &[f64], t: &[f64]) -> Metrics {
        let n = t.len();
        let ape: Vec<f64> = pred.iter().zip(t).map(|(p, t)| (p - t).abs() / t).collect();
        let nf = n.max(1) as f64;
        Metrics {
            n,
            mape_pct: 100.0 * ape.iter().sum::<f64>() / nf,
            median_ape_pct: 100.0 * median(&ape),
            // A small tolerance so a hand-computed 10 % error counts as within 10 %.
            within10_pct: 100.0 * ape.iter().filter(|&&e| e <= 0.10 + 1e-12).count() as f64 / nf,
            pearson: pearson(pred, t),
            spearman: pearson(&ranks(pred), &ranks(t)),
        }
    }

    /// The metrics as a JSON object, keys in the documented order.
    pub fn json(&self) -> String {
        format!(
            "{{\"mape_pct\":{},\"median_ape_pct\":{},\"within10_pct\":{},\"pearson\":{},\"spearman\":{}}}",
            num(self.mape_pct),
            num(self.median_ape_pct),
            num(self.within10_pct),
            num(self.pearson),
            num(self.spearman)
        )
    }
}

/// A JSON number (`null` when not finite, e.g. a correlation of constant values).
pub fn num(v: f64) -> String {
    Value::from(v).to_string()
}

/// The FLOPs-only baseline `t = c·FLOPs`, `c = exp(mean(ln(t / FLOPs)))`.
pub fn flops_only_scale(flops: &[f64], t: &[f64]) -> f64 {
    let n = t.len().max(1) as f64;
    (flops.iter().zip(t).map(|(f, t)| (t / f).ln()).sum::<f64>() / n).exp()
}

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// The `q`-quantile (0..=1) with linear interpolation.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        f64::NAN
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Ranks starting at 1, ties get their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_case() {
        // errors: 10 %, 50 %, 0 %, 25 %
        let t = [1.0, 2.0, 4.0, 8.0];
        let p = [1.1, 1.0, 4.0, 10.0];
        let m = Metrics::of(&p, &t);
        assert_eq!(m.n, 4);
        assert!((m.mape_pct - 21.25).abs() < 1e-9, "{m:?}");
        assert!((m.median_ape_pct - 17.5).abs() < 1e-9);
        assert!((m.within10_pct - 50.0).abs() < 1e-9);
        // ranks of p: 2,1,3,4; of t: 1,2,3,4 → d² = 1+1 → ρ = 1 − 6·2/(4·15) = 0.8
        assert!((m.spearman - 0.8).abs() < 1e-12);
        let mx = 4.025;
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for i in 0..4 {
            sxy += (p[i] - mx) * (t[i] - 3.75);
            sxx += (p[i] - mx) * (p[i] - mx);
            syy += (t[i] - 3.75) * (t[i] - 3.75);
        }
        assert!((m.pearson - sxy / (sxx * syy).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn perfect_prediction() {
        let t = [0.5, 1.0, 3.0];
        let m = Metrics::of(&t, &t);
        assert_eq!(m.mape_pct, 0.0);
        assert_eq!(m.within10_pct, 100.0);
        assert!((m.pearson - 1.0).abs() < 1e-12);
        assert!((m.spearman - 1.0).abs() < 1e-12);
    }

    #[test]
    fn flops_only_scale_is_geometric_mean() {
        // t/F = 1 and 4 → c = 2
        let c = flops_only_scale(&[1.0, 1.0], &[1.0, 4.0]);
        assert!((c - 2.0).abs() < 1e-12);
    }

    #[test]
    fn ties_and_quantiles() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.1), 1.4);
    }
}
