//! Attention: `multi_head_attention` (PyTorch's `nn.MultiheadAttention`) with grouped-query
//! key/value heads, a causal mask and a KV cache, and `cross_attention`.
//!
//! # Counting convention
//! - Attention over `L` keys: a prefill of `T` new tokens after `past_tokens` cached ones has
//!   `L = past_tokens + T` keys. Without a mask every query meets all `L` keys; with
//!   `causal = true` query `i` (0-based) meets `past_tokens + i + 1` of them, so a head keeps
//!   `T·past_tokens + T(T+1)/2` query–key pairs. `QKᵀ` and `AV` each cost `d_head` MACs per
//!   kept pair; the scaling by `1/√d_head` costs one FLOP and softmax five per kept pair. The
//!   GEMMs ([`Gemm`]) are the dense `T × L` products a kernel tiles; a causal kernel skips the
//!   masked half, so its MACs are below `batch·m·n·k`.
//! - Projections: `Q` is `d_model → n_heads·d_head`, `K` and `V` are `d_model →
//!   n_heads_kv·d_head` (from `d_context` for cross-attention), the output `n_heads·d_head →
//!   d_model`; biases on all four when `bias`. Self-attention runs `Q`, `K`, `V` as one fused
//!   GEMM. Plain multi-head attention is `n_heads_kv = n_heads`, `d_head = d_model / n_heads`.

use serde::{Deserialize, Serialize};

use super::common::{elementwise_kernel, matmul_kernel, nonzero};
use super::{LayerError, LayerEval};
use crate::alpha::AlphaInput;
use crate::kernel::{Elementwise, Gemm};
use crate::shape::{Shape, product, sum};

/// `[N, T, D]` with `D = dim`, split.
pub(super) fn sequence(
    op: &'static str,
    input: &Shape,
    dim: u64,
) -> Result<(u64, u64, u64), LayerError> {
    nonzero(dim, "dim")?;
    if input.rank() != 3 {
        return Err(LayerError::Rank {
            op,
            expected: "[N, T, D]",
            got: input.clone(),
        });
    }
    let d = input.dims();
    if d[2] != dim {
        return Err(LayerError::Mismatch {
            op,
            what: "features",
            expected: dim,
            actual: d[2],
            got: input.clone(),
        });
    }
    Ok((d[0], d[1], d[2]))
}

/// Attention on `[N, T, d_model]`, self (`d_context = None`) or cross.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    pub d_model: u64,
    pub n_heads: u64,
    /// Key/value heads: `n_heads` for multi-head, fewer for grouped-query, 1 for multi-query.
    pub n_heads_kv: u64,
    pub d_head: u64,
    /// Only the query–key pairs a causal mask keeps are counted.
    #[serde(default)]
    pub causal: bool,
    pub bias: bool,
    /// Tokens already in the KV cache (a decode step); 0 for a prefill.
    #[serde(default)]
    pub past_tokens: u64,
    /// Cross-attention: keys and values come from a second input `[N, S, d_context]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_context: Option<u64>,
}

impl Attention {
    /// Multi-head self-attention with `d_head = d_model / n_heads`, no mask, no cache.
    pub fn new(d_model: u64, n_heads: u64) -> Self {
        Attention {
            d_model,
            n_heads,
            n_heads_kv: n_heads,
            d_head: d_model.checked_div(n_heads).unwrap_or(0),
            causal: false,
            bias: true,
            past_tokens: 0,
            d_context: None,
        }
    }
    pub fn n_heads_kv(mut self, n_heads_kv: u64) -> Self {
        self.n_heads_kv = n_heads_kv;
        self
    }
    pub fn d_head(mut self, d_head: u64) -> Self {
        self.d_head = d_head;
        self
    }
    pub fn causal(mut self, causal: bool) -> Self {
        self.causal = causal;
        self
    }
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
    pub fn past_tokens(mut self, past_tokens: u64) -> Self {
        self.past_tokens = past_tokens;
        self
    }
    pub fn cross(mut self, d_context: u64) -> Self {
        self.d_context = Some(d_context);
        self
    }

    pub(super) fn op(&self) -> &'static str {
        if self.d_context.is_some() {
            "cross_attention"
        } else {
            "multi_head_attention"
        }
    }

    fn check(&self) -> Result<(), LayerError> {
        nonzero(self.n_heads, "n_heads")?;
        nonzero(self.n_heads_kv, "n_heads_kv")?;
        nonzero(self.d_head, "d_head")?;
        if !self.n_heads.is_multiple_of(self.n_heads_kv) {
            return Err(LayerError::Invalid(format!(
                "n_heads_kv = {} does not divide n_heads = {}",
                self.n_heads_kv, self.n_heads
            )));
        }
        if let Some(c) = self.d_context {
            nonzero(c, "d_context")?;
            if self.past_tokens > 0 {
                return Err(LayerError::Invalid(
                    "cross-attention reads its keys from the context, not a cache: past_tokens must be 0".into(),
                ));
            }
        }
        Ok(())
    }

    /// Keys each batch element's queries see, and the query–key pairs kept per head.
    fn keys_and_pairs(&self, t: u64, context: Option<u64>) -> Result<(u64, u64), LayerError> {
        let keys = match context {
            Some(s) => s,
            None => sum(&[self.past_tokens, t], "the number of keys")?,
        };
        let pairs = if self.causal {
            // Query i meets past + i + 1 keys: T·past + T(T+1)/2 in all.
            let triangle = product(&[t, sum(&[t, 1], "the number of keys")?], "the pairs")? / 2;
            sum(
                &[product(&[t, self.past_tokens], "the pairs")?, triangle],
                "the query-key pairs",
            )?
        } else {
            product(&[t, keys], "the query-key pairs")?
        };
        Ok((keys, pairs))
    }

    /// Elements the KV cache holds after this step for input `[N, T, d_model]`:
    /// `2 · N · (past + T) · n_heads_kv · d_head` (none for cross-attention, whose keys are
    /// the context's).
    pub fn kv_cache_elements(&self, input: &Shape) -> u64 {
        let d = input.dims();
        if self.d_context.is_some() || d.len() != 3 {
            return 0;
        }
        product(
            &[
                2,
                d[0],
                self.past_tokens.saturating_add(d[1]),
                self.n_heads_kv,
                self.d_head,
            ],
            "the KV cache",
        )
        .unwrap_or(u64::MAX)
    }

    pub(super) fn infer(&self, input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
        self.check()?;
        let (n, t, d) = sequence(self.op(), input, self.d_model)?;
        let context = match (self.d_context, others) {
            (None, []) => None,
            (None, _) => {
                return Err(LayerError::Invalid(format!(
                    "self-attention takes one input, got {}",
                    1 + others.len()
                )));
            }
            (Some(dc), [ctx]) => {
                let (nc, s, _) = sequence("cross_attention's context", ctx, dc)?;
                if nc != n {
                    return Err(LayerError::Invalid(format!(
                        "cross_attention needs the same batch in input {input} and context {ctx}"
                    )));
                }
                Some(s)
            }
            (Some(_), _) => {
                return Err(LayerError::Invalid(format!(
                    "cross_attention needs one context input (`with`), got {}",
                    others.len()
                )));
            }
        };
        let (keys, pairs) = self.keys_and_pairs(t, context)?;
        let (h, hkv, dh) = (self.n_heads, self.n_heads_kv, self.d_head);
        let rows = product(&[n, t], "the number of tokens")?;
        let n_in = input.numel()?;
        let q_width = product(&[h, dh], "the query width")?;
        let kv_width = product(&[hkv, dh], "the key width")?;
        let q_elems = product(&[rows, q_width], "the queries")?;
        // K and V as read by the products: the whole cache (or context) for every head group.
        let kv_elems = product(&[n, keys, kv_width], "the keys")?;
        let heads = product(&[n, h], "the attention heads")?;
        let scores = product(&[heads, pairs], "the attention scores")?;
        let batch_rows = product(&[heads, t], "the attention rows")?;
        let bias = |width: u64| if self.bias { width } else { 0 };
        let q_params = sum(
            &[
                product(&[d, q_width], "the parameter count")?,
                bias(q_width),
            ],
            "the parameter count",
        )?;
        let kv_in = self.d_context.unwrap_or(d);
        let kv_params = product(
            &[
                2,
                sum(
                    &[
                        product(&[kv_in, kv_width], "the parameter count")?,
                        bias(kv_width),
                    ],
                    "the parameter count",
                )?,
            ],
            "the parameter count",
        )?;
        let out_params = sum(
            &[product(&[q_width, d], "the parameter count")?, bias(d)],
            "the parameter count",
        )?;
        let mut kernels = Vec::with_capacity(6);
        match context {
            None => {
                // Q, K, V for the new tokens: one [N·T, D] × [D, (H + 2·Hkv)·d_head] GEMM.
                let width = sum(
                    &[q_width, product(&[2, kv_width], "the key width")?],
                    "the QKV width",
                )?;
                let qkv_out = product(&[rows, width], "the elements moved")?;
                kernels.push(matmul_kernel(
                    product(&[rows, d, width], "the MAC count")?,
                    0,
                    AlphaInput::matmul(rows),
                    Gemm {
                        batch: 1,
                        m: rows,
                        n: width,
                        k: d,
                    },
                    &[
                        n_in,
                        qkv_out,
                        sum(&[q_params, kv_params], "the parameter count")?,
                    ],
                )?);
            }
            Some(s) => {
                kernels.push(matmul_kernel(
                    product(&[rows, d, q_width], "the MAC count")?,
                    0,
                    AlphaInput::matmul(rows),
                    Gemm {
                        batch: 1,
                        m: rows,
                        n: q_width,
                        k: d,
                    },
                    &[n_in, q_elems, q_params],
                )?);
                let ctx_rows = product(&[n, s], "the context tokens")?;
                let kv_width2 = product(&[2, kv_width], "the key width")?;
                kernels.push(matmul_kernel(
                    product(&[ctx_rows, kv_in, kv_width2], "the MAC count")?,
                    0,
                    AlphaInput::matmul(ctx_rows),
                    Gemm {
                        batch: 1,
                        m: ctx_rows,
                        n: kv_width2,
                        k: kv_in,
                    },
                    &[
                        product(&[ctx_rows, kv_in], "the elements moved")?,
                        product(&[ctx_rows, kv_width2], "the elements moved")?,
                        kv_params,
                    ],
                )?);
            }
        }
        // QKᵀ per head, scaled by 1/√d_head (one FLOP per score).
        kernels.push(matmul_kernel(
            product(&[scores, dh], "the MAC count")?,
            scores,
            AlphaInput::matmul(batch_rows),
            Gemm {
                batch: heads,
                m: t,
                n: keys,
                k: dh,
            },
            &[sum(&[q_elems, kv_elems], "the elements moved")?, scores],
        )?);
        kernels.push(elementwise_kernel(
            Elementwise::Softmax,
            product(&[5, scores], "the FLOP count")?,
            &[scores, scores],
        )?);
        // AV per head.
        kernels.push(matmul_kernel(
            product(&[scores, dh], "the MAC count")?,
            0,
            AlphaInput::matmul(batch_rows),
            Gemm {
                batch: heads,
                m: t,
                n: dh,
                k: keys,
            },
            &[scores, kv_elems, q_elems],
        )?);
        // Output projection.
        kernels.push(matmul_kernel(
            product(&[rows, q_width, d], "the MAC count")?,
            0,
            AlphaInput::matmul(rows),
            Gemm {
                batch: 1,
                m: rows,
                n: d,
                k: q_width,
            },
            &[q_elems, n_in, out_params],
        )?);
        Ok(LayerEval {
            output: input.clone(),
            params: sum(&[q_params, kv_params, out_params], "the parameter count")?,
            kernels,
        })
    }
}
