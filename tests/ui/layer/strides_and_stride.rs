use alphaflops::cost_budget;

pub struct Conv2d;
pub struct MaxPool2d;
pub struct Linear;

#[cost_budget(input = [1, 1, 28, 28])]
pub struct Net {
    #[layer(max_pool2d(kernel_size = 2, strides = [2, 2], stride = [2, 2]))]
    pool: MaxPool2d,
}

fn main() {}
