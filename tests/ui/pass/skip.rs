//! `#[layer(skip)]` leaves a field out of the model; PhantomData needs no annotation.
#![deny(warnings)]

use core::marker::PhantomData;

use alphaflops::{CostModel, cost_budget};

pub struct Linear;
pub struct Config {
    pub hidden: usize,
}

#[allow(dead_code)]
#[cost_budget(input = [1, 16])]
pub struct Net {
    #[layer(linear(d_input = 16, d_output = 8))]
    fc: Linear,
    #[layer(skip)]
    config: Config,
    #[layer(skip)]
    cache: Vec<f32>,
    marker: PhantomData<u8>,
}

fn main() {
    let cost = Net::cost();
    assert_eq!(cost.layers.len(), 1);
    assert_eq!(cost.output.dims(), &[1, 8]);
}
