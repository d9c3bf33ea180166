//! `deform_conv2d` with burn's `DeformConv2dConfig` keys, its offsets (and mask) earlier
//! fields' outputs by `with`: a plain convolution's MACs and parameters, and the bilinear
//! sampling of every input channel at each kernel tap of each output position.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 4, 8, 8])]
pub struct Deformable {
    #[layer(conv2d(channels = [4, 18], kernel_size = 3, padding = [1, 1]))]
    offset: Layer,
    #[layer(conv2d(channels = [4, 9], kernel_size = 3, padding = [1, 1]), input = "input")]
    mask: Layer,
    #[layer(
        deform_conv2d(channels = [4, 8], kernel_size = [3, 3], stride = 1, dilation = 1, weight_groups = 1, offset_groups = 1, padding = [1, 1], bias = true, with = ["offset", "mask"]),
        input = "input"
    )]
    masked: Layer,
    #[layer(
        deform_conv2d(channels = [4, 8], kernel_size = 3, padding = "same", with = "offset"),
        input = "input"
    )]
    plain: Layer,
}

fn main() {
    let cost = Deformable::cost();
    assert_eq!(cost.output.dims(), &[1, 8, 8, 8]);
    let samples = 4 * 9 * 64;
    let conv_macs = 8 * 64 * 4 * 9;
    let (masked, plain) = (&cost.layers[2], &cost.layers[3]);
    assert_eq!((masked.op.as_str(), masked.params), ("deform_conv2d", 8 * 4 * 9 + 8));
    assert_eq!(masked.macs, conv_macs);
    assert_eq!(masked.flops, 2 * conv_macs + 20 * samples);
    assert_eq!(plain.flops, 2 * conv_macs + 19 * samples);
}
