//! README's main job: the burn LeNet-5 as `#[cost_budget]` priced it at compile time on the
//! embedded default profile, its budget verdicts, and one real forward pass whose output shape
//! is checked against the macro's.
//!
//! `cargo run -p alphaflops-examples --example lenet` (add `--json` for the JSON report).

use std::process::ExitCode;

use alphaflops::CostModel;
use alphaflops_examples::burn_lenet::{INPUT, LeNet};
use burn::prelude::*;

fn main() -> ExitCode {
    let cost = LeNet::cost();
    if std::env::args().any(|a| a == "--json") {
        println!("{}", cost.to_json());
        return ExitCode::SUCCESS;
    }
    println!("{cost}");
    println!("Budgets:");
    for verdict in LeNet::verdicts() {
        println!("  {verdict}");
    }
    let device = alphaflops_examples::burn_cpu();
    let out = LeNet::new(&device).forward(Tensor::zeros(INPUT, &device));
    let dims: Vec<u64> = out.dims().iter().map(|&d| d as u64).collect();
    println!(
        "\nburn forward pass on zeros: output {:?}, the macro inferred {}",
        out.dims(),
        cost.output
    );
    if cost.output.dims() == dims.as_slice() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
