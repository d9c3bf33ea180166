use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [2, 8, 16])]
pub struct Net {
    #[layer(reshape(shape = [2, 100]))]
    flat: Layer,
}

fn main() {}
