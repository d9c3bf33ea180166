//! Words where a string or true/false goes: the form to write, not block-parameter advice.
use alphaflops::cost_budget;

pub struct Conv2d;

#[cost_budget(input = [1, 3, 8, 8])]
pub struct Net {
    #[layer(conv2d(channels = [3, 8], kernel_size = 3, padding = same, bias = yes))]
    conv: Conv2d,
}

fn main() {}
