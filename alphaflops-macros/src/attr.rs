//! Attribute syntax → a typed IR that keeps spans. Nothing here knows layers or profiles;
//! `lower` gives the keys meaning.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprArray, ExprLit, ExprUnary, Ident, Lit, Token, UnOp};

use crate::ctxt::{Ctxt, Range};

/// A literal value of an attribute.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub range: Range,
    /// The block parameter this value was substituted for, if any (see [`map_names`]).
    pub param: Option<Ident>,
}

impl Value {
    /// What the value is, for "expected …, found …" messages.
    pub fn describe(&self) -> String {
        match &self.param {
            Some(p) => format!("the block parameter `{p}` (an integer)"),
            None => self.kind.describe(),
        }
    }

    /// For a value bound to a block parameter, which one, to append to a message that
    /// points at the number bound.
    pub fn via(&self) -> String {
        self.param
            .as_ref()
            .map_or_else(String::new, |p| format!(" (block parameter `{p}`)"))
    }
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
    /// A bare identifier: a block parameter, until [`map_names`] substitutes it.
    Name(Ident),
}

impl ValueKind {
    /// What the value is, for "expected …, found …" messages.
    pub fn describe(&self) -> String {
        match self {
            ValueKind::Int(i) => format!("the integer {i}"),
            ValueKind::Neg(i) => format!("the negative integer -{i}"),
            ValueKind::Float(f) => format!("the number {f}"),
            ValueKind::Str(s) => format!("the string \"{s}\""),
            ValueKind::Bool(b) => format!("`{b}`"),
            ValueKind::List(items) if items.is_empty() => "an empty list".into(),
            ValueKind::List(_) => "a list".into(),
            ValueKind::Name(n) => format!("the name `{n}`"),
        }
    }
}

/// One entry of an attribute's arguments.
#[derive(Clone, Debug)]
pub struct Item {
    /// The key, without `r#`.
    pub key: Ident,
    pub body: Body,
    /// The whole entry, key to value.
    pub range: Range,
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
    pub fn is(&self, key: &str) -> bool {
        self.key == key
    }
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.call(Ident::parse_any)?.unraw();
        let start = key.span();
        let (body, end) = if input.peek(Token![=]) {
            // key = value
            input.parse::<Token![=]>()?;
            let v = value(&input.parse::<Expr>()?)?;
            let end = v.range.end;
            (Body::Value(v), end)
        } else if input.peek(syn::token::Paren) {
            // key(item, item, …)
            let content;
            let paren = syn::parenthesized!(content in input);
            let items = Punctuated::<Item, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
            (Body::List(items), paren.span.close())
        } else {
            // key
            (Body::Flag, start)
        };
        Ok(Item {
            key,
            body,
            range: Range { start, end },
        })
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
    let range = Range::of(expr);
    let fail = |message: &str| Err(crate::ctxt::error(range, message));
    let kind = match expr {
        // 400, 1.5, "2M", true
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(i) => match i.base10_parse::<u64>() {
                Ok(v) => ValueKind::Int(v),
                Err(_) => {
                    return fail(&format!(
                        "integer `{}` does not fit in a u64",
                        i.base10_digits()
                    ));
                }
            },
            Lit::Float(f) => ValueKind::Float(f.base10_parse::<f64>()?),
            Lit::Str(s) => ValueKind::Str(s.value()),
            Lit::Bool(b) => ValueKind::Bool(b.value),
            _ => return fail(EXPECTED_VALUE),
        },
        // -1
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match value(expr)?.kind {
            ValueKind::Int(i) => ValueKind::Neg(i),
            ValueKind::Float(f) => ValueKind::Float(-f),
            _ => return fail(EXPECTED_VALUE),
        },
        // [1, 6]
        Expr::Array(ExprArray { elems, .. }) => {
            ValueKind::List(elems.iter().map(value).collect::<syn::Result<_>>()?)
        }
        // c_in (a block parameter)
        Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            ValueKind::Name(p.path.segments[0].ident.clone())
        }
        Expr::Group(g) => return value(&g.expr),
        _ => return fail(EXPECTED_VALUE),
    };
    Ok(Value {
        kind,
        range,
        param: None,
    })
}

/// Where a bare name was written.
pub struct Site<'a> {
    pub name: &'a Ident,
    pub range: Range,
    /// The keys leading to it, outermost first: `[then, add, with]` in `then(add(with = a))`.
    pub keys: &'a [Ident],
    /// How many lists deep in the key's value: 0 in `with = a`, 1 in `with = [a, b]`.
    pub depth: usize,
}

/// Replaces every name in `items` (values, lists, nested entries) with what `substitute`
/// makes of it, given the name and where it was written. Keys are never names.
pub fn map_names(items: Vec<Item>, substitute: &mut dyn FnMut(Site) -> Value) -> Vec<Item> {
    fn in_value(
        v: Value,
        keys: &[Ident],
        depth: usize,
        substitute: &mut dyn FnMut(Site) -> Value,
    ) -> Value {
        match v.kind {
            ValueKind::Name(name) => substitute(Site {
                name: &name,
                range: v.range,
                keys,
                depth,
            }),
            ValueKind::List(items) => Value {
                kind: ValueKind::List(
                    items
                        .into_iter()
                        .map(|i| in_value(i, keys, depth + 1, substitute))
                        .collect(),
                ),
                ..v
            },
            _ => v,
        }
    }
    fn in_items(
        items: Vec<Item>,
        outer: &[Ident],
        substitute: &mut dyn FnMut(Site) -> Value,
    ) -> Vec<Item> {
        items
            .into_iter()
            .map(|item| {
                let keys = [outer, std::slice::from_ref(&item.key)].concat();
                Item {
                    body: match item.body {
                        Body::Value(v) => Body::Value(in_value(v, &keys, 0, substitute)),
                        Body::List(entries) => Body::List(in_items(entries, &keys, substitute)),
                        Body::Flag => Body::Flag,
                    },
                    ..item
                }
            })
            .collect()
    }
    in_items(items, &[], substitute)
}

/// Reports every name in `items` where only literals are accepted (the struct-level
/// arguments, but for a `params(...)` list, which holds names), with `message` for each.
/// Returns the items without names, to be read as usual, and the keys of those left out,
/// whose errors are already reported.
pub fn reject_names(
    cx: &Ctxt,
    items: Vec<Item>,
    message: &dyn Fn(&Site) -> String,
) -> (Vec<Item>, Vec<Ident>) {
    let mut rejected = Vec::new();
    let kept = items
        .into_iter()
        .filter(|item| {
            // `params(a, b)` declares names; `block_params` reads it.
            if item.key == "params" && matches!(item.body, Body::List(_)) {
                return true;
            }
            let mark = cx.checkpoint();
            map_names(vec![item.clone()], &mut |site| {
                cx.error(site.range, message(&site));
                Value {
                    kind: ValueKind::Bool(false),
                    range: site.range,
                    param: None,
                }
            });
            let clean = !cx.failed_since(mark);
            if !clean {
                rejected.push(item.key.clone());
            }
            clean
        })
        .collect();
    (kept, rejected)
}

/// Reports `value` as the wrong type.
pub fn wrong_type(cx: &Ctxt, key: &str, value: &Value, expected: &str) {
    cx.error(
        value.range,
        format!("`{key}` expects {expected}, found {}", value.describe()),
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

/// An integer of at least 1 (channels, kernel sizes, strides, …).
pub fn positive(cx: &Ctxt, key: &str, value: &Value) -> Option<u64> {
    let v = uint(cx, key, value)?;
    if v == 0 {
        cx.error(
            value.range,
            format!("`{key}` must be at least 1{}", value.via()),
        );
        return None;
    }
    Some(v)
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

/// A number (integer or decimal).
pub fn number(cx: &Ctxt, key: &str, value: &Value) -> Option<f64> {
    match value.kind {
        ValueKind::Int(i) => Some(i as f64),
        ValueKind::Neg(i) => Some(-(i as f64)),
        ValueKind::Float(f) => Some(f),
        _ => {
            wrong_type(cx, key, value, "a number");
            None
        }
    }
}

/// A probability in [0, 1].
pub fn probability(cx: &Ctxt, key: &str, value: &Value) -> Option<f64> {
    let p = number(cx, key, value)?;
    if (0.0..=1.0).contains(&p) {
        Some(p)
    } else {
        cx.error(
            value.range,
            format!("`{key}` is a probability between 0 and 1, found {p}"),
        );
        None
    }
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

/// A list of integers of one of the `lengths`, each at least `min`; a single integer is
/// repeated to the first length (`kernel_size = 3` means `[3, 3]` for a 2-d layer).
pub fn uints(cx: &Ctxt, key: &str, value: &Value, lengths: &[usize], min: u64) -> Option<Vec<u64>> {
    let lens = lengths
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(" or ");
    let check = |v: &Value| -> Option<u64> {
        let i = uint(cx, key, v)?;
        if i < min {
            cx.error(
                v.range,
                format!("`{key}` values must be at least {min}{}", v.via()),
            );
            return None;
        }
        Some(i)
    };
    match &value.kind {
        ValueKind::Int(_) => Some(vec![check(value)?; lengths[0]]),
        ValueKind::List(items) => {
            if !lengths.contains(&items.len()) {
                cx.error(
                    value.range,
                    format!("`{key}` takes {lens} values, found {}", items.len()),
                );
                return None;
            }
            items.iter().map(check).collect()
        }
        _ => {
            wrong_type(cx, key, value, &format!("a list of {lens} integers"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_parse_and_are_substituted_everywhere() {
        let items = items(quote::quote!(
            conv2d(channels = [c_in, 64], stride = s),
            repeat = n
        ))
        .unwrap();
        let mut seen = Vec::new();
        let items = map_names(items, &mut |site| {
            let keys: Vec<String> = site.keys.iter().map(ToString::to_string).collect();
            seen.push(format!(
                "{} in {} at {}",
                site.name,
                keys.join("."),
                site.depth
            ));
            Value {
                kind: ValueKind::Int(seen.len() as u64),
                range: site.range,
                param: Some(site.name.clone()),
            }
        });
        assert_eq!(
            seen,
            [
                "c_in in conv2d.channels at 1",
                "s in conv2d.stride at 0",
                "n in repeat at 0"
            ]
        );
        let Body::List(conv) = &items[0].body else {
            panic!("conv2d(...) is a list")
        };
        let Body::Value(Value {
            kind: ValueKind::List(channels),
            ..
        }) = &conv[0].body
        else {
            panic!("channels is a list")
        };
        assert!(matches!(channels[0].kind, ValueKind::Int(1)));
        assert!(matches!(channels[1].kind, ValueKind::Int(64)));
        assert_eq!(
            channels[0].describe(),
            "the block parameter `c_in` (an integer)"
        );
        assert!(matches!(&items[1].body, Body::Value(v) if matches!(v.kind, ValueKind::Int(3))));
        // Paths and expressions are still not values.
        assert!(super::items(quote::quote!(d = a::b)).is_err());
        assert!(super::items(quote::quote!(d = a + 1)).is_err());
    }

    #[test]
    fn names_are_refused_where_only_literals_go() {
        let cx = Ctxt::default();
        let args = items(quote::quote!(
            input = [1, WIDTH],
            params = BUDGET,
            level = "deny"
        ))
        .unwrap();
        let (kept, rejected) = reject_names(&cx, args, &|_| EXPECTED_VALUE.to_string());
        assert_eq!(cx.check().unwrap_err().into_iter().count(), 2);
        let keys = |items: &[Item]| items.iter().map(|i| i.key.to_string()).collect::<Vec<_>>();
        assert_eq!(keys(&kept), ["level"]);
        assert_eq!(rejected, ["input", "params"]);
        // A parameter list holds names, not values: kept, nothing reported.
        let cx = Ctxt::default();
        let (kept, rejected) = reject_names(
            &cx,
            items(quote::quote!(params(c_in, c_out))).unwrap(),
            &|_| EXPECTED_VALUE.to_string(),
        );
        assert_eq!((kept.len(), rejected.len()), (1, 0));
        assert!(cx.check().is_ok());
    }
}
