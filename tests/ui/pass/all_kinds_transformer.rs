//! Every sequence layer kind, with burn's key names.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Embedding;
pub struct MultiHeadAttention;
pub struct LayerNorm;
pub struct Linear;
pub struct Gelu;
pub struct Dropout;
pub struct Softmax;

#[allow(dead_code)]
#[cost_budget(input = [1, 16])]
pub struct Encoder {
    #[layer(embedding(n_embedding = 1000, d_model = 64))]
    embed: Embedding,
    #[layer(multi_head_attention(d_model = 64, n_heads = 4, dropout = 0.1, bias = true))]
    attention: MultiHeadAttention,
    #[layer(layer_norm(d_model = 64))]
    norm: LayerNorm,
    #[layer(linear(d_input = 64, d_output = 256))]
    up: Linear,
    #[layer(gelu)]
    act: Gelu,
    #[layer(dropout(prob = 0.1))]
    dropout: Dropout,
    plain_dropout: Dropout,
    plain_gelu: Gelu,
    #[layer(linear(d_input = 256, d_output = 10))]
    head: Linear,
    #[layer(softmax(dim = -1))]
    softmax: Softmax,
}

fn main() {
    let cost = Encoder::cost();
    assert_eq!(cost.output.dims(), &[1, 16, 10]);
    assert_eq!(cost.layers.len(), 10);
}
