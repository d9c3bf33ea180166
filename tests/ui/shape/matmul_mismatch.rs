use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [2, 8, 16])]
pub struct Net {
    #[layer(linear(d_input = 16, d_output = 16))]
    keys: Layer,
    #[layer(matmul(with = "keys"), input = "input")]
    scores: Layer,
}

fn main() {}
