//! `interpolate1d`/`interpolate2d` with burn's keys: `output_size` or `scale_factor` (burn's
//! `Option`s, written as the value), `mode` by its variant's name, `align_corners`.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 4, 8, 8])]
pub struct Upsampler {
    #[layer(interpolate2d(scale_factor = 2, mode = "linear", align_corners = false))]
    up: Layer,
    #[layer(interpolate2d(output_size = [20, 24]))]
    resize: Layer,
    #[layer(interpolate2d(scale_factor = [0.5, 0.25], mode = "cubic"))]
    down: Layer,
    #[layer(flatten(start_dim = 2, end_dim = 3))]
    flat: Layer,
    #[layer(interpolate1d(output_size = 30, mode = "nearest_exact"))]
    line: Layer,
}

fn main() {
    let cost = Upsampler::cost();
    assert_eq!(cost.output.dims(), &[1, 4, 30]);
    // Bilinear: 7 FLOPs for each of 4·16·16 outputs; bicubic: 31 for each of 4·10·6;
    // the nearest ones gather.
    assert_eq!(cost.flops, 7 * 4 * 16 * 16 + 31 * 4 * 10 * 6);
}
