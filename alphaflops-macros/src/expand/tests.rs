//! The expansion as a whole: docs, the trait, the exporter's payload read back, verdicts.

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
    syn::parse2(super::attribute(super::Attr::Budget, args, item)).expect("the expansion parses")
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
    let export = crate::export::exporter(
        &item,
        crate::export::Export::Template {
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
    let (name, child) = crate::export::parse_child(group).expect("a child");
    assert_eq!(name, "Block");
    let crate::lower::Child::Template(t) = child else {
        panic!("not a template")
    };
    assert_eq!(t.params, ["d_in", "d_out"]);
    assert_eq!(t.item.fields.len(), 2);
    assert!(t.item.attrs.is_empty());
    // The grandchild comes back as the model it was, not as the broken placeholder.
    assert!(
        matches!(t.children.get("Inner"), Some(crate::lower::Child::Model(m)) if m.name == "Inner"),
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
            std::hint::black_box(crate::expand::attribute(
                crate::expand::Attr::Budget,
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
        let children = crate::lower::Children::new();
        let lower = || {
            let cx = crate::ctxt::Ctxt::default();
            let lowering = crate::lower::lower(&cx, args.clone(), false, &parsed, &children);
            (cx, lowering)
        };
        time("lower", &|| {
            std::hint::black_box(lower());
        });
        time("lower and price", &|| {
            let (cx, lowering) = lower();
            std::hint::black_box(crate::expand::price(
                &cx,
                &alphaflops_core::settings::Settings::default(),
                crate::expand::Attr::Budget,
                lowering,
                &parsed,
                &children,
                proc_macro2::Span::call_site(),
            ));
        });
        time("exporter", &|| {
            std::hint::black_box(crate::export::exporter(
                &parsed,
                crate::export::Export::Broken,
            ));
        });
        time("profile", &|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            std::hint::black_box(crate::profile::by_name("quadro-t2000-asperti2021", dir).ok());
        });
    }
}
