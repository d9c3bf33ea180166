//! A small Llama-style decoder in candle 0.11, built from candle-nn's own pieces: `RmsNorm`,
//! `rotary_emb::rope`, `kv_cache::KvCache`, and a gated MLP written as `gate`/`up`/`down`
//! linears (the shape candle-transformers' Llama has).
//!
//! | field | op | output shape (prefill of 16 tokens) |
//! | --- | --- | --- |
//! | `embed_tokens` | `Embedding(512 → 128)` | `[1, 16, 128]` |
//! | `layers` | 2 × [`CandleDecoderLayer`]: RMSNorm, rotary, grouped-query causal attention, residual; RMSNorm, `silu(gate(x)) ⊙ up(x)`, `down`, residual | `[1, 16, 128]` |
//! | `norm` | RMSNorm | |
//! | `lm_head` | `Linear(128 → 512)`, no bias | `[1, 16, 512]` |
//!
//! Weights live in a [`VarMap`] under each field's name (`vb.pp("<field>")`, as
//! `alphaflops::verify_candle` needs).

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::kv_cache::KvCache;
use candle_nn::{Activation, Embedding, Linear, RmsNorm, VarBuilder, VarMap};

use alphaflops::cost_model;

pub const VOCAB: usize = 512;
pub const D_MODEL: usize = 128;
pub const N_LAYERS: usize = 2;
pub const N_HEADS: usize = 4;
pub const N_HEADS_KV: usize = 2;
pub const D_HEAD: usize = D_MODEL / N_HEADS;
pub const D_FF: usize = 344;
pub const MAX_SEQ: usize = 64;
pub const PROMPT: usize = 16;
const EPS: f64 = 1e-5;

/// The rotary tables (`cos`, `sin`, `[MAX_SEQ, D_HEAD / 2]`) candle-nn's `rope` reads: no
/// weights.
#[derive(Clone, Debug)]
pub struct Rotary {
    cos: Tensor,
    sin: Tensor,
}

impl Rotary {
    fn new(device: &Device) -> Result<Self> {
        let inv: Vec<f32> = (0..D_HEAD / 2)
            .map(|i| 1.0 / 10000f32.powf(2.0 * i as f32 / D_HEAD as f32))
            .collect();
        let inv = Tensor::new(inv, device)?.unsqueeze(0)?;
        let pos = Tensor::arange(0u32, MAX_SEQ as u32, device)?
            .to_dtype(DType::F32)?
            .unsqueeze(1)?;
        let angles = pos.broadcast_mul(&inv)?;
        Ok(Self {
            cos: angles.cos()?,
            sin: angles.sin()?,
        })
    }

    /// Rotates `[batch, heads, tokens, d_head]` at positions `start..`.
    fn apply(&self, x: &Tensor, start: usize) -> Result<Tensor> {
        let t = x.dim(2)?;
        let cos = self.cos.narrow(0, start, t)?;
        let sin = self.sin.narrow(0, start, t)?;
        candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)
    }
}

/// Grouped-query causal self-attention with a KV cache; projections named as burn's
/// `MultiHeadAttention` names them (`query`, `key`, `value`, `output`).
#[derive(Clone, Debug)]
pub struct CandleAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    cache: KvCache,
}

impl CandleAttention {
    fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            query: candle_nn::linear_no_bias(D_MODEL, N_HEADS * D_HEAD, vb.pp("query"))?,
            key: candle_nn::linear_no_bias(D_MODEL, N_HEADS_KV * D_HEAD, vb.pp("key"))?,
            value: candle_nn::linear_no_bias(D_MODEL, N_HEADS_KV * D_HEAD, vb.pp("value"))?,
            output: candle_nn::linear_no_bias(N_HEADS * D_HEAD, D_MODEL, vb.pp("output"))?,
            cache: KvCache::new(2, MAX_SEQ),
        })
    }

    fn forward(&mut self, x: &Tensor, rotary: &Rotary) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        let start = self.cache.current_seq_len();
        let heads = |y: Tensor, n: usize| y.reshape((b, t, n, D_HEAD))?.transpose(1, 2);
        let q = rotary.apply(&heads(self.query.forward(x)?, N_HEADS)?, start)?;
        let k = rotary.apply(&heads(self.key.forward(x)?, N_HEADS_KV)?, start)?;
        let v = heads(self.value.forward(x)?, N_HEADS_KV)?.contiguous()?;
        let (k, v) = self.cache.append(&k.contiguous()?, &v)?;
        let keys = start + t;
        let groups = N_HEADS / N_HEADS_KV;
        let repeat = |y: Tensor| {
            y.unsqueeze(2)?
                .expand((b, N_HEADS_KV, groups, keys, D_HEAD))?
                .reshape((b, N_HEADS, keys, D_HEAD))
        };
        let scores =
            (q.contiguous()?.matmul(&repeat(k)?.t()?.contiguous()?)? / (D_HEAD as f64).sqrt())?;
        // Query i (position start + i) sees keys 0..=start + i.
        let mask: Vec<f32> = (0..t)
            .flat_map(|i| {
                (0..keys).map(move |j| {
                    if j > start + i {
                        f32::NEG_INFINITY
                    } else {
                        0.0
                    }
                })
            })
            .collect();
        let mask = Tensor::from_vec(mask, (t, keys), x.device())?;
        let weights = candle_nn::ops::softmax_last_dim(&scores.broadcast_add(&mask)?)?;
        let out = weights.matmul(&repeat(v)?.contiguous()?)?;
        let out = out.transpose(1, 2)?.reshape((b, t, N_HEADS * D_HEAD))?;
        self.output.forward(&out)
    }
}

/// A pre-norm decoder layer with a gated MLP written as three linears.
#[cost_model]
#[derive(Clone, Debug)]
pub struct CandleDecoderLayer {
    #[layer(rms_norm(d_model = 128))]
    pub input_layernorm: RmsNorm,
    #[layer(rotary_encoding(d_model = 32, max_sequence_length = 64))]
    pub rotary: Rotary,
    #[layer(
        multi_head_attention(
            d_model = 128,
            n_heads = 4,
            n_heads_kv = 2,
            causal = true,
            bias = false
        ),
        then(add(with = "input"))
    )]
    pub self_attn: CandleAttention,
    #[layer(rms_norm(d_model = 128))]
    pub post_attention_layernorm: RmsNorm,
    #[layer(linear(d_input = 128, d_output = 344, bias = false), then(silu))]
    pub gate: Linear,
    #[layer(
        linear(d_input = 128, d_output = 344, bias = false),
        input = "post_attention_layernorm",
        then(mul(with = "gate"))
    )]
    pub up: Linear,
    #[layer(
        linear(d_input = 344, d_output = 128, bias = false),
        then(add(with = "self_attn"))
    )]
    pub down: Linear,
}

impl CandleDecoderLayer {
    fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            input_layernorm: candle_nn::rms_norm(D_MODEL, EPS, vb.pp("input_layernorm"))?,
            rotary: Rotary::new(vb.device())?,
            self_attn: CandleAttention::new(vb.pp("self_attn"))?,
            post_attention_layernorm: candle_nn::rms_norm(
                D_MODEL,
                EPS,
                vb.pp("post_attention_layernorm"),
            )?,
            gate: candle_nn::linear_no_bias(D_MODEL, D_FF, vb.pp("gate"))?,
            up: candle_nn::linear_no_bias(D_MODEL, D_FF, vb.pp("up"))?,
            down: candle_nn::linear_no_bias(D_FF, D_MODEL, vb.pp("down"))?,
        })
    }

    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let h = self
            .self_attn
            .forward(&self.input_layernorm.forward(x)?, &self.rotary)?;
        let x = (x + h)?;
        let n = self.post_attention_layernorm.forward(&x)?;
        let gated = (Activation::Silu.forward(&self.gate.forward(&n)?)? * self.up.forward(&n)?)?;
        x + self.down.forward(&gated)?
    }
}

/// The decoder on a prompt of [`PROMPT`] tokens.
#[alphaflops::cost_budget(input = [1, 16], dtype = "f32")]
#[derive(Clone, Debug)]
pub struct CandleLlama {
    #[layer(embedding(n_embedding = 512, d_model = 128))]
    pub embed_tokens: Embedding,
    #[layer(module, repeat = 2)]
    pub layers: Vec<CandleDecoderLayer>,
    #[layer(rms_norm(d_model = 128))]
    pub norm: RmsNorm,
    #[layer(linear(d_input = 128, d_output = 512, bias = false))]
    pub lm_head: Linear,
}

impl CandleLlama {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            embed_tokens: candle_nn::embedding(VOCAB, D_MODEL, vb.pp("embed_tokens"))?,
            layers: (0..N_LAYERS)
                .map(|i| CandleDecoderLayer::new(vb.pp("layers").pp(i)))
                .collect::<Result<_>>()?,
            norm: candle_nn::rms_norm(D_MODEL, EPS, vb.pp("norm"))?,
            lm_head: candle_nn::linear_no_bias(D_MODEL, VOCAB, vb.pp("lm_head"))?,
        })
    }

    /// Fresh f32 weights on the CPU, with the [`VarMap`] that owns them.
    pub fn init_cpu() -> Result<(VarMap, Self)> {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let model = Self::new(vb)?;
        Ok((varmap, model))
    }

    /// Logits `[batch, tokens, vocab]` for `ids` after the tokens already cached.
    pub fn forward(&mut self, ids: &Tensor) -> Result<Tensor> {
        let mut x = self.embed_tokens.forward(ids)?;
        for layer in &mut self.layers {
            x = layer.forward(&x)?;
        }
        self.lm_head.forward(&self.norm.forward(&x)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefill_then_decode_agree_with_the_macro() {
        let (varmap, mut model) = CandleLlama::init_cpu().unwrap();
        let ids = Tensor::zeros((1, PROMPT), DType::U32, &Device::Cpu).unwrap();
        let logits = model.forward(&ids).unwrap();
        let live: usize = varmap.all_vars().iter().map(|v| v.elem_count()).sum();
        crate::assert_agrees::<CandleLlama>(logits.dims(), live, "candle");
        let next = Tensor::zeros((1, 1), DType::U32, &Device::Cpu).unwrap();
        let step = model.forward(&next).unwrap();
        assert_eq!(step.dims(), &[1, 1, VOCAB]);
        assert_eq!(
            model.layers[0].self_attn.cache.current_seq_len(),
            PROMPT + 1
        );
        let _ = step.max(candle_core::D::Minus1).unwrap();
    }

    #[test]
    fn verify_candle_passes_on_the_live_weights() {
        let (varmap, _) = CandleLlama::init_cpu().unwrap();
        alphaflops::verify_candle::<CandleLlama>(&varmap).unwrap();
    }
}
