use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [4294967296, 4294967296, 4294967296])]
pub struct Net {
    #[layer(linear(d_input = 4294967296, d_output = 4294967296))]
    f: Linear,
}

fn main() {}
