use alphaflops::{CostModel, cost_budget, cost_model};

pub struct Linear;

#[cost_model]
pub struct Expert {
    #[layer(linear(d_input = 8, d_output = 32))]
    up: Linear,
    #[layer(linear(d_input = 32, d_output = 8))]
    down: Linear,
}

// Four experts hold parameters; each token runs two of them, chosen by the router.
#[cost_budget(input = [1, 4, 8], active_params = "2k", weights_mb = 1)]
pub struct Moe {
    #[layer(linear(d_input = 8, d_output = 4, bias = false))]
    router: Linear,
    #[layer(module, repeat = 4, active = 2, input = "input")]
    experts: Vec<Expert>,
}

fn main() {
    let expert = 8 * 32 + 32 + 32 * 8 + 8;
    let cost = Moe::cost();
    assert_eq!(cost.params, 32 + 4 * expert);
    assert_eq!(cost.active_params, 32 + 2 * expert);
    assert_eq!(cost.macs, 4 * (32 + 2 * (8 * 32 + 32 * 8)));
    assert_eq!(cost.weights_bytes, 4 * cost.params);
    let paths: Vec<String> = Moe::model()
        .node_params()
        .unwrap()
        .into_iter()
        .map(|p| p.path)
        .collect();
    assert_eq!(paths[1], "experts.0.up");
    assert_eq!(paths.last().unwrap(), "experts.3.down");
}
