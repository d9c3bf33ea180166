//! Fields named without their quotes, in `input` and in `with`: one error each, with the
//! quoted form, and nothing else (they are read as if quoted).
use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 3, 8, 8])]
pub struct Net {
    #[layer(conv2d(channels = [3, 3], kernel_size = 3, padding = 1))]
    stem: Conv2d,
    #[layer(conv2d(channels = [3, 3], kernel_size = 3, padding = 1), then(add(with = stem)))]
    conv1: Conv2d,
    #[layer(conv2d(channels = [3, 3], kernel_size = 3, padding = 1), input = stem, then(concat(with = [stem, "conv1"], dim = 1)))]
    conv2: Conv2d,
    #[layer(flatten)]
    flat: Linear,
}

fn main() {}
