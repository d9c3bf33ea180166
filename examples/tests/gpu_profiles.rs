//! The NVIDIA H200 profiles measured with `cargo xtask bench --backend cuda` (BENCHMARKS.md,
//! "NVIDIA H200") price the example models: named in `#[cost_budget(profile = …)]`, or applied
//! to any annotated model's [`CostModel::model`].

use alphaflops::{CostModel, Profile, cost_budget};
use alphaflops_examples::{burn_lenet::LeNet, burn_vgg::Vgg, candle_cnn::CandleCnn};
use burn::nn::Relu;
use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;

/// A small head, budgeted for an H200 with TF32 convolutions (PyTorch's default).
#[allow(dead_code)]
#[cost_budget(input = [1, 1, 28, 28], profile = "nvidia-h200-cudnn-tf32", time_ms = 1.0, level = "deny")]
struct HeadOnH200 {
    #[layer(conv2d(channels = [1, 8], kernel_size = [3, 3], padding = [1, 1]))]
    conv: Conv2d,
    relu: Relu,
    #[layer(max_pool2d(kernel_size = [2, 2], strides = [2, 2]))]
    pool: MaxPool2d,
}

#[test]
fn the_attribute_prices_for_the_named_gpu() {
    let cost = HeadOnH200::cost();
    assert_eq!(cost.profile, "nvidia-h200-cudnn-tf32");
    assert_eq!(cost.device, "NVIDIA H200");
    let h200 = Profile::shipped("nvidia-h200-cudnn-tf32").unwrap();
    assert_eq!(
        cost.predicted_ms,
        HeadOnH200::model().price(&h200).unwrap().predicted_ms
    );
    assert!(
        cost.energy_j.is_some(),
        "the tf32 profile carries NVML's average power"
    );
    // Launch-bound on an H200: each of the three kernels costs at least the per-launch
    // latency (the convolutions' class's, which [timing] shares for the relu and the pool),
    // far more than its arithmetic at the profile's per-FLOP cost.
    assert_eq!(cost.layers.len(), 3);
    let latency = h200.timing.latency_ms;
    assert!(latency > 0.0);
    for l in &cost.layers {
        assert!(l.predicted_ms >= latency, "{}: {}", l.name, l.predicted_ms);
        assert!(
            l.predicted_ms > 10.0 * l.flops as f64 * h200.timing.ms_per_flop,
            "{}: {}",
            l.name,
            l.predicted_ms
        );
    }
}

#[test]
fn every_h200_profile_prices_every_example() {
    for dtype in ["f32", "tf32", "bf16"] {
        let eager = Profile::shipped(&format!("nvidia-h200-cudnn-{dtype}")).unwrap();
        let graph = Profile::shipped(&format!("nvidia-h200-cudnn-{dtype}-graph")).unwrap();
        for (name, model) in [
            ("LeNet", LeNet::model()),
            ("Vgg", Vgg::model()),
            ("CandleCnn", CandleCnn::model()),
        ] {
            let (e, g) = (model.price(&eager).unwrap(), model.price(&graph).unwrap());
            assert!(
                e.predicted_ms > 0.0 && e.predicted_ms < 10.0,
                "{name} on {dtype}: {} ms",
                e.predicted_ms
            );
            // Kernel time without the launch cost: these small models are launch-bound.
            assert!(
                g.predicted_ms < e.predicted_ms / 3.0,
                "{name} on {dtype}: {} vs {} ms",
                g.predicted_ms,
                e.predicted_ms
            );
            assert_eq!(e.energy_j.is_some(), dtype != "bf16", "{name} on {dtype}");
            assert_eq!(
                g.energy_j.is_some(),
                dtype != "bf16",
                "{name} on {dtype}, graph"
            );
        }
    }
}
