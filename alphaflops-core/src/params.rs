//! The trainable parameter tensors each layer allocates, by name and shape: what
//! `alphaflops::verify` compares with the weights a framework actually holds.
//!
//! Shapes are in **PyTorch's layout**:
//!
//! | layer | tensors |
//! | --- | --- |
//! | `conv1d`/`conv2d`/`conv3d` | `weight [out, in/groups, k…]`, `bias [out]` |
//! | `conv_transpose1d`/`2d`/`3d` | `weight [in, out/groups, k…]`, `bias [out]` |
//! | `linear` | `weight [d_output, d_input]`, `bias [d_output]` |
//! | `batch_norm`, `group_norm` | `weight [C]`, `bias [C]` (running statistics are buffers) |
//! | `layer_norm` | `weight [D]`, `bias [D]` (burn calls them `gamma` and `beta`) |
//! | `embedding` | `weight [num_embeddings, embedding_dim]` |
//! | `multi_head_attention` | burn's four projections: `query`, `key`, `value` and `output`, each `.weight [D, D]` and `.bias [D]` |
//! | `class_token` | `weight [1, 1, D]` |
//! | `position_embedding` | `weight [1, seq_len, D]` |
//! | `prelu` | `weight [num_parameters]` (burn calls it `alpha`) |
//! | `position_wise_feed_forward` | `linear_inner.weight [d_ff, D]`, `.bias [d_ff]`, `linear_outer.weight [D, d_ff]`, `.bias [D]` |
//! | `transformer_decoder` | burn's `layers.{i}`: `cross_attn` and `self_attn` (as `multi_head_attention`), `pwff`, `norm_1` to `norm_3` |
//! | `transformer_encoder` | burn's `layers.{i}`: `mha` (as `multi_head_attention`), `pwff`, `norm_1` and `norm_2` (`weight [D]`, `bias [D]`) |
//! | `lstm`, `bilstm`, `gru` | burn's gates (`input_gate`, …, under `forward`/`reverse` when bidirectional), each `input_transform` and `hidden_transform` with `.weight [d_hidden, ·]` and `.bias [d_hidden]` |
//! | a nested block | its nodes' tensors, named `<node>.<tensor>` |
//!
//! Biases are listed only when the layer has one (`bias = false` drops them). Every other
//! layer has no parameters. The element counts always add up to [`LayerEval::params`], but
//! for `custom`, whose `params` are a count without tensors (`verify` compares the count).
//!
//! [`LayerEval::params`]: crate::LayerEval::params

use crate::layer::{Layer, LayerError};
use crate::model::{Model, ModelError};
use crate::shape::Shape;

/// A parameter tensor: its name within the layer and its shape.
pub type ParamShape = (String, Vec<u64>);

/// The parameters of one leaf node of a model (a layer that is not a nested block).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeParams {
    /// The node's dotted path: a nested block's name joined with its nodes' names
    /// (`encoder.fc1`), the same path a framework gives the weights of that field.
    pub path: String,
    /// The layer's op (`linear`, `conv2d`, …).
    pub op: &'static str,
    /// The tensors it allocates, in PyTorch's layout.
    pub params: Vec<ParamShape>,
    /// Its parameter count as pricing counts it (the sum of the tensors' elements).
    pub count: u64,
}

fn tensor(name: &str, dims: Vec<u64>) -> ParamShape {
    (name.to_string(), dims)
}

/// burn's `PositionWiseFeedForward` under `prefix`: its two linears, each with a bias.
fn feed_forward(prefix: &str, d_model: u64, d_ff: u64) -> Vec<ParamShape> {
    vec![
        tensor(&format!("{prefix}linear_inner.weight"), vec![d_ff, d_model]),
        tensor(&format!("{prefix}linear_inner.bias"), vec![d_ff]),
        tensor(&format!("{prefix}linear_outer.weight"), vec![d_model, d_ff]),
        tensor(&format!("{prefix}linear_outer.bias"), vec![d_model]),
    ]
}

fn divide(value: u64, groups: u64) -> Result<u64, LayerError> {
    value
        .checked_div(groups)
        .ok_or_else(|| LayerError::Zero("groups".into()))
}

impl Layer {
    /// The trainable parameter tensors this layer allocates when it reads `input`, in
    /// PyTorch's layout (see the [module docs](crate::params)).
    ///
    /// Layers with parameters are checked against `input` as [`Layer::infer`] checks them, so
    /// an annotation that cannot be priced cannot be listed either. A nested block lists its
    /// nodes' tensors as `<node>.<tensor>`.
    pub fn param_shapes(&self, input: &Shape) -> Result<Vec<ParamShape>, LayerError> {
        let has_params = !matches!(
            self,
            Layer::Pool(_)
                | Layer::AdaptiveAvgPool { .. }
                | Layer::Interpolate { .. }
                | Layer::PositionalEncoding { .. }
                | Layer::LocalResponseNorm { .. }
                | Layer::Activation(_)
                | Layer::Softmax { .. }
                | Layer::Dropout
                | Layer::Identity
                | Layer::PixelShuffle { .. }
                | Layer::PixelUnshuffle { .. }
                | Layer::Unfold4d { .. }
                | Layer::Flatten { .. }
                | Layer::Transpose { .. }
                | Layer::Select { .. }
                | Layer::Add
                | Layer::Concat { .. }
                | Layer::Mul
                | Layer::TiedLinear { .. }
                | Layer::RotaryEncoding { .. }
                | Layer::GaussianNoise
                | Layer::Fold4d { .. }
                | Layer::CosineSimilarity { .. }
                | Layer::PairwiseDistance { .. }
                | Layer::Reshape { .. }
                | Layer::Mean { .. }
                | Layer::Sum { .. }
                | Layer::Matmul
                | Layer::Glu { .. }
        );
        if !has_params {
            return Ok(Vec::new());
        }
        if let Layer::Block(model) = self {
            let leaves = model
                .leaf_params(Some(input))
                .map_err(|e| LayerError::Nested {
                    model: model.name.clone(),
                    error: Box::new(e),
                })?;
            return Ok(leaves
                .into_iter()
                .flat_map(|leaf| {
                    let path = leaf.path;
                    leaf.params
                        .into_iter()
                        .map(move |(name, dims)| (format!("{path}.{name}"), dims))
                })
                .collect());
        }
        if let Layer::Experts { model, count, .. } = self {
            // Each expert is one copy of the block, indexed as a `Vec` of modules is.
            let one = Layer::Block(model.clone()).param_shapes(input)?;
            return Ok((0..*count)
                .flat_map(|i| {
                    one.iter()
                        .map(move |(name, dims)| (format!("{i}.{name}"), dims.clone()))
                })
                .collect());
        }
        // Validates the annotation against its input exactly as pricing does (a deformable
        // convolution's weights are its convolution's, whatever its offsets); a decoder's
        // parameters do not depend on its memory's length, so the target stands in for it.
        match self {
            Layer::DeformConv2d(d) => Layer::Conv(d.conv.clone()).infer(input)?,
            Layer::TransformerDecoder(_) => self.infer_with(input, std::slice::from_ref(input))?,
            layer => layer.infer(input)?,
        };
        let with_bias = |mut v: Vec<ParamShape>, bias: bool, n: u64| {
            if bias {
                v.push(tensor("bias", vec![n]));
            }
            v
        };
        Ok(match self {
            Layer::Conv(c) => {
                let mut weight = vec![c.out_channels, divide(c.in_channels, c.groups)?];
                weight.extend_from_slice(&c.kernel);
                with_bias(vec![tensor("weight", weight)], c.bias, c.out_channels)
            }
            Layer::DeformConv2d(d) => {
                let c = &d.conv;
                let mut weight = vec![c.out_channels, divide(c.in_channels, c.groups)?];
                weight.extend_from_slice(&c.kernel);
                with_bias(vec![tensor("weight", weight)], c.bias, c.out_channels)
            }
            Layer::ConvTranspose(c) => {
                let mut weight = vec![c.in_channels, divide(c.out_channels, c.groups)?];
                weight.extend_from_slice(&c.kernel);
                with_bias(vec![tensor("weight", weight)], c.bias, c.out_channels)
            }
            Layer::Linear {
                d_input,
                d_output,
                bias,
            } => with_bias(
                vec![tensor("weight", vec![*d_output, *d_input])],
                *bias,
                *d_output,
            ),
            Layer::BatchNorm { num_features: c }
            | Layer::GroupNorm {
                num_channels: c, ..
            }
            | Layer::LayerNorm { d_model: c } => {
                vec![tensor("weight", vec![*c]), tensor("bias", vec![*c])]
            }
            Layer::InstanceNorm {
                num_channels: c,
                affine,
            } => match affine {
                true => vec![tensor("weight", vec![*c]), tensor("bias", vec![*c])],
                false => Vec::new(),
            },
            Layer::Embedding {
                num_embeddings,
                embedding_dim,
            } => vec![tensor("weight", vec![*num_embeddings, *embedding_dim])],
            Layer::MultiHeadAttention { d_model, bias, .. } => {
                let mut v = Vec::new();
                for proj in ["query", "key", "value", "output"] {
                    v.push(tensor(&format!("{proj}.weight"), vec![*d_model, *d_model]));
                    if *bias {
                        v.push(tensor(&format!("{proj}.bias"), vec![*d_model]));
                    }
                }
                v
            }
            Layer::Attention(a) => {
                let q = a.n_heads * a.d_head;
                let kv = a.n_heads_kv * a.d_head;
                let kv_in = a.d_context.unwrap_or(a.d_model);
                let mut v = Vec::new();
                for (proj, out, inp) in [
                    ("query", q, a.d_model),
                    ("key", kv, kv_in),
                    ("value", kv, kv_in),
                    ("output", a.d_model, q),
                ] {
                    v.push(tensor(&format!("{proj}.weight"), vec![out, inp]));
                    if a.bias {
                        v.push(tensor(&format!("{proj}.bias"), vec![out]));
                    }
                }
                v
            }
            Layer::RmsNorm { d_model } => vec![tensor("weight", vec![*d_model])],
            Layer::SwiGlu {
                d_input,
                d_output,
                bias,
            } => {
                let mut v = Vec::new();
                for proj in ["linear_inner", "linear_outer"] {
                    v.push(tensor(&format!("{proj}.weight"), vec![*d_output, *d_input]));
                    if *bias {
                        v.push(tensor(&format!("{proj}.bias"), vec![*d_output]));
                    }
                }
                v
            }
            Layer::ClassToken { dim } => vec![tensor("weight", vec![1, 1, *dim])],
            Layer::PositionEmbedding { seq_len, dim } => {
                vec![tensor("weight", vec![1, *seq_len, *dim])]
            }
            Layer::Recurrent(r) => {
                // burn's layout: each gate an input and a hidden transform, under each
                // direction of a bidirectional layer.
                let mut v = Vec::new();
                for dir in r.directions() {
                    let dir = if dir.is_empty() {
                        String::new()
                    } else {
                        format!("{dir}.")
                    };
                    for gate in r.gates() {
                        for (transform, d_in) in [
                            ("input_transform", r.d_input),
                            ("hidden_transform", r.d_hidden),
                        ] {
                            let name = format!("{dir}{gate}.{transform}");
                            v.push(tensor(&format!("{name}.weight"), vec![r.d_hidden, d_in]));
                            if r.bias {
                                v.push(tensor(&format!("{name}.bias"), vec![r.d_hidden]));
                            }
                        }
                    }
                }
                v
            }
            Layer::PositionWiseFeedForward { d_model, d_ff, .. } => {
                feed_forward("", *d_model, *d_ff)
            }
            Layer::TransformerEncoder(t) | Layer::TransformerDecoder(t) => {
                // burn's `layers.{i}`: the encoder's `mha`, the decoder's `cross_attn` and
                // `self_attn`, then `pwff` and the norms (gamma and beta).
                let (attentions, norms): (&[&str], &[&str]) = match self {
                    Layer::TransformerEncoder(_) => (&["mha"], &["norm_1", "norm_2"]),
                    _ => (
                        &["cross_attn", "self_attn"],
                        &["norm_1", "norm_2", "norm_3"],
                    ),
                };
                let mut v = Vec::new();
                for i in 0..t.n_layers {
                    for (attention, proj) in attentions
                        .iter()
                        .flat_map(|a| ["query", "key", "value", "output"].map(|p| (a, p)))
                    {
                        let name = format!("layers.{i}.{attention}.{proj}");
                        v.push(tensor(
                            &format!("{name}.weight"),
                            vec![t.d_model, t.d_model],
                        ));
                        v.push(tensor(&format!("{name}.bias"), vec![t.d_model]));
                    }
                    v.extend(feed_forward(
                        &format!("layers.{i}.pwff."),
                        t.d_model,
                        t.d_ff,
                    ));
                    for norm in norms {
                        v.push(tensor(
                            &format!("layers.{i}.{norm}.weight"),
                            vec![t.d_model],
                        ));
                        v.push(tensor(&format!("layers.{i}.{norm}.bias"), vec![t.d_model]));
                    }
                }
                v
            }
            // burn calls it `alpha`; matched by order.
            Layer::PRelu { num_parameters } => vec![tensor("weight", vec![*num_parameters])],
            // Parameter-free layers and blocks returned above.
            _ => Vec::new(),
        })
    }
}

impl Model {
    /// Every leaf node (nested blocks opened) with the parameter tensors it allocates, in
    /// forward order, on the model's own input. Parameter-free nodes are listed too, with no
    /// tensors: a framework holding weights under such a node's path is a mismatch.
    pub fn node_params(&self) -> Result<Vec<NodeParams>, ModelError> {
        self.leaf_params(None)
    }

    fn leaf_params(&self, input: Option<&Shape>) -> Result<Vec<NodeParams>, ModelError> {
        let evaluated = self.evaluate(input)?;
        let mut out = Vec::new();
        for (index, (node, eval)) in self.nodes.iter().zip(&evaluated).enumerate() {
            let fail = |error: LayerError| ModelError {
                index,
                name: node.name.clone(),
                op: node.layer.op(),
                input: Some(eval.input.clone()),
                error,
            };
            match &node.layer {
                Layer::Block(model) => {
                    let children = model.leaf_params(Some(&eval.input)).map_err(|e| {
                        fail(LayerError::Nested {
                            model: model.name.clone(),
                            error: Box::new(e),
                        })
                    })?;
                    out.extend(children.into_iter().map(|mut c| {
                        c.path = format!("{}.{}", node.name, c.path);
                        c
                    }));
                }
                Layer::Experts { model, count, .. } => {
                    // One copy per expert, indexed as a `Vec` of modules is: `experts.3.…`.
                    let one = model.leaf_params(Some(&eval.input)).map_err(|e| {
                        fail(LayerError::Nested {
                            model: model.name.clone(),
                            error: Box::new(e),
                        })
                    })?;
                    for i in 0..*count {
                        out.extend(one.iter().cloned().map(|mut c| {
                            c.path = format!("{}.{i}.{}", node.name, c.path);
                            c
                        }));
                    }
                }
                layer => out.push(NodeParams {
                    path: node.name.clone(),
                    op: layer.op(),
                    params: layer.param_shapes(&eval.input).map_err(fail)?,
                    count: eval.eval.params,
                }),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Activation, Conv, ConvTranspose, Padding, Pool, PoolKind};
    use proptest::prelude::*;

    fn elements(params: &[ParamShape]) -> u64 {
        params.iter().map(|(_, d)| d.iter().product::<u64>()).sum()
    }

    /// A position per variant: the match has no wildcard, so a new layer kind does not
    /// compile until the table below covers it.
    fn kind(layer: &Layer) -> usize {
        match layer {
            Layer::Conv(_) => 0,
            Layer::ConvTranspose(_) => 1,
            Layer::Linear { .. } => 2,
            Layer::Pool(_) => 3,
            Layer::AdaptiveAvgPool { .. } => 4,
            Layer::BatchNorm { .. } => 5,
            Layer::LayerNorm { .. } => 6,
            Layer::GroupNorm { .. } => 7,
            Layer::Activation(_) => 8,
            Layer::Softmax { .. } => 9,
            Layer::Dropout => 10,
            Layer::Flatten { .. } => 11,
            Layer::Transpose { .. } => 12,
            Layer::Select { .. } => 13,
            Layer::Embedding { .. } => 14,
            Layer::Add => 15,
            Layer::Concat { .. } => 16,
            Layer::MultiHeadAttention { .. } => 17,
            Layer::ClassToken { .. } => 18,
            Layer::PositionEmbedding { .. } => 19,
            Layer::Block(_) => 20,
            Layer::InstanceNorm { .. } => 21,
            Layer::Identity => 22,
            Layer::PixelShuffle { .. } => 23,
            Layer::PixelUnshuffle { .. } => 24,
            Layer::Interpolate { .. } => 25,
            Layer::PositionalEncoding { .. } => 26,
            Layer::Unfold4d { .. } => 27,
            Layer::LocalResponseNorm { .. } => 28,
            Layer::Attention(_) => 29,
            Layer::RmsNorm { .. } => 30,
            Layer::RotaryEncoding { .. } => 31,
            Layer::SwiGlu { .. } => 32,
            Layer::Mul => 33,
            Layer::TiedLinear { .. } => 34,
            Layer::Experts { .. } => 35,
            Layer::GaussianNoise => 36,
            Layer::Fold4d { .. } => 37,
            Layer::CosineSimilarity { .. } => 38,
            Layer::PairwiseDistance { .. } => 39,
            Layer::DeformConv2d(_) => 40,
            Layer::Reshape { .. } => 41,
            Layer::Mean { .. } => 42,
            Layer::Sum { .. } => 43,
            Layer::Matmul => 44,
            Layer::Custom(_) => 45,
            Layer::PRelu { .. } => 46,
            Layer::Glu { .. } => 47,
            Layer::Recurrent(_) => 48,
            Layer::PositionWiseFeedForward { .. } => 49,
            Layer::TransformerEncoder(_) => 50,
            Layer::TransformerDecoder(_) => 51,
        }
    }
    const KINDS: usize = 52;

    fn block() -> Layer {
        let mut m = Model::new("Inner", [1, 8, 6, 6]);
        m.push("conv", Layer::Conv(Conv::new(8, 4, &[3, 3])));
        m.push("bn", Layer::BatchNorm { num_features: 4 });
        m.push("relu", Layer::Activation(Activation::Relu));
        Layer::Block(Box::new(m))
    }

    /// A layer, an input it accepts, and the tensors (name, shape) it should list.
    type Case = (Layer, Shape, Vec<(&'static str, Vec<u64>)>);

    /// Every layer kind with an input it accepts and the tensors it should list.
    fn table() -> Vec<Case> {
        let img = Shape::from([2, 8, 6, 6]);
        let seq = Shape::from([2, 5, 16]);
        vec![
            (
                Layer::Conv(Conv::new(8, 12, &[3, 3]).groups(4)),
                img.clone(),
                vec![("weight", vec![12, 2, 3, 3]), ("bias", vec![12])],
            ),
            (
                Layer::Conv(Conv::new(8, 4, &[3]).bias(false)),
                Shape::from([2, 8, 10]),
                vec![("weight", vec![4, 8, 3])],
            ),
            (
                Layer::ConvTranspose(ConvTranspose {
                    in_channels: 8,
                    out_channels: 6,
                    kernel: vec![2, 3],
                    stride: vec![2, 2],
                    padding: vec![0, 0],
                    output_padding: vec![0, 0],
                    dilation: vec![1, 1],
                    groups: 2,
                    bias: true,
                }),
                img.clone(),
                vec![("weight", vec![8, 3, 2, 3]), ("bias", vec![6])],
            ),
            (
                Layer::Linear {
                    d_input: 16,
                    d_output: 7,
                    bias: true,
                },
                seq.clone(),
                vec![("weight", vec![7, 16]), ("bias", vec![7])],
            ),
            (
                Layer::Linear {
                    d_input: 288,
                    d_output: 3,
                    bias: false,
                },
                img.clone(),
                vec![("weight", vec![3, 288])],
            ),
            (
                Layer::Pool(Pool::new(PoolKind::Max, &[2, 2])),
                img.clone(),
                vec![],
            ),
            (
                Layer::AdaptiveAvgPool { output: vec![1, 1] },
                img.clone(),
                vec![],
            ),
            (
                Layer::BatchNorm { num_features: 8 },
                img.clone(),
                vec![("weight", vec![8]), ("bias", vec![8])],
            ),
            (
                Layer::LayerNorm { d_model: 16 },
                seq.clone(),
                vec![("weight", vec![16]), ("bias", vec![16])],
            ),
            (
                Layer::GroupNorm {
                    num_groups: 2,
                    num_channels: 8,
                },
                img.clone(),
                vec![("weight", vec![8]), ("bias", vec![8])],
            ),
            (
                Layer::InstanceNorm {
                    num_channels: 8,
                    affine: true,
                },
                img.clone(),
                vec![("weight", vec![8]), ("bias", vec![8])],
            ),
            (
                Layer::InstanceNorm {
                    num_channels: 8,
                    affine: false,
                },
                Shape::from([2, 8, 10]),
                vec![],
            ),
            (Layer::Activation(Activation::Gelu), seq.clone(), vec![]),
            (Layer::Softmax { dim: -1 }, seq.clone(), vec![]),
            (Layer::Dropout, seq.clone(), vec![]),
            (Layer::Identity, seq.clone(), vec![]),
            (Layer::GaussianNoise, seq.clone(), vec![]),
            (
                Layer::Fold4d {
                    output_size: vec![4, 4],
                    kernel: vec![2, 2],
                    stride: vec![2, 2],
                    dilation: vec![1, 1],
                    padding: vec![0, 0],
                },
                Shape::from([2, 8, 4]),
                vec![],
            ),
            (Layer::CosineSimilarity { dim: -1 }, seq.clone(), vec![]),
            (Layer::PairwiseDistance { p: 2.0 }, seq.clone(), vec![]),
            (
                Layer::DeformConv2d(crate::layer::DeformConv {
                    conv: Conv::new(8, 6, &[3, 3]).groups(2),
                    offset_groups: 4,
                }),
                img.clone(),
                vec![("weight", vec![6, 4, 3, 3]), ("bias", vec![6])],
            ),
            (Layer::LocalResponseNorm { size: 3 }, img.clone(), vec![]),
            (
                Layer::Unfold4d {
                    kernel: vec![3, 3],
                    stride: vec![1, 1],
                    dilation: vec![1, 1],
                    padding: vec![1, 1],
                },
                img.clone(),
                vec![],
            ),
            (
                Layer::PositionalEncoding {
                    d_model: 16,
                    max_sequence_size: 5000,
                },
                seq.clone(),
                vec![],
            ),
            (
                Layer::Interpolate {
                    resize: crate::layer::Resize::Scale(vec![2.0, 2.0]),
                    mode: crate::layer::InterpolateMode::Linear,
                },
                img.clone(),
                vec![],
            ),
            (
                Layer::PixelShuffle { upscale_factor: 2 },
                img.clone(),
                vec![],
            ),
            (
                Layer::PixelUnshuffle {
                    downscale_factor: 3,
                },
                img.clone(),
                vec![],
            ),
            (
                Layer::Flatten {
                    start_dim: 1,
                    end_dim: -1,
                },
                img.clone(),
                vec![],
            ),
            (Layer::Transpose { dim0: 1, dim1: 2 }, seq.clone(), vec![]),
            (Layer::Select { dim: 1, index: 0 }, seq.clone(), vec![]),
            (
                Layer::Embedding {
                    num_embeddings: 100,
                    embedding_dim: 16,
                },
                Shape::from([2, 5]),
                vec![("weight", vec![100, 16])],
            ),
            (Layer::Add, seq.clone(), vec![]),
            (Layer::Concat { dim: 1 }, seq.clone(), vec![]),
            (
                Layer::MultiHeadAttention {
                    d_model: 16,
                    n_heads: 4,
                    bias: true,
                },
                seq.clone(),
                vec![
                    ("query.weight", vec![16, 16]),
                    ("query.bias", vec![16]),
                    ("key.weight", vec![16, 16]),
                    ("key.bias", vec![16]),
                    ("value.weight", vec![16, 16]),
                    ("value.bias", vec![16]),
                    ("output.weight", vec![16, 16]),
                    ("output.bias", vec![16]),
                ],
            ),
            (
                Layer::MultiHeadAttention {
                    d_model: 16,
                    n_heads: 2,
                    bias: false,
                },
                seq.clone(),
                vec![
                    ("query.weight", vec![16, 16]),
                    ("key.weight", vec![16, 16]),
                    ("value.weight", vec![16, 16]),
                    ("output.weight", vec![16, 16]),
                ],
            ),
            (
                Layer::ClassToken { dim: 16 },
                seq.clone(),
                vec![("weight", vec![1, 1, 16])],
            ),
            (
                Layer::PositionEmbedding {
                    seq_len: 5,
                    dim: 16,
                },
                seq.clone(),
                vec![("weight", vec![1, 5, 16])],
            ),
            (
                block(),
                img.clone(),
                vec![
                    ("conv.weight", vec![4, 8, 3, 3]),
                    ("conv.bias", vec![4]),
                    ("bn.weight", vec![4]),
                    ("bn.bias", vec![4]),
                ],
            ),
            (
                Layer::Attention(
                    crate::layer::Attention::new(16, 4)
                        .n_heads_kv(2)
                        .bias(false)
                        .causal(true),
                ),
                seq.clone(),
                vec![
                    ("query.weight", vec![16, 16]),
                    ("key.weight", vec![8, 16]),
                    ("value.weight", vec![8, 16]),
                    ("output.weight", vec![16, 16]),
                ],
            ),
            (
                Layer::RmsNorm { d_model: 16 },
                seq.clone(),
                vec![("weight", vec![16])],
            ),
            (
                Layer::RotaryEncoding {
                    d_model: 4,
                    max_sequence_length: Some(64),
                },
                seq.clone(),
                vec![],
            ),
            (
                Layer::SwiGlu {
                    d_input: 16,
                    d_output: 32,
                    bias: true,
                },
                seq.clone(),
                vec![
                    ("linear_inner.weight", vec![32, 16]),
                    ("linear_inner.bias", vec![32]),
                    ("linear_outer.weight", vec![32, 16]),
                    ("linear_outer.bias", vec![32]),
                ],
            ),
            (Layer::Mul, seq.clone(), vec![]),
            (
                Layer::TiedLinear {
                    d_input: 16,
                    d_output: 100,
                },
                seq.clone(),
                vec![],
            ),
            (
                Layer::Experts {
                    model: match block() {
                        Layer::Block(m) => m,
                        _ => unreachable!(),
                    },
                    count: 2,
                    active: 1,
                },
                img.clone(),
                vec![
                    ("0.conv.weight", vec![4, 8, 3, 3]),
                    ("0.conv.bias", vec![4]),
                    ("0.bn.weight", vec![4]),
                    ("0.bn.bias", vec![4]),
                    ("1.conv.weight", vec![4, 8, 3, 3]),
                    ("1.conv.bias", vec![4]),
                    ("1.bn.weight", vec![4]),
                    ("1.bn.bias", vec![4]),
                ],
            ),
            (Layer::Reshape { shape: vec![1, -1] }, seq.clone(), vec![]),
            (
                Layer::Mean {
                    dims: vec![1],
                    keepdim: false,
                },
                seq.clone(),
                vec![],
            ),
            (
                Layer::Sum {
                    dims: vec![-1],
                    keepdim: true,
                },
                seq.clone(),
                vec![],
            ),
            (Layer::Matmul, seq.clone(), vec![]),
            (
                Layer::Custom(crate::layer::Custom {
                    macs: 10,
                    flops: None,
                    params: 12,
                    elements: 0,
                    output: None,
                }),
                seq.clone(),
                vec![],
            ),
            (
                Layer::PRelu { num_parameters: 8 },
                img.clone(),
                vec![("weight", vec![8])],
            ),
            (
                Layer::Glu {
                    dim: -1,
                    activation: Some(Activation::Silu),
                },
                seq.clone(),
                vec![],
            ),
            (
                Layer::TransformerDecoder(crate::layer::Transformer {
                    d_model: 16,
                    d_ff: 8,
                    n_heads: 2,
                    n_layers: 1,
                    activation: Some(Activation::Relu),
                }),
                seq.clone(),
                ["cross_attn", "self_attn"]
                    .into_iter()
                    .flat_map(|a| ["query", "key", "value", "output"].map(|p| (a, p)))
                    .flat_map(|(a, p)| {
                        [
                            (format!("layers.0.{a}.{p}.weight"), vec![16, 16]),
                            (format!("layers.0.{a}.{p}.bias"), vec![16]),
                        ]
                    })
                    .chain([
                        ("layers.0.pwff.linear_inner.weight".into(), vec![8, 16]),
                        ("layers.0.pwff.linear_inner.bias".into(), vec![8]),
                        ("layers.0.pwff.linear_outer.weight".into(), vec![16, 8]),
                        ("layers.0.pwff.linear_outer.bias".into(), vec![16]),
                    ])
                    .chain(["norm_1", "norm_2", "norm_3"].into_iter().flat_map(|n| {
                        [
                            (format!("layers.0.{n}.weight"), vec![16]),
                            (format!("layers.0.{n}.bias"), vec![16]),
                        ]
                    }))
                    .map(|(n, d)| (&*n.leak(), d))
                    .collect(),
            ),
            (
                Layer::PositionWiseFeedForward {
                    d_model: 16,
                    d_ff: 32,
                    activation: Some(Activation::Gelu),
                },
                seq.clone(),
                vec![
                    ("linear_inner.weight", vec![32, 16]),
                    ("linear_inner.bias", vec![32]),
                    ("linear_outer.weight", vec![16, 32]),
                    ("linear_outer.bias", vec![16]),
                ],
            ),
            (
                Layer::TransformerEncoder(crate::layer::Transformer {
                    d_model: 16,
                    d_ff: 32,
                    n_heads: 4,
                    n_layers: 1,
                    activation: None,
                }),
                seq.clone(),
                vec![
                    ("layers.0.mha.query.weight", vec![16, 16]),
                    ("layers.0.mha.query.bias", vec![16]),
                    ("layers.0.mha.key.weight", vec![16, 16]),
                    ("layers.0.mha.key.bias", vec![16]),
                    ("layers.0.mha.value.weight", vec![16, 16]),
                    ("layers.0.mha.value.bias", vec![16]),
                    ("layers.0.mha.output.weight", vec![16, 16]),
                    ("layers.0.mha.output.bias", vec![16]),
                    ("layers.0.pwff.linear_inner.weight", vec![32, 16]),
                    ("layers.0.pwff.linear_inner.bias", vec![32]),
                    ("layers.0.pwff.linear_outer.weight", vec![16, 32]),
                    ("layers.0.pwff.linear_outer.bias", vec![16]),
                    ("layers.0.norm_1.weight", vec![16]),
                    ("layers.0.norm_1.bias", vec![16]),
                    ("layers.0.norm_2.weight", vec![16]),
                    ("layers.0.norm_2.bias", vec![16]),
                ],
            ),
            (
                Layer::Recurrent(crate::layer::Recurrent {
                    input_forget: true,
                    ..crate::layer::Recurrent::new(crate::layer::Cell::Lstm, 16, 4)
                }),
                seq.clone(),
                ["input_gate", "output_gate", "cell_gate"]
                    .into_iter()
                    .flat_map(|g| {
                        [
                            (g, "input_transform.weight", vec![4, 16]),
                            (g, "input_transform.bias", vec![4]),
                            (g, "hidden_transform.weight", vec![4, 4]),
                            (g, "hidden_transform.bias", vec![4]),
                        ]
                    })
                    .map(|(g, t, d)| (&*format!("{g}.{t}").leak(), d))
                    .collect(),
            ),
            (
                Layer::Recurrent(crate::layer::Recurrent {
                    bidirectional: true,
                    bias: false,
                    ..crate::layer::Recurrent::new(
                        crate::layer::Cell::Rnn {
                            hidden_activation: Some(Activation::Tanh),
                        },
                        16,
                        4,
                    )
                }),
                seq.clone(),
                vec![
                    ("forward.gate.input_transform.weight", vec![4, 16]),
                    ("forward.gate.hidden_transform.weight", vec![4, 4]),
                    ("reverse.gate.input_transform.weight", vec![4, 16]),
                    ("reverse.gate.hidden_transform.weight", vec![4, 4]),
                ],
            ),
        ]
    }

    #[test]
    fn every_layer_kind_lists_tensors_that_add_up_to_its_params() {
        let mut seen = [false; KINDS];
        let mut offsets: [Shape; 1];
        for (layer, input, expected) in table() {
            seen[kind(&layer)] = true;
            let shapes = layer.param_shapes(&input).unwrap();
            let expected: Vec<ParamShape> = expected
                .into_iter()
                .map(|(n, d)| (n.to_string(), d))
                .collect();
            assert_eq!(shapes, expected, "{}", layer.op());
            // Add and concat need their second input to be inferred; matmul one it can
            // multiply by.
            let right = Shape(vec![input.dims()[0], input.dims()[input.rank() - 1], 3]);
            let others: &[Shape] = match layer {
                Layer::Add
                | Layer::Mul
                | Layer::Concat { .. }
                | Layer::TransformerDecoder(_)
                | Layer::CosineSimilarity { .. }
                | Layer::PairwiseDistance { .. } => std::slice::from_ref(&input),
                Layer::Matmul => std::slice::from_ref(&right),
                Layer::DeformConv2d(_) => {
                    // 2 · 4 offset groups · 3·3 taps at the 4×4 output positions.
                    offsets = [Shape::from([2, 72, 4, 4])];
                    &offsets
                }
                _ => &[],
            };
            let params = layer.infer_with(&input, others).unwrap().params;
            // A custom op's parameters are a count the annotation gives, without tensors.
            let listed = match layer {
                Layer::Custom(_) => params,
                _ => elements(&shapes),
            };
            assert_eq!(listed, params, "{}", layer.op());
        }
        let missing: Vec<usize> = (0..KINDS).filter(|&k| !seen[k]).collect();
        assert!(missing.is_empty(), "kinds without a case: {missing:?}");
    }

    #[test]
    fn an_annotation_that_cannot_take_its_input_is_an_error() {
        let layer = Layer::Linear {
            d_input: 10,
            d_output: 2,
            bias: true,
        };
        assert!(matches!(
            layer.param_shapes(&Shape::from([1, 11])),
            Err(LayerError::Features { .. })
        ));
        let conv = Layer::Conv(Conv::new(6, 4, &[3, 3]).groups(4));
        assert!(conv.param_shapes(&Shape::from([1, 6, 8, 8])).is_err());
    }

    #[test]
    fn node_params_open_blocks_with_dotted_paths() {
        let mut m = Model::new("Outer", [1, 8, 6, 6]);
        m.push("stem", block());
        m.push(
            "flatten",
            Layer::Flatten {
                start_dim: 1,
                end_dim: -1,
            },
        );
        m.push(
            "fc",
            Layer::Linear {
                d_input: 64,
                d_output: 10,
                bias: true,
            },
        );
        let leaves = m.node_params().unwrap();
        let paths: Vec<&str> = leaves.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            ["stem.conv", "stem.bn", "stem.relu", "flatten", "fc"]
        );
        assert_eq!(leaves[0].op, "conv2d");
        assert_eq!(leaves[0].count, 4 * 8 * 9 + 4);
        assert_eq!(leaves[4].params[0], ("weight".to_string(), vec![10, 64]));
        let total: u64 = leaves.iter().map(|l| l.count).sum();
        assert_eq!(
            total,
            m.evaluate(None)
                .unwrap()
                .iter()
                .map(|e| e.eval.params)
                .sum::<u64>()
        );
    }

    proptest! {
        #[test]
        fn conv_and_linear_tensors_add_up(
            cin_g in 1u64..5, cout_g in 1u64..5, groups in 1u64..4,
            k0 in 1u64..4, k1 in 1u64..4, bias: bool, two_d: bool,
            d_in in 1u64..50, d_out in 1u64..50,
        ) {
            let (cin, cout) = (cin_g * groups, cout_g * groups);
            let (kernel, input) = if two_d {
                (vec![k0, k1], Shape::from([1, cin, 8, 8]))
            } else {
                (vec![k0], Shape::from([1, cin, 8]))
            };
            let conv = Layer::Conv(Conv {
                padding: Padding::Valid,
                ..Conv::new(cin, cout, &kernel).groups(groups).bias(bias)
            });
            let shapes = conv.param_shapes(&input).unwrap();
            prop_assert_eq!(elements(&shapes), conv.infer(&input).unwrap().params);
            let linear = Layer::Linear { d_input: d_in, d_output: d_out, bias };
            let input = Shape::from([3, d_in]);
            let shapes = linear.param_shapes(&input).unwrap();
            prop_assert_eq!(elements(&shapes), linear.infer(&input).unwrap().params);
        }
    }
}
