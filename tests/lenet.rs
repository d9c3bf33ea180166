//! The LeNet contract, on stand-in layer types (the real burn and candle models are in
//! the alphaflops-examples crate).

#![allow(dead_code)]

use alphaflops::{CostModel, cost_budget};

pub struct Conv2d;
pub struct MaxPool2d;
pub struct Linear;
pub struct Relu;

#[cost_budget(input = [1, 1, 28, 28], profile = "quadro-t2000-asperti2021", alpha_flops = "2M", params = "100k", level = "deny")]
pub struct LeNet {
    #[layer(conv2d(channels = [1, 6], kernel_size = [5, 5], padding = [2, 2]))]
    conv1: Conv2d,
    #[layer(max_pool2d(kernel_size = [2, 2], stride = [2, 2]))]
    pool1: MaxPool2d,
    #[layer(conv2d(channels = [6, 16], kernel_size = [5, 5]))]
    conv2: Conv2d,
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pool2: MaxPool2d,
    #[layer(linear(d_input = 400, d_output = 120))]
    fc1: Linear,
    activation: Relu,
    #[layer(linear(d_input = 120, d_output = 84))]
    fc2: Linear,
    #[layer(linear(d_input = 84, d_output = 10))]
    fc3: Linear,
}

#[test]
fn lenet_cost_matches_core() {
    let cost = LeNet::cost();
    assert_eq!(cost.profile, "quadro-t2000-asperti2021");
    assert_eq!(cost.output.dims(), &[1, 10]);
    assert_eq!(cost.params, 61_706);
    assert_eq!(
        cost.macs,
        28 * 28 * 6 * 25 + 10 * 10 * 16 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10
    );
    assert_eq!(
        cost.flops,
        2 * cost.macs
            + cost
                .layers
                .iter()
                .filter(|l| l.macs == 0)
                .map(|l| l.flops)
                .sum::<u64>()
    );
    let names: Vec<&str> = cost.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "conv1",
            "pool1",
            "conv2",
            "pool2",
            "fc1",
            "activation",
            "fc2",
            "fc3"
        ]
    );
}

#[test]
fn lenet_model_is_the_annotated_graph() {
    let model = LeNet::model();
    let names: Vec<&str> = model.nodes.iter().map(|n| n.name.as_str()).collect();
    let priced: Vec<String> = LeNet::cost().layers.into_iter().map(|l| l.name).collect();
    assert_eq!(names, priced, "one node per priced field, in order");
    assert_eq!(model.input.dims(), &[1, 1, 28, 28]);
    let budgets = LeNet::budgets();
    assert_eq!(budgets.len(), 2);
    assert!(LeNet::verdicts().iter().all(|v| !v.over()));
}
