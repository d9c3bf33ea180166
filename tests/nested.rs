//! Nested modules: torchvision's ResNet-18 written as burn writes it — a model struct whose
//! stages are `Vec`s of an annotated `BasicBlock` defined in another module — priced through
//! `#[layer(module)]`, gives torchvision's parameter count exactly and its MACs.

#![allow(dead_code)]

use alphaflops::{CostModel, Profile, cost_budget, zoo};

pub struct Conv2d;
pub struct BatchNorm;
pub struct MaxPool2d;
pub struct AdaptiveAvgPool2d;
pub struct Linear;
pub struct Relu;

mod blocks {
    use super::*;
    use alphaflops::cost_model;

    /// The downsampling branch of a stage's first block: reads the block's input.
    #[cost_model]
    pub struct Downsample {
        #[layer(conv2d(channels = [64, 128], kernel_size = 1, stride = 2, bias = false))]
        pub conv: Conv2d,
        #[layer(batch_norm(num_features = 128))]
        pub bn: BatchNorm,
    }

    /// A stride-1 block: the residual adds the block's input.
    #[cost_model]
    pub struct BasicBlock64 {
        #[layer(conv2d(channels = [64, 64], kernel_size = 3, padding = 1, bias = false))]
        pub conv1: Conv2d,
        #[layer(batch_norm(num_features = 64))]
        pub bn1: BatchNorm,
        pub relu: Relu,
        #[layer(conv2d(channels = [64, 64], kernel_size = 3, padding = 1, bias = false))]
        pub conv2: Conv2d,
        #[layer(batch_norm(num_features = 64), then(add(with = "input"), relu))]
        pub bn2: BatchNorm,
    }

    /// The first block of stage 2: stride 2, with a downsample branch.
    #[cost_model(input = [1, 64, 56, 56])]
    pub struct BasicBlockDown128 {
        #[layer(conv2d(channels = [64, 128], kernel_size = 3, stride = 2, padding = 1, bias = false))]
        pub conv1: Conv2d,
        #[layer(batch_norm(num_features = 128))]
        pub bn1: BatchNorm,
        pub relu: Relu,
        #[layer(conv2d(channels = [128, 128], kernel_size = 3, padding = 1, bias = false))]
        pub conv2: Conv2d,
        #[layer(batch_norm(num_features = 128))]
        pub bn2: BatchNorm,
        #[layer(module, input = "input", then(add(with = "bn2"), relu))]
        pub downsample: Option<Downsample>,
    }
}

/// Generic blocks, so one definition serves every stage width.
#[alphaflops::cost_model]
pub struct Block128 {
    #[layer(conv2d(channels = [128, 128], kernel_size = 3, padding = 1, bias = false))]
    conv1: Conv2d,
    #[layer(batch_norm(num_features = 128))]
    bn1: BatchNorm,
    relu: Relu,
    #[layer(conv2d(channels = [128, 128], kernel_size = 3, padding = 1, bias = false))]
    conv2: Conv2d,
    #[layer(batch_norm(num_features = 128), then(add(with = "input"), relu))]
    bn2: BatchNorm,
}

/// The first two stages of ResNet-18, nested (stages 3 and 4 have the same shape).
#[cost_budget(input = [1, 3, 224, 224], params = "1M")]
pub struct ResNetHead {
    #[layer(conv2d(channels = [3, 64], kernel_size = 7, stride = 2, padding = 3, bias = false))]
    conv1: Conv2d,
    #[layer(batch_norm(num_features = 64))]
    bn1: BatchNorm,
    relu: Relu,
    #[layer(max_pool2d(kernel_size = 3, stride = 2, padding = 1))]
    maxpool: MaxPool2d,
    #[layer(module, repeat = 2)]
    layer1: Vec<blocks::BasicBlock64>,
    #[layer(module)]
    layer2_0: blocks::BasicBlockDown128,
    #[layer(module)]
    layer2_1: Block128,
    #[layer(adaptive_avg_pool2d(output_size = [1, 1]))]
    avgpool: AdaptiveAvgPool2d,
    #[layer(linear(d_input = 128, d_output = 10))]
    fc: Linear,
}

#[test]
fn nested_model_prices_like_the_flat_layers() {
    let cost = ResNetHead::cost();
    // The same layers from torchvision's resnet18, flat, up to layer2 (inclusive).
    let flat = zoo::resnet18(1).price(&Profile::default_profile()).unwrap();
    let upto = flat
        .layers
        .iter()
        .position(|l| l.name == "layer3.0.conv1")
        .unwrap();
    let params: u64 = flat.layers[..upto].iter().map(|l| l.params).sum::<u64>() + 128 * 10 + 10;
    let macs: u64 = flat.layers[..upto].iter().map(|l| l.macs).sum::<u64>() + 128 * 10;
    assert_eq!(cost.params, params);
    assert_eq!(cost.macs, macs);
    assert_eq!(cost.output.dims(), &[1, 10]);
    let names: Vec<&str> = cost.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "conv1", "bn1", "relu", "maxpool", "layer1.0", "layer1.1", "layer2_0", "layer2_1",
            "avgpool", "fc"
        ]
    );
    let down = &cost.layers[6];
    assert_eq!(down.op, "BasicBlockDown128");
    let inner: Vec<&str> = down.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        inner,
        [
            "conv1",
            "bn1",
            "relu",
            "conv2",
            "bn2",
            "downsample",
            "downsample.add",
            "downsample.relu"
        ]
    );
    assert_eq!(
        down.children[5].children.len(),
        2,
        "the downsample module nests too"
    );
    assert!(cost.to_markdown().contains("| 7.6.1 | ↳ ↳ conv |"));
}

#[test]
fn a_module_with_its_own_input_is_a_model_too() {
    let block = blocks::BasicBlockDown128::cost();
    assert_eq!(block.output.dims(), &[1, 128, 28, 28]);
    assert_eq!(
        block.params,
        64 * 128 * 9 + 256 + 128 * 128 * 9 + 256 + 64 * 128 + 256
    );
}

/// The same two stages with one block type, bound at each width: `#[cost_model(params(...))]`
/// on the blocks, `#[layer(module(name = value, …))]` where they are nested.
mod parameterised {
    use super::*;
    use alphaflops::cost_model;

    #[cost_model(params(c_in, c_out, stride))]
    pub struct Downsample {
        #[layer(conv2d(channels = [c_in, c_out], kernel_size = 1, stride = stride, bias = false))]
        pub conv: Conv2d,
        #[layer(batch_norm(num_features = c_out))]
        pub bn: BatchNorm,
    }

    /// With `down = 0` the `Option` is `None`: the residual adds the block's input.
    #[cost_model(params(c_in, c_out, stride, down))]
    pub struct BasicBlock {
        #[layer(conv2d(channels = [c_in, c_out], kernel_size = 3, stride = stride, padding = 1, bias = false))]
        pub conv1: Conv2d,
        #[layer(batch_norm(num_features = c_out))]
        pub bn1: BatchNorm,
        pub relu: Relu,
        #[layer(conv2d(channels = [c_out, c_out], kernel_size = 3, padding = 1, bias = false))]
        pub conv2: Conv2d,
        #[layer(batch_norm(num_features = c_out))]
        pub bn2: BatchNorm,
        #[layer(module(c_in = c_in, c_out = c_out, stride = stride), input = "input", repeat = down, then(add(with = "bn2"), relu))]
        pub downsample: Option<Downsample>,
    }
}

#[cost_budget(input = [1, 3, 224, 224], params = "1M")]
pub struct ParameterisedHead {
    #[layer(conv2d(channels = [3, 64], kernel_size = 7, stride = 2, padding = 3, bias = false))]
    conv1: Conv2d,
    #[layer(batch_norm(num_features = 64))]
    bn1: BatchNorm,
    relu: Relu,
    #[layer(max_pool2d(kernel_size = 3, stride = 2, padding = 1))]
    maxpool: MaxPool2d,
    #[layer(module(c_in = 64, c_out = 64, stride = 1, down = 0), repeat = 2)]
    layer1: Vec<parameterised::BasicBlock>,
    #[layer(module(c_in = 64, c_out = 128, stride = 2, down = 1))]
    layer2_0: parameterised::BasicBlock,
    #[layer(module(c_in = 128, c_out = 128, stride = 1, down = 0))]
    layer2_1: parameterised::BasicBlock,
    #[layer(adaptive_avg_pool2d(output_size = [1, 1]))]
    avgpool: AdaptiveAvgPool2d,
    #[layer(linear(d_input = 128, d_output = 10))]
    fc: Linear,
}

#[test]
fn one_parameterised_block_type_prices_like_one_struct_per_width() {
    let bound = ParameterisedHead::cost();
    let written_out = ResNetHead::cost();
    assert_eq!(
        (bound.params, bound.macs, bound.flops, bound.output.dims()),
        (
            written_out.params,
            written_out.macs,
            written_out.flops,
            written_out.output.dims()
        )
    );
    let names: Vec<&str> = bound.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "conv1", "bn1", "relu", "maxpool", "layer1.0", "layer1.1", "layer2_0", "layer2_1",
            "avgpool", "fc"
        ]
    );
    let ops: Vec<&str> = bound.layers[4..8].iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["BasicBlock"; 4]);
    // Block by block, the same layers as the structs written out per width.
    assert_eq!(bound.layers.len(), written_out.layers.len());
    for (b, w) in bound.layers.iter().zip(&written_out.layers) {
        let params = |l: &alphaflops::LayerCost| -> Vec<u64> {
            l.children
                .iter()
                .map(|c| c.params)
                .filter(|&p| p > 0)
                .collect()
        };
        assert_eq!(params(b), params(w), "{}", b.name);
    }
}

/// GoogLeNet's inception (3a) as four parallel branches of the block's input, concatenated
/// along the channels: 64 + 128 + 32 + 32 = 256.
#[cost_budget(input = [1, 192, 28, 28])]
pub struct Inception3a {
    #[layer(conv2d(channels = [192, 64], kernel_size = 1))]
    b1: Conv2d,
    #[layer(conv2d(channels = [192, 96], kernel_size = 1), input = "input")]
    b2_reduce: Conv2d,
    #[layer(conv2d(channels = [96, 128], kernel_size = 3, padding = 1))]
    b2: Conv2d,
    #[layer(conv2d(channels = [192, 16], kernel_size = 1), input = "input")]
    b3_reduce: Conv2d,
    #[layer(conv2d(channels = [16, 32], kernel_size = 5, padding = 2))]
    b3: Conv2d,
    #[layer(max_pool2d(kernel_size = 3, stride = 1, padding = 1), input = "input")]
    b4_pool: MaxPool2d,
    #[layer(conv2d(channels = [192, 32], kernel_size = 1), then(concat(with = ["b1", "b2", "b3"], dim = 1)))]
    b4: Conv2d,
}

#[test]
fn an_inception_block_concatenates_its_branches() {
    let cost = Inception3a::cost();
    assert_eq!(cost.output.dims(), &[1, 256, 28, 28]);
    // Weights (163,328) and biases (368) of the six convolutions; pooling has none.
    let convs = [
        (192, 64, 1),
        (192, 96, 1),
        (96, 128, 3),
        (192, 16, 1),
        (16, 32, 5),
        (192, 32, 1),
    ];
    let params: u64 = convs.iter().map(|&(ci, co, k)| ci * co * k * k + co).sum();
    assert_eq!(cost.params, params);
    assert_eq!(params, 163_696);
    let macs: u64 = convs
        .iter()
        .map(|&(ci, co, k)| 28 * 28 * ci * co * k * k)
        .sum();
    assert_eq!(cost.macs, macs);
    let last = cost.layers.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.op.as_str()),
        ("b4.concat", "concat")
    );
    assert_eq!(last.output.dims(), &[1, 256, 28, 28]);
}
