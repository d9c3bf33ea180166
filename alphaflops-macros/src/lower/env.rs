//! Block parameters: what a bare name in a `#[layer]` annotation stands for, and its
//! substitution before the annotation is read.

use proc_macro2::Ident;

use super::Binding;
use super::sym::{
    AFFINE, BIAS, CEIL_MODE, COUNT_INCLUDE_PAD, INPUT, MODULE, PADDING, REPEAT, WITH,
};
use crate::attr::{self, Item, Value, ValueKind};
use crate::ctxt::{Ctxt, Range};
use crate::keys;

/// What names in a struct's `#[layer]` annotations stand for.
#[derive(Clone, Copy)]
pub enum Env<'a> {
    /// A struct without `params(...)`: a name is an error.
    Plain,
    /// A parameterised block checked where it is defined: each parameter reads as
    /// [`PLACEHOLDER`], since only the models nesting the block bind values.
    Declared(&'a [Ident]),
    /// A parameterised block lowered where it is nested, with the values bound there.
    Bound(&'a [Binding]),
}

/// What a declared parameter reads as while its block is checked on its own: the smallest
/// value every key that takes a number accepts, so only the keys' types are checked.
const PLACEHOLDER: u64 = 1;

impl<'a> Env<'a> {
    /// What names stand for where a struct with these `params(...)` is defined.
    pub fn of(params: &'a [Ident]) -> Env<'a> {
        if params.is_empty() {
            Env::Plain
        } else {
            Env::Declared(params)
        }
    }

    /// Substitutes the names in a field's annotation, reporting those that mean nothing.
    pub(super) fn substitute(self, cx: &Ctxt, items: Vec<Item>) -> Vec<Item> {
        attr::map_names(items, &mut |site| {
            let (name, range) = (site.name, site.range);
            // input = fc, with = conv1, with = [a, b]: a field written without its quotes.
            // Read as if quoted, so this is the only error.
            if let Some(key) = field_reference(&site) {
                let written = if site.depth == 0 {
                    format!("`{key} = \"{name}\"`")
                } else {
                    format!("`\"{name}\"` in `{key} = [...]`")
                };
                cx.error(
                    range,
                    format!(
                        "`{name}` names a field, and fields are named in quotes: write {written}"
                    ),
                );
                return Value {
                    kind: ValueKind::Str(name.to_string()),
                    range,
                    param: None,
                };
            }
            let key = site
                .keys
                .last()
                .map(ToString::to_string)
                .unwrap_or_default();
            // padding = same, bias = yes: a word the key reads differently.
            let word = match (key.as_str(), name.to_string().as_str()) {
                (PADDING, word @ ("same" | "valid")) => Some((
                    format!("write `padding = \"{word}\"`"),
                    ValueKind::Str(word.to_string()),
                )),
                (key @ (BIAS | CEIL_MODE | COUNT_INCLUDE_PAD | AFFINE), _) => Some((
                    format!("`{key}` takes true or false"),
                    ValueKind::Bool(true),
                )),
                _ => None,
            };
            let is_param = match self {
                Env::Plain => false,
                Env::Declared(params) => params.contains(name),
                Env::Bound(bindings) => bindings.iter().any(|b| b.name == *name),
            };
            if let (Some((advice, kind)), false) = (word, is_param) {
                cx.error(
                    range,
                    format!("`{name}` is not a value the macro can read: {advice}"),
                );
                return Value {
                    kind,
                    range,
                    param: None,
                };
            }
            let placeholder = Value {
                kind: ValueKind::Int(PLACEHOLDER),
                range,
                param: Some(name.clone()),
            };
            // `then = relu`, `skip = x`, `relu = x`: #[layer]'s own key takes no value, which
            // its own error says with the form to write.
            if let [only] = site.keys
                && only != INPUT
                && only != REPEAT
            {
                return placeholder;
            }
            match self {
                Env::Plain => {
                    cx.error(
                        range,
                        format!(
                            "`{name}` is not a number the macro can read: write the number, or declare a block parameter with #[cost_model(params({name}))] and bind it where the block is nested, as #[layer(module({name} = …))]"
                        ),
                    );
                    placeholder
                }
                Env::Declared(params) => {
                    if !params.contains(name) {
                        unknown_param(cx, name, range, params);
                    }
                    placeholder
                }
                Env::Bound(bindings) => match bindings.iter().find(|b| b.name == *name) {
                    // A value passed on through a middle block keeps the name the user
                    // bound at the outermost one.
                    Some(b) => Value {
                        param: b.value.param.clone().or_else(|| Some(name.clone())),
                        ..b.value.clone()
                    },
                    // Checked where the block is defined; kept for robustness.
                    None => {
                        let params: Vec<Ident> = bindings.iter().map(|b| b.name.clone()).collect();
                        unknown_param(cx, name, range, &params);
                        placeholder
                    }
                },
            }
        })
    }

    /// Whether parameters read as placeholders, so checks of their values wait for bindings.
    pub(super) fn placeholders(self) -> bool {
        matches!(self, Env::Declared(_))
    }
}

/// The key, when a bare name stands where a field reference goes: the whole value of a
/// field's `input`, or `with` (or one entry of its list) outside a `module(...)` binding.
fn field_reference(site: &attr::Site) -> Option<&'static str> {
    match site.keys {
        [key] if key == INPUT && site.depth == 0 => Some(INPUT),
        [first, .., last] if last == WITH && first != MODULE && site.depth <= 1 => Some(WITH),
        _ => None,
    }
}

fn unknown_param(cx: &Ctxt, name: &Ident, range: Range, params: &[Ident]) {
    let names: Vec<String> = params.iter().map(ToString::to_string).collect();
    let accepted: Vec<&str> = names.iter().map(String::as_str).collect();
    let message = keys::unknown(
        format!("unknown block parameter `{name}`"),
        &name.to_string(),
        &accepted,
        "the block declares",
    );
    cx.error(range, message);
}
