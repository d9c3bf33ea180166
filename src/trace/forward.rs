//! [`verify_forward`]: an annotation against the forward pass it claims to price.

use std::collections::BTreeMap;

use alphaflops_core::{CostModel, Evaluated, Layer, Model, Shape};
use burn::module::Module;
use burn::tensor::Tensor;

use super::{Pricing, TraceError, TracedModel, TracedOp, trace};
use crate::verify::{Layout, Mismatch, VerifyError};

/// Element-wise FLOPs (everything but `2·MACs`) may differ by this fraction of the
/// annotation's. burn and the catalog decompose a few layers differently (a class token is
/// burn's `expand` + `cat`, a copy in the catalog; a broadcast bias add is burn's own op
/// where a linear layer's bias is fused); none of the examples needs more than 0 %.
pub const ELEMENTWISE_TOLERANCE: f64 = 0.01;

/// Parameterless ops whose counts are compared: what a reused or forgotten module changes.
const COUNTED: [&str; 13] = [
    "relu",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "add",
];

/// One annotated node with its evaluation, nested blocks opened (`layers.0.mlp.fc1`).
struct Leaf<'a> {
    path: String,
    layer: &'a Layer,
    input: Shape,
    output: Shape,
    params: u64,
    macs: u64,
}

fn leaves<'a>(model: &'a Model, evaluated: &[Evaluated], prefix: &str, out: &mut Vec<Leaf<'a>>) {
    for (node, e) in model.nodes.iter().zip(evaluated) {
        let path = format!("{prefix}{}", node.name);
        match &node.layer {
            Layer::Block(inner) => leaves(inner, &e.children, &format!("{path}."), out),
            layer => out.push(Leaf {
                path,
                layer,
                input: e.input.clone(),
                output: e.eval.output.clone(),
                params: e.eval.params,
                macs: e.eval.macs(),
            }),
        }
    }
}

/// The MACs of an annotated layer that read its weights: all of them, except attention's
/// two products of activations (its kernels 1 and 3), which burn runs as parameterless
/// matmuls.
fn weight_macs(leaf: &Leaf, model_macs: &[u64]) -> u64 {
    match leaf.layer {
        Layer::MultiHeadAttention { .. } if model_macs.len() == 5 => model_macs[0] + model_macs[4],
        _ => leaf.macs,
    }
}

/// The count kind of a parameterless annotated layer (attention brings its softmax).
fn annotated_kind(layer: &Layer) -> Option<&'static str> {
    match layer {
        Layer::MultiHeadAttention { .. } => Some("softmax"),
        Layer::Pool(_)
        | Layer::AdaptiveAvgPool { .. }
        | Layer::Activation(_)
        | Layer::Softmax { .. }
        | Layer::Add => Some(layer.op()),
        _ => None,
    }
}

/// Checks a `#[cost_budget]`/`#[cost_model]` struct's annotation against what its forward
/// pass runs, captured by [`trace`] on the annotation's input shape.
///
/// Fields whose parameters the forward reads are compared one by one (the same operations,
/// MACs exactly and the output shape); parameterless operations are compared by count
/// (`relu`, `gelu`, `softmax`, pooling, `add`); in total, MACs must match exactly and
/// element-wise FLOPs within [`ELEMENTWISE_TOLERANCE`], and every output shape the annotation
/// claims must occur in the forward. A failure lists every disagreement, e.g.
///
/// ```text
/// `Net`'s #[layer] annotations disagree with its forward pass; 2 mismatches:
///   - `conv2`: annotated stride 1 → [1, 64, 56, 56]; the forward ran a 3×3 convolution, stride 2, padding 1 to [1, 64, 28, 28]
///   - the forward ran 2.9 G MACs; the annotation prices 3.7 G
/// ```
pub fn verify_forward<M, const D: usize, O>(
    model: &M,
    forward: impl FnOnce(&M, Tensor<D>) -> O,
) -> Result<(), VerifyError>
where
    M: Module + CostModel,
{
    let annotated = M::model();
    let fail = |mismatches: Vec<Mismatch>| VerifyError {
        model: annotated.name.clone(),
        layout: Layout::Burn,
        mismatches,
    };
    let whole = |message: String| Mismatch::Forward {
        field: String::new(),
        message,
    };
    let dims = annotated.input.dims();
    let input: [usize; D] = match <[u64; D]>::try_from(dims) {
        Ok(d) => {
            let mut out = [0usize; D];
            for (o, v) in out.iter_mut().zip(d) {
                *o = usize::try_from(v).map_err(|_| {
                    fail(vec![whole(format!(
                        "the input dimension {v} does not fit in usize"
                    ))])
                })?;
            }
            out
        }
        Err(_) => {
            let e = TraceError::Rank {
                expected: D,
                got: dims.to_vec(),
            };
            return Err(fail(vec![whole(e.to_string())]));
        }
    };
    let traced = trace(model, input, forward).map_err(|e| fail(vec![whole(e.to_string())]))?;
    let mismatches = compare(&annotated, &traced);
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(fail(mismatches))
    }
}

/// [`verify_forward`] for tests: panics with the readable message (every mismatch, one a
/// line) rather than `unwrap`'s `Debug` dump.
///
/// ```ignore
/// #[test]
/// fn annotations_match_the_forward_pass() {
///     alphaflops::assert_forward(&LeNet::new(&device), |m, x| m.forward(x));
/// }
/// ```
#[track_caller]
pub fn assert_forward<M, const D: usize, O>(model: &M, forward: impl FnOnce(&M, Tensor<D>) -> O)
where
    M: Module + CostModel,
{
    if let Err(e) = verify_forward(model, forward) {
        panic!("{e}");
    }
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with('.'))
}

/// Every disagreement between the annotated model and the traced forward.
pub(crate) fn compare(annotated: &Model, traced: &TracedModel) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let field = |field: &str, message: String| Mismatch::Forward {
        field: field.to_string(),
        message,
    };
    let evaluated = match annotated.evaluate(None) {
        Ok(e) => e,
        Err(e) => {
            return vec![Mismatch::Model {
                error: e.to_string(),
            }];
        }
    };
    let mut all = Vec::new();
    leaves(annotated, &evaluated, "", &mut all);
    let kernel_macs = |leaf: &Leaf| -> Vec<u64> {
        leaf.layer
            .infer(&leaf.input)
            .map(|e| e.kernels.iter().map(|k| k.macs).collect())
            .unwrap_or_default()
    };
    let priced: Vec<&TracedOp> = traced.ops().iter().filter(|o| o.is_priced()).collect();

    // Fields with weights: the ops reading them, one by one.
    let weighted: Vec<&Leaf> = all.iter().filter(|l| l.params > 0).collect();
    let mut per_field = false;
    for leaf in &weighted {
        let ran: Vec<&&TracedOp> = priced
            .iter()
            .filter(|o| o.field.as_deref().is_some_and(|f| under(f, &leaf.path)))
            .collect();
        let annotated_out = Shape(leaf.output.dims().to_vec());
        let what = describe(leaf.layer);
        if ran.is_empty() {
            // Priced but never used: the forward bypasses the field.
            out.push(field(
                &leaf.path,
                format!(
                    "annotated {what} → {annotated_out}; the forward never reads its parameters"
                ),
            ));
            per_field = true;
            continue;
        }
        let macs: u64 = ran.iter().map(|o| o.eval.macs()).sum();
        let expected = weight_macs(leaf, &kernel_macs(leaf));
        let single = !matches!(leaf.layer, Layer::MultiHeadAttention { .. });
        if single && ran.len() > 1 {
            let last = ran
                .last()
                .map_or(annotated_out.clone(), |o| o.output.clone());
            out.push(field(
                &leaf.path,
                format!(
                    "the forward ran it {} times ({}, last to {last}); the annotation prices it once",
                    ran.len(),
                    ran[0].detail
                ),
            ));
            per_field = true;
            continue;
        }
        let first = ran[0];
        let out_differs = single && first.output != annotated_out;
        if macs != expected || out_differs {
            let diff = match (&first.pricing, leaf.layer) {
                (Pricing::Layer(l), a) => differences(a, l),
                _ => None,
            };
            let annotated_what = diff.unwrap_or(what);
            // "a 3×3 convolution to [1, 64, 28, 28] (stride 2, padding 1; …)": what ran and
            // where to first, its settings after.
            let (what_ran, settings) = match first.detail.split_once(", ") {
                Some((w, s)) => (w.to_string(), Some(s.to_string())),
                None => (first.detail.clone(), None),
            };
            let ran_what = if single {
                format!("a {what_ran} to {}", first.output)
            } else {
                format!("{} ops", ran.len())
            };
            let mut notes: Vec<String> = settings.into_iter().collect();
            if macs != expected {
                notes.push(format!("{macs} MACs, the annotation prices {expected}"));
            }
            let mut message =
                format!("annotated {annotated_what} → {annotated_out}; the forward ran {ran_what}");
            if !notes.is_empty() {
                message.push_str(&format!(" ({})", notes.join("; ")));
            }
            out.push(field(&leaf.path, message));
            per_field = true;
        }
    }
    // Ops reading parameters of a field the annotation does not price.
    let mut unannotated: BTreeMap<&str, Vec<&TracedOp>> = BTreeMap::new();
    for op in &priced {
        if let Some(f) = op.field.as_deref()
            && !weighted.iter().any(|l| under(f, &l.path))
        {
            unannotated.entry(f).or_default().push(op);
        }
    }
    for (f, ops) in unannotated {
        let first = ops[0];
        out.push(field(
            f,
            format!(
                "the forward ran a {} to {}{}; the annotation does not price it",
                if first.detail.is_empty() {
                    &first.op
                } else {
                    &first.detail
                },
                first.output,
                if ops.len() > 1 {
                    format!(" ({} ops)", ops.len())
                } else {
                    String::new()
                }
            ),
        ));
        per_field = true;
    }

    // Parameterless ops, by count.
    let mut ran_kinds: BTreeMap<&str, Vec<&TracedOp>> = BTreeMap::new();
    for op in &priced {
        if op.field.is_none() && COUNTED.contains(&op.op.as_str()) {
            ran_kinds.entry(op.op.as_str()).or_default().push(op);
        }
    }
    let mut priced_kinds: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for leaf in &all {
        if let Some(kind) = annotated_kind(leaf.layer) {
            priced_kinds.entry(kind).or_default().push(&leaf.path);
        }
    }
    for kind in COUNTED {
        let ran = ran_kinds.get(kind).map_or(&[][..], |v| v.as_slice());
        let claimed = priced_kinds.get(kind).map_or(&[][..], |v| v.as_slice());
        if ran.len() != claimed.len() {
            let after: Vec<String> = ran
                .iter()
                .map(|o| {
                    let base = o.name.split('#').next().unwrap_or(&o.name);
                    let producer = base.strip_suffix(&format!(".{kind}")).unwrap_or(base);
                    format!("`{producer}`")
                })
                .collect();
            // Named after the field that prices it, or else the op the first one follows.
            let owner = claimed.first().map(|p| p.to_string()).unwrap_or_else(|| {
                after
                    .first()
                    .map(|a| a.trim_matches('`').to_string())
                    .unwrap_or_default()
            });
            let mut message = format!(
                "the forward ran {} {kind}; the annotation prices {}",
                ran.len(),
                claimed.len()
            );
            let mut notes = Vec::new();
            if !claimed.is_empty() {
                let at: Vec<String> = claimed.iter().map(|p| format!("`{p}`")).collect();
                notes.push(format!("priced at {}", at.join(", ")));
            }
            if !after.is_empty() {
                notes.push(format!("run after {}", after.join(", ")));
            }
            if !notes.is_empty() {
                message.push_str(&format!(" ({})", notes.join("; ")));
            }
            out.push(field(&owner, message));
        }
    }

    // Totals.
    let annotated_macs: u64 = all.iter().map(|l| l.macs).sum();
    let annotated_flops: u64 = evaluated.iter().map(|e| e.eval.flops()).sum();
    let traced_macs: u64 = priced.iter().map(|o| o.eval.macs()).sum();
    let traced_flops: u64 = priced.iter().map(|o| o.eval.flops()).sum();
    if traced_macs != annotated_macs {
        out.push(field(
            "",
            format!("the forward ran {traced_macs} MACs; the annotation prices {annotated_macs}"),
        ));
    }
    let ew = |flops: u64, macs: u64| flops.saturating_sub(macs.saturating_mul(2)) as f64;
    let (ew_ran, ew_claimed) = (
        ew(traced_flops, traced_macs),
        ew(annotated_flops, annotated_macs),
    );
    let apart = (ew_ran - ew_claimed).abs() / ew_claimed.max(1.0);
    if apart > ELEMENTWISE_TOLERANCE {
        let apart = if ew_claimed > 0.0 {
            format!(
                " ({:.1} % apart, tolerance {:.0} %)",
                apart * 100.0,
                ELEMENTWISE_TOLERANCE * 100.0
            )
        } else {
            String::new()
        };
        out.push(field(
            "",
            format!(
                "the forward ran {ew_ran} element-wise FLOPs; the annotation prices {ew_claimed}{apart}"
            ),
        ));
    }
    for unpriced in traced.unpriced() {
        out.push(field(
            "",
            format!(
                "the forward ran {unpriced}, which alphaflops cannot price; the annotation cannot be checked against it"
            ),
        ));
    }

    // Output shapes: every shape the annotation claims must occur. After a per-field
    // mismatch every later shape shifts, so only the first is told then.
    if !per_field {
        let mut seen: Vec<&Shape> = traced.ops().iter().map(|o| &o.output).collect();
        seen.push(&traced.model().input);
        let missing: Vec<&Leaf> = all.iter().filter(|l| !seen.contains(&&l.output)).collect();
        if let Some(first) = missing.first() {
            out.push(field(
                &first.path,
                format!(
                    "annotated {} → {}, a shape the forward never produces{}",
                    describe(first.layer),
                    first.output,
                    if missing.len() > 1 {
                        format!(
                            " ({} later annotated shapes are missing too)",
                            missing.len() - 1
                        )
                    } else {
                        String::new()
                    }
                ),
            ));
        }
    }
    out
}

fn join(v: &[u64]) -> String {
    if v.len() > 1 && v.iter().all(|&x| x == v[0]) {
        return v[0].to_string();
    }
    v.iter().map(u64::to_string).collect::<Vec<_>>().join("×")
}

/// An annotated layer in a few words.
fn describe(layer: &Layer) -> String {
    match layer {
        Layer::Conv(c) => format!(
            "{} convolution",
            c.kernel
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join("×")
        ),
        Layer::Linear {
            d_input, d_output, ..
        } => format!("linear {d_input} → {d_output}"),
        other => other.op().to_string(),
    }
}

/// What the annotation says differently from the layer the forward ran: `stride 1`,
/// `padding 0`, …; `None` when the layers are of different kinds or agree.
fn differences(annotated: &Layer, ran: &Layer) -> Option<String> {
    let mut parts = Vec::new();
    match (annotated, ran) {
        (Layer::Conv(a), Layer::Conv(r)) => {
            if a.kernel != r.kernel {
                parts.push(format!("kernel {}", join(&a.kernel)));
            }
            if a.stride != r.stride {
                parts.push(format!("stride {}", join(&a.stride)));
            }
            let pads = |p: &alphaflops_core::Padding, c: &alphaflops_core::Conv| match p {
                alphaflops_core::Padding::Valid => vec![(0, 0); c.kernel.len()],
                alphaflops_core::Padding::Same => c
                    .kernel
                    .iter()
                    .zip(&c.dilation)
                    .map(|(&k, &d)| {
                        let t = d * (k - 1);
                        (t / 2, t - t / 2)
                    })
                    .collect(),
                alphaflops_core::Padding::Explicit(p) => p.clone(),
            };
            let (pa, pr) = (pads(&a.padding, a), pads(&r.padding, r));
            if pa != pr {
                let firsts: Vec<u64> = pa.iter().map(|p| p.0).collect();
                parts.push(format!("padding {}", join(&firsts)));
            }
            if a.dilation != r.dilation {
                parts.push(format!("dilation {}", join(&a.dilation)));
            }
            if a.groups != r.groups {
                parts.push(format!("groups {}", a.groups));
            }
            if a.in_channels != r.in_channels || a.out_channels != r.out_channels {
                parts.push(format!("channels [{}, {}]", a.in_channels, a.out_channels));
            }
        }
        (
            Layer::Linear {
                d_input: ai,
                d_output: ao,
                ..
            },
            Layer::Linear {
                d_input: ri,
                d_output: ro,
                ..
            },
        ) => {
            if (ai, ao) != (ri, ro) {
                parts.push(format!("linear {ai} → {ao}"));
            }
        }
        (Layer::Pool(a), Layer::Pool(r)) => {
            if a.kernel != r.kernel {
                parts.push(format!("kernel {}", join(&a.kernel)));
            }
            if a.stride != r.stride {
                parts.push(format!("stride {}", join(&a.stride)));
            }
        }
        _ => return None,
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}
