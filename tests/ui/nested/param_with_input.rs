use alphaflops::cost_model;

pub struct Linear;

#[cost_model(params(d), input = [1, 4])]
pub struct Block {
    #[layer(linear(d_input = 4, d_output = d))]
    fc: Linear,
}

fn main() {}
