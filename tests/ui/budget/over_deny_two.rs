use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 1024], params = "100k", macs = 1000, flops = "1G", level = "deny")]
pub struct Net {
    #[layer(linear(d_input = 1024, d_output = 1024))]
    fc: Linear,
}

fn main() {}
