use alphaflops::cost_budget;

pub struct Conv2d;
pub struct MaxPool2d;
pub struct Linear;

#[cost_budget(input = [1, 1, 28, 28])]
pub struct Net {
    #[layer(conv4d(channels = [1, 6], kernel_size = 5))]
    conv: Conv2d,
}

fn main() {}
