//! Every budget met: no warning at all (`deny(warnings)` would turn one into an error).
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Linear;

#[allow(dead_code)]
#[cost_budget(
    input = [1, 16],
    alpha_flops = "1M",
    flops = 1_000_000,
    macs = "1k",
    params = 200,
    time_ms = 1.5,
    level = "warn"
)]
pub struct Net {
    #[layer(linear(d_input = 16, d_output = 8))]
    fc: Linear,
}

fn main() {
    assert_eq!(Net::cost().params, 136);
}
