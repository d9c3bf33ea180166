//! candle: the variables of the `VarMap` a model was built from.

use super::{Layout, VerifyError, check};

/// Checks the `#[layer]` annotations of `M` against the candle [`VarMap`] its weights were
/// created in, with the model built from `vb.pp("<field name>")` per field.
///
/// The weights are listed with [`candle_param_shapes`] and compared with [`check`] in
/// [`Layout::PyTorch`].
///
/// [`VarMap`]: candle_nn::VarMap
pub fn verify_candle<M: crate::CostModel>(varmap: &candle_nn::VarMap) -> Result<(), VerifyError> {
    check(&M::model(), &candle_param_shapes(varmap), Layout::PyTorch)
}

/// Lists the variables of a candle [`VarMap`] as `(name, shape)`, sorted by name (the map is
/// a `HashMap`). Names are the `VarBuilder::pp` prefixes joined with `.`, e.g. `conv1.weight`.
///
/// A poisoned lock (another thread panicked while holding it) is read through: listing
/// shapes cannot corrupt anything.
///
/// [`VarMap`]: candle_nn::VarMap
pub fn candle_param_shapes(varmap: &candle_nn::VarMap) -> Vec<(String, Vec<usize>)> {
    let data = varmap
        .data()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut out: Vec<(String, Vec<usize>)> = data
        .iter()
        .map(|(name, var)| (name.clone(), var.dims().to_vec()))
        .collect();
    out.sort();
    out
}
