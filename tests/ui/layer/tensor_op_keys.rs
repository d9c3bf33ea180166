//! The tensor ops' keys: a reshape's sizes, a reduction's dimensions, a product's other input.
use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 4, 4])]
pub struct Net {
    #[layer(reshape(shape = [-1, -1, 2]))]
    twice_inferred: Layer,
    #[layer(reshape(shape = [-2, 8]))]
    negative: Layer,
    #[layer(reshape(shape = 16))]
    not_a_list: Layer,
    #[layer(reshape)]
    no_shape: Layer,
    #[layer(mean(dim = 1, dims = [1, 2]))]
    both: Layer,
    #[layer(sum(keepdim = true))]
    no_dim: Layer,
    #[layer(mean(dims = "h"))]
    dims_string: Layer,
    #[layer(matmul)]
    no_with: Layer,
}

fn main() {}
