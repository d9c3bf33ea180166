//! `#[cost_budget]` written below a derive still sees the `#[layer]` attributes and strips
//! them before the derive expands; above or below, the result is the same.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

#[derive(Debug, Default)]
pub struct Linear;
#[derive(Debug, Default)]
pub struct Relu;

#[derive(Debug, Default)]
#[cost_budget(input = [1, 8], params = 1000)]
pub struct Below {
    #[layer(linear(d_input = 8, d_output = 4))]
    fc: Linear,
    act: Relu,
}

#[cost_budget(input = [1, 8], params = 1000)]
#[derive(Debug, Default)]
pub struct Above {
    #[layer(linear(d_input = 8, d_output = 4))]
    fc: Linear,
    act: Relu,
}

fn main() {
    let _ = format!("{:?} {:?}", Below::default(), Above::default());
    assert_eq!(Below::cost().params, 36);
    assert_eq!(Below::cost().flops, Above::cost().flops);
}
