use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(flatten(start_dim = 5))]
    f: Layer,
}

fn main() {}
