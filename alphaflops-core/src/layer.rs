//! The layer catalog: shape inference and counts (params, MACs, FLOPs) per layer.
//!
//! # Counting convention
//! - `macs`: multiply-accumulates of the linear-algebra part (convolutions, dense layers and
//!   attention's matmuls). A convolution costs `N·C_out·H_out·W_out·(C_in/groups)·K1·K2` MACs.
//! - `flops`: `2·macs` plus the element-wise work listed below. Bias additions are not
//!   counted (they fuse into the accumulator, as in the paper's reference code).
//! - `params`: trainable parameters (weights, biases, norm affines, embeddings); running
//!   statistics of batch norm are buffers, not parameters (torchvision's convention).
//!
//! | op | FLOPs per output element (MACs = 0) |
//! |---|---|
//! | relu | 1 |
//! | relu6 | 2 |
//! | sigmoid | 4 |
//! | tanh, silu, softmax | 5 |
//! | gelu | 8 |
//! | batch norm (inference, folded into scale and shift) | 2 |
//! | layer norm, group norm | 5 |
//! | max/avg pool | K1·K2 (avg: +1 for the division) |
//! | adaptive avg pool | input elements + output elements |
//! | residual add, position embedding | 1 |
//!
//! Dropout (at inference), flatten, transpose and select cost nothing and launch nothing.
//!
//! Output shapes follow PyTorch's documented rules (`torch.nn.Conv2d`, `MaxPool2d`,
//! `ConvTranspose2d`, …) with `ceil_mode = false` unless asked.

use serde::{Deserialize, Serialize};

use crate::alpha::AlphaInput;
pub use crate::kernel::{Elementwise, Gemm, Kernel};
use crate::shape::{Shape, product, sum};

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
        /// "height", "width" or "length".
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

/// How a convolution pads its input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding.
    Valid,
    /// Output size equals input size; stride must be 1 (PyTorch's rule). The total padding
    /// `dilation·(kernel − 1)` is split with the smaller half first.
    Same,
    /// `(before, after)` per spatial dimension.
    Explicit(Vec<(u64, u64)>),
}

impl Padding {
    /// Symmetric padding of `p[i]` on both sides of each spatial dimension.
    pub fn symmetric(p: &[u64]) -> Self {
        Padding::Explicit(p.iter().map(|&v| (v, v)).collect())
    }
}

/// Convolution (1-d or 2-d by the length of `kernel`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conv {
    pub in_channels: u64,
    pub out_channels: u64,
    pub kernel: Vec<u64>,
    pub stride: Vec<u64>,
    pub padding: Padding,
    pub dilation: Vec<u64>,
    pub groups: u64,
    pub bias: bool,
}

impl Conv {
    /// A convolution with stride 1, no padding, dilation 1, one group and a bias.
    pub fn new(in_channels: u64, out_channels: u64, kernel: &[u64]) -> Self {
        let ones = vec![1; kernel.len()];
        Conv {
            in_channels,
            out_channels,
            kernel: kernel.to_vec(),
            stride: ones.clone(),
            padding: Padding::Valid,
            dilation: ones,
            groups: 1,
            bias: true,
        }
    }
    pub fn stride(mut self, stride: &[u64]) -> Self {
        self.stride = stride.to_vec();
        self
    }
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }
    pub fn dilation(mut self, dilation: &[u64]) -> Self {
        self.dilation = dilation.to_vec();
        self
    }
    pub fn groups(mut self, groups: u64) -> Self {
        self.groups = groups;
        self
    }
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
}

/// Transposed 2-d convolution (PyTorch's `ConvTranspose2d`, symmetric padding).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvTranspose {
    pub in_channels: u64,
    pub out_channels: u64,
    pub kernel: Vec<u64>,
    pub stride: Vec<u64>,
    pub padding: Vec<u64>,
    pub output_padding: Vec<u64>,
    pub dilation: Vec<u64>,
    pub groups: u64,
    pub bias: bool,
}

/// Max or average pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    Max,
    Avg,
}

/// Pooling (1-d or 2-d by the length of `kernel`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub kind: PoolKind,
    pub kernel: Vec<u64>,
    /// PyTorch's default is the kernel size.
    pub stride: Vec<u64>,
    pub padding: Vec<u64>,
    pub dilation: Vec<u64>,
    pub ceil_mode: bool,
}

impl Pool {
    /// Pooling with stride = kernel, no padding, as PyTorch's defaults.
    pub fn new(kind: PoolKind, kernel: &[u64]) -> Self {
        Pool {
            kind,
            kernel: kernel.to_vec(),
            stride: kernel.to_vec(),
            padding: vec![0; kernel.len()],
            dilation: vec![1; kernel.len()],
            ceil_mode: false,
        }
    }
    pub fn stride(mut self, stride: &[u64]) -> Self {
        self.stride = stride.to_vec();
        self
    }
    pub fn padding(mut self, padding: &[u64]) -> Self {
        self.padding = padding.to_vec();
        self
    }
}

/// Parameter-free element-wise functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    Relu6,
    Gelu,
    Silu,
    Sigmoid,
    Tanh,
}

impl Activation {
    /// FLOPs per element (see the module table).
    pub fn flops_per_element(self) -> u64 {
        match self {
            Activation::Relu => 1,
            Activation::Relu6 => 2,
            Activation::Sigmoid => 4,
            Activation::Tanh | Activation::Silu => 5,
            Activation::Gelu => 8,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Relu6 => "relu6",
            Activation::Gelu => "gelu",
            Activation::Silu => "silu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
        }
    }
}

/// One entry of the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// `conv1d`/`conv2d`, input `[N, C, L]` or `[N, C, H, W]`.
    Conv(Conv),
    /// `conv_transpose2d`, input `[N, C, H, W]`.
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
    /// `adaptive_avg_pool2d` (or 1d) to a fixed output size.
    AdaptiveAvgPool {
        output: Vec<u64>,
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
    Activation(Activation),
    /// Softmax along `dim` (5 FLOPs per element: max, subtract, exp, sum, divide).
    Softmax {
        dim: i64,
    },
    /// Dropout: the identity at inference.
    Dropout,
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
    /// A nested model (an annotated sub-module), run on whatever flows into it; its own
    /// `input` is ignored. Priced as the sum of its nodes, listed under it in reports.
    Block(Box<crate::model::Model>),
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

fn nonzero(value: u64, what: &str) -> Result<u64, LayerError> {
    if value == 0 {
        Err(LayerError::Zero(what.to_string()))
    } else {
        Ok(value)
    }
}

fn twice(macs: u64) -> Result<u64, LayerError> {
    macs.checked_mul(2)
        .ok_or_else(|| LayerError::Overflow("the FLOP count".into()))
}

/// A kernel with a matmul structure: FLOPs = 2·MACs + `extra_flops`.
fn matmul_kernel(
    macs: u64,
    extra_flops: u64,
    alpha: AlphaInput,
    gemm: Gemm,
    moved: &[u64],
) -> Result<Kernel, LayerError> {
    Ok(Kernel {
        macs,
        flops: sum(&[twice(macs)?, extra_flops], "the FLOP count")?,
        alpha: Some(alpha),
        elements_moved: sum(moved, "the elements moved")?,
        unfolded_elements: None,
        gemm: Some(gemm),
        elementwise: None,
    })
}

/// An element-wise kernel of class `class`: no MACs, α = 1.
fn elementwise_kernel(class: Elementwise, flops: u64, moved: &[u64]) -> Result<Kernel, LayerError> {
    Ok(Kernel {
        macs: 0,
        flops,
        alpha: None,
        elements_moved: sum(moved, "the elements moved")?,
        unfolded_elements: None,
        gemm: None,
        elementwise: Some(class),
    })
}

/// Checks a per-spatial-dimension list has `dims` entries, each at least `min`.
fn per_dim(values: &[u64], dims: usize, what: &str, min: u64) -> Result<(), LayerError> {
    if values.len() != dims {
        return Err(LayerError::Invalid(format!(
            "{what} has {} values but the kernel has {dims} dimensions",
            values.len()
        )));
    }
    if min > 0 && values.iter().any(|&v| v < min) {
        return Err(LayerError::Zero(what.to_string()));
    }
    Ok(())
}

/// The name of spatial dimension `dim` of a `dims`-d layer, for messages.
fn axis(dim: usize, dims: usize) -> &'static str {
    match (dims, dim) {
        (1, _) => "length",
        (_, 0) => "height",
        _ => "width",
    }
}

/// Output length of a sliding window (PyTorch's formula); errors when the window cannot fit.
fn window_out(
    axis: &'static str,
    input: u64,
    pad: (u64, u64),
    kernel: u64,
    stride: u64,
    dilation: u64,
    ceil: bool,
) -> Result<u64, LayerError> {
    let overflow = || LayerError::Overflow("the padded input size".into());
    let padded = input
        .checked_add(pad.0)
        .and_then(|v| v.checked_add(pad.1))
        .ok_or_else(overflow)?;
    let extent = dilation
        .checked_mul(kernel - 1)
        .and_then(|v| v.checked_add(1))
        .ok_or_else(|| LayerError::Overflow("the kernel extent".into()))?;
    if padded < extent {
        return Err(LayerError::KernelTooLarge {
            axis,
            extent,
            padded,
        });
    }
    let span = padded - extent;
    let mut out = span / stride + 1;
    if ceil && span % stride != 0 {
        // PyTorch: the last window must start inside the input or the left padding.
        // `input + pad.0 <= padded`, checked above; a product past u64 is past it too.
        if out
            .checked_mul(stride)
            .is_some_and(|start| start < input + pad.0)
        {
            out += 1;
        }
    }
    Ok(out)
}

fn spatial_op_name(prefix: &str, dims: usize) -> &'static str {
    match (prefix, dims) {
        ("conv", 1) => "conv1d",
        ("conv", _) => "conv2d",
        ("max_pool", 1) => "max_pool1d",
        ("max_pool", _) => "max_pool2d",
        ("avg_pool", 1) => "avg_pool1d",
        (_, _) => "avg_pool2d",
    }
}

/// Splits `[N, C, spatial…]` for a layer that needs `dims` spatial dimensions.
fn split_nc(
    op: &'static str,
    input: &Shape,
    dims: usize,
) -> Result<(u64, u64, Vec<u64>), LayerError> {
    let expected = if dims == 1 {
        "[N, C, L]"
    } else {
        "[N, C, H, W]"
    };
    if input.rank() != dims + 2 {
        return Err(LayerError::Rank {
            op,
            expected,
            got: input.clone(),
        });
    }
    let d = input.dims();
    Ok((d[0], d[1], d[2..].to_vec()))
}

impl Layer {
    /// The op's name in reports and attributes (`conv2d`, `linear`, …).
    pub fn op(&self) -> &'static str {
        match self {
            Layer::Conv(c) => spatial_op_name("conv", c.kernel.len()),
            Layer::ConvTranspose(_) => "conv_transpose2d",
            Layer::Linear { .. } => "linear",
            Layer::Pool(p) => spatial_op_name(
                if p.kind == PoolKind::Max {
                    "max_pool"
                } else {
                    "avg_pool"
                },
                p.kernel.len(),
            ),
            Layer::AdaptiveAvgPool { output } => {
                if output.len() == 1 {
                    "adaptive_avg_pool1d"
                } else {
                    "adaptive_avg_pool2d"
                }
            }
            Layer::BatchNorm { .. } => "batch_norm",
            Layer::LayerNorm { .. } => "layer_norm",
            Layer::GroupNorm { .. } => "group_norm",
            Layer::Activation(a) => a.name(),
            Layer::Softmax { .. } => "softmax",
            Layer::Dropout => "dropout",
            Layer::Flatten { .. } => "flatten",
            Layer::Transpose { .. } => "transpose",
            Layer::Select { .. } => "select",
            Layer::Embedding { .. } => "embedding",
            Layer::Add => "add",
            Layer::Concat { .. } => "concat",
            Layer::MultiHeadAttention { .. } => "multi_head_attention",
            Layer::ClassToken { .. } => "class_token",
            Layer::PositionEmbedding { .. } => "position_embedding",
            Layer::Block(_) => "module",
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
        let takes_others = matches!(self, Layer::Add | Layer::Concat { .. });
        if !takes_others && !others.is_empty() {
            return Err(LayerError::Invalid(format!(
                "{} takes one input, got {}",
                self.op(),
                1 + others.len()
            )));
        }
        let n_in = input.numel()?;
        let eval = match self {
            Layer::Conv(c) => conv(c, input),
            Layer::ConvTranspose(c) => conv_transpose(c, input),
            Layer::Linear {
                d_input,
                d_output,
                bias,
            } => linear(*d_input, *d_output, *bias, input),
            Layer::Pool(p) => pool(p, input),
            Layer::AdaptiveAvgPool { output } => {
                let dims = output.len();
                if !(1..=2).contains(&dims) {
                    return Err(LayerError::Invalid(
                        "adaptive pooling takes 1 or 2 output sizes".into(),
                    ));
                }
                per_dim(output, dims, "output size", 1)?;
                let (n, c, _) = split_nc("adaptive_avg_pool", input, dims)?;
                let mut out = vec![n, c];
                out.extend_from_slice(output);
                let out = Shape(out);
                let n_out = out.numel()?;
                let kernel = elementwise_kernel(
                    Elementwise::Pool,
                    sum(&[n_in, n_out], "the FLOP count")?,
                    &[n_in, n_out],
                )?;
                Ok(LayerEval {
                    output: out,
                    params: 0,
                    kernels: vec![kernel],
                })
            }
            Layer::BatchNorm { num_features } => {
                nonzero(*num_features, "num_features")?;
                channel_check("batch_norm", input, *num_features)?;
                let flops = product(&[2, n_in], "the FLOP count")?;
                let params = product(&[2, *num_features], "the parameter count")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params,
                    kernels: vec![elementwise_kernel(
                        Elementwise::Norm,
                        flops,
                        &[n_in, n_in, params],
                    )?],
                })
            }
            Layer::GroupNorm {
                num_groups,
                num_channels,
            } => {
                nonzero(*num_groups, "num_groups")?;
                nonzero(*num_channels, "num_channels")?;
                if num_channels % num_groups != 0 {
                    return Err(LayerError::Groups {
                        groups: *num_groups,
                        what: "num_channels",
                        channels: *num_channels,
                    });
                }
                channel_check("group_norm", input, *num_channels)?;
                let flops = product(&[5, n_in], "the FLOP count")?;
                let params = product(&[2, *num_channels], "the parameter count")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params,
                    kernels: vec![elementwise_kernel(
                        Elementwise::Norm,
                        flops,
                        &[n_in, n_in, params],
                    )?],
                })
            }
            Layer::LayerNorm { d_model } => {
                nonzero(*d_model, "d_model")?;
                let last = *input.dims().last().unwrap_or(&0);
                if input.rank() < 1 || last != *d_model {
                    return Err(LayerError::Mismatch {
                        op: "layer_norm",
                        what: "features in the last dimension",
                        expected: *d_model,
                        actual: last,
                        got: input.clone(),
                    });
                }
                let flops = product(&[5, n_in], "the FLOP count")?;
                let params = product(&[2, *d_model], "the parameter count")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params,
                    kernels: vec![elementwise_kernel(
                        Elementwise::Norm,
                        flops,
                        &[n_in, n_in, params],
                    )?],
                })
            }
            Layer::Activation(a) => {
                let flops = product(&[a.flops_per_element(), n_in], "the FLOP count")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params: 0,
                    kernels: vec![elementwise_kernel(
                        Elementwise::Activation,
                        flops,
                        &[n_in, n_in],
                    )?],
                })
            }
            Layer::Softmax { dim } => {
                input.axis(*dim)?;
                let flops = product(&[5, n_in], "the FLOP count")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params: 0,
                    kernels: vec![elementwise_kernel(
                        Elementwise::Softmax,
                        flops,
                        &[n_in, n_in],
                    )?],
                })
            }
            Layer::Dropout => Ok(LayerEval {
                output: input.clone(),
                params: 0,
                kernels: vec![],
            }),
            Layer::Flatten { start_dim, end_dim } => {
                let (s, e) = (input.axis(*start_dim)?, input.axis(*end_dim)?);
                if s > e {
                    return Err(LayerError::Invalid(format!(
                        "flatten's start_dim {start_dim} comes after end_dim {end_dim}"
                    )));
                }
                let d = input.dims();
                let mut out = d[..s].to_vec();
                out.push(product(&d[s..=e], "the flattened size")?);
                out.extend_from_slice(&d[e + 1..]);
                Ok(LayerEval {
                    output: Shape(out),
                    params: 0,
                    kernels: vec![],
                })
            }
            Layer::Transpose { dim0, dim1 } => {
                let (a, b) = (input.axis(*dim0)?, input.axis(*dim1)?);
                let mut out = input.0.clone();
                out.swap(a, b);
                Ok(LayerEval {
                    output: Shape(out),
                    params: 0,
                    kernels: vec![],
                })
            }
            Layer::Select { dim, index } => {
                let axis = input.axis(*dim)?;
                if *index >= input.dims()[axis] {
                    return Err(LayerError::Invalid(format!(
                        "index {index} is out of range for dimension {dim} of size {}",
                        input.dims()[axis]
                    )));
                }
                let mut out = input.0.clone();
                out.remove(axis);
                Ok(LayerEval {
                    output: Shape(out),
                    params: 0,
                    kernels: vec![],
                })
            }
            Layer::Embedding {
                num_embeddings,
                embedding_dim,
            } => {
                nonzero(*num_embeddings, "num_embeddings")?;
                nonzero(*embedding_dim, "embedding_dim")?;
                let mut out = input.0.clone();
                out.push(*embedding_dim);
                let out = Shape(out);
                let n_out = out.numel()?;
                let params = product(&[*num_embeddings, *embedding_dim], "the parameter count")?;
                Ok(LayerEval {
                    output: out,
                    params,
                    kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_in, n_out])?],
                })
            }
            Layer::Add => {
                if others.is_empty() {
                    return Err(LayerError::Invalid("add needs a second input".into()));
                }
                for other in others {
                    if other != input {
                        return Err(LayerError::Invalid(format!(
                            "add needs equal shapes, got {input} and {other}"
                        )));
                    }
                }
                let flops = product(&[others.len() as u64, n_in], "the FLOP count")?;
                let moved = product(&[others.len() as u64 + 2, n_in], "the elements moved")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params: 0,
                    kernels: vec![elementwise_kernel(Elementwise::Binary, flops, &[moved])?],
                })
            }
            Layer::Concat { dim } => {
                if others.is_empty() {
                    return Err(LayerError::Invalid("concat needs a second input".into()));
                }
                let axis = input.axis(*dim)?;
                let mut out = input.0.clone();
                for other in others {
                    let same_elsewhere = other.rank() == input.rank()
                        && other
                            .dims()
                            .iter()
                            .zip(input.dims())
                            .enumerate()
                            .all(|(i, (a, b))| i == axis || a == b);
                    if !same_elsewhere {
                        return Err(LayerError::Invalid(format!(
                            "concat along dimension {dim} needs shapes equal elsewhere, got {input} and {other}"
                        )));
                    }
                    out[axis] = sum(&[out[axis], other.dims()[axis]], "the concatenated size")?;
                }
                let out = Shape(out);
                let n_out = out.numel()?;
                Ok(LayerEval {
                    output: out,
                    params: 0,
                    kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_out, n_out])?],
                })
            }
            Layer::MultiHeadAttention {
                d_model,
                n_heads,
                bias,
            } => attention(*d_model, *n_heads, *bias, input),
            Layer::ClassToken { dim } => {
                let (n, t, d) = sequence("class_token", input, *dim)?;
                let out = Shape(vec![n, sum(&[t, 1], "the sequence length")?, d]);
                let n_out = out.numel()?;
                Ok(LayerEval {
                    output: out,
                    params: d,
                    kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_in, n_out])?],
                })
            }
            Layer::Block(model) => {
                let children = model
                    .evaluate(Some(input))
                    .map_err(|e| LayerError::Nested {
                        model: model.name.clone(),
                        error: Box::new(e),
                    })?;
                LayerEval::of_children(input, &children)
            }
            Layer::PositionEmbedding { seq_len, dim } => {
                nonzero(*seq_len, "seq_len")?;
                let (_, t, d) = sequence("position_embedding", input, *dim)?;
                if t != *seq_len {
                    return Err(LayerError::Mismatch {
                        op: "position_embedding",
                        what: "tokens",
                        expected: *seq_len,
                        actual: t,
                        got: input.clone(),
                    });
                }
                let params = product(&[t, d], "the parameter count")?;
                Ok(LayerEval {
                    output: input.clone(),
                    params,
                    kernels: vec![elementwise_kernel(
                        Elementwise::Binary,
                        n_in,
                        &[n_in, n_in, params],
                    )?],
                })
            }
        };
        eval.and_then(LayerEval::checked)
    }
}

fn channel_check(op: &'static str, input: &Shape, channels: u64) -> Result<(), LayerError> {
    if input.rank() < 2 {
        return Err(LayerError::Rank {
            op,
            expected: "[N, C, …]",
            got: input.clone(),
        });
    }
    if input.dims()[1] != channels {
        return Err(LayerError::Mismatch {
            op,
            what: "channels",
            expected: channels,
            actual: input.dims()[1],
            got: input.clone(),
        });
    }
    Ok(())
}

fn sequence(op: &'static str, input: &Shape, dim: u64) -> Result<(u64, u64, u64), LayerError> {
    nonzero(dim, "dim")?;
    if input.rank() != 3 {
        return Err(LayerError::Rank {
            op,
            expected: "[N, T, D]",
            got: input.clone(),
        });
    }
    let d = input.dims();
    if d[2] != dim {
        return Err(LayerError::Mismatch {
            op,
            what: "features",
            expected: dim,
            actual: d[2],
            got: input.clone(),
        });
    }
    Ok((d[0], d[1], d[2]))
}

fn check_channels_groups(
    in_channels: u64,
    out_channels: u64,
    groups: u64,
) -> Result<(), LayerError> {
    nonzero(in_channels, "in_channels")?;
    nonzero(out_channels, "out_channels")?;
    nonzero(groups, "groups")?;
    if !in_channels.is_multiple_of(groups) {
        return Err(LayerError::Groups {
            groups,
            what: "in_channels",
            channels: in_channels,
        });
    }
    if !out_channels.is_multiple_of(groups) {
        return Err(LayerError::Groups {
            groups,
            what: "out_channels",
            channels: out_channels,
        });
    }
    Ok(())
}

fn conv(c: &Conv, input: &Shape) -> Result<LayerEval, LayerError> {
    let dims = c.kernel.len();
    if !(1..=2).contains(&dims) {
        return Err(LayerError::Invalid(format!(
            "a convolution kernel has 1 or 2 dimensions, got {dims}"
        )));
    }
    let op = spatial_op_name("conv", dims);
    check_channels_groups(c.in_channels, c.out_channels, c.groups)?;
    per_dim(&c.kernel, dims, "kernel_size", 1)?;
    per_dim(&c.stride, dims, "stride", 1)?;
    per_dim(&c.dilation, dims, "dilation", 1)?;
    let (n, cin, spatial) = split_nc(op, input, dims)?;
    if cin != c.in_channels {
        return Err(LayerError::Mismatch {
            op,
            what: "input channels",
            expected: c.in_channels,
            actual: cin,
            got: input.clone(),
        });
    }
    let pads: Vec<(u64, u64)> = match &c.padding {
        Padding::Valid => vec![(0, 0); dims],
        Padding::Same => {
            if c.stride.iter().any(|&s| s != 1) {
                return Err(LayerError::Invalid(
                    "padding \"same\" needs stride 1 (PyTorch's rule)".into(),
                ));
            }
            c.kernel
                .iter()
                .zip(&c.dilation)
                .map(|(&k, &d)| {
                    let total = d
                        .checked_mul(k - 1)
                        .ok_or_else(|| LayerError::Overflow("the padding".into()))?;
                    Ok((total / 2, total - total / 2))
                })
                .collect::<Result<_, LayerError>>()?
        }
        Padding::Explicit(p) => {
            if p.len() != dims {
                return Err(LayerError::Invalid(format!(
                    "padding has {} values but the kernel has {dims} dimensions",
                    p.len()
                )));
            }
            p.clone()
        }
    };
    let mut out_spatial = Vec::with_capacity(dims);
    for i in 0..dims {
        out_spatial.push(window_out(
            axis(i, dims),
            spatial[i],
            pads[i],
            c.kernel[i],
            c.stride[i],
            c.dilation[i],
            false,
        )?);
    }
    let mut out = vec![n, c.out_channels];
    out.extend_from_slice(&out_spatial);
    let out = Shape(out);
    let kernel_area = product(&c.kernel, "the kernel area")?;
    let cin_per_group = c.in_channels / c.groups;
    let weights = product(
        &[c.out_channels, cin_per_group, kernel_area],
        "the parameter count",
    )?;
    let params = sum(
        &[weights, if c.bias { c.out_channels } else { 0 }],
        "the parameter count",
    )?;
    let n_out = out.numel()?;
    let macs = product(&[n_out, cin_per_group, kernel_area], "the MAC count")?;
    let s = product(&[n, product(&out_spatial, "the output size")?], "S")?;
    let gemm = Gemm {
        batch: c.groups,
        m: s,
        n: c.out_channels / c.groups,
        k: product(&[cin_per_group, kernel_area], "the GEMM's depth")?,
    };
    let mut kernel = matmul_kernel(
        macs,
        0,
        AlphaInput::conv(kernel_area, s),
        gemm,
        &[input.numel()?, n_out, params],
    )?;
    // im2col: one column of c_in/groups · K1·K2 elements per output position and group.
    // Left out (None) rather than failing the layer if it overflows.
    kernel.unfolded_elements = product(&[s, c.in_channels, kernel_area], "the unfolded input").ok();
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![kernel],
    })
}

fn conv_transpose(c: &ConvTranspose, input: &Shape) -> Result<LayerEval, LayerError> {
    let dims = c.kernel.len();
    if dims != 2 {
        return Err(LayerError::Invalid(format!(
            "conv_transpose2d has a 2-d kernel, got {dims} values"
        )));
    }
    check_channels_groups(c.in_channels, c.out_channels, c.groups)?;
    per_dim(&c.kernel, dims, "kernel_size", 1)?;
    per_dim(&c.stride, dims, "stride", 1)?;
    per_dim(&c.dilation, dims, "dilation", 1)?;
    per_dim(&c.padding, dims, "padding", 0)?;
    per_dim(&c.output_padding, dims, "output_padding", 0)?;
    let (n, cin, spatial) = split_nc("conv_transpose2d", input, dims)?;
    if cin != c.in_channels {
        return Err(LayerError::Mismatch {
            op: "conv_transpose2d",
            what: "input channels",
            expected: c.in_channels,
            actual: cin,
            got: input.clone(),
        });
    }
    let mut out_spatial = Vec::with_capacity(dims);
    for i in 0..dims {
        if c.output_padding[i] >= c.stride[i].max(c.dilation[i]) {
            return Err(LayerError::Invalid(format!(
                "output_padding {} must be smaller than stride or dilation along the {} (PyTorch's rule)",
                c.output_padding[i],
                axis(i, dims)
            )));
        }
        // (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1
        let grown = product(&[spatial[i] - 1, c.stride[i]], "the output size")?;
        let extent = product(&[c.dilation[i], c.kernel[i] - 1], "the output size")?;
        let total = sum(&[grown, extent, c.output_padding[i], 1], "the output size")?;
        let cut = product(&[2, c.padding[i]], "the padding")?;
        if total <= cut {
            return Err(LayerError::EmptyOutput {
                axis: axis(i, dims),
            });
        }
        out_spatial.push(total - cut);
    }
    let mut out = vec![n, c.out_channels];
    out.extend_from_slice(&out_spatial);
    let out = Shape(out);
    let kernel_area = product(&c.kernel, "the kernel area")?;
    let cout_per_group = c.out_channels / c.groups;
    let weights = product(
        &[c.in_channels, cout_per_group, kernel_area],
        "the parameter count",
    )?;
    let params = sum(
        &[weights, if c.bias { c.out_channels } else { 0 }],
        "the parameter count",
    )?;
    let n_in = input.numel()?;
    // Every input element scatters into a K1·K2 window of every output channel of its group.
    let macs = product(&[n_in, cout_per_group, kernel_area], "the MAC count")?;
    let s = product(&[n, product(&out_spatial, "the output size")?], "S")?;
    // Scattered as a GEMM over input positions: each writes c_out/groups · K1·K2 values.
    let gemm = Gemm {
        batch: c.groups,
        m: n_in / c.in_channels,
        n: product(&[cout_per_group, kernel_area], "the GEMM's width")?,
        k: c.in_channels / c.groups,
    };
    let kernel = matmul_kernel(
        macs,
        0,
        AlphaInput::conv(kernel_area, s),
        gemm,
        &[n_in, out.numel()?, params],
    )?;
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![kernel],
    })
}

fn linear(d_input: u64, d_output: u64, bias: bool, input: &Shape) -> Result<LayerEval, LayerError> {
    nonzero(d_input, "d_input")?;
    nonzero(d_output, "d_output")?;
    if input.rank() == 0 {
        return Err(LayerError::Rank {
            op: "linear",
            expected: "[…, d_input]",
            got: input.clone(),
        });
    }
    let d = input.dims();
    let last = d[d.len() - 1];
    let leading: Vec<u64> = if last == d_input {
        d[..d.len() - 1].to_vec()
    } else if d.len() >= 3 && product(&d[1..], "the flattened size")? == d_input {
        vec![d[0]]
    } else {
        let flattened = if d.len() >= 3 {
            Some(product(&d[1..], "the flattened size")?)
        } else {
            None
        };
        return Err(LayerError::Features {
            d_input,
            last,
            flattened,
            got: input.clone(),
        });
    };
    let rows = product(&leading, "the number of rows")?;
    let mut out = leading;
    out.push(d_output);
    let out = Shape(out);
    let weights = product(&[d_input, d_output], "the parameter count")?;
    let params = sum(
        &[weights, if bias { d_output } else { 0 }],
        "the parameter count",
    )?;
    let macs = product(&[rows, d_input, d_output], "the MAC count")?;
    let mut kernel = matmul_kernel(
        macs,
        0,
        AlphaInput::matmul(rows),
        Gemm {
            batch: 1,
            m: rows,
            n: d_output,
            k: d_input,
        },
        &[input.numel()?, out.numel()?, params],
    )?;
    // The GEMM reads the input as it is: what a 1×1 convolution unfolds to.
    kernel.unfolded_elements = Some(input.numel()?);
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![kernel],
    })
}

fn pool(p: &Pool, input: &Shape) -> Result<LayerEval, LayerError> {
    let dims = p.kernel.len();
    if !(1..=2).contains(&dims) {
        return Err(LayerError::Invalid(format!(
            "a pooling kernel has 1 or 2 dimensions, got {dims}"
        )));
    }
    let op = spatial_op_name(
        if p.kind == PoolKind::Max {
            "max_pool"
        } else {
            "avg_pool"
        },
        dims,
    );
    per_dim(&p.kernel, dims, "kernel_size", 1)?;
    per_dim(&p.stride, dims, "stride", 1)?;
    per_dim(&p.dilation, dims, "dilation", 1)?;
    per_dim(&p.padding, dims, "padding", 0)?;
    for i in 0..dims {
        if p.padding[i] > p.kernel[i] / 2 {
            return Err(LayerError::Invalid(format!(
                "padding {} is more than half the kernel size {} (PyTorch's rule)",
                p.padding[i], p.kernel[i]
            )));
        }
    }
    let (n, c, spatial) = split_nc(op, input, dims)?;
    let mut out = vec![n, c];
    for i in 0..dims {
        out.push(window_out(
            axis(i, dims),
            spatial[i],
            (p.padding[i], p.padding[i]),
            p.kernel[i],
            p.stride[i],
            p.dilation[i],
            p.ceil_mode,
        )?);
    }
    let out = Shape(out);
    let n_out = out.numel()?;
    let area = product(&p.kernel, "the kernel area")?;
    let per_output = if p.kind == PoolKind::Avg {
        sum(&[area, 1], "the FLOP count")?
    } else {
        area
    };
    let flops = product(&[n_out, per_output], "the FLOP count")?;
    let kernel = elementwise_kernel(Elementwise::Pool, flops, &[input.numel()?, n_out])?;
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![kernel],
    })
}

fn attention(
    d_model: u64,
    n_heads: u64,
    bias: bool,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    nonzero(n_heads, "n_heads")?;
    let (n, t, d) = sequence("multi_head_attention", input, d_model)?;
    if d % n_heads != 0 {
        return Err(LayerError::Invalid(format!(
            "n_heads = {n_heads} does not divide d_model = {d}"
        )));
    }
    let head_dim = d / n_heads;
    let rows = product(&[n, t], "the number of tokens")?;
    let n_in = input.numel()?;
    let scores = product(&[n, n_heads, t, t], "the attention scores")?;
    let batch_rows = product(&[n, n_heads, t], "the attention rows")?;
    let heads = product(&[n, n_heads], "the attention heads")?;
    let proj_weights = product(&[d, d], "the parameter count")?;
    let proj_params = sum(
        &[proj_weights, if bias { d } else { 0 }],
        "the parameter count",
    )?;
    let qkv_out = product(&[3, n_in], "the elements moved")?;
    let qkv_params = product(&[3, proj_params], "the parameter count")?;
    let kernels = vec![
        // Q, K, V projections: one [N·T, D] × [D, 3D] matmul.
        matmul_kernel(
            product(&[rows, d, 3 * d], "the MAC count")?,
            0,
            AlphaInput::matmul(rows),
            Gemm {
                batch: 1,
                m: rows,
                n: 3 * d,
                k: d,
            },
            &[n_in, qkv_out, qkv_params],
        )?,
        // QKᵀ per head, scaled by 1/√d_head (one FLOP per score).
        matmul_kernel(
            product(&[scores, head_dim], "the MAC count")?,
            scores,
            AlphaInput::matmul(batch_rows),
            Gemm {
                batch: heads,
                m: t,
                n: t,
                k: head_dim,
            },
            &[2 * n_in, scores],
        )?,
        elementwise_kernel(
            Elementwise::Softmax,
            product(&[5, scores], "the FLOP count")?,
            &[scores, scores],
        )?,
        // AV per head.
        matmul_kernel(
            product(&[scores, head_dim], "the MAC count")?,
            0,
            AlphaInput::matmul(batch_rows),
            Gemm {
                batch: heads,
                m: t,
                n: head_dim,
                k: t,
            },
            &[scores, n_in, n_in],
        )?,
        // Output projection.
        matmul_kernel(
            product(&[rows, d, d], "the MAC count")?,
            0,
            AlphaInput::matmul(rows),
            Gemm {
                batch: 1,
                m: rows,
                n: d,
                k: d,
            },
            &[n_in, n_in, proj_params],
        )?,
    ];
    let params = product(&[4, proj_params], "the parameter count")?;
    Ok(LayerEval {
        output: input.clone(),
        params,
        kernels,
    })
}
