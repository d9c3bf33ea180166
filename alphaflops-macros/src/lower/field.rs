//! One field's annotation: `#[layer(kind(...), input = …, repeat = N, then(...))]`,
//! `#[layer(module(...))]` (or one `module(...)` per element), `#[layer(skip)]` or a type
//! that needs none, and the container (`Vec`, `Option`, array, `bool`) that holds it.

use alphaflops_core::{Layer, Op};
use proc_macro2::Ident;
use quote::ToTokens;

use super::each;
use super::kinds::{is_kind, kind_layer, unknown_kind};
use super::sym::{ACTIVE, INPUT, LAYER_ATTR, MODULE, REPEAT, SKIP, THEN};
use super::{Binding, Env, ModuleRef, Ref, reference};
use crate::attr::{self, Body, Item, Value, ValueKind};
use crate::ctxt::{Ctxt, Range};
use crate::keys;

/// `#[layer]`'s own keys, each given once.
pub(super) const FIELD_KEYS: [&str; 5] = [INPUT, SKIP, REPEAT, ACTIVE, THEN];

/// One field of the struct, as the macro sees it.
pub struct Field<'a> {
    pub name: String,
    pub field: &'a syn::Field,
}

/// Whether the field is `#[layer(skip)]`.
pub(super) fn is_skipped(f: &Field) -> bool {
    f.field
        .attrs
        .iter()
        .any(|a| a.path().is_ident(LAYER_ATTR) && a.parse_args::<Ident>().is_ok_and(|i| i == SKIP))
}

/// The fields of `item` in declaration order, tuple fields named by their index.
pub fn fields(item: &syn::ItemStruct) -> Vec<Field<'_>> {
    item.fields
        .iter()
        .enumerate()
        .map(|(i, field)| Field {
            name: field
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), ToString::to_string),
            field,
        })
        .collect()
}

/// Parameter-free types that need no annotation, by their last path segment (the
/// catalog's [`Op::parameter_free_types`]); `Some(None)` for marker types, never layers.
fn known_type(ty: &syn::Type) -> Option<Option<Layer>> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?.ident.to_string();
    if last == "PhantomData" {
        return Some(None);
    }
    Op::of_parameter_free_type(&last)
        .and_then(Op::parameter_free_layer)
        .map(Some)
}

/// What one field becomes.
pub(super) enum Planned {
    Layer(Layer),
    Module(ModuleRef),
    /// `module(...), module(...), …`: element `i` of a `Vec` or array bound by entry `i`.
    Modules(Vec<ModuleRef>),
}

/// What holds a field's layer or block, as burn names its weights: a `Vec` or array
/// element adds its index to the path, an `Option` or `Box` adds nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Container {
    /// The type itself or a `Box` of it: always there.
    One,
    /// `Option<T>`: there or not.
    Optional,
    /// `bool`: a layer switched on or off (a residual taken or not), as an `Option` holds
    /// one or none.
    Switch,
    /// `Vec<T>`, or `[T; N]` with its length.
    Many(Option<u64>),
}

fn container(ty: &syn::Type) -> Container {
    match ty {
        syn::Type::Array(a) => Container::Many(match &a.len {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => i.base10_parse().ok(),
            _ => None,
        }),
        syn::Type::Path(p) => match p.path.segments.last().map(|s| s.ident.to_string()) {
            Some(last) if last == "Vec" => Container::Many(None),
            Some(last) if last == "Option" => Container::Optional,
            Some(last) if last == "bool" => Container::Switch,
            _ => Container::One,
        },
        syn::Type::Group(g) => container(&g.elem),
        _ => Container::One,
    }
}

/// A field's annotation, read.
pub(super) struct FieldSpec {
    pub(super) planned: Planned,
    pub(super) input: Option<Ref>,
    pub(super) with: Vec<Ref>,
    /// Copies of the layer; 0 only when bound to a parameter (an empty `Vec`, a `None`).
    pub(super) repeat: u64,
    /// `active = 2`: the `repeat` copies are a mixture of experts, this many run per token.
    pub(super) active: Option<u64>,
    pub(super) container: Container,
    /// Layers after each copy (or, for an `Option` with no copy, after the field's input),
    /// with the extra inputs of `add`/`concat`.
    pub(super) then: Vec<(Layer, Vec<Ref>)>,
    pub(super) range: Range,
}

/// The `#[layer]` of one field, or what its type implies; `None` for skipped or broken fields.
pub(super) fn field_spec(cx: &Ctxt, f: &Field, env: Env) -> Option<FieldSpec> {
    let attrs: Vec<&syn::Attribute> = f
        .field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident(LAYER_ATTR))
        .collect();
    let hint = each::merge_hint(&attrs);
    for extra in attrs.iter().skip(1) {
        cx.error(
            Range::of(extra),
            format!(
                "field `{}` has more than one #[layer] attribute; merge them into one{hint}",
                f.name
            ),
        );
    }
    // Blocks bound one attribute each: read alone, the first would only add errors the
    // merge removes (a `Vec` without its length).
    if !hint.is_empty() {
        return None;
    }
    let Some(attr) = attrs.first() else {
        return match known_type(&f.field.ty) {
            Some(Some(layer)) => Some(FieldSpec {
                planned: Planned::Layer(layer),
                input: None,
                with: Vec::new(),
                repeat: 1,
                active: None,
                container: Container::One,
                then: Vec::new(),
                range: Range::of(&f.field.ty),
            }),
            Some(None) => None,
            None if container(&f.field.ty) == Container::Switch => {
                cx.error(
                    Range::of(&f.field.ty),
                    format!(
                        "field `{}` is a `bool`, which prices nothing by itself: annotate the layer it switches, e.g. #[layer(add(with = \"input\"), repeat = 1)] for a residual taken, or #[layer(skip)] to leave it out",
                        f.name
                    ),
                );
                None
            }
            None => {
                cx.error(
                    Range::of(&f.field.ty),
                    format!(
                        "field `{}` is not a known parameter-free layer: add #[layer(...)] to price it, #[layer(module)] if its type is a #[cost_model] struct, or #[layer(skip)] to leave it out",
                        f.name
                    ),
                );
                None
            }
        };
    };
    let tokens = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => {
            cx.error(
                Range::of(attr),
                "expected #[layer(kind(key = value, …))] or #[layer(skip)]",
            );
            return None;
        }
    };
    match attr::items(tokens) {
        Ok(items) => {
            // A name that means nothing reads as a placeholder; the field is not read further,
            // so its value causes no second error.
            let mark = cx.checkpoint();
            let items = env.substitute(cx, items);
            if cx.failed_since(mark) {
                return None;
            }
            field_layer(cx, f, Range::of(attr), items, env)
        }
        Err(e) => {
            cx.syn_error(e);
            None
        }
    }
}

/// `a::b::Head` (generic arguments left out), the key of a module's exporter answer.
fn path_key(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let lead = if path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    format!("{lead}{}", segments.join("::"))
}

/// The type a `#[layer(module)]` field holds, through `Vec`, `Option`, `Box` and arrays.
fn module_type(ty: &syn::Type) -> Option<syn::Path> {
    match ty {
        syn::Type::Array(a) => module_type(&a.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            if let ("Vec" | "Option" | "Box", syn::PathArguments::AngleBracketed(args)) =
                (last.ident.to_string().as_str(), &last.arguments)
                && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
            {
                return module_type(inner);
            }
            let mut path = p.path.clone();
            if let Some(seg) = path.segments.last_mut() {
                seg.arguments = syn::PathArguments::None;
            }
            Some(path)
        }
        syn::Type::Group(g) => module_type(&g.elem),
        _ => None,
    }
}

/// The most copies `repeat` makes: each is lowered and priced, and a typo's extra zeros
/// should not stall the compiler.
const MAX_REPEAT: u64 = 10_000;

/// `#[layer(kind(...), input = ..., repeat = N, then(...))]`, `#[layer(module)]` or
/// `#[layer(skip)]`.
fn field_layer(cx: &Ctxt, f: &Field, attr: Range, items: Vec<Item>, env: Env) -> Option<FieldSpec> {
    let mark = cx.checkpoint();
    let mut kind: Option<Item> = None;
    // `module(...)` entries after the first: one per element.
    let mut elements: Vec<Item> = Vec::new();
    let mut input = None;
    // The count and the value it was read from.
    let mut repeat: Option<(u64, Value)> = None;
    // Written, even when its value was refused (and reported).
    let mut repeat_given = false;
    let mut then = Vec::new();
    let mut skip = false;
    let mut active: Option<(u64, Range)> = None;
    for (i, item) in items.iter().enumerate() {
        let key = item.key.to_string();
        // A second layer kind is not a duplicate key but a second layer, said below.
        if FIELD_KEYS.contains(&key.as_str())
            && keys::repeated(cx, &items, i, |k| {
                format!("duplicate key `{k}` in #[layer]; give it once")
            })
        {
            continue;
        }
        match (key.as_str(), &item.body) {
            // skip
            (SKIP, Body::Flag) => skip = true,
            (SKIP, Body::Value(_)) => cx.error(item.range, "`skip` takes no value: write #[layer(skip)]"),
            (SKIP, Body::List(_)) => cx.error(item.range, "`skip` takes no arguments: write #[layer(skip)]"),
            // input = [1, 16, 5, 5]  (a shape)  or  input = "conv1"  (an earlier field's output)
            (INPUT, Body::Value(v)) => input = reference(cx, INPUT, v),
            (INPUT, _) => cx.error(
                item.range,
                "`input` takes a value: write `input = [N, …]` (a shape) or `input = \"field\"` (an earlier field's output)",
            ),
            // repeat = 4, or repeat = n (a block parameter, which may be 0: an empty `Vec`, a `None`)
            (REPEAT, Body::Value(v)) => {
                repeat_given = true;
                let count = match v.param {
                    Some(_) => attr::uint(cx, REPEAT, v),
                    None => attr::positive(cx, REPEAT, v),
                };
                let count = count.filter(|&n| {
                    let ok = n <= MAX_REPEAT;
                    if !ok {
                        cx.error(v.range, format!("`repeat = {n}` is more copies than the {MAX_REPEAT} the macro prices one by one"));
                    }
                    ok
                });
                repeat = count.map(|n| (n, v.clone()));
            }
            (REPEAT, _) => {
                repeat_given = true;
                cx.error(item.range, "`repeat` takes a count: write `repeat = 4`");
            }
            // active = 2 (with module and repeat = 8: a mixture of experts)
            (ACTIVE, Body::Value(v)) => active = attr::positive(cx, ACTIVE, v).map(|n| (n, v.range)),
            (ACTIVE, _) => cx.error(item.range, "`active` takes a count: write `active = 2`"),
            // then(add(with = "input"), relu)
            (THEN, Body::List(ops)) => {
                for op in ops {
                    match &op.body {
                        Body::Flag | Body::List(_) if is_kind(&op.key.to_string()) || op.key == MODULE => {
                            if let Some(layer) = kind_layer(cx, op) {
                                then.push(layer);
                            }
                        }
                        Body::Value(_) if is_kind(&op.key.to_string()) => {
                            cx.error(op.range, format!("`{}` in `then` is a layer, not a key: write `then({}(…))`, or `then({})` if it takes no arguments", op.key, op.key, op.key))
                        }
                        _ => cx.error(op.range, format!("`then` lists layers, e.g. `then(add(with = \"input\"), relu)`; `{}` is not one", op.key)),
                    }
                }
            }
            (THEN, _) => cx.error(item.range, "`then` lists layers: write `then(relu)` or `then(add(with = \"input\"), relu)`"),
            // conv2d(...), relu or module
            // conv4d(...), skp: no layer kind (a typo, not a second layer)
            (_, Body::List(_) | Body::Flag) if !is_kind(&key) && key != MODULE => {
                unknown_kind(cx, item.key.span(), &key);
            }
            // module(c_in = 16, …), module(c_in = 24, …): each element its own bindings
            (_, Body::List(_) | Body::Flag) => match &kind {
                Some(first) if first.key == MODULE && item.key == MODULE => elements.push(item.clone()),
                Some(first) => cx.error(item.key.span(), format!("field `{}` names two layers, `{}` and `{}`; one field is one layer", f.name, first.key, item.key)),
                None => kind = Some(item.clone()),
            },
            (_, Body::Value(_)) if is_kind(&key) => {
                cx.error(item.range, format!("`{key}` is a layer kind, not a key: write `{key}(...)`"))
            }
            (_, Body::Value(_)) => cx.error(
                item.key.span(),
                format!("unknown key `{key}` in #[layer]; expected a layer such as `conv2d(...)`, `module`, `input = ...`, `repeat = N`, `then(...)` or `skip`"),
            ),
        }
    }
    if skip {
        if let Some(k) = kind {
            cx.error(
                k.key.span(),
                "`skip` leaves the field out; remove the layer or `skip`",
            );
        }
        return None;
    }
    let Some(kind) = kind else {
        if !cx.failed_since(mark) {
            cx.error(
                attr,
                format!("#[layer] on `{}` names no layer: write e.g. #[layer(linear(d_input = 4, d_output = 2))] or #[layer(skip)]", f.name),
            );
        }
        return None;
    };
    let container = container(&f.field.ty);
    let (planned, with, range) = if kind.key == MODULE {
        if container == Container::Switch {
            cx.error(Range::of(&f.field.ty), format!("`{}` is a `bool`, which switches a layer such as `add(with = \"input\")` on or off; a block that may be absent goes in an `Option`", f.name));
            return None;
        }
        let Some(path) = module_type(&f.field.ty) else {
            cx.error(
                Range::of(&f.field.ty),
                format!(
                    "`module` needs a struct type (or Vec, Option, Box or an array of one) on `{}`",
                    f.name
                ),
            );
            return None;
        };
        let ident = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let range = Range::of(&f.field.ty);
        // module, or module(c_in = 64, c_out = 128): the block's parameters bound
        let module = |entry: &Item| ModuleRef {
            key: path_key(&path),
            path: path.clone(),
            ident: ident.clone(),
            range,
            bindings: match &entry.body {
                Body::List(entries) => bindings(cx, entries),
                _ => Vec::new(),
            },
            entry: entry.range,
        };
        let planned = if elements.is_empty() {
            Planned::Module(module(&kind))
        } else {
            Planned::Modules(
                std::iter::once(&kind)
                    .chain(&elements)
                    .map(module)
                    .collect(),
            )
        };
        (planned, Vec::new(), range)
    } else {
        let (layer, with) = kind_layer(cx, &kind)?;
        (Planned::Layer(layer), with, kind.range)
    };
    if let Some((n, v)) = &repeat {
        // A count bound to a parameter is checked where the block is nested.
        let bound = v.param.as_ref().filter(|_| !env.placeholders());
        let at = if bound.is_some() { v.range } else { attr };
        match container {
            Container::Optional if *n > 1 => cx.error(
                at,
                format!("`{}` is an `Option`, which holds one or none, but `repeat` is {n}", f.name),
            ),
            Container::Switch if *n > 1 => cx.error(
                at,
                format!("`{}` is a `bool`, which switches one layer on or off, but `repeat` is {n}; write `repeat = 1` (on) or `repeat = 0` (off)", f.name),
            ),
            Container::One if *n == 0 => cx.error(
                at,
                format!("`{}` always holds one, but `repeat` is 0 here; make it an `Option` or a `Vec` to leave it out", f.name),
            ),
            Container::One if *n > 1 => cx.error(
                at,
                format!("`{}` holds one layer, but `repeat` is {n}; make it a `Vec` or an array to hold {n}", f.name),
            ),
            Container::Many(Some(len)) if *n != len && (v.param.is_none() || bound.is_some()) && elements.is_empty() => cx.error(
                at,
                format!("`repeat = {n}` but `{}` holds an array of {len}; drop `repeat` or make them agree", f.name),
            ),
            _ => {}
        }
    }
    if let (Container::Many(Some(len)), false) = (container, repeat_given)
        && len > MAX_REPEAT
    {
        cx.error(
            Range::of(&f.field.ty),
            format!(
                "`{}` holds {len} copies, more than the {MAX_REPEAT} the macro prices one by one",
                f.name
            ),
        );
    }
    // One `module(...)` per element: as many elements as entries.
    let per_element = (!elements.is_empty()).then(|| 1 + elements.len() as u64);
    if let Some(n) = per_element {
        each::check_count(
            cx,
            f,
            container,
            n,
            &elements[0],
            repeat.as_ref().map(|(r, v)| (*r, v)),
            attr,
            env,
        );
    }
    // A length the macro cannot see is not assumed to be 1.
    if let (false, Container::Many(None), None) = (repeat_given, container, per_element) {
        match &f.field.ty {
            syn::Type::Array(a) => {
                let len = a.len.to_token_stream().to_string();
                cx.error(
                    Range::of(&a.len),
                    format!("the macro cannot read the length `{len}` of `{}`: add `repeat = …` with the number it stands for", f.name),
                );
            }
            ty => cx.error(
                Range::of(ty),
                format!("`{}` is a `Vec`, whose length the macro cannot see: add `repeat = …` with the number of elements it holds", f.name),
            ),
        }
    }
    let repeat = match (repeat, container, per_element) {
        (Some((n, _)), _, _) => n,
        (None, _, Some(n)) => n,
        (None, Container::Many(Some(len)), None) => len,
        (None, _, None) => 1,
    };
    if let Some((n, range)) = active {
        if let Planned::Modules(_) = planned {
            cx.error(
                range,
                format!("`active` makes `{}`'s copies a mixture of experts, copies of one block: bind it once, as #[layer(module(...), repeat = …, active = {n})]", f.name),
            );
        } else if !matches!(planned, Planned::Module(_)) {
            cx.error(
                range,
                format!("`active` makes `{}`'s copies a mixture of experts, which are blocks: use #[layer(module, repeat = …, active = {n})]", f.name),
            );
        } else if n > repeat {
            cx.error(
                range,
                format!("`active = {n}` is more experts than the {repeat} that `repeat` makes; at most {repeat} can run per token"),
            );
        }
    }
    if cx.failed_since(mark) {
        return None;
    }
    Some(FieldSpec {
        planned,
        input,
        with,
        repeat,
        active: active.map(|(n, _)| n),
        container,
        then,
        range,
    })
}

/// `module(c_in = 64, c_out = c_out)`: values for the nested block's parameters (names are
/// already substituted). Which parameters the block has is checked once it is collected.
fn bindings(cx: &Ctxt, entries: &[Item]) -> Vec<Binding> {
    let mut out: Vec<Binding> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if keys::repeated(cx, entries, i, |k| {
            format!("duplicate binding of `{k}` in `module(...)`; give it once")
        }) {
            continue;
        }
        let key = e.key.to_string();
        match &e.body {
            // c_in = 64
            Body::Value(v) => match v.kind {
                ValueKind::Int(_) => out.push(Binding {
                    name: e.key.clone(),
                    value: v.clone(),
                }),
                _ => attr::wrong_type(
                    cx,
                    &key,
                    v,
                    "a non-negative integer, the value of a block parameter",
                ),
            },
            _ => cx.error(
                e.range,
                format!("`module(...)` binds block parameters to numbers: write `{key} = …`"),
            ),
        }
    }
    out
}
