//! Element-wise layers: the activations (`prelu` and `glu` among them), `softmax`, the
//! residual `add` and `mul`. Dropout, the identity at inference, launches nothing.

use serde::{Deserialize, Serialize};

use super::common::{elementwise_kernel, nonzero};
use super::{Layer, LayerError, LayerEval};
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
    LeakyRelu,
    Elu,
    Celu,
    Selu,
    HardSigmoid,
    HardSwish,
    Hardtanh,
    HardShrink,
    SoftShrink,
    Softplus,
    Softsign,
    LogSigmoid,
    Mish,
    Tanhshrink,
    Threshold,
    ThresholdedRelu,
    RRelu,
    Shrink,
    /// candle's `Relu2`: the relu squared.
    Relu2,
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
            // a compare and a multiply
            Activation::LeakyRelu => 2,
            // compare, exp, subtract, multiply
            Activation::Elu => 4,
            // divide, exp, subtract, multiply, min, max, add
            Activation::Celu => 7,
            // elu's 4 and the scale
            Activation::Selu => 5,
            // multiply, add, two clamps
            Activation::HardSigmoid => 4,
            // hard_sigmoid's 4 and a multiply
            Activation::HardSwish => 5,
            // two clamps, as relu6
            Activation::Hardtanh => 2,
            // abs and a compare
            Activation::HardShrink => 2,
            // abs, subtract, max, the sign back
            Activation::SoftShrink => 4,
            // multiply, exp, add, log, divide
            Activation::Softplus => 5,
            // abs, add, divide
            Activation::Softsign => 3,
            // negate, exp, add, log, negate
            Activation::LogSigmoid => 5,
            // softplus's exp, add and log, tanh's 5, a multiply
            Activation::Mish => 9,
            // tanh's 5 and a subtract
            Activation::Tanhshrink => 6,
            // a compare and select, as relu
            Activation::Threshold => 1,
            // a compare and select, as relu
            Activation::ThresholdedRelu => 1,
            // at inference a leaky relu of the mean slope
            Activation::RRelu => 2,
            // burn's `shrink`: abs, sign, multiply (sign·bias), subtract, compare, mask fill
            Activation::Shrink => 6,
            // relu's compare and a multiply
            Activation::Relu2 => 2,
        }
    }
    /// The kind's key: `relu`, `leaky_relu`, …
    pub fn name(self) -> &'static str {
        Layer::Activation(self).op()
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

/// Element-wise product (a gated MLP's `gate ⊙ up`), broadcast as PyTorch does: a
/// squeeze-and-excitation scale `[N, C, 1, 1]` times the features `[N, C, H, W]`, either
/// way round, is `[N, C, H, W]`. One FLOP per output element and extra input; each input is
/// read once and the output written once.
pub(super) fn mul(input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    if others.iter().all(|o| o == input) {
        return binary("mul", input, others);
    }
    let mut output = input.clone();
    for other in others {
        output = super::tensor::broadcast("mul", &output, other)?;
    }
    let n_out = output.numel()?;
    let flops = product(&[others.len() as u64, n_out], "the FLOP count")?;
    let mut moved = vec![input.numel()?, n_out];
    for other in others {
        moved.push(other.numel()?);
    }
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Binary, flops, &moved)?],
    })
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

/// PyTorch's `PReLU` (burn's `PRelu`): the shape kept, `num_parameters` slopes, which are 1
/// or the channels of dimension 1 (an input of rank 1 has one channel).
pub(super) fn prelu(num_parameters: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    nonzero(num_parameters, "num_parameters")?;
    let channels = input.dims().get(1).copied().filter(|_| input.rank() >= 2);
    if num_parameters != 1 && channels != Some(num_parameters) {
        return Err(LayerError::Mismatch {
            op: "prelu",
            what: "channels",
            expected: num_parameters,
            actual: channels.unwrap_or(1),
            got: input.clone(),
        });
    }
    let flops = product(&[2, n_in], "the FLOP count")?;
    Ok(LayerEval {
        output: input.clone(),
        params: num_parameters,
        kernels: vec![elementwise_kernel(
            Elementwise::Activation,
            flops,
            &[n_in, n_in, num_parameters],
        )?],
    })
}

/// PyTorch's `GLU` (burn's `GLU`): `dim` halved, each output `a · σ(b)`; gated by silu,
/// candle's `swiglu`.
pub(super) fn glu(
    dim: i64,
    activation: Option<Activation>,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let n_in = input.numel()?;
    let axis = input.axis(dim)?;
    let size = input.dims()[axis];
    if !size.is_multiple_of(2) {
        return Err(LayerError::Invalid(format!(
            "glu halves dimension {dim}, but the input {input} has an odd {size} there"
        )));
    }
    let mut out = input.dims().to_vec();
    out[axis] = size / 2;
    let out = Shape(out);
    let n_out = out.numel()?;
    // The gate's activation on one half, then its product with the other.
    let per_element = activation.map_or(0, Activation::flops_per_element) + 1;
    let flops = product(&[per_element, n_out], "the FLOP count")?;
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![elementwise_kernel(
            Elementwise::Activation,
            flops,
            &[n_in, n_out],
        )?],
    })
}
