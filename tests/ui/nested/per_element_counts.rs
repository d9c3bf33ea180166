//! One `module(...)` per element: the entries must count what the field holds, and a
//! mixture of experts is copies of one block.
use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model(params(d))]
pub struct Block {
    #[layer(linear(d_input = d, d_output = d))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(d = 4), module(d = 4), module(d = 4))]
    array: [Block; 2],
    #[layer(module(d = 4), module(d = 4), repeat = 3)]
    counted: Vec<Block>,
    #[layer(module(d = 4), module(d = 4))]
    one: Block,
    #[layer(module(d = 4), module(d = 4))]
    maybe: Option<Block>,
    #[layer(module(d = 4), module(d = 4), repeat = 2, active = 1)]
    experts: Vec<Block>,
}

fn main() {}
