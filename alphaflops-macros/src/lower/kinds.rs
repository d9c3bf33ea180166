//! A layer kind and its keys: `conv2d(channels = [3, 64], kernel_size = 3)` → a core
//! [`Layer`]. Each kind reads its keys through [`Keys`], which reports the rest.

use alphaflops_core::{Activation, Conv, ConvTranspose, Layer, Padding, Pool, PoolKind};
use proc_macro2::Span;

use super::sym::*;
use super::{Ref, reference};
use crate::attr::{self, Body, Item, Value, ValueKind};
use crate::ctxt::Ctxt;
use crate::keys::{self, Keys};

/// Layer kinds the attribute accepts, for "unknown layer" hints.
const KINDS: &[&str] = &[
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "linear",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "relu",
    "relu6",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "dropout",
    "flatten",
    "transpose",
    "select",
    "embedding",
    "multi_head_attention",
    "class_token",
    "position_embedding",
    "add",
    "concat",
];

/// Whether `key` names a layer kind.
pub(super) fn is_kind(key: &str) -> bool {
    KINDS.contains(&key)
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
    match op.as_str() {
        // add(with = "input") or add(with = ["a", "b"])
        // concat(with = ["a", "b"], dim = 1)
        "add" | "concat" => {
            let with = match keys.value(WITH) {
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
            };
            let layer = if op == "add" {
                Some(Layer::Add)
            } else {
                optional(&mut keys, DIM, 1, attr::int).map(|dim| Layer::Concat { dim })
            };
            keys.finish();
            Some((layer?, with?))
        }
        MODULE => {
            cx.error(
                kind.range,
                "`module` is a field's own layer: put it first, as #[layer(module)]",
            );
            None
        }
        _ => layer(keys, &op, kind.key.span()).map(|l| (l, Vec::new())),
    }
}

/// A required value, or a "missing" error with `example`.
fn required<T>(
    keys: &mut Keys,
    key: &'static str,
    example: &str,
    read: impl FnOnce(&Ctxt, &str, &Value) -> Option<T>,
) -> Option<T> {
    match keys.value(key) {
        Some(v) => read(keys.cx(), key, &v),
        None => {
            keys.missing(key, example);
            None
        }
    }
}

/// A required key whose value is a positive integer: `d_model = 768`.
fn required_positive(keys: &mut Keys, key: &'static str, example: &str) -> Option<u64> {
    required(keys, key, example, attr::positive)
}

/// An optional value, or `default` when absent.
fn optional<T>(
    keys: &mut Keys,
    key: &'static str,
    default: T,
    read: impl FnOnce(&Ctxt, &str, &Value) -> Option<T>,
) -> Option<T> {
    match keys.value(key) {
        Some(v) => read(keys.cx(), key, &v),
        None => Some(default),
    }
}

/// A key accepted for fidelity to burn's config that does not change the cost: its value
/// is checked, then dropped.
fn checked<T>(keys: &mut Keys, key: &'static str, read: Read<T>) {
    if let Some(v) = keys.value(key) {
        read(keys.cx(), key, &v);
    }
}

/// `groups = 1` and `bias = true`, shared by the convolutions.
fn groups_and_bias(keys: &mut Keys) -> (Option<u64>, Option<bool>) {
    let groups = optional(keys, GROUPS, 1, attr::positive);
    let bias = optional(keys, BIAS, true, attr::boolean);
    (groups, bias)
}

/// `channels = [in, out]`.
fn channels(keys: &mut Keys) -> Option<(u64, u64)> {
    required(keys, CHANNELS, "channels = [in, out]", |cx, key, v| {
        attr::uints(cx, key, v, &[2], 1)
    })
    .map(|c| (c[0], c[1]))
}

/// `padding = [h, w]`, `[top, left, bottom, right]` (burn), `"same"` or `"valid"`; 1-d: `p`,
/// `[left, right]`.
fn conv_padding(cx: &Ctxt, v: &Value, dims: usize) -> Option<Padding> {
    match &v.kind {
        ValueKind::Str(s) if s == "same" => Some(Padding::Same),
        ValueKind::Str(s) if s == "valid" => Some(Padding::Valid),
        ValueKind::Str(s) => {
            cx.error(
                v.range,
                format!("unknown padding `{s}`: use \"same\", \"valid\" or numbers"),
            );
            None
        }
        _ => {
            let lens: &[usize] = if dims == 1 { &[1, 2] } else { &[2, 4] };
            let p = attr::uints(cx, PADDING, v, lens, 0)?;
            Some(match (dims, p.len()) {
                (1, 1) => Padding::symmetric(&p),
                (1, _) => Padding::Explicit(vec![(p[0], p[1])]),
                (_, 2) => Padding::symmetric(&p),
                // burn's [top, left, bottom, right]
                _ => Padding::Explicit(vec![(p[0], p[2]), (p[1], p[3])]),
            })
        }
    }
}

fn layer(mut keys: Keys, op: &str, op_span: Span) -> Option<Layer> {
    let cx = keys.cx();
    let dims = if op.ends_with("1d") { 1 } else { 2 };
    // Sizes (kernel, stride, dilation, output) are at least 1; paddings may be 0.
    let per_dim = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 1);
    let pads = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 0);
    let ones = vec![1; dims];
    let layer = match op {
        // conv2d(channels = [in, out], kernel_size = [kh, kw], stride, padding, dilation, groups, bias)
        "conv1d" | "conv2d" => {
            let ch = channels(&mut keys);
            let kernel = required(&mut keys, KERNEL_SIZE, "kernel_size = [3, 3]", per_dim);
            let stride = optional(&mut keys, STRIDE, ones.clone(), per_dim);
            let padding = optional(&mut keys, PADDING, Padding::Valid, |cx, _, v| {
                conv_padding(cx, v, dims)
            });
            let dilation = optional(&mut keys, DILATION, ones.clone(), per_dim);
            let (groups, bias) = groups_and_bias(&mut keys);
            (|| {
                let (i, o) = ch?;
                Some(Layer::Conv(Conv {
                    in_channels: i,
                    out_channels: o,
                    kernel: kernel?,
                    stride: stride?,
                    padding: padding?,
                    dilation: dilation?,
                    groups: groups?,
                    bias: bias?,
                }))
            })()
        }
        // conv_transpose2d(channels = [in, out], kernel_size, stride, padding, padding_out, dilation, groups, bias)
        "conv_transpose2d" => {
            let ch = channels(&mut keys);
            let kernel = required(&mut keys, KERNEL_SIZE, "kernel_size = [3, 3]", per_dim);
            let stride = optional(&mut keys, STRIDE, ones.clone(), per_dim);
            let padding = optional(&mut keys, PADDING, vec![0; 2], pads);
            let padding_out = optional(&mut keys, PADDING_OUT, vec![0; 2], pads);
            let dilation = optional(&mut keys, DILATION, ones.clone(), per_dim);
            let (groups, bias) = groups_and_bias(&mut keys);
            (|| {
                let (i, o) = ch?;
                Some(Layer::ConvTranspose(ConvTranspose {
                    in_channels: i,
                    out_channels: o,
                    kernel: kernel?,
                    stride: stride?,
                    padding: padding?,
                    output_padding: padding_out?,
                    dilation: dilation?,
                    groups: groups?,
                    bias: bias?,
                }))
            })()
        }
        // linear(d_input = 400, d_output = 120, bias = true)
        "linear" => {
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
        "max_pool1d" | "max_pool2d" | "avg_pool1d" | "avg_pool2d" => {
            let kind = if op.starts_with("max") {
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
        "adaptive_avg_pool1d" | "adaptive_avg_pool2d" => {
            required(&mut keys, OUTPUT_SIZE, "output_size = [1, 1]", per_dim)
                .map(|output| Layer::AdaptiveAvgPool { output })
        }
        // batch_norm(num_features = 64)
        "batch_norm" => required_positive(&mut keys, NUM_FEATURES, "num_features = 64")
            .map(|num_features| Layer::BatchNorm { num_features }),
        // layer_norm(d_model = 768)
        "layer_norm" => required_positive(&mut keys, D_MODEL, "d_model = 768")
            .map(|d_model| Layer::LayerNorm { d_model }),
        // group_norm(num_groups = 8, num_channels = 64)
        "group_norm" => {
            let g = required_positive(&mut keys, NUM_GROUPS, "num_groups = 8");
            let c = required_positive(&mut keys, NUM_CHANNELS, "num_channels = 64");
            g.zip(c).map(|(num_groups, num_channels)| Layer::GroupNorm {
                num_groups,
                num_channels,
            })
        }
        // relu, gelu, … (no keys)
        "relu" | "relu6" | "gelu" | "silu" | "sigmoid" | "tanh" => {
            let a = match op {
                "relu" => Activation::Relu,
                "relu6" => Activation::Relu6,
                "gelu" => Activation::Gelu,
                "silu" => Activation::Silu,
                "sigmoid" => Activation::Sigmoid,
                _ => Activation::Tanh,
            };
            Some(Layer::Activation(a))
        }
        // softmax(dim = -1)
        "softmax" => optional(&mut keys, DIM, -1, attr::int).map(|dim| Layer::Softmax { dim }),
        // dropout(prob = 0.5)
        "dropout" => {
            // The probability does not change the cost (dropout is the identity at inference).
            checked(&mut keys, PROB, attr::probability);
            Some(Layer::Dropout)
        }
        // flatten(start_dim = 1, end_dim = -1)
        "flatten" => {
            let s = optional(&mut keys, START_DIM, 1, attr::int);
            let e = optional(&mut keys, END_DIM, -1, attr::int);
            s.zip(e)
                .map(|(start_dim, end_dim)| Layer::Flatten { start_dim, end_dim })
        }
        // transpose(dim0 = 1, dim1 = 2)  (PyTorch's `transpose`, burn's `swap_dims`)
        "transpose" => {
            let a = required(&mut keys, DIM0, "dim0 = 1", attr::int);
            let b = required(&mut keys, DIM1, "dim1 = 2", attr::int);
            a.zip(b).map(|(dim0, dim1)| Layer::Transpose { dim0, dim1 })
        }
        // select(dim = 1, index = 0)  (`x[:, 0]`: the class token)
        "select" => {
            let dim = required(&mut keys, DIM, "dim = 1", attr::int);
            let index = required(&mut keys, INDEX, "index = 0", attr::uint);
            dim.zip(index)
                .map(|(dim, index)| Layer::Select { dim, index })
        }
        // class_token(dim = 768)  (a learned token prepended: [N, T, D] → [N, T + 1, D])
        "class_token" => {
            required_positive(&mut keys, DIM, "dim = 768").map(|dim| Layer::ClassToken { dim })
        }
        // position_embedding(seq_len = 197, dim = 768)  (a learned [1, T, D] added)
        "position_embedding" => {
            let t = required_positive(&mut keys, SEQ_LEN, "seq_len = 197");
            let d = required_positive(&mut keys, DIM, "dim = 768");
            t.zip(d)
                .map(|(seq_len, dim)| Layer::PositionEmbedding { seq_len, dim })
        }
        // embedding(n_embedding = 1000, d_model = 64)
        "embedding" => {
            let n = required_positive(&mut keys, N_EMBEDDING, "n_embedding = 1000");
            let d = required_positive(&mut keys, D_MODEL, "d_model = 64");
            n.zip(d)
                .map(|(num_embeddings, embedding_dim)| Layer::Embedding {
                    num_embeddings,
                    embedding_dim,
                })
        }
        // multi_head_attention(d_model = 768, n_heads = 12, bias = true, dropout = 0.1)
        "multi_head_attention" => {
            let d = required_positive(&mut keys, D_MODEL, "d_model = 768");
            let h = required_positive(&mut keys, N_HEADS, "n_heads = 12");
            let bias = optional(&mut keys, BIAS, true, attr::boolean);
            checked(&mut keys, DROPOUT, attr::probability);
            (|| {
                Some(Layer::MultiHeadAttention {
                    d_model: d?,
                    n_heads: h?,
                    bias: bias?,
                })
            })()
        }
        _ => {
            unknown_kind(cx, op_span, op);
            return None;
        }
    };
    keys.finish();
    layer
}

/// `conv3d(...)`, `sikp`: what #[layer] accepts, with the closest.
pub(super) fn unknown_kind(cx: &Ctxt, span: Span, kind: &str) {
    let mut accepted = KINDS.to_vec();
    accepted.extend([MODULE, SKIP]);
    let head = format!("unknown layer kind `{kind}`");
    cx.error(
        span,
        keys::unknown(head, kind, &accepted, "expected one of"),
    );
}
