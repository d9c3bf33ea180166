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

/// The errors of one item. As serde's, it must be consumed by [`Ctxt::check`] (or handed on
/// with [`Ctxt::append`]): dropping it with errors still inside is a bug, and panics, so no
/// error can be lost on a path that forgot to report them.
pub struct Ctxt {
    /// `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

/// A point in a [`Ctxt`]'s errors: whether a step failed is whether errors came after it.
#[derive(Clone, Copy)]
pub struct Checkpoint(usize);

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }
}

impl Ctxt {
    pub fn error(&self, range: impl Into<Range>, message: impl Display) {
        self.syn_error(error(range, message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("a Ctxt used after it was checked")
            .push(error);
    }

    fn len(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// Marks where the errors are now, for [`Ctxt::failed_since`].
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.len())
    }

    /// Whether an error was reported after `checkpoint`.
    pub fn failed_since(&self, checkpoint: Checkpoint) -> bool {
        self.len() > checkpoint.0
    }

    pub fn has_errors(&self) -> bool {
        self.len() > 0
    }

    /// Takes `other`'s errors after this one's, so they are reported in that order.
    pub fn append(&self, other: Ctxt) {
        let taken = other.errors.borrow_mut().take().unwrap_or_default();
        for e in taken {
            self.syn_error(e);
        }
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub fn check(self) -> Result<(), syn::Error> {
        let taken = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = taken.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            combined.combine(e);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        let unchecked = self
            .errors
            .get_mut()
            .as_ref()
            .is_some_and(|e| !e.is_empty());
        if unchecked && !std::thread::panicking() {
            panic!("alphaflops: errors were collected and never reported; this is a bug");
        }
    }
}
