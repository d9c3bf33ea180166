//! The kernel-aware timing model ([`alphaflops_core::timing`]): the paper's form is its exact
//! special case, tiles and waves step where they should, saturation is monotone, and the new
//! sections parse (format 2 only) and round-trip.

use alphaflops_core::{
    ConvWorkload, GemmClass, KernelOp, Profile, ProfileError, WorkloadOp, price_kernels,
};
use proptest::prelude::*;

/// The paper's profile with a GEMM class that changes nothing.
fn paper_as_gemm() -> Profile {
    let mut p = Profile::default_profile();
    let text = format!(
        "{}\n[[gemm_class]]\nms_per_flop = {:e}\n",
        Profile::default_profile()
            .to_toml_string()
            .replacen("format = 1", "format = 2", 1),
        p.timing.ms_per_flop
    );
    p = Profile::from_toml_str(&text, "paper-as-gemm.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.gemm_classes.len(), 1);
    p
}

/// A format-1 profile, as older alphaflops wrote them; one class with γ > 1.
const FORMAT_1: &str = r#"format = 1
name = "old"

[device]
name = "d"
kind = "gpu"
backend = "b"
dtype = "bf16"

[timing]
ms_per_flop = 1e-9

[[alpha_class]]
min_kernel_area = 1
beta = 0.55
gamma = 9.8
"#;

fn with_class(class: &str) -> Result<Profile, ProfileError> {
    let text = Profile::default_profile()
        .to_toml_string()
        .replacen("format = 1", "format = 2", 1);
    Profile::from_toml_str(&format!("{text}\n[[gemm_class]]\n{class}\n"), "g.toml")
}

proptest! {
    /// Bit for bit: every conv and dense shape costs the same through the GEMM class.
    #[test]
    fn paper_form_is_the_special_case(h in 1u64..300, w in 1u64..300, c_in in 1u64..512,
        c_out in 1u64..512, k in 1u64..8, batch in 1u64..4) {
        let paper = Profile::default_profile();
        let gemm = paper_as_gemm();
        let wl = ConvWorkload { batch, h, w, c_in, c_out, k1: k, k2: k, stride: 1, groups: 1, op: WorkloadOp::Conv2d };
        let a = wl.price(&paper).unwrap();
        let b = wl.price(&gemm).unwrap();
        prop_assert_eq!(a.predicted_ms.to_bits(), b.predicted_ms.to_bits());
        prop_assert_eq!(a.alpha_flops.to_bits(), b.alpha_flops.to_bits());
    }

    /// Without tiles, more output channels never cost less (saturation falls, work grows).
    #[test]
    fn time_grows_with_every_axis(h in 1u64..64, c_in in 1u64..256, c_out in 1u64..256) {
        let p = with_class("ms_per_flop = 1e-10\nalpha = false\nm_half = 50.0\nm_power = 1.0\nn_half = 20.0\nn_power = 0.7\nk_half = 30.0\nk_power = 0.5\nlatency_ms = 0.001").unwrap();
        let t = |h, c_in, c_out| ConvWorkload::new(h, h, c_in, c_out, 3, 3).price(&p).unwrap().predicted_ms;
        let base = t(h, c_in, c_out);
        prop_assert!(t(h + 1, c_in, c_out) >= base);
        prop_assert!(t(h, c_in + 1, c_out) >= base);
        prop_assert!(t(h, c_in, c_out + 1) >= base);
    }
}

#[test]
fn tiles_and_waves_make_steps() {
    // 1×1 convolutions on 8×8 (m = 64), tiles 64 × 32 over 2 units.
    let p = with_class(
        "op = \"conv\"\nms_per_flop = 1e-9\nalpha = false\ntile_m = 64\ntile_n = 32\nunits = 2",
    )
    .unwrap();
    let t = |c_out| {
        ConvWorkload::new(8, 8, 16, c_out, 1, 1)
            .price(&p)
            .unwrap()
            .predicted_ms
    };
    // Up to 2 tiles (n ≤ 64) fill one wave: the same time whatever c_out.
    assert_eq!(t(1), t(64));
    assert_eq!(t(33), t(64));
    // One more column starts a second wave: twice the time.
    assert!((t(65) / t(64) - 2.0).abs() < 1e-12, "{} {}", t(65), t(64));
    assert_eq!(t(65), t(128));
    // Dense layers keep the [timing] form: the class is for convolutions only.
    let dense = ConvWorkload::new(4, 1, 16, 16, 1, 1);
    assert_eq!(
        dense.price(&p).unwrap().predicted_ms.to_bits(),
        dense
            .price(&Profile::default_profile())
            .unwrap()
            .predicted_ms
            .to_bits()
    );
    assert!(p.gemm_class(KernelOp::Matmul).is_none());
}

#[test]
fn gemm_terms_roofline_latency_and_floor() {
    let p = with_class("ms_per_flop = 1e-9\nalpha = false\nms_per_byte = 1e-6\ncombine = \"max\"\nlatency_ms = 0.5\nfloor_ms = 0.7").unwrap();
    // 3×3, 2 → 4 on 5×5: 3600 FLOPs (3.6e-6 ms), 222 elements = 888 bytes (8.88e-4 ms).
    let k = ConvWorkload::new(5, 5, 2, 4, 3, 3).eval().unwrap().kernels;
    let ms = price_kernels(&p, &k).unwrap().predicted_ms;
    assert!((ms - 0.7).abs() < 1e-12, "floor: {ms}");
    let p = with_class("ms_per_flop = 1e-9\nalpha = false\nms_per_byte = 1e-6\ncombine = \"max\"\nlatency_ms = 0.5").unwrap();
    let ms = price_kernels(&p, &k).unwrap().predicted_ms;
    assert!(
        (ms - (0.5 + 8.88e-4)).abs() < 1e-12,
        "latency + memory: {ms}"
    );
}

#[test]
fn format_2_sections_are_checked() {
    // Format 1 cannot carry them: the error points at the section.
    let text = format!("{FORMAT_1}\n[[gemm_class]]\nms_per_flop = 1e-9\n");
    let e = Profile::from_toml_str(&text, "old.toml").unwrap_err();
    assert!(e.message.contains("need `format = 2`"), "{e}");
    assert_eq!(text.lines().nth(e.line - 1), Some("[[gemm_class]]"), "{e}");
    for (class, want) in [
        ("ms_per_flop = 0.0", "must be greater than 0"),
        ("ms_per_flop = 1e-9\ntile_m = 0", "whole number ≥ 1, got 0"),
        ("ms_per_flop = 1e-9\nn_half = -1.0", "must not be negative"),
        ("ms_per_flop = 1e-9\nunits = 1.5", "invalid type"),
        ("ms_per_flop = 1e-9\nwaves = 2", "unknown field `waves`"),
        (
            "ms_per_flop = 1e-9\n[[gemm_class]]\nms_per_flop = 1e-9",
            "two [[gemm_class]] without `op`",
        ),
    ] {
        let e = with_class(class).unwrap_err();
        assert!(e.message.contains(want), "{class}: {e}");
    }
    let range = "[[fitted_range]]\nop = \"conv\"\nrows = 1\nflops = [5.0, 1.0]\nbytes = [1.0, 2.0]";
    let e = with_class(&format!("ms_per_flop = 1e-9\n{range}")).unwrap_err();
    assert!(e.message.contains("smallest first"), "{e}");
    // A full class round-trips.
    let p = with_class("op = \"matmul\"\nms_per_flop = 1e-9\nalpha = false\nn_half = 3.0\nn_power = 1.0\ntile_m = 16\nunits = 8\nmemory = \"im2col\"").unwrap();
    assert_eq!(
        Profile::from_toml_str(&p.to_toml_string(), "again").unwrap(),
        p
    );
    let c: &GemmClass = p.gemm_class(KernelOp::Matmul).unwrap();
    assert_eq!((c.tile_m, c.tile_n, c.units), (16, 1, 8));
}

/// A GEMM with more rows is never priced faster by a GEMM class, even where α·S of a class
/// with γ > 1 falls as S grows (below S* = (γ − 1)(1 − β)·S_K/β ≈ 7.2 here); above S* the
/// class prices α itself. `[timing]` keeps the paper's formula unchanged.
#[test]
fn more_rows_never_cost_less_in_a_gemm_class() {
    let old = Profile::from_toml_str(FORMAT_1, "old.toml").unwrap();
    let text = format!(
        "{}\n[[gemm_class]]\nms_per_flop = 1e-9\n",
        FORMAT_1.replacen("format = 1", "format = 2", 1)
    );
    let new = Profile::from_toml_str(&text, "new.toml").unwrap();
    let t = |p: &Profile, m: u64| {
        ConvWorkload::new(m, 1, 4096, 4096, 1, 1)
            .price(p)
            .unwrap()
            .predicted_ms
    };
    let mut last = 0.0;
    for m in 1..64 {
        let ms = t(&new, m);
        assert!(ms >= last * (1.0 - 1e-12), "m = {m}: {ms} < {last}");
        last = ms;
    }
    // Below S* every row count costs what S* costs: one-row products as the knee's.
    let (beta, gamma) = (0.55f64, 9.8f64);
    let knee = (gamma - 1.0) * (1.0 - beta) / beta;
    let at_knee =
        ((1.0 + beta * (knee - 1.0)) / knee).powf(gamma) * knee * 2.0 * 4096.0 * 4096.0 * 1e-9;
    for m in 1..=7 {
        assert!((t(&new, m) / at_knee - 1.0).abs() < 1e-9, "m = {m}");
    }
    for m in [8, 20, 500] {
        assert_eq!(t(&new, m).to_bits(), t(&old, m).to_bits(), "m = {m}");
    }
    // The paper's form itself is applied unchanged: there one row costs more than four.
    assert!(t(&old, 1) > t(&old, 4));
}
