use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(skip = true)]
    f: Linear,
}

fn main() {}
