//! The tensor ops a forward writes inline (`reshape`, `mean`/`sum` over dimensions, `matmul`
//! of two outputs) and `custom`, which prices what its keys say: their keys read through
//! [`Keys`], as every kind's are.

use alphaflops_core::{Custom, Layer, Op};

use super::kinds::{optional, required, with};
use super::sym::{BYTES, DIM, DIMS, ELEMENTS, FLOPS, KEEPDIM, MACS, OUTPUT, PARAMS, SHAPE};
use super::{Ref, shape};
use crate::attr::{self, Value, ValueKind};
use crate::ctxt::Ctxt;
use crate::keys::Keys;

/// Whether `op` is read here rather than by `kinds`.
pub(super) fn reads(op: Op) -> bool {
    matches!(
        op,
        Op::Reshape | Op::Mean | Op::Sum | Op::Matmul | Op::Custom
    )
}

/// One of the kinds [`reads`] says, with the extra input of `matmul`.
pub(super) fn kind(mut keys: Keys, op: Op) -> Option<(Layer, Vec<Ref>)> {
    let read = match op {
        // reshape(shape = [1, -1])  (one -1 inferred; a 0 keeps the input's size there)
        Op::Reshape => required(&mut keys, SHAPE, "shape = [1, -1]", reshape_dims)
            .map(|shape| (Layer::Reshape { shape }, Vec::new())),
        // mean(dim = 1), sum(dims = [2, 3], keepdim = true)
        Op::Mean | Op::Sum => reduce(&mut keys, op),
        // matmul(with = "keys")
        Op::Matmul => with(&mut keys).map(|w| (Layer::Matmul, w)),
        // custom(macs = 1000, flops = 2500, params = 64, elements = 4096, output = [1, 10])
        Op::Custom => custom(&mut keys).map(|c| (Layer::Custom(c), Vec::new())),
        // `kinds` routes only the kinds `reads` names here.
        _ => None,
    };
    keys.finish();
    read
}

/// `dim = 1` or `dims = [2, 3]`: dimension indices, negative ones counting from the end.
fn dims(cx: &Ctxt, key: &str, v: &Value) -> Option<Vec<i64>> {
    match &v.kind {
        ValueKind::Int(_) | ValueKind::Neg(_) => attr::int(cx, key, v).map(|d| vec![d]),
        ValueKind::List(items) if !items.is_empty() => {
            let read: Vec<Option<i64>> = items.iter().map(|i| attr::int(cx, key, i)).collect();
            read.into_iter().collect()
        }
        _ => {
            attr::wrong_type(
                cx,
                key,
                v,
                "a dimension or a non-empty list of them, such as [2, 3]",
            );
            None
        }
    }
}

/// `shape = [1, -1]`: sizes of at least 1, one `-1` (inferred) and `0`s (kept).
fn reshape_dims(cx: &Ctxt, key: &str, v: &Value) -> Option<Vec<i64>> {
    let ValueKind::List(items) = &v.kind else {
        attr::wrong_type(cx, key, v, "a list of sizes such as [1, -1]");
        return None;
    };
    let shape = dims(cx, key, v)?;
    let mut ok = true;
    for (d, item) in shape.iter().zip(items) {
        if *d < -1 {
            cx.error(
                item.range,
                format!("`{key}` takes sizes of at least 1, -1 (inferred) or 0 (kept from the input), found {d}"),
            );
            ok = false;
        }
    }
    if let Some(second) = shape.iter().zip(items).filter(|(d, _)| **d == -1).nth(1) {
        cx.error(
            second.1.range,
            format!("`{key}` infers at most one size: give every size but one"),
        );
        ok = false;
    }
    ok.then_some(shape)
}

/// `mean(dim = 1)`, `sum(dims = [2, 3], keepdim = true)`.
fn reduce(keys: &mut Keys, op: Op) -> Option<(Layer, Vec<Ref>)> {
    let cx = keys.cx();
    let dim = keys.value(DIM).map(|v| dims(cx, DIM, &v));
    let list = keys.value(DIMS).map(|v| (dims(cx, DIMS, &v), v.range));
    let keepdim = optional(keys, KEEPDIM, false, attr::boolean);
    let dims = match (dim, list) {
        (Some(d), None) => d,
        (None, Some((d, _))) => d,
        (Some(_), Some((_, range))) => {
            cx.error(range, "give either `dim` or `dims`, not both");
            None
        }
        (None, None) => {
            keys.missing(DIM, "dim = 1` or `dims = [2, 3]");
            None
        }
    };
    let (dims, keepdim) = (dims?, keepdim?);
    let layer = match op {
        Op::Mean => Layer::Mean { dims, keepdim },
        _ => Layer::Sum { dims, keepdim },
    };
    Some((layer, Vec::new()))
}

/// `custom(...)`: every key optional, at least one given; `flops` at least `2·macs`.
fn custom(keys: &mut Keys) -> Option<Custom> {
    let cx = keys.cx();
    let written = [MACS, FLOPS, PARAMS, ELEMENTS, OUTPUT]
        .iter()
        .any(|k| keys.written(k));
    // A count past u64 once doubled (as FLOPs) is refused where it is written.
    let macs = match keys.value(MACS) {
        Some(v) => attr::uint(cx, MACS, &v).filter(|m| {
            let fits = m.checked_mul(2).is_some();
            if !fits {
                cx.error(
                    v.range,
                    format!("`macs = {m}` is more than u64 can count as FLOPs (2·macs)"),
                );
            }
            fits
        }),
        None => Some(0),
    };
    let flops = match keys.value(FLOPS) {
        Some(v) => attr::uint(cx, FLOPS, &v).and_then(|f| match macs {
            Some(m) if f < 2 * m => {
                let twice = 2 * m;
                cx.error(
                    v.range,
                    format!("`flops = {f}` is below 2·macs = {twice}: a multiply-accumulate counts as two FLOPs; give at least {twice} or leave `flops` out"),
                );
                None
            }
            _ => Some(Some(f)),
        }),
        None => Some(None),
    };
    let params = optional(keys, PARAMS, 0, attr::uint);
    let elements = optional(keys, ELEMENTS, 0, attr::uint);
    let output = match keys.value(OUTPUT) {
        Some(v) => shape(cx, OUTPUT, &v).map(|s| Some(s.0)),
        None => Some(None),
    };
    keys.refuse(
        BYTES,
        "`custom` counts memory in elements, which a profile prices at its dtype's size: write `elements = …`, the elements read and written (bytes / bytes per element)",
    );
    if !written {
        // Other keys written are reported as unknown or refused; none at all, here.
        if keys.is_empty() {
            cx.error(
                keys.owner(),
                "`custom` prices nothing as written: give at least one of `macs`, `flops`, `params`, `elements` or `output`, or use `identity` for an op that costs nothing",
            );
        }
        return None;
    }
    Some(Custom {
        macs: macs?,
        flops: flops?,
        params: params?,
        elements: elements?,
        output: output?,
    })
}
