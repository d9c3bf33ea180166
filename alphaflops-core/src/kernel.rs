//! What one kernel launch does, as pricing sees it: its counts, α's inputs, the GEMM it runs
//! and the traffic it moves. Layers ([`crate::layer`]) produce kernels; profiles price them.

use serde::{Deserialize, Serialize};

use crate::alpha::AlphaInput;

/// One kernel launch a layer performs, with what pricing needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kernel {
    pub macs: u64,
    /// `2·macs` plus the element-wise FLOPs.
    pub flops: u64,
    /// α's inputs, for kernels with a kernel/matmul structure; element-wise kernels have
    /// none and are priced with α = 1.
    pub alpha: Option<AlphaInput>,
    /// Elements read and written (inputs, outputs and weights), for the memory term.
    pub elements_moved: u64,
    /// The GEMM's input matrix when the kernel runs as im2col + GEMM (candle and most CPU
    /// backends): for a convolution the unfolded input, `N · output positions · c_in · K1·K2`
    /// elements (every group's columns); for a dense layer its input (a 1×1 convolution's
    /// unfolding). Profiles with `memory = "im2col"` price these elements instead of
    /// `elements_moved`; `None` for kernels without such a matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unfolded_elements: Option<u64>,
    /// The GEMM a linear-algebra kernel runs (implicit GEMM for a convolution); `None` for
    /// element-wise kernels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemm: Option<Gemm>,
    /// The class of an element-wise kernel; `None` for linear-algebra kernels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elementwise: Option<Elementwise>,
}

/// `batch` independent products of an `m × k` by a `k × n` matrix: `macs = batch·m·n·k`.
///
/// A convolution is the implicit GEMM cuDNN and im2col backends run: `m` = batch · output
/// positions, `n` = output channels per group, `k` = input channels per group · kernel area,
/// `batch` = groups. A transposed convolution scatters: `m` = batch · input positions,
/// `n` = output channels per group · kernel area, `k` = input channels per group. A dense layer
/// is `m` = rows, `n` = d_output, `k` = d_input; attention's products are batched per head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Gemm {
    pub batch: u64,
    pub m: u64,
    pub n: u64,
    pub k: u64,
}

/// The families of element-wise kernels, which run different code and may be priced apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Elementwise {
    /// Activations (relu, gelu, silu, …), dropout at inference.
    Activation,
    /// Two-input element-wise ops: residual adds, products.
    Binary,
    /// Pooling windows (max, average, adaptive).
    Pool,
    /// Batch, layer and group normalisation.
    Norm,
    /// Softmax along one axis.
    Softmax,
    /// Data movement without arithmetic: embedding lookups, concatenation, tokens.
    Copy,
}

impl Elementwise {
    pub const ALL: [Elementwise; 6] = [
        Elementwise::Activation,
        Elementwise::Binary,
        Elementwise::Pool,
        Elementwise::Norm,
        Elementwise::Softmax,
        Elementwise::Copy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Elementwise::Activation => "activation",
            Elementwise::Binary => "binary",
            Elementwise::Pool => "pool",
            Elementwise::Norm => "norm",
            Elementwise::Softmax => "softmax",
            Elementwise::Copy => "copy",
        }
    }
}

impl Kernel {
    /// The kernels that run this one's backward pass in a training step.
    ///
    /// A GEMM `C = A·B` (a dense layer, a convolution as its implicit GEMM, attention's
    /// products) needs both gradients: `dA = dC·Bᵀ` and `dB = Aᵀ·dC`, each with the forward's
    /// MACs (for a dense layer `dX = dY·Wᵀ` and `dW = Xᵀ·dY`; for a convolution backward-data
    /// and backward-filter), moving tensors of the forward's sizes and priced with the
    /// forward's α inputs. The input gradient of a network's first layer is counted too, as the
    /// usual "training is three forward passes" convention does. An element-wise kernel's
    /// gradient costs its forward FLOPs and reads the output gradient besides the saved input:
    /// 1.5× the forward's traffic.
    pub fn backward(&self) -> Vec<Kernel> {
        match self.gemm {
            Some(g) => {
                let d_a = Gemm {
                    batch: g.batch,
                    m: g.m,
                    n: g.k,
                    k: g.n,
                };
                let d_b = Gemm {
                    batch: g.batch,
                    m: g.k,
                    n: g.n,
                    k: g.m,
                };
                [d_a, d_b]
                    .into_iter()
                    .map(|gemm| Kernel {
                        macs: self.macs,
                        // 2·macs is at most the forward's checked FLOPs: no overflow here.
                        flops: self.macs.saturating_mul(2),
                        alpha: self.alpha,
                        elements_moved: self.elements_moved,
                        unfolded_elements: self.unfolded_elements,
                        gemm: Some(gemm),
                        elementwise: None,
                    })
                    .collect()
            }
            None => vec![Kernel {
                // Only past 1.2e19 elements, where the time is meaningless anyway.
                elements_moved: self.elements_moved.saturating_add(self.elements_moved / 2),
                gemm: None,
                ..self.clone()
            }],
        }
    }
}

/// Whether the runtime folds element-wise kernels into the kernel before them, as TensorRT,
/// torch.compile and XLA do: a profile of such a runtime (or a model run by one) says so,
/// and a fused kernel then costs no launch of its own. Eager frameworks (candle, burn,
/// PyTorch eager), which every measured profile here times, launch every kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fusion {
    /// Every kernel is a launch of its own.
    #[default]
    None,
    /// An activation, binary (residual add) or normalisation kernel right after a
    /// linear-algebra kernel, or after a kernel fused into one, runs as that kernel's
    /// epilogue. Pooling, softmax and copies stay launches of their own (they change the
    /// shape or reduce across it).
    Elementwise,
}

impl Fusion {
    /// Whether kernels of this class can be an epilogue.
    pub fn folds(self, class: Elementwise) -> bool {
        self == Fusion::Elementwise
            && matches!(
                class,
                Elementwise::Activation | Elementwise::Binary | Elementwise::Norm
            )
    }

    pub(crate) fn is_none(&self) -> bool {
        *self == Fusion::None
    }

    /// Whether `kernel` is fused into the kernel before it; `open` says whether that one can
    /// take an epilogue (a linear-algebra kernel, or a kernel fused into one), and is updated
    /// for the next kernel.
    pub fn fuses(self, open: &mut bool, kernel: &Kernel) -> bool {
        let fused = *open && kernel.elementwise.is_some_and(|c| self.folds(c));
        *open = kernel.gemm.is_some() || fused;
        fused
    }

    /// For kernels in execution order, whether each is fused into the one before it (and
    /// so costs no launch): a chain `conv → batch norm → add → relu` is one launch.
    pub fn fused(self, kernels: &[Kernel]) -> Vec<bool> {
        let mut open = false;
        kernels.iter().map(|k| self.fuses(&mut open, k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(gemm: bool, class: Option<Elementwise>) -> Kernel {
        Kernel {
            macs: 0,
            flops: 1,
            alpha: None,
            elements_moved: 1,
            unfolded_elements: None,
            gemm: gemm.then_some(Gemm {
                batch: 1,
                m: 1,
                n: 1,
                k: 1,
            }),
            elementwise: class,
        }
    }

    #[test]
    fn epilogues_fuse_into_the_gemm_before_them() {
        use Elementwise::*;
        let seq = [
            kernel(false, Some(Activation)), // nothing before it
            kernel(true, None),              // conv
            kernel(false, Some(Norm)),       // fused
            kernel(false, Some(Binary)),     // fused (chain)
            kernel(false, Some(Activation)), // fused (chain)
            kernel(false, Some(Pool)),       // a launch of its own
            kernel(false, Some(Activation)), // after the pool: its own
            kernel(true, None),
            kernel(false, Some(Softmax)), // never an epilogue
        ];
        assert_eq!(
            Fusion::Elementwise.fused(&seq),
            [false, false, true, true, true, false, false, false, false]
        );
        assert!(Fusion::None.fused(&seq).iter().all(|&f| !f));
        assert_eq!(Fusion::default(), Fusion::None);
        assert!(Fusion::Elementwise.fused(&[]).is_empty());
    }
}
