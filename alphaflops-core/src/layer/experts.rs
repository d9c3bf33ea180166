//! Mixtures of experts: `count` copies of a block hold parameters; each token runs `active`
//! of them, so compute is `active` times one expert's, plus 2 FLOPs per output element and
//! active expert to weight and sum their outputs. The router is an ordinary `linear`.

use super::common::{elementwise_kernel, nonzero};
use super::{LayerError, LayerEval};
use crate::kernel::Elementwise;
use crate::shape::product;

/// A mixture of experts around one expert's evaluation: `count` experts' parameters,
/// `active` experts' compute, and the weighted sum of their outputs.
pub(crate) fn experts(count: u64, active: u64, expert: LayerEval) -> Result<LayerEval, LayerError> {
    nonzero(count, "the number of experts")?;
    nonzero(active, "active")?;
    if active > count {
        return Err(LayerError::Invalid(format!(
            "active = {active} is more than the {count} experts"
        )));
    }
    let n_out = expert.output.numel()?;
    let mut kernels = Vec::new();
    for _ in 0..active {
        kernels.extend(expert.kernels.iter().cloned());
    }
    let combined = product(&[active, n_out], "the expert outputs")?;
    kernels.push(elementwise_kernel(
        Elementwise::Binary,
        product(&[2, combined], "the FLOP count")?,
        &[combined, n_out],
    )?);
    Ok(LayerEval {
        output: expert.output,
        params: product(&[count, expert.params], "the parameter count")?,
        kernels,
    })
}
