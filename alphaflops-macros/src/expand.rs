//! `#[cost_budget]`: parse, lower, price, judge, expand. On errors the struct is still emitted
//! (without our attributes) with a placeholder impl, so users see our errors and no others.

use alphaflops_core::baseline::Change;
use alphaflops_core::budget::verdict_table;
use alphaflops_core::{DEFAULT_PROFILE_NAME, LayerError, Metric, ModelCost, Verdict};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::attr;
use crate::ctxt::{Ctxt, Range};
use crate::lower::{self, BROKEN, Budget, Child, Children, Env, Level, Template};
use crate::profile::{self, Resolved};

const ENV_LEVEL: &str = "ALPHAFLOPS_LEVEL";
const ENV_PROFILE: &str = "ALPHAFLOPS_PROFILE";
const ENV_REPORT: &str = "ALPHAFLOPS_REPORT_DIR";

/// Which attribute: `#[cost_budget]` (a model: needs `input`, may carry budgets) or
/// `#[cost_model]` (a block other models nest; `input` optional, no budgets without it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    Budget,
    Model,
}

impl Attr {
    fn name(self) -> &'static str {
        match self {
            Attr::Budget => "cost_budget",
            Attr::Model => "cost_model",
        }
    }

    fn parse(ident: &syn::Ident) -> Option<Attr> {
        match ident.to_string().as_str() {
            "cost_budget" => Some(Attr::Budget),
            "cost_model" => Some(Attr::Model),
            _ => None,
        }
    }
}

/// `#[cost_budget(...)]` or `#[cost_model(...)]` on `input`.
pub fn attribute(attr: Attr, args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Struct(item)) => item,
        Ok(mut other) => {
            // Still emit the item, without our field attributes, so this is the only error.
            strip_from_other(&mut other);
            let message = format!(
                "#[{}] goes on a struct whose fields are the model's layers",
                attr.name()
            );
            let err = syn::Error::new(Span::call_site(), message).to_compile_error();
            return quote!(#err #other);
        }
        Err(e) => {
            let err = e.to_compile_error();
            return quote!(#err #input);
        }
    };
    // #[cost_budget] and #[cost_model] on one struct: one error, and the struct without either.
    let ours = |a: &syn::Attribute| {
        let last = a.path().segments.last();
        last.and_then(|s| Attr::parse(&s.ident)).is_some()
    };
    if let Some(other) = item.attrs.iter().find(|a| ours(a)) {
        let second = other
            .path()
            .segments
            .last()
            .and_then(|s| Attr::parse(&s.ident));
        let message = if second == Some(attr) {
            format!("#[{}] twice on one struct: keep one", attr.name())
        } else {
            "#[cost_budget] and #[cost_model] on one struct: keep #[cost_budget] for a model priced on its own `input`, #[cost_model] for a block other models nest".to_string()
        };
        let err = syn::Error::new_spanned(other, message).to_compile_error();
        let mut item = item.clone();
        item.attrs.retain(|a| !ours(a));
        strip_layer_attrs(&mut item);
        return quote!(#err #item);
    }
    // A struct with `#[layer(module)]` fields first collects its modules, here where their
    // paths resolve: each module's exporter appends its model and calls `__cost_resolve!`.
    if let Some(first) = mentions_module(&item)
        .then(|| first_missing_module(attr, &args, &item, &Children::new()))
        .flatten()
    {
        let attr_ident = syn::Ident::new(attr.name(), Span::call_site());
        return invoke(&first, quote!([root #attr_ident (#args) #input]));
    }
    expand(attr, args, item, &Children::new(), &[])
}

/// What a struct's exporter gives the models nesting it.
enum Export<'a> {
    /// Its lowered model.
    Model(&'a alphaflops_core::Model),
    /// A parameterised block: its parameters, its `#[layer]` annotations and the exported
    /// definitions of the blocks it nests (`[child …]` groups), for the models nesting it to
    /// lower with their values.
    Template {
        params: &'a [syn::Ident],
        item: &'a syn::ItemStruct,
        children: &'a [TokenStream],
    },
    /// Its annotations have errors (reported where it is defined).
    Broken,
}

/// The macro every annotated struct exports under its own name, so a model nesting it (in
/// this crate or another) can reach its lowered model: it appends it and calls back. A
/// parameterised block exports `template { params(…) struct … [child …]… }` instead, a
/// struct whose annotations have errors `broken`.
fn exporter(item: &syn::ItemStruct, export: Export) -> TokenStream {
    let ident = &item.ident;
    let payload = match export {
        Export::Model(m) => match serde_json::to_string(m) {
            Ok(json) => quote!(#json),
            Err(_) => quote!(broken),
        },
        Export::Template {
            params,
            item,
            children,
        } => {
            // Only what lowering reads: the fields, their types and their #[layer].
            let mut item = item.clone();
            item.attrs.clear();
            for field in item.fields.iter_mut() {
                field.attrs.retain(|a| a.path().is_ident(lower::LAYER_ATTR));
            }
            quote!(template { params(#(#params),*) #item #(#children)* })
        }
        Export::Broken => quote!(broken),
    };
    // FNV-1a of the name, the model and where the struct is written: a crate-root macro
    // name, stable from build to build, distinct for equal structs in two modules.
    let text = format!("{ident}{payload}{}{:?}", item.fields.len(), ident.span());
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let hidden = syn::Ident::new(
        &format!("__alphaflops_export_{}_{hash:016x}", ident.unraw()),
        Span::call_site(),
    );
    let name = ident.to_string();
    quote! {
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #hidden {
            ($($acc:tt)*) => { ::alphaflops::__cost_resolve! { $($acc)* [child #name #payload] } };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub use #hidden as #ident;
    }
}

/// Calls a module's exporter with what has been collected so far, and the name the field
/// uses for it (`[want "Name"]`), which differs from the struct's own under `use … as`.
fn invoke(module: &lower::ModuleRef, collected: TokenStream) -> TokenStream {
    let path = &module.path;
    let want = &module.key;
    quote_spanned!(module.range.start=> #path! { #collected [want #want] })
}

/// Whether any field's `#[layer]` names `module` (a cheap test before lowering twice).
fn mentions_module(item: &syn::ItemStruct) -> bool {
    fn has(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "module",
            proc_macro2::TokenTree::Group(g) => has(g.stream()),
            _ => false,
        })
    }
    item.fields
        .iter()
        .flat_map(|f| &f.attrs)
        .filter(|a| a.path().is_ident(lower::LAYER_ATTR))
        .any(|a| has(a.meta.to_token_stream()))
}

/// The first `#[layer(module)]` not in `children`, when everything else about the struct
/// lowers cleanly (otherwise expand now and report the errors).
fn first_missing_module(
    attr: Attr,
    args: &TokenStream,
    item: &syn::ItemStruct,
    children: &Children,
) -> Option<lower::ModuleRef> {
    let cx = Ctxt::default();
    let items = attr::items(args.clone()).ok()?;
    let a = lower::args(&cx, items, true, attr == Attr::Model);
    let lowered = lower::model(
        &cx,
        "",
        a.input.clone(),
        &lower::fields(item),
        children,
        env(&a.params),
    );
    if cx.has_errors() {
        return None;
    }
    // A struct nesting itself (`Net`, `Self`) has no exporter to call yet: expanding it
    // reports the cycle. `inner::Net` is another struct.
    let own = item.ident.to_string();
    let itself = |m: &lower::ModuleRef| m.key == own || m.key == "Self";
    lowered
        .missing
        .into_iter()
        .find(|m| !children.contains_key(&m.key) && !itself(m))
}

/// What names in a struct's annotations stand for, where the struct is defined.
fn env(params: &[syn::Ident]) -> Env<'_> {
    if params.is_empty() {
        Env::Plain
    } else {
        Env::Declared(params)
    }
}

/// `__cost_resolve! { [root cost_budget (args) item] [child "Name" …] … }`: fetches the
/// next module still missing, or expands the root with all of them.
pub fn cost_resolve(input: TokenStream) -> TokenStream {
    let mut groups = input.clone().into_iter().filter_map(|t| match t {
        proc_macro2::TokenTree::Group(g) => Some(g),
        _ => None,
    });
    let Some(root) = groups.next() else {
        return TokenStream::new();
    };
    let root = match syn::parse::Parser::parse2(parse_root, root.stream()) {
        Ok(root) => root,
        Err(e) => return e.to_compile_error(),
    };
    let groups: Vec<TokenStream> = groups.map(|g| g.to_token_stream()).collect();
    let children = children(&groups);
    if let Some(next) = first_missing_module(root.0, &root.1, &root.2, &children) {
        return invoke(&next, input);
    }
    expand(root.0, root.1, root.2, &children, &groups)
}

/// The structs in `[child "Name" payload]` groups, each by the name it was asked for in the
/// `[want "Name"]` before it (its own name if none).
fn children(groups: &[TokenStream]) -> Children {
    let mut out = Children::new();
    let mut wanted = None;
    for g in groups {
        let Some(proc_macro2::TokenTree::Group(g)) = g.clone().into_iter().next() else {
            continue;
        };
        let mut tokens = g.stream().into_iter();
        if let (
            Some(proc_macro2::TokenTree::Ident(kw)),
            Some(proc_macro2::TokenTree::Literal(name)),
        ) = (tokens.next(), tokens.next())
            && kw == "want"
        {
            wanted = Some(name.to_string().trim_matches('"').to_string());
            continue;
        }
        if let Some((name, child)) = parse_child(g.stream()) {
            out.insert(wanted.take().unwrap_or(name), child);
        }
    }
    out
}

/// `child "Name" "json"`, `child "Name" broken` or `child "Name" template { … }`.
fn parse_child(group: TokenStream) -> Option<(String, Child)> {
    let mut tokens = group.into_iter().skip(1);
    let (Some(proc_macro2::TokenTree::Literal(name)), Some(payload)) =
        (tokens.next(), tokens.next())
    else {
        return None;
    };
    let name = name.to_string().trim_matches('"').to_string();
    let child = match (&payload, tokens.next()) {
        (proc_macro2::TokenTree::Ident(kw), Some(proc_macro2::TokenTree::Group(body)))
            if kw == "template" =>
        {
            syn::parse::Parser::parse2(parse_template, body.stream())
                .ok()
                .map(|t| Child::Template(Box::new(t)))
        }
        _ => syn::parse2::<syn::LitStr>(payload.into_token_stream())
            .ok()
            .and_then(|json| serde_json::from_str::<alphaflops_core::Model>(&json.value()).ok())
            .map(Child::Model),
    };
    // A broken module is recorded as a placeholder; `check_modules` reports it on the field.
    Some((
        name,
        child.unwrap_or_else(|| Child::Model(alphaflops_core::Model::new(BROKEN, [1]))),
    ))
}

/// `params(a, b) struct Name { … } [child …]…`, as [`exporter`] writes a template.
fn parse_template(input: syn::parse::ParseStream) -> syn::Result<Template> {
    let _params: syn::Ident = input.parse()?;
    let content;
    syn::parenthesized!(content in input);
    let params =
        syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect();
    let item: syn::ItemStruct = input.parse()?;
    let mut groups = Vec::new();
    while !input.is_empty() {
        let group: proc_macro2::Group = input.parse()?;
        groups.push(group.to_token_stream());
    }
    Ok(Template {
        params,
        item,
        children: children(&groups),
    })
}

fn parse_root(input: syn::parse::ParseStream) -> syn::Result<(Attr, TokenStream, syn::ItemStruct)> {
    let _role: syn::Ident = input.parse()?;
    let attr_ident: syn::Ident = input.parse()?;
    let attr = Attr::parse(&attr_ident).ok_or_else(|| {
        syn::Error::new(attr_ident.span(), "alphaflops: unexpected collected item")
    })?;
    let content;
    syn::parenthesized!(content in input);
    let args: TokenStream = content.parse()?;
    let item: syn::ItemStruct = input.parse()?;
    Ok((attr, args, item))
}

/// The whole expansion of a struct whose modules are all in `children`.
/// `groups` are the `[child …]` groups collected, which a parameterised block re-exports.
fn expand(
    attr: Attr,
    args: TokenStream,
    mut item: syn::ItemStruct,
    children: &Children,
    groups: &[TokenStream],
) -> TokenStream {
    let cx = Ctxt::default();
    let (model, result, params) = price(&cx, attr, args, &item, children);
    let export = match (&model, cx.has_errors()) {
        (_, true) | (None, _) => Export::Broken,
        (Some(_), false) if !params.is_empty() => Export::Template {
            params: &params,
            item: &item,
            children: groups,
        },
        (Some(m), false) => Export::Model(m),
    };
    let exporter = exporter(&item, export);
    strip_layer_attrs(&mut item);
    // Without a baseline file there is no file to track, and a file created later would go
    // unseen: the crate's manifest stands in, and `cargo xtask bless` touches it when it
    // writes the first baseline.
    let manifest = profile::manifest_dir().join("Cargo.toml");
    let files: Vec<&std::path::Path> = result
        .iter()
        .flat_map(|r| {
            let baseline = match &r.baseline {
                Some((f, _)) => f.as_path(),
                None => manifest.as_path(),
            };
            r.resolved.file.as_deref().into_iter().chain([baseline])
        })
        .collect();
    let tracking = tracking(&files);
    let errors = cx.check().err().map(|e| e.to_compile_error());
    let Some(priced) = result.filter(|_| errors.is_none()) else {
        let fallback = (errors.is_some() || attr == Attr::Budget).then(|| {
            let unreachable = quote!(::core::unreachable!("this model failed to build"));
            cost_impl(&item, unreachable.clone(), unreachable, &[])
        });
        return quote!(#item #fallback #tracking #errors #exporter);
    };
    let verdicts = judge(&priced);
    // One attribute for the whole section: rustdoc joins it with the struct's own docs.
    let docs = doc_section(&priced, &verdicts);
    item.attrs.push(syn::parse_quote!(#[doc = #docs]));
    let model_json = serde_json::to_string(&priced.model).unwrap_or_default();
    let origin = priced.resolved.file.as_ref().map_or_else(
        || format!("<shipped profile {}>", priced.resolved.profile.name),
        |f| f.display().to_string(),
    );
    let toml = match &priced.resolved.file {
        Some(f) => {
            let path = f.display().to_string();
            quote!(::core::include_str!(#path))
        }
        None => {
            let text = &priced.resolved.toml;
            quote!(#text)
        }
    };
    let body = quote!(::alphaflops::__private::price(#model_json, #toml, #origin));
    let model = quote!(::alphaflops::__private::model(#model_json));
    let imp = cost_impl(&item, body, model, &priced.budgets);
    let diagnostics = diagnostics(&priced, &verdicts);
    let report = write_report(&priced, &verdicts)
        .err()
        .map(|e| syn::Error::new(Span::call_site(), e).to_compile_error());
    quote!(#item #imp #tracking #diagnostics #report #exporter)
}

/// The priced model and what judging it needs.
struct Priced {
    /// The package the model is in (`CARGO_PKG_NAME`), the baseline's key with its name.
    package: String,
    /// The baseline file, and this model's changes against its entry (empty when it has none).
    baseline: Option<(std::path::PathBuf, Vec<Change>)>,
    name: String,
    model: alphaflops_core::Model,
    cost: ModelCost,
    resolved: Resolved,
    budgets: Vec<Budget>,
    level: Level,
    level_source: String,
}

/// Lowers and prices the struct. Returns the lowered model (what the exporter publishes) and,
/// when the struct has an input and no errors, its pricing.
fn price(
    cx: &Ctxt,
    attr: Attr,
    args: TokenStream,
    item: &syn::ItemStruct,
    children: &Children,
) -> (
    Option<alphaflops_core::Model>,
    Option<Priced>,
    Vec<syn::Ident>,
) {
    let (items, parsed) = match attr::items(args) {
        Ok(items) => (items, true),
        Err(e) => {
            cx.syn_error(e);
            (Vec::new(), false)
        }
    };
    let args = lower::args(cx, items, parsed, attr == Attr::Model);
    let fields = lower::fields(item);
    let params = args.params.clone();
    let name = item.ident.to_string();
    // After the struct-level checks, so that their errors come first. `None` when a nested
    // struct is broken: its own errors say why, and this struct is left unpriced in silence.
    let lower_fields = || {
        let lowered = lower::model(
            cx,
            &name,
            args.input.clone(),
            &fields,
            children,
            env(&params),
        );
        (!check_modules(cx, &lowered)).then_some(lowered)
    };
    if attr == Attr::Budget && fields.is_empty() {
        cx.error(
            item.ident.span(),
            format!("`{name}` has no fields, so #[cost_budget] has no layers to price: put it on the struct that holds the model's layers"),
        );
    }
    if attr == Attr::Model && args.input.is_none() {
        // A block priced only inside the models that nest it: check its annotations, no more.
        if let Some(b) = args.budgets.first() {
            cx.error(b.range, "budgets need `input`: a #[cost_model] without it is only priced inside the models that nest it");
        }
        return (lower_fields().map(|l| l.model), None, params);
    }

    // ALPHAFLOPS_LEVEL=warn|deny overrides `level`.
    let (mut level, mut level_source) = (args.level, "level = \"deny\"".to_string());
    if let Ok(text) = std::env::var(ENV_LEVEL) {
        match Level::parse(&text) {
            Some(l) => (level, level_source) = (l, format!("{ENV_LEVEL}={text}")),
            None => cx.error(
                args.level_range,
                format!("{ENV_LEVEL} must be `warn` or `deny`, found `{text}`"),
            ),
        }
    }
    // ALPHAFLOPS_PROFILE=<name> overrides `profile` and `path`.
    let call_site = Range::from(Span::call_site());
    let resolved = match (
        std::env::var(ENV_PROFILE).ok().filter(|s| !s.is_empty()),
        &args.profile,
        &args.path,
    ) {
        (Some(name), _, _) => {
            profile::by_name(&name).map_err(|e| (format!("{ENV_PROFILE}: {e}"), call_site))
        }
        (None, Some((name, range)), _) => profile::by_name(name).map_err(|e| (e, *range)),
        (None, None, Some((path, range))) => profile::by_path(path).map_err(|e| (e, *range)),
        (None, None, None) => profile::by_name(DEFAULT_PROFILE_NAME).map_err(|e| (e, call_site)),
    };
    let resolved = resolved.map_err(|(e, range)| cx.error(range, e)).ok();

    let Some(lowered) = lower_fields() else {
        return (None, None, params);
    };
    let Some(resolved) = resolved.filter(|_| !cx.has_errors()) else {
        return (Some(lowered.model), None, params);
    };
    let cost = match lowered.model.price(&resolved.profile) {
        Ok(cost) => cost,
        Err(e) => {
            cx.error(
                lowered.ranges[e.index],
                format!(
                    "layer `{}` ({}) cannot take its input: {}{}",
                    e.name,
                    e.op,
                    e.error,
                    hint(&e.error, children)
                ),
            );
            return (Some(lowered.model), None, params);
        }
    };
    for b in &args.budgets {
        if b.budget.metric == Metric::EnergyMj && cost.energy_j.is_none() {
            cx.error(
                b.range,
                format!(
                    "profile `{}` gives no device power, so energy cannot be predicted; add `power_w` to its [device] table or remove `energy_mj`",
                    resolved.profile.name
                ),
            );
        }
    }
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let baseline = match profile::baseline() {
        Ok(Some((file, b))) => {
            let changes = b
                .find(&package, &name, &cost.profile)
                .map(|e| e.compare(&cost, b.tolerance_pct))
                .unwrap_or_default();
            Some((file, changes))
        }
        Ok(None) => None,
        Err(e) => {
            cx.error(Span::call_site(), e);
            return (Some(lowered.model), None, params);
        }
    };
    (
        Some(lowered.model.clone()),
        Some(Priced {
            package,
            baseline,
            name,
            model: lowered.model,
            cost,
            resolved,
            budgets: args.budgets,
            level,
            level_source,
        }),
        params,
    )
}

/// Whether a field nests a struct whose own annotations have errors. Those errors are
/// shown where it is defined, and stop the build there (in this crate or the one defining
/// it), so repeating them here would only be noise. Reports modules never collected (a
/// struct that nests itself).
fn check_modules(cx: &Ctxt, lowered: &lower::Lowered) -> bool {
    let broken = lowered
        .model
        .nodes
        .iter()
        .any(|n| matches!(&n.layer, alphaflops_core::Layer::Block(m) if m.name == BROKEN));
    if cx.has_errors() {
        return broken;
    }
    for m in &lowered.missing {
        cx.error(m.range, format!("`{}` cannot be priced as a module here: it contains itself, directly or through other modules", m.ident));
    }
    broken
}

fn judge(p: &Priced) -> Vec<(Verdict, Range)> {
    p.budgets
        .iter()
        .filter_map(|b| Some((b.budget.check(&p.cost)?, b.range)))
        .collect()
}

fn message(p: &Priced, v: &Verdict) -> String {
    let top: Vec<String> = p
        .cost
        .top_layers(3)
        .iter()
        .map(|l| format!("{} {:.1} %", l.name, l.share_pct))
        .collect();
    let m = v.budget.metric;
    let used = v.used();
    // Time and energy are the predictions a fitted range can fail to back.
    let note = matches!(m, Metric::TimeMs | Metric::EnergyMj)
        .then(|| p.cost.extrapolation_note())
        .flatten()
        .map_or(String::new(), |n| format!("; {n}"));
    format!(
        "`{}` is over its {} budget on profile `{}`: {} > {}{}; costliest layers: {}{note}",
        p.name,
        m.key(),
        p.cost.profile,
        m.format(v.value),
        m.format(v.budget.limit),
        if used.is_empty() {
            String::new()
        } else {
            format!(" ({used})")
        },
        top.join(", ")
    )
}

/// Warnings (a deprecated item, the one stable way for a macro to warn) or errors for
/// budgets exceeded and regressions against the baseline; nothing when all is well.
fn diagnostics(p: &Priced, verdicts: &[(Verdict, Range)]) -> TokenStream {
    let mut out = TokenStream::new();
    for (v, range) in verdicts.iter().filter(|(v, _)| v.over()) {
        out.extend(emit(p, *range, message(p, v), "raise the budget"));
    }
    let regressions: Vec<&Change> = p
        .baseline
        .iter()
        .flat_map(|(_, changes)| changes)
        .filter(|c| c.regression)
        .collect();
    if !regressions.is_empty() {
        let list: Vec<String> = regressions
            .iter()
            .map(|c| {
                format!(
                    "{} {} → {} ({:+.1} %)",
                    c.metric.baseline_key(),
                    c.metric.format(c.base),
                    c.metric.format(c.head),
                    c.change_pct
                )
            })
            .collect();
        let text = format!(
            "`{}` got more expensive than its baseline on profile `{}`: {}",
            p.name,
            p.cost.profile,
            list.join(", ")
        );
        out.extend(emit(
            p,
            Span::call_site().into(),
            text,
            "accept the change with `cargo xtask bless`",
        ));
    }
    out
}

/// One warning or error at `range`, per the level.
fn emit(p: &Priced, range: Range, text: String, fix: &str) -> TokenStream {
    match p.level {
        Level::Deny => crate::ctxt::error(
            range,
            format!("{text}; denied by {}; {fix}", p.level_source),
        )
        .to_compile_error(),
        Level::Warn => {
            let note = format!("{text}; {fix}, or set level = \"deny\" to fail the build");
            let call = quote_spanned!(range.start=> alphaflops_cost_budget_exceeded());
            quote! {
                const _: () = {
                    #[deprecated(note = #note)]
                    const fn alphaflops_cost_budget_exceeded() {}
                    #call
                };
            }
        }
    }
}

fn doc_section(p: &Priced, verdicts: &[(Verdict, Range)]) -> String {
    let mut s = String::from("\n# Cost\n\n");
    s.push_str(&p.cost.to_markdown());
    if !verdicts.is_empty() {
        let level = match p.level {
            Level::Warn => "warn",
            Level::Deny => "deny",
        };
        let verdicts: Vec<Verdict> = verdicts.iter().map(|(v, _)| *v).collect();
        s.push_str(&verdict_table(&verdicts, level));
    }
    if let Some((file, changes)) = &p.baseline {
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        if changes.is_empty() {
            s.push_str(&format!("\n**Baseline**: `{name}` has no entry for this model; add one with `cargo xtask bless`.\n"));
        } else {
            s.push_str(&format!("\n**Baseline** (`{name}`):\n\n| metric | baseline | now | change | verdict |\n|---|---:|---:|---:|---|\n"));
            for c in changes {
                let verdict = if c.regression {
                    "**regression**"
                } else if c.change_pct < 0.0 {
                    "improved"
                } else {
                    "unchanged"
                };
                s.push_str(&format!(
                    "| `{}` | {} | {} | {:+.1} % | {verdict} |\n",
                    c.metric.baseline_key(),
                    c.metric.format(c.base),
                    c.metric.format(c.head),
                    c.change_pct
                ));
            }
        }
    }
    s
}

/// With `ALPHAFLOPS_REPORT_DIR` set (by `cargo xtask check`, `bless` and `report`), writes the
/// model's cost, verdicts and baseline changes there as JSON.
fn write_report(p: &Priced, verdicts: &[(Verdict, Range)]) -> Result<(), String> {
    let Some(dir) = std::env::var_os(ENV_REPORT) else {
        return Ok(());
    };
    let dir = std::path::PathBuf::from(dir);
    let verdicts: Vec<&Verdict> = verdicts.iter().map(|(v, _)| v).collect();
    let report = serde_json::json!({
        "package": p.package,
        "model": p.name,
        "level": match p.level { Level::Warn => "warn", Level::Deny => "deny" },
        "cost": p.cost,
        "verdicts": verdicts,
        "baseline": p.baseline.as_ref().map(|(_, changes)| changes),
    });
    let file = dir.join(format!(
        "{}__{}__{}.json",
        p.package, p.name, p.cost.profile
    ));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&file, report.to_string()))
        .map_err(|e| {
            format!(
                "cannot write the cost report {} ({ENV_REPORT}): {e}",
                file.display()
            )
        })
}

fn cost_impl(
    item: &syn::ItemStruct,
    body: TokenStream,
    model: TokenStream,
    budgets: &[Budget],
) -> TokenStream {
    let ident = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let budgets = budgets.iter().map(|b| {
        let metric = syn::Ident::new(&format!("{:?}", b.budget.metric), Span::call_site());
        let limit = b.budget.limit;
        quote!(::alphaflops::Budget { metric: ::alphaflops::Metric::#metric, limit: #limit })
    });
    quote! {
        impl #impl_generics ::alphaflops::CostModel for #ident #ty_generics #where_clause {
            fn cost() -> ::alphaflops::ModelCost {
                #body
            }
            fn model() -> ::alphaflops::Model {
                #model
            }
            fn budgets() -> ::std::vec::Vec<::alphaflops::Budget> {
                ::std::vec![#(#budgets),*]
            }
        }
    }
}

/// Makes edits to the files read (profile, baseline) and changes of the environment
/// variables read rebuild.
fn tracking(files: &[&std::path::Path]) -> TokenStream {
    let files = files.iter().map(|f| {
        let path = f.display().to_string();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!(#ENV_LEVEL);
        const _: ::core::option::Option<&str> = ::core::option_env!(#ENV_PROFILE);
        const _: ::core::option::Option<&str> = ::core::option_env!(#ENV_REPORT);
        #(#files)*
    }
}

/// How to fix a shape error, where the rule broken says.
fn hint(error: &LayerError, children: &Children) -> String {
    match error {
        // In a nested block, name it; a parameterised one may take the value from a binding.
        LayerError::Nested { model, error } => match hint(&error.error, children) {
            inner if inner.is_empty() => inner,
            inner => match children.get(model) {
                Some(Child::Template(_)) => format!(
                    "{inner} in `{model}`, or bind the parameter that sets it in `module(...)`"
                ),
                _ => format!("{inner} in `{model}`"),
            },
        },
        LayerError::Mismatch {
            what: "input channels",
            actual,
            ..
        } => format!("; set `channels = [{actual}, …]`"),
        LayerError::Mismatch {
            op: "batch_norm",
            actual,
            ..
        } => format!("; set `num_features = {actual}`"),
        LayerError::Mismatch {
            op: "group_norm",
            actual,
            ..
        } => format!("; set `num_channels = {actual}`"),
        LayerError::Mismatch {
            op: "layer_norm",
            actual,
            ..
        } => format!("; set `d_model = {actual}`"),
        LayerError::Features {
            flattened, last, ..
        } => {
            format!(
                "; set `d_input = {}` or check the layers before it",
                flattened.unwrap_or(*last)
            )
        }
        LayerError::KernelTooLarge { .. } => {
            "; use a smaller `kernel_size`, more `padding` or a larger input".to_string()
        }
        _ => String::new(),
    }
}

/// Removes our field attributes from an item `#[cost_budget]` does not accept.
fn strip_from_other(item: &mut syn::Item) {
    let strip = |fields: &mut syn::Fields| {
        for field in fields.iter_mut() {
            field
                .attrs
                .retain(|a| !a.path().is_ident(lower::LAYER_ATTR));
        }
    };
    match item {
        syn::Item::Enum(e) => e.variants.iter_mut().for_each(|v| strip(&mut v.fields)),
        syn::Item::Union(u) => u
            .fields
            .named
            .iter_mut()
            .for_each(|f| f.attrs.retain(|a| !a.path().is_ident(lower::LAYER_ATTR))),
        _ => {}
    }
}

fn strip_layer_attrs(item: &mut syn::ItemStruct) {
    for field in item.fields.iter_mut() {
        field
            .attrs
            .retain(|a| !a.path().is_ident(lower::LAYER_ATTR));
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn lenet(args: proc_macro2::TokenStream) -> syn::File {
        let item = quote! {
            pub struct LeNet {
                #[layer(conv2d(channels = [1, 6], kernel_size = [5, 5], padding = [2, 2]))]
                conv1: Conv2d,
                #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
                pool1: MaxPool2d,
                #[layer(conv2d(channels = [6, 16], kernel_size = [5, 5]))]
                conv2: Conv2d,
                #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
                pool2: MaxPool2d,
                #[layer(linear(d_input = 400, d_output = 120))]
                fc1: Linear,
                activation: Relu,
                #[layer(linear(d_input = 120, d_output = 84))]
                fc2: Linear,
                #[layer(linear(d_input = 84, d_output = 10))]
                fc3: Linear,
            }
        };
        syn::parse2(super::attribute(super::Attr::Budget, args, item))
            .expect("the expansion parses")
    }

    fn docs(file: &syn::File) -> String {
        let Some(syn::Item::Struct(s)) = file.items.first() else {
            panic!("the struct comes first")
        };
        s.attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn rustdoc_section_is_pinned() {
        // Run under `cargo test`, which sets CARGO_MANIFEST_DIR; the paper profile is found
        // in the workspace's profiles/ (or embedded).
        let file = lenet(quote!(
            input = [1, 1, 28, 28],
            alpha_flops = "2M",
            params = "50k",
            time_ms = 1.0
        ));
        insta::assert_snapshot!(docs(&file));
    }

    #[test]
    fn layer_attributes_are_stripped_and_the_trait_implemented() {
        let file = lenet(quote!(input = [1, 1, 28, 28]));
        let text = quote!(#file).to_string();
        assert!(!text.contains("# [layer"), "{text}");
        assert!(
            text.contains(":: alphaflops :: CostModel for LeNet"),
            "{text}"
        );
        assert!(
            text.contains("option_env ! (\"ALPHAFLOPS_LEVEL\")"),
            "{text}"
        );
        assert!(
            !text.contains("deprecated"),
            "no budget, no warning: {text}"
        );
    }

    /// A parameterised block exports its annotations (and its own blocks' definitions), not a
    /// model: the resolver reads them back and lowers them with each model's values.
    #[test]
    fn a_template_is_exported_and_read_back() {
        let item: syn::ItemStruct = syn::parse_quote! {
            /// Docs and derives stay on the struct, not in the export.
            #[derive(Debug)]
            pub struct Block {
                #[layer(linear(d_input = d_in, d_output = d_out))]
                fc: Linear,
                #[layer(module(width = d_out))]
                inner: Inner,
            }
        };
        let json = serde_json::to_string(&alphaflops_core::Model::new("Inner", [1, 8])).unwrap();
        let inner = quote!([child "Inner" #json]);
        let params: Vec<syn::Ident> = vec![syn::parse_quote!(d_in), syn::parse_quote!(d_out)];
        let export = super::exporter(
            &item,
            super::Export::Template {
                params: &params,
                item: &item,
                children: std::slice::from_ref(&inner),
            },
        );
        let text = export.to_string();
        // The payload the exporter appends, as `__cost_resolve!` receives it.
        let payload = text
            .split_once("[child \"Block\" ")
            .map(|(_, rest)| rest)
            .and_then(|rest| rest.rsplit_once("] } } ;"))
            .map(|(payload, _)| payload)
            .unwrap_or_else(|| panic!("no child group in {text}"));
        assert!(
            !payload.contains("derive") && !payload.contains("doc"),
            "{payload}"
        );
        let group: proc_macro2::TokenStream = format!("child \"Block\" {payload}").parse().unwrap();
        let (name, child) = super::parse_child(group).expect("a child");
        assert_eq!(name, "Block");
        let super::Child::Template(t) = child else {
            panic!("not a template")
        };
        assert_eq!(t.params, ["d_in", "d_out"]);
        assert_eq!(t.item.fields.len(), 2);
        assert!(t.item.attrs.is_empty());
        // The grandchild comes back as the model it was, not as the broken placeholder.
        assert!(
            matches!(t.children.get("Inner"), Some(super::Child::Model(m)) if m.name == "Inner"),
            "`Inner` did not read back as its model"
        );
    }

    #[test]
    fn over_budget_warns_or_denies() {
        let warn = lenet(quote!(input = [1, 1, 28, 28], params = "50k"));
        let text = quote!(#warn).to_string();
        assert!(
            text.contains("deprecated") && text.contains("is over its params budget"),
            "{text}"
        );
        let deny = lenet(quote!(
            input = [1, 1, 28, 28],
            params = "50k",
            level = "deny"
        ));
        let text = quote!(#deny).to_string();
        assert!(
            text.contains("compile_error") && text.contains("61.71 k params > 50.00 k params"),
            "{text}"
        );
    }
}

#[cfg(test)]
mod bench {
    /// Not a test: `cargo test -p alphaflops-macros --release -- --ignored --nocapture
    /// expansion_time` prints how long one expansion of a 100-layer model takes (the figure
    /// BENCHMARKS.md puts beside `cargo check`). It asserts nothing.
    #[test]
    #[ignore]
    fn expansion_time() {
        let fields = (0..100).map(|i| {
            let name = quote::format_ident!("fc{i}");
            quote::quote!(#[layer(linear(d_input = 256, d_output = 256))] #name: Linear,)
        });
        let item = quote::quote!(pub struct Deep { #(#fields)* });
        let args = quote::quote!(input = [8, 256]);
        let runs = 50;
        let start = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(super::attribute(
                super::Attr::Budget,
                args.clone(),
                item.clone(),
            ));
        }
        println!(
            "one expansion of a 100-layer model: {:.2} ms",
            start.elapsed().as_secs_f64() * 1e3 / runs as f64
        );
        let parsed: syn::ItemStruct = syn::parse2(item.clone()).unwrap();
        let time = |what: &str, f: &dyn Fn()| {
            let start = std::time::Instant::now();
            for _ in 0..runs {
                f();
            }
            println!(
                "  {what}: {:.2} ms",
                start.elapsed().as_secs_f64() * 1e3 / runs as f64
            );
        };
        time("parse", &|| {
            std::hint::black_box(syn::parse2::<syn::Item>(item.clone()).unwrap());
        });
        time("first_missing_module", &|| {
            std::hint::black_box(super::first_missing_module(
                super::Attr::Budget,
                &args,
                &parsed,
                &super::Children::new(),
            ));
        });
        time("price", &|| {
            let cx = crate::ctxt::Ctxt::default();
            std::hint::black_box(super::price(
                &cx,
                super::Attr::Budget,
                args.clone(),
                &parsed,
                &super::Children::new(),
            ));
        });
        time("exporter", &|| {
            std::hint::black_box(super::exporter(&parsed, super::Export::Broken));
        });
        time("profile", &|| {
            std::hint::black_box(crate::profile::by_name("quadro-t2000-asperti2021").ok());
        });
    }
}
