use alphaflops::{cost_budget, cost_model};

pub struct Linear;

#[cost_model]
pub struct Expert {
    #[layer(linear(d_input = 8, d_output = 8))]
    ff: Linear,
}

#[cost_budget(input = [1, 4, 8])]
pub struct TooMany {
    #[layer(module, repeat = 2, active = 3)]
    experts: Vec<Expert>,
}

#[cost_budget(input = [1, 4, 8])]
pub struct NotBlocks {
    #[layer(linear(d_input = 8, d_output = 8), repeat = 2, active = 1)]
    experts: Vec<Linear>,
}

fn main() {}
