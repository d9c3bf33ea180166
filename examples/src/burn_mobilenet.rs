//! torchvision's MobileNetV2 in burn 0.22, on a 3-channel 224×224 image.
//!
//! Written as burn writes it: the seventeen inverted residual blocks in one
//! `Vec<InvertedResidual>`, built from torchvision's table of (expansion, channels, repeats,
//! stride), so each element has its own widths and stride; a block adds its input when
//! `use_res_connect: bool` says so; the 1×1 expansion is an `Option` (absent in the first
//! block, whose expansion is 1). Each element is bound by its own `module(...)` entry, and
//! the residual is an annotation on the `bool`.
//!
//! | struct | parameters | holds |
//! | --- | --- | --- |
//! | [`ConvBnRelu6`] | `c_in`, `c_out`, `kernel`, `stride`, `padding`, `groups` | convolution without bias, batch norm, ReLU6 (torchvision's `Conv2dNormActivation`) |
//! | [`InvertedResidual`] | `c_in`, `hidden`, `c_out`, `stride`, `expand`, `res` | 1×1 expansion (`expand` = 1), 3×3 depthwise, 1×1 projection, the residual (`res` = 1) |
//! | [`MobileNetV2`] | | stem, seventeen blocks, 1×1 head to 1280, pool, classifier: `[1, 1000]` |

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d,
};
use burn::prelude::*;

use alphaflops::{cost_budget, cost_model};

use crate::burn_vgg::Flatten;

/// Expected input shape: one 3-channel 224×224 image.
pub const INPUT: [usize; 4] = [1, 3, 224, 224];
/// Expected output shape: 1000 ImageNet logits.
pub const OUTPUT: [usize; 2] = [1, 1000];

/// torchvision's (expansion t, output channels c, repeats n, first stride s).
const SETTINGS: [(usize, usize, usize, usize); 7] = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
];

/// A convolution without bias, batch norm and ReLU6.
#[cost_model(params(c_in, c_out, kernel, stride, padding, groups))]
#[derive(Module, Debug)]
pub struct ConvBnRelu6 {
    #[layer(conv2d(channels = [c_in, c_out], kernel_size = kernel, stride = stride,
                   padding = padding, groups = groups, bias = false))]
    pub conv: Conv2d,
    #[layer(batch_norm(num_features = c_out), then(relu6))]
    pub bn: BatchNorm,
}

impl ConvBnRelu6 {
    pub fn new(
        c: [usize; 2],
        kernel: usize,
        stride: usize,
        groups: usize,
        device: &Device,
    ) -> Self {
        let p = kernel / 2;
        Self {
            conv: Conv2dConfig::new(c, [kernel, kernel])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                .with_groups(groups)
                .with_bias(false)
                .init(device),
            bn: BatchNormConfig::new(c[1]).init(device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        burn::tensor::activation::relu6(self.bn.forward(self.conv.forward(x)))
    }
}

/// 1×1 expansion to `hidden` (when `expand` = 1), 3×3 depthwise (`stride`), 1×1 projection
/// to `c_out`, plus the input when `res` = 1 (stride 1 and `c_in` = `c_out`).
#[cost_model(params(c_in, hidden, c_out, stride, expand, res))]
#[derive(Module, Debug)]
pub struct InvertedResidual {
    #[layer(module(c_in = c_in, c_out = hidden, kernel = 1, stride = 1, padding = 0, groups = 1),
            repeat = expand)]
    pub expand: Option<ConvBnRelu6>,
    #[layer(module(c_in = hidden, c_out = hidden, kernel = 3, stride = stride, padding = 1,
                   groups = hidden))]
    pub depthwise: ConvBnRelu6,
    #[layer(conv2d(channels = [hidden, c_out], kernel_size = 1, bias = false))]
    pub project: Conv2d,
    #[layer(batch_norm(num_features = c_out))]
    pub project_bn: BatchNorm,
    /// After the layers whose output it adds to: the fields are the forward order.
    #[layer(add(with = "input"), repeat = res)]
    pub use_res_connect: bool,
}

impl InvertedResidual {
    pub fn new(c_in: usize, c_out: usize, stride: usize, t: usize, device: &Device) -> Self {
        let hidden = c_in * t;
        Self {
            expand: (t != 1).then(|| ConvBnRelu6::new([c_in, hidden], 1, 1, 1, device)),
            depthwise: ConvBnRelu6::new([hidden, hidden], 3, stride, hidden, device),
            project: Conv2dConfig::new([hidden, c_out], [1, 1])
                .with_bias(false)
                .init(device),
            project_bn: BatchNormConfig::new(c_out).init(device),
            use_res_connect: stride == 1 && c_in == c_out,
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = match &self.expand {
            Some(e) => e.forward(x.clone()),
            None => x.clone(),
        };
        let out = self
            .project_bn
            .forward(self.project.forward(self.depthwise.forward(out)));
        if self.use_res_connect { out + x } else { out }
    }
}

/// MobileNetV2 (width 1.0): the blocks of [`SETTINGS`], one `module(...)` entry each.
#[cost_budget(input = [1, 3, 224, 224], params = "4M")]
#[derive(Module, Debug)]
pub struct MobileNetV2 {
    #[layer(module(c_in = 3, c_out = 32, kernel = 3, stride = 2, padding = 1, groups = 1))]
    pub stem: ConvBnRelu6,
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
        module(c_in = 160, hidden = 960, c_out = 320, stride = 1, expand = 1, res = 0)
    )]
    pub blocks: Vec<InvertedResidual>,
    #[layer(module(
        c_in = 320,
        c_out = 1280,
        kernel = 1,
        stride = 1,
        padding = 0,
        groups = 1
    ))]
    pub head: ConvBnRelu6,
    #[layer(adaptive_avg_pool2d(output_size = [1, 1]))]
    pub pool: AdaptiveAvgPool2d,
    #[layer(flatten)]
    pub flatten: Flatten,
    pub dropout: Dropout,
    #[layer(linear(d_input = 1280, d_output = 1000))]
    pub classifier: Linear,
}

impl MobileNetV2 {
    /// Builds the model with freshly initialised weights on `device`.
    pub fn new(device: &Device) -> Self {
        let mut blocks = Vec::new();
        let mut c_in = 32;
        for (t, c, n, s) in SETTINGS {
            for i in 0..n {
                let stride = if i == 0 { s } else { 1 };
                blocks.push(InvertedResidual::new(c_in, c, stride, t, device));
                c_in = c;
            }
        }
        Self {
            stem: ConvBnRelu6::new([3, 32], 3, 2, 1, device),
            blocks,
            head: ConvBnRelu6::new([320, 1280], 1, 1, 1, device),
            pool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            flatten: Flatten,
            dropout: DropoutConfig::new(0.2).init(),
            classifier: LinearConfig::new(1280, 1000).init(device),
        }
    }

    /// `[batch, 3, 224, 224]` → `[batch, 1000]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(input);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = self
            .flatten
            .forward(self.pool.forward(self.head.forward(x)));
        self.classifier.forward(self.dropout.forward(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The annotation's blocks are the ones the table builds: the same count, and the
    /// residual exactly where burn's `use_res_connect` is set.
    #[test]
    fn each_element_is_bound_as_built() {
        let model = MobileNetV2::new(&crate::burn_cpu());
        let annotated = <MobileNetV2 as alphaflops::CostModel>::model();
        let blocks: Vec<&alphaflops::Model> = annotated
            .nodes
            .iter()
            .filter_map(|n| match &n.layer {
                alphaflops::Layer::Block(b) if n.name.starts_with("blocks.") => Some(&**b),
                _ => None,
            })
            .collect();
        assert_eq!(blocks.len(), model.blocks.len());
        for (b, live) in blocks.iter().zip(&model.blocks) {
            let adds = b.nodes.last().is_some_and(|n| n.layer.op() == "add");
            assert_eq!(adds, live.use_res_connect);
        }
    }

    #[test]
    fn macro_agrees_with_burn_and_torchvision() {
        let device = crate::burn_cpu();
        let model = MobileNetV2::new(&device);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        let params = crate::burn_trainable_params(&model);
        crate::assert_agrees::<MobileNetV2>(&out.dims(), params, "burn");
        // torchvision's published count.
        assert_eq!(params, 3_504_872);
    }
}
