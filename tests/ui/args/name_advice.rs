//! Names among the struct's arguments: each gets the literal to write for its key.
use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4], profile = reference, level = deny)]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
