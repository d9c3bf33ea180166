use alphaflops::cost_budget;

pub struct Merge;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(add)]
    merge: Merge,
}

fn main() {}
