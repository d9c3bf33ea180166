use alphaflops::cost_budget;

#[cost_budget(input = [1, 4])]
pub union Net {
    a: u32,
}

fn main() {}
