//! `instance_norm` with burn's keys: affine by default (a scale and a shift per channel),
//! without them when `affine = false`; `epsilon` is read and does not change the cost.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 8, 16, 16])]
pub struct Styled {
    #[layer(conv2d(channels = [8, 8], kernel_size = 3, padding = "same", bias = false))]
    conv: Layer,
    #[layer(instance_norm(num_channels = 8))]
    norm: Layer,
    #[layer(instance_norm(num_channels = 8, epsilon = 1e-3, affine = false), input = [2, 8, 32])]
    plain: Layer,
}

fn main() {
    let cost = Styled::cost();
    // 8·8·3·3 conv weights and the first norm's 2·8; the second has none.
    assert_eq!(cost.params, 8 * 8 * 9 + 16);
    assert_eq!(cost.output.dims(), &[2, 8, 32]);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["conv2d", "instance_norm", "instance_norm"]);
}
