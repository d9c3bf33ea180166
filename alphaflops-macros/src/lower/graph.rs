//! The graph the fields make: a [`Graph`] builder adds each field's nodes in order, reads
//! the fields it names, and binds nested blocks (a parameterised one lowered with the
//! values bound where it is nested).

use std::collections::{HashMap, HashSet};

use alphaflops_core::{Layer, Model, Node, Shape, Source};
use proc_macro2::Ident;

use super::field::{
    Container, FIELD_KEYS, Field, FieldSpec, Planned, field_spec, fields, is_skipped,
};
use super::sym::INPUT;
use super::{BROKEN, Child, Children, Env, Lowered, ModuleRef, Ref};
use crate::ctxt::{Ctxt, Range};
use crate::keys;

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
    let mut graph = Graph {
        cx,
        fields,
        model: Model::new(name, input.unwrap_or_else(|| Shape(vec![1]))),
        ranges: Vec::new(),
        missing: Vec::new(),
        outputs: HashMap::new(),
        chain: Source::Previous,
        has_input_field: fields.iter().any(|f| f.name == INPUT),
        silent: HashSet::new(),
    };
    for (index, f) in fields.iter().enumerate() {
        let mark = cx.checkpoint();
        let waited = match field_spec(cx, f, env) {
            Some(spec) => graph.field(index, &spec, children, env),
            None => false,
        };
        if cx.failed_since(mark) || waited {
            graph.silent.insert(&f.name);
        }
    }
    Lowered {
        model: graph.model,
        ranges: graph.ranges,
        missing: graph.missing,
    }
}

/// The model as built so far, and what naming each field so far reads.
struct Graph<'a> {
    cx: &'a Ctxt,
    fields: &'a [Field<'a>],
    model: Model,
    /// Per node, the range of the annotation (or type) it came from.
    ranges: Vec<Range>,
    /// `#[layer(module)]` types not in the children given.
    missing: Vec<ModuleRef>,
    /// Field name → what naming it reads (`input = "field"`, `with = "field"`): its last
    /// node, or for a field without nodes (0 copies) what it read.
    outputs: HashMap<String, Source>,
    /// What the next field without `input` reads: the last node, unless a field without
    /// nodes passed something else through.
    chain: Source,
    has_input_field: bool,
    /// Fields whose lowering reported an error (or that wait for their module): naming them
    /// later adds nothing to what they already said.
    silent: HashSet<&'a str>,
}

impl Graph<'_> {
    /// Adds the nodes of field `index`. Returns whether it waits for its module.
    fn field(&mut self, index: usize, spec: &FieldSpec, children: &Children, env: Env) -> bool {
        let f = &self.fields[index];
        let first_input = match &spec.input {
            Some(r) => match self.source(r, index) {
                Some(s) => s,
                None => return false,
            },
            None => self.chain.clone(),
        };
        let Some(with) = spec
            .with
            .iter()
            .map(|r| self.source(r, index))
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        // One layer for every copy, or with `module(...)` per element one per copy.
        let modules = match &spec.planned {
            Planned::Layer(_) => &[][..],
            Planned::Module(m) => std::slice::from_ref(m),
            Planned::Modules(ms) => ms.as_slice(),
        };
        let layers = match &spec.planned {
            Planned::Layer(layer) => vec![layer.clone()],
            _ => {
                // Every entry is lowered, so every entry's errors show at once.
                let lowered: Vec<Option<Option<Layer>>> = modules
                    .iter()
                    .map(|m| module_layer(self.cx, m, children, env))
                    .collect();
                if lowered.iter().any(Option::is_none) {
                    let m = &modules[0];
                    if !self.missing.iter().any(|x| x.key == m.key) {
                        self.missing.push(m.clone());
                    }
                    return true;
                }
                match lowered
                    .into_iter()
                    .flatten()
                    .collect::<Option<Vec<Layer>>>()
                {
                    Some(layers) => layers,
                    None => return false,
                }
            }
        };
        let Some(layer) = layers.first().cloned() else {
            return false;
        };
        // A mixture of experts is one node holding every copy (verify opens it as
        // `field.0.…`, `field.1.…`), priced at `active` copies.
        if let (Some(active), Layer::Block(model)) = (spec.active, &layer) {
            let experts = Layer::Experts {
                model: model.clone(),
                count: spec.repeat,
                active,
            };
            self.push(&f.name, experts, first_input, with, spec.range);
            let output = self
                .then(index, spec, &f.name, Source::Node(f.name.clone()))
                .unwrap_or_else(|| self.tail());
            self.chain = self.relative(&output);
            self.outputs.insert(f.name.clone(), output);
            return false;
        }
        // burn indexes the elements of a `Vec` or array; a single copy elsewhere is the field.
        let indexed = matches!(spec.container, Container::Many(_)) || spec.repeat > 1;
        // With no copy the field reads as its input, made explicit so later fields read it.
        let mut output = match first_input.clone() {
            Source::Previous => self.tail(),
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
            let layer = layers.get(r as usize).unwrap_or(&layer).clone();
            self.push(&prefix, layer, input, with.clone(), spec.range);
            match self.then(index, spec, &prefix, Source::Node(prefix.clone())) {
                Some(o) => output = o,
                None => break,
            }
        }
        // An absent `Option` (burn's `None` downsample) or a `bool` switched off is the
        // identity, and what follows it still runs: the residual `then(add(with = …))` adds
        // its input.
        if spec.repeat == 0
            && matches!(spec.container, Container::Optional | Container::Switch)
            && let Some(o) = self.then(index, spec, &f.name, output.clone())
        {
            output = o;
        }
        self.chain = self.relative(&output);
        self.outputs.insert(f.name.clone(), output);
        false
    }

    /// The `then` layers after one copy of field `index` whose output so far is `current`;
    /// returns the new output, or `None` when a reference is broken (reported).
    fn then(
        &mut self,
        index: usize,
        spec: &FieldSpec,
        prefix: &str,
        mut current: Source,
    ) -> Option<Source> {
        for (i, (then, refs)) in spec.then.iter().enumerate() {
            let op = then.op();
            let clash = spec.then.iter().filter(|(t, _)| t.op() == op).count() > 1;
            let name = if clash {
                format!("{prefix}.{op}{i}")
            } else {
                format!("{prefix}.{op}")
            };
            // `then` references see this field's earlier nodes under the field's name.
            let field = self.fields[index].name.clone();
            self.outputs.insert(field, current.clone());
            let with = refs
                .iter()
                .map(|r| self.source(r, index))
                .collect::<Option<Vec<_>>>()?;
            let input = self.relative(&current);
            self.push(&name, then.clone(), input, with, spec.range);
            current = Source::Node(name);
        }
        Some(current)
    }

    fn push(&mut self, name: &str, layer: Layer, input: Source, with: Vec<Source>, range: Range) {
        self.model.nodes.push(Node {
            name: name.to_string(),
            layer,
            input,
            with,
        });
        self.ranges.push(range);
    }

    /// The last node's output, or the model's input before any node.
    fn tail(&self) -> Source {
        self.model
            .nodes
            .last()
            .map_or(Source::Input, |n| Source::Node(n.name.clone()))
    }

    /// `source` as the next node reads it: the last node is `Previous`.
    fn relative(&self, source: &Source) -> Source {
        match source {
            Source::Node(n) if self.model.nodes.last().is_some_and(|l| l.name == *n) => {
                Source::Previous
            }
            other => other.clone(),
        }
    }

    /// What `r`, written on field `index`, reads; `None` (reported) when it reads nothing.
    fn source(&self, r: &Ref, index: usize) -> Option<Source> {
        let cx = self.cx;
        let f = &self.fields[index];
        match r {
            Ref::Shape(s) => Some(Source::Shape(s.clone())),
            Ref::Name(n, _) if n == INPUT && !self.has_input_field => Some(Source::Input),
            Ref::Name(n, range) => match self.outputs.get(n) {
                Some(s) => Some(s.clone()),
                None => {
                    let earlier = self.fields[..index].iter().find(|e| e.name == *n);
                    match earlier {
                        Some(e) if is_skipped(e) => cx.error(*range, format!("`{n}` is #[layer(skip)], so it has no output to read; name another field")),
                        Some(e) if self.silent.contains(e.name.as_str()) => {}
                        Some(_) => cx.error(*range, format!("`{n}` is not a layer, so it has no output to read; name another field")),
                        None if n == INPUT => cx.error(*range, format!("\"input\" names the field `input` here, which comes after `{}`; rename that field to read the model's input", f.name)),
                        None => cx.error(*range, format!("no field before `{}` is named `{n}`; name an earlier field or \"input\"", f.name)),
                    }
                    None
                }
            },
        }
    }
}

/// The layer a `#[layer(module)]` field stands for: the nested struct's model, or for a
/// parameterised block its annotations lowered with the field's bindings. `None` when the
/// struct has not been collected yet, `Some(None)` after an error (reported).
fn module_layer(cx: &Ctxt, m: &ModuleRef, children: &Children, env: Env) -> Option<Option<Layer>> {
    let child = children.get(&m.key)?;
    let mark = cx.checkpoint();
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
            if cx.failed_since(mark) {
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
    Some((!cx.failed_since(mark)).then_some(layer))
}

/// A hint for a binding that is a key of `#[layer]` itself, written inside `module(...)`.
fn field_key_hint(key: &Ident) -> Option<String> {
    FIELD_KEYS.contains(&key.to_string().as_str()).then(|| {
        format!("`{key}` is a key of #[layer], not of the block: write #[layer(module, {key} = …)]")
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
            None => keys::unknown(head, &b.name.to_string(), &accepted, "it declares"),
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
