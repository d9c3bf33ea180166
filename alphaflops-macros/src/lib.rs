//! The `#[cost_budget]` attribute of alphaflops. Entry points only: parsing lives in `attr`
//! (reading keys in `keys`), meaning in `lower`, profile files in `profile`, the exporter
//! protocol in `export`, verdicts and diagnostics in `judge`, and `expand` orchestrates them.

mod attr;
mod ctxt;
mod expand;
mod export;
mod judge;
mod keys;
mod lower;
mod profile;

use proc_macro::TokenStream;

/// Prices the annotated model struct against a device profile at compile time, warns or
/// fails the build when it is over budget, implements `alphaflops::CostModel` and adds a
/// cost table to the struct's documentation. See the `alphaflops` crate for the syntax.
#[proc_macro_attribute]
pub fn cost_budget(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(expand::Attr::Budget, args.into(), item.into()).into()
}

/// Marks a struct as a block other models nest with `#[layer(module)]`: the same field
/// annotations as `#[cost_budget]`; `input` is optional (with it, the block is also priced on
/// its own and implements `alphaflops::CostModel`).
#[proc_macro_attribute]
pub fn cost_model(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(expand::Attr::Model, args.into(), item.into()).into()
}

/// Internal: the end of the chain that collects nested modules' annotations.
#[doc(hidden)]
#[proc_macro]
pub fn __cost_resolve(input: TokenStream) -> TokenStream {
    expand::cost_resolve(input.into()).into()
}
