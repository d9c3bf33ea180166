//! A raw-identifier struct name, and two different blocks of one name in two modules: each
//! exports its own macro, and each field is priced as its own block.
use alphaflops::{CostModel, cost_budget, cost_model};

pub struct Linear;

pub mod a {
    use alphaflops::cost_model;
    #[cost_model]
    pub struct Head {
        #[layer(linear(d_input = 4, d_output = 4))]
        pub fc: super::Linear,
    }
}

pub mod b {
    use alphaflops::cost_model;
    #[cost_model]
    pub struct Head {
        #[layer(linear(d_input = 4, d_output = 8))]
        pub fc: super::Linear,
    }
}

#[cost_model]
#[allow(non_camel_case_types)]
pub struct r#gen {
    #[layer(linear(d_input = 8, d_output = 2))]
    fc: Linear,
}

#[cost_budget(input = [1, 4])]
pub struct Net {
    #[layer(module)]
    first: a::Head,
    #[layer(module)]
    second: b::Head,
    #[layer(module)]
    last: r#gen,
}

fn main() {
    assert_eq!(Net::cost().params, 20 + 40 + 18);
}
