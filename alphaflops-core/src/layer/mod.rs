//! The layer catalog: shape inference and counts (params, MACs, FLOPs) per layer.
//!
//! # Counting convention
//! - `macs`: multiply-accumulates of the linear-algebra part (convolutions, dense layers and
//!   attention's matmuls). A convolution costs `N·C_out·H_out·W_out·(C_in/groups)·K1·K2` MACs
//!   (a 3-d one `N·C_out·D_out·H_out·W_out·(C_in/groups)·K1·K2·K3`); a deformable one as
//!   much, plus 19 FLOPs (20 with a mask) for each bilinear sample, `N·C_in·K1·K2·H_out·W_out`
//!   of them.
//! - `flops`: `2·macs` plus the element-wise work listed below. Bias additions are not
//!   counted (they fuse into the accumulator, as in the paper's reference code).
//! - `params`: trainable parameters (weights, biases, norm affines, embeddings); running
//!   statistics of batch norm are buffers, not parameters (torchvision's convention).
//!
//! | op | FLOPs per output element (MACs = 0) |
//! |---|---|
//! | relu, threshold, thresholded_relu | 1 |
//! | relu6, leaky_relu, rrelu, hardtanh, hard_shrink, relu2 | 2 |
//! | softsign | 3 |
//! | sigmoid, elu, hard_sigmoid, soft_shrink | 4 |
//! | tanh, silu, softmax, selu, hard_swish, softplus, log_sigmoid | 5 |
//! | tanhshrink, shrink | 6 |
//! | celu | 7 |
//! | gelu | 8 |
//! | mish | 9 |
//! | batch norm (inference, folded into scale and shift) | 2 |
//! | layer norm, group norm, instance norm | 5 |
//! | local response norm of `size` channels | 2·size + 3 |
//! | max/avg pool | K1·K2 (avg: +1 for the division) |
//! | adaptive avg pool | input elements + output elements |
//! | interpolate: nearest / linear / cubic / lanczos, per output element | 0 / 2·2^d − 1 / 2·4^d − 1 / 2·6^d − 1 |
//! | residual add, element-wise product, position embedding, positional encoding | 1 |
//! | rms norm | 4 |
//! | rotary encoding | 3 per element of queries and keys |
//! | fold4d, per column element that lands inside the output (col2im's add) | 1 |
//! | cosine similarity of x1, x2 (`n1`, `n2` their elements, `n` the broadcast ones, `o1`, `o2` their norms) | 3·n1 + 3·n2 + 2·(o1 + o2) + 2·n in all |
//! | pairwise distance, per element of the difference (and per output) | p = 0: 5; p = 1 or ±∞: 4; p = 2 or even: 4 (+1); other p: 5 (+1) |
//! | swiglu | 5 (SiLU) + 1 (product) per output element, besides its two projections |
//! | sum over dims, per input element | 1 (mean: +1 per output element) |
//! | prelu | 2 (a compare and a multiply, as leaky_relu) |
//! | glu | per output element, the gate's activation (sigmoid 4, silu 5) and the product (1) |
//!
//! `lstm`, `bilstm` and `gru` count every time step: each gate's two dense transforms, then
//! per hidden unit the gates' sums, sigmoids (4) and tanhs (5) and the state update (LSTM
//! 30 FLOPs, 27 with coupled gates; GRU 22; a clip 2 more); `rnn` and `birnn` sum their one
//! gate's transforms (1) and apply the hidden activation (tanh 5).
//! `position_wise_feed_forward` and `transformer_encoder` are the layers burn composes them
//! of, counted as above.
//!
//! An activation's count is its elementary operations, each one FLOP (exp, log and divide
//! included); its keys (slopes, thresholds) do not change it. candle-nn's `Activation`
//! variants are the kinds of their names in snake case; `new_gelu` and `gelu_pytorch_tanh`
//! (GELU's tanh approximation) count as `gelu`, `swish` as `silu`; `Swiglu` (silu of the first
//! half times the second) is `glu` with `activation = "silu"`.
//!
//! Dropout and gaussian noise (at inference), identity, flatten, transpose and select cost
//! nothing and launch nothing; concat, the pixel shuffles and unfold4d copy their input and
//! count no FLOPs. Reshape is a view too. `matmul` of `[…, M, K]` by `[…, K, N]` is one GEMM
//! of `batch·M·N·K` MACs; `mul` broadcasts (a squeeze-and-excitation scale `[N, C, 1, 1]`
//! times `[N, C, H, W]`) at one FLOP per output element; `custom` counts what its annotation
//! gives.
//!
//! Output shapes follow PyTorch's documented rules (`torch.nn.Conv2d`, `MaxPool2d`,
//! `ConvTranspose2d`, …) with `ceil_mode = false` unless asked.

mod attention;
mod common;
mod conv;
mod distance;
mod elementwise;
mod embedding;
mod experts;
mod interpolate;
mod linear;
mod norm;
mod op;
mod pool;
mod recurrent;
mod reshape;
mod tensor;
mod transformer;

use serde::{Deserialize, Serialize};

pub use crate::kernel::{Elementwise, Gemm, Kernel};
use crate::shape::{Shape, sum};
pub use attention::Attention;
pub use conv::{Conv, ConvTranspose, DeformConv, Padding};
pub use elementwise::Activation;
pub(crate) use experts::experts;
pub use interpolate::{InterpolateMode, Resize};
pub use op::{Key, KeyType, Op};
pub use pool::{Pool, PoolKind};
pub use recurrent::{Cell, Recurrent};
pub use tensor::Custom;
pub use transformer::Transformer;

/// Why a layer cannot take its input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LayerError {
    #[error("{0} must be at least 1")]
    Zero(String),
    #[error("groups = {groups} does not divide {what} = {channels}")]
    Groups {
        groups: u64,
        what: &'static str,
        channels: u64,
    },
    #[error("{op} expects {expected}, got {got}")]
    Rank {
        op: &'static str,
        expected: &'static str,
        got: Shape,
    },
    #[error("{op} expects {what} = {expected}, but the input {got} has {actual}")]
    Mismatch {
        op: &'static str,
        what: &'static str,
        expected: u64,
        actual: u64,
        got: Shape,
    },
    #[error(
        "the kernel spans {extent} along the {axis} (dilation·(kernel − 1) + 1) but the padded input is only {padded}"
    )]
    KernelTooLarge {
        /// "depth", "height", "width" or "length".
        axis: &'static str,
        extent: u64,
        padded: u64,
    },
    #[error("the output would be empty along the {axis}")]
    EmptyOutput { axis: &'static str },
    #[error(
        "linear expects {d_input} input features, but the input {got} has {last} in its last dimension{}",
        flattened.map_or(String::new(), |f| format!(" and {f} after the batch dimension"))
    )]
    Features {
        d_input: u64,
        last: u64,
        flattened: Option<u64>,
        got: Shape,
    },
    #[error("in `{model}`: {error}")]
    Nested {
        model: String,
        error: Box<crate::model::ModelError>,
    },
    #[error("{0} overflows u64")]
    Overflow(String),
    #[error("{0}")]
    Invalid(String),
}

/// One entry of the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// `conv1d`/`conv2d`/`conv3d`, input `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`.
    Conv(Conv),
    /// `conv_transpose1d`/`2d`/`3d`, input `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`.
    ConvTranspose(ConvTranspose),
    /// Dense layer on the last dimension, any number of leading dimensions. If the last
    /// dimension differs from `d_input` but everything after the batch dimension multiplies
    /// to `d_input`, the input is flattened to `[N, d_input]` first (a classifier head after
    /// convolutions, as burn and candle models write `reshape([n, -1])`).
    Linear {
        d_input: u64,
        d_output: u64,
        bias: bool,
    },
    /// `max_pool1d`/`max_pool2d`/`avg_pool1d`/`avg_pool2d`.
    Pool(Pool),
    /// `adaptive_avg_pool1d`/`2d`/`3d` to a fixed output size.
    AdaptiveAvgPool {
        output: Vec<u64>,
    },
    /// `interpolate1d`/`interpolate2d` of `[N, C, L]` or `[N, C, H, W]`.
    Interpolate {
        resize: Resize,
        mode: InterpolateMode,
    },
    /// Batch norm over the channel dimension 1 (inference).
    BatchNorm {
        num_features: u64,
    },
    /// Layer norm over the last dimension.
    LayerNorm {
        d_model: u64,
    },
    /// Group norm over the channel dimension 1.
    GroupNorm {
        num_groups: u64,
        num_channels: u64,
    },
    /// Local response norm across `size` neighbouring channels (no parameters).
    LocalResponseNorm {
        size: u64,
    },
    /// Instance norm over the channel dimension 1: one group per channel, with a scale and a
    /// shift per channel when `affine` (burn's and PyTorch's default).
    InstanceNorm {
        num_channels: u64,
        affine: bool,
    },
    Activation(Activation),
    /// Softmax along `dim` (5 FLOPs per element: max, subtract, exp, sum, divide).
    Softmax {
        dim: i64,
    },
    /// Dropout: the identity at inference.
    Dropout,
    /// The identity (burn's `Identity`): no cost, no kernel.
    Identity,
    /// `[*, C·r², H, W]` → `[*, C, H·r, W·r]` (PyTorch's and burn's `PixelShuffle`).
    PixelShuffle {
        upscale_factor: u64,
    },
    /// `[*, C, H·r, W·r]` → `[*, C·r², H, W]` (PyTorch's and burn's `PixelUnshuffle`).
    PixelUnshuffle {
        downscale_factor: u64,
    },
    /// `[N, C, H, W]` → `[N, C·k1·k2, L]`, the sliding windows as columns (PyTorch's
    /// `nn.Unfold`, burn's `Unfold4d`).
    Unfold4d {
        kernel: Vec<u64>,
        stride: Vec<u64>,
        dilation: Vec<u64>,
        padding: Vec<u64>,
    },
    /// PyTorch's `flatten(start_dim, end_dim)`.
    Flatten {
        start_dim: i64,
        end_dim: i64,
    },
    /// Swap two dimensions (a view; no cost counted).
    Transpose {
        dim0: i64,
        dim1: i64,
    },
    /// Take one index of a dimension, removing it (`x[:, 0]`; a view, no cost counted).
    Select {
        dim: i64,
        index: u64,
    },
    /// Index lookup: `[N, T]` → `[N, T, embedding_dim]`.
    Embedding {
        num_embeddings: u64,
        embedding_dim: u64,
    },
    /// Element-wise addition of equal shapes (the residual of ResNet).
    Add,
    /// Concatenation along `dim`.
    Concat {
        dim: i64,
    },
    /// Multi-head self-attention on `[N, T, D]`: Q/K/V projections, `QKᵀ`, softmax, `AV`
    /// and the output projection (PyTorch's `nn.MultiheadAttention`).
    MultiHeadAttention {
        d_model: u64,
        n_heads: u64,
        bias: bool,
    },
    /// A learned class token prepended to the sequence: `[N, T, D]` → `[N, T + 1, D]`.
    ClassToken {
        dim: u64,
    },
    /// A learned position embedding added to `[N, seq_len, dim]`.
    PositionEmbedding {
        seq_len: u64,
        dim: u64,
    },
    /// burn's fixed sinusoidal encoding added to `[N, T, d_model]` (no parameters).
    PositionalEncoding {
        d_model: u64,
        max_sequence_size: u64,
    },
    /// A nested model (an annotated sub-module), run on whatever flows into it; its own
    /// `input` is ignored. Priced as the sum of its nodes, listed under it in reports.
    Block(Box<crate::model::Model>),
    /// Attention with every option: grouped-query (`n_heads_kv`), `d_head`, a causal mask,
    /// a KV cache (`past_tokens`) and cross-attention (see [`Attention`]).
    Attention(Attention),
    /// RMSNorm over the last dimension (`RmsNormConfig`).
    RmsNorm {
        d_model: u64,
    },
    /// Rotary position encoding of queries and keys (`RotaryEncodingConfig`): the input's
    /// last dimension is a multiple of `d_model`; its sequence axis (second to last) at most
    /// `max_sequence_length` when given.
    RotaryEncoding {
        d_model: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_sequence_length: Option<u64>,
    },
    /// burn's `SwiGlu`: two projections, SiLU and their product.
    SwiGlu {
        d_input: u64,
        d_output: u64,
        bias: bool,
    },
    /// Element-wise product with other outputs of the same shape.
    Mul,
    /// A dense layer without bias whose weight belongs to another layer (a tied LM head).
    TiedLinear {
        d_input: u64,
        d_output: u64,
    },
    /// A mixture of `count` copies of a block, `active` of which run per token.
    Experts {
        model: Box<crate::model::Model>,
        count: u64,
        active: u64,
    },
    /// burn's `GaussianNoise`: noise added in training only, the identity at inference (as
    /// dropout is).
    GaussianNoise,
    /// `[N, C·k1·k2, L]` → `[N, C, H, W]`, the columns summed back into the image where
    /// their windows overlap (PyTorch's `nn.Fold`, burn's `Fold4d`; unfold4d's inverse).
    Fold4d {
        output_size: Vec<u64>,
        kernel: Vec<u64>,
        stride: Vec<u64>,
        dilation: Vec<u64>,
        padding: Vec<u64>,
    },
    /// burn's `CosineSimilarity` of the input and another output along `dim`, which the
    /// output drops.
    CosineSimilarity {
        dim: i64,
    },
    /// burn's `PairwiseDistance` of the input and another output: the p-norm of their
    /// difference along the last dimension, which the output drops.
    PairwiseDistance {
        p: f64,
    },
    /// burn's `DeformConv2d` of `[N, C, H, W]`, its offsets (and mask) other outputs.
    DeformConv2d(DeformConv),
    /// A view to `shape`: one `-1` is inferred, a `0` keeps the input's size there (burn's
    /// `reshape`).
    Reshape {
        shape: Vec<i64>,
    },
    /// The mean over `dims`, removed unless `keepdim` (PyTorch's `mean`; burn's `mean_dim`
    /// keeps them).
    Mean {
        dims: Vec<i64>,
        keepdim: bool,
    },
    /// The sum over `dims`, as [`Layer::Mean`].
    Sum {
        dims: Vec<i64>,
        keepdim: bool,
    },
    /// The input `[…, M, K]` times another output `[…, K, N]` (PyTorch's `matmul`).
    Matmul,
    /// An op priced by the counts its annotation gives (see [`Custom`]).
    Custom(Custom),
    /// burn's `PRelu`: a leaky relu with a learned slope, one for every channel (dimension 1)
    /// or one for all.
    PRelu {
        num_parameters: u64,
    },
    /// burn's `GLU`: the input split in halves along `dim`, the first times the sigmoid of
    /// the second; with `Silu`, candle's `swiglu` (the silu of the first times the second,
    /// the same cost). `None` is the identity.
    Glu {
        dim: i64,
        #[serde(default = "glu_gate", skip_serializing_if = "is_glu_gate")]
        activation: Option<Activation>,
    },
    /// `lstm`, `bilstm`, `gru`, `bigru`, `rnn` and `birnn` on `[batch, seq, d_input]`, every
    /// time step priced.
    Recurrent(Recurrent),
    /// burn's `PositionWiseFeedForward` on `[…, d_model]`; `activation: None` is `Identity`.
    PositionWiseFeedForward {
        d_model: u64,
        d_ff: u64,
        activation: Option<Activation>,
    },
    /// burn's `TransformerEncoder` on `[batch, seq, d_model]`.
    TransformerEncoder(Transformer),
    /// burn's `TransformerDecoder` on the target `[batch, seq, d_model]`, with the memory it
    /// attends to as its second input.
    TransformerDecoder(Transformer),
}

/// GLU's gate when the key is left out: PyTorch's and burn's sigmoid (a serialized layer
/// without it is that GLU).
fn glu_gate() -> Option<Activation> {
    Some(Activation::Sigmoid)
}

fn is_glu_gate(a: &Option<Activation>) -> bool {
    *a == glu_gate()
}

/// What a layer does to a given input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerEval {
    pub output: Shape,
    pub params: u64,
    pub kernels: Vec<Kernel>,
}

impl LayerEval {
    /// A nested block's totals: the last child's output, every child's parameters and kernels.
    pub fn of_children(
        input: &Shape,
        children: &[crate::model::Evaluated],
    ) -> Result<LayerEval, LayerError> {
        let params = children.iter().map(|c| c.eval.params).collect::<Vec<_>>();
        LayerEval {
            output: children.last().map_or(input, |c| &c.eval.output).clone(),
            params: sum(&params, "the block's parameter count")?,
            kernels: children
                .iter()
                .flat_map(|c| c.eval.kernels.iter().cloned())
                .collect(),
        }
        .checked()
    }

    /// `self`, once its kernels' MACs and FLOPs are known to add up within u64 (each kernel's
    /// own counts are checked where it is built; an attention layer's or a block's sum is not).
    fn checked(self) -> Result<LayerEval, LayerError> {
        let macs: Vec<u64> = self.kernels.iter().map(|k| k.macs).collect();
        let flops: Vec<u64> = self.kernels.iter().map(|k| k.flops).collect();
        sum(&macs, "the MAC count")?;
        sum(&flops, "the FLOP count")?;
        Ok(self)
    }

    /// Multiply-accumulates of every kernel. Exact for whatever [`Layer::infer_with`] and
    /// [`LayerEval::of_children`] return, which check the sum; saturates on a hand-built value.
    pub fn macs(&self) -> u64 {
        self.kernels
            .iter()
            .fold(0u64, |acc, k| acc.saturating_add(k.macs))
    }

    /// FLOPs of every kernel (`2·macs` plus element-wise work); exact as [`LayerEval::macs`].
    pub fn flops(&self) -> u64 {
        self.kernels
            .iter()
            .fold(0u64, |acc, k| acc.saturating_add(k.flops))
    }
}

impl Layer {
    /// The op's name in reports and attributes (`conv2d`, `linear`, …): its kind's
    /// [`Op::key`], or `module` for a nested block.
    pub fn op(&self) -> &'static str {
        match self {
            Layer::Block(_) => "module",
            Layer::TiedLinear { .. } => "tied_linear",
            Layer::Experts { .. } => "experts",
            Layer::Attention(a) => a.op(),
            layer => layer.kind().map_or("module", Op::key),
        }
    }

    /// Shape inference and counts for a single-input layer.
    pub fn infer(&self, input: &Shape) -> Result<LayerEval, LayerError> {
        self.infer_with(input, &[])
    }

    /// Shape inference and counts; `others` are the extra inputs of `add` and `concat`.
    pub fn infer_with(&self, input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
        if let Some(dim) = input.dims().iter().position(|&d| d == 0) {
            return Err(LayerError::Invalid(format!(
                "the input {input} is empty in dimension {dim}"
            )));
        }
        let takes_others = matches!(
            self,
            Layer::Add
                | Layer::Mul
                | Layer::Concat { .. }
                | Layer::Matmul
                | Layer::Attention(Attention {
                    d_context: Some(_),
                    ..
                })
                | Layer::CosineSimilarity { .. }
                | Layer::PairwiseDistance { .. }
                | Layer::DeformConv2d(_)
                | Layer::TransformerDecoder(_)
        );
        if !takes_others && !others.is_empty() {
            return Err(LayerError::Invalid(format!(
                "{} takes one input, got {}",
                self.op(),
                1 + others.len()
            )));
        }
        // Every family counts its input; an input past u64 fails here, before any rule.
        input.numel()?;
        let eval = match self {
            Layer::Conv(c) => conv::conv(c, input),
            Layer::ConvTranspose(c) => conv::conv_transpose(c, input),
            Layer::Linear {
                d_input,
                d_output,
                bias,
            } => linear::linear(*d_input, *d_output, *bias, input),
            Layer::Pool(p) => pool::pool(p, input),
            Layer::AdaptiveAvgPool { output } => pool::adaptive_avg_pool(output, input),
            Layer::Interpolate { resize, mode } => interpolate::interpolate(resize, *mode, input),
            Layer::BatchNorm { num_features } => norm::batch_norm(*num_features, input),
            Layer::GroupNorm {
                num_groups,
                num_channels,
            } => norm::group_norm(*num_groups, *num_channels, input),
            Layer::InstanceNorm {
                num_channels,
                affine,
            } => norm::instance_norm(*num_channels, *affine, input),
            Layer::LayerNorm { d_model } => norm::layer_norm(*d_model, input),
            Layer::LocalResponseNorm { size } => norm::local_response_norm(*size, input),
            Layer::Activation(a) => elementwise::activation(*a, input),
            Layer::Softmax { dim } => elementwise::softmax(*dim, input),
            Layer::Dropout => Ok(LayerEval {
                output: input.clone(),
                params: 0,
                kernels: vec![],
            }),
            Layer::Identity => Ok(LayerEval {
                output: input.clone(),
                params: 0,
                kernels: vec![],
            }),
            Layer::PixelShuffle { upscale_factor } => {
                reshape::pixel_shuffle(*upscale_factor, input)
            }
            Layer::Unfold4d {
                kernel,
                stride,
                dilation,
                padding,
            } => reshape::unfold4d(kernel, stride, dilation, padding, input),
            Layer::PixelUnshuffle { downscale_factor } => {
                reshape::pixel_unshuffle(*downscale_factor, input)
            }
            Layer::Flatten { start_dim, end_dim } => reshape::flatten(*start_dim, *end_dim, input),
            Layer::Transpose { dim0, dim1 } => reshape::transpose(*dim0, *dim1, input),
            Layer::Select { dim, index } => reshape::select(*dim, *index, input),
            Layer::Embedding {
                num_embeddings,
                embedding_dim,
            } => embedding::embedding(*num_embeddings, *embedding_dim, input),
            Layer::Add => elementwise::add(input, others),
            Layer::Concat { dim } => reshape::concat(*dim, input, others),
            Layer::MultiHeadAttention {
                d_model,
                n_heads,
                bias,
            } => {
                if *n_heads == 0 || !d_model.is_multiple_of(*n_heads) {
                    common::nonzero(*n_heads, "n_heads")?;
                    return Err(LayerError::Invalid(format!(
                        "n_heads = {n_heads} does not divide d_model = {d_model}"
                    )));
                }
                Attention::new(*d_model, *n_heads)
                    .bias(*bias)
                    .infer(input, others)
            }
            Layer::Attention(a) => a.infer(input, others),
            Layer::RmsNorm { d_model } => norm::rms_norm(*d_model, input),
            Layer::RotaryEncoding {
                d_model,
                max_sequence_length,
            } => embedding::rotary(*d_model, *max_sequence_length, input),
            Layer::SwiGlu {
                d_input,
                d_output,
                bias,
            } => linear::swiglu(*d_input, *d_output, *bias, input),
            Layer::Mul => elementwise::mul(input, others),
            Layer::TiedLinear { d_input, d_output } => {
                linear::tied_linear(*d_input, *d_output, input)
            }
            Layer::Experts {
                model,
                count,
                active,
            } => {
                let children = model
                    .evaluate(Some(input))
                    .map_err(|e| LayerError::Nested {
                        model: model.name.clone(),
                        error: Box::new(e),
                    })?;
                experts(*count, *active, LayerEval::of_children(input, &children)?)
            }
            Layer::ClassToken { dim } => embedding::class_token(*dim, input),
            Layer::Block(model) => {
                let children = model
                    .evaluate(Some(input))
                    .map_err(|e| LayerError::Nested {
                        model: model.name.clone(),
                        error: Box::new(e),
                    })?;
                LayerEval::of_children(input, &children)
            }
            Layer::PositionalEncoding {
                d_model,
                max_sequence_size,
            } => embedding::positional_encoding(*d_model, *max_sequence_size, input),
            Layer::PositionEmbedding { seq_len, dim } => {
                embedding::position_embedding(*seq_len, *dim, input)
            }
            Layer::GaussianNoise => Ok(LayerEval {
                output: input.clone(),
                params: 0,
                kernels: vec![],
            }),
            Layer::Fold4d {
                output_size,
                kernel,
                stride,
                dilation,
                padding,
            } => reshape::fold4d(output_size, kernel, stride, dilation, padding, input),
            Layer::CosineSimilarity { dim } => distance::cosine_similarity(*dim, input, others),
            Layer::PairwiseDistance { p } => distance::pairwise_distance(*p, input, others),
            Layer::DeformConv2d(d) => conv::deform_conv2d(d, input, others),
            Layer::Reshape { shape } => tensor::reshape(shape, input),
            Layer::Mean { dims, keepdim } => {
                tensor::reduce(tensor::Reduce::Mean, dims, *keepdim, input)
            }
            Layer::Sum { dims, keepdim } => {
                tensor::reduce(tensor::Reduce::Sum, dims, *keepdim, input)
            }
            Layer::Matmul => tensor::matmul(input, others),
            Layer::Custom(c) => tensor::custom(c, input),
            Layer::PRelu { num_parameters } => elementwise::prelu(*num_parameters, input),
            Layer::Glu { dim, activation } => elementwise::glu(*dim, *activation, input),
            Layer::Recurrent(r) => recurrent::recurrent(r, input),
            Layer::PositionWiseFeedForward {
                d_model,
                d_ff,
                activation,
            } => transformer::position_wise_feed_forward(*d_model, *d_ff, *activation, input),
            Layer::TransformerEncoder(t) => transformer::transformer_encoder(t, input),
            Layer::TransformerDecoder(t) => transformer::transformer_decoder(t, input, others),
        };
        eval.and_then(LayerEval::checked)
    }
}
