//! The catalog: PyTorch's output-shape rules, counts, and a typed error for every bad layer.

use alphaflops_core::alpha::{alpha, s_k};
use alphaflops_core::*;
use proptest::prelude::*;

fn conv2d(cin: u64, cout: u64, k: u64) -> Conv {
    Conv::new(cin, cout, &[k, k])
}

fn out(layer: &Layer, input: &[u64]) -> Vec<u64> {
    layer
        .infer(&Shape::new(input))
        .unwrap_or_else(|e| panic!("{e}"))
        .output
        .0
}

fn error(layer: &Layer, input: &[u64]) -> LayerError {
    layer
        .infer(&Shape::new(input))
        .expect_err("should be rejected")
}

#[test]
fn conv2d_counts() {
    let l = Layer::Conv(
        conv2d(3, 64, 7)
            .stride(&[2, 2])
            .padding(Padding::symmetric(&[3, 3]))
            .bias(false),
    );
    let e = l.infer(&Shape::new([1, 3, 224, 224])).unwrap();
    assert_eq!(e.output.0, [1, 64, 112, 112]);
    assert_eq!(e.params, 64 * 3 * 49);
    assert_eq!(e.macs(), 112 * 112 * 64 * 3 * 49);
    assert_eq!(e.flops(), 2 * e.macs());
    let a = e.kernels[0].alpha.unwrap();
    assert_eq!((a.kernel_area, a.s), (49, 112 * 112));
}

#[test]
fn conv_padding_modes() {
    let same = Layer::Conv(conv2d(1, 1, 4).padding(Padding::Same));
    assert_eq!(out(&same, &[2, 1, 9, 9]), [2, 1, 9, 9]);
    let valid = Layer::Conv(conv2d(1, 1, 3).padding(Padding::Valid));
    assert_eq!(out(&valid, &[1, 1, 9, 9]), [1, 1, 7, 7]);
    // burn's four-value padding: top/bottom and left/right may differ.
    let asym = Layer::Conv(conv2d(1, 1, 3).padding(Padding::Explicit(vec![(1, 0), (2, 2)])));
    assert_eq!(out(&asym, &[1, 1, 9, 9]), [1, 1, 8, 11]);
    let dilated = Layer::Conv(conv2d(1, 1, 3).dilation(&[2, 2]));
    assert_eq!(out(&dilated, &[1, 1, 9, 9]), [1, 1, 5, 5]);
    let strided_same = Layer::Conv(conv2d(1, 1, 3).padding(Padding::Same).stride(&[2, 2]));
    assert!(
        matches!(error(&strided_same, &[1, 1, 9, 9]), LayerError::Invalid(m) if m.contains("stride 1"))
    );
}

#[test]
fn conv1d_and_groups() {
    let l = Layer::Conv(Conv::new(4, 8, &[3]).groups(2));
    let e = l.infer(&Shape::new([1, 4, 10])).unwrap();
    assert_eq!(e.output.0, [1, 8, 8]);
    assert_eq!(e.params, 8 * 2 * 3 + 8);
    assert_eq!(e.macs(), 8 * 8 * 2 * 3);
    assert_eq!(l.op(), "conv1d");
}

#[test]
fn conv_transpose2d() {
    let l = Layer::ConvTranspose(ConvTranspose {
        in_channels: 16,
        out_channels: 8,
        kernel: vec![4, 4],
        stride: vec![2, 2],
        padding: vec![1, 1],
        output_padding: vec![0, 0],
        dilation: vec![1, 1],
        groups: 1,
        bias: true,
    });
    let e = l.infer(&Shape::new([1, 16, 8, 8])).unwrap();
    assert_eq!(e.output.0, [1, 8, 16, 16]);
    assert_eq!(e.params, 16 * 8 * 16 + 8);
    assert_eq!(e.macs(), 16 * 8 * 8 * 8 * 16);
}

#[test]
fn linear_leading_dims_and_implicit_flatten() {
    let l = Layer::Linear {
        d_input: 64,
        d_output: 10,
        bias: true,
    };
    let e = l.infer(&Shape::new([2, 7, 64])).unwrap();
    assert_eq!(e.output.0, [2, 7, 10]);
    assert_eq!(e.macs(), 14 * 640);
    assert_eq!(e.kernels[0].alpha.unwrap().s, 14);
    let flat = Layer::Linear {
        d_input: 400,
        d_output: 120,
        bias: true,
    };
    assert_eq!(out(&flat, &[1, 16, 5, 5]), [1, 120]);
    let msg = error(&flat, &[1, 16, 4, 4]).to_string();
    assert!(
        msg.contains("400") && msg.contains("256") && msg.contains("[1, 16, 4, 4]"),
        "{msg}"
    );
}

#[test]
fn pools() {
    let max = Layer::Pool(
        Pool::new(PoolKind::Max, &[3, 3])
            .stride(&[2, 2])
            .padding(&[1, 1]),
    );
    assert_eq!(out(&max, &[1, 64, 112, 112]), [1, 64, 56, 56]);
    let mut ceil = Pool::new(PoolKind::Max, &[2, 2]);
    ceil.ceil_mode = true;
    assert_eq!(out(&Layer::Pool(ceil), &[1, 1, 5, 5]), [1, 1, 3, 3]);
    let avg1d = Layer::Pool(Pool::new(PoolKind::Avg, &[2]));
    assert_eq!(out(&avg1d, &[1, 3, 9]), [1, 3, 4]);
    assert_eq!(avg1d.op(), "avg_pool1d");
    let adaptive = Layer::AdaptiveAvgPool { output: vec![7, 7] };
    assert_eq!(out(&adaptive, &[1, 512, 14, 14]), [1, 512, 7, 7]);
    let e = max.infer(&Shape::new([1, 1, 4, 4])).unwrap();
    assert_eq!((e.macs(), e.params), (0, 0));
}

#[test]
fn norms_activations_and_views() {
    let bn = Layer::BatchNorm { num_features: 8 };
    let e = bn.infer(&Shape::new([2, 8, 4, 4])).unwrap();
    assert_eq!((e.params, e.flops(), e.macs()), (16, 2 * 256, 0));
    let ln = Layer::LayerNorm { d_model: 4 };
    assert_eq!(ln.infer(&Shape::new([3, 4])).unwrap().params, 8);
    let gn = Layer::GroupNorm {
        num_groups: 2,
        num_channels: 8,
    };
    assert_eq!(out(&gn, &[1, 8, 3, 3]), [1, 8, 3, 3]);
    for a in [
        Activation::Relu,
        Activation::Gelu,
        Activation::Silu,
        Activation::Sigmoid,
        Activation::Tanh,
    ] {
        let e = Layer::Activation(a).infer(&Shape::new([2, 5])).unwrap();
        assert_eq!(e.flops(), 10 * a.flops_per_element(), "{a:?}");
    }
    assert_eq!(
        Layer::Softmax { dim: -1 }
            .infer(&Shape::new([2, 5]))
            .unwrap()
            .flops(),
        50
    );
    assert!(
        Layer::Softmax { dim: 7 }
            .infer(&Shape::new([2, 5]))
            .is_err()
    );
    let drop = Layer::Dropout.infer(&Shape::new([2, 5])).unwrap();
    assert!(drop.kernels.is_empty() && drop.output.0 == [2, 5]);
    assert_eq!(
        out(
            &Layer::Flatten {
                start_dim: 1,
                end_dim: -1
            },
            &[2, 3, 4, 5]
        ),
        [2, 60]
    );
    assert_eq!(
        out(&Layer::Transpose { dim0: 1, dim1: 2 }, &[2, 3, 4]),
        [2, 4, 3]
    );
    assert_eq!(out(&Layer::Select { dim: 1, index: 0 }, &[2, 3, 4]), [2, 4]);
}

#[test]
fn embedding_add_concat() {
    let emb = Layer::Embedding {
        num_embeddings: 100,
        embedding_dim: 16,
    };
    let e = emb.infer(&Shape::new([2, 7])).unwrap();
    assert_eq!(
        (e.output.0.as_slice(), e.params),
        (&[2u64, 7, 16][..], 1600)
    );
    let x = Shape::new([1, 8, 4, 4]);
    assert_eq!(
        Layer::Add
            .infer_with(&x, std::slice::from_ref(&x))
            .unwrap()
            .flops(),
        128
    );
    assert!(
        Layer::Add
            .infer_with(&x, &[Shape::new([1, 8, 4, 5])])
            .is_err()
    );
    assert!(Layer::Add.infer(&x).is_err());
    let cat = Layer::Concat { dim: 1 };
    assert_eq!(
        cat.infer_with(&x, &[Shape::new([1, 3, 4, 4])])
            .unwrap()
            .output
            .0,
        [1, 11, 4, 4]
    );
    assert!(cat.infer_with(&x, &[Shape::new([1, 3, 4, 5])]).is_err());
}

#[test]
fn attention_is_never_zero() {
    let l = Layer::MultiHeadAttention {
        d_model: 64,
        n_heads: 4,
        bias: true,
    };
    let e = l.infer(&Shape::new([2, 10, 64])).unwrap();
    let (n, t, d, h) = (2u64, 10u64, 64u64, 4u64);
    assert_eq!(e.output.0, [2, 10, 64]);
    assert_eq!(e.params, 4 * (d * d + d));
    assert_eq!(
        e.macs(),
        n * t * d * 3 * d + 2 * n * h * t * t * (d / h) + n * t * d * d
    );
    assert!(e.flops() > 2 * e.macs(), "softmax and scaling are counted");
    assert_eq!(e.kernels.len(), 5);
}

#[test]
fn bad_layers_are_typed_errors() {
    assert!(matches!(
        error(&Layer::Conv(conv2d(0, 4, 3)), &[1, 0, 8, 8]),
        LayerError::Invalid(_)
    ));
    assert!(
        matches!(error(&Layer::Conv(conv2d(0, 4, 3)), &[1, 1, 8, 8]), LayerError::Zero(w) if w == "in_channels")
    );
    assert!(matches!(
        error(&Layer::Conv(conv2d(6, 4, 3).groups(4)), &[1, 6, 8, 8]),
        LayerError::Groups {
            groups: 4,
            what: "in_channels",
            channels: 6
        }
    ));
    assert!(matches!(
        error(&Layer::Conv(conv2d(3, 4, 9)), &[1, 3, 8, 8]),
        LayerError::KernelTooLarge {
            axis: "height",
            extent: 9,
            padded: 8
        }
    ));
    let wrong_channels = error(&Layer::Conv(conv2d(3, 4, 3)), &[1, 6, 8, 8]).to_string();
    assert!(
        wrong_channels.contains("input channels = 3") && wrong_channels.contains("[1, 6, 8, 8]"),
        "{wrong_channels}"
    );
    assert!(matches!(
        error(&Layer::Conv(conv2d(3, 4, 3)), &[3, 8, 8]),
        LayerError::Rank { .. }
    ));
    let empty = Layer::ConvTranspose(ConvTranspose {
        in_channels: 1,
        out_channels: 1,
        kernel: vec![1, 1],
        stride: vec![1, 1],
        padding: vec![3, 3],
        output_padding: vec![0, 0],
        dilation: vec![1, 1],
        groups: 1,
        bias: false,
    });
    assert!(matches!(
        error(&empty, &[1, 1, 4, 4]),
        LayerError::EmptyOutput { axis: "height" }
    ));
    let huge = Layer::Linear {
        d_input: u64::MAX / 2,
        d_output: 4,
        bias: false,
    };
    assert!(matches!(
        error(&huge, &[1, u64::MAX / 2]),
        LayerError::Overflow(_)
    ));
    let wide = Layer::Linear {
        d_input: 1 << 32,
        d_output: 1 << 32,
        bias: false,
    };
    assert!(matches!(
        error(&wide, &[1, 1 << 32]),
        LayerError::Overflow(_)
    ));
}

/// Sums past u64 are errors, never a wrapped, saturated or panicking count: kernels that each
/// fit can overflow together (attention, a block, a whole model).
#[test]
fn totals_past_u64_are_errors() {
    let attention = Layer::MultiHeadAttention {
        d_model: 1 << 20,
        n_heads: 1,
        bias: false,
    };
    assert!(matches!(
        error(&attention, &[1, 1 << 21, 1 << 20]),
        LayerError::Overflow(_)
    ));
    let p = Profile::default_profile();
    // Every layer's counts fit; the model's FLOPs do not.
    let e = zoo::resnet50(3_000_000_000).price(&p).unwrap_err();
    assert!(matches!(e.error, LayerError::Overflow(_)), "{e}");
    assert!(
        e.to_string().contains("the model's FLOP count up to here"),
        "{e}"
    );
    // The same model as one nested block: the block's own sum.
    let mut m = Model::new("outer", [3_000_000_000, 3, 224, 224]);
    m.push("resnet", Layer::Block(Box::new(zoo::resnet50(1))));
    let e = m.price(&p).unwrap_err();
    assert!(matches!(e.error, LayerError::Overflow(_)), "{e}");
    // PyTorch's ceil-mode rule with a stride whose product with the output passes u64.
    let pool = Layer::Pool(Pool {
        stride: vec![(1 << 63) + 1],
        ceil_mode: true,
        ..Pool::new(PoolKind::Max, &[1])
    });
    assert_eq!(out(&pool, &[1, 1, (1 << 63) + 3]), [1, 1, 2]);
}

#[test]
fn a_block_takes_one_input() {
    let mut m = Model::new("m", [1, 4]);
    m.push_with(
        "blk",
        Layer::Block(Box::new(Model::new("inner", [1, 4]))),
        vec![Source::Input],
    );
    let e = m.price(&Profile::default_profile()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "layer `blk` (module, #0): a block takes one input, got 2"
    );
}

#[test]
fn model_errors_name_the_layer() {
    let mut m = Model::new("m", [1, 1, 28, 28]);
    m.push("conv1", Layer::Conv(conv2d(1, 6, 5))).push(
        "fc",
        Layer::Linear {
            d_input: 400,
            d_output: 10,
            bias: true,
        },
    );
    let e = m.price(&Profile::default_profile()).unwrap_err();
    assert_eq!((e.index, e.name.as_str(), e.op), (1, "fc", "linear"));
    assert_eq!(e.input, Some(Shape::new([1, 6, 24, 24])));
    assert!(
        e.to_string()
            .starts_with("layer `fc` (linear, #1): linear expects 400"),
        "{e}"
    );
    let mut m = Model::new("m", [1, 4]);
    m.push_with("sum", Layer::Add, vec![Source::Node("nope".into())]);
    assert!(
        m.price(&Profile::default_profile())
            .unwrap_err()
            .to_string()
            .contains("no earlier layer is named `nope`")
    );
}

#[test]
fn alpha_reference_points() {
    // The paper's numbers: K = 9 at S = 100, hand-computed.
    let sk = 1.0 + 9f64.ln();
    assert!(
        (alpha(9, 100.0, 0.001, 0.56) - ((sk + 0.001 * (100.0 - sk)) / 100.0).powf(0.56)).abs()
            < 1e-15
    );
    assert!((alpha(1, 1.0, 0.02, 0.99) - 1.0).abs() < 1e-15);
    // Below S_K α exceeds 1: small inputs cost more per FLOP.
    assert!(alpha(9, 2.0, 0.001, 0.56) > 1.0);
}

proptest! {
    #[test]
    fn alpha_is_one_at_s_k(k in 1u64..10_000, beta in 0.0001f64..=1.0, gamma in 0.0f64..3.0) {
        prop_assert!((alpha(k, s_k(k), beta, gamma) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn alpha_decreases_in_s_when_beta_below_one(k in 1u64..100, s in 1u64..1_000_000, beta in 0.0001f64..0.999, gamma in 0.01f64..3.0) {
        prop_assume!(s as f64 >= s_k(k));
        prop_assert!(alpha(k, (s + 1) as f64, beta, gamma) < alpha(k, s as f64, beta, gamma));
    }

    #[test]
    fn alpha_tends_to_beta_pow_gamma(k in 1u64..100, beta in 0.0001f64..=1.0, gamma in 0.0f64..3.0) {
        let far = alpha(k, 1e300, beta, gamma);
        prop_assert!((far - beta.powf(gamma)).abs() <= 1e-9 * beta.powf(gamma).max(1e-300).max(1e-9));
    }

    #[test]
    fn macs_linear_in_each_channel_count(cin in 1u64..64, cout in 1u64..64, k in 1u64..6, h in 6u64..40) {
        let macs = |cin: u64, cout: u64| Layer::Conv(conv2d(cin, cout, k)).infer(&Shape::new([1, cin, h, h])).unwrap().macs();
        prop_assert_eq!(macs(2 * cin, cout), 2 * macs(cin, cout));
        prop_assert_eq!(macs(cin, 3 * cout), 3 * macs(cin, cout));
        prop_assert_eq!(macs(cin + 1, cout), macs(cin, cout) + macs(1, cout));
    }

    #[test]
    fn conv_shape_matches_pytorch_formula(
        h in 1u64..64, w in 1u64..64, k1 in 1u64..8, k2 in 1u64..8, s in 1u64..4, p in 0u64..4, d in 1u64..3,
    ) {
        let l = Layer::Conv(conv2d(2, 3, 1).clone_with(&[k1, k2], s, p, d));
        let r = l.infer(&Shape::new([1, 2, h, w]));
        // PyTorch: out = floor((in + 2p − d(k − 1) − 1) / s) + 1, an error when not positive.
        let torch = |i: u64, k: u64| {
            let num = i as i64 + 2 * p as i64 - d as i64 * (k as i64 - 1) - 1;
            if num < 0 { None } else { Some((num / s as i64 + 1) as u64) }
        };
        match (torch(h, k1), torch(w, k2)) {
            (Some(oh), Some(ow)) => prop_assert_eq!(r.unwrap().output.0, vec![1, 3, oh, ow]),
            _ => { let too_large = matches!(r, Err(LayerError::KernelTooLarge { .. })); prop_assert!(too_large) }
        }
    }

    /// PyTorch's `interpolate` (and burn's `Interpolate1d`/`2d`): `[N, C, spatial]` to the
    /// size given, or to ⌊input · factor⌋ with burn's `f32` factors; a gather costs nothing,
    /// linear 2·2^d − 1 FLOPs per output element, cubic 2·4^d − 1.
    #[test]
    fn interpolate_matches_pytorch(
        n in 1u64..3, c in 1u64..4, h in 1u64..20, w in 1u64..20, fh in 0.25f32..4.0, fw in 0.25f32..4.0, oh in 1u64..30, two_d in any::<bool>(),
    ) {
        let (input, scale, size) = if two_d {
            (vec![n, c, h, w], vec![fh, fw], vec![oh, oh + 1])
        } else {
            (vec![n, c, h], vec![fh], vec![oh])
        };
        let d = scale.len() as u32;
        let by_size = Layer::Interpolate { resize: Resize::Size(size.clone()), mode: InterpolateMode::Nearest };
        let e = by_size.infer(&Shape(input.clone())).unwrap();
        prop_assert_eq!(&e.output.0[2..], &size[..]);
        prop_assert_eq!(e.flops(), 0);
        let expected: Vec<u64> = input[2..].iter().zip(&scale).map(|(&i, &f)| (i as f64 * f64::from(f)).floor() as u64).collect();
        for (mode, taps) in [(InterpolateMode::Linear, 2u64), (InterpolateMode::Cubic, 4)] {
            let layer = Layer::Interpolate { resize: Resize::Scale(scale.clone()), mode };
            let r = layer.infer(&Shape(input.clone()));
            if expected.contains(&0) {
                prop_assert!(r.is_err());
                continue;
            }
            let e = r.unwrap();
            prop_assert_eq!(&e.output.0[2..], &expected[..]);
            let n_out: u64 = e.output.0.iter().product();
            prop_assert_eq!(e.flops(), n_out * (2 * taps.pow(d) - 1));
            prop_assert_eq!(layer.op(), if two_d { "interpolate2d" } else { "interpolate1d" });
        }
    }

    /// burn's `PositionalEncoding`: `[N, T, d_model]` kept, T at most `max_sequence_size`,
    /// d_model even; one add per element and nothing learned.
    #[test]
    fn positional_encoding_matches_burn(n in 1u64..4, t in 1u64..50, half in 1u64..20, max in 1u64..60) {
        let d = 2 * half;
        let layer = Layer::PositionalEncoding { d_model: d, max_sequence_size: max };
        let r = layer.infer(&Shape::new([n, t, d]));
        if t > max {
            prop_assert!(r.is_err());
        } else {
            let e = r.unwrap();
            prop_assert_eq!(&e.output.0, &vec![n, t, d]);
            prop_assert_eq!((e.params, e.flops()), (0, n * t * d));
        }
        let odd = Layer::PositionalEncoding { d_model: d + 1, max_sequence_size: 100 };
        prop_assert!(odd.infer(&Shape::new([n, t, d + 1])).is_err());
    }

    /// PyTorch's `nn.Unfold` on `[N, C, H, W]`: `[N, C·k1·k2, L]`, L the windows of the
    /// convolution rule, floor((in + 2p − d(k − 1) − 1) / s) + 1 per dimension.
    #[test]
    fn unfold4d_matches_pytorch(
        c in 1u64..4, h in 1u64..30, w in 1u64..30, k1 in 1u64..5, k2 in 1u64..5, s in 1u64..3, p in 0u64..3, d in 1u64..3,
    ) {
        let layer = Layer::Unfold4d { kernel: vec![k1, k2], stride: vec![s, s], dilation: vec![d, d], padding: vec![p, p] };
        let r = layer.infer(&Shape::new([2, c, h, w]));
        let windows = |i: u64, k: u64| {
            let num = i as i64 + 2 * p as i64 - d as i64 * (k as i64 - 1) - 1;
            (num >= 0).then(|| (num / s as i64 + 1) as u64)
        };
        match (windows(h, k1), windows(w, k2)) {
            (Some(oh), Some(ow)) => {
                let e = r.unwrap();
                prop_assert_eq!(&e.output.0, &vec![2, c * k1 * k2, oh * ow]);
                prop_assert_eq!((e.params, e.flops()), (0, 0));
            }
            _ => prop_assert!(r.is_err()),
        }
    }

    /// PyTorch's `LocalResponseNorm(size)`: `[N, C, …]` (at least 3-d) kept, nothing learned,
    /// 2·size + 3 FLOPs an element.
    #[test]
    fn local_response_norm_matches_pytorch(dims in proptest::collection::vec(1u64..7, 1..6), size in 1u64..8) {
        let layer = Layer::LocalResponseNorm { size };
        let r = layer.infer(&Shape(dims.clone()));
        if dims.len() < 3 {
            prop_assert!(r.is_err());
        } else {
            let e = r.unwrap();
            let n: u64 = dims.iter().product();
            prop_assert_eq!(&e.output.0, &dims);
            prop_assert_eq!((e.params, e.flops()), (0, n * (2 * size + 3)));
        }
    }

    /// PyTorch's `PixelShuffle(r)`: `[*, C·r², H, W]` → `[*, C, H·r, W·r]`, channels not
    /// divisible by r² an error; `PixelUnshuffle(r)` undoes it. Both copy, and count no FLOPs.
    #[test]
    fn pixel_shuffles_match_pytorch(
        n in 1u64..4, c in 1u64..6, r in 1u64..5, h in 1u64..9, w in 1u64..9, off in 1u64..4,
    ) {
        let shuffle = Layer::PixelShuffle { upscale_factor: r };
        let e = shuffle.infer(&Shape::new([n, c * r * r, h, w])).unwrap();
        prop_assert_eq!(&e.output.0, &vec![n, c, h * r, w * r]);
        prop_assert_eq!((e.params, e.flops(), e.kernels.len()), (0, 0, 1));
        let back = Layer::PixelUnshuffle { downscale_factor: r }.infer(&e.output).unwrap();
        prop_assert_eq!(back.output.0, vec![n, c * r * r, h, w]);
        if r > 1 {
            let odd = c * r * r + off.min(r * r - 1);
            prop_assert!(shuffle.infer(&Shape::new([n, odd, h, w])).is_err());
        }
    }

    /// PyTorch's `ConvTranspose1d`: L_out = (L_in − 1)·s − 2p + d·(k − 1) + output_padding + 1,
    /// an error when not positive or when output_padding is not below stride or dilation.
    #[test]
    fn conv_transpose1d_matches_pytorch_formula(
        l in 1u64..40, k in 1u64..6, s in 1u64..4, p in 0u64..4, d in 1u64..3, op in 0u64..3, groups in 1u64..3, bias in any::<bool>(),
    ) {
        let (cin, cout) = (2 * groups, 3 * groups);
        let layer = Layer::ConvTranspose(ConvTranspose {
            in_channels: cin,
            out_channels: cout,
            kernel: vec![k],
            stride: vec![s],
            padding: vec![p],
            output_padding: vec![op],
            dilation: vec![d],
            groups,
            bias,
        });
        let r = layer.infer(&Shape::new([2, cin, l]));
        let len = (l as i64 - 1) * s as i64 - 2 * p as i64 + d as i64 * (k as i64 - 1) + op as i64 + 1;
        if op >= s.max(d) || len <= 0 {
            prop_assert!(r.is_err());
        } else {
            let e = r.unwrap();
            prop_assert_eq!(e.output.0, vec![2, cout, len as u64]);
            // PyTorch's weight [C_in, C_out/groups, k] and a bias per output channel.
            prop_assert_eq!(e.params, cin * (cout / groups) * k + if bias { cout } else { 0 });
            prop_assert_eq!(layer.op(), "conv_transpose1d");
        }
    }

    /// PyTorch's `InstanceNorm1d`/`2d`: the shape is kept, `[N, C, L]` or `[N, C, H, W]` with
    /// C = num_features; the cost is a group norm's with one group per channel, and the
    /// affine scale and shift (2·C) only with `affine`.
    #[test]
    fn instance_norm_matches_pytorch_and_group_norm(
        n in 1u64..4, c in 1u64..17, h in 1u64..9, w in 1u64..9, two_d in any::<bool>(), affine in any::<bool>(), other in 1u64..17,
    ) {
        let dims: Vec<u64> = if two_d { vec![n, c, h, w] } else { vec![n, c, h] };
        let inorm = Layer::InstanceNorm { num_channels: c, affine };
        let e = inorm.infer(&Shape(dims.clone())).unwrap();
        prop_assert_eq!(&e.output.0, &dims);
        prop_assert_eq!(e.params, if affine { 2 * c } else { 0 });
        let gn = Layer::GroupNorm { num_groups: c, num_channels: c }.infer(&Shape(dims.clone())).unwrap();
        prop_assert_eq!((e.flops(), e.macs()), (gn.flops(), gn.macs()));
        let mut wrong = dims.clone();
        wrong[1] = other;
        let r = inorm.infer(&Shape(wrong));
        if other == c {
            prop_assert!(r.is_ok());
        } else {
            let mismatch = matches!(r, Err(LayerError::Mismatch { op: "instance_norm", what: "channels", .. }));
            prop_assert!(mismatch);
        }
    }

    /// Every parameter-free kind is element-wise, as PyTorch's and burn's activations are:
    /// the shape is kept, nothing is learned, and the FLOPs are the per-element count times
    /// the elements, in one kernel.
    #[test]
    fn parameter_free_kinds_are_element_wise(dims in proptest::collection::vec(1u64..9, 1..5)) {
        let input = Shape(dims.clone());
        let n: u64 = dims.iter().product();
        for op in Op::ALL {
            let Some(layer) = op.parameter_free_layer() else { continue };
            let e = layer.infer(&input).unwrap();
            prop_assert_eq!(&e.output.0, &dims, "{}", op.key());
            prop_assert_eq!((e.params, e.macs()), (0, 0), "{}", op.key());
            let per = match layer {
                Layer::Activation(a) => a.flops_per_element(),
                _ => 0,
            };
            prop_assert_eq!(e.flops(), n * per, "{}", op.key());
            prop_assert_eq!(layer.op(), op.key());
        }
    }

    #[test]
    fn pool_shape_matches_pytorch_formula(h in 1u64..64, k in 1u64..6, s in 1u64..4, p in 0u64..3) {
        prop_assume!(p <= k / 2);
        let l = Layer::Pool(Pool::new(PoolKind::Max, &[k, k]).stride(&[s, s]).padding(&[p, p]));
        let r = l.infer(&Shape::new([1, 1, h, h]));
        let num = h as i64 + 2 * p as i64 - k as i64;
        if num < 0 {
            prop_assert!(r.is_err());
        } else {
            let o = (num / s as i64 + 1) as u64;
            prop_assert_eq!(r.unwrap().output.0, vec![1, 1, o, o]);
        }
    }
}

trait CloneWith {
    fn clone_with(&self, kernel: &[u64], s: u64, p: u64, d: u64) -> Conv;
}

impl CloneWith for Conv {
    fn clone_with(&self, kernel: &[u64], s: u64, p: u64, d: u64) -> Conv {
        Conv::new(self.in_channels, self.out_channels, kernel)
            .stride(&[s, s])
            .padding(Padding::symmetric(&[p, p]))
            .dilation(&[d, d])
    }
}

/// A profile whose γ sends α past f64's range prices nothing, and says which class did it.
#[test]
fn an_infinite_alpha_is_an_error() {
    let mut p = Profile::default_profile();
    for c in &mut p.alpha_classes {
        c.gamma = 1000.0;
    }
    let mut m = Model::new("m", [1, 3, 1, 1]);
    m.push(
        "conv",
        Layer::Conv(Conv {
            padding: Padding::Same,
            ..conv2d(3, 8, 3)
        }),
    );
    let e = m.price(&p).unwrap_err();
    assert!(
        e.to_string().contains("at α = inf (class") && e.to_string().contains("gamma = 1000"),
        "{e}"
    );
}

/// Every linear-algebra kernel carries the GEMM it runs, and the GEMM has its MACs; every
/// other kernel names its element-wise class.
#[test]
fn kernels_carry_their_gemm_or_class() {
    let mut checked = 0;
    let mut models: Vec<Model> = ["resnet50", "vit_b_16", "mobilenet_v2", "vgg16"]
        .iter()
        .map(|n| zoo::by_name(n, 2).unwrap())
        .collect();
    let mut tconv = Model::new("tconv", [2, 16, 8, 8]);
    tconv.push(
        "up",
        Layer::ConvTranspose(ConvTranspose {
            in_channels: 16,
            out_channels: 8,
            kernel: vec![4, 4],
            stride: vec![2, 2],
            padding: vec![1, 1],
            output_padding: vec![0, 0],
            dilation: vec![1, 1],
            groups: 2,
            bias: true,
        }),
    );
    models.push(tconv);
    for model in &models {
        for node in model.evaluate(None).unwrap() {
            for k in &node.eval.kernels {
                match (k.gemm, k.elementwise) {
                    (Some(g), None) => {
                        assert_eq!(g.batch * g.m * g.n * g.k, k.macs, "{}", node.name);
                        assert!(k.alpha.is_some());
                    }
                    (None, Some(_)) => assert_eq!(k.macs, 0, "{}", node.name),
                    other => panic!("{}: {other:?}", node.name),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

proptest! {
    /// burn's `Shrink` keeps any shape and costs its 6 operations an element (abs, sign,
    /// multiply, subtract, compare, mask fill); `GaussianNoise` is priced exactly as dropout,
    /// since burn's forward adds its noise in training only.
    #[test]
    fn shrink_and_gaussian_noise_match_burn(dims in proptest::collection::vec(1u64..9, 1..5)) {
        let input = Shape(dims.clone());
        let n: u64 = dims.iter().product();
        let shrink = Layer::Activation(Activation::Shrink).infer(&input).unwrap();
        prop_assert_eq!(&shrink.output.0, &dims);
        prop_assert_eq!((shrink.params, shrink.macs(), shrink.flops()), (0, 0, 6 * n));
        prop_assert_eq!(shrink.kernels.len(), 1);
        prop_assert_eq!(Layer::GaussianNoise.infer(&input), Layer::Dropout.infer(&input));
        prop_assert_eq!(Layer::GaussianNoise.op(), "gaussian_noise");
    }
}

proptest! {
    /// PyTorch's `nn.Fold`: `[N, C·k1·k2, L]` → `[N, C, H, W]`, L the windows of the
    /// convolution rule over `output_size`; any other L, or channels not a multiple of the
    /// kernel area, is an error. The FLOPs are col2im's adds, counted here by walking every
    /// (window, tap) pair, and folding the unfolded image gives its shape back.
    #[test]
    fn fold4d_matches_pytorch(
        n in 1u64..3, c in 1u64..4, h in 1u64..12, w in 1u64..12, k1 in 1u64..4, k2 in 1u64..4,
        s in 1u64..3, p in 0u64..3, d in 1u64..3, extra in 0u64..2,
    ) {
        let (kernel, stride, dilation, padding) = (vec![k1, k2], vec![s, s], vec![d, d], vec![p, p]);
        let fold = Layer::Fold4d {
            output_size: vec![h, w], kernel: kernel.clone(), stride: stride.clone(),
            dilation: dilation.clone(), padding: padding.clone(),
        };
        let windows = |size: u64, k: u64| {
            let num = size as i64 + 2 * p as i64 - d as i64 * (k as i64 - 1) - 1;
            (num >= 0).then(|| (num / s as i64 + 1) as u64)
        };
        let (Some(oh), Some(ow)) = (windows(h, k1), windows(w, k2)) else {
            prop_assert!(fold.infer(&Shape::new([n, c * k1 * k2, 1])).is_err());
            return Ok(());
        };
        let e = fold.infer(&Shape::new([n, c * k1 * k2, oh * ow])).unwrap();
        prop_assert_eq!(&e.output.0, &vec![n, c, h, w]);
        let landed = |size: u64, wins: u64, k: u64| {
            let mut count = 0;
            for win in 0..wins as i64 {
                for tap in 0..k as i64 {
                    let at = win * s as i64 + tap * d as i64 - p as i64;
                    count += u64::from((0..size as i64).contains(&at));
                }
            }
            count
        };
        prop_assert_eq!(e.flops(), n * c * landed(h, oh, k1) * landed(w, ow, k2));
        prop_assert_eq!((e.params, e.macs()), (0, 0));
        prop_assert!(fold.infer(&Shape::new([n, c * k1 * k2, oh * ow + 1 + extra])).is_err());
        if k1 * k2 > 1 {
            prop_assert!(fold.infer(&Shape::new([n, c * k1 * k2 + 1, oh * ow])).is_err());
        }
        let unfold = Layer::Unfold4d { kernel, stride, dilation, padding };
        let cols = unfold.infer(&Shape::new([n, c, h, w])).unwrap().output;
        prop_assert_eq!(fold.infer(&cols).unwrap().output.0, vec![n, c, h, w]);
    }
}

proptest! {
    /// PyTorch's `CosineSimilarity` and `PairwiseDistance` (burn's, which squeeze the reduced
    /// dimension): two inputs of one rank that broadcast, the output their broadcast shape
    /// without `dim` (the last dimension for the distance). Equal shapes cost burn's
    /// composition: 8 FLOPs an element and 4 a norm for the similarity, 4 an element and a
    /// root an output for the L2 distance, 3 an element for L1.
    #[test]
    fn distances_match_pytorch(
        dims in proptest::collection::vec(1u64..6, 2..5),
        ones in proptest::collection::vec(any::<bool>(), 4),
        dim in -4i64..4,
        wrong in 0usize..4,
    ) {
        let rank = dims.len();
        let x1 = Shape(dims.clone());
        let n: u64 = dims.iter().product();
        let cos = Layer::CosineSimilarity { dim };
        let l2 = Layer::PairwiseDistance { p: 2.0 };
        let l1 = Layer::PairwiseDistance { p: 1.0 };
        // x2 broadcasts along some dimensions (size 1 there).
        let x2 = Shape(dims.iter().zip(&ones).map(|(&d, &one)| if one { 1 } else { d }).collect());
        let resolved = if dim < 0 { rank as i64 + dim } else { dim };
        let both = |a: &Layer, b: &Shape| a.infer_with(&x1, std::slice::from_ref(b));
        if (0..rank as i64).contains(&resolved) {
            let axis = resolved as usize;
            let mut out = dims.clone();
            out.remove(axis);
            let e = both(&cos, &x1).unwrap();
            prop_assert_eq!(&e.output.0, &out);
            prop_assert_eq!((e.params, e.macs(), e.flops()), (0, 0, 8 * n + 4 * (n / dims[axis])));
            let r = both(&cos, &x2);
            if x2.dims()[axis] == dims[axis] {
                prop_assert_eq!(&r.unwrap().output.0, &out);
            } else {
                prop_assert!(r.is_err());
            }
        } else {
            prop_assert!(both(&cos, &x1).is_err());
        }
        let mut out = dims.clone();
        let last = out.pop().unwrap();
        let o = n / last;
        let e = both(&l2, &x1).unwrap();
        prop_assert_eq!(&e.output.0, &out);
        prop_assert_eq!(e.flops(), 4 * n + o);
        prop_assert_eq!(both(&l1, &x1).unwrap().flops(), 4 * n);
        prop_assert_eq!(&both(&l2, &x2).unwrap().output.0, &out);
        // A size other than 1 that differs does not broadcast; one input is not enough.
        if let Some(i) = (0..rank).map(|i| (i + wrong) % rank).find(|&i| dims[i] > 1) {
            let mut bad = dims.clone();
            bad[i] += 1;
            prop_assert!(both(&l2, &Shape(bad)).is_err());
        }
        prop_assert!(l2.infer(&x1).is_err());
        prop_assert!(cos.infer_with(&x1, &[x1.clone(), x1.clone()]).is_err());
        prop_assert!(l2.infer_with(&Shape::new([last]), &[Shape::new([last])]).is_err());
    }
}

proptest! {
    /// torchvision's `deform_conv2d` (burn's `DeformConv2d`): the output is the convolution's
    /// by PyTorch's rule, the offsets are `[N, 2·offset_groups·kh·kw, H_out, W_out]` and the mask
    /// `[N, offset_groups·kh·kw, H_out, W_out]`; parameters and MACs are the grouped
    /// convolution's, and every input channel is sampled at each tap of each output position
    /// (19 FLOPs, 20 masked).
    #[test]
    fn deform_conv2d_matches_torchvision(
        n in 1u64..3, cin_g in 1u64..4, cout_g in 1u64..4, wg in 1u64..3, og in 1u64..3,
        h in 1u64..12, w in 1u64..12, kh in 1u64..4, kw in 1u64..4, s in 1u64..3, p in 0u64..2,
        d in 1u64..3, bias in any::<bool>(), masked in any::<bool>(),
    ) {
        let (cin, cout) = (cin_g * wg * og, cout_g * wg);
        let conv = Conv::new(cin, cout, &[kh, kw]).stride(&[s, s]).dilation(&[d, d])
            .padding(Padding::symmetric(&[p, p])).groups(wg).bias(bias);
        let deform = Layer::DeformConv2d(layer::DeformConv { conv: conv.clone(), offset_groups: og });
        let input = Shape::new([n, cin, h, w]);
        let window = |i: u64, k: u64| {
            let num = i as i64 + 2 * p as i64 - d as i64 * (k as i64 - 1) - 1;
            (num >= 0).then(|| (num / s as i64 + 1) as u64)
        };
        let (Some(oh), Some(ow)) = (window(h, kh), window(w, kw)) else {
            let offsets = Shape::new([n, 2 * og * kh * kw, 1, 1]);
            prop_assert!(deform.infer_with(&input, &[offsets]).is_err());
            return Ok(());
        };
        let taps = og * kh * kw;
        let offsets = Shape::new([n, 2 * taps, oh, ow]);
        let mut others = vec![offsets.clone()];
        if masked {
            others.push(Shape::new([n, taps, oh, ow]));
        }
        let e = deform.infer_with(&input, &others).unwrap();
        let plain = Layer::Conv(conv).infer(&input).unwrap();
        prop_assert_eq!(&e.output.0, &vec![n, cout, oh, ow]);
        prop_assert_eq!((e.params, e.macs()), (plain.params, plain.macs()));
        prop_assert_eq!(e.macs(), n * cout * oh * ow * (cin / wg) * kh * kw);
        let samples = n * cin * kh * kw * oh * ow;
        prop_assert_eq!(e.flops(), 2 * e.macs() + (19 + u64::from(masked)) * samples);
        prop_assert_eq!(deform.param_shapes(&input).unwrap().len(), if bias { 2 } else { 1 });
        // Offsets for other taps or positions, a mask without offsets' groups, a missing
        // offset and offset groups that do not divide the channels are errors.
        prop_assert!(deform.infer_with(&input, &[Shape::new([n, 2 * taps + 1, oh, ow])]).is_err());
        prop_assert!(deform.infer_with(&input, &[Shape::new([n, 2 * taps, oh + 1, ow])]).is_err());
        prop_assert!(deform.infer_with(&input, &[offsets.clone(), Shape::new([n, taps + 1, oh, ow])]).is_err());
        prop_assert!(deform.infer(&input).is_err());
        let odd = Layer::DeformConv2d(layer::DeformConv {
            conv: Conv::new(cin + 1, cout, &[kh, kw]), offset_groups: 2,
        });
        if (cin + 1) % 2 == 1 {
            let r = odd.infer_with(&Shape::new([n, cin + 1, h, w]), &[offsets]);
            let groups = matches!(r, Err(LayerError::Groups { groups: 2, what: "in_channels", .. }));
            prop_assert!(groups);
        }
    }
}
