//! torchvision's ViT-B/16 in burn 0.22, on a 3-channel 224×224 image: 196 patches and a
//! class token, 197 tokens of 768 features through 12 encoder blocks.
//!
//! | field | op | output shape |
//! | --- | --- | --- |
//! | `conv_proj` | 16×16 convolution, stride 16, then flatten and transpose | `[1, 196, 768]` |
//! | `class_token` | a learned token prepended | `[1, 197, 768]` |
//! | `pos_embedding` | a learned `[1, 197, 768]` added | |
//! | `layers` | 12 × [`EncoderBlock`] (LayerNorm, multi-head attention, residual; LayerNorm, [`Mlp`] 3072 GELU, residual) | |
//! | `ln` | LayerNorm, then the class token's row | `[1, 768]` |
//! | `head` | `Linear(768 → 1000)` | `[1, 1000]` |
//!
//! The encoder block and its MLP are annotated once, with their widths as block parameters
//! (`#[cost_model(params(dim, heads, mlp_dim))]`), and bound once by [`VitB16`]: a ViT-L/16
//! is the same blocks bound to 1024, 16 and 4096. Dropout is left out (torchvision's
//! defaults are 0 and it is the identity at inference).

use burn::module::Param;
use burn::nn::attention::{MhaInput, MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Gelu, Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;

use alphaflops::cost_model;

/// Expected input shape: one 3-channel 224×224 image.
pub const INPUT: [usize; 4] = [1, 3, 224, 224];
/// Expected output shape: 1000 ImageNet logits.
pub const OUTPUT: [usize; 2] = [1, 1000];

/// torchvision's LayerNorm epsilon in ViT.
const EPSILON: f64 = 1e-6;

/// The encoder's feed-forward network: `dim` → `mlp_dim`, GELU, → `dim`.
#[cost_model(params(dim, mlp_dim))]
#[derive(Module, Debug)]
pub struct Mlp {
    #[layer(linear(d_input = dim, d_output = mlp_dim))]
    pub fc1: Linear,
    pub gelu: Gelu,
    #[layer(linear(d_input = mlp_dim, d_output = dim))]
    pub fc2: Linear,
}

/// A linear layer with burn's default initialisation, or `initializer`'s.
fn linear(
    d_input: usize,
    d_output: usize,
    initializer: &Option<Initializer>,
    device: &Device,
) -> Linear {
    let config = LinearConfig::new(d_input, d_output);
    match initializer {
        Some(i) => config.with_initializer(i.clone()),
        None => config,
    }
    .init(device)
}

impl Mlp {
    fn init(
        dim: usize,
        mlp_dim: usize,
        initializer: &Option<Initializer>,
        device: &Device,
    ) -> Self {
        Self {
            fc1: linear(dim, mlp_dim, initializer, device),
            gelu: Gelu::new(),
            fc2: linear(mlp_dim, dim, initializer, device),
        }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.fc2.forward(self.gelu.forward(self.fc1.forward(x)))
    }
}

/// One pre-norm transformer encoder block: `x + attention(ln_1(x))`, then `x + mlp(ln_2(x))`.
#[cost_model(params(dim, heads, mlp_dim))]
#[derive(Module, Debug)]
pub struct EncoderBlock {
    #[layer(layer_norm(d_model = dim))]
    pub ln_1: LayerNorm,
    #[layer(multi_head_attention(d_model = dim, n_heads = heads), then(add(with = "input")))]
    pub self_attention: MultiHeadAttention,
    #[layer(layer_norm(d_model = dim))]
    pub ln_2: LayerNorm,
    /// Reads `ln_2`; the residual adds the attention's sum.
    #[layer(module(dim = dim, mlp_dim = mlp_dim), then(add(with = "self_attention")))]
    pub mlp: Mlp,
}

impl EncoderBlock {
    fn init(
        dim: usize,
        heads: usize,
        mlp_dim: usize,
        initializer: &Option<Initializer>,
        device: &Device,
    ) -> Self {
        let attention = MultiHeadAttentionConfig::new(dim, heads).with_dropout(0.0);
        let attention = match initializer {
            Some(i) => attention.with_initializer(i.clone()),
            None => attention,
        };
        Self {
            ln_1: LayerNormConfig::new(dim).with_epsilon(EPSILON).init(device),
            self_attention: attention.init(device),
            ln_2: LayerNormConfig::new(dim).with_epsilon(EPSILON).init(device),
            mlp: Mlp::init(dim, mlp_dim, initializer, device),
        }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let attended = self
            .self_attention
            .forward(MhaInput::self_attn(self.ln_1.forward(x.clone())))
            .context;
        let x = x + attended;
        x.clone() + self.mlp.forward(self.ln_2.forward(x))
    }
}

/// torchvision's `vit_b_16`: 86,567,656 parameters, 17.56 G MACs.
#[alphaflops::cost_budget(input = [1, 3, 224, 224])]
#[derive(Module, Debug)]
pub struct VitB16 {
    /// 16×16 patches → 768 features each, as a `[1, 196, 768]` sequence.
    #[layer(
        conv2d(channels = [3, 768], kernel_size = 16, stride = 16),
        then(flatten(start_dim = 2), transpose(dim0 = 1, dim1 = 2))
    )]
    pub conv_proj: Conv2d,
    /// `[1, 1, 768]`, prepended to every image's patches.
    #[layer(class_token(dim = 768))]
    pub class_token: Param<Tensor<3>>,
    /// `[1, 197, 768]`, added.
    #[layer(position_embedding(seq_len = 197, dim = 768))]
    pub pos_embedding: Param<Tensor<3>>,
    #[layer(module(dim = 768, heads = 12, mlp_dim = 3072), repeat = 12)]
    pub layers: Vec<EncoderBlock>,
    /// The final norm; the head reads the class token's row only.
    #[layer(layer_norm(d_model = 768), then(select(dim = 1, index = 0)))]
    pub ln: LayerNorm,
    #[layer(linear(d_input = 768, d_output = 1000))]
    pub head: Linear,
}

impl VitB16 {
    /// Builds the model with burn's default initialisation on `device` (the class token at
    /// zero and the position embedding N(0, 0.02²), as torchvision).
    pub fn new(device: &Device) -> Self {
        Self::init(device, None)
    }

    /// Builds the model with every weight (patch projection, attention, MLP, head, class
    /// token, position embedding) drawn from `initializer`, burn's way of choosing one.
    ///
    /// Random draws are slow in unoptimised builds: the 86.6 M random weights of
    /// [`VitB16::new`] take about 27 s to materialise in a debug build on this project's
    /// 2-core CI machine (the test's time with `VitB16::new` in place of
    /// `with_initializer(…, Zeros)`), so the forward-pass test builds with `Initializer::Zeros`.
    pub fn with_initializer(device: &Device, initializer: Initializer) -> Self {
        Self::init(device, Some(initializer))
    }

    fn init(device: &Device, initializer: Option<Initializer>) -> Self {
        let (dim, heads, mlp_dim) = (768, 12, 3072);
        let or = |default: Initializer| initializer.clone().unwrap_or(default);
        let patches = Conv2dConfig::new([3, dim], [16, 16]).with_stride([16, 16]);
        let patches = match &initializer {
            Some(i) => patches.with_initializer(i.clone()),
            None => patches,
        };
        Self {
            conv_proj: patches.init(device),
            class_token: or(Initializer::Zeros).init([1, 1, dim], device),
            pos_embedding: or(Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            })
            .init([1, 197, dim], device),
            layers: (0..12)
                .map(|_| EncoderBlock::init(dim, heads, mlp_dim, &initializer, device))
                .collect(),
            ln: LayerNormConfig::new(dim).with_epsilon(EPSILON).init(device),
            head: linear(dim, 1000, &initializer, device),
        }
    }

    /// `[batch, 3, 224, 224]` → `[batch, 1000]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x: Tensor<3> = self.conv_proj.forward(images).flatten(2, 3);
        let x = x.swap_dims(1, 2);
        let [batch, _, dim] = x.dims();
        let class_token = self.class_token.val().expand([batch, 1, dim]);
        let x = Tensor::cat(vec![class_token, x], 1) + self.pos_embedding.val();
        let x = self.layers.iter().fold(x, |x, layer| layer.forward(x));
        let x: Tensor<2> = self.ln.forward(x).narrow(1, 0, 1).squeeze_dim(1);
        self.head.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops::{CostModel, Profile, zoo};

    #[test]
    fn vit_b_16_matches_torchvision() {
        let cost = VitB16::cost();
        assert_eq!(cost.params, 86_567_656, "torchvision's parameter count");
        let off = (cost.macs as f64 / 1e9 - 17.56).abs() / 17.56;
        assert!(
            off <= 0.02,
            "{} MACs vs 17.56 G: {:.2} % off",
            cost.macs,
            off * 100.0
        );
        let flat = zoo::vit_b_16(1).price(&Profile::default_profile()).unwrap();
        assert_eq!(
            (cost.params, cost.macs, cost.flops),
            (flat.params, flat.macs, flat.flops),
            "the nested annotations price like core's flat vit_b_16"
        );
        let layers: Vec<&str> = cost.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(layers.len(), 8 + 12, "{layers:?}");
        assert_eq!(layers[5], "layers.0");
        assert_eq!(cost.layers[5].output.dims(), &[1, 197, 768]);
    }

    #[test]
    fn burn_counts_the_same_parameters() {
        // burn counts without materialising the (lazily initialised) weights.
        let device = crate::burn_cpu();
        assert_eq!(VitB16::new(&device).num_params(), 86_567_656);
        let zeros = VitB16::with_initializer(&device, Initializer::Zeros);
        assert_eq!(zeros.num_params(), 86_567_656, "the same tensors");
    }

    #[test]
    fn forward_agrees_with_the_macro() {
        let device = crate::burn_cpu();
        // Zeros rather than random draws: the same tensors and kernels, 27 s sooner in debug.
        let model = VitB16::with_initializer(&device, Initializer::Zeros);
        let out = model.forward(Tensor::zeros(INPUT, &device));
        assert_eq!(out.dims(), OUTPUT);
        crate::assert_agrees::<VitB16>(&out.dims(), model.num_params(), "burn");
    }
}
