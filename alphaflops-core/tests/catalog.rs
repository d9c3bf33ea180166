//! The later kinds of the catalog against PyTorch's documented shape rules, on random
//! configurations: the 3-d convolutions and pooling, `prelu` and `glu`, the recurrent
//! layers, and burn's transformer pieces against the layers they are made of.

use alphaflops_core::*;
use proptest::prelude::*;

/// PyTorch's sliding-window rule, `floor((in + 2p − d(k − 1) − 1) / s) + 1`; `None` when the
/// window does not fit.
fn window(i: u64, k: u64, s: u64, p: u64, d: u64) -> Option<u64> {
    let num = i as i64 + 2 * p as i64 - d as i64 * (k as i64 - 1) - 1;
    (num >= 0).then(|| (num / s as i64 + 1) as u64)
}

fn three() -> impl Strategy<Value = [u64; 3]> {
    [1u64..12, 1u64..12, 1u64..12]
}

proptest! {
    /// PyTorch's `Conv3d`: each of D, H and W by the sliding-window rule, weights
    /// `[C_out, C_in/groups, kd, kh, kw]` and a bias per output channel, and
    /// `N·C_out·D·H·W·(C_in/groups)·kd·kh·kw` MACs.
    #[test]
    fn conv3d_matches_pytorch(
        n in 1u64..3, spatial in three(), k in [1u64..5, 1u64..5, 1u64..5], s in [1u64..3, 1u64..3, 1u64..3],
        p in [0u64..3, 0u64..3, 0u64..3], d in [1u64..3, 1u64..3, 1u64..3], groups in 1u64..3, bias in any::<bool>(),
    ) {
        let (cin, cout) = (2 * groups, 3 * groups);
        let conv = Conv::new(cin, cout, &k)
            .stride(&s)
            .padding(Padding::symmetric(&p))
            .dilation(&d)
            .groups(groups)
            .bias(bias);
        let layer = Layer::Conv(conv);
        let r = layer.infer(&Shape::new([n, cin, spatial[0], spatial[1], spatial[2]]));
        let torch: Option<Vec<u64>> = (0..3).map(|i| window(spatial[i], k[i], s[i], p[i], d[i])).collect();
        match torch {
            Some(out) => {
                let e = r.unwrap();
                prop_assert_eq!(&e.output.0, &[vec![n, cout], out.clone()].concat());
                let volume = k[0] * k[1] * k[2];
                prop_assert_eq!(e.params, cout * (cin / groups) * volume + if bias { cout } else { 0 });
                prop_assert_eq!(e.macs(), n * cout * out.iter().product::<u64>() * (cin / groups) * volume);
                prop_assert_eq!(layer.op(), "conv3d");
                let weight = &layer.param_shapes(&Shape::new([n, cin, spatial[0], spatial[1], spatial[2]])).unwrap()[0];
                prop_assert_eq!(&weight.1, &vec![cout, cin / groups, k[0], k[1], k[2]]);
            }
            None => {
                let too_large = matches!(r, Err(LayerError::KernelTooLarge { .. }));
                prop_assert!(too_large);
            }
        }
    }

    /// `padding = "same"` keeps D, H and W at stride 1, whatever the kernel (PyTorch's rule).
    #[test]
    fn conv3d_same_keeps_the_volume(spatial in three(), k in [1u64..6, 1u64..6, 1u64..6], d in 1u64..3) {
        let conv = Conv::new(2, 4, &k).padding(Padding::Same).dilation(&[d; 3]);
        let e = Layer::Conv(conv).infer(&Shape::new([1, 2, spatial[0], spatial[1], spatial[2]])).unwrap();
        prop_assert_eq!(e.output.0, vec![1, 4, spatial[0], spatial[1], spatial[2]]);
    }

    /// PyTorch's `ConvTranspose3d`: each of D, H and W is
    /// `(in − 1)·s − 2p + d·(k − 1) + output_padding + 1`, an error when not positive or when
    /// output_padding is not below stride or dilation; weights `[C_in, C_out/groups, kd, kh, kw]`.
    #[test]
    fn conv_transpose3d_matches_pytorch(
        spatial in three(), k in [1u64..5, 1u64..5, 1u64..5], s in [1u64..4, 1u64..4, 1u64..4],
        p in [0u64..3, 0u64..3, 0u64..3], op in [0u64..3, 0u64..3, 0u64..3], d in 1u64..3, groups in 1u64..3, bias in any::<bool>(),
    ) {
        let (cin, cout) = (2 * groups, 3 * groups);
        let layer = Layer::ConvTranspose(ConvTranspose {
            in_channels: cin,
            out_channels: cout,
            kernel: k.to_vec(),
            stride: s.to_vec(),
            padding: p.to_vec(),
            output_padding: op.to_vec(),
            dilation: vec![d; 3],
            groups,
            bias,
        });
        let input = Shape::new([2, cin, spatial[0], spatial[1], spatial[2]]);
        let r = layer.infer(&input);
        let len = |i: usize| {
            (spatial[i] as i64 - 1) * s[i] as i64 - 2 * p[i] as i64 + d as i64 * (k[i] as i64 - 1) + op[i] as i64 + 1
        };
        let bad = (0..3).any(|i| op[i] >= s[i].max(d) || len(i) <= 0);
        if bad {
            prop_assert!(r.is_err());
        } else {
            let e = r.unwrap();
            prop_assert_eq!(&e.output.0, &vec![2, cout, len(0) as u64, len(1) as u64, len(2) as u64]);
            let volume = k[0] * k[1] * k[2];
            prop_assert_eq!(e.params, cin * (cout / groups) * volume + if bias { cout } else { 0 });
            // Every input element scatters into a window of each output channel of its group.
            prop_assert_eq!(e.macs(), input.numel().unwrap() * (cout / groups) * volume);
            prop_assert_eq!(layer.op(), "conv_transpose3d");
            let weight = &layer.param_shapes(&input).unwrap()[0];
            prop_assert_eq!(&weight.1, &vec![cin, cout / groups, k[0], k[1], k[2]]);
        }
    }

    /// PyTorch's `AdaptiveAvgPool3d`: `[N, C, D, H, W]` → `[N, C, *output_size]`, each input
    /// read once and each output divided once; no parameters. A 4-d input is an error.
    #[test]
    fn adaptive_avg_pool3d_matches_pytorch(n in 1u64..3, c in 1u64..5, spatial in three(), out in three()) {
        let layer = Layer::AdaptiveAvgPool { output: out.to_vec() };
        let input = Shape::new([n, c, spatial[0], spatial[1], spatial[2]]);
        let e = layer.infer(&input).unwrap();
        prop_assert_eq!(&e.output.0, &vec![n, c, out[0], out[1], out[2]]);
        prop_assert_eq!(e.params, 0);
        prop_assert_eq!(e.flops(), input.numel().unwrap() + e.output.numel().unwrap());
        prop_assert_eq!(layer.op(), "adaptive_avg_pool3d");
        let flat = layer.infer(&Shape::new([n, c, spatial[0], spatial[1]]));
        let rank = matches!(flat, Err(LayerError::Rank { op: "adaptive_avg_pool", expected: "[N, C, D, H, W]", .. }));
        prop_assert!(rank);
    }
}

proptest! {
    /// PyTorch's `PReLU`: the shape kept, `num_parameters` slopes that are 1 or the channels
    /// of dimension 1 (a rank-1 input has one channel); a compare and a multiply an element.
    #[test]
    fn prelu_matches_pytorch(dims in proptest::collection::vec(1u64..7, 1..5), pick in 0u8..3, other in 2u64..9) {
        let channels = if dims.len() >= 2 { dims[1] } else { 1 };
        let num_parameters = match pick {
            0 => 1,
            1 => channels,
            _ => other,
        };
        let layer = Layer::PRelu { num_parameters };
        let input = Shape(dims.clone());
        let r = layer.infer(&input);
        if num_parameters == 1 || num_parameters == channels && dims.len() >= 2 {
            let e = r.unwrap();
            prop_assert_eq!(&e.output, &input);
            prop_assert_eq!(e.params, num_parameters);
            prop_assert_eq!((e.macs(), e.flops()), (0, 2 * input.numel().unwrap()));
            prop_assert_eq!(layer.op(), "prelu");
            prop_assert_eq!(layer.param_shapes(&input).unwrap(), vec![("weight".to_string(), vec![num_parameters])]);
        } else {
            let mismatch = matches!(r, Err(LayerError::Mismatch { op: "prelu", what: "channels", .. }));
            prop_assert!(mismatch);
        }
    }

    /// PyTorch's `GLU`: `dim` halved (an error when odd), `a · σ(b)`: 5 FLOPs an output
    /// element, no parameters; candle's `swiglu`, `silu(a) · b`, 6 (silu 5, the product 1).
    #[test]
    fn glu_matches_pytorch(dims in proptest::collection::vec(1u64..7, 1..5), dim in -4i64..4, silu in any::<bool>()) {
        let rank = dims.len() as i64;
        let (activation, per_element) = if silu { (Activation::Silu, 6) } else { (Activation::Sigmoid, 5) };
        let layer = Layer::Glu { dim, activation: Some(activation) };
        let r = layer.infer(&Shape(dims.clone()));
        let axis = if dim < 0 { rank + dim } else { dim };
        if !(0..rank).contains(&axis) || dims[axis as usize] % 2 != 0 {
            prop_assert!(r.is_err());
        } else {
            let e = r.unwrap();
            let mut out = dims.clone();
            out[axis as usize] /= 2;
            prop_assert_eq!(&e.output.0, &out);
            prop_assert_eq!(e.params, 0);
            prop_assert_eq!(e.flops(), per_element * out.iter().product::<u64>());
            prop_assert_eq!(layer.op(), "glu");
        }
    }
}

proptest! {
    /// PyTorch's `LSTM`/`GRU`/`RNN` (burn's `Lstm`, `BiLstm`, `Gru`, `BiGru`, `Rnn`, `BiRnn`):
    /// `[batch, seq, d_input]` →
    /// `[batch, seq, directions·d_hidden]` (seq first when not `batch_first`); per gate
    /// `d_input·h + h²` weights and, with a bias, `2h` (PyTorch's `bias_ih` and `bias_hh`);
    /// every step of every direction runs every gate's two transforms.
    #[test]
    fn recurrent_layers_match_pytorch(
        which in 0u8..3, batch in 1u64..4, seq in 1u64..7, d in 1u64..10, h in 1u64..10,
        bias in any::<bool>(), bidirectional in any::<bool>(), batch_first in any::<bool>(), input_forget in any::<bool>(),
        relu in any::<bool>(),
    ) {
        let activation = if relu { Activation::Relu } else { Activation::Tanh };
        let cell = match which {
            0 => Cell::Lstm,
            1 => Cell::Gru,
            _ => Cell::Rnn { hidden_activation: Some(activation) },
        };
        let r = Recurrent {
            bias,
            bidirectional,
            batch_first,
            input_forget: input_forget && cell == Cell::Lstm,
            ..Recurrent::new(cell, d, h)
        };
        let gates = match (cell, r.input_forget) {
            (Cell::Gru, _) => 3,
            (Cell::Rnn { .. }, _) => 1,
            (Cell::Lstm, true) => 3,
            (Cell::Lstm, false) => 4,
        };
        let dirs = if r.bidirectional { 2 } else { 1 };
        let input = |seq: u64| Shape(if batch_first { vec![batch, seq, d] } else { vec![seq, batch, d] });
        let layer = Layer::Recurrent(r.clone());
        let e = layer.infer(&input(seq)).unwrap();
        let out = if batch_first { vec![batch, seq, dirs * h] } else { vec![seq, batch, dirs * h] };
        prop_assert_eq!(&e.output.0, &out);
        prop_assert_eq!(e.params, dirs * gates * (d * h + h * h + if bias { 2 * h } else { 0 }));
        prop_assert_eq!(e.macs(), seq * dirs * batch * gates * (d * h + h * h));
        // Every time step is priced: a sequence costs its length times one step.
        let one = layer.infer(&input(1)).unwrap();
        prop_assert_eq!((e.macs(), e.flops()), (seq * one.macs(), seq * one.flops()));
        prop_assert!(one.flops() > 2 * one.macs());
        let listed: u64 = layer.param_shapes(&input(seq)).unwrap().iter().map(|(_, d)| d.iter().product::<u64>()).sum();
        prop_assert_eq!(listed, e.params);
        let key = match (cell, r.bidirectional) {
            (Cell::Gru, false) => "gru",
            (Cell::Gru, true) => "bigru",
            (Cell::Lstm, true) => "bilstm",
            (Cell::Lstm, false) => "lstm",
            (Cell::Rnn { .. }, false) => "rnn",
            (Cell::Rnn { .. }, true) => "birnn",
        };
        prop_assert_eq!(layer.op(), key);
        if let Cell::Rnn { .. } = cell {
            // h = act(W_i·x + W_h·h + b): without the activation, a step of each direction
            // costs act's FLOPs per hidden unit less.
            let identity = Layer::Recurrent(Recurrent { cell: Cell::Rnn { hidden_activation: None }, ..r.clone() });
            let bare = identity.infer(&input(1)).unwrap();
            prop_assert_eq!(bare.macs(), one.macs());
            prop_assert_eq!(one.flops() - bare.flops(), dirs * batch * h * activation.flops_per_element());
            let names: Vec<String> = layer.param_shapes(&input(seq)).unwrap().into_iter().map(|(n, _)| n).collect();
            let prefix = if r.bidirectional { "forward.gate." } else { "gate." };
            prop_assert!(names.iter().any(|n| n == &format!("{prefix}input_transform.weight")), "{names:?}");
            prop_assert!(names.iter().any(|n| n == &format!("{prefix}hidden_transform.weight")), "{names:?}");
        }
        // Features other than d_input, or a sequence without a batch, are errors.
        let mut wrong = input(seq).0;
        wrong[2] = d + 1;
        let mismatch = matches!(layer.infer(&Shape(wrong)), Err(LayerError::Mismatch { what: "input features", .. }));
        prop_assert!(mismatch);
        let rank = matches!(layer.infer(&Shape(vec![seq, d])), Err(LayerError::Rank { .. }));
        prop_assert!(rank);
    }
}

/// PyTorch's documented counts: `nn.LSTM(10, 20)` has 4·20·(10 + 20) + 2·4·20 = 2,560
/// parameters, `nn.GRU(10, 20)` 1,920, `nn.LSTM(10, 20, bidirectional=True)` 5,120,
/// `nn.RNN(10, 20)` 20·(10 + 20) + 2·20 = 640 and 1,280 bidirectional.
#[test]
fn recurrent_parameter_counts_match_pytorch() {
    let count = |r: Recurrent| {
        Layer::Recurrent(r)
            .infer(&Shape::new([1, 5, 10]))
            .unwrap()
            .params
    };
    assert_eq!(count(Recurrent::new(Cell::Lstm, 10, 20)), 2560);
    assert_eq!(count(Recurrent::new(Cell::Gru, 10, 20)), 1920);
    let bi = Recurrent {
        bidirectional: true,
        ..Recurrent::new(Cell::Lstm, 10, 20)
    };
    assert_eq!(count(bi), 5120);
    let tanh = Cell::Rnn {
        hidden_activation: Some(Activation::Tanh),
    };
    assert_eq!(count(Recurrent::new(tanh, 10, 20)), 640);
    let bi = Recurrent {
        bidirectional: true,
        ..Recurrent::new(tanh, 10, 20)
    };
    assert_eq!(count(bi), 1280);
}

/// The layers burn's `TransformerEncoderLayer` runs, written out node by node: self-attention,
/// residual, norm, feed-forward (linear, activation, linear), residual, norm.
fn encoder_by_hand(d: u64, ff: u64, h: u64, n_layers: u64, input: &[u64]) -> Model {
    let mut m = Model::new("Encoder", Shape(input.to_vec()));
    for i in 0..n_layers {
        let before = if i == 0 {
            Source::Input
        } else {
            Source::Node(format!("{}.norm_2", i - 1))
        };
        m.push_from(
            format!("{i}.mha"),
            Layer::MultiHeadAttention {
                d_model: d,
                n_heads: h,
                bias: true,
            },
            before.clone(),
        );
        m.push_with(format!("{i}.add_1"), Layer::Add, vec![before]);
        m.push(format!("{i}.norm_1"), Layer::LayerNorm { d_model: d });
        m.push(
            format!("{i}.inner"),
            Layer::Linear {
                d_input: d,
                d_output: ff,
                bias: true,
            },
        );
        m.push(format!("{i}.gelu"), Layer::Activation(Activation::Gelu));
        m.push(
            format!("{i}.outer"),
            Layer::Linear {
                d_input: ff,
                d_output: d,
                bias: true,
            },
        );
        m.push_with(
            format!("{i}.add_2"),
            Layer::Add,
            vec![Source::Node(format!("{i}.norm_1"))],
        );
        m.push(format!("{i}.norm_2"), Layer::LayerNorm { d_model: d });
    }
    m
}

/// burn's `TransformerDecoderLayer` written out: self-attention, residual, norm,
/// cross-attention on the memory, residual, norm, feed-forward, residual, norm.
fn decoder_by_hand(d: u64, ff: u64, h: u64, n_layers: u64, input: &[u64], memory: &[u64]) -> Model {
    let mut m = Model::new("Decoder", Shape(input.to_vec()));
    for i in 0..n_layers {
        let before = if i == 0 {
            Source::Input
        } else {
            Source::Node(format!("{}.norm_3", i - 1))
        };
        m.push_from(
            format!("{i}.self"),
            Layer::MultiHeadAttention {
                d_model: d,
                n_heads: h,
                bias: true,
            },
            before.clone(),
        );
        m.push_with(format!("{i}.add_1"), Layer::Add, vec![before]);
        m.push(format!("{i}.norm_1"), Layer::LayerNorm { d_model: d });
        m.push_with(
            format!("{i}.cross"),
            Layer::Attention(Attention::new(d, h).cross(d)),
            vec![Source::Shape(Shape(memory.to_vec()))],
        );
        m.push_with(
            format!("{i}.add_2"),
            Layer::Add,
            vec![Source::Node(format!("{i}.norm_1"))],
        );
        m.push(format!("{i}.norm_2"), Layer::LayerNorm { d_model: d });
        m.push(
            format!("{i}.inner"),
            Layer::Linear {
                d_input: d,
                d_output: ff,
                bias: true,
            },
        );
        m.push(format!("{i}.gelu"), Layer::Activation(Activation::Gelu));
        m.push(
            format!("{i}.outer"),
            Layer::Linear {
                d_input: ff,
                d_output: d,
                bias: true,
            },
        );
        m.push_with(
            format!("{i}.add_3"),
            Layer::Add,
            vec![Source::Node(format!("{i}.norm_2"))],
        );
        m.push(format!("{i}.norm_3"), Layer::LayerNorm { d_model: d });
    }
    m
}

proptest! {
    /// burn's `TransformerDecoder` costs exactly the layers it runs, attending to a memory of
    /// any length, and keeps the target's shape; without its memory it is an error.
    #[test]
    fn transformer_decoder_is_its_layers(
        batch in 1u64..3, seq in 1u64..7, memory_seq in 1u64..9, heads in 1u64..4, head in 1u64..5, ff in 1u64..20, n_layers in 1u64..4,
    ) {
        let d = heads * head;
        let (input, memory) = (Shape::new([batch, seq, d]), Shape::new([batch, memory_seq, d]));
        let parts = decoder_by_hand(d, ff, heads, n_layers, input.dims(), memory.dims()).evaluate(None).unwrap();
        let total = |f: fn(&LayerEval) -> u64| parts.iter().map(|p| f(&p.eval)).sum::<u64>();
        let layer = Layer::TransformerDecoder(Transformer { d_model: d, d_ff: ff, n_heads: heads, n_layers, activation: Some(Activation::Gelu) });
        let e = layer.infer_with(&input, std::slice::from_ref(&memory)).unwrap();
        prop_assert_eq!(&e.output, &input);
        prop_assert_eq!((e.params, e.macs(), e.flops()), (total(|e| e.params), total(LayerEval::macs), total(LayerEval::flops)));
        prop_assert_eq!(layer.op(), "transformer_decoder");
        prop_assert!(layer.infer(&input).is_err());
        let listed: u64 = layer.param_shapes(&input).unwrap().iter().map(|(_, d)| d.iter().product::<u64>()).sum();
        prop_assert_eq!(listed, e.params);
    }
}

proptest! {
    /// burn's `PositionWiseFeedForward` and `TransformerEncoder` cost exactly the layers they
    /// run, and keep `[batch, seq, d_model]`.
    #[test]
    fn transformer_pieces_are_their_layers(
        batch in 1u64..3, seq in 1u64..9, heads in 1u64..4, head in 1u64..5, ff in 1u64..20, n_layers in 1u64..4,
    ) {
        let d = heads * head;
        let input = Shape::new([batch, seq, d]);
        let by_hand = encoder_by_hand(d, ff, heads, n_layers, input.dims());
        let parts = by_hand.evaluate(None).unwrap();
        let total = |f: fn(&LayerEval) -> u64| parts.iter().map(|p| f(&p.eval)).sum::<u64>();
        let layer = Layer::TransformerEncoder(Transformer { d_model: d, d_ff: ff, n_heads: heads, n_layers, activation: Some(Activation::Gelu) });
        let e = layer.infer(&input).unwrap();
        prop_assert_eq!(&e.output, &input);
        prop_assert_eq!((e.params, e.macs(), e.flops()), (total(|e| e.params), total(LayerEval::macs), total(LayerEval::flops)));
        prop_assert_eq!(layer.op(), "transformer_encoder");
        // One layer's feed-forward alone: the two linears and the activation between them.
        let pwff = Layer::PositionWiseFeedForward { d_model: d, d_ff: ff, activation: Some(Activation::Gelu) };
        let f = pwff.infer(&input).unwrap();
        prop_assert_eq!(&f.output, &input);
        prop_assert_eq!(f.params, 2 * d * ff + d + ff);
        prop_assert_eq!(f.macs(), 2 * batch * seq * d * ff);
        prop_assert_eq!(f.flops(), 2 * f.macs() + 8 * batch * seq * ff);
        let wrong = pwff.infer(&Shape::new([batch, seq, d + 1]));
        let mismatch = matches!(wrong, Err(LayerError::Mismatch { op: "position_wise_feed_forward", .. }));
        prop_assert!(mismatch);
        let listed: u64 = layer.param_shapes(&input).unwrap().iter().map(|(_, d)| d.iter().product::<u64>()).sum();
        prop_assert_eq!(listed, e.params);
    }
}

/// BERT-base's encoder (12 layers of d = 768, d_ff = 3072, 12 heads) has 85,054,464
/// parameters, its published count less the embeddings and the pooler.
#[test]
fn bert_base_encoder_has_its_published_parameters() {
    let encoder = Transformer {
        d_model: 768,
        d_ff: 3072,
        n_heads: 12,
        n_layers: 12,
        activation: Some(Activation::Gelu),
    };
    let e = Layer::TransformerEncoder(encoder)
        .infer(&Shape::new([1, 128, 768]))
        .unwrap();
    assert_eq!(e.params, 85_054_464);
}

/// A 3-d convolution's input of the wrong rank says what it expects.
#[test]
fn conv3d_wants_a_volume() {
    let err = Layer::Conv(Conv::new(2, 4, &[3, 3, 3]))
        .infer(&Shape::new([1, 2, 8, 8]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "conv3d expects [N, C, D, H, W], got [1, 2, 8, 8]"
    );
    let err = Layer::Conv(Conv::new(2, 4, &[3, 3, 9]))
        .infer(&Shape::new([1, 2, 8, 8, 8]))
        .unwrap_err();
    assert!(err.to_string().contains("along the width"), "{err}");
}
