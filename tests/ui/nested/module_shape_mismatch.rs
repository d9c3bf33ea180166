use alphaflops::{cost_budget, cost_model};

pub struct Conv2d;

#[cost_model]
pub struct Block {
    #[layer(conv2d(channels = [64, 64], kernel_size = 3, padding = 1))]
    conv: Conv2d,
}

#[cost_budget(input = [1, 3, 32, 32])]
pub struct Net {
    #[layer(module)]
    block: Block,
}

fn main() {}
