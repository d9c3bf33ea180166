use alphaflops::cost_budget;

#[cost_budget(input = [1, 4])]
pub struct Net;

fn main() {}
