//! Collects every error of an item so users see them all at once (serde's `Ctxt`).

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;

/// Where an error points: from the first token's span to the last one's. Stable Rust cannot
/// join spans, so syn underlines a range by giving an error its first and last tokens.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub start: Span,
    pub end: Span,
}

impl Range {
    /// The range of `tokens`, first token to last.
    pub fn of(tokens: &impl ToTokens) -> Range {
        let mut iter = tokens.to_token_stream().into_iter();
        let start = iter.next().map_or_else(Span::call_site, |t| t.span());
        let end = iter.last().map_or(start, |t| t.span());
        Range { start, end }
    }
}

impl From<Span> for Range {
    fn from(span: Span) -> Self {
        Range {
            start: span,
            end: span,
        }
    }
}

impl ToTokens for Range {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend([
            proc_macro2::TokenTree::Ident(Ident::new("start", self.start)),
            proc_macro2::TokenTree::Ident(Ident::new("end", self.end)),
        ]);
    }
}

/// An error underlining `range`.
pub fn error(range: impl Into<Range>, message: impl Display) -> syn::Error {
    syn::Error::new_spanned(range.into(), message)
}

#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub fn error(&self, range: impl Into<Range>, message: impl Display) {
        self.errors.borrow_mut().push(error(range, message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// How many errors so far: compare before and after a step to know whether it failed.
    pub fn count(&self) -> usize {
        self.errors.borrow().len()
    }

    pub fn has_errors(&self) -> bool {
        self.count() > 0
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub fn check(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            combined.combine(e);
        }
        Err(combined)
    }
}
