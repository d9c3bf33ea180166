//! One measured configuration: what a row of a timing CSV describes, as a catalog layer.
//!
//! A row times one op ([`WorkloadOp`]) on an NCHW tensor `[batch, c_in, h, w]`; the op is
//! built as the core catalog layer it is, so a row is priced exactly like that layer in a
//! model. What the sizes mean per op:
//!
//! | op | layer | input | `c_out` | `k1×k2` | `stride` | `groups` |
//! |---|---|---|---|---|---|---|
//! | `conv2d` | [`Layer::Conv`] (no bias) | `[batch, c_in, h, w]` | output channels | kernel | stride | groups (`c_in` = `c_out` = `groups`: depthwise) |
//! | `conv2d`, dense row | [`Layer::Linear`] (no bias) | `[h, c_in]` | `d_output` | 1×1 | 1 | 1 |
//! | `relu`, `gelu`, `silu` | [`Layer::Activation`] | `[batch, c_in, h, w]` | `c_in` | 1×1 | 1 | 1 |
//! | `add` | [`Layer::Add`] of two inputs | `[batch, c_in, h, w]` twice | `c_in` | 1×1 | 1 | 1 |
//! | `max_pool`, `avg_pool` | [`Layer::Pool`], no padding | `[batch, c_in, h, w]` | `c_in` | window | stride | 1 |
//! | `batch_norm` | [`Layer::BatchNorm`] (inference) | `[batch, c_in, h, w]` | `c_in` | 1×1 | 1 | 1 |
//! | `layer_norm` | [`Layer::LayerNorm`] over `c_in` | `[batch, h, w, c_in]` (channels last, as tokens) | `c_in` | 1×1 | 1 | 1 |
//! | `softmax` | [`Layer::Softmax`] over the last axis | `[batch, c_in, h, w]` (rows of `w`) | `c_in` | 1×1 | 1 | 1 |
//!
//! For `conv2d` with stride 1 the padding is "same" (output = input size, the paper's
//! setting); with a larger stride it is `k/2` on each side. A dense layer of batch `B` is the
//! conv2d row `h = B, w = 1, k1 = k2 = 1` (batch, stride and groups 1): it has the MACs, the
//! `S` and the tensors of a 1×1 convolution over an `B × 1` image, and is priced as the dense
//! layer it is, so a profile with classes per op gives it the matmul constants.

use serde::{Deserialize, Serialize};

use crate::cost::{KernelPrice, price_kernels};
use crate::kernel::Elementwise;
use crate::layer::{Activation, Conv, Layer, LayerError, LayerEval, Padding, Pool, PoolKind};
use crate::profile::Profile;
use crate::shape::Shape;

/// The op a measured row times (the CSV's `op` column; `conv2d` when absent).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadOp {
    /// A convolution, or a dense layer (see the module table).
    #[default]
    Conv2d,
    Relu,
    Gelu,
    Silu,
    /// Element-wise sum of two tensors of the same shape (a residual).
    Add,
    MaxPool,
    AvgPool,
    BatchNorm,
    LayerNorm,
    Softmax,
}

impl WorkloadOp {
    pub const ALL: [WorkloadOp; 10] = [
        WorkloadOp::Conv2d,
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

    /// The name the CSV's `op` column holds.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadOp::Conv2d => "conv2d",
            WorkloadOp::Relu => "relu",
            WorkloadOp::Gelu => "gelu",
            WorkloadOp::Silu => "silu",
            WorkloadOp::Add => "add",
            WorkloadOp::MaxPool => "max_pool",
            WorkloadOp::AvgPool => "avg_pool",
            WorkloadOp::BatchNorm => "batch_norm",
            WorkloadOp::LayerNorm => "layer_norm",
            WorkloadOp::Softmax => "softmax",
        }
    }

    pub fn from_name(name: &str) -> Option<WorkloadOp> {
        WorkloadOp::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Every name, for messages.
    pub fn names() -> String {
        WorkloadOp::ALL.map(WorkloadOp::name).join(", ")
    }

    /// Whether the op has a window (`k1×k2` and `stride` mean something).
    pub fn has_window(self) -> bool {
        matches!(
            self,
            WorkloadOp::Conv2d | WorkloadOp::MaxPool | WorkloadOp::AvgPool
        )
    }

    /// The element-wise class of the kernel this op runs; `None` for `conv2d`.
    pub fn elementwise(self) -> Option<Elementwise> {
        match self {
            WorkloadOp::Conv2d => None,
            WorkloadOp::Relu | WorkloadOp::Gelu | WorkloadOp::Silu => Some(Elementwise::Activation),
            WorkloadOp::Add => Some(Elementwise::Binary),
            WorkloadOp::MaxPool | WorkloadOp::AvgPool => Some(Elementwise::Pool),
            WorkloadOp::BatchNorm | WorkloadOp::LayerNorm => Some(Elementwise::Norm),
            WorkloadOp::Softmax => Some(Elementwise::Softmax),
        }
    }
}

impl std::fmt::Display for WorkloadOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One measured configuration (see the module table for what the sizes mean per op).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Workload {
    pub batch: u64,
    pub h: u64,
    pub w: u64,
    pub c_in: u64,
    pub c_out: u64,
    pub k1: u64,
    pub k2: u64,
    pub stride: u64,
    /// Convolution groups (1: dense convolution).
    #[serde(default = "one")]
    pub groups: u64,
    #[serde(default)]
    pub op: WorkloadOp,
}

fn one() -> u64 {
    1
}

/// The name rows of convolutions were known by before other ops were measured.
pub type ConvWorkload = Workload;

impl Workload {
    /// A conv2d row with stride 1, batch 1 and one group: the paper's setting.
    pub fn new(h: u64, w: u64, c_in: u64, c_out: u64, k1: u64, k2: u64) -> Self {
        Workload {
            batch: 1,
            h,
            w,
            c_in,
            c_out,
            k1,
            k2,
            stride: 1,
            groups: 1,
            op: WorkloadOp::Conv2d,
        }
    }

    /// A row of a window-less op on `[batch, channels, h, w]` (`c_out = c_in`, 1×1, stride 1).
    pub fn elementwise(op: WorkloadOp, batch: u64, channels: u64, h: u64, w: u64) -> Self {
        Workload {
            batch,
            op,
            ..Workload::new(h, w, channels, channels, 1, 1)
        }
    }

    /// A pooling row: a `k×k` window moved by `stride`, no padding.
    pub fn pool(
        op: WorkloadOp,
        batch: u64,
        channels: u64,
        h: u64,
        w: u64,
        k: u64,
        stride: u64,
    ) -> Self {
        Workload {
            batch,
            stride,
            op,
            ..Workload::new(h, w, channels, channels, k, k)
        }
    }

    /// A conv2d row's dense layer: `h` rows of `c_in` features, `w = 1`, a 1×1 kernel, batch,
    /// stride and groups 1.
    pub fn is_dense(&self) -> bool {
        self.op == WorkloadOp::Conv2d
            && self.w == 1
            && self.k1 == 1
            && self.k2 == 1
            && self.stride == 1
            && self.batch == 1
            && self.groups == 1
    }

    pub fn input(&self) -> Shape {
        match self.op {
            _ if self.is_dense() => Shape(vec![self.h, self.c_in]),
            WorkloadOp::LayerNorm => Shape(vec![self.batch, self.h, self.w, self.c_in]),
            _ => Shape(vec![self.batch, self.c_in, self.h, self.w]),
        }
    }

    pub fn layer(&self) -> Layer {
        match self.op {
            WorkloadOp::Conv2d if self.is_dense() => Layer::Linear {
                d_input: self.c_in,
                d_output: self.c_out,
                bias: false,
            },
            WorkloadOp::Conv2d => {
                let padding = if self.stride == 1 {
                    Padding::Same
                } else {
                    Padding::symmetric(&[self.k1 / 2, self.k2 / 2])
                };
                Layer::Conv(
                    Conv::new(self.c_in, self.c_out, &[self.k1, self.k2])
                        .stride(&[self.stride, self.stride])
                        .padding(padding)
                        .groups(self.groups)
                        .bias(false),
                )
            }
            WorkloadOp::Relu => Layer::Activation(Activation::Relu),
            WorkloadOp::Gelu => Layer::Activation(Activation::Gelu),
            WorkloadOp::Silu => Layer::Activation(Activation::Silu),
            WorkloadOp::Add => Layer::Add,
            WorkloadOp::MaxPool | WorkloadOp::AvgPool => {
                let kind = if self.op == WorkloadOp::MaxPool {
                    PoolKind::Max
                } else {
                    PoolKind::Avg
                };
                Layer::Pool(
                    Pool::new(kind, &[self.k1, self.k2]).stride(&[self.stride, self.stride]),
                )
            }
            WorkloadOp::BatchNorm => Layer::BatchNorm {
                num_features: self.c_in,
            },
            WorkloadOp::LayerNorm => Layer::LayerNorm { d_model: self.c_in },
            WorkloadOp::Softmax => Layer::Softmax { dim: -1 },
        }
    }

    /// Sizes that mean nothing for the op must keep their neutral value, so that one row
    /// has one reading.
    fn check(&self) -> Result<(), LayerError> {
        let op = self.op.name();
        if self.op != WorkloadOp::Conv2d {
            if self.c_out != self.c_in {
                return Err(LayerError::Invalid(format!(
                    "{op} keeps its channels: c_out must equal c_in = {}, got {}",
                    self.c_in, self.c_out
                )));
            }
            if self.groups != 1 {
                return Err(LayerError::Invalid(format!(
                    "groups = {} applies to conv2d only; give 1 for {op}",
                    self.groups
                )));
            }
        }
        if !self.op.has_window() && (self.k1, self.k2, self.stride) != (1, 1, 1) {
            return Err(LayerError::Invalid(format!(
                "{op} has no window: k1, k2 and stride must be 1, got {}, {}, {}",
                self.k1, self.k2, self.stride
            )));
        }
        Ok(())
    }

    pub fn eval(&self) -> Result<LayerEval, LayerError> {
        self.check()?;
        let input = self.input();
        if self.op == WorkloadOp::Add {
            return self
                .layer()
                .infer_with(&input, std::slice::from_ref(&input));
        }
        self.layer().infer(&input)
    }

    /// α-FLOPs and predicted time on `profile`.
    pub fn price(&self, profile: &Profile) -> Result<KernelPrice, LayerError> {
        price_kernels(profile, &self.eval()?.kernels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in WorkloadOp::ALL {
            assert_eq!(WorkloadOp::from_name(op.name()), Some(op));
        }
        assert_eq!(WorkloadOp::from_name("conv"), None);
        assert_eq!(WorkloadOp::default(), WorkloadOp::Conv2d);
    }

    /// Each op is the catalog layer it names, with that layer's kernel class.
    #[test]
    fn ops_are_their_catalog_layers() {
        let shape = Shape(vec![2, 8, 6, 5]);
        for op in WorkloadOp::ALL {
            let w = match op {
                WorkloadOp::Conv2d => continue,
                WorkloadOp::MaxPool | WorkloadOp::AvgPool => Workload::pool(op, 2, 8, 6, 5, 2, 2),
                _ => Workload::elementwise(op, 2, 8, 6, 5),
            };
            let e = w.eval().unwrap();
            assert_eq!(e.kernels.len(), 1, "{op}");
            assert_eq!(e.kernels[0].elementwise, op.elementwise(), "{op}");
            assert_eq!(e.kernels[0].gemm, None, "{op}");
            let want = match op {
                WorkloadOp::Add => w
                    .layer()
                    .infer_with(&shape, std::slice::from_ref(&shape))
                    .unwrap(),
                WorkloadOp::LayerNorm => w.layer().infer(&Shape(vec![2, 6, 5, 8])).unwrap(),
                _ => w.layer().infer(&shape).unwrap(),
            };
            assert_eq!(e.kernels, want.kernels, "{op}");
        }
        // A 2×2 window of stride 2 halves the sides (5 → 2: no padding, floor).
        let pooled = Workload::pool(WorkloadOp::MaxPool, 2, 8, 6, 5, 2, 2)
            .eval()
            .unwrap();
        assert_eq!(pooled.output, Shape(vec![2, 8, 3, 2]));
    }

    #[test]
    fn groups_divide_the_work() {
        let dense = Workload::new(16, 16, 32, 32, 3, 3).eval().unwrap();
        let depthwise = Workload {
            groups: 32,
            ..Workload::new(16, 16, 32, 32, 3, 3)
        };
        let e = depthwise.eval().unwrap();
        assert_eq!(e.kernels[0].macs * 32, dense.kernels[0].macs);
        let g = e.kernels[0].gemm.unwrap();
        assert_eq!((g.batch, g.n, g.k), (32, 1, 9));
        assert!(!depthwise.is_dense());
        let bad = Workload {
            groups: 3,
            ..Workload::new(16, 16, 32, 32, 3, 3)
        };
        assert!(matches!(bad.eval(), Err(LayerError::Groups { .. })));
    }

    #[test]
    fn sizes_without_meaning_are_refused() {
        let relu = Workload::elementwise(WorkloadOp::Relu, 1, 4, 4, 4);
        for (bad, want) in [
            (Workload { c_out: 8, ..relu }, "c_out must equal c_in"),
            (Workload { k1: 3, ..relu }, "has no window"),
            (Workload { stride: 2, ..relu }, "has no window"),
            (Workload { groups: 2, ..relu }, "applies to conv2d only"),
        ] {
            let e = bad.eval().unwrap_err().to_string();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
        // A pooling window bigger than the input has no output.
        assert!(
            Workload::pool(WorkloadOp::AvgPool, 1, 4, 2, 2, 3, 1)
                .eval()
                .is_err()
        );
    }

    /// Rows written before `op` and `groups` existed deserialize as the conv2d rows they were.
    #[test]
    fn old_rows_deserialize_as_conv2d() {
        let w: Workload = serde_json::from_str(
            r#"{"batch":1,"h":8,"w":8,"c_in":4,"c_out":4,"k1":3,"k2":3,"stride":1}"#,
        )
        .unwrap();
        assert_eq!(w, Workload::new(8, 8, 4, 4, 3, 3));
    }
}
