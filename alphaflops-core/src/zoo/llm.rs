//! Transformer language models layer by layer, as their reference implementations define
//! them (Hugging Face `transformers`), so parameter counts match the published ones exactly.
//!
//! Each takes `tokens` new tokens after `past` cached ones: `past = 0` is a prefill, `tokens = 1`
//! with `past > 0` a decode step. The input is token ids `[batch, tokens]`.

use crate::layer::{Activation, Attention, Layer};
use crate::model::{Model, Source};

/// A decoder-only (or, with `causal = false`, encoder) transformer's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Transformer {
    pub name: &'static str,
    pub vocab: u64,
    pub d_model: u64,
    pub n_layers: u64,
    pub n_heads: u64,
    pub n_heads_kv: u64,
    pub d_ff: u64,
    /// Llama style (RMSNorm, rotary, SwiGLU, no biases) or GPT-2/BERT style (LayerNorm,
    /// learned positions, GELU MLP, biases).
    pub llama: bool,
    pub causal: bool,
    /// The LM head shares the token embedding's weight.
    pub tied_head: bool,
    /// Learned positions (GPT-2, BERT): their table's length.
    pub max_positions: u64,
    /// Mixture of experts: (experts, active per token).
    pub experts: Option<(u64, u64)>,
}

/// GPT-2 small (124,439,808 parameters, tied head).
pub const GPT2_SMALL: Transformer = Transformer {
    name: "gpt2",
    vocab: 50257,
    d_model: 768,
    n_layers: 12,
    n_heads: 12,
    n_heads_kv: 12,
    d_ff: 3072,
    llama: false,
    causal: true,
    tied_head: true,
    max_positions: 1024,
    experts: None,
};

/// Llama-2-7B (6,738,415,616 parameters).
pub const LLAMA2_7B: Transformer = Transformer {
    name: "llama2_7b",
    vocab: 32000,
    d_model: 4096,
    n_layers: 32,
    n_heads: 32,
    n_heads_kv: 32,
    d_ff: 11008,
    llama: true,
    causal: true,
    tied_head: false,
    max_positions: 4096,
    experts: None,
};

/// TinyLlama-1.1B (1,100,048,384 parameters, 4 key/value heads).
pub const TINYLLAMA: Transformer = Transformer {
    name: "tinyllama",
    vocab: 32000,
    d_model: 2048,
    n_layers: 22,
    n_heads: 32,
    n_heads_kv: 4,
    d_ff: 5632,
    max_positions: 2048,
    ..LLAMA2_7B
};

/// Mistral-7B (7,241,732,096 parameters, 8 key/value heads).
pub const MISTRAL_7B: Transformer = Transformer {
    name: "mistral_7b",
    n_heads_kv: 8,
    d_ff: 14336,
    max_positions: 32768,
    ..LLAMA2_7B
};

/// Mixtral-8x7B (46,702,792,704 parameters, 12,879,925,248 active: 2 of 8 experts).
pub const MIXTRAL_8X7B: Transformer = Transformer {
    name: "mixtral_8x7b",
    experts: Some((8, 2)),
    ..MISTRAL_7B
};

/// BERT-base, uncased (109,482,240 parameters: `BertModel` with its pooler).
pub fn bert_base(batch: u64, tokens: u64) -> Model {
    let (d, vocab, layers) = (768, 30522, 12);
    let ids = Source::Shape([batch, tokens].into());
    let mut m = Model::new("bert_base", [batch, tokens]);
    m.push("embeddings.word_embeddings", embedding(vocab, d))
        .push_from(
            "embeddings.position_embeddings",
            embedding(512, d),
            ids.clone(),
        )
        .push_from("embeddings.token_type_embeddings", embedding(2, d), ids)
        .push_with(
            "embeddings.add",
            Layer::Add,
            vec![
                Source::Node("embeddings.word_embeddings".into()),
                Source::Node("embeddings.position_embeddings".into()),
            ],
        )
        .push("embeddings.LayerNorm", Layer::LayerNorm { d_model: d });
    let attention = Attention::new(d, 12);
    for i in 0..layers {
        let p = format!("encoder.layer.{i}");
        let input = m.here();
        m.push(
            format!("{p}.attention"),
            Layer::Attention(attention.clone()),
        )
        .push_with(format!("{p}.attention.add"), Layer::Add, vec![input])
        .push(
            format!("{p}.attention.LayerNorm"),
            Layer::LayerNorm { d_model: d },
        );
        let mid = m.here();
        m.push(format!("{p}.intermediate"), linear(d, 3072, true))
            .push(format!("{p}.gelu"), Layer::Activation(Activation::Gelu))
            .push(format!("{p}.output"), linear(3072, d, true))
            .push_with(format!("{p}.output.add"), Layer::Add, vec![mid])
            .push(
                format!("{p}.output.LayerNorm"),
                Layer::LayerNorm { d_model: d },
            );
    }
    m.push("pooler.first_token", Layer::Select { dim: 1, index: 0 })
        .push("pooler.dense", linear(d, d, true))
        .push("pooler.tanh", Layer::Activation(Activation::Tanh));
    m
}

fn embedding(num: u64, dim: u64) -> Layer {
    Layer::Embedding {
        num_embeddings: num,
        embedding_dim: dim,
    }
}

fn linear(d_input: u64, d_output: u64, bias: bool) -> Layer {
    Layer::Linear {
        d_input,
        d_output,
        bias,
    }
}

impl Transformer {
    pub fn d_head(&self) -> u64 {
        self.d_model / self.n_heads
    }

    /// The model for `tokens` new tokens after `past` cached ones.
    pub fn model(&self, batch: u64, tokens: u64, past: u64) -> Model {
        let d = self.d_model;
        let mut m = Model::new(self.name, [batch, tokens]);
        m.push("embed_tokens", embedding(self.vocab, d));
        if !self.llama {
            m.push_from(
                "wpe",
                embedding(self.max_positions, d),
                Source::Shape([batch, tokens].into()),
            )
            .push_with(
                "embed.add",
                Layer::Add,
                vec![Source::Node("embed_tokens".into())],
            );
        }
        let attention = Attention::new(d, self.n_heads)
            .n_heads_kv(self.n_heads_kv)
            .causal(self.causal)
            .bias(!self.llama)
            .past_tokens(past);
        let norm = |m: &mut Model, name: String| {
            let layer = if self.llama {
                Layer::RmsNorm { d_model: d }
            } else {
                Layer::LayerNorm { d_model: d }
            };
            m.push(name, layer);
        };
        for i in 0..self.n_layers {
            let p = format!("layers.{i}");
            let input = m.here();
            norm(&mut m, format!("{p}.input_layernorm"));
            if self.llama {
                m.push(
                    format!("{p}.rotary"),
                    Layer::RotaryEncoding {
                        d_model: self.d_head(),
                        max_sequence_length: Some(self.max_positions),
                    },
                );
            }
            m.push(
                format!("{p}.self_attn"),
                Layer::Attention(attention.clone()),
            )
            .push_with(format!("{p}.attn.add"), Layer::Add, vec![input]);
            let mid = m.here();
            norm(&mut m, format!("{p}.post_attention_layernorm"));
            let normed = m.here();
            match self.experts {
                Some((count, active)) => {
                    m.push(
                        format!("{p}.block_sparse_moe.gate"),
                        linear(d, count, false),
                    );
                    m.push_from(
                        format!("{p}.block_sparse_moe.experts"),
                        Layer::Experts {
                            model: Box::new(self.mlp(batch, tokens)),
                            count,
                            active,
                        },
                        normed,
                    );
                }
                None => {
                    m.push(
                        format!("{p}.mlp"),
                        Layer::Block(Box::new(self.mlp(batch, tokens))),
                    );
                }
            }
            m.push_with(format!("{p}.mlp.add"), Layer::Add, vec![mid]);
        }
        norm(&mut m, "norm".into());
        let head = if self.tied_head {
            Layer::TiedLinear {
                d_input: d,
                d_output: self.vocab,
            }
        } else {
            linear(d, self.vocab, false)
        };
        m.push("lm_head", head);
        m
    }

    fn mlp(&self, batch: u64, tokens: u64) -> Model {
        let d = self.d_model;
        let mut mlp = Model::new("Mlp", [batch, tokens, d]);
        if self.llama {
            mlp.push(
                "gate_up",
                Layer::SwiGlu {
                    d_input: d,
                    d_output: self.d_ff,
                    bias: false,
                },
            )
            .push("down_proj", linear(self.d_ff, d, false));
        } else {
            mlp.push("c_fc", linear(d, self.d_ff, true))
                .push("gelu", Layer::Activation(Activation::Gelu))
                .push("c_proj", linear(self.d_ff, d, true));
        }
        mlp
    }
}

/// The language models of [`super::by_name`], by name.
pub const TRANSFORMERS: [Transformer; 5] =
    [GPT2_SMALL, LLAMA2_7B, TINYLLAMA, MISTRAL_7B, MIXTRAL_8X7B];
