//! The `#[cost_budget]` attribute of alphaflops. Entry points only: parsing lives in `attr`,
//! meaning in `lower`, profile files in `profile`, code generation in `expand`.

mod attr;
mod ctxt;
mod expand;
mod lower;
mod profile;

use proc_macro::TokenStream;

/// Prices the annotated model struct against a device profile at compile time, warns or
/// fails the build when it is over budget, implements `alphaflops::CostModel` and adds a
/// cost table to the struct's documentation. See the `alphaflops` crate for the syntax.
#[proc_macro_attribute]
pub fn cost_budget(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::cost_budget(args.into(), item.into()).into()
}
