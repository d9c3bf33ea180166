//! Whole-model totals against torchvision's published parameter counts (exact) and MACs
//! (within 2 %: convolutions, linear layers and attention matmuls).

use alphaflops_core::{Model, Profile, zoo};

fn check(model: Model, params: u64, gmacs: f64) {
    let cost = model
        .price(&Profile::default_profile())
        .unwrap_or_else(|e| panic!("{}: {e}", model.name));
    assert_eq!(cost.params, params, "{} params", model.name);
    let got = cost.macs as f64 / 1e9;
    let err = (got - gmacs).abs() / gmacs;
    assert!(
        err <= 0.02,
        "{}: {got:.4} G MACs vs published {gmacs} G ({:.2} % off)",
        model.name,
        err * 100.0
    );
    assert_eq!(cost.output.dims(), &[1, 1000], "{} output", model.name);
}

#[test]
fn resnet18() {
    check(zoo::resnet18(1), 11_689_512, 1.81);
}

#[test]
fn resnet50() {
    check(zoo::resnet50(1), 25_557_032, 4.09);
}

#[test]
fn vgg16() {
    check(zoo::vgg16(1), 138_357_544, 15.47);
}

#[test]
fn mobilenet_v2() {
    check(zoo::mobilenet_v2(1), 3_504_872, 0.30);
}

#[test]
fn alexnet() {
    check(zoo::alexnet(1), 61_100_840, 0.71);
}

#[test]
fn vit_b_16() {
    check(zoo::vit_b_16(1), 86_567_656, 17.56);
}

#[test]
fn batch_scales_macs_not_params() {
    let p = Profile::default_profile();
    let one = zoo::resnet18(1).price(&p).unwrap();
    let four = zoo::resnet18(4).price(&p).unwrap();
    assert_eq!(four.params, one.params);
    assert_eq!(four.macs, 4 * one.macs);
}

#[test]
fn by_name_knows_every_name() {
    for name in zoo::NAMES {
        assert!(zoo::by_name(name, 1).is_some(), "{name}");
    }
    assert!(zoo::by_name("resnet19", 1).is_none());
}
