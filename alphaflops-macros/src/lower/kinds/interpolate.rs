//! The interpolations' keys: `output_size` or `scale_factor`, and `mode`.

use alphaflops_core::Layer;
use alphaflops_core::layer::{InterpolateMode, Resize};

use super::read::{checked, optional};
use crate::attr::{self, Value, ValueKind};
use crate::ctxt::Ctxt;
use crate::keys::{self, Keys};
use crate::lower::sym::*;

/// interpolate2d(output_size = [20, 20]), interpolate2d(scale_factor = 2, mode = "linear")
pub(super) fn interpolate(keys: &mut Keys, dims: usize) -> Option<Layer> {
    let cx = keys.cx();
    let per_dim = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 1);

    let size = keys
        .value(OUTPUT_SIZE)
        .map(|v| per_dim(cx, OUTPUT_SIZE, &v));
    let scale = keys
        .value(SCALE_FACTOR)
        .map(|v| (scale_factors(cx, &v, dims), v.range));
    let mode = optional(keys, MODE, InterpolateMode::Nearest, interpolate_mode);
    checked(keys, ALIGN_CORNERS, attr::boolean);
    let resize = match (size, scale) {
        (Some(size), None) => size.map(Resize::Size),
        (None, Some((scale, _))) => scale.map(Resize::Scale),
        (Some(_), Some((_, range))) => {
            cx.error(
                range,
                "give either `output_size` or `scale_factor`, not both",
            );
            None
        }
        (None, None) => {
            let example = if dims == 1 {
                "output_size = 100` or `scale_factor = 2"
            } else {
                "output_size = [20, 20]` or `scale_factor = 2"
            };
            keys.missing(OUTPUT_SIZE, example);
            None
        }
    };
    resize
        .zip(mode)
        .map(|(resize, mode)| Layer::Interpolate { resize, mode })
}

/// `scale_factor = 2` or `[2, 1.5]`: positive factors, one per spatial dimension (burn's
/// `f32`s).
fn scale_factors(cx: &Ctxt, v: &Value, dims: usize) -> Option<Vec<f32>> {
    let one = |v: &Value| -> Option<f32> {
        let f = attr::number(cx, SCALE_FACTOR, v)?;
        if f.is_finite() && f > 0.0 && f <= f64::from(f32::MAX) {
            Some(f as f32)
        } else {
            cx.error(
                v.range,
                format!(
                    "`scale_factor` values must be positive, found {f}{}",
                    v.via()
                ),
            );
            None
        }
    };
    match &v.kind {
        ValueKind::List(items) if items.len() == dims => items.iter().map(one).collect(),
        ValueKind::List(items) => {
            cx.error(
                v.range,
                format!("`scale_factor` takes {dims} values, found {}", items.len()),
            );
            None
        }
        _ => one(v).map(|f| vec![f; dims]),
    }
}

/// `mode = "nearest"`: an [`InterpolateMode`] by its name in snake case.
fn interpolate_mode(cx: &Ctxt, key: &str, v: &Value) -> Option<InterpolateMode> {
    let name = attr::string(cx, key, v)?;
    let mode = InterpolateMode::from_key(&name);
    if mode.is_none() {
        let names = InterpolateMode::ALL.map(InterpolateMode::key);
        let head = format!("unknown {key} `{name}`");
        cx.error(
            v.range,
            keys::unknown(head, &name, &names, "expected one of"),
        );
    }
    mode
}
