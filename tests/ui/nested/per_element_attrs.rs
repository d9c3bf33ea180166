//! A `module(...)` attribute per element, as a new user writes it first: merge them into one.
use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model(params(d))]
pub struct Block {
    #[layer(linear(d_input = d, d_output = d))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(d = 4))]
    #[layer(module(d = 4))]
    blocks: Vec<Block>,
}

fn main() {}
