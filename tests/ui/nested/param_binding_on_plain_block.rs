use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model]
pub struct Block {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(d_in = 4))]
    block: Block,
}

fn main() {}
