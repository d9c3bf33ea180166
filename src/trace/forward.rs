//! [`verify_forward`]: an annotation against the forward pass it claims to price.

use std::collections::{BTreeMap, BTreeSet};

use alphaflops_core::{CostModel, Evaluated, Kernel, Layer, Model, Shape};
use burn::module::Module;
use burn::tensor::Tensor;

use super::{Pricing, TraceError, TracedModel, TracedOp, trace};
use crate::verify::{Layout, Mismatch, VerifyError};

/// Element-wise FLOPs (everything but `2·MACs`) may differ by this fraction of the
/// annotation's, counted as burn runs each layer. Where burn decomposes a layer otherwise
/// than the catalog counts it (RMSNorm, group and instance norm, causal attention, the
/// rotation), the comparison follows burn's decomposition exactly, and work on constants
/// alone ([`TracedOp::from_constants`], such as a causal mask built by `tril_mask`) is left
/// out, so every example differs by 0 %; what the tolerance leaves room for is code of the
/// model's own beside its layers.
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
    /// Its forward kernels, as the catalog prices them.
    kernels: Vec<Kernel>,
}

fn leaves<'a>(model: &'a Model, evaluated: &[Evaluated], prefix: &str, out: &mut Vec<Leaf<'a>>) {
    for (node, e) in model.nodes.iter().zip(evaluated) {
        let path = format!("{prefix}{}", node.name);
        match &node.layer {
            Layer::Block(inner) => leaves(inner, &e.children, &format!("{path}."), out),
            layer => {
                // The forward's kernels alone (a training step's evaluation adds backward).
                let kernels = layer
                    .infer(&e.input)
                    .map_or_else(|_| e.eval.kernels.clone(), |l| l.kernels);
                out.push(Leaf {
                    path,
                    layer,
                    input: e.input.clone(),
                    output: e.eval.output.clone(),
                    params: e.eval.params,
                    macs: kernels
                        .iter()
                        .fold(0u64, |acc, k| acc.saturating_add(k.macs)),
                    kernels,
                })
            }
        }
    }
}

/// Attention's kernels that read its weights (the projections) rather than activations
/// (`QKᵀ`, the softmax and `AV`, which burn runs as parameterless ops): self-attention
/// prices `[QKV, QKᵀ, softmax, AV, output]`, cross-attention `[Q, KV, QKᵀ, softmax, AV,
/// output]`.
fn projections(layer: &Layer, kernels: usize) -> Option<&'static [usize]> {
    match (layer, kernels) {
        (Layer::MultiHeadAttention { .. } | Layer::Attention(_), 5) => Some(&[0, 4]),
        (Layer::Attention(_), 6) => Some(&[0, 1, 5]),
        _ => None,
    }
}

/// The MACs of an annotated layer that read its weights: all of them, except attention's
/// two products of activations.
fn weight_macs(leaf: &Leaf) -> u64 {
    match projections(leaf.layer, leaf.kernels.len()) {
        Some(at) => at.iter().map(|&i| leaf.kernels[i].macs).sum(),
        None => leaf.macs,
    }
}

/// How many ops reading a layer's parameters burn runs for it.
#[derive(Clone, Copy, PartialEq)]
enum Reads {
    /// One (a convolution, a linear, a fused norm, an embedding, RMSNorm's `· γ`).
    One,
    /// Exactly this many: `swiglu`'s two linears, an affine group or instance norm's
    /// `· γ` and `+ β`.
    Exactly(usize),
    /// Any number: attention's projections, four linears or fused ones, checked by MACs.
    Any,
}

fn reads(layer: &Layer) -> Reads {
    match layer {
        Layer::MultiHeadAttention { .. } | Layer::Attention(_) | Layer::Experts { .. } => {
            Reads::Any
        }
        Layer::SwiGlu { .. }
        | Layer::GroupNorm { .. }
        | Layer::InstanceNorm { affine: true, .. } => Reads::Exactly(2),
        _ => Reads::One,
    }
}

/// The count kind of a parameterless part of an annotated layer (attention brings its
/// softmax, `swiglu` its SiLU).
fn annotated_kind(layer: &Layer) -> Option<&'static str> {
    match layer {
        Layer::MultiHeadAttention { .. } | Layer::Attention(_) => Some("softmax"),
        Layer::SwiGlu { .. } => Some("silu"),
        Layer::Pool(_)
        | Layer::AdaptiveAvgPool { .. }
        | Layer::Activation(_)
        | Layer::Softmax { .. }
        | Layer::Add => Some(layer.op()),
        _ => None,
    }
}

fn elementwise(flops: u64, macs: u64) -> u64 {
    flops.saturating_sub(macs.saturating_mul(2))
}

/// `value · num / den` without overflow, rounded down.
fn scaled(value: u64, num: u64, den: u64) -> u64 {
    let v = u128::from(value) * u128::from(num) / u128::from(den.max(1));
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// The MACs and element-wise FLOPs the forward runs for an annotated layer as burn
/// decomposes it, where that differs from the catalog's price (which stays the price; these
/// counts serve the comparison only):
/// - causal attention: burn computes every query–key product and masks after, so `QKᵀ` and
///   `AV` run at their dense GEMM shapes, and the scaling and softmax on every score;
/// - `rms_norm`, `x / sqrt(mean(x²) + ε) · γ`: the catalog's 4 per element, and 3 per row
///   (the mean's division, `+ ε`, the root);
/// - `group_norm` and `instance_norm`, `(x − mean) / sqrt(mean((x − mean)²) + ε) · γ + β`:
///   5 per element and 2 more for `· γ + β` (the catalog counts 5), and 4 per group (two
///   means' divisions, `+ ε`, the root).
///
/// `rotary_encoding` is compared apart (see [`compare`]).
fn as_burn_runs(leaf: &Leaf) -> (u64, u64) {
    let flops: u64 = leaf.kernels.iter().map(|k| k.flops).sum();
    let ew = elementwise(flops, leaf.macs);
    let n = leaf.input.numel().unwrap_or(0);
    let first = leaf.input.dims().first().copied().unwrap_or(1);
    match leaf.layer {
        Layer::Attention(a) if a.causal => {
            let dense = |k: &Kernel| {
                k.gemm.map_or(k.macs, |g| {
                    g.batch
                        .saturating_mul(g.m)
                        .saturating_mul(g.n)
                        .saturating_mul(g.k)
                })
            };
            let macs = leaf.kernels.iter().map(dense).sum();
            // The scores kernel: its kept pairs (MACs) against every pair.
            let ew = leaf
                .kernels
                .iter()
                .find(|k| dense(k) > k.macs)
                .map_or(ew, |k| scaled(ew, dense(k), k.macs));
            (macs, ew)
        }
        Layer::RmsNorm { d_model } => (leaf.macs, ew.saturating_add(scaled(n, 3, *d_model))),
        Layer::GroupNorm { num_groups, .. } => (
            leaf.macs,
            ew.saturating_add(n.saturating_mul(2))
                .saturating_add(first.saturating_mul(*num_groups).saturating_mul(4)),
        ),
        Layer::InstanceNorm {
            num_channels,
            affine,
        } => (
            leaf.macs,
            ew.saturating_add(if *affine { n.saturating_mul(2) } else { 0 })
                .saturating_add(first.saturating_mul(*num_channels).saturating_mul(4)),
        ),
        _ => (leaf.macs, ew),
    }
}

/// Checks a `#[cost_budget]`/`#[cost_model]` struct's annotation against what its forward
/// pass runs, captured by [`trace`] on the annotation's input shape.
///
/// Fields whose parameters the forward reads are compared one by one (the same operations,
/// MACs exactly and the output shape); parameterless operations are compared by count
/// (`relu`, `gelu`, `softmax`, pooling, `add`); in total, MACs must match exactly and
/// element-wise FLOPs within [`ELEMENTWISE_TOLERANCE`], and every output shape the annotation
/// claims must occur in the forward. Composite kinds (attention's projections, `swiglu`, an
/// affine group norm) are one use of their field; the totals count each layer as burn runs
/// it, causal attention at its dense products among them; burn's rotations are compared with
/// the nearest `rotary_encoding` field, apart from the totals. A failure lists every
/// disagreement, e.g.
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

/// The steps of each of burn's rotations, in forward order: a rotation's matmul starts one,
/// its product and sum follow (indices into `priced`).
fn rotations(priced: &[&TracedOp]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, op) in priced.iter().enumerate() {
        if op.part_of != Some("rotary_encoding") {
            continue;
        }
        match out.last_mut() {
            Some(group) if op.op != "matmul" => group.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// How many leading path segments `a` and `b` share (`layers.0.attn.query`, `layers.0.rope`: 2).
fn shared_segments(a: &str, b: &str) -> usize {
    a.split('.')
        .zip(b.split('.'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// What an op ran, for messages: its description, or burn's name for it.
fn ran_as(op: &TracedOp) -> &str {
    if op.detail.is_empty() {
        &op.op
    } else {
        &op.detail
    }
}

/// Every disagreement between the annotated model and the traced forward.
///
/// What is compared with what:
/// - burn's rotations (`TracedOp::part_of`) with the `rotary_encoding` field nearest them in
///   the module tree, apart from the totals: their count (queries and keys: 2 per field),
///   their head width and the elements rotated (at most the annotation's, which prices keys
///   as wide as queries);
/// - each field with weights with the ops reading them ([`reads`]); a `tied_linear` with the
///   first later use of another field's weights as a linear of its widths;
/// - parameterless ops by count;
/// - in total, MACs exactly and element-wise FLOPs within [`ELEMENTWISE_TOLERANCE`], the
///   annotation counted as burn runs each layer ([`as_burn_runs`]);
/// - every annotated output shape with the shapes the forward produces.
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
    let priced: Vec<&TracedOp> = traced.ops().iter().filter(|o| o.is_priced()).collect();
    let mut per_field = false;

    // burn's rotations, to the rotary_encoding fields; left out of the totals when one
    // prices them.
    let rotary: Vec<&Leaf> = all
        .iter()
        .filter(|l| matches!(l.layer, Layer::RotaryEncoding { .. }))
        .collect();
    let mut set_aside: BTreeSet<usize> = BTreeSet::new();
    let groups = rotations(&priced);
    // A rotation reads `[.., d/2, 2]` pairs: the head width is twice their count.
    let width = |g: &Vec<usize>| {
        priced[g[0]]
            .inputs
            .first()
            .and_then(|s| s.dims().iter().rev().nth(1).copied())
            .map_or(0, |pairs| pairs * 2)
    };
    let rotated = |g: &Vec<usize>| {
        priced[g[0]]
            .inputs
            .first()
            .map_or(0, |s| s.numel().unwrap_or(u64::MAX))
    };
    let mut of_leaf: Vec<Vec<&Vec<usize>>> = vec![Vec::new(); rotary.len()];
    for group in &groups {
        let name = &priced[group[0]].name;
        // The nearest field; the first of equally near ones.
        let nearest = (0..rotary.len())
            .rev()
            .max_by_key(|&i| shared_segments(name, &rotary[i].path));
        match nearest {
            Some(i) => {
                of_leaf[i].push(group);
                set_aside.extend(group.iter().copied());
            }
            None => {
                let stem = name.strip_suffix(".matmul").unwrap_or(name);
                out.push(field(
                    stem,
                    format!(
                        "the forward ran burn's rotary encoding on {} elements ({}-wide heads); the annotation prices no rotary_encoding",
                        rotated(group),
                        width(group)
                    ),
                ));
                per_field = true;
            }
        }
    }
    for (leaf, groups) in rotary.iter().zip(&of_leaf) {
        let Layer::RotaryEncoding { d_model, .. } = leaf.layer else {
            continue;
        };
        let annotated_out = &leaf.output;
        let claimed = leaf.input.numel().unwrap_or(0).saturating_mul(2);
        let total: u64 = groups.iter().map(|g| rotated(g)).sum();
        let message = if groups.is_empty() {
            Some(format!(
                "annotated rotary_encoding → {annotated_out}; the forward runs no rotary encoding"
            ))
        } else if let Some(w) = groups.iter().map(|g| width(g)).find(|w| w != d_model) {
            Some(format!(
                "annotated rotary_encoding of width {d_model} → {annotated_out}; the forward rotated {w}-wide heads"
            ))
        } else if groups.len() != 2 {
            let sizes: Vec<String> = groups.iter().map(|g| rotated(g).to_string()).collect();
            Some(format!(
                "the forward ran {} rotation{} (of {} elements); the annotation prices 2, the queries and the keys",
                groups.len(),
                if groups.len() == 1 { "" } else { "s" },
                sizes.join(", ")
            ))
        } else if total > claimed {
            Some(format!(
                "the forward rotated {total} elements; the annotation prices {claimed} (queries and keys as wide as its input {})",
                leaf.input
            ))
        } else {
            None
        };
        if let Some(message) = message {
            out.push(field(&leaf.path, message));
            per_field = true;
        }
    }

    // Tied linears: another field's weights read again, by a linear of the tied widths.
    let mut first_reader: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, op) in priced.iter().enumerate() {
        if let Some(f) = op.field.as_deref() {
            first_reader.entry(f).or_insert(i);
        }
    }
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    for leaf in &all {
        let Layer::TiedLinear { d_input, d_output } = *leaf.layer else {
            continue;
        };
        let found = priced.iter().enumerate().position(|(i, o)| {
            let tied = matches!(o.pricing, Pricing::Layer(Layer::Linear { d_input: di, d_output: d_o, bias: false }) if (di, d_o) == (d_input, d_output));
            tied && !claimed.contains(&i)
                && o.field.as_deref().is_some_and(|f| first_reader.get(f) != Some(&i))
                && o.output == leaf.output
        });
        match found {
            Some(i) => {
                claimed.insert(i);
            }
            None => {
                out.push(field(
                    &leaf.path,
                    format!(
                        "annotated tied_linear {d_input} → {d_output} → {}; the forward runs no such linear on another field's weights",
                        leaf.output
                    ),
                ));
                per_field = true;
            }
        }
    }

    // Fields with weights: the ops reading them.
    let weighted: Vec<&Leaf> = all.iter().filter(|l| l.params > 0).collect();
    for leaf in &weighted {
        let ran: Vec<&TracedOp> = priced
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                !claimed.contains(i) && o.field.as_deref().is_some_and(|f| under(f, &leaf.path))
            })
            .map(|(_, o)| *o)
            .collect();
        let annotated_out = Shape(leaf.output.dims().to_vec());
        let what = describe(leaf.layer);
        let (Some(first), Some(last)) = (ran.first().copied(), ran.last().copied()) else {
            // Priced but never used: the forward bypasses the field.
            out.push(field(
                &leaf.path,
                format!(
                    "annotated {what} → {annotated_out}; the forward never reads its parameters"
                ),
            ));
            per_field = true;
            continue;
        };
        let macs: u64 = ran.iter().map(|o| o.eval.macs()).sum();
        let expected = weight_macs(leaf);
        let times = match reads(leaf.layer) {
            Reads::One => Some(1),
            Reads::Exactly(n) => Some(n),
            Reads::Any => None,
        };
        if let Some(n) = times
            && ran.len() != n
        {
            let message = if ran.len() > n && ran.len().is_multiple_of(n) {
                format!(
                    "the forward ran it {} times ({}, last to {}); the annotation prices it once",
                    ran.len() / n,
                    ran_as(first),
                    last.output
                )
            } else {
                format!(
                    "the forward ran {} ops reading its parameters ({}, last to {}); {} reads them in {n}",
                    ran.len(),
                    ran_as(first),
                    last.output,
                    leaf.layer.op()
                )
            };
            out.push(field(&leaf.path, message));
            per_field = true;
            continue;
        }
        let out_differs = times.is_some() && last.output != annotated_out;
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
                None => (ran_as(first).to_string(), None),
            };
            let ran_what = match times {
                Some(1) => format!("a {what_ran} to {}", first.output),
                Some(n) => format!("{n} ops, a {what_ran} first, to {}", last.output),
                None => format!("{} ops", ran.len()),
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
    for (i, op) in priced.iter().enumerate() {
        if let Some(f) = op.field.as_deref()
            && !claimed.contains(&i)
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
                ran_as(first),
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

    // Totals, rotations priced by a rotary_encoding field left out on both sides.
    let counted: Vec<&Leaf> = all
        .iter()
        .filter(|l| !matches!(l.layer, Layer::RotaryEncoding { .. }))
        .collect();
    let annotated_macs: u64 = counted.iter().map(|l| l.macs).sum();
    let annotated_ew: u64 = counted
        .iter()
        .map(|l| elementwise(l.kernels.iter().map(|k| k.flops).sum(), l.macs))
        .sum();
    let (run_macs, run_ew) = counted
        .iter()
        .map(|l| as_burn_runs(l))
        .fold((0u64, 0u64), |(m, e), (lm, le)| {
            (m.saturating_add(lm), e.saturating_add(le))
        });
    // Work on constants alone (a causal mask built from `arange`) is the model's own code
    // beside its layers: no annotation prices it, so it counts for no element-wise total.
    let (traced_macs, traced_ew) = priced
        .iter()
        .enumerate()
        .filter(|(i, _)| !set_aside.contains(i))
        .fold((0u64, 0u64), |(m, e), (_, o)| {
            let macs = o.eval.macs();
            let ew = if o.from_constants {
                0
            } else {
                elementwise(o.eval.flops(), macs)
            };
            (m.saturating_add(macs), e.saturating_add(ew))
        });
    let as_run = |priced: u64, run: u64, what: &str| {
        if priced == run {
            String::new()
        } else {
            format!(", {run} as burn runs it ({what})")
        }
    };
    if traced_macs != run_macs {
        out.push(field(
            "",
            format!(
                "the forward ran {traced_macs} MACs; the annotation prices {annotated_macs}{}",
                as_run(
                    annotated_macs,
                    run_macs,
                    "causal attention's products dense"
                )
            ),
        ));
    }
    let (ew_ran, ew_claimed) = (traced_ew as f64, run_ew as f64);
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
                "the forward ran {traced_ew} element-wise FLOPs; the annotation prices {annotated_ew}{}{apart}",
                as_run(annotated_ew, run_ew, "burn's decompositions of its layers")
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
