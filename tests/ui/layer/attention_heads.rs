use alphaflops::cost_budget;

pub struct Attention;

#[cost_budget(input = [1, 8, 64])]
pub struct Grouped {
    // Key/value heads must divide the query heads.
    #[layer(multi_head_attention(d_model = 64, n_heads = 8, n_heads_kv = 3))]
    attn: Attention,
}

#[cost_budget(input = [1, 8, 60])]
pub struct NoHeadWidth {
    #[layer(multi_head_attention(d_model = 60, n_heads = 8, causal = true))]
    attn: Attention,
}

#[cost_budget(input = [1, 8, 64])]
pub struct NoContext {
    #[layer(cross_attention(d_model = 64, d_context = 32, n_heads = 8))]
    attn: Attention,
}

fn main() {}
