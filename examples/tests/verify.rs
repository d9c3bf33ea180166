//! `alphaflops::verify` on the real burn and candle models: the annotations of the examples
//! hold, and an annotation that drifted from the code is caught with the field and both shapes.

use alphaflops::{Mismatch, verify, verify_candle};
use alphaflops_examples::burn_cpu;
use alphaflops_examples::burn_lenet::LeNet;
use alphaflops_examples::burn_vgg::Vgg;
use alphaflops_examples::candle_cnn::CandleCnn;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;

#[test]
fn lenet_annotations_match_its_weights() {
    let model = LeNet::new(&burn_cpu());
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
}

#[test]
fn vgg_annotations_match_its_weights() {
    let model = Vgg::new(&burn_cpu());
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
}

#[test]
fn candle_cnn_annotations_match_its_weights() {
    let (varmap, _model) = CandleCnn::init_cpu().unwrap();
    if let Err(e) = verify_candle::<CandleCnn>(&varmap) {
        panic!("{e}");
    }
}

/// LeNet's head annotated as 400 → 100 → 10 while the code builds 400 → 120 → 10. It still
/// compiles and prices (the annotation is self-consistent); only `verify` sees the lie.
#[alphaflops::cost_budget(input = [1, 400], params = "1M")]
#[derive(Module, Debug)]
struct DriftedHead {
    #[layer(linear(d_input = 400, d_output = 100))]
    fc1: Linear,
    relu: Relu,
    #[layer(linear(d_input = 100, d_output = 10))]
    fc2: Linear,
}

impl DriftedHead {
    fn new(device: &Device) -> Self {
        Self {
            fc1: LinearConfig::new(400, 120).init(device),
            relu: Relu::new(),
            fc2: LinearConfig::new(120, 10).init(device),
        }
    }
}

#[test]
fn a_drifted_burn_annotation_fails_with_the_field_and_both_shapes() {
    let err = verify(&DriftedHead::new(&burn_cpu())).unwrap_err();
    let fields: Vec<&str> = err.mismatches.iter().map(Mismatch::field).collect();
    assert_eq!(fields, ["fc1", "fc1", "fc1", "fc2", "fc2"], "{err}");
    assert_eq!(
        err.mismatches[0],
        Mismatch::Shape {
            field: "fc1".into(),
            op: "linear",
            param: "fc1.weight".into(),
            // burn stores linear weights as [d_input, d_output].
            expected: vec![400, 100],
            live: vec![400, 120],
        }
    );
    let text = err.to_string();
    println!("{text}");
    for line in [
        "`DriftedHead`'s #[layer] annotations disagree with its live weights (burn layout: linear weights are [d_input, d_output]); 5 mismatches:",
        "  - `fc1` (linear) `fc1.weight`: annotated [400, 100], live [400, 120]",
        "  - `fc1` (linear) `fc1.bias`: annotated [100], live [120]",
        "  - `fc1` (linear): annotated 40100 parameters, live 48120",
        "  - `fc2` (linear) `fc2.weight`: annotated [100, 10], live [120, 10]",
        "  - `fc2` (linear): annotated 1010 parameters, live 1210",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

/// A field left out with `#[layer(skip)]` although it holds weights: they are not priced.
#[alphaflops::cost_budget(input = [1, 84], params = "1M")]
#[derive(Module, Debug)]
struct SkippedHead {
    #[layer(linear(d_input = 84, d_output = 10))]
    fc: Linear,
    #[layer(skip)]
    aux: Linear,
}

#[test]
fn weights_under_a_skipped_field_are_reported() {
    let device = burn_cpu();
    let model = SkippedHead {
        fc: LinearConfig::new(84, 10).init(&device),
        aux: LinearConfig::new(84, 2).init(&device),
    };
    let err = verify(&model).unwrap_err();
    assert_eq!(
        err.mismatches,
        [Mismatch::Unannotated {
            field: "aux".into(),
            live: vec![
                ("aux.weight".into(), vec![84, 2]),
                ("aux.bias".into(), vec![2]),
            ],
        }],
        "{err}"
    );
}

/// The candle CNN's annotations checked against a VarMap built with a narrower `fc`: candle's
/// layout is [d_output, d_input].
#[test]
fn a_drifted_candle_model_fails_in_pytorch_layout() {
    use candle_core::{DType, Device};
    use candle_nn::{VarBuilder, VarMap};
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let pad1 = candle_nn::Conv2dConfig {
        padding: 1,
        ..Default::default()
    };
    candle_nn::conv2d(1, 8, 3, pad1, vb.pp("conv1")).unwrap();
    candle_nn::conv2d(8, 16, 3, pad1, vb.pp("conv2")).unwrap();
    candle_nn::linear(16 * 7 * 7, 5, vb.pp("fc")).unwrap();
    let err = verify_candle::<CandleCnn>(&varmap).unwrap_err();
    println!("{err}");
    assert!(
        err.to_string()
            .contains("`fc` (linear) `fc.weight`: annotated [10, 784], live [5, 784]"),
        "{err}"
    );
}

/// Real burn modules of every other kind with parameters: their paths, names (`gamma`/`beta`,
/// `query`/`key`/`value`/`output`), layouts and buffers (batch norm's running statistics)
/// line up with the annotations.
#[alphaflops::cost_budget(input = [1, 4, 8, 8], params = "1M")]
#[derive(Module, Debug)]
struct ImageLayers {
    #[layer(conv_transpose2d(channels = [4, 6], kernel_size = [2, 2], stride = [2, 2], groups = 2))]
    up: burn::nn::conv::ConvTranspose2d,
    #[layer(batch_norm(num_features = 6))]
    bn: burn::nn::BatchNorm,
    #[layer(group_norm(num_groups = 2, num_channels = 6))]
    gn: burn::nn::GroupNorm,
    #[layer(instance_norm(num_channels = 6))]
    inorm: burn::nn::InstanceNorm,
    #[layer(instance_norm(num_channels = 6, affine = false))]
    inorm_plain: burn::nn::InstanceNorm,
}

#[alphaflops::cost_budget(input = [1, 5, 16], params = "1M")]
#[derive(Module, Debug)]
struct SequenceLayers {
    #[layer(layer_norm(d_model = 16))]
    norm: burn::nn::LayerNorm,
    #[layer(multi_head_attention(d_model = 16, n_heads = 4))]
    attn: burn::nn::attention::MultiHeadAttention,
}

#[alphaflops::cost_budget(input = [1, 5], params = "1M")]
#[derive(Module, Debug)]
struct Lookup {
    #[layer(embedding(n_embedding = 100, d_model = 16))]
    emb: burn::nn::Embedding,
}

#[test]
fn burn_norms_attention_embedding_and_transposed_convs_verify() {
    let device = burn_cpu();
    let image = ImageLayers {
        up: burn::nn::conv::ConvTranspose2dConfig::new([4, 6], [2, 2])
            .with_stride([2, 2])
            .with_groups(2)
            .init(&device),
        bn: burn::nn::BatchNormConfig::new(6).init(&device),
        gn: burn::nn::GroupNormConfig::new(2, 6).init(&device),
        inorm: burn::nn::InstanceNormConfig::new(6).init(&device),
        inorm_plain: burn::nn::InstanceNormConfig::new(6)
            .with_affine(false)
            .init(&device),
    };
    if let Err(e) = verify(&image) {
        panic!("{e}");
    }
    let seq = SequenceLayers {
        norm: burn::nn::LayerNormConfig::new(16).init(&device),
        attn: burn::nn::attention::MultiHeadAttentionConfig::new(16, 4).init(&device),
    };
    if let Err(e) = verify(&seq) {
        panic!("{e}");
    }
    let lookup = Lookup {
        emb: burn::nn::EmbeddingConfig::new(100, 16).init(&device),
    };
    if let Err(e) = verify(&lookup) {
        panic!("{e}");
    }
    // An annotation that forgets `affine = false` promises a scale and a shift burn never made.
    let plain = image.inorm_plain.clone();
    let image = ImageLayers {
        inorm: plain,
        ..image
    };
    let err = verify(&image).unwrap_err();
    assert!(
        err.to_string().contains(
            "`inorm` (instance_norm): annotated with `weight` [6], `bias` [6] but the live model has no tensor under `inorm.`"
        ),
        "{err}"
    );
    // The same modules one size off are caught.
    let wrong = Lookup {
        emb: burn::nn::EmbeddingConfig::new(100, 8).init(&device),
    };
    let err = verify(&wrong).unwrap_err();
    assert!(
        err.to_string()
            .contains("`emb` (embedding) `emb.weight`: annotated [100, 16], live [100, 8]"),
        "{err}"
    );
}

/// A residual block as burn writes it, nested with `#[layer(module)]` and repeated: burn's
/// paths (`blocks.1.bn.gamma`) are the annotated graph's dotted node paths.
#[alphaflops::cost_model]
#[derive(Module, Debug)]
struct ConvBlock {
    #[layer(conv2d(channels = [8, 8], kernel_size = [3, 3], padding = [1, 1], bias = false))]
    conv: burn::nn::conv::Conv2d,
    #[layer(batch_norm(num_features = 8), then(add(with = "input"), relu))]
    bn: burn::nn::BatchNorm,
}

#[alphaflops::cost_budget(input = [1, 8, 16, 16], params = "1M")]
#[derive(Module, Debug)]
struct Stack {
    #[layer(module, repeat = 2)]
    blocks: Vec<ConvBlock>,
    #[layer(flatten)]
    flatten: alphaflops_examples::burn_vgg::Flatten,
    #[layer(linear(d_input = 2048, d_output = 10))]
    head: Linear,
}

fn conv_block(device: &Device, channels: usize) -> ConvBlock {
    ConvBlock {
        conv: burn::nn::conv::Conv2dConfig::new([8, channels], [3, 3])
            .with_padding(burn::nn::PaddingConfig2d::Explicit(1, 1, 1, 1))
            .with_bias(false)
            .init(device),
        bn: burn::nn::BatchNormConfig::new(channels).init(device),
    }
}

#[test]
fn nested_repeated_burn_blocks_verify_by_path() {
    let device = burn_cpu();
    let stack = Stack {
        blocks: vec![conv_block(&device, 8), conv_block(&device, 8)],
        flatten: alphaflops_examples::burn_vgg::Flatten,
        head: LinearConfig::new(2048, 10).init(&device),
    };
    if let Err(e) = verify(&stack) {
        panic!("{e}");
    }
    let drifted = Stack {
        blocks: vec![conv_block(&device, 8), conv_block(&device, 4)],
        ..stack
    };
    let err = verify(&drifted).unwrap_err();
    let fields: Vec<&str> = err.mismatches.iter().map(Mismatch::field).collect();
    assert_eq!(
        fields,
        [
            "blocks.1.conv",
            "blocks.1.conv",
            "blocks.1.bn",
            "blocks.1.bn",
            "blocks.1.bn"
        ],
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("`blocks.1.conv` (conv2d) `blocks.1.conv.weight`: annotated [8, 8, 3, 3], live [4, 8, 3, 3]"),
        "{err}"
    );
}

/// The ResNets and the ViT, each block type annotated once with parameters: every live tensor
/// of every bound block is where the annotations say, with their shapes.
#[test]
fn resnets_and_vit_annotations_match_their_weights() {
    use alphaflops_examples::burn_resnet::{ResNet18, ResNet50};
    use alphaflops_examples::burn_vit::VitB16;
    let device = burn_cpu();
    // Shapes are read lazily: no weight is materialised.
    for result in [
        verify(&ResNet18::new(&device)),
        verify(&ResNet50::new(&device)),
        verify(&VitB16::new(&device)),
    ] {
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}

/// MobileNetV2's seventeen blocks, each bound by its own `module(...)` entry: every element's
/// weights, its `Option` expansion present or not, are where its entry says.
#[test]
fn per_element_bindings_match_mobilenet_v2_weights() {
    use alphaflops_examples::burn_mobilenet::MobileNetV2;
    if let Err(e) = verify(&MobileNetV2::new(&burn_cpu())) {
        panic!("{e}");
    }
}

/// A block built with a downsample branch where the stage binds `down = 0`: the live
/// `Option` is `Some`, the annotation prices no copy of it, and `verify` names the nested
/// field as annotated but uncovered (its `repeat` is 0).
#[test]
fn a_block_bound_without_its_downsample_is_caught() {
    use alphaflops_examples::burn_resnet::{BasicBlock, ResNet18};
    let device = burn_cpu();
    let mut model = ResNet18::new(&device);
    model.layer3.rest[0] = BasicBlock::new(256, 256, 1, true, &device);
    let err = verify(&model).unwrap_err();
    assert_eq!(
        err.mismatches,
        [Mismatch::Uncovered {
            field: "layer3.rest.0.downsample".into(),
            live: vec![
                (
                    "layer3.rest.0.downsample.conv.weight".into(),
                    vec![256, 256, 1, 1]
                ),
                ("layer3.rest.0.downsample.bn.gamma".into(), vec![256]),
                ("layer3.rest.0.downsample.bn.beta".into(), vec![256]),
            ],
        }],
        "{err}"
    );
}

/// A parameterised block from another crate (the examples library), bound here at the width
/// and stride of ResNet-18's second stage; it nests further blocks of that crate.
#[alphaflops::cost_budget(input = [1, 64, 56, 56], params = "1M")]
#[derive(Module, Debug)]
struct SecondStage {
    #[layer(module(c_in = 64, c_out = 128, stride = 2, down = 1, n = 1))]
    stage: alphaflops_examples::burn_resnet::BasicStage,
}

#[test]
fn a_parameterised_block_from_another_crate_prices_and_verifies() {
    use alphaflops::{CostModel, Profile, zoo};
    use alphaflops_examples::burn_resnet::BasicStage;
    let device = burn_cpu();
    let stage = SecondStage {
        stage: BasicStage::new(64, 128, 2, 1, &device),
    };
    if let Err(e) = verify(&stage) {
        panic!("{e}");
    }
    let out = stage.stage.forward(Tensor::zeros([1, 64, 56, 56], &device));
    let cost = SecondStage::cost();
    assert_eq!(cost.output.dims(), [1, 128, 28, 28]);
    assert_eq!(out.dims(), [1, 128, 28, 28]);
    // torchvision's layer2, from core's flat ResNet-18.
    let flat = zoo::resnet18(1).price(&Profile::default_profile()).unwrap();
    let layer2 = flat.layers.iter().filter(|l| l.name.starts_with("layer2."));
    let (params, macs) = layer2.fold((0, 0), |(p, m), l| (p + l.params, m + l.macs));
    assert_eq!((cost.params, cost.macs), (params, macs));
}

/// burn's parameter-free activations as a model holds them: unannotated (their cost follows
/// from the input), priced, and with no weight `verify` could find unpriced.
#[alphaflops::cost_budget(input = [2, 5], params = "1M")]
#[derive(Module, Debug)]
struct Activations {
    leaky: burn::nn::activation::LeakyRelu,
    elu: burn::nn::activation::Elu,
    celu: burn::nn::activation::Celu,
    selu: burn::nn::activation::Selu,
    hard_sigmoid: burn::nn::activation::HardSigmoid,
    hard_swish: burn::nn::activation::HardSwish,
    hardtanh: burn::nn::activation::Hardtanh,
    hard_shrink: burn::nn::activation::HardShrink,
    soft_shrink: burn::nn::activation::SoftShrink,
    softplus: burn::nn::activation::Softplus,
    softsign: burn::nn::activation::Softsign,
    log_sigmoid: burn::nn::activation::LogSigmoid,
    mish: burn::nn::activation::Mish,
    tanhshrink: burn::nn::activation::Tanhshrink,
    threshold: burn::nn::activation::Threshold,
    thresholded: burn::nn::activation::ThresholdedRelu,
    rrelu: burn::nn::activation::RRelu,
}

#[test]
fn burn_activations_are_priced_without_annotations_and_hold_no_weights() {
    let model = Activations {
        leaky: burn::nn::activation::LeakyReluConfig::new().init(),
        elu: burn::nn::activation::EluConfig::new().init(),
        celu: burn::nn::activation::CeluConfig::new().init(),
        selu: burn::nn::activation::Selu::new(),
        hard_sigmoid: burn::nn::activation::HardSigmoidConfig::new().init(),
        hard_swish: burn::nn::activation::HardSwish::new(),
        hardtanh: burn::nn::activation::HardtanhConfig::new().init(),
        hard_shrink: burn::nn::activation::HardShrinkConfig::new().init(),
        soft_shrink: burn::nn::activation::SoftShrinkConfig::new().init(),
        softplus: burn::nn::activation::SoftplusConfig::new().init(),
        softsign: burn::nn::activation::Softsign::new(),
        log_sigmoid: burn::nn::activation::LogSigmoid::new(),
        mish: burn::nn::activation::Mish::new(),
        tanhshrink: burn::nn::activation::Tanhshrink::new(),
        threshold: burn::nn::activation::ThresholdConfig::new(0.1, 0.0).init(),
        thresholded: burn::nn::activation::ThresholdedReluConfig::new().init(),
        rrelu: burn::nn::activation::RReluConfig::new().init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    use alphaflops::CostModel;
    let cost = Activations::cost();
    assert_eq!((cost.params, cost.layers.len()), (0, 17));
    assert_eq!(cost.flops, 10 * 67);
}

/// A 1-d transposed convolution, burn's and candle's: both store the weight as
/// [C_in, C_out/groups, k], as PyTorch does.
#[alphaflops::cost_budget(input = [1, 4, 10], params = "1M")]
#[derive(Module, Debug)]
struct Upsample1d {
    #[layer(conv_transpose1d(channels = [4, 6], kernel_size = 3, stride = 2, groups = 2))]
    up: burn::nn::conv::ConvTranspose1d,
}

#[test]
fn transposed_1d_convolutions_verify_in_burn_and_candle() {
    use candle_core::{DType, Device};
    use candle_nn::{VarBuilder, VarMap};
    let device = burn_cpu();
    let model = Upsample1d {
        up: burn::nn::conv::ConvTranspose1dConfig::new([4, 6], 3)
            .with_stride(2)
            .with_groups(2)
            .init(&device),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let cfg = candle_nn::ConvTranspose1dConfig {
        stride: 2,
        groups: 2,
        ..Default::default()
    };
    candle_nn::conv_transpose1d(4, 6, 3, cfg, vb.pp("up")).unwrap();
    if let Err(e) = verify_candle::<Upsample1d>(&varmap) {
        panic!("{e}");
    }
    // One channel off on the burn side is caught.
    let wrong = Upsample1d {
        up: burn::nn::conv::ConvTranspose1dConfig::new([4, 8], 3)
            .with_stride(2)
            .with_groups(2)
            .init(&device),
    };
    let err = verify(&wrong).unwrap_err();
    assert!(
        err.to_string()
            .contains("`up` (conv_transpose1d) `up.weight`: annotated [4, 3, 3], live [4, 4, 3]"),
        "{err}"
    );
}

/// burn's `PixelShuffle` (annotated: its factor sets the shape) and `Identity` (by its type)
/// hold no weights.
#[alphaflops::cost_budget(input = [1, 8, 4, 4], params = "1M")]
#[derive(Module, Debug)]
struct SubPixel {
    #[layer(pixel_shuffle(upscale_factor = 2))]
    shuffle: burn::nn::PixelShuffle,
    id: burn::nn::Identity,
    #[layer(pixel_unshuffle(downscale_factor = 2))]
    unshuffle: burn::nn::PixelUnshuffle,
}

#[test]
fn burn_pixel_shuffles_and_identity_verify() {
    use alphaflops::CostModel;
    let model = SubPixel {
        shuffle: burn::nn::PixelShuffleConfig::new(2).init(),
        id: burn::nn::Identity::new(),
        unshuffle: burn::nn::PixelUnshuffleConfig::new(2).init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    assert_eq!(SubPixel::cost().output.dims(), &[1, 8, 4, 4]);
}

/// burn's `Interpolate2d` and `Interpolate1d`, annotated with their config's keys, hold no
/// weights.
#[alphaflops::cost_budget(input = [1, 3, 8, 8], params = "1M")]
#[derive(Module, Debug)]
struct Resized {
    #[layer(interpolate2d(scale_factor = [2, 2], mode = "linear"))]
    up: burn::nn::interpolate::Interpolate2d,
    #[layer(interpolate2d(output_size = [5, 5]))]
    down: burn::nn::interpolate::Interpolate2d,
}

#[test]
fn burn_interpolation_verifies() {
    use alphaflops::CostModel;
    use burn::nn::interpolate::{Interpolate2dConfig, InterpolateMode};
    let model = Resized {
        up: Interpolate2dConfig::new()
            .with_scale_factor(Some([2.0, 2.0]))
            .with_mode(InterpolateMode::Linear)
            .init(),
        down: Interpolate2dConfig::new()
            .with_output_size(Some([5, 5]))
            .init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    // The shapes burn computes are the ones priced.
    let x = Tensor::<4>::zeros([1, 3, 8, 8], &burn_cpu());
    let up = model.up.forward(x);
    assert_eq!(up.dims(), [1, 3, 16, 16]);
    assert_eq!(model.down.forward(up).dims(), [1, 3, 5, 5]);
    assert_eq!(Resized::cost().output.dims(), &[1, 3, 5, 5]);
}

/// burn's `PositionalEncoding` holds its sinusoids as a constant, not a parameter: nothing to
/// price, and nothing `verify` finds unpriced.
#[alphaflops::cost_budget(input = [2, 10], params = "1M")]
#[derive(Module, Debug)]
struct Encoded {
    #[layer(embedding(n_embedding = 100, d_model = 16))]
    tokens: burn::nn::Embedding,
    #[layer(positional_encoding(max_sequence_size = 64, d_model = 16))]
    position: burn::nn::PositionalEncoding,
}

#[test]
fn burn_positional_encoding_verifies() {
    use alphaflops::CostModel;
    let device = burn_cpu();
    let model = Encoded {
        tokens: burn::nn::EmbeddingConfig::new(100, 16).init(&device),
        position: burn::nn::PositionalEncodingConfig::new(16)
            .with_max_sequence_size(64)
            .init(&device),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    assert_eq!(Encoded::cost().params, 1600);
}

/// burn's `Unfold4d` holds no weights, and the shape its forward gives is the one priced.
#[alphaflops::cost_budget(input = [1, 3, 8, 8], params = "1M")]
#[derive(Module, Debug)]
struct Unfolded {
    #[layer(unfold4d(kernel_size = [3, 3], padding = [1, 1], stride = [2, 2]))]
    unfold: burn::nn::Unfold4d,
}

#[test]
fn burn_unfold4d_verifies() {
    use alphaflops::CostModel;
    let model = Unfolded {
        unfold: burn::nn::Unfold4dConfig::new([3, 3])
            .with_padding([1, 1])
            .with_stride([2, 2])
            .init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let x = Tensor::<4>::zeros([1, 3, 8, 8], &burn_cpu());
    let dims = model.unfold.forward(x).dims();
    let priced = Unfolded::cost().output;
    assert_eq!(
        priced.dims(),
        &[dims[0] as u64, dims[1] as u64, dims[2] as u64]
    );
}

/// burn's `LocalResponseNorm` holds no weights.
#[alphaflops::cost_budget(input = [1, 6, 4, 4], params = "1M")]
#[derive(Module, Debug)]
struct Lrn {
    #[layer(local_response_norm(size = 3))]
    lrn: burn::nn::LocalResponseNorm,
}

#[test]
fn burn_local_response_norm_verifies() {
    let model = Lrn {
        lrn: burn::nn::LocalResponseNormConfig::new(3).init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
}

/// burn's `Shrink` and `GaussianNoise` hold no weights, priced unannotated by their type
/// names; the noise is the identity at inference, as burn's forward is.
#[alphaflops::cost_budget(input = [2, 5], params = "1M")]
#[derive(Module, Debug)]
struct Shrunk {
    noise: burn::nn::GaussianNoise,
    #[layer(shrink(lambda = 0.5, bias = 0.25))]
    shrink: burn::nn::activation::Shrink,
    plain: burn::nn::activation::Shrink,
}

#[test]
fn burn_shrink_and_gaussian_noise_verify() {
    use alphaflops::CostModel;
    let model = Shrunk {
        noise: burn::nn::GaussianNoiseConfig::new(0.1).init(),
        shrink: burn::nn::activation::ShrinkConfig::new()
            .with_bias(0.25)
            .init(),
        plain: burn::nn::activation::ShrinkConfig::new().init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let x = Tensor::<2>::ones([2, 5], &burn_cpu());
    let y = model.noise.forward(x.clone());
    assert_eq!(y.to_data(), x.to_data());
    let cost = Shrunk::cost();
    assert_eq!((cost.params, cost.flops), (0, 2 * 6 * 10));
}

/// burn's `Fold4d` holds no weights, and folding burn's unfolded columns gives the shape
/// priced.
#[alphaflops::cost_budget(input = [1, 3, 8, 8], params = "1M")]
#[derive(Module, Debug)]
struct Folded {
    #[layer(unfold4d(kernel_size = [3, 3], padding = [1, 1], stride = [2, 2]))]
    unfold: burn::nn::Unfold4d,
    #[layer(fold4d(output_size = [8, 8], kernel_size = [3, 3], padding = [1, 1], stride = [2, 2]))]
    fold: burn::nn::Fold4d,
}

#[test]
fn burn_fold4d_verifies() {
    use alphaflops::CostModel;
    let model = Folded {
        unfold: burn::nn::Unfold4dConfig::new([3, 3])
            .with_padding([1, 1])
            .with_stride([2, 2])
            .init(),
        fold: burn::nn::Fold4dConfig::new([8, 8], [3, 3])
            .with_padding([1, 1])
            .with_stride([2, 2])
            .init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let x = Tensor::<4>::zeros([1, 3, 8, 8], &burn_cpu());
    let dims = model.fold.forward(model.unfold.forward(x)).dims();
    let priced = Folded::cost().output;
    let dims: Vec<u64> = dims.iter().map(|&d| d as u64).collect();
    assert_eq!(priced.dims(), &dims[..]);
}

/// burn's `CosineSimilarity` and `PairwiseDistance` compare two embeddings of one input, the
/// second taken by `with` as `add` takes it: no weights of their own, and burn's forwards give
/// the shapes priced.
#[alphaflops::cost_budget(input = [4, 8], params = "1M")]
#[derive(Module, Debug)]
struct Compared {
    #[layer(linear(d_input = 8, d_output = 6))]
    left: Linear,
    #[layer(linear(d_input = 8, d_output = 6), input = "input")]
    right: Linear,
    #[layer(cosine_similarity(dim = 1, eps = 1e-8, with = "left"))]
    cosine: burn::nn::CosineSimilarity,
    #[layer(pairwise_distance(p = 2.0, eps = 1e-6, with = "left"), input = "right")]
    distance: burn::nn::PairwiseDistance,
}

#[test]
fn burn_cosine_similarity_and_pairwise_distance_verify() {
    use alphaflops::CostModel;
    let device = burn_cpu();
    let model = Compared {
        left: LinearConfig::new(8, 6).init(&device),
        right: LinearConfig::new(8, 6).init(&device),
        cosine: burn::nn::CosineSimilarityConfig::new().init(),
        distance: burn::nn::PairwiseDistanceConfig::new().init(),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let x = Tensor::<2>::ones([4, 8], &device);
    let (a, b) = (model.left.forward(x.clone()), model.right.forward(x));
    let cosine = model.cosine.forward(b.clone(), a.clone()).dims();
    let distance = model.distance.forward(b, a).dims();
    let cost = Compared::cost();
    assert_eq!(cost.layers[2].output.dims(), &[cosine[0] as u64]);
    assert_eq!(cost.layers[3].output.dims(), &[distance[0] as u64]);
    assert_eq!(cost.params, model.num_params() as u64);
}

/// burn's `DeformConv2d` with its offsets and mask from two plain convolutions of the same
/// input: its weights are a grouped convolution's, and burn's forward gives the shape priced.
#[alphaflops::cost_budget(input = [1, 4, 8, 8], params = "1M")]
#[derive(Module, Debug)]
struct Deformable {
    #[layer(conv2d(channels = [4, 36], kernel_size = 3, padding = [1, 1]))]
    offset: burn::nn::conv::Conv2d,
    #[layer(conv2d(channels = [4, 18], kernel_size = 3, padding = [1, 1]), input = "input")]
    mask: burn::nn::conv::Conv2d,
    #[layer(
        deform_conv2d(channels = [4, 6], kernel_size = [3, 3], weight_groups = 2, offset_groups = 2, padding = [1, 1], with = ["offset", "mask"]),
        input = "input"
    )]
    deform: burn::nn::conv::DeformConv2d,
}

#[test]
fn burn_deform_conv2d_verifies() {
    use alphaflops::CostModel;
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::{Conv2dConfig, DeformConv2dConfig};
    let device = burn_cpu();
    let pad = || PaddingConfig2d::Explicit(1, 1, 1, 1);
    let model = Deformable {
        offset: Conv2dConfig::new([4, 36], [3, 3])
            .with_padding(pad())
            .init(&device),
        mask: Conv2dConfig::new([4, 18], [3, 3])
            .with_padding(pad())
            .init(&device),
        deform: DeformConv2dConfig::new([4, 6], [3, 3])
            .with_weight_groups(2)
            .with_offset_groups(2)
            .with_padding(pad())
            .init(&device),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let x = Tensor::<4>::ones([1, 4, 8, 8], &device);
    let offset = model.offset.forward(x.clone());
    let mask = model.mask.forward(x.clone());
    let dims = model.deform.forward(x, offset, Some(mask)).dims();
    let cost = Deformable::cost();
    let dims: Vec<u64> = dims.iter().map(|&d| d as u64).collect();
    assert_eq!(cost.output.dims(), &dims[..]);
    assert_eq!(cost.params, model.num_params() as u64);
    // The deformable layer: a grouped convolution's MACs, and 20 FLOPs for each of the
    // 4 · 9 · 64 masked bilinear samples.
    let deform = &cost.layers[2];
    assert_eq!(deform.macs, 6 * 64 * 2 * 9);
    assert_eq!(deform.flops, 2 * deform.macs + 20 * 4 * 9 * 64);
}

/// burn's 3-d convolutions and adaptive pooling: the weights burn allocates are the ones
/// annotated, and the shapes its forward gives are the ones priced.
#[alphaflops::cost_budget(input = [1, 2, 6, 8, 8], params = "1M")]
#[derive(Module, Debug)]
struct Volume {
    #[layer(conv3d(channels = [2, 4], kernel_size = [3, 3, 3], stride = [1, 2, 2], padding = [1, 1, 1]))]
    conv: burn::nn::conv::Conv3d,
    #[layer(conv3d(channels = [4, 4], kernel_size = 3, padding = "same", groups = 2, bias = false))]
    same: burn::nn::conv::Conv3d,
    #[layer(conv_transpose3d(channels = [4, 6], kernel_size = [2, 3, 3], stride = 2, padding = [0, 1, 1], padding_out = [0, 1, 1], groups = 2))]
    up: burn::nn::conv::ConvTranspose3d,
    #[layer(adaptive_avg_pool3d(output_size = [1, 2, 2]))]
    pool: burn::nn::pool::AdaptiveAvgPool3d,
}

fn volume(device: &Device, up_out: usize) -> Volume {
    use burn::nn::PaddingConfig3d;
    use burn::nn::conv::{Conv3dConfig, ConvTranspose3dConfig};
    Volume {
        conv: Conv3dConfig::new([2, 4], [3, 3, 3])
            .with_stride([1, 2, 2])
            .with_padding(PaddingConfig3d::Explicit(1, 1, 1))
            .init(device),
        same: Conv3dConfig::new([4, 4], [3, 3, 3])
            .with_padding(PaddingConfig3d::Same)
            .with_groups(2)
            .with_bias(false)
            .init(device),
        up: ConvTranspose3dConfig::new([4, up_out], [2, 3, 3])
            .with_stride([2, 2, 2])
            .with_padding([0, 1, 1])
            .with_padding_out([0, 1, 1])
            .with_groups(2)
            .init(device),
        pool: burn::nn::pool::AdaptiveAvgPool3dConfig::new([1, 2, 2]).init(),
    }
}

#[test]
fn burn_3d_convolutions_and_pooling_verify() {
    use alphaflops::CostModel;
    let device = burn_cpu();
    let model = volume(&device, 6);
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = Volume::cost();
    assert_eq!(cost.params as usize, model.num_params());
    // The shapes burn computes, layer by layer, are the ones priced.
    let x = Tensor::<5>::zeros([1, 2, 6, 8, 8], &device);
    let x = model.conv.forward(x);
    let x = model.same.forward(x);
    let x = model.up.forward(x);
    let priced: Vec<Vec<u64>> = cost
        .layers
        .iter()
        .map(|l| l.output.dims().to_vec())
        .collect();
    let dims = |d: [usize; 5]| d.map(|v| v as u64).to_vec();
    assert_eq!(priced[2], dims(x.dims()));
    assert_eq!(priced[3], dims(model.pool.forward(x).dims()));
    // One channel off on the burn side is caught.
    let err = verify(&volume(&device, 8)).unwrap_err();
    assert!(
        err.to_string().contains(
            "`up` (conv_transpose3d) `up.weight`: annotated [4, 3, 2, 3, 3], live [4, 4, 2, 3, 3]"
        ),
        "{err}"
    );
}

/// burn's `PRelu` holds its slopes (`alpha`, one per channel or one for all) and `GLU` none;
/// candle's `prelu` holds the same slopes as `weight`. The shapes the forwards give are the
/// ones priced.
#[alphaflops::cost_budget(input = [2, 6, 5, 8], params = "1M")]
#[derive(Module, Debug)]
struct Gated {
    #[layer(prelu(num_parameters = 6))]
    act: burn::nn::PRelu,
    #[layer(prelu)]
    shared: burn::nn::PRelu,
    #[layer(glu(dim = 1))]
    gate: burn::nn::GLU,
}

#[test]
fn burn_prelu_and_glu_verify_and_candle_prelu_too() {
    use alphaflops::CostModel;
    use burn::nn::PReluConfig;
    use candle_core::{DType, Device};
    use candle_nn::{VarBuilder, VarMap};
    let device = burn_cpu();
    let gated = |channels: usize| Gated {
        act: PReluConfig::new()
            .with_num_parameters(channels)
            .init(&device),
        shared: PReluConfig::new().init(&device),
        gate: burn::nn::GLU::new(1),
    };
    let model = gated(6);
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = Gated::cost();
    assert_eq!(cost.params as usize, model.num_params());
    let x = Tensor::<4>::ones([2, 6, 5, 8], &device);
    let y = model
        .gate
        .forward(model.shared.forward(model.act.forward(x)));
    assert_eq!(cost.output.dims(), &y.dims().map(|d| d as u64)[..]);
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    candle_nn::prelu(Some(6), vb.pp("act")).unwrap();
    candle_nn::prelu(None, vb.pp("shared")).unwrap();
    if let Err(e) = verify_candle::<Gated>(&varmap) {
        panic!("{e}");
    }
    // Slopes for another channel count are caught.
    let err = verify(&gated(3)).unwrap_err();
    assert!(
        err.to_string()
            .contains("`act` (prelu) `act.alpha`: annotated [6], live [3]"),
        "{err}"
    );
}

/// burn's `Lstm`, `BiLstm` and `Gru`: every gate's input and hidden transforms are the
/// tensors annotated, and the shapes the forwards give are the ones priced; candle's `LSTM`
/// and `GRU` (PyTorch's fused `weight_ih_l0`, …) hold as many parameters.
#[alphaflops::cost_budget(input = [2, 7, 6], params = "1M")]
#[derive(Module, Debug)]
struct Sequence {
    #[layer(lstm(d_input = 6, d_hidden = 5, bias = true))]
    lstm: burn::nn::Lstm,
    #[layer(bilstm(d_input = 5, d_hidden = 4, bias = false))]
    both: burn::nn::BiLstm,
    #[layer(gru(d_input = 8, d_hidden = 3, bias = true))]
    gru: burn::nn::Gru,
    #[layer(lstm(d_input = 3, d_hidden = 2, bias = true, input_forget = true))]
    coupled: burn::nn::Lstm,
}

fn sequence(device: &Device, gru_hidden: usize) -> Sequence {
    use burn::nn::{BiLstmConfig, GruConfig, LstmConfig};
    Sequence {
        lstm: LstmConfig::new(6, 5, true).init(device),
        both: BiLstmConfig::new(5, 4, false).init(device),
        gru: GruConfig::new(8, gru_hidden, true).init(device),
        coupled: LstmConfig::new(gru_hidden, 2, true)
            .with_input_forget(true)
            .init(device),
    }
}

#[test]
fn burn_recurrent_layers_verify_and_candle_counts_agree() {
    use alphaflops::CostModel;
    use candle_core::{DType, Device};
    use candle_nn::{VarBuilder, VarMap};
    let device = burn_cpu();
    let model = sequence(&device, 3);
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = Sequence::cost();
    assert_eq!(cost.params as usize, model.num_params());
    let x = Tensor::<3>::zeros([2, 7, 6], &device);
    let (x, _) = model.lstm.forward(x, None);
    let (x, _) = model.both.forward(x, None);
    let x = model.gru.forward(x, None);
    let (x, _) = model.coupled.forward(x, None);
    assert_eq!(cost.output.dims(), &x.dims().map(|d| d as u64)[..]);
    // candle's LSTM and GRU, with their default biases, hold what the annotations count.
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    candle_nn::lstm(6, 5, Default::default(), vb.pp("lstm")).unwrap();
    candle_nn::gru(8, 3, Default::default(), vb.pp("gru")).unwrap();
    let held = |prefix: &str| -> u64 {
        alphaflops::verify::candle_param_shapes(&varmap)
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, dims)| dims.iter().product::<usize>() as u64)
            .sum()
    };
    assert_eq!(held("lstm."), cost.layers[0].params);
    assert_eq!(held("gru."), cost.layers[2].params);
    // A hidden size one off is caught, tensor by tensor.
    let err = verify(&sequence(&device, 4)).unwrap_err();
    assert!(
        err.to_string().contains(
            "`gru` (gru) `gru.update_gate.input_transform.weight`: annotated [8, 3], live [8, 4]"
        ),
        "{err}"
    );
}

/// burn's `PositionWiseFeedForward` and `TransformerEncoder`: every projection, linear and
/// norm of every layer is a tensor annotated, and the shapes the forwards give are the ones
/// priced.
#[alphaflops::cost_budget(input = [2, 5, 16], params = "1M")]
#[derive(Module, Debug)]
struct Encoded2 {
    #[layer(transformer_encoder(d_model = 16, d_ff = 32, n_heads = 4, n_layers = 2))]
    encoder: burn::nn::transformer::TransformerEncoder,
    #[layer(position_wise_feed_forward(d_model = 16, d_ff = 24, activation = "relu"))]
    ff: burn::nn::transformer::PositionWiseFeedForward,
}

fn encoded2(device: &Device, d_ff: usize) -> Encoded2 {
    use burn::nn::activation::ActivationConfig;
    use burn::nn::transformer::{PositionWiseFeedForwardConfig, TransformerEncoderConfig};
    Encoded2 {
        encoder: TransformerEncoderConfig::new(16, d_ff, 4, 2).init(device),
        ff: PositionWiseFeedForwardConfig::new(16, 24)
            .with_activation(ActivationConfig::Relu)
            .init(device),
    }
}

#[test]
fn burn_transformer_encoder_and_feed_forward_verify() {
    use alphaflops::CostModel;
    use burn::nn::transformer::TransformerEncoderInput;
    let device = burn_cpu();
    let model = encoded2(&device, 32);
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = Encoded2::cost();
    assert_eq!(cost.params as usize, model.num_params());
    let x = Tensor::<3>::zeros([2, 5, 16], &device);
    let x = model.encoder.forward(TransformerEncoderInput::new(x));
    let x = model.ff.forward(x);
    assert_eq!(cost.output.dims(), &x.dims().map(|d| d as u64)[..]);
    // A feed-forward width one off is caught in the layer it is in.
    let err = verify(&encoded2(&device, 33)).unwrap_err();
    assert!(
        err.to_string().contains(
            "`encoder` (transformer_encoder) `encoder.layers.0.pwff.linear_inner.weight`: annotated [16, 32], live [16, 33]"
        ),
        "{err}"
    );
}

/// candle-nn's `Activation` fields, annotated by their variants in snake case: no weights,
/// and the shapes candle's forwards give are the ones priced.
#[alphaflops::cost_budget(input = [3, 8], params = "1M")]
struct CandleActivations {
    #[layer(linear(d_input = 8, d_output = 6))]
    fc: candle_nn::Linear,
    #[layer(new_gelu)]
    gelu: candle_nn::Activation,
    #[layer(relu2)]
    relu2: candle_nn::Activation,
    #[layer(swish)]
    swish: candle_nn::Activation,
    #[layer(gelu_pytorch_tanh)]
    tanh_gelu: candle_nn::Activation,
    #[layer(elu(alpha = 0.5))]
    elu: candle_nn::Activation,
}

#[test]
fn candle_activation_variants_are_priced_by_their_names() {
    use alphaflops::CostModel;
    use candle_core::{DType, Device, Module};
    use candle_nn::{Activation, VarBuilder, VarMap};
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = CandleActivations {
        fc: candle_nn::linear(8, 6, vb.pp("fc")).unwrap(),
        gelu: Activation::NewGelu,
        relu2: Activation::Relu2,
        swish: Activation::Swish,
        tanh_gelu: Activation::GeluPytorchTanh,
        elu: Activation::Elu(0.5),
    };
    if let Err(e) = verify_candle::<CandleActivations>(&varmap) {
        panic!("{e}");
    }
    let x = candle_core::Tensor::zeros((3, 8), DType::F32, &Device::Cpu).unwrap();
    let mut x = model.fc.forward(&x).unwrap();
    for act in [
        model.gelu,
        model.relu2,
        model.swish,
        model.tanh_gelu,
        model.elu,
    ] {
        x = act.forward(&x).unwrap();
    }
    let cost = CandleActivations::cost();
    assert_eq!(
        cost.output.dims(),
        &x.dims().iter().map(|&d| d as u64).collect::<Vec<_>>()[..]
    );
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["linear", "gelu", "relu2", "silu", "gelu", "elu"]);
    assert_eq!(cost.params, 8 * 6 + 6);
}

/// burn's `TransformerDecoder`: both attentions, the feed-forward and the three norms of
/// every layer are the tensors annotated, and its forward on a target and a memory gives
/// the shape priced.
#[alphaflops::cost_budget(input = [2, 6, 16], params = "1M")]
#[derive(Module, Debug)]
struct Decoded {
    #[layer(transformer_decoder(d_model = 16, d_ff = 32, n_heads = 4, n_layers = 2, with = [[2, 9, 16]]))]
    decoder: burn::nn::transformer::TransformerDecoder,
}

#[test]
fn burn_transformer_decoder_verifies() {
    use alphaflops::CostModel;
    use burn::nn::transformer::{TransformerDecoderConfig, TransformerDecoderInput};
    let device = burn_cpu();
    let model = Decoded {
        decoder: TransformerDecoderConfig::new(16, 32, 4, 2).init(&device),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = Decoded::cost();
    assert_eq!(cost.params as usize, model.num_params());
    let target = Tensor::<3>::zeros([2, 6, 16], &device);
    let memory = Tensor::<3>::zeros([2, 9, 16], &device);
    let y = model
        .decoder
        .forward(TransformerDecoderInput::new(target, memory));
    assert_eq!(cost.output.dims(), &y.dims().map(|d| d as u64)[..]);
}

/// burn's `BiGru`: both directions' gates are the tensors annotated, and its forward gives
/// the shape priced (the two directions' features side by side).
#[alphaflops::cost_budget(input = [2, 5, 4], params = "1M")]
#[derive(Module, Debug)]
struct BothWays {
    #[layer(bigru(d_input = 4, d_hidden = 3, bias = true))]
    gru: burn::nn::BiGru,
}

#[test]
fn burn_bigru_verifies() {
    use alphaflops::CostModel;
    let device = burn_cpu();
    let model = BothWays {
        gru: burn::nn::BiGruConfig::new(4, 3, true).init(&device),
    };
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = BothWays::cost();
    assert_eq!(cost.params as usize, model.num_params());
    let (y, _) = model
        .gru
        .forward(Tensor::<3>::zeros([2, 5, 4], &device), None);
    assert_eq!(cost.output.dims(), &y.dims().map(|d| d as u64)[..]);
}

/// burn's `Rnn` and `BiRnn`: the one gate's input and hidden transforms, under each direction
/// of the bidirectional one, are the tensors annotated, and the forwards give the shapes
/// priced.
#[alphaflops::cost_budget(input = [2, 5, 4], params = "1M")]
#[derive(Module, Debug)]
struct Simple {
    #[layer(rnn(d_input = 4, d_hidden = 6, bias = true))]
    rnn: burn::nn::Rnn,
    #[layer(birnn(d_input = 6, d_hidden = 3, bias = false, hidden_activation = "relu"))]
    both: burn::nn::BiRnn,
}

fn simple(device: &Device, birnn_hidden: usize) -> Simple {
    use burn::nn::activation::ActivationConfig;
    use burn::nn::{BiRnnConfig, RnnConfig};
    Simple {
        rnn: RnnConfig::new(4, 6, true).init(device),
        both: BiRnnConfig::new(6, birnn_hidden, false)
            .with_hidden_activation(ActivationConfig::Relu)
            .init(device),
    }
}

#[test]
fn burn_rnn_and_birnn_verify() {
    use alphaflops::CostModel;
    let device = burn_cpu();
    let model = simple(&device, 3);
    if let Err(e) = verify(&model) {
        panic!("{e}");
    }
    let cost = Simple::cost();
    assert_eq!(cost.params as usize, model.num_params());
    // PyTorch's `nn.RNN(4, 6)`: 6·(4 + 6) + 2·6; `nn.RNN(6, 3, bias=False, bidirectional=True)`.
    assert_eq!(cost.layers[0].params, 6 * (4 + 6) + 2 * 6);
    assert_eq!(cost.layers[1].params, 2 * 3 * (6 + 3));
    let (x, _) = model
        .rnn
        .forward(Tensor::<3>::zeros([2, 5, 4], &device), None);
    let (y, _) = model.both.forward(x, None);
    assert_eq!(cost.output.dims(), &y.dims().map(|d| d as u64)[..]);
    // A hidden size one off is caught, tensor by tensor.
    let err = verify(&simple(&device, 4)).unwrap_err();
    assert!(
        err.to_string().contains(
            "`both` (birnn) `both.forward.gate.input_transform.weight`: annotated [6, 3], live [6, 4]"
        ),
        "{err}"
    );
}

/// candle's `Activation::Swiglu` halves the last dimension as `glu` gated by silu does.
#[alphaflops::cost_budget(input = [3, 8], params = "1M")]
struct CandleSwiglu {
    #[layer(linear(d_input = 8, d_output = 6))]
    fc: candle_nn::Linear,
    #[layer(glu(activation = "silu"))]
    act: candle_nn::Activation,
}

#[test]
fn candle_swiglu_is_priced_as_glu_gated_by_silu() {
    use alphaflops::CostModel;
    use candle_core::{DType, Device, Module};
    use candle_nn::{Activation, VarBuilder, VarMap};
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = CandleSwiglu {
        fc: candle_nn::linear(8, 6, vb.pp("fc")).unwrap(),
        act: Activation::Swiglu,
    };
    if let Err(e) = verify_candle::<CandleSwiglu>(&varmap) {
        panic!("{e}");
    }
    let x = candle_core::Tensor::zeros((3, 8), DType::F32, &Device::Cpu).unwrap();
    let y = model.act.forward(&model.fc.forward(&x).unwrap()).unwrap();
    let cost = CandleSwiglu::cost();
    assert_eq!(
        cost.output.dims(),
        &y.dims().iter().map(|&d| d as u64).collect::<Vec<_>>()[..]
    );
    // Per output element, silu (5) and the product (1).
    assert_eq!(cost.layers[1].flops, 6 * 3 * 3);
    assert_eq!(cost.layers[1].op, "glu");
}
