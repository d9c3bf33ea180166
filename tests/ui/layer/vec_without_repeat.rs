//! A `Vec`'s length is not in its type: without `repeat` it is an error, not one copy.
use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4))]
    layers: Vec<Linear>,
}

fn main() {}
