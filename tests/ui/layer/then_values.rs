//! `then` lists layers: a value given to one, or to `then` itself, says the form to write.
use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4), then(relu = 1))]
    a: Linear,
    #[layer(linear(d_input = 4, d_output = 4), then = relu)]
    b: Linear,
}

fn main() {}
