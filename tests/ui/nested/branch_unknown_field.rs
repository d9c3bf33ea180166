use alphaflops::cost_budget;

pub struct Conv2d;

#[cost_budget(input = [1, 3, 8, 8])]
pub struct Net {
    #[layer(conv2d(channels = [3, 3], kernel_size = 3, padding = 1), then(add(with = "shortcut")))]
    conv1: Conv2d,
}

fn main() {}
