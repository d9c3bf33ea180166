//! A name among a block's struct-level arguments is one error: `params(d)` is still read,
//! so the fields that use `d` raise nothing more.
use alphaflops::cost_model;

pub struct Linear;

const LIMIT: u64 = 100;

#[cost_model(params(d), alpha_flops = LIMIT)]
pub struct Block {
    #[layer(linear(d_input = d, d_output = d))]
    fc: Linear,
    #[layer(linear(d_input = d, d_output = 4))]
    out: Linear,
}

fn main() {}
