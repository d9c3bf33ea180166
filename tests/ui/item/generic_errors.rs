use core::marker::PhantomData;

use alphaflops::{CostModel, cost_budget};

pub trait Backend {}
pub struct MyBackend;
impl Backend for MyBackend {}
pub struct Linear<B>(PhantomData<B>);

// On a generic struct, errors are still ours only: the fallback CostModel impl carries the
// generics, so the call in main adds no error.
#[cost_budget(input = [1, 4])]
pub struct Net<B: Backend> {
    #[layer(linear(d_input = 4, d_output = 2, bias = "yes"))]
    fc: Linear<B>,
}

fn main() {
    let _ = <Net<MyBackend> as CostModel>::cost();
}
