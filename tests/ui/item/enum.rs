use alphaflops::cost_budget;

pub struct Linear;

#[cost_budget(input = [1, 4])]
pub enum Net {
    Small(Linear),
    Large(Linear),
}

fn main() {}
