//! `input = [...]` on a field restarts shape inference at that layer (a second branch or a
//! reshape the macro cannot see).
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Linear;

#[allow(dead_code)]
#[cost_budget(input = [1, 16])]
pub struct TwoHeads {
    #[layer(linear(d_input = 16, d_output = 8))]
    encoder: Linear,
    #[layer(linear(d_input = 32, d_output = 4), input = [1, 32])]
    side: Linear,
}

fn main() {
    let cost = TwoHeads::cost();
    assert_eq!(cost.output.dims(), &[1, 4]);
    assert_eq!(cost.params, 16 * 8 + 8 + 32 * 4 + 4);
}
