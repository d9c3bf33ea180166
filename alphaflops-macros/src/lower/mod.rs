//! The IR given meaning, phase by phase: struct arguments (`args`), what names stand for
//! (`env`), each field's annotation (`field`), a layer kind's keys (`kinds`), and the graph
//! of nodes the fields make, nested blocks bound (`graph`). The result is a core [`Model`]
//! whose nodes keep the spans they came from.

mod args;
mod each;
mod env;
mod field;
mod graph;
mod kinds;
pub mod sym;
mod tensor;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use alphaflops_core::{Model, Shape};
use proc_macro2::{Ident, TokenStream};

use crate::attr::{self, Value, ValueKind};
use crate::ctxt::{Ctxt, Range};

pub use args::{Args, Budget, Level};
pub use env::Env;
use field::fields;

/// A struct lowered, once: its arguments, and its fields' model with the errors lowering
/// them raised. Those are kept apart so that the struct-level checks that come after
/// lowering (profile, level) still report before them, in the order they are written.
pub struct Lowering {
    pub args: Args,
    pub lowered: Lowered,
    /// The fields' errors, for the caller to [`Ctxt::append`] where they belong.
    pub fields_cx: Ctxt,
}

impl Lowering {
    /// Whether anything about the struct is wrong so far.
    pub fn has_errors(&self, cx: &Ctxt) -> bool {
        cx.has_errors() || self.fields_cx.has_errors()
    }
}

/// Reads the struct attribute's `args` into `cx` and lowers the fields of `item`, its
/// `#[layer(module)]` types taken from `children`. `model` is true for `#[cost_model]`.
pub fn lower(
    cx: &Ctxt,
    args: TokenStream,
    model: bool,
    item: &syn::ItemStruct,
    children: &Children,
) -> Lowering {
    let (items, parsed) = match attr::items(args) {
        Ok(items) => (items, true),
        Err(e) => {
            cx.syn_error(e);
            (Vec::new(), false)
        }
    };
    let args = args::args(cx, items, parsed, model);
    let fields_cx = Ctxt::default();
    let mut lowered = graph::model(
        &fields_cx,
        &item.ident.to_string(),
        args.input.clone(),
        &fields(item),
        children,
        Env::of(&args.params),
    );
    settings(&fields_cx, &args, &mut lowered);
    Lowering {
        args,
        lowered,
        fields_cx,
    }
}

/// The struct-level settings that change what the model does: a decode step's cache, the
/// memory dtype, a training step and its optimizer.
fn settings(cx: &Ctxt, args: &Args, lowered: &mut Lowered) {
    let model = &mut lowered.model;
    model.dtype = args.dtype.clone();
    model.mode = args.mode;
    model.optimizer = args.optimizer.map(|(o, _)| o);
    if let Some((past, range)) = args.past_tokens {
        let set = model.set_past_tokens(past);
        // A missing or broken block may hold the attention: then nothing is said here.
        if set == 0 && lowered.missing.is_empty() && !cx.has_errors() {
            cx.error(
                range,
                format!(
                    "`past_tokens = {past}` prices a decode step, but `{}` has no self-attention layer to cache keys for: remove it",
                    model.name
                ),
            );
        }
    }
}

/// A shape: `[1, 3, 224, 224]`.
pub(crate) fn shape(cx: &Ctxt, key: &str, v: &Value) -> Option<Shape> {
    let dims = match &v.kind {
        ValueKind::List(items) if !items.is_empty() => items
            .iter()
            .map(|i| attr::uint(cx, key, i))
            .collect::<Option<Vec<_>>>()?,
        _ => {
            attr::wrong_type(
                cx,
                key,
                v,
                "a non-empty list of dimensions such as [1, 3, 224, 224]",
            );
            return None;
        }
    };
    if dims.contains(&0) {
        cx.error(
            v.range,
            format!("`{key}` has a zero dimension; every dimension must be at least 1"),
        );
        return None;
    }
    Some(Shape(dims))
}

/// The model and, per node, the range of the annotation (or type) it came from.
pub struct Lowered {
    pub model: Model,
    pub ranges: Vec<Range>,
    /// `#[layer(module)]` types whose models were not given.
    pub missing: Vec<ModuleRef>,
}

/// An annotated struct that `#[layer(module)]` fields nest, as its exporter gives it.
pub enum Child {
    /// A block without parameters: its lowered model.
    Model(Model),
    /// A block with `params(...)`: lowered where it is nested, with the values bound there.
    Template(Box<Template>),
}

/// A parameterised block: its annotations, unlowered, and the blocks it nests in turn.
pub struct Template {
    pub params: Vec<Ident>,
    /// The struct with its `#[layer]` attributes (and no others).
    pub item: syn::ItemStruct,
    pub children: Children,
}

/// The name of the placeholder model a struct whose own annotations have errors exports:
/// the models nesting it report the field, not the errors again.
pub const BROKEN: &str = "\u{0}broken";

/// The blocks a struct nests, by struct name.
pub type Children = HashMap<String, Child>;

/// `name = value` in `module(...)`: the value of a nested block's parameter.
#[derive(Clone, Debug)]
pub struct Binding {
    pub name: Ident,
    /// A non-negative integer, with the range where the number was written: a name passed
    /// through to a deeper block (`module(c_in = c_in)`) keeps the outermost number's range.
    pub value: Value,
}

/// A field whose type is another annotated struct: `#[layer(module)]`.
#[derive(Clone)]
pub struct ModuleRef {
    /// The type's path without generic arguments: also the path of its exporter macro.
    pub path: syn::Path,
    /// The struct's name, as messages call it.
    pub ident: String,
    /// The path as written (`a::Head`), the key children are found by: two structs of one
    /// name in two modules are two children.
    pub key: String,
    /// The field's type, where errors about the module point.
    pub range: Range,
    /// `module(c_in = 64, …)`: values for the block's parameters.
    pub bindings: Vec<Binding>,
    /// The `module` or `module(...)` entry, where errors about its bindings point.
    pub entry: Range,
}

/// A reference to where data comes from: a shape, or a field (or `"input"`) by name.
#[derive(Clone)]
pub(crate) enum Ref {
    Shape(Shape),
    Name(String, Range),
}

/// `input = [..]` or `input = "field"`.
pub(crate) fn reference(cx: &Ctxt, key: &str, v: &Value) -> Option<Ref> {
    match &v.kind {
        ValueKind::Str(name) => Some(Ref::Name(name.clone(), v.range)),
        _ => shape(cx, key, v).map(Ref::Shape),
    }
}
