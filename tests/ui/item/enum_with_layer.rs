use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub enum Net {
    Small(#[layer(linear(d_input = 4, d_output = 2))] Linear),
}

fn main() {}
