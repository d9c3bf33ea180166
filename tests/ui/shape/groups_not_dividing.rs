use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 4, 28, 28])]
pub struct Net {
    #[layer(conv2d(channels = [4, 6], kernel_size = 3, groups = 4))]
    conv: Layer,
}

fn main() {}
