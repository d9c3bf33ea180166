//! Times one forward pass of each example model on the CPU.
//!
//! ```text
//! cargo run --release -p alphaflops-examples --example time_models
//! ```
//!
//! Per model: 5 warm-up passes, then the median of `RUNS` timed passes (default 30; set the
//! `RUNS` environment variable for more). Prints `model,median_ms`, one line per model,
//! preceded by a header line.

use std::time::Instant;

use alphaflops_examples::{burn_cpu, burn_lenet, burn_vgg, candle_cnn};
use burn::tensor::Tensor as BurnTensor;
use candle_core::{DType, Device as CandleDevice, Tensor as CandleTensor};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs = match std::env::var("RUNS") {
        Ok(v) => v.parse::<usize>()?.max(MIN_RUNS),
        Err(_) => MIN_RUNS,
    };
    println!("model,median_ms");

    let device = burn_cpu();

    // burn executes lazily on some backends; reading the result back (`into_data`) makes
    // each timed pass include the whole computation.
    let lenet = burn_lenet::LeNet::new(&device);
    let x = BurnTensor::<4>::zeros(burn_lenet::INPUT, &device);
    let t = median_ms(runs, || {
        let _ = lenet.forward(x.clone()).into_data();
    });
    println!("burn_lenet,{t:.4}");

    let vgg = burn_vgg::Vgg::new(&device);
    let x = BurnTensor::<4>::zeros(burn_vgg::INPUT, &device);
    let t = median_ms(runs, || {
        let _ = vgg.forward(x.clone()).into_data();
    });
    println!("burn_vgg,{t:.4}");

    let (_varmap, cnn) = candle_cnn::CandleCnn::init_cpu()?;
    let x = CandleTensor::zeros(&candle_cnn::INPUT, DType::F32, &CandleDevice::Cpu)?;
    let mut failure = None;
    let t = median_ms(runs, || {
        if let Err(e) = cnn.forward(&x) {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    println!("candle_cnn,{t:.4}");
    Ok(())
}
