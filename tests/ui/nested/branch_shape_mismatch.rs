use alphaflops::cost_budget;

pub struct Conv2d;

#[cost_budget(input = [1, 3, 8, 8])]
pub struct Net {
    #[layer(conv2d(channels = [3, 8], kernel_size = 3, padding = 1))]
    conv1: Conv2d,
    #[layer(conv2d(channels = [8, 8], kernel_size = 3), then(add(with = "conv1")))]
    conv2: Conv2d,
}

fn main() {}
