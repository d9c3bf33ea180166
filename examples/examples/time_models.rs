//! Times one forward pass of each example model on the CPU and sets it beside the sum of the
//! model's per-layer predictions on a CPU profile.
//!
//! ```text
//! cargo run --release -p alphaflops-examples --example time_models [-- PROFILE.toml [--layers]]
//! ```
//!
//! Per model: 5 warm-up passes, then the median of `RUNS` timed passes (default 30; set the
//! `RUNS` environment variable for more). Prints a header line, then one line per model:
//! `model,kernels,median_ms,predicted_ms,error_pct`, where `predicted_ms` is
//! `CostModel::model().price(&profile)` (the `#[cost_budget]` graph priced layer by layer and
//! summed) and `error_pct = (predicted − measured) / measured · 100`.
//!
//! The profile (default `alphaflops-core/profiles/cpu-amd-epyc-2c-candle.toml`) was measured on candle-core's
//! kernels. `candle_cnn` runs on candle, so its row is a like-for-like check. The two burn
//! models run on burn's `flex` backend, whose kernels differ from candle's; each is therefore
//! also timed as `candle_lenet` / `candle_vgg`, the same layers written with candle, which is
//! the fair comparison for a candle profile. `--layers` prints each model's per-layer
//! predictions after the table.

use std::time::Instant;

use alphaflops::{CostModel, Model, ModelCost, Profile};
use alphaflops_examples::{burn_cpu, burn_lenet, burn_vgg, candle_cnn};
use burn::tensor::Tensor as BurnTensor;
use candle_core::{DType, Device as CandleDevice, Module, Tensor as CandleTensor};
use candle_nn::{Conv2dConfig, VarBuilder, VarMap};

const WARMUP: usize = 5;
const MIN_RUNS: usize = 30;

/// Runs `pass` `WARMUP` times untimed, then `runs` times timed; returns the median in ms.
fn median_ms(runs: usize, mut pass: impl FnMut()) -> f64 {
    for _ in 0..WARMUP {
        pass();
    }
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let mid = ms.len() / 2;
    if ms.len().is_multiple_of(2) {
        (ms[mid - 1] + ms[mid]) / 2.0
    } else {
        ms[mid]
    }
}

/// Times a candle forward pass, returning the first error instead of a time if one occurs.
fn candle_median_ms(
    runs: usize,
    mut pass: impl FnMut() -> candle_core::Result<CandleTensor>,
) -> candle_core::Result<f64> {
    let mut failure = None;
    let t = median_ms(runs, || {
        if let Err(e) = pass() {
            failure = Some(e);
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(t),
    }
}

/// LeNet-5 as `burn_lenet::LeNet`, layer for layer, on candle's kernels.
struct CandleLeNet {
    conv1: candle_nn::Conv2d,
    conv2: candle_nn::Conv2d,
    fc1: candle_nn::Linear,
    fc2: candle_nn::Linear,
    fc3: candle_nn::Linear,
}

impl CandleLeNet {
    fn new(vb: VarBuilder) -> candle_core::Result<Self> {
        let pad2 = Conv2dConfig {
            padding: 2,
            ..Default::default()
        };
        Ok(Self {
            conv1: candle_nn::conv2d(1, 6, 5, pad2, vb.pp("conv1"))?,
            conv2: candle_nn::conv2d(6, 16, 5, Default::default(), vb.pp("conv2"))?,
            fc1: candle_nn::linear(400, 120, vb.pp("fc1"))?,
            fc2: candle_nn::linear(120, 84, vb.pp("fc2"))?,
            fc3: candle_nn::linear(84, 10, vb.pp("fc3"))?,
        })
    }

    /// The forward pass as named ops, named after the annotated model's layers
    /// (`burn_lenet::LeNet` prices its shared ReLU at each use, as `conv1.relu` and so on).
    fn ops(&self) -> Vec<Op<'_>> {
        vec![
            ("conv1", Box::new(|x| self.conv1.forward(x))),
            ("conv1.relu", Box::new(|x| x.relu())),
            ("pool1", Box::new(|x| x.max_pool2d(2))),
            ("conv2", Box::new(|x| self.conv2.forward(x))),
            ("conv2.relu", Box::new(|x| x.relu())),
            ("pool2", Box::new(|x| x.max_pool2d(2))),
            ("flatten", Box::new(|x| x.flatten_from(1))),
            ("fc1", Box::new(|x| self.fc1.forward(x))),
            ("fc1.relu", Box::new(|x| x.relu())),
            ("fc2", Box::new(|x| self.fc2.forward(x))),
            ("fc2.relu", Box::new(|x| x.relu())),
            ("fc3", Box::new(|x| self.fc3.forward(x))),
        ]
    }
}

/// The VGG of `burn_vgg::Vgg`, layer for layer, on candle's kernels (dropout is the identity
/// at inference and is left out).
struct CandleVgg {
    convs: [candle_nn::Conv2d; 4],
    fc1: candle_nn::Linear,
    fc2: candle_nn::Linear,
}

impl CandleVgg {
    fn new(vb: VarBuilder) -> candle_core::Result<Self> {
        let pad1 = Conv2dConfig {
            padding: 1,
            ..Default::default()
        };
        let conv = |i: usize, c_in: usize, c_out: usize| {
            candle_nn::conv2d(c_in, c_out, 3, pad1, vb.pp(format!("conv{i}")))
        };
        Ok(Self {
            convs: [
                conv(1, 3, 32)?,
                conv(2, 32, 32)?,
                conv(3, 32, 64)?,
                conv(4, 64, 64)?,
            ],
            fc1: candle_nn::linear(64 * 8 * 8, 128, vb.pp("fc1"))?,
            fc2: candle_nn::linear(128, 10, vb.pp("fc2"))?,
        })
    }

    /// The forward pass as named ops, named after `burn_vgg::Vgg`'s fields.
    fn ops(&self) -> Vec<Op<'_>> {
        let [c1, c2, c3, c4] = &self.convs;
        vec![
            ("conv1", Box::new(|x| c1.forward(x))),
            ("relu1", Box::new(|x| x.relu())),
            ("conv2", Box::new(|x| c2.forward(x))),
            ("pool1", Box::new(|x| x.max_pool2d(2))),
            ("conv3", Box::new(|x| c3.forward(x))),
            ("relu2", Box::new(|x| x.relu())),
            ("conv4", Box::new(|x| c4.forward(x))),
            ("pool2", Box::new(|x| x.max_pool2d(2))),
            ("flatten", Box::new(|x| x.flatten_from(1))),
            ("fc1", Box::new(|x| self.fc1.forward(x))),
            ("relu3", Box::new(|x| x.relu())),
            ("fc2", Box::new(|x| self.fc2.forward(x))),
        ]
    }
}

/// `candle_cnn::CandleCnn`'s forward pass as its named fields.
fn cnn_ops(m: &candle_cnn::CandleCnn) -> Vec<Op<'_>> {
    vec![
        ("conv1", Box::new(|x| m.conv1.forward(x))),
        ("relu1", Box::new(|x| m.relu1.forward(x))),
        ("pool1", Box::new(|x| m.pool1.forward(x))),
        ("conv2", Box::new(|x| m.conv2.forward(x))),
        ("relu2", Box::new(|x| m.relu2.forward(x))),
        ("pool2", Box::new(|x| m.pool2.forward(x))),
        ("flatten", Box::new(|x| m.flatten.forward(x))),
        ("fc", Box::new(|x| m.fc.forward(x))),
    ]
}

/// One named op of a candle forward pass.
type Op<'a> = (
    &'static str,
    Box<dyn Fn(&CandleTensor) -> candle_core::Result<CandleTensor> + 'a>,
);

/// Runs the ops in order.
fn run_ops(ops: &[Op<'_>], x: &CandleTensor) -> candle_core::Result<CandleTensor> {
    let mut x = x.clone();
    for (_, op) in ops {
        x = op(&x)?;
    }
    Ok(x)
}

/// Each op timed alone on the input it gets in the forward pass: `(name, median ms)`.
fn time_ops(
    runs: usize,
    ops: &[Op<'_>],
    x: &CandleTensor,
) -> candle_core::Result<Vec<(&'static str, f64)>> {
    let mut x = x.clone();
    let mut out = Vec::new();
    for (name, op) in ops {
        out.push((*name, candle_median_ms(runs, || op(&x))?));
        x = op(&x)?;
    }
    Ok(out)
}

fn price(model: Model, profile: &Profile) -> Result<ModelCost, Box<dyn std::error::Error>> {
    Ok(model.price(profile)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs = match std::env::var("RUNS") {
        Ok(v) => v
            .parse::<usize>()
            .map_err(|e| format!("RUNS={v}: {e}; give a number of timed passes"))?
            .max(MIN_RUNS),
        Err(_) => MIN_RUNS,
    };
    let mut args = std::env::args().skip(1);
    let mut profile_path = format!(
        "{}/../alphaflops-core/profiles/cpu-amd-epyc-2c-candle.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut layers = false;
    for a in args.by_ref() {
        if a == "--layers" {
            layers = true;
        } else if a == "--" {
        } else if a.starts_with('-') {
            return Err(
                format!("unknown option `{a}`; pass a profile path and/or --layers").into(),
            );
        } else {
            profile_path = a;
        }
    }
    let text = std::fs::read_to_string(&profile_path)
        .map_err(|e| format!("{profile_path}: cannot read the profile: {e}"))?;
    let profile = Profile::from_toml_str(&text, &profile_path)?;
    eprintln!(
        "profile {} ({}), {runs} timed passes per model",
        profile.name, profile.device.backend
    );

    let lenet_cost = price(burn_lenet::LeNet::model(), &profile)?;
    let vgg_cost = price(burn_vgg::Vgg::model(), &profile)?;
    let cnn_cost = price(candle_cnn::CandleCnn::model(), &profile)?;
    let mut rows: Vec<(&str, &str, f64, &ModelCost)> = Vec::new();

    let device = burn_cpu();
    // burn executes lazily on some backends; reading the result back (`into_data`) makes
    // each timed pass include the whole computation.
    let lenet = burn_lenet::LeNet::new(&device);
    let x = BurnTensor::<4>::zeros(burn_lenet::INPUT, &device);
    let t = median_ms(runs, || {
        let _ = lenet.forward(x.clone()).into_data();
    });
    rows.push(("burn_lenet", "burn flex", t, &lenet_cost));

    let vgg = burn_vgg::Vgg::new(&device);
    let x = BurnTensor::<4>::zeros(burn_vgg::INPUT, &device);
    let t = median_ms(runs, || {
        let _ = vgg.forward(x.clone()).into_data();
    });
    rows.push(("burn_vgg", "burn flex", t, &vgg_cost));

    let cpu = CandleDevice::Cpu;
    let (_varmap, cnn) = candle_cnn::CandleCnn::init_cpu()?;
    let x = CandleTensor::zeros(&candle_cnn::INPUT, DType::F32, &cpu)?;
    let t = candle_median_ms(runs, || cnn.forward(&x))?;
    rows.push(("candle_cnn", "candle", t, &cnn_cost));
    let cnn_ops = cnn_ops(&cnn);
    let mut per_op = Vec::new();
    if layers {
        per_op.push((&cnn_cost, "candle_cnn", time_ops(runs, &cnn_ops, &x)?));
    }

    // The candle copies are checked against the burn annotations they are priced with.
    let varmap = VarMap::new();
    let lenet = CandleLeNet::new(VarBuilder::from_varmap(&varmap, DType::F32, &cpu))?;
    alphaflops::verify_candle::<burn_lenet::LeNet>(&varmap)?;
    let x = CandleTensor::zeros(&burn_lenet::INPUT, DType::F32, &cpu)?;
    let ops = lenet.ops();
    let t = candle_median_ms(runs, || run_ops(&ops, &x))?;
    rows.push(("candle_lenet", "candle", t, &lenet_cost));
    if layers {
        per_op.push((&lenet_cost, "candle_lenet", time_ops(runs, &ops, &x)?));
    }

    let varmap = VarMap::new();
    let vgg = CandleVgg::new(VarBuilder::from_varmap(&varmap, DType::F32, &cpu))?;
    alphaflops::verify_candle::<burn_vgg::Vgg>(&varmap)?;
    let x = CandleTensor::zeros(&burn_vgg::INPUT, DType::F32, &cpu)?;
    let ops = vgg.ops();
    let t = candle_median_ms(runs, || run_ops(&ops, &x))?;
    rows.push(("candle_vgg", "candle", t, &vgg_cost));
    if layers {
        per_op.push((&vgg_cost, "candle_vgg", time_ops(runs, &ops, &x)?));
    }

    println!("model,kernels,median_ms,predicted_ms,error_pct");
    for (name, kernels, t, cost) in &rows {
        let p = cost.predicted_ms;
        println!("{name},{kernels},{t:.4},{p:.4},{:.1}", (p - t) / t * 100.0);
    }
    // Per op: candle's time for that op alone beside the annotated layer's prediction
    // (`-` where the annotation has no such layer, e.g. the flatten, a free reshape).
    for (cost, model, ops) in &per_op {
        println!(
            "\n{model} per op on {}: op,kind,median_ms,predicted_ms",
            cost.profile
        );
        for (name, t) in ops {
            match cost.layers.iter().find(|l| l.name == *name) {
                Some(l) => println!("{name},{},{t:.4},{:.4}", l.op, l.predicted_ms),
                None => println!("{name},-,{t:.4},-"),
            }
        }
    }
    Ok(())
}
