//! A Llama block's kinds, a cross-attention over an encoder, budgets on memory and active
//! parameters, and a decode step and a training step of the same blocks.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget, cost_model};

pub struct RmsNorm;
pub struct Rope;
pub struct Attention;
pub struct SwiGlu;
pub struct Linear;
pub struct Embedding;

#[allow(dead_code)]
#[cost_model]
pub struct Block {
    #[layer(rms_norm(d_model = 64, epsilon = 1e-6))]
    attn_norm: RmsNorm,
    #[layer(rotary_encoding(d_model = 16, max_sequence_length = 128, theta = 500000.0))]
    rope: Rope,
    #[layer(multi_head_attention(d_model = 64, n_heads = 4, n_heads_kv = 2, causal = true, bias = false), then(add(with = "input")))]
    attn: Attention,
    #[layer(rms_norm(d_model = 64))]
    mlp_norm: RmsNorm,
    #[layer(linear(d_input = 64, d_output = 96, bias = false), then(silu))]
    gate: Linear,
    #[layer(linear(d_input = 64, d_output = 96, bias = false), input = "mlp_norm", then(mul(with = "gate")))]
    up: Linear,
    #[layer(linear(d_input = 96, d_output = 64, bias = false), then(add(with = "attn")))]
    down: Linear,
}

#[allow(dead_code)]
#[cost_budget(input = [1, 8], dtype = "bf16", memory_mb = 1, weights_mb = "0.5", active_params = "200k")]
pub struct Prefill {
    #[layer(embedding(n_embedding = 100, d_model = 64))]
    embed: Embedding,
    #[layer(module, repeat = 2)]
    blocks: Vec<Block>,
    #[layer(swiglu(d_input = 64, d_output = 64))]
    head_mlp: SwiGlu,
    #[layer(cross_attention(d_model = 64, d_context = 32, n_heads = 4, n_heads_kv = 1, d_head = 8, with = [[1, 5, 32]]))]
    cross: Attention,
}

#[allow(dead_code)]
#[cost_budget(input = [1, 1], past_tokens = 8, dtype = "bf16")]
pub struct Decode {
    #[layer(embedding(n_embedding = 100, d_model = 64))]
    embed: Embedding,
    #[layer(module, repeat = 2)]
    blocks: Vec<Block>,
}

#[allow(dead_code)]
#[cost_budget(input = [1, 8], mode = "train", optimizer = "adamw")]
pub struct Train {
    #[layer(embedding(n_embedding = 100, d_model = 64))]
    embed: Embedding,
    #[layer(module, repeat = 2)]
    blocks: Vec<Block>,
}

fn main() {
    let prefill = Prefill::cost();
    assert_eq!(prefill.output.dims(), &[1, 8, 64]);
    assert_eq!(prefill.weights_bytes, 2 * prefill.params);
    // Two layers' caches of 8 tokens, 2 key/value heads of 16: 2 · 8 · 32 elements each.
    assert_eq!(prefill.kv_cache_bytes, 2 * 2 * (2 * 8 * 32));
    let decode = Decode::cost();
    assert_eq!(decode.kv_cache_bytes, 2 * 2 * (2 * 9 * 32));
    assert!(decode.macs < prefill.macs);
    let train = Train::cost();
    assert!(train.training_state_bytes > 0);
}
