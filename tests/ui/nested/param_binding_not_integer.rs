use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model(params(a, b, c, d))]
pub struct Block {
    #[layer(linear(d_input = a, d_output = b))]
    fc: Linear,
    #[layer(linear(d_input = c, d_output = d))]
    fc2: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(a = "4", b = 1.5, c = -1, d = [8]))]
    block: Block,
}

fn main() {}
