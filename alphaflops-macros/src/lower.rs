//! The IR given meaning: `#[cost_budget]` arguments → budgets, `#[layer]` fields → a core
//! [`Model`] whose nodes keep the spans they came from.

use alphaflops_core::{
    Activation, Conv, ConvTranspose, Layer, Metric, Model, Node, Padding, Pool, PoolKind, Shape,
    Source,
};
use proc_macro2::Span;

use crate::attr::{self, Body, Item, Keys, Value, ValueKind};
use crate::ctxt::{Ctxt, Range};

// Keys of #[cost_budget(...)].
const INPUT: &str = "input";
const PROFILE: &str = "profile";
const PATH: &str = "path";
const LEVEL: &str = "level";
const BUDGET_KEYS: &[&str] = &[
    "input",
    "profile",
    "path",
    "level",
    "alpha_flops",
    "flops",
    "macs",
    "params",
    "time_ms",
    "energy_mj",
];

/// A budget and where it was written.
#[derive(Clone, Debug)]
pub struct Budget {
    pub budget: alphaflops_core::Budget,
    /// The `key = value` entry, where a denied budget's error points.
    pub range: Range,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Warn,
    Deny,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// `#[cost_budget(...)]`, checked.
#[derive(Debug)]
pub struct Args {
    pub input: Option<Shape>,
    pub profile: Option<(String, Range)>,
    pub path: Option<(String, Range)>,
    pub level: Level,
    pub level_range: Range,
    pub budgets: Vec<Budget>,
}

/// Reads the arguments in source order, so errors come out in the order they are written.
/// `parsed` is false when the tokens did not parse: then nothing is reported as missing.
pub fn args(cx: &Ctxt, items: Vec<Item>, parsed: bool, input_required: bool) -> Args {
    let mut args = Args {
        input: None,
        profile: None,
        path: None,
        level: Level::Warn,
        level_range: Span::call_site().into(),
        budgets: Vec::new(),
    };
    let mut seen_input = false;
    for (i, item) in items.iter().enumerate() {
        if items[..i].iter().any(|earlier| earlier.key == item.key) {
            cx.error(
                item.key.span(),
                format!(
                    "duplicate key `{}` in #[cost_budget]; give it once",
                    item.key
                ),
            );
            continue;
        }
        let key = item.key.to_string();
        let Body::Value(v) = &item.body else {
            if BUDGET_KEYS.contains(&key.as_str()) {
                seen_input |= key == INPUT;
                cx.error(
                    item.range,
                    format!("`{key}` takes a value: write `{key} = …`"),
                );
            } else {
                unknown_budget_key(cx, item);
            }
            continue;
        };
        match key.as_str() {
            // input = [1, 3, 224, 224]
            INPUT => {
                seen_input = true;
                args.input = shape(cx, INPUT, v);
            }
            // profile = "name"
            PROFILE => args.profile = attr::string(cx, PROFILE, v).map(|s| (s, v.range)),
            // path = "profiles/my-device.toml"
            PATH => args.path = attr::string(cx, PATH, v).map(|s| (s, v.range)),
            // level = "warn" | "deny"
            LEVEL => {
                args.level_range = v.range;
                match attr::string(cx, LEVEL, v).map(|s| (Level::parse(&s), s)) {
                    Some((Some(l), _)) => args.level = l,
                    Some((None, s)) => cx.error(
                        v.range,
                        format!(
                            "unknown level `{s}`: use `level = \"warn\"` or `level = \"deny\"`"
                        ),
                    ),
                    None => {}
                }
            }
            // alpha_flops = "2M", params = 100_000, time_ms = 0.5, …
            _ => match Metric::from_key(&key) {
                Some(metric) => {
                    if let Some(limit) = budget_value(cx, &key, v) {
                        args.budgets.push(Budget {
                            budget: alphaflops_core::Budget { metric, limit },
                            range: item.range,
                        });
                    }
                }
                None => unknown_budget_key(cx, item),
            },
        }
    }
    if let (Some(_), Some((_, range))) = (&args.profile, &args.path) {
        cx.error(
            *range,
            "give either `profile = \"name\"` or `path = \"file.toml\"`, not both",
        );
    }
    if parsed && !seen_input && input_required {
        cx.error(
            Span::call_site(),
            "#[cost_budget] needs `input`: add `input = [N, C, H, W]` (or `[N, D]`, `[N, T, D]`), the shape the model's forward takes",
        );
    }
    args
}

fn unknown_budget_key(cx: &Ctxt, item: &Item) {
    let key = item.key.to_string();
    let message = match attr::suggest(&key, BUDGET_KEYS) {
        Some(close) => format!("unknown key `{key}` in #[cost_budget]; did you mean `{close}`?"),
        None => format!(
            "unknown key `{key}` in #[cost_budget]; expected one of: {}",
            BUDGET_KEYS.join(", ")
        ),
    };
    cx.error(item.key.span(), message);
}

/// A budget: a number, or a string with an SI suffix (`"2M"`, `"1.5G"`, `"100k"`).
fn budget_value(cx: &Ctxt, key: &str, v: &Value) -> Option<f64> {
    let n = match &v.kind {
        ValueKind::Int(i) => *i as f64,
        ValueKind::Neg(i) => -(*i as f64),
        ValueKind::Float(f) => *f,
        ValueKind::Str(s) => match parse_si(s) {
            Ok(n) => n,
            Err(e) => {
                cx.error(v.range, format!("`{key} = \"{s}\"`: {e}"));
                return None;
            }
        },
        _ => {
            attr::wrong_type(cx, key, v, "a number or a string such as \"2M\"");
            return None;
        }
    };
    if n.is_finite() && n >= 0.0 {
        Some(n)
    } else {
        cx.error(
            v.range,
            format!("`{key}` must be a non-negative finite number, found {n}"),
        );
        None
    }
}

/// `"2M"` → 2e6. Suffixes k, M, G, T (powers of 1000); case matters (`m` would be milli).
pub fn parse_si(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = match t.char_indices().last() {
        Some((i, 'k')) => (&t[..i], 1e3),
        Some((i, 'M')) => (&t[..i], 1e6),
        Some((i, 'G')) => (&t[..i], 1e9),
        Some((i, 'T')) => (&t[..i], 1e12),
        Some((_, c)) if c.is_ascii_alphabetic() => {
            return Err(format!(
                "unknown suffix `{c}`; use k, M, G or T (powers of 1000), e.g. \"2M\""
            ));
        }
        _ => (t, 1.0),
    };
    let number = number.trim().replace('_', "");
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n * scale),
        _ => Err(format!(
            "`{text}` is not a number with an optional k/M/G/T suffix, e.g. \"2M\""
        )),
    }
}

fn shape(cx: &Ctxt, key: &str, v: &Value) -> Option<Shape> {
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

/// One field of the struct, as the macro sees it.
pub struct Field<'a> {
    pub name: String,
    pub field: &'a syn::Field,
}

/// The model and, per node, the range of the annotation (or type) it came from.
pub struct Lowered {
    pub model: Model,
    pub ranges: Vec<Range>,
    /// `#[layer(module)]` types whose models were not given.
    pub missing: Vec<ModuleRef>,
}

/// Parameter-free types that need no annotation, by their last path segment.
fn known_type(ty: &syn::Type) -> Option<Option<Layer>> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?.ident.to_string();
    Some(match last.as_str() {
        "Relu" | "ReLU" | "ReLu" => Some(Layer::Activation(Activation::Relu)),
        "Relu6" | "ReLU6" => Some(Layer::Activation(Activation::Relu6)),
        "Gelu" | "GELU" => Some(Layer::Activation(Activation::Gelu)),
        "Silu" | "SiLU" | "Swish" => Some(Layer::Activation(Activation::Silu)),
        "Sigmoid" => Some(Layer::Activation(Activation::Sigmoid)),
        "Tanh" => Some(Layer::Activation(Activation::Tanh)),
        "Dropout" => Some(Layer::Dropout),
        // Marker types: never layers.
        "PhantomData" => None,
        _ => return None,
    })
}

pub const LAYER_ATTR: &str = "layer";
const SKIP: &str = "skip";

/// A field whose type is another annotated struct: `#[layer(module)]`.
#[derive(Clone)]
pub struct ModuleRef {
    /// The type's path without generic arguments: also the path of its exporter macro.
    pub path: syn::Path,
    /// The struct's name, the key children are found by.
    pub ident: String,
    /// The field's type, where errors about the module point.
    pub range: Range,
}

/// What one field becomes.
enum Planned {
    Layer(Layer),
    Module(ModuleRef),
}

/// A field's annotation, read.
struct FieldSpec {
    planned: Planned,
    input: Option<Ref>,
    with: Vec<Ref>,
    repeat: u64,
    /// Layers after the field's own, with the extra inputs of `add`/`concat`.
    then: Vec<(Layer, Vec<Ref>)>,
    range: Range,
}

/// A reference to where data comes from: a shape, or a field (or `"input"`) by name.
#[derive(Clone)]
enum Ref {
    Shape(Shape),
    Name(String, Range),
}

/// Lowers every field. Without an `input` (already reported) the fields are still read, so
/// all their errors show at once; the model is then not priced. `children` are the models of
/// annotated structs used as `#[layer(module)]` fields, by struct name; the ones not there yet
/// are returned in `missing`.
pub fn model(
    cx: &Ctxt,
    name: &str,
    input: Option<Shape>,
    fields: &[Field],
    children: &std::collections::HashMap<String, Model>,
) -> Lowered {
    let mut model = Model::new(name, input.unwrap_or_else(|| Shape(vec![1])));
    let mut ranges = Vec::new();
    let mut missing: Vec<ModuleRef> = Vec::new();
    // Field name → the name of the last node it produced (what `input = "field"` reads).
    let mut last_node: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let has_input_field = fields.iter().any(|f| f.name == INPUT);
    for f in fields {
        let Some(spec) = field_spec(cx, f) else {
            continue;
        };
        let source = |r: &Ref,
                      cx: &Ctxt,
                      last_node: &std::collections::HashMap<String, String>|
         -> Option<Source> {
            match r {
                Ref::Shape(s) => Some(Source::Shape(s.clone())),
                Ref::Name(n, _) if n == INPUT && !has_input_field => Some(Source::Input),
                Ref::Name(n, range) => match last_node.get(n) {
                    Some(node) => Some(Source::Node(node.clone())),
                    None => {
                        cx.error(*range, format!("no field before `{}` is named `{n}`; name an earlier field or \"input\"", f.name));
                        None
                    }
                },
            }
        };
        let first_input = match &spec.input {
            Some(r) => match source(r, cx, &last_node) {
                Some(s) => s,
                None => continue,
            },
            None => Source::Previous,
        };
        let Some(with) = spec
            .with
            .iter()
            .map(|r| source(r, cx, &last_node))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let layer = match &spec.planned {
            Planned::Layer(layer) => layer.clone(),
            Planned::Module(m) => match children.get(&m.ident) {
                Some(child) => Layer::Block(Box::new(child.clone())),
                None => {
                    if !missing.iter().any(|x| x.ident == m.ident) {
                        missing.push(m.clone());
                    }
                    continue;
                }
            },
        };
        let mut last = String::new();
        for r in 0..spec.repeat {
            let prefix = if spec.repeat > 1 {
                format!("{}.{r}", f.name)
            } else {
                f.name.clone()
            };
            let input = if r == 0 {
                first_input.clone()
            } else {
                Source::Previous
            };
            model.nodes.push(Node {
                name: prefix.clone(),
                layer: layer.clone(),
                input,
                with: with.clone(),
            });
            ranges.push(spec.range);
            last = prefix.clone();
            for (i, (then, refs)) in spec.then.iter().enumerate() {
                let op = then.op();
                let clash = spec.then.iter().filter(|(t, _)| t.op() == op).count() > 1;
                let name = if clash {
                    format!("{prefix}.{op}{i}")
                } else {
                    format!("{prefix}.{op}")
                };
                // `then` references see this field's earlier nodes under the field's name.
                last_node.insert(f.name.clone(), last.clone());
                let Some(with) = refs
                    .iter()
                    .map(|r| source(r, cx, &last_node))
                    .collect::<Option<Vec<_>>>()
                else {
                    break;
                };
                model.nodes.push(Node {
                    name: name.clone(),
                    layer: then.clone(),
                    input: Source::Previous,
                    with,
                });
                ranges.push(spec.range);
                last = name;
            }
        }
        last_node.insert(f.name.clone(), last);
    }
    Lowered {
        model,
        ranges,
        missing,
    }
}

/// The `#[layer]` of one field, or what its type implies; `None` for skipped or broken fields.
fn field_spec(cx: &Ctxt, f: &Field) -> Option<FieldSpec> {
    let attrs: Vec<&syn::Attribute> = f
        .field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident(LAYER_ATTR))
        .collect();
    for extra in attrs.iter().skip(1) {
        cx.error(
            Range::of(extra),
            format!(
                "field `{}` has more than one #[layer] attribute; merge them into one",
                f.name
            ),
        );
    }
    let Some(attr) = attrs.first() else {
        return match known_type(&f.field.ty) {
            Some(Some(layer)) => Some(FieldSpec {
                planned: Planned::Layer(layer),
                input: None,
                with: Vec::new(),
                repeat: 1,
                then: Vec::new(),
                range: Range::of(&f.field.ty),
            }),
            Some(None) => None,
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
        Ok(items) => field_layer(cx, f, Range::of(attr), items),
        Err(e) => {
            cx.syn_error(e);
            None
        }
    }
}

/// The type a `#[layer(module)]` field holds, through `Vec`, `Option`, `Box` and arrays;
/// and an array's length, the default repeat.
fn module_type(ty: &syn::Type) -> Option<(syn::Path, Option<u64>)> {
    match ty {
        syn::Type::Array(a) => {
            let len = match &a.len {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse().ok(),
                _ => None,
            };
            module_type(&a.elem).map(|(p, _)| (p, len))
        }
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
            Some((path, None))
        }
        syn::Type::Group(g) => module_type(&g.elem),
        _ => None,
    }
}

const MODULE: &str = "module";
const REPEAT: &str = "repeat";
const THEN: &str = "then";
const WITH: &str = "with";

/// `input = [..]` or `input = "field"`.
fn reference(cx: &Ctxt, key: &str, v: &Value) -> Option<Ref> {
    match &v.kind {
        ValueKind::Str(name) => Some(Ref::Name(name.clone(), v.range)),
        _ => shape(cx, key, v).map(Ref::Shape),
    }
}

/// `#[layer(kind(...), input = ..., repeat = N, then(...))]`, `#[layer(module)]` or
/// `#[layer(skip)]`.
fn field_layer(cx: &Ctxt, f: &Field, attr: Range, items: Vec<Item>) -> Option<FieldSpec> {
    let errors_before = cx.count();
    let mut kind: Option<Item> = None;
    let mut input = None;
    let mut repeat: Option<u64> = None;
    let mut then = Vec::new();
    let mut skip = false;
    for (i, item) in items.iter().enumerate() {
        let key = item.key.to_string();
        if [INPUT, SKIP, REPEAT, THEN].contains(&key.as_str())
            && items[..i].iter().any(|e| e.key == item.key)
        {
            cx.error(
                item.key.span(),
                format!("duplicate key `{key}` in #[layer]; give it once"),
            );
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
            // repeat = 4
            (REPEAT, Body::Value(v)) => repeat = attr::positive(cx, REPEAT, v),
            (REPEAT, _) => cx.error(item.range, "`repeat` takes a count: write `repeat = 4`"),
            // then(add(with = "input"), relu)
            (THEN, Body::List(ops)) => {
                for op in ops {
                    match &op.body {
                        Body::Flag | Body::List(_) if KINDS.contains(&op.key.to_string().as_str()) || op.key == MODULE => {
                            if let Some(layer) = kind_layer(cx, op) {
                                then.push(layer);
                            }
                        }
                        _ => cx.error(op.range, format!("`then` lists layers, e.g. `then(add(with = \"input\"), relu)`; `{}` is not one", op.key)),
                    }
                }
            }
            (THEN, _) => cx.error(item.range, "`then` lists layers: write `then(relu)` or `then(add(with = \"input\"), relu)`"),
            // conv2d(...), relu or module
            (_, Body::List(_) | Body::Flag) => {
                if let Some(first) = &kind {
                    cx.error(item.key.span(), format!("field `{}` names two layers, `{}` and `{}`; one field is one layer", f.name, first.key, item.key));
                } else {
                    kind = Some(item.clone());
                }
            }
            (_, Body::Value(_)) if KINDS.contains(&key.as_str()) => {
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
        if cx.count() == errors_before {
            cx.error(
                attr,
                format!("#[layer] on `{}` names no layer: write e.g. #[layer(linear(d_input = 4, d_output = 2))] or #[layer(skip)]", f.name),
            );
        }
        return None;
    };
    let (planned, with, range) = if kind.key == MODULE {
        if !matches!(kind.body, Body::Flag) {
            cx.error(
                kind.range,
                "`module` takes no arguments: the field's type says which struct it is",
            );
            return None;
        }
        let Some((path, len)) = module_type(&f.field.ty) else {
            cx.error(
                Range::of(&f.field.ty),
                format!(
                    "`module` needs a struct type (or Vec, Option, Box or an array of one) on `{}`",
                    f.name
                ),
            );
            return None;
        };
        if let (Some(n), Some(r)) = (len, repeat)
            && n != r
        {
            cx.error(attr, format!("`repeat = {r}` but the field holds an array of {n}; drop `repeat` or make them agree"));
        }
        repeat = repeat.or(len);
        let ident = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let range = Range::of(&f.field.ty);
        (
            Planned::Module(ModuleRef { path, ident, range }),
            Vec::new(),
            range,
        )
    } else {
        let (layer, with) = kind_layer(cx, &kind)?;
        (Planned::Layer(layer), with, kind.range)
    };
    if cx.count() > errors_before {
        return None;
    }
    Some(FieldSpec {
        planned,
        input,
        with,
        repeat: repeat.unwrap_or(1),
        then,
        range,
    })
}

/// One layer kind with its keys: `conv2d(...)`, `relu`, `add(with = "x")`, …, and the extra
/// inputs of `add`/`concat`.
fn kind_layer(cx: &Ctxt, kind: &Item) -> Option<(Layer, Vec<Ref>)> {
    let op = kind.key.to_string();
    let entries = match &kind.body {
        Body::List(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let mut keys = Keys::new(cx, kind.key.span(), op.clone(), entries);
    match op.as_str() {
        // add(with = "input") or add(with = ["a", "b"])
        // concat(with = ["a", "b"], dim = 1)
        "add" | "concat" => {
            let with = match keys.value(WITH) {
                Some(v) => match &v.kind {
                    ValueKind::List(items) => items
                        .iter()
                        .map(|i| reference(cx, WITH, i))
                        .collect::<Option<Vec<_>>>(),
                    _ => reference(cx, WITH, &v).map(|r| vec![r]),
                },
                None => {
                    keys.missing(WITH, "with = \"field\"");
                    None
                }
            };
            let layer = if op == "add" {
                keys.finish(&[WITH]);
                Some(Layer::Add)
            } else {
                let dim = optional(&mut keys, "dim", 1, |cx, v| attr::int(cx, "dim", v));
                keys.finish(&[WITH, "dim"]);
                dim.map(|dim| Layer::Concat { dim })
            };
            Some((layer?, with?))
        }
        MODULE => {
            cx.error(
                kind.range,
                "`module` is a field's own layer: put it first, as #[layer(module)]",
            );
            None
        }
        _ => layer(keys, &op, kind.key.span()).map(|l| (l, Vec::new())),
    }
}

/// Layer kinds the attribute accepts, for "unknown layer" hints.
pub const KINDS: &[&str] = &[
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "linear",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "relu",
    "relu6",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "dropout",
    "flatten",
    "transpose",
    "select",
    "embedding",
    "multi_head_attention",
    "class_token",
    "position_embedding",
    "add",
    "concat",
];

/// A required value read with `read`, or a "missing" error with `example`.
fn required<T>(
    keys: &mut Keys,
    key: &str,
    example: &str,
    read: impl FnOnce(&Ctxt, &Value) -> Option<T>,
) -> Option<T> {
    match keys.value(key) {
        Some(v) => read(keys.cx(), &v),
        None => {
            keys.missing(key, example);
            None
        }
    }
}

/// An optional value read with `read`, or `default` when absent.
fn optional<T>(
    keys: &mut Keys,
    key: &str,
    default: T,
    read: impl FnOnce(&Ctxt, &Value) -> Option<T>,
) -> Option<T> {
    match keys.value(key) {
        Some(v) => read(keys.cx(), &v),
        None => Some(default),
    }
}

/// `groups = 1` and `bias = true`, shared by the convolutions.
fn groups_and_bias(keys: &mut Keys) -> (Option<u64>, Option<bool>) {
    let groups = optional(keys, "groups", 1, |cx, v| attr::positive(cx, "groups", v));
    let bias = optional(keys, "bias", true, |cx, v| attr::boolean(cx, "bias", v));
    (groups, bias)
}

/// `channels = [in, out]`.
fn channels(keys: &mut Keys) -> Option<(u64, u64)> {
    required(keys, "channels", "channels = [in, out]", |cx, v| {
        attr::uints(cx, "channels", v, &[2], 1)
    })
    .map(|c| (c[0], c[1]))
}

/// `padding = [h, w]`, `[top, left, bottom, right]` (burn), `"same"` or `"valid"`; 1-d: `p`,
/// `[left, right]`.
fn conv_padding(cx: &Ctxt, v: &Value, dims: usize) -> Option<Padding> {
    match &v.kind {
        ValueKind::Str(s) if s == "same" => Some(Padding::Same),
        ValueKind::Str(s) if s == "valid" => Some(Padding::Valid),
        ValueKind::Str(s) => {
            cx.error(
                v.range,
                format!("unknown padding `{s}`: use \"same\", \"valid\" or numbers"),
            );
            None
        }
        _ => {
            let lens: &[usize] = if dims == 1 { &[1, 2] } else { &[2, 4] };
            let p = attr::uints(cx, "padding", v, lens, 0)?;
            Some(match (dims, p.len()) {
                (1, 1) => Padding::symmetric(&p),
                (1, _) => Padding::Explicit(vec![(p[0], p[1])]),
                (_, 2) => Padding::symmetric(&p),
                // burn's [top, left, bottom, right]
                _ => Padding::Explicit(vec![(p[0], p[2]), (p[1], p[3])]),
            })
        }
    }
}

fn layer(mut keys: Keys, op: &str, op_span: Span) -> Option<Layer> {
    let cx = keys.cx();
    let dims = if op.ends_with("1d") { 1 } else { 2 };
    // Sizes (kernel, stride, dilation, output) are at least 1; paddings may be 0.
    let per_dim =
        |key: &'static str| move |cx: &Ctxt, v: &Value| attr::uints(cx, key, v, &[dims], 1);
    let pads = |key: &'static str| move |cx: &Ctxt, v: &Value| attr::uints(cx, key, v, &[dims], 0);
    let ones = vec![1; dims];
    let (layer, accepted): (Option<Layer>, &[&str]) = match op {
        // conv2d(channels = [in, out], kernel_size = [kh, kw], stride, padding, dilation, groups, bias)
        "conv1d" | "conv2d" => {
            let ch = channels(&mut keys);
            let kernel = required(
                &mut keys,
                "kernel_size",
                "kernel_size = [3, 3]",
                per_dim("kernel_size"),
            );
            let stride = optional(&mut keys, "stride", ones.clone(), per_dim("stride"));
            let padding = optional(&mut keys, "padding", Padding::Valid, |cx, v| {
                conv_padding(cx, v, dims)
            });
            let dilation = optional(&mut keys, "dilation", ones.clone(), per_dim("dilation"));
            let (groups, bias) = groups_and_bias(&mut keys);
            let layer = (|| {
                let (i, o) = ch?;
                Some(Layer::Conv(Conv {
                    in_channels: i,
                    out_channels: o,
                    kernel: kernel?,
                    stride: stride?,
                    padding: padding?,
                    dilation: dilation?,
                    groups: groups?,
                    bias: bias?,
                }))
            })();
            (
                layer,
                &[
                    "channels",
                    "kernel_size",
                    "stride",
                    "padding",
                    "dilation",
                    "groups",
                    "bias",
                ],
            )
        }
        // conv_transpose2d(channels = [in, out], kernel_size, stride, padding, padding_out, dilation, groups, bias)
        "conv_transpose2d" => {
            let ch = channels(&mut keys);
            let kernel = required(
                &mut keys,
                "kernel_size",
                "kernel_size = [3, 3]",
                per_dim("kernel_size"),
            );
            let stride = optional(&mut keys, "stride", ones.clone(), per_dim("stride"));
            let padding = optional(&mut keys, "padding", vec![0; 2], pads("padding"));
            let padding_out = optional(&mut keys, "padding_out", vec![0; 2], pads("padding_out"));
            let dilation = optional(&mut keys, "dilation", ones.clone(), per_dim("dilation"));
            let (groups, bias) = groups_and_bias(&mut keys);
            let layer = (|| {
                let (i, o) = ch?;
                Some(Layer::ConvTranspose(ConvTranspose {
                    in_channels: i,
                    out_channels: o,
                    kernel: kernel?,
                    stride: stride?,
                    padding: padding?,
                    output_padding: padding_out?,
                    dilation: dilation?,
                    groups: groups?,
                    bias: bias?,
                }))
            })();
            (
                layer,
                &[
                    "channels",
                    "kernel_size",
                    "stride",
                    "padding",
                    "padding_out",
                    "dilation",
                    "groups",
                    "bias",
                ],
            )
        }
        // linear(d_input = 400, d_output = 120, bias = true)
        "linear" => {
            let d_input = required(&mut keys, "d_input", "d_input = 400", |cx, v| {
                attr::positive(cx, "d_input", v)
            });
            let d_output = required(&mut keys, "d_output", "d_output = 120", |cx, v| {
                attr::positive(cx, "d_output", v)
            });
            let bias = optional(&mut keys, "bias", true, |cx, v| {
                attr::boolean(cx, "bias", v)
            });
            let layer = (|| {
                Some(Layer::Linear {
                    d_input: d_input?,
                    d_output: d_output?,
                    bias: bias?,
                })
            })();
            (layer, &["d_input", "d_output", "bias"])
        }
        // max_pool2d(kernel_size = [2, 2], strides = [2, 2], padding, dilation, ceil_mode)
        "max_pool1d" | "max_pool2d" | "avg_pool1d" | "avg_pool2d" => {
            let kind = if op.starts_with("max") {
                PoolKind::Max
            } else {
                PoolKind::Avg
            };
            let kernel = required(
                &mut keys,
                "kernel_size",
                "kernel_size = [2, 2]",
                per_dim("kernel_size"),
            );
            // burn's MaxPool2dConfig says `strides`; PyTorch says `stride`. Accept both.
            let both = keys.present("strides") && keys.present("stride");
            let stride = match (keys.value("strides"), keys.take("stride")) {
                (Some(a), Some(b)) if both => {
                    cx.error(
                        b.key.span(),
                        "give either `strides` (burn) or `stride` (PyTorch), not both",
                    );
                    attr::uints(cx, "strides", &a, &[dims], 1)
                }
                (_, Some(item)) => match item.body {
                    Body::Value(v) => attr::uints(cx, "stride", &v, &[dims], 1),
                    _ => {
                        cx.error(item.range, "`stride` takes a value: write `stride = …`");
                        None
                    }
                },
                (Some(v), None) => attr::uints(cx, "strides", &v, &[dims], 1),
                (None, None) => kernel.clone(),
            };
            let padding = optional(&mut keys, "padding", vec![0; dims], pads("padding"));
            let dilation = optional(&mut keys, "dilation", ones.clone(), per_dim("dilation"));
            let ceil_mode = optional(&mut keys, "ceil_mode", false, |cx, v| {
                attr::boolean(cx, "ceil_mode", v)
            });
            // Accepted for fidelity to burn's config; it does not change the cost.
            if let Some(v) = keys.value("count_include_pad") {
                attr::boolean(cx, "count_include_pad", &v);
            }
            let layer = (|| {
                Some(Layer::Pool(Pool {
                    kind,
                    kernel: kernel?,
                    stride: stride?,
                    padding: padding?,
                    dilation: dilation?,
                    ceil_mode: ceil_mode?,
                }))
            })();
            (
                layer,
                &[
                    "kernel_size",
                    "strides",
                    "stride",
                    "padding",
                    "dilation",
                    "ceil_mode",
                    "count_include_pad",
                ],
            )
        }
        // adaptive_avg_pool2d(output_size = [7, 7])
        "adaptive_avg_pool1d" | "adaptive_avg_pool2d" => {
            let output = required(
                &mut keys,
                "output_size",
                "output_size = [1, 1]",
                per_dim("output_size"),
            );
            (
                output.map(|output| Layer::AdaptiveAvgPool { output }),
                &["output_size"],
            )
        }
        // batch_norm(num_features = 64)
        "batch_norm" => {
            let n = required(&mut keys, "num_features", "num_features = 64", |cx, v| {
                attr::positive(cx, "num_features", v)
            });
            (
                n.map(|num_features| Layer::BatchNorm { num_features }),
                &["num_features"],
            )
        }
        // layer_norm(d_model = 768)
        "layer_norm" => {
            let d = required(&mut keys, "d_model", "d_model = 768", |cx, v| {
                attr::positive(cx, "d_model", v)
            });
            (d.map(|d_model| Layer::LayerNorm { d_model }), &["d_model"])
        }
        // group_norm(num_groups = 8, num_channels = 64)
        "group_norm" => {
            let g = required(&mut keys, "num_groups", "num_groups = 8", |cx, v| {
                attr::positive(cx, "num_groups", v)
            });
            let c = required(&mut keys, "num_channels", "num_channels = 64", |cx, v| {
                attr::positive(cx, "num_channels", v)
            });
            (
                (|| {
                    Some(Layer::GroupNorm {
                        num_groups: g?,
                        num_channels: c?,
                    })
                })(),
                &["num_groups", "num_channels"],
            )
        }
        // relu, gelu, … (no keys)
        "relu" | "relu6" | "gelu" | "silu" | "sigmoid" | "tanh" => {
            let a = match op {
                "relu" => Activation::Relu,
                "relu6" => Activation::Relu6,
                "gelu" => Activation::Gelu,
                "silu" => Activation::Silu,
                "sigmoid" => Activation::Sigmoid,
                _ => Activation::Tanh,
            };
            (Some(Layer::Activation(a)), &[])
        }
        // softmax(dim = -1)
        "softmax" => {
            let dim = optional(&mut keys, "dim", -1, |cx, v| attr::int(cx, "dim", v));
            (dim.map(|dim| Layer::Softmax { dim }), &["dim"])
        }
        // dropout(prob = 0.5)
        "dropout" => {
            // The probability does not change the cost (dropout is the identity at inference).
            if let Some(v) = keys.value("prob") {
                attr::probability(cx, "prob", &v);
            }
            (Some(Layer::Dropout), &["prob"])
        }
        // flatten(start_dim = 1, end_dim = -1)
        "flatten" => {
            let s = optional(&mut keys, "start_dim", 1, |cx, v| {
                attr::int(cx, "start_dim", v)
            });
            let e = optional(&mut keys, "end_dim", -1, |cx, v| {
                attr::int(cx, "end_dim", v)
            });
            (
                (|| {
                    Some(Layer::Flatten {
                        start_dim: s?,
                        end_dim: e?,
                    })
                })(),
                &["start_dim", "end_dim"],
            )
        }
        // transpose(dim0 = 1, dim1 = 2)  (PyTorch's `transpose`, burn's `swap_dims`)
        "transpose" => {
            let a = required(&mut keys, "dim0", "dim0 = 1", |cx, v| {
                attr::int(cx, "dim0", v)
            });
            let b = required(&mut keys, "dim1", "dim1 = 2", |cx, v| {
                attr::int(cx, "dim1", v)
            });
            (
                (|| Some(Layer::Transpose { dim0: a?, dim1: b? }))(),
                &["dim0", "dim1"],
            )
        }
        // select(dim = 1, index = 0)  (`x[:, 0]`: the class token)
        "select" => {
            let dim = required(&mut keys, "dim", "dim = 1", |cx, v| attr::int(cx, "dim", v));
            let index = required(&mut keys, "index", "index = 0", |cx, v| {
                attr::uint(cx, "index", v)
            });
            (
                (|| {
                    Some(Layer::Select {
                        dim: dim?,
                        index: index?,
                    })
                })(),
                &["dim", "index"],
            )
        }
        // class_token(dim = 768)  (a learned token prepended: [N, T, D] → [N, T + 1, D])
        "class_token" => {
            let d = required(&mut keys, "dim", "dim = 768", |cx, v| {
                attr::positive(cx, "dim", v)
            });
            (d.map(|dim| Layer::ClassToken { dim }), &["dim"])
        }
        // position_embedding(seq_len = 197, dim = 768)  (a learned [1, T, D] added)
        "position_embedding" => {
            let t = required(&mut keys, "seq_len", "seq_len = 197", |cx, v| {
                attr::positive(cx, "seq_len", v)
            });
            let d = required(&mut keys, "dim", "dim = 768", |cx, v| {
                attr::positive(cx, "dim", v)
            });
            (
                (|| {
                    Some(Layer::PositionEmbedding {
                        seq_len: t?,
                        dim: d?,
                    })
                })(),
                &["seq_len", "dim"],
            )
        }
        // embedding(n_embedding = 1000, d_model = 64)
        "embedding" => {
            let n = required(&mut keys, "n_embedding", "n_embedding = 1000", |cx, v| {
                attr::positive(cx, "n_embedding", v)
            });
            let d = required(&mut keys, "d_model", "d_model = 64", |cx, v| {
                attr::positive(cx, "d_model", v)
            });
            (
                (|| {
                    Some(Layer::Embedding {
                        num_embeddings: n?,
                        embedding_dim: d?,
                    })
                })(),
                &["n_embedding", "d_model"],
            )
        }
        // multi_head_attention(d_model = 768, n_heads = 12)
        "multi_head_attention" => {
            let d = required(&mut keys, "d_model", "d_model = 768", |cx, v| {
                attr::positive(cx, "d_model", v)
            });
            let h = required(&mut keys, "n_heads", "n_heads = 12", |cx, v| {
                attr::positive(cx, "n_heads", v)
            });
            let bias = optional(&mut keys, "bias", true, |cx, v| {
                attr::boolean(cx, "bias", v)
            });
            if let Some(v) = keys.value("dropout") {
                attr::probability(cx, "dropout", &v);
            }
            (
                (|| {
                    Some(Layer::MultiHeadAttention {
                        d_model: d?,
                        n_heads: h?,
                        bias: bias?,
                    })
                })(),
                &["d_model", "n_heads", "bias", "dropout"],
            )
        }
        _ => {
            cx.error(
                op_span,
                format!(
                    "unknown layer kind `{op}`; expected one of: {}",
                    KINDS.join(", ")
                ),
            );
            return None;
        }
    };
    keys.finish(accepted);
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_suffixes() {
        assert_eq!(parse_si("2M"), Ok(2e6));
        assert_eq!(parse_si("1.5G"), Ok(1.5e9));
        assert_eq!(parse_si("100k"), Ok(1e5));
        assert_eq!(parse_si("3T"), Ok(3e12));
        assert_eq!(parse_si("1_000"), Ok(1000.0));
        assert_eq!(parse_si(" 2 M "), Ok(2e6));
        assert!(parse_si("2m").unwrap_err().contains("unknown suffix `m`"));
        assert!(parse_si("2X").unwrap_err().contains("unknown suffix `X`"));
        assert!(parse_si("lots").is_err());
        assert!(parse_si("").is_err());
    }
}
