//! `rnn` and `birnn` with burn's config keys: one gate, `h = act(W_i·x + W_h·h + b)`, every
//! time step priced, the hidden activation by its `ActivationConfig` variant.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 12, 16])]
pub struct Encoder {
    #[layer(rnn(d_input = 16, d_hidden = 32))]
    first: Layer,
    #[layer(birnn(d_input = 32, d_hidden = 8, bias = false, clip = 1.0, hidden_activation = "relu"))]
    both: Layer,
    #[layer(rnn(d_input = 16, d_hidden = 16, reverse = true, hidden_activation = "identity"))]
    linear: Layer,
    #[layer(rnn(d_input = 16, d_hidden = 16, batch_first = true, hidden_activation = "tanh"))]
    tanh: Layer,
}

fn main() {
    let cost = Encoder::cost();
    let shapes: Vec<&[u64]> = cost.layers.iter().map(|l| l.output.dims()).collect();
    assert_eq!(shapes, [&[2, 12, 32][..], &[2, 12, 16], &[2, 12, 16], &[2, 12, 16]]);
    // One gate of 16·32 + 32² weights and two biases of 32; two directions of 32·8 + 8², no
    // bias; then 16·16 + 16² and two biases of 16, twice.
    let params = [
        16 * 32 + 32 * 32 + 2 * 32,
        2 * (32 * 8 + 8 * 8),
        16 * 16 + 16 * 16 + 2 * 16,
        16 * 16 + 16 * 16 + 2 * 16,
    ];
    let counted: Vec<u64> = cost.layers.iter().map(|l| l.params).collect();
    assert_eq!(counted, params);
    // Every one of the 12 steps runs the gate's two transforms on the batch of 2, each way.
    assert_eq!(cost.layers[0].macs, 12 * 2 * (16 * 32 + 32 * 32));
    assert_eq!(cost.layers[1].macs, 12 * 2 * 2 * (32 * 8 + 8 * 8));
    // The same layer with tanh (5 FLOPs) instead of the identity, on 2·16 hidden units a step.
    assert_eq!(cost.layers[2].macs, cost.layers[3].macs);
    assert_eq!(cost.layers[3].flops - cost.layers[2].flops, 12 * 2 * 16 * 5);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["rnn", "birnn", "rnn", "rnn"]);
}
