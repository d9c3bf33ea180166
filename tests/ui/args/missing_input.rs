use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(alpha_flops = "2M")]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
