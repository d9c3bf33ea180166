use alphaflops::cost_model;

pub struct Linear;

#[cost_model(params(d = 4, d_out, d_out))]
pub struct Block {
    #[layer(linear(d_input = 4, d_output = d_out))]
    fc: Linear,
}

fn main() {}
