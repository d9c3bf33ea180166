//! Prefill and decode of the example Llama-style decoder (`burn_llama`) and of Llama-2-7B on
//! every shipped profile of a device, beside the memory floor a decode step cannot beat.
//!
//! ```text
//! cargo run -p alphaflops-examples --example llm_profiles [-- PROFILE_PREFIX]
//! ```
//!
//! PROFILE_PREFIX defaults to `nvidia-h200`. Prints one CSV row per model, step and profile:
//! `model,step,profile,macs,weights_bytes,kv_cache_bytes,predicted_ms,floor_ms` where
//! `floor_ms` is weights + KV cache read once over the profile's memory bandwidth (the vendor's
//! figure its `[device]` records), or empty when it records none.

use std::process::ExitCode;

use alphaflops::profile::SHIPPED;
use alphaflops::{CostModel, Model, Profile, zoo};
use alphaflops_examples::burn_llama::{LlamaDecodeStep, LlamaDecoder};

fn main() -> ExitCode {
    let prefix = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "nvidia-h200".to_string());
    let profiles: Vec<Profile> = SHIPPED
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .filter_map(|(name, _)| Profile::shipped(name))
        .collect();
    if profiles.is_empty() {
        eprintln!("error: no shipped profile starts with `{prefix}`");
        return ExitCode::FAILURE;
    }
    let bf16 = |mut m: Model| {
        m.dtype = Some("bf16".into());
        m
    };
    let models: Vec<(&str, &str, Model)> = vec![
        ("burn_llama", "prefill 16", LlamaDecoder::model()),
        ("burn_llama", "decode after 15", LlamaDecodeStep::model()),
        (
            "llama2_7b",
            "prefill 512",
            bf16(zoo::LLAMA2_7B.model(1, zoo::PREFILL_TOKENS, 0)),
        ),
        (
            "llama2_7b",
            "decode after 512",
            bf16(zoo::LLAMA2_7B.model(1, 1, zoo::PREFILL_TOKENS)),
        ),
    ];
    println!("model,step,profile,macs,weights_bytes,kv_cache_bytes,predicted_ms,floor_ms");
    for (name, step, model) in &models {
        for p in &profiles {
            let cost = match model.price(p) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {name} on {}: {e}", p.name);
                    return ExitCode::FAILURE;
                }
            };
            let floor = p
                .device
                .memory_bandwidth_bytes_per_s
                .map_or(String::new(), |bw| {
                    format!(
                        "{:.4}",
                        1e3 * (cost.weights_bytes + cost.kv_cache_bytes) as f64 / bw
                    )
                });
            println!(
                "{name},{step},{},{},{},{},{:.4},{floor}",
                p.name, cost.macs, cost.weights_bytes, cost.kv_cache_bytes, cost.predicted_ms
            );
        }
    }
    ExitCode::SUCCESS
}
