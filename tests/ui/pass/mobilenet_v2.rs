//! torchvision's MobileNetV2 as a burn model holds it: one `Vec` of seventeen inverted
//! residual blocks of differing widths and strides, each bound by its own `module(...)`
//! entry, the residual switched by the block's `use_res_connect: bool` and the expansion
//! (absent in the first block) by `Option`s. Its counts are the built-in torchvision model's.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget, cost_model};

pub struct Conv2d;
pub struct BatchNorm;
pub struct Relu6;
pub struct Layer;

#[allow(dead_code)]
#[cost_model(params(c_in, hidden, c_out, stride, expand, res))]
pub struct InvertedResidual {
    #[layer(conv2d(channels = [c_in, hidden], kernel_size = 1, bias = false), repeat = expand)]
    expand_conv: Option<Conv2d>,
    #[layer(batch_norm(num_features = hidden), repeat = expand)]
    expand_bn: Option<BatchNorm>,
    #[layer(relu6, repeat = expand)]
    expand_relu6: Option<Relu6>,
    #[layer(conv2d(channels = [hidden, hidden], kernel_size = 3, stride = stride, padding = 1,
                   groups = hidden, bias = false))]
    depthwise: Conv2d,
    #[layer(batch_norm(num_features = hidden), then(relu6))]
    depthwise_bn: BatchNorm,
    #[layer(conv2d(channels = [hidden, c_out], kernel_size = 1, bias = false))]
    project: Conv2d,
    #[layer(batch_norm(num_features = c_out))]
    project_bn: BatchNorm,
    #[layer(add(with = "input"), repeat = res)]
    use_res_connect: bool,
}

#[allow(dead_code)]
#[cost_budget(input = [1, 3, 224, 224])]
pub struct MobileNetV2 {
    #[layer(conv2d(channels = [3, 32], kernel_size = 3, stride = 2, padding = 1, bias = false))]
    stem: Conv2d,
    #[layer(batch_norm(num_features = 32), then(relu6))]
    stem_bn: BatchNorm,
    #[layer(
        module(c_in = 32, hidden = 32, c_out = 16, stride = 1, expand = 0, res = 0),
        module(c_in = 16, hidden = 96, c_out = 24, stride = 2, expand = 1, res = 0),
        module(c_in = 24, hidden = 144, c_out = 24, stride = 1, expand = 1, res = 1),
        module(c_in = 24, hidden = 144, c_out = 32, stride = 2, expand = 1, res = 0),
        module(c_in = 32, hidden = 192, c_out = 32, stride = 1, expand = 1, res = 1),
        module(c_in = 32, hidden = 192, c_out = 32, stride = 1, expand = 1, res = 1),
        module(c_in = 32, hidden = 192, c_out = 64, stride = 2, expand = 1, res = 0),
        module(c_in = 64, hidden = 384, c_out = 64, stride = 1, expand = 1, res = 1),
        module(c_in = 64, hidden = 384, c_out = 64, stride = 1, expand = 1, res = 1),
        module(c_in = 64, hidden = 384, c_out = 64, stride = 1, expand = 1, res = 1),
        module(c_in = 64, hidden = 384, c_out = 96, stride = 1, expand = 1, res = 0),
        module(c_in = 96, hidden = 576, c_out = 96, stride = 1, expand = 1, res = 1),
        module(c_in = 96, hidden = 576, c_out = 96, stride = 1, expand = 1, res = 1),
        module(c_in = 96, hidden = 576, c_out = 160, stride = 2, expand = 1, res = 0),
        module(c_in = 160, hidden = 960, c_out = 160, stride = 1, expand = 1, res = 1),
        module(c_in = 160, hidden = 960, c_out = 160, stride = 1, expand = 1, res = 1),
        module(c_in = 160, hidden = 960, c_out = 320, stride = 1, expand = 1, res = 0),
    )]
    blocks: Vec<InvertedResidual>,
    #[layer(conv2d(channels = [320, 1280], kernel_size = 1, bias = false))]
    head: Conv2d,
    #[layer(batch_norm(num_features = 1280), then(relu6))]
    head_bn: BatchNorm,
    #[layer(adaptive_avg_pool2d(output_size = [1, 1]))]
    pool: Layer,
    #[layer(flatten)]
    flatten: Layer,
    #[layer(linear(d_input = 1280, d_output = 1000))]
    classifier: Layer,
}

fn main() {
    let cost = MobileNetV2::cost();
    let zoo = alphaflops::zoo::mobilenet_v2(1)
        .price(&alphaflops::Profile::default_profile())
        .unwrap();
    assert_eq!(cost.params, 3_504_872);
    assert_eq!((cost.macs, cost.flops), (zoo.macs, zoo.flops));
    assert_eq!(cost.output.dims(), &[1, 1000]);
    // Ten blocks add their input, as torchvision's ten residual connections do.
    let model = MobileNetV2::model();
    let adds = model
        .nodes
        .iter()
        .filter_map(|n| match &n.layer {
            alphaflops::Layer::Block(b) => b.nodes.last(),
            _ => None,
        })
        .filter(|last| last.layer.op() == "add")
        .count();
    assert_eq!(adds, 10);
    assert_eq!(model.nodes[3].name, "blocks.0");
    assert_eq!(model.nodes[19].name, "blocks.16");
}
