//! Reproduction of the paper's time model on its own measurements.
//!
//! Reads `asperti2021-quadro-t2000.csv` from `$ALPHAFLOPS_DATA_DIR`, or `../shared/data` beside
//! the repository. When the data is absent (as on a user's machine) the tests say so and pass.

use std::path::PathBuf;

use alphaflops_core::{ConvWorkload, Profile};

struct Row {
    line: usize,
    w: ConvWorkload,
    time_ms: f64,
}

fn data() -> Option<Vec<Row>> {
    let dir = std::env::var_os("ALPHAFLOPS_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = dir.join("asperti2021-quadro-t2000.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "SKIPPED: {} not found (set ALPHAFLOPS_DATA_DIR to the shared data folder)",
            path.display()
        );
        return None;
    };
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("header");
    let cols: Vec<&str> = header.split(',').collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let idx = ["h", "w", "c_in", "c_out", "k1", "k2"].map(col);
    let t = col("time_ms");
    Some(
        lines
            .map(|(i, l)| {
                let f: Vec<&str> = l.split(',').collect();
                let u = |j: usize| f[idx[j]].parse::<u64>().unwrap();
                Row {
                    line: i + 1,
                    w: ConvWorkload::new(u(0), u(1), u(2), u(3), u(4), u(5)),
                    time_ms: f[t].parse().unwrap(),
                }
            })
            .collect(),
    )
}

/// The reference prediction exactly as written in the data folder's README (the authors'
/// make_plots.py), computed independently of the library.
fn reference_ms(w: &ConvWorkload) -> f64 {
    let mac = (w.h * w.w * w.c_in * w.c_out * w.k1 * w.k2) as f64;
    let k = (w.k1 * w.k2) as f64;
    let s = (w.h * w.w) as f64;
    let s_k = 1.0 + k.ln();
    let (beta, gamma) = if k == 1.0 {
        (0.02, 0.99)
    } else {
        (0.001, 0.56)
    };
    let alpha = ((s_k + beta * (s - s_k)) / s).powf(gamma);
    0.0375 * alpha * mac / 1e6
}

#[test]
fn paper_profile_reproduces_reference_prediction_on_every_row() {
    let Some(rows) = data() else { return };
    assert_eq!(rows.len(), 537);
    let profile = Profile::default_profile();
    for r in &rows {
        let eval = r.w.eval().unwrap();
        assert_eq!(
            eval.macs(),
            r.w.h * r.w.w * r.w.c_in * r.w.c_out * r.w.k1 * r.w.k2,
            "line {}",
            r.line
        );
        assert_eq!(eval.flops(), 2 * eval.macs(), "line {}", r.line);
        let ours = r.w.price(&profile).unwrap().predicted_ms;
        let theirs = reference_ms(&r.w);
        assert!(
            ((ours - theirs) / theirs).abs() <= 1e-9,
            "line {}: {ours} vs reference {theirs}",
            r.line
        );
    }
}

#[test]
fn paper_profile_mape_is_the_published_17_7_percent() {
    let Some(rows) = data() else { return };
    let profile = Profile::default_profile();
    let mape = rows
        .iter()
        .map(|r| (r.w.price(&profile).unwrap().predicted_ms - r.time_ms).abs() / r.time_ms)
        .sum::<f64>()
        / rows.len() as f64
        * 100.0;
    assert!((mape - 17.7).abs() < 0.05, "MAPE {mape:.3} %");
}
