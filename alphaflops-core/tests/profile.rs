//! Profiles: the shipped ones parse, and every broken rule is an error naming file:line:col.

use alphaflops_core::{DEFAULT_PROFILE_NAME, Profile, ProfileError};

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles");

#[test]
fn embedded_default_is_the_paper_profile() {
    let p = Profile::default_profile();
    assert_eq!(p.name, DEFAULT_PROFILE_NAME);
    assert_eq!(p.format, 1);
    assert_eq!(p.timing.ms_per_flop, 0.0375e-6 / 2.0);
    assert_eq!(p.timing.latency_ms, 0.0);
    assert_eq!(p.timing.ms_per_byte, 0.0);
    let c1 = p.class(1).unwrap();
    assert_eq!((c1.beta, c1.gamma), (0.02, 0.99));
    let c9 = p.class(9).unwrap();
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
            if dtype != "bf16" {
                let p = Profile::shipped(&format!("nvidia-h100-cudnn-{dtype}{timing}")).unwrap();
                assert_eq!(p.device.name, "NVIDIA H100 80GB HBM3");
                assert_eq!(p.device.dtype, dtype);
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
    let prov = p.provenance.as_ref().unwrap();
    assert!(prov.date.is_some() && prov.samples.is_some() && prov.fit_mape_pct.is_some());
    assert!(!prov.environment.is_empty());
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

#[test]
fn wrong_format_version_and_type() {
    let e = err(&bad("format = 1", "format = 2"));
    assert!(e.message.contains("reads profile format 1"), "{e}");
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
