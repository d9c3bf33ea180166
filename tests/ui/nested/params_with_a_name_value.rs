//! A value (here a name) in `params(...)`: one error, and `c_in` is still declared, so the
//! fields using it raise nothing more.
use alphaflops::cost_model;

pub struct Linear;

#[cost_model(params(c_in = c, c_out))]
pub struct Block {
    #[layer(linear(d_input = c_in, d_output = c_out))]
    fc: Linear,
    #[layer(linear(d_input = c_out, d_output = c_in))]
    back: Linear,
}

fn main() {}
