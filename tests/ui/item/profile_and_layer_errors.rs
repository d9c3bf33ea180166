use alphaflops::cost_budget;

pub struct Linear;

// A profile error does not hide field errors: both are reported.
#[cost_budget(input = [1, 4], profile = "no/such")]
pub struct Net {
    #[layer(linear(d_input = 4))]
    fc: Linear,
    head: Linear,
}

fn main() {}
