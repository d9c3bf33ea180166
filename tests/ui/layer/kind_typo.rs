//! A misspelt word in #[layer] is a typo with the closest kind, not a second layer.
use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4), skp)]
    a: Linear,
    #[layer(sikp)]
    b: Linear,
    #[layer(Linear(d_input = 4, d_output = 2))]
    c: Linear,
}

fn main() {}
