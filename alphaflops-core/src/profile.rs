//! Device profiles: the constants that turn counts into α-FLOPs, milliseconds and joules.
//!
//! A profile is TOML (`profiles/reference.toml` documents every key). Parsing checks every
//! rule while it reads, so an error points at the offending value as `origin:line:col`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use crate::alpha::{AlphaInput, KernelOp, alpha, s_k};
use crate::kernel::Fusion;
use crate::layer::Kernel;
use crate::residual::Residual;
use crate::timing::{ElementwiseClass, FittedRange, GemmClass};

/// The profile format this version writes when a profile uses the kernel-aware timing model
/// (`[[gemm_class]]`, `[[elementwise_class]]`, `[[fitted_range]]`); it reads every format
/// from [`FIRST_FORMAT`] up, and a profile without those sections is written as format 1, so
/// older alphaflops keep reading it.
pub const FORMAT: u32 = 2;
/// The oldest profile format this version reads.
pub const FIRST_FORMAT: u32 = 1;

/// The paper's profile, embedded: the default everywhere no profile is named.
pub const DEFAULT_PROFILE_TOML: &str = include_str!("../profiles/quadro-t2000-asperti2021.toml");
/// Name of the embedded default profile.
pub const DEFAULT_PROFILE_NAME: &str = "quadro-t2000-asperti2021";

/// Every profile shipped in `alphaflops-core/profiles/`, embedded, by name: usable by name
/// without the files. Besides the paper's, its form and the extended one refitted to the
/// paper's data, this project's 2-core AMD EPYC CPU through candle, an NVIDIA H200 measured
/// through cuDNN (BENCHMARKS.md §8) at f32 (no tensor cores), tf32 (PyTorch's default for
/// convolutions) and bf16, each per launch (eager, launch cost included) and as kernel time
/// (`-graph`: CUDA-graph replays), and an NVIDIA H100 SXM at f32 and tf32, both timings.
pub const SHIPPED: &[(&str, &str)] = &[
    (DEFAULT_PROFILE_NAME, DEFAULT_PROFILE_TOML),
    (
        "nvidia-h200-cudnn-f32",
        include_str!("../profiles/nvidia-h200-cudnn-f32.toml"),
    ),
    (
        "nvidia-h200-cudnn-tf32",
        include_str!("../profiles/nvidia-h200-cudnn-tf32.toml"),
    ),
    (
        "nvidia-h200-cudnn-bf16",
        include_str!("../profiles/nvidia-h200-cudnn-bf16.toml"),
    ),
    (
        "nvidia-h200-cudnn-f32-graph",
        include_str!("../profiles/nvidia-h200-cudnn-f32-graph.toml"),
    ),
    (
        "nvidia-h200-cudnn-tf32-graph",
        include_str!("../profiles/nvidia-h200-cudnn-tf32-graph.toml"),
    ),
    (
        "nvidia-h200-cudnn-bf16-graph",
        include_str!("../profiles/nvidia-h200-cudnn-bf16-graph.toml"),
    ),
    (
        "nvidia-h100-cudnn-f32",
        include_str!("../profiles/nvidia-h100-cudnn-f32.toml"),
    ),
    (
        "nvidia-h100-cudnn-tf32",
        include_str!("../profiles/nvidia-h100-cudnn-tf32.toml"),
    ),
    (
        "nvidia-h100-cudnn-f32-graph",
        include_str!("../profiles/nvidia-h100-cudnn-f32-graph.toml"),
    ),
    (
        "nvidia-h100-cudnn-tf32-graph",
        include_str!("../profiles/nvidia-h100-cudnn-tf32-graph.toml"),
    ),
    (
        "quadro-t2000-fit-paper",
        include_str!("../profiles/quadro-t2000-fit-paper.toml"),
    ),
    (
        "quadro-t2000-fit-extended",
        include_str!("../profiles/quadro-t2000-fit-extended.toml"),
    ),
    (
        "cpu-amd-epyc-2c-candle",
        include_str!("../profiles/cpu-amd-epyc-2c-candle.toml"),
    ),
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// From [`FIRST_FORMAT`] to [`FORMAT`]; 2 where the profile uses format 2 sections.
    #[serde(deserialize_with = "format_version")]
    pub format: u32,
    /// Short identifier, e.g. `quadro-t2000-asperti2021`; by convention the file's stem.
    pub name: String,
    /// Whether the runtime folds element-wise kernels into the kernel before them
    /// ([`Fusion`]); fused kernels cost no launch ([`crate::timing::epilogue_ms`]).
    #[serde(default, skip_serializing_if = "Fusion::is_none")]
    pub fusion: Fusion,
    pub device: Device,
    pub timing: Timing,
    /// Kernel classes, selected by the kernel's op and area `K1·K2`. Classes without `op`
    /// apply to every op; an op with classes of its own uses only those. Either way each op
    /// has exactly one class for every `K ≥ 1`.
    #[serde(rename = "alpha_class", deserialize_with = "classes")]
    pub alpha_classes: Vec<AlphaClass>,
    /// (format 2) The kernel-aware form for linear-algebra kernels, per op
    /// ([`crate::timing`]); ops without one are priced by `[timing]` and the alpha classes.
    #[serde(
        default,
        rename = "gemm_class",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::timing::gemm_classes"
    )]
    pub gemm_classes: Vec<GemmClass>,
    /// (format 2) Element-wise kernels priced by the bytes they move, per class; classes
    /// without one are priced by `[timing]` with α = 1.
    #[serde(
        default,
        rename = "elementwise_class",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::timing::elementwise_classes"
    )]
    pub elementwise_classes: Vec<ElementwiseClass>,
    /// (format 2) The range the fit covered, per op: predictions outside it are marked
    /// extrapolated.
    #[serde(
        default,
        rename = "fitted_range",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fitted_ranges: Vec<FittedRange>,
    /// (format 2) The residual correction from the profile's own measured rows
    /// ([`crate::residual`]); absent: the form's times as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<Residual>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Cpu,
    Gpu,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub name: String,
    pub kind: DeviceKind,
    /// The software that ran the kernels (`cudnn 9.1`, `burn 0.22 flex`, …).
    pub backend: String,
    /// Element type: `f32`, `tf32`, `f16`, `bf16`, `f64`, `i8`.
    #[serde(deserialize_with = "dtype")]
    pub dtype: String,
    /// Peak throughput in FLOP/s, informative.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_positive"
    )]
    pub peak_flops_per_s: Option<f64>,
    /// Memory bandwidth in bytes/s, the vendor's figure: no kernel is predicted faster than
    /// its tensors take to cross it ([`Profile::physical_floor_ms`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_positive"
    )]
    pub memory_bandwidth_bytes_per_s: Option<f64>,
    /// Average board power while running kernels, in watts: enables energy predictions.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_positive"
    )]
    pub power_w: Option<f64>,
}

/// How α-FLOPs become time: per kernel launch,
/// `t = max(floor_ms, latency_ms + ms_per_flop·α·FLOPs + ms_per_byte·bytes)` (`combine = "sum"`),
/// or `t = max(floor_ms, latency_ms + max(ms_per_flop·α·FLOPs, ms_per_byte·bytes))`
/// (`combine = "max"`), where `bytes` counts the elements [`Memory`] selects.
/// The paper's model is `latency_ms = 0`, `ms_per_byte = 0`, `floor_ms = 0`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    #[serde(deserialize_with = "positive")]
    pub ms_per_flop: f64,
    #[serde(
        default,
        deserialize_with = "non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub latency_ms: f64,
    #[serde(
        default,
        deserialize_with = "non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub ms_per_byte: f64,
    #[serde(default, skip_serializing_if = "Combine::is_sum")]
    pub combine: Combine,
    /// A floor under every launch: no kernel takes less than `floor_ms` (0: no floor).
    #[serde(
        default,
        deserialize_with = "non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub floor_ms: f64,
    /// Which elements the memory term counts.
    #[serde(default, skip_serializing_if = "Memory::is_tensors")]
    pub memory: Memory,
}

/// The traffic the memory term prices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Memory {
    /// Inputs, outputs and weights of each kernel ([`Kernel::elements_moved`]).
    #[default]
    Tensors,
    /// Convolutions lowered to im2col + GEMM (candle, many CPU backends): the GEMM's input
    /// matrix, i.e. a convolution's unfolded input ([`Kernel::unfolded_elements`]); kernels
    /// without one count their tensors.
    Im2col,
}

impl Memory {
    fn is_tensors(&self) -> bool {
        *self == Memory::Tensors
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    #[default]
    Sum,
    Max,
}

impl Combine {
    fn is_sum(&self) -> bool {
        *self == Combine::Sum
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlphaClass {
    /// The kernels the class prices: `conv` or `matmul` (dense layers, attention); absent
    /// means every op that has no classes of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<KernelOp>,
    /// Smallest kernel area `K1·K2` of the class (inclusive).
    pub min_kernel_area: u64,
    /// Largest kernel area (inclusive); absent means unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_kernel_area: Option<u64>,
    /// In (0, 1].
    #[serde(deserialize_with = "beta")]
    pub beta: f64,
    /// At least 0.
    #[serde(deserialize_with = "non_negative")]
    pub gamma: f64,
    /// The class's own per-launch latency, replacing `[timing] latency_ms` for its kernels
    /// (a cuBLAS matmul launches faster than a cuDNN convolution).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_non_negative"
    )]
    pub latency_ms: Option<f64>,
    /// The class's own floor, replacing `[timing] floor_ms` for its kernels.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_non_negative"
    )]
    pub floor_ms: Option<f64>,
}

impl AlphaClass {
    pub fn contains(&self, kernel_area: u64) -> bool {
        kernel_area >= self.min_kernel_area
            && self.max_kernel_area.is_none_or(|max| kernel_area <= max)
    }

    /// α for a kernel this class prices.
    pub fn alpha(&self, input: AlphaInput) -> f64 {
        alpha(input.kernel_area, input.s as f64, self.beta, self.gamma)
    }

    /// α for a `[[gemm_class]]`'s compute term: α_K(S), except where α·S falls as S grows
    /// (only for γ > 1, below S* = (γ − 1)(1 − β)·S_K / β): there the kernel costs what S*
    /// costs, α(S*)·S*/S, since a GEMM with more rows is never faster than one with fewer
    /// (a decode step's one-row products are not priced above a prefill's). Bit for bit
    /// [`AlphaClass::alpha`] for γ ≤ 1 and for S ≥ S*.
    pub fn gemm_alpha(&self, input: AlphaInput) -> f64 {
        let s = input.s as f64;
        if self.gamma > 1.0 && self.beta < 1.0 {
            let knee = (self.gamma - 1.0) * (1.0 - self.beta) * s_k(input.kernel_area) / self.beta;
            if knee.is_finite() && s < knee {
                return alpha(input.kernel_area, knee, self.beta, self.gamma) * knee / s;
            }
        }
        self.alpha(input)
    }

    /// The class's kernels in words: `kernel area 1`, `conv kernel area ≥ 2`, `matmul`.
    pub fn label(&self) -> String {
        let range = match self.max_kernel_area {
            Some(m) if m == self.min_kernel_area => format!("kernel area {m}"),
            Some(m) => format!("kernel area {}..={m}", self.min_kernel_area),
            None if self.min_kernel_area == 1 => "every kernel area".to_string(),
            None => format!("kernel area ≥ {}", self.min_kernel_area),
        };
        match self.op {
            Some(KernelOp::Matmul) if self.min_kernel_area == 1 => "matmul".to_string(),
            Some(op) => format!("{} {range}", op.name()),
            None => range,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// How the constants were obtained (`paper constants`, `cargo xtask fit …`).
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    /// Mean absolute percentage error of the fit on its own samples.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_non_negative"
    )]
    pub fit_mape_pct: Option<f64>,
    /// Free-form facts about the machine: CPU model, threads, driver, clocks, versions.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub environment: std::collections::BTreeMap<String, String>,
}

/// A profile that could not be read: where, and which rule it broke.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message}")]
pub struct ProfileError {
    /// The file (or `<embedded>`) the text came from, as the caller named it.
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Profile {
    /// Parses and checks a profile; `origin` names the text in errors (usually its path).
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            ProfileError {
                origin: origin.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        if profile.format < 2 && profile.residual.is_some() {
            let (line, column) = line_col(text, text.find("[residual").unwrap_or(0));
            return Err(ProfileError {
                origin: origin.to_string(),
                line,
                column,
                message: "[residual] needs `format = 2`; change the format line".to_string(),
            });
        }
        if profile.format < 2 && profile.uses_format_2() {
            // Points at the first section format 1 does not have.
            let at = [
                "[[gemm_class]]",
                "[[elementwise_class]]",
                "[[fitted_range]]",
            ]
            .iter()
            .filter_map(|s| text.find(s))
            .min()
            .unwrap_or(0);
            let (line, column) = line_col(text, at);
            return Err(ProfileError {
                origin: origin.to_string(),
                line,
                column,
                message: "[[gemm_class]], [[elementwise_class]] and [[fitted_range]] need `format = 2`; change the format line".to_string(),
            });
        }
        Ok(profile)
    }

    /// Whether the profile has sections format 1 does not (it is written as format 2).
    pub fn uses_format_2(&self) -> bool {
        !(self.gemm_classes.is_empty()
            && self.elementwise_classes.is_empty()
            && self.fitted_ranges.is_empty()
            && self.residual.is_none())
    }

    /// The embedded default profile (the paper's Quadro T2000 constants).
    pub fn default_profile() -> Profile {
        // The embedded text is checked by a unit test, so this cannot fail at run time.
        Profile::from_toml_str(DEFAULT_PROFILE_TOML, "<embedded default profile>")
            .unwrap_or_else(|e| unreachable!("the embedded default profile is invalid: {e}"))
    }

    /// A profile shipped inside alphaflops ([`SHIPPED`]) by name, e.g. `nvidia-h200-cudnn-tf32`.
    pub fn shipped(name: &str) -> Option<Profile> {
        let (_, text) = SHIPPED.iter().find(|(n, _)| *n == name)?;
        // Every shipped text is checked by a unit test, so this cannot fail at run time.
        Some(
            Profile::from_toml_str(text, &format!("<shipped profile {name}>"))
                .unwrap_or_else(|e| unreachable!("shipped profile {name} is invalid: {e}")),
        )
    }

    /// Renders the profile as TOML (what `cargo xtask fit` writes).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| unreachable!("a profile always serializes: {e}"))
    }

    /// The class for a kernel: among the classes of its op if the profile has any, else
    /// among those without an op. A parsed profile has one for every op and `K ≥ 1`; a
    /// profile built in code may not.
    pub fn class(&self, op: KernelOp, kernel_area: u64) -> Option<&AlphaClass> {
        let own = self.alpha_classes.iter().any(|c| c.op == Some(op));
        let key = own.then_some(op);
        self.alpha_classes
            .iter()
            .find(|c| c.op == key && c.contains(kernel_area))
    }

    /// α for one kernel's inputs with this profile's class constants, or `None` when no class
    /// covers its op and kernel area.
    pub fn alpha(&self, input: AlphaInput) -> Option<f64> {
        let class = self.class(input.op, input.kernel_area)?;
        Some(class.alpha(input))
    }

    /// The time a kernel's tensors (inputs, outputs, weights) take to cross the device's
    /// memory bandwidth, when the profile records it; 0 otherwise. A physical lower bound
    /// whatever the fitted terms say: a decode step, which streams every weight once, is
    /// priced at least at its weights' bytes over the bandwidth.
    pub fn physical_floor_ms(&self, kernel: &Kernel) -> f64 {
        self.device.memory_bandwidth_bytes_per_s.map_or(0.0, |bw| {
            1e3 * kernel.elements_moved as f64 * self.dtype_bytes() as f64 / bw
        })
    }

    /// This profile with `bytes` per element for its memory terms and bandwidth floor (a
    /// model's own dtype); itself when its dtype already has that size.
    pub fn with_element_bytes(&self, bytes: u64) -> std::borrow::Cow<'_, Profile> {
        let dtype = match bytes {
            8 => "f64",
            2 => "bf16",
            1 => "i8",
            _ => "f32",
        };
        if bytes == self.dtype_bytes() || crate::memory::dtype_bytes(dtype) != Some(bytes) {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut p = self.clone();
        p.device.dtype = dtype.to_string();
        std::borrow::Cow::Owned(p)
    }

    /// Bytes per element of the profile's dtype.
    pub fn dtype_bytes(&self) -> u64 {
        match self.device.dtype.as_str() {
            "f64" => 8,
            "f16" | "bf16" => 2,
            "i8" => 1,
            _ => 4,
        }
    }

    /// The elements a kernel moves as the profile's memory term counts them.
    pub fn memory_elements(&self, kernel: &Kernel) -> u64 {
        match self.timing.memory {
            Memory::Tensors => kernel.elements_moved,
            Memory::Im2col => kernel.unfolded_elements.unwrap_or(kernel.elements_moved),
        }
    }

    /// Predicted milliseconds of one kernel launch doing `alpha_flops` α-FLOPs and moving
    /// `elements` elements (as [`Profile::memory_elements`] counts them); `class` is the
    /// kernel's α class, whose own latency and floor (if any) replace the profile's.
    pub fn kernel_ms(&self, class: Option<&AlphaClass>, alpha_flops: f64, elements: u64) -> f64 {
        let t = &self.timing;
        let latency = class.and_then(|c| c.latency_ms).unwrap_or(t.latency_ms);
        let floor = class.and_then(|c| c.floor_ms).unwrap_or(t.floor_ms);
        let compute = t.ms_per_flop * alpha_flops;
        let memory = t.ms_per_byte * (elements as f64) * (self.dtype_bytes() as f64);
        let ms = latency
            + match t.combine {
                Combine::Sum => compute + memory,
                Combine::Max => compute.max(memory),
            };
        ms.max(floor)
    }

    /// Energy in joules for `ms` milliseconds, if the profile knows the device's power.
    pub fn energy_j(&self, ms: f64) -> Option<f64> {
        self.device.power_w.map(|w| w * ms / 1000.0)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

// Validating deserializers: an error raised here carries the span of the value it rejects.

fn finite<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(D::Error::custom(format!("{v} is not a finite number")))
    }
}

pub(crate) fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = finite(d)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(D::Error::custom(format!("must be greater than 0, got {v}")))
    }
}

pub(crate) fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = finite(d)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(D::Error::custom(format!("must not be negative, got {v}")))
    }
}

fn opt_positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    positive(d).map(Some)
}

pub(crate) fn opt_non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    non_negative(d).map(Some)
}

fn beta<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = finite(d)?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(D::Error::custom(format!("beta must be in (0, 1], got {v}")))
    }
}

fn format_version<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if (FIRST_FORMAT..=FORMAT).contains(&v) {
        Ok(v)
    } else {
        Err(D::Error::custom(format!(
            "this alphaflops reads profile formats {FIRST_FORMAT} to {FORMAT}, the file says {v}"
        )))
    }
}

/// A file's `format = N`, refused where it is written unless it is `expected`; `fix` (with
/// its leading "; ") says how to get a file of the right format.
pub(crate) fn version<'de, D: Deserializer<'de>>(
    d: D,
    expected: u32,
    file: &str,
    fix: &str,
) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v == expected {
        Ok(v)
    } else {
        Err(D::Error::custom(format!(
            "this alphaflops reads {file} format {expected}, the file says {v}{fix}"
        )))
    }
}

const DTYPES: &[&str] = &["f32", "tf32", "f16", "bf16", "f64", "i8"];

fn dtype<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = String::deserialize(d)?;
    if DTYPES.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(D::Error::custom(format!(
            "unknown dtype `{v}`, expected one of {}",
            DTYPES.join(", ")
        )))
    }
}

fn classes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<AlphaClass>, D::Error> {
    let mut list = Vec::<AlphaClass>::deserialize(d)?;
    if list.is_empty() {
        return Err(D::Error::custom(
            "alpha_class is empty: add at least one [[alpha_class]] with min_kernel_area = 1",
        ));
    }
    // Classes without an op first, then per op; each group by kernel area.
    let rank = |op: Option<KernelOp>| op.map_or(0, |o| 1 + o as usize);
    list.sort_by_key(|c| (rank(c.op), c.min_kernel_area));
    for group in list.chunk_by(|a, b| a.op == b.op) {
        check_coverage(group).map_err(D::Error::custom)?;
    }
    let has_own = |op| list.iter().any(|c| c.op == Some(op));
    if KernelOp::ALL.into_iter().all(has_own) && list.iter().any(|c| c.op.is_none()) {
        return Err(D::Error::custom(
            "the alpha classes without `op` price nothing: every op has classes of its own; remove them, or the `op` of one op's classes",
        ));
    }
    if let Some(op) = KernelOp::ALL
        .into_iter()
        .find(|&op| !list.iter().any(|c| c.op.is_none_or(|o| o == op)))
    {
        return Err(D::Error::custom(format!(
            "no alpha class prices `{}` kernels: add classes without `op` (they price every op without classes of its own) or with op = \"{}\"",
            op.name(),
            op.name()
        )));
    }
    Ok(list)
}

/// Checks that one op's classes (sorted by `min_kernel_area`) cover every kernel area from 1
/// up, once.
fn check_coverage(group: &[AlphaClass]) -> Result<(), String> {
    let whose = group
        .first()
        .and_then(|c| c.op)
        .map_or(String::new(), |op| format!(" with op = \"{}\"", op.name()));
    let mut next = 1u64;
    for (i, c) in group.iter().enumerate() {
        if c.min_kernel_area != next {
            return Err(format!(
                "alpha classes{whose} must cover every kernel area from 1 up without gaps or overlaps: expected a class starting at {next}, found one starting at {}",
                c.min_kernel_area
            ));
        }
        match c.max_kernel_area {
            Some(max) if max < c.min_kernel_area => {
                return Err(format!(
                    "max_kernel_area {max} is below min_kernel_area {} in an alpha class{whose}: make it at least {}, or leave it out for an unbounded class",
                    c.min_kernel_area, c.min_kernel_area
                ));
            }
            Some(max) => next = max.saturating_add(1),
            None if i + 1 == group.len() => return Ok(()),
            None => {
                return Err(format!(
                    "only the last alpha class{whose} may leave max_kernel_area out"
                ));
            }
        }
    }
    Err(format!(
        "alpha classes{whose} end at kernel area {}: leave max_kernel_area out of the last class so every kernel has one",
        next - 1
    ))
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Gpu => "gpu",
        })
    }
}
