//! Convolutions: `conv1d`, `conv2d`, `conv3d`, `conv_transpose1d`/`2d`/`3d` and
//! `deform_conv2d` (burn-nn's `conv` module).

use serde::{Deserialize, Serialize};

use super::common::{
    axis, elementwise_kernel, matmul_kernel, nonzero, per_dim, spatial_op_name, split_nc,
    window_out,
};
use super::{LayerError, LayerEval};
use crate::alpha::AlphaInput;
use crate::kernel::{Elementwise, Gemm};
use crate::shape::{Shape, product, sum};

/// How a convolution pads its input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding.
    Valid,
    /// Output size equals input size; stride must be 1 (PyTorch's rule). The total padding
    /// `dilation·(kernel − 1)` is split with the smaller half first.
    Same,
    /// `(before, after)` per spatial dimension.
    Explicit(Vec<(u64, u64)>),
}

impl Padding {
    /// Symmetric padding of `p[i]` on both sides of each spatial dimension.
    pub fn symmetric(p: &[u64]) -> Self {
        Padding::Explicit(p.iter().map(|&v| (v, v)).collect())
    }
}

/// Convolution (1-d, 2-d or 3-d by the length of `kernel`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conv {
    pub in_channels: u64,
    pub out_channels: u64,
    pub kernel: Vec<u64>,
    pub stride: Vec<u64>,
    pub padding: Padding,
    pub dilation: Vec<u64>,
    pub groups: u64,
    pub bias: bool,
}

impl Conv {
    /// A convolution with stride 1, no padding, dilation 1, one group and a bias.
    pub fn new(in_channels: u64, out_channels: u64, kernel: &[u64]) -> Self {
        let ones = vec![1; kernel.len()];
        Conv {
            in_channels,
            out_channels,
            kernel: kernel.to_vec(),
            stride: ones.clone(),
            padding: Padding::Valid,
            dilation: ones,
            groups: 1,
            bias: true,
        }
    }
    pub fn stride(mut self, stride: &[u64]) -> Self {
        self.stride = stride.to_vec();
        self
    }
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }
    pub fn dilation(mut self, dilation: &[u64]) -> Self {
        self.dilation = dilation.to_vec();
        self
    }
    pub fn groups(mut self, groups: u64) -> Self {
        self.groups = groups;
        self
    }
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
}

/// Transposed convolution, 1-d, 2-d or 3-d by the length of `kernel` (PyTorch's
/// `ConvTranspose1d`/`2d`/`3d`, symmetric padding).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvTranspose {
    pub in_channels: u64,
    pub out_channels: u64,
    pub kernel: Vec<u64>,
    pub stride: Vec<u64>,
    pub padding: Vec<u64>,
    pub output_padding: Vec<u64>,
    pub dilation: Vec<u64>,
    pub groups: u64,
    pub bias: bool,
}

pub(super) fn check_channels_groups(
    in_channels: u64,
    out_channels: u64,
    groups: u64,
) -> Result<(), LayerError> {
    nonzero(in_channels, "in_channels")?;
    nonzero(out_channels, "out_channels")?;
    nonzero(groups, "groups")?;
    if !in_channels.is_multiple_of(groups) {
        return Err(LayerError::Groups {
            groups,
            what: "in_channels",
            channels: in_channels,
        });
    }
    if !out_channels.is_multiple_of(groups) {
        return Err(LayerError::Groups {
            groups,
            what: "out_channels",
            channels: out_channels,
        });
    }
    Ok(())
}

/// `[N, C_out, spatial…]`.
fn output(n: u64, out_channels: u64, spatial: &[u64]) -> Shape {
    let mut out = vec![n, out_channels];
    out.extend_from_slice(spatial);
    Shape(out)
}

/// A convolution's parameters, either direction: `C_out·(C_in/groups)·K` weights (a
/// transposed one's `C_in·(C_out/groups)·K` is the same number) and a bias per output channel.
fn params(
    in_channels: u64,
    out_channels: u64,
    groups: u64,
    kernel_area: u64,
    bias: bool,
) -> Result<u64, LayerError> {
    let weights = product(
        &[out_channels, in_channels / groups, kernel_area],
        "the parameter count",
    )?;
    sum(
        &[weights, if bias { out_channels } else { 0 }],
        "the parameter count",
    )
}

pub(super) fn conv(c: &Conv, input: &Shape) -> Result<LayerEval, LayerError> {
    let dims = c.kernel.len();
    if !(1..=3).contains(&dims) {
        return Err(LayerError::Invalid(format!(
            "a convolution kernel has 1, 2 or 3 dimensions, got {dims}"
        )));
    }
    let op = spatial_op_name("conv", dims);
    check_channels_groups(c.in_channels, c.out_channels, c.groups)?;
    per_dim(&c.kernel, dims, "kernel_size", 1)?;
    per_dim(&c.stride, dims, "stride", 1)?;
    per_dim(&c.dilation, dims, "dilation", 1)?;
    let (n, cin, spatial) = split_nc(op, input, dims)?;
    if cin != c.in_channels {
        return Err(LayerError::Mismatch {
            op,
            what: "input channels",
            expected: c.in_channels,
            actual: cin,
            got: input.clone(),
        });
    }
    let pads: Vec<(u64, u64)> = match &c.padding {
        Padding::Valid => vec![(0, 0); dims],
        Padding::Same => {
            if c.stride.iter().any(|&s| s != 1) {
                return Err(LayerError::Invalid(
                    "padding \"same\" needs stride 1 (PyTorch's rule)".into(),
                ));
            }
            c.kernel
                .iter()
                .zip(&c.dilation)
                .map(|(&k, &d)| {
                    let total = d
                        .checked_mul(k - 1)
                        .ok_or_else(|| LayerError::Overflow("the padding".into()))?;
                    Ok((total / 2, total - total / 2))
                })
                .collect::<Result<_, LayerError>>()?
        }
        Padding::Explicit(p) => {
            if p.len() != dims {
                return Err(LayerError::Invalid(format!(
                    "padding has {} values but the kernel has {dims} dimensions",
                    p.len()
                )));
            }
            p.clone()
        }
    };
    let mut out_spatial = Vec::with_capacity(dims);
    for i in 0..dims {
        out_spatial.push(window_out(
            axis(i, dims),
            spatial[i],
            pads[i],
            c.kernel[i],
            c.stride[i],
            c.dilation[i],
            false,
        )?);
    }
    let out = output(n, c.out_channels, &out_spatial);
    let kernel_area = product(&c.kernel, "the kernel area")?;
    let cin_per_group = c.in_channels / c.groups;
    let params = params(c.in_channels, c.out_channels, c.groups, kernel_area, c.bias)?;
    let n_out = out.numel()?;
    let macs = product(&[n_out, cin_per_group, kernel_area], "the MAC count")?;
    let s = product(&[n, product(&out_spatial, "the output size")?], "S")?;
    let gemm = Gemm {
        batch: c.groups,
        m: s,
        n: c.out_channels / c.groups,
        k: product(&[cin_per_group, kernel_area], "the GEMM's depth")?,
    };
    let mut kernel = matmul_kernel(
        macs,
        0,
        AlphaInput::conv(kernel_area, s),
        gemm,
        &[input.numel()?, n_out, params],
    )?;
    // im2col: one column of c_in/groups · K elements per output position and group.
    // Left out (None) rather than failing the layer if it overflows.
    kernel.unfolded_elements = product(&[s, c.in_channels, kernel_area], "the unfolded input").ok();
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![kernel],
    })
}

pub(super) fn conv_transpose(c: &ConvTranspose, input: &Shape) -> Result<LayerEval, LayerError> {
    let dims = c.kernel.len();
    if !(1..=3).contains(&dims) {
        return Err(LayerError::Invalid(format!(
            "a transposed convolution kernel has 1, 2 or 3 dimensions, got {dims}"
        )));
    }
    let op = match dims {
        1 => "conv_transpose1d",
        2 => "conv_transpose2d",
        _ => "conv_transpose3d",
    };
    check_channels_groups(c.in_channels, c.out_channels, c.groups)?;
    per_dim(&c.kernel, dims, "kernel_size", 1)?;
    per_dim(&c.stride, dims, "stride", 1)?;
    per_dim(&c.dilation, dims, "dilation", 1)?;
    per_dim(&c.padding, dims, "padding", 0)?;
    per_dim(&c.output_padding, dims, "output_padding", 0)?;
    let (n, cin, spatial) = split_nc(op, input, dims)?;
    if cin != c.in_channels {
        return Err(LayerError::Mismatch {
            op,
            what: "input channels",
            expected: c.in_channels,
            actual: cin,
            got: input.clone(),
        });
    }
    let mut out_spatial = Vec::with_capacity(dims);
    for i in 0..dims {
        if c.output_padding[i] >= c.stride[i].max(c.dilation[i]) {
            return Err(LayerError::Invalid(format!(
                "output_padding {} must be smaller than stride or dilation along the {} (PyTorch's rule)",
                c.output_padding[i],
                axis(i, dims)
            )));
        }
        // (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1
        let grown = product(&[spatial[i] - 1, c.stride[i]], "the output size")?;
        let extent = product(&[c.dilation[i], c.kernel[i] - 1], "the output size")?;
        let total = sum(&[grown, extent, c.output_padding[i], 1], "the output size")?;
        let cut = product(&[2, c.padding[i]], "the padding")?;
        if total <= cut {
            return Err(LayerError::EmptyOutput {
                axis: axis(i, dims),
            });
        }
        out_spatial.push(total - cut);
    }
    let out = output(n, c.out_channels, &out_spatial);
    let kernel_area = product(&c.kernel, "the kernel area")?;
    let cout_per_group = c.out_channels / c.groups;
    let params = params(c.in_channels, c.out_channels, c.groups, kernel_area, c.bias)?;
    let n_in = input.numel()?;
    // Every input element scatters into a K window of every output channel of its group.
    let macs = product(&[n_in, cout_per_group, kernel_area], "the MAC count")?;
    let s = product(&[n, product(&out_spatial, "the output size")?], "S")?;
    // Scattered as a GEMM over input positions: each writes c_out/groups · K values.
    let gemm = Gemm {
        batch: c.groups,
        m: n_in / c.in_channels,
        n: product(&[cout_per_group, kernel_area], "the GEMM's width")?,
        k: c.in_channels / c.groups,
    };
    let kernel = matmul_kernel(
        macs,
        0,
        AlphaInput::conv(kernel_area, s),
        gemm,
        &[n_in, out.numel()?, params],
    )?;
    Ok(LayerEval {
        output: out,
        params,
        kernels: vec![kernel],
    })
}

/// burn's `DeformConv2d`: a 2-d convolution (`conv`, its `groups` burn's `weight_groups`)
/// whose every kernel tap reads the input at a learned fractional offset, `offset_groups`
/// sets of offsets shared by the input channels, optionally scaled by a mask.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeformConv {
    pub conv: Conv,
    pub offset_groups: u64,
}

/// FLOPs of one bilinear sample, as burn's deformable im2col takes it: the offset added to
/// both coordinates (2), their floors (2), fractions (2) and complements (2), then the four
/// corners weighted and summed (8 multiplies, 3 adds).
const SAMPLE_FLOPS: u64 = 19;

/// A deformable convolution of `input`, the offsets `others[0]` and, when given, the mask
/// `others[1]`: every input channel sampled bilinearly at each kernel tap of each output
/// position (19 FLOPs, 20 with the mask's multiply), then the convolution's GEMM over those
/// columns, its MACs and parameters the plain convolution's.
pub(super) fn deform_conv2d(
    d: &DeformConv,
    input: &Shape,
    others: &[Shape],
) -> Result<LayerEval, LayerError> {
    let op = "deform_conv2d";
    let c = &d.conv;
    if c.kernel.len() != 2 {
        return Err(LayerError::Invalid(format!(
            "a deformable convolution kernel has 2 dimensions, got {}",
            c.kernel.len()
        )));
    }
    per_dim(&c.kernel, 2, "kernel_size", 1)?;
    per_dim(&c.dilation, 2, "dilation", 1)?;
    nonzero(d.offset_groups, "offset_groups")?;
    check_channels_groups(c.in_channels, c.out_channels, c.groups)?;
    if !c.in_channels.is_multiple_of(d.offset_groups) {
        return Err(LayerError::Groups {
            groups: d.offset_groups,
            what: "in_channels",
            channels: c.in_channels,
        });
    }
    // burn's forward pads both sides of an axis alike, and panics otherwise.
    let uneven = match &c.padding {
        Padding::Explicit(p) => p.iter().any(|(before, after)| before != after),
        Padding::Same => c
            .kernel
            .iter()
            .zip(&c.dilation)
            .any(|(&k, &d)| (k - 1).saturating_mul(d) % 2 == 1),
        Padding::Valid => false,
    };
    if uneven {
        return Err(LayerError::Invalid(
            "deform_conv2d pads both sides of an axis alike (burn's forward): give `padding = [h, w]`, or \"same\" with an odd kernel"
                .into(),
        ));
    }
    let (n, cin, _) = split_nc(op, input, 2)?;
    if cin != c.in_channels {
        return Err(LayerError::Mismatch {
            op,
            what: "input channels",
            expected: c.in_channels,
            actual: cin,
            got: input.clone(),
        });
    }
    let (offset, mask) = match others {
        [offset] => (offset, None),
        [offset, mask] => (offset, Some(mask)),
        _ => {
            return Err(LayerError::Invalid(format!(
                "deform_conv2d takes the offsets and an optional mask besides its input, got {} other inputs",
                others.len()
            )));
        }
    };
    let mut eval = conv(c, input)?;
    let out = eval.output.dims().to_vec();
    let taps = product(
        &[d.offset_groups, c.kernel[0], c.kernel[1]],
        "the offset channels",
    )?;
    let expect = |what: &str, channels: u64, got: &Shape| {
        let want = Shape(vec![n, channels, out[2], out[3]]);
        if *got == want {
            Ok(())
        } else {
            Err(LayerError::Invalid(format!(
                "deform_conv2d expects {what} as {want} ({}offset_groups · kernel taps channels at each output position), got {got}: give `with` a layer of that shape",
                if what == "the offsets" { "2 · " } else { "" }
            )))
        }
    };
    expect(
        "the offsets",
        product(&[2, taps], "the offset channels")?,
        offset,
    )?;
    if let Some(mask) = mask {
        expect("the mask", taps, mask)?;
    }
    let positions = product(&[n, out[2], out[3]], "the output positions")?;
    let samples = product(
        &[positions, c.in_channels, c.kernel[0], c.kernel[1]],
        "the samples",
    )?;
    let per_sample = SAMPLE_FLOPS + u64::from(mask.is_some());
    let mut moved = vec![input.numel()?, offset.numel()?, samples];
    if let Some(mask) = mask {
        moved.push(mask.numel()?);
    }
    let sampling = elementwise_kernel(
        Elementwise::Pool,
        product(&[per_sample, samples], "the FLOP count")?,
        &moved,
    )?;
    eval.kernels.insert(0, sampling);
    Ok(eval)
}
