//! Layers that only move data: `identity`, `flatten`, `transpose` and `select` (views, no
//! kernel), and `concat`, `pixel_shuffle`, `pixel_unshuffle`, `unfold4d` (copies) and
//! `fold4d` (a copy that sums where its windows overlap).

use super::common::{axis, elementwise_kernel, nonzero, per_dim, split_nc, window_out};
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product, sum};

/// PyTorch's `flatten(start_dim, end_dim)`: a view.
pub(super) fn flatten(
    start_dim: i64,
    end_dim: i64,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let (s, e) = (input.axis(start_dim)?, input.axis(end_dim)?);
    if s > e {
        return Err(LayerError::Invalid(format!(
            "flatten's start_dim {start_dim} comes after end_dim {end_dim}"
        )));
    }
    let d = input.dims();
    let mut out = d[..s].to_vec();
    out.push(product(&d[s..=e], "the flattened size")?);
    out.extend_from_slice(&d[e + 1..]);
    Ok(LayerEval {
        output: Shape(out),
        params: 0,
        kernels: vec![],
    })
}

/// Two dimensions swapped: a view.
pub(super) fn transpose(dim0: i64, dim1: i64, input: &Shape) -> Result<LayerEval, LayerError> {
    let (a, b) = (input.axis(dim0)?, input.axis(dim1)?);
    let mut out = input.0.clone();
    out.swap(a, b);
    Ok(LayerEval {
        output: Shape(out),
        params: 0,
        kernels: vec![],
    })
}

/// One index of a dimension taken, the dimension removed: a view.
pub(super) fn select(dim: i64, index: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    let axis = input.axis(dim)?;
    if index >= input.dims()[axis] {
        return Err(LayerError::Invalid(format!(
            "index {index} is out of range for dimension {dim} of size {}",
            input.dims()[axis]
        )));
    }
    let mut out = input.0.clone();
    out.remove(axis);
    Ok(LayerEval {
        output: Shape(out),
        params: 0,
        kernels: vec![],
    })
}

/// Concatenation along `dim`.
pub(super) fn concat(dim: i64, input: &Shape, others: &[Shape]) -> Result<LayerEval, LayerError> {
    if others.is_empty() {
        return Err(LayerError::Invalid("concat needs a second input".into()));
    }
    let axis = input.axis(dim)?;
    let mut out = input.0.clone();
    for other in others {
        let same_elsewhere = other.rank() == input.rank()
            && other
                .dims()
                .iter()
                .zip(input.dims())
                .enumerate()
                .all(|(i, (a, b))| i == axis || a == b);
        if !same_elsewhere {
            return Err(LayerError::Invalid(format!(
                "concat along dimension {dim} needs shapes equal elsewhere, got {input} and {other}"
            )));
        }
        out[axis] = sum(&[out[axis], other.dims()[axis]], "the concatenated size")?;
    }
    let out = Shape(out);
    let n_out = out.numel()?;
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_out, n_out])?],
    })
}

/// PyTorch's `PixelShuffle(r)` (burn's `PixelShuffle`): `[*, C·r², H, W]` → `[*, C, H·r, W·r]`,
/// a permutation copied, no arithmetic.
pub(super) fn pixel_shuffle(r: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    nonzero(r, "upscale_factor")?;
    let (lead, c, h, w) = channels_and_plane("pixel_shuffle", input)?;
    let r2 = product(&[r, r], "upscale_factor²")?;
    if !c.is_multiple_of(r2) {
        return Err(LayerError::Invalid(format!(
            "pixel_shuffle needs channels divisible by upscale_factor² = {r2}, but the input {input} has {c}"
        )));
    }
    let mut out = lead.to_vec();
    out.extend([
        c / r2,
        product(&[h, r], "the output height")?,
        product(&[w, r], "the output width")?,
    ]);
    permuted(input, Shape(out))
}

/// PyTorch's `PixelUnshuffle(r)`: `[*, C, H·r, W·r]` → `[*, C·r², H, W]`, the inverse.
pub(super) fn pixel_unshuffle(r: u64, input: &Shape) -> Result<LayerEval, LayerError> {
    nonzero(r, "downscale_factor")?;
    let (lead, c, h, w) = channels_and_plane("pixel_unshuffle", input)?;
    if !h.is_multiple_of(r) || !w.is_multiple_of(r) {
        return Err(LayerError::Invalid(format!(
            "pixel_unshuffle needs height and width divisible by downscale_factor = {r}, but the input is {input}"
        )));
    }
    let mut out = lead.to_vec();
    out.extend([product(&[c, r, r], "the output channels")?, h / r, w / r]);
    permuted(input, Shape(out))
}

/// `[*, C, H, W]` split into the leading dimensions and C, H, W.
fn channels_and_plane<'a>(
    op: &'static str,
    input: &'a Shape,
) -> Result<(&'a [u64], u64, u64, u64), LayerError> {
    let d = input.dims();
    if d.len() < 3 {
        return Err(LayerError::Rank {
            op,
            expected: "[…, C, H, W]",
            got: input.clone(),
        });
    }
    let n = d.len();
    Ok((&d[..n - 3], d[n - 3], d[n - 2], d[n - 1]))
}

/// `input` copied into `output`'s order: read once, written once.
fn permuted(input: &Shape, output: Shape) -> Result<LayerEval, LayerError> {
    let (n_in, n_out) = (input.numel()?, output.numel()?);
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![elementwise_kernel(Elementwise::Copy, 0, &[n_in, n_out])?],
    })
}

/// Checks the sliding window of unfold4d and fold4d: two sizes each, padding at least 0.
fn check_window(
    kernel: &[u64],
    stride: &[u64],
    dilation: &[u64],
    padding: &[u64],
) -> Result<(), LayerError> {
    per_dim(kernel, 2, "kernel_size", 1)?;
    per_dim(stride, 2, "stride", 1)?;
    per_dim(dilation, 2, "dilation", 1)?;
    per_dim(padding, 2, "padding", 0)
}

/// The windows along each axis of a `[H, W]` image, by the convolution's rule.
fn windows(
    spatial: &[u64],
    kernel: &[u64],
    stride: &[u64],
    dilation: &[u64],
    padding: &[u64],
) -> Result<Vec<u64>, LayerError> {
    (0..2)
        .map(|i| {
            window_out(
                axis(i, 2),
                spatial[i],
                (padding[i], padding[i]),
                kernel[i],
                stride[i],
                dilation[i],
                false,
            )
        })
        .collect()
}

/// PyTorch's `nn.Unfold` (burn's `Unfold4d`): `[N, C, H, W]` → `[N, C·k1·k2, L]`, one column
/// per sliding window, L windows by the convolution's rule; a copy, no arithmetic.
pub(super) fn unfold4d(
    kernel: &[u64],
    stride: &[u64],
    dilation: &[u64],
    padding: &[u64],
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    check_window(kernel, stride, dilation, padding)?;
    let (n, c, spatial) = split_nc("unfold4d", input, 2)?;
    let windows = windows(&spatial, kernel, stride, dilation, padding)?;
    let output = Shape(vec![
        n,
        product(&[c, kernel[0], kernel[1]], "the unfolded channels")?,
        product(&windows, "the windows")?,
    ]);
    permuted(input, output)
}

/// PyTorch's `nn.Fold` (burn's `Fold4d`), unfold4d's inverse: `[N, C·k1·k2, L]` →
/// `[N, C, H, W]` with `[H, W] = output_size` and L the windows the convolution's rule fits
/// in it. Each column element lands on one output pixel unless it falls in the padding, and
/// is added there (col2im): one FLOP per landed element.
pub(super) fn fold4d(
    output_size: &[u64],
    kernel: &[u64],
    stride: &[u64],
    dilation: &[u64],
    padding: &[u64],
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    per_dim(output_size, 2, "output_size", 1)?;
    check_window(kernel, stride, dilation, padding)?;
    if input.rank() != 3 {
        return Err(LayerError::Rank {
            op: "fold4d",
            expected: "[N, C·k1·k2, L]",
            got: input.clone(),
        });
    }
    let (n, columns, blocks) = (input.dims()[0], input.dims()[1], input.dims()[2]);
    let area = product(kernel, "the kernel area")?;
    if !columns.is_multiple_of(area) {
        return Err(LayerError::Invalid(format!(
            "fold4d expects channels that are a multiple of the kernel area {} · {} = {area}, but the input {input} has {columns}",
            kernel[0], kernel[1]
        )));
    }
    let windows = windows(output_size, kernel, stride, dilation, padding)?;
    let mut landed = Vec::with_capacity(2);
    for i in 0..2 {
        landed.push(landed_taps(
            output_size[i],
            windows[i],
            kernel[i],
            stride[i],
            dilation[i],
            padding[i],
        )?);
    }
    let expected = product(&windows, "the windows")?;
    if blocks != expected {
        return Err(LayerError::Mismatch {
            op: "fold4d",
            what: "blocks (windows of output_size)",
            expected,
            actual: blocks,
            got: input.clone(),
        });
    }
    let c = columns / area;
    let output = Shape(vec![n, c, output_size[0], output_size[1]]);
    let adds = product(&[n, c, landed[0], landed[1]], "the FLOP count")?;
    let n_out = output.numel()?;
    Ok(LayerEval {
        output,
        params: 0,
        kernels: vec![elementwise_kernel(
            Elementwise::Copy,
            adds,
            &[input.numel()?, n_out],
        )?],
    })
}

/// Along one axis of `size` pixels: the (window, kernel tap) pairs whose position
/// `window·stride + tap·dilation − padding` lies inside the axis. It walks the shorter of
/// windows and taps and counts the other in closed form, so huge sizes stay quick.
fn landed_taps(
    size: u64,
    windows: u64,
    kernel: u64,
    stride: u64,
    dilation: u64,
    padding: u64,
) -> Result<u64, LayerError> {
    let (walk, walk_step, count, count_step) = if windows <= kernel {
        (windows, stride, kernel, dilation)
    } else {
        (kernel, dilation, windows, stride)
    };
    let (size, count, step) = (i128::from(size), i128::from(count), i128::from(count_step));
    let mut landed: i128 = 0;
    for i in 0..i128::from(walk) {
        let offset = i * i128::from(walk_step) - i128::from(padding);
        // The first j with j·step + offset ≥ 0 and the last with it ≤ size − 1.
        let first = if offset >= 0 {
            0
        } else {
            (step - offset - 1) / step
        };
        if size - 1 - offset < 0 {
            continue;
        }
        let last = ((size - 1 - offset) / step).min(count - 1);
        landed += (last - first + 1).max(0);
    }
    u64::try_from(landed).map_err(|_| LayerError::Overflow("the FLOP count".into()))
}
