//! Reports: the Markdown table and JSON of a small model are pinned by snapshots.

use alphaflops_core::*;

fn lenet() -> ModelCost {
    lenet_on(&Profile::default_profile())
}

fn lenet_on(profile: &Profile) -> ModelCost {
    let mut m = Model::new("lenet", [1, 1, 28, 28]);
    m.push(
        "conv1",
        Layer::Conv(Conv::new(1, 6, &[5, 5]).padding(Padding::symmetric(&[2, 2]))),
    )
    .push("relu1", Layer::Activation(Activation::Relu))
    .push("pool1", Layer::Pool(Pool::new(PoolKind::Max, &[2, 2])))
    .push("conv2", Layer::Conv(Conv::new(6, 16, &[5, 5])))
    .push("pool2", Layer::Pool(Pool::new(PoolKind::Max, &[2, 2])))
    .push(
        "fc1",
        Layer::Linear {
            d_input: 400,
            d_output: 120,
            bias: true,
        },
    )
    .push(
        "fc2",
        Layer::Linear {
            d_input: 120,
            d_output: 84,
            bias: true,
        },
    )
    .push(
        "fc3",
        Layer::Linear {
            d_input: 84,
            d_output: 10,
            bias: true,
        },
    );
    m.price(profile).unwrap()
}

#[test]
fn markdown_table() {
    insta::assert_snapshot!(lenet().to_string());
}

#[test]
fn json_report() {
    insta::assert_snapshot!(lenet().to_json());
}

#[test]
fn totals_are_sums_and_shares_add_up() {
    let c = lenet();
    assert_eq!(c.params, 61_706);
    assert_eq!(c.macs, c.layers.iter().map(|l| l.macs).sum::<u64>());
    let share: f64 = c.layers.iter().map(|l| l.share_pct).sum();
    assert!((share - 100.0).abs() < 1e-9);
    assert_eq!(c.top_layers(3).len(), 3);
    assert!(
        c.top_layers(3)
            .windows(2)
            .all(|w| w[0].predicted_ms >= w[1].predicted_ms)
    );
    let json: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap();
    for key in [
        "model",
        "profile",
        "params",
        "macs",
        "flops",
        "alpha_flops",
        "predicted_ms",
        "layers",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn energy_appears_with_power() {
    let mut p = Profile::default_profile();
    p.device.power_w = Some(40.0);
    let mut m = Model::new("one", [1, 8]);
    m.push(
        "fc",
        Layer::Linear {
            d_input: 8,
            d_output: 8,
            bias: false,
        },
    );
    let c = m.price(&p).unwrap();
    assert_eq!(c.energy_j, Some(40.0 * c.predicted_ms / 1000.0));
    assert!(c.to_markdown().contains("energy mJ"));
}

#[test]
fn si_formatting() {
    use alphaflops_core::report::{si, sig4};
    assert_eq!(si(156.0), "156");
    assert_eq!(si(1_814_073_344.0), "1.81 G");
    assert_eq!(si(11_689_512.0), "11.69 M");
    assert_eq!(sig4(0.012345), "0.01235");
    assert_eq!(sig4(12.3456), "12.35");
}

/// LeNet on a profile whose fit covered convolutions of 10–100 MFLOPs and nothing else: the
/// small convolution, the pools, the activation and the dense layers are extrapolated.
fn lenet_with_ranges() -> ModelCost {
    let text = Profile::default_profile()
        .to_toml_string()
        .replacen("format = 1", "format = 2", 1)
        + "\n[[fitted_range]]\nop = \"conv\"\nrows = 10\nflops = [1.0e6, 1.0e8]\nbytes = [1.0e3, 1.0e7]\nm = [16.0, 4096.0]\nn = [4.0, 512.0]\nk = [9.0, 4608.0]\n";
    let p = Profile::from_toml_str(&text, "ranged.toml").unwrap();
    let mut m = Model::new("lenet", [1, 1, 28, 28]);
    m.push(
        "conv1",
        Layer::Conv(Conv::new(1, 6, &[5, 5]).padding(Padding::symmetric(&[2, 2]))),
    )
    .push("relu1", Layer::Activation(Activation::Relu))
    .push("conv2", Layer::Conv(Conv::new(6, 16, &[5, 5])))
    .push(
        "fc1",
        Layer::Linear {
            d_input: 9216,
            d_output: 10,
            bias: true,
        },
    );
    m.price(&p).unwrap()
}

#[test]
fn extrapolated_layers_are_marked_in_the_table() {
    insta::assert_snapshot!(lenet_with_ranges().to_string());
}

#[test]
fn extrapolated_layers_are_marked_in_json() {
    let c = lenet_with_ranges();
    let json: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap();
    let marked: Vec<(&str, bool)> = json["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap(),
                l.get("extrapolated")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            )
        })
        .collect();
    // conv2 (2.4 MFLOPs, m = 576, n = 16, k = 150) is inside; conv1 has k = 25 but FLOPs
    // 0.24 M, below the range; relu and the dense layer were never measured.
    assert_eq!(
        marked,
        [
            ("conv1", true),
            ("relu1", true),
            ("conv2", false),
            ("fc1", true)
        ]
    );
    // A profile without ranges marks nothing, and its JSON has no such key.
    let mut bare = Profile::default_profile();
    bare.fitted_ranges.clear();
    assert!(!lenet_on(&bare).to_json().contains("extrapolated"));
    assert!(lenet_on(&bare).extrapolation_note().is_none());
    // The default profile records the paper's measured range, which LeNet lies below.
    assert!(lenet().extrapolation_note().is_some());
}
