//! The catalog: every layer kind the attribute names, and what follows from it in one place
//! (its key, the keys it takes, the burn and candle types it prices, which of them need no
//! annotation, how `verify` lays out its weights). The macro's kind list, its "did you mean"
//! and its hints read this, and so does `verify`; a kind's shape rule lives with its family.

use super::{Activation, Layer};

/// A layer kind, in the order the attribute lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    ConvTranspose2d,
    Linear,
    MaxPool1d,
    MaxPool2d,
    AvgPool1d,
    AvgPool2d,
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    Interpolate1d,
    Interpolate2d,
    BatchNorm,
    LayerNorm,
    GroupNorm,
    InstanceNorm,
    LocalResponseNorm,
    Relu,
    Relu6,
    Gelu,
    Silu,
    Sigmoid,
    Tanh,
    LeakyRelu,
    Elu,
    Celu,
    Selu,
    HardSigmoid,
    HardSwish,
    Hardtanh,
    HardShrink,
    SoftShrink,
    Softplus,
    Softsign,
    LogSigmoid,
    Mish,
    Tanhshrink,
    Threshold,
    ThresholdedRelu,
    RRelu,
    Softmax,
    Dropout,
    Identity,
    Flatten,
    Transpose,
    Select,
    PixelShuffle,
    PixelUnshuffle,
    Unfold4d,
    Embedding,
    MultiHeadAttention,
    ClassToken,
    PositionEmbedding,
    PositionalEncoding,
    Add,
    Concat,
    RmsNorm,
    RotaryEncoding,
    Swiglu,
    Mul,
    CrossAttention,
    Shrink,
    GaussianNoise,
    Fold4d,
    CosineSimilarity,
    PairwiseDistance,
    DeformConv2d,
    Reshape,
    Mean,
    Sum,
    Matmul,
    Custom,
    Conv3d,
    ConvTranspose3d,
    AdaptiveAvgPool3d,
    Prelu,
    Glu,
    Lstm,
    BiLstm,
    Gru,
    PositionWiseFeedForward,
    TransformerEncoder,
    Relu2,
    TransformerDecoder,
    BiGru,
    Rnn,
    BiRnn,
}

/// What a key of a kind takes, as the attribute reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// An integer of at least 1.
    Positive,
    /// A non-negative integer.
    Uint,
    /// A signed integer (a dimension index; negative counts from the end).
    Int,
    Bool,
    /// A number, integer or decimal.
    Number,
    /// A number between 0 and 1.
    Probability,
    /// One integer per spatial dimension, or one for all (sizes at least 1).
    PerDim,
    /// One integer per spatial dimension, or one for all (paddings, at least 0).
    PerDimPadding,
    /// A convolution's padding: per-dimension integers, burn's `[top, left, bottom, right]`,
    /// `"same"` or `"valid"`.
    Padding,
    /// `[in, out]`.
    Channels,
    /// One positive number per spatial dimension, or one for all.
    PerDimNumber,
    /// An enum's variant, by its name in snake case (`mode = "nearest"`).
    Variant,
    /// An earlier field's name, a shape, or a list of them.
    Fields,
    /// An integer or a list of integers, negative ones counting from the end (dimensions).
    Dims,
    /// A list of dimensions of at least 1.
    Shape,
}

/// One key of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: &'static str,
    pub ty: KeyType,
    /// The value when the key is left out, as written in the attribute; `None`: required.
    pub default: Option<&'static str>,
}

const fn required(name: &'static str, ty: KeyType) -> Key {
    Key {
        name,
        ty,
        default: None,
    }
}

const fn optional(name: &'static str, ty: KeyType, default: &'static str) -> Key {
    Key {
        name,
        ty,
        default: Some(default),
    }
}

use KeyType::*;

const CONV: &[Key] = &[
    required("channels", Channels),
    required("kernel_size", PerDim),
    optional("stride", PerDim, "1"),
    optional("padding", Padding, "\"valid\""),
    optional("dilation", PerDim, "1"),
    optional("groups", Positive, "1"),
    optional("bias", Bool, "true"),
];
const CONV_TRANSPOSE: &[Key] = &[
    required("channels", Channels),
    required("kernel_size", PerDim),
    optional("stride", PerDim, "1"),
    optional("padding", PerDimPadding, "0"),
    optional("padding_out", PerDimPadding, "0"),
    optional("dilation", PerDim, "1"),
    optional("groups", Positive, "1"),
    optional("bias", Bool, "true"),
];
const LINEAR: &[Key] = &[
    required("d_input", Positive),
    required("d_output", Positive),
    optional("bias", Bool, "true"),
];
/// burn's pooling configs say `strides`, PyTorch says `stride`: either, defaulting to the
/// kernel size. `count_include_pad` is burn's and does not change the cost.
const POOL: &[Key] = &[
    required("kernel_size", PerDim),
    optional("strides", PerDim, "kernel_size"),
    optional("stride", PerDim, "kernel_size"),
    optional("padding", PerDimPadding, "0"),
    optional("dilation", PerDim, "1"),
    optional("ceil_mode", Bool, "false"),
    optional("count_include_pad", Bool, "true"),
];
const ADAPTIVE_POOL: &[Key] = &[required("output_size", PerDim)];
/// `output_size`, or instead `scale_factor` (burn's `Option`s, given as the value itself);
/// `align_corners` does not change the cost.
const INTERPOLATE: &[Key] = &[
    required("output_size", PerDim),
    optional("scale_factor", PerDimNumber, "None"),
    optional("mode", Variant, "\"nearest\""),
    optional("align_corners", Bool, "true"),
];
const BATCH_NORM: &[Key] = &[required("num_features", Positive)];
const LAYER_NORM: &[Key] = &[required("d_model", Positive)];
const GROUP_NORM: &[Key] = &[
    required("num_groups", Positive),
    required("num_channels", Positive),
];
/// `epsilon` does not change the cost.
const INSTANCE_NORM: &[Key] = &[
    required("num_channels", Positive),
    optional("epsilon", Number, "1e-5"),
    optional("affine", Bool, "true"),
];
// The activations' keys, burn's config fields: none changes the cost.
const LEAKY_RELU: &[Key] = &[optional("negative_slope", Number, "0.01")];
const ELU: &[Key] = &[optional("alpha", Number, "1.0")];
const CELU: &[Key] = &[optional("alpha", Number, "1.0")];
const HARD_SIGMOID: &[Key] = &[
    optional("alpha", Number, "0.2"),
    optional("beta", Number, "0.5"),
];
const HARDTANH: &[Key] = &[
    optional("min_val", Number, "-1.0"),
    optional("max_val", Number, "1.0"),
];
const HARD_SHRINK: &[Key] = &[optional("lambda", Number, "0.5")];
const SOFT_SHRINK: &[Key] = &[optional("lambda", Number, "0.5")];
const SOFTPLUS: &[Key] = &[
    optional("beta", Number, "1.0"),
    optional("threshold", Number, "20.0"),
];
const THRESHOLD: &[Key] = &[required("threshold", Number), required("value", Number)];
const THRESHOLDED_RELU: &[Key] = &[optional("alpha", Number, "1.0")];
const RRELU: &[Key] = &[
    optional("lower", Number, "0.125"),
    optional("upper", Number, "1.0 / 3.0"),
];
/// burn's `LocalResponseNormConfig`; alpha, beta and k do not change the cost.
const LOCAL_RESPONSE_NORM: &[Key] = &[
    required("size", Positive),
    optional("alpha", Number, "0.0001"),
    optional("beta", Number, "0.75"),
    optional("k", Number, "1.0"),
];
const SOFTMAX: &[Key] = &[optional("dim", Int, "-1")];
/// The probability does not change the cost: dropout is the identity at inference.
const DROPOUT: &[Key] = &[optional("prob", Probability, "0.5")];
const PIXEL_SHUFFLE: &[Key] = &[required("upscale_factor", Positive)];
const PIXEL_UNSHUFFLE: &[Key] = &[required("downscale_factor", Positive)];
/// burn's `Unfold4dConfig`, in its order.
const UNFOLD: &[Key] = &[
    required("kernel_size", PerDim),
    optional("stride", PerDim, "1"),
    optional("dilation", PerDim, "1"),
    optional("padding", PerDimPadding, "0"),
];
const FLATTEN: &[Key] = &[
    optional("start_dim", Int, "1"),
    optional("end_dim", Int, "-1"),
];
const TRANSPOSE: &[Key] = &[required("dim0", Int), required("dim1", Int)];
const SELECT: &[Key] = &[required("dim", Int), required("index", Uint)];
const EMBEDDING: &[Key] = &[
    required("n_embedding", Positive),
    required("d_model", Positive),
];
/// `n_heads_kv` is burn's `CrossAttentionConfig` name: grouped-query (fewer) and
/// multi-query (1) attention; `causal` counts only the pairs a causal mask keeps.
const ATTENTION: &[Key] = &[
    required("d_model", Positive),
    required("n_heads", Positive),
    optional("n_heads_kv", Positive, "n_heads"),
    optional("d_head", Positive, "d_model / n_heads"),
    optional("causal", Bool, "false"),
    optional("bias", Bool, "true"),
    optional("dropout", Probability, "0.1"),
];
/// Keys and values from a context of `d_context` features (the `with` field's output).
const CROSS_ATTENTION: &[Key] = &[
    required("d_model", Positive),
    required("d_context", Positive),
    required("n_heads", Positive),
    optional("n_heads_kv", Positive, "n_heads"),
    optional("d_head", Positive, "d_model / n_heads"),
    optional("bias", Bool, "true"),
    optional("dropout", Probability, "0.1"),
    required("with", Fields),
];
const RMS_NORM: &[Key] = &[
    required("d_model", Positive),
    optional("epsilon", Number, "1e-5"),
];
/// The frequencies' base does not change the cost.
const ROTARY: &[Key] = &[
    required("d_model", Positive),
    optional("max_sequence_length", Positive, "unbounded"),
    optional("theta", Number, "10000.0"),
];
const SWIGLU: &[Key] = &[
    required("d_input", Positive),
    required("d_output", Positive),
    optional("bias", Bool, "false"),
];
const MUL: &[Key] = &[required("with", Fields)];
const CLASS_TOKEN: &[Key] = &[required("dim", Positive)];
const POSITION_EMBEDDING: &[Key] = &[required("seq_len", Positive), required("dim", Positive)];
/// burn's `PositionalEncodingConfig`; `max_timescale` does not change the cost.
const POSITIONAL_ENCODING: &[Key] = &[
    optional("max_sequence_size", Positive, "5000"),
    required("d_model", Positive),
    optional("max_timescale", Positive, "10000"),
];
const ADD: &[Key] = &[required("with", Fields)];
const CONCAT: &[Key] = &[required("with", Fields), optional("dim", Int, "1")];
/// burn's `ShrinkConfig`; neither changes the cost.
const SHRINK: &[Key] = &[
    optional("lambda", Number, "0.5"),
    optional("bias", Number, "0.5"),
];
/// burn's `GaussianNoiseConfig`: the spread does not change the cost, the noise is added in
/// training only.
const GAUSSIAN_NOISE: &[Key] = &[required("std", Number)];
/// burn's `Fold4dConfig`, in its order.
const FOLD: &[Key] = &[
    required("output_size", PerDim),
    required("kernel_size", PerDim),
    optional("stride", PerDim, "1"),
    optional("dilation", PerDim, "1"),
    optional("padding", PerDimPadding, "0"),
];
/// burn's `CosineSimilarityConfig`, and the other input; eps does not change the cost.
const COSINE_SIMILARITY: &[Key] = &[
    optional("dim", Int, "1"),
    optional("eps", Number, "1e-8"),
    required("with", Fields),
];
/// burn's `PairwiseDistanceConfig`, and the other input; eps does not change the cost.
const PAIRWISE_DISTANCE: &[Key] = &[
    optional("p", Number, "2.0"),
    optional("eps", Number, "1e-6"),
    required("with", Fields),
];
/// burn's `DeformConv2dConfig`, in its order (the initializer aside), and its forward's
/// offsets and optional mask.
const DEFORM_CONV: &[Key] = &[
    required("channels", Channels),
    required("kernel_size", PerDim),
    optional("stride", PerDim, "1"),
    optional("dilation", PerDim, "1"),
    optional("weight_groups", Positive, "1"),
    optional("offset_groups", Positive, "1"),
    optional("padding", Padding, "\"valid\""),
    optional("bias", Bool, "true"),
    required("with", Fields),
];
/// burn's `reshape`: one `-1` inferred, `0` kept from the input.
const RESHAPE: &[Key] = &[required("shape", Dims)];
/// PyTorch's `dim` (one or a list); `dims` says the same for a list. burn's `mean_dim` and
/// `sum_dim` keep the dimension: `keepdim = true`.
const REDUCE: &[Key] = &[
    required("dim", Dims),
    optional("dims", Dims, "dim"),
    optional("keepdim", Bool, "false"),
];
const MATMUL: &[Key] = &[required("with", Fields)];
/// Each optional, at least one given; `flops` defaults to `2·macs`, `output` to the input's
/// shape. `elements` are the elements read and written (the memory term's unit).
const CUSTOM: &[Key] = &[
    optional("macs", Uint, "0"),
    optional("flops", Uint, "2·macs"),
    optional("params", Uint, "0"),
    optional("elements", Uint, "0"),
    optional("output", Shape, "the input's shape"),
];
/// burn's `PReluConfig`; the initial slope does not change the cost.
const PRELU: &[Key] = &[
    optional("num_parameters", Positive, "1"),
    optional("alpha", Number, "0.25"),
];
/// burn's `GLU::new(dim)`; PyTorch's default is the last dimension. `activation` gates the
/// half: `"silu"` is candle's `Activation::Swiglu`.
const GLU: &[Key] = &[
    optional("dim", Int, "-1"),
    optional("activation", Variant, "\"sigmoid\""),
];
/// burn's `LstmConfig` and `BiLstmConfig`; `clip` (an `Option`) takes the bound itself, and
/// `reverse` runs the same steps backwards.
const LSTM: &[Key] = &[
    required("d_input", Positive),
    required("d_hidden", Positive),
    optional("bias", Bool, "true"),
    optional("batch_first", Bool, "true"),
    optional("reverse", Bool, "false"),
    optional("clip", Number, "None"),
    optional("input_forget", Bool, "false"),
];
/// burn's `BiLstmConfig`: `LstmConfig`'s keys but `reverse`.
const BILSTM: &[Key] = &[
    required("d_input", Positive),
    required("d_hidden", Positive),
    optional("bias", Bool, "true"),
    optional("batch_first", Bool, "true"),
    optional("clip", Number, "None"),
    optional("input_forget", Bool, "false"),
];
/// burn's `PositionWiseFeedForwardConfig`; the activation is `ActivationConfig`'s variant.
const PWFF: &[Key] = &[
    required("d_model", Positive),
    required("d_ff", Positive),
    optional("dropout", Probability, "0.1"),
    optional("activation", Variant, "\"gelu\""),
];
/// burn's `TransformerEncoderConfig`; dropout, where the norms sit, the quiet softmax and the
/// norms' epsilon do not change the cost.
const TRANSFORMER_ENCODER: &[Key] = &[
    required("d_model", Positive),
    required("d_ff", Positive),
    required("n_heads", Positive),
    required("n_layers", Positive),
    optional("dropout", Probability, "0.1"),
    optional("norm_first", Bool, "false"),
    optional("quiet_softmax", Bool, "false"),
    optional("activation", Variant, "\"gelu\""),
    optional("layer_norm_eps", Number, "1e-5"),
];
/// burn's `BiGruConfig`: `GruConfig`'s keys and `batch_first`.
const BIGRU: &[Key] = &[
    required("d_input", Positive),
    required("d_hidden", Positive),
    optional("bias", Bool, "true"),
    optional("reset_after", Bool, "true"),
    optional("batch_first", Bool, "true"),
    optional("clip", Number, "None"),
];
/// burn's `TransformerDecoderConfig`, the encoder's keys; `with` is the memory it attends to.
const TRANSFORMER_DECODER: &[Key] = &[
    required("d_model", Positive),
    required("d_ff", Positive),
    required("n_heads", Positive),
    required("n_layers", Positive),
    optional("dropout", Probability, "0.1"),
    optional("norm_first", Bool, "false"),
    optional("quiet_softmax", Bool, "false"),
    optional("activation", Variant, "\"gelu\""),
    optional("layer_norm_eps", Number, "1e-5"),
    required("with", Fields),
];
/// burn's `GruConfig`; `reset_after` moves the reset product without changing its cost.
const GRU: &[Key] = &[
    required("d_input", Positive),
    required("d_hidden", Positive),
    optional("bias", Bool, "true"),
    optional("reset_after", Bool, "true"),
    optional("clip", Number, "None"),
];
/// burn's `RnnConfig`; `hidden_activation` is `ActivationConfig`'s variant.
const RNN: &[Key] = &[
    required("d_input", Positive),
    required("d_hidden", Positive),
    optional("bias", Bool, "true"),
    optional("batch_first", Bool, "true"),
    optional("reverse", Bool, "false"),
    optional("clip", Number, "None"),
    optional("hidden_activation", Variant, "\"tanh\""),
];
/// burn's `BiRnnConfig`: `RnnConfig`'s keys but `reverse`.
const BIRNN: &[Key] = &[
    required("d_input", Positive),
    required("d_hidden", Positive),
    optional("bias", Bool, "true"),
    optional("batch_first", Bool, "true"),
    optional("clip", Number, "None"),
    optional("hidden_activation", Variant, "\"tanh\""),
];

impl Op {
    pub const ALL: [Op; 88] = [
        Op::Conv1d,
        Op::Conv2d,
        Op::ConvTranspose1d,
        Op::ConvTranspose2d,
        Op::Linear,
        Op::MaxPool1d,
        Op::MaxPool2d,
        Op::AvgPool1d,
        Op::AvgPool2d,
        Op::AdaptiveAvgPool1d,
        Op::AdaptiveAvgPool2d,
        Op::Interpolate1d,
        Op::Interpolate2d,
        Op::BatchNorm,
        Op::LayerNorm,
        Op::GroupNorm,
        Op::InstanceNorm,
        Op::LocalResponseNorm,
        Op::Relu,
        Op::Relu6,
        Op::Gelu,
        Op::Silu,
        Op::Sigmoid,
        Op::Tanh,
        Op::LeakyRelu,
        Op::Elu,
        Op::Celu,
        Op::Selu,
        Op::HardSigmoid,
        Op::HardSwish,
        Op::Hardtanh,
        Op::HardShrink,
        Op::SoftShrink,
        Op::Softplus,
        Op::Softsign,
        Op::LogSigmoid,
        Op::Mish,
        Op::Tanhshrink,
        Op::Threshold,
        Op::ThresholdedRelu,
        Op::RRelu,
        Op::Softmax,
        Op::Dropout,
        Op::Identity,
        Op::Flatten,
        Op::Transpose,
        Op::Select,
        Op::PixelShuffle,
        Op::PixelUnshuffle,
        Op::Unfold4d,
        Op::Embedding,
        Op::MultiHeadAttention,
        Op::ClassToken,
        Op::PositionEmbedding,
        Op::PositionalEncoding,
        Op::Add,
        Op::Concat,
        Op::RmsNorm,
        Op::RotaryEncoding,
        Op::Swiglu,
        Op::Mul,
        Op::CrossAttention,
        Op::Shrink,
        Op::GaussianNoise,
        Op::Fold4d,
        Op::CosineSimilarity,
        Op::PairwiseDistance,
        Op::DeformConv2d,
        Op::Reshape,
        Op::Mean,
        Op::Sum,
        Op::Matmul,
        Op::Custom,
        Op::Conv3d,
        Op::ConvTranspose3d,
        Op::AdaptiveAvgPool3d,
        Op::Prelu,
        Op::Glu,
        Op::Lstm,
        Op::BiLstm,
        Op::Gru,
        Op::PositionWiseFeedForward,
        Op::TransformerEncoder,
        Op::Relu2,
        Op::TransformerDecoder,
        Op::BiGru,
        Op::Rnn,
        Op::BiRnn,
    ];

    /// The attribute key and the name in reports: `conv2d`, `linear`, …
    pub fn key(self) -> &'static str {
        match self {
            Op::Conv1d => "conv1d",
            Op::Conv2d => "conv2d",
            Op::ConvTranspose1d => "conv_transpose1d",
            Op::ConvTranspose2d => "conv_transpose2d",
            Op::Linear => "linear",
            Op::MaxPool1d => "max_pool1d",
            Op::MaxPool2d => "max_pool2d",
            Op::AvgPool1d => "avg_pool1d",
            Op::AvgPool2d => "avg_pool2d",
            Op::AdaptiveAvgPool1d => "adaptive_avg_pool1d",
            Op::AdaptiveAvgPool2d => "adaptive_avg_pool2d",
            Op::Interpolate1d => "interpolate1d",
            Op::Interpolate2d => "interpolate2d",
            Op::BatchNorm => "batch_norm",
            Op::LayerNorm => "layer_norm",
            Op::GroupNorm => "group_norm",
            Op::InstanceNorm => "instance_norm",
            Op::LocalResponseNorm => "local_response_norm",
            Op::Relu => "relu",
            Op::Relu6 => "relu6",
            Op::Gelu => "gelu",
            Op::Silu => "silu",
            Op::Sigmoid => "sigmoid",
            Op::Tanh => "tanh",
            Op::LeakyRelu => "leaky_relu",
            Op::Elu => "elu",
            Op::Celu => "celu",
            Op::Selu => "selu",
            Op::HardSigmoid => "hard_sigmoid",
            Op::HardSwish => "hard_swish",
            Op::Hardtanh => "hardtanh",
            Op::HardShrink => "hard_shrink",
            Op::SoftShrink => "soft_shrink",
            Op::Softplus => "softplus",
            Op::Softsign => "softsign",
            Op::LogSigmoid => "log_sigmoid",
            Op::Mish => "mish",
            Op::Tanhshrink => "tanhshrink",
            Op::Threshold => "threshold",
            Op::ThresholdedRelu => "thresholded_relu",
            Op::RRelu => "rrelu",
            Op::Softmax => "softmax",
            Op::Dropout => "dropout",
            Op::Identity => "identity",
            Op::PixelShuffle => "pixel_shuffle",
            Op::PixelUnshuffle => "pixel_unshuffle",
            Op::Unfold4d => "unfold4d",
            Op::Flatten => "flatten",
            Op::Transpose => "transpose",
            Op::Select => "select",
            Op::Embedding => "embedding",
            Op::MultiHeadAttention => "multi_head_attention",
            Op::ClassToken => "class_token",
            Op::PositionEmbedding => "position_embedding",
            Op::PositionalEncoding => "positional_encoding",
            Op::Add => "add",
            Op::Concat => "concat",
            Op::RmsNorm => "rms_norm",
            Op::RotaryEncoding => "rotary_encoding",
            Op::Swiglu => "swiglu",
            Op::Mul => "mul",
            Op::CrossAttention => "cross_attention",
            Op::Shrink => "shrink",
            Op::GaussianNoise => "gaussian_noise",
            Op::Fold4d => "fold4d",
            Op::CosineSimilarity => "cosine_similarity",
            Op::PairwiseDistance => "pairwise_distance",
            Op::DeformConv2d => "deform_conv2d",
            Op::Reshape => "reshape",
            Op::Mean => "mean",
            Op::Sum => "sum",
            Op::Matmul => "matmul",
            Op::Custom => "custom",
            Op::Conv3d => "conv3d",
            Op::ConvTranspose3d => "conv_transpose3d",
            Op::AdaptiveAvgPool3d => "adaptive_avg_pool3d",
            Op::Prelu => "prelu",
            Op::Glu => "glu",
            Op::Lstm => "lstm",
            Op::BiLstm => "bilstm",
            Op::Gru => "gru",
            Op::PositionWiseFeedForward => "position_wise_feed_forward",
            Op::TransformerEncoder => "transformer_encoder",
            Op::Relu2 => "relu2",
            Op::TransformerDecoder => "transformer_decoder",
            Op::BiGru => "bigru",
            Op::Rnn => "rnn",
            Op::BiRnn => "birnn",
        }
    }

    /// Other names the attribute takes for the kind: candle-nn's `Activation` variants, in
    /// snake case, that compute its function (`new_gelu` and `gelu_pytorch_tanh` GELU's
    /// tanh approximation).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Op::Gelu => &["new_gelu", "gelu_pytorch_tanh"],
            Op::Silu => &["swish"],
            _ => &[],
        }
    }

    /// The kind a name in the attribute stands for: its key or one of its aliases.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::from_key(name).or_else(|| Op::ALL.into_iter().find(|op| op.aliases().contains(&name)))
    }

    pub fn from_key(key: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.key() == key)
    }

    /// The keys the kind takes, in the order "expected one of" lists them.
    pub fn keys(self) -> &'static [Key] {
        match self {
            Op::Conv1d | Op::Conv2d => CONV,
            Op::ConvTranspose1d | Op::ConvTranspose2d => CONV_TRANSPOSE,
            Op::Linear => LINEAR,
            Op::MaxPool1d | Op::MaxPool2d | Op::AvgPool1d | Op::AvgPool2d => POOL,
            Op::AdaptiveAvgPool1d | Op::AdaptiveAvgPool2d => ADAPTIVE_POOL,
            Op::Interpolate1d | Op::Interpolate2d => INTERPOLATE,
            Op::BatchNorm => BATCH_NORM,
            Op::LayerNorm => LAYER_NORM,
            Op::GroupNorm => GROUP_NORM,
            Op::InstanceNorm => INSTANCE_NORM,
            Op::LocalResponseNorm => LOCAL_RESPONSE_NORM,
            Op::Relu | Op::Relu6 | Op::Gelu | Op::Silu | Op::Sigmoid | Op::Tanh => &[],
            Op::Selu
            | Op::HardSwish
            | Op::Softsign
            | Op::LogSigmoid
            | Op::Mish
            | Op::Tanhshrink => &[],
            Op::LeakyRelu => LEAKY_RELU,
            Op::Elu => ELU,
            Op::Celu => CELU,
            Op::HardSigmoid => HARD_SIGMOID,
            Op::Hardtanh => HARDTANH,
            Op::HardShrink => HARD_SHRINK,
            Op::SoftShrink => SOFT_SHRINK,
            Op::Softplus => SOFTPLUS,
            Op::Threshold => THRESHOLD,
            Op::ThresholdedRelu => THRESHOLDED_RELU,
            Op::RRelu => RRELU,
            Op::Softmax => SOFTMAX,
            Op::Dropout => DROPOUT,
            Op::Identity => &[],
            Op::PixelShuffle => PIXEL_SHUFFLE,
            Op::PixelUnshuffle => PIXEL_UNSHUFFLE,
            Op::Unfold4d => UNFOLD,
            Op::Flatten => FLATTEN,
            Op::Transpose => TRANSPOSE,
            Op::Select => SELECT,
            Op::Embedding => EMBEDDING,
            Op::MultiHeadAttention => ATTENTION,
            Op::ClassToken => CLASS_TOKEN,
            Op::PositionEmbedding => POSITION_EMBEDDING,
            Op::PositionalEncoding => POSITIONAL_ENCODING,
            Op::Add => ADD,
            Op::Concat => CONCAT,
            Op::RmsNorm => RMS_NORM,
            Op::RotaryEncoding => ROTARY,
            Op::Swiglu => SWIGLU,
            Op::Mul => MUL,
            Op::CrossAttention => CROSS_ATTENTION,
            Op::Shrink => SHRINK,
            Op::GaussianNoise => GAUSSIAN_NOISE,
            Op::Fold4d => FOLD,
            Op::CosineSimilarity => COSINE_SIMILARITY,
            Op::PairwiseDistance => PAIRWISE_DISTANCE,
            Op::DeformConv2d => DEFORM_CONV,
            Op::Reshape => RESHAPE,
            Op::Mean | Op::Sum => REDUCE,
            Op::Matmul => MATMUL,
            Op::Custom => CUSTOM,
            Op::Conv3d => CONV,
            Op::ConvTranspose3d => CONV_TRANSPOSE,
            Op::AdaptiveAvgPool3d => ADAPTIVE_POOL,
            Op::Prelu => PRELU,
            Op::Glu => GLU,
            Op::Lstm => LSTM,
            Op::BiLstm => BILSTM,
            Op::Gru => GRU,
            Op::PositionWiseFeedForward => PWFF,
            Op::TransformerEncoder => TRANSFORMER_ENCODER,
            Op::Relu2 => &[],
            Op::TransformerDecoder => TRANSFORMER_DECODER,
            Op::BiGru => BIGRU,
            Op::Rnn => RNN,
            Op::BiRnn => BIRNN,
        }
    }

    /// How many spatial dimensions a convolution or pooling kind slides over.
    pub fn spatial_dims(self) -> Option<usize> {
        match self {
            Op::Conv1d
            | Op::ConvTranspose1d
            | Op::MaxPool1d
            | Op::AvgPool1d
            | Op::AdaptiveAvgPool1d
            | Op::Interpolate1d => Some(1),
            Op::Conv2d
            | Op::ConvTranspose2d
            | Op::MaxPool2d
            | Op::AvgPool2d
            | Op::AdaptiveAvgPool2d
            | Op::Interpolate2d
            | Op::Unfold4d => Some(2),
            Op::Fold4d | Op::DeformConv2d => Some(2),
            Op::Conv3d | Op::ConvTranspose3d | Op::AdaptiveAvgPool3d => Some(3),
            _ => None,
        }
    }

    /// The burn 0.22 (`burn::nn`) types the kind prices; empty where burn has a function only.
    pub fn burn_types(self) -> &'static [&'static str] {
        match self {
            Op::Conv1d => &["Conv1d"],
            Op::Conv2d => &["Conv2d"],
            Op::ConvTranspose1d => &["ConvTranspose1d"],
            Op::ConvTranspose2d => &["ConvTranspose2d"],
            Op::Linear => &["Linear"],
            Op::MaxPool1d => &["MaxPool1d"],
            Op::MaxPool2d => &["MaxPool2d"],
            Op::AvgPool1d => &["AvgPool1d"],
            Op::AvgPool2d => &["AvgPool2d"],
            Op::AdaptiveAvgPool1d => &["AdaptiveAvgPool1d"],
            Op::AdaptiveAvgPool2d => &["AdaptiveAvgPool2d"],
            Op::Interpolate1d => &["Interpolate1d"],
            Op::Interpolate2d => &["Interpolate2d"],
            Op::BatchNorm => &["BatchNorm"],
            Op::LayerNorm => &["LayerNorm"],
            Op::GroupNorm => &["GroupNorm"],
            Op::InstanceNorm => &["InstanceNorm"],
            Op::LocalResponseNorm => &["LocalResponseNorm"],
            Op::Relu => &["Relu"],
            Op::Gelu => &["Gelu"],
            Op::Sigmoid => &["Sigmoid"],
            Op::Tanh => &["Tanh"],
            Op::Silu => &["SiLU"],
            Op::LeakyRelu => &["LeakyRelu"],
            Op::Elu => &["Elu"],
            Op::Celu => &["Celu"],
            Op::Selu => &["Selu"],
            Op::HardSigmoid => &["HardSigmoid"],
            Op::HardSwish => &["HardSwish"],
            Op::Hardtanh => &["Hardtanh"],
            Op::HardShrink => &["HardShrink"],
            Op::SoftShrink => &["SoftShrink"],
            Op::Softplus => &["Softplus"],
            Op::Softsign => &["Softsign"],
            Op::LogSigmoid => &["LogSigmoid"],
            Op::Mish => &["Mish"],
            Op::Tanhshrink => &["Tanhshrink"],
            Op::Threshold => &["Threshold"],
            Op::ThresholdedRelu => &["ThresholdedRelu"],
            Op::RRelu => &["RRelu"],
            Op::Dropout => &["Dropout"],
            Op::Identity => &["Identity"],
            Op::PixelShuffle => &["PixelShuffle"],
            Op::PixelUnshuffle => &["PixelUnshuffle"],
            Op::Unfold4d => &["Unfold4d"],
            Op::Embedding => &["Embedding"],
            Op::MultiHeadAttention => &["MultiHeadAttention"],
            Op::RmsNorm => &["RmsNorm"],
            Op::RotaryEncoding => &["RotaryEncoding"],
            Op::Swiglu => &["SwiGlu"],
            Op::CrossAttention => &["CrossAttention"],
            Op::PositionalEncoding => &["PositionalEncoding"],
            Op::Shrink => &["Shrink"],
            Op::GaussianNoise => &["GaussianNoise"],
            Op::Fold4d => &["Fold4d"],
            Op::CosineSimilarity => &["CosineSimilarity"],
            Op::PairwiseDistance => &["PairwiseDistance"],
            Op::DeformConv2d => &["DeformConv2d"],
            Op::Conv3d => &["Conv3d"],
            Op::ConvTranspose3d => &["ConvTranspose3d"],
            Op::AdaptiveAvgPool3d => &["AdaptiveAvgPool3d"],
            Op::Prelu => &["PRelu"],
            Op::Glu => &["GLU"],
            Op::Lstm => &["Lstm"],
            Op::BiLstm => &["BiLstm"],
            Op::Gru => &["Gru"],
            Op::PositionWiseFeedForward => &["PositionWiseFeedForward"],
            Op::TransformerEncoder => &["TransformerEncoder"],
            Op::TransformerDecoder => &["TransformerDecoder"],
            Op::BiGru => &["BiGru"],
            Op::Rnn => &["Rnn"],
            Op::BiRnn => &["BiRnn"],
            _ => &[],
        }
    }

    /// The candle-nn 0.11 types the kind prices; empty where candle has a function only.
    pub fn candle_types(self) -> &'static [&'static str] {
        match self {
            Op::Conv1d => &["Conv1d"],
            Op::Conv2d => &["Conv2d"],
            Op::ConvTranspose1d => &["ConvTranspose1d"],
            Op::ConvTranspose2d => &["ConvTranspose2d"],
            Op::Linear => &["Linear"],
            Op::BatchNorm => &["BatchNorm"],
            Op::LayerNorm => &["LayerNorm"],
            Op::GroupNorm => &["GroupNorm"],
            Op::Dropout => &["Dropout"],
            Op::Embedding => &["Embedding"],
            Op::RmsNorm => &["RmsNorm"],
            Op::Prelu => &["PReLU"],
            Op::Lstm => &["LSTM"],
            Op::Gru => &["GRU"],
            // candle's `Activation` enum, one variant per kind (annotated by its name).
            Op::Gelu
            | Op::Relu
            | Op::Relu2
            | Op::Relu6
            | Op::Silu
            | Op::Sigmoid
            | Op::HardSigmoid
            | Op::Mish
            | Op::HardSwish
            | Op::Elu
            | Op::LeakyRelu => &["Activation"],
            // The variant whose snake-case name is another kind's (burn's two-projection
            // `swiglu`): the halves' product, gated by silu.
            Op::Glu => &["Activation::Swiglu"],
            _ => &[],
        }
    }

    /// Type names (a path's last segment) a field may hold without an annotation, because
    /// their cost follows from the input alone: burn's, candle's and the usual spellings.
    pub fn parameter_free_types(self) -> &'static [&'static str] {
        match self {
            Op::Relu => &["Relu", "ReLU", "ReLu"],
            Op::Relu6 => &["Relu6", "ReLU6"],
            Op::Gelu => &["Gelu", "GELU"],
            Op::Silu => &["Silu", "SiLU", "Swish"],
            Op::Sigmoid => &["Sigmoid"],
            Op::Tanh => &["Tanh"],
            Op::LeakyRelu => &["LeakyRelu"],
            Op::Elu => &["Elu"],
            Op::Celu => &["Celu"],
            Op::Selu => &["Selu"],
            Op::HardSigmoid => &["HardSigmoid"],
            Op::HardSwish => &["HardSwish"],
            Op::Hardtanh => &["Hardtanh"],
            Op::HardShrink => &["HardShrink"],
            Op::SoftShrink => &["SoftShrink"],
            Op::Softplus => &["Softplus"],
            Op::Softsign => &["Softsign"],
            Op::LogSigmoid => &["LogSigmoid"],
            Op::Mish => &["Mish"],
            Op::Tanhshrink => &["Tanhshrink"],
            Op::Threshold => &["Threshold"],
            Op::ThresholdedRelu => &["ThresholdedRelu"],
            Op::RRelu => &["RRelu"],
            Op::Dropout => &["Dropout"],
            Op::Identity => &["Identity"],
            Op::Shrink => &["Shrink"],
            Op::GaussianNoise => &["GaussianNoise"],
            _ => &[],
        }
    }

    /// The layer a parameter-free kind always is (its keys, if any, do not change the cost).
    pub fn parameter_free_layer(self) -> Option<Layer> {
        let activation = match self {
            Op::Relu => Activation::Relu,
            Op::Relu6 => Activation::Relu6,
            Op::Gelu => Activation::Gelu,
            Op::Silu => Activation::Silu,
            Op::Sigmoid => Activation::Sigmoid,
            Op::Tanh => Activation::Tanh,
            Op::LeakyRelu => Activation::LeakyRelu,
            Op::Elu => Activation::Elu,
            Op::Celu => Activation::Celu,
            Op::Selu => Activation::Selu,
            Op::HardSigmoid => Activation::HardSigmoid,
            Op::HardSwish => Activation::HardSwish,
            Op::Hardtanh => Activation::Hardtanh,
            Op::HardShrink => Activation::HardShrink,
            Op::SoftShrink => Activation::SoftShrink,
            Op::Softplus => Activation::Softplus,
            Op::Softsign => Activation::Softsign,
            Op::LogSigmoid => Activation::LogSigmoid,
            Op::Mish => Activation::Mish,
            Op::Tanhshrink => Activation::Tanhshrink,
            Op::Threshold => Activation::Threshold,
            Op::ThresholdedRelu => Activation::ThresholdedRelu,
            Op::RRelu => Activation::RRelu,
            Op::Dropout => return Some(Layer::Dropout),
            Op::Identity => return Some(Layer::Identity),
            Op::Shrink => Activation::Shrink,
            Op::GaussianNoise => return Some(Layer::GaussianNoise),
            Op::Relu2 => Activation::Relu2,
            _ => return None,
        };
        Some(Layer::Activation(activation))
    }

    /// The kind a type name (a path's last segment) needs no annotation for.
    pub fn of_parameter_free_type(name: &str) -> Option<Op> {
        Op::ALL
            .into_iter()
            .find(|op| op.parameter_free_types().contains(&name))
    }

    /// The key that sets the features a normalisation expects, for "set `key = n`" hints.
    pub fn features_key(self) -> Option<&'static str> {
        match self {
            Op::BatchNorm => Some("num_features"),
            Op::GroupNorm | Op::InstanceNorm => Some("num_channels"),
            Op::LayerNorm | Op::RmsNorm => Some("d_model"),
            Op::Prelu => Some("num_parameters"),
            _ => None,
        }
    }

    /// Whether the tensor `name` of this kind is a dense weight matrix, which burn stores as
    /// `[d_input, d_output]` and PyTorch and candle as `[d_output, d_input]`.
    pub fn is_dense_weight(self, name: &str) -> bool {
        match self {
            Op::Linear => name == "weight",
            // Each projection's weight: `query.weight`, `key.weight`, …
            Op::MultiHeadAttention | Op::CrossAttention => name.ends_with(".weight"),
            // `linear_inner.weight`, `linear_outer.weight`.
            Op::Swiglu => name.ends_with(".weight"),
            // Each gate's `input_transform.weight` and `hidden_transform.weight`.
            Op::Lstm | Op::BiLstm | Op::Gru | Op::BiGru | Op::Rnn | Op::BiRnn => {
                name.ends_with(".weight")
            }
            // The projections' and linears' weights (the norms' are vectors, left as they are).
            Op::PositionWiseFeedForward | Op::TransformerEncoder | Op::TransformerDecoder => {
                name.ends_with(".weight")
            }
            _ => false,
        }
    }
}

impl Layer {
    /// The layer's kind; `None` for a nested block, which is no kind of its own.
    pub fn kind(&self) -> Option<Op> {
        let by_dims = |one: Op, two: Op, dims: usize| if dims == 1 { one } else { two };
        let by_dims3 = |ops: [Op; 3], dims: usize| ops[dims.clamp(1, 3) - 1];
        Some(match self {
            Layer::Conv(c) => by_dims3([Op::Conv1d, Op::Conv2d, Op::Conv3d], c.kernel.len()),
            Layer::ConvTranspose(c) => by_dims3(
                [
                    Op::ConvTranspose1d,
                    Op::ConvTranspose2d,
                    Op::ConvTranspose3d,
                ],
                c.kernel.len(),
            ),
            Layer::Linear { .. } => Op::Linear,
            Layer::Pool(p) => match p.kind {
                super::PoolKind::Max => by_dims(Op::MaxPool1d, Op::MaxPool2d, p.kernel.len()),
                super::PoolKind::Avg => by_dims(Op::AvgPool1d, Op::AvgPool2d, p.kernel.len()),
            },
            Layer::AdaptiveAvgPool { output } => by_dims3(
                [
                    Op::AdaptiveAvgPool1d,
                    Op::AdaptiveAvgPool2d,
                    Op::AdaptiveAvgPool3d,
                ],
                output.len(),
            ),
            Layer::Interpolate { resize, .. } => {
                let dims = match resize {
                    super::Resize::Size(s) => s.len(),
                    super::Resize::Scale(s) => s.len(),
                };
                by_dims(Op::Interpolate1d, Op::Interpolate2d, dims)
            }
            Layer::BatchNorm { .. } => Op::BatchNorm,
            Layer::LayerNorm { .. } => Op::LayerNorm,
            Layer::GroupNorm { .. } => Op::GroupNorm,
            Layer::InstanceNorm { .. } => Op::InstanceNorm,
            Layer::LocalResponseNorm { .. } => Op::LocalResponseNorm,
            Layer::Activation(a) => match a {
                Activation::Relu => Op::Relu,
                Activation::Relu6 => Op::Relu6,
                Activation::Gelu => Op::Gelu,
                Activation::Silu => Op::Silu,
                Activation::Sigmoid => Op::Sigmoid,
                Activation::Tanh => Op::Tanh,
                Activation::LeakyRelu => Op::LeakyRelu,
                Activation::Elu => Op::Elu,
                Activation::Celu => Op::Celu,
                Activation::Selu => Op::Selu,
                Activation::HardSigmoid => Op::HardSigmoid,
                Activation::HardSwish => Op::HardSwish,
                Activation::Hardtanh => Op::Hardtanh,
                Activation::HardShrink => Op::HardShrink,
                Activation::SoftShrink => Op::SoftShrink,
                Activation::Softplus => Op::Softplus,
                Activation::Softsign => Op::Softsign,
                Activation::LogSigmoid => Op::LogSigmoid,
                Activation::Mish => Op::Mish,
                Activation::Tanhshrink => Op::Tanhshrink,
                Activation::Threshold => Op::Threshold,
                Activation::ThresholdedRelu => Op::ThresholdedRelu,
                Activation::RRelu => Op::RRelu,
                Activation::Shrink => Op::Shrink,
                Activation::Relu2 => Op::Relu2,
            },
            Layer::Softmax { .. } => Op::Softmax,
            Layer::Dropout => Op::Dropout,
            Layer::Identity => Op::Identity,
            Layer::PixelShuffle { .. } => Op::PixelShuffle,
            Layer::PixelUnshuffle { .. } => Op::PixelUnshuffle,
            Layer::Unfold4d { .. } => Op::Unfold4d,
            Layer::Flatten { .. } => Op::Flatten,
            Layer::Transpose { .. } => Op::Transpose,
            Layer::Select { .. } => Op::Select,
            Layer::Embedding { .. } => Op::Embedding,
            Layer::Add => Op::Add,
            Layer::Concat { .. } => Op::Concat,
            Layer::MultiHeadAttention { .. } => Op::MultiHeadAttention,
            Layer::ClassToken { .. } => Op::ClassToken,
            Layer::PositionEmbedding { .. } => Op::PositionEmbedding,
            Layer::Attention(a) if a.d_context.is_some() => Op::CrossAttention,
            Layer::Attention(_) => Op::MultiHeadAttention,
            Layer::RmsNorm { .. } => Op::RmsNorm,
            Layer::RotaryEncoding { .. } => Op::RotaryEncoding,
            Layer::SwiGlu { .. } => Op::Swiglu,
            Layer::Mul => Op::Mul,
            // A tied head and a mixture of experts are written otherwise (a tied weight has
            // no field; experts are `module, repeat, active`).
            Layer::TiedLinear { .. } | Layer::Experts { .. } | Layer::Block(_) => return None,
            Layer::PositionalEncoding { .. } => Op::PositionalEncoding,
            Layer::GaussianNoise => Op::GaussianNoise,
            Layer::Fold4d { .. } => Op::Fold4d,
            Layer::CosineSimilarity { .. } => Op::CosineSimilarity,
            Layer::PairwiseDistance { .. } => Op::PairwiseDistance,
            Layer::DeformConv2d(_) => Op::DeformConv2d,
            Layer::Reshape { .. } => Op::Reshape,
            Layer::Mean { .. } => Op::Mean,
            Layer::Sum { .. } => Op::Sum,
            Layer::Matmul => Op::Matmul,
            Layer::Custom(_) => Op::Custom,
            Layer::PRelu { .. } => Op::Prelu,
            Layer::Glu { .. } => Op::Glu,
            Layer::Recurrent(r) => match (r.cell, r.bidirectional) {
                (super::Cell::Lstm, false) => Op::Lstm,
                (super::Cell::Lstm, true) => Op::BiLstm,
                (super::Cell::Gru, false) => Op::Gru,
                (super::Cell::Gru, true) => Op::BiGru,
                (super::Cell::Rnn { .. }, false) => Op::Rnn,
                (super::Cell::Rnn { .. }, true) => Op::BiRnn,
            },
            Layer::PositionWiseFeedForward { .. } => Op::PositionWiseFeedForward,
            Layer::TransformerEncoder(_) => Op::TransformerEncoder,
            Layer::TransformerDecoder(_) => Op::TransformerDecoder,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Conv, Pool, PoolKind};

    #[test]
    fn keys_round_trip_and_are_unique() {
        for op in Op::ALL {
            assert_eq!(Op::from_key(op.key()), Some(op));
            let names: Vec<&str> = op.keys().iter().map(|k| k.name).collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{}: {names:?}", op.key());
        }
        assert_eq!(Op::from_key("module"), None);
    }

    /// Every variant of candle-nn 0.11.1's `Activation` but `Swiglu` (priced by `glu`) names a
    /// kind in snake case, and no alias is another kind's key.
    #[test]
    fn candle_activation_variants_name_kinds() {
        let variants = [
            "gelu",
            "new_gelu",
            "relu",
            "relu2",
            "relu6",
            "silu",
            "sigmoid",
            "hard_sigmoid",
            "swish",
            "mish",
            "hard_swish",
            "elu",
            "leaky_relu",
            "gelu_pytorch_tanh",
        ];
        for name in variants {
            let op = Op::from_name(name).unwrap_or_else(|| panic!("{name}"));
            assert!(op.candle_types().contains(&"Activation"), "{name}");
            assert!(op.parameter_free_layer().is_some(), "{name}");
        }
        for op in Op::ALL {
            for alias in op.aliases() {
                assert_eq!(Op::from_key(alias), None, "{alias}");
                assert_eq!(Op::from_name(alias), Some(op), "{alias}");
            }
        }
    }

    #[test]
    fn a_layer_reports_its_kind_by_the_catalogs_key() {
        let layers = [
            Layer::Conv(Conv::new(1, 1, &[3])),
            Layer::Conv(Conv::new(1, 1, &[3, 3])),
            Layer::Pool(Pool::new(PoolKind::Avg, &[2])),
            Layer::Pool(Pool::new(PoolKind::Max, &[2, 2])),
            Layer::Activation(Activation::Silu),
            Layer::Dropout,
        ];
        let keys: Vec<&str> = layers.iter().map(Layer::op).collect();
        assert_eq!(
            keys,
            [
                "conv1d",
                "conv2d",
                "avg_pool1d",
                "max_pool2d",
                "silu",
                "dropout"
            ]
        );
        for op in Op::ALL {
            if let Some(layer) = op.parameter_free_layer() {
                assert_eq!(layer.kind(), Some(op));
            }
        }
    }

    #[test]
    fn parameter_free_types_name_one_kind_each() {
        for op in Op::ALL {
            for name in op.parameter_free_types() {
                assert_eq!(Op::of_parameter_free_type(name), Some(op), "{name}");
                assert!(op.parameter_free_layer().is_some(), "{name}");
            }
        }
        assert_eq!(Op::of_parameter_free_type("Linear"), None);
    }
}
