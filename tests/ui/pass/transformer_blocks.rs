//! burn's `PositionWiseFeedForward` and `TransformerEncoder` with their config keys: a small
//! text encoder, its layers priced as burn composes them.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 16])]
pub struct TextEncoder {
    #[layer(embedding(n_embedding = 1000, d_model = 64))]
    tokens: Layer,
    #[layer(transformer_encoder(d_model = 64, d_ff = 256, n_heads = 4, n_layers = 2, norm_first = true, quiet_softmax = true))]
    encoder: Layer,
    #[layer(position_wise_feed_forward(d_model = 64, d_ff = 128, dropout = 0.0, activation = "relu"))]
    head: Layer,
}

fn main() {
    let cost = TextEncoder::cost();
    assert_eq!(cost.output.dims(), &[2, 16, 64]);
    // Per layer: four 64² projections with biases, two linears 64·256 with biases, two norms.
    let layer = 4 * (64 * 64 + 64) + (2 * 64 * 256 + 256 + 64) + 2 * 2 * 64;
    assert_eq!(cost.layers[1].params, 2 * layer);
    assert_eq!(cost.layers[2].params, 2 * 64 * 128 + 128 + 64);
    // The feed-forward: 32 rows through 64 → 128 → 64, a relu (1 FLOP) between.
    assert_eq!(cost.layers[2].macs, 32 * 2 * 64 * 128);
    assert_eq!(cost.layers[2].flops, 2 * 32 * 2 * 64 * 128 + 32 * 128);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["embedding", "transformer_encoder", "position_wise_feed_forward"]);
}
