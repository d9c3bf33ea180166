//! A small Llama-style decoder in burn 0.22: token embedding, decoder layers of RMSNorm,
//! rotary grouped-query causal self-attention and a SwiGLU MLP, a final RMSNorm and an untied
//! LM head. Prefill and decode share the weights; decode reads a KV cache.
//!
//! | field | op | output shape (prefill of 16 tokens) |
//! | --- | --- | --- |
//! | `embed` | `Embedding(512 → 128)` | `[1, 16, 128]` |
//! | `layers` | 2 × [`DecoderLayer`]: RMSNorm, rotary, attention (4 heads, 2 key/value heads, causal), residual; RMSNorm, SwiGLU 128 → 344, `Linear(344 → 128)`, residual | `[1, 16, 128]` |
//! | `norm` | RMSNorm | |
//! | `lm_head` | `Linear(128 → 512)`, no bias | `[1, 16, 512]` |
//!
//! The decoder layer is annotated once with its widths as block parameters and bound by
//! [`LlamaDecoder`] (a prefill) and [`LlamaDecodeStep`] (one token after 15 cached ones,
//! `past_tokens = 15`), which price the same weights.

use burn::nn::{
    Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig, RmsNorm, RmsNormConfig,
    RotaryEncoding, RotaryEncodingConfig, SwiGlu, SwiGluConfig,
};
use burn::prelude::*;
use burn::tensor::activation::softmax;

use alphaflops::cost_model;

/// Vocabulary, width, layers, query heads, key/value heads, MLP width, longest sequence.
pub const VOCAB: usize = 512;
pub const D_MODEL: usize = 128;
pub const N_LAYERS: usize = 2;
pub const N_HEADS: usize = 4;
pub const N_HEADS_KV: usize = 2;
pub const D_FF: usize = 344;
pub const MAX_SEQ: usize = 64;
/// The prefill's length.
pub const PROMPT: usize = 16;

/// Grouped-query causal self-attention: `n_heads` query heads share `n_heads_kv` key/value
/// heads; queries and keys are rotated by the layer's [`RotaryEncoding`]. The projections are
/// named as burn's `MultiHeadAttention` names them.
#[derive(Module, Debug)]
pub struct GqaAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub output: Linear,
    pub n_heads: usize,
    pub n_heads_kv: usize,
}

/// One layer's keys and values so far, `[batch, n_heads_kv, tokens, d_head]` each.
#[derive(Clone, Debug, Default)]
pub struct LayerCache {
    pub kv: Option<(Tensor<4>, Tensor<4>)>,
}

impl LayerCache {
    fn len(&self) -> usize {
        self.kv.as_ref().map_or(0, |(k, _)| k.dims()[2])
    }
}

fn linear(d_input: usize, d_output: usize, init: &Initializer, device: &Device) -> Linear {
    LinearConfig::new(d_input, d_output)
        .with_bias(false)
        .with_initializer(init.clone())
        .init(device)
}

impl GqaAttention {
    fn init(
        d_model: usize,
        n_heads: usize,
        n_heads_kv: usize,
        init: &Initializer,
        device: &Device,
    ) -> Self {
        let d_head = d_model / n_heads;
        Self {
            query: linear(d_model, n_heads * d_head, init, device),
            key: linear(d_model, n_heads_kv * d_head, init, device),
            value: linear(d_model, n_heads_kv * d_head, init, device),
            output: linear(n_heads * d_head, d_model, init, device),
            n_heads,
            n_heads_kv,
        }
    }

    /// `[batch, tokens, d_model]` after `cache.len()` cached tokens; appends to the cache.
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RotaryEncoding,
        cache: &mut LayerCache,
    ) -> Tensor<3> {
        let [batch, tokens, d_model] = x.dims();
        let (h, hkv) = (self.n_heads, self.n_heads_kv);
        let d_head = d_model / h;
        let start = cache.len();
        let heads = |t: Tensor<3>, n: usize| t.reshape([batch, tokens, n, d_head]).swap_dims(1, 2);
        let q = rope.apply(heads(self.query.forward(x.clone()), h), start);
        let k = rope.apply(heads(self.key.forward(x.clone()), hkv), start);
        let v = heads(self.value.forward(x), hkv);
        let (k, v) = match cache.kv.take() {
            Some((pk, pv)) => (Tensor::cat(vec![pk, k], 2), Tensor::cat(vec![pv, v], 2)),
            None => (k, v),
        };
        cache.kv = Some((k.clone(), v.clone()));
        let keys = start + tokens;
        // Each key/value head serves n_heads / n_heads_kv query heads.
        let repeat = |t: Tensor<4>| {
            t.unsqueeze_dim::<5>(2)
                .expand([batch, hkv, h / hkv, keys, d_head])
                .reshape([batch, h, keys, d_head])
        };
        let scores = q.matmul(repeat(k).swap_dims(2, 3)) / (d_head as f64).sqrt();
        // Query i (at position start + i) sees keys 0..=start + i.
        let mask = Tensor::<2, Bool>::tril_mask([tokens, keys], start as i64, &scores.device())
            .unsqueeze::<4>()
            .expand([batch, h, tokens, keys]);
        let weights = softmax(scores.mask_fill(mask, f32::NEG_INFINITY), 3);
        let out = weights
            .matmul(repeat(v))
            .swap_dims(1, 2)
            .reshape([batch, tokens, h * d_head]);
        self.output.forward(out)
    }
}

/// A pre-norm decoder layer: `x + attn(rope(attn_norm(x)))`, then
/// `x + down(swiglu(mlp_norm(x)))`.
#[cost_model(params(d_model, n_heads, n_heads_kv, d_head, d_ff, max_seq))]
#[derive(Module, Debug)]
pub struct DecoderLayer {
    #[layer(rms_norm(d_model = d_model))]
    pub attn_norm: RmsNorm,
    /// Rotates the attention's queries and keys, one head (`d_head`) at a time.
    #[layer(rotary_encoding(d_model = d_head, max_sequence_length = max_seq))]
    pub rope: RotaryEncoding,
    #[layer(multi_head_attention(d_model = d_model, n_heads = n_heads, n_heads_kv = n_heads_kv, causal = true, bias = false), then(add(with = "input")))]
    pub attn: GqaAttention,
    #[layer(rms_norm(d_model = d_model))]
    pub mlp_norm: RmsNorm,
    #[layer(swiglu(d_input = d_model, d_output = d_ff))]
    pub gate_up: SwiGlu,
    #[layer(linear(d_input = d_ff, d_output = d_model, bias = false), then(add(with = "attn")))]
    pub down: Linear,
}

impl DecoderLayer {
    fn init(init: &Initializer, device: &Device) -> Self {
        Self {
            attn_norm: RmsNormConfig::new(D_MODEL).init(device),
            rope: RotaryEncodingConfig::new(MAX_SEQ, D_MODEL / N_HEADS).init(device),
            attn: GqaAttention::init(D_MODEL, N_HEADS, N_HEADS_KV, init, device),
            mlp_norm: RmsNormConfig::new(D_MODEL).init(device),
            gate_up: SwiGluConfig::new(D_MODEL, D_FF)
                .with_initializer(init.clone())
                .init(device),
            down: linear(D_FF, D_MODEL, init, device),
        }
    }

    pub fn forward(&self, x: Tensor<3>, cache: &mut LayerCache) -> Tensor<3> {
        let x = x.clone()
            + self
                .attn
                .forward(self.attn_norm.forward(x), &self.rope, cache);
        x.clone()
            + self
                .down
                .forward(self.gate_up.forward(self.mlp_norm.forward(x)))
    }
}

/// The decoder on a prompt of [`PROMPT`] tokens.
#[alphaflops::cost_budget(input = [1, 16], dtype = "bf16", memory_mb = "4")]
#[derive(Module, Debug)]
pub struct LlamaDecoder {
    #[layer(embedding(n_embedding = 512, d_model = 128))]
    pub embed: Embedding,
    #[layer(
        module(
            d_model = 128,
            n_heads = 4,
            n_heads_kv = 2,
            d_head = 32,
            d_ff = 344,
            max_seq = 64
        ),
        repeat = 2
    )]
    pub layers: Vec<DecoderLayer>,
    #[layer(rms_norm(d_model = 128))]
    pub norm: RmsNorm,
    #[layer(linear(d_input = 128, d_output = 512, bias = false))]
    pub lm_head: Linear,
}

/// The same decoder generating one token after 15 cached ones.
#[alphaflops::cost_budget(input = [1, 1], past_tokens = 15, dtype = "bf16")]
#[derive(Module, Debug)]
pub struct LlamaDecodeStep {
    #[layer(module)]
    pub decoder: LlamaDecoder,
}

impl LlamaDecoder {
    /// Builds the decoder with every weight drawn from `init`.
    pub fn new(init: Initializer, device: &Device) -> Self {
        Self {
            embed: EmbeddingConfig::new(VOCAB, D_MODEL)
                .with_initializer(init.clone())
                .init(device),
            layers: (0..N_LAYERS)
                .map(|_| DecoderLayer::init(&init, device))
                .collect(),
            norm: RmsNormConfig::new(D_MODEL).init(device),
            lm_head: linear(D_MODEL, VOCAB, &init, device),
        }
    }

    /// An empty cache, one entry per layer.
    pub fn cache(&self) -> Vec<LayerCache> {
        vec![LayerCache::default(); self.layers.len()]
    }

    /// Logits `[batch, tokens, vocab]` for `tokens` after what `cache` holds.
    pub fn forward(&self, tokens: Tensor<2, Int>, cache: &mut [LayerCache]) -> Tensor<3> {
        let x = self.embed.forward(tokens);
        let x = self
            .layers
            .iter()
            .zip(cache)
            .fold(x, |x, (layer, c)| layer.forward(x, c));
        self.lm_head.forward(self.norm.forward(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops::CostModel;

    fn params() -> usize {
        let attn = 2 * D_MODEL * D_MODEL + 2 * D_MODEL * N_HEADS_KV * (D_MODEL / N_HEADS);
        let layer = 2 * D_MODEL + attn + 3 * D_MODEL * D_FF;
        VOCAB * D_MODEL + N_LAYERS * layer + D_MODEL + D_MODEL * VOCAB
    }

    #[test]
    fn prefill_and_decode_agree_with_the_macro() {
        let device = crate::burn_cpu();
        let model = LlamaDecoder::new(
            Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            },
            &device,
        );
        assert_eq!(model.num_params(), params());
        let mut cache = model.cache();
        let prompt = Tensor::<2, Int>::zeros([1, PROMPT], &device);
        let logits = model.forward(prompt, &mut cache);
        crate::assert_agrees::<LlamaDecoder>(&logits.dims(), model.num_params(), "burn");
        // One more token reads the 16 cached ones.
        let next = Tensor::<2, Int>::zeros([1, 1], &device);
        let step = model.forward(next, &mut cache);
        assert_eq!(cache[0].len(), PROMPT + 1);
        let cost = LlamaDecodeStep::cost();
        assert_eq!(cost.output.dims(), &[1, 1, VOCAB as u64]);
        let dims: Vec<u64> = step.dims().iter().map(|&d| d as u64).collect();
        assert_eq!(cost.output.dims(), dims.as_slice());
        assert_eq!(cost.params, params() as u64);
        // The cache after the step: 2 · 16 tokens · 2 heads · 32 · 2 bytes per layer.
        assert_eq!(cost.kv_cache_bytes, (N_LAYERS * 2 * 16 * 2 * 32 * 2) as u64);
    }

    #[test]
    fn a_causal_prefill_matches_token_by_token_decoding() {
        let device = crate::burn_cpu();
        let model = LlamaDecoder::new(
            Initializer::Normal {
                mean: 0.0,
                std: 0.5,
            },
            &device,
        );
        let ids = Tensor::<2, Int>::from_ints([[3, 141, 59, 26]], &device);
        let all = model.forward(ids.clone(), &mut model.cache());
        let mut cache = model.cache();
        let last = (0..4)
            .map(|i| model.forward(ids.clone().narrow(1, i, 1), &mut cache))
            .last()
            .unwrap();
        let prefill_last = all.narrow(1, 3, 1);
        prefill_last
            .into_data()
            .assert_approx_eq::<f32>(&last.into_data(), burn::tensor::Tolerance::default());
    }

    #[test]
    fn verify_passes_on_the_live_weights() {
        let device = crate::burn_cpu();
        let model = LlamaDecoder::new(Initializer::Zeros, &device);
        alphaflops::verify(&model).unwrap();
    }
}
