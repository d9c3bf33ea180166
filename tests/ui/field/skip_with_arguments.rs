use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(skip(reason = "config"))]
    f: Linear,
}

fn main() {}
