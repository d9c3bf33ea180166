//! burn: the live module's parameters, walked with a `ModuleVisitor`.

use ::burn::module::{ModuleVisitor, Param, Parameter};
use ::burn::tensor::{Bool, Int, Tensor};

use super::{Layout, VerifyError, check};

/// Checks the `#[layer]` annotations of a burn module against its live weights.
///
/// The weights are listed with [`burn_param_shapes`] and compared with [`check`] in
/// [`Layout::Burn`].
pub fn verify<M: crate::CostModel + ::burn::module::Module>(module: &M) -> Result<(), VerifyError> {
    check(&M::model(), &burn_param_shapes(module), Layout::Burn)
}

/// Collects `(path, shape)` for every tensor parameter (float, int and bool) of a burn module,
/// in visiting order (field declaration order).
///
/// Paths are built from [`ModuleVisitor::enter_module`] names, which `#[derive(Module)]` emits
/// once per struct field (its name), once per `Vec` / array / tuple element (its index) and
/// once per enum variant (its name); `Option` adds no segment. A `Param` field holds its
/// tensor at the field's own path. Shapes are read with `Param::lazy_shape`, so
/// lazily-initialised parameters are not materialised. Non-tensor state such as `Dropout`'s
/// training flag is skipped; running statistics (`RunningState`) are listed, under their
/// field names (`running_mean`, `running_var`).
///
/// [`ModuleVisitor::enter_module`]: ::burn::module::ModuleVisitor::enter_module
pub fn burn_param_shapes<M: ::burn::module::Module>(module: &M) -> Vec<(String, Vec<usize>)> {
    let mut walker = ShapeWalker::default();
    module.visit(&mut walker);
    walker.found
}

#[derive(Default)]
struct ShapeWalker {
    path: Vec<String>,
    found: Vec<(String, Vec<usize>)>,
}

impl ShapeWalker {
    fn record<T: Parameter>(&mut self, param: &Param<T>) {
        let shape = param.lazy_shape().to_vec();
        self.found.push((self.path.join("."), shape));
    }
}

impl ModuleVisitor for ShapeWalker {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.record(param);
    }

    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<D, Int>>) {
        self.record(param);
    }

    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<D, Bool>>) {
        self.record(param);
    }
}
