//! Timing backends for `measure` and `bench`: each times one forward of a workload's op
//! (conv2d, dense, or an element-wise, pooling, normalisation or softmax op).

pub mod cpu;
pub mod cuda;
mod nvml;

use std::collections::BTreeMap;
use std::time::Instant;

use alphaflops_core::{ConvWorkload, Device, WorkloadOp};

use crate::metrics::{median, quantile};
use crate::{Result, err};

/// How long to time one configuration.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Untimed runs first (caches, allocator, lazy initialisation).
    pub warmup: usize,
    pub min_reps: usize,
    pub max_reps: usize,
    /// Keep repeating (up to `max_reps`) until this many seconds of timed runs.
    pub target_s: f64,
    /// Passes over the whole table; each configuration's runs are pooled over the passes,
    /// so a burst of load from other processes spoils one pass, not a whole configuration.
    pub rounds: usize,
}

impl Budget {
    /// Whether to time another run after `runs` runs that took `timed_s` seconds.
    pub fn wants_more(&self, runs: usize, timed_s: f64) -> bool {
        runs < self.min_reps || (runs < self.max_reps && timed_s < self.target_s)
    }

    pub fn full() -> Budget {
        Budget {
            warmup: 2,
            min_reps: 5,
            max_reps: 200,
            target_s: 0.6,
            rounds: 4,
        }
    }
    pub fn quick() -> Budget {
        Budget {
            warmup: 1,
            min_reps: 5,
            max_reps: 100,
            target_s: 0.2,
            rounds: 2,
        }
    }
}

/// One configuration's timing.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub median_ms: f64,
    pub p10_ms: f64,
    pub p90_ms: f64,
    pub reps: usize,
}

impl Sample {
    pub const COLUMNS: [&str; 4] = ["time_ms", "p10_ms", "p90_ms", "reps"];

    pub fn fields(&self) -> Vec<String> {
        vec![
            ms(self.median_ms),
            ms(self.p10_ms),
            ms(self.p90_ms),
            self.reps.to_string(),
        ]
    }

    pub fn of(times_ms: &[f64]) -> Sample {
        Sample {
            median_ms: median(times_ms),
            p10_ms: quantile(times_ms, 0.1),
            p90_ms: quantile(times_ms, 0.9),
            reps: times_ms.len(),
        }
    }
}

/// Milliseconds with six decimals, or six significant digits below a microsecond.
fn ms(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.5e}")
    } else {
        format!("{v:.6}")
    }
}

/// Runs `f` per the budget with wall-clock timing; `f` must finish its work before returning.
/// Returns every timed run in milliseconds.
pub fn time_with(budget: &Budget, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    for _ in 0..budget.warmup {
        f()?;
    }
    let start = Instant::now();
    let mut times = Vec::new();
    while budget.wants_more(times.len(), start.elapsed().as_secs_f64()) {
        let t0 = Instant::now();
        f()?;
        times.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    Ok(times)
}

/// A device that can time the ops of measured rows.
pub trait Backend {
    /// Every timed run of one pass, in milliseconds.
    fn time(&mut self, w: &ConvWorkload, budget: &Budget) -> Result<Vec<f64>>;
    /// Why this backend cannot time `op`, if it cannot (`bench` leaves such rows out of its
    /// grid; `measure` stops at the first one).
    fn unsupported(&self, _op: WorkloadOp) -> Option<&'static str> {
        None
    }
    /// Whether the backend chooses an algorithm per row that the CSV should record.
    fn records_algorithm(&self) -> bool {
        false
    }
    /// The algorithm of the row timed last (`-` for a row without a choice).
    fn algorithm(&self) -> String {
        "-".into()
    }
    /// The device as a profile describes it.
    fn device(&self) -> Device;
    /// Facts for `[provenance.environment]`.
    fn environment(&self) -> BTreeMap<String, String>;
    /// How long to time each configuration: wall-clock timing on a shared CPU needs the
    /// full budget, CUDA events on a GPU far less.
    fn budget(&self, quick: bool) -> Budget {
        if quick {
            Budget::quick()
        } else {
            Budget::full()
        }
    }
}

/// The in-process backends (`cmd:` is handled by `measure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Cpu,
    Cuda,
}

/// The arithmetic the kernels may use (`--precision`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Precision {
    /// IEEE single precision throughout (cuDNN restricted to FMA kernels, cuBLAS default math).
    #[default]
    F32,
    /// f32 tensors, tensor-core TF32 multiplies allowed (cuda only; cuDNN's and PyTorch's default for convolutions).
    Tf32,
}

impl Precision {
    pub fn label(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Tf32 => "tf32",
        }
    }
}

/// What one timed run covers (`--timing`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Timing {
    /// Each launch alone, the device idle before it: the host's launch cost is included, as in
    /// eager batch-1 inference.
    #[default]
    Launch,
    /// The launches captured in a CUDA graph and replayed back to back: the kernel's own time,
    /// as under CUDA graphs, TensorRT or a pipelined stream (cuda only).
    Graph,
}

/// How a backend runs the kernels it times, shared by `measure` and `bench`.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Options {
    /// f32, or tf32 (tensor cores; cuda only)
    #[arg(long, value_enum, default_value_t)]
    pub precision: Precision,
    /// launch (host launch cost included) or graph (CUDA-graph replay: kernel time; cuda only)
    #[arg(long, value_enum, default_value_t)]
    pub timing: Timing,
}

pub fn open(kind: Kind, opts: Options) -> Result<Box<dyn Backend>> {
    match kind {
        Kind::Cpu if opts.precision == Precision::Tf32 => Err(err!(
            "--precision tf32 needs tensor cores: use it with --backend cuda, or drop it for cpu"
        )),
        Kind::Cpu if opts.timing == Timing::Graph => Err(err!(
            "--timing graph replays CUDA graphs: use it with --backend cuda, or drop it for cpu"
        )),
        Kind::Cpu => Ok(Box::new(cpu::Cpu::new())),
        Kind::Cuda => Ok(Box::new(cuda::Cuda::open(opts)?)),
    }
}

/// Sizes as `usize` for a framework call.
pub fn dims(w: &ConvWorkload) -> Result<[usize; 8]> {
    let c =
        |v: u64| usize::try_from(v).map_err(|_| err!("size {v} does not fit this machine's usize"));
    Ok([
        c(w.batch)?,
        c(w.c_in)?,
        c(w.h)?,
        c(w.w)?,
        c(w.c_out)?,
        c(w.k1)?,
        c(w.k2)?,
        c(w.stride)?,
    ])
}

/// Padding `(top, bottom, left, right)` that makes the framework's output match core's
/// workload: "same" at stride 1 (TensorFlow's split: the extra row/column of an even kernel
/// goes after), `k/2` on each side otherwise.
pub fn padding(w: &ConvWorkload) -> (usize, usize, usize, usize) {
    let split = |k: u64| -> (usize, usize) {
        if w.stride == 1 {
            let total = (k - 1) as usize;
            (total / 2, total - total / 2)
        } else {
            ((k / 2) as usize, (k / 2) as usize)
        }
    };
    let (t, b) = split(w.k1);
    let (l, r) = split(w.k2);
    (t, b, l, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_times_at_least_min_and_at_most_max_runs() {
        let b = Budget {
            warmup: 0,
            min_reps: 3,
            max_reps: 5,
            target_s: 1.0,
            rounds: 1,
        };
        // Below the minimum, time runs however long they took.
        assert!(b.wants_more(2, 10.0));
        // Between the two, until the target time.
        assert!(b.wants_more(3, 0.5) && !b.wants_more(3, 1.0));
        // Never beyond the maximum.
        assert!(!b.wants_more(5, 0.0));
    }

    #[test]
    fn same_padding_matches_core_output() {
        for k in 1..=8u64 {
            let w = ConvWorkload::new(10, 7, 2, 2, k, k);
            let (t, b, l, r) = padding(&w);
            assert_eq!(10 + t + b - k as usize + 1, 10);
            assert_eq!(7 + l + r - k as usize + 1, 7);
            let out = w.eval().unwrap().output;
            assert_eq!(out.0, vec![1, 2, 10, 7]);
        }
    }

    #[test]
    fn tiny_times_keep_their_digits() {
        assert_eq!(ms(0.25), "0.250000");
        assert_eq!(ms(0.0000123456), "1.23456e-5");
    }

    #[test]
    fn sample_quantiles() {
        let s = Sample::of(&[5.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.median_ms, 3.0);
        assert_eq!(s.reps, 5);
        assert!((s.p10_ms - 1.4).abs() < 1e-12);
    }
}
