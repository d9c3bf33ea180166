//! A small VGG-style CNN in burn 0.22 on a 3-channel 32×32 image (CIFAR-10).
//!
//! One field per op, declared in forward order, so the struct reads as the op sequence:
//!
//! | field | op | output shape |
//! | --- | --- | --- |
//! | `conv1` | `Conv2d([3, 32], [3, 3])`, padding 1 | `[1, 32, 32, 32]` |
//! | `relu1` | `Relu` | |
//! | `conv2` | `Conv2d([32, 32], [3, 3])`, padding 1 | `[1, 32, 32, 32]` |
//! | `pool1` | `MaxPool2d([2, 2])`, stride 2 | `[1, 32, 16, 16]` |
//! | `conv3` | `Conv2d([32, 64], [3, 3])`, padding 1 | `[1, 64, 16, 16]` |
//! | `relu2` | `Relu` | |
//! | `conv4` | `Conv2d([64, 64], [3, 3])`, padding 1 | `[1, 64, 16, 16]` |
//! | `pool2` | `MaxPool2d([2, 2])`, stride 2 | `[1, 64, 8, 8]` |
//! | `flatten` | [`Flatten`] (dims 1..=3) | `[1, 4096]` |
//! | `fc1` | `Linear(4096 → 128)` | `[1, 128]` |
//! | `relu3` | `Relu` | |
//! | `dropout` | `Dropout(0.5)` (identity outside autodiff training) | |
//! | `fc2` | `Linear(128 → 10)` | `[1, 10]` |
//!
//! The spec applies no ReLU after `conv2` and `conv4` (each goes straight into its pool);
//! this model follows the spec as written.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::prelude::*;

/// Expected input shape: one 3-channel 32×32 image.
pub const INPUT: [usize; 4] = [1, 3, 32, 32];
/// Expected output shape: ten logits.
pub const OUTPUT: [usize; 2] = [1, 10];

/// Flattens `[batch, c, h, w]` into `[batch, c·h·w]`.
///
/// burn 0.22 has no flatten module (flatten is a tensor method), so this zero-sized module
/// gives the op a field of its own. It has no parameters.
#[derive(Module, Debug, Default)]
pub struct Flatten;

impl Flatten {
    /// `[batch, c, h, w]` → `[batch, c·h·w]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        input.flatten(1, 3)
    }
}

/// The VGG-style network described in the [module docs](self).
#[alphaflops::cost_budget(input = [1, 3, 32, 32], time_ms = 1.0, params = "1M")]
#[derive(Module, Debug)]
pub struct Vgg {
    /// 3 → 32, 3×3, padding 1.
    #[layer(conv2d(channels = [3, 32], kernel_size = [3, 3], padding = [1, 1]))]
    pub conv1: Conv2d,
    /// ReLU after `conv1`.
    pub relu1: Relu,
    /// 32 → 32, 3×3, padding 1.
    #[layer(conv2d(channels = [32, 32], kernel_size = [3, 3], padding = [1, 1]))]
    pub conv2: Conv2d,
    /// 2×2 max pooling, stride 2.
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pub pool1: MaxPool2d,
    /// 32 → 64, 3×3, padding 1.
    #[layer(conv2d(channels = [32, 64], kernel_size = [3, 3], padding = [1, 1]))]
    pub conv3: Conv2d,
    /// ReLU after `conv3`.
    pub relu2: Relu,
    /// 64 → 64, 3×3, padding 1.
    #[layer(conv2d(channels = [64, 64], kernel_size = [3, 3], padding = [1, 1]))]
    pub conv4: Conv2d,
    /// 2×2 max pooling, stride 2.
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pub pool2: MaxPool2d,
    /// `[1, 64, 8, 8]` → `[1, 4096]`.
    #[layer(flatten)]
    pub flatten: Flatten,
    /// 64·8·8 = 4096 → 128.
    #[layer(linear(d_input = 4096, d_output = 128))]
    pub fc1: Linear,
    /// ReLU after `fc1`.
    pub relu3: Relu,
    /// Dropout with probability 0.5.
    pub dropout: Dropout,
    /// 128 → 10.
    #[layer(linear(d_input = 128, d_output = 10))]
    pub fc2: Linear,
}

fn conv3x3(channels: [usize; 2], device: &Device) -> Conv2d {
    Conv2dConfig::new(channels, [3, 3])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

impl Vgg {
    /// Builds the model with freshly initialised weights on `device`.
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: conv3x3([3, 32], device),
            relu1: Relu::new(),
            conv2: conv3x3([32, 32], device),
            pool1: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            conv3: conv3x3([32, 64], device),
            relu2: Relu::new(),
            conv4: conv3x3([64, 64], device),
            pool2: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            flatten: Flatten,
            fc1: LinearConfig::new(64 * 8 * 8, 128).init(device),
            relu3: Relu::new(),
            dropout: DropoutConfig::new(0.5).init(),
            fc2: LinearConfig::new(128, 10).init(device),
        }
    }

    /// `[batch, 3, 32, 32]` → `[batch, 10]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let x = self.relu1.forward(self.conv1.forward(input));
        let x = self.pool1.forward(self.conv2.forward(x));
        let x = self.relu2.forward(self.conv3.forward(x));
        let x = self.pool2.forward(self.conv4.forward(x));
        let x = self.flatten.forward(x);
        let x = self.relu3.forward(self.fc1.forward(x));
        let x = self.dropout.forward(x);
        self.fc2.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_on_zeros_gives_output_shape() {
        let device = crate::burn_cpu();
        let model = Vgg::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        assert_eq!(out.dims(), OUTPUT);
    }

    #[test]
    fn macro_agrees_with_burn() {
        let device = crate::burn_cpu();
        let model = Vgg::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        crate::assert_agrees::<Vgg>(&out.dims(), model.num_params(), "burn");
    }

    #[test]
    fn parameter_count() {
        // convs: 896 + 9248 + 18496 + 36928; linears: 524416 + 1290
        let model = Vgg::new(&crate::burn_cpu());
        assert_eq!(model.num_params(), 591_274);
    }
}
