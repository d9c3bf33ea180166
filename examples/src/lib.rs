//! Real-framework models for alphaflops.
//!
//! Each module builds a small, well-known model with its real framework, annotated with
//! `#[cost_budget(...)]`; tests check the macro's shapes and counts against a forward pass,
//! the live weights ([`walk`], `alphaflops::verify`) and the forward's captured graph
//! (`alphaflops::verify_forward`, `tests/forward.rs`), and the predictions against measured CPU
//! time
//! (`cargo run --release -p alphaflops-examples --example time_models`).
//!
//! | module | framework | input | output |
//! | --- | --- | --- | --- |
//! | [`burn_lenet`] | burn 0.22 (flex) | `[1, 1, 28, 28]` | `[1, 10]` |
//! | [`burn_vgg`] | burn 0.22 (flex) | `[1, 3, 32, 32]` | `[1, 10]` |
//! | [`burn_resnet`] | burn 0.22 (flex) | `[1, 3, 224, 224]` | `[1, 1000]` |
//! | [`burn_mobilenet`] | burn 0.22 (flex) | `[1, 3, 224, 224]` | `[1, 1000]` |
//! | [`burn_vit`] | burn 0.22 (flex) | `[1, 3, 224, 224]` | `[1, 1000]` |
//! | [`burn_llama`] | burn 0.22 (flex) | `[1, 16]` token ids | `[1, 16, 512]` |
//! | [`candle_cnn`] | candle 0.11 (CPU) | `[1, 1, 28, 28]` | `[1, 10]` |
//! | [`candle_llama`] | candle 0.11 (CPU) | `[1, 16]` token ids | `[1, 16, 512]` |
//!
//! In every model struct the fields are declared in forward order (activations, pooling and
//! dropout included), so an annotation pass can read them top to bottom as the op sequence;
//! a module the forward pass applies more than once (LeNet's one `Relu`) is `#[layer(skip)]`
//! and priced at each use by `then(...)` on the field before it.

pub mod burn_lenet;
pub mod burn_llama;
pub mod burn_mobilenet;
pub mod burn_resnet;
pub mod burn_vgg;
pub mod burn_vit;
pub mod candle_cnn;
pub mod candle_llama;
pub mod walk;

/// The device all burn examples run on: burn's pure-Rust CPU backend, `flex`.
pub fn burn_cpu() -> burn::tensor::Device {
    burn::tensor::Device::flex()
}

/// The macro's numbers against the framework's: the output shape of a real forward pass and
/// the live parameter count.
#[cfg(test)]
pub(crate) fn assert_agrees<M: alphaflops::CostModel>(
    out_dims: &[usize],
    live_params: usize,
    framework: &str,
) {
    let cost = M::cost();
    let dims: Vec<u64> = out_dims.iter().map(|&d| d as u64).collect();
    assert_eq!(
        cost.output.dims(),
        dims.as_slice(),
        "the macro's output shape is {framework}'s"
    );
    assert_eq!(
        cost.params, live_params as u64,
        "the macro's params are {framework}'s"
    );
}

/// burn's `num_params()` less batch norm's running mean and variance: burn visits those
/// `RunningState` tensors as it visits parameters, while PyTorch (and so torchvision's
/// published counts and the macro) treats them as buffers, not parameters.
#[cfg(test)]
pub(crate) fn burn_trainable_params<M: burn::module::Module>(model: &M) -> usize {
    let buffers: usize = alphaflops::verify::burn_param_shapes(model)
        .iter()
        .filter(|(path, _)| alphaflops::verify::is_buffer(path))
        .map(|(_, dims)| dims.iter().product::<usize>())
        .sum();
    model.num_params() - buffers
}
