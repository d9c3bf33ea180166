//! Tuple struct fields are named by their index in the cost table.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Linear;
pub struct Relu;

#[allow(dead_code)]
#[cost_budget(input = [1, 16])]
pub struct Mlp(
    #[layer(linear(d_input = 16, d_output = 8))] Linear,
    Relu,
    #[layer(linear(d_input = 8, d_output = 2))] Linear,
);

fn main() {
    let names: Vec<String> = Mlp::cost().layers.into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["0", "1", "2"]);
}
