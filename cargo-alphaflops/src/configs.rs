//! `cargo xtask configs`: writes a configs CSV — the default bench grid, or random
//! configurations that are not in it (for validating a profile out of sample).
//!
//! The grid follows the paper's sweeps, scaled so one convolution takes milliseconds on a
//! small CPU: kernel vs spatial size, width, output channels, input channels, kernel vs
//! channels, dense layers vs batch, and progressions of equal FLOPs. `--grid gpu` scales
//! every point up (channels ×8 and sides ×2 for convolutions, every size ×4 for dense rows:
//! 256× and 64× the FLOPs), so a data-centre GPU sees both its launch-latency floor and its
//! compute-bound regime instead of microsecond kernels only.

use std::collections::HashSet;
use std::path::PathBuf;

use alphaflops_core::ConvWorkload;

use crate::data::render_configs;
use crate::{Result, err, util};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the configs CSV
    #[arg(long)]
    pub out: PathBuf,
    /// Write N random configurations outside the default grid instead of the grid
    #[arg(long, value_name = "N")]
    pub random: Option<usize>,
    /// Seed of the random configurations [default: 1]
    #[arg(long, requires = "random")]
    pub seed: Option<u64>,
    /// The quick grid (a subset of the full one)
    #[arg(long, conflicts_with = "random")]
    pub quick: bool,
    /// Sizes for a small CPU, or scaled up for a GPU
    #[arg(long, value_enum, default_value_t)]
    pub grid: GridSize,
}

/// How large the configurations are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GridSize {
    /// Milliseconds per convolution on a 2-core CPU (1e5 to 6e8 FLOPs).
    #[default]
    Cpu,
    /// The CPU grid with channels ×8 and sides ×2 (dense: every size ×4).
    Gpu,
}

impl GridSize {
    /// The name `--grid` takes.
    pub fn label(self) -> &'static str {
        match self {
            GridSize::Cpu => "cpu",
            GridSize::Gpu => "gpu",
        }
    }

    pub fn apply(self, w: ConvWorkload) -> ConvWorkload {
        match self {
            GridSize::Cpu => w,
            GridSize::Gpu if w.is_dense() => ConvWorkload { h: w.h * 4, c_in: w.c_in * 4, c_out: w.c_out * 4, ..w },
            GridSize::Gpu => ConvWorkload { h: w.h * 2, w: w.w * 2, c_in: w.c_in * 8, c_out: w.c_out * 8, ..w },
        }
    }

    fn scale(self, list: Vec<Config>) -> Vec<Config> {
        list.into_iter().map(|(e, s, w)| (e, s, self.apply(w))).collect()
    }
}

pub type Config = (String, String, ConvWorkload);

fn c(h: u64, w: u64, c_in: u64, c_out: u64, k: u64) -> ConvWorkload {
    ConvWorkload::new(h, w, c_in, c_out, k, k)
}

/// The default grid at the given size; `quick` keeps every other point of each sweep.
pub fn grid(quick: bool, size: GridSize) -> Vec<Config> {
    size.scale(cpu_grid(quick))
}

fn cpu_grid(quick: bool) -> Vec<Config> {
    let mut g: Vec<Config> = Vec::new();
    let mut push = |e: &str, s: usize, list: Vec<ConvWorkload>| {
        for (i, w) in list.into_iter().enumerate() {
            if !quick || i % 2 == 0 {
                g.push((e.to_string(), s.to_string(), w));
            }
        }
    };
    // Kernel grows while H = W = floor(120 / K): FLOPs nearly constant, S shrinks.
    for (s, ch) in [16u64, 48].into_iter().enumerate() {
        push("conv_K_vs_S", s, (1..=8).map(|k| c(120 / k, 120 / k, ch, ch, k)).collect());
    }
    // Width grows at fixed height.
    for (s, k) in [1u64, 3].into_iter().enumerate() {
        push("increasing_W", s, (1..=12).map(|i| c(24, 8 * i, 32, 32, k)).collect());
    }
    // Output channels grow.
    for (s, k) in [1u64, 3].into_iter().enumerate() {
        push(
            "increasing_Cout",
            s,
            [4u64, 8, 16, 32, 48, 64, 96, 128, 192, 256].into_iter().map(|co| c(32, 32, 32, co, k)).collect(),
        );
    }
    // Input channels grow.
    for (s, k) in [1u64, 3].into_iter().enumerate() {
        push(
            "increasing_Cin",
            s,
            [4u64, 8, 16, 32, 48, 64, 96, 128, 192, 256].into_iter().map(|ci| c(32, 32, ci, 32, k)).collect(),
        );
    }
    // Kernel grows while channels shrink, H = W = 10 (the paper's setting).
    for (s, base) in [192u64, 384].into_iter().enumerate() {
        push("conv_K_vs_C", s, (1..=9).map(|k| c(10, 10, base / k, base / k, k)).collect());
    }
    // Dense D×D layers, batch 1..64 (h = batch, w = 1, k = 1).
    for (s, d) in [256u64, 1024].into_iter().enumerate() {
        push(
            "increasing_batch",
            s,
            [1u64, 2, 4, 8, 12, 16, 24, 32, 48, 64].into_iter().map(|b| c(b, 1, d, d, 1)).collect(),
        );
    }
    // Equal FLOPs: spatial size traded for channels (H·C constant), and kernel for channels (K·C constant).
    push(
        "equal_flops",
        0,
        [(96u64, 8u64), (48, 16), (24, 32), (12, 64), (6, 128), (3, 256)]
            .into_iter()
            .map(|(h, ch)| c(h, h, ch, ch, 3))
            .collect(),
    );
    push(
        "equal_flops",
        1,
        [(1u64, 144u64), (2, 72), (3, 48), (4, 36), (6, 24), (8, 18)]
            .into_iter()
            .map(|(k, ch)| c(32, 32, ch, ch, k))
            .collect(),
    );
    g
}

/// A small deterministic generator (SplitMix64), so a seed names a config set forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    /// Log-uniform integer in [lo, hi].
    fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo as f64).ln() + u * ((hi as f64).ln() - (lo as f64).ln())).exp().round().clamp(lo as f64, hi as f64) as u64
    }
}

/// `n` random configurations not in the full grid, with FLOPs kept in the grid's range
/// (drawn at CPU size, then scaled like the grid, so they stay outside it).
pub fn random(n: usize, seed: u64, size: GridSize) -> Vec<Config> {
    size.scale(cpu_random(n, seed))
}

fn cpu_random(n: usize, seed: u64) -> Vec<Config> {
    let in_grid: HashSet<ConvWorkload> = cpu_grid(false).into_iter().map(|(_, _, w)| w).collect();
    let mut seen = HashSet::new();
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    while out.len() < n {
        let w = if rng.range(0, 99) < 15 {
            let d = rng.log_range(64, 1536);
            c(rng.range(1, 64), 1, d, d, 1)
        } else {
            let k = [1u64, 1, 2, 3, 3, 3, 5, 7][rng.range(0, 7) as usize];
            let h = rng.log_range(4, 112);
            let w = if rng.range(0, 1) == 0 { h } else { rng.log_range(4, 112) };
            c(h, w, rng.log_range(3, 256), rng.log_range(4, 256), k)
        };
        let flops = w.eval().map(|e| e.flops()).unwrap_or(u64::MAX);
        if !(1e5..=6e8).contains(&(flops as f64)) || in_grid.contains(&w) || !seen.insert(w) {
            continue;
        }
        out.push(("random".to_string(), "0".to_string(), w));
    }
    out
}

pub fn run(args: Args) -> Result<()> {
    let rows = match args.random {
        Some(0) => return Err(err!("--random needs at least 1 configuration")),
        Some(n) => random(n, args.seed.unwrap_or(1), args.grid),
        None => grid(args.quick, args.grid),
    };
    util::write_atomic(&args.out, render_configs(&rows).as_bytes())?;
    outln!("wrote {} ({} configurations)", args.out.display(), rows.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_the_sweeps_and_quick_is_a_subset() {
        let full = grid(false, GridSize::Cpu);
        let quick = grid(true, GridSize::Cpu);
        let exps: HashSet<&str> = full.iter().map(|(e, _, _)| e.as_str()).collect();
        for e in [
            "conv_K_vs_S",
            "increasing_W",
            "increasing_Cout",
            "increasing_Cin",
            "conv_K_vs_C",
            "increasing_batch",
            "equal_flops",
        ] {
            assert!(exps.contains(e), "{e}");
        }
        assert!(quick.len() < full.len());
        assert!(quick.iter().all(|q| full.contains(q)));
    }

    #[test]
    fn random_configs_are_reproducible_and_outside_the_grid() {
        for size in [GridSize::Cpu, GridSize::Gpu] {
            let a = random(40, 7, size);
            assert_eq!(a, random(40, 7, size));
            let g: HashSet<ConvWorkload> = grid(false, size).into_iter().map(|(_, _, w)| w).collect();
            assert!(a.iter().all(|(_, _, w)| !g.contains(w)));
        }
    }

    #[test]
    fn gpu_grid_scales_flops_by_256_for_convs_and_64_for_dense_rows() {
        let flops = |w: &ConvWorkload| w.eval().unwrap().flops() as f64;
        for ((_, _, c), (_, _, g)) in grid(false, GridSize::Cpu).iter().zip(&grid(false, GridSize::Gpu)) {
            let ratio = flops(g) / flops(c);
            let want = if c.is_dense() { 64.0 } else { 256.0 };
            // Bias and "same" padding make it inexact by a hair for convolutions.
            assert!((ratio / want - 1.0).abs() < 0.02, "{c:?} -> {g:?}: {ratio}");
        }
    }
}
