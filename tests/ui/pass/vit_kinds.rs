//! A ViT's embedding and head: patches as a sequence, a class token, a position embedding, and
//! the class token's row read back.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Conv2d;
pub struct Param;
pub struct LayerNorm;
pub struct Linear;

#[allow(dead_code)]
#[cost_budget(input = [2, 3, 32, 32])]
pub struct TinyVit {
    #[layer(
        conv2d(channels = [3, 16], kernel_size = 8, stride = 8),
        then(flatten(start_dim = 2), transpose(dim0 = 1, dim1 = 2))
    )]
    patches: Conv2d,
    #[layer(class_token(dim = 16))]
    class_token: Param,
    #[layer(position_embedding(seq_len = 17, dim = 16))]
    pos_embedding: Param,
    #[layer(layer_norm(d_model = 16), then(select(dim = 1, index = 0)))]
    ln: LayerNorm,
    #[layer(linear(d_input = 16, d_output = 10))]
    head: Linear,
}

fn main() {
    let cost = TinyVit::cost();
    let shapes: Vec<&[u64]> = cost.layers.iter().map(|l| l.output.dims()).collect();
    assert_eq!(
        shapes,
        [
            &[2, 16, 4, 4][..],
            &[2, 16, 16],
            &[2, 16, 16],
            &[2, 17, 16],
            &[2, 17, 16],
            &[2, 17, 16],
            &[2, 16],
            &[2, 10],
        ]
    );
    // conv 3·16·8·8 + 16, class token 16, position embedding 17·16, norm 2·16, head 16·10 + 10
    assert_eq!(cost.params, 3088 + 16 + 272 + 32 + 170);
}
