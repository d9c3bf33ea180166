//! KNOWN BUG, kept so a fix is noticed: keys accepted "for fidelity to burn" are taken
//! without checking their values, so nonsense compiles. `prob = "high"` should be
//! "`prob` expects a number between 0 and 1, found a string"; `count_include_pad = 7`
//! should be "`count_include_pad` expects true or false, found an integer". When this starts
//! failing, move it to tests/ui/layer/ and bless its .stderr.
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
