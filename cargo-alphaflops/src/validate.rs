//! `cargo xtask validate`: a profile's predictions against measured times, next to the
//! FLOPs-only baseline fitted on the same rows.

use std::path::{Path, PathBuf};

use alphaflops_core::Profile;

use crate::data::{Row, Table};
use crate::metrics::{Metrics, flops_only_scale};
use crate::{Result, err};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The profile to check (TOML)
    #[arg(long)]
    pub profile: PathBuf,
    /// Measured times (CSV with h,w,c_in,c_out,k1,k2,time_ms)
    #[arg(long)]
    pub data: PathBuf,
    /// Print exactly one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
    /// Print every row instead: the input row, then predicted_ms and ape_pct (CSV)
    #[arg(long, conflicts_with = "json")]
    pub rows: bool,
}

/// Both predictors' metrics on a set of rows.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    pub alpha: Metrics,
    pub flops_only: Metrics,
}

impl Comparison {
    /// `{"n": …, "alpha": {…}, "flops_only": {…}}`, keys in this order.
    pub fn json(&self) -> String {
        format!(
            "{{\"n\":{},\"alpha\":{},\"flops_only\":{}}}",
            self.alpha.n,
            self.alpha.json(),
            self.flops_only.json()
        )
    }

    pub fn table(&self, title: &str) -> String {
        let mut s = format!(
            "{title}\n{:<12} {:>9} {:>12} {:>10} {:>8} {:>9}\n",
            "predictor", "MAPE %", "median APE %", "within10 %", "pearson", "spearman"
        );
        for (name, m) in [("α-FLOPs", &self.alpha), ("FLOPs only", &self.flops_only)] {
            s.push_str(&format!(
                "{:<12} {:>9.2} {:>12.2} {:>10.1} {:>8.4} {:>9.4}\n",
                name, m.mape_pct, m.median_ape_pct, m.within10_pct, m.pearson, m.spearman
            ));
        }
        s.push_str(&format!("n = {} rows\n", self.alpha.n));
        s
    }
}

pub fn load_profile(path: &Path) -> Result<Profile> {
    if let Some(found) = crate::util::profile_by_name(path)? {
        return Ok(found);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        err!(
            "{}: cannot read the profile: {e}; check the path",
            path.display()
        )
    })?;
    Profile::from_toml_str(&text, &path.display().to_string())
        .map_err(|e| err!("{e}; see profiles/reference.toml for every key"))
}

/// Predicted times of rows on a profile, through core's pricing.
pub fn predict(profile: &Profile, rows: &[Row], origin: &Path) -> Result<Vec<f64>> {
    rows.iter()
        .map(|r| {
            alphaflops_core::price_kernels(profile, &r.kernels)
                .map(|p| p.predicted_ms)
                .map_err(|e| {
                    err!(
                        "{}:{}: cannot price this row with profile `{}`: {e}",
                        origin.display(),
                        r.line,
                        profile.name
                    )
                })
        })
        .collect()
}

pub fn compare(profile: &Profile, rows: &[Row], origin: &Path) -> Result<Comparison> {
    let pred = predict(profile, rows, origin)?;
    let t: Vec<f64> = rows.iter().map(Row::t).collect();
    let flops: Vec<f64> = rows.iter().map(|r| r.flops as f64).collect();
    let c = flops_only_scale(&flops, &t);
    let base: Vec<f64> = flops.iter().map(|f| c * f).collect();
    Ok(Comparison {
        alpha: Metrics::of(&pred, &t),
        flops_only: Metrics::of(&base, &t),
    })
}

pub fn run(args: Args) -> Result<()> {
    let profile = load_profile(&args.profile)?;
    let table = Table::read(&args.data, true)?;
    if args.rows {
        let pred = predict(&profile, &table.rows, &args.data)?;
        outln!("{},predicted_ms,ape_pct", table.header.join(","));
        for (r, p) in table.rows.iter().zip(pred) {
            outln!(
                "{},{p:.6},{:.2}",
                r.fields.join(","),
                (p - r.t()).abs() / r.t() * 100.0
            );
        }
        return Ok(());
    }
    let cmp = compare(&profile, &table.rows, &args.data)?;
    if args.json {
        outln!("{}", cmp.json());
    } else {
        out!(
            "{}",
            cmp.table(&format!(
                "profile {} on {}",
                profile.name,
                args.data.display()
            ))
        );
    }
    Ok(())
}
