//! `softmax(dim = 7)` on a rank-2 input: the dimension is checked against the input.
use alphaflops::cost_budget;

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(softmax(dim = 7))]
    f: Layer,
}

fn main() {}
