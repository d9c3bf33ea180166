//! Recurrent layers: `lstm`, `bilstm`, `gru`, `bigru`, `rnn` and `birnn` (burn-nn's `rnn`
//! module, candle-nn's `rnn`).
//!
//! Priced as burn runs them: every time step, each gate's input and hidden transforms (two
//! dense layers of `d_hidden` outputs on the step's `[batch, ·]` rows), then the gates'
//! element-wise work. A bidirectional layer runs the sequence once each way.

use serde::{Deserialize, Serialize};

use super::common::{elementwise_kernel, nonzero};
use super::{Activation, LayerError, LayerEval, linear};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product, sum};

/// The recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Lstm,
    Gru,
    /// burn's `Rnn`: one gate, `h = act(W_i·x + W_h·h + b)`; `None` is the identity.
    Rnn {
        hidden_activation: Option<Activation>,
    },
}

/// A recurrent layer on `[batch, seq, d_input]` (or `[seq, batch, d_input]` when not
/// `batch_first`), giving `[batch, seq, d_hidden]` (twice `d_hidden` when bidirectional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recurrent {
    pub cell: Cell,
    pub d_input: u64,
    pub d_hidden: u64,
    /// A bias on every transform, input and hidden (burn's and PyTorch's layout).
    pub bias: bool,
    /// Both directions, their outputs concatenated on the features (burn's `BiLstm`, `BiGru`,
    /// `BiRnn`).
    pub bidirectional: bool,
    /// `[batch, seq, d_input]` (burn's default); `[seq, batch, d_input]` otherwise.
    pub batch_first: bool,
    /// LSTM: the forget gate coupled to the input gate (`f = 1 − i`): three gates, not four.
    pub input_forget: bool,
    /// A clamp of the cell (LSTM) or hidden (GRU, RNN) state after every step.
    pub clip: bool,
}

impl Recurrent {
    /// A batch-first, unidirectional layer with biases and every gate.
    pub fn new(cell: Cell, d_input: u64, d_hidden: u64) -> Self {
        Recurrent {
            cell,
            d_input,
            d_hidden,
            bias: true,
            bidirectional: false,
            batch_first: true,
            input_forget: false,
            clip: false,
        }
    }

    /// The kind's key.
    pub fn op(&self) -> &'static str {
        match (self.cell, self.bidirectional) {
            (Cell::Lstm, false) => "lstm",
            (Cell::Lstm, true) => "bilstm",
            (Cell::Gru, false) => "gru",
            (Cell::Gru, true) => "bigru",
            (Cell::Rnn { .. }, false) => "rnn",
            (Cell::Rnn { .. }, true) => "birnn",
        }
    }

    /// burn's gates, in the order its module holds them: each a `GateController` of an
    /// input and a hidden transform.
    pub fn gates(&self) -> &'static [&'static str] {
        match (self.cell, self.input_forget) {
            (Cell::Lstm, false) => &["input_gate", "forget_gate", "output_gate", "cell_gate"],
            (Cell::Lstm, true) => &["input_gate", "output_gate", "cell_gate"],
            (Cell::Gru, _) => &["update_gate", "reset_gate", "new_gate"],
            (Cell::Rnn { .. }, _) => &["gate"],
        }
    }

    /// The directions, as burn's `BiLstm`, `BiGru` and `BiRnn` name them; one unnamed for a
    /// single direction.
    pub fn directions(&self) -> &'static [&'static str] {
        if self.bidirectional {
            &["forward", "reverse"]
        } else {
            &[""]
        }
    }

    /// FLOPs per hidden unit of one step, besides the transforms' GEMMs, as burn's forward
    /// computes them: the sum of each gate's two transforms (1), a sigmoid (4) or tanh (5)
    /// per gate, then the state update.
    fn step_flops(&self) -> u64 {
        let clip = if self.clip { 2 } else { 0 };
        let update = match (self.cell, self.input_forget) {
            // 4 sums, 3 sigmoids, the candidate's tanh; c = f·c + i·g (3), tanh(c), o·tanh(c).
            (Cell::Lstm, false) => 4 + 3 * 4 + 5 + 3 + 5 + 1,
            // 3 sums, 2 sigmoids, f = 1 − i (2), then as above.
            (Cell::Lstm, true) => 3 + 2 * 4 + 2 + 5 + 3 + 5 + 1,
            // 3 sums, 2 sigmoids, the reset product, the candidate's tanh, 1 − z (2),
            // h = g·(1 − z) + z·h (3).
            (Cell::Gru, _) => 3 + 2 * 4 + 1 + 5 + 2 + 3,
            // The gate's sum, then the hidden activation.
            (Cell::Rnn { hidden_activation }, _) => {
                1 + hidden_activation.map_or(0, Activation::flops_per_element)
            }
        };
        update + clip
    }

    /// Parameters: each gate of each direction, `d_input·d_hidden + d_hidden²` weights and,
    /// with `bias`, a bias on each of its two transforms.
    pub fn params(&self) -> Result<u64, LayerError> {
        let (d, h) = (self.d_input, self.d_hidden);
        let per_gate = sum(
            &[
                product(&[d, h], "the parameter count")?,
                product(&[h, h], "the parameter count")?,
                if self.bias { 2 * h } else { 0 },
            ],
            "the parameter count",
        )?;
        let gates = (self.gates().len() * self.directions().len()) as u64;
        product(&[gates, per_gate], "the parameter count")
    }
}

pub(super) fn recurrent(r: &Recurrent, input: &Shape) -> Result<LayerEval, LayerError> {
    let op = r.op();
    nonzero(r.d_input, "d_input")?;
    nonzero(r.d_hidden, "d_hidden")?;
    if input.rank() != 3 {
        return Err(LayerError::Rank {
            op,
            expected: if r.batch_first {
                "[batch, seq, d_input]"
            } else {
                "[seq, batch, d_input]"
            },
            got: input.clone(),
        });
    }
    let d = input.dims();
    let (batch, seq) = if r.batch_first {
        (d[0], d[1])
    } else {
        (d[1], d[0])
    };
    if d[2] != r.d_input {
        return Err(LayerError::Mismatch {
            op,
            what: "input features",
            expected: r.d_input,
            actual: d[2],
            got: input.clone(),
        });
    }
    let directions = r.directions().len() as u64;
    let mut out = d.to_vec();
    out[2] = product(&[directions, r.d_hidden], "the output features")?;
    let out = Shape(out);
    // One step's kernels: each gate's two transforms on the step's rows, then the gates.
    let rows = |features: u64| Shape(vec![batch, features]);
    let mut step = Vec::new();
    for _ in r.gates() {
        let x = linear::linear(r.d_input, r.d_hidden, r.bias, &rows(r.d_input))?;
        let h = linear::linear(r.d_hidden, r.d_hidden, r.bias, &rows(r.d_hidden))?;
        step.extend(x.kernels);
        step.extend(h.kernels);
    }
    let units = product(&[batch, r.d_hidden], "the hidden state")?;
    let gates = r.gates().len() as u64;
    step.push(elementwise_kernel(
        Elementwise::Activation,
        product(&[units, r.step_flops()], "the FLOP count")?,
        // Each gate's two transforms read, the state read and written, the step written out.
        &[product(&[units, 2 * gates + 3], "the elements moved")?],
    )?);
    let steps = product(&[seq, directions], "the number of steps")?;
    let steps =
        usize::try_from(steps).map_err(|_| LayerError::Overflow("the number of steps".into()))?;
    let kernels = std::iter::repeat_n(step, steps).flatten().collect();
    Ok(LayerEval {
        output: out,
        params: r.params()?,
        kernels,
    })
}
