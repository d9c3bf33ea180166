//! A burn-0.21-style module: generic over the backend, fields generic too.
#![deny(warnings)]

use core::marker::PhantomData;

use alphaflops::{CostModel, cost_budget};

pub trait Backend {}
pub struct MyBackend;
impl Backend for MyBackend {}

pub struct Conv2d<B>(PhantomData<B>);
pub struct MaxPool2d;
pub struct Linear<B>(PhantomData<B>);
pub struct Relu;

#[allow(dead_code)]
#[cost_budget(input = [1, 1, 28, 28], alpha_flops = "2M", level = "deny")]
pub struct Net<B: Backend> {
    #[layer(conv2d(channels = [1, 6], kernel_size = 5, padding = 2))]
    conv: Conv2d<B>,
    #[layer(max_pool2d(kernel_size = 2, strides = 2))]
    pool: MaxPool2d,
    activation: Relu,
    #[layer(linear(d_input = 1176, d_output = 10))]
    fc: Linear<B>,
    marker: PhantomData<B>,
}

fn main() {
    let cost = <Net<MyBackend> as CostModel>::cost();
    assert_eq!(cost.output.dims(), &[1, 10]);
    assert_eq!(cost.layers.len(), 4);
}
