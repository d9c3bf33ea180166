use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model]
pub struct Proj {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
}

/// `repeat = n` bound to 0 is an empty `Vec` or a `None`; a plain field is always there.
#[cost_model(params(n))]
pub struct Block {
    #[layer(module, repeat = n)]
    proj: Proj,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module(n = 0))]
    block: Block,
}

fn main() {}
