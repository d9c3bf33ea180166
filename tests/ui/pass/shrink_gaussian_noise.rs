//! `shrink` and `gaussian_noise` with burn's config keys, annotated and by burn's type names:
//! the shrink costs its 6 operations an element, the noise nothing at inference.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;
pub struct Shrink;
pub struct GaussianNoise;

#[allow(dead_code)]
#[cost_budget(input = [2, 5])]
pub struct Denoiser {
    #[layer(gaussian_noise(std = 0.1))]
    noise: Layer,
    #[layer(linear(d_input = 5, d_output = 4))]
    fc: Layer,
    #[layer(shrink(lambda = 0.5, bias = 0.25))]
    shrink: Layer,
    #[layer(shrink)]
    again: Layer,
    by_type: Shrink,
    noise_by_type: GaussianNoise,
}

fn main() {
    let cost = Denoiser::cost();
    assert_eq!(cost.output.dims(), &[2, 4]);
    assert_eq!(cost.flops, 2 * (2 * 5 * 4) + 3 * 6 * (2 * 4));
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(
        ops,
        ["gaussian_noise", "linear", "shrink", "shrink", "shrink", "gaussian_noise"]
    );
}
