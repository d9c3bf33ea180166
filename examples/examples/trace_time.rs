//! Times `alphaflops::trace` (burn's graph capture of one forward pass, turned into a priced
//! model) on ResNet-50 and ViT-B/16, and one real forward pass of each for scale.
//!
//! ```text
//! cargo run --release -p alphaflops-examples --example trace_time
//! ```
//!
//! Per model: 3 warm-up traces, then the median of `RUNS` timed ones (default 20) of one
//! model built with burn's lazy initialisation (tracing draws no weight, so it stays
//! uninitialised), and the median of 3 forward passes on `flex` with zero weights, for
//! scale. Prints `model,ops,trace_median_ms,forward_median_ms`.

use std::time::Instant;

use alphaflops::trace;
use alphaflops_examples::burn_cpu;
use alphaflops_examples::burn_resnet::ResNet50;
use alphaflops_examples::burn_vit::VitB16;
use burn::module::Initializer;
use burn::tensor::Tensor;

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

fn time<T>(runs: usize, warmup: usize, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..warmup {
        std::hint::black_box(f());
    }
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let device = burn_cpu();
    println!("model,ops,trace_median_ms,forward_median_ms");

    let lazy = ResNet50::new(&device);
    let ops = trace(&lazy, [1, 3, 224, 224], |m, x| m.forward(x))
        .expect("resnet50 traces")
        .ops()
        .len();
    let traced = time(runs, 3, || {
        trace(&lazy, [1, 3, 224, 224], |m, x| m.forward(x))
    });
    let model = ResNet50::new(&device);
    let forward = time(3, 1, || {
        model.forward(Tensor::zeros([1, 3, 224, 224], &device))
    });
    println!("resnet50,{ops},{traced:.2},{forward:.1}");

    let lazy = VitB16::new(&device);
    let ops = trace(&lazy, [1, 3, 224, 224], |m, x| m.forward(x))
        .expect("vit_b_16 traces")
        .ops()
        .len();
    let traced = time(runs, 3, || {
        trace(&lazy, [1, 3, 224, 224], |m, x| m.forward(x))
    });
    let model = VitB16::with_initializer(&device, Initializer::Zeros);
    let forward = time(3, 1, || {
        model.forward(Tensor::zeros([1, 3, 224, 224], &device))
    });
    println!("vit_b_16,{ops},{traced:.2},{forward:.1}");
}
