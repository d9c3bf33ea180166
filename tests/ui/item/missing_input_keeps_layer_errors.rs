use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

// Without `input` the fields are never read, so the layer mistakes below only show up once
// `input` is added (ideally all three errors would be reported now).
#[cost_budget(alpha_flops = "2M")]
pub struct Net {
    #[layer(conv2d(channels = [1, 6]))]
    conv: Conv2d,
    #[layer(lineer(d_input = 400, d_output = 120))]
    fc1: Linear,
}

fn main() {}
