use alphaflops::cost_budget;

pub struct Linear;

// An optimizer without a training step, an unknown mode and an unknown optimizer: all at once.
#[cost_budget(input = [1, 4], optimizer = "adam")]
pub struct Inference {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

#[cost_budget(input = [1, 4], mode = "training", optimizer = "lion")]
pub struct Typos {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

#[cost_budget(input = [1, 4], mode = "train", past_tokens = 3)]
pub struct TrainDecode {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {}
