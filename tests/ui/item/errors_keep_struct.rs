use alphaflops::{CostModel, cost_budget};

pub struct Linear;

// A broken annotation reports only our error: the struct and its CostModel impl are still
// emitted, so uses of them do not add "cannot find type" or "trait not implemented" errors.
#[cost_budget(input = [1, 4], params = "lots")]
pub struct Net {
    #[layer(linear(d_input = 4, d_output = 2))]
    fc: Linear,
}

fn main() {
    let _ = Net { fc: Linear };
    let _ = Net::cost();
}
