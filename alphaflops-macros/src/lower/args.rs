//! `#[cost_budget(...)]` and `#[cost_model(...)]`'s own arguments: input, profile, level,
//! budgets and a block's parameters.

use alphaflops_core::{Metric, Mode, Optimizer, Shape};
use proc_macro2::{Ident, Span};

use super::shape;
use super::sym::{DTYPE, INPUT, LEVEL, MODE, OPTIMIZER, PARAMS, PAST_TOKENS, PATH, PROFILE};
use crate::attr::{self, Body, Item, Value, ValueKind};
use crate::ctxt::{Ctxt, Range};
use crate::keys;

/// The keys that are not budgets; then come the budgets, one per metric.
const STRUCT_KEYS: [&str; 8] = [
    INPUT,
    PROFILE,
    PATH,
    LEVEL,
    PAST_TOKENS,
    DTYPE,
    MODE,
    OPTIMIZER,
];

/// Every key of the struct attribute, for "unknown key" hints.
fn budget_keys() -> Vec<&'static str> {
    STRUCT_KEYS
        .into_iter()
        .chain(Metric::ALL.map(Metric::key))
        .collect()
}

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
    /// Where `level` was written, if it was.
    pub level_range: Option<Range>,
    pub budgets: Vec<Budget>,
    /// A `#[cost_model]` block's parameters, `params(c_in, c_out)`; empty for other structs.
    pub params: Vec<Ident>,
    /// `past_tokens = 1024`: a decode step, with where it was written.
    pub past_tokens: Option<(u64, Range)>,
    /// `dtype = "bf16"`: the memory metrics' element type.
    pub dtype: Option<String>,
    pub mode: Mode,
    pub optimizer: Option<(Optimizer, Range)>,
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
        level_range: None,
        budgets: Vec::new(),
        params: Vec::new(),
        past_tokens: None,
        dtype: None,
        mode: Mode::Inference,
        optimizer: None,
    };
    // Names are block parameters, which only field annotations read; here they are
    // reported as a syntax error would be. The other arguments are read as usual, and
    // `params(...)` lists (whose entries are names) are left to `block_params`, so the
    // fields' uses of the parameters raise nothing more.
    let (items, rejected) = attr::reject_names(cx, items, &|site| {
        let (name, key) = (site.name, site.keys.first().map(ToString::to_string));
        let advice = match key.as_deref() {
            Some(key @ (PROFILE | PATH | LEVEL | DTYPE | MODE | OPTIMIZER)) => {
                format!("write `{key} = \"{name}\"`")
            }
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
        if keys::repeated(cx, &items, i, |k| {
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
            if budget_keys().contains(&key.as_str()) {
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
                args.level_range = Some(v.range);
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
            // past_tokens = 1024
            PAST_TOKENS => {
                args.past_tokens = attr::uint(cx, PAST_TOKENS, v).map(|n| (n, item.range))
            }
            // dtype = "bf16"
            DTYPE => {
                if let Some(d) = attr::string(cx, DTYPE, v) {
                    if alphaflops_core::memory::dtype_bytes(&d).is_some() {
                        args.dtype = Some(d);
                    } else {
                        cx.error(
                            v.range,
                            format!("unknown dtype `{d}`: use one of \"f64\", \"f32\", \"tf32\", \"f16\", \"bf16\", \"f8\", \"i8\""),
                        );
                    }
                }
            }
            // mode = "inference" | "train"
            MODE => match attr::string(cx, MODE, v).as_deref() {
                Some("inference") => args.mode = Mode::Inference,
                Some("train") => args.mode = Mode::Train,
                Some(other) => cx.error(
                    v.range,
                    format!(
                        "unknown mode `{other}`: use `mode = \"inference\"` or `mode = \"train\"`"
                    ),
                ),
                None => {}
            },
            // optimizer = "sgd" | "momentum" | "adam" | "adamw"
            OPTIMIZER => {
                if let Some(o) = attr::string(cx, OPTIMIZER, v) {
                    match Optimizer::from_key(&o) {
                        Some(opt) => args.optimizer = Some((opt, item.range)),
                        None => cx.error(
                            v.range,
                            format!("unknown optimizer `{o}`: use \"sgd\", \"momentum\", \"adam\" or \"adamw\""),
                        ),
                    }
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
    if let (Some((_, range)), Mode::Inference) = (&args.optimizer, args.mode) {
        cx.error(
            *range,
            "`optimizer` prices a training step's state: add `mode = \"train\"`, or remove it",
        );
    }
    if let (Some((_, range)), Mode::Train) = (&args.past_tokens, args.mode) {
        cx.error(
            *range,
            "`past_tokens` prices a decode step, which does not train: remove it or `mode = \"train\"`",
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
        if !keys::repeated(cx, entries, i, |k| {
            format!("duplicate block parameter `{k}`; give it once")
        }) {
            names.push(entry.key.clone());
        }
    }
    names
}

/// `attr_name`: the attribute the key was given in, `#[cost_budget]` or `#[cost_model]`.
fn unknown_budget_key(cx: &Ctxt, item: &Item, attr_name: &str) {
    let message = keys::unknown_key(&item.key.to_string(), attr_name, &budget_keys());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctxt::Ctxt;

    fn messages(cx: Ctxt) -> Vec<String> {
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
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
