//! Baselines: round trip, comparisons with tolerance, errors with positions.

use alphaflops_core::baseline::{Baseline, Entry};
use alphaflops_core::*;

fn cost(d_output: u64) -> ModelCost {
    let mut m = Model::new("Mlp", [8, 64]);
    m.push(
        "fc",
        Layer::Linear {
            d_input: 64,
            d_output,
            bias: true,
        },
    );
    m.price(&Profile::default_profile()).unwrap()
}

#[test]
fn round_trip_and_lookup() {
    let mut b = Baseline::new(1.0);
    b.models.push(Entry::of("pkg", &cost(64)));
    let text = b.to_toml_string();
    let back = Baseline::from_toml_str(&text, "alphaflops-baseline.toml").unwrap();
    assert_eq!(back, b);
    assert!(
        back.find("pkg", "Mlp", "quadro-t2000-asperti2021")
            .is_some()
    );
    assert!(back.find("pkg", "Mlp", "other").is_none());
}

#[test]
fn regressions_respect_the_tolerance() {
    let base = Entry::of("pkg", &cost(64));
    let same = base.compare(&cost(64), 0.0);
    assert!(
        same.iter().all(|c| !c.regression && c.change_pct == 0.0),
        "{same:?}"
    );
    let bigger = base.compare(&cost(66), 1.0);
    let params = bigger.iter().find(|c| c.metric == Metric::Params).unwrap();
    assert!(
        params.regression
            && (params.change_pct - 100.0 * (64.0 * 66.0 + 66.0 - 4160.0) / 4160.0).abs() < 1e-9
    );
    assert!(
        base.compare(&cost(66), 5.0).iter().all(|c| !c.regression),
        "within 5 %"
    );
    assert!(
        base.compare(&cost(32), 0.0)
            .iter()
            .all(|c| !c.regression && c.change_pct < 0.0),
        "a drop is never a regression"
    );
}

#[test]
fn errors_name_the_position() {
    let e =
        Baseline::from_toml_str("format = 1\n[[model]]\npackage = \"p\"\n", "b.toml").unwrap_err();
    assert!(
        e.to_string().starts_with("b.toml:2:1: missing field"),
        "{e}"
    );
    // Values are refused where they are written, after bless's comment line.
    let e = Baseline::from_toml_str("# comment\nformat = 2\n", "b.toml").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("b.toml:2:10: this alphaflops reads baseline format 1")
            && e.message.contains("cargo alphaflops bless"),
        "{e}"
    );
    let e = Baseline::from_toml_str("format = 1\ntolerance_pct = -1\n", "b.toml").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("b.toml:2:17: must not be negative"),
        "{e}"
    );
    // A NaN would compare as no regression at all.
    let entry =
        "[[model]]\npackage = \"p\"\nmodel = \"M\"\nprofile = \"x\"\nparams = 1\nmacs = 1\n";
    let e = Baseline::from_toml_str(
        &format!("format = 1\n{entry}alpha_flops = nan\npredicted_ms = 1.0\n"),
        "b.toml",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("b.toml:8:15: NaN is not a finite number"),
        "{e}"
    );
    let e = Baseline::from_toml_str("format = 1\ntolerance = 3\n", "b.toml").unwrap_err();
    assert!(
        e.message.contains("unknown field `tolerance`") && e.line == 2,
        "{e}"
    );
}

#[test]
fn a_change_names_its_metric_as_the_baseline_file_does() {
    let change = baseline::Change {
        metric: Metric::TimeMs,
        base: 1.0,
        head: 2.0,
        change_pct: 100.0,
        regression: true,
    };
    let json = serde_json::to_string(&change).unwrap();
    assert!(json.contains(r#""metric":"predicted_ms""#), "{json}");
    assert_eq!(
        serde_json::from_str::<baseline::Change>(&json).unwrap(),
        change
    );
    let bad = json.replace("predicted_ms", "time_ms");
    let err = serde_json::from_str::<baseline::Change>(&bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "unknown metric `time_ms`: use one of params, macs, alpha_flops, predicted_ms, memory_mb"
        ),
        "{err}"
    );
}

/// Blessing under a second profile keeps the first profile's entries; blessing under the
/// first again replaces only its own (a model gone from it is dropped there, not elsewhere).
#[test]
fn bless_keeps_other_profiles() {
    let on = |model: &str, profile: &str, params: u64| {
        let mut e = Entry::of("pkg", &cost(64));
        e.model = model.into();
        e.profile = profile.into();
        e.params = params;
        e
    };
    let first = Baseline::blessed(None, vec![on("A", "cpu", 1), on("B", "cpu", 2)], 1.0);
    let both = Baseline::blessed(
        Some(&first),
        vec![on("A", "gpu", 3), on("B", "gpu", 4)],
        2.0,
    );
    assert_eq!(both.tolerance_pct, 2.0);
    let keys: Vec<(&str, &str, u64)> = both
        .models
        .iter()
        .map(|e| (e.model.as_str(), e.profile.as_str(), e.params))
        .collect();
    assert_eq!(
        keys,
        [
            ("A", "cpu", 1),
            ("A", "gpu", 3),
            ("B", "cpu", 2),
            ("B", "gpu", 4)
        ]
    );
    assert_eq!(both.other_profiles(&["gpu"]).len(), 2);
    assert!(both.other_profiles(&["gpu", "cpu"]).is_empty());

    let again = Baseline::blessed(Some(&both), vec![on("A", "cpu", 5)], 2.0);
    let keys: Vec<(&str, &str, u64)> = again
        .models
        .iter()
        .map(|e| (e.model.as_str(), e.profile.as_str(), e.params))
        .collect();
    assert_eq!(keys, [("A", "cpu", 5), ("A", "gpu", 3), ("B", "gpu", 4)]);
}
