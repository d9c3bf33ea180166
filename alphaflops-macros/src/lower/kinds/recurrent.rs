//! The recurrent kinds' keys: burn's `LstmConfig`, `BiLstmConfig`, `GruConfig`,
//! `BiGruConfig`, `RnnConfig` and `BiRnnConfig`.

use alphaflops_core::layer::{Cell, Recurrent};
use alphaflops_core::{Activation, Layer, Op};

use super::read::{checked, optional, required_positive};
use crate::attr;
use crate::keys::Keys;
use crate::lower::sym::*;

/// lstm(d_input = 64, d_hidden = 128, bias = true, batch_first = true, reverse = false, clip = 5.0, input_forget = false)
/// bilstm(d_input = 64, d_hidden = 128, bias = true, batch_first = true, clip = 5.0, input_forget = false)
/// gru(d_input = 64, d_hidden = 128, bias = true, reset_after = true, clip = 5.0)
/// bigru(d_input = 64, d_hidden = 128, bias = true, reset_after = true, batch_first = true, clip = 5.0)
/// rnn(d_input = 64, d_hidden = 128, bias = true, batch_first = true, reverse = false, clip = 5.0, hidden_activation = "tanh")
/// birnn(d_input = 64, d_hidden = 128, bias = true, batch_first = true, clip = 5.0, hidden_activation = "tanh")
pub(super) fn recurrent(keys: &mut Keys, op: Op) -> Option<Layer> {
    let d_input = required_positive(keys, D_INPUT, "d_input = 64");
    let d_hidden = required_positive(keys, D_HIDDEN, "d_hidden = 128");
    let bias = optional(keys, BIAS, true, attr::boolean);
    let gru = matches!(op, Op::Gru | Op::BiGru);
    if gru {
        // Where the reset product is taken does not change its cost.
        checked(keys, RESET_AFTER, attr::boolean);
    }
    let batch_first = match op {
        Op::Gru => Some(true),
        _ => optional(keys, BATCH_FIRST, true, attr::boolean),
    };
    if matches!(op, Op::Lstm | Op::Rnn) {
        // The same steps, taken backwards.
        checked(keys, REVERSE, attr::boolean);
    }
    // `clip = 5.0`: an `Option`, given as the bound itself.
    let clip = keys.value(CLIP).map(|v| attr::number(keys.cx(), CLIP, &v));
    let input_forget = match op {
        Op::Gru | Op::BiGru | Op::Rnn | Op::BiRnn => Some(false),
        _ => optional(keys, INPUT_FORGET, false, attr::boolean),
    };
    let cell = match op {
        Op::Rnn | Op::BiRnn => {
            let tanh = Some(Activation::Tanh);
            let read = super::transformer::activation;
            optional(keys, HIDDEN_ACTIVATION, tanh, read)
                .map(|hidden_activation| Cell::Rnn { hidden_activation })
        }
        _ if gru => Some(Cell::Gru),
        _ => Some(Cell::Lstm),
    };
    let clip = match clip {
        Some(bound) => bound.map(|_| true),
        None => Some(false),
    };
    Some(Layer::Recurrent(Recurrent {
        cell: cell?,
        d_input: d_input?,
        d_hidden: d_hidden?,
        bias: bias?,
        bidirectional: matches!(op, Op::BiLstm | Op::BiGru | Op::BiRnn),
        batch_first: batch_first?,
        input_forget: input_forget?,
        clip: clip?,
    }))
}
