use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 3, 8, 8])]
pub struct Net {
    #[layer(interpolate2d(output_size = [4, 4], scale_factor = 2))]
    both: Layer,
    #[layer(interpolate2d(mode = "bilinear"))]
    neither: Layer,
    #[layer(interpolate2d(scale_factor = [2, 0]))]
    zero: Layer,
    #[layer(interpolate1d(scale_factor = [2, 2]))]
    too_many: Layer,
}

fn main() {}
