//! The timing model's optional terms: a floor under every launch (`floor_ms`) and the im2col
//! memory count (`memory = "im2col"`). Each is checked on a hand-computed case, the paper's
//! form stays an exact special case, and bad values are positioned errors.

use alphaflops_core::profile::Memory;
use alphaflops_core::{
    Activation, Conv, ConvWorkload, Layer, Padding, Profile, ProfileError, Shape, price_kernels,
};

/// One class with β = 1: α = 1 for every kernel, so times are easy to compute by hand.
const FLAT: &str = r#"format = 1
name = "t"

[device]
name = "d"
kind = "cpu"
backend = "b"
dtype = "f32"

[timing]
ms_per_flop = 1e-6

[[alpha_class]]
min_kernel_area = 1
beta = 1.0
gamma = 1.0
"#;

fn with_timing(extra: &str) -> Profile {
    let text = FLAT.replacen(
        "ms_per_flop = 1e-6",
        &format!("ms_per_flop = 1e-6\n{extra}"),
        1,
    );
    Profile::from_toml_str(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn err(extra: &str) -> ProfileError {
    let text = FLAT.replacen(
        "ms_per_flop = 1e-6",
        &format!("ms_per_flop = 1e-6\n{extra}"),
        1,
    );
    Profile::from_toml_str(&text, "bad.toml").expect_err("should be rejected")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

/// A 3×3 conv, 2 → 4 channels, on a 1×2×5×5 input with "same" padding, no bias:
/// 25 positions · 4 · 2 · 9 = 1800 MACs, 3600 FLOPs; tensors 50 + 100 + 72 = 222 elements;
/// unfolded input 25 positions · 2 channels · 9 = 450 elements.
fn small_conv() -> (Layer, Shape) {
    let layer = Layer::Conv(Conv::new(2, 4, &[3, 3]).padding(Padding::Same).bias(false));
    (layer, Shape(vec![1, 2, 5, 5]))
}

#[test]
fn defaults_are_the_paper_form() {
    let p = with_timing("");
    assert_eq!(p.timing.floor_ms, 0.0);
    assert_eq!(p.timing.memory, Memory::Tensors);
    // Writing leaves the new keys out, so existing profiles round-trip byte for byte.
    let text = p.to_toml_string();
    assert!(
        !text.contains("floor_ms") && !text.contains("memory"),
        "{text}"
    );
    let d = Profile::default_profile();
    assert_eq!(d.timing.floor_ms, 0.0);
    assert_eq!(d.timing.memory, Memory::Tensors);
    assert_eq!(
        Profile::from_toml_str(&d.to_toml_string(), "written").unwrap(),
        d
    );
}

#[test]
fn conv_counts_its_unfolded_input_and_nothing_else_changes() {
    let (layer, input) = small_conv();
    let eval = layer.infer(&input).unwrap();
    let k = &eval.kernels[0];
    assert_eq!((k.macs, k.flops), (1800, 3600));
    assert_eq!(k.elements_moved, 222);
    assert_eq!(k.unfolded_elements, Some(450));
    // Grouped: every group's columns, i.e. c_in · K per position whatever the groups.
    let grouped = Layer::Conv(
        Conv::new(2, 4, &[3, 3])
            .padding(Padding::Same)
            .groups(2)
            .bias(false),
    );
    assert_eq!(
        grouped.infer(&input).unwrap().kernels[0].unfolded_elements,
        Some(450)
    );
    // Stride 2, padding 1: 3×3 output positions · 2 · 9.
    let strided = Layer::Conv(
        Conv::new(2, 4, &[3, 3])
            .stride(&[2, 2])
            .padding(Padding::symmetric(&[1, 1]))
            .bias(false),
    );
    assert_eq!(
        strided.infer(&input).unwrap().kernels[0].unfolded_elements,
        Some(162)
    );
    // A dense layer's GEMM reads its input as is: 3 rows · 8 features.
    let dense = Layer::Linear {
        d_input: 8,
        d_output: 5,
        bias: true,
    };
    assert_eq!(
        dense.infer(&Shape(vec![3, 8])).unwrap().kernels[0].unfolded_elements,
        Some(24)
    );
    // Element-wise kernels have no unfolding.
    let relu = Layer::Activation(Activation::Relu).infer(&input).unwrap();
    assert_eq!(relu.kernels[0].unfolded_elements, None);
}

#[test]
fn floor_is_a_max_not_a_sum() {
    let (layer, input) = small_conv();
    let kernels = layer.infer(&input).unwrap().kernels;
    // compute = 1e-6 · 3600 = 0.0036 ms.
    let p = with_timing("floor_ms = 0.01");
    assert!(close(
        price_kernels(&p, &kernels).unwrap().predicted_ms,
        0.01
    ));
    let p = with_timing("floor_ms = 0.001");
    assert!(close(
        price_kernels(&p, &kernels).unwrap().predicted_ms,
        0.0036
    ));
    // With a latency the floor bounds the whole launch: max(0.003, 0.002 + 0.0036).
    let p = with_timing("floor_ms = 0.003\nlatency_ms = 0.002");
    assert!(close(
        price_kernels(&p, &kernels).unwrap().predicted_ms,
        0.0056
    ));
    // Per launch, not per layer: two launches of 0.0036 under a 0.01 floor take 0.02.
    let p = with_timing("floor_ms = 0.01");
    let two = [kernels[0].clone(), kernels[0].clone()];
    assert!(close(price_kernels(&p, &two).unwrap().predicted_ms, 0.02));
}

#[test]
fn im2col_memory_prices_the_unfolded_input() {
    let (layer, input) = small_conv();
    let kernels = layer.infer(&input).unwrap().kernels;
    // ms_per_byte = 1e-6, f32: tensors 222 · 4 · 1e-6 = 0.000888 ms,
    // im2col 450 · 4 · 1e-6 = 0.0018 ms; compute 0.0036 ms.
    let tensors = with_timing("ms_per_byte = 1e-6");
    assert!(close(
        price_kernels(&tensors, &kernels).unwrap().predicted_ms,
        0.0036 + 0.000888
    ));
    let im2col = with_timing("ms_per_byte = 1e-6\nmemory = \"im2col\"");
    assert_eq!(im2col.timing.memory, Memory::Im2col);
    assert_eq!(im2col.memory_elements(&kernels[0]), 450);
    assert!(close(
        price_kernels(&im2col, &kernels).unwrap().predicted_ms,
        0.0036 + 0.0018
    ));
    // combine = "max" with a memory-bound launch: 2e-5 · 4 · 450 = 0.036 > 0.0036.
    let max = with_timing("ms_per_byte = 2e-5\nmemory = \"im2col\"\ncombine = \"max\"");
    assert!(close(
        price_kernels(&max, &kernels).unwrap().predicted_ms,
        0.036
    ));
    // Kernels without an unfolding count their tensors: ReLU moves 50 + 50.
    let relu = Layer::Activation(Activation::Relu)
        .infer(&input)
        .unwrap()
        .kernels;
    assert_eq!(im2col.memory_elements(&relu[0]), 100);
    // Writing keeps the mode.
    let again = Profile::from_toml_str(&im2col.to_toml_string(), "written").unwrap();
    assert_eq!(again, im2col);
}

#[test]
fn zero_floor_and_tensors_reproduce_the_paper_form_exactly() {
    // Same numbers with and without the explicit defaults, bit for bit.
    let plain = Profile::default_profile();
    let text = plain.to_toml_string().replacen(
        "[timing]\n",
        "[timing]\nfloor_ms = 0.0\nmemory = \"tensors\"\n",
        1,
    );
    let explicit = Profile::from_toml_str(&text, "explicit").unwrap();
    assert_eq!(explicit, plain);
    for (h, c_in, c_out, k) in [
        (32, 16, 16, 1),
        (100, 3, 64, 3),
        (300, 150, 150, 1),
        (7, 512, 512, 5),
    ] {
        let w = ConvWorkload::new(h, h, c_in, c_out, k, k);
        let a = w.price(&plain).unwrap();
        let b = w.price(&explicit).unwrap();
        assert_eq!(a.predicted_ms.to_bits(), b.predicted_ms.to_bits());
        // t = ms_per_flop · α · FLOPs, as the paper writes it.
        assert!(close(
            a.predicted_ms,
            plain.timing.ms_per_flop * a.alpha_flops
        ));
    }
}

#[test]
fn bad_values_are_positioned_errors() {
    // Line 12 is the inserted key (ms_per_flop is on line 11).
    let e = err("floor_ms = -0.1");
    assert!(e.message.contains("must not be negative"), "{e}");
    assert_eq!(
        (e.origin.as_str(), e.line, e.column),
        ("bad.toml", 12, 12),
        "{e}"
    );
    let e = err("floor_ms = nan");
    assert!(e.message.contains("not a finite number"), "{e}");
    assert_eq!(e.line, 12, "{e}");
    let e = err("memory = \"unfolded\"");
    assert!(e.message.contains("unknown variant `unfolded`"), "{e}");
    assert!(
        e.message.contains("tensors") && e.message.contains("im2col"),
        "{e}"
    );
    assert_eq!((e.line, e.column), (12, 10), "{e}");
    let e = err("memory = 1");
    assert_eq!(e.line, 12, "{e}");
    let e = err("flor_ms = 0.1");
    assert!(e.message.contains("unknown field `flor_ms`"), "{e}");
    assert_eq!((e.line, e.column), (12, 1), "{e}");
}

#[test]
fn reference_documents_the_new_keys() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/reference.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let p = Profile::from_toml_str(&text, "reference.toml").unwrap();
    assert!(p.timing.floor_ms > 0.0);
    // Both modes are documented and the key is set explicitly.
    assert!(
        text.lines().any(|l| l.starts_with("memory = ")),
        "memory key"
    );
    assert!(text.contains("\"tensors\"") && text.contains("\"im2col\""));
}

#[test]
fn reference_documents_the_format_2_sections() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/reference.toml");
    let p =
        Profile::from_toml_str(&std::fs::read_to_string(path).unwrap(), "reference.toml").unwrap();
    assert_eq!(p.format, 2);
    let g = &p.gemm_classes[0];
    assert!(g.op.is_some() && g.alpha && g.n_half > 0.0 && g.k_power > 0.0);
    assert!(g.tile_m > 1 && g.tile_n > 1 && g.units > 1);
    assert!(g.latency_ms > 0.0 && g.floor_ms > 0.0 && g.ms_per_byte > 0.0);
    let e = &p.elementwise_classes[0];
    assert!(e.op.is_some() && e.latency_ms > 0.0 && e.ms_per_byte > 0.0);
    let r = &p.fitted_ranges[0];
    assert!(r.m.is_some() && r.n.is_some() && r.k.is_some());
}

/// A model's `dtype` sets the bytes its memory terms count, on any profile; compute stays.
#[test]
fn a_models_dtype_sets_the_bytes_of_memory_terms() {
    let p = with_timing("ms_per_byte = 1e-6");
    let (layer, shape) = small_conv();
    let mut m = alphaflops_core::Model::new("m", shape);
    m.push("conv", layer);
    let f32 = m.price(&p).unwrap().predicted_ms;
    m.dtype = Some("bf16".into());
    let bf16 = m.price(&p).unwrap().predicted_ms;
    // 3600 FLOPs at 1e-6 ms each, plus 222 elements of 4 or 2 bytes at 1e-6 ms each.
    assert!(close(f32, 3600e-6 + 888e-6), "{f32}");
    assert!(close(bf16, 3600e-6 + 444e-6), "{bf16}");
    m.dtype = Some("tf32".into());
    assert_eq!(m.price(&p).unwrap().predicted_ms.to_bits(), f32.to_bits());
}
