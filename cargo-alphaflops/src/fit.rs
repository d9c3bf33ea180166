//! `cargo xtask fit`: nonlinear least squares for a device profile.
//!
//! Parameters: β and γ of each kernel class (by default the paper's split, K = 1 and K ≥ 2;
//! `--classes` sets others; `--matmul-class` adds one for dense rows alone, with its own
//! latency or floor), the scale `ms_per_flop`, and in the extended form a per-launch
//! latency `latency_ms` and a memory term `ms_per_byte` (combined by `sum` or `max`).
//! Predictions always come from core's pricing (`price_kernels`), never a copy of the formula.
//!
//! Residuals are `ln(pred) − ln(t)`: relative error, so a 0.05 ms layer weighs as much as a
//! 50 ms one. Constraints are handled by reparametrisation: β = logistic(u) ∈ (0, 1),
//! γ = exp(v), and every timing constant = exp(·) > 0; a very weak prior on u and ln γ keeps
//! parameters the data cannot see finite. The solver is the `levenberg-marquardt` crate
//! (MINPACK's algorithm on nalgebra); its Jacobian is taken by forward differences because
//! the model is evaluated through core. Several starting points are tried and the lowest loss
//! wins, since β/γ surfaces have local minima. `--loss l1` minimises Σ|ln pred − ln t| instead,
//! by iteratively reweighted least squares on the same solver.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alphaflops_core::profile::{Memory, Provenance};
use alphaflops_core::residual::{Residual, ResidualRow};
use alphaflops_core::{
    AlphaClass, Combine, Device, DeviceKind, Elementwise, FittedRange, KernelOp, Profile, RangeOp,
    Timing, price_kernels,
};
use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::{DMatrix, DVector};

use crate::data::{Row, Table};
use crate::metrics::Metrics;
use crate::{Result, err, util};

/// Which timing model to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Form {
    /// The paper's: t = ms_per_flop · α · FLOPs
    Paper,
    /// Plus a latency floor and a memory term: t = latency + (compute ⊕ memory)
    Extended,
    /// Kernel-aware: each kernel as the GEMM it runs, α_K(S) along M and saturation along
    /// N and K, tiles and waves (`--units`, `--tiles`), roofline memory, launch latency
    Kernel,
    /// Fit every candidate form, score each by cross-validation on the data, keep the best
    Auto,
}

/// Tile sizes (m×n) `fit` may pick from, with `--units`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiles(pub Vec<(u64, u64)>);

/// Parses `--tiles 64x64,128x64`.
pub fn parse_tiles(s: &str) -> std::result::Result<Tiles, String> {
    s.split(',')
        .map(|t| {
            let (m, n) = t
                .trim()
                .split_once('x')
                .ok_or_else(|| format!("`{t}` is not a tile; write M×N as e.g. 64x64"))?;
            let num = |v: &str| {
                v.parse::<u64>()
                    .ok()
                    .filter(|v| *v >= 1)
                    .ok_or_else(|| format!("`{t}`: tile sizes are whole numbers ≥ 1, e.g. 128x64"))
            };
            Ok((num(m)?, num(n)?))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(Tiles)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CombineArg {
    Sum,
    Max,
}

/// Which elements the memory term counts (core's `memory` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MemoryArg {
    /// Inputs, outputs and weights of each kernel
    Tensors,
    /// Convolutions as im2col + GEMM: a convolution's unfolded input (the GEMM's input
    /// matrix); other kernels count their tensors
    Im2col,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Cpu,
    Gpu,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Measured times: one or more CSV files (h,w,c_in,c_out,k1,k2,time_ms)
    #[arg(long, num_args = 1.., required = true)]
    pub data: Vec<PathBuf>,
    /// Where to write the profile (TOML)
    #[arg(long)]
    pub out: PathBuf,
    /// Profile name (default: the output file's stem)
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Device name written into the profile (default: --environment-from's, else "unknown device")
    #[arg(long)]
    pub device: Option<String>,
    /// Device kind written into the profile (default: --environment-from's, else gpu)
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The software whose kernels were measured, written into the profile (default:
    /// --environment-from's backend, else "unknown")
    #[arg(long = "framework")]
    pub framework: Option<String>,
    /// Element type of the measurements, setting bytes per element for the memory term
    /// (default: --environment-from's, else f32)
    #[arg(long)]
    pub dtype: Option<String>,
    /// Average power while the kernels ran, in watts (gives energy per α-FLOP)
    #[arg(long, value_name = "W")]
    pub power_w: Option<f64>,
    /// Copy [provenance.environment] (CPU, threads, timing method…) and the measured power_w
    /// from this profile, e.g. the one `bench` wrote for the same CSV, so a refit keeps what
    /// was measured where
    #[arg(long)]
    pub environment_from: Option<PathBuf>,
}

/// The model form to fit, shared by fit, crossval and bench.
#[derive(clap::Args, Debug, Clone)]
pub struct SpecArgs {
    /// Model form: `auto` (fit the candidates, keep the best by cross-validation), `paper`
    /// (scale, β, γ), `extended` (+ latency floor and memory term) or `kernel` (GEMM-aware)
    #[arg(long, value_enum, default_value = "auto")]
    pub model: Form,
    /// How the extended form combines compute and memory time (default: fit both, keep the better)
    #[arg(long, value_enum)]
    pub combine: Option<CombineArg>,
    /// Kernel classes by the kernel area where each starts (the paper's: 1,2 = K = 1 and K ≥ 2)
    #[arg(long, value_parser = parse_classes, default_value = "1,2")]
    pub classes: Classes,
    /// Give matmuls (dense rows: h = batch, w = 1, k = 1) a class of their own; --classes then
    /// prices the convolutions only
    #[arg(long)]
    pub matmul_class: bool,
    /// Loss on log errors: l2 (least squares) or l1 (least absolute, by IRLS; closer to MAPE)
    #[arg(long, value_enum, default_value = "l2")]
    pub loss: Loss,
    /// Fit a true floor, t = max(floor_ms, …), instead of the added latency of the extended
    /// form (with --model paper: t = max(floor_ms, ms_per_flop·α·FLOPs))
    #[arg(long)]
    pub floor: bool,
    /// What the extended form's memory term counts: tensors (inputs + outputs + weights) or
    /// im2col (a convolution's unfolded input alone)
    #[arg(long, value_enum, default_value = "tensors")]
    pub memory: MemoryArg,
    /// Parallel units (SMs of a GPU, threads of a CPU) for the kernel model's waves; with it,
    /// `fit` also tries each of --tiles
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub units: Option<u64>,
    /// Candidate output tiles (M×N) for the kernel model, used with --units
    #[arg(long, value_parser = parse_tiles, default_value = "64x64,128x128")]
    pub tiles: Tiles,
    /// Folds of `--model auto`'s cross-validation when the data have fewer than 3
    /// experiments (else it leaves one experiment out at a time)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..))]
    pub folds: u64,
    /// Cross-validate `--model auto` over N folds of whole experiments instead of leaving one
    /// experiment out at a time: N + 1 fits per candidate instead of one per experiment
    /// (`bench --quick` uses 3; with N at least the number of experiments it leaves one out)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..))]
    pub auto_folds: Option<u64>,
    /// After fitting the form, write each training row's measured / predicted into the
    /// profile's `[residual]`, which corrects a GEMM kernel by its K nearest rows (in log GEMM
    /// dimensions) of its op; `auto`: the K of 1, 3, 5, or no residual, that predicts the
    /// training rows best each left out of the table
    #[arg(long, value_name = "K|auto", value_parser = parse_residual)]
    pub residual: Option<ResidualArg>,
}

/// `--residual`: a number of neighbours, or chosen by leave-one-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResidualArg {
    Auto,
    Neighbours(u64),
}

/// The neighbour counts `--residual auto` chooses among (besides no residual).
pub const RESIDUAL_CANDIDATES: [u64; 3] = [1, 3, 5];

pub fn parse_residual(s: &str) -> std::result::Result<ResidualArg, String> {
    if s == "auto" {
        return Ok(ResidualArg::Auto);
    }
    s.parse::<u64>()
        .ok()
        .filter(|k| *k >= 1)
        .map(ResidualArg::Neighbours)
        .ok_or_else(|| format!("`{s}` is neither `auto` nor a number of neighbours ≥ 1, e.g. 3"))
}

impl SpecArgs {
    /// Core's memory mode for `--memory`; `None` for the paper form, which has no memory term.
    pub fn memory_mode(&self) -> Option<Memory> {
        match (self.model, self.memory) {
            (Form::Paper, _) => None,
            (_, MemoryArg::Tensors) => Some(Memory::Tensors),
            (_, MemoryArg::Im2col) => Some(Memory::Im2col),
        }
    }

    /// The model form in words, as written into provenance and tables.
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.model).to_lowercase();
        if self.floor {
            s.push_str(" + floor");
        }
        if self.model == Form::Kernel && self.units.is_some() {
            s.push_str(&format!(", {} units", self.units.unwrap_or(1)));
        }
        if self.model != Form::Paper && self.memory == MemoryArg::Im2col {
            s.push_str(", im2col memory");
        }
        if self.matmul_class {
            s.push_str(", matmul class");
        }
        if self.loss == Loss::L1 {
            s.push_str(", l1");
        }
        match self.residual {
            Some(ResidualArg::Neighbours(k)) => s.push_str(&format!(", residual of {k} nearest")),
            Some(ResidualArg::Auto) => s.push_str(", residual auto"),
            None => {}
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Loss {
    L2,
    L1,
}

/// A fitted profile and how well it fits its own rows.
#[derive(Clone, Debug)]
pub struct Fitted {
    pub profile: Profile,
    pub sum_sq: f64,
    pub metrics: Metrics,
    pub starts: usize,
    /// What `--model auto` chose (`None` for an explicit form).
    pub choice: Option<Choice>,
}

/// A profile skeleton with kernel classes starting at `starts` (ascending, first 1; the
/// paper's split is `[1, 2]`: K = 1 and K ≥ 2), and with `matmul` one more class for
/// matmuls alone, for fitting into.
pub fn template(name: &str, device: Device, starts: &[u64], matmul: bool) -> Profile {
    let class = |op, min_kernel_area, max_kernel_area| AlphaClass {
        op,
        min_kernel_area,
        max_kernel_area,
        beta: 0.02,
        gamma: 1.0,
        latency_ms: None,
        floor_ms: None,
    };
    let mut alpha_classes: Vec<AlphaClass> = starts
        .iter()
        .enumerate()
        .map(|(i, &min)| class(None, min, starts.get(i + 1).map(|next| next - 1)))
        .collect();
    if matmul {
        alpha_classes.push(class(Some(KernelOp::Matmul), 1, None));
    }
    Profile {
        format: alphaflops_core::profile::FIRST_FORMAT,
        name: name.to_string(),
        fusion: Default::default(),
        device,
        timing: Timing {
            ms_per_flop: 1e-8,
            latency_ms: 0.0,
            ms_per_byte: 0.0,
            combine: Combine::Sum,
            floor_ms: 0.0,
            memory: Memory::Tensors,
        },
        alpha_classes,
        gemm_classes: Vec::new(),
        elementwise_classes: Vec::new(),
        fitted_ranges: Vec::new(),
        residual: None,
        provenance: None,
    }
}

/// Whether a profile gives matmuls classes of their own.
pub fn has_matmul_class(p: &Profile) -> bool {
    p.alpha_classes
        .iter()
        .any(|c| c.op == Some(KernelOp::Matmul))
}

/// Where kernel classes start, by kernel area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classes(pub Vec<u64>);

/// Parses `--classes 1,2,10` into class starts.
pub fn parse_classes(s: &str) -> std::result::Result<Classes, String> {
    let v: Vec<u64> = s
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{x}` is not a kernel area; write e.g. 1,2,10"))
        })
        .collect::<std::result::Result<_, _>>()?;
    if v.first() != Some(&1) || v.windows(2).any(|w| w[1] <= w[0]) {
        return Err(format!(
            "class starts must begin at 1 and increase, e.g. 1,2 or 1,2,10; got {s}"
        ));
    }
    Ok(Classes(v))
}

const PRIOR: f64 = 1e-3;

fn logistic(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// The least-squares problem: parameters in unconstrained space, residuals in log time.
struct Problem<'a> {
    rows: &'a [Row],
    ln_t: Vec<f64>,
    base: Profile,
    form: Form,
    floor: bool,
    theta: DVector<f64>,
    /// Square roots of per-row weights (all 1 for least squares; IRLS sets them for L1).
    sqrt_w: Vec<f64>,
}

/// Where each timing constant sits in the parameter vector, after the 2 per class.
#[derive(Clone, Copy, Debug)]
struct Layout {
    scale: usize,
    latency: Option<usize>,
    floor: Option<usize>,
    per_byte: Option<usize>,
    /// The matmul class's own latency (or, with a floor, its own floor): (parameter, class).
    own: Option<(usize, usize)>,
    len: usize,
}

impl Layout {
    /// Paper: scale (+ floor). Extended: scale, latency or (with `floor`) floor, memory. A
    /// matmul class (`matmul`: its index) gets its own latency or floor, if the form has one.
    fn new(form: Form, floor: bool, classes: usize, matmul: Option<usize>) -> Layout {
        let mut next = 2 * classes;
        let mut take = || {
            next += 1;
            next - 1
        };
        let scale = take();
        let latency = (form == Form::Extended && !floor).then(&mut take);
        let floor = floor.then(&mut take);
        let per_byte = (form == Form::Extended).then(&mut take);
        let own = matmul
            .filter(|_| latency.or(floor).is_some())
            .map(|c| (take(), c));
        Layout {
            scale,
            latency,
            floor,
            per_byte,
            own,
            len: next,
        }
    }

    fn of(form: Form, floor: bool, base: &Profile) -> Layout {
        let matmul = base
            .alpha_classes
            .iter()
            .position(|c| c.op == Some(KernelOp::Matmul));
        Layout::new(form, floor, base.alpha_classes.len(), matmul)
    }
}

impl Problem<'_> {
    fn layout(&self) -> Layout {
        Layout::of(self.form, self.floor, &self.base)
    }

    /// The profile for a parameter vector.
    fn profile(&self, theta: &DVector<f64>) -> Profile {
        let mut p = self.base.clone();
        for (c, class) in p.alpha_classes.iter_mut().enumerate() {
            // Keep β inside (0, 1] as core requires, even when the logistic saturates.
            class.beta = logistic(theta[2 * c]).clamp(1e-12, 1.0);
            class.gamma = theta[2 * c + 1].exp();
        }
        let l = self.layout();
        p.timing.ms_per_flop = theta[l.scale].exp();
        if let Some(i) = l.latency {
            p.timing.latency_ms = theta[i].exp();
        }
        if let Some(i) = l.floor {
            p.timing.floor_ms = theta[i].exp();
        }
        if let Some(i) = l.per_byte {
            p.timing.ms_per_byte = theta[i].exp();
        }
        if let Some((i, c)) = l.own {
            let class = &mut p.alpha_classes[c];
            if self.floor {
                class.floor_ms = Some(theta[i].exp());
            } else {
                class.latency_ms = Some(theta[i].exp());
            }
        }
        p
    }

    fn residuals_at(&self, theta: &DVector<f64>) -> Option<DVector<f64>> {
        let p = self.profile(theta);
        let classes = 2 * p.alpha_classes.len();
        let mut r = DVector::zeros(self.rows.len() + classes);
        for (i, row) in self.rows.iter().enumerate() {
            let ms = price_kernels(&p, &row.kernels).ok()?.predicted_ms;
            let v = ms.ln() - self.ln_t[i];
            if !v.is_finite() {
                return None;
            }
            r[i] = v * self.sqrt_w[i];
        }
        // A very weak prior (logit β → 0, ln γ → 0) keeps parameters the data cannot
        // determine (γ when β → 1) finite; it is far below the data's residuals.
        for k in 0..classes {
            r[self.rows.len() + k] = PRIOR * theta[k];
        }
        Some(r)
    }
}

/// The Jacobian of `residuals_at` at `theta` by forward differences, one step per parameter
/// scaled to its size: the residuals run a whole pricing, which has no closed derivative.
pub(crate) fn forward_jacobian(
    theta: &DVector<f64>,
    residuals_at: impl Fn(&DVector<f64>) -> Option<DVector<f64>>,
) -> Option<DMatrix<f64>> {
    let r0 = residuals_at(theta)?;
    let mut j = DMatrix::zeros(r0.len(), theta.len());
    for k in 0..theta.len() {
        let h = 1e-6 * theta[k].abs().max(1.0);
        let mut t = theta.clone();
        t[k] += h;
        let r = residuals_at(&t)?;
        j.set_column(k, &((r - &r0) / h));
    }
    Some(j)
}

/// The `LeastSquaresProblem` every fit here is: parameters in a `theta` vector, residuals
/// from its `residuals_at(&theta)` scaled by its `sqrt_w` weights, the Jacobian by
/// [`forward_jacobian`]; and `least_absolute`, the least absolute log error by iteratively
/// reweighted least squares. A macro, as the trait's associated storage types make a blanket
/// impl over a helper trait no shorter.
macro_rules! least_squares_problem {
    ($problem:ty) => {
        impl $problem {
            /// `rounds` of iteratively reweighted least squares from the current fit: weights
            /// 1/|r| turn Σ r² into Σ |r|, which tracks MAPE and shrugs off outliers. The
            /// weights are 1 again on return.
            fn least_absolute(mut self, rounds: usize) -> Self {
                let n = self.sqrt_w.len();
                for _ in 0..rounds {
                    self.sqrt_w = vec![1.0; n];
                    let Some(r) = levenberg_marquardt::LeastSquaresProblem::residuals(&self) else {
                        break;
                    };
                    self.sqrt_w = (0..n).map(|i| 1.0 / r[i].abs().max(1e-3).sqrt()).collect();
                    self = levenberg_marquardt::LevenbergMarquardt::new()
                        .with_patience(100)
                        .minimize(self)
                        .0;
                }
                self.sqrt_w = vec![1.0; n];
                self
            }
        }

        impl levenberg_marquardt::LeastSquaresProblem<f64, nalgebra::Dyn, nalgebra::Dyn>
            for $problem
        {
            type ResidualStorage = nalgebra::Owned<f64, nalgebra::Dyn>;
            type JacobianStorage = nalgebra::Owned<f64, nalgebra::Dyn, nalgebra::Dyn>;
            type ParameterStorage = nalgebra::Owned<f64, nalgebra::Dyn>;

            fn set_params(&mut self, x: &nalgebra::DVector<f64>) {
                self.theta.copy_from(x);
            }

            fn params(&self) -> nalgebra::DVector<f64> {
                self.theta.clone()
            }

            fn residuals(&self) -> Option<nalgebra::DVector<f64>> {
                self.residuals_at(&self.theta)
            }

            fn jacobian(&self) -> Option<nalgebra::DMatrix<f64>> {
                $crate::fit::forward_jacobian(&self.theta, |t| self.residuals_at(t))
            }
        }
    };
}
pub(crate) use least_squares_problem;

least_squares_problem!(Problem<'_>);

/// The kernels of `rows` that `class` of `base` prices: how many, how many distinct S, and
/// how many distinct (S, kernel area) points (α depends on both: S_K = 1 + ln K).
fn class_support(rows: &[Row], base: &Profile, class: &AlphaClass) -> (usize, usize, usize) {
    let mut points: Vec<(u64, u64)> = rows
        .iter()
        .flat_map(|r| r.kernels.iter().filter_map(|k| k.alpha))
        .filter(|a| {
            base.class(a.op, a.kernel_area)
                .is_some_and(|c| std::ptr::eq(c, class))
        })
        .map(|a| (a.s, a.kernel_area))
        .collect();
    let n = points.len();
    points.sort_unstable();
    points.dedup();
    let mut sizes: Vec<u64> = points.iter().map(|p| p.0).collect();
    sizes.dedup();
    (n, sizes.len(), points.len())
}

/// β and γ need at least 3 kernels at 2 or more spatial sizes (see also `check_rows`).
fn fittable(n: usize, distinct: usize) -> bool {
    n >= 3 && distinct >= 2
}

/// Whether `rows` can fit the matmul class of `base` (false when it has none).
pub fn matmul_class_fittable(rows: &[Row], base: &Profile) -> bool {
    has_matmul_class(base)
        && base
            .alpha_classes
            .iter()
            .filter(|c| c.op == Some(KernelOp::Matmul))
            .all(|c| {
                let (n, distinct, _) = class_support(rows, base, c);
                fittable(n, distinct)
            })
}

/// Fitted values at the edge of what the optimiser allows or of any device: the data, not
/// the device, chose them (times that do not follow size, or too narrow a range of sizes).
/// A huge γ with β near 1 is not one of them: α then tends to exp(−γ(1−β)(1 − S_K/S)), a
/// limit the data can pin down (nvidia-h100-cudnn-f32 has γ ≈ 2e11).
pub fn doubtful(p: &Profile) -> Vec<String> {
    let advice = "the data barely constrain it; measure a wider range of sizes";
    let mut out = Vec::new();
    for c in &p.alpha_classes {
        if c.beta <= 1e-11 {
            out.push(format!(
                "class {}: beta = {:e}, at the fit's lower bound: {advice}",
                c.label(),
                c.beta
            ));
        }
    }
    if p.timing.ms_per_flop < 1e-20 {
        out.push(format!(
            "ms_per_flop = {:e} (over 1e20 FLOP per ms): {advice}",
            p.timing.ms_per_flop
        ));
    }
    out
}

/// Refuses data that cannot determine the parameters, saying what to add.
pub fn check_rows(rows: &[Row], form: Form, floor: bool, base: &Profile) -> Result<()> {
    let n_params = Layout::of(form, floor, base).len;
    let need = n_params + 3;
    // A configuration measured twice is one equation, not two.
    let distinct = rows
        .iter()
        .map(|r| r.workload)
        .collect::<std::collections::HashSet<_>>()
        .len();
    if distinct < need {
        return Err(err!(
            "too few rows to fit the {form:?} model: {distinct} distinct configurations ({} rows) for {n_params} parameters, need at least {need}; measure more configurations",
            rows.len(),
        ));
    }
    for class in &base.alpha_classes {
        let label = match (class.op, class.max_kernel_area) {
            (None, Some(1)) if class.min_kernel_area == 1 && !has_matmul_class(base) => {
                "kernel area 1 (k1 = k2 = 1: pointwise convs, dense layers)".to_string()
            }
            (Some(KernelOp::Matmul), _) => {
                "matmul (dense rows: h = batch, w = 1, k = 1)".to_string()
            }
            _ => class.label(),
        };
        let (n, distinct, _) = class_support(rows, base, class);
        if !fittable(n, distinct) {
            return Err(err!(
                "cannot fit β, γ of the class {label}: {n} rows with {distinct} distinct spatial sizes S; add at least 3 such rows with 2 or more different h·w·batch (or change --classes, --matmul-class)"
            ));
        }
    }
    // Rows at one (S, kernel area) tell a class's α at that point alone, so two points per
    // class fit its β and γ only once the shared scale is known: over all classes, one point
    // more is needed.
    let classes = base.alpha_classes.len();
    let points: usize = base
        .alpha_classes
        .iter()
        .map(|c| class_support(rows, base, c).2)
        .sum();
    if points <= 2 * classes {
        return Err(err!(
            "too few spatial sizes to fit β and γ of {classes} classes and their shared scale: {points} distinct (S, kernel area) points, need at least {}; add rows at another h·w·batch or kernel size",
            2 * classes + 1
        ));
    }
    let first = rows[0].t();
    if rows.iter().all(|r| (r.t() - first).abs() <= 1e-12 * first) {
        return Err(err!(
            "every row has the same time_ms ({first}); the data cannot tell the parameters apart"
        ));
    }
    Ok(())
}

/// Fits a model form to rows; `base` gives device, name and class boundaries. `--model auto`
/// fits each candidate form and keeps the one that cross-validates best ([`choose`]).
///
/// Rows of element-wise kernels alone get `[[elementwise_class]]`es of their own
/// (`ewfit`), fitted apart from the form, which sees the other rows only.
///
/// With `--residual K`, the fitted profile's ratios on these rows become its `[residual]`
/// ([`residual_table`]); a caller that holds rows out passes only its training rows, so the
/// table never sees them.
pub fn fit(rows: &[Row], spec: &SpecArgs, base: &Profile) -> Result<Fitted> {
    let (ew, rest): (Vec<Row>, Vec<Row>) =
        rows.iter().cloned().partition(crate::ewfit::is_elementwise);
    let mut fitted = match spec.model {
        Form::Paper | Form::Extended => fit_alpha(&rest, spec, base),
        Form::Kernel => crate::kernelfit::fit(&rest, spec, base),
        Form::Auto => choose(&rest, spec, base),
    }?;
    if ew.is_empty() && spec.residual.is_none() {
        return Ok(fitted);
    }
    if !ew.is_empty() {
        let loss = fitted.choice.as_ref().map_or(spec.loss, |c| c.spec.loss);
        fitted.sum_sq += crate::ewfit::fit(&ew, &mut fitted.profile, loss)?;
    }
    if let Some(arg) = spec.residual {
        let k = match arg {
            ResidualArg::Neighbours(k) => Some(k),
            ResidualArg::Auto => choose_neighbours(&fitted.profile, &rest).0,
        };
        fitted.profile.residual = k.and_then(|k| residual_table(&fitted.profile, &rest, k));
        if fitted.profile.uses_format_2() {
            fitted.profile.format = alphaflops_core::profile::FORMAT;
        }
    }
    let pred: Vec<f64> = rows
        .iter()
        .map(|r| {
            price_kernels(&fitted.profile, &r.kernels)
                .map(|p| p.predicted_ms)
                .unwrap_or(f64::NAN)
        })
        .collect();
    let t: Vec<f64> = rows.iter().map(Row::t).collect();
    fitted.metrics = Metrics::of(&pred, &t);
    Ok(fitted)
}

/// The `[residual]` of `profile` on `rows` with `neighbours` per prediction
/// ([`residual_rows`]); `None` when no row qualifies.
pub fn residual_table(profile: &Profile, rows: &[Row], neighbours: u64) -> Option<Residual> {
    let table: Vec<ResidualRow> = residual_rows(profile, rows)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    (!table.is_empty()).then_some(Residual {
        neighbours,
        rows: table,
    })
}

/// One residual row per measured row that runs exactly one GEMM kernel (the ratio of a row of
/// several would be shared among kernels it cannot tell apart), with the index of its row: the
/// ratio measured / predicted by `profile` as fitted, without a residual.
pub fn residual_rows(profile: &Profile, rows: &[Row]) -> Vec<(usize, ResidualRow)> {
    let mut plain = profile.clone();
    plain.residual = None;
    rows.iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let mut gemms = r
                .kernels
                .iter()
                .filter_map(|k| Some((k.alpha?.op, k.gemm?)));
            let (op, g) = gemms.next()?;
            if gemms.next().is_some() {
                return None;
            }
            let predicted = price_kernels(&plain, &r.kernels).ok()?.predicted_ms;
            let ratio = r.t() / predicted;
            (ratio.is_finite() && ratio > 0.0).then(|| (i, ResidualRow::new(op, g, ratio)))
        })
        .collect()
}

/// `--residual auto`: each of [`RESIDUAL_CANDIDATES`] neighbours, and no residual (`0`),
/// scored by the MAPE over the table's rows of predictions each made from the table without
/// its own row (the form as fitted on all of them). Returns the best count (`None` where no
/// residual scores best) and each candidate's score.
pub fn choose_neighbours(profile: &Profile, rows: &[Row]) -> (Option<u64>, Vec<(u64, f64)>) {
    let mut plain = profile.clone();
    plain.residual = None;
    let held = residual_rows(&plain, rows);
    if held.is_empty() {
        return (None, Vec::new());
    }
    let all: Vec<ResidualRow> = held.iter().map(|(_, r)| r.clone()).collect();
    let mut scores = Vec::new();
    for k in std::iter::once(0).chain(RESIDUAL_CANDIDATES) {
        let mut ape = 0.0;
        for (j, (i, _)) in held.iter().enumerate() {
            let r = &rows[*i];
            let mut p = plain.clone();
            if k > 0 {
                let mut others = all.clone();
                others.remove(j);
                p.residual = Some(Residual {
                    neighbours: k,
                    rows: others,
                });
            }
            let ms = price_kernels(&p, &r.kernels).map_or(f64::NAN, |p| p.predicted_ms);
            ape += (ms - r.t()).abs() / r.t();
        }
        scores.push((k, 100.0 * ape / held.len() as f64));
    }
    let best = scores
        .iter()
        .filter(|(_, s)| s.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|&(k, _)| k)
        .filter(|&k| k > 0);
    (best, scores)
}

/// What `--model auto` chose, and how each candidate scored.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The winning candidate's flags.
    pub spec: SpecArgs,
    /// Each candidate's flags in words and its cross-validated MAPE (%), `None` where a fold
    /// could not be fitted.
    pub scores: Vec<(String, Option<f64>)>,
    /// How the candidates were scored, in words.
    pub scheme: String,
}

/// The candidate forms of `--model auto`: the extended α form with a floor (BENCHMARKS.md §3's
/// best on the T2000) and with an added latency by least absolute error (§8's on the GPUs),
/// and the kernel-aware form with a latency and with a floor, by least absolute error (robust
/// to the rows where a library picks a slow algorithm); each with a matmul class where the rows
/// can fit one. The other flags (classes, units, tiles, memory, combine) are the caller's.
pub fn candidates(rows: &[Row], spec: &SpecArgs, base: &Profile) -> Vec<SpecArgs> {
    let with_matmul = template("c", base.device.clone(), &spec.classes.0, true);
    let matmul = spec.matmul_class || matmul_class_fittable(rows, &with_matmul);
    let make = |model, floor, loss| SpecArgs {
        model,
        floor,
        loss,
        matmul_class: matmul,
        ..spec.clone()
    };
    vec![
        make(Form::Extended, true, Loss::L2),
        make(Form::Extended, false, Loss::L1),
        make(Form::Kernel, false, Loss::L1),
        make(Form::Kernel, true, Loss::L1),
    ]
}

/// The folds of `--model auto`'s cross-validation, a group label per row, and the scheme in
/// words: one experiment left out at a time, `--auto-folds` folds of whole experiments, or
/// `--folds` interleaved folds of rows when there are fewer than 3 experiments.
fn auto_groups(rows: &[Row], spec: &SpecArgs) -> (Vec<String>, String) {
    let mut experiments: Vec<&str> = rows.iter().map(|r| r.experiment.as_str()).collect();
    experiments.sort_unstable();
    experiments.dedup();
    match spec.auto_folds {
        // Whole experiments dealt round-robin into k folds, so a fold never sees the
        // experiment it predicts.
        Some(k) if experiments.len() as u64 > k => (
            rows.iter()
                .map(|r| {
                    let i = experiments
                        .binary_search(&r.experiment.as_str())
                        .unwrap_or(0) as u64;
                    format!("fold {}", i % k)
                })
                .collect(),
            format!("{k} folds of whole experiments (of {})", experiments.len()),
        ),
        _ if experiments.len() >= 3 => (
            rows.iter().map(|r| r.experiment.clone()).collect(),
            format!(
                "leave-one-experiment-out over {} experiments",
                experiments.len()
            ),
        ),
        _ => (
            (0..rows.len())
                .map(|i| format!("fold {}", i as u64 % spec.folds))
                .collect(),
            format!("{}-fold (interleaved rows)", spec.folds),
        ),
    }
}

/// `--model auto`: scores each candidate by cross-validation on `rows` alone (folds as
/// [`auto_groups`] makes them), refits the best on every row, and records the scores.
pub fn choose(rows: &[Row], spec: &SpecArgs, base: &Profile) -> Result<Fitted> {
    let (group, scheme) = auto_groups(rows, spec);
    let cands = candidates(rows, spec, base);
    // Data too thin for the simplest candidate get its message, not a failed comparison.
    if let Some(first) = cands.first() {
        let t = template(
            &base.name,
            base.device.clone(),
            &first.classes.0,
            first.matmul_class,
        );
        check_rows(rows, first.model, first.floor, &t)?;
    }
    // The candidates are independent fits: one thread each (std's scoped threads are enough
    // for four; a pool crate would add nothing).
    let scored: Vec<(SpecArgs, Option<f64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cands
            .into_iter()
            .map(|cand| {
                let group = &group;
                scope.spawn(move || {
                    let score = crate::crossval::crossval(rows, group, &cand)
                        .ok()
                        .map(|(c, _)| c.alpha.mape_pct);
                    (cand, score)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut scores = Vec::new();
    let mut best: Option<(f64, SpecArgs)> = None;
    for (cand, score) in scored {
        if let Some(m) = score.filter(|m| m.is_finite())
            && best.as_ref().is_none_or(|(b, _)| m < *b)
        {
            best = Some((m, cand.clone()));
        }
        scores.push((cand.describe(), score));
    }
    let Some((_, chosen)) = best else {
        return Err(err!(
            "--model auto: no candidate form could be cross-validated on these rows ({scheme}); measure more configurations or pick a form with --model"
        ));
    };
    let base = template(
        &base.name,
        base.device.clone(),
        &chosen.classes.0,
        chosen.matmul_class,
    );
    let mut fitted = fit(rows, &chosen, &base)?;
    fitted.choice = Some(Choice {
        spec: chosen,
        scores,
        scheme,
    });
    Ok(fitted)
}

/// Fits the paper's or the extended α form.
fn fit_alpha(rows: &[Row], spec: &SpecArgs, base: &Profile) -> Result<Fitted> {
    let (form, combine, loss) = (spec.model, spec.combine.map(to_combine), spec.loss);
    // The paper form has no memory term, so it keeps the default count.
    let memory = spec.memory_mode().unwrap_or(Memory::Tensors);
    let floor = spec.floor;
    check_rows(rows, form, floor, base)?;
    let nc = base.alpha_classes.len();
    let layout = Layout::of(form, floor, base);
    let mut counting = base.clone();
    counting.timing.memory = memory;
    let ln_t: Vec<f64> = rows.iter().map(|r| r.t().ln()).collect();
    let combines: Vec<Combine> = match (form, combine) {
        (Form::Paper, _) => vec![Combine::Sum],
        (_, Some(c)) => vec![c],
        (_, None) => vec![Combine::Sum, Combine::Max],
    };
    let t_min = rows.iter().map(Row::t).fold(f64::INFINITY, f64::min);
    let t_med = crate::metrics::median(&rows.iter().map(Row::t).collect::<Vec<_>>());
    let bytes_med = crate::metrics::median(
        &rows
            .iter()
            .map(|r| {
                r.kernels
                    .iter()
                    .map(|k| counting.memory_elements(k))
                    .sum::<u64>() as f64
                    * base.dtype_bytes() as f64
            })
            .collect::<Vec<_>>(),
    );
    let mut best: Option<(f64, Profile)> = None;
    let mut starts = 0;
    for &comb in &combines {
        for &beta0 in &[0.001, 0.02, 0.2] {
            for &gamma0 in &[0.5, 1.0] {
                let mut b = base.clone();
                b.timing = Timing {
                    ms_per_flop: 1.0,
                    latency_ms: 0.0,
                    ms_per_byte: 0.0,
                    combine: comb,
                    floor_ms: 0.0,
                    memory,
                };
                let mut theta = DVector::zeros(layout.len);
                for c in 0..nc {
                    theta[2 * c] = logit(beta0);
                    theta[2 * c + 1] = f64::ln(gamma0);
                }
                // Closed-form scale for this start: the geometric mean of t / (α·FLOPs).
                let sqrt_w = vec![1.0; rows.len()];
                let mut problem = Problem {
                    rows,
                    ln_t: ln_t.clone(),
                    base: b,
                    form,
                    floor,
                    theta: theta.clone(),
                    sqrt_w,
                };
                let unit = problem.profile(&theta);
                let ln_scale = rows
                    .iter()
                    .zip(&ln_t)
                    .map(|(r, lt)| {
                        lt - price_kernels(&unit, &r.kernels)
                            .map(|p| p.alpha_flops.max(1e-30).ln())
                            .unwrap_or(0.0)
                    })
                    .sum::<f64>()
                    / rows.len() as f64;
                theta[layout.scale] = ln_scale;
                if form == Form::Extended {
                    theta[layout.scale] = ln_scale + f64::ln(0.7);
                }
                if let Some(i) = layout.latency {
                    theta[i] = (0.5 * t_min).ln();
                }
                if let Some(i) = layout.floor {
                    theta[i] = t_min.ln();
                }
                if let Some((i, _)) = layout.own {
                    theta[i] = if floor {
                        t_min.ln()
                    } else {
                        (0.5 * t_min).ln()
                    };
                }
                if let Some(i) = layout.per_byte {
                    theta[i] = (0.2 * t_med / bytes_med.max(1.0)).ln();
                }
                problem.theta = theta;
                let (mut problem, _report) = LevenbergMarquardt::new()
                    .with_patience(200)
                    .minimize(problem);
                if loss == Loss::L1 {
                    problem = problem.least_absolute(10);
                }
                starts += 1;
                let Some(r) = problem.residuals() else {
                    continue;
                };
                let ss = match loss {
                    Loss::L2 => r.rows(0, rows.len()).norm_squared(),
                    Loss::L1 => r.rows(0, rows.len()).abs().sum(),
                };
                if ss.is_finite() && best.as_ref().is_none_or(|(b, _)| ss < *b) {
                    best = Some((ss, problem.profile(&problem.theta)));
                }
            }
        }
    }
    let Some((sum_sq, profile)) = best else {
        return Err(err!(
            "the fit did not converge from any starting point; check the data for outliers or mixed devices"
        ));
    };
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

/// Attaches provenance to a fitted profile; the model form's flags go into its environment.
pub fn with_provenance(
    mut fitted: Fitted,
    source: String,
    spec: &SpecArgs,
    mut environment: BTreeMap<String, String>,
) -> Profile {
    if let Some(choice) = fitted.choice.take() {
        let scores: Vec<String> = choice
            .scores
            .iter()
            .map(|(s, m)| {
                format!(
                    "{s}: {}",
                    m.map_or("not fittable".to_string(), |m| format!("{m:.2} %"))
                )
            })
            .collect();
        let mut p = with_provenance(fitted, source, &choice.spec, environment);
        if let Some(prov) = &mut p.provenance {
            prov.method.push_str(", chosen by --model auto");
            prov.environment.insert(
                "model_auto".to_string(),
                format!(
                    "chose `{}` by {} MAPE; candidates: {}",
                    choice.spec.describe(),
                    choice.scheme,
                    scores.join("; ")
                ),
            );
        }
        return p;
    }
    environment.remove("model_auto");
    environment.insert("model".to_string(), spec.describe());
    environment.insert(
        "classes_start_at_kernel_area".to_string(),
        format!("{:?}", spec.classes.0),
    );
    // A refit without the flag must not keep the key copied by --environment-from.
    environment.remove("matmul_class");
    if spec.matmul_class {
        environment.insert(
            "matmul_class".to_string(),
            "dense rows fitted with a class of their own".to_string(),
        );
    }
    environment.insert(
        "loss".to_string(),
        format!("{:?}", spec.loss).to_lowercase(),
    );
    let t = &fitted.profile.timing;
    let op = if t.combine == Combine::Max {
        "max"
    } else {
        "+"
    };
    let memory = if t.memory == Memory::Im2col {
        "im2col memory"
    } else {
        "memory"
    };
    let form_text = match (spec.model, spec.floor) {
        (Form::Paper, false) => "paper form (t = ms_per_flop·α·FLOPs)".to_string(),
        (Form::Paper, true) => {
            "paper form with a floor (t = max(floor, ms_per_flop·α·FLOPs))".to_string()
        }
        (Form::Extended, false) => format!("extended form (latency + compute {op} {memory})"),
        (Form::Extended, true) => {
            format!("extended form with a floor (max(floor, compute {op} {memory}))")
        }
        (Form::Kernel, floor) => format!(
            "kernel-aware form (GEMM per op: α along M, saturation along N and K, tiles and waves, {} + compute ⊕ memory)",
            if floor { "floor" } else { "latency" }
        ),
        (Form::Auto, _) => "the form --model auto chose".to_string(),
    };
    fitted.profile.provenance = Some(Provenance {
        source,
        date: Some(util::today()),
        method: format!(
            "cargo xtask fit: Levenberg–Marquardt {} on ln(time), {form_text}, best of {} starts",
            match spec.loss {
                Loss::L2 => "least squares",
                Loss::L1 => "least absolute error (iteratively reweighted least squares)",
            },
            fitted.starts
        ),
        samples: Some(fitted.metrics.n as u64),
        fit_mape_pct: Some((fitted.metrics.mape_pct * 100.0).round() / 100.0),
        environment,
    });
    fitted.profile
}

/// The range `rows` cover, per op (`[[fitted_range]]`): what the profile may predict without
/// extrapolating.
pub fn fitted_ranges(profile: &Profile, rows: &[Row]) -> Vec<FittedRange> {
    let ops = KernelOp::ALL
        .map(RangeOp::Gemm)
        .into_iter()
        .chain(Elementwise::ALL.map(RangeOp::Elementwise));
    ops.filter_map(|op| {
        let of = |r: &&Row| r.kernels.iter().any(|k| RangeOp::of(k) == Some(op));
        let n = rows.iter().filter(of).count() as u64;
        let kernels = rows
            .iter()
            .flat_map(|r| &r.kernels)
            .filter(|k| RangeOp::of(k) == Some(op));
        FittedRange::of(profile, op, n, kernels)
    })
    .collect()
}

/// Records the range `rows` cover in `profile` (which makes it format 2).
pub fn with_ranges(mut profile: Profile, rows: &[Row]) -> Profile {
    profile.fitted_ranges = fitted_ranges(&profile, rows);
    // Whether element-wise ops are priced from measurements, in the profile's own words.
    let ew = rows
        .iter()
        .filter(|r| crate::ewfit::is_elementwise(r))
        .count();
    if let Some(prov) = &mut profile.provenance {
        prov.environment.insert(
            "elementwise".to_string(),
            if profile.elementwise_classes.is_empty() {
                "not measured: activations, adds, pooling, norms and softmax are priced by [timing] at α = 1, with the convolutions' constants".to_string()
            } else {
                format!(
                    "{} [[elementwise_class]] fitted on {ew} rows of element-wise ops (per class and FLOPs per element moved)",
                    profile.elementwise_classes.len()
                )
            },
        );
    }
    if profile.uses_format_2() {
        profile.format = alphaflops_core::profile::FORMAT;
    }
    profile
}

pub fn describe(p: &Profile) -> String {
    let mut s = format!(
        "ms_per_flop = {:.4e}, latency_ms = {:.4}, floor_ms = {:.4}, ms_per_byte = {:.4e}, combine = {:?}, memory = {:?}\n",
        p.timing.ms_per_flop,
        p.timing.latency_ms,
        p.timing.floor_ms,
        p.timing.ms_per_byte,
        p.timing.combine,
        p.timing.memory
    );
    for c in &p.alpha_classes {
        s.push_str(&format!(
            "  {:<18} beta = {:.5}, gamma = {:.4}",
            c.label(),
            c.beta,
            c.gamma
        ));
        if let Some(ms) = c.latency_ms {
            s.push_str(&format!(", latency_ms = {ms:.4}"));
        }
        if let Some(ms) = c.floor_ms {
            s.push_str(&format!(", floor_ms = {ms:.4}"));
        }
        s.push('\n');
    }
    for g in &p.gemm_classes {
        s.push_str(&format!(
            "  gemm {:<13} ms_per_flop = {:.4e}, n: (1 + {:.3}/n)^{:.3}, k: (1 + {:.3}/k)^{:.3}, tiles {}x{} over {} units, latency_ms = {:.4}, floor_ms = {:.4}, ms_per_byte = {:.4e}, combine = {:?}\n",
            g.op.map_or("(every op)", |o| o.name()),
            g.ms_per_flop, g.n_half, g.n_power, g.k_half, g.k_power, g.tile_m, g.tile_n, g.units,
            g.latency_ms, g.floor_ms, g.ms_per_byte, g.combine
        ));
    }
    for e in &p.elementwise_classes {
        let bounds = match (e.min_intensity, e.max_intensity) {
            (None, None) => String::new(),
            (lo, hi) => format!(
                ", {} ≤ FLOPs per element < {}",
                lo.unwrap_or(0.0),
                hi.map_or("∞".to_string(), |h| h.to_string())
            ),
        };
        s.push_str(&format!(
            "  {:<18} latency_ms = {:.4}, ms_per_byte = {:.4e}{bounds}\n",
            e.op.map_or("element-wise", |o| o.name()),
            e.latency_ms,
            e.ms_per_byte
        ));
    }
    s
}

pub fn run(args: Args) -> Result<()> {
    let rows = Table::read_many(&args.data)?;
    if let Some(w) = args.power_w.filter(|w| !(w.is_finite() && *w > 0.0)) {
        return Err(err!(
            "--power-w {w}: must be a positive number of watts (the device's average power while the kernels ran)"
        ));
    }
    let earlier = args
        .environment_from
        .as_deref()
        .map(crate::validate::load_profile)
        .transpose()?;
    let name = args.name.clone().unwrap_or_else(|| util::stem(&args.out));
    check_name(&name)?;
    warn_if_not_stem(&name, &args.out);
    // A flag, else the profile being refitted, else a placeholder.
    let was = earlier.as_ref().map(|p| &p.device);
    let device = Device {
        name: args
            .device
            .clone()
            .or_else(|| was.map(|d| d.name.clone()))
            .unwrap_or_else(|| "unknown device".into()),
        kind: match args.kind {
            Some(KindArg::Cpu) => DeviceKind::Cpu,
            Some(KindArg::Gpu) => DeviceKind::Gpu,
            None => was.map_or(DeviceKind::Gpu, |d| d.kind),
        },
        backend: args
            .framework
            .clone()
            .or_else(|| was.map(|d| d.backend.clone()))
            .unwrap_or_else(|| "unknown".into()),
        dtype: args
            .dtype
            .clone()
            .or_else(|| was.map(|d| d.dtype.clone()))
            .unwrap_or_else(|| "f32".into()),
        // The vendor's figures are the device's, not the fit's: a refit keeps them.
        peak_flops_per_s: was.and_then(|d| d.peak_flops_per_s),
        memory_bandwidth_bytes_per_s: was.and_then(|d| d.memory_bandwidth_bytes_per_s),
        power_w: args
            .power_w
            .or_else(|| earlier.as_ref().and_then(|p| p.device.power_w)),
    };
    let base = template(&name, device, &args.spec.classes.0, args.spec.matmul_class);
    // Validate the device fields (dtype) through core's parser before the long fit.
    Profile::from_toml_str(
        &base.to_toml_string(),
        "the --device/--kind/--framework/--dtype flags",
    )
    .map_err(|e| err!("{e}"))?;
    let fitted = fit(&rows, &args.spec, &base)?;
    let sources: Vec<String> = args.data.iter().map(|p| p.display().to_string()).collect();
    let (m, sum_sq) = (fitted.metrics, fitted.sum_sq);
    let mut env = earlier
        .and_then(|p| p.provenance)
        .map(|p| p.environment)
        .unwrap_or_default();
    if let Some(w) = args.power_w {
        env.insert("power".to_string(), format!("{w} W, given with --power-w"));
    }
    env.insert("data".to_string(), sources.join(" "));
    env.insert(
        "fitted_with".to_string(),
        format!("cargo xtask fit (alphaflops {})", env!("CARGO_PKG_VERSION")),
    );
    let profile = with_ranges(
        with_provenance(fitted, sources.join(" "), &args.spec, env),
        &rows,
    );
    write_profile(&args.out, &profile)?;
    for w in doubtful(&profile) {
        eprintln!("warning: {}: {w}", args.out.display());
    }
    outln!(
        "wrote {} ({} rows, fit MAPE {:.2} %, {} loss of log errors {:.4})\n{}",
        args.out.display(),
        m.n,
        m.mape_pct,
        match args.spec.loss {
            Loss::L2 => "squared",
            Loss::L1 => "absolute",
        },
        sum_sq,
        describe(&profile)
    );
    Ok(())
}

pub fn to_combine(c: CombineArg) -> Combine {
    match c {
        CombineArg::Sum => Combine::Sum,
        CombineArg::Max => Combine::Max,
    }
}

/// Profiles are looked up by name, and by convention the name is the file's stem.
pub fn warn_if_not_stem(name: &str, out: &Path) {
    if name != util::stem(out) {
        eprintln!(
            "warning: profile name `{name}` differs from the file name {}; profiles/*.toml must be named after their file",
            out.display()
        );
    }
}

pub fn check_name(name: &str) -> Result<()> {
    // The macro's rule, so every profile written can be loaded by name.
    if !alphaflops_core::settings::is_profile_name(name) {
        return Err(err!(
            "profile name `{name}` must be non-empty, use only letters, digits, `-`, `_` and `.`, and not start with `.`; pass --name"
        ));
    }
    Ok(())
}

/// Writes a profile atomically, with a header comment, after checking core reads it back.
pub fn write_profile(path: &Path, profile: &Profile) -> Result<()> {
    let text = format!(
        "# Written by `cargo xtask` (alphaflops); see profiles/reference.toml for every key.\n{}",
        profile.to_toml_string()
    );
    Profile::from_toml_str(&text, &path.display().to_string())
        .map_err(|e| err!("internal: the fitted profile does not parse back: {e}"))?;
    util::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops_core::ConvWorkload;

    /// Values the data, not a device, chose are flagged; no shipped profile has one.
    #[test]
    fn doubtful_values_are_flagged() {
        let mut p = Profile::default_profile();
        assert_eq!(doubtful(&p), Vec::<String>::new());
        p.alpha_classes[0].beta = 1e-12;
        p.timing.ms_per_flop = 9.6e-31;
        let w = doubtful(&p);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].contains("beta = 1e-12") && w[1].contains("ms_per_flop = 9.6e-31"),
            "{w:?}"
        );
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../alphaflops-core/profiles");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let p =
                    Profile::from_toml_str(&std::fs::read_to_string(&path).unwrap(), "p").unwrap();
                assert_eq!(doubtful(&p), Vec::<String>::new(), "{}", path.display());
            }
        }
    }

    /// Rows priced by `truth` over sizes from far below to far above any floor.
    fn rows(truth: &Profile) -> Vec<Row> {
        let mut csv = String::from("experiment,series,h,w,c_in,c_out,k1,k2,time_ms\n");
        for h in [2, 4, 8, 16, 32, 64, 128] {
            for c in [4, 16, 64] {
                for k in [1, 3, 5] {
                    let t = ConvWorkload::new(h, h, c, c, k, k)
                        .price(truth)
                        .unwrap()
                        .predicted_ms;
                    csv.push_str(&format!("e,0,{h},{h},{c},{c},{k},{k},{t:e}\n"));
                }
            }
        }
        Table::parse(&csv, Path::new("synthetic.csv"), true)
            .unwrap()
            .rows
    }

    fn spec(model: Form, combine: CombineArg, floor: bool, memory: MemoryArg) -> SpecArgs {
        SpecArgs {
            model,
            combine: Some(combine),
            classes: Classes(vec![1, 2]),
            matmul_class: false,
            loss: Loss::L2,
            floor,
            memory,
            units: None,
            tiles: Tiles(vec![]),
            folds: 5,
            auto_folds: None,
            residual: None,
        }
    }

    /// `--auto-folds 2` deals whole experiments into two folds, so a fold never holds rows of
    /// the experiment it predicts; without it each experiment is a fold.
    #[test]
    fn auto_cross_validates_over_folds_of_whole_experiments() {
        let mut rows = rows(&Profile::default_profile());
        for (i, r) in rows.iter_mut().enumerate() {
            r.experiment = format!("e{}", i % 5);
        }
        let mut spec = spec(Form::Auto, CombineArg::Sum, false, MemoryArg::Tensors);
        spec.auto_folds = Some(2);
        let (group, scheme) = auto_groups(&rows, &spec);
        assert_eq!(scheme, "2 folds of whole experiments (of 5)");
        for (r, g) in rows.iter().zip(&group) {
            let e: u64 = r.experiment[1..].parse().unwrap();
            assert_eq!(*g, format!("fold {}", e % 2));
        }
        spec.auto_folds = None;
        let (group, scheme) = auto_groups(&rows, &spec);
        assert_eq!(scheme, "leave-one-experiment-out over 5 experiments");
        assert!(rows.iter().zip(&group).all(|(r, g)| *g == r.experiment));
        // No fewer folds than experiments: 5 folds of 5 experiments is leaving one out.
        spec.auto_folds = Some(5);
        assert_eq!(
            auto_groups(&rows, &spec).1,
            "leave-one-experiment-out over 5 experiments"
        );
    }

    /// Rows of `rows(default)` whose times carry a shape-dependent error no form expresses.
    fn bumped_rows() -> (Profile, Vec<Row>) {
        let mut p = Profile::default_profile();
        p.device.memory_bandwidth_bytes_per_s = None;
        let mut rows = rows(&p);
        for (i, r) in rows.iter_mut().enumerate() {
            r.time_ms = Some(r.t() * (0.6 + 0.2 * ((i * 7) % 5) as f64));
        }
        (p, rows)
    }

    /// `--residual 1` prices every training row at its measured time: each row's nearest is
    /// its own GEMM, whose ratio is measured / predicted.
    #[test]
    fn a_residual_of_one_neighbour_recovers_the_training_rows() {
        let (p, rows) = bumped_rows();
        let base = template("t", p.device.clone(), &[1, 2], false);
        let mut with = spec(Form::Paper, CombineArg::Sum, false, MemoryArg::Tensors);
        let plain = fit(&rows, &with, &base).unwrap();
        assert!(plain.profile.residual.is_none());
        with.residual = Some(ResidualArg::Neighbours(1));
        let fitted = fit(&rows, &with, &base).unwrap();
        let table = fitted.profile.residual.as_ref().unwrap();
        assert_eq!((table.neighbours, table.rows.len()), (1, rows.len()));
        assert_eq!(fitted.profile.format, alphaflops_core::profile::FORMAT);
        for r in &rows {
            let ms = price_kernels(&fitted.profile, &r.kernels)
                .unwrap()
                .predicted_ms;
            assert!(close(ms, r.t(), 1e-9), "line {}: {ms} vs {}", r.line, r.t());
        }
        // The form's constants are the plain fit's: the table only multiplies.
        assert_eq!(fitted.profile.timing, plain.profile.timing);
        assert!(fitted.metrics.mape_pct < 1e-6 && plain.metrics.mape_pct > 5.0);
        // It survives the trip through the file.
        let text = fitted.profile.to_toml_string();
        let back = Profile::from_toml_str(&text, "t").unwrap();
        assert_eq!(back.residual, fitted.profile.residual);
    }

    /// `--residual auto` scores no residual and each candidate by leaving each row out of the
    /// table: on rows whose error has no pattern in their shapes, no neighbour count helps.
    #[test]
    fn residual_auto_leaves_each_row_out_and_may_choose_none() {
        let (p, rows) = bumped_rows();
        let base = template("t", p.device.clone(), &[1, 2], false);
        let plain = fit(
            &rows,
            &spec(Form::Paper, CombineArg::Sum, false, MemoryArg::Tensors),
            &base,
        )
        .unwrap();
        let (_, scores) = choose_neighbours(&plain.profile, &rows);
        let ks: Vec<u64> = scores.iter().map(|s| s.0).collect();
        assert_eq!(ks, vec![0, 1, 3, 5]);
        // Left out, a row's own ratio is never used: K = 1 does not recover it.
        assert!(scores[1].1 > 1.0, "{scores:?}");
        // A smooth error (here: in the kernel area) is what neighbours do recover.
        let mut smooth = rows.clone();
        for r in smooth.iter_mut() {
            let area = r.kernels[0].alpha.unwrap().kernel_area as f64;
            let base_t = price_kernels(&plain.profile, &r.kernels)
                .unwrap()
                .predicted_ms;
            r.time_ms = Some(base_t * (1.0 + area / 10.0));
        }
        let (best, scores) = choose_neighbours(&plain.profile, &smooth);
        assert!(best.is_some(), "{scores:?}");
        assert!(
            scores.iter().skip(1).any(|s| s.1 < scores[0].1 / 2.0),
            "{scores:?}"
        );
    }

    fn truth(timing: Timing) -> Profile {
        let mut p = Profile::default_profile();
        p.timing = timing;
        p
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn layout_places_each_timing_constant_once() {
        let l = Layout::new(Form::Paper, false, 2, None);
        assert_eq!(
            (l.scale, l.latency, l.floor, l.per_byte, l.len),
            (4, None, None, None, 5)
        );
        let l = Layout::new(Form::Paper, true, 2, None);
        assert_eq!(
            (l.scale, l.latency, l.floor, l.per_byte, l.len),
            (4, None, Some(5), None, 6)
        );
        let l = Layout::new(Form::Extended, false, 2, None);
        assert_eq!(
            (l.scale, l.latency, l.floor, l.per_byte, l.len),
            (4, Some(5), None, Some(6), 7)
        );
        let l = Layout::new(Form::Extended, true, 3, None);
        assert_eq!(
            (l.scale, l.latency, l.floor, l.per_byte, l.len),
            (6, None, Some(7), Some(8), 9)
        );
        // A matmul class adds its own latency or floor, when the form has one to own.
        let l = Layout::new(Form::Extended, false, 3, Some(2));
        assert_eq!((l.own, l.len), (Some((9, 2)), 10));
        let l = Layout::new(Form::Paper, true, 3, Some(2));
        assert_eq!((l.own, l.len), (Some((8, 2)), 9));
        assert_eq!(Layout::new(Form::Paper, false, 3, Some(2)).own, None);
    }

    #[test]
    fn fit_recovers_a_floor() {
        let p = Profile::default_profile();
        let t = Timing {
            floor_ms: 0.05,
            ..p.timing.clone()
        };
        let rows = rows(&truth(t));
        let fitted = fit(
            &rows,
            &spec(Form::Paper, CombineArg::Sum, true, MemoryArg::Tensors),
            &p,
        )
        .unwrap();
        let got = &fitted.profile.timing;
        assert!(close(got.floor_ms, 0.05, 0.02), "{got:?}");
        assert!(
            close(got.ms_per_flop, p.timing.ms_per_flop, 0.05),
            "{got:?}"
        );
        assert_eq!(got.latency_ms, 0.0);
        assert!(fitted.metrics.mape_pct < 1.0, "{:?}", fitted.metrics);
    }

    #[test]
    fn fit_recovers_a_matmul_class() {
        // The truth: the paper's classes for convolutions, dense rows priced by their own.
        let mut truth = Profile::default_profile();
        truth.alpha_classes.push(AlphaClass {
            op: Some(KernelOp::Matmul),
            min_kernel_area: 1,
            max_kernel_area: None,
            beta: 0.3,
            gamma: 1.5,
            latency_ms: None,
            floor_ms: None,
        });
        let mut rows = rows(&truth);
        let mut csv = String::from("experiment,series,h,w,c_in,c_out,k1,k2,time_ms\n");
        for batch in [1, 2, 4, 8, 16, 32, 64] {
            for d in [256, 1024] {
                let t = ConvWorkload::new(batch, 1, d, d, 1, 1)
                    .price(&truth)
                    .unwrap()
                    .predicted_ms;
                csv.push_str(&format!("dense,0,{batch},1,{d},{d},1,1,{t:e}\n"));
            }
        }
        rows.extend(
            Table::parse(&csv, Path::new("dense.csv"), true)
                .unwrap()
                .rows,
        );
        let p = Profile::default_profile();
        let mut with = spec(Form::Paper, CombineArg::Sum, false, MemoryArg::Tensors);
        with.matmul_class = true;
        let base = template("t", p.device.clone(), &[1, 2], true);
        let fitted = fit(&rows, &with, &base).unwrap();
        let got = fitted.profile.class(KernelOp::Matmul, 1).unwrap();
        assert_eq!(got.op, Some(KernelOp::Matmul));
        assert!(
            close(got.beta, 0.3, 0.02) && close(got.gamma, 1.5, 0.02),
            "{got:?}"
        );
        let conv = fitted.profile.class(KernelOp::Conv, 1).unwrap();
        assert!(
            close(conv.beta, 0.02, 0.05) && close(conv.gamma, 0.99, 0.02),
            "{conv:?}"
        );
        assert!(fitted.metrics.mape_pct < 1.0, "{:?}", fitted.metrics);
        // One class for K = 1 cannot describe both.
        let base = template("t", p.device.clone(), &[1, 2], false);
        let without = fit(
            &rows,
            &spec(Form::Paper, CombineArg::Sum, false, MemoryArg::Tensors),
            &base,
        )
        .unwrap();
        assert!(without.metrics.mape_pct > 5.0, "{:?}", without.metrics);
        // Without dense rows there is nothing to fit the matmul class on, and fit says so.
        let convs: Vec<Row> = rows
            .iter()
            .filter(|r| !r.workload.is_dense())
            .cloned()
            .collect();
        let e = fit(
            &convs,
            &with,
            &template("t", p.device.clone(), &[1, 2], true),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot fit β, γ of the class matmul"),
            "{e}"
        );
    }

    /// A fit on rows with element-wise ops prices them by their own classes and says so;
    /// one without says they are priced as before.
    #[test]
    fn provenance_says_whether_elementwise_ops_were_measured() {
        let p = Profile::default_profile();
        let mut rows = rows(&p);
        let convs = rows.clone();
        let mut csv =
            String::from("experiment,series,h,w,c_in,c_out,k1,k2,stride,groups,op,time_ms\n");
        for (c, h) in [(4, 8), (16, 16), (8, 48), (32, 32)] {
            let t = 0.001 + 1e-8 * (2 * c * h * h * 4) as f64;
            csv.push_str(&format!("relu,0,{h},{h},{c},{c},1,1,1,1,relu,{t:e}\n"));
        }
        rows.extend(
            Table::parse(&csv, Path::new("relu.csv"), true)
                .unwrap()
                .rows,
        );
        let spec = spec(Form::Paper, CombineArg::Sum, false, MemoryArg::Tensors);
        let env = |rows: &[Row]| {
            let fitted = fit(rows, &spec, &p).unwrap();
            let profile = with_ranges(
                with_provenance(fitted, "s".into(), &spec, BTreeMap::new()),
                rows,
            );
            let says = profile.provenance.as_ref().unwrap().environment["elementwise"].clone();
            (profile, says)
        };
        let (with, says) = env(&rows);
        assert_eq!(with.elementwise_classes.len(), 1);
        assert!(
            says.starts_with("1 [[elementwise_class]] fitted on 4 rows"),
            "{says}"
        );
        // The convolutions' fit is the same with or without the element-wise rows beside them.
        let (without, says) = env(&convs);
        assert!(without.elementwise_classes.is_empty());
        assert!(says.starts_with("not measured"), "{says}");
        assert_eq!(with.alpha_classes, without.alpha_classes);
        assert_eq!(with.timing, without.timing);
    }

    #[test]
    fn fit_recovers_im2col_memory() {
        let p = Profile::default_profile();
        let t = Timing {
            latency_ms: 0.01,
            ms_per_byte: 2e-8,
            memory: Memory::Im2col,
            ..p.timing.clone()
        };
        let rows = rows(&truth(t));
        let fitted = fit(
            &rows,
            &spec(Form::Extended, CombineArg::Sum, false, MemoryArg::Im2col),
            &p,
        )
        .unwrap();
        let got = &fitted.profile.timing;
        assert_eq!(got.memory, Memory::Im2col);
        assert!(close(got.ms_per_byte, 2e-8, 0.05), "{got:?}");
        assert!(close(got.latency_ms, 0.01, 0.05), "{got:?}");
        assert!(fitted.metrics.mape_pct < 1.0, "{:?}", fitted.metrics);
        // Counting tensors instead cannot describe the same times as well.
        let tensors = fit(
            &rows,
            &spec(Form::Extended, CombineArg::Sum, false, MemoryArg::Tensors),
            &p,
        )
        .unwrap();
        assert!(
            tensors.metrics.mape_pct > 2.0 * fitted.metrics.mape_pct,
            "{:?}",
            tensors.metrics
        );
    }
}
