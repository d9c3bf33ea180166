//! One block nested three ways: under a `use … as` name, under its path, and by a struct
//! of its own name (`inner::Block` inside `Block` is another struct, not a cycle).
use alphaflops::{CostModel, cost_budget};

pub struct Linear;

mod inner {
    use alphaflops::cost_model;
    #[cost_model]
    pub struct Block {
        #[layer(linear(d_input = 4, d_output = 4))]
        pub fc: super::Linear,
    }
}

use inner::Block as Renamed;

#[cost_budget(input = [1, 4])]
pub struct Block {
    #[layer(module)]
    a: Renamed,
    #[layer(module)]
    b: inner::Block,
    #[layer(linear(d_input = 4, d_output = 2))]
    out: Linear,
}

fn main() {
    assert_eq!(Block::cost().params, 2 * 20 + 10);
}
