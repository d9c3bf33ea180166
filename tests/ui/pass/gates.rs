//! `prelu` and `glu` with burn's keys: learned slopes per channel or one for all, and a gate
//! that halves the channels, as a gated convolutional block writes them.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 8, 16, 16])]
pub struct GatedBlock {
    #[layer(conv2d(channels = [8, 16], kernel_size = 3, padding = "same"))]
    conv: Layer,
    #[layer(prelu(num_parameters = 16, alpha = 0.1))]
    act: Layer,
    #[layer(glu(dim = 1))]
    gate: Layer,
    #[layer(prelu)]
    shared: Layer,
    #[layer(glu)]
    last: Layer,
}

fn main() {
    let cost = GatedBlock::cost();
    // The channels halved by the first gate, the width by the second (dim = -1).
    assert_eq!(cost.output.dims(), &[1, 8, 16, 8]);
    // 16·8·9 + 16 conv weights, 16 slopes, then one shared slope.
    assert_eq!(cost.params, 16 * 8 * 9 + 16 + 16 + 1);
    // 2 FLOPs an element for each prelu, 5 an output element for each gate.
    let n = 16 * 16 * 16;
    assert_eq!(cost.layers[1].flops, 2 * n);
    assert_eq!(cost.layers[2].flops, 5 * n / 2);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["conv2d", "prelu", "glu", "prelu", "glu"]);
}
