//! `alphaflops::trace` and `alphaflops::verify_forward` on the real burn models: every
//! example's annotation matches what its forward runs, and an annotation that drifted from
//! the forward (a wrong stride, a reused activation priced once, an op it never mentions) is
//! caught with the field.

use alphaflops::trace::Pricing;
use alphaflops::{CostModel, Mismatch, Profile, assert_forward, trace, verify_forward};
use alphaflops_examples::burn_cpu;
use alphaflops_examples::burn_lenet::LeNet;
use alphaflops_examples::burn_resnet::{ResNet18, ResNet50};
use alphaflops_examples::burn_vgg::Vgg;
use alphaflops_examples::burn_vit::VitB16;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, GroupNorm, GroupNormConfig,
    InstanceNorm, InstanceNormConfig, Linear, LinearConfig, PaddingConfig2d, Relu, RotaryEncoding,
    RotaryEncodingConfig, SwiGlu, SwiGluConfig,
};
use burn::prelude::*;

#[test]
fn every_burn_example_passes_verify_forward() {
    let device = burn_cpu();
    // Built with burn's lazy initialisation: the capture never materialises the weights.
    assert_forward(&LeNet::new(&device), |m, x| m.forward(x));
    assert_forward(&Vgg::new(&device), |m, x| m.forward(x));
    assert_forward(&ResNet18::new(&device), |m, x| m.forward(x));
    assert_forward(&ResNet50::new(&device), |m, x| m.forward(x));
    assert_forward(&VitB16::new(&device), |m, x| m.forward(x));
    // Per-element bindings and the `bool` residual: each block's adds are the forward's.
    assert_forward(
        &alphaflops_examples::burn_mobilenet::MobileNetV2::new(&device),
        |m, x| m.forward(x),
    );
}

/// An unannotated run of a model prices like its annotation: the same MACs, FLOPs and
/// parameters, from the captured graph alone.
#[test]
fn trace_prices_resnet50_and_vit_like_their_annotations() {
    let device = burn_cpu();
    let profile = Profile::default_profile();
    let resnet = trace(&ResNet50::new(&device), [1, 3, 224, 224], |m, x| {
        m.forward(x)
    })
    .unwrap();
    let vit = trace(&VitB16::new(&device), [1, 3, 224, 224], |m, x| m.forward(x)).unwrap();
    for (traced, annotated) in [(resnet, ResNet50::cost()), (vit, VitB16::cost())] {
        assert!(traced.unpriced().is_empty(), "{:?}", traced.unpriced());
        let cost = traced.price(&profile).unwrap();
        assert_eq!(
            (cost.macs, cost.flops, cost.params),
            (annotated.macs, annotated.flops, annotated.params),
            "{}",
            annotated.model
        );
        assert_eq!(cost.output, annotated.output);
    }
}

/// The capture reads shapes only: lazily initialised parameters stay uninitialised and the
/// model's running statistics stay on its own device, so it still runs afterwards.
#[test]
fn tracing_leaves_the_model_untouched() {
    #[derive(Module, Debug)]
    struct Small {
        conv: Conv2d,
        bn: BatchNorm,
        fc: Linear,
    }
    let device = burn_cpu();
    let model = Small {
        conv: Conv2dConfig::new([3, 4], [3, 3]).init(&device),
        bn: BatchNormConfig::new(4).init(&device),
        fc: LinearConfig::new(4 * 6 * 6, 2).init(&device),
    };
    let forward = |m: &Small, x: Tensor<4>| {
        let x: Tensor<2> = m.bn.forward(m.conv.forward(x)).flatten(1, 3);
        m.fc.forward(x)
    };
    let traced = trace(&model, [1, 3, 8, 8], forward).unwrap();
    assert!(!model.fc.weight.is_initialized(), "no weight was drawn");
    let ops: Vec<(&str, &str)> = traced
        .ops()
        .iter()
        .filter(|o| o.is_priced())
        .map(|o| (o.name.as_str(), o.op.as_str()))
        .collect();
    assert_eq!(
        ops,
        [("conv", "conv2d"), ("bn", "batch_norm"), ("fc", "linear")]
    );
    let out = forward(&model, Tensor::zeros([1, 3, 8, 8], &device));
    assert_eq!(out.dims(), [1, 2], "the model still runs on its own device");
}

/// A stride annotated 1 where the code builds 2: the build, `verify` and the weights all
/// agree, only the forward pass shows the lie.
#[alphaflops::cost_budget(input = [1, 64, 56, 56], params = "1M")]
#[derive(Module, Debug)]
struct StrideDrift {
    #[layer(conv2d(channels = [64, 64], kernel_size = [3, 3], padding = [1, 1]), then(relu))]
    conv1: Conv2d,
    #[layer(conv2d(channels = [64, 64], kernel_size = [3, 3], padding = [1, 1]))]
    conv2: Conv2d,
    activation: Relu,
}

impl StrideDrift {
    fn new(device: &Device) -> Self {
        let conv = |stride| {
            Conv2dConfig::new([64, 64], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        Self {
            conv1: conv(1),
            conv2: conv(2),
            activation: Relu::new(),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.activation.forward(self.conv1.forward(x));
        self.activation.forward(self.conv2.forward(x))
    }
}

#[test]
fn a_wrong_stride_is_caught_with_the_field() {
    let model = StrideDrift::new(&burn_cpu());
    alphaflops::verify(&model).expect("the weights agree: only the forward shows the stride");
    let err = verify_forward(&model, |m, x| m.forward(x)).unwrap_err();
    let text = err.to_string();
    println!("{text}");
    assert_eq!(err.mismatches[0].field(), "conv2", "{text}");
    assert!(
        text.contains(
            "`conv2`: annotated stride 1 → [1, 64, 56, 56]; the forward ran a 3×3 convolution to [1, 64, 28, 28] (stride 2, padding 1;"
        ),
        "{text}"
    );
    assert!(
        text.starts_with("`StrideDrift`'s #[layer] annotations disagree with its forward pass;"),
        "{text}"
    );
}

/// LeNet as it was before a review: one `Relu` field, applied four times, priced once.
#[alphaflops::cost_budget(input = [1, 1, 28, 28], params = "100k")]
#[derive(Module, Debug)]
struct ReusedRelu {
    #[layer(conv2d(channels = [1, 6], kernel_size = [5, 5], padding = [2, 2]))]
    conv1: Conv2d,
    activation: Relu,
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pool1: MaxPool2d,
    #[layer(conv2d(channels = [6, 16], kernel_size = [5, 5]))]
    conv2: Conv2d,
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pool2: MaxPool2d,
    #[layer(linear(d_input = 400, d_output = 120))]
    fc1: Linear,
    #[layer(linear(d_input = 120, d_output = 84))]
    fc2: Linear,
    #[layer(linear(d_input = 84, d_output = 10))]
    fc3: Linear,
}

impl ReusedRelu {
    fn new(device: &Device) -> Self {
        Self {
            conv1: Conv2dConfig::new([1, 6], [5, 5])
                .with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2))
                .init(device),
            activation: Relu::new(),
            pool1: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            conv2: Conv2dConfig::new([6, 16], [5, 5]).init(device),
            pool2: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(400, 120).init(device),
            fc2: LinearConfig::new(120, 84).init(device),
            fc3: LinearConfig::new(84, 10).init(device),
        }
    }

    fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let x = self.activation.forward(self.conv1.forward(input));
        let x = self.pool1.forward(x);
        let x = self.activation.forward(self.conv2.forward(x));
        let x: Tensor<2> = self.pool2.forward(x).flatten(1, 3);
        let x = self.activation.forward(self.fc1.forward(x));
        let x = self.activation.forward(self.fc2.forward(x));
        self.fc3.forward(x)
    }
}

#[test]
fn a_reused_activation_priced_once_is_caught() {
    let model = ReusedRelu::new(&burn_cpu());
    let err = verify_forward(&model, |m, x| m.forward(x)).unwrap_err();
    let text = err.to_string();
    println!("{text}");
    let relu = err
        .mismatches
        .iter()
        .find(|m| m.to_string().contains("relu"))
        .unwrap_or_else(|| panic!("no relu count in\n{text}"));
    assert_eq!(relu.field(), "activation", "{text}");
    assert_eq!(
        relu.to_string(),
        "`activation`: the forward ran 4 relu; the annotation prices 1 (priced at `activation`; run after `conv1`, `conv2`, `fc1`, `fc2`)"
    );
}

/// A softmax the annotation never mentions, and a field left out of the annotation that the
/// forward uses anyway.
#[alphaflops::cost_budget(input = [1, 84], params = "1M")]
#[derive(Module, Debug)]
struct Unmentioned {
    #[layer(linear(d_input = 84, d_output = 10))]
    fc: Linear,
    #[layer(skip)]
    aux: Linear,
}

#[test]
fn an_op_the_annotation_never_mentions_is_caught() {
    let device = burn_cpu();
    let model = Unmentioned {
        fc: LinearConfig::new(84, 10).init(&device),
        aux: LinearConfig::new(10, 10).init(&device),
    };
    let err = verify_forward(&model, |m, x: Tensor<2>| {
        burn::tensor::activation::softmax(m.aux.forward(m.fc.forward(x)), 1)
    })
    .unwrap_err();
    let text = err.to_string();
    println!("{text}");
    let lines: Vec<String> = err.mismatches.iter().map(Mismatch::to_string).collect();
    assert!(
        lines.contains(
            &"`aux`: the forward ran a linear 10 → 10 to [1, 10]; the annotation does not price it"
                .to_string()
        ),
        "{text}"
    );
    assert!(
        lines.contains(
            &"`aux`: the forward ran 1 softmax; the annotation prices 0 (run after `aux`)"
                .to_string()
        ),
        "{text}"
    );
    assert!(
        lines.contains(&"the forward ran 940 MACs; the annotation prices 840".to_string()),
        "{text}"
    );
}

/// Operations alphaflops cannot price are listed by name and count, and fail a verification
/// rather than pass unseen.
#[test]
fn unpriceable_ops_are_reported() {
    use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
    let model = ResizeHead {
        fc: LinearConfig::new(16, 2).init(&burn_cpu()),
    };
    let forward = |m: &ResizeHead, x: Tensor<4>| {
        let mut options = InterpolateOptions::new(InterpolateMode::Bilinear);
        options.output_size = Some([4, 4]);
        let x = burn::tensor::module::interpolate(x, options.clone());
        let x = burn::tensor::module::interpolate(x, options);
        m.fc.forward(x.flatten::<2>(1, 3))
    };
    let traced = trace(&model, [1, 1, 8, 8], forward).unwrap();
    let unpriced: Vec<(&str, usize)> = traced
        .unpriced()
        .iter()
        .map(|u| (u.op.as_str(), u.count))
        .collect();
    assert_eq!(unpriced, [("interpolate", 2)]);
    assert_eq!(
        traced.unpriced()[0].to_string(),
        "2 × interpolate (first to [1, 1, 4, 4])"
    );
    let priced: Vec<&str> = traced
        .ops()
        .iter()
        .filter(|o| o.pricing != Pricing::Free)
        .map(|o| o.op.as_str())
        .collect();
    assert_eq!(priced, ["interpolate", "interpolate", "linear"]);
    let err = verify_forward(&model, forward).unwrap_err();
    assert!(
        err.to_string().contains(
            "the forward ran 2 × interpolate (first to [1, 1, 4, 4]), which alphaflops cannot price"
        ),
        "{err}"
    );
}

/// Priced on a 4×4 input, which the forward resizes to 4×4 (the annotation has no resize).
#[alphaflops::cost_budget(input = [1, 1, 4, 4], params = "1M")]
#[derive(Module, Debug)]
struct ResizeHead {
    #[layer(linear(d_input = 16, d_output = 2))]
    fc: Linear,
}

/// A forward that reads values cannot be captured: an error, not a panic.
#[test]
fn a_forward_reading_values_is_an_error() {
    let model = ResizeHead {
        fc: LinearConfig::new(16, 2).init(&burn_cpu()),
    };
    let err = trace(&model, [1, 16], |m, x: Tensor<2>| {
        m.fc.forward(x).into_data()
    })
    .unwrap_err();
    assert!(
        matches!(err, alphaflops::TraceError::Forward { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("reads tensor values"), "{err}");
}

/// burn's SiLU (`x · sigmoid(x)`) is the catalog's silu, and a hand-written `x·W` on a
/// parameter is a linear layer.
#[test]
fn burns_decompositions_are_priced_as_the_catalog_layers() {
    #[derive(Module, Debug)]
    struct Gated {
        fc: Linear,
        silu: burn::nn::activation::SiLU,
    }
    let model = Gated {
        fc: LinearConfig::new(8, 4).init(&burn_cpu()),
        silu: burn::nn::activation::SiLU::new(),
    };
    let traced = trace(&model, [2, 8], |m, x| m.silu.forward(m.fc.forward(x))).unwrap();
    let priced: Vec<(&str, &str)> = traced
        .ops()
        .iter()
        .filter(|o| o.is_priced())
        .map(|o| (o.name.as_str(), o.op.as_str()))
        .collect();
    assert_eq!(priced, [("fc", "linear"), ("fc.silu", "silu")]);
    let cost = traced.price(&Profile::default_profile()).unwrap();
    assert_eq!(
        (cost.macs, cost.flops, cost.params),
        (2 * 8 * 4, 2 * 64 + 5 * 8, 36)
    );
    assert_eq!(traced.nodes.len(), 2, "both are nodes of the core model");
}

/// A `repeat` one short of the `Vec` the forward runs: the extra copy is named by its path.
#[alphaflops::cost_budget(input = [1, 8], params = "1M")]
#[derive(Module, Debug)]
struct ShortRepeat {
    #[layer(linear(d_input = 8, d_output = 8), repeat = 3)]
    blocks: Vec<Linear>,
    #[layer(linear(d_input = 8, d_output = 2))]
    unused: Linear,
}

#[test]
fn a_copy_the_annotation_misses_and_a_field_the_forward_skips_are_named() {
    let device = burn_cpu();
    let model = ShortRepeat {
        blocks: (0..4)
            .map(|_| LinearConfig::new(8, 8).init(&device))
            .collect(),
        unused: LinearConfig::new(8, 2).init(&device),
    };
    let err = verify_forward(&model, |m, x: Tensor<2>| {
        m.blocks.iter().fold(x, |x, b| b.forward(x))
    })
    .unwrap_err();
    let text = err.to_string();
    println!("{text}");
    let lines: Vec<String> = err.mismatches.iter().map(Mismatch::to_string).collect();
    for line in [
        "`unused`: annotated linear 8 → 2 → [1, 2]; the forward never reads its parameters",
        "`blocks.3`: the forward ran a linear 8 → 8 to [1, 8]; the annotation does not price it",
    ] {
        assert!(
            lines.iter().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

/// The Llama-style decoder traces, constants included (the rotary encoding's frequencies are
/// a tensor, not a parameter, and move to the capture device with the weights), and prices
/// burn's forward as it runs: every query–key product of the causal attention (burn masks
/// after computing them all) and the rotation's matmul against its constant sign matrix
/// (4 MACs per rotated element), besides the annotation's MACs.
#[test]
fn the_llama_decoder_traces_as_burn_runs_it() {
    use alphaflops_examples::burn_llama::{
        D_MODEL, LlamaDecoder, N_HEADS, N_HEADS_KV, N_LAYERS, PROMPT,
    };
    let device = burn_cpu();
    let model = LlamaDecoder::new(burn::module::Initializer::Zeros, &device);
    let traced = trace(&model, [1, PROMPT], |m, x: Tensor<2>| {
        m.forward(x.int(), &mut m.cache())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(traced.unpriced().is_empty(), "{:?}", traced.unpriced());
    let cost = traced.price(&Profile::default_profile()).unwrap();
    let annotated = LlamaDecoder::cost();
    assert_eq!(cost.params, annotated.params);
    let (t, d_head) = (PROMPT as u64, (D_MODEL / N_HEADS) as u64);
    let (layers, heads, kv_heads) = (N_LAYERS as u64, N_HEADS as u64, N_HEADS_KV as u64);
    // QKᵀ and AV over the masked T² − T(T+1)/2 pairs too.
    let masked = layers * heads * 2 * (t * t - t * (t + 1) / 2) * d_head;
    // Queries and keys, [.., d/2, 2]·[2, 4]: 4 MACs per element.
    let rotation = layers * 4 * t * (heads + kv_heads) * d_head;
    assert_eq!(cost.macs, annotated.macs + masked + rotation);
    let rotation_ops = traced
        .ops()
        .iter()
        .filter(|o| o.part_of == Some("rotary_encoding"))
        .count();
    assert_eq!(
        rotation_ops,
        layers as usize * 2 * 3,
        "matmul, product, sum per rotation"
    );
    // Each layer's causal mask, `tril_mask` on `arange`s, reads neither the input nor a weight.
    let constant: Vec<&str> = traced
        .ops()
        .iter()
        .filter(|o| o.is_priced() && o.from_constants)
        .map(|o| o.op.as_str())
        .collect();
    assert_eq!(
        constant,
        ["sub_scalar", "sub", "lower_elem"].repeat(N_LAYERS)
    );
}

/// The whole decoder passes: grouped-query attention written as four linears and `swiglu`'s
/// two linears and SiLU are attributed to their fields, causal attention is compared at the
/// dense products burn runs, the rotation to its `rotary_encoding` field.
#[test]
fn the_llama_decoder_passes_verify_forward() {
    use alphaflops_examples::burn_llama::LlamaDecoder;
    let model = LlamaDecoder::new(burn::module::Initializer::Zeros, &burn_cpu());
    let forward = |m: &LlamaDecoder, x: Tensor<2>| m.forward(x.int(), &mut m.cache());
    if let Err(e) = verify_forward(&model, forward) {
        panic!("{e}");
    }
    assert_forward(&model, forward);
}

/// A decode step (`past_tokens = 15`) passes too: the cache it reads is 15 tokens of zero keys
/// and values made in the closure, so the capture records no prefill, only the step.
#[test]
fn the_llama_decode_step_passes_verify_forward() {
    use alphaflops_examples::burn_llama::{
        D_MODEL, LayerCache, LlamaDecodeStep, LlamaDecoder, N_HEADS, N_HEADS_KV,
    };
    let decoder = LlamaDecoder::new(burn::module::Initializer::Zeros, &burn_cpu());
    let model = LlamaDecodeStep { decoder };
    let forward = |m: &LlamaDecodeStep, x: Tensor<2>| {
        let past = || Tensor::<4>::zeros([1, N_HEADS_KV, 15, D_MODEL / N_HEADS], &x.device());
        let mut cache: Vec<_> = m
            .decoder
            .layers
            .iter()
            .map(|_| LayerCache {
                kv: Some((past(), past())),
            })
            .collect();
        m.decoder.forward(x.int(), &mut cache)
    };
    if let Err(e) = verify_forward(&model, forward) {
        panic!("{e}");
    }
}

/// burn runs GroupNorm and InstanceNorm as element-wise ops (two means, a subtraction, a
/// square, a root, a division, `· γ + β`), 7 FLOPs per element and 4 per group where the
/// catalog prices 5 per element: compared as burn runs them, the two reads of `γ` and `β` one
/// use of the field.
#[alphaflops::cost_budget(input = [2, 3, 16, 16], params = "1M")]
#[derive(Module, Debug)]
struct Normed {
    #[layer(conv2d(channels = [3, 8], kernel_size = [3, 3], padding = [1, 1]))]
    conv: Conv2d,
    #[layer(group_norm(num_groups = 2, num_channels = 8))]
    groups: GroupNorm,
    activation: Relu,
    #[layer(instance_norm(num_channels = 8))]
    instances: InstanceNorm,
    #[layer(instance_norm(num_channels = 8, affine = false))]
    plain: InstanceNorm,
}

impl Normed {
    fn new(device: &Device) -> Self {
        Self {
            conv: Conv2dConfig::new([3, 8], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            groups: GroupNormConfig::new(2, 8).init(device),
            instances: InstanceNormConfig::new(8).init(device),
            plain: InstanceNormConfig::new(8).with_affine(false).init(device),
            activation: Relu::new(),
        }
    }
}

#[test]
fn group_and_instance_norms_are_compared_as_burn_runs_them() {
    let model = Normed::new(&burn_cpu());
    alphaflops::verify(&model).unwrap_or_else(|e| panic!("{e}"));
    assert_forward(&model, |m, x| {
        let x = m.activation.forward(m.groups.forward(m.conv.forward(x)));
        m.plain.forward(m.instances.forward(x))
    });
    // The same norm run twice is one use too many, named with the field.
    let err = verify_forward(&model, |m, x| {
        let x = m.groups.forward(m.groups.forward(m.conv.forward(x)));
        m.plain
            .forward(m.instances.forward(m.activation.forward(x)))
    })
    .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.mismatches[0].field(), "groups", "{text}");
    assert!(
        text.contains("`groups`: the forward ran it 2 times (")
            && text.contains("the annotation prices it once"),
        "{text}"
    );
}

/// A rotary encoding applied to the queries only, and a rotation no field annotates.
#[alphaflops::cost_budget(input = [1, 8, 32], params = "1M")]
#[derive(Module, Debug)]
struct Rotated {
    /// Per head of 8 features.
    #[layer(rotary_encoding(d_model = 8, max_sequence_length = 16))]
    rope: RotaryEncoding,
}

#[alphaflops::cost_budget(input = [1, 8, 32], params = "1M")]
#[derive(Module, Debug)]
struct Unrotated {
    #[layer(linear(d_input = 32, d_output = 32, bias = false))]
    query: Linear,
    #[layer(skip)]
    rope: RotaryEncoding,
}

/// `[1, 8, 32]` as 4 heads of 8, rotated, and back.
fn rotate(rope: &RotaryEncoding, x: Tensor<3>) -> Tensor<3> {
    let heads = x.reshape([1, 8, 4, 8]).swap_dims(1, 2);
    rope.apply(heads, 0).swap_dims(1, 2).reshape([1, 8, 32])
}

#[test]
fn rotations_are_compared_with_their_rotary_encoding_field() {
    let device = burn_cpu();
    let rope = || RotaryEncodingConfig::new(16, 8).init(&device);
    let model = Rotated { rope: rope() };
    // Queries and keys: what the annotation prices.
    assert_forward(&model, |m, x| {
        (rotate(&m.rope, x.clone()), rotate(&m.rope, x))
    });
    let err = verify_forward(&model, |m, x| rotate(&m.rope, x)).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.mismatches[0].field(), "rope", "{text}");
    assert_eq!(
        err.mismatches[0].to_string(),
        "`rope`: the forward ran 1 rotation (of 256 elements); the annotation prices 2, the queries and the keys"
    );
    let err = verify_forward(&model, |_, x: Tensor<3>| {
        let x = x.reshape([1, 8, 2, 16]).swap_dims(1, 2);
        let wide = RotaryEncodingConfig::new(16, 16).init(&x.device());
        (wide.apply(x.clone(), 0), wide.apply(x, 0))
    })
    .unwrap_err();
    assert_eq!(
        err.mismatches[0].to_string(),
        "`rope`: annotated rotary_encoding of width 8 → [1, 8, 32]; the forward rotated 16-wide heads",
        "{err}"
    );

    let model = Unrotated {
        query: LinearConfig::new(32, 32).with_bias(false).init(&device),
        rope: rope(),
    };
    let err = verify_forward(&model, |m, x| rotate(&m.rope, m.query.forward(x))).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.mismatches[0].field(), "query", "{text}");
    assert!(
        text.contains(
            "`query`: the forward ran burn's rotary encoding on 256 elements (8-wide heads); the annotation prices no rotary_encoding"
        ),
        "{text}"
    );
}

/// A weight read twice: an LM head tied to the token embedding (`x · Eᵀ`) and a linear
/// applied twice, annotated by hand (`#[layer]` has no tied kind; `CostModel` is a plain
/// trait) with the catalog's `tied_linear`, which has no parameters of its own.
#[derive(Module, Debug)]
struct TiedLm {
    embed: Embedding,
    mix: Linear,
}

impl CostModel for TiedLm {
    fn cost() -> alphaflops::ModelCost {
        Self::model()
            .price(&Profile::default_profile())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn model() -> alphaflops::Model {
        use alphaflops::Layer;
        let mut model = alphaflops::Model::new("TiedLm", alphaflops::Shape(vec![1, 8]));
        model
            .push(
                "embed",
                Layer::Embedding {
                    num_embeddings: 64,
                    embedding_dim: 16,
                },
            )
            .push(
                "mix",
                Layer::Linear {
                    d_input: 16,
                    d_output: 16,
                    bias: false,
                },
            )
            .push(
                "mix_again",
                Layer::TiedLinear {
                    d_input: 16,
                    d_output: 16,
                },
            )
            .push(
                "head",
                Layer::TiedLinear {
                    d_input: 16,
                    d_output: 64,
                },
            );
        model
    }
}

#[test]
fn tied_weights_are_compared_with_their_tied_linear() {
    let device = burn_cpu();
    let model = TiedLm {
        embed: EmbeddingConfig::new(64, 16).init(&device),
        mix: LinearConfig::new(16, 16).with_bias(false).init(&device),
    };
    let head = |m: &TiedLm, x: Tensor<3>| x.matmul(m.embed.weight.val().transpose().unsqueeze());
    let forward = |m: &TiedLm, x: Tensor<2>| {
        let x = m.embed.forward(x.int());
        head(m, m.mix.forward(m.mix.forward(x)))
    };
    assert_forward(&model, forward);
    let traced = trace(&model, [1, 8], forward).unwrap();
    let cost = traced.price(&Profile::default_profile()).unwrap();
    assert_eq!(
        (cost.macs, cost.params),
        (TiedLm::cost().macs, TiedLm::cost().params),
        "a tied weight is counted once"
    );
    // The head left out: the tie the annotation claims is missing.
    let err = verify_forward(&model, |m, x: Tensor<2>| {
        m.mix.forward(m.mix.forward(m.embed.forward(x.int())))
    })
    .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.mismatches[0].field(), "head", "{text}");
    assert_eq!(
        err.mismatches[0].to_string(),
        "`head`: annotated tied_linear 16 → 64 → [1, 8, 64]; the forward runs no such linear on another field's weights"
    );
    // Applied a third time: one use no annotation prices.
    let err = verify_forward(&model, |m, x: Tensor<2>| {
        let x = m.embed.forward(x.int());
        head(m, m.mix.forward(m.mix.forward(m.mix.forward(x))))
    })
    .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.mismatches[0].field(), "mix", "{text}");
    assert!(text.contains("`mix`: the forward ran it 2 times"), "{text}");
}

/// burn's `SwiGlu` is two linears and a SiLU: one use of the field. Run twice, the field and
/// its SiLU are each one use too many.
#[alphaflops::cost_budget(input = [1, 4, 8], params = "1M")]
#[derive(Module, Debug)]
struct Gated {
    #[layer(swiglu(d_input = 8, d_output = 8))]
    gate_up: SwiGlu,
}

#[test]
fn swiglu_is_one_use_of_its_field() {
    let model = Gated {
        gate_up: SwiGluConfig::new(8, 8).init(&burn_cpu()),
    };
    assert_forward(&model, |m, x: Tensor<3>| m.gate_up.forward(x));
    let err = verify_forward(&model, |m, x: Tensor<3>| {
        m.gate_up.forward(m.gate_up.forward(x))
    })
    .unwrap_err();
    let lines: Vec<String> = err.mismatches.iter().map(Mismatch::to_string).collect();
    for line in [
        "`gate_up`: the forward ran it 2 times (linear 8 → 8, last to [1, 4, 8]); the annotation prices it once",
        "`gate_up`: the forward ran 2 silu; the annotation prices 1 (priced at `gate_up`; run after `gate_up.linear_inner`, `gate_up.linear_inner`)",
    ] {
        assert!(
            lines.iter().any(|l| l == line),
            "missing {line:?} in\n{err}"
        );
    }
}
