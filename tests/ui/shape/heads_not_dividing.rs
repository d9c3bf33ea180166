use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 16, 64])]
pub struct Net {
    #[layer(multi_head_attention(d_model = 64, n_heads = 5))]
    attn: Layer,
}

fn main() {}
