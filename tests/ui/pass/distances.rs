//! `cosine_similarity` and `pairwise_distance` with burn's config keys, the second input an
//! earlier field's output by `with`, as `add` takes it: two embeddings of one input compared.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [4, 8])]
pub struct Siamese {
    #[layer(linear(d_input = 8, d_output = 6))]
    left: Layer,
    #[layer(linear(d_input = 8, d_output = 6), input = "input")]
    right: Layer,
    #[layer(cosine_similarity(dim = 1, eps = 1e-8, with = "left"))]
    cosine: Layer,
    #[layer(pairwise_distance(p = 2, eps = 1e-6, with = "left"), input = "right")]
    l2: Layer,
    #[layer(pairwise_distance(p = 1.0, with = "left"), input = "right")]
    l1: Layer,
    #[layer(cosine_similarity(with = "left"), input = "right")]
    by_default: Layer,
}

fn main() {
    let cost = Siamese::cost();
    assert_eq!(cost.output.dims(), &[4]);
    let outputs: Vec<&[u64]> = cost.layers.iter().map(|l| l.output.dims()).collect();
    assert_eq!(outputs, [&[4, 6][..], &[4, 6], &[4], &[4], &[4], &[4]]);
    // 24 elements a side: 8 an element and 4 a row for cosine, 4 and 1 for L2, 4 for L1.
    let flops: Vec<u64> = cost.layers[2..].iter().map(|l| l.flops).collect();
    assert_eq!(flops, [8 * 24 + 4 * 4, 4 * 24 + 4, 4 * 24, 8 * 24 + 4 * 4]);
}
