//! `cargo xtask configs`: writes a configs CSV — the default bench grid, or random
//! configurations that are not in it (for validating a profile out of sample).
//!
//! The grid has two parts:
//!
//! 1. The paper's sweeps, scaled so one convolution takes milliseconds on a small CPU: kernel
//!    vs spatial size, width, output channels, input channels, kernel vs channels, dense
//!    layers vs batch, and progressions of equal FLOPs; then grouped, depthwise and strided
//!    convolutions, and every element-wise op (activations, add, pooling, batch and layer
//!    norm, softmax) from 4 Ki to 2 Mi elements. These are what the plots draw.
//! 2. A space-filling sample of training configurations ([`sample`]): a Latin hypercube over
//!    log sizes, channels, kernels, groups, strides and batch, since a form fitted on
//!    power-of-two sweeps alone misses the shapes between them. It has a seed of its own,
//!    [`SAMPLE_SEED`], which `--random` refuses, and it never holds a configuration of the
//!    validation sets of seeds 1 to [`VALIDATION_SEEDS`].
//!
//! `--grid gpu` scales every point up (channels ×8 and sides ×2 for convolutions and
//! element-wise ops, every size ×4 for dense rows: 256× and 64× the FLOPs of a
//! convolution), so a data-centre GPU sees both its launch-latency floor and its
//! compute-bound regime instead of microsecond kernels only.
//!
//! `--random N --seed S` (validation) draws plain convolutions and dense layers outside the
//! paper's sweeps; its output for a seed never changes (committed random sets depend on it).

use std::collections::HashSet;
use std::path::PathBuf;

use alphaflops_core::{ConvWorkload, Workload, WorkloadOp};

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
    /// Configurations in the grid's space-filling training sample [default: 128, 64 with --quick]
    #[arg(long, value_name = "N", conflicts_with = "random")]
    pub sample: Option<usize>,
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
            GridSize::Gpu if w.is_dense() => ConvWorkload {
                h: w.h * 4,
                c_in: w.c_in * 4,
                c_out: w.c_out * 4,
                ..w
            },
            GridSize::Gpu => {
                // A depthwise convolution stays depthwise; other groups keep their count.
                let groups = if w.groups > 1 && w.groups == w.c_in {
                    w.groups * 8
                } else {
                    w.groups
                };
                ConvWorkload {
                    h: w.h * 2,
                    w: w.w * 2,
                    c_in: w.c_in * 8,
                    c_out: w.c_out * 8,
                    groups,
                    ..w
                }
            }
        }
    }

    fn scale(self, list: Vec<Config>) -> Vec<Config> {
        list.into_iter()
            .map(|(e, s, w)| (e, s, self.apply(w)))
            .collect()
    }
}

pub type Config = (String, String, ConvWorkload);

fn c(h: u64, w: u64, c_in: u64, c_out: u64, k: u64) -> ConvWorkload {
    ConvWorkload::new(h, w, c_in, c_out, k, k)
}

/// The seed of the grid's training sample: no validation set may use it.
pub const SAMPLE_SEED: u64 = 20_261_111;

/// The training sample never holds a configuration of the first 300 drawn for the
/// validation seeds 1 to this (1 and 2 are the CPU sets, 6 the GPU ones).
pub const VALIDATION_SEEDS: u64 = 8;

/// The training sample's size when not told.
pub fn default_sample(quick: bool) -> usize {
    if quick { 64 } else { 128 }
}

/// The default grid at the given size: sweeps and the training sample (`sample` of them);
/// `quick` keeps every other point of each sweep.
pub fn grid(quick: bool, size: GridSize) -> Vec<Config> {
    grid_with(quick, default_sample(quick), size)
}

pub fn grid_with(quick: bool, sample_n: usize, size: GridSize) -> Vec<Config> {
    let mut g = size.scale(cpu_sweeps(quick));
    g.extend(sample(sample_n, SAMPLE_SEED, size));
    g
}

/// Every sweep: the paper's, then grouped, strided and element-wise ones.
fn cpu_sweeps(quick: bool) -> Vec<Config> {
    let mut g = paper_sweeps(quick);
    let mut push = |e: &str, s: usize, list: Vec<Workload>| {
        for (i, w) in list.into_iter().enumerate() {
            if !quick || i % 2 == 0 {
                g.push((e.to_string(), s.to_string(), w));
            }
        }
    };
    let grouped = |h: u64, ch: u64, k: u64, stride: u64, groups: u64| Workload {
        stride,
        groups,
        ..Workload::new(h, h, ch, ch, k, k)
    };
    // Groups grow at fixed channels, from dense (1) to next to depthwise (the depthwise sweep
    // has 64).
    push(
        "grouped_conv",
        0,
        [1u64, 2, 4, 8, 16, 32]
            .into_iter()
            .map(|g| grouped(32, 64, 3, 1, g))
            .collect(),
    );
    // Depthwise 3×3 as channels grow, at stride 1 and 2 (MobileNet's blocks; [1, 96, 48, 48]
    // at stride 2 is a user's layer that took longer than its dense counterpart).
    let widths = [16u64, 32, 48, 64, 96, 128, 192, 256];
    push(
        "depthwise_conv",
        0,
        widths
            .into_iter()
            .map(|c| grouped(32, c, 3, 1, c))
            .collect(),
    );
    push(
        "depthwise_conv",
        1,
        widths
            .into_iter()
            .map(|c| grouped(48, c, 3, 2, c))
            .collect(),
    );
    // Stride 2: channels grow (3×3), then the kernel grows.
    push(
        "strided_conv",
        0,
        [8u64, 16, 32, 48, 64, 96, 128]
            .into_iter()
            .map(|c| grouped(48, c, 3, 2, 1))
            .collect(),
    );
    push(
        "strided_conv",
        1,
        (1..=7).map(|k| grouped(64, 32, k, 2, 1)).collect(),
    );
    // Element-wise ops from 4 Ki to 2 Mi elements (16 KiB to 8 MiB of f32: in and out of cache).
    let sizes = [
        (16u64, 16u64),
        (32, 32),
        (64, 32),
        (32, 64),
        (64, 64),
        (128, 64),
        (64, 128),
        (128, 128),
    ];
    for op in [
        WorkloadOp::Relu,
        WorkloadOp::Gelu,
        WorkloadOp::Silu,
        WorkloadOp::Add,
        WorkloadOp::BatchNorm,
        WorkloadOp::LayerNorm,
        WorkloadOp::Softmax,
    ] {
        push(
            op.name(),
            0,
            sizes
                .iter()
                .map(|&(c, h)| Workload::elementwise(op, 1, c, h, h))
                .collect(),
        );
    }
    for op in [WorkloadOp::MaxPool, WorkloadOp::AvgPool] {
        for (s, k) in [2u64, 3].into_iter().enumerate() {
            push(
                op.name(),
                s,
                sizes
                    .iter()
                    .map(|&(c, h)| Workload::pool(op, 1, c, h, h, k, 2))
                    .collect(),
            );
        }
    }
    g
}

/// The paper's sweeps (the whole grid before other ops were measured).
fn paper_sweeps(quick: bool) -> Vec<Config> {
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
        push(
            "conv_K_vs_S",
            s,
            (1..=8).map(|k| c(120 / k, 120 / k, ch, ch, k)).collect(),
        );
    }
    // Width grows at fixed height.
    for (s, k) in [1u64, 3].into_iter().enumerate() {
        push(
            "increasing_W",
            s,
            (1..=12).map(|i| c(24, 8 * i, 32, 32, k)).collect(),
        );
    }
    // Output channels grow.
    for (s, k) in [1u64, 3].into_iter().enumerate() {
        push(
            "increasing_Cout",
            s,
            [4u64, 8, 16, 32, 48, 64, 96, 128, 192, 256]
                .into_iter()
                .map(|co| c(32, 32, 32, co, k))
                .collect(),
        );
    }
    // Input channels grow.
    for (s, k) in [1u64, 3].into_iter().enumerate() {
        push(
            "increasing_Cin",
            s,
            [4u64, 8, 16, 32, 48, 64, 96, 128, 192, 256]
                .into_iter()
                .map(|ci| c(32, 32, ci, 32, k))
                .collect(),
        );
    }
    // Kernel grows while channels shrink, H = W = 10 (the paper's setting).
    for (s, base) in [192u64, 384].into_iter().enumerate() {
        push(
            "conv_K_vs_C",
            s,
            (1..=9).map(|k| c(10, 10, base / k, base / k, k)).collect(),
        );
    }
    // Dense D×D layers, batch 1..64 (h = batch, w = 1, k = 1).
    for (s, d) in [256u64, 1024].into_iter().enumerate() {
        push(
            "increasing_batch",
            s,
            [1u64, 2, 4, 8, 12, 16, 24, 32, 48, 64]
                .into_iter()
                .map(|b| c(b, 1, d, d, 1))
                .collect(),
        );
    }
    // Equal FLOPs: spatial size traded for channels (H·C constant), and kernel for channels (K·C constant).
    push(
        "equal_flops",
        0,
        [
            (96u64, 8u64),
            (48, 16),
            (24, 32),
            (12, 64),
            (6, 128),
            (3, 256),
        ]
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
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo as f64).ln() + u * ((hi as f64).ln() - (lo as f64).ln()))
            .exp()
            .round()
            .clamp(lo as f64, hi as f64) as u64
    }
}

/// `n` random configurations not in the full grid, with FLOPs kept in the grid's range
/// (drawn at CPU size, then scaled like the grid, so they stay outside it).
pub fn random(n: usize, seed: u64, size: GridSize) -> Vec<Config> {
    size.scale(cpu_random(n, seed))
}

fn cpu_random(n: usize, seed: u64) -> Vec<Config> {
    // The paper's sweeps only: the rows added later (other ops, groups, strides, the sample)
    // never equal a plain convolution this draws, and comparing with them would change the
    // sets committed seeds name.
    let in_grid: HashSet<ConvWorkload> =
        paper_sweeps(false).into_iter().map(|(_, _, w)| w).collect();
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
            let w = if rng.range(0, 1) == 0 {
                h
            } else {
                rng.log_range(4, 112)
            };
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

/// Whether a row is valid and as large as the grid's: convolutions and dense layers of
/// 1e5 to 6e8 FLOPs, other ops on 4 Ki to 4 Mi input elements.
fn in_range(w: &Workload) -> bool {
    let Ok(e) = w.eval() else { return false };
    if w.op == WorkloadOp::Conv2d {
        return (1e5..=6e8).contains(&(e.flops() as f64));
    }
    let elements = [w.batch, w.c_in, w.h, w.w]
        .iter()
        .fold(1u64, |a, &b| a.saturating_mul(b));
    (1 << 12..=1 << 22).contains(&elements)
}

/// A Latin hypercube of `n` points in `[0, 1)^D`: each axis cut into `n` strata, one point
/// per stratum, the strata matched at random across axes, so every axis is covered evenly
/// whatever `n` is (plain random draws leave gaps and clumps at a hundred points).
fn latin_hypercube<const D: usize>(n: usize, rng: &mut Rng) -> Vec<[f64; D]> {
    let mut points = vec![[0.0; D]; n];
    for d in 0..D {
        let mut strata: Vec<usize> = (0..n).collect();
        // Fisher–Yates with the seeded generator.
        for i in (1..n).rev() {
            strata.swap(i, rng.range(0, i as u64) as usize);
        }
        for (p, s) in points.iter_mut().zip(strata) {
            p[d] = (s as f64 + rng.unit()) / n as f64;
        }
    }
    points
}

/// `[lo, hi]` log-uniformly at `u ∈ [0, 1)`.
fn log_at(u: f64, lo: u64, hi: u64) -> u64 {
    ((lo as f64).ln() + u * ((hi as f64).ln() - (lo as f64).ln()))
        .exp()
        .round()
        .clamp(lo as f64, hi as f64) as u64
}

/// One training configuration at a point of the hypercube.
fn sample_at(u: [f64; 9]) -> Workload {
    let [
        u_op,
        u_h,
        u_w,
        u_cin,
        u_cout,
        u_k,
        u_groups,
        u_stride,
        u_batch,
    ] = u;
    let batch = if u_batch < 0.6 {
        1
    } else {
        log_at((u_batch - 0.6) / 0.4, 2, 8)
    };
    let h = log_at(u_h, 4, 112);
    let w = if u_w < 0.5 {
        h
    } else {
        log_at((u_w - 0.5) * 2.0, 4, 112)
    };
    if u_op < 0.25 {
        // Element-wise ops (a quarter of the sample), on their own sizes.
        let ops = [
            WorkloadOp::Relu,
            WorkloadOp::Gelu,
            WorkloadOp::Silu,
            WorkloadOp::Add,
            WorkloadOp::MaxPool,
            WorkloadOp::AvgPool,
            WorkloadOp::BatchNorm,
            WorkloadOp::LayerNorm,
            WorkloadOp::Softmax,
        ];
        let op = ops[((u_op / 0.25) * ops.len() as f64) as usize % ops.len()];
        let c = log_at(u_cin, 3, 256);
        let h = log_at(u_h, 8, 160);
        let w = if u_w < 0.5 {
            h
        } else {
            log_at((u_w - 0.5) * 2.0, 8, 160)
        };
        return match op {
            WorkloadOp::MaxPool | WorkloadOp::AvgPool => {
                let k = 2 + (u_k * 2.0) as u64; // 2 or 3
                let stride = 1 + (u_stride * 2.0) as u64; // 1 or 2
                Workload::pool(op, batch, c, h, w, k, stride)
            }
            _ => Workload::elementwise(op, batch, c, h, w),
        };
    }
    if u_op < 0.35 {
        // Dense layers: rows × features, as `--random` draws them.
        let d_in = log_at(u_cin, 64, 1536);
        let d_out = log_at(u_cout, 64, 1536);
        return Workload::new(log_at(u_h, 1, 64), 1, d_in, d_out, 1, 1);
    }
    let k = [1u64, 1, 2, 3, 3, 3, 5, 7][(u_k * 8.0) as usize % 8];
    let stride = if u_stride < 0.7 { 1 } else { 2 };
    let (mut c_in, mut c_out) = (log_at(u_cin, 3, 256), log_at(u_cout, 4, 256));
    let groups = if u_groups < 0.6 {
        1
    } else if u_groups < 0.8 {
        // Grouped: the channel counts rounded up to a multiple of the groups.
        let g = [2u64, 4, 8, 16, 32][((u_groups - 0.6) / 0.2 * 5.0) as usize % 5];
        c_in = c_in.div_ceil(g) * g;
        c_out = c_out.div_ceil(g) * g;
        g
    } else {
        // Depthwise.
        c_out = c_in;
        c_in
    };
    Workload {
        batch,
        stride,
        groups,
        ..Workload::new(h, w, c_in, c_out, k, k)
    }
}

/// `n` training configurations (CPU sizes), space-filling, with FLOPs in the grid's range,
/// none in the sweeps or in the validation sets of seeds 1 to [`VALIDATION_SEEDS`].
fn cpu_sample(n: usize, seed: u64) -> Vec<Config> {
    let mut taken: HashSet<Workload> = cpu_sweeps(false).into_iter().map(|(_, _, w)| w).collect();
    for s in 1..=VALIDATION_SEEDS {
        taken.extend(cpu_random(300, s).into_iter().map(|(_, _, w)| w));
    }
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for u in latin_hypercube::<9>(n, &mut rng) {
        // A point outside the FLOP range (or taken) is redrawn at random: the sample stays
        // close to space-filling, and its size is what was asked.
        let mut w = sample_at(u);
        while !in_range(&w) || taken.contains(&w) {
            w = sample_at(std::array::from_fn(|_| rng.unit()));
        }
        taken.insert(w);
        out.push(("sample".to_string(), "0".to_string(), w));
    }
    out
}

/// The training sample at the given size (see [`grid`]).
pub fn sample(n: usize, seed: u64, size: GridSize) -> Vec<Config> {
    size.scale(cpu_sample(n, seed))
}

pub fn run(args: Args) -> Result<()> {
    let rows = match args.random {
        Some(0) => return Err(err!("--random needs at least 1 configuration")),
        Some(_) if args.seed == Some(SAMPLE_SEED) => {
            return Err(err!(
                "--seed {SAMPLE_SEED} is the seed of the grid's training sample; a validation set needs another (e.g. --seed 1)"
            ));
        }
        Some(n) => random(n, args.seed.unwrap_or(1), args.grid),
        None => grid_with(
            args.quick,
            args.sample.unwrap_or(default_sample(args.quick)),
            args.grid,
        ),
    };
    util::write_atomic(&args.out, render_configs(&rows).as_bytes())?;
    outln!(
        "wrote {} ({} configurations)",
        args.out.display(),
        rows.len()
    );
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
            "grouped_conv",
            "depthwise_conv",
            "strided_conv",
            "sample",
        ] {
            assert!(exps.contains(e), "{e}");
        }
        for op in WorkloadOp::ALL {
            assert!(
                full.iter().any(|(e, _, w)| w.op == op && e != "sample"),
                "{op} has no sweep"
            );
        }
        // The user's layer: depthwise 3×3, stride 2, on [1, 96, 48, 48].
        let mobilenet = Workload {
            stride: 2,
            groups: 96,
            ..Workload::new(48, 48, 96, 96, 3, 3)
        };
        assert!(full.iter().any(|(_, _, w)| *w == mobilenet));
        assert!(quick.len() < full.len());
        let sweeps: Vec<&Config> = quick.iter().filter(|(e, _, _)| e != "sample").collect();
        assert!(sweeps.iter().all(|q| full.contains(q)));
        // The paper's sweeps share a few points (32→32 channels in both channel sweeps);
        // nothing added later repeats a point.
        let mut seen: HashSet<Workload> =
            paper_sweeps(false).into_iter().map(|(_, _, w)| w).collect();
        for (e, _, w) in &full[paper_sweeps(false).len()..] {
            assert!(seen.insert(*w), "{e}: {w:?} is in the grid twice");
        }
        for (_, _, w) in &full {
            assert!(w.eval().is_ok(), "{w:?}");
        }
    }

    #[test]
    fn random_configs_are_reproducible_and_outside_the_grid() {
        for size in [GridSize::Cpu, GridSize::Gpu] {
            let a = random(40, 7, size);
            assert_eq!(a, random(40, 7, size));
            let g: HashSet<ConvWorkload> =
                grid(false, size).into_iter().map(|(_, _, w)| w).collect();
            assert!(a.iter().all(|(_, _, w)| !g.contains(w)));
        }
    }

    /// The committed random sets were drawn by `--random`: it still draws them.
    #[test]
    fn committed_random_sets_are_still_drawn() {
        let profiles =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../alphaflops-core/profiles");
        for (file, n, seed, size) in [
            ("cpu-amd-epyc-2c-candle-random.csv", 60, 1, GridSize::Cpu),
            ("nvidia-h200-cudnn-f32-random.csv", 100, 6, GridSize::Gpu),
        ] {
            let text = std::fs::read_to_string(profiles.join(file)).unwrap();
            let committed: Vec<String> = text
                .lines()
                .map(|l| l.split(',').take(10).collect::<Vec<_>>().join(","))
                .collect();
            let drawn = render_configs(&random(n, seed, size));
            assert_eq!(drawn.lines().collect::<Vec<_>>(), committed, "{file}");
        }
    }

    #[test]
    fn latin_hypercube_fills_every_stratum() {
        let mut rng = Rng(3);
        let n = 37;
        let points = latin_hypercube::<4>(n, &mut rng);
        for d in 0..4 {
            let mut strata: Vec<usize> =
                points.iter().map(|p| (p[d] * n as f64) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "axis {d}");
        }
    }

    #[test]
    fn sample_is_varied_reproducible_and_apart_from_validation() {
        let s = sample(128, SAMPLE_SEED, GridSize::Cpu);
        assert_eq!(s.len(), 128);
        assert_eq!(s, sample(128, SAMPLE_SEED, GridSize::Cpu));
        assert_ne!(s, sample(128, SAMPLE_SEED + 1, GridSize::Cpu));
        let w: Vec<Workload> = s.iter().map(|(_, _, w)| *w).collect();
        assert_eq!(w.iter().collect::<HashSet<_>>().len(), w.len());
        assert!(w.iter().all(in_range));
        let count = |f: &dyn Fn(&Workload) -> bool| w.iter().filter(|w| f(w)).count();
        assert!(count(&|w| w.op != WorkloadOp::Conv2d) >= 16);
        assert!(count(&|w| w.is_dense()) >= 6);
        assert!(count(&|w| w.groups > 1 && w.groups < w.c_in) >= 6);
        assert!(count(&|w| w.groups > 1 && w.groups == w.c_in) >= 6);
        assert!(count(&|w| w.stride == 2) >= 10);
        assert!(count(&|w| w.batch > 1) >= 10);
        // Channel counts between the powers of two the sweeps use.
        assert!(count(&|w| !w.c_in.is_power_of_two()) >= 64);
        let validation: HashSet<Workload> = (1..=VALIDATION_SEEDS)
            .flat_map(|seed| cpu_random(300, seed))
            .map(|(_, _, w)| w)
            .collect();
        assert!(w.iter().all(|w| !validation.contains(w)));
        let sweeps: HashSet<Workload> = cpu_sweeps(false).into_iter().map(|(_, _, w)| w).collect();
        assert!(w.iter().all(|w| !sweeps.contains(w)));
    }

    #[test]
    fn gpu_grid_scales_the_cpu_grid() {
        let flops = |w: &ConvWorkload| w.eval().unwrap().flops() as f64;
        let elements = |w: &Workload| (w.batch * w.c_in * w.h * w.w) as f64;
        for ((e, _, c), (_, _, g)) in grid(false, GridSize::Cpu)
            .iter()
            .zip(&grid(false, GridSize::Gpu))
        {
            if c.op != WorkloadOp::Conv2d {
                assert_eq!(elements(g) / elements(c), 32.0, "{c:?} -> {g:?}");
                continue;
            }
            assert_eq!(
                c.groups == c.c_in && c.groups > 1,
                g.groups == g.c_in && g.groups > 1,
                "{c:?} -> {g:?}"
            );
            if e == "sample" || c.stride > 1 || c.groups > 1 {
                continue;
            }
            let ratio = flops(g) / flops(c);
            let want = if c.is_dense() { 64.0 } else { 256.0 };
            // Bias and "same" padding make it inexact by a hair for convolutions.
            assert!((ratio / want - 1.0).abs() < 0.02, "{c:?} -> {g:?}: {ratio}");
        }
    }
}
