use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4], profile(name = "x"))]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    f: Linear,
}

fn main() {}
