use alphaflops::cost_model;

pub struct Linear;

#[cost_model(params = "1k")]
pub struct Block {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
}

fn main() {}
