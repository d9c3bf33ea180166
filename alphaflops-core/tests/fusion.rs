//! `fusion = "elementwise"` in a profile: an activation, normalisation or binary kernel right
//! after a linear-algebra kernel (or after one fused into it) costs no launch, only the
//! traffic fusion does not remove; every other kernel is priced as without fusion.

use alphaflops_core::*;

/// α = 1 everywhere, a latency per launch and a memory term: times are easy by hand.
const FLAT: &str = r#"format = 1
name = "t"

[device]
name = "d"
kind = "gpu"
backend = "b"
dtype = "f32"

[timing]
ms_per_flop = 1e-9
latency_ms = 0.01
ms_per_byte = 1e-7

[[alpha_class]]
min_kernel_area = 1
beta = 1.0
gamma = 1.0
"#;

fn profile(fusion: &str) -> Profile {
    let text = FLAT.replacen("name = \"t\"", &format!("name = \"t\"\n{fusion}"), 1);
    Profile::from_toml_str(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn conv(c: u64) -> Layer {
    Layer::Conv(Conv::new(c, c, &[3, 3]).padding(Padding::Same).bias(false))
}

/// conv → relu → max pool → relu → conv → add(with the first relu) → batch norm.
fn model() -> Model {
    let mut m = Model::new("m", [1, 4, 8, 8]);
    m.push("conv1", conv(4))
        .push("relu1", Layer::Activation(Activation::Relu))
        .push("pool", Layer::Pool(Pool::new(PoolKind::Max, &[1, 1])))
        .push("relu2", Layer::Activation(Activation::Relu))
        .push("conv2", conv(4))
        .push_with("add", Layer::Add, vec![Source::Node("relu1".into())])
        .push("bn", Layer::BatchNorm { num_features: 4 });
    m
}

fn layer<'a>(cost: &'a ModelCost, name: &str) -> &'a LayerCost {
    cost.layers.iter().find(|l| l.name == name).unwrap()
}

#[test]
fn epilogues_cost_no_launch() {
    let eager = profile("");
    assert_eq!(eager.fusion, Fusion::None);
    let fused = profile("fusion = \"elementwise\"");
    assert_eq!(fused.fusion, Fusion::Elementwise);
    let (e, f) = (
        model().price(&eager).unwrap(),
        model().price(&fused).unwrap(),
    );
    // A unary epilogue moves nothing beyond the convolution's own output.
    assert_eq!(layer(&f, "relu1").predicted_ms, 0.0);
    assert!(layer(&e, "relu1").predicted_ms > 0.01);
    // After a pool (not an epilogue), a relu is a launch of its own, as without fusion.
    for name in ["pool", "relu2", "conv1", "conv2"] {
        assert_eq!(
            layer(&f, name).predicted_ms.to_bits(),
            layer(&e, name).predicted_ms.to_bits(),
            "{name}"
        );
    }
    // A binary epilogue reads its second input: 256 elements, 1024 bytes at 1e-7 ms/B.
    assert!((layer(&f, "add").predicted_ms - 1024.0 * 1e-7).abs() < 1e-15);
    // The chain goes on: the batch norm after the add is fused too.
    assert_eq!(layer(&f, "bn").predicted_ms, 0.0);
    // Counts and α-FLOPs do not change, only time.
    assert_eq!(e.flops, f.flops);
    assert_eq!(e.alpha_flops.to_bits(), f.alpha_flops.to_bits());
    let saved: f64 = ["relu1", "add", "bn"]
        .iter()
        .map(|n| layer(&e, n).predicted_ms - layer(&f, n).predicted_ms)
        .sum();
    assert!((e.predicted_ms - f.predicted_ms - saved).abs() < 1e-12);
}

#[test]
fn a_block_continues_the_stream_it_sits_in() {
    let mut block = Model::new("b", [1, 4, 8, 8]);
    block
        .push("relu", Layer::Activation(Activation::Relu))
        .push("conv", conv(4))
        .push("bn", Layer::BatchNorm { num_features: 4 });
    let mut m = Model::new("m", [1, 4, 8, 8]);
    m.push("conv", conv(4))
        .push("block", Layer::Block(Box::new(block)));
    let fused = profile("fusion = \"elementwise\"");
    let cost = m.price(&fused).unwrap();
    let b = layer(&cost, "block");
    // The block's relu follows the outer convolution: fused; its bn follows its own conv.
    assert_eq!(b.children[0].predicted_ms, 0.0);
    assert_eq!(b.children[2].predicted_ms, 0.0);
    let sum: f64 = b.children.iter().map(|c| c.predicted_ms).sum();
    assert_eq!(b.predicted_ms.to_bits(), sum.to_bits());
    // A model's first kernel has nothing to fuse into.
    let mut first = Model::new("m", [1, 4, 8, 8]);
    first.push("relu", Layer::Activation(Activation::Relu));
    assert!(first.price(&fused).unwrap().predicted_ms > 0.01);
}

#[test]
fn fusion_is_checked_and_round_trips() {
    let fused = profile("fusion = \"elementwise\"");
    let again = Profile::from_toml_str(&fused.to_toml_string(), "written").unwrap();
    assert_eq!(again, fused);
    // Profiles without it are written without it.
    assert!(!profile("").to_toml_string().contains("fusion"));
    let text = FLAT.replacen("name = \"t\"", "name = \"t\"\nfusion = \"all\"", 1);
    let e = Profile::from_toml_str(&text, "bad.toml").unwrap_err();
    assert!(e.message.contains("unknown variant `all`"), "{e}");
    assert_eq!(
        text.lines().nth(e.line - 1),
        Some("fusion = \"all\""),
        "{e}"
    );
}
