//! candle-nn's `Activation` variants by their names in snake case: the tanh GELUs count as
//! `gelu`, `swish` as `silu`, and `relu2` is the relu squared.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Activation;

#[allow(dead_code)]
#[cost_budget(input = [4, 32])]
pub struct Mlp {
    #[layer(new_gelu)]
    a: Activation,
    #[layer(gelu_pytorch_tanh)]
    b: Activation,
    #[layer(swish)]
    c: Activation,
    #[layer(relu2)]
    d: Activation,
    #[layer(leaky_relu(negative_slope = 0.2))]
    e: Activation,
}

fn main() {
    let cost = Mlp::cost();
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["gelu", "gelu", "silu", "relu2", "leaky_relu"]);
    let flops: Vec<u64> = cost.layers.iter().map(|l| l.flops).collect();
    assert_eq!(flops, [8 * 128, 8 * 128, 5 * 128, 2 * 128, 2 * 128]);
    assert_eq!(cost.params, 0);
}
