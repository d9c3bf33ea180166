//! Reading an entry list by key: each key once, with "did you mean" for the rest. One way
//! to read keys for every attribute, so duplicates and leftovers read the same everywhere.

use proc_macro2::Ident;

use crate::attr::{Body, Item, Value};
use crate::ctxt::{Ctxt, Range};

/// Edit distance with adjacent transpositions (optimal string alignment), for "did you
/// mean" hints: `sikp` is one edit from `skip`. Keys are short, so the quadratic table is
/// fine and a crate for it would be heavier than these lines.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: distance between the first i chars of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The accepted key closest to `key`, if close enough to be a typo.
pub fn suggest<'k>(key: &str, accepted: &[&'k str]) -> Option<&'k str> {
    accepted
        .iter()
        .copied()
        .filter(|a| distance(key, a) <= 2.max(a.len() / 4))
        .min_by_key(|a| distance(key, a))
}

/// `head` (which names the unknown `key`), then the accepted name closest to it, or, when
/// none is close enough to be a typo, `listing` and every accepted name. One wording for
/// unknown keys, block parameters and bindings alike.
pub fn unknown(head: String, key: &str, accepted: &[&str], listing: &str) -> String {
    match suggest(key, accepted) {
        Some(close) => format!("{head}; did you mean `{close}`?"),
        None => format!("{head}; {listing}: {}", accepted.join(", ")),
    }
}

/// Typed readers over one entry list: each key is taken once; what is left over, or given
/// twice, is reported by [`Keys::finish`]. The keys a reader asks for are the keys it
/// accepts: `Keys` records them in the order asked, so no list of them is kept by hand and
/// "expected one of" lists them as the reader reads them.
pub struct Keys<'a> {
    cx: &'a Ctxt,
    /// Where "missing key" errors point.
    owner: Range,
    /// How the owner is called in messages: "conv2d", "#[cost_budget]".
    what: String,
    items: Vec<(Item, bool)>,
    /// Every key asked for, in first-asked order.
    accepted: Vec<&'static str>,
}

/// Whether `items[i]` repeats the key of an earlier item; if so, reports `message(key)` on it.
pub fn repeated(
    cx: &Ctxt,
    items: &[Item],
    i: usize,
    message: impl FnOnce(&Ident) -> String,
) -> bool {
    let key = &items[i].key;
    let again = items[..i].iter().any(|earlier| &earlier.key == key);
    if again {
        cx.error(key.span(), message(key));
    }
    again
}

impl<'a> Keys<'a> {
    pub fn new(
        cx: &'a Ctxt,
        owner: impl Into<Range>,
        what: impl Into<String>,
        items: Vec<Item>,
    ) -> Self {
        let what = what.into();
        for i in 0..items.len() {
            repeated(cx, &items, i, |k| {
                format!("duplicate key `{k}` in {what}; give it once")
            });
        }
        Keys {
            cx,
            owner: owner.into(),
            what,
            items: items.into_iter().map(|i| (i, false)).collect(),
            accepted: Vec::new(),
        }
    }

    pub fn cx(&self) -> &'a Ctxt {
        self.cx
    }

    fn accept(&mut self, key: &'static str) {
        if !self.accepted.contains(&key) {
            self.accepted.push(key);
        }
    }

    /// Whether `key` was written, without reading it (the order keys are read in is the
    /// order "expected one of" lists them).
    pub fn written(&self, key: &str) -> bool {
        self.items.iter().any(|(i, _)| i.is(key))
    }

    /// Whether no key at all was written.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Where the kind was written, for errors about the keys together.
    pub fn owner(&self) -> Range {
        self.owner
    }

    /// Whether `key` was written (with or without a value).
    pub fn present(&mut self, key: &'static str) -> bool {
        self.accept(key);
        self.items.iter().any(|(i, _)| i.is(key))
    }

    /// The entry for `key` (the first of duplicates), marked as used.
    pub fn take(&mut self, key: &'static str) -> Option<Item> {
        self.accept(key);
        let first = self.items.iter().position(|(i, _)| i.is(key))?;
        for (i, used) in &mut self.items {
            if i.is(key) {
                *used = true;
            }
        }
        Some(self.items[first].0.clone())
    }

    /// The value of `key = value`; a flag or list in its place is an error.
    pub fn value(&mut self, key: &'static str) -> Option<Value> {
        let item = self.take(key)?;
        match item.body {
            Body::Value(v) => Some(v),
            _ => {
                self.cx.error(
                    item.range,
                    format!("`{key}` takes a value: write `{key} = …`"),
                );
                None
            }
        }
    }

    /// Reports a missing required key, unless it was written (and reported) or a leftover
    /// key looks like a typo of it (reported with a hint by [`Keys::finish`]).
    pub fn missing(&mut self, key: &'static str, example: &str) {
        let typo = self
            .items
            .iter()
            .any(|(i, used)| !used && suggest(&i.key.to_string(), &[key]).is_some());
        if !self.present(key) && !typo {
            self.cx.error(
                self.owner,
                format!("{} needs `{key}`: add `{example}`", self.what),
            );
        }
    }

    /// Reports `key`, when written, with `message`, which says what to write instead; it is
    /// then not reported again as unknown, nor listed among the keys accepted.
    pub fn refuse(&mut self, key: &str, message: &str) {
        for (item, used) in &mut self.items {
            if item.is(key) && !*used {
                *used = true;
                self.cx.error(item.key.span(), message);
            }
        }
    }

    /// Reports every key not taken, with the keys asked for.
    pub fn finish(self) {
        for (item, used) in &self.items {
            if *used {
                continue;
            }
            let key = item.key.to_string();
            let message = if self.accepted.is_empty() {
                format!("{} takes no keys: write `{}`", self.what, self.what)
            } else {
                unknown_key(&key, &self.what, &self.accepted)
            };
            self.cx.error(item.key.span(), message);
        }
    }
}

/// "unknown key `key` in `what`", with the closest accepted key or all of them.
pub fn unknown_key(key: &str, what: &str, accepted: &[&str]) -> String {
    unknown(
        format!("unknown key `{key}` in {what}"),
        key,
        accepted,
        "expected one of",
    )
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggestions() {
        assert_eq!(
            suggest("kernal_size", &["channels", "kernel_size"]),
            Some("kernel_size")
        );
        assert_eq!(suggest("stides", &["strides", "stride"]), Some("strides"));
        assert_eq!(suggest("foo", &["channels", "kernel_size"]), None);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("abc", "abd"), 1);
        assert_eq!(distance("sikp", "skip"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(suggest("sikp", &["silu", "skip"]), Some("skip"));
    }

    #[test]
    fn keys_accept_what_is_read_in_the_order_read() {
        let items = crate::attr::items(quote::quote!(beta = 1, unrelated = 2)).unwrap();
        let cx = Ctxt::default();
        let mut keys = Keys::new(&cx, proc_macro2::Span::call_site(), "k", items);
        assert!(keys.value("beta").is_some());
        assert!(keys.value("alpha").is_none());
        assert!(!keys.present("gamma"));
        keys.finish();
        let messages: Vec<String> = cx
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            ["unknown key `unrelated` in k; expected one of: beta, alpha, gamma"]
        );
    }
}
