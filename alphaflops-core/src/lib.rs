//! The α-FLOPs cost model behind alphaflops: a layer catalog with shape inference, counts of
//! parameters, MACs and FLOPs, the α correction of Asperti, Evangelista and Marzolla
//! (LOD 2021), device profiles and reports.
//!
//! Shapes in, numbers out: nothing here reads files, the environment or clocks ([`settings`]
//! parses the environment its caller reads).
//!
//! **MACs versus FLOPs.** `macs` counts multiply-accumulates; `flops = 2·macs` plus the
//! element-wise work documented in [`layer`]. The paper's reference code counts MACs and
//! calls them FLOPs; alphaflops never does.
//!
//! ```
//! use alphaflops_core::{Conv, Layer, Model, Padding, Profile};
//!
//! let mut model = Model::new("tiny", [1, 3, 32, 32]);
//! model.push("conv", Layer::Conv(Conv::new(3, 16, &[3, 3]).padding(Padding::Same)));
//! let cost = model.price(&Profile::default_profile()).unwrap();
//! assert_eq!(cost.macs, 32 * 32 * 3 * 16 * 9);
//! assert_eq!(cost.flops, 2 * cost.macs);
//! ```

// `ModelError` carries the layer's name and input shape, what a user needs to fix it; errors
// are rare (compile time, bad annotations), so their size does not matter.
#![allow(clippy::result_large_err)]
// Per-dimension loops index several parallel lists (kernel, stride, padding, dilation).
#![allow(clippy::needless_range_loop)]

pub mod alpha;
pub mod baseline;
pub mod budget;
pub mod cost;
pub mod kernel;
pub mod layer;
pub mod memory;
pub mod model;
pub mod params;
pub mod profile;
pub mod report;
pub mod residual;
pub mod settings;
pub mod shape;
pub mod timing;
pub mod workload;
pub mod zoo;

pub use alpha::{AlphaInput, KernelOp};
pub use budget::{Budget, Metric, Verdict};
pub use cost::{KernelPrice, LayerCost, ModelCost, price_kernels, price_kernels_after};
pub use kernel::Fusion;
pub use layer::{
    Activation, Attention, Conv, ConvTranspose, Custom, Elementwise, Gemm, InterpolateMode, Kernel,
    Layer, LayerError, LayerEval, Op, Padding, Pool, PoolKind, Resize,
};
pub use layer::{Cell, Recurrent, Transformer};
pub use memory::{Mode, Optimizer};
pub use model::{Evaluated, Model, ModelError, Node, Source};
pub use params::{NodeParams, ParamShape};
pub use profile::{
    AlphaClass, Combine, DEFAULT_PROFILE_NAME, DEFAULT_PROFILE_TOML, Device, DeviceKind, Profile,
    ProfileError, Timing,
};
pub use shape::Shape;
pub use timing::{ElementwiseClass, FittedRange, GemmClass, RangeOp};
pub use workload::{ConvWorkload, Workload, WorkloadOp};

/// Implemented by `#[cost_budget]` for annotated model structs.
pub trait CostModel {
    /// The model's cost on the profile it was annotated with.
    fn cost() -> ModelCost;

    /// The model as annotated: one node per priced field, named after the field.
    fn model() -> Model;

    /// The budgets the model was annotated with.
    fn budgets() -> Vec<Budget> {
        Vec::new()
    }

    /// The cost against each budget (budgets that cannot be predicted are left out).
    fn verdicts() -> Vec<Verdict> {
        let cost = Self::cost();
        Self::budgets()
            .iter()
            .filter_map(|b| b.check(&cost))
            .collect()
    }
}
