//! alphaflops: price burn and candle models in α-FLOPs at build time.
#![doc = include_str!("../README.md")]

pub use alphaflops_core::*;
