//! `custom(...)`: at least one count, FLOPs no fewer than two per MAC, memory in elements.
use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(custom)]
    nothing: Layer,
    #[layer(custom(macs = 10, flops = 5))]
    few_flops: Layer,
    #[layer(custom(bytes = 4096))]
    bytes: Layer,
    #[layer(custom(macs = 18446744073709551615))]
    overflow: Layer,
    #[layer(custom(output = [1, 0], params = -1))]
    bad_values: Layer,
    #[layer(custom(mac = 1))]
    typo: Layer,
}

fn main() {}
