use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 4))]
    fc: Linear,
    #[layer(module)]
    again: Box<Net>,
}

fn main() {}
