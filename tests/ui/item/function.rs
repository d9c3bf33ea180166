use alphaflops::cost_budget;

#[cost_budget(input = [1, 4])]
pub fn net() {}

fn main() {}
