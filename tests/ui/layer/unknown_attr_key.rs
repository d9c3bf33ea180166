use alphaflops::cost_budget;

pub struct Conv2d;
pub struct MaxPool2d;
pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2), name = "fc")]
    fc: Linear,
}

fn main() {}
