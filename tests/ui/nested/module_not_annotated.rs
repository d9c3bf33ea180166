use alphaflops::cost_budget;

pub struct Plain;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module)]
    block: Plain,
}

fn main() {}
