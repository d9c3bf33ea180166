//! Nested blocks: a model built from sub-models prices exactly like its flat equivalent,
//! and reports show the hierarchy with subtotals.

use alphaflops_core::*;

fn conv(cin: u64, cout: u64, k: u64, stride: u64, pad: u64) -> Layer {
    Layer::Conv(
        Conv::new(cin, cout, &[k, k])
            .stride(&[stride, stride])
            .padding(Padding::symmetric(&[pad, pad]))
            .bias(false),
    )
}

/// torchvision's BasicBlock as its own model: the residual reads the block's input.
fn basic_block(cin: u64, cout: u64, stride: u64) -> Model {
    let mut b = Model::new("BasicBlock", [1, cin, 1, 1]);
    b.push("conv1", conv(cin, cout, 3, stride, 1))
        .push("bn1", Layer::BatchNorm { num_features: cout })
        .push("relu1", Layer::Activation(Activation::Relu))
        .push("conv2", conv(cout, cout, 3, 1, 1))
        .push("bn2", Layer::BatchNorm { num_features: cout });
    if stride != 1 || cin != cout {
        b.push_from("downsample.0", conv(cin, cout, 1, stride, 0), Source::Input)
            .push("downsample.1", Layer::BatchNorm { num_features: cout })
            .push_with("add", Layer::Add, vec![Source::Node("bn2".into())]);
    } else {
        b.push_with("add", Layer::Add, vec![Source::Input]);
    }
    b.push("relu", Layer::Activation(Activation::Relu));
    b
}

fn nested_resnet18() -> Model {
    let mut m = Model::new("resnet18", [1, 3, 224, 224]);
    m.push("conv1", conv(3, 64, 7, 2, 3))
        .push("bn1", Layer::BatchNorm { num_features: 64 })
        .push("relu", Layer::Activation(Activation::Relu))
        .push(
            "maxpool",
            Layer::Pool(
                Pool::new(PoolKind::Max, &[3, 3])
                    .stride(&[2, 2])
                    .padding(&[1, 1]),
            ),
        );
    let mut cin = 64;
    for (stage, width) in [64u64, 128, 256, 512].into_iter().enumerate() {
        for block in 0..2 {
            let stride = if block == 0 && stage > 0 { 2 } else { 1 };
            m.push(
                format!("layer{}.{block}", stage + 1),
                Layer::Block(Box::new(basic_block(cin, width, stride))),
            );
            cin = width;
        }
    }
    m.push("avgpool", Layer::AdaptiveAvgPool { output: vec![1, 1] })
        .push(
            "flatten",
            Layer::Flatten {
                start_dim: 1,
                end_dim: -1,
            },
        )
        .push(
            "fc",
            Layer::Linear {
                d_input: 512,
                d_output: 1000,
                bias: true,
            },
        );
    m
}

#[test]
fn nested_equals_flat() {
    let p = Profile::default_profile();
    let nested = nested_resnet18().price(&p).unwrap();
    let flat = zoo::resnet18(1).price(&p).unwrap();
    assert_eq!(nested.params, 11_689_512);
    assert_eq!(
        (nested.params, nested.macs, nested.flops),
        (flat.params, flat.macs, flat.flops)
    );
    assert!((nested.predicted_ms - flat.predicted_ms).abs() < 1e-12 * flat.predicted_ms);
    assert_eq!(nested.output, flat.output);
    let block = &nested.layers[4];
    assert_eq!(
        (block.name.as_str(), block.op.as_str()),
        ("layer1.0", "BasicBlock")
    );
    assert_eq!(
        block.params,
        block.children.iter().map(|c| c.params).sum::<u64>()
    );
    assert!(block.children.iter().any(|c| c.name == "conv2"));
    let share: f64 = nested.layers.iter().map(|l| l.share_pct).sum();
    assert!((share - 100.0).abs() < 1e-9);
}

#[test]
fn report_shows_the_hierarchy() {
    let md = nested_resnet18()
        .price(&Profile::default_profile())
        .unwrap()
        .to_markdown();
    assert!(
        md.contains("| 5 | layer1.0 | BasicBlock | [1, 64, 56, 56] → [1, 64, 56, 56] |"),
        "{md}"
    );
    assert!(md.contains("| 5.1 | ↳ conv1 | conv2d |"), "{md}");
    assert!(
        md.contains("| 9.6 | ↳ downsample.0 | conv2d | [1, 128, 28, 28] → [1, 256, 14, 14] |"),
        "{md}"
    );
    // Children have shares of their own, in the table and in the numbers behind it.
    let row = md
        .lines()
        .find(|l| l.starts_with("| 5.1 | ↳ conv1 |"))
        .unwrap();
    assert!(row.ends_with("| 2.1 % |"), "{row}");
    let cost = nested_resnet18()
        .price(&Profile::default_profile())
        .unwrap();
    let children = cost.layers.iter().flat_map(|l| &l.children);
    assert!(children.clone().count() > 0);
    assert!(children.clone().all(|c| c.share_pct > 0.0));
}

#[test]
fn errors_inside_a_block_name_it() {
    let mut m = Model::new("net", [1, 3, 8, 8]);
    m.push("stage", Layer::Block(Box::new(basic_block(64, 64, 1))));
    let e = m
        .price(&Profile::default_profile())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("layer `stage` (module, #0): in `BasicBlock`: layer `conv1` (conv2d, #0): conv2d expects input channels = 64"), "{e}");
}
