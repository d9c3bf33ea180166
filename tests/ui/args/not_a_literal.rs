use alphaflops::cost_budget;

pub struct Linear;

const BUDGET: u64 = 100;

#[cost_budget(input = [1, 4], params = BUDGET)]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
