//! Resampling: `interpolate1d` and `interpolate2d` (burn's `Interpolate1d`/`Interpolate2d`,
//! PyTorch's `Upsample`/`interpolate`), to a size or by a scale factor.

use serde::{Deserialize, Serialize};

use super::common::{elementwise_kernel, split_nc};
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::{Shape, product};

/// How each output element is made from the input (burn's `InterpolateMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterpolateMode {
    /// The input element at the floor of the mapped position: a gather.
    Nearest,
    /// The input element nearest the mapped position: a gather.
    NearestExact,
    /// Linear (bilinear in 2-d): 2 taps per dimension.
    Linear,
    /// Cubic (bicubic in 2-d): 4 taps per dimension.
    Cubic,
    /// Lanczos with a = 3: 6 taps per dimension.
    Lanczos,
}

impl InterpolateMode {
    pub const ALL: [InterpolateMode; 5] = [
        InterpolateMode::Nearest,
        InterpolateMode::NearestExact,
        InterpolateMode::Linear,
        InterpolateMode::Cubic,
        InterpolateMode::Lanczos,
    ];

    /// The attribute's value: burn's variant in snake case.
    pub fn key(self) -> &'static str {
        match self {
            InterpolateMode::Nearest => "nearest",
            InterpolateMode::NearestExact => "nearest_exact",
            InterpolateMode::Linear => "linear",
            InterpolateMode::Cubic => "cubic",
            InterpolateMode::Lanczos => "lanczos",
        }
    }

    pub fn from_key(key: &str) -> Option<InterpolateMode> {
        InterpolateMode::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Input elements weighted into one output element along each dimension; 0 for a gather.
    pub fn taps(self) -> u64 {
        match self {
            InterpolateMode::Nearest | InterpolateMode::NearestExact => 0,
            InterpolateMode::Linear => 2,
            InterpolateMode::Cubic => 4,
            InterpolateMode::Lanczos => 6,
        }
    }
}

/// The output's spatial size: given, or the input's scaled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resize {
    Size(Vec<u64>),
    /// burn's `f32` factors; the size is ⌊input · factor⌋, as burn and PyTorch compute it.
    Scale(Vec<f32>),
}

/// Resampling of `[N, C, L]` or `[N, C, H, W]`. A gather (nearest) costs no FLOPs; a weighted
/// mode costs a multiply-add per tap, `2·taps^d − 1` FLOPs per output element (the weights,
/// computed once per output row and column, are not counted).
pub(super) fn interpolate(
    resize: &Resize,
    mode: InterpolateMode,
    input: &Shape,
) -> Result<LayerEval, LayerError> {
    let dims = match resize {
        Resize::Size(s) => s.len(),
        Resize::Scale(s) => s.len(),
    };
    if !(1..=2).contains(&dims) {
        return Err(LayerError::Invalid(format!(
            "interpolation takes 1 or 2 output sizes or scale factors, got {dims}"
        )));
    }
    let op = if dims == 1 {
        "interpolate1d"
    } else {
        "interpolate2d"
    };
    let (n, c, spatial) = split_nc(op, input, dims)?;
    let size: Vec<u64> = match resize {
        Resize::Size(s) => s.clone(),
        Resize::Scale(f) => spatial
            .iter()
            .zip(f)
            .map(|(&i, &f)| {
                let size = i as f64 * f64::from(f);
                if !(size.is_finite() && size >= 0.0 && size < u64::MAX as f64) {
                    return Err(LayerError::Invalid(format!(
                        "scale factor {f} is not a finite non-negative size for an input of {i}"
                    )));
                }
                Ok(size as u64)
            })
            .collect::<Result<_, _>>()?,
    };
    if size.contains(&0) {
        return Err(LayerError::EmptyOutput {
            axis: if dims == 1 {
                "length"
            } else {
                "height or width"
            },
        });
    }
    let mut out = vec![n, c];
    out.extend_from_slice(&size);
    let out = Shape(out);
    let (n_in, n_out) = (input.numel()?, out.numel()?);
    let kernel = match mode.taps() {
        0 => elementwise_kernel(Elementwise::Copy, 0, &[n_in, n_out])?,
        taps => {
            let per_output = product(&vec![taps; dims], "the taps")? * 2 - 1;
            let flops = product(&[n_out, per_output], "the FLOP count")?;
            elementwise_kernel(Elementwise::Pool, flops, &[n_in, n_out])?
        }
    };
    Ok(LayerEval {
        output: out,
        params: 0,
        kernels: vec![kernel],
    })
}
