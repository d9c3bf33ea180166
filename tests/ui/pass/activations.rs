//! Every parameter-free activation of burn-nn: annotated, with burn's config keys (which do
//! not change the cost), and unannotated, by burn's type names.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;
pub struct LeakyRelu;
pub struct Elu;
pub struct Celu;
pub struct Selu;
pub struct HardSigmoid;
pub struct HardSwish;
pub struct Hardtanh;
pub struct HardShrink;
pub struct SoftShrink;
pub struct Softplus;
pub struct Softsign;
pub struct LogSigmoid;
pub struct Mish;
pub struct Tanhshrink;
pub struct Threshold;
pub struct ThresholdedRelu;
pub struct RRelu;

#[allow(dead_code)]
#[cost_budget(input = [2, 5])]
pub struct Annotated {
    #[layer(leaky_relu(negative_slope = 0.2))]
    a: Layer,
    #[layer(elu(alpha = 1))]
    b: Layer,
    #[layer(celu(alpha = 0.5))]
    c: Layer,
    #[layer(selu)]
    d: Layer,
    #[layer(hard_sigmoid(alpha = 0.2, beta = 0.5))]
    e: Layer,
    #[layer(hard_swish)]
    f: Layer,
    #[layer(hardtanh(min_val = -2.0, max_val = 2.0))]
    g: Layer,
    #[layer(hard_shrink(lambda = 0.5))]
    h: Layer,
    #[layer(soft_shrink(lambda = 0.5))]
    i: Layer,
    #[layer(softplus(beta = 1, threshold = 20))]
    j: Layer,
    #[layer(softsign)]
    k: Layer,
    #[layer(log_sigmoid)]
    l: Layer,
    #[layer(mish)]
    m: Layer,
    #[layer(tanhshrink)]
    n: Layer,
    #[layer(threshold(threshold = 0.1, value = 0))]
    o: Layer,
    #[layer(thresholded_relu(alpha = 1.0))]
    p: Layer,
    #[layer(rrelu(lower = 0.125, upper = 0.3))]
    q: Layer,
}

#[allow(dead_code)]
#[cost_budget(input = [2, 5])]
pub struct ByType {
    a: LeakyRelu,
    b: Elu,
    c: Celu,
    d: Selu,
    e: HardSigmoid,
    f: HardSwish,
    g: Hardtanh,
    h: HardShrink,
    i: SoftShrink,
    j: Softplus,
    k: Softsign,
    l: LogSigmoid,
    m: Mish,
    n: Tanhshrink,
    o: Threshold,
    p: ThresholdedRelu,
    q: RRelu,
}

fn main() {
    // 10 elements each: 2+4+7+5+4+5+2+2+4+5+3+5+9+6+1+1+2 = 67 FLOPs an element.
    for cost in [Annotated::cost(), ByType::cost()] {
        assert_eq!(cost.flops, 670);
        assert_eq!((cost.params, cost.macs), (0, 0));
        assert_eq!(cost.output.dims(), &[2, 5]);
    }
    let ops: Vec<String> = ByType::cost().layers.iter().map(|l| l.op.clone()).collect();
    assert_eq!(ops[0], "leaky_relu");
    assert_eq!(ops[16], "rrelu");
}
