//! A model: named layers in forward order, each reading the previous output unless it names
//! another source, priced against a [`Profile`].

use serde::{Deserialize, Serialize};

use crate::cost::{LayerCost, ModelCost, price_kernels};
use crate::layer::{Layer, LayerError};
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

    /// The current output as a source for a later branch.
    pub fn here(&self) -> Source {
        self.nodes
            .last()
            .map_or(Source::Input, |n| Source::Node(n.name.clone()))
    }

    /// Shape inference and pricing of every node.
    pub fn price(&self, profile: &Profile) -> Result<ModelCost, ModelError> {
        let mut outputs: Vec<Shape> = Vec::with_capacity(self.nodes.len());
        let mut layers = Vec::with_capacity(self.nodes.len());
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
                    Source::Previous => Ok(outputs.last().unwrap_or(&self.input).clone()),
                    Source::Input => Ok(self.input.clone()),
                    Source::Shape(s) => Ok(s.clone()),
                    Source::Node(name) => self.nodes[..index]
                        .iter()
                        .rposition(|n| &n.name == name)
                        .map(|i| outputs[i].clone())
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
            let eval = node
                .layer
                .infer_with(&input, &others)
                .map_err(|e| fail(Some(input.clone()), e))?;
            let price =
                price_kernels(profile, &eval.kernels).map_err(|e| fail(Some(input.clone()), e))?;
            outputs.push(eval.output.clone());
            layers.push(LayerCost::new(
                node.name.clone(),
                node.layer.op(),
                input,
                &eval,
                price,
            ));
        }
        let output = outputs.last().unwrap_or(&self.input).clone();
        Ok(ModelCost::from_layers(
            &self.name,
            profile,
            self.input.clone(),
            output,
            layers,
        ))
    }
}
