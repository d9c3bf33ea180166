//! Prints the cost table of a built-in model on the embedded default profile.
//!
//! `cargo run -p alphaflops-core --example price -- [MODEL] [--json] [--profile NAME]`
//! (NAME a profile shipped inside alphaflops, or a path ending in `.toml`; the paper's T2000
//! by default), MODEL one of
//! resnet18 (default), resnet50, vgg16, alexnet, mobilenet_v2, vit_b_16, bert_base, or a
//! language model (gpt2, llama2_7b, tinyllama, mistral_7b, mixtral_8x7b): those print the
//! prefill of `zoo::PREFILL_TOKENS` tokens, then one decode step after it.

use std::process::ExitCode;

use alphaflops_core::{Profile, zoo};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let profile_name = args
        .iter()
        .position(|a| a == "--profile")
        .map(|i| args.get(i + 1).map(String::as_str));
    let profile = match profile_name {
        None => Profile::default_profile(),
        // A path to a profile file (e.g. one `cargo alphaflops fit` just wrote), else a name.
        Some(Some(p)) if p.ends_with(".toml") => {
            match std::fs::read_to_string(p)
                .map_err(|e| e.to_string())
                .and_then(|t| Profile::from_toml_str(&t, p).map_err(|e| e.to_string()))
            {
                Ok(profile) => profile,
                Err(e) => {
                    eprintln!("error: --profile {p}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        Some(Some(p)) => match Profile::shipped(p) {
            Some(profile) => profile,
            None => {
                eprintln!("error: --profile: no shipped profile is named `{p}`");
                return ExitCode::FAILURE;
            }
        },
        Some(None) => {
            eprintln!("error: --profile needs a name, e.g. --profile nvidia-h200-cudnn-bf16");
            return ExitCode::FAILURE;
        }
    };
    let name = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--profile"))
        .map_or("resnet18", |(_, a)| a.as_str());
    let Some(model) = zoo::by_name(name, 1) else {
        eprintln!(
            "error: unknown model `{name}`; choose one of {}",
            zoo::NAMES.join(", ")
        );
        return ExitCode::FAILURE;
    };
    let mut models = vec![("", model)];
    if let Some(t) = zoo::TRANSFORMERS.iter().find(|t| t.name == name) {
        models[0].0 = "Prefill";
        models.push(("Decode step", t.model(1, 1, zoo::PREFILL_TOKENS)));
    }
    for (what, model) in models {
        match model.price(&profile) {
            Ok(cost) if json => println!("{}", cost.to_json()),
            Ok(cost) => {
                if !what.is_empty() {
                    println!("## {what}\n");
                }
                println!("{cost}");
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
