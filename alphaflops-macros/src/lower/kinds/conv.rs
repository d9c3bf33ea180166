//! The convolutions' keys: `channels`, `kernel_size`, `stride`, the paddings, `dilation`,
//! `groups` and `bias`.

use alphaflops_core::{Conv, ConvTranspose, Layer, Padding};

use super::read::{optional, required};
use crate::attr::{self, Value, ValueKind};
use crate::ctxt::Ctxt;
use crate::keys::Keys;
use crate::lower::sym::*;

/// conv2d(channels = [in, out], kernel_size = [kh, kw], stride, padding, dilation, groups, bias)
pub(super) fn conv(keys: &mut Keys, dims: usize) -> Option<Layer> {
    conv_keys(
        keys,
        dims,
        |keys| {
            optional(keys, PADDING, Padding::Valid, |cx, _, v| {
                conv_padding(cx, v, dims)
            })
        },
        |_| Some(()),
    )
    .map(|(c, padding, ())| {
        Layer::Conv(Conv {
            in_channels: c.channels.0,
            out_channels: c.channels.1,
            kernel: c.kernel,
            stride: c.stride,
            padding,
            dilation: c.dilation,
            groups: c.groups,
            bias: c.bias,
        })
    })
}

/// conv_transpose2d(channels = [in, out], kernel_size, stride, padding, padding_out, dilation, groups, bias)
pub(super) fn conv_transpose(keys: &mut Keys, dims: usize) -> Option<Layer> {
    let pads = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 0);
    conv_keys(
        keys,
        dims,
        |keys| optional(keys, PADDING, vec![0; dims], pads),
        |keys| optional(keys, PADDING_OUT, vec![0; dims], pads),
    )
    .map(|(c, padding, output_padding)| {
        Layer::ConvTranspose(ConvTranspose {
            in_channels: c.channels.0,
            out_channels: c.channels.1,
            kernel: c.kernel,
            stride: c.stride,
            padding,
            output_padding,
            dilation: c.dilation,
            groups: c.groups,
            bias: c.bias,
        })
    })
}

/// `groups = 1` and `bias = true`, shared by the convolutions.
fn groups_and_bias(keys: &mut Keys) -> (Option<u64>, Option<bool>) {
    let groups = optional(keys, GROUPS, 1, attr::positive);
    let bias = optional(keys, BIAS, true, attr::boolean);
    (groups, bias)
}

/// `channels = [in, out]`.
pub(super) fn channels(keys: &mut Keys) -> Option<(u64, u64)> {
    required(keys, CHANNELS, "channels = [in, out]", |cx, key, v| {
        attr::uints(cx, key, v, &[2], 1)
    })
    .map(|c| (c[0], c[1]))
}

/// `padding = [h, w]`, `[top, left, bottom, right]` (burn), `"same"` or `"valid"`; 1-d: `p`,
/// `[left, right]`; 3-d: `p` or `[d, h, w]` (burn's symmetric `PaddingConfig3d`).
pub(super) fn conv_padding(cx: &Ctxt, v: &Value, dims: usize) -> Option<Padding> {
    match &v.kind {
        ValueKind::Str(s) if s == "same" => Some(Padding::Same),
        ValueKind::Str(s) if s == "valid" => Some(Padding::Valid),
        ValueKind::Str(s) => {
            cx.error(
                v.range,
                format!("unknown padding `{s}`: use \"same\", \"valid\" or numbers"),
            );
            None
        }
        _ => {
            let lens: &[usize] = match dims {
                1 => &[1, 2],
                2 => &[2, 4],
                _ => &[3],
            };
            let p = attr::uints(cx, PADDING, v, lens, 0)?;
            Some(match (dims, p.len()) {
                (3, _) => Padding::symmetric(&p),
                (1, 1) => Padding::symmetric(&p),
                (1, _) => Padding::Explicit(vec![(p[0], p[1])]),
                (_, 2) => Padding::symmetric(&p),
                // burn's [top, left, bottom, right]
                _ => Padding::Explicit(vec![(p[0], p[2]), (p[1], p[3])]),
            })
        }
    }
}

/// The keys every convolution takes.
struct ConvKeys {
    channels: (u64, u64),
    kernel: Vec<u64>,
    stride: Vec<u64>,
    dilation: Vec<u64>,
    groups: u64,
    bias: bool,
}

/// Reads a convolution's keys in the catalog's order: `channels`, `kernel_size`, `stride`,
/// then its padding keys (`padding`, and a transposed convolution's `padding_out`),
/// then `dilation`, `groups`, `bias`. Every key is read, so every error is reported.
fn conv_keys<P, Q>(
    keys: &mut Keys,
    dims: usize,
    padding: impl FnOnce(&mut Keys) -> Option<P>,
    extra_padding: impl FnOnce(&mut Keys) -> Option<Q>,
) -> Option<(ConvKeys, P, Q)> {
    let per_dim = move |cx: &Ctxt, key: &str, v: &Value| attr::uints(cx, key, v, &[dims], 1);
    let ones = vec![1; dims];
    let channels = channels(keys);
    let example = match dims {
        3 => "kernel_size = [3, 3, 3]",
        _ => "kernel_size = [3, 3]",
    };
    let kernel = required(keys, KERNEL_SIZE, example, per_dim);
    let stride = optional(keys, STRIDE, ones.clone(), per_dim);
    let padding = padding(keys);
    let extra = extra_padding(keys);
    let dilation = optional(keys, DILATION, ones, per_dim);
    let (groups, bias) = groups_and_bias(keys);
    let read = ConvKeys {
        channels: channels?,
        kernel: kernel?,
        stride: stride?,
        dilation: dilation?,
        groups: groups?,
        bias: bias?,
    };
    Some((read, padding?, extra?))
}
