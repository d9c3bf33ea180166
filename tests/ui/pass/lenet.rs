//! The LeNet contract: under budget on the default profile, denied level.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Conv2d;
pub struct MaxPool2d;
pub struct Linear;
pub struct Relu;

#[allow(dead_code)]
#[cost_budget(input = [1, 1, 28, 28], profile = "quadro-t2000-asperti2021", alpha_flops = "2M", params = "100k", level = "deny")]
pub struct LeNet {
    #[layer(conv2d(channels = [1, 6], kernel_size = [5, 5], padding = [2, 2]))]
    conv1: Conv2d,
    #[layer(max_pool2d(kernel_size = [2, 2], stride = [2, 2]))]
    pool1: MaxPool2d,
    #[layer(conv2d(channels = [6, 16], kernel_size = [5, 5]))]
    conv2: Conv2d,
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pool2: MaxPool2d,
    #[layer(linear(d_input = 400, d_output = 120))]
    fc1: Linear,
    activation: Relu,
    #[layer(linear(d_input = 120, d_output = 84))]
    fc2: Linear,
    #[layer(linear(d_input = 84, d_output = 10))]
    fc3: Linear,
}

fn main() {
    let cost = LeNet::cost();
    assert_eq!(cost.output.dims(), &[1, 10]);
    assert_eq!(cost.params, 61_706);
    assert_eq!(cost.layers.len(), 8);
}
