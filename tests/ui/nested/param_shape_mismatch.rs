//! A bound value that does not fit the shape flowing in: the hint names the block and the
//! binding, not only the key inside the block.
use alphaflops::{cost_budget, cost_model};

pub struct Conv2d;

#[cost_model(params(c_in))]
pub struct Block {
    #[layer(conv2d(channels = [c_in, 8], kernel_size = 3, padding = 1))]
    conv: Conv2d,
}

#[cost_budget(input = [1, 3, 8, 8])]
pub struct Net {
    #[layer(module(c_in = 8))]
    block: Block,
}

fn main() {}
