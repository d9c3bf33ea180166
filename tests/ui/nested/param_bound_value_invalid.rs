use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model(params(d_in, d_out))]
pub struct Block {
    #[layer(linear(d_input = d_in, d_output = d_out))]
    fc: Linear,
}

/// The value reaches `d_output` through a block that passes it on; the error points at it.
#[cost_model(params(width))]
pub struct Stage {
    #[layer(module(d_in = width, d_out = width))]
    block: Block,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(width = 0))]
    stage: Stage,
}

fn main() {}
