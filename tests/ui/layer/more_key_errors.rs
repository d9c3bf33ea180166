//! Messages no other case shows, one field each: a probability out of range, a bare
//! `repeat`, `module` in `then`, a bare `stride`, `module` on a reference type, an `Option`
//! repeated, and a block parameter list with nothing in it.
use alphaflops::{cost_budget, cost_model};

pub struct Linear;
pub struct Dropout;
pub struct MaxPool2d;

#[cost_model(params())]
pub struct Empty {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
}

#[cost_budget(input = [1, 4, 8, 8])]
pub struct Net<'a> {
    #[layer(dropout(prob = 1.5))]
    drop: Dropout,
    #[layer(dropout, repeat)]
    drops: Vec<Dropout>,
    #[layer(dropout, then(module))]
    then_module: Dropout,
    #[layer(max_pool2d(kernel_size = 2, stride))]
    pool: MaxPool2d,
    #[layer(module)]
    borrowed: &'a Linear,
    #[layer(dropout, repeat = 2)]
    maybe: Option<Dropout>,
}

fn main() {}
