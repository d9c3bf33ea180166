//! Every key the attributes read, named once (serde_derive's `symbol.rs`): a key's spelling
//! is a constant, so a typo in the macro is a compile error rather than a key never read.

/// The field attribute, `#[layer(...)]`.
pub const LAYER_ATTR: &str = "layer";

// #[cost_budget(...)] and #[cost_model(...)]; the budgets are `Metric::key`s.
pub const INPUT: &str = "input";
pub const PROFILE: &str = "profile";
pub const PATH: &str = "path";
pub const LEVEL: &str = "level";
/// `params(c_in, c_out)`: a `#[cost_model]` block's parameters (`params = …` is a budget).
pub const PARAMS: &str = "params";
/// A decode step: tokens already in every attention layer's KV cache.
pub const PAST_TOKENS: &str = "past_tokens";
/// Bytes per element of the memory metrics (`"bf16"`, …).
pub const DTYPE: &str = "dtype";
/// `"inference"` (default) or `"train"`: one training step, forward and backward.
pub const MODE: &str = "mode";
/// A training step's optimizer, for its state: `"sgd"`, `"momentum"`, `"adam"`.
pub const OPTIMIZER: &str = "optimizer";

// #[layer(...)]'s own keys (and `input`).
pub const MODULE: &str = "module";
pub const SKIP: &str = "skip";
pub const REPEAT: &str = "repeat";
/// A mixture of experts: of the `repeat` copies, `active` run per token.
pub const ACTIVE: &str = "active";
pub const THEN: &str = "then";
pub const WITH: &str = "with";

// The layer kinds' keys, as burn's configs name them.
pub const CHANNELS: &str = "channels";
pub const KERNEL_SIZE: &str = "kernel_size";
pub const STRIDE: &str = "stride";
/// burn's pooling configs say `strides`; PyTorch says `stride`.
pub const STRIDES: &str = "strides";
pub const PADDING: &str = "padding";
pub const PADDING_OUT: &str = "padding_out";
pub const DILATION: &str = "dilation";
pub const GROUPS: &str = "groups";
pub const BIAS: &str = "bias";
pub const D_INPUT: &str = "d_input";
pub const D_OUTPUT: &str = "d_output";
pub const CEIL_MODE: &str = "ceil_mode";
pub const COUNT_INCLUDE_PAD: &str = "count_include_pad";
pub const OUTPUT_SIZE: &str = "output_size";
pub const NUM_FEATURES: &str = "num_features";
pub const D_MODEL: &str = "d_model";
pub const NUM_GROUPS: &str = "num_groups";
pub const NUM_CHANNELS: &str = "num_channels";
pub const EPSILON: &str = "epsilon";
pub const AFFINE: &str = "affine";
pub const DIM: &str = "dim";
pub const START_DIM: &str = "start_dim";
pub const END_DIM: &str = "end_dim";
pub const DIM0: &str = "dim0";
pub const DIM1: &str = "dim1";
pub const INDEX: &str = "index";
pub const SEQ_LEN: &str = "seq_len";
pub const N_EMBEDDING: &str = "n_embedding";
pub const N_HEADS: &str = "n_heads";
pub const DROPOUT: &str = "dropout";
pub const N_HEADS_KV: &str = "n_heads_kv";
pub const D_HEAD: &str = "d_head";
pub const CAUSAL: &str = "causal";
pub const D_CONTEXT: &str = "d_context";
pub const MAX_SEQUENCE_LENGTH: &str = "max_sequence_length";
pub const THETA: &str = "theta";
pub const UPSCALE_FACTOR: &str = "upscale_factor";
pub const DOWNSCALE_FACTOR: &str = "downscale_factor";
pub const SCALE_FACTOR: &str = "scale_factor";
pub const ALIGN_CORNERS: &str = "align_corners";
pub const MAX_SEQUENCE_SIZE: &str = "max_sequence_size";
pub const MAX_TIMESCALE: &str = "max_timescale";
pub const SIZE: &str = "size";
pub const STD: &str = "std";
pub const EPS: &str = "eps";
/// `PairwiseDistanceConfig`'s norm.
pub const P: &str = "p";
pub const WEIGHT_GROUPS: &str = "weight_groups";
pub const OFFSET_GROUPS: &str = "offset_groups";
// The tensor ops' keys (PyTorch's names) and `custom`'s counts.
pub const SHAPE: &str = "shape";
pub const DIMS: &str = "dims";
pub const KEEPDIM: &str = "keepdim";
pub const MACS: &str = "macs";
pub const FLOPS: &str = "flops";
pub const ELEMENTS: &str = "elements";
pub const OUTPUT: &str = "output";
/// Refused by `custom`: bytes depend on the dtype a profile prices at; `elements` do not.
pub const BYTES: &str = "bytes";
pub const NUM_PARAMETERS: &str = "num_parameters";
pub const ALPHA: &str = "alpha";
pub const D_HIDDEN: &str = "d_hidden";
pub const BATCH_FIRST: &str = "batch_first";
pub const REVERSE: &str = "reverse";
pub const CLIP: &str = "clip";
pub const INPUT_FORGET: &str = "input_forget";
pub const RESET_AFTER: &str = "reset_after";
pub const D_FF: &str = "d_ff";
pub const N_LAYERS: &str = "n_layers";
pub const NORM_FIRST: &str = "norm_first";
pub const QUIET_SOFTMAX: &str = "quiet_softmax";
pub const ACTIVATION: &str = "activation";
pub const LAYER_NORM_EPS: &str = "layer_norm_eps";
pub const HIDDEN_ACTIVATION: &str = "hidden_activation";
