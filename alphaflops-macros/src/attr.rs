//! Attribute syntax → a typed IR that keeps spans. Nothing here knows layers or profiles;
//! `lower` gives the keys meaning.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, ExprUnary, Ident, Lit, Token, UnOp};

use crate::ctxt::Ctxt;

/// A literal value of an attribute.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ValueKind {
    Int(u64),
    /// A negative integer, stored as its magnitude.
    Neg(u64),
    Float(f64),
    Str(String),
    Bool(bool),
    List(Vec<Value>),
}

impl ValueKind {
    /// What the value is, for "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::Int(_) | ValueKind::Neg(_) => "an integer",
            ValueKind::Float(_) => "a number",
            ValueKind::Str(_) => "a string",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::List(_) => "a list",
        }
    }
}

/// One entry of an attribute's arguments.
#[derive(Clone, Debug)]
pub struct Item {
    pub key: Ident,
    pub body: Body,
}

#[derive(Clone, Debug)]
pub enum Body {
    /// `key`
    Flag,
    /// `key = value`
    Value(Value),
    /// `key(item, …)`
    List(Vec<Item>),
}

impl Item {
    /// The span of the whole entry, for errors about it.
    pub fn span(&self) -> Span {
        let key = self.key.span();
        match &self.body {
            Body::Value(v) => key.join(v.span).unwrap_or(key),
            _ => key,
        }
    }
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let body = if input.peek(Token![=]) {
            // key = value
            input.parse::<Token![=]>()?;
            Body::Value(value(&input.parse::<Expr>()?)?)
        } else if input.peek(syn::token::Paren) {
            // key(item, item, …)
            let content;
            syn::parenthesized!(content in input);
            Body::List(
                Punctuated::<Item, Token![,]>::parse_terminated(&content)?
                    .into_iter()
                    .collect(),
            )
        } else {
            // key
            Body::Flag
        };
        Ok(Item { key, body })
    }
}

/// Parses `item, item, …` from an attribute's tokens.
pub fn items(tokens: TokenStream) -> syn::Result<Vec<Item>> {
    Ok(Punctuated::<Item, Token![,]>::parse_terminated
        .parse2(tokens)?
        .into_iter()
        .collect())
}

const EXPECTED_VALUE: &str = "expected a number, a string, true/false or a list such as [1, 2]";

fn value(expr: &Expr) -> syn::Result<Value> {
    let span = expr.span();
    let kind = match expr {
        // 400, 1.5, "2M", true
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(i) => ValueKind::Int(i.base10_parse::<u64>().map_err(|_| {
                syn::Error::new(
                    span,
                    format!("integer `{}` does not fit in a u64", i.base10_digits()),
                )
            })?),
            Lit::Float(f) => ValueKind::Float(f.base10_parse::<f64>()?),
            Lit::Str(s) => ValueKind::Str(s.value()),
            Lit::Bool(b) => ValueKind::Bool(b.value),
            _ => return Err(syn::Error::new(span, EXPECTED_VALUE)),
        },
        // -1
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match value(expr)?.kind {
            ValueKind::Int(i) => ValueKind::Neg(i),
            ValueKind::Float(f) => ValueKind::Float(-f),
            _ => return Err(syn::Error::new(span, EXPECTED_VALUE)),
        },
        // [1, 6]
        Expr::Array(ExprArray { elems, .. }) => {
            ValueKind::List(elems.iter().map(value).collect::<syn::Result<_>>()?)
        }
        Expr::Group(g) => return value(&g.expr),
        _ => return Err(syn::Error::new(span, EXPECTED_VALUE)),
    };
    Ok(Value { kind, span })
}

/// Typed readers over one entry list: each key is taken once; what is left over, or given
/// twice, is reported by [`Keys::finish`].
pub struct Keys<'a> {
    cx: &'a Ctxt,
    /// Where "missing key" errors point.
    owner: Span,
    /// How the owner is called in messages: "conv2d", "#[cost_budget]".
    what: String,
    items: Vec<(Item, bool)>,
}

impl<'a> Keys<'a> {
    pub fn new(cx: &'a Ctxt, owner: Span, what: impl Into<String>, items: Vec<Item>) -> Self {
        let what = what.into();
        for (i, item) in items.iter().enumerate() {
            if items[..i].iter().any(|earlier| earlier.key == item.key) {
                cx.error(
                    item.key.span(),
                    format!("duplicate key `{}` in {what}", item.key),
                );
            }
        }
        Keys {
            cx,
            owner,
            what,
            items: items.into_iter().map(|i| (i, false)).collect(),
        }
    }

    pub fn cx(&self) -> &'a Ctxt {
        self.cx
    }

    /// The entry for `key` (the first of duplicates), marked as used.
    pub fn take(&mut self, key: &str) -> Option<Item> {
        let entry = self
            .items
            .iter_mut()
            .find(|(i, used)| !*used && i.key == key)?;
        entry.1 = true;
        let item = entry.0.clone();
        for (i, used) in &mut self.items {
            if i.key == key {
                *used = true;
            }
        }
        Some(item)
    }

    /// The value of `key = value`; a flag or list in its place is an error.
    pub fn value(&mut self, key: &str) -> Option<Value> {
        let item = self.take(key)?;
        match item.body {
            Body::Value(v) => Some(v),
            _ => {
                self.cx.error(
                    item.key.span(),
                    format!("`{key}` takes a value: write `{key} = …`"),
                );
                None
            }
        }
    }

    /// Reports a missing required key.
    pub fn missing(&self, key: &str, example: &str) {
        self.cx.error(
            self.owner,
            format!("{} needs `{key}`: add `{example}`", self.what),
        );
    }

    /// Reports every key not taken, with the accepted ones.
    pub fn finish(self, accepted: &[&str]) {
        for (item, used) in &self.items {
            if !used {
                self.cx.error(
                    item.key.span(),
                    format!(
                        "unknown key `{}` in {}; expected one of: {}",
                        item.key,
                        self.what,
                        accepted.join(", ")
                    ),
                );
            }
        }
    }
}

/// Reports `value` as the wrong type.
pub fn wrong_type(cx: &Ctxt, key: &str, value: &Value, expected: &str) {
    cx.error(
        value.span,
        format!(
            "`{key}` expects {expected}, found {}",
            value.kind.describe()
        ),
    );
}

/// An unsigned integer.
pub fn uint(cx: &Ctxt, key: &str, value: &Value) -> Option<u64> {
    match value.kind {
        ValueKind::Int(i) => Some(i),
        _ => {
            wrong_type(cx, key, value, "a non-negative integer");
            None
        }
    }
}

/// A signed integer (dimension indices).
pub fn int(cx: &Ctxt, key: &str, value: &Value) -> Option<i64> {
    let fits = |i: u64| i64::try_from(i).ok();
    match value.kind {
        ValueKind::Int(i) => fits(i),
        ValueKind::Neg(i) => fits(i).map(|i| -i),
        _ => None,
    }
    .or_else(|| {
        wrong_type(cx, key, value, "an integer");
        None
    })
}

/// A boolean.
pub fn boolean(cx: &Ctxt, key: &str, value: &Value) -> Option<bool> {
    match value.kind {
        ValueKind::Bool(b) => Some(b),
        _ => {
            wrong_type(cx, key, value, "true or false");
            None
        }
    }
}

/// A string.
pub fn string(cx: &Ctxt, key: &str, value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::Str(s) => Some(s.clone()),
        _ => {
            wrong_type(cx, key, value, "a string");
            None
        }
    }
}

/// A list of unsigned integers of one of the `lengths`; a single integer is repeated to the
/// first length (`kernel_size = 3` means `[3, 3]` for a 2-d layer).
pub fn uints(cx: &Ctxt, key: &str, value: &Value, lengths: &[usize]) -> Option<Vec<u64>> {
    let lens = lengths
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(" or ");
    match &value.kind {
        ValueKind::Int(i) => Some(vec![*i; lengths[0]]),
        ValueKind::List(items) => {
            if !lengths.contains(&items.len()) {
                cx.error(
                    value.span,
                    format!("`{key}` takes {lens} values, found {}", items.len()),
                );
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.kind {
                    ValueKind::Int(i) => out.push(i),
                    _ => {
                        wrong_type(cx, key, item, "non-negative integers");
                        return None;
                    }
                }
            }
            Some(out)
        }
        _ => {
            wrong_type(cx, key, value, &format!("a list of {lens} integers"));
            None
        }
    }
}
