//! Element-wise layers: the activations, `softmax`, the residual `add` and `mul`. Dropout, the
//! identity at inference, launches nothing.

use serde::{Deserialize, Serialize};

use super::common::elementwise_kernel;
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product};

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

/// A parameter-free activation, element by element.
pub(super) fn activation(a: Activation, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
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

/// Softmax along `dim`.
pub(super) fn softmax(dim: i64, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    input.axis(dim)?;
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

/// Element-wise addition of equal shapes.
pub(super) fn add(input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    binary("add", input, others)
}

/// Element-wise product of equal shapes (a gated MLP's `gate ⊙ up`).
pub(super) fn mul(input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    binary("mul", input, others)
}

/// One FLOP per element and extra input: a residual sum or a product.
fn binary(op: &str, input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    if others.is_empty() {
        return Err(LayerError::Invalid(format!("{op} needs a second input")));
    }
    for other in others {
        if other != input {
            return Err(LayerError::Invalid(format!(
                "{op} needs equal shapes, got {input} and {other}"
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
