use alphaflops::cost_budget;

pub struct Linear;

const WIDTH: u64 = 8;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = WIDTH))]
    fc: Linear,
}

fn main() {}
