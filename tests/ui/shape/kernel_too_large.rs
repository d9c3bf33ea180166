use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 1, 4, 4])]
pub struct Net {
    #[layer(conv2d(channels = [1, 6], kernel_size = 7, padding = 1))]
    conv: Conv2d,
}

fn main() {}
