//! `positional_encoding` with burn's `PositionalEncodingConfig` keys: fixed sinusoids added
//! to the token embeddings, nothing learned.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 10])]
pub struct Encoder {
    #[layer(embedding(n_embedding = 100, d_model = 16))]
    tokens: Layer,
    #[layer(positional_encoding(max_sequence_size = 512, d_model = 16, max_timescale = 10_000))]
    position: Layer,
}

fn main() {
    let cost = Encoder::cost();
    assert_eq!(cost.output.dims(), &[2, 10, 16]);
    // The embedding's table only; one add for each of the 2·10·16 elements.
    assert_eq!(cost.params, 100 * 16);
    assert_eq!(cost.flops, 2 * 10 * 16);
}
