//! Tensor shapes and overflow-checked counting.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::LayerError;

/// The shape of one tensor, outermost dimension first (`[N, C, H, W]` for images,
/// `[N, T, D]` for sequences), as PyTorch and burn write it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Shape(pub Vec<u64>);

impl Shape {
    pub fn new(dims: impl Into<Vec<u64>>) -> Self {
        Shape(dims.into())
    }

    pub fn dims(&self) -> &[u64] {
        &self.0
    }

    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// Number of elements, or an overflow error naming `what`.
    pub fn numel(&self) -> Result<u64, LayerError> {
        product(&self.0, "the element count")
    }

    /// Resolves a PyTorch-style dimension index (negative counts from the end).
    pub fn axis(&self, dim: i64) -> Result<usize, LayerError> {
        let rank = self.rank() as i64;
        let resolved = if dim < 0 { rank + dim } else { dim };
        if (0..rank).contains(&resolved) {
            Ok(resolved as usize)
        } else {
            Err(LayerError::Invalid(format!(
                "dimension {dim} is out of range for the input {self} of rank {rank}"
            )))
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

impl From<Vec<u64>> for Shape {
    fn from(dims: Vec<u64>) -> Self {
        Shape(dims)
    }
}

impl<const N: usize> From<[u64; N]> for Shape {
    fn from(dims: [u64; N]) -> Self {
        Shape(dims.to_vec())
    }
}

/// Product of `factors`, or [`LayerError::Overflow`] naming `what` when it does not fit a u64.
pub fn product(factors: &[u64], what: &str) -> Result<u64, LayerError> {
    factors.iter().try_fold(1u64, |acc, &f| {
        acc.checked_mul(f)
            .ok_or_else(|| LayerError::Overflow(what.to_string()))
    })
}

/// Sum of `terms`, or [`LayerError::Overflow`] naming `what`.
pub fn sum(terms: &[u64], what: &str) -> Result<u64, LayerError> {
    terms.iter().try_fold(0u64, |acc, &t| {
        acc.checked_add(t)
            .ok_or_else(|| LayerError::Overflow(what.to_string()))
    })
}
