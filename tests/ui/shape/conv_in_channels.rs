use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 3, 32, 32])]
pub struct Net {
    #[layer(conv2d(channels = [1, 6], kernel_size = 5))]
    conv: Conv2d,
}

fn main() {}
