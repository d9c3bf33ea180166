//! candle-nn's `Activation::Swiglu` (the silu of the first half times the second) is `glu`
//! gated by silu; burn's `swiglu` is the two-projection layer, another kind.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Activation;

#[allow(dead_code)]
#[cost_budget(input = [4, 64])]
pub struct Gated {
    #[layer(glu(activation = "silu"))]
    swiglu: Activation,
    #[layer(glu(dim = -1, activation = "sigmoid"))]
    glu: Activation,
}

fn main() {
    let cost = Gated::cost();
    let shapes: Vec<&[u64]> = cost.layers.iter().map(|l| l.output.dims()).collect();
    assert_eq!(shapes, [&[4, 32][..], &[4, 16]]);
    // Per output element the gate's activation (silu 5, sigmoid 4) and the product.
    let flops: Vec<u64> = cost.layers.iter().map(|l| l.flops).collect();
    assert_eq!(flops, [6 * 4 * 32, 5 * 4 * 16]);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["glu", "glu"]);
    assert_eq!(cost.params, 0);
}
