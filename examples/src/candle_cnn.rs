//! A small CNN in candle 0.11 on a single-channel 28×28 image (MNIST).
//!
//! candle-nn has modules for convolutions and dense layers, but pooling, ReLU and flatten are
//! tensor methods. So that the struct still has **one field per priced op, in forward
//! order**, this module defines tiny marker modules ([`MaxPool2d`], [`Flatten`]) and uses
//! [`candle_nn::Activation::Relu`] for the activations; each implements [`candle_core::Module`]
//! and is what `forward` actually calls.
//!
//! | field | op | output shape | weights (VarMap names) |
//! | --- | --- | --- | --- |
//! | `conv1` | `conv2d(1 → 8, 3×3, padding 1)` | `[1, 8, 28, 28]` | `conv1.weight [8, 1, 3, 3]`, `conv1.bias [8]` |
//! | `relu1` | `Activation::Relu` | | |
//! | `pool1` | [`MaxPool2d`] 2×2, stride 2 | `[1, 8, 14, 14]` | |
//! | `conv2` | `conv2d(8 → 16, 3×3, padding 1)` | `[1, 16, 14, 14]` | `conv2.weight [16, 8, 3, 3]`, `conv2.bias [16]` |
//! | `relu2` | `Activation::Relu` | | |
//! | `pool2` | [`MaxPool2d`] 2×2, stride 2 | `[1, 16, 7, 7]` | |
//! | `flatten` | [`Flatten`] | `[1, 784]` | |
//! | `fc` | `linear(784 → 10)` | `[1, 10]` | `fc.weight [10, 784]`, `fc.bias [10]` |

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Activation, Conv2d, Conv2dConfig, Linear, VarBuilder, VarMap};

/// Expected input shape: one 1-channel 28×28 image.
pub const INPUT: [usize; 4] = [1, 1, 28, 28];
/// Expected output shape: ten logits.
pub const OUTPUT: [usize; 2] = [1, 10];

/// Square max pooling whose stride equals its kernel (`Tensor::max_pool2d`).
///
/// A marker module: candle has no pooling layer, only the tensor op. It holds no weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2d {
    /// Kernel side and stride.
    pub kernel_size: usize,
}

impl Module for MaxPool2d {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        xs.max_pool2d(self.kernel_size)
    }
}

/// Flattens every dimension after the batch one (`Tensor::flatten_from(1)`). Holds no weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

impl Module for Flatten {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        xs.flatten_from(1)
    }
}

/// The CNN described in the [module docs](self).
#[alphaflops::cost_budget(input = [1, 1, 28, 28], macs = "1M")]
#[derive(Clone, Debug)]
pub struct CandleCnn {
    /// 1 → 8, 3×3, padding 1.
    #[layer(conv2d(channels = [1, 8], kernel_size = [3, 3], padding = [1, 1]))]
    pub conv1: Conv2d,
    /// ReLU after `conv1`.
    #[layer(relu)]
    pub relu1: Activation,
    /// 2×2 max pooling.
    #[layer(max_pool2d(kernel_size = [2, 2]))]
    pub pool1: MaxPool2d,
    /// 8 → 16, 3×3, padding 1.
    #[layer(conv2d(channels = [8, 16], kernel_size = [3, 3], padding = [1, 1]))]
    pub conv2: Conv2d,
    /// ReLU after `conv2`.
    #[layer(relu)]
    pub relu2: Activation,
    /// 2×2 max pooling.
    #[layer(max_pool2d(kernel_size = [2, 2]))]
    pub pool2: MaxPool2d,
    /// `[1, 16, 7, 7]` → `[1, 784]`.
    #[layer(flatten)]
    pub flatten: Flatten,
    /// 16·7·7 = 784 → 10.
    #[layer(linear(d_input = 784, d_output = 10))]
    pub fc: Linear,
}

impl CandleCnn {
    /// Builds the model from `vb`, creating (or loading) its weights under the names
    /// `conv1.*`, `conv2.*` and `fc.*`.
    pub fn new(vb: VarBuilder) -> Result<Self> {
        let pad1 = Conv2dConfig {
            padding: 1,
            ..Default::default()
        };
        Ok(Self {
            conv1: candle_nn::conv2d(1, 8, 3, pad1, vb.pp("conv1"))?,
            relu1: Activation::Relu,
            pool1: MaxPool2d { kernel_size: 2 },
            conv2: candle_nn::conv2d(8, 16, 3, pad1, vb.pp("conv2"))?,
            relu2: Activation::Relu,
            pool2: MaxPool2d { kernel_size: 2 },
            flatten: Flatten,
            fc: candle_nn::linear(16 * 7 * 7, 10, vb.pp("fc"))?,
        })
    }

    /// Builds the model with fresh f32 weights on [`Device::Cpu`], returning the [`VarMap`]
    /// that owns them.
    pub fn init_cpu() -> Result<(VarMap, Self)> {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let model = Self::new(vb)?;
        Ok((varmap, model))
    }

    /// `[batch, 1, 28, 28]` → `[batch, 10]`.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(xs)?;
        let x = self.relu1.forward(&x)?;
        let x = self.pool1.forward(&x)?;
        let x = self.conv2.forward(&x)?;
        let x = self.relu2.forward(&x)?;
        let x = self.pool2.forward(&x)?;
        let x = self.flatten.forward(&x)?;
        self.fc.forward(&x)
    }
}

impl Module for CandleCnn {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        CandleCnn::forward(self, xs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_on_zeros_gives_output_shape() {
        let (_varmap, model) = CandleCnn::init_cpu().unwrap();
        let x = Tensor::zeros(&INPUT, DType::F32, &Device::Cpu).unwrap();
        let out = model.forward(&x).unwrap();
        assert_eq!(out.dims(), &OUTPUT[..]);
    }

    #[test]
    fn macro_agrees_with_candle() {
        let (varmap, model) = CandleCnn::init_cpu().unwrap();
        let x = Tensor::zeros(&INPUT, DType::F32, &Device::Cpu).unwrap();
        let out = model.forward(&x).unwrap();
        let params: usize = varmap.all_vars().iter().map(|v| v.elem_count()).sum();
        crate::assert_agrees::<CandleCnn>(out.dims(), params, "candle");
    }
}
