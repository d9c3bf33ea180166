//! The exporter protocol: how a model reaches the blocks it nests. Every annotated struct
//! exports a `macro_rules!` under its own name that appends what it is (`[child "Name" …]`)
//! to what has been collected and calls `__cost_resolve!` back; the root then reads the
//! collected groups into [`Children`].

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::expand::Attr;
use crate::lower::sym::LAYER_ATTR;
use crate::lower::{BROKEN, Child, Children, ModuleRef, Template};

/// What a struct's exporter gives the models nesting it.
pub enum Export<'a> {
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
pub fn exporter(item: &syn::ItemStruct, export: Export) -> TokenStream {
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
                field.attrs.retain(|a| a.path().is_ident(LAYER_ATTR));
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
pub fn invoke(module: &ModuleRef, collected: TokenStream) -> TokenStream {
    let path = &module.path;
    let want = &module.key;
    quote_spanned!(module.range.start=> #path! { #collected [want #want] })
}

/// The structs in `[child "Name" payload]` groups, each by the name it was asked for in the
/// `[want "Name"]` before it (its own name if none).
pub fn children(groups: &[TokenStream]) -> Children {
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
pub fn parse_child(group: TokenStream) -> Option<(String, Child)> {
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

/// The root's attribute, its arguments and its struct, with the span of the attribute as
/// written (which the attribute's name keeps through the exporters' calls).
pub fn parse_root(
    input: syn::parse::ParseStream,
) -> syn::Result<(Attr, TokenStream, syn::ItemStruct, Span)> {
    let _role: syn::Ident = input.parse()?;
    let attr_ident: syn::Ident = input.parse()?;
    let attr = Attr::parse(&attr_ident).ok_or_else(|| {
        syn::Error::new(attr_ident.span(), "alphaflops: unexpected collected item")
    })?;
    let content;
    syn::parenthesized!(content in input);
    let args: TokenStream = content.parse()?;
    let item: syn::ItemStruct = input.parse()?;
    Ok((attr, args, item, attr_ident.span()))
}
