use alphaflops::cost_budget;

pub struct Conv2d;
pub struct Linear;

#[cost_budget(input = [1, 4], profile = "quadro-t2000-asperti2021", path = "profiles/reference.toml")]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
