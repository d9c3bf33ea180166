use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(linear = 3)]
    f: Linear,
}

fn main() {}
