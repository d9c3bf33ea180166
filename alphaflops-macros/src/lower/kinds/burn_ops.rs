//! The keys of burn-nn's less common modules: `gaussian_noise`, `fold4d`, the two-input
//! `cosine_similarity` and `pairwise_distance`, and `deform_conv2d`. A child of `kinds`, so
//! it reads keys with the same helpers.

use alphaflops_core::layer::DeformConv;
use alphaflops_core::{Conv, Layer, Padding};

use super::conv::{channels, conv_padding};
use super::{checked, optional, required, with};
use crate::attr::{self, Value};
use crate::ctxt::Ctxt;
use crate::keys::Keys;
use crate::lower::Ref;
use crate::lower::sym::*;

/// A finite number of at least 0 (burn's configs panic on anything else).
fn non_negative(cx: &Ctxt, key: &str, v: &Value) -> Option<f64> {
    let x = attr::number(cx, key, v)?;
    if x.is_finite() && x >= 0.0 {
        Some(x)
    } else {
        cx.error(
            v.range,
            format!("`{key}` must be at least 0, found {x}{}", v.via()),
        );
        None
    }
}

/// gaussian_noise(std = 0.1): the identity at inference, whatever the spread.
pub(super) fn gaussian_noise(keys: &mut Keys) -> Option<Layer> {
    required(keys, STD, "std = 0.1", non_negative).map(|_| Layer::GaussianNoise)
}

/// One size per spatial dimension of a 2-d kind, or one for both, at least `min`.
fn two(cx: &Ctxt, key: &str, v: &Value, min: u64) -> Option<Vec<u64>> {
    attr::uints(cx, key, v, &[2], min)
}

/// fold4d(output_size = [8, 8], kernel_size = [3, 3], stride = 1, dilation = 1, padding = 0),
/// burn's `Fold4dConfig` in its order.
pub(super) fn fold4d(keys: &mut Keys) -> Option<Layer> {
    let sizes = |cx: &Ctxt, key: &str, v: &Value| two(cx, key, v, 1);
    let pads = |cx: &Ctxt, key: &str, v: &Value| two(cx, key, v, 0);
    let output_size = required(keys, OUTPUT_SIZE, "output_size = [8, 8]", sizes);
    let kernel = required(keys, KERNEL_SIZE, "kernel_size = [3, 3]", sizes);
    let stride = optional(keys, STRIDE, vec![1, 1], sizes);
    let dilation = optional(keys, DILATION, vec![1, 1], sizes);
    let padding = optional(keys, PADDING, vec![0, 0], pads);
    Some(Layer::Fold4d {
        output_size: output_size?,
        kernel: kernel?,
        stride: stride?,
        dilation: dilation?,
        padding: padding?,
    })
}

/// A two-input kind's `with` (the other input), then the end of its keys.
fn with_other(mut keys: Keys, layer: Option<Layer>) -> Option<(Layer, Vec<Ref>)> {
    let with = with(&mut keys);
    keys.finish();
    Some((layer?, with?))
}

/// cosine_similarity(dim = 1, eps = 1e-8, with = "other"): burn's `CosineSimilarityConfig`;
/// the eps does not change the cost.
pub(super) fn cosine_similarity(mut keys: Keys) -> Option<(Layer, Vec<Ref>)> {
    let dim = optional(&mut keys, DIM, 1, attr::int);
    checked(&mut keys, EPS, attr::number);
    with_other(keys, dim.map(|dim| Layer::CosineSimilarity { dim }))
}

/// pairwise_distance(p = 2.0, eps = 1e-6, with = "other"): burn's `PairwiseDistanceConfig`;
/// the eps does not change the cost, the norm's p does.
pub(super) fn pairwise_distance(mut keys: Keys) -> Option<(Layer, Vec<Ref>)> {
    let p = optional(&mut keys, P, 2.0, attr::number);
    checked(&mut keys, EPS, attr::number);
    with_other(keys, p.map(|p| Layer::PairwiseDistance { p }))
}

/// deform_conv2d(channels = [in, out], kernel_size = [3, 3], stride, dilation, weight_groups,
/// offset_groups, padding, bias, with = "offset" or ["offset", "mask"]): burn's
/// `DeformConv2dConfig` in its order, then its forward's other inputs.
pub(super) fn deform_conv2d(mut keys: Keys) -> Option<(Layer, Vec<Ref>)> {
    let sizes = |cx: &Ctxt, key: &str, v: &Value| two(cx, key, v, 1);
    let channels = channels(&mut keys);
    let kernel = required(&mut keys, KERNEL_SIZE, "kernel_size = [3, 3]", sizes);
    let stride = optional(&mut keys, STRIDE, vec![1, 1], sizes);
    let dilation = optional(&mut keys, DILATION, vec![1, 1], sizes);
    let weight_groups = optional(&mut keys, WEIGHT_GROUPS, 1, attr::positive);
    let offset_groups = optional(&mut keys, OFFSET_GROUPS, 1, attr::positive);
    let padding = optional(&mut keys, PADDING, Padding::Valid, |cx, _, v| {
        conv_padding(cx, v, 2)
    });
    let bias = optional(&mut keys, BIAS, true, attr::boolean);
    let layer = (|| {
        let (in_channels, out_channels) = channels?;
        Some(Layer::DeformConv2d(DeformConv {
            conv: Conv {
                in_channels,
                out_channels,
                kernel: kernel?,
                stride: stride?,
                padding: padding?,
                dilation: dilation?,
                groups: weight_groups?,
                bias: bias?,
            },
            offset_groups: offset_groups?,
        }))
    })();
    with_other(keys, layer)
}
