//! One block per element, each bound its own parameters:
//! `#[layer(module(c_in = 32, c_out = 16), module(c_in = 16, c_out = 24), …)]` on a `Vec` or
//! an array binds element `i` with entry `i` (a MobileNet's inverted residuals, whose widths
//! and strides differ from one to the next). The entries count the elements.

use super::Env;
use super::field::{Container, Field};
use super::sym::MODULE;
use crate::attr::{Body, Item, Value};
use crate::ctxt::{Ctxt, Range};

/// What "merge them into one" adds when the attributes bind a block each: the one form that
/// binds each element.
pub(super) fn merge_hint(attrs: &[&syn::Attribute]) -> &'static str {
    let binds_a_block = |a: &&&syn::Attribute| {
        a.parse_args_with(|input: syn::parse::ParseStream| {
            let first: Item = input.parse()?;
            // The rest is read (and its errors reported) from the first attribute only.
            input.parse::<proc_macro2::TokenStream>()?;
            Ok(first)
        })
        .is_ok_and(|first| first.key == MODULE && matches!(first.body, Body::List(_)))
    };
    if attrs.iter().filter(binds_a_block).count() > 1 {
        ": one #[layer(module(...), module(...), …)] binds each element of a `Vec` or array with its own entry, in order"
    } else {
        ""
    }
}

/// Checks that `n` entries (the second at `second`) bind the elements `f` holds: as many as
/// `repeat` says when given (a count bound to a block parameter is checked where the block
/// is nested), else as its container holds.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_count(
    cx: &Ctxt,
    f: &Field,
    container: Container,
    n: u64,
    second: &Item,
    repeat: Option<(u64, &Value)>,
    attr: Range,
    env: Env,
) {
    if let Some((r, v)) = repeat {
        let waits = v.param.is_some() && env.placeholders();
        if r != n && !waits {
            cx.error(
                v.range,
                format!(
                    "`repeat = {r}`{} but #[layer] binds {n} elements, one per `module(...)` entry; drop `repeat`, the entries count the elements",
                    v.via()
                ),
            );
        }
        return;
    }
    let holds = match container {
        Container::Many(None) => return,
        Container::Many(Some(len)) if len == n => return,
        Container::Many(Some(len)) => {
            cx.error(
                attr,
                format!(
                    "`{}` holds an array of {len}, but #[layer] binds {n} with its `module(...)` entries; give one entry per element",
                    f.name
                ),
            );
            return;
        }
        Container::One => "holds one block",
        Container::Optional => "is an `Option`, which holds one block or none",
        Container::Switch => "is a `bool`",
    };
    cx.error(
        second.range,
        format!(
            "`{}` {holds}, but #[layer] binds {n} with its `module(...)` entries; make it a `Vec` or an array to hold {n}, or bind one",
            f.name
        ),
    );
}
