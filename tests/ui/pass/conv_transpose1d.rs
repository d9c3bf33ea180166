//! `conv_transpose1d` with burn's keys: a 1-d upsampling, as a waveform decoder writes it.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 16, 50])]
pub struct Decoder {
    #[layer(conv_transpose1d(channels = [16, 8], kernel_size = 4, stride = 2, padding = 1))]
    up: Layer,
    #[layer(conv_transpose1d(channels = [8, 4], kernel_size = 3, stride = 2, padding = 1, padding_out = 1, groups = 2, bias = false))]
    up2: Layer,
}

fn main() {
    let cost = Decoder::cost();
    // (50 − 1)·2 − 2 + 3 + 1 = 100, then (100 − 1)·2 − 2 + 2 + 1 + 1 = 200.
    assert_eq!(cost.output.dims(), &[1, 4, 200]);
    // 16·8·4 + 8 and 8·(4/2)·3.
    assert_eq!(cost.params, 16 * 8 * 4 + 8 + 8 * 2 * 3);
    assert_eq!(cost.layers[0].op, "conv_transpose1d");
}
