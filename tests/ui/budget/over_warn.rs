#![deny(deprecated)]

use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 1024], alpha_flops = "10k")]
pub struct Net {
    #[layer(linear(d_input = 1024, d_output = 1024))]
    fc: Linear,
}

fn main() {}
