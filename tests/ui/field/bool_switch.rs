//! A `bool` switches one layer on or off: `repeat` is 0 or 1, a block goes in an `Option`, and
//! a `bool` without an annotation names the layer it may switch.
use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model]
pub struct Block {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
    #[layer(add(with = "input"), repeat = 2)]
    residual: bool,
    #[layer(module)]
    block: bool,
    unannotated: bool,
}

fn main() {}
