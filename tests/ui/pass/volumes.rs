//! `conv3d`, `conv_transpose3d` and `adaptive_avg_pool3d` with burn's keys: a clip of video
//! frames encoded, upsampled and pooled, as a 3-d U-Net or a video classifier writes them.
#![deny(warnings)]

use alphaflops::{CostModel, cost_budget};

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 3, 8, 32, 32])]
pub struct Clip {
    #[layer(conv3d(channels = [3, 16], kernel_size = [3, 3, 3], stride = [1, 2, 2], padding = 1))]
    stem: Layer,
    #[layer(conv3d(channels = [16, 16], kernel_size = 3, padding = "same", groups = 4, bias = false))]
    mix: Layer,
    #[layer(conv_transpose3d(channels = [16, 8], kernel_size = [1, 2, 2], stride = [1, 2, 2]))]
    up: Layer,
    #[layer(adaptive_avg_pool3d(output_size = [1, 1, 1]))]
    pool: Layer,
}

fn main() {
    let cost = Clip::cost();
    let shapes: Vec<&[u64]> = cost.layers.iter().map(|l| l.output.dims()).collect();
    // (8 + 2 − 3) / 1 + 1 = 8 frames, (32 + 2 − 3) / 2 + 1 = 16; "same" keeps them; the
    // transposed one doubles height and width back, (16 − 1)·2 + 1 + 1 = 32.
    assert_eq!(
        shapes,
        [
            &[1, 16, 8, 16, 16][..],
            &[1, 16, 8, 16, 16],
            &[1, 8, 8, 32, 32],
            &[1, 8, 1, 1, 1],
        ]
    );
    // 16·3·27 + 16, 16·4·27, 16·(8/1)·4 + 8.
    assert_eq!(cost.params, 16 * 3 * 27 + 16 + 16 * 4 * 27 + 16 * 8 * 4 + 8);
    assert_eq!(cost.layers[0].macs, 16 * 8 * 16 * 16 * 3 * 27);
    let ops: Vec<&str> = cost.layers.iter().map(|l| l.op.as_str()).collect();
    assert_eq!(ops, ["conv3d", "conv3d", "conv_transpose3d", "adaptive_avg_pool3d"]);
}
