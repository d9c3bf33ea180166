//! Lowering whole structs: graphs, nested blocks and their bindings.

use alphaflops_core::{Layer, Model, Op, Source};
use proc_macro2::{Ident, Span};

use super::field::fields;
use super::graph::model;
use super::kinds::kind_layer;
use super::*;
use crate::attr::{Item, Value, ValueKind};

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
fn each_module_entry_binds_its_own_element() {
    let item: syn::ItemStruct = syn::parse_quote! {
        struct Net {
            #[layer(module(d_in = 4, d_out = 8), module(d_in = 8, d_out = 8), module(d_in = 8, d_out = 2))]
            blocks: Vec<Block>,
        }
    };
    let (lowered, errors) = lower(&item, &block(), Env::Plain);
    assert_eq!(errors, Vec::<String>::new());
    let nodes = &lowered.model.nodes;
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["blocks.0", "blocks.1", "blocks.2"]);
    let widths: Vec<&Layer> = nodes
        .iter()
        .map(|n| &block_of(&n.layer).nodes[0].layer)
        .collect();
    assert_eq!(widths, [&linear(4, 8), &linear(8, 8), &linear(8, 2)]);
}

/// Inside a parameterised block the entries take its names, and a `bool` is switched by one:
/// the residual is priced where the value bound is 1 and not where it is 0.
#[test]
fn entries_and_switches_take_the_values_bound_where_a_block_is_nested() {
    let stage: syn::ItemStruct = syn::parse_quote! {
        #[params(width, res)]
        struct Stage {
            #[layer(module(d_in = width, d_out = width), module(d_in = width, d_out = width))]
            blocks: [Block; 2],
            #[layer(add(with = "input"), repeat = res)]
            use_res: bool,
        }
    };
    let children = Children::from([("Stage".to_string(), template(stage, block()))]);
    let item: syn::ItemStruct = syn::parse_quote! {
        struct Net {
            #[layer(module(width = 16, res = 1))]
            with_res: Stage,
            #[layer(module(width = 16, res = 0))]
            without: Stage,
        }
    };
    let (lowered, errors) = lower(&item, &children, Env::Plain);
    assert_eq!(errors, Vec::<String>::new());
    let ops = |i: usize| -> Vec<&str> {
        block_of(&lowered.model.nodes[i].layer)
            .nodes
            .iter()
            .map(|n| n.layer.op())
            .collect()
    };
    assert_eq!(ops(0), ["module", "module", "add"]);
    assert_eq!(ops(1), ["module", "module"]);
    let first = block_of(&lowered.model.nodes[0].layer);
    assert_eq!(first.nodes[2].with, [Source::Input]);
    assert_eq!(
        block_of(&first.nodes[1].layer).nodes[0].layer,
        linear(16, 16)
    );
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
    let children = Children::from([("Plain".to_string(), Child::Model(Model::new("Plain", [1])))]);
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

/// Every kind reads the keys the catalog lists, in its order, and requires the ones it
/// gives no default: what "expected one of" and "needs" say is what the catalog says.
#[test]
fn every_kind_reads_the_keys_of_the_catalog() {
    for op in Op::ALL {
        let key = op.key();
        let item: Item = syn::parse_str(&format!("{key}(zzzz_unrelated = 1)")).unwrap();
        let cx = Ctxt::default();
        kind_layer(&cx, &item);
        let messages: Vec<String> = match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        let listed: Vec<&str> = op.keys().iter().map(|k| k.name).collect();
        let leftover = messages
            .iter()
            .find(|m| m.contains("zzzz_unrelated") || m.contains("takes no keys"))
            .unwrap_or_else(|| panic!("{key}: {messages:?}"));
        match leftover.split_once("expected one of: ") {
            Some((_, read)) => {
                assert_eq!(read.split(", ").collect::<Vec<_>>(), listed, "{key}")
            }
            None => assert!(listed.is_empty(), "{key}: {leftover}"),
        }
        let needed: Vec<&str> = messages
            .iter()
            .filter_map(|m| m.split_once(" needs `")?.1.split_once('`').map(|(k, _)| k))
            .collect();
        let required: Vec<&str> = op
            .keys()
            .iter()
            .filter(|k| k.default.is_none())
            .map(|k| k.name)
            .collect();
        assert_eq!(needed, required, "{key}");
    }
}
