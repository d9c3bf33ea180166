//! References to fields that have no output: one that failed (its own error is the only
//! one), one that is skipped, and `"input"` when a later field takes that name.
use alphaflops::cost_budget;

pub struct Linear;
pub struct Dropout;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_outptu = 4))]
    a: Linear,
    #[layer(linear(d_input = 4, d_output = 4), then(add(with = "a")))]
    b: Linear,
    #[layer(skip)]
    s: Dropout,
    #[layer(linear(d_input = 4, d_output = 4), input = "s")]
    c: Linear,
    #[layer(linear(d_input = 4, d_output = 4), then(add(with = "input")))]
    d: Linear,
    #[layer(linear(d_input = 4, d_output = 4))]
    input: Linear,
}

fn main() {}
