use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 4, 8, 8])]
pub struct Net {
    // 9 channels: one per tap, where a deformable 3×3 needs two (a row and a column shift).
    #[layer(conv2d(channels = [4, 9], kernel_size = 3, padding = [1, 1]))]
    offset: Layer,
    #[layer(
        deform_conv2d(channels = [4, 8], kernel_size = 3, padding = [1, 1], with = "offset"),
        input = "input"
    )]
    deform: Layer,
}

fn main() {}
