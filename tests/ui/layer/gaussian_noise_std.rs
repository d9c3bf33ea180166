use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(gaussian_noise(std = -0.5))]
    noise: Layer,
    #[layer(gaussian_noise)]
    missing: Layer,
}

fn main() {}
