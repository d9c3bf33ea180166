//! Keys accepted for fidelity to burn's configs still have their values checked.
use alphaflops::cost_budget;

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 1, 8, 8])]
pub struct Net {
    #[layer(dropout(prob = "high"))]
    dropout: Layer,
    #[layer(avg_pool2d(kernel_size = 2, count_include_pad = 7))]
    pool: Layer,
    #[layer(flatten)]
    flatten: Layer,
    #[layer(multi_head_attention(d_model = 16, n_heads = 2, dropout = [0.1]), input = [1, 4, 16])]
    attention: Layer,
}

fn main() {}
