//! The IR given meaning: `#[cost_budget]` arguments → budgets, `#[layer]` fields → a core
//! [`Model`] whose nodes keep the spans they came from.

use alphaflops_core::{
    Activation, Conv, ConvTranspose, Layer, Metric, Model, Node, Padding, Pool, PoolKind, Shape,
    Source,
};
use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span};
use quote::ToTokens;

use crate::attr::{self, Body, Item, Keys, Value, ValueKind};
use crate::ctxt::{Ctxt, Range};

// Keys of #[cost_budget(...)].
const INPUT: &str = "input";
const PROFILE: &str = "profile";
const PATH: &str = "path";
const LEVEL: &str = "level";
/// `params(c_in, c_out)`: a `#[cost_model]` block's parameters (`params = …` is a budget).
const PARAMS: &str = "params";
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
    /// A `#[cost_model]` block's parameters, `params(c_in, c_out)`; empty for other structs.
    pub params: Vec<Ident>,
}

/// Reads the arguments in source order, so errors come out in the order they are written.
/// `parsed` is false when the tokens did not parse: then nothing is reported as missing.
/// `model` is true for `#[cost_model]` (input optional, `params(...)` allowed).
pub fn args(cx: &Ctxt, items: Vec<Item>, parsed: bool, model: bool) -> Args {
    let mut args = Args {
        input: None,
        profile: None,
        path: None,
        level: Level::Warn,
        level_range: Span::call_site().into(),
        budgets: Vec::new(),
        params: Vec::new(),
    };
    // Names are block parameters, which only field annotations read; here they are
    // reported as a syntax error would be. The other arguments are read as usual, and
    // `params(...)` lists (whose entries are names) are left to `block_params`, so the
    // fields' uses of the parameters raise nothing more.
    let (items, rejected) = attr::reject_names(cx, items, &|site| {
        let (name, key) = (site.name, site.keys.first().map(ToString::to_string));
        let advice = match key.as_deref() {
            Some(key @ (PROFILE | PATH | LEVEL)) => format!("write `{key} = \"{name}\"`"),
            Some(INPUT) => "write the shape, as `input = [1, 3, 224, 224]`".to_string(),
            Some(key) if Metric::from_key(key).is_some() => {
                format!("write the number, as `{key} = 100_000` or `{key} = \"100k\"`")
            }
            _ => "write a number, a string, true/false or a list such as [1, 2]".to_string(),
        };
        format!("`{name}` is a name, and the macro reads only literal values here: {advice}")
    });
    let attr_name = if model {
        "#[cost_model]"
    } else {
        "#[cost_budget]"
    };
    let mut seen_input = rejected.iter().any(|k| k == INPUT);
    let mut input_range = None;
    for (i, item) in items.iter().enumerate() {
        if attr::repeated(cx, &items, i, |k| {
            format!("duplicate key `{k}` in {attr_name}; give it once")
        }) {
            continue;
        }
        let key = item.key.to_string();
        // params(c_in, c_out, stride)
        if let (PARAMS, Body::List(entries)) = (key.as_str(), &item.body) {
            if model {
                args.params = block_params(cx, item, entries);
            } else {
                cx.error(
                    item.range,
                    "`params(...)` declares block parameters, which only a #[cost_model] block takes; a budget on the parameter count is `params = \"100k\"`",
                );
            }
            continue;
        }
        let Body::Value(v) = &item.body else {
            if BUDGET_KEYS.contains(&key.as_str()) {
                seen_input |= key == INPUT;
                cx.error(
                    item.range,
                    format!("`{key}` takes a value: write `{key} = …`"),
                );
            } else {
                unknown_budget_key(cx, item, attr_name);
            }
            continue;
        };
        match key.as_str() {
            // input = [1, 3, 224, 224]
            INPUT => {
                seen_input = true;
                input_range = Some(item.range);
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
                None => unknown_budget_key(cx, item, attr_name),
            },
        }
    }
    if let (Some(_), Some((_, range))) = (&args.profile, &args.path) {
        cx.error(
            *range,
            "give either `profile = \"name\"` or `path = \"file.toml\"`, not both",
        );
    }
    if let (false, Some(range)) = (args.params.is_empty(), input_range) {
        cx.error(
            range,
            "a #[cost_model] with `params(...)` has no shape of its own: remove `input`; the models nesting it bind its parameters and give it their shape",
        );
    }
    if parsed && !seen_input && !model {
        cx.error(
            Span::call_site(),
            "#[cost_budget] needs `input`: add `input = [N, C, H, W]` (or `[N, D]`, `[N, T, D]`), the shape the model's forward takes",
        );
    }
    args
}

/// The names of `params(a, b, …)`.
fn block_params(cx: &Ctxt, item: &Item, entries: &[Item]) -> Vec<Ident> {
    if entries.is_empty() {
        cx.error(
            item.range,
            "`params()` names no parameters: list them, as `params(c_in, c_out)`, or remove it",
        );
    }
    let mut names: Vec<Ident> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if !matches!(entry.body, Body::Flag) {
            cx.error(
                entry.range,
                format!(
                    "`params(...)` lists names, as `params(c_in, c_out)`; the models nesting the block bind values, as #[layer(module({} = 64))]",
                    entry.key
                ),
            );
        }
        // Declared even when given a value, so that its uses raise nothing more.
        if !attr::repeated(cx, entries, i, |k| {
            format!("duplicate block parameter `{k}`; give it once")
        }) {
            names.push(entry.key.clone());
        }
    }
    names
}

/// `attr_name`: the attribute the key was given in, `#[cost_budget]` or `#[cost_model]`.
fn unknown_budget_key(cx: &Ctxt, item: &Item, attr_name: &str) {
    let message = attr::unknown_key(&item.key.to_string(), attr_name, BUDGET_KEYS);
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
        // Blamed on the suffix only when what precedes it is a number: "2m", not "lots".
        Some((i, c))
            if c.is_ascii_alphabetic()
                && t[..i]
                    .trim()
                    .replace('_', "")
                    .parse::<f64>()
                    .is_ok_and(f64::is_finite) =>
        {
            return Err(format!(
                "unknown suffix `{c}`; use k, M, G or T (powers of 1000), e.g. \"2M\""
            ));
        }
        Some((_, c)) if c.is_ascii_alphabetic() => ("", 1.0),
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

/// Whether the field is `#[layer(skip)]`.
fn is_skipped(f: &Field) -> bool {
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

impl Env<'_> {
    /// Substitutes the names in a field's annotation, reporting those that mean nothing.
    fn substitute(self, cx: &Ctxt, items: Vec<Item>) -> Vec<Item> {
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
                ("padding", word @ ("same" | "valid")) => Some((
                    format!("write `padding = \"{word}\"`"),
                    ValueKind::Str(word.to_string()),
                )),
                (key @ ("bias" | "ceil_mode" | "count_include_pad"), _) => Some((
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
    fn placeholders(self) -> bool {
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
    let message = attr::unknown(
        format!("unknown block parameter `{name}`"),
        &name.to_string(),
        &accepted,
        "the block declares",
    );
    cx.error(range, message);
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

/// What one field becomes.
enum Planned {
    Layer(Layer),
    Module(ModuleRef),
}

/// What holds a field's layer or block, as burn names its weights: a `Vec` or array
/// element adds its index to the path, an `Option` or `Box` adds nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    /// The type itself or a `Box` of it: always there.
    One,
    /// `Option<T>`: there or not.
    Optional,
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
            _ => Container::One,
        },
        syn::Type::Group(g) => container(&g.elem),
        _ => Container::One,
    }
}

/// A field's annotation, read.
struct FieldSpec {
    planned: Planned,
    input: Option<Ref>,
    with: Vec<Ref>,
    /// Copies of the layer; 0 only when bound to a parameter (an empty `Vec`, a `None`).
    repeat: u64,
    container: Container,
    /// Layers after each copy (or, for an `Option` with no copy, after the field's input),
    /// with the extra inputs of `add`/`concat`.
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
/// all their errors show at once; the model is then not priced. `children` are the annotated
/// structs used as `#[layer(module)]` fields, by struct name; the ones not there yet are
/// returned in `missing`. `env` says what the names in the annotations stand for.
pub fn model(
    cx: &Ctxt,
    name: &str,
    input: Option<Shape>,
    fields: &[Field],
    children: &Children,
    env: Env,
) -> Lowered {
    let mut model = Model::new(name, input.unwrap_or_else(|| Shape(vec![1])));
    let mut ranges = Vec::new();
    let mut missing: Vec<ModuleRef> = Vec::new();
    // Field name → what naming it reads (`input = "field"`, `with = "field"`): its last node,
    // or for a field without nodes (0 copies) what it read.
    let mut outputs: HashMap<String, Source> = HashMap::new();
    // What the next field without `input` reads: the last node, unless a field without nodes
    // passed something else through.
    let mut chain = Source::Previous;
    let has_input_field = fields.iter().any(|f| f.name == INPUT);
    // Fields whose lowering reported an error (or that wait for their module): naming them
    // later adds nothing to what they already said.
    let mut silent: HashSet<&str> = HashSet::new();
    let mut previous: Option<(&str, usize)> = None;
    let mut waited = false;
    for (index, f) in fields.iter().enumerate() {
        if let Some((name, before)) = previous.take()
            && (cx.count() > before || waited)
        {
            silent.insert(name);
        }
        (previous, waited) = (Some((f.name.as_str(), cx.count())), false);
        let Some(spec) = field_spec(cx, f, env) else {
            continue;
        };
        let silent = &silent;
        let source = |r: &Ref, outputs: &HashMap<String, Source>| -> Option<Source> {
            match r {
                Ref::Shape(s) => Some(Source::Shape(s.clone())),
                Ref::Name(n, _) if n == INPUT && !has_input_field => Some(Source::Input),
                Ref::Name(n, range) => match outputs.get(n) {
                    Some(s) => Some(s.clone()),
                    None => {
                        let earlier = fields[..index].iter().find(|e| e.name == *n);
                        match earlier {
                            Some(e) if is_skipped(e) => cx.error(*range, format!("`{n}` is #[layer(skip)], so it has no output to read; name another field")),
                            Some(e) if silent.contains(e.name.as_str()) => {}
                            Some(_) => cx.error(*range, format!("`{n}` is not a layer, so it has no output to read; name another field")),
                            None if n == INPUT => cx.error(*range, format!("\"input\" names the field `input` here, which comes after `{}`; rename that field to read the model's input", f.name)),
                            None => cx.error(*range, format!("no field before `{}` is named `{n}`; name an earlier field or \"input\"", f.name)),
                        }
                        None
                    }
                },
            }
        };
        let first_input = match &spec.input {
            Some(r) => match source(r, &outputs) {
                Some(s) => s,
                None => continue,
            },
            None => chain.clone(),
        };
        let Some(with) = spec
            .with
            .iter()
            .map(|r| source(r, &outputs))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let layer = match &spec.planned {
            Planned::Layer(layer) => layer.clone(),
            Planned::Module(m) => match module_layer(cx, m, children, env) {
                Some(Some(layer)) => layer,
                Some(None) => continue,
                None => {
                    if !missing.iter().any(|x| x.key == m.key) {
                        missing.push(m.clone());
                    }
                    waited = true;
                    continue;
                }
            },
        };
        // The `then` layers after one copy whose output so far is `current`; returns the
        // new output, or `None` when a reference is broken (reported).
        let then = |prefix: &str,
                    mut current: Source,
                    model: &mut Model,
                    ranges: &mut Vec<Range>,
                    outputs: &mut HashMap<String, Source>|
         -> Option<Source> {
            for (i, (then, refs)) in spec.then.iter().enumerate() {
                let op = then.op();
                let clash = spec.then.iter().filter(|(t, _)| t.op() == op).count() > 1;
                let name = if clash {
                    format!("{prefix}.{op}{i}")
                } else {
                    format!("{prefix}.{op}")
                };
                // `then` references see this field's earlier nodes under the field's name.
                outputs.insert(f.name.clone(), current.clone());
                let with = refs
                    .iter()
                    .map(|r| source(r, outputs))
                    .collect::<Option<Vec<_>>>()?;
                let input = match &current {
                    Source::Node(n) if model.nodes.last().is_some_and(|l| l.name == *n) => {
                        Source::Previous
                    }
                    other => other.clone(),
                };
                model.nodes.push(Node {
                    name: name.clone(),
                    layer: then.clone(),
                    input,
                    with,
                });
                ranges.push(spec.range);
                current = Source::Node(name);
            }
            Some(current)
        };
        // burn indexes the elements of a `Vec` or array; a single copy elsewhere is the field.
        let indexed = matches!(spec.container, Container::Many(_)) || spec.repeat > 1;
        // With no copy the field reads as its input, made explicit so later fields read it.
        let mut output = match first_input.clone() {
            Source::Previous => model
                .nodes
                .last()
                .map_or(Source::Input, |n| Source::Node(n.name.clone())),
            other => other,
        };
        for r in 0..spec.repeat {
            let prefix = if indexed {
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
            match then(
                &prefix,
                Source::Node(prefix.clone()),
                &mut model,
                &mut ranges,
                &mut outputs,
            ) {
                Some(o) => output = o,
                None => break,
            }
        }
        // An absent `Option` (burn's `None` downsample) is the identity, and what follows it
        // still runs: the residual `then(add(with = …))` adds its input.
        if spec.repeat == 0
            && spec.container == Container::Optional
            && let Some(o) = then(
                &f.name,
                output.clone(),
                &mut model,
                &mut ranges,
                &mut outputs,
            )
        {
            output = o;
        }
        chain = match &output {
            Source::Node(n) if model.nodes.last().is_some_and(|l| l.name == *n) => Source::Previous,
            other => other.clone(),
        };
        outputs.insert(f.name.clone(), output);
    }
    Lowered {
        model,
        ranges,
        missing,
    }
}

/// The layer a `#[layer(module)]` field stands for: the nested struct's model, or for a
/// parameterised block its annotations lowered with the field's bindings. `None` when the
/// struct has not been collected yet, `Some(None)` after an error (reported).
fn module_layer(cx: &Ctxt, m: &ModuleRef, children: &Children, env: Env) -> Option<Option<Layer>> {
    let child = children.get(&m.key)?;
    let before = cx.count();
    let layer = match child {
        Child::Model(model) if model.name == BROKEN => Layer::Block(Box::new(model.clone())),
        Child::Model(model) => {
            if let Some(b) = m.bindings.first() {
                let message = match field_key_hint(&b.name) {
                    Some(hint) => format!(
                        "`{}` has no block parameters, so `module(...)` binds nothing; {hint}",
                        m.ident
                    ),
                    None => format!(
                        "`{}` has no block parameters, so `module(...)` binds nothing: write #[layer(module)], or declare them on `{}` with #[cost_model(params({}))]",
                        m.ident, m.ident, b.name
                    ),
                };
                cx.error(m.entry, message);
            }
            Layer::Block(Box::new(model.clone()))
        }
        Child::Template(t) => {
            check_bindings(cx, m, &t.params);
            if cx.count() > before {
                return Some(None);
            }
            if env.placeholders() {
                // Checked where it is defined: the values it passes on are not known yet,
                // and the nested block was checked where it is defined.
                Layer::Block(Box::new(Model::new(m.ident.as_str(), Shape(vec![1]))))
            } else {
                let lowered = model(
                    cx,
                    &m.ident,
                    None,
                    &fields(&t.item),
                    &t.children,
                    Env::Bound(&m.bindings),
                );
                if let Some(inner) = lowered.missing.first() {
                    cx.error(m.range, format!("`{}` nests `{}`, which its definition did not collect; this is a bug in alphaflops", m.ident, inner.ident));
                }
                Layer::Block(Box::new(lowered.model))
            }
        }
    };
    Some((cx.count() == before).then_some(layer))
}

/// A hint for a binding that is a key of `#[layer]` itself, written inside `module(...)`.
fn field_key_hint(key: &Ident) -> Option<String> {
    [INPUT, REPEAT, THEN, SKIP]
        .contains(&key.to_string().as_str())
        .then(|| {
            format!(
                "`{key}` is a key of #[layer], not of the block: write #[layer(module, {key} = …)]"
            )
        })
}

/// Every parameter of the block bound once, and nothing else.
fn check_bindings(cx: &Ctxt, m: &ModuleRef, params: &[Ident]) {
    let names: Vec<String> = params.iter().map(ToString::to_string).collect();
    let accepted: Vec<&str> = names.iter().map(String::as_str).collect();
    for b in &m.bindings {
        if params.contains(&b.name) {
            continue;
        }
        let head = format!("`{}` has no block parameter `{}`", m.ident, b.name);
        let message = match field_key_hint(&b.name) {
            Some(hint) => format!("{head}; {hint}"),
            None => attr::unknown(head, &b.name.to_string(), &accepted, "it declares"),
        };
        cx.error(b.name.span(), message);
    }
    let unbound: Vec<&Ident> = params
        .iter()
        .filter(|p| !m.bindings.iter().any(|b| b.name == **p))
        .collect();
    if unbound.is_empty() {
        return;
    }
    let list =
        |f: &dyn Fn(&Ident) -> String| unbound.iter().map(|p| f(p)).collect::<Vec<_>>().join(", ");
    let message = if m.bindings.is_empty() {
        format!(
            "`{}` has block parameters {}: bind them as #[layer(module({}))]",
            m.ident,
            list(&|p| format!("`{p}`")),
            list(&|p| format!("{p} = …"))
        )
    } else {
        format!(
            "`module(...)` does not bind {} of `{}`: add {}",
            list(&|p| format!("`{p}`")),
            m.ident,
            list(&|p| format!("`{p} = …`"))
        )
    };
    cx.error(m.entry, message);
}

/// The `#[layer]` of one field, or what its type implies; `None` for skipped or broken fields.
fn field_spec(cx: &Ctxt, f: &Field, env: Env) -> Option<FieldSpec> {
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
                container: Container::One,
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
        Ok(items) => {
            // A name that means nothing reads as a placeholder; the field is not read further,
            // so its value causes no second error.
            let before = cx.count();
            let items = env.substitute(cx, items);
            if cx.count() > before {
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

const MODULE: &str = "module";
/// The most copies `repeat` makes: each is lowered and priced, and a typo's extra zeros
/// should not stall the compiler.
const MAX_REPEAT: u64 = 10_000;
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
fn field_layer(cx: &Ctxt, f: &Field, attr: Range, items: Vec<Item>, env: Env) -> Option<FieldSpec> {
    let errors_before = cx.count();
    let mut kind: Option<Item> = None;
    let mut input = None;
    // The count and the value it was read from.
    let mut repeat: Option<(u64, Value)> = None;
    // Written, even when its value was refused (and reported).
    let mut repeat_given = false;
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
            // then(add(with = "input"), relu)
            (THEN, Body::List(ops)) => {
                for op in ops {
                    match &op.body {
                        Body::Flag | Body::List(_) if KINDS.contains(&op.key.to_string().as_str()) || op.key == MODULE => {
                            if let Some(layer) = kind_layer(cx, op) {
                                then.push(layer);
                            }
                        }
                        Body::Value(_) if KINDS.contains(&op.key.to_string().as_str()) => {
                            cx.error(op.range, format!("`{}` in `then` is a layer, not a key: write `then({}(…))`, or `then({})` if it takes no arguments", op.key, op.key, op.key))
                        }
                        _ => cx.error(op.range, format!("`then` lists layers, e.g. `then(add(with = \"input\"), relu)`; `{}` is not one", op.key)),
                    }
                }
            }
            (THEN, _) => cx.error(item.range, "`then` lists layers: write `then(relu)` or `then(add(with = \"input\"), relu)`"),
            // conv2d(...), relu or module
            // conv3d(...), skp: no layer kind (a typo, not a second layer)
            (_, Body::List(_) | Body::Flag) if !KINDS.contains(&key.as_str()) && key != MODULE => {
                unknown_kind(cx, item.key.span(), &key);
            }
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
    let container = container(&f.field.ty);
    let (planned, with, range) = if kind.key == MODULE {
        // module, or module(c_in = 64, c_out = 128): the block's parameters bound
        let bindings = match &kind.body {
            Body::List(entries) => bindings(cx, entries),
            _ => Vec::new(),
        };
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
        (
            Planned::Module(ModuleRef {
                key: path_key(&path),
                path,
                ident,
                range,
                bindings,
                entry: kind.range,
            }),
            Vec::new(),
            range,
        )
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
            Container::One if *n == 0 => cx.error(
                at,
                format!("`{}` always holds one, but `repeat` is 0 here; make it an `Option` or a `Vec` to leave it out", f.name),
            ),
            Container::One if *n > 1 => cx.error(
                at,
                format!("`{}` holds one layer, but `repeat` is {n}; make it a `Vec` or an array to hold {n}", f.name),
            ),
            Container::Many(Some(len)) if *n != len && (v.param.is_none() || bound.is_some()) => cx.error(
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
    // A length the macro cannot see is not assumed to be 1.
    if let (false, Container::Many(None)) = (repeat_given, container) {
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
    let repeat = match (repeat, container) {
        (Some((n, _)), _) => n,
        (None, Container::Many(Some(len))) => len,
        (None, _) => 1,
    };
    if cx.count() > errors_before {
        return None;
    }
    Some(FieldSpec {
        planned,
        input,
        with,
        repeat,
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
        if attr::repeated(cx, entries, i, |k| {
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

/// A required key whose value is a positive integer: `d_model = 768`.
fn required_positive(keys: &mut Keys, key: &str, example: &str) -> Option<u64> {
    required(keys, key, example, |cx, v| attr::positive(cx, key, v))
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
            let d_input = required_positive(&mut keys, "d_input", "d_input = 400");
            let d_output = required_positive(&mut keys, "d_output", "d_output = 120");
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
            let n = required_positive(&mut keys, "num_features", "num_features = 64");
            (
                n.map(|num_features| Layer::BatchNorm { num_features }),
                &["num_features"],
            )
        }
        // layer_norm(d_model = 768)
        "layer_norm" => {
            let d = required_positive(&mut keys, "d_model", "d_model = 768");
            (d.map(|d_model| Layer::LayerNorm { d_model }), &["d_model"])
        }
        // group_norm(num_groups = 8, num_channels = 64)
        "group_norm" => {
            let g = required_positive(&mut keys, "num_groups", "num_groups = 8");
            let c = required_positive(&mut keys, "num_channels", "num_channels = 64");
            (
                g.zip(c).map(|(num_groups, num_channels)| Layer::GroupNorm {
                    num_groups,
                    num_channels,
                }),
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
                s.zip(e)
                    .map(|(start_dim, end_dim)| Layer::Flatten { start_dim, end_dim }),
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
                a.zip(b).map(|(dim0, dim1)| Layer::Transpose { dim0, dim1 }),
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
                dim.zip(index)
                    .map(|(dim, index)| Layer::Select { dim, index }),
                &["dim", "index"],
            )
        }
        // class_token(dim = 768)  (a learned token prepended: [N, T, D] → [N, T + 1, D])
        "class_token" => {
            let d = required_positive(&mut keys, "dim", "dim = 768");
            (d.map(|dim| Layer::ClassToken { dim }), &["dim"])
        }
        // position_embedding(seq_len = 197, dim = 768)  (a learned [1, T, D] added)
        "position_embedding" => {
            let t = required_positive(&mut keys, "seq_len", "seq_len = 197");
            let d = required_positive(&mut keys, "dim", "dim = 768");
            (
                t.zip(d)
                    .map(|(seq_len, dim)| Layer::PositionEmbedding { seq_len, dim }),
                &["seq_len", "dim"],
            )
        }
        // embedding(n_embedding = 1000, d_model = 64)
        "embedding" => {
            let n = required_positive(&mut keys, "n_embedding", "n_embedding = 1000");
            let d = required_positive(&mut keys, "d_model", "d_model = 64");
            (
                n.zip(d)
                    .map(|(num_embeddings, embedding_dim)| Layer::Embedding {
                        num_embeddings,
                        embedding_dim,
                    }),
                &["n_embedding", "d_model"],
            )
        }
        // multi_head_attention(d_model = 768, n_heads = 12)
        "multi_head_attention" => {
            let d = required_positive(&mut keys, "d_model", "d_model = 768");
            let h = required_positive(&mut keys, "n_heads", "n_heads = 12");
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
            unknown_kind(cx, op_span, op);
            return None;
        }
    };
    keys.finish(accepted);
    layer
}

/// `conv3d(...)`, `sikp`: what #[layer] accepts, with the closest.
fn unknown_kind(cx: &Ctxt, span: Span, kind: &str) {
    let mut accepted = KINDS.to_vec();
    accepted.extend([MODULE, SKIP]);
    let head = format!("unknown layer kind `{kind}`");
    cx.error(
        span,
        attr::unknown(head, kind, &accepted, "expected one of"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphaflops_core::Source;

    fn messages(cx: Ctxt) -> Vec<String> {
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    /// `item` lowered with no input, its modules taken from `children`.
    fn lower(item: &syn::ItemStruct, children: &Children, env: Env) -> (Lowered, Vec<String>) {
        let cx = Ctxt::default();
        let lowered = model(&cx, "Net", None, &fields(item), children, env);
        (lowered, messages(cx))
    }

    fn template(item: syn::ItemStruct, children: Children) -> Child {
        let params = item
            .attrs
            .iter()
            .find(|a| a.path().is_ident("params"))
            .map(|a| {
                a.parse_args_with(
                    syn::punctuated::Punctuated::<Ident, syn::Token![,]>::parse_terminated,
                )
                .unwrap()
                .into_iter()
                .collect()
            })
            .unwrap_or_default();
        Child::Template(Box::new(Template {
            params,
            item,
            children,
        }))
    }

    fn linear(d_input: u64, d_output: u64) -> Layer {
        Layer::Linear {
            d_input,
            d_output,
            bias: true,
        }
    }

    /// `Block(d_in, d_out)`: one linear layer.
    fn block() -> Children {
        let item: syn::ItemStruct = syn::parse_quote! {
            #[params(d_in, d_out)]
            struct Block {
                #[layer(linear(d_input = d_in, d_output = d_out))]
                fc: Linear,
            }
        };
        Children::from([("Block".to_string(), template(item, Children::new()))])
    }

    fn block_of(layer: &Layer) -> &Model {
        match layer {
            Layer::Block(m) => m,
            other => panic!("not a block: {other:?}"),
        }
    }

    #[test]
    fn one_block_type_lowers_at_each_width_it_is_bound_to() {
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Net {
                #[layer(module(d_in = 4, d_out = 8))]
                a: Block,
                #[layer(module(d_in = 8, d_out = 2), repeat = 2)]
                b: Vec<Block>,
            }
        };
        let (lowered, errors) = lower(&item, &block(), Env::Plain);
        assert_eq!(errors, Vec::<String>::new());
        let names: Vec<&str> = lowered
            .model
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b.0", "b.1"]);
        let widths: Vec<&Layer> = lowered
            .model
            .nodes
            .iter()
            .map(|n| &block_of(&n.layer).nodes[0].layer)
            .collect();
        assert_eq!(widths, [&linear(4, 8), &linear(8, 2), &linear(8, 2)]);
        assert_eq!(block_of(&lowered.model.nodes[0].layer).name, "Block");
    }

    #[test]
    fn names_pass_through_to_deeper_blocks_and_into_repeat_counts() {
        let stage: syn::ItemStruct = syn::parse_quote! {
            #[params(width, n)]
            struct Stage {
                #[layer(module(d_in = width, d_out = width), repeat = n)]
                blocks: Vec<Block>,
            }
        };
        let children = Children::from([("Stage".to_string(), template(stage, block()))]);
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Net {
                #[layer(module(width = 16, n = 3))]
                stage: Stage,
            }
        };
        let (lowered, errors) = lower(&item, &children, Env::Plain);
        assert_eq!(errors, Vec::<String>::new());
        let stage = block_of(&lowered.model.nodes[0].layer);
        assert_eq!(stage.nodes.len(), 3);
        assert_eq!(
            block_of(&stage.nodes[2].layer).nodes[0].layer,
            linear(16, 16)
        );
    }

    #[test]
    fn binding_mistakes_are_all_reported() {
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Net {
                #[layer(module(d_in = 4, d_inn = 8))]
                a: Block,
                #[layer(module(d_in = 4, d_out = "8", d_in = 2))]
                b: Block,
                #[layer(module)]
                c: Block,
            }
        };
        let (_, errors) = lower(&item, &block(), Env::Plain);
        // In field order; `b`'s bindings are not checked against the block once they are wrong.
        assert_eq!(
            errors,
            [
                "`Block` has no block parameter `d_inn`; did you mean `d_in`?",
                "`module(...)` does not bind `d_out` of `Block`: add `d_out = …`",
                "`d_out` expects a non-negative integer, the value of a block parameter, found the string \"8\"",
                "duplicate binding of `d_in` in `module(...)`; give it once",
                "`Block` has block parameters `d_in`, `d_out`: bind them as #[layer(module(d_in = …, d_out = …))]",
            ]
        );
    }

    #[test]
    fn a_block_without_params_binds_nothing() {
        let children =
            Children::from([("Plain".to_string(), Child::Model(Model::new("Plain", [1])))]);
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Net {
                #[layer(module(repeat = 2))]
                a: Plain,
            }
        };
        let (_, errors) = lower(&item, &children, Env::Plain);
        assert_eq!(
            errors,
            [
                "`Plain` has no block parameters, so `module(...)` binds nothing; `repeat` is a key of #[layer], not of the block: write #[layer(module, repeat = …)]"
            ]
        );
    }

    #[test]
    fn a_block_checked_alone_reads_its_params_as_placeholders() {
        let params: Vec<Ident> = vec![syn::parse_quote!(d), syn::parse_quote!(n)];
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Block {
                #[layer(linear(d_input = d, d_output = e))]
                fc: Linear,
                // An array of 4 and a count bound later: checked once `n` is known.
                #[layer(linear(d_input = d, d_output = d), repeat = n)]
                fcs: [Linear; 4],
                #[layer(linear(d_input = d, d_output = d, bias = d))]
                g: Linear,
            }
        };
        let (_, errors) = lower(&item, &Children::new(), Env::Declared(&params));
        assert_eq!(
            errors,
            [
                "unknown block parameter `e`; did you mean `d`?",
                "`bias` expects true or false, found the block parameter `d` (an integer)",
            ]
        );
        // The same names in a struct without params: each is reported, nothing else.
        let (_, errors) = lower(&item, &Children::new(), Env::Plain);
        let names: Vec<&str> = errors
            .iter()
            .map(|e| {
                e.strip_suffix(" = …))]")
                    .and_then(|e| e.split_once("` is not a number the macro can read"))
                    .map_or(e.as_str(), |(name, _)| name)
            })
            .collect();
        assert_eq!(
            names,
            [
                "`d",
                "`e",
                "`d",
                "`d",
                "`n",
                "`d",
                "`d",
                // A name where true/false goes gets that advice, not a parameter's.
                "`d` is not a value the macro can read: `bias` takes true or false"
            ]
        );
    }

    #[test]
    fn bound_values_are_checked_where_they_are_bound() {
        let n = |value: u64| Binding {
            name: syn::parse_quote!(n),
            value: Value {
                kind: ValueKind::Int(value),
                range: Span::call_site().into(),
                param: None,
            },
        };
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Block {
                #[layer(linear(d_input = 4, d_output = n))]
                fc: Linear,
                #[layer(linear(d_input = 4, d_output = 4), repeat = n)]
                fcs: [Linear; 4],
                #[layer(linear(d_input = 4, d_output = 4), repeat = n)]
                one: Linear,
            }
        };
        let (_, errors) = lower(&item, &Children::new(), Env::Bound(&[n(0)]));
        assert_eq!(
            errors,
            [
                "`d_output` must be at least 1 (block parameter `n`)",
                "`repeat = 0` but `fcs` holds an array of 4; drop `repeat` or make them agree",
                "`one` always holds one, but `repeat` is 0 here; make it an `Option` or a `Vec` to leave it out",
            ]
        );
        // 4 fits the array, not the single field (which would be priced four times over).
        let (_, errors) = lower(&item, &Children::new(), Env::Bound(&[n(4)]));
        assert_eq!(
            errors,
            ["`one` holds one layer, but `repeat` is 4; make it a `Vec` or an array to hold 4"]
        );
    }

    #[test]
    fn an_absent_option_passes_its_input_to_its_then_layers() {
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Block {
                #[layer(linear(d_input = 4, d_output = 4))]
                fc: Linear,
                #[layer(linear(d_input = 4, d_output = 4), input = "input", repeat = down, then(add(with = "fc"), relu))]
                proj: Option<Linear>,
            }
        };
        let down = |value: u64| {
            [Binding {
                name: syn::parse_quote!(down),
                value: Value {
                    kind: ValueKind::Int(value),
                    range: Span::call_site().into(),
                    param: None,
                },
            }]
        };
        let (present, errors) = lower(&item, &Children::new(), Env::Bound(&down(1)));
        assert_eq!(errors, Vec::<String>::new());
        let nodes: Vec<(&str, &Source)> = present
            .model
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), &n.input))
            .collect();
        assert_eq!(
            nodes,
            [
                ("fc", &Source::Previous),
                ("proj", &Source::Input),
                ("proj.add", &Source::Previous),
                ("proj.relu", &Source::Previous),
            ]
        );
        // `None`: the residual adds the block's input to `fc`, then the ReLU.
        let (absent, errors) = lower(&item, &Children::new(), Env::Bound(&down(0)));
        assert_eq!(errors, Vec::<String>::new());
        let nodes: Vec<(&str, &Source, &[Source])> = absent
            .model
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), &n.input, n.with.as_slice()))
            .collect();
        assert_eq!(
            nodes,
            [
                ("fc", &Source::Previous, &[][..]),
                ("proj.add", &Source::Input, &[Source::Node("fc".into())][..]),
                ("proj.relu", &Source::Previous, &[][..]),
            ]
        );
    }

    #[test]
    fn an_empty_vec_passes_its_input_on_and_runs_no_then() {
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Block {
                #[layer(linear(d_input = 4, d_output = 4))]
                fc: Linear,
                #[layer(linear(d_input = 4, d_output = 4), input = "input", repeat = n, then(relu))]
                extra: Vec<Linear>,
                #[layer(linear(d_input = 4, d_output = 2))]
                head: Linear,
                #[layer(linear(d_input = 4, d_output = 2), input = "extra")]
                side: Linear,
            }
        };
        let n = [Binding {
            name: syn::parse_quote!(n),
            value: Value {
                kind: ValueKind::Int(0),
                range: Span::call_site().into(),
                param: None,
            },
        }];
        let (lowered, errors) = lower(&item, &Children::new(), Env::Bound(&n));
        assert_eq!(errors, Vec::<String>::new());
        let nodes: Vec<(&str, &Source)> = lowered
            .model
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), &n.input))
            .collect();
        // `extra` read the block's input: the next field and a reference to it read that.
        assert_eq!(
            nodes,
            [
                ("fc", &Source::Previous),
                ("head", &Source::Input),
                ("side", &Source::Input)
            ]
        );
    }

    #[test]
    fn a_vec_of_one_is_indexed_as_burn_indexes_it() {
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Net {
                #[layer(linear(d_input = 4, d_output = 4), repeat = 1)]
                fcs: Vec<Linear>,
                #[layer(linear(d_input = 4, d_output = 4))]
                maybe: Option<Linear>,
                #[layer(linear(d_input = 4, d_output = 4))]
                pair: [Linear; 2],
            }
        };
        let (lowered, errors) = lower(&item, &Children::new(), Env::Plain);
        assert_eq!(errors, Vec::<String>::new());
        let names: Vec<&str> = lowered
            .model
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["fcs.0", "maybe", "pair.0", "pair.1"]);
        // A `Vec`'s length is not assumed.
        let item: syn::ItemStruct = syn::parse_quote! {
            struct Net {
                #[layer(linear(d_input = 4, d_output = 4))]
                fcs: Vec<Linear>,
            }
        };
        let (_, errors) = lower(&item, &Children::new(), Env::Plain);
        assert_eq!(
            errors,
            [
                "`fcs` is a `Vec`, whose length the macro cannot see: add `repeat = …` with the number of elements it holds"
            ]
        );
    }

    #[test]
    fn params_are_declared_on_cost_model_only() {
        let items = |tokens| attr::items(tokens).unwrap();
        let cx = Ctxt::default();
        let a = args(&cx, items(quote::quote!(params(c_in, c_out))), true, true);
        assert_eq!(a.params, ["c_in", "c_out"]);
        assert_eq!(messages(cx), Vec::<String>::new());
        let cx = Ctxt::default();
        let a = args(
            &cx,
            items(quote::quote!(input = [1, 4], params(c))),
            true,
            false,
        );
        assert!(a.params.is_empty());
        assert_eq!(
            messages(cx)[0],
            "`params(...)` declares block parameters, which only a #[cost_model] block takes; a budget on the parameter count is `params = \"100k\"`"
        );
        // `params = …` stays the parameter budget.
        let cx = Ctxt::default();
        let a = args(
            &cx,
            items(quote::quote!(input = [1, 4], params = "1M")),
            true,
            false,
        );
        assert_eq!(a.budgets.len(), 1);
        assert_eq!(messages(cx), Vec::<String>::new());
    }

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
        for word in ["lots", "NaN", "inf"] {
            let e = parse_si(word).unwrap_err();
            assert!(e.contains("is not a number"), "{word}: {e}");
        }
        assert!(parse_si("").is_err());
    }
}
