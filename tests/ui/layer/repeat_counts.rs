//! Counts the macro cannot price as written: several copies in one field, a typo's extra
//! zeros, an array whose length is a constant.
use alphaflops::cost_budget;

pub struct Linear;

const N: usize = 4;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4), repeat = 3)]
    one: Linear,
    #[layer(linear(d_input = 4, d_output = 4), repeat = 100000)]
    many: Vec<Linear>,
    #[layer(linear(d_input = 4, d_output = 4))]
    array: [Linear; N],
}

fn main() {}
