//! Reading one key's value: required, optional, checked and dropped, or by its catalog type.

use alphaflops_core::layer::{Key, KeyType};

use super::Read;
use crate::attr::{self, Value};
use crate::ctxt::Ctxt;
use crate::keys::Keys;

/// A required value, or a "missing" error with `example`.
pub(crate) fn required<T>(
    keys: &mut Keys,
    key: &'static str,
    example: &str,
    read: impl FnOnce(&Ctxt, &str, &Value) -> Option<T>,
) -> Option<T> {
    match keys.value(key) {
        Some(v) => read(keys.cx(), key, &v),
        None => {
            keys.missing(key, example);
            None
        }
    }
}

/// A required key whose value is a positive integer: `d_model = 768`.
pub(super) fn required_positive(keys: &mut Keys, key: &'static str, example: &str) -> Option<u64> {
    required(keys, key, example, attr::positive)
}

/// An optional value, or `default` when absent.
pub(crate) fn optional<T>(
    keys: &mut Keys,
    key: &'static str,
    default: T,
    read: impl FnOnce(&Ctxt, &str, &Value) -> Option<T>,
) -> Option<T> {
    match keys.value(key) {
        Some(v) => read(keys.cx(), key, &v),
        None => Some(default),
    }
}

/// A key accepted for fidelity to burn's config that does not change the cost: its value
/// is checked, then dropped.
pub(crate) fn checked<T>(keys: &mut Keys, key: &'static str, read: Read<T>) {
    if let Some(v) = keys.value(key) {
        read(keys.cx(), key, &v);
    }
}

/// Reads a key by its type in the catalog; false when it is wrong or missing (reported).
pub(super) fn catalog_key(keys: &mut Keys, key: &Key) -> bool {
    let read: Read<()> = match key.ty {
        KeyType::Positive => |cx, k, v| attr::positive(cx, k, v).map(drop),
        KeyType::Uint => |cx, k, v| attr::uint(cx, k, v).map(drop),
        KeyType::Int => |cx, k, v| attr::int(cx, k, v).map(drop),
        KeyType::Bool => |cx, k, v| attr::boolean(cx, k, v).map(drop),
        KeyType::Probability => |cx, k, v| attr::probability(cx, k, v).map(drop),
        // Numbers, and what no parameter-free kind takes.
        _ => |cx, k, v| attr::number(cx, k, v).map(drop),
    };
    match key.default {
        Some(_) => optional(keys, key.name, (), read).is_some(),
        None => required(keys, key.name, &format!("{} = 1.0", key.name), read).is_some(),
    }
}
