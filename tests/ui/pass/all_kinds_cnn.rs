//! Every convolutional layer kind, with burn's key names.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;
pub struct Relu;
pub struct Relu6;
pub struct Sigmoid;
pub struct Tanh;
pub struct Silu;

#[allow(dead_code)]
#[cost_budget(input = [1, 3, 32, 32])]
pub struct Cnn {
    #[layer(conv2d(channels = [3, 8], kernel_size = 3, padding = "same", stride = 1, dilation = 1, groups = 1, bias = false))]
    conv: Layer,
    #[layer(batch_norm(num_features = 8))]
    bn: Layer,
    act: Relu,
    #[layer(group_norm(num_groups = 2, num_channels = 8))]
    gn: Layer,
    #[layer(avg_pool2d(kernel_size = [2, 2], strides = [2, 2], count_include_pad = true))]
    avg: Layer,
    #[layer(conv_transpose2d(channels = [8, 4], kernel_size = [3, 3], stride = [2, 2], padding = [1, 1], padding_out = [1, 1]))]
    up: Layer,
    #[layer(max_pool2d(kernel_size = 2, strides = 2, padding = 0, dilation = 1, ceil_mode = false))]
    max: Layer,
    #[layer(adaptive_avg_pool2d(output_size = [4, 4]))]
    adaptive: Layer,
    #[layer(flatten(start_dim = 1, end_dim = -1))]
    flatten: Layer,
    #[layer(linear(d_input = 64, d_output = 10, bias = true))]
    fc: Layer,
    // 1-d layers, from a fresh input.
    #[layer(conv1d(channels = [2, 4], kernel_size = 5, padding = [1, 1]), input = [1, 2, 100])]
    conv1d: Layer,
    #[layer(max_pool1d(kernel_size = 2))]
    max1d: Layer,
    #[layer(avg_pool1d(kernel_size = 2, stride = 2))]
    avg1d: Layer,
    #[layer(adaptive_avg_pool1d(output_size = 1))]
    adaptive1d: Layer,
    #[layer(flatten)]
    flatten1d: Layer,
    #[layer(relu6)]
    relu6: Layer,
    a: Relu6,
    b: Sigmoid,
    c: Tanh,
    d: Silu,
    #[layer(sigmoid)]
    e: Layer,
    #[layer(tanh)]
    f: Layer,
    #[layer(silu)]
    g: Layer,
    #[layer(relu)]
    h: Layer,
}

fn main() {
    let cost = Cnn::cost();
    assert_eq!(cost.output.dims(), &[1, 4]);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert!(ops.contains(&"conv_transpose2d"), "{ops:?}");
}
