//! A refused `repeat` on an array of constant length is one error; an array too long to
//! price one by one is another.
use alphaflops::cost_budget;

pub struct Linear;

const N: usize = 4;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4), repeat = 20000)]
    a: [Linear; N],
    #[layer(linear(d_input = 4, d_output = 4))]
    b: [Linear; 100000],
}

fn main() {}
