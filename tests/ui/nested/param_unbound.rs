use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model(params(d_in, d_out))]
pub struct Block {
    #[layer(linear(d_input = d_in, d_output = d_out))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module, repeat = 2)]
    blocks: Vec<Block>,
}

fn main() {}
