//! A model: named layers in forward order, each reading the previous output unless it names
//! another source, priced against a [`Profile`].

use serde::{Deserialize, Serialize};

use crate::cost::{LayerCost, ModelCost, price_kernels_after};
use crate::layer::{Kernel, Layer, LayerError, LayerEval};
use crate::memory::{Mode, Optimizer, dtype_bytes, footprint};
use crate::profile::Profile;
use crate::shape::Shape;

/// Where a node's input comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The previous node's output (the model's input for the first node).
    Previous,
    /// The model's input.
    Input,
    /// The output of an earlier node with this name.
    Node(String),
    /// A fixed shape (an input the model does not compute, e.g. a second modality).
    Shape(Shape),
}

/// One named layer of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub layer: Layer,
    pub input: Source,
    /// Extra inputs of `add` and `concat`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<Source>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub name: String,
    pub input: Shape,
    pub nodes: Vec<Node>,
    /// Element type of weights, caches and activations for the memory metrics (`bf16`, …);
    /// the profile's when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtype: Option<String>,
    /// One inference, or one training step (see [`crate::memory`] and [`Kernel::backward`]).
    #[serde(default, skip_serializing_if = "Mode::is_inference")]
    pub mode: Mode,
    /// The optimizer of a training step, for its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<Optimizer>,
}

/// A layer of a model that cannot be priced: which one, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("layer `{name}` ({op}, #{index}): {error}")]
pub struct ModelError {
    /// 0-based position of the node.
    pub index: usize,
    pub name: String,
    pub op: &'static str,
    /// The shape that flowed into the layer, when it was known.
    pub input: Option<Shape>,
    pub error: LayerError,
}

impl Model {
    pub fn new(name: impl Into<String>, input: impl Into<Shape>) -> Self {
        Model {
            name: name.into(),
            input: input.into(),
            nodes: Vec::new(),
            dtype: None,
            mode: Mode::Inference,
            optimizer: None,
        }
    }

    /// Appends a layer reading the previous output.
    pub fn push(&mut self, name: impl Into<String>, layer: Layer) -> &mut Self {
        self.push_from(name, layer, Source::Previous)
    }

    /// Appends a layer reading `input`.
    pub fn push_from(&mut self, name: impl Into<String>, layer: Layer, input: Source) -> &mut Self {
        self.nodes.push(Node {
            name: name.into(),
            layer,
            input,
            with: Vec::new(),
        });
        self
    }

    /// Appends an `add` or `concat` of the previous output and `with`.
    pub fn push_with(
        &mut self,
        name: impl Into<String>,
        layer: Layer,
        with: Vec<Source>,
    ) -> &mut Self {
        self.nodes.push(Node {
            name: name.into(),
            layer,
            input: Source::Previous,
            with,
        });
        self
    }

    /// Makes this model (nested blocks included) a decode step: every self-attention layer
    /// attends to `past` cached tokens besides the new ones. Returns how many layers it set;
    /// 0 means the model has no self-attention, so `past_tokens` cannot apply.
    pub fn set_past_tokens(&mut self, past: u64) -> usize {
        let mut set = 0;
        for node in &mut self.nodes {
            match &mut node.layer {
                Layer::MultiHeadAttention {
                    d_model,
                    n_heads,
                    bias,
                } => {
                    let attention = crate::layer::Attention::new(*d_model, *n_heads)
                        .bias(*bias)
                        .past_tokens(past);
                    node.layer = Layer::Attention(attention);
                    set += 1;
                }
                Layer::Attention(a) if a.d_context.is_none() => {
                    a.past_tokens = past;
                    set += 1;
                }
                Layer::Block(inner) | Layer::Experts { model: inner, .. } => {
                    set += inner.set_past_tokens(past);
                }
                _ => {}
            }
        }
        set
    }

    /// The current output as a source for a later branch.
    pub fn here(&self) -> Source {
        self.nodes
            .last()
            .map_or(Source::Input, |n| Source::Node(n.name.clone()))
    }

    /// Shape inference of every node on `input` (the model's own input when `None`),
    /// without a profile: what [`Model::price`] and nested blocks build on.
    pub fn evaluate(&self, input: Option<&Shape>) -> Result<Vec<Evaluated>, ModelError> {
        let model_input = input.unwrap_or(&self.input);
        let mut done: Vec<Evaluated> = Vec::with_capacity(self.nodes.len());
        for (index, node) in self.nodes.iter().enumerate() {
            let fail = |input: Option<Shape>, error: LayerError| ModelError {
                index,
                name: node.name.clone(),
                op: node.layer.op(),
                input,
                error,
            };
            let resolve = |source: &Source| -> Result<Shape, LayerError> {
                match source {
                    Source::Previous => {
                        Ok(done.last().map_or(model_input, |e| &e.eval.output).clone())
                    }
                    Source::Input => Ok(model_input.clone()),
                    Source::Shape(s) => Ok(s.clone()),
                    Source::Node(name) => done
                        .iter()
                        .rev()
                        .find(|e| &e.name == name)
                        .map(|e| e.eval.output.clone())
                        .ok_or_else(|| {
                            LayerError::Invalid(format!("no earlier layer is named `{name}`"))
                        }),
                }
            };
            let input = resolve(&node.input).map_err(|e| fail(None, e))?;
            let others = node
                .with
                .iter()
                .map(&resolve)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| fail(Some(input.clone()), e))?;
            let (eval, children) = match &node.layer {
                Layer::Block(_) | Layer::Experts { .. } if !others.is_empty() => {
                    let error = LayerError::Invalid(format!(
                        "a block takes one input, got {}",
                        1 + others.len()
                    ));
                    return Err(fail(Some(input), error));
                }
                Layer::Block(model) => {
                    let children = model.evaluate(Some(&input)).map_err(|e| {
                        fail(
                            Some(input.clone()),
                            LayerError::Nested {
                                model: model.name.clone(),
                                error: Box::new(e),
                            },
                        )
                    })?;
                    let eval = LayerEval::of_children(&input, &children)
                        .map_err(|e| fail(Some(input.clone()), e))?;
                    (eval, children)
                }
                Layer::Experts {
                    model,
                    count,
                    active,
                } => {
                    let nested = |error| {
                        fail(
                            Some(input.clone()),
                            LayerError::Nested {
                                model: model.name.clone(),
                                error: Box::new(error),
                            },
                        )
                    };
                    let children = model.evaluate(Some(&input)).map_err(nested)?;
                    let eval = LayerEval::of_children(&input, &children)
                        .and_then(|one| crate::layer::experts(*count, *active, one))
                        .map_err(|e| fail(Some(input.clone()), e))?;
                    (eval, children)
                }
                layer => (
                    layer
                        .infer_with(&input, &others)
                        .map_err(|e| fail(Some(input.clone()), e))?,
                    Vec::new(),
                ),
            };
            let op = match &node.layer {
                Layer::Block(model) => model.name.clone(),
                Layer::Experts { model, count, .. } => format!("{count} × {}", model.name),
                layer => layer.op().to_string(),
            };
            done.push(Evaluated {
                name: node.name.clone(),
                op,
                input,
                eval,
                children,
            });
        }
        Ok(done)
    }

    /// Shape inference and pricing of every node.
    pub fn price(&self, profile: &Profile) -> Result<ModelCost, ModelError> {
        let mut evaluated = self.evaluate(None)?;
        if self.mode == Mode::Train {
            for e in &mut evaluated {
                e.with_backward();
            }
        }
        let bytes = self
            .dtype
            .as_deref()
            .map_or(Some(profile.dtype_bytes()), dtype_bytes)
            .ok_or_else(|| ModelError {
                index: 0,
                name: self.name.clone(),
                op: "model",
                input: None,
                error: LayerError::Invalid(format!(
                    "unknown dtype `{}`; use f64, f32, tf32, f16, bf16, f8 or i8",
                    self.dtype.as_deref().unwrap_or_default()
                )),
            })?;
        // The model's dtype sets the bytes every memory term and the bandwidth floor count
        // (a bf16 decode step streams 2-byte weights on any profile); compute is the profile's.
        let priced = profile.with_element_bytes(bytes);
        let profile = priced.as_ref();
        // Layers run in order: with a fusing runtime an activation layer after a convolution
        // layer is that convolution's epilogue.
        let mut open = false;
        let layers = evaluated
            .iter()
            .zip(&self.nodes)
            .enumerate()
            .map(|(index, (e, node))| {
                e.price(profile, &mut open).map_err(|error| ModelError {
                    index,
                    name: e.name.clone(),
                    op: node.layer.op(),
                    input: Some(e.input.clone()),
                    error,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The model's totals, checked: a sum past u64 names the layer that took it there.
        let mut totals = [0u64; 3];
        for (index, (l, node)) in layers.iter().zip(&self.nodes).enumerate() {
            for (total, (count, what)) in
                totals
                    .iter_mut()
                    .zip([(l.params, "parameter"), (l.macs, "MAC"), (l.flops, "FLOP")])
            {
                *total = total.checked_add(count).ok_or_else(|| ModelError {
                    index,
                    name: l.name.clone(),
                    op: node.layer.op(),
                    input: Some(l.input.clone()),
                    error: LayerError::Overflow(format!("the model's {what} count up to here")),
                })?;
            }
        }
        let output = evaluated
            .last()
            .map_or(&self.input, |e| &e.eval.output)
            .clone();
        let mut cost =
            ModelCost::from_layers(&self.name, profile, self.input.clone(), output, layers);
        let train = self.mode == Mode::Train;
        let f = footprint(self, &evaluated, train);
        cost.active_params = f.active_params;
        cost.weights_bytes = cost.params.saturating_mul(bytes);
        cost.kv_cache_bytes = f.kv_cache.saturating_mul(bytes);
        cost.activation_bytes = f.activations.saturating_mul(bytes);
        if train {
            // Gradients in the model's dtype; optimizer state in f32.
            let state = self.optimizer.map_or(0, |o| o.state_per_param());
            cost.training_state_bytes = cost
                .params
                .saturating_mul(bytes)
                .saturating_add(cost.params.saturating_mul(4 * state));
        }
        Ok(cost)
    }
}

/// One node after shape inference: what it did, and for a nested block, its own nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    pub name: String,
    /// The op, or the nested model's name for a block.
    pub op: String,
    pub input: Shape,
    pub eval: LayerEval,
    pub children: Vec<Evaluated>,
}

impl Evaluated {
    /// Appends each kernel's backward kernels, in this node and its children.
    fn with_backward(&mut self) {
        let backward: Vec<Kernel> = self
            .eval
            .kernels
            .iter()
            .flat_map(Kernel::backward)
            .collect();
        self.eval.kernels.extend(backward);
        for c in &mut self.children {
            c.with_backward();
        }
    }

    /// Prices this node (and its children) with `profile`; `open` as in
    /// [`price_kernels_after`], carried from the node before to the node after.
    fn price(&self, profile: &Profile, open: &mut bool) -> Result<LayerCost, LayerError> {
        let start = *open;
        let price = price_kernels_after(profile, &self.eval.kernels, open)?;
        let mut cost = LayerCost::new(
            self.name.clone(),
            &self.op,
            self.input.clone(),
            &self.eval,
            price,
        );
        // A block's kernels are its children's, in order: they start where the block does.
        let mut inner = start;
        cost.children = self
            .children
            .iter()
            .map(|c| c.price(profile, &mut inner))
            .collect::<Result<_, _>>()?;
        Ok(cost)
    }
}
