//! A block nested under another name (`use … as`), and under its own: both are priced.
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
pub struct Net {
    #[layer(module)]
    a: Renamed,
    #[layer(module)]
    b: inner::Block,
}

fn main() {
    assert_eq!(Net::cost().params, 2 * 20);
}
