use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

// Five independent mistakes; all are reported at once.
#[cost_budget(input = [1, 1, 28, 28], alpha_flops = "2m", level = "loud")]
pub struct Net {
    #[layer(conv2d(channels = [1, 6], kernal_size = 5))]
    conv: Conv2d,
    #[layer(lineer(d_input = 400, d_output = 120))]
    fc1: Linear,
    fc2: Linear,
}

fn main() {}
