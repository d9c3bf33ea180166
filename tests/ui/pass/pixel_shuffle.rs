//! `pixel_shuffle` and `pixel_unshuffle` with burn's keys (a sub-pixel upsampler, as ESPCN
//! writes it), and `identity`, annotated and by burn's type name.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;
pub struct Identity;

#[allow(dead_code)]
#[cost_budget(input = [1, 3, 16, 16])]
pub struct Espcn {
    #[layer(conv2d(channels = [3, 12], kernel_size = 3, padding = "same"))]
    conv: Layer,
    #[layer(pixel_shuffle(upscale_factor = 2))]
    shuffle: Layer,
    skip: Identity,
    #[layer(identity)]
    same: Layer,
    #[layer(pixel_unshuffle(downscale_factor = 4))]
    unshuffle: Layer,
}

fn main() {
    let cost = Espcn::cost();
    assert_eq!(cost.output.dims(), &[1, 48, 8, 8]);
    // Only the convolution computes; the shuffles copy.
    assert_eq!(cost.macs, 16 * 16 * 12 * 3 * 9);
    assert_eq!(cost.flops, 2 * cost.macs);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["conv2d", "pixel_shuffle", "identity", "identity", "pixel_unshuffle"]);
}
