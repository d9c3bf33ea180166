//! The executed graph of a burn model: its forward pass recorded by burn's graph capture
//! (feature `capture`, `Device::capture()`), turned into a core [`Model`] priced like an
//! annotated one, and compared with the annotations by [`verify_forward`].
//!
//! ```ignore
//! // Any burn module, annotated or not: a cost table at run time.
//! let traced = alphaflops::trace(&model, [1, 3, 224, 224], |m, x| m.forward(x))?;
//! let cost = traced.price(&Profile::default_profile())?;
//! assert!(traced.unpriced().is_empty(), "{:?}", traced.unpriced());
//!
//! // An annotated module: the annotation checked against what `forward` runs.
//! alphaflops::verify_forward(&model, |m, x| m.forward(x))?;
//! ```
//!
//! **Capture, not execution.** The model is copied onto a capture device with every tensor
//! (parameters and batch norm's running statistics) replaced by a recorded `zeros` of its
//! shape, so nothing is computed, no weight is copied, lazily initialised parameters stay
//! uninitialised and the caller's model is left untouched, whatever device it lives on
//! (autodiff included: the copy is [`Module::valid`]). The forward then records every
//! operation with its tensor shapes instead of running it. A forward that reads a tensor's
//! values (`into_data`, `into_scalar`, data-dependent control flow) cannot be captured and
//! fails with [`TraceError::Forward`].
//!
//! **What becomes what.** burn records its modules' own operations: `conv1d`/`conv2d`,
//! `conv_transpose2d`, pooling, `batch_norm`, `layer_norm`, `embedding` and the activations
//! become the catalog's layers of the same name; an `add` of equal shapes and a `cat` become
//! `add` and `concat`. burn's `Linear` runs as `x·W` with `W` a parameter, then a broadcast
//! `+ b`: one catalog `linear`, its bias fused as the catalog counts it; its `SiLU` runs as
//! `x · sigmoid(x)`: one `silu`. What the catalog has no layer for is priced directly as
//! kernels ([`TracedOp::eval`]): matrix products with batch dimensions (attention's `QKᵀ` and
//! `AV`, `m·n·k` MACs per batch element), burn's fused attention, element-wise arithmetic
//! (1 FLOP per output element: broadcast `add`/`sub`/`mul`/`div`, scalar arithmetic, `exp`,
//! `log`, `sqrt`, `erf`, comparisons, clamps), reductions (1 FLOP per input element, +1 per
//! output element for a mean) and copies (`repeat`, `pad`, `gather`, masks: no FLOPs).
//! Views (`reshape`, `swap_dims`, `permute`, `expand`, `slice`, casts) are free, as
//! `flatten`/`transpose`/`select` are in the catalog; creations (`zeros`, `ones`, `full`,
//! `random`, data) are constants. Everything else (backward passes, `interpolate`,
//! `grid_sample`, 3-d convolutions, custom ops, …) is listed by [`TracedModel::unpriced`]
//! with its count, never dropped silently.
//!
//! **Names.** An operation reading a parameter is named after the field holding it
//! (`layer1.0.conv1`, from `layer1.0.conv1.weight`), the path `#[layer]` annotations use; a
//! parameterless one after the operation whose output it reads (`conv1.relu`), or after
//! itself when it reads the model's input. A parameter read again (a tied LM head's
//! `x · Eᵀ`, a linear applied twice) counts once, at its first use.
//!
//! **burn's rotation.** burn's `RotaryEncoding` reads no parameter (its frequencies are a
//! constant tensor): it rotates pairs with a matmul against a constant `[2, 4]` sign matrix
//! (4 MACs per rotated element), multiplies by the frequencies and sums the pairs. Those
//! three ops are priced as they run and marked [`TracedOp::part_of`] `rotary_encoding`, so
//! [`verify_forward`] compares them with the annotation's `rotary_encoding`.
//!
//! candle has no public graph to capture (its `Tensor::op` is crate-private), so candle
//! models are checked against their weights only, by `verify_candle`.

mod convert;
mod forward;

use std::fmt;
use std::ops::Deref;

use alphaflops_core::{
    Layer, LayerCost, LayerEval, Model, ModelCost, ModelError, Profile, Shape, price_kernels,
};
use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Bool, Device, Int, Tensor};

pub use forward::{ELEMENTWISE_TOLERANCE, assert_forward, verify_forward};

/// Why a forward pass could not be traced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceError {
    /// The forward pass panicked on the capture device (for example by reading a tensor's
    /// values, which a capture does not compute).
    Forward { message: String },
    /// burn's capture refused the graph.
    Capture { message: String },
    /// The input shape has another rank than the forward's input tensor.
    Rank { expected: usize, got: Vec<u64> },
    /// A dimension does not fit in `usize`, or the shape is empty.
    Shape { message: String },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Forward { message } => write!(
                f,
                "the forward pass failed on burn's capture device: {message} (a capture records operations without computing them, so a forward that reads tensor values cannot be traced)"
            ),
            TraceError::Capture { message } => {
                write!(
                    f,
                    "burn's graph capture refused the forward pass: {message}"
                )
            }
            TraceError::Rank { expected, got } => write!(
                f,
                "the annotation's input {} has rank {}, but the forward closure takes a rank-{expected} tensor",
                Shape(got.clone()),
                got.len()
            ),
            TraceError::Shape { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for TraceError {}

/// How alphaflops prices one captured operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Pricing {
    /// A layer of the catalog: the same counts as an annotation of it.
    Layer(Layer),
    /// Kernels built from the captured shapes (matmuls, element-wise arithmetic, reductions,
    /// copies) where the catalog has no layer.
    Kernels,
    /// A view or a constant: free, as in the catalog.
    Free,
    /// Not priced: listed by [`TracedModel::unpriced`].
    Unpriced,
}

/// One operation the forward pass ran.
#[derive(Clone, Debug, PartialEq)]
pub struct TracedOp {
    /// Named after the field it reads weights of, or the operation whose output it reads
    /// (see the [module docs](self)).
    pub name: String,
    /// burn's operation, snake case (`conv2d`, `matmul`, `relu`, `add_scalar`, …).
    pub op: String,
    /// The field whose parameters it reads (`layer1.0.conv1`), if any.
    pub field: Option<String>,
    pub inputs: Vec<Shape>,
    pub output: Shape,
    pub pricing: Pricing,
    /// Its counts and kernels (empty for free and unpriced operations).
    pub eval: LayerEval,
    /// What it ran, for messages: "3×3 convolution, stride 2, padding 1".
    pub detail: String,
    /// The catalog layer it is a step of, as burn decomposes that layer, where the steps
    /// read no parameter to name it by: `rotary_encoding` for burn's rotation (a matmul with
    /// a constant sign matrix, a product with the frequencies, a sum of pairs).
    /// [`verify_forward`] compares such steps with that layer, not as ops of their own.
    pub part_of: Option<&'static str>,
    /// Computed from constants alone, reading neither the input nor a parameter (a causal
    /// mask built by `tril_mask`): the same values at every forward.
    pub from_constants: bool,
}

impl TracedOp {
    /// Whether the op is priced ([`Pricing::Layer`] or [`Pricing::Kernels`]).
    pub fn is_priced(&self) -> bool {
        matches!(self.pricing, Pricing::Layer(_) | Pricing::Kernels)
    }
}

/// An operation alphaflops cannot price, with how often the forward ran it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpriced {
    /// burn's operation, snake case (`interpolate`, `custom:signal::rfft`, …).
    pub op: String,
    pub count: usize,
    /// The output shape of its first occurrence.
    pub first_output: Vec<u64>,
}

impl fmt::Display for Unpriced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} × {} (first to {})",
            self.count,
            self.op,
            Shape(self.first_output.clone())
        )
    }
}

/// A forward pass as alphaflops prices it: every captured operation ([`TracedModel::ops`]),
/// and the core [`Model`] of those the layer catalog prices (through `Deref`).
///
/// [`TracedModel::price`] prices every priced operation, catalog layers and directly priced
/// kernels alike (the `Model` alone leaves out the kernels the catalog has no layer for, such
/// as attention's batched products).
#[derive(Clone, Debug, PartialEq)]
pub struct TracedModel {
    model: Model,
    ops: Vec<TracedOp>,
    unpriced: Vec<Unpriced>,
}

impl Deref for TracedModel {
    type Target = Model;

    fn deref(&self) -> &Model {
        &self.model
    }
}

impl TracedModel {
    /// Every operation the forward ran, in order, free and unpriced ones included.
    pub fn ops(&self) -> &[TracedOp] {
        &self.ops
    }

    /// The operations alphaflops could not price, by name and count, in order of first use.
    pub fn unpriced(&self) -> &[Unpriced] {
        &self.unpriced
    }

    /// The core model of the operations the layer catalog prices, each reading the shape
    /// the capture recorded.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Prices every priced operation with `profile`: one row per operation, in forward order.
    // `ModelError`, as `Model::price` returns it (core allows the size for the same reason).
    #[allow(clippy::result_large_err)]
    pub fn price(&self, profile: &Profile) -> Result<ModelCost, ModelError> {
        let mut layers = Vec::new();
        for (index, op) in self.ops.iter().enumerate() {
            if !op.is_priced() {
                continue;
            }
            let input = op.inputs.first().cloned().unwrap_or_else(|| Shape(vec![]));
            let price = price_kernels(profile, &op.eval.kernels).map_err(|error| ModelError {
                index,
                name: op.name.clone(),
                op: "traced",
                input: Some(input.clone()),
                error,
            })?;
            layers.push(LayerCost::new(
                op.name.clone(),
                &op.op,
                input,
                &op.eval,
                price,
            ));
        }
        let total_ms: f64 = layers.iter().map(|l| l.predicted_ms).sum();
        for l in &mut layers {
            l.share_pct = if total_ms > 0.0 {
                100.0 * l.predicted_ms / total_ms
            } else {
                0.0
            };
            l.energy_j = profile.energy_j(l.predicted_ms);
        }
        let add =
            |f: fn(&LayerCost) -> u64| layers.iter().try_fold(0u64, |acc, l| acc.checked_add(f(l)));
        let overflow = |what: &str| ModelError {
            index: self.ops.len(),
            name: self.model.name.clone(),
            op: "traced",
            input: None,
            error: alphaflops_core::LayerError::Overflow(format!("the model's {what} count")),
        };
        let output = self
            .ops
            .iter()
            .rev()
            .find(|o| o.pricing != Pricing::Unpriced)
            .map_or_else(|| self.model.input.clone(), |o| o.output.clone());
        let params = add(|l| l.params).ok_or_else(|| overflow("parameter"))?;
        let bytes = profile.dtype_bytes();
        // A traced graph has no chain of named outputs: its peak is the largest op's input
        // and output together; a capture holds no KV cache.
        let peak = layers
            .iter()
            .map(|l| {
                let n = |s: &alphaflops_core::Shape| s.numel().unwrap_or(u64::MAX);
                n(&l.input).saturating_add(n(&l.output))
            })
            .max()
            .unwrap_or(0);
        Ok(ModelCost {
            model: self.model.name.clone(),
            profile: profile.name.clone(),
            device: profile.device.name.clone(),
            input: self.model.input.clone(),
            output,
            active_params: params,
            weights_bytes: params.saturating_mul(bytes),
            kv_cache_bytes: 0,
            activation_bytes: peak.saturating_mul(bytes),
            training_state_bytes: 0,
            params,
            macs: add(|l| l.macs).ok_or_else(|| overflow("MAC"))?,
            flops: add(|l| l.flops).ok_or_else(|| overflow("FLOP"))?,
            alpha_flops: layers.iter().map(|l| l.alpha_flops).sum(),
            predicted_ms: total_ms,
            energy_j: profile.energy_j(total_ms),
            layers,
        })
    }
}

/// Records `forward(model, zeros(input))` on burn's capture device and prices what it ran.
///
/// `model` may live on any device; it is neither moved nor changed (see the
/// [module docs](self)). The closure's `x` is a zero tensor of shape `input` on the capture
/// device: `|m, x| m.forward(x)`, or `|m, x| m.forward(x.int())` for token ids.
pub fn trace<M, const D: usize, O>(
    model: &M,
    input: [usize; D],
    forward: impl FnOnce(&M, Tensor<D>) -> O,
) -> Result<TracedModel, TraceError>
where
    M: Module,
{
    let name = std::any::type_name::<M>()
        .rsplit("::")
        .next()
        .unwrap_or("model")
        .to_string();
    let (graph, params) = capture(model, input, forward)?;
    Ok(convert::convert(&name, &input, &graph, &params))
}

/// The parameters of the captured copy, in the order their `zeros` were recorded.
pub(crate) type ParamPaths = Vec<(String, Vec<usize>)>;

fn capture<M: Module, const D: usize, O, F: FnOnce(&M, Tensor<D>) -> O>(
    model: &M,
    input: [usize; D],
    forward: F,
) -> Result<(burn::backend::ir::GraphIr, ParamPaths), TraceError> {
    if input.contains(&0) {
        return Err(TraceError::Shape {
            message: format!(
                "the input shape {input:?} has a zero dimension; give the shape of one real input"
            ),
        });
    }
    // burn numbers capture devices with a u16 and never reuses one: one per thread, so a
    // process may trace any number of times (a fresh one if a forward traces inside a trace).
    thread_local! {
        static DEVICE: Device = Device::capture();
    }
    let shared = DEVICE.with(Device::clone);
    match capture_on(&shared, model, input, forward) {
        Err(Busy(forward)) => {
            capture_on(&Device::capture(), model, input, forward).unwrap_or_else(|_| {
                Err(TraceError::Capture {
                    message: "a fresh capture device already records a scope".into(),
                })
            })
        }
        Ok(done) => done,
    }
}

/// The capture device already records a scope (a trace inside a traced forward).
struct Busy<F>(F);

fn capture_on<M: Module, const D: usize, O, F: FnOnce(&M, Tensor<D>) -> O>(
    device: &Device,
    model: &M,
    input: [usize; D],
    forward: F,
) -> Result<Result<(burn::backend::ir::GraphIr, ParamPaths), TraceError>, Busy<F>> {
    let device = device.clone();
    let mut forward = Some(forward);
    let mut failure = None;
    let mut params = Vec::new();
    let mut output = None;
    let captured = device.capture_scope(|scope| {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Lazily initialised parameters first get a placeholder on the capture device, so
            // `valid` below does not initialise them (random draws on the caller's device).
            let copy = model.clone().map(&mut Placeholders {
                device: device.clone(),
            });
            // `valid` gives the copy running statistics of its own: mapping them in place
            // would otherwise replace the caller's (clones share them).
            let copy = copy.valid().map(&mut Zeros {
                device: device.clone(),
                path: Vec::new(),
                found: &mut params,
            });
            // Constant tensors that are no parameters (a rotary encoding's frequencies) stay
            // where the caller's model keeps them; the forward needs them on this device too.
            let copy = copy.to_device(&device);
            let x = Tensor::<D>::zeros(input, &device);
            if let Some(forward) = forward.take() {
                output = Some(forward(&copy, x));
            }
        }));
        if let Err(panic) = run {
            failure = Some(panic_message(panic));
        }
        scope.complete([], [])
    });
    drop(output);
    if let (Err(burn::tensor::CaptureError::AlreadyActive), Some(forward)) = (&captured, forward) {
        return Err(Busy(forward));
    }
    if let Some(message) = failure {
        return Ok(Err(TraceError::Forward { message }));
    }
    Ok(captured
        .map(|c| (c.graph, params))
        .map_err(|e| TraceError::Capture {
            message: e.to_string(),
        }))
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// Gives uninitialised parameters an initialised placeholder (`ones`, told apart from the
/// `zeros` of [`Zeros`]) without running their initialiser; initialised ones pass unchanged.
struct Placeholders {
    device: Device,
}

impl ModuleMapper for Placeholders {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if param.is_initialized() {
            return param;
        }
        let shape = param.lazy_shape();
        Param::initialized(param.id, Tensor::ones(shape, &self.device))
    }

    fn map_int<const D: usize>(&mut self, param: Param<Tensor<D, Int>>) -> Param<Tensor<D, Int>> {
        if param.is_initialized() {
            return param;
        }
        let shape = param.lazy_shape();
        Param::initialized(param.id, Tensor::ones(shape, &self.device))
    }

    fn map_bool<const D: usize>(
        &mut self,
        param: Param<Tensor<D, Bool>>,
    ) -> Param<Tensor<D, Bool>> {
        if param.is_initialized() {
            return param;
        }
        let shape = param.lazy_shape();
        Param::initialized(param.id, Tensor::ones(shape, &self.device))
    }
}

/// Replaces every tensor with a recorded `zeros` of its shape on the capture device, noting
/// its path in recording order.
struct Zeros<'a> {
    device: Device,
    path: Vec<String>,
    found: &'a mut ParamPaths,
}

impl Zeros<'_> {
    fn note(&mut self, shape: &[usize]) {
        self.found.push((self.path.join("."), shape.to_vec()));
    }
}

impl ModuleMapper for Zeros<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let shape = param.lazy_shape();
        self.note(&shape.to_vec());
        Param::initialized(param.id, Tensor::zeros(shape, &self.device))
    }

    fn map_int<const D: usize>(&mut self, param: Param<Tensor<D, Int>>) -> Param<Tensor<D, Int>> {
        let shape = param.lazy_shape();
        self.note(&shape.to_vec());
        Param::initialized(param.id, Tensor::zeros(shape, &self.device))
    }

    fn map_bool<const D: usize>(
        &mut self,
        param: Param<Tensor<D, Bool>>,
    ) -> Param<Tensor<D, Bool>> {
        let shape = param.lazy_shape();
        self.note(&shape.to_vec());
        Param::initialized(param.id, Tensor::zeros(shape, &self.device))
    }
}
