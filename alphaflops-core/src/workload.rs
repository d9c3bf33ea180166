//! One measured configuration: what a row of a timing CSV describes, as a catalog layer.
//!
//! The shared data and `cargo xtask measure` time one conv2d forward on `[batch, c_in, h, w]`
//! with a `k1×k2` kernel. With stride 1 the padding is "same" (output = input size, the
//! paper's setting); with a larger stride it is `k/2` on each side. A dense layer of batch `B`
//! is the row `h = B, w = 1, k1 = k2 = 1`: a 1×1 convolution has the same MACs and the same
//! `S`, so both are priced by the same formula.

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

    pub fn input(&self) -> Shape {
        Shape(vec![self.batch, self.c_in, self.h, self.w])
    }

    pub fn layer(&self) -> Layer {
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
