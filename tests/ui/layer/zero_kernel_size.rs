use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 1, 28, 28])]
pub struct Net {
    #[layer(conv2d(channels = [1, 6], kernel_size = 0))]
    conv: Layer,
}

fn main() {}
