use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4], past_tokens = 16)]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
