use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4], path = "../../../../alphaflops-core/profiles/reference.toml", energy_mj = 0.0000000001, level = "deny")]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    f: Linear,
}

fn main() {}
