//! `profile = "name"` finds profiles/<name>.toml in the crate or a parent directory.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Linear;

#[allow(dead_code)]
#[cost_budget(input = [1, 16], profile = "reference")]
pub struct Net {
    #[layer(linear(d_input = 16, d_output = 8))]
    fc: Linear,
}

fn main() {
    assert_eq!(Net::cost().profile, "reference");
}
