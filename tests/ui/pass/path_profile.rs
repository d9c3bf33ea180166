//! `path = "…"` is relative to the crate's manifest directory; under trybuild that is the
//! generated crate in target/tests/trybuild/alphaflops-ui-tests, four levels below the workspace.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Linear;

#[allow(dead_code)]
#[cost_budget(input = [1, 16], path = "../../../../alphaflops-core/profiles/reference.toml", energy_mj = 1000)]
pub struct Net {
    #[layer(linear(d_input = 16, d_output = 8))]
    fc: Linear,
}

fn main() {
    let cost = Net::cost();
    assert_eq!(cost.profile, "reference");
    assert!(cost.energy_j.is_some());
}
