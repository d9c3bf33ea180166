//! LeNet-5 in burn 0.22 on a single-channel 28×28 image (MNIST).
//!
//! Fields are declared in forward order. The forward pass is
//! `conv1 → relu → pool1 → conv2 → relu → pool2 → flatten → fc1 → relu → fc2 → relu → fc3`;
//! the single `activation: Relu` field is applied four times, so it is `#[layer(skip)]` and
//! each use is priced where it happens, by `then(relu)` on `conv1`, `conv2`, `fc1` and `fc2`.
//! The flatten before `fc1` is a free reshape with no field of its own.
//!
//! | field | layer | output shape |
//! | --- | --- | --- |
//! | `conv1` | `Conv2d([1, 6], [5, 5])`, padding 2, then ReLU | `[1, 6, 28, 28]` |
//! | `pool1` | `MaxPool2d([2, 2])`, stride 2 | `[1, 6, 14, 14]` |
//! | `conv2` | `Conv2d([6, 16], [5, 5])`, then ReLU | `[1, 16, 10, 10]` |
//! | `pool2` | `MaxPool2d([2, 2])`, stride 2 | `[1, 16, 5, 5]` → flatten `[1, 400]` |
//! | `fc1` | `Linear(400 → 120)`, then ReLU | `[1, 120]` |
//! | `activation` | `Relu`, used by the four above | (skipped) |
//! | `fc2` | `Linear(120 → 84)`, then ReLU | `[1, 84]` |
//! | `fc3` | `Linear(84 → 10)` | `[1, 10]` |

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::prelude::*;

/// Expected input shape: one 1-channel 28×28 image.
pub const INPUT: [usize; 4] = [1, 1, 28, 28];
/// Expected output shape: ten logits.
pub const OUTPUT: [usize; 2] = [1, 10];

/// LeNet-5 (with ReLU and max pooling, the common modern variant).
#[alphaflops::cost_budget(
    input = [1, 1, 28, 28],
    profile = "quadro-t2000-asperti2021",
    alpha_flops = "2M",
    params = "100k",
    level = "deny"
)]
#[derive(Module, Debug)]
pub struct LeNet {
    /// 1 → 6 channels, 5×5 kernel, padding 2 (keeps 28×28).
    #[layer(conv2d(channels = [1, 6], kernel_size = [5, 5], padding = [2, 2]), then(relu))]
    pub conv1: Conv2d,
    /// 2×2 max pooling, stride 2.
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pub pool1: MaxPool2d,
    /// 6 → 16 channels, 5×5 kernel, no padding.
    #[layer(conv2d(channels = [6, 16], kernel_size = [5, 5]), then(relu))]
    pub conv2: Conv2d,
    /// 2×2 max pooling, stride 2.
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pub pool2: MaxPool2d,
    /// 16·5·5 = 400 → 120.
    #[layer(linear(d_input = 400, d_output = 120), then(relu))]
    pub fc1: Linear,
    /// ReLU, applied after `conv1`, `conv2`, `fc1` and `fc2`: priced there, by `then(relu)`.
    #[layer(skip)]
    pub activation: Relu,
    /// 120 → 84.
    #[layer(linear(d_input = 120, d_output = 84), then(relu))]
    pub fc2: Linear,
    /// 84 → 10.
    #[layer(linear(d_input = 84, d_output = 10))]
    pub fc3: Linear,
}

impl LeNet {
    /// Builds the model with freshly initialised weights on `device`.
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: Conv2dConfig::new([1, 6], [5, 5])
                .with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2))
                .init(device),
            pool1: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            conv2: Conv2dConfig::new([6, 16], [5, 5]).init(device),
            pool2: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(16 * 5 * 5, 120).init(device),
            activation: Relu::new(),
            fc2: LinearConfig::new(120, 84).init(device),
            fc3: LinearConfig::new(84, 10).init(device),
        }
    }

    /// `[batch, 1, 28, 28]` → `[batch, 10]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let x = self.activation.forward(self.conv1.forward(input));
        let x = self.pool1.forward(x);
        let x = self.activation.forward(self.conv2.forward(x));
        let x = self.pool2.forward(x);
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.activation.forward(self.fc1.forward(x));
        let x = self.activation.forward(self.fc2.forward(x));
        self.fc3.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_on_zeros_gives_output_shape() {
        let device = crate::burn_cpu();
        let model = LeNet::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        assert_eq!(out.dims(), OUTPUT);
    }

    #[test]
    fn macro_agrees_with_burn() {
        let device = crate::burn_cpu();
        let model = LeNet::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        crate::assert_agrees::<LeNet>(&out.dims(), model.num_params(), "burn");
    }

    #[test]
    fn parameter_count_matches_lenet5() {
        // 156 + 2416 + 48120 + 10164 + 850
        let model = LeNet::new(&crate::burn_cpu());
        assert_eq!(model.num_params(), 61_706);
    }
}
