// rnn's `hidden_activation` and glu's `activation` take a parameter-free activation's kind,
// or `identity`: a typo, or burn's two-projection `swiglu`, gets the closest name.
use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [2, 12, 16])]
pub struct Encoder {
    #[layer(rnn(d_input = 16, d_hidden = 16, hidden_activation = "tahn"))]
    rnn: Layer,
    #[layer(glu(activation = "swiglu"))]
    gate: Layer,
}

fn main() {}
