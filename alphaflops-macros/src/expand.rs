//! `#[cost_budget]`: parse, lower, price, judge, expand. On errors the struct is still emitted
//! (without our attributes) with a placeholder impl, so users see our errors and no others.
//! The exporter protocol is in `export`, verdicts and what they emit in `judge`.

use alphaflops_core::settings::{ENV_LEVEL, ENV_PROFILE, Settings, TRACKED};
use alphaflops_core::{DEFAULT_PROFILE_NAME, Metric};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};

use crate::ctxt::{Ctxt, Range};
use crate::export::{self, Export, invoke};
use crate::judge::{self, Priced};
use crate::lower::sym::LAYER_ATTR;
use crate::lower::{self, Budget, Children, Level, Lowering, ModuleRef};
use crate::profile;

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

    pub(crate) fn parse(ident: &syn::Ident) -> Option<Attr> {
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
    let children = Children::new();
    let cx = Ctxt::default();
    let lowering = lower::lower(&cx, args.clone(), attr == Attr::Model, &item, &children);
    if let Some(first) = next_module(&cx, &lowering, &item, &children) {
        // The name carries the attribute's span to `__cost_resolve!`, whose own call site
        // is inside the first module's exporter.
        let attr_ident = syn::Ident::new(attr.name(), Span::call_site());
        return invoke(&first, quote!([root #attr_ident (#args) #input]));
    }
    expand(cx, attr, lowering, item, &children, &[], Span::call_site())
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
    let (attr, args, item, site) =
        match syn::parse::Parser::parse2(export::parse_root, root.stream()) {
            Ok(root) => root,
            Err(e) => return e.to_compile_error(),
        };
    let groups: Vec<TokenStream> = groups.map(|g| g.to_token_stream()).collect();
    let children = export::children(&groups);
    let cx = Ctxt::default();
    let lowering = lower::lower(&cx, args, attr == Attr::Model, &item, &children);
    if let Some(next) = next_module(&cx, &lowering, &item, &children) {
        return invoke(&next, input);
    }
    expand(cx, attr, lowering, item, &children, &groups, site)
}

/// The first `#[layer(module)]` not in `children`, when everything else about the struct
/// lowers cleanly (otherwise expand now and report the errors).
fn next_module(
    cx: &Ctxt,
    lowering: &Lowering,
    item: &syn::ItemStruct,
    children: &Children,
) -> Option<ModuleRef> {
    if lowering.has_errors(cx) {
        return None;
    }
    // A struct nesting itself (`Net`, `Self`) has no exporter to call yet: expanding it
    // reports the cycle. `inner::Net` is another struct.
    let own = item.ident.to_string();
    let itself = |m: &ModuleRef| m.key == own || m.key == "Self";
    lowering
        .lowered
        .missing
        .iter()
        .find(|m| !children.contains_key(&m.key) && !itself(m))
        .cloned()
}

/// The whole expansion of a struct whose modules are all in `children`.
/// `groups` are the `[child …]` groups collected, which a parameterised block re-exports;
/// `site` is the attribute as written, where diagnostics about the whole struct point.
fn expand(
    cx: Ctxt,
    attr: Attr,
    lowering: Lowering,
    mut item: syn::ItemStruct,
    children: &Children,
    groups: &[TokenStream],
    site: Span,
) -> TokenStream {
    // The environment, read once for the whole expansion.
    let settings = Settings::from_vars(|key| std::env::var_os(key));
    let Pricing {
        model,
        priced: result,
        params,
    } = price(&cx, &settings, attr, lowering, &item, children, site);
    let export = match (&model, cx.has_errors()) {
        (_, true) | (None, _) => Export::Broken,
        (Some(_), false) if !params.is_empty() => Export::Template {
            params: &params,
            item: &item,
            children: groups,
        },
        (Some(m), false) => Export::Model(m),
    };
    let exporter = export::exporter(&item, export);
    strip_layer_attrs(&mut item);
    // Without a baseline file there is no file to track, and a file created later would go
    // unseen: the crate's manifest stands in, and `cargo alphaflops bless` touches it when it
    // writes the first baseline.
    let manifest = settings.manifest_dir.join("Cargo.toml");
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
    let verdicts = judge::judge(&priced);
    // One attribute for the whole section: rustdoc joins it with the struct's own docs.
    let docs = judge::doc_section(&priced, &verdicts);
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
    let diagnostics = judge::diagnostics(&priced, &verdicts);
    let report = judge::write_report(&priced, &verdicts, settings.report_dir.as_deref())
        .err()
        .map(|e| syn::Error::new(site, e).to_compile_error());
    quote!(#item #imp #tracking #diagnostics #report #exporter)
}

/// What pricing a struct gives: the lowered model (what the exporter publishes), its
/// pricing when the struct has an input and no errors, and the block parameters it declares.
struct Pricing {
    model: Option<alphaflops_core::Model>,
    priced: Option<Priced>,
    params: Vec<syn::Ident>,
}

/// Checks the struct-level settings and prices the lowered struct.
fn price(
    cx: &Ctxt,
    settings: &Settings,
    attr: Attr,
    lowering: Lowering,
    item: &syn::ItemStruct,
    children: &Children,
    site: Span,
) -> Pricing {
    let Lowering {
        args,
        lowered,
        fields_cx,
    } = lowering;
    let params = args.params.clone();
    let name = item.ident.to_string();
    let unpriced = |model: Option<alphaflops_core::Model>| Pricing {
        model,
        priced: None,
        params: params.clone(),
    };
    // The fields' errors after the struct-level checks, so that those come first. `None`
    // when a nested struct is broken: its own errors say why, and this struct is left
    // unpriced in silence.
    let lower_fields = || {
        cx.append(fields_cx);
        (!judge::check_modules(cx, &lowered)).then_some(lowered)
    };
    if attr == Attr::Budget && item.fields.is_empty() {
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
        return unpriced(lower_fields().map(|l| l.model));
    }

    // ALPHAFLOPS_LEVEL=warn|deny overrides `level`.
    let declared_level = args.level;
    let (mut level, mut level_source) = (args.level, "level = \"deny\"".to_string());
    if let Some(text) = &settings.level {
        match Level::parse(text) {
            Some(l) => (level, level_source) = (l, format!("{ENV_LEVEL}={text}")),
            None => cx.error(
                args.level_range.unwrap_or_else(|| site.into()),
                format!("{ENV_LEVEL} must be `warn` or `deny`, found `{text}`"),
            ),
        }
    }
    // ALPHAFLOPS_PROFILE=<name> overrides `profile` and `path`.
    let call_site = Range::from(site);
    let dir = settings.manifest_dir.as_path();
    let resolved = match (&settings.profile, &args.profile, &args.path) {
        (Some(name), _, _) => {
            profile::by_name(name, dir).map_err(|e| (format!("{ENV_PROFILE}: {e}"), call_site))
        }
        (None, Some((name, range)), _) => profile::by_name(name, dir).map_err(|e| (e, *range)),
        (None, None, Some((path, range))) => profile::by_path(path, dir).map_err(|e| (e, *range)),
        (None, None, None) => {
            profile::by_name(DEFAULT_PROFILE_NAME, dir).map_err(|e| (e, call_site))
        }
    };
    let resolved = resolved.map_err(|(e, range)| cx.error(range, e)).ok();

    let Some(lowered) = lower_fields() else {
        return unpriced(None);
    };
    let Some(resolved) = resolved.filter(|_| !cx.has_errors()) else {
        return unpriced(Some(lowered.model));
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
                    judge::hint(&e.error, children)
                ),
            );
            return unpriced(Some(lowered.model));
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
    let package = settings.package.clone();
    let baseline = match profile::baseline(dir) {
        Ok(Some((file, b))) => {
            let changes = b
                .find(&package, &name, &cost.profile)
                .map(|e| e.compare(&cost, b.tolerance_pct))
                .unwrap_or_default();
            Some((file, changes))
        }
        Ok(None) => None,
        Err(e) => {
            cx.error(site, e);
            return unpriced(Some(lowered.model));
        }
    };
    Pricing {
        model: Some(lowered.model.clone()),
        priced: Some(Priced {
            package,
            baseline,
            name,
            model: lowered.model,
            cost,
            resolved,
            budgets: args.budgets,
            site: site.into(),
            level,
            level_source,
            declared_level,
        }),
        params,
    }
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
    let tracked = TRACKED;
    quote! {
        #(const _: ::core::option::Option<&str> = ::core::option_env!(#tracked);)*
        #(#files)*
    }
}

/// Removes our field attributes from an item `#[cost_budget]` does not accept.
fn strip_from_other(item: &mut syn::Item) {
    let strip = |fields: &mut syn::Fields| {
        for field in fields.iter_mut() {
            field.attrs.retain(|a| !a.path().is_ident(LAYER_ATTR));
        }
    };
    match item {
        syn::Item::Enum(e) => e.variants.iter_mut().for_each(|v| strip(&mut v.fields)),
        syn::Item::Union(u) => u
            .fields
            .named
            .iter_mut()
            .for_each(|f| f.attrs.retain(|a| !a.path().is_ident(LAYER_ATTR))),
        _ => {}
    }
}

fn strip_layer_attrs(item: &mut syn::ItemStruct) {
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !a.path().is_ident(LAYER_ATTR));
    }
}

#[cfg(test)]
mod tests;
