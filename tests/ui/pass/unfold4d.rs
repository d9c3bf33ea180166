//! `unfold4d` with burn's `Unfold4dConfig` keys: an image as patches, before a linear layer.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 3, 8, 8])]
pub struct Patches {
    #[layer(unfold4d(kernel_size = [4, 4], stride = [4, 4], dilation = 1, padding = 0))]
    unfold: Layer,
    #[layer(transpose(dim0 = 1, dim1 = 2))]
    tokens: Layer,
    #[layer(linear(d_input = 48, d_output = 16))]
    embed: Layer,
}

fn main() {
    let cost = Patches::cost();
    // 3·4·4 = 48 values for each of the 2·2 patches.
    assert_eq!(cost.output.dims(), &[1, 4, 16]);
    assert_eq!(cost.macs, 4 * 48 * 16);
    assert_eq!(cost.layers[0].op, "unfold4d");
}
