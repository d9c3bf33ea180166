//! KNOWN BUG, kept so a fix is noticed: `softmax(dim = 7)` on a rank-2 input should be an
//! error ("dim 7 is out of range for the input [1, 4] of rank 2", as flatten says), but the
//! macro drops `dim` unchecked and this compiles. When it starts failing, move this case to
//! tests/ui/shape/softmax_dim_out_of_range.rs and bless its .stderr.
use alphaflops::cost_budget;

pub struct Layer;

#[allow(dead_code)]
#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(softmax(dim = 7))]
    f: Layer,
}

fn main() {}
