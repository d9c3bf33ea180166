//! The α correction of Asperti, Evangelista and Marzolla (LOD 2021, arXiv 2107.11949).
//!
//! ```text
//! α_K(S) = ((S_K + β_K·(S − S_K)) / S)^γ_K,   S_K = 1 + ln(K1·K2)
//! ```
//!
//! `S` is the number of independent output positions a kernel is applied to: the output's
//! spatial size times the batch for a convolution, the product of the leading (batch and
//! sequence) dimensions for a dense layer. `K = K1·K2` is the kernel area (1 for a dense layer).
//!
//! # Domain
//! Defined for `S ≥ 1`, `K ≥ 1`, `β ∈ (0, 1]`, `γ ≥ 0`; every shape the catalog accepts has
//! `S ≥ 1`. At `S = S_K` it is exactly 1. Above `S_K` it decreases towards `β^γ` as `S` grows
//! (large inputs parallelise well). Below `S_K` it is greater than 1: an input too small to fill
//! the device costs more per FLOP. The formula is applied there unchanged, as in the reference
//! code; nothing is clamped.

use serde::{Deserialize, Serialize};

/// The inputs of α for one kernel launch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlphaInput {
    /// `K1·K2`: the kernel's area (1 for dense layers and matmuls).
    pub kernel_area: u64,
    /// `S`: output positions (spatial size × batch, or leading dims of a dense layer).
    pub s: u64,
    /// What kind of kernel runs: a profile may give each its own α classes.
    pub op: KernelOp,
}

impl AlphaInput {
    /// A convolution (or transposed convolution) with kernel area `K1·K2` over `s` positions.
    pub fn conv(kernel_area: u64, s: u64) -> AlphaInput {
        AlphaInput {
            kernel_area,
            s,
            op: KernelOp::Conv,
        }
    }

    /// A matrix product (dense layer, attention projection or score) over `s` rows: kernel
    /// area 1.
    pub fn matmul(s: u64) -> AlphaInput {
        AlphaInput {
            kernel_area: 1,
            s,
            op: KernelOp::Matmul,
        }
    }
}

/// The two kinds of kernels α prices. They run different library code (cuDNN or im2col
/// convolutions against cuBLAS or gemm matrix products), so a dense layer and a 1×1
/// convolution with the same MACs and the same `S` need not take the same time; a profile
/// can give each kind its own classes (`op` in `[[alpha_class]]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KernelOp {
    /// Convolutions and transposed convolutions.
    Conv,
    /// Dense layers, matmuls, attention's projections and products.
    Matmul,
}

impl KernelOp {
    pub const ALL: [KernelOp; 2] = [KernelOp::Conv, KernelOp::Matmul];

    pub fn name(self) -> &'static str {
        match self {
            KernelOp::Conv => "conv",
            KernelOp::Matmul => "matmul",
        }
    }
}

/// `S_K = 1 + ln(K)`.
pub fn s_k(kernel_area: u64) -> f64 {
    1.0 + (kernel_area as f64).ln()
}

/// `α_K(S)` for given β and γ; see the module docs for its domain. `S` is real so the
/// curve can be evaluated anywhere (shapes give integers).
pub fn alpha(kernel_area: u64, s: f64, beta: f64, gamma: f64) -> f64 {
    let s_k = s_k(kernel_area);
    ((s_k + beta * (s - s_k)) / s).powf(gamma)
}
