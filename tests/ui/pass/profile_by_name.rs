//! `profile = "name"` finds profiles/<name>.toml in the crate or a parent directory, else a
//! profile shipped inside alphaflops: this one is only in alphaflops-core (tests/tracking.rs
//! covers the files).
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Linear;

#[allow(dead_code)]
#[cost_budget(input = [1, 16], profile = "cpu-amd-epyc-2c-candle")]
pub struct Net {
    #[layer(linear(d_input = 16, d_output = 8))]
    fc: Linear,
}

fn main() {
    assert_eq!(Net::cost().profile, "cpu-amd-epyc-2c-candle");
}
