use alphaflops::cost_budget;

pub struct Conv2d;
pub struct MaxPool2d;
pub struct Linear;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer = "linear"]
    fc: Linear,
}

fn main() {}
