use alphaflops::cost_budget;

pub struct Layer;

#[cost_budget(input = [1, 6, 8, 8])]
pub struct Net {
    #[layer(group_norm(num_groups = 4, num_channels = 6))]
    f: Layer,
}

fn main() {}
