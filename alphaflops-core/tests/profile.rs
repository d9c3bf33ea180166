//! Profiles: the shipped ones parse, and every broken rule is an error naming file:line:col.

use alphaflops_core::{
    AlphaInput, ConvWorkload, DEFAULT_PROFILE_NAME, KernelOp, Profile, ProfileError, price_kernels,
};

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles");

#[test]
fn embedded_default_is_the_paper_profile() {
    let p = Profile::default_profile();
    assert_eq!(p.name, DEFAULT_PROFILE_NAME);
    // Format 2 for its fitted ranges only: the paper's constants, as below.
    assert_eq!(p.format, 2);
    assert_eq!(p.fitted_ranges.len(), 2);
    assert!(p.gemm_classes.is_empty() && p.elementwise_classes.is_empty());
    assert_eq!(p.timing.ms_per_flop, 0.0375e-6 / 2.0);
    assert_eq!(p.timing.latency_ms, 0.0);
    assert_eq!(p.timing.ms_per_byte, 0.0);
    let c1 = p.class(KernelOp::Conv, 1).unwrap();
    assert_eq!((c1.beta, c1.gamma), (0.02, 0.99));
    let c9 = p.class(KernelOp::Conv, 9).unwrap();
    assert_eq!((c9.beta, c9.gamma), (0.001, 0.56));
    assert!(p.energy_j(1.0).is_none());
}

#[test]
fn every_shipped_profile_parses_and_is_named_after_its_file() {
    let mut seen = 0;
    for entry in std::fs::read_dir(PROFILES).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let p = Profile::from_toml_str(&text, &path.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                Some(p.name.as_str()),
                path.file_stem().and_then(|s| s.to_str()),
                "{}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 2);
}

/// Every profile in profiles/ is embedded, so each name the README lists works outside this
/// repository; reference.toml documents the keys and is no device.
#[test]
fn every_profile_file_is_shipped() {
    for entry in std::fs::read_dir(PROFILES).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".toml"))
        else {
            continue;
        };
        assert!(
            name == "reference" || Profile::shipped(name).is_some(),
            "{} is not in profile::SHIPPED",
            path.display()
        );
    }
}

#[test]
fn shipped_profiles_are_the_files_and_price_the_zoo() {
    for (name, text) in alphaflops_core::profile::SHIPPED {
        let file = std::fs::read_to_string(format!("{PROFILES}/{name}.toml")).unwrap();
        assert_eq!(
            *text, file,
            "{name}: the embedded text is profiles/{name}.toml"
        );
        let p = Profile::shipped(name).unwrap();
        assert_eq!(p.name, *name);
        for model in ["resnet18", "vit_b_16"] {
            let cost = alphaflops_core::zoo::by_name(model, 1)
                .unwrap()
                .price(&p)
                .unwrap();
            assert!(
                cost.predicted_ms.is_finite() && cost.predicted_ms > 0.0,
                "{name} {model}"
            );
            assert_eq!(
                cost.energy_j.is_some(),
                p.device.power_w.is_some(),
                "{name} {model}"
            );
        }
    }
    assert!(Profile::shipped("no-such-profile").is_none());
    // The GPU profiles measured by `cargo xtask bench --backend cuda` (BENCHMARKS.md).
    for dtype in ["f32", "tf32", "bf16"] {
        for timing in ["", "-graph"] {
            let p = Profile::shipped(&format!("nvidia-h200-cudnn-{dtype}{timing}")).unwrap();
            assert_eq!(p.device.name, "NVIDIA H200");
            assert_eq!(p.device.dtype, dtype);
            // Refitted with the kernel-aware form: GEMM classes, the range the fit covered,
            // and the vendor's bandwidth kept for the floor.
            assert!(p.gemm_classes.len() == 2 && !p.fitted_ranges.is_empty());
            assert_eq!(p.device.memory_bandwidth_bytes_per_s, Some(4.8e12));
            if dtype != "bf16" {
                let p = Profile::shipped(&format!("nvidia-h100-cudnn-{dtype}{timing}")).unwrap();
                assert_eq!(p.device.name, "NVIDIA H100 80GB HBM3");
                assert_eq!(p.device.dtype, dtype);
                assert!(p.gemm_classes.len() == 2 && !p.fitted_ranges.is_empty());
                assert_eq!(p.device.memory_bandwidth_bytes_per_s, Some(3.35e12));
                assert!(p.device.power_w.is_some());
            }
        }
    }
}

#[test]
fn reference_documents_every_optional_key() {
    let text = std::fs::read_to_string(format!("{PROFILES}/reference.toml")).unwrap();
    let p = Profile::from_toml_str(&text, "reference.toml").unwrap();
    assert!(p.device.peak_flops_per_s.is_some());
    assert!(p.device.memory_bandwidth_bytes_per_s.is_some());
    assert!(p.device.power_w.is_some());
    assert!(p.timing.latency_ms > 0.0 && p.timing.ms_per_byte > 0.0);
    assert_eq!(p.fusion, alphaflops_core::Fusion::None);
    let matmul = p.class(KernelOp::Matmul, 1).unwrap();
    assert!(matmul.op.is_some() && matmul.latency_ms.is_some() && matmul.floor_ms.is_some());
    let prov = p.provenance.as_ref().unwrap();
    assert!(prov.date.is_some() && prov.samples.is_some() && prov.fit_mape_pct.is_some());
    assert!(!prov.environment.is_empty());
    assert!(
        p.residual
            .as_ref()
            .is_some_and(|r| r.rows.iter().any(|r| r.groups == 1))
    );
    // Energy follows from power.
    assert_eq!(p.energy_j(2.0), Some(1.4));
}

#[test]
fn a_written_profile_reads_back_equal() {
    let text = std::fs::read_to_string(format!("{PROFILES}/reference.toml")).unwrap();
    let p = Profile::from_toml_str(&text, "reference.toml").unwrap();
    let again = Profile::from_toml_str(&p.to_toml_string(), "written").unwrap();
    assert_eq!(p, again);
    let d = Profile::default_profile();
    assert_eq!(
        Profile::from_toml_str(&d.to_toml_string(), "written").unwrap(),
        d
    );
}

const GOOD: &str = r#"format = 1
name = "t"

[device]
name = "d"
kind = "gpu"
backend = "b"
dtype = "f32"

[timing]
ms_per_flop = 1e-8

[[alpha_class]]
min_kernel_area = 1
max_kernel_area = 1
beta = 0.02
gamma = 0.99

[[alpha_class]]
min_kernel_area = 2
beta = 0.001
gamma = 0.56
"#;

fn err(text: &str) -> ProfileError {
    Profile::from_toml_str(text, "bad.toml").expect_err("should be rejected")
}

/// Replaces the first occurrence of `from` in the good profile.
fn bad(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn good_profile_parses() {
    Profile::from_toml_str(GOOD, "good.toml").unwrap();
}

#[test]
fn unknown_key_names_line_and_column() {
    let e = err(&bad("gamma = 0.99", "gamma = 0.99\nbetta = 0.1"));
    assert_eq!(
        (e.origin.as_str(), e.line, e.column),
        ("bad.toml", 18, 1),
        "{e}"
    );
    assert!(e.message.contains("unknown field `betta`"), "{e}");
    assert!(e.to_string().starts_with("bad.toml:18:1: "), "{e}");
}

#[test]
fn missing_key() {
    let e = err(&bad("ms_per_flop = 1e-8", ""));
    assert!(e.message.contains("missing field `ms_per_flop`"), "{e}");
    assert_eq!(e.line, 10, "{e}");
}

#[test]
fn beta_outside_unit_interval() {
    for v in ["0.0", "1.5", "-0.1"] {
        let e = err(&bad("beta = 0.02", &format!("beta = {v}")));
        assert!(e.message.contains("beta must be in (0, 1]"), "{e}");
        assert_eq!((e.line, e.column), (16, 8), "{e}");
    }
    // β = 1 is allowed (no parallelism gain).
    Profile::from_toml_str(&bad("beta = 0.02", "beta = 1.0"), "ok").unwrap();
}

#[test]
fn negative_gamma_and_scale() {
    let e = err(&bad("gamma = 0.56", "gamma = -0.56"));
    assert!(e.message.contains("must not be negative"), "{e}");
    assert_eq!(e.line, 22, "{e}");
    let e = err(&bad("ms_per_flop = 1e-8", "ms_per_flop = -1e-8"));
    assert!(e.message.contains("must be greater than 0"), "{e}");
    assert_eq!((e.line, e.column), (11, 15), "{e}");
}

#[test]
fn nan_and_inf() {
    for v in ["nan", "inf", "-inf"] {
        let e = err(&bad("gamma = 0.99", &format!("gamma = {v}")));
        assert!(e.message.contains("not a finite number"), "{v}: {e}");
        assert_eq!(e.line, 17, "{e}");
    }
}

#[test]
fn empty_class_list() {
    let head = GOOD.split("[[alpha_class]]").next().unwrap();
    let e = err(&format!("alpha_class = []\n{head}"));
    assert!(e.message.contains("alpha_class is empty"), "{e}");
    assert_eq!(e.line, 1, "{e}");
    let e = err(head);
    assert!(e.message.contains("missing field `alpha_class`"), "{e}");
}

#[test]
fn classes_must_cover_every_kernel_area() {
    let e = err(&bad("min_kernel_area = 2", "min_kernel_area = 3"));
    assert!(e.message.contains("expected a class starting at 2"), "{e}");
    let e = err(&bad("min_kernel_area = 1", "min_kernel_area = 2"));
    assert!(e.message.contains("expected a class starting at 1"), "{e}");
    let e = err(&bad("gamma = 0.56", "gamma = 0.56\nmax_kernel_area = 9"));
    assert!(e.message.contains("end at kernel area 9"), "{e}");
}

/// The good profile plus one class of its own for matmuls.
fn with_matmul_class() -> String {
    format!(
        "{GOOD}\n[[alpha_class]]\nop = \"matmul\"\nmin_kernel_area = 1\nbeta = 0.5\ngamma = 2.0\n"
    )
}

#[test]
fn an_op_with_classes_of_its_own_uses_only_those() {
    let p = Profile::from_toml_str(&with_matmul_class(), "ops.toml").unwrap();
    assert_eq!(p.class(KernelOp::Matmul, 1).unwrap().beta, 0.5);
    // Convolutions keep the classes without an op, K = 1 included.
    assert_eq!(p.class(KernelOp::Conv, 1).unwrap().beta, 0.02);
    assert_eq!(p.class(KernelOp::Conv, 9).unwrap().beta, 0.001);
    let s = 100;
    let expected = ((1.0 + 0.5 * (s as f64 - 1.0)) / s as f64).powf(2.0);
    assert_eq!(p.alpha(AlphaInput::matmul(s)), Some(expected));
    // A dense row of a timing CSV is a matmul; a 1×1 convolution with the same MACs is not.
    let dense = ConvWorkload::new(100, 1, 64, 64, 1, 1);
    let conv = ConvWorkload::new(10, 10, 64, 64, 1, 1);
    let k = |w: &ConvWorkload| w.eval().unwrap().kernels;
    assert_eq!(k(&dense)[0].alpha.unwrap().op, KernelOp::Matmul);
    assert_eq!(k(&conv)[0].alpha.unwrap().op, KernelOp::Conv);
    assert_eq!(k(&dense)[0].macs, k(&conv)[0].macs);
    let ms = |prof: &Profile, w| price_kernels(prof, &k(w)).unwrap().predicted_ms;
    let plain = Profile::from_toml_str(GOOD, "good.toml").unwrap();
    assert_eq!(
        ms(&plain, &dense),
        ms(&plain, &conv),
        "one class for both: same price"
    );
    assert!(
        ms(&p, &dense) > ms(&p, &conv),
        "β = 0.5, γ = 2 makes matmuls dearer"
    );
}

#[test]
fn a_class_may_bring_its_own_latency_and_floor() {
    let text = GOOD.replace(
        "[timing]\n",
        "[timing]\nlatency_ms = 0.05\nfloor_ms = 0.2\n",
    );
    let plain = Profile::from_toml_str(&text, "plain.toml").unwrap();
    let own = format!(
        "{text}\n[[alpha_class]]\nop = \"matmul\"\nmin_kernel_area = 1\nbeta = 0.02\ngamma = 0.99\nlatency_ms = 0.01\nfloor_ms = 0.001\n"
    );
    let own = Profile::from_toml_str(&own, "own.toml").unwrap();
    let ms = |p: &Profile, w: ConvWorkload| {
        price_kernels(p, &w.eval().unwrap().kernels)
            .unwrap()
            .predicted_ms
    };
    // A tiny dense layer sits at the profile's floor, or at its class's far lower one.
    let dense = ConvWorkload::new(1, 1, 8, 8, 1, 1);
    assert_eq!(ms(&plain, dense), 0.2);
    let compute = ms(&own, dense) - 0.01;
    assert!(compute > 0.0 && compute < 1e-5, "{compute}");
    // Convolutions keep the profile's.
    let conv = ConvWorkload::new(2, 2, 8, 8, 1, 1);
    assert_eq!(ms(&own, conv), 0.2);
    let e = err(&format!("{GOOD}latency_ms = -1.0\n"));
    assert!(e.message.contains("must not be negative"), "{e}");
}

#[test]
fn op_classes_are_checked_per_op() {
    // An op's own classes must cover every kernel area too.
    let e = err(&with_matmul_class().replace("beta = 0.5", "max_kernel_area = 1\nbeta = 0.5"));
    assert!(
        e.message
            .contains("alpha classes with op = \"matmul\" end at kernel area 1"),
        "{e}"
    );
    // Without classes for every op, one op is left without a price.
    let conv_only = GOOD.replace("[[alpha_class]]\n", "[[alpha_class]]\nop = \"conv\"\n");
    let e = err(&conv_only);
    assert!(
        e.message.contains("no alpha class prices `matmul` kernels"),
        "{e}"
    );
    let both = format!(
        "{conv_only}\n[[alpha_class]]\nop = \"matmul\"\nmin_kernel_area = 1\nbeta = 0.5\ngamma = 2.0\n"
    );
    let p = Profile::from_toml_str(&both, "both.toml").unwrap();
    assert_eq!(p.class(KernelOp::Matmul, 1).unwrap().beta, 0.5);
    // With both ops covered, classes without an op could never be used.
    let e = err(&format!(
        "{both}\n[[alpha_class]]\nmin_kernel_area = 1\nbeta = 0.5\ngamma = 2.0\n"
    ));
    assert!(
        e.message
            .contains("the alpha classes without `op` price nothing"),
        "{e}"
    );
    let e = err(&bad(
        "min_kernel_area = 1",
        "op = \"pool\"\nmin_kernel_area = 1",
    ));
    assert!(e.message.contains("unknown variant `pool`"), "{e}");
    // A profile round-trips through TOML with its ops.
    assert_eq!(
        Profile::from_toml_str(&p.to_toml_string(), "again").unwrap(),
        p
    );
}

#[test]
fn wrong_format_version_and_type() {
    let e = err(&bad("format = 1", "format = 3"));
    assert!(e.message.contains("reads profile formats 1 to 2"), "{e}");
    assert_eq!((e.line, e.column), (1, 10), "{e}");
    let e = err(&bad("ms_per_flop = 1e-8", "ms_per_flop = \"fast\""));
    assert_eq!(e.line, 11, "{e}");
    let e = err(&bad("kind = \"gpu\"", "kind = \"tpu\""));
    assert!(e.message.contains("unknown variant `tpu`"), "{e}");
    let e = err(&bad("dtype = \"f32\"", "dtype = \"float\""));
    assert!(e.message.contains("unknown dtype `float`"), "{e}");
}

#[test]
fn syntax_error_has_position() {
    let e = err("format = 1\nname = \n");
    assert_eq!(e.line, 2, "{e}");
}

/// A profile without `[residual]` prices as the form does, and a table of ratios 1 changes
/// nothing, bit for bit; a measured GEMM with one neighbour is priced at its measured time.
#[test]
fn a_residual_corrects_only_what_its_rows_measured() {
    use alphaflops_core::residual::{Residual, ResidualRow};
    let text = std::fs::read_to_string(format!("{PROFILES}/reference.toml")).unwrap();
    let mut p = Profile::from_toml_str(&text, "reference.toml").unwrap();
    p.residual = None;
    let shapes = [
        ConvWorkload::new(56, 56, 64, 64, 3, 3),
        ConvWorkload::new(14, 14, 256, 512, 1, 1),
        ConvWorkload::new(112, 112, 3, 32, 7, 7),
    ];
    let gemm = |w: &ConvWorkload| {
        let k = w.eval().unwrap().kernels;
        let k = k.iter().find(|k| k.gemm.is_some()).unwrap();
        (k.gemm.unwrap(), k.clone())
    };
    let plain: Vec<f64> = shapes
        .iter()
        .map(|w| w.price(&p).unwrap().predicted_ms)
        .collect();
    let mut ones = p.clone();
    ones.residual = Some(Residual {
        neighbours: 2,
        rows: shapes
            .iter()
            .map(|w| ResidualRow::new(KernelOp::Conv, gemm(w).0, 1.0))
            .collect(),
    });
    for (w, t) in shapes.iter().zip(&plain) {
        assert_eq!(w.price(&ones).unwrap().predicted_ms, *t);
    }
    // Measured 1.7× and 0.6× the form's time on the first two shapes.
    let mut measured = p.clone();
    let ratios = [1.7, 0.6, 1.0];
    measured.residual = Some(Residual {
        neighbours: 1,
        rows: shapes
            .iter()
            .zip(ratios)
            .map(|(w, r)| ResidualRow::new(KernelOp::Conv, gemm(w).0, r))
            .collect(),
    });
    for (w, r) in shapes.iter().zip(ratios) {
        let (_, k) = gemm(w);
        let form = price_kernels(&p, std::slice::from_ref(&k))
            .unwrap()
            .predicted_ms;
        let got = price_kernels(&measured, std::slice::from_ref(&k))
            .unwrap()
            .predicted_ms;
        assert!((got - form * r).abs() <= 1e-12 * got, "{got} vs {form}·{r}");
    }
}

#[test]
fn a_residual_needs_format_2() {
    let text = format!("{GOOD}\n[residual]\nneighbours = 1\n");
    let e = err(&text);
    assert_eq!(e.line, 24, "{e}");
    assert!(e.message.contains("[residual] needs `format = 2`"), "{e}");
    let bad = GOOD.replace("format = 1", "format = 2") + "\n[residual]\nneighbours = 0\n";
    assert!(err(&bad).message.contains("≥ 1"), "{}", err(&bad));
}
