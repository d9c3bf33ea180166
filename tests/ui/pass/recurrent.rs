//! `lstm`, `bilstm`, `gru` and `bigru` with burn's config keys: a sequence tagger, every
//! time step priced.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 12, 16])]
pub struct Tagger {
    #[layer(bilstm(d_input = 16, d_hidden = 32, bias = true))]
    encoder: Layer,
    #[layer(gru(d_input = 64, d_hidden = 24, reset_after = false, clip = 5.0))]
    refine: Layer,
    #[layer(lstm(d_input = 24, d_hidden = 8, bias = false, input_forget = true, reverse = true))]
    head: Layer,
    #[layer(bigru(d_input = 8, d_hidden = 4, batch_first = true))]
    both: Layer,
}

fn main() {
    let cost = Tagger::cost();
    let shapes: Vec<&[u64]> = cost.layers.iter().map(|l| l.output.dims()).collect();
    assert_eq!(shapes, [&[2, 12, 64][..], &[2, 12, 24], &[2, 12, 8], &[2, 12, 8]]);
    // Two directions of four gates, each 16·32 + 32² weights and two biases of 32; three
    // gates of 64·24 + 24² + 2·24; three coupled gates of 24·8 + 8², no bias; two directions
    // of three gates of 8·4 + 4² + 2·4.
    let params = [
        2 * 4 * (16 * 32 + 32 * 32 + 2 * 32),
        3 * (64 * 24 + 24 * 24 + 2 * 24),
        3 * (24 * 8 + 8 * 8),
        2 * 3 * (8 * 4 + 4 * 4 + 2 * 4),
    ];
    let counted: Vec<u64> = cost.layers.iter().map(|l| l.params).collect();
    assert_eq!(counted, params);
    // Every one of the 12 steps runs each gate's two transforms on the batch of 2.
    assert_eq!(cost.layers[0].macs, 12 * 2 * 2 * 4 * (16 * 32 + 32 * 32));
    assert_eq!(cost.layers[1].macs, 12 * 2 * 3 * (64 * 24 + 24 * 24));
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["bilstm", "gru", "lstm", "bigru"]);
}
