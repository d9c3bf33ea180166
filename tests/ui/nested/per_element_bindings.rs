//! Each `module(...)` entry binds its element's parameters: each is checked, all at once.
use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model(params(d))]
pub struct Block {
    #[layer(linear(d_input = d, d_output = d))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(d = 4), module(e = 4), module)]
    blocks: Vec<Block>,
}

fn main() {}
