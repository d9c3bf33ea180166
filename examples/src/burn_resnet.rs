//! torchvision's ResNet-18 and ResNet-50 in burn 0.22, on a 3-channel 224×224 image.
//!
//! Written as burn writes a ResNet: one [`BasicBlock`] type (ResNet-18) and one [`Bottleneck`]
//! type (ResNet-50), each with an `Option<Downsample>` branch, used at every width. Each block
//! type is annotated once, with block parameters (`#[cost_model(params(...))]`), and the
//! struct nesting it binds them (`#[layer(module(c_in = 64, …))]`).
//!
//! | struct | parameters | holds |
//! | --- | --- | --- |
//! | [`Downsample`] | `c_in`, `c_out`, `stride` | 1×1 convolution + batch norm: the residual's projection |
//! | [`BasicBlock`] | `c_in`, `c_out`, `stride`, `down` | two 3×3 convolutions; `down` = 1 when it has a [`Downsample`] |
//! | [`Bottleneck`] | `c_in`, `width`, `c_out`, `stride`, `down` | 1×1 → 3×3 (stride here: v1.5) → 1×1 |
//! | [`BasicStage`], [`BottleneckStage`] | widths, `stride`, `n` | a stage whose first block differs (stride, downsample), then `n` plain blocks |
//! | [`Stem`] | | 7×7 stride-2 convolution, batch norm, ReLU, 3×3 max pool: `[1, 64, 56, 56]` |
//! | [`Head`] | `c` | global average pool, `c` → 1000 linear |
//! | [`ResNet18`] | | stem, stages of 2, 2, 2, 2 basic blocks, head: `[1, 1000]` |
//! | [`ResNet50`] | | stem, stages of 3, 4, 6, 3 bottlenecks, head: `[1, 1000]` |
//!
//! A block's residual: the downsample field reads the block's input (`input = "input"`), is
//! repeated `down` times (0: burn's `None`, which passes its input through) and then adds the
//! main path and applies the ReLU, so one annotation serves blocks with and without it.
//!
//! Weight paths are the struct's (`layer2.first.downsample.conv.weight`), not torchvision's
//! (`layer2.0.downsample.0.weight`); the tensors and their count are the same.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::prelude::*;

use alphaflops::cost_model;

/// Expected input shape: one 3-channel 224×224 image.
pub const INPUT: [usize; 4] = [1, 3, 224, 224];
/// Expected output shape: 1000 ImageNet logits.
pub const OUTPUT: [usize; 2] = [1, 1000];

/// A `k`×`k` convolution without bias, padded to keep the size at stride 1 (torchvision's
/// `conv3x3`/`conv1x1`).
fn conv(channels: [usize; 2], k: usize, stride: usize, device: &Device) -> Conv2d {
    let p = k / 2;
    Conv2dConfig::new(channels, [k, k])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .with_bias(false)
        .init(device)
}

/// The residual's projection when a block changes the shape: 1×1 convolution, batch norm.
#[cost_model(params(c_in, c_out, stride))]
#[derive(Module, Debug)]
pub struct Downsample {
    #[layer(conv2d(channels = [c_in, c_out], kernel_size = 1, stride = stride, bias = false))]
    pub conv: Conv2d,
    #[layer(batch_norm(num_features = c_out))]
    pub bn: BatchNorm,
}

impl Downsample {
    pub fn new(c_in: usize, c_out: usize, stride: usize, device: &Device) -> Self {
        Self {
            conv: conv([c_in, c_out], 1, stride, device),
            bn: BatchNormConfig::new(c_out).init(device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.bn.forward(self.conv.forward(x))
    }
}

/// ResNet-18's block: 3×3 (stride) → 3×3, plus the input or its projection, ReLU.
#[cost_model(params(c_in, c_out, stride, down))]
#[derive(Module, Debug)]
pub struct BasicBlock {
    #[layer(conv2d(channels = [c_in, c_out], kernel_size = 3, stride = stride, padding = 1, bias = false))]
    pub conv1: Conv2d,
    #[layer(batch_norm(num_features = c_out))]
    pub bn1: BatchNorm,
    /// After `bn1`, and after the residual addition.
    pub relu: Relu,
    #[layer(conv2d(channels = [c_out, c_out], kernel_size = 3, padding = 1, bias = false))]
    pub conv2: Conv2d,
    #[layer(batch_norm(num_features = c_out))]
    pub bn2: BatchNorm,
    /// `Some` in a stage's first block when it changes the shape (`down` = 1).
    #[layer(
        module(c_in = c_in, c_out = c_out, stride = stride),
        input = "input",
        repeat = down,
        then(add(with = "bn2"), relu)
    )]
    pub downsample: Option<Downsample>,
}

impl BasicBlock {
    pub fn new(c_in: usize, c_out: usize, stride: usize, down: bool, device: &Device) -> Self {
        Self {
            conv1: conv([c_in, c_out], 3, stride, device),
            bn1: BatchNormConfig::new(c_out).init(device),
            relu: Relu::new(),
            conv2: conv([c_out, c_out], 3, 1, device),
            bn2: BatchNormConfig::new(c_out).init(device),
            downsample: down.then(|| Downsample::new(c_in, c_out, stride, device)),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = self
            .relu
            .forward(self.bn1.forward(self.conv1.forward(x.clone())));
        let out = self.bn2.forward(self.conv2.forward(out));
        let identity = match &self.downsample {
            Some(d) => d.forward(x),
            None => x,
        };
        self.relu.forward(out + identity)
    }
}

/// ResNet-50's block (v1.5, the stride in the 3×3): 1×1 → 3×3 → 1×1 (`c_out` = 4·`width`),
/// plus the input or its projection, ReLU.
#[cost_model(params(c_in, width, c_out, stride, down))]
#[derive(Module, Debug)]
pub struct Bottleneck {
    #[layer(conv2d(channels = [c_in, width], kernel_size = 1, bias = false))]
    pub conv1: Conv2d,
    #[layer(batch_norm(num_features = width))]
    pub bn1: BatchNorm,
    /// After `bn1`, after `bn2` and after the residual addition.
    pub relu: Relu,
    #[layer(conv2d(channels = [width, width], kernel_size = 3, stride = stride, padding = 1, bias = false))]
    pub conv2: Conv2d,
    #[layer(batch_norm(num_features = width), then(relu))]
    pub bn2: BatchNorm,
    #[layer(conv2d(channels = [width, c_out], kernel_size = 1, bias = false))]
    pub conv3: Conv2d,
    #[layer(batch_norm(num_features = c_out))]
    pub bn3: BatchNorm,
    /// `Some` in every stage's first block (`down` = 1).
    #[layer(
        module(c_in = c_in, c_out = c_out, stride = stride),
        input = "input",
        repeat = down,
        then(add(with = "bn3"), relu)
    )]
    pub downsample: Option<Downsample>,
}

impl Bottleneck {
    pub fn new(
        c_in: usize,
        width: usize,
        c_out: usize,
        stride: usize,
        down: bool,
        device: &Device,
    ) -> Self {
        Self {
            conv1: conv([c_in, width], 1, 1, device),
            bn1: BatchNormConfig::new(width).init(device),
            relu: Relu::new(),
            conv2: conv([width, width], 3, stride, device),
            bn2: BatchNormConfig::new(width).init(device),
            conv3: conv([width, c_out], 1, 1, device),
            bn3: BatchNormConfig::new(c_out).init(device),
            downsample: down.then(|| Downsample::new(c_in, c_out, stride, device)),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = self
            .relu
            .forward(self.bn1.forward(self.conv1.forward(x.clone())));
        let out = self.relu.forward(self.bn2.forward(self.conv2.forward(out)));
        let out = self.bn3.forward(self.conv3.forward(out));
        let identity = match &self.downsample {
            Some(d) => d.forward(x),
            None => x,
        };
        self.relu.forward(out + identity)
    }
}

/// A ResNet-18 stage: a first block that may change the shape, then `n` blocks that do not.
#[cost_model(params(c_in, c_out, stride, down, n))]
#[derive(Module, Debug)]
pub struct BasicStage {
    #[layer(module(c_in = c_in, c_out = c_out, stride = stride, down = down))]
    pub first: BasicBlock,
    #[layer(module(c_in = c_out, c_out = c_out, stride = 1, down = 0), repeat = n)]
    pub rest: Vec<BasicBlock>,
}

impl BasicStage {
    pub fn new(c_in: usize, c_out: usize, stride: usize, n: usize, device: &Device) -> Self {
        let down = stride != 1 || c_in != c_out;
        Self {
            first: BasicBlock::new(c_in, c_out, stride, down, device),
            rest: (0..n)
                .map(|_| BasicBlock::new(c_out, c_out, 1, false, device))
                .collect(),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.rest
            .iter()
            .fold(self.first.forward(x), |x, block| block.forward(x))
    }
}

/// A ResNet-50 stage: a first bottleneck with a downsample branch, then `n` without.
#[cost_model(params(c_in, width, c_out, stride, n))]
#[derive(Module, Debug)]
pub struct BottleneckStage {
    #[layer(module(c_in = c_in, width = width, c_out = c_out, stride = stride, down = 1))]
    pub first: Bottleneck,
    #[layer(module(c_in = c_out, width = width, c_out = c_out, stride = 1, down = 0), repeat = n)]
    pub rest: Vec<Bottleneck>,
}

impl BottleneckStage {
    pub fn new(c_in: usize, width: usize, stride: usize, n: usize, device: &Device) -> Self {
        let c_out = 4 * width;
        Self {
            first: Bottleneck::new(c_in, width, c_out, stride, true, device),
            rest: (0..n)
                .map(|_| Bottleneck::new(c_out, width, c_out, 1, false, device))
                .collect(),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.rest
            .iter()
            .fold(self.first.forward(x), |x, block| block.forward(x))
    }
}

/// The stem both ResNets share: 7×7 stride-2 convolution, batch norm, ReLU, 3×3 max pool.
#[cost_model]
#[derive(Module, Debug)]
pub struct Stem {
    #[layer(conv2d(channels = [3, 64], kernel_size = 7, stride = 2, padding = 3, bias = false))]
    pub conv1: Conv2d,
    #[layer(batch_norm(num_features = 64))]
    pub bn1: BatchNorm,
    pub relu: Relu,
    #[layer(max_pool2d(kernel_size = 3, strides = 2, padding = 1))]
    pub maxpool: MaxPool2d,
}

impl Stem {
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: conv([3, 64], 7, 2, device),
            bn1: BatchNormConfig::new(64).init(device),
            relu: Relu::new(),
            maxpool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
        }
    }

    /// `[batch, 3, 224, 224]` → `[batch, 64, 56, 56]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = self
            .relu
            .forward(self.bn1.forward(self.conv1.forward(input)));
        self.maxpool.forward(x)
    }
}

/// The classifier both ResNets end with: global average pool, then `c` → 1000 logits.
#[cost_model(params(c))]
#[derive(Module, Debug)]
pub struct Head {
    #[layer(adaptive_avg_pool2d(output_size = [1, 1]))]
    pub avgpool: AdaptiveAvgPool2d,
    /// `c` → 1000, after flattening `[1, c, 1, 1]`.
    #[layer(linear(d_input = c, d_output = 1000))]
    pub fc: Linear,
}

impl Head {
    pub fn new(c: usize, device: &Device) -> Self {
        Self {
            avgpool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            fc: LinearConfig::new(c, 1000).init(device),
        }
    }

    /// `[batch, c, h, w]` → `[batch, 1000]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.fc.forward(self.avgpool.forward(x).flatten(1, 3))
    }
}

/// torchvision's `resnet18`: 11,689,512 parameters, 1.81 G MACs.
#[alphaflops::cost_budget(input = [1, 3, 224, 224])]
#[derive(Module, Debug)]
pub struct ResNet18 {
    #[layer(module)]
    pub stem: Stem,
    #[layer(module(c_in = 64, c_out = 64, stride = 1, down = 0, n = 1))]
    pub layer1: BasicStage,
    #[layer(module(c_in = 64, c_out = 128, stride = 2, down = 1, n = 1))]
    pub layer2: BasicStage,
    #[layer(module(c_in = 128, c_out = 256, stride = 2, down = 1, n = 1))]
    pub layer3: BasicStage,
    #[layer(module(c_in = 256, c_out = 512, stride = 2, down = 1, n = 1))]
    pub layer4: BasicStage,
    #[layer(module(c = 512))]
    pub head: Head,
}

impl ResNet18 {
    /// Builds the model with burn's default initialisation on `device`.
    pub fn new(device: &Device) -> Self {
        Self {
            stem: Stem::new(device),
            layer1: BasicStage::new(64, 64, 1, 1, device),
            layer2: BasicStage::new(64, 128, 2, 1, device),
            layer3: BasicStage::new(128, 256, 2, 1, device),
            layer4: BasicStage::new(256, 512, 2, 1, device),
            head: Head::new(512, device),
        }
    }

    /// `[batch, 3, 224, 224]` → `[batch, 1000]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let stages = [&self.layer1, &self.layer2, &self.layer3, &self.layer4];
        let x = stages
            .iter()
            .fold(self.stem.forward(input), |x, stage| stage.forward(x));
        self.head.forward(x)
    }
}

/// torchvision's `resnet50` (v1.5): 25,557,032 parameters, 4.09 G MACs.
#[alphaflops::cost_budget(input = [1, 3, 224, 224])]
#[derive(Module, Debug)]
pub struct ResNet50 {
    #[layer(module)]
    pub stem: Stem,
    #[layer(module(c_in = 64, width = 64, c_out = 256, stride = 1, n = 2))]
    pub layer1: BottleneckStage,
    #[layer(module(c_in = 256, width = 128, c_out = 512, stride = 2, n = 3))]
    pub layer2: BottleneckStage,
    #[layer(module(c_in = 512, width = 256, c_out = 1024, stride = 2, n = 5))]
    pub layer3: BottleneckStage,
    #[layer(module(c_in = 1024, width = 512, c_out = 2048, stride = 2, n = 2))]
    pub layer4: BottleneckStage,
    #[layer(module(c = 2048))]
    pub head: Head,
}

impl ResNet50 {
    /// Builds the model with burn's default initialisation on `device`.
    pub fn new(device: &Device) -> Self {
        Self {
            stem: Stem::new(device),
            layer1: BottleneckStage::new(64, 64, 1, 2, device),
            layer2: BottleneckStage::new(256, 128, 2, 3, device),
            layer3: BottleneckStage::new(512, 256, 2, 5, device),
            layer4: BottleneckStage::new(1024, 512, 2, 2, device),
            head: Head::new(2048, device),
        }
    }

    /// `[batch, 3, 224, 224]` → `[batch, 1000]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let stages = [&self.layer1, &self.layer2, &self.layer3, &self.layer4];
        let x = stages
            .iter()
            .fold(self.stem.forward(input), |x, stage| stage.forward(x));
        self.head.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops::{CostModel, Profile, zoo};

    /// The nested annotations price like core's flat reference architecture, whose totals
    /// core's `published` test checks against torchvision's figures.
    fn matches_flat_reference<M: CostModel>(reference: alphaflops::Model) {
        let cost = M::cost();
        let flat = reference.price(&Profile::default_profile()).unwrap();
        assert_eq!(
            (cost.params, cost.macs, cost.flops),
            (flat.params, flat.macs, flat.flops),
            "the nested annotations price like core's flat {}",
            flat.model
        );
    }

    #[test]
    fn resnet18_matches_torchvision() {
        matches_flat_reference::<ResNet18>(zoo::resnet18(1));
    }

    #[test]
    fn resnet50_matches_torchvision() {
        matches_flat_reference::<ResNet50>(zoo::resnet50(1));
    }

    #[test]
    fn blocks_with_and_without_downsample_share_one_annotation() {
        let cost = ResNet18::cost();
        let stage = |name: &str| {
            cost.layers
                .iter()
                .find(|l| l.name == name)
                .unwrap_or_else(|| panic!("no {name}"))
        };
        let names = |l: &alphaflops::LayerCost| -> Vec<String> {
            l.children.iter().map(|c| c.name.clone()).collect()
        };
        // layer1 keeps its shape: no downsample node, the residual adds the block's input.
        let layer1 = stage("layer1");
        assert_eq!(names(layer1), ["first", "rest.0"]);
        assert_eq!(
            names(&layer1.children[0]),
            [
                "conv1",
                "bn1",
                "relu",
                "conv2",
                "bn2",
                "downsample.add",
                "downsample.relu"
            ]
        );
        // layer2 halves it: the first block's downsample branch is priced.
        let layer2 = stage("layer2");
        assert_eq!(
            names(&layer2.children[0]),
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
        assert_eq!(layer2.children[0].children[5].params, 64 * 128 + 2 * 128);
        assert_eq!(layer2.children[1].children.len(), 7, "rest.0 has none");
        assert_eq!(layer2.output.dims(), &[1, 128, 28, 28]);
    }

    /// Batch-norm channels of a priced model, nested blocks opened.
    fn batch_norm_channels(model: &alphaflops::Model) -> u64 {
        model
            .nodes
            .iter()
            .map(|n| match &n.layer {
                alphaflops::Layer::BatchNorm { num_features } => *num_features,
                alphaflops::Layer::Block(inner) => batch_norm_channels(inner),
                _ => 0,
            })
            .sum()
    }

    #[test]
    fn burn_counts_the_same_parameters_and_their_running_statistics() {
        // burn counts without materialising the (lazily initialised) weights.
        let device = crate::burn_cpu();
        for (model, annotated, live, live_all) in [
            (
                "ResNet18",
                ResNet18::model(),
                crate::burn_trainable_params(&ResNet18::new(&device)),
                ResNet18::new(&device).num_params(),
            ),
            (
                "ResNet50",
                ResNet50::model(),
                crate::burn_trainable_params(&ResNet50::new(&device)),
                ResNet50::new(&device).num_params(),
            ),
        ] {
            let params = annotated.price(&Profile::default_profile()).unwrap().params;
            assert_eq!(live as u64, params, "{model}: burn's parameters");
            // What `num_params()` adds: a running mean and variance per batch-norm channel.
            assert_eq!(
                (live_all - live) as u64,
                2 * batch_norm_channels(&annotated),
                "{model}: burn's running statistics"
            );
        }
    }

    #[test]
    fn resnet18_forward_agrees_with_the_macro() {
        let device = crate::burn_cpu();
        let model = ResNet18::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        assert_eq!(out.dims(), OUTPUT);
        crate::assert_agrees::<ResNet18>(&out.dims(), crate::burn_trainable_params(&model), "burn");
    }

    #[test]
    fn resnet50_forward_agrees_with_the_macro() {
        let device = crate::burn_cpu();
        let model = ResNet50::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        assert_eq!(out.dims(), OUTPUT);
        crate::assert_agrees::<ResNet50>(&out.dims(), crate::burn_trainable_params(&model), "burn");
    }
}
