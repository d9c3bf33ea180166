//! `local_response_norm` with burn's `LocalResponseNormConfig` keys, as AlexNet uses it.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;
pub struct Relu;

#[allow(dead_code)]
#[cost_budget(input = [1, 3, 32, 32])]
pub struct AlexStem {
    #[layer(conv2d(channels = [3, 8], kernel_size = 3, padding = "same", bias = false))]
    conv: Layer,
    relu: Relu,
    #[layer(local_response_norm(size = 5, alpha = 1e-4, beta = 0.75, k = 2))]
    lrn: Layer,
}

fn main() {
    let cost = AlexStem::cost();
    assert_eq!(cost.output.dims(), &[1, 8, 32, 32]);
    let n = 8 * 32 * 32;
    // The convolution's 2·MACs, the ReLU's 1 and the norm's 2·5 + 3 an element.
    assert_eq!(cost.flops, 2 * cost.macs + n + 13 * n);
    assert_eq!(cost.params, 8 * 3 * 9);
}
