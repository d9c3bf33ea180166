use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 1, 28, 28])]
pub struct Net {
    #[layer(conv2d(channels = [1, 16], kernel_size = 5, stride = 6))]
    conv: Conv2d,
    #[layer(linear(d_input = 400, d_output = 120))]
    fc: Linear,
}

fn main() {}
