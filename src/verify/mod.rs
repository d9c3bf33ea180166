//! Checking annotations against the weights: compare `#[layer(...)]` annotations with the weights a live
//! model actually holds.
//!
//! `#[cost_budget]` prices a model from its annotations alone, so an annotation that drifted
//! from the code (`d_output = 100` on a layer built with 120) prices a model that does not
//! exist. `verify` (burn, feature `burn`) and `verify_candle` (candle, feature `candle`) walk the live module, list every
//! parameter tensor by its dotted path, and compare it with what the annotations promise:
//!
//! ```ignore
//! // burn (feature `burn`):
//! let model = LeNet::new(&device);
//! alphaflops::verify(&model)?; // Err lists every field whose weights disagree
//!
//! // candle (feature `candle`): the VarMap the model was built from.
//! let (varmap, model) = CandleCnn::init_cpu()?;
//! alphaflops::verify_candle::<CandleCnn>(&varmap)?;
//! ```
//!
//! A typical failure reads:
//!
//! ```text
//! `Head`'s #[layer] annotations disagree with its live weights (burn layout: linear weights are [d_input, d_output]); 3 mismatches:
//!   - `fc1` (linear) `fc1.weight`: annotated [400, 100], live [400, 120]
//!   - `fc1` (linear) `fc1.bias`: annotated [100], live [120]
//!   - `fc1` (linear): annotated 40100 parameters, live 48120
//! ```
//!
//! **What is compared.** For each annotated field (each node of [`CostModel::model`], nested
//! blocks opened as `block.field`), the live tensors whose path is the field's name or starts
//! with `<field>.` must have the shapes of [`Layer::param_shapes`], converted to the
//! framework's [`Layout`], and the same parameter count. Tensors are paired by name where the
//! names agree (`weight`, `bias`) and in order otherwise (burn's norms call theirs `gamma` and
//! `beta`). Live tensors under a field with no annotation, annotated parameters with no live
//! tensor, and live tensors an annotation does not expect are mismatches too. Running
//! statistics (`running_mean`, `running_var`, `num_batches_tracked`) are buffers, not
//! parameters, and are skipped.
//!
//! **Paths.** burn's are the struct's field names (`Vec` elements add their index, so a
//! `repeat = n` field `blocks` holds `blocks.0.…`). candle's are the [`VarBuilder::pp`]
//! prefixes the model was built with, so `verify_candle` needs `vb.pp("<field name>")`.
//!
//! [`check`] is the framework-neutral core: give it the `(path, shape)` pairs of any framework;
//! `burn` and `candle` list them from a live model.
//!
//! [`CostModel::model`]: crate::CostModel::model
//! [`Layer::param_shapes`]: crate::Layer::param_shapes
//! [`VarBuilder::pp`]: https://docs.rs/candle-nn/0.11.1/candle_nn/var_builder/struct.VarBuilderArgs.html#method.pp

#[cfg(feature = "burn")]
mod burn;
#[cfg(feature = "candle")]
mod candle;

use std::fmt;

use alphaflops_core::{Layer, Model, NodeParams, Op, ParamShape};

#[cfg(feature = "burn")]
pub use self::burn::{burn_param_shapes, verify};
#[cfg(feature = "candle")]
pub use self::candle::{candle_param_shapes, verify_candle};

/// How a framework stores a dense (`linear`) layer's weight matrix. Every other tensor has the
/// same layout in burn, candle and PyTorch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// burn: `Linear.weight` is `[d_input, d_output]` (burn's default `LinearLayout::Row`),
    /// and likewise each projection of `MultiHeadAttention`.
    Burn,
    /// PyTorch and candle: `Linear.weight` is `[d_output, d_input]`.
    PyTorch,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layout::Burn => f.write_str("burn layout: linear weights are [d_input, d_output]"),
            Layout::PyTorch => {
                f.write_str("PyTorch/candle layout: linear weights are [d_output, d_input]")
            }
        }
    }
}

/// Tensor names that hold buffers (running statistics), not trainable parameters.
pub const BUFFERS: [&str; 3] = ["running_mean", "running_var", "num_batches_tracked"];

/// Whether a tensor path (`layer1.0.bn1.running_mean`) names a buffer ([`BUFFERS`]).
pub fn is_buffer(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    BUFFERS.contains(&last)
}

/// One disagreement between the annotations and the live weights.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// A tensor has another shape than the annotation implies.
    #[error("`{field}` ({op}) `{param}`: annotated {}, live {}", dims(.expected), dims(.live))]
    Shape {
        /// The annotated field (a dotted path for fields of nested blocks).
        field: String,
        /// The field's annotated op (`linear`, `conv2d`, …).
        op: &'static str,
        /// The live tensor's full path (`fc1.weight`).
        param: String,
        /// The shape the annotation implies, in the framework's layout.
        expected: Vec<u64>,
        live: Vec<u64>,
    },
    /// The field's live tensors hold another number of parameters than the annotation.
    #[error("`{field}` ({op}): annotated {expected} parameters, live {live}")]
    Count {
        field: String,
        op: &'static str,
        expected: u64,
        live: u64,
    },
    /// The annotation implies a tensor the live field does not have (e.g. a bias).
    #[error(
        "`{field}` ({op}): the annotation implies `{param}` {} but the live field has no such tensor",
        dims(.expected)
    )]
    Missing {
        field: String,
        op: &'static str,
        /// The tensor's name in the annotation (`bias`).
        param: String,
        expected: Vec<u64>,
    },
    /// The live field has a tensor the annotation does not imply.
    #[error(
        "`{field}` ({op}): the live tensor `{param}` {} is not implied by the annotation",
        dims(.live)
    )]
    Unexpected {
        field: String,
        op: &'static str,
        param: String,
        live: Vec<u64>,
    },
    /// An annotated field with parameters has no live tensors at all (a wrong field name, or
    /// for candle a `vb.pp` prefix that is not the field's name).
    #[error(
        "`{field}` ({op}): annotated with {} but the live model has no tensor under `{field}.` (is the field or prefix named differently?)",
        tensors(.expected)
    )]
    NotFound {
        field: String,
        op: &'static str,
        expected: Vec<ParamShape>,
    },
    /// Live tensors under a field that has no annotation: they are not priced.
    #[error(
        "`{field}` has no #[layer] annotation but holds {}; annotate it so its parameters are priced",
        tensors(.live)
    )]
    Unannotated {
        field: String,
        live: Vec<ParamShape>,
    },
    /// Live tensors under an annotated field outside every copy the annotation prices: a
    /// `Vec` with more elements than its `repeat`.
    #[error(
        "`{field}` is annotated, but its live tensors {} lie outside every copy the annotation prices; is its `repeat` the number of elements it holds?",
        tensors(.live)
    )]
    Uncovered {
        field: String,
        live: Vec<ParamShape>,
    },
    /// The annotated model cannot be evaluated (cannot happen for a model `#[cost_budget]`
    /// accepted).
    #[error("the annotated model cannot be evaluated: {error}")]
    Model { error: String },
    /// The forward pass ran something else than the annotation prices
    /// ([`crate::verify_forward`]); `field` is empty for totals.
    #[error("{}", forward(.field, .message))]
    Forward { field: String, message: String },
}

impl Mismatch {
    /// The field (or, for [`Mismatch::Model`], the empty string) the mismatch is about.
    pub fn field(&self) -> &str {
        match self {
            Mismatch::Shape { field, .. }
            | Mismatch::Count { field, .. }
            | Mismatch::Missing { field, .. }
            | Mismatch::Unexpected { field, .. }
            | Mismatch::NotFound { field, .. }
            | Mismatch::Unannotated { field, .. }
            | Mismatch::Uncovered { field, .. }
            | Mismatch::Forward { field, .. } => field,
            Mismatch::Model { .. } => "",
        }
    }
}

/// `[4, 1, 3, 3]`.
fn dims(d: &[u64]) -> String {
    let parts: Vec<String> = d.iter().map(u64::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// `` `weight` [4, 1, 3, 3], `bias` [4] ``.
fn tensors(list: &[ParamShape]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|(name, d)| format!("`{name}` {}", dims(d)))
        .collect();
    parts.join(", ")
}

/// Every disagreement between a model's annotations and its live weights.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{model}`'s #[layer] annotations disagree with {}; {}", against(.mismatches, .layout), listed(.mismatches))]
pub struct VerifyError {
    /// The annotated struct's name.
    pub model: String,
    pub layout: Layout,
    /// In forward order of the annotated fields; unannotated fields last.
    pub mismatches: Vec<Mismatch>,
}

/// A forward-pass mismatch: `` `conv2`: … ``, or the message alone for totals.
fn forward(field: &str, message: &str) -> String {
    if field.is_empty() {
        message.to_string()
    } else {
        format!("`{field}`: {message}")
    }
}

/// What the annotations were compared with: the forward pass when every mismatch is one of
/// its, else the live weights in `layout`.
fn against(mismatches: &[Mismatch], layout: &Layout) -> String {
    if !mismatches.is_empty()
        && mismatches
            .iter()
            .all(|m| matches!(m, Mismatch::Forward { .. }))
    {
        "its forward pass".to_string()
    } else {
        format!("its live weights ({layout})")
    }
}

/// The readable message, as anyhow's errors do, so `verify(&m).unwrap()` in a test prints
/// the mismatches rather than the struct.
impl std::fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// `3 mismatches:` and one line per mismatch.
fn listed(mismatches: &[Mismatch]) -> String {
    let n = mismatches.len();
    let mut text = format!("{n} mismatch{}:", if n == 1 { "" } else { "es" });
    for m in mismatches {
        text.push_str(&format!("\n  - {m}"));
    }
    text
}

/// Whether `name` of a tensor of `op` is a dense weight matrix, stored transposed by burn
/// (the catalog's [`Op::is_dense_weight`]).
fn is_dense_weight(op: &str, name: &str) -> bool {
    Op::from_key(op).is_some_and(|op| op.is_dense_weight(name))
}

fn in_layout(op: &str, name: &str, dims: &[u64], layout: Layout) -> Vec<u64> {
    match (layout, dims) {
        (Layout::Burn, [out, inp]) if is_dense_weight(op, name) => vec![*inp, *out],
        _ => dims.to_vec(),
    }
}

/// `path` relative to `prefix`: `Some("")` for the prefix itself, `Some(rest)` under it.
fn under<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix('.')
    }
}

/// The dotted paths of every nested block (`repeat` copies included), to name the field an
/// unannotated tensor belongs to.
fn block_paths(model: &Model, prefix: &str, out: &mut Vec<String>) {
    for node in &model.nodes {
        if let Layer::Block(child) = &node.layer {
            let path = format!("{prefix}{}", node.name);
            block_paths(child, &format!("{path}."), out);
            out.push(path);
        }
    }
}

fn elements(dims: &[u64]) -> u64 {
    dims.iter().fold(1u64, |acc, &d| acc.saturating_mul(d))
}

/// Compares the annotated `model` with `live` `(dotted path, shape)` pairs of a framework
/// storing dense weights in `layout`. Returns every mismatch at once.
pub fn check(
    model: &Model,
    live: &[(String, Vec<usize>)],
    layout: Layout,
) -> Result<(), VerifyError> {
    let fail = |mismatches| VerifyError {
        model: model.name.clone(),
        layout,
        mismatches,
    };
    let leaves = model.node_params().map_err(|e| {
        fail(vec![Mismatch::Model {
            error: e.to_string(),
        }])
    })?;
    let live: Vec<(&str, Vec<u64>)> = live
        .iter()
        .filter(|(path, _)| !is_buffer(path))
        .map(|(path, dims)| (path.as_str(), dims.iter().map(|&d| d as u64).collect()))
        .collect();

    // Each live tensor belongs to the leaf with the longest path it lies under.
    let mut claimed: Vec<Vec<(&str, &str, &[u64])>> = vec![Vec::new(); leaves.len()];
    let mut unclaimed: Vec<(&str, &[u64])> = Vec::new();
    for (path, dims) in &live {
        let owner = leaves
            .iter()
            .enumerate()
            .filter_map(|(i, leaf)| Some((i, leaf.path.len(), under(path, &leaf.path)?)))
            .max_by_key(|&(_, len, _)| len);
        match owner {
            Some((i, _, rest)) => claimed[i].push((path, rest, dims)),
            None => unclaimed.push((path, dims)),
        }
    }

    let mut mismatches = Vec::new();
    for (leaf, live) in leaves.iter().zip(&claimed) {
        compare(leaf, live, layout, &mut mismatches);
    }

    // Unclaimed tensors, grouped by the field they sit in: the innermost block's field.
    let mut blocks = Vec::new();
    block_paths(model, "", &mut blocks);
    let mut unannotated: Vec<(String, Vec<ParamShape>)> = Vec::new();
    for (path, dims) in unclaimed {
        let base = blocks
            .iter()
            .filter(|b| under(path, b).is_some_and(|rest| !rest.is_empty()))
            .max_by_key(|b| b.len());
        let field = match base {
            Some(b) => {
                let rest = under(path, b).unwrap_or(path);
                format!("{b}.{}", rest.split('.').next().unwrap_or(rest))
            }
            None => path.split('.').next().unwrap_or(path).to_string(),
        };
        let entry = (path.to_string(), dims.to_vec());
        match unannotated.iter_mut().find(|(f, _)| *f == field) {
            Some((_, tensors)) => tensors.push(entry),
            None => unannotated.push((field, vec![entry])),
        }
    }
    // A field whose copies the annotation prices, holding tensors outside them.
    let annotated = |field: &str| {
        leaves
            .iter()
            .map(|l| l.path.as_str())
            .chain(blocks.iter().map(String::as_str))
            .any(|p| under(p, field).is_some_and(|rest| !rest.is_empty()))
    };
    mismatches.extend(unannotated.into_iter().map(|(field, live)| {
        if annotated(&field) {
            Mismatch::Uncovered { field, live }
        } else {
            Mismatch::Unannotated { field, live }
        }
    }));

    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(fail(mismatches))
    }
}

/// Compares one annotated leaf with the live tensors under it: `(full path, name relative to
/// the field, shape)`.
fn compare(
    leaf: &NodeParams,
    live: &[(&str, &str, &[u64])],
    layout: Layout,
    out: &mut Vec<Mismatch>,
) {
    let field = &leaf.path;
    let op = leaf.op;
    let live_count = live
        .iter()
        .fold(0u64, |acc, (_, _, d)| acc.saturating_add(elements(d)));
    // A custom op's parameters are a count without tensors: only the count can disagree.
    if op == Op::Custom.key() {
        if live_count != leaf.count {
            out.push(Mismatch::Count {
                field: field.clone(),
                op,
                expected: leaf.count,
                live: live_count,
            });
        }
        return;
    }
    let expected: Vec<(&str, Vec<u64>)> = leaf
        .params
        .iter()
        .map(|(name, dims)| (name.as_str(), in_layout(op, name, dims, layout)))
        .collect();
    if live.is_empty() {
        if !expected.is_empty() {
            out.push(Mismatch::NotFound {
                field: field.clone(),
                op,
                expected: expected
                    .into_iter()
                    .map(|(n, d)| (n.to_string(), d))
                    .collect(),
            });
        }
        return;
    }
    // Pair by name first, then the leftovers of both sides in order.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut live_used = vec![false; live.len()];
    let mut expected_used = vec![false; expected.len()];
    for (e, (name, _)) in expected.iter().enumerate() {
        if let Some(l) = (0..live.len()).find(|&l| !live_used[l] && live[l].1 == *name) {
            live_used[l] = true;
            expected_used[e] = true;
            pairs.push((e, l));
        }
    }
    let live_left: Vec<usize> = (0..live.len()).filter(|&l| !live_used[l]).collect();
    let expected_left: Vec<usize> = (0..expected.len()).filter(|&e| !expected_used[e]).collect();
    pairs.extend(expected_left.iter().copied().zip(live_left.iter().copied()));
    pairs.sort_by_key(|&(e, _)| e);
    for &(e, l) in &pairs {
        if expected[e].1 != live[l].2 {
            out.push(Mismatch::Shape {
                field: field.clone(),
                op,
                param: live[l].0.to_string(),
                expected: expected[e].1.clone(),
                live: live[l].2.to_vec(),
            });
        }
    }
    for &e in expected_left.iter().skip(live_left.len()) {
        out.push(Mismatch::Missing {
            field: field.clone(),
            op,
            param: expected[e].0.to_string(),
            expected: expected[e].1.clone(),
        });
    }
    for &l in live_left.iter().skip(expected_left.len()) {
        out.push(Mismatch::Unexpected {
            field: field.clone(),
            op,
            param: live[l].0.to_string(),
            live: live[l].2.to_vec(),
        });
    }
    if live_count != leaf.count {
        out.push(Mismatch::Count {
            field: field.clone(),
            op,
            expected: leaf.count,
            live: live_count,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops_core::{Activation, Conv, Layer, Padding};

    fn lenet_ish() -> Model {
        let mut m = Model::new("Net", [1, 1, 8, 8]);
        m.push(
            "conv1",
            Layer::Conv(Conv::new(1, 4, &[3, 3]).padding(Padding::Same)),
        );
        m.push("relu", Layer::Activation(Activation::Relu));
        m.push("bn", Layer::BatchNorm { num_features: 4 });
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
                d_input: 256,
                d_output: 10,
                bias: true,
            },
        );
        m
    }

    fn live(v: &[(&str, &[usize])]) -> Vec<(String, Vec<usize>)> {
        v.iter().map(|(n, s)| (n.to_string(), s.to_vec())).collect()
    }

    /// burn's names and layout: norms say gamma/beta and keep running statistics.
    fn burn_live() -> Vec<(String, Vec<usize>)> {
        live(&[
            ("conv1.weight", &[4, 1, 3, 3]),
            ("conv1.bias", &[4]),
            ("bn.gamma", &[4]),
            ("bn.beta", &[4]),
            ("bn.running_mean", &[4]),
            ("bn.running_var", &[4]),
            ("fc.weight", &[256, 10]),
            ("fc.bias", &[10]),
        ])
    }

    /// candle's: sorted by name, PyTorch's layout.
    fn candle_live() -> Vec<(String, Vec<usize>)> {
        live(&[
            ("bn.bias", &[4]),
            ("bn.running_mean", &[4]),
            ("bn.running_var", &[4]),
            ("bn.weight", &[4]),
            ("conv1.bias", &[4]),
            ("conv1.weight", &[4, 1, 3, 3]),
            ("fc.bias", &[10]),
            ("fc.weight", &[10, 256]),
        ])
    }

    fn mismatches(model: &Model, live: &[(String, Vec<usize>)], layout: Layout) -> Vec<Mismatch> {
        check(model, live, layout).unwrap_err().mismatches
    }

    #[test]
    fn matching_weights_pass_in_both_layouts() {
        let m = lenet_ish();
        assert_eq!(check(&m, &burn_live(), Layout::Burn), Ok(()));
        assert_eq!(check(&m, &candle_live(), Layout::PyTorch), Ok(()));
    }

    #[test]
    fn the_wrong_layout_is_a_shape_mismatch() {
        let m = lenet_ish();
        let found = mismatches(&m, &burn_live(), Layout::PyTorch);
        assert_eq!(
            found,
            [Mismatch::Shape {
                field: "fc".into(),
                op: "linear",
                param: "fc.weight".into(),
                expected: vec![10, 256],
                live: vec![256, 10],
            }]
        );
        let found = mismatches(&m, &candle_live(), Layout::Burn);
        assert!(matches!(&found[..], [Mismatch::Shape { expected, .. }] if *expected == [256, 10]));
    }

    #[test]
    fn a_wrong_size_reports_every_tensor_and_the_count() {
        let mut m = lenet_ish();
        m.nodes[4].layer = Layer::Linear {
            d_input: 256,
            d_output: 12,
            bias: true,
        };
        let err = check(&m, &burn_live(), Layout::Burn).unwrap_err();
        assert_eq!(
            err.mismatches,
            [
                Mismatch::Shape {
                    field: "fc".into(),
                    op: "linear",
                    param: "fc.weight".into(),
                    expected: vec![256, 12],
                    live: vec![256, 10],
                },
                Mismatch::Shape {
                    field: "fc".into(),
                    op: "linear",
                    param: "fc.bias".into(),
                    expected: vec![12],
                    live: vec![10],
                },
                Mismatch::Count {
                    field: "fc".into(),
                    op: "linear",
                    expected: 256 * 12 + 12,
                    live: 256 * 10 + 10,
                },
            ]
        );
        let text = err.to_string();
        assert_eq!(
            text,
            "`Net`'s #[layer] annotations disagree with its live weights (burn layout: linear \
             weights are [d_input, d_output]); 3 mismatches:\n  \
             - `fc` (linear) `fc.weight`: annotated [256, 12], live [256, 10]\n  \
             - `fc` (linear) `fc.bias`: annotated [12], live [10]\n  \
             - `fc` (linear): annotated 3084 parameters, live 2570"
        );
    }

    #[test]
    fn a_missing_bias_and_an_extra_tensor() {
        let m = lenet_ish();
        let mut l = burn_live();
        l.retain(|(p, _)| p != "conv1.bias");
        l.push(("fc.scale".into(), vec![1]));
        let found = mismatches(&m, &l, Layout::Burn);
        assert_eq!(
            found,
            [
                Mismatch::Missing {
                    field: "conv1".into(),
                    op: "conv2d",
                    param: "bias".into(),
                    expected: vec![4],
                },
                Mismatch::Count {
                    field: "conv1".into(),
                    op: "conv2d",
                    expected: 40,
                    live: 36,
                },
                Mismatch::Unexpected {
                    field: "fc".into(),
                    op: "linear",
                    param: "fc.scale".into(),
                    live: vec![1],
                },
                Mismatch::Count {
                    field: "fc".into(),
                    op: "linear",
                    expected: 2570,
                    live: 2571,
                },
            ]
        );
        assert!(found[0].to_string().contains("has no such tensor"));
    }

    #[test]
    fn an_unannotated_field_and_an_annotated_field_with_nothing_live() {
        let m = lenet_ish();
        let mut l = candle_live();
        // candle names the head `head`, not `fc`: both sides of the mistake are reported.
        for (p, _) in &mut l {
            if let Some(rest) = p.strip_prefix("fc.") {
                *p = format!("head.{rest}");
            }
        }
        let err = check(&m, &l, Layout::PyTorch).unwrap_err();
        assert_eq!(
            err.mismatches,
            [
                Mismatch::NotFound {
                    field: "fc".into(),
                    op: "linear",
                    expected: vec![("weight".into(), vec![10, 256]), ("bias".into(), vec![10])],
                },
                Mismatch::Unannotated {
                    field: "head".into(),
                    live: vec![
                        ("head.bias".into(), vec![10]),
                        ("head.weight".into(), vec![10, 256])
                    ],
                },
            ]
        );
        let text = err.to_string();
        assert!(text.contains("`fc` (linear): annotated with `weight` [10, 256], `bias` [10] but the live model has no tensor under `fc.`"), "{text}");
        assert!(text.contains("`head` has no #[layer] annotation but holds `head.bias` [10], `head.weight` [10, 256]"), "{text}");
    }

    #[test]
    fn weights_under_a_parameter_free_annotation_are_unexpected() {
        let m = lenet_ish();
        let mut l = burn_live();
        l.push(("relu.alpha".into(), vec![4]));
        let found = mismatches(&m, &l, Layout::Burn);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            matches!(&found[0], Mismatch::Unexpected { field, op: "relu", .. } if field == "relu")
        );
        assert!(matches!(
            &found[1],
            Mismatch::Count {
                expected: 0,
                live: 4,
                ..
            }
        ));
    }

    #[test]
    fn a_custom_op_is_checked_by_its_parameter_count() {
        let mut m = Model::new("Net", [1, 4]);
        m.push(
            "op",
            Layer::Custom(alphaflops_core::Custom {
                macs: 0,
                flops: None,
                params: 10,
                elements: 0,
                output: None,
            }),
        );
        let l = live(&[("op.scale", &[4]), ("op.table", &[2, 3])]);
        assert_eq!(check(&m, &l, Layout::Burn), Ok(()));
        let found = mismatches(&m, &live(&[("op.scale", &[4])]), Layout::Burn);
        assert!(
            matches!(
                &found[..],
                [Mismatch::Count {
                    expected: 10,
                    live: 4,
                    ..
                }]
            ),
            "{found:?}"
        );
    }

    #[test]
    fn nested_blocks_repeats_attention_and_bare_params() {
        let mut inner = Model::new("Enc", [1, 5, 8]);
        inner.push("norm", Layer::LayerNorm { d_model: 8 });
        inner.push(
            "attn",
            Layer::MultiHeadAttention {
                d_model: 8,
                n_heads: 2,
                bias: false,
            },
        );
        let mut m = Model::new("Vit", [1, 4, 8]);
        m.push("cls", Layer::ClassToken { dim: 8 });
        m.push("layers.0", Layer::Block(Box::new(inner.clone())));
        m.push("layers.1", Layer::Block(Box::new(inner)));
        let mut l = live(&[("cls", &[1, 1, 8])]);
        for i in 0..2 {
            l.push((format!("layers.{i}.norm.gamma"), vec![8]));
            l.push((format!("layers.{i}.norm.beta"), vec![8]));
            for p in ["query", "key", "value", "output"] {
                l.push((format!("layers.{i}.attn.{p}.weight"), vec![8, 8]));
            }
        }
        assert_eq!(check(&m, &l, Layout::Burn), Ok(()));
        // An extra sub-module inside the second block is named by its block path.
        l.push(("layers.1.mlp.weight".into(), vec![8, 8]));
        assert_eq!(
            mismatches(&m, &l, Layout::Burn),
            [Mismatch::Unannotated {
                field: "layers.1.mlp".into(),
                live: vec![("layers.1.mlp.weight".into(), vec![8, 8])],
            }]
        );
    }

    #[test]
    fn a_repeat_one_short_names_the_annotated_field_and_debug_reads_as_display() {
        let mut inner = Model::new("Enc", [1, 5, 8]);
        inner.push("norm", Layer::LayerNorm { d_model: 8 });
        let mut m = Model::new("Stack", [1, 4, 8]);
        m.push("blocks.0", Layer::Block(Box::new(inner.clone())));
        m.push("blocks.1", Layer::Block(Box::new(inner)));
        let mut l = Vec::new();
        for i in 0..3 {
            l.push((format!("blocks.{i}.norm.gamma"), vec![8]));
            l.push((format!("blocks.{i}.norm.beta"), vec![8]));
        }
        let err = check(&m, &l, Layout::Burn).unwrap_err();
        assert_eq!(
            err.mismatches,
            [Mismatch::Uncovered {
                field: "blocks".into(),
                live: vec![
                    ("blocks.2.norm.gamma".into(), vec![8]),
                    ("blocks.2.norm.beta".into(), vec![8]),
                ],
            }]
        );
        let text = err.to_string();
        assert!(
            text.contains("`blocks` is annotated, but its live tensors"),
            "{text}"
        );
        assert!(!text.contains("no #[layer] annotation"), "{text}");
        assert_eq!(format!("{err:?}"), text, "unwrap() prints the message");
    }

    #[test]
    fn an_unevaluable_model_is_an_error_not_a_panic() {
        let mut m = lenet_ish();
        m.nodes[4].layer = Layer::Linear {
            d_input: 3,
            d_output: 10,
            bias: true,
        };
        let found = mismatches(&m, &burn_live(), Layout::Burn);
        assert!(matches!(&found[..], [Mismatch::Model { .. }]), "{found:?}");
        assert_eq!(found[0].field(), "");
    }
}
