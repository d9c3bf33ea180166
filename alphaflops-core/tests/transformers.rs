//! Language models against their published parameter counts (exact) and the standard
//! forward-FLOP formula of Kaplan et al. (2020), "Scaling Laws for Neural Language Models",
//! Table 1: per token, `C_forward = 2·N + 2·n_layer·n_ctx·d_attn`.
//!
//! Convention, stated: `N` counts the parameters of every matrix product a token runs through
//! (projections, MLPs, active experts, the router and the LM head; not embeddings, norms or
//! biases, which are no products), and `n_ctx` is the average number of keys a query meets. A
//! causal prefill of `T` tokens keeps `T(T+1)/2` pairs per head, so `n_ctx = (T+1)/2` for each
//! of `QKᵀ` and `AV`: `2·n_layer·(T+1)·d_attn` FLOPs per token in all, Kaplan's term with
//! `n_ctx = T + 1`. alphaflops counts exactly these MACs; its FLOPs add the element-wise work
//! (norms, activations, softmax, rotary, residual adds) on top.

use alphaflops_core::zoo::{self, Transformer};
use alphaflops_core::{Attention, Layer, Mode, Model, ModelCost, Optimizer, Profile, Shape};

fn price(model: &Model) -> ModelCost {
    model
        .price(&Profile::default_profile())
        .unwrap_or_else(|e| panic!("{}: {e}", model.name))
}

/// Parameters of the matrix products one token runs through (see the module docs).
fn matmul_params(t: &Transformer) -> u64 {
    let d = t.d_model;
    let attn = 2 * d * d + 2 * d * t.n_heads_kv * t.d_head();
    let mlp_one = if t.llama { 3 } else { 2 } * d * t.d_ff;
    let mlp = match t.experts {
        Some((count, active)) => active * mlp_one + d * count,
        None => mlp_one,
    };
    t.n_layers * (attn + mlp) + d * t.vocab
}

fn check(t: &Transformer, params: u64, active_params: u64) {
    let tokens = 128;
    let cost = price(&t.model(1, tokens, 0));
    assert_eq!(cost.params, params, "{} params", t.name);
    assert_eq!(
        cost.active_params, active_params,
        "{} active params",
        t.name
    );
    assert_eq!(
        cost.output.dims(),
        &[1, tokens, t.vocab],
        "{} output",
        t.name
    );
    // Kaplan: 2N + 2·n_layer·(T+1)·d_attn FLOPs of products per token (module docs).
    let per_token = 2 * matmul_params(t) + 2 * t.n_layers * (tokens + 1) * t.d_model;
    assert_eq!(2 * cost.macs, per_token * tokens, "{} MACs", t.name);
    assert!(
        cost.flops > 2 * cost.macs,
        "{}: element-wise work counted",
        t.name
    );
}

#[test]
fn gpt2_small() {
    check(&zoo::GPT2_SMALL, 124_439_808, 124_439_808);
}

#[test]
fn llama2_7b() {
    check(&zoo::LLAMA2_7B, 6_738_415_616, 6_738_415_616);
}

#[test]
fn tinyllama_grouped_query() {
    check(&zoo::TINYLLAMA, 1_100_048_384, 1_100_048_384);
}

#[test]
fn mistral_7b_grouped_query() {
    check(&zoo::MISTRAL_7B, 7_241_732_096, 7_241_732_096);
}

#[test]
fn mixtral_8x7b_experts() {
    check(&zoo::MIXTRAL_8X7B, 46_702_792_704, 12_879_925_248);
}

#[test]
fn bert_base() {
    let tokens = 128;
    let cost = price(&zoo::bert_base(1, tokens));
    assert_eq!(cost.params, 109_482_240);
    assert_eq!(cost.output.dims(), &[1, 768]);
    // An encoder: every query meets all T keys, 2·T·d MACs per token and layer.
    let (d, layers) = (768, 12);
    let per_layer = 4 * d * d + 2 * d * 3072;
    let macs = tokens * layers * per_layer + layers * 2 * tokens * tokens * d + d * d;
    assert_eq!(cost.macs, macs);
    assert_eq!(cost.kv_cache_bytes, 0, "an encoder caches nothing");
}

#[test]
fn llama2_7b_kv_cache_is_2_gib_at_4096_tokens_in_bf16() {
    let mut model = zoo::LLAMA2_7B.model(1, 1, 4095);
    model.dtype = Some("bf16".into());
    let cost = price(&model);
    assert_eq!(cost.kv_cache_bytes, 2 << 30);
    assert_eq!(cost.weights_bytes, 2 * 6_738_415_616);
}

#[test]
fn decode_step_attends_to_the_cache() {
    let t = &zoo::LLAMA2_7B;
    let past = 1000;
    let decode = price(&t.model(1, 1, past));
    // One token: every product once, attention over past + 1 keys (QKᵀ and AV).
    let macs = matmul_params(t) + t.n_layers * 2 * (past + 1) * t.d_model;
    assert_eq!(decode.macs, macs);
    let prefill = price(&t.model(1, past + 1, 0));
    assert!(decode.predicted_ms < prefill.predicted_ms);
    assert_eq!(decode.kv_cache_bytes, prefill.kv_cache_bytes);
}

#[test]
fn causal_attention_counts_the_kept_pairs() {
    let (n, t, d, h) = (2u64, 9u64, 32u64, 4u64);
    let x = Shape::new([n, t, d]);
    let full = Layer::Attention(Attention::new(d, h)).infer(&x).unwrap();
    let causal = Layer::Attention(Attention::new(d, h).causal(true))
        .infer(&x)
        .unwrap();
    let projections = 4 * n * t * d * d;
    assert_eq!(full.macs() - projections, 2 * n * t * t * d);
    assert_eq!(causal.macs() - projections, 2 * n * (t * (t + 1) / 2) * d);
    // With a cache, query i meets past + i + 1 keys.
    let past = 5;
    let cached = Layer::Attention(Attention::new(d, h).causal(true).past_tokens(past))
        .infer(&x)
        .unwrap();
    assert_eq!(
        cached.macs() - projections,
        2 * n * (t * past + t * (t + 1) / 2) * d
    );
}

#[test]
fn grouped_query_attention_shrinks_keys_and_values() {
    let x = Shape::new([1, 16, 64]);
    let mha = Layer::Attention(Attention::new(64, 8).bias(false));
    let gqa = Layer::Attention(Attention::new(64, 8).n_heads_kv(2).bias(false));
    let mqa = Layer::Attention(Attention::new(64, 8).n_heads_kv(1).bias(false));
    let p = |l: &Layer| l.infer(&x).unwrap().params;
    assert_eq!(p(&mha), 4 * 64 * 64);
    assert_eq!(p(&gqa), 2 * 64 * 64 + 2 * 64 * 16);
    assert_eq!(p(&mqa), 2 * 64 * 64 + 2 * 64 * 8);
    let bad = Layer::Attention(Attention::new(64, 8).n_heads_kv(3));
    let err = bad.infer(&x).unwrap_err().to_string();
    assert!(
        err.contains("n_heads_kv = 3 does not divide n_heads = 8"),
        "{err}"
    );
}

#[test]
fn cross_attention_reads_its_context() {
    let x = Shape::new([2, 10, 64]);
    let ctx = Shape::new([2, 30, 96]);
    let layer = Layer::Attention(Attention::new(64, 4).cross(96).bias(false));
    let e = layer.infer_with(&x, std::slice::from_ref(&ctx)).unwrap();
    assert_eq!(e.output, x);
    assert_eq!(e.params, 64 * 64 * 2 + 2 * 96 * 64);
    let products = 2 * 2 * 10 * 30 * 64;
    assert_eq!(
        e.macs(),
        2 * 10 * 64 * 64 * 2 + 2 * 30 * 96 * 128 + products
    );
    assert!(layer.infer(&x).is_err(), "a context is required");
}

#[test]
fn experts_price_active_compute_and_all_parameters() {
    let mut expert = Model::new("Expert", [1, 4, 8]);
    expert.push(
        "ff",
        Layer::Linear {
            d_input: 8,
            d_output: 8,
            bias: false,
        },
    );
    let mut m = Model::new("Moe", [1, 4, 8]);
    m.push(
        "experts",
        Layer::Experts {
            model: Box::new(expert),
            count: 8,
            active: 2,
        },
    );
    let cost = price(&m);
    assert_eq!(cost.params, 8 * 64);
    assert_eq!(cost.active_params, 2 * 64);
    assert_eq!(cost.macs, 2 * 4 * 64);
    assert_eq!(
        cost.layers[0].children.len(),
        1,
        "the expert's layers are listed"
    );
    let too_many = Layer::Experts {
        model: Box::new(Model::new("E", [1, 8])),
        count: 2,
        active: 3,
    };
    let mut bad = Model::new("Bad", [1, 4, 8]);
    bad.push("experts", too_many);
    let err = bad
        .price(&Profile::default_profile())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("active = 3 is more than the 2 experts"),
        "{err}"
    );
}

#[test]
fn a_training_step_runs_two_gemms_per_product_and_keeps_its_state() {
    let t = &zoo::GPT2_SMALL;
    let infer = price(&t.model(1, 64, 0));
    let mut model = t.model(1, 64, 0);
    model.mode = Mode::Train;
    model.optimizer = Some(Optimizer::Adam);
    let step = price(&model);
    assert_eq!(step.macs, 3 * infer.macs, "forward + dX + dW");
    assert!(step.predicted_ms > 2.5 * infer.predicted_ms);
    // Gradients (f32 on the default profile) plus two f32 Adam moments per parameter.
    assert_eq!(step.training_state_bytes, 3 * 4 * step.params);
    assert!(step.activation_bytes > infer.activation_bytes);
    assert!(step.memory_bytes() > step.weights_bytes + step.training_state_bytes);
}

#[test]
fn rms_norm_swiglu_rotary_and_mul_follow_their_rules() {
    let x = Shape::new([2, 5, 16]);
    let rms = Layer::RmsNorm { d_model: 16 }.infer(&x).unwrap();
    assert_eq!((rms.params, rms.flops()), (16, 4 * 160));
    let swiglu = Layer::SwiGlu {
        d_input: 16,
        d_output: 24,
        bias: false,
    }
    .infer(&x)
    .unwrap();
    assert_eq!(swiglu.output, Shape::new([2, 5, 24]));
    assert_eq!(swiglu.params, 2 * 16 * 24);
    assert_eq!(swiglu.macs(), 2 * 10 * 16 * 24);
    assert_eq!(swiglu.flops(), 2 * swiglu.macs() + 6 * 10 * 24);
    let rope = Layer::RotaryEncoding {
        d_model: 4,
        max_sequence_length: Some(8),
    };
    assert_eq!(rope.infer(&x).unwrap().flops(), 2 * 3 * 160);
    let long = Shape::new([1, 9, 16]);
    let err = rope.infer(&long).unwrap_err().to_string();
    assert!(err.contains("max_sequence_length = 8"), "{err}");
    let prod = Layer::Mul.infer_with(&x, std::slice::from_ref(&x)).unwrap();
    assert_eq!(prod.flops(), 160);
    assert!(Layer::Mul.infer(&x).is_err());
}

#[test]
fn memory_metrics_follow_the_documented_rules() {
    let mut m = Model::new("Mlp", [1, 10, 8]);
    m.push(
        "up",
        Layer::Linear {
            d_input: 8,
            d_output: 32,
            bias: false,
        },
    )
    .push(
        "down",
        Layer::Linear {
            d_input: 32,
            d_output: 8,
            bias: false,
        },
    );
    m.dtype = Some("bf16".into());
    let cost = price(&m);
    assert_eq!(cost.weights_bytes, 2 * 2 * 8 * 32);
    // Peak: `up`'s input and output (or `down`'s, the same): 80 + 320 elements of 2 bytes.
    assert_eq!(cost.activation_bytes, 2 * (80 + 320));
    assert_eq!(
        cost.memory_bytes(),
        cost.weights_bytes + cost.activation_bytes
    );
    m.dtype = Some("f12".into());
    let err = m
        .price(&Profile::default_profile())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown dtype `f12`"), "{err}");
}

#[test]
fn past_tokens_reaches_every_self_attention_layer() {
    let t = &zoo::TINYLLAMA;
    let mut model = t.model(1, 1, 0);
    assert_eq!(model.set_past_tokens(99), 22);
    assert_eq!(price(&model).macs, price(&t.model(1, 1, 99)).macs);
    let mut vit = zoo::vit_b_16(1);
    assert_eq!(vit.set_past_tokens(3), 12, "plain multi-head attention too");
    let mut cnn = zoo::resnet18(1);
    assert_eq!(cnn.set_past_tokens(3), 0, "nothing to attend with");
}
