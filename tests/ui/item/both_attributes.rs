//! #[cost_budget] and #[cost_model] on one struct: one error.
use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
#[alphaflops::cost_model]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
