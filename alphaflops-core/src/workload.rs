//! One measured configuration: what a row of a timing CSV describes, as a catalog layer.
//!
//! The shared data and `cargo xtask measure` time one conv2d forward on `[batch, c_in, h, w]`
//! with a `k1×k2` kernel. With stride 1 the padding is "same" (output = input size, the
//! paper's setting); with a larger stride it is `k/2` on each side. A dense layer of batch `B`
//! is the row `h = B, w = 1, k1 = k2 = 1` (batch and stride 1): it has the MACs, the `S`
//! and the tensors of a 1×1 convolution over an `B × 1` image, and is priced as the dense
//! layer it is, so a profile with classes per op gives it the matmul constants.

use serde::{Deserialize, Serialize};

use crate::cost::{KernelPrice, price_kernels};
use crate::layer::{Conv, Layer, LayerError, LayerEval, Padding};
use crate::profile::Profile;
use crate::shape::Shape;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConvWorkload {
    pub batch: u64,
    pub h: u64,
    pub w: u64,
    pub c_in: u64,
    pub c_out: u64,
    pub k1: u64,
    pub k2: u64,
    pub stride: u64,
}

impl ConvWorkload {
    /// Stride 1, batch 1: the paper's setting.
    pub fn new(h: u64, w: u64, c_in: u64, c_out: u64, k1: u64, k2: u64) -> Self {
        ConvWorkload {
            batch: 1,
            h,
            w,
            c_in,
            c_out,
            k1,
            k2,
            stride: 1,
        }
    }

    /// A dense layer's row: `h` rows of `c_in` features, `w = 1`, a 1×1 kernel, batch and
    /// stride 1.
    pub fn is_dense(&self) -> bool {
        self.w == 1 && self.k1 == 1 && self.k2 == 1 && self.stride == 1 && self.batch == 1
    }

    pub fn input(&self) -> Shape {
        if self.is_dense() {
            Shape(vec![self.h, self.c_in])
        } else {
            Shape(vec![self.batch, self.c_in, self.h, self.w])
        }
    }

    pub fn layer(&self) -> Layer {
        if self.is_dense() {
            return Layer::Linear {
                d_input: self.c_in,
                d_output: self.c_out,
                bias: false,
            };
        }
        let padding = if self.stride == 1 {
            Padding::Same
        } else {
            Padding::symmetric(&[self.k1 / 2, self.k2 / 2])
        };
        Layer::Conv(
            Conv::new(self.c_in, self.c_out, &[self.k1, self.k2])
                .stride(&[self.stride, self.stride])
                .padding(padding)
                .bias(false),
        )
    }

    pub fn eval(&self) -> Result<LayerEval, LayerError> {
        self.layer().infer(&self.input())
    }

    /// α-FLOPs and predicted time on `profile`.
    pub fn price(&self, profile: &Profile) -> Result<KernelPrice, LayerError> {
        price_kernels(profile, &self.eval()?.kernels)
    }
}
