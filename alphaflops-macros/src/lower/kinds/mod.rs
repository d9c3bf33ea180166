//! A layer kind and its keys: `conv2d(channels = [3, 64], kernel_size = 3)` → a core
//! [`Layer`]. Each kind reads its keys through [`Keys`], which reports the rest; the
//! families with keys of their own are read in their own files, as core's `layer/` is.

mod attention;
mod conv;
mod interpolate;
mod read;
mod recurrent;
mod transformer;

use alphaflops_core::{Activation, Layer, Op, Pool, PoolKind};
use proc_macro2::Span;

use super::sym::*;
use super::{Ref, reference};
use crate::attr::{self, Body, Item, Value, ValueKind};
use crate::ctxt::Ctxt;
use crate::keys::{self, Keys};
use attention::attention;
use read::{catalog_key, required_positive};
pub(crate) use read::{checked, optional, required};

mod burn_ops;

/// Whether `key` names a layer kind of the catalog, by its key or an alias.
pub(super) fn is_kind(key: &str) -> bool {
    Op::from_name(key).is_some()
}

/// A value reader: the context, the key (for messages) and the value.
type Read<T> = fn(&Ctxt, &str, &Value) -> Option<T>;

/// One layer kind with its keys: `conv2d(...)`, `relu`, `add(with = "x")`, …, and the extra
/// inputs of `add`/`concat`.
pub(super) fn kind_layer(cx: &Ctxt, kind: &Item) -> Option<(Layer, Vec<Ref>)> {
    let op = kind.key.to_string();
    let entries = match &kind.body {
        Body::List(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let mut keys = Keys::new(cx, kind.key.span(), op.clone(), entries);
    if kind.key == MODULE {
        cx.error(
            kind.range,
            "`module` is a field's own layer: put it first, as #[layer(module)]",
        );
        return None;
    }
    let Some(kind_op) = Op::from_name(&op) else {
        unknown_kind(cx, kind.key.span(), &op);
        return None;
    };
    match kind_op {
        // add(with = "input") or add(with = ["a", "b"])
        // mul(with = "gate")
        // concat(with = ["a", "b"], dim = 1)
        Op::Add | Op::Mul | Op::Concat => {
            let with = with(&mut keys);
            let layer = match kind_op {
                Op::Add => Some(Layer::Add),
                Op::Mul => Some(Layer::Mul),
                _ => optional(&mut keys, DIM, 1, attr::int).map(|dim| Layer::Concat { dim }),
            };
            keys.finish();
            Some((layer?, with?))
        }
        // cross_attention(d_model = 512, d_context = 768, n_heads = 8, n_heads_kv = 8, d_head = 64, with = "encoder")
        Op::CrossAttention => {
            let d = required_positive(&mut keys, D_MODEL, "d_model = 512");
            let dc = required_positive(&mut keys, D_CONTEXT, "d_context = 768");
            let attention = attention(&mut keys, d, false);
            let with = with(&mut keys);
            keys.finish();
            match (attention?, dc?) {
                (Layer::Attention(a), dc) => Some((Layer::Attention(a.cross(dc)), with?)),
                _ => None,
            }
        }
        // cosine_similarity(dim = 1, eps = 1e-8, with = "other")
        Op::CosineSimilarity => burn_ops::cosine_similarity(keys),
        // pairwise_distance(p = 2.0, eps = 1e-6, with = "other")
        Op::PairwiseDistance => burn_ops::pairwise_distance(keys),
        // deform_conv2d(channels = [in, out], kernel_size = [3, 3], stride, dilation, weight_groups, offset_groups, padding, bias, with = ["offset", "mask"])
        Op::DeformConv2d => burn_ops::deform_conv2d(keys),
        // reshape(...), mean(...), sum(...), matmul(with = ...), custom(...)
        op if super::tensor::reads(op) => super::tensor::kind(keys, op),
        // transformer_decoder(d_model = 512, d_ff = 2048, n_heads = 8, n_layers = 6, with = "memory")
        Op::TransformerDecoder => {
            let decoder = transformer::decoder(&mut keys);
            let with = with(&mut keys);
            keys.finish();
            Some((decoder?, with?))
        }
        _ => layer(keys, kind_op).map(|l| (l, Vec::new())),
    }
}

/// `with = "field"` or `with = ["a", "b"]`: the extra inputs of `add`, `mul`, `concat` and
/// `cross_attention`.
pub(super) fn with(keys: &mut Keys) -> Option<Vec<Ref>> {
    let cx = keys.cx();
    match keys.value(WITH) {
        Some(v) => match &v.kind {
            ValueKind::List(items) => items
                .iter()
                .map(|i| reference(cx, WITH, i))
                .collect::<Option<Vec<_>>>(),
            _ => reference(cx, WITH, &v).map(|r| vec![r]),
        },
        None => {
            keys.missing(WITH, "with = \"field\"");
            None
        }
    }
}

fn layer(mut keys: Keys, op: Op) -> Option<Layer> {
    let cx = keys.cx();
    let dims = op.spatial_dims().unwrap_or(2);
    // Sizes (kernel, stride, dilation, output) are at least 1; paddings may be 0.
    let per_dim = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 1);
    let pads = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 0);
    let ones = vec![1; dims];
    let layer = match op {
        // conv2d(channels = [in, out], kernel_size = [kh, kw], stride, padding, dilation, groups, bias)
        Op::Conv1d | Op::Conv2d => conv::conv(&mut keys, dims),
        // conv_transpose2d(channels = [in, out], kernel_size, stride, padding, padding_out, dilation, groups, bias)
        Op::ConvTranspose1d | Op::ConvTranspose2d => conv::conv_transpose(&mut keys, dims),
        // linear(d_input = 400, d_output = 120, bias = true)
        Op::Linear => {
            let d_input = required_positive(&mut keys, D_INPUT, "d_input = 400");
            let d_output = required_positive(&mut keys, D_OUTPUT, "d_output = 120");
            let bias = optional(&mut keys, BIAS, true, attr::boolean);
            (|| {
                Some(Layer::Linear {
                    d_input: d_input?,
                    d_output: d_output?,
                    bias: bias?,
                })
            })()
        }
        // max_pool2d(kernel_size = [2, 2], strides = [2, 2], padding, dilation, ceil_mode)
        Op::MaxPool1d | Op::MaxPool2d | Op::AvgPool1d | Op::AvgPool2d => {
            let kind = if matches!(op, Op::MaxPool1d | Op::MaxPool2d) {
                PoolKind::Max
            } else {
                PoolKind::Avg
            };
            let kernel = required(&mut keys, KERNEL_SIZE, "kernel_size = [2, 2]", per_dim);
            // burn's MaxPool2dConfig says `strides`; PyTorch says `stride`. Accept both.
            let both = keys.present(STRIDES) && keys.present(STRIDE);
            let stride = match (keys.value(STRIDES), keys.take(STRIDE)) {
                (Some(a), Some(b)) if both => {
                    cx.error(
                        b.key.span(),
                        "give either `strides` (burn) or `stride` (PyTorch), not both",
                    );
                    per_dim(cx, STRIDES, &a)
                }
                (_, Some(item)) => match item.body {
                    Body::Value(v) => per_dim(cx, STRIDE, &v),
                    _ => {
                        cx.error(item.range, "`stride` takes a value: write `stride = …`");
                        None
                    }
                },
                (Some(v), None) => per_dim(cx, STRIDES, &v),
                (None, None) => kernel.clone(),
            };
            let padding = optional(&mut keys, PADDING, vec![0; dims], pads);
            let dilation = optional(&mut keys, DILATION, ones.clone(), per_dim);
            let ceil_mode = optional(&mut keys, CEIL_MODE, false, attr::boolean);
            checked(&mut keys, COUNT_INCLUDE_PAD, attr::boolean);
            (|| {
                Some(Layer::Pool(Pool {
                    kind,
                    kernel: kernel?,
                    stride: stride?,
                    padding: padding?,
                    dilation: dilation?,
                    ceil_mode: ceil_mode?,
                }))
            })()
        }
        // adaptive_avg_pool2d(output_size = [7, 7])
        Op::AdaptiveAvgPool1d | Op::AdaptiveAvgPool2d => {
            required(&mut keys, OUTPUT_SIZE, "output_size = [1, 1]", per_dim)
                .map(|output| Layer::AdaptiveAvgPool { output })
        }
        // interpolate2d(output_size = [20, 20]), interpolate2d(scale_factor = 2, mode = "linear")
        Op::Interpolate1d | Op::Interpolate2d => interpolate::interpolate(&mut keys, dims),
        // batch_norm(num_features = 64)
        Op::BatchNorm => required_positive(&mut keys, NUM_FEATURES, "num_features = 64")
            .map(|num_features| Layer::BatchNorm { num_features }),
        // layer_norm(d_model = 768)
        Op::LayerNorm => required_positive(&mut keys, D_MODEL, "d_model = 768")
            .map(|d_model| Layer::LayerNorm { d_model }),
        // group_norm(num_groups = 8, num_channels = 64)
        Op::GroupNorm => {
            let g = required_positive(&mut keys, NUM_GROUPS, "num_groups = 8");
            let c = required_positive(&mut keys, NUM_CHANNELS, "num_channels = 64");
            g.zip(c).map(|(num_groups, num_channels)| Layer::GroupNorm {
                num_groups,
                num_channels,
            })
        }
        // instance_norm(num_channels = 64, epsilon = 1e-5, affine = true)
        Op::InstanceNorm => {
            let c = required_positive(&mut keys, NUM_CHANNELS, "num_channels = 64");
            // The epsilon does not change the cost.
            checked(&mut keys, EPSILON, attr::number);
            let affine = optional(&mut keys, AFFINE, true, attr::boolean);
            c.zip(affine)
                .map(|(num_channels, affine)| Layer::InstanceNorm {
                    num_channels,
                    affine,
                })
        }
        // local_response_norm(size = 5, alpha = 1e-4, beta = 0.75, k = 1.0)
        Op::LocalResponseNorm => {
            let size = required_positive(&mut keys, SIZE, "size = 5");
            // alpha, beta and k do not change the cost: checked by their catalog type.
            let read: Vec<bool> = op.keys()[1..]
                .iter()
                .map(|key| catalog_key(&mut keys, key))
                .collect();
            size.filter(|_| read.iter().all(|&ok| ok))
                .map(|size| Layer::LocalResponseNorm { size })
        }
        // relu, leaky_relu(negative_slope = 0.2), dropout(prob = 0.5), …: a parameter-free
        // kind, whose keys (read through the catalog) do not change the cost.
        Op::Relu
        | Op::Relu6
        | Op::Gelu
        | Op::Silu
        | Op::Sigmoid
        | Op::Tanh
        | Op::LeakyRelu
        | Op::Elu
        | Op::Celu
        | Op::Selu
        | Op::HardSigmoid
        | Op::HardSwish
        | Op::Hardtanh
        | Op::HardShrink
        | Op::SoftShrink
        | Op::Softplus
        | Op::Softsign
        | Op::LogSigmoid
        | Op::Mish
        | Op::Tanhshrink
        | Op::Threshold
        | Op::ThresholdedRelu
        | Op::RRelu
        | Op::Dropout
        | Op::Identity
        | Op::Shrink => {
            // Every key is read, so every error is reported.
            let read: Vec<bool> = op
                .keys()
                .iter()
                .map(|key| catalog_key(&mut keys, key))
                .collect();
            let read = read.into_iter().all(|ok| ok);
            op.parameter_free_layer().filter(|_| read)
        }
        // softmax(dim = -1)
        Op::Softmax => optional(&mut keys, DIM, -1, attr::int).map(|dim| Layer::Softmax { dim }),
        // unfold4d(kernel_size = [3, 3], stride, dilation, padding)
        Op::Unfold4d => {
            let kernel = required(&mut keys, KERNEL_SIZE, "kernel_size = [3, 3]", per_dim);
            let stride = optional(&mut keys, STRIDE, ones.clone(), per_dim);
            let dilation = optional(&mut keys, DILATION, ones.clone(), per_dim);
            let padding = optional(&mut keys, PADDING, vec![0; dims], pads);
            (|| {
                Some(Layer::Unfold4d {
                    kernel: kernel?,
                    stride: stride?,
                    dilation: dilation?,
                    padding: padding?,
                })
            })()
        }
        // pixel_shuffle(upscale_factor = 2)
        Op::PixelShuffle => required_positive(&mut keys, UPSCALE_FACTOR, "upscale_factor = 2")
            .map(|upscale_factor| Layer::PixelShuffle { upscale_factor }),
        // pixel_unshuffle(downscale_factor = 2)
        Op::PixelUnshuffle => {
            required_positive(&mut keys, DOWNSCALE_FACTOR, "downscale_factor = 2")
                .map(|downscale_factor| Layer::PixelUnshuffle { downscale_factor })
        }
        // flatten(start_dim = 1, end_dim = -1)
        Op::Flatten => {
            let s = optional(&mut keys, START_DIM, 1, attr::int);
            let e = optional(&mut keys, END_DIM, -1, attr::int);
            s.zip(e)
                .map(|(start_dim, end_dim)| Layer::Flatten { start_dim, end_dim })
        }
        // transpose(dim0 = 1, dim1 = 2)  (PyTorch's `transpose`, burn's `swap_dims`)
        Op::Transpose => {
            let a = required(&mut keys, DIM0, "dim0 = 1", attr::int);
            let b = required(&mut keys, DIM1, "dim1 = 2", attr::int);
            a.zip(b).map(|(dim0, dim1)| Layer::Transpose { dim0, dim1 })
        }
        // select(dim = 1, index = 0)  (`x[:, 0]`: the class token)
        Op::Select => {
            let dim = required(&mut keys, DIM, "dim = 1", attr::int);
            let index = required(&mut keys, INDEX, "index = 0", attr::uint);
            dim.zip(index)
                .map(|(dim, index)| Layer::Select { dim, index })
        }
        // class_token(dim = 768)  (a learned token prepended: [N, T, D] → [N, T + 1, D])
        Op::ClassToken => {
            required_positive(&mut keys, DIM, "dim = 768").map(|dim| Layer::ClassToken { dim })
        }
        // position_embedding(seq_len = 197, dim = 768)  (a learned [1, T, D] added)
        Op::PositionEmbedding => {
            let t = required_positive(&mut keys, SEQ_LEN, "seq_len = 197");
            let d = required_positive(&mut keys, DIM, "dim = 768");
            t.zip(d)
                .map(|(seq_len, dim)| Layer::PositionEmbedding { seq_len, dim })
        }
        // positional_encoding(max_sequence_size = 512, d_model = 64, max_timescale = 10_000)
        Op::PositionalEncoding => {
            let t = optional(&mut keys, MAX_SEQUENCE_SIZE, 5000, attr::positive);
            let d = required_positive(&mut keys, D_MODEL, "d_model = 64");
            checked(&mut keys, MAX_TIMESCALE, attr::positive);
            t.zip(d)
                .map(|(max_sequence_size, d_model)| Layer::PositionalEncoding {
                    d_model,
                    max_sequence_size,
                })
        }
        // embedding(n_embedding = 1000, d_model = 64)
        Op::Embedding => {
            let n = required_positive(&mut keys, N_EMBEDDING, "n_embedding = 1000");
            let d = required_positive(&mut keys, D_MODEL, "d_model = 64");
            n.zip(d)
                .map(|(num_embeddings, embedding_dim)| Layer::Embedding {
                    num_embeddings,
                    embedding_dim,
                })
        }
        // multi_head_attention(d_model = 768, n_heads = 12, n_heads_kv = 4, d_head = 64, causal = true, bias = true, dropout = 0.1)
        Op::MultiHeadAttention => {
            let d = required_positive(&mut keys, D_MODEL, "d_model = 768");
            attention(&mut keys, d, true)
        }
        // rms_norm(d_model = 512, epsilon = 1e-5)
        Op::RmsNorm => {
            let d = required_positive(&mut keys, D_MODEL, "d_model = 512");
            checked(&mut keys, EPSILON, attr::number);
            d.map(|d_model| Layer::RmsNorm { d_model })
        }
        // rotary_encoding(d_model = 64, max_sequence_length = 4096, theta = 10000.0)
        Op::RotaryEncoding => {
            let d = required_positive(&mut keys, D_MODEL, "d_model = 64");
            let max = keys
                .value(MAX_SEQUENCE_LENGTH)
                .map(|v| attr::positive(cx, MAX_SEQUENCE_LENGTH, &v));
            checked(&mut keys, THETA, attr::number);
            match (d, max) {
                (Some(d_model), None) => Some(Layer::RotaryEncoding {
                    d_model,
                    max_sequence_length: None,
                }),
                (Some(d_model), Some(Some(max))) => Some(Layer::RotaryEncoding {
                    d_model,
                    max_sequence_length: Some(max),
                }),
                _ => None,
            }
        }
        // swiglu(d_input = 512, d_output = 1376, bias = false)
        Op::Swiglu => {
            let d_input = required_positive(&mut keys, D_INPUT, "d_input = 512");
            let d_output = required_positive(&mut keys, D_OUTPUT, "d_output = 1376");
            let bias = optional(&mut keys, BIAS, false, attr::boolean);
            (|| {
                Some(Layer::SwiGlu {
                    d_input: d_input?,
                    d_output: d_output?,
                    bias: bias?,
                })
            })()
        }
        // Read by `kind_layer`.
        Op::Add | Op::Mul | Op::Concat | Op::CrossAttention | Op::TransformerDecoder => None,
        // gaussian_noise(std = 0.1)
        Op::GaussianNoise => burn_ops::gaussian_noise(&mut keys),
        // fold4d(output_size = [8, 8], kernel_size = [3, 3], stride, dilation, padding)
        Op::Fold4d => burn_ops::fold4d(&mut keys),
        // Read by `kind_layer`.
        Op::CosineSimilarity | Op::PairwiseDistance | Op::DeformConv2d => None,
        // Read by `tensor`.
        Op::Reshape | Op::Mean | Op::Sum | Op::Matmul | Op::Custom => None,
        // conv3d(channels = [in, out], kernel_size = [kd, kh, kw], stride, padding, dilation, groups, bias)
        Op::Conv3d => conv::conv(&mut keys, dims),
        // conv_transpose3d(channels = [in, out], kernel_size, stride, padding, padding_out, dilation, groups, bias)
        Op::ConvTranspose3d => conv::conv_transpose(&mut keys, dims),
        // adaptive_avg_pool3d(output_size = [1, 7, 7])
        Op::AdaptiveAvgPool3d => {
            required(&mut keys, OUTPUT_SIZE, "output_size = [1, 1, 1]", per_dim)
                .map(|output| Layer::AdaptiveAvgPool { output })
        }
        // prelu(num_parameters = 64, alpha = 0.25)
        Op::Prelu => {
            let n = optional(&mut keys, NUM_PARAMETERS, 1, attr::positive);
            // The initial slope does not change the cost.
            checked(&mut keys, ALPHA, attr::number);
            n.map(|num_parameters| Layer::PRelu { num_parameters })
        }
        // glu(dim = -1, activation = "sigmoid"); "silu" is candle's `Activation::Swiglu`
        Op::Glu => {
            let dim = optional(&mut keys, DIM, -1, attr::int);
            let gate = Some(Activation::Sigmoid);
            let activation = optional(&mut keys, ACTIVATION, gate, transformer::activation);
            Some(Layer::Glu {
                dim: dim?,
                activation: activation?,
            })
        }
        // lstm(d_input = 64, d_hidden = 128, …), bilstm(…), gru(…), bigru(…), rnn(…), birnn(…)
        Op::Lstm | Op::BiLstm | Op::Gru | Op::BiGru | Op::Rnn | Op::BiRnn => {
            recurrent::recurrent(&mut keys, op)
        }
        // position_wise_feed_forward(d_model = 512, d_ff = 2048, activation = "gelu")
        Op::PositionWiseFeedForward => transformer::feed_forward(&mut keys),
        // transformer_encoder(d_model = 512, d_ff = 2048, n_heads = 8, n_layers = 6)
        Op::TransformerEncoder => transformer::encoder(&mut keys),
        // relu2 (candle's `Activation::Relu2`; no keys)
        Op::Relu2 => op.parameter_free_layer(),
    };
    keys.finish();
    layer
}

/// `conv4d(...)`, `sikp`: what #[layer] accepts, with the closest.
pub(super) fn unknown_kind(cx: &Ctxt, span: Span, kind: &str) {
    let mut accepted: Vec<&str> = Op::ALL.map(Op::key).to_vec();
    accepted.extend([MODULE, SKIP]);
    let head = format!("unknown layer kind `{kind}`");
    cx.error(
        span,
        keys::unknown(head, kind, &accepted, "expected one of"),
    );
}
