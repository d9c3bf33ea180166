//! Every public module and activation type of burn-nn 0.22.1 and candle-nn 0.11.1 is either
//! priced by a catalog kind or marked not a layer with a reason (`tests/nn-coverage.toml`).
//! The list is checked against the catalog always, and against the crates' own sources when
//! cargo's registry holds them (it does wherever this workspace has been built).

use alphaflops_core::Op;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const LIST: &str = include_str!("nn-coverage.toml");
const BURN_NN: &str = "burn-nn-0.22.1";
const CANDLE_NN: &str = "candle-nn-0.11.1";

#[derive(Debug, PartialEq)]
enum Entry {
    Priced(String),
    NotALayer(String),
}

fn list() -> BTreeMap<String, BTreeMap<String, Entry>> {
    let table: toml::Table = toml::from_str(LIST).expect("tests/nn-coverage.toml is valid TOML");
    let mut out = BTreeMap::new();
    for (krate, types) in table {
        let types = types
            .as_table()
            .unwrap_or_else(|| panic!("[{krate}] is not a table"));
        let mut entries = BTreeMap::new();
        for (name, value) in types {
            let entry = match value {
                toml::Value::String(kind) => Entry::Priced(kind.clone()),
                toml::Value::Table(t) => match t.get("not_a_layer").and_then(|r| r.as_str()) {
                    Some(reason) if !reason.trim().is_empty() && t.len() == 1 => {
                        Entry::NotALayer(reason.to_string())
                    }
                    _ => panic!("[{krate}] {name}: expected `{{ not_a_layer = \"why\" }}`"),
                },
                other => panic!("[{krate}] {name}: expected a kind or a table, found {other}"),
            };
            entries.insert(name.clone(), entry);
        }
        out.insert(krate, entries);
    }
    out
}

/// The names the catalog says an op prices for `krate`.
fn catalog_types(op: Op, krate: &str) -> Vec<&'static str> {
    let own = match krate {
        "burn-nn" => op.burn_types(),
        "candle-nn" => op.candle_types(),
        other => panic!("unknown crate [{other}] in tests/nn-coverage.toml"),
    };
    own.iter()
        .chain(op.parameter_free_types())
        .copied()
        .collect()
}

/// `Activation::NewGelu` → `new_gelu`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether `op` prices `name`: a type it lists (a variant of candle's `Activation` enum among
/// them, by its full name, where the variant's snake-case name is another kind's, as
/// `Activation::Swiglu` is `glu`'s), or a variant whose name in snake case is the kind's key
/// or one of its aliases (how the attribute names it).
fn prices(op: Op, krate: &str, name: &str) -> bool {
    let types = catalog_types(op, krate);
    if types.contains(&name) {
        return true;
    }
    match name.strip_prefix("Activation::") {
        Some(variant) if krate == "candle-nn" && types.contains(&"Activation") => {
            let variant = snake_case(variant);
            op.key() == variant || op.aliases().contains(&variant.as_str())
        }
        _ => false,
    }
}

#[test]
fn every_listed_type_is_priced_by_its_kind_or_says_why_not() {
    let mut wrong = Vec::new();
    for (krate, entries) in list() {
        for (name, entry) in &entries {
            let Entry::Priced(kind) = entry else { continue };
            match Op::from_key(kind) {
                None => wrong.push(format!(
                    "[{krate}] {name}: the catalog has no kind `{kind}`"
                )),
                Some(op) if !prices(op, &krate, name) => wrong.push(format!(
                    "[{krate}] {name}: kind `{kind}` does not list `{name}` among its types"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "tests/nn-coverage.toml disagrees with the catalog:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_type_the_catalog_names_is_listed_under_its_kind() {
    let list = list();
    let mut wrong = Vec::new();
    for op in Op::ALL {
        for (krate, types) in [
            ("burn-nn", op.burn_types()),
            ("candle-nn", op.candle_types()),
        ] {
            for name in types {
                let entries = &list[krate];
                // candle's `Activation` is listed by its variants.
                if *name == "Activation" && krate == "candle-nn" {
                    let variant = entries.iter().any(|(n, e)| {
                        n.starts_with("Activation::") && *e == Entry::Priced(op.key().into())
                    });
                    if !variant {
                        wrong.push(format!(
                            "[{krate}] no `Activation::` variant is priced as `{}`",
                            op.key()
                        ));
                    }
                    continue;
                }
                match entries.get(*name) {
                    Some(Entry::Priced(kind)) if kind == op.key() => {}
                    found => wrong.push(format!(
                        "[{krate}] {name}: the catalog prices it as `{}`, the list says {found:?}",
                        op.key()
                    )),
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "tests/nn-coverage.toml misses catalog types:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_list_holds_every_public_type_of_the_crates_sources() {
    let list = list();
    for (krate, dir, scan) in [
        ("burn-nn", BURN_NN, burn_modules as fn(&Path) -> Vec<String>),
        ("candle-nn", CANDLE_NN, candle_modules),
    ] {
        let Some(root) = registry_source(dir) else {
            eprintln!(
                "skipped the source check of {dir}: not found in cargo's registry (build the workspace once)"
            );
            continue;
        };
        let found = scan(&root);
        assert!(
            found.len() > 10,
            "{}: the scan found only {found:?}; has the layout changed?",
            root.display()
        );
        let listed = &list[krate];
        let missing: Vec<_> = found.iter().filter(|t| !listed.contains_key(*t)).collect();
        let stale: Vec<_> = listed.keys().filter(|t| !found.contains(t)).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "tests/nn-coverage.toml [{krate}] is out of date with {}:\nadd (with its kind, or \
             `{{ not_a_layer = \"why\" }}`): {missing:?}\nremove: {stale:?}",
            root.display()
        );
    }
}

fn registry_source(dir: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let registries = std::fs::read_dir(home.join("registry/src")).ok()?;
    registries
        .flatten()
        .map(|r| r.path().join(dir))
        .find(|p| p.join("src").is_dir())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources(root: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|f| Some((f.clone(), std::fs::read_to_string(&f).ok()?)))
        .collect()
}

fn ident_after<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(prefix)?;
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// burn-nn's modules: every public struct or enum that derives `Module`.
fn burn_modules(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (_, text) in sources(root) {
        // The attributes since the last item (docs skipped); an attribute may span lines.
        let (mut attrs, mut depth) = (String::new(), 0i32);
        for line in text.lines().map(str::trim) {
            if line.starts_with("//") {
                continue;
            }
            if depth > 0 || line.starts_with("#[") {
                depth += line.matches('[').count() as i32 - line.matches(']').count() as i32;
                depth = depth.max(0);
                attrs.push_str(line);
                continue;
            }
            let name = ident_after(line, "pub struct ").or_else(|| ident_after(line, "pub enum "));
            if let Some(name) = name
                && attrs.contains("derive(")
                && attrs.contains("Module")
            {
                out.push(name.to_string());
            }
            attrs.clear();
        }
    }
    out.sort();
    out.dedup();
    out
}

/// candle-nn's modules: every type implementing `Module`, `ModuleT` or `RNN`, each variant
/// of `Activation`, and the caches of `kv_cache`.
fn candle_modules(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (file, text) in sources(root) {
        let mut in_activation = false;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("impl") {
                for t in ["Module for ", "ModuleT for ", "RNN for "] {
                    if let Some(name) = trimmed.split(t).nth(1).and_then(|r| ident_after(r, ""))
                        && name != "Activation"
                    {
                        out.push(name.to_string());
                    }
                }
            }
            if file.ends_with("activation.rs") {
                if trimmed == "pub enum Activation {" {
                    in_activation = true;
                } else if in_activation && trimmed == "}" {
                    in_activation = false;
                } else if in_activation
                    && !trimmed.starts_with('#')
                    && !trimmed.starts_with("//")
                    && let Some(variant) = ident_after(trimmed, "")
                {
                    out.push(format!("Activation::{variant}"));
                }
            }
            if file.ends_with("kv_cache.rs")
                && let Some(name) = ident_after(trimmed, "pub struct ")
                && name.ends_with("Cache")
            {
                out.push(name.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
