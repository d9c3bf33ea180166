//! A block that nests another struct of its own name from another module: not a cycle.
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

#[cost_budget(input = [1, 4])]
pub struct Block {
    #[layer(module)]
    inner: inner::Block,
    #[layer(linear(d_input = 4, d_output = 2))]
    out: Linear,
}

fn main() {
    assert_eq!(Block::cost().params, 20 + 10);
}
