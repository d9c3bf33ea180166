//! `custom(...)` prices an op the catalog has no kind for, as its annotation says, instead of
//! leaving it out with `skip`: a fused kernel of known counts, and a learned table that only
//! holds parameters.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget, cost_model};

pub struct Layer;

#[allow(dead_code)]
#[cost_model(params(n))]
pub struct Table {
    #[layer(custom(params = n))]
    table: Layer,
}

#[allow(dead_code)]
#[cost_budget(input = [1, 64])]
pub struct Net {
    #[layer(linear(d_input = 64, d_output = 32))]
    fc: Layer,
    #[layer(custom(macs = 1000, flops = 2500, elements = 96))]
    fused: Layer,
    #[layer(custom(macs = 10, output = [1, 8]))]
    shrink: Layer,
    #[layer(module(n = 100))]
    table: Table,
}

fn main() {
    let cost = Net::cost();
    let layer = |name: &str| cost.layers.iter().find(|l| l.name == name).unwrap();
    assert_eq!((layer("fused").macs, layer("fused").flops), (1000, 2500));
    assert_eq!(layer("fused").output.dims(), &[1, 32]);
    // `flops` left out: 2·macs.
    assert_eq!(layer("shrink").flops, 20);
    assert_eq!(cost.output.dims(), &[1, 8]);
    assert_eq!(cost.params, 64 * 32 + 32 + 100);
    assert_eq!(cost.macs, 64 * 32 + 1000 + 10);
}
