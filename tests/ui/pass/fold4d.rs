//! `fold4d` with burn's `Fold4dConfig` keys: an image unfolded into overlapping patches and
//! folded back, the overlaps summed.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 2, 4, 4])]
pub struct Patches {
    #[layer(unfold4d(kernel_size = [2, 2]))]
    unfold: Layer,
    #[layer(fold4d(output_size = [4, 4], kernel_size = [2, 2], stride = 1, dilation = 1, padding = 0))]
    fold: Layer,
}

fn main() {
    let cost = Patches::cost();
    assert_eq!(cost.layers[0].output.dims(), &[1, 8, 9]);
    assert_eq!(cost.output.dims(), &[1, 2, 4, 4]);
    // Each of the 2·4·9 column elements lands inside the image and is added there.
    assert_eq!(cost.flops, 2 * 4 * 9);
    assert_eq!(cost.layers[1].op, "fold4d");
}
