//! Reading a field that is not a layer (a marker) is an error, not a silently dropped field.
use alphaflops::cost_budget;
use core::marker::PhantomData;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    marker: PhantomData<u8>,
    #[layer(linear(d_input = 4, d_output = 4), input = "marker")]
    b: Linear,
}

fn main() {}
