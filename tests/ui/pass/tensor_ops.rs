//! What a forward writes inline: a squeeze-and-excitation gate (`mean` over the plane, two
//! 1×1 convolutions, a broadcast `mul`), `reshape` into tokens, `sum` over a dimension, and
//! attention scores as a `matmul` of two earlier outputs.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [2, 16, 8, 8])]
pub struct Net {
    #[layer(conv2d(channels = [16, 16], kernel_size = 3, padding = 1))]
    features: Layer,
    // Squeeze: [2, 16, 8, 8] → [2, 16, 1, 1]; burn's `mean_dim` keeps the dimensions.
    #[layer(mean(dims = [2, 3], keepdim = true))]
    squeeze: Layer,
    #[layer(conv2d(channels = [16, 4], kernel_size = 1), then(relu))]
    reduce: Layer,
    #[layer(conv2d(channels = [4, 16], kernel_size = 1), then(sigmoid))]
    expand: Layer,
    // Excite: the [2, 16, 1, 1] scale times the [2, 16, 8, 8] features.
    #[layer(mul(with = "features"))]
    excite: Layer,
    #[layer(reshape(shape = [0, 16, -1]))]
    flat: Layer,
    #[layer(transpose(dim0 = 1, dim1 = 2))]
    tokens: Layer,
    #[layer(linear(d_input = 16, d_output = 16))]
    keys: Layer,
    #[layer(transpose(dim0 = 1, dim1 = 2), input = "keys")]
    keys_t: Layer,
    #[layer(matmul(with = "keys_t"), input = "tokens")]
    scores: Layer,
    #[layer(sum(dim = -1))]
    total: Layer,
}

fn main() {
    let cost = Net::cost();
    let shape = |i: usize| cost.layers[i].output.dims().to_vec();
    assert_eq!(shape(1), [2, 16, 1, 1]);
    assert_eq!(shape(6), [2, 16, 8, 8]);
    assert_eq!(shape(7), [2, 16, 64]);
    assert_eq!(shape(11), [2, 64, 64]);
    assert_eq!(cost.output.dims(), &[2, 64]);
    let op = |name: &str| cost.layers.iter().find(|l| l.name == name).unwrap();
    // A mean adds every element and divides once per output element.
    assert_eq!(op("squeeze").flops, 2 * 16 * 64 + 2 * 16);
    // One product per output element, the scale broadcast.
    assert_eq!(op("excite").flops, 2 * 16 * 64);
    // [2, 64, 16] × [2, 16, 64]: 2·64·64·16 MACs.
    assert_eq!(op("scores").macs, 2 * 64 * 64 * 16);
    assert_eq!((op("flat").flops, op("flat").macs), (0, 0));
    assert_eq!(op("total").flops, 2 * 64 * 64);
}
