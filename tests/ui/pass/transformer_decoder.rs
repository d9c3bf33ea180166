//! burn's `TransformerDecoder` with its config keys: a translation model's decoder attending
//! to the encoder's output, its memory, by `with`.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 20, 32])]
pub struct Translator {
    #[layer(transformer_encoder(d_model = 32, d_ff = 64, n_heads = 4, n_layers = 1))]
    encoder: Layer,
    #[layer(transformer_decoder(d_model = 32, d_ff = 64, n_heads = 4, n_layers = 2, activation = "relu", with = "encoder"), input = [2, 7, 32])]
    decoder: Layer,
}

fn main() {
    let cost = Translator::cost();
    assert_eq!(cost.output.dims(), &[2, 7, 32]);
    // Per decoder layer: two attentions of four 32² projections with biases, the
    // feed-forward's 32·64 linears with biases, three norms.
    let layer = 2 * 4 * (32 * 32 + 32) + (2 * 32 * 64 + 64 + 32) + 3 * 2 * 32;
    assert_eq!(cost.layers[1].params, 2 * layer);
    // For the batch of 2, per layer: self-attention's four projections of the 7 target
    // tokens and its 7·7 scores and sums; cross-attention's queries and output on the 7
    // target tokens, keys and values on the 20 memory tokens, 7·20 scores and sums; the
    // feed-forward's two linears.
    let self_attention = 2 * (4 * 7 * 32 * 32 + 2 * 7 * 7 * 32);
    let cross = 2 * (2 * 7 * 32 * 32 + 2 * 20 * 32 * 32 + 2 * 7 * 20 * 32);
    let ff = 2 * 7 * 2 * 32 * 64;
    assert_eq!(cost.layers[1].macs, 2 * (self_attention + cross + ff));
    assert_eq!(cost.layers[1].op, "transformer_decoder");
}
