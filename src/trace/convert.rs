//! Captured burn operations → priced [`TracedOp`]s and the core [`Model`] of the catalog's.

use std::collections::HashMap;

use alphaflops_core::{
    Activation, AlphaInput, Conv, ConvTranspose, Elementwise, Gemm, Kernel, Layer, LayerEval,
    Model, Node, Padding, Pool, PoolKind, Shape, Source,
};
use burn::backend::ir::{
    ActivationOperationIr, BaseOperationIr, FloatOperationIr, GraphIr, ModuleOperationIr,
    NumericOperationIr, OperationIr, TensorId, TensorIr,
};

use super::{ParamPaths, Pricing, TracedModel, TracedOp, Unpriced};

/// Where a tensor comes from, through free views.
#[derive(Clone, Default)]
struct Origin {
    /// The parameter it is (a view of).
    param: Option<String>,
    /// The op that produced it.
    producer: Option<usize>,
    /// Whether it depends on the model's input or a parameter; constants (a mask built from
    /// `arange`, frequencies) do not.
    data: bool,
}

fn dims(t: &TensorIr) -> Vec<u64> {
    t.shape.iter().map(|&d| d as u64).collect()
}

fn shape(t: &TensorIr) -> Shape {
    Shape(dims(t))
}

fn numel(t: &TensorIr) -> u64 {
    t.shape
        .iter()
        .fold(1u64, |acc, &d| acc.saturating_mul(d as u64))
}

/// `CamelCase` → `snake_case`, with digits kept to their word (`MaxPool2d` → `max_pool2d`).
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// burn's name for an op, from its IR variant: `NumericFloat(F32, AddScalar(…))` → `add_scalar`.
fn op_name(op: &OperationIr) -> String {
    if let OperationIr::Custom(c) = op {
        return format!("custom:{}", c.id);
    }
    let text = format!("{op:?}");
    let Some((outer, rest)) = text.split_once('(') else {
        return snake(&text);
    };
    // `NumericFloat(F32, Add(` and `Float(F32, Exp(` carry a dtype first.
    let rest = match rest.split_once(", ") {
        Some((dtype, tail))
            if !dtype.contains('(') && matches!(outer, "NumericFloat" | "NumericInt" | "Float") =>
        {
            tail
        }
        _ => rest,
    };
    let inner = rest.split(['(', ' ', '{', ',']).next().unwrap_or(rest);
    if inner.is_empty() || !inner.starts_with(|c: char| c.is_ascii_uppercase()) {
        snake(outer)
    } else {
        snake(inner)
    }
}

fn kernel(class: Elementwise, flops: u64, moved: u64) -> Kernel {
    Kernel {
        macs: 0,
        flops,
        alpha: None,
        elements_moved: moved,
        unfolded_elements: None,
        gemm: None,
        elementwise: Some(class),
    }
}

fn elementwise(class: Elementwise, flops: u64, inputs: &[&TensorIr], out: &TensorIr) -> LayerEval {
    let moved = inputs
        .iter()
        .fold(numel(out), |acc, t| acc.saturating_add(numel(t)));
    LayerEval {
        output: shape(out),
        params: 0,
        kernels: vec![kernel(class, flops, moved)],
    }
}

/// `lhs [.., m, k] × rhs [.., k, n]` (batch dimensions broadcast) as one batched GEMM.
fn matmul(lhs: &TensorIr, rhs: &TensorIr, out: &TensorIr) -> Option<(LayerEval, String)> {
    let (l, r, o) = (dims(lhs), dims(rhs), dims(out));
    if l.len() < 2 || r.len() < 2 || o.len() < 2 {
        return None;
    }
    let (m, k) = (l[l.len() - 2], l[l.len() - 1]);
    let n = r[r.len() - 1];
    let batch = o[..o.len() - 2]
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))?;
    let macs = batch.checked_mul(m)?.checked_mul(n)?.checked_mul(k)?;
    let kernel = Kernel {
        macs,
        flops: macs.checked_mul(2)?,
        alpha: Some(AlphaInput::matmul(batch.checked_mul(m)?)),
        elements_moved: numel(lhs)
            .saturating_add(numel(rhs))
            .saturating_add(numel(out)),
        unfolded_elements: None,
        gemm: Some(Gemm { batch, m, n, k }),
        elementwise: None,
    };
    Some((
        LayerEval {
            output: Shape(o),
            params: 0,
            kernels: vec![kernel],
        },
        format!("{batch} × [{m}, {k}]·[{k}, {n}] matrix product"),
    ))
}

fn conv_detail(
    kernel: &[usize],
    stride: &[usize],
    padding: &[(usize, usize)],
    groups: usize,
) -> String {
    // `3×3` for a kernel; one number for a stride or padding equal along every axis.
    let each = |v: &[String]| {
        if v.len() > 1 && v.iter().all(|x| *x == v[0]) {
            v[0].clone()
        } else {
            v.join("×")
        }
    };
    let text = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>();
    let mut out = format!("{} convolution", text(kernel).join("×"));
    if stride.iter().any(|&s| s != 1) {
        out.push_str(&format!(", stride {}", each(&text(stride))));
    }
    if padding.iter().any(|&(a, b)| a != 0 || b != 0) {
        let p: Vec<String> = padding
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}+{b}")
                }
            })
            .collect();
        out.push_str(&format!(", padding {}", each(&p)));
    }
    if groups != 1 {
        out.push_str(&format!(", {groups} groups"));
    }
    out
}

fn u64s(v: &[usize]) -> Vec<u64> {
    v.iter().map(|&x| x as u64).collect()
}

/// What one captured op is priced as, with a description for messages.
fn classify(op: &OperationIr) -> (Pricing, Option<LayerEval>, String) {
    use Elementwise as E;
    let layer = |l: Layer, d: String| (Pricing::Layer(l), None, d);
    let kernels = |e: LayerEval, d: String| (Pricing::Kernels, Some(e), d);
    let free = || (Pricing::Free, None, String::new());
    let unpriced = || (Pricing::Unpriced, None, String::new());
    let per_element = |class: E, per: u64, inputs: &[&TensorIr], out: &TensorIr| {
        let flops = numel(out).saturating_mul(per);
        kernels(elementwise(class, flops, inputs, out), String::new())
    };
    let reduce = |input: &TensorIr, out: &TensorIr, mean: bool| {
        let flops = numel(input).saturating_add(if mean { numel(out) } else { 0 });
        kernels(elementwise(E::Pool, flops, &[input], out), String::new())
    };
    match op {
        OperationIr::Init(_) => free(),
        OperationIr::Drop(_) => free(),
        OperationIr::BaseFloat(b) | OperationIr::BaseInt(b) | OperationIr::BaseBool(b) => match b {
            BaseOperationIr::Reshape(_)
            | BaseOperationIr::SwapDims(_)
            | BaseOperationIr::Permute(_)
            | BaseOperationIr::Expand(_)
            | BaseOperationIr::Slice(_)
            | BaseOperationIr::Unfold(_)
            | BaseOperationIr::Cast(_)
            | BaseOperationIr::Empty(_)
            | BaseOperationIr::Ones(_)
            | BaseOperationIr::Zeros(_) => free(),
            BaseOperationIr::Cat(c) => {
                let dim = c.dim as i64;
                let d = format!("concatenation along dimension {dim}");
                layer(Layer::Concat { dim }, d)
            }
            BaseOperationIr::Flip(o) => per_element(E::Copy, 0, &[&o.input], &o.out),
            BaseOperationIr::RepeatDim(o) => per_element(E::Copy, 0, &[&o.tensor], &o.out),
            BaseOperationIr::Gather(o) => per_element(E::Copy, 0, &[&o.tensor, &o.indices], &o.out),
            BaseOperationIr::Select(o) => per_element(E::Copy, 0, &[&o.tensor, &o.indices], &o.out),
            BaseOperationIr::SliceAssign(o) => {
                per_element(E::Copy, 0, &[&o.tensor, &o.value], &o.out)
            }
            BaseOperationIr::MaskWhere(o) => {
                per_element(E::Copy, 0, &[&o.tensor, &o.mask, &o.value], &o.out)
            }
            BaseOperationIr::MaskFill(o) => per_element(E::Copy, 0, &[&o.tensor, &o.mask], &o.out),
            BaseOperationIr::Equal(o) | BaseOperationIr::NotEqual(o) => {
                per_element(E::Binary, 1, &[&o.lhs, &o.rhs], &o.out)
            }
            BaseOperationIr::EqualElem(o) | BaseOperationIr::NotEqualElem(o) => {
                per_element(E::Binary, 1, &[&o.lhs], &o.out)
            }
            _ => unpriced(),
        },
        OperationIr::NumericFloat(_, n) | OperationIr::NumericInt(_, n) => match n {
            NumericOperationIr::Full(_) => free(),
            NumericOperationIr::Add(o)
                if o.lhs.shape == o.rhs.shape && o.lhs.shape == o.out.shape =>
            {
                layer(Layer::Add, "addition".into())
            }
            NumericOperationIr::Add(o)
            | NumericOperationIr::Sub(o)
            | NumericOperationIr::Mul(o)
            | NumericOperationIr::Div(o)
            | NumericOperationIr::Rem(o)
            | NumericOperationIr::Powi(o)
            | NumericOperationIr::Greater(o)
            | NumericOperationIr::GreaterEqual(o)
            | NumericOperationIr::Lower(o)
            | NumericOperationIr::LowerEqual(o) => {
                per_element(E::Binary, 1, &[&o.lhs, &o.rhs], &o.out)
            }
            NumericOperationIr::AddScalar(o)
            | NumericOperationIr::SubScalar(o)
            | NumericOperationIr::MulScalar(o)
            | NumericOperationIr::DivScalar(o)
            | NumericOperationIr::RemScalar(o)
            | NumericOperationIr::PowiScalar(o)
            | NumericOperationIr::ClampMin(o)
            | NumericOperationIr::ClampMax(o)
            | NumericOperationIr::GreaterElem(o)
            | NumericOperationIr::GreaterEqualElem(o)
            | NumericOperationIr::LowerElem(o)
            | NumericOperationIr::LowerEqualElem(o) => per_element(E::Binary, 1, &[&o.lhs], &o.out),
            NumericOperationIr::Abs(o)
            | NumericOperationIr::Neg(o)
            | NumericOperationIr::Sign(o) => per_element(E::Binary, 1, &[&o.input], &o.out),
            NumericOperationIr::Clamp(o) => per_element(E::Binary, 2, &[&o.tensor], &o.out),
            NumericOperationIr::Sum(o)
            | NumericOperationIr::Prod(o)
            | NumericOperationIr::Max(o)
            | NumericOperationIr::Min(o)
            | NumericOperationIr::MaxAbs(o) => reduce(&o.input, &o.out, false),
            NumericOperationIr::Mean(o) => reduce(&o.input, &o.out, true),
            NumericOperationIr::SumDim(o)
            | NumericOperationIr::ProdDim(o)
            | NumericOperationIr::MaxDim(o)
            | NumericOperationIr::MinDim(o)
            | NumericOperationIr::MaxAbsDim(o)
            | NumericOperationIr::ArgMax(o)
            | NumericOperationIr::ArgMin(o) => reduce(&o.input, &o.out, false),
            NumericOperationIr::SumDims(o) => reduce(&o.input, &o.out, false),
            NumericOperationIr::MeanDim(o) => reduce(&o.input, &o.out, true),
            NumericOperationIr::MaxDimWithIndices(o) | NumericOperationIr::MinDimWithIndices(o) => {
                reduce(&o.tensor, &o.out, false)
            }
            NumericOperationIr::CumSum(o)
            | NumericOperationIr::CumProd(o)
            | NumericOperationIr::CumMin(o)
            | NumericOperationIr::CumMax(o) => per_element(E::Binary, 1, &[&o.input], &o.out),
            NumericOperationIr::Pad(o) => per_element(E::Copy, 0, &[&o.input], &o.out),
            _ => unpriced(),
        },
        OperationIr::Float(_, f) => match f {
            FloatOperationIr::Random(_) => free(),
            FloatOperationIr::Matmul(o) => match matmul(&o.lhs, &o.rhs, &o.out) {
                Some((e, d)) => kernels(e, d),
                None => unpriced(),
            },
            FloatOperationIr::Tanh(_) => layer(Layer::Activation(Activation::Tanh), "tanh".into()),
            FloatOperationIr::Exp(o)
            | FloatOperationIr::Log(o)
            | FloatOperationIr::Log1p(o)
            | FloatOperationIr::Erf(o)
            | FloatOperationIr::Sqrt(o)
            | FloatOperationIr::Recip(o)
            | FloatOperationIr::Cos(o)
            | FloatOperationIr::Sin(o)
            | FloatOperationIr::Cosh(o)
            | FloatOperationIr::Sinh(o)
            | FloatOperationIr::Tan(o)
            | FloatOperationIr::Round(o)
            | FloatOperationIr::Floor(o)
            | FloatOperationIr::Ceil(o)
            | FloatOperationIr::Trunc(o)
            | FloatOperationIr::IsNan(o)
            | FloatOperationIr::IsInf(o) => per_element(E::Activation, 1, &[&o.input], &o.out),
            FloatOperationIr::PowfScalar(o) => per_element(E::Binary, 1, &[&o.lhs], &o.out),
            FloatOperationIr::Powf(o)
            | FloatOperationIr::ArcTan2(o)
            | FloatOperationIr::Hypot(o) => per_element(E::Binary, 1, &[&o.lhs, &o.rhs], &o.out),
            FloatOperationIr::IntoInt(_) => free(),
            _ => unpriced(),
        },
        OperationIr::Int(burn::backend::ir::IntOperationIr::IntoFloat(_)) => free(),
        OperationIr::Bool(b) => match b {
            burn::backend::ir::BoolOperationIr::IntoFloat(_)
            | burn::backend::ir::BoolOperationIr::IntoInt(_) => free(),
            burn::backend::ir::BoolOperationIr::Not(o) => {
                per_element(E::Binary, 1, &[&o.input], &o.out)
            }
            burn::backend::ir::BoolOperationIr::And(o)
            | burn::backend::ir::BoolOperationIr::Or(o)
            | burn::backend::ir::BoolOperationIr::Xor(o) => {
                per_element(E::Binary, 1, &[&o.lhs, &o.rhs], &o.out)
            }
        },
        OperationIr::Activation(a) => match a {
            ActivationOperationIr::Relu(_) => {
                layer(Layer::Activation(Activation::Relu), "relu".into())
            }
            ActivationOperationIr::Gelu(_) => {
                layer(Layer::Activation(Activation::Gelu), "gelu".into())
            }
            ActivationOperationIr::Sigmoid(_) => {
                layer(Layer::Activation(Activation::Sigmoid), "sigmoid".into())
            }
            ActivationOperationIr::Softmax(o) => {
                let dim = o.axis as i64;
                layer(
                    Layer::Softmax { dim },
                    format!("softmax along dimension {dim}"),
                )
            }
            // max(x, 0) + slope·min(x, 0): relu6's 2 FLOPs.
            ActivationOperationIr::LeakyRelu(o) => per_element(E::Activation, 2, &[&o.lhs], &o.out),
            ActivationOperationIr::PRelu(o) => {
                per_element(E::Activation, 2, &[&o.lhs, &o.rhs], &o.out)
            }
            ActivationOperationIr::HardSigmoid(o) => {
                per_element(E::Activation, 3, &[&o.tensor], &o.out)
            }
            ActivationOperationIr::LogSigmoid(o) => {
                per_element(E::Activation, 5, &[&o.input], &o.out)
            }
            ActivationOperationIr::LogSoftmax(o) | ActivationOperationIr::Softmin(o) => {
                per_element(E::Softmax, 6, &[&o.input], &o.out)
            }
            _ => unpriced(),
        },
        OperationIr::Module(m) => module(m),
        _ => unpriced(),
    }
}

fn module(m: &ModuleOperationIr) -> (Pricing, Option<LayerEval>, String) {
    let layer = |l: Layer, d: String| (Pricing::Layer(l), None, d);
    let unpriced = || (Pricing::Unpriced, None, String::new());
    match m {
        ModuleOperationIr::Conv2d(o) => {
            let w = &o.weight.shape;
            let kernel = [w[2], w[3]];
            let c = &o.options;
            let conv = Conv {
                in_channels: o.x.shape[1] as u64,
                out_channels: w[0] as u64,
                kernel: u64s(&kernel),
                stride: u64s(&c.stride),
                padding: Padding::Explicit(
                    c.padding
                        .iter()
                        .map(|&(a, b)| (a as u64, b as u64))
                        .collect(),
                ),
                dilation: u64s(&c.dilation),
                groups: c.groups as u64,
                bias: o.bias.is_some(),
            };
            layer(
                Layer::Conv(conv),
                conv_detail(&kernel, &c.stride, &c.padding, c.groups),
            )
        }
        ModuleOperationIr::Conv1d(o) => {
            let w = &o.weight.shape;
            let c = &o.options;
            let conv = Conv {
                in_channels: o.x.shape[1] as u64,
                out_channels: w[0] as u64,
                kernel: vec![w[2] as u64],
                stride: u64s(&c.stride),
                padding: Padding::Explicit(
                    c.padding
                        .iter()
                        .map(|&(a, b)| (a as u64, b as u64))
                        .collect(),
                ),
                dilation: u64s(&c.dilation),
                groups: c.groups as u64,
                bias: o.bias.is_some(),
            };
            layer(
                Layer::Conv(conv),
                conv_detail(&[w[2]], &c.stride, &c.padding, c.groups),
            )
        }
        ModuleOperationIr::ConvTranspose2d(o) => {
            let w = &o.weight.shape;
            let c = &o.options;
            // burn's transposed weight is [c_in, c_out / groups, k1, k2].
            let conv = ConvTranspose {
                in_channels: w[0] as u64,
                out_channels: (w[1] * c.groups) as u64,
                kernel: vec![w[2] as u64, w[3] as u64],
                stride: u64s(&c.stride),
                padding: u64s(&c.padding),
                output_padding: u64s(&c.padding_out),
                dilation: u64s(&c.dilation),
                groups: c.groups as u64,
                bias: o.bias.is_some(),
            };
            layer(
                Layer::ConvTranspose(conv),
                format!("{}×{} transposed convolution", w[2], w[3]),
            )
        }
        ModuleOperationIr::Linear(o) => {
            // burn's linear weight is [d_input, d_output].
            let w = &o.weight.shape;
            let l = Layer::Linear {
                d_input: w[0] as u64,
                d_output: w[1] as u64,
                bias: o.bias.is_some(),
            };
            layer(l, format!("linear {} → {}", w[0], w[1]))
        }
        ModuleOperationIr::MaxPool2d(o) => {
            let (dilation, ceil) = (u64s(&o.dilation), o.ceil_mode);
            let (k, s, p) = (u64s(&o.kernel_size), u64s(&o.stride), u64s(&o.padding));
            let (l, d) = pool(PoolKind::Max, k, s, p, dilation, ceil);
            layer(l, d)
        }
        ModuleOperationIr::MaxPool2dWithIndices(o) => {
            let (dilation, ceil) = (u64s(&o.dilation), o.ceil_mode);
            let (k, s, p) = (u64s(&o.kernel_size), u64s(&o.stride), u64s(&o.padding));
            let (l, d) = pool(PoolKind::Max, k, s, p, dilation, ceil);
            layer(l, d)
        }
        ModuleOperationIr::MaxPool1d(o) => {
            let (k, s, p) = (o.kernel_size as u64, o.stride as u64, o.padding as u64);
            let dilation = vec![o.dilation as u64];
            let (l, d) = pool(
                PoolKind::Max,
                vec![k],
                vec![s],
                vec![p],
                dilation,
                o.ceil_mode,
            );
            layer(l, d)
        }
        ModuleOperationIr::AvgPool2d(o) => {
            let (k, s, p) = (u64s(&o.kernel_size), u64s(&o.stride), u64s(&o.padding));
            let (l, d) = pool(PoolKind::Avg, k, s, p, vec![1, 1], o.ceil_mode);
            layer(l, d)
        }
        ModuleOperationIr::AvgPool1d(o) => {
            let (k, s, p) = (o.kernel_size as u64, o.stride as u64, o.padding as u64);
            let (l, d) = pool(
                PoolKind::Avg,
                vec![k],
                vec![s],
                vec![p],
                vec![1],
                o.ceil_mode,
            );
            layer(l, d)
        }
        ModuleOperationIr::AdaptiveAvgPool2d(o) => layer(
            Layer::AdaptiveAvgPool {
                output: u64s(&o.output_size),
            },
            format!(
                "adaptive average pooling to {}×{}",
                o.output_size[0], o.output_size[1]
            ),
        ),
        ModuleOperationIr::AdaptiveAvgPool1d(o) => layer(
            Layer::AdaptiveAvgPool {
                output: vec![o.output_size as u64],
            },
            format!("adaptive average pooling to {}", o.output_size),
        ),
        ModuleOperationIr::BatchNorm(o) => {
            let c = o.x.shape.get(1).copied().unwrap_or(0) as u64;
            layer(
                Layer::BatchNorm { num_features: c },
                format!("batch norm over {c} channels"),
            )
        }
        ModuleOperationIr::LayerNorm(o) => {
            let d = o.input.shape.last().copied().unwrap_or(0) as u64;
            layer(
                Layer::LayerNorm { d_model: d },
                format!("layer norm over {d} features"),
            )
        }
        ModuleOperationIr::Embedding(o) => {
            let w = &o.weights.shape;
            layer(
                Layer::Embedding {
                    num_embeddings: w[0] as u64,
                    embedding_dim: w[1] as u64,
                },
                format!("embedding {} × {}", w[0], w[1]),
            )
        }
        ModuleOperationIr::Attention(o) => attention(&o.query, &o.key, &o.value, &o.out),
        _ => unpriced(),
    }
}

/// burn's fused attention `softmax(QKᵀ·scale)·V`: the two batched products, the scale
/// (1 FLOP per score, as the catalog's attention) and the softmax (5 per score).
fn attention(
    q: &TensorIr,
    k: &TensorIr,
    v: &TensorIr,
    out: &TensorIr,
) -> (Pricing, Option<LayerEval>, String) {
    let (qd, kd, vd) = (dims(q), dims(k), dims(v));
    if qd.len() < 2 || kd.len() < 2 || vd.len() < 2 {
        return (Pricing::Unpriced, None, String::new());
    }
    let batch: u64 = qd[..qd.len() - 2].iter().product();
    let (t1, d) = (qd[qd.len() - 2], qd[qd.len() - 1]);
    let t2 = kd[kd.len() - 2];
    let dv = vd[vd.len() - 1];
    let scores = batch * t1 * t2;
    let gemm = |m: u64, n: u64, kk: u64, extra: u64, moved: u64| Kernel {
        macs: batch * m * n * kk,
        flops: 2 * batch * m * n * kk + extra,
        alpha: Some(AlphaInput::matmul(batch * m)),
        elements_moved: moved,
        unfolded_elements: None,
        gemm: Some(Gemm { batch, m, n, k: kk }),
        elementwise: None,
    };
    let kernels = vec![
        gemm(t1, t2, d, scores, numel(q) + numel(k) + scores),
        kernel(Elementwise::Softmax, 5 * scores, 2 * scores),
        gemm(t1, dv, t2, 0, scores + numel(v) + numel(out)),
    ];
    (
        Pricing::Kernels,
        Some(LayerEval {
            output: shape(out),
            params: 0,
            kernels,
        }),
        format!("attention over {batch} × {t1}·{t2} scores"),
    )
}

/// Turns the captured `graph` into priced ops; `params` are the capture copy's tensors in
/// the order their `zeros` were recorded.
pub(super) fn convert(
    name: &str,
    input: &[usize],
    graph: &GraphIr,
    params: &ParamPaths,
) -> TracedModel {
    let input_shape = Shape(u64s(input));
    let mut origin: HashMap<TensorId, Origin> = HashMap::new();

    // The first `zeros` are the parameters, in mapping order (see `trace::Zeros`), then the
    // input's; checked by shape, attribution is left out if burn ever records them otherwise.
    let zeros: Vec<&TensorIr> = graph
        .operations
        .iter()
        .filter_map(|op| match op {
            OperationIr::BaseFloat(BaseOperationIr::Zeros(c))
            | OperationIr::BaseInt(BaseOperationIr::Zeros(c))
            | OperationIr::BaseBool(BaseOperationIr::Zeros(c)) => Some(&c.out),
            _ => None,
        })
        .take(params.len())
        .collect();
    let matches = zeros.len() == params.len()
        && zeros
            .iter()
            .zip(params)
            .all(|(t, (_, s))| t.shape.iter().eq(s.iter()));
    if matches {
        for (t, (path, _)) in zeros.iter().zip(params) {
            origin.insert(
                t.id,
                Origin {
                    param: Some(path.clone()),
                    producer: None,
                    data: true,
                },
            );
        }
    }
    // The input: the first `zeros` of its shape after the parameters'.
    let input_zeros = graph
        .operations
        .iter()
        .filter_map(|op| match op {
            OperationIr::BaseFloat(BaseOperationIr::Zeros(c)) => Some((true, &c.out)),
            OperationIr::BaseInt(BaseOperationIr::Zeros(c))
            | OperationIr::BaseBool(BaseOperationIr::Zeros(c)) => Some((false, &c.out)),
            _ => None,
        })
        .skip(params.len())
        .find(|(float, t)| *float && t.shape.iter().eq(input.iter()))
        .map(|(_, t)| t);
    if let Some(t) = input_zeros {
        origin.insert(
            t.id,
            Origin {
                data: true,
                ..Origin::default()
            },
        );
    }

    let mut model = Model::new(name, input_shape);
    let sizes: HashMap<&str, u64> = params
        .iter()
        .map(|(p, s)| {
            (
                p.as_str(),
                s.iter().fold(1u64, |a, &d| a.saturating_mul(d as u64)),
            )
        })
        .collect();
    let mut counted: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut sigmoid_inputs: HashMap<usize, TensorId> = HashMap::new();
    // The ops of burn's rotary encodings so far (see `is_rotation`).
    let mut rotations: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut ops: Vec<TracedOp> = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut unpriced: Vec<Unpriced> = Vec::new();
    for op in &graph.operations {
        let (mut pricing, mut eval, mut detail) = classify(op);
        let inputs: Vec<&TensorIr> = op.inputs().collect();
        let outputs: Vec<&TensorIr> = op.outputs().collect();
        let Some(out) = outputs.first().copied() else {
            continue;
        };
        let mut data_input: Option<&TensorIr> = None;
        // burn's `Linear` runs `x·W` (W a parameter, unsqueezed to x's rank) and a broadcast
        // `+ b`: one linear layer, whose bias add is fused as the catalog counts it.
        let mut fused_into: Option<usize> = None;
        // burn's SiLU is `x · sigmoid(x)`: the catalog's silu (5 FLOPs per element).
        let mut silu_of: Option<usize> = None;
        let rotary = is_rotation(op, &origin, &rotations);
        match op {
            OperationIr::NumericFloat(_, NumericOperationIr::Mul(o)) => {
                for (a, b) in [(&o.lhs, &o.rhs), (&o.rhs, &o.lhs)] {
                    if let Some(p) = producer_of(&origin, b)
                        && sigmoid_inputs.get(&p) == Some(&a.id)
                        && a.shape == out.shape
                    {
                        silu_of = Some(p);
                        break;
                    }
                }
            }
            OperationIr::Float(_, FloatOperationIr::Matmul(o))
                if param_of(&origin, &o.rhs).is_some() && param_of(&origin, &o.lhs).is_none() =>
            {
                let (k, n) = (
                    o.rhs.shape[o.rhs.shape.len() - 2],
                    o.rhs.shape[o.rhs.shape.len() - 1],
                );
                pricing = Pricing::Layer(Layer::Linear {
                    d_input: k as u64,
                    d_output: n as u64,
                    bias: false,
                });
                eval = None;
                detail = format!("linear {k} → {n}");
                data_input = Some(&o.lhs);
            }
            OperationIr::NumericFloat(_, NumericOperationIr::Add(o)) => {
                for (a, b) in [(&o.lhs, &o.rhs), (&o.rhs, &o.lhs)] {
                    let (Some(p), Some(bias)) = (producer_of(&origin, a), param_of(&origin, b))
                    else {
                        continue;
                    };
                    let target: &TracedOp = &ops[p];
                    let d_out = target.output.dims().last().copied().unwrap_or(0);
                    let fits = matches!(
                        &target.pricing,
                        Pricing::Layer(Layer::Linear { bias: false, .. })
                    ) && target.field.as_deref() == Some(field_of(&bias).as_str())
                        && numel(b) == d_out
                        && a.shape == out.shape;
                    if fits {
                        fused_into = Some(p);
                        break;
                    }
                }
            }
            _ => {}
        }
        if let Some(p) = silu_of {
            let target = &mut ops[p];
            let layer = Layer::Activation(Activation::Silu);
            if let Some(input) = target.inputs.first()
                && let Ok(e) = layer.infer(input)
            {
                let renamed = match target.name.strip_suffix("sigmoid") {
                    Some(stem) => format!("{stem}silu"),
                    None => target.name.clone(),
                };
                if let Some(node) = model.nodes.iter_mut().find(|n| n.name == target.name) {
                    node.layer = layer.clone();
                    node.name = renamed.clone();
                }
                target.name = renamed;
                target.op = "silu".into();
                target.detail = "silu".into();
                target.eval = e;
                target.pricing = Pricing::Layer(layer);
            }
            for o in &outputs {
                origin.insert(
                    o.id,
                    Origin {
                        param: None,
                        producer: Some(p),
                        data: !ops[p].from_constants,
                    },
                );
            }
            ops.push(TracedOp {
                name: format!("{}.product", ops[p].name),
                op: "mul".into(),
                field: None,
                inputs: inputs.iter().map(|t| shape(t)).collect(),
                output: shape(out),
                pricing: Pricing::Free,
                eval: empty(&shape(out)),
                detail: "x · sigmoid(x), fused into the silu".into(),
                part_of: None,
                from_constants: ops[p].from_constants,
            });
            continue;
        }
        if let Some(p) = fused_into {
            let target = &mut ops[p];
            if let Pricing::Layer(Layer::Linear {
                d_input, d_output, ..
            }) = target.pricing
            {
                let layer = Layer::Linear {
                    d_input,
                    d_output,
                    bias: true,
                };
                if let Some(input) = target.inputs.first()
                    && let Ok(mut e) = layer.infer(input)
                {
                    // A reused linear's parameters are counted at its first use.
                    if target.eval.params == 0 {
                        e.params = 0;
                    }
                    target.eval = e;
                    if let Some(node) = model.nodes.iter_mut().find(|n| n.name == target.name) {
                        node.layer = layer.clone();
                    }
                    target.pricing = Pricing::Layer(layer);
                }
            }
            // The sum is the linear's output from here on.
            for o in &outputs {
                origin.insert(
                    o.id,
                    Origin {
                        param: None,
                        producer: Some(p),
                        data: !ops[p].from_constants,
                    },
                );
            }
            ops.push(TracedOp {
                name: format!("{}.bias", ops[p].name),
                op: "add".into(),
                field: ops[p].field.clone(),
                inputs: inputs.iter().map(|t| shape(t)).collect(),
                output: shape(out),
                pricing: Pricing::Free,
                eval: empty(&shape(out)),
                detail: "bias, fused into the linear layer".into(),
                part_of: None,
                from_constants: ops[p].from_constants,
            });
            continue;
        }
        let is_view = pricing == Pricing::Free;
        // Constants (creations) read nothing; views pass their input's origin on.
        if is_view {
            let from = inputs
                .first()
                .and_then(|t| origin.get(&t.id).cloned())
                .unwrap_or_default();
            for o in &outputs {
                origin.entry(o.id).or_insert_with(|| from.clone());
            }
            if inputs.is_empty() {
                continue;
            }
        }
        let read_params: Vec<String> = inputs.iter().filter_map(|t| param_of(&origin, t)).collect();
        let field = read_params.first().map(|p| field_of(p));
        let producer = inputs
            .iter()
            .filter(|t| param_of(&origin, t).is_none())
            .find_map(|t| producer_of(&origin, t));
        let opname = op_name(op);
        let base = match (&field, producer) {
            (Some(f), _) if !is_view => f.clone(),
            (Some(f), _) => format!("{f}.{opname}"),
            (None, Some(p)) => format!("{}.{}", ops[p].name, opname),
            (None, None) => opname.clone(),
        };
        let name = if is_view {
            base
        } else {
            let count = used.entry(base.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                base
            } else {
                format!("{base}#{count}")
            }
        };
        let in_shapes: Vec<Shape> = inputs.iter().map(|t| shape(t)).collect();
        let out_shape = shape(out);
        // Catalog layers are evaluated on the captured shapes (the data input first, then the
        // others for add/concat); one whose output disagrees with burn's is left unpriced
        // rather than priced wrongly.
        let (pricing, eval) = match pricing {
            Pricing::Layer(layer) => {
                let (data, others) = match data_input {
                    Some(d) => (Some(d), Vec::new()),
                    None => layer_inputs(op, &inputs),
                };
                let others: Vec<Shape> = others.iter().map(|t| shape(t)).collect();
                match data
                    .map(shape)
                    .and_then(|d| Some((layer.infer_with(&d, &others).ok()?, d)))
                {
                    Some((e, d)) if e.output == out_shape => {
                        model.nodes.push(Node {
                            name: name.clone(),
                            layer: layer.clone(),
                            input: Source::Shape(d),
                            with: others.into_iter().map(Source::Shape).collect(),
                        });
                        (Pricing::Layer(layer), e)
                    }
                    _ => (Pricing::Unpriced, empty(&out_shape)),
                }
            }
            Pricing::Kernels => (Pricing::Kernels, eval.unwrap_or_else(|| empty(&out_shape))),
            other => (other, empty(&out_shape)),
        };
        // Parameters an op without weights of its own reads (a class token concatenated, a
        // position embedding added) are the model's too: counted once, at their first use.
        // A layer's own parameters count at its first use only: a tied or reused weight is
        // the same parameters again.
        let mut eval = eval;
        if matches!(pricing, Pricing::Layer(_) | Pricing::Kernels) && !read_params.is_empty() {
            let fresh = read_params
                .iter()
                .filter(|p| counted.insert((*p).clone()))
                .fold(0u64, |acc, p| {
                    acc.saturating_add(sizes.get(p.as_str()).copied().unwrap_or(0))
                });
            eval.params = match eval.params {
                0 => fresh,
                _ if fresh == 0 => 0,
                own => own,
            };
        }
        if pricing == Pricing::Unpriced {
            match unpriced.iter_mut().find(|u| u.op == opname) {
                Some(u) => u.count += 1,
                None => unpriced.push(Unpriced {
                    op: opname.clone(),
                    count: 1,
                    first_output: out_shape.dims().to_vec(),
                }),
            }
        }
        let data = inputs
            .iter()
            .any(|t| origin.get(&t.id).is_some_and(|o| o.data));
        let index = ops.len();
        if rotary {
            rotations.insert(index);
        }
        if opname == "sigmoid"
            && let Some(t) = inputs.first()
        {
            sigmoid_inputs.insert(index, t.id);
        }
        if !is_view {
            for o in &outputs {
                origin.insert(
                    o.id,
                    Origin {
                        param: None,
                        producer: Some(index),
                        data,
                    },
                );
            }
        }
        ops.push(TracedOp {
            name,
            op: if matches!(pricing, Pricing::Layer(Layer::Linear { .. })) {
                "linear".into()
            } else {
                opname
            },
            field,
            inputs: in_shapes,
            output: out_shape,
            pricing,
            eval,
            detail,
            part_of: rotary.then_some("rotary_encoding"),
            from_constants: !data,
        });
    }

    TracedModel {
        model,
        ops,
        unpriced,
    }
}

/// Whether `op` is a step of burn's `RotaryEncoding::apply`: pairs `[.., d/2, 2]` times a
/// constant `[2, 4]` sign matrix, that times the constant frequencies, and the sum of each
/// pair (`rotations` holds the steps before). Its frequencies are a tensor, not a parameter,
/// so these shapes and constants are what tells a rotation from another matmul.
fn is_rotation(
    op: &OperationIr,
    origin: &HashMap<TensorId, Origin>,
    rotations: &std::collections::HashSet<usize>,
) -> bool {
    let constant = |t: &TensorIr| origin.get(&t.id).is_none_or(|o| !o.data);
    let after_rotation =
        |t: &TensorIr| producer_of(origin, t).is_some_and(|p| rotations.contains(&p));
    match op {
        OperationIr::Float(_, FloatOperationIr::Matmul(o)) => {
            let r = &o.rhs.shape;
            o.lhs.shape.last() == Some(&2)
                && r.len() >= 2
                && r[r.len() - 2..] == [2, 4]
                && constant(&o.rhs)
        }
        OperationIr::NumericFloat(_, NumericOperationIr::Mul(o)) => {
            (after_rotation(&o.lhs) && constant(&o.rhs))
                || (after_rotation(&o.rhs) && constant(&o.lhs))
        }
        OperationIr::NumericFloat(_, NumericOperationIr::SumDim(o)) => {
            o.input.shape.last() == Some(&2)
                && o.axis + 1 == o.input.shape.len()
                && after_rotation(&o.input)
        }
        _ => false,
    }
}

fn param_of(origin: &HashMap<TensorId, Origin>, t: &TensorIr) -> Option<String> {
    origin.get(&t.id).and_then(|o| o.param.clone())
}

fn producer_of(origin: &HashMap<TensorId, Origin>, t: &TensorIr) -> Option<usize> {
    origin.get(&t.id).and_then(|o| o.producer)
}

fn empty(out: &Shape) -> LayerEval {
    LayerEval {
        output: out.clone(),
        params: 0,
        kernels: Vec::new(),
    }
}

/// The tensor a catalog layer reads, and the others of `add`/`concat`.
fn layer_inputs<'a>(
    op: &'a OperationIr,
    inputs: &[&'a TensorIr],
) -> (Option<&'a TensorIr>, Vec<&'a TensorIr>) {
    match op {
        OperationIr::Module(ModuleOperationIr::Conv2d(o)) => (Some(&o.x), vec![]),
        OperationIr::Module(ModuleOperationIr::Conv1d(o)) => (Some(&o.x), vec![]),
        OperationIr::Module(ModuleOperationIr::ConvTranspose2d(o)) => (Some(&o.x), vec![]),
        OperationIr::Module(ModuleOperationIr::Linear(o)) => (Some(&o.x), vec![]),
        OperationIr::Module(ModuleOperationIr::BatchNorm(o)) => (Some(&o.x), vec![]),
        OperationIr::Module(ModuleOperationIr::LayerNorm(o)) => (Some(&o.input), vec![]),
        OperationIr::Module(ModuleOperationIr::Embedding(o)) => (Some(&o.indices), vec![]),
        OperationIr::BaseFloat(BaseOperationIr::Cat(c))
        | OperationIr::BaseInt(BaseOperationIr::Cat(c))
        | OperationIr::BaseBool(BaseOperationIr::Cat(c)) => {
            (c.tensors.first(), c.tensors.iter().skip(1).collect())
        }
        OperationIr::NumericFloat(_, NumericOperationIr::Add(o))
        | OperationIr::NumericInt(_, NumericOperationIr::Add(o)) => (Some(&o.lhs), vec![&o.rhs]),
        _ => (inputs.first().copied(), vec![]),
    }
}

/// The field a parameter path belongs to: the module holding `weight`/`bias`/`gamma`/`beta`
/// or running statistics, or the path itself for a `Param` field (`class_token`).
fn field_of(path: &str) -> String {
    const TENSORS: [&str; 6] = [
        "weight",
        "bias",
        "gamma",
        "beta",
        "running_mean",
        "running_var",
    ];
    match path.rsplit_once('.') {
        Some((field, last)) if TENSORS.contains(&last) => field.to_string(),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_names_are_burns_in_snake_case() {
        assert_eq!(snake("MaxPool2dWithIndices"), "max_pool2d_with_indices");
        assert_eq!(snake("AddScalar"), "add_scalar");
        let t = TensorIr::uninit(
            TensorId::new(1),
            burn::tensor::Shape::new([2, 3]),
            burn::tensor::DType::F32,
        );
        let op = OperationIr::NumericFloat(
            burn::tensor::DType::F32,
            NumericOperationIr::DivScalar(burn::backend::ir::ScalarOpIr {
                lhs: t.clone(),
                rhs: burn::backend::ir::ScalarIr::Float(8.0),
                out: t.clone(),
            }),
        );
        assert_eq!(op_name(&op), "div_scalar");
        let op =
            OperationIr::Activation(ActivationOperationIr::Relu(burn::backend::ir::UnaryOpIr {
                input: t.clone(),
                out: t,
            }));
        assert_eq!(op_name(&op), "relu");
    }

    #[test]
    fn convolutions_are_described_as_they_ran() {
        assert_eq!(
            conv_detail(&[3, 3], &[2, 2], &[(1, 1), (1, 1)], 1),
            "3×3 convolution, stride 2, padding 1"
        );
        assert_eq!(
            conv_detail(&[1, 7], &[1, 1], &[(0, 0), (3, 3)], 4),
            "1×7 convolution, padding 0×3, 4 groups"
        );
    }

    #[test]
    fn parameters_belong_to_the_field_holding_them() {
        assert_eq!(field_of("layer1.0.conv1.weight"), "layer1.0.conv1");
        assert_eq!(field_of("bn1.running_mean"), "bn1");
        assert_eq!(field_of("class_token"), "class_token");
    }

    #[test]
    fn a_batched_matmul_is_one_gemm_per_batch_element() {
        let t = |id, dims: &[usize]| {
            TensorIr::uninit(
                TensorId::new(id),
                burn::tensor::Shape::from(dims.to_vec()),
                burn::tensor::DType::F32,
            )
        };
        let (e, detail) = matmul(
            &t(1, &[1, 12, 197, 64]),
            &t(2, &[1, 12, 64, 197]),
            &t(3, &[1, 12, 197, 197]),
        )
        .unwrap();
        assert_eq!(e.macs(), 12 * 197 * 197 * 64);
        assert_eq!(
            e.kernels[0].gemm,
            Some(Gemm {
                batch: 12,
                m: 197,
                n: 197,
                k: 64
            })
        );
        assert_eq!(e.kernels[0].alpha, Some(AlphaInput::matmul(12 * 197)));
        assert_eq!(detail, "12 × [197, 64]·[64, 197] matrix product");
    }
}

/// A pooling layer and its description: "2×2 max pooling, stride 2", or "3 average pooling"
/// in one dimension.
fn pool(
    kind: PoolKind,
    kernel: Vec<u64>,
    stride: Vec<u64>,
    padding: Vec<u64>,
    dilation: Vec<u64>,
    ceil_mode: bool,
) -> (Layer, String) {
    let name = match kind {
        PoolKind::Max => "max",
        PoolKind::Avg => "average",
    };
    let description = match (&kernel[..], stride.first()) {
        ([k1, k2], Some(s)) => format!("{k1}×{k2} {name} pooling, stride {s}"),
        _ => format!("{} {name} pooling", kernel.first().copied().unwrap_or(0)),
    };
    let p = Pool {
        kind,
        kernel,
        stride,
        padding,
        dilation,
        ceil_mode,
    };
    (Layer::Pool(p), description)
}
