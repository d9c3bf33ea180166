use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 1, 28, 28])]
pub struct Net {
    #[layer(max_pool2d(kernel_size = 2, padding = 2))]
    f: Layer,
}

fn main() {}
