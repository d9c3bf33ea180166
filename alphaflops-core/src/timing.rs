//! The kernel-aware timing model: each linear-algebra kernel priced as the GEMM it runs, each
//! element-wise kernel by the bytes it moves, and the range a profile's fit covered.
//!
//! A `[[gemm_class]]` prices the kernels of one op (`conv`, `matmul`, or every op without
//! a class of its own) from their GEMM `batch × (m × k)·(k × n)` ([`Gemm`]):
//!
//! ```text
//! tiles   = batch · ⌈m / tile_m⌉ · ⌈n / tile_n⌉
//! waves   = ⌈tiles / units⌉
//! padded  = FLOPs · (waves · units · tile_m · tile_n · k) / (batch · m · n · k)
//! eff⁻¹   = (1 + m_half / m)^m_power · (1 + n_half / n)^n_power · (1 + k_half / k)^k_power
//! compute = ms_per_flop · α · padded · eff⁻¹          (α = α_K(S) of the alpha classes, or 1)
//! memory  = ms_per_byte · bytes                        (bytes as `memory` counts them)
//! t       = max(floor_ms, latency_ms + (compute ⊕ memory)),  ⊕ = + or max (`combine`)
//! ```
//!
//! The paper's α_K(S) is the saturation along M (S is the GEMM's M for a convolution or a
//! dense layer); the other two axes saturate the same way, `(1 + h/d)^p` being α's own shape
//! (`α = β^γ·(1 + ((1−β)/β)·S_K/S)^γ`). With `tile_m = tile_n = units = 1`, every `*_half = 0`
//! and no latency, floor or memory term the class is exactly the paper's form: each factor
//! is then exactly 1.0 and the arithmetic is the same, bit for bit (tested below).
//!
//! An `[[elementwise_class]]` prices element-wise kernels of one class (activation, binary,
//! pool, norm, softmax, copy, or every class without one of its own):
//! `t = max(floor_ms, latency_ms + ms_per_byte · bytes)`. A class may hold only the kernels
//! whose arithmetic intensity (FLOPs per element moved) lies in
//! `[min_intensity, max_intensity)`: core's FLOP counts do not carry the cost of a
//! transcendental, so on candle a GELU (4 FLOPs per element moved) takes 200× a ReLU's time
//! (0.5) for the same bytes, and one line through both fits neither. A profile without
//! element-wise classes prices them as before: α = 1 through `[timing]`.
//!
//! The α-FLOPs of an element-wise kernel priced by a class are its predicted time in the
//! profile's milliseconds per α-FLOP of a convolution ([`Profile::ms_per_alpha_flop`]): α-FLOPs
//! then rank every op by its time, as the paper's α-FLOPs rank convolutions, and a cheap
//! normalisation after a 1×1 convolution no longer outweighs it. Convolutions and dense layers
//! keep the paper's α exactly.
//!
//! A `[[fitted_range]]` records what the fit saw for one op (FLOPs, bytes, and the GEMM's
//! dimensions); [`Profile::outside_fitted_range`] tells a prediction outside it.

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use crate::alpha::KernelOp;
use crate::kernel::{Elementwise, Gemm, Kernel};
use crate::profile::{Combine, Memory, Profile};

/// Prices one op's GEMM kernels; see the module docs for the formula.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GemmClass {
    /// The op the class prices; absent: every op without a class of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<KernelOp>,
    /// Milliseconds per (padded, α-weighted) FLOP at full efficiency; > 0.
    #[serde(deserialize_with = "crate::profile::positive")]
    pub ms_per_flop: f64,
    /// Whether α_K(S) of the alpha classes multiplies the compute term (the M axis as in
    /// the paper); default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub alpha: bool,
    /// Saturation along M, N and K: `(1 + half/d)^power`, both ≥ 0; 0 means flat.
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub m_half: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub m_power: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub n_half: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub n_power: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub k_half: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub k_power: f64,
    /// Output tile of one parallel unit's work, in GEMM rows and columns; ≥ 1.
    #[serde(
        default = "one",
        deserialize_with = "at_least_one",
        skip_serializing_if = "is_one"
    )]
    pub tile_m: u64,
    #[serde(
        default = "one",
        deserialize_with = "at_least_one",
        skip_serializing_if = "is_one"
    )]
    pub tile_n: u64,
    /// Parallel units that run tiles at once (SMs, threads); ≥ 1.
    #[serde(
        default = "one",
        deserialize_with = "at_least_one",
        skip_serializing_if = "is_one"
    )]
    pub units: u64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub latency_ms: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub floor_ms: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub ms_per_byte: f64,
    #[serde(default, skip_serializing_if = "is_sum")]
    pub combine: Combine,
    #[serde(default, skip_serializing_if = "is_tensors")]
    pub memory: Memory,
}

/// Prices one class of element-wise kernels by the bytes they move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementwiseClass {
    /// The element-wise class priced; absent: every class without one of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Elementwise>,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub latency_ms: f64,
    #[serde(
        default,
        deserialize_with = "crate::profile::non_negative",
        skip_serializing_if = "is_zero"
    )]
    pub floor_ms: f64,
    #[serde(deserialize_with = "crate::profile::non_negative")]
    pub ms_per_byte: f64,
    /// FLOPs per element moved from which the class applies (inclusive); absent: from 0.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_non_negative"
    )]
    pub min_intensity: Option<f64>,
    /// FLOPs per element moved below which the class applies; absent: no bound.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_non_negative"
    )]
    pub max_intensity: Option<f64>,
}

/// What a fit saw of one op: the smallest and largest value of each quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedRange {
    /// `conv`, `matmul`, or an element-wise class (`activation`, `pool`, …).
    pub op: RangeOp,
    /// Measured rows behind the range.
    pub rows: u64,
    #[serde(deserialize_with = "span")]
    pub flops: [f64; 2],
    #[serde(deserialize_with = "span")]
    pub bytes: [f64; 2],
    /// GEMM dimensions (linear-algebra ops only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_span"
    )]
    pub m: Option<[f64; 2]>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_span"
    )]
    pub n: Option<[f64; 2]>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_span"
    )]
    pub k: Option<[f64; 2]>,
}

/// The op a [`FittedRange`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RangeOp {
    Gemm(KernelOp),
    Elementwise(Elementwise),
}

impl RangeOp {
    /// The op of a kernel, as ranges key it (`None` for a kernel with neither structure).
    pub fn of(kernel: &Kernel) -> Option<RangeOp> {
        match (kernel.alpha, kernel.elementwise) {
            (Some(a), _) => Some(RangeOp::Gemm(a.op)),
            (None, Some(e)) => Some(RangeOp::Elementwise(e)),
            (None, None) => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RangeOp::Gemm(op) => op.name(),
            RangeOp::Elementwise(e) => e.name(),
        }
    }
}

impl FittedRange {
    /// The range of `kernels` (all of op `op`); `None` when there are none.
    pub fn of<'a>(
        profile: &Profile,
        op: RangeOp,
        rows: u64,
        kernels: impl IntoIterator<Item = &'a Kernel>,
    ) -> Option<FittedRange> {
        let mut r: Option<FittedRange> = None;
        let widen = |s: &mut [f64; 2], v: f64| *s = [s[0].min(v), s[1].max(v)];
        for k in kernels {
            let flops = k.flops as f64;
            let bytes = bytes_of(profile, k, Memory::Tensors);
            let dims = k.gemm.map(|g| [g.m as f64, g.n as f64, g.k as f64]);
            match &mut r {
                None => {
                    r = Some(FittedRange {
                        op,
                        rows,
                        flops: [flops; 2],
                        bytes: [bytes; 2],
                        m: dims.map(|d| [d[0]; 2]),
                        n: dims.map(|d| [d[1]; 2]),
                        k: dims.map(|d| [d[2]; 2]),
                    })
                }
                Some(r) => {
                    widen(&mut r.flops, flops);
                    widen(&mut r.bytes, bytes);
                    if let Some(d) = dims {
                        for (s, v) in [&mut r.m, &mut r.n, &mut r.k].into_iter().zip(d) {
                            match s {
                                Some(s) => widen(s, v),
                                None => *s = Some([v; 2]),
                            }
                        }
                    }
                }
            }
        }
        r
    }

    /// Whether `kernel` lies within every span (a small tolerance for rounding).
    pub fn covers(&self, profile: &Profile, kernel: &Kernel) -> bool {
        let inside = |s: &[f64; 2], v: f64| v >= s[0] * (1.0 - 1e-9) && v <= s[1] * (1.0 + 1e-9);
        let mut ok = inside(&self.flops, kernel.flops as f64)
            && inside(&self.bytes, bytes_of(profile, kernel, Memory::Tensors));
        if let Some(g) = kernel.gemm {
            for (s, v) in [(&self.m, g.m), (&self.n, g.n), (&self.k, g.k)] {
                if let Some(s) = s {
                    ok &= inside(s, v as f64);
                }
            }
        }
        ok
    }
}

impl Profile {
    /// The GEMM class for `op`: its own, else the one without an op.
    pub fn gemm_class(&self, op: KernelOp) -> Option<&GemmClass> {
        let own = self.gemm_classes.iter().find(|c| c.op == Some(op));
        own.or_else(|| self.gemm_classes.iter().find(|c| c.op.is_none()))
    }

    /// The element-wise class for `class`: its own, else the one without a class.
    pub fn elementwise_class(&self, class: Elementwise) -> Option<&ElementwiseClass> {
        let own = self
            .elementwise_classes
            .iter()
            .find(|c| c.op == Some(class));
        own.or_else(|| self.elementwise_classes.iter().find(|c| c.op.is_none()))
    }

    /// The element-wise class that prices `kernel`: of its class and intensity, else of its
    /// class without a bound, else the one without a class (`None` for a kernel that is not
    /// element-wise, or a profile without such a class).
    pub fn elementwise_class_of(&self, kernel: &Kernel) -> Option<&ElementwiseClass> {
        let class = kernel.elementwise?;
        let i = intensity(kernel);
        let mine = |c: &&ElementwiseClass| c.op == Some(class);
        let bounded = |c: &ElementwiseClass| c.min_intensity.is_some() || c.max_intensity.is_some();
        let classes = &self.elementwise_classes;
        classes
            .iter()
            .filter(mine)
            .find(|c| bounded(c) && c.holds(i))
            .or_else(|| classes.iter().filter(mine).find(|c| !bounded(c)))
            .or_else(|| classes.iter().find(|c| c.op.is_none() && c.holds(i)))
    }

    /// Milliseconds per α-FLOP of a convolution at full efficiency: the convolutions' GEMM
    /// class's scale, else `[timing]`'s. Element-wise α-FLOPs are time in this unit.
    pub fn ms_per_alpha_flop(&self) -> f64 {
        self.gemm_class(KernelOp::Conv)
            .map_or(self.timing.ms_per_flop, |g| g.ms_per_flop)
    }

    /// Whether a prediction for `kernel` extrapolates: the profile records fitted ranges,
    /// and none for the kernel's op covers it (an op never measured is outside too).
    /// Profiles without ranges cannot say, and never mark a kernel.
    pub fn outside_fitted_range(&self, kernel: &Kernel) -> bool {
        if self.fitted_ranges.is_empty() {
            return false;
        }
        let Some(op) = RangeOp::of(kernel) else {
            return false;
        };
        !self
            .fitted_ranges
            .iter()
            .any(|r| r.op == op && r.covers(self, kernel))
    }
}

/// Bytes a kernel moves as `memory` counts them, in the profile's dtype.
pub fn bytes_of(profile: &Profile, kernel: &Kernel, memory: Memory) -> f64 {
    let elements = match memory {
        Memory::Tensors => kernel.elements_moved,
        Memory::Im2col => kernel.unfolded_elements.unwrap_or(kernel.elements_moved),
    };
    elements as f64 * profile.dtype_bytes() as f64
}

/// `(1 + half/d)^power`: exactly 1.0 when `half` is 0.
fn saturation(d: u64, half: f64, power: f64) -> f64 {
    if half == 0.0 || power == 0.0 {
        1.0
    } else {
        (1.0 + half / d.max(1) as f64).powf(power)
    }
}

impl GemmClass {
    /// The work a kernel's GEMM does once rounded up to whole tiles and whole waves, as a
    /// multiple of its own (1.0 exactly without tiles or units).
    pub fn padding(&self, g: Gemm) -> f64 {
        if self.tile_m == 1 && self.tile_n == 1 && self.units == 1 {
            return 1.0;
        }
        let (b, m, n, k) = (g.batch as f64, g.m as f64, g.n as f64, g.k as f64);
        let tiles = b * (m / self.tile_m as f64).ceil() * (n / self.tile_n as f64).ceil();
        let units = self.units as f64;
        let waves = (tiles / units).ceil();
        let padded = waves * units * self.tile_m as f64 * self.tile_n as f64 * k;
        padded / (b * m * n * k).max(1.0)
    }

    /// The inverse efficiency along M, N and K (1.0 exactly when every `*_half` is 0).
    pub fn saturation(&self, g: Gemm) -> f64 {
        saturation(g.m, self.m_half, self.m_power)
            * saturation(g.n, self.n_half, self.n_power)
            * saturation(g.k, self.k_half, self.k_power)
    }

    /// Predicted milliseconds of `kernel` (whose GEMM is `g`) with α = `alpha` (1 when the
    /// class leaves α out).
    pub fn kernel_ms(&self, profile: &Profile, kernel: &Kernel, g: Gemm, alpha: f64) -> f64 {
        let alpha = if self.alpha { alpha } else { 1.0 };
        // α·FLOPs first, as the paper's form multiplies, so the special case is bit for bit.
        let work = alpha * kernel.flops as f64 * self.padding(g);
        let compute = self.ms_per_flop * work * self.saturation(g);
        let memory = self.ms_per_byte * bytes_of(profile, kernel, self.memory);
        let ms = self.latency_ms
            + match self.combine {
                Combine::Sum => compute + memory,
                Combine::Max => compute.max(memory),
            };
        ms.max(self.floor_ms)
    }
}

/// FLOPs per element moved (0 for a kernel that moves nothing).
pub fn intensity(kernel: &Kernel) -> f64 {
    if kernel.elements_moved == 0 {
        0.0
    } else {
        kernel.flops as f64 / kernel.elements_moved as f64
    }
}

/// The time of an element-wise kernel fused into the kernel before it (the profile's `fusion`):
/// no launch, latency or floor, only the traffic the fusion does not remove. A unary epilogue
/// (activation, normalisation with per-channel constants) reads the producer's output in
/// registers and writes in its place: nothing beyond the producer's own write. A binary one
/// (a residual add, a gated product) also reads its second input: a third of its tensors.
/// Those bytes cost the class's `ms_per_byte` (else `[timing]`'s), and no less than the
/// device's bandwidth allows.
pub fn epilogue_ms(profile: &Profile, kernel: &Kernel) -> f64 {
    let extra = match kernel.elementwise {
        Some(Elementwise::Binary) => kernel.elements_moved / 3,
        _ => 0,
    };
    let bytes = extra as f64 * profile.dtype_bytes() as f64;
    let per_byte = profile
        .elementwise_class_of(kernel)
        .map_or(profile.timing.ms_per_byte, |c| c.ms_per_byte);
    let floor = profile
        .device
        .memory_bandwidth_bytes_per_s
        .map_or(0.0, |bw| 1e3 * bytes / bw);
    (per_byte * bytes).max(floor)
}

impl ElementwiseClass {
    /// Whether the class's intensity bounds hold `intensity`.
    pub fn holds(&self, intensity: f64) -> bool {
        self.min_intensity.is_none_or(|lo| intensity >= lo)
            && self.max_intensity.is_none_or(|hi| intensity < hi)
    }

    pub fn kernel_ms(&self, profile: &Profile, kernel: &Kernel) -> f64 {
        let bytes = bytes_of(profile, kernel, Memory::Tensors);
        (self.latency_ms + self.ms_per_byte * bytes).max(self.floor_ms)
    }
}

// Serde helpers and the checks parsing applies to the lists.

fn yes() -> bool {
    true
}
fn is_true(v: &bool) -> bool {
    *v
}
fn one() -> u64 {
    1
}
fn is_one(v: &u64) -> bool {
    *v == 1
}
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}
fn is_sum(c: &Combine) -> bool {
    *c == Combine::Sum
}
fn is_tensors(m: &Memory) -> bool {
    *m == Memory::Tensors
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = i64::deserialize(d)?;
    u64::try_from(v)
        .ok()
        .filter(|&v| v >= 1)
        .ok_or_else(|| D::Error::custom(format!("must be a whole number ≥ 1, got {v}")))
}

fn span<'de, D: Deserializer<'de>>(d: D) -> Result<[f64; 2], D::Error> {
    let s = <[f64; 2]>::deserialize(d)?;
    if s.iter().all(|v| v.is_finite() && *v >= 0.0) && s[0] <= s[1] {
        Ok(s)
    } else {
        Err(D::Error::custom(format!(
            "a range is [smallest, largest], both ≥ 0 and smallest first; got [{}, {}]",
            s[0], s[1]
        )))
    }
}

fn opt_span<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[f64; 2]>, D::Error> {
    span(d).map(Some)
}

fn opt_non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    crate::profile::non_negative(d).map(Some)
}

/// `[[gemm_class]]`: at most one per op and one without.
pub(crate) fn gemm_classes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<GemmClass>, D::Error> {
    let list = Vec::<GemmClass>::deserialize(d)?;
    for (i, c) in list.iter().enumerate() {
        if list[..i].iter().any(|o| o.op == c.op) {
            return Err(D::Error::custom(match c.op {
                Some(op) => format!("two [[gemm_class]] with op = \"{}\": keep one", op.name()),
                None => "two [[gemm_class]] without `op`: keep one, or give one an op".into(),
            }));
        }
    }
    Ok(list)
}

/// `[[elementwise_class]]`: at most one per class and one without.
pub(crate) fn elementwise_classes<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<ElementwiseClass>, D::Error> {
    let list = Vec::<ElementwiseClass>::deserialize(d)?;
    for (i, c) in list.iter().enumerate() {
        if let (Some(lo), Some(hi)) = (c.min_intensity, c.max_intensity)
            && lo >= hi
        {
            return Err(D::Error::custom(format!(
                "[[elementwise_class]] with min_intensity = {lo} and max_intensity = {hi} holds no kernel: make min_intensity the smaller"
            )));
        }
        // Two bounded classes of one op may share the op if their intensities do not overlap.
        let overlap = |o: &ElementwiseClass| {
            let lo = |c: &ElementwiseClass| c.min_intensity.unwrap_or(0.0);
            let hi = |c: &ElementwiseClass| c.max_intensity.unwrap_or(f64::INFINITY);
            let bounded =
                |c: &ElementwiseClass| c.min_intensity.is_some() || c.max_intensity.is_some();
            if bounded(o) && bounded(c) {
                lo(o) < hi(c) && lo(c) < hi(o)
            } else {
                bounded(o) == bounded(c)
            }
        };
        if list[..i].iter().any(|o| o.op == c.op && overlap(o)) {
            return Err(D::Error::custom(match c.op {
                Some(op) => format!(
                    "two [[elementwise_class]] with op = \"{}\" and overlapping intensities: keep one, or bound their min_intensity and max_intensity apart",
                    op.name()
                ),
                None => {
                    "two [[elementwise_class]] without `op`: keep one, or give one an op".into()
                }
            }));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::ConvWorkload;

    fn class() -> GemmClass {
        GemmClass {
            op: None,
            ms_per_flop: 1e-9,
            alpha: false,
            m_half: 0.0,
            m_power: 0.0,
            n_half: 0.0,
            n_power: 0.0,
            k_half: 0.0,
            k_power: 0.0,
            tile_m: 1,
            tile_n: 1,
            units: 1,
            latency_ms: 0.0,
            floor_ms: 0.0,
            ms_per_byte: 0.0,
            combine: Combine::Sum,
            memory: Memory::Tensors,
        }
    }

    fn gemm(batch: u64, m: u64, n: u64, k: u64) -> Gemm {
        Gemm { batch, m, n, k }
    }

    #[test]
    fn padding_steps_at_tile_and_wave_edges() {
        let c = GemmClass {
            tile_m: 64,
            tile_n: 32,
            units: 4,
            ..class()
        };
        // One tile fits exactly, but a wave has 4 units: 4 tiles' work.
        assert_eq!(c.padding(gemm(1, 64, 32, 8)), 4.0);
        // 4 tiles: one full wave, no padding.
        assert_eq!(c.padding(gemm(1, 128, 64, 8)), 1.0);
        // One row more: a fifth tile row → 6 tiles, 2 waves = 8 tiles of work.
        let p = c.padding(gemm(1, 129, 64, 8));
        assert!(
            (p - 8.0 * 64.0 * 32.0 / (129.0 * 64.0)).abs() < 1e-12,
            "{p}"
        );
        // Within a tile the padded work is constant: time does not grow with m.
        assert_eq!(
            c.padding(gemm(1, 65, 64, 8)) * 65.0,
            c.padding(gemm(1, 128, 64, 8)) * 128.0
        );
        // Without tiles or units, exactly none.
        assert_eq!(class().padding(gemm(3, 7, 5, 11)), 1.0);
    }

    #[test]
    fn saturation_is_flat_at_zero_and_falls_with_size() {
        assert_eq!(class().saturation(gemm(1, 1, 1, 1)), 1.0);
        let c = GemmClass {
            n_half: 32.0,
            n_power: 1.0,
            k_half: 8.0,
            k_power: 0.5,
            ..class()
        };
        assert_eq!(c.saturation(gemm(1, 5, 32, 8)), 2.0 * 2f64.sqrt());
        let mut last = f64::INFINITY;
        for n in [1, 2, 7, 64, 1000, 100_000] {
            let s = c.saturation(gemm(1, 1, n, 8));
            assert!(s < last && s >= 1.0, "{n}: {s}");
            last = s;
        }
    }

    #[test]
    fn elementwise_prices_bytes_plus_launch() {
        let mut p = Profile::default_profile();
        p.elementwise_classes = vec![ElementwiseClass {
            op: None,
            latency_ms: 0.01,
            floor_ms: 0.0,
            ms_per_byte: 1e-9,
            min_intensity: None,
            max_intensity: None,
        }];
        let k = Kernel {
            macs: 0,
            flops: 100,
            alpha: None,
            elements_moved: 1000,
            unfolded_elements: None,
            gemm: None,
            elementwise: Some(Elementwise::Activation),
        };
        assert!(
            (p.elementwise_class(Elementwise::Pool)
                .unwrap()
                .kernel_ms(&p, &k)
                - (0.01 + 4e-6))
                .abs()
                < 1e-15
        );
    }

    fn ew(op: Option<Elementwise>, ms_per_byte: f64, bounds: [Option<f64>; 2]) -> ElementwiseClass {
        ElementwiseClass {
            op,
            latency_ms: 0.0,
            floor_ms: 0.0,
            ms_per_byte,
            min_intensity: bounds[0],
            max_intensity: bounds[1],
        }
    }

    fn eval(layer: crate::Layer, shape: [u64; 4]) -> Kernel {
        layer.infer(&shape.into()).unwrap().kernels.remove(0)
    }

    #[test]
    fn intensity_bounds_pick_the_class() {
        use crate::Activation;
        let mut p = Profile::default_profile();
        p.format = 2;
        let act = Some(Elementwise::Activation);
        p.elementwise_classes = vec![
            ew(act, 1e-9, [None, Some(1.0)]),
            ew(act, 2e-9, [Some(1.0), Some(3.0)]),
            ew(act, 3e-9, [Some(3.0), None]),
            ew(None, 4e-9, [None, None]),
        ];
        let shape = [1, 8, 16, 16];
        let relu = eval(crate::Layer::Activation(Activation::Relu), shape);
        let silu = eval(crate::Layer::Activation(Activation::Silu), shape);
        let gelu = eval(crate::Layer::Activation(Activation::Gelu), shape);
        assert_eq!(
            (intensity(&relu), intensity(&silu), intensity(&gelu)),
            (0.5, 2.5, 4.0)
        );
        let per_byte = |p: &Profile, k: &Kernel| p.elementwise_class_of(k).map(|c| c.ms_per_byte);
        assert_eq!(per_byte(&p, &relu), Some(1e-9));
        assert_eq!(per_byte(&p, &silu), Some(2e-9));
        assert_eq!(per_byte(&p, &gelu), Some(3e-9));
        // Another class falls to the class without an op.
        let bn = eval(crate::Layer::BatchNorm { num_features: 8 }, shape);
        assert_eq!(per_byte(&p, &bn), Some(4e-9));
        // A gap in the bounds falls to the class's unbounded entry, else the catch-all.
        p.elementwise_classes.remove(1);
        assert_eq!(per_byte(&p, &silu), Some(4e-9));
        p.elementwise_classes.push(ew(act, 5e-9, [None, None]));
        assert_eq!(per_byte(&p, &silu), Some(5e-9));
        assert_eq!(per_byte(&p, &relu), Some(1e-9));
        // Not element-wise: no class.
        let conv = &ConvWorkload::new(8, 8, 4, 4, 1, 1).eval().unwrap().kernels[0];
        assert!(p.elementwise_class_of(conv).is_none());
    }

    #[test]
    fn overlapping_or_empty_intensity_bounds_are_refused() {
        let mut base = Profile::default_profile();
        base.format = 2;
        let base = base.to_toml_string();
        let parse = |classes: &str| Profile::from_toml_str(&format!("{base}\n{classes}"), "t.toml");
        let class = |lo: &str, hi: &str| {
            format!("[[elementwise_class]]\nop = \"activation\"\nms_per_byte = 1e-9\n{lo}{hi}")
        };
        let ok = parse(&(class("max_intensity = 1.0\n", "") + &class("min_intensity = 1.0\n", "")));
        assert!(ok.is_ok(), "{ok:?}");
        let e = parse(&(class("max_intensity = 2.0\n", "") + &class("min_intensity = 1.0\n", "")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("overlapping intensities"), "{e}");
        let e = parse(&class("min_intensity = 2.0\n", "max_intensity = 2.0\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds no kernel"), "{e}");
        // One bounded and one unbounded class of an op may stand together.
        assert!(parse(&(class("max_intensity = 1.0\n", "") + &class("", ""))).is_ok());
    }

    /// A measured element-wise kernel's α-FLOPs are its time in convolution α-FLOPs; a
    /// convolution's are the paper's exactly.
    #[test]
    fn elementwise_alpha_flops_follow_time() {
        let mut p = Profile::default_profile();
        // A 1×1 class far from saturation at S = 1024 (α ≈ 0.002), as on a CPU.
        for c in p
            .alpha_classes
            .iter_mut()
            .filter(|c| c.min_kernel_area == 1)
        {
            (c.beta, c.gamma) = (0.001, 1.0);
        }
        let conv = ConvWorkload::new(32, 32, 64, 64, 1, 1)
            .eval()
            .unwrap()
            .kernels;
        let bn = vec![eval(
            crate::Layer::BatchNorm { num_features: 64 },
            [1, 64, 32, 32],
        )];
        let before = crate::price_kernels(&p, &conv).unwrap();
        // Without element-wise classes: α = 1, and here the norm outweighs the convolution.
        let bn_before = crate::price_kernels(&p, &bn).unwrap();
        assert_eq!(bn_before.alpha_flops, bn[0].flops as f64);
        assert!(bn_before.alpha_flops > before.alpha_flops);
        p.format = 2;
        p.elementwise_classes = vec![ElementwiseClass {
            latency_ms: 1e-5,
            ..ew(Some(Elementwise::Norm), 1e-10, [None, None])
        }];
        let after = crate::price_kernels(&p, &conv).unwrap();
        assert_eq!(after.alpha_flops.to_bits(), before.alpha_flops.to_bits());
        assert_eq!(after.predicted_ms.to_bits(), before.predicted_ms.to_bits());
        let bn_after = crate::price_kernels(&p, &bn).unwrap();
        let expect = bn_after.predicted_ms / p.timing.ms_per_flop;
        assert!((bn_after.alpha_flops - expect).abs() <= 1e-12 * expect);
        // Ranked by time, on both measures: the norm is the faster, and now has fewer.
        assert!(bn_after.predicted_ms < after.predicted_ms);
        assert!(bn_after.alpha_flops < after.alpha_flops);
        // With a GEMM class the unit is the convolutions' scale.
        let mut g = class();
        g.ms_per_flop = 7e-10;
        p.gemm_classes = vec![g];
        let bn_gemm = crate::price_kernels(&p, &bn).unwrap();
        assert!(
            (bn_gemm.alpha_flops - bn_gemm.predicted_ms / 7e-10).abs()
                <= 1e-9 * bn_gemm.alpha_flops
        );
    }

    #[test]
    fn ranges_cover_what_they_saw() {
        let p = Profile::default_profile();
        let kernels: Vec<Kernel> = [8, 16, 32]
            .iter()
            .flat_map(|&h| ConvWorkload::new(h, h, 4, 8, 3, 3).eval().unwrap().kernels)
            .collect();
        let r = FittedRange::of(&p, RangeOp::Gemm(KernelOp::Conv), 3, &kernels).unwrap();
        assert_eq!(r.m, Some([64.0, 1024.0]));
        assert!(kernels.iter().all(|k| r.covers(&p, k)));
        let bigger = &ConvWorkload::new(64, 64, 4, 8, 3, 3)
            .eval()
            .unwrap()
            .kernels[0];
        assert!(!r.covers(&p, bigger));
        let between = &ConvWorkload::new(20, 20, 4, 8, 3, 3)
            .eval()
            .unwrap()
            .kernels[0];
        assert!(r.covers(&p, between));
    }
}
