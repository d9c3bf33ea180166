//! Prints the cost table of a built-in model on the embedded default profile.
//!
//! `cargo run -p alphaflops-core --example price -- [MODEL] [--json]`, MODEL one of
//! resnet18 (default), resnet50, vgg16, alexnet, mobilenet_v2, vit_b_16.

use std::process::ExitCode;

use alphaflops_core::{Profile, zoo};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let name = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or("resnet18", String::as_str);
    let Some(model) = zoo::by_name(name, 1) else {
        eprintln!(
            "error: unknown model `{name}`; choose one of {}",
            zoo::NAMES.join(", ")
        );
        return ExitCode::FAILURE;
    };
    match model.price(&Profile::default_profile()) {
        Ok(cost) if json => println!("{}", cost.to_json()),
        Ok(cost) => println!("{cost}"),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
