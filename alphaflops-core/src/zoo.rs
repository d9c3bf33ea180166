//! Layer lists of well-known torchvision architectures, for tests, examples and comparisons.
//! Each follows torchvision's definition layer by layer, so parameter counts match exactly.

use crate::layer::{Activation, Conv, Layer, Padding, Pool, PoolKind};
use crate::model::{Model, Source};

mod llm;
pub use llm::{
    GPT2_SMALL, LLAMA2_7B, MISTRAL_7B, MIXTRAL_8X7B, TINYLLAMA, TRANSFORMERS, Transformer,
    bert_base,
};

/// The prompt length [`by_name`] prices language models at (a prefill).
pub const PREFILL_TOKENS: u64 = 512;

fn conv(cin: u64, cout: u64, k: u64, stride: u64, pad: u64) -> Layer {
    Layer::Conv(
        Conv::new(cin, cout, &[k, k])
            .stride(&[stride, stride])
            .padding(Padding::symmetric(&[pad, pad])),
    )
}

fn conv_nobias(cin: u64, cout: u64, k: u64, stride: u64, pad: u64, groups: u64) -> Layer {
    Layer::Conv(
        Conv::new(cin, cout, &[k, k])
            .stride(&[stride, stride])
            .padding(Padding::symmetric(&[pad, pad]))
            .groups(groups)
            .bias(false),
    )
}

fn bn(c: u64) -> Layer {
    Layer::BatchNorm { num_features: c }
}

const RELU: Layer = Layer::Activation(Activation::Relu);

fn linear(i: u64, o: u64) -> Layer {
    Layer::Linear {
        d_input: i,
        d_output: o,
        bias: true,
    }
}

fn max_pool(k: u64, s: u64, p: u64) -> Layer {
    Layer::Pool(
        Pool::new(PoolKind::Max, &[k, k])
            .stride(&[s, s])
            .padding(&[p, p]),
    )
}

fn resnet_stem(m: &mut Model) {
    m.push("conv1", conv_nobias(3, 64, 7, 2, 3, 1))
        .push("bn1", bn(64))
        .push("relu", RELU)
        .push("maxpool", max_pool(3, 2, 1));
}

fn resnet_head(m: &mut Model, features: u64) {
    m.push("avgpool", Layer::AdaptiveAvgPool { output: vec![1, 1] })
        .push(
            "flatten",
            Layer::Flatten {
                start_dim: 1,
                end_dim: -1,
            },
        )
        .push("fc", linear(features, 1000));
}

/// Closes a residual block: the optional downsample branch reads `block_input`, then the
/// branch output is added to the main path ending at node `main`.
fn residual(
    m: &mut Model,
    p: &str,
    block_input: Source,
    main: Source,
    cin: u64,
    cout: u64,
    stride: u64,
) {
    if stride != 1 || cin != cout {
        m.push_from(
            format!("{p}.downsample.0"),
            conv_nobias(cin, cout, 1, stride, 0, 1),
            block_input,
        )
        .push(format!("{p}.downsample.1"), bn(cout))
        .push_with(format!("{p}.add"), Layer::Add, vec![main]);
    } else {
        m.push_with(format!("{p}.add"), Layer::Add, vec![block_input]);
    }
    m.push(format!("{p}.relu"), RELU);
}

/// torchvision `resnet18`: 11,689,512 params, 1.81 G MACs at 224×224.
pub fn resnet18(batch: u64) -> Model {
    let mut m = Model::new("resnet18", [batch, 3, 224, 224]);
    resnet_stem(&mut m);
    let mut cin = 64;
    for (stage, &width) in [64u64, 128, 256, 512].iter().enumerate() {
        for block in 0..2 {
            let p = format!("layer{}.{block}", stage + 1);
            let stride = if block == 0 && stage > 0 { 2 } else { 1 };
            let input = m.here();
            m.push(
                format!("{p}.conv1"),
                conv_nobias(cin, width, 3, stride, 1, 1),
            )
            .push(format!("{p}.bn1"), bn(width))
            .push(format!("{p}.relu1"), RELU)
            .push(format!("{p}.conv2"), conv_nobias(width, width, 3, 1, 1, 1))
            .push(format!("{p}.bn2"), bn(width));
            let main = m.here();
            residual(&mut m, &p, input, main, cin, width, stride);
            cin = width;
        }
    }
    resnet_head(&mut m, 512);
    m
}

/// torchvision `resnet50` (v1.5, stride in the 3×3): 25,557,032 params, 4.09 G MACs.
pub fn resnet50(batch: u64) -> Model {
    let mut m = Model::new("resnet50", [batch, 3, 224, 224]);
    resnet_stem(&mut m);
    let mut cin = 64;
    for (stage, (&width, &blocks)) in [64u64, 128, 256, 512].iter().zip(&[3, 4, 6, 3]).enumerate() {
        for block in 0..blocks {
            let p = format!("layer{}.{block}", stage + 1);
            let stride = if block == 0 && stage > 0 { 2 } else { 1 };
            let cout = width * 4;
            let input = m.here();
            m.push(format!("{p}.conv1"), conv_nobias(cin, width, 1, 1, 0, 1))
                .push(format!("{p}.bn1"), bn(width))
                .push(format!("{p}.relu1"), RELU)
                .push(
                    format!("{p}.conv2"),
                    conv_nobias(width, width, 3, stride, 1, 1),
                )
                .push(format!("{p}.bn2"), bn(width))
                .push(format!("{p}.relu2"), RELU)
                .push(format!("{p}.conv3"), conv_nobias(width, cout, 1, 1, 0, 1))
                .push(format!("{p}.bn3"), bn(cout));
            let main = m.here();
            residual(&mut m, &p, input, main, cin, cout, stride);
            cin = cout;
        }
    }
    resnet_head(&mut m, 2048);
    m
}

/// torchvision `vgg16`: 138,357,544 params, 15.47 G MACs.
pub fn vgg16(batch: u64) -> Model {
    let mut m = Model::new("vgg16", [batch, 3, 224, 224]);
    let cfg: [u64; 18] = [
        64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0,
    ];
    let mut cin = 3;
    for (i, &c) in cfg.iter().enumerate() {
        if c == 0 {
            m.push(format!("features.{i}.pool"), max_pool(2, 2, 0));
        } else {
            m.push(format!("features.{i}.conv"), conv(cin, c, 3, 1, 1))
                .push(format!("features.{i}.relu"), RELU);
            cin = c;
        }
    }
    m.push("avgpool", Layer::AdaptiveAvgPool { output: vec![7, 7] })
        .push(
            "flatten",
            Layer::Flatten {
                start_dim: 1,
                end_dim: -1,
            },
        )
        .push("classifier.0", linear(25088, 4096))
        .push("classifier.1", RELU)
        .push("classifier.2", Layer::Dropout)
        .push("classifier.3", linear(4096, 4096))
        .push("classifier.4", RELU)
        .push("classifier.5", Layer::Dropout)
        .push("classifier.6", linear(4096, 1000));
    m
}

/// torchvision `alexnet`: 61,100,840 params, 0.71 G MACs.
pub fn alexnet(batch: u64) -> Model {
    let mut m = Model::new("alexnet", [batch, 3, 224, 224]);
    m.push("features.0", conv(3, 64, 11, 4, 2))
        .push("features.1", RELU)
        .push("features.2", max_pool(3, 2, 0))
        .push("features.3", conv(64, 192, 5, 1, 2))
        .push("features.4", RELU)
        .push("features.5", max_pool(3, 2, 0))
        .push("features.6", conv(192, 384, 3, 1, 1))
        .push("features.7", RELU)
        .push("features.8", conv(384, 256, 3, 1, 1))
        .push("features.9", RELU)
        .push("features.10", conv(256, 256, 3, 1, 1))
        .push("features.11", RELU)
        .push("features.12", max_pool(3, 2, 0))
        .push("avgpool", Layer::AdaptiveAvgPool { output: vec![6, 6] })
        .push(
            "flatten",
            Layer::Flatten {
                start_dim: 1,
                end_dim: -1,
            },
        )
        .push("classifier.0", Layer::Dropout)
        .push("classifier.1", linear(9216, 4096))
        .push("classifier.2", RELU)
        .push("classifier.3", Layer::Dropout)
        .push("classifier.4", linear(4096, 4096))
        .push("classifier.5", RELU)
        .push("classifier.6", linear(4096, 1000));
    m
}

/// torchvision `mobilenet_v2`: 3,504,872 params, 0.30 G MACs.
pub fn mobilenet_v2(batch: u64) -> Model {
    let mut m = Model::new("mobilenet_v2", [batch, 3, 224, 224]);
    let relu6 = Layer::Activation(Activation::Relu6);
    m.push("features.0.conv", conv_nobias(3, 32, 3, 2, 1, 1))
        .push("features.0.bn", bn(32))
        .push("features.0.relu6", relu6.clone());
    // (expansion t, output channels c, repeats n, first stride s)
    let settings: [(u64, u64, u64, u64); 7] = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ];
    let mut cin = 32;
    let mut index = 1;
    for (t, c, n, s) in settings {
        for i in 0..n {
            let stride = if i == 0 { s } else { 1 };
            let hidden = cin * t;
            let p = format!("features.{index}");
            let input = m.here();
            if t != 1 {
                m.push(format!("{p}.expand"), conv_nobias(cin, hidden, 1, 1, 0, 1))
                    .push(format!("{p}.expand_bn"), bn(hidden))
                    .push(format!("{p}.expand_relu6"), relu6.clone());
            }
            m.push(
                format!("{p}.depthwise"),
                conv_nobias(hidden, hidden, 3, stride, 1, hidden),
            )
            .push(format!("{p}.depthwise_bn"), bn(hidden))
            .push(format!("{p}.depthwise_relu6"), relu6.clone())
            .push(format!("{p}.project"), conv_nobias(hidden, c, 1, 1, 0, 1))
            .push(format!("{p}.project_bn"), bn(c));
            if stride == 1 && cin == c {
                m.push_with(format!("{p}.add"), Layer::Add, vec![input]);
            }
            cin = c;
            index += 1;
        }
    }
    m.push("features.18.conv", conv_nobias(320, 1280, 1, 1, 0, 1))
        .push("features.18.bn", bn(1280))
        .push("features.18.relu6", relu6)
        .push("avgpool", Layer::AdaptiveAvgPool { output: vec![1, 1] })
        .push(
            "flatten",
            Layer::Flatten {
                start_dim: 1,
                end_dim: -1,
            },
        )
        .push("classifier.0", Layer::Dropout)
        .push("classifier.1", linear(1280, 1000));
    m
}

/// torchvision `vit_b_16` at 224×224 (197 tokens): 86,567,656 params, 17.56 G MACs.
pub fn vit_b_16(batch: u64) -> Model {
    let (d, heads, mlp, layers) = (768u64, 12u64, 3072u64, 12);
    let mut m = Model::new("vit_b_16", [batch, 3, 224, 224]);
    m.push("conv_proj", conv(3, d, 16, 16, 0))
        .push(
            "flatten",
            Layer::Flatten {
                start_dim: 2,
                end_dim: -1,
            },
        )
        .push("transpose", Layer::Transpose { dim0: 1, dim1: 2 })
        .push("class_token", Layer::ClassToken { dim: d })
        .push(
            "encoder.pos_embedding",
            Layer::PositionEmbedding {
                seq_len: 197,
                dim: d,
            },
        )
        .push("encoder.dropout", Layer::Dropout);
    for i in 0..layers {
        let p = format!("encoder.layers.{i}");
        let input = m.here();
        m.push(format!("{p}.ln_1"), Layer::LayerNorm { d_model: d })
            .push(
                format!("{p}.self_attention"),
                Layer::MultiHeadAttention {
                    d_model: d,
                    n_heads: heads,
                    bias: true,
                },
            )
            .push(format!("{p}.dropout"), Layer::Dropout)
            .push_with(format!("{p}.add_1"), Layer::Add, vec![input]);
        let mid = m.here();
        m.push(format!("{p}.ln_2"), Layer::LayerNorm { d_model: d })
            .push(format!("{p}.mlp.0"), linear(d, mlp))
            .push(format!("{p}.mlp.1"), Layer::Activation(Activation::Gelu))
            .push(format!("{p}.mlp.3"), linear(mlp, d))
            .push_with(format!("{p}.add_2"), Layer::Add, vec![mid]);
    }
    // The head reads the class token only: one row of D features.
    m.push("encoder.ln", Layer::LayerNorm { d_model: d })
        .push("class_token_out", Layer::Select { dim: 1, index: 0 })
        .push("heads.head", linear(d, 1000));
    m
}

/// The built-in models by name, for examples and `cargo xtask`; language models as a prefill
/// of [`PREFILL_TOKENS`] tokens.
pub fn by_name(name: &str, batch: u64) -> Option<Model> {
    Some(match name {
        "resnet18" => resnet18(batch),
        "resnet50" => resnet50(batch),
        "vgg16" => vgg16(batch),
        "alexnet" => alexnet(batch),
        "mobilenet_v2" => mobilenet_v2(batch),
        "vit_b_16" => vit_b_16(batch),
        "bert_base" => bert_base(batch, PREFILL_TOKENS),
        name => TRANSFORMERS
            .iter()
            .find(|t| t.name == name)?
            .model(batch, PREFILL_TOKENS, 0),
    })
}

/// Names accepted by [`by_name`].
pub const NAMES: &[&str] = &[
    "resnet18",
    "resnet50",
    "vgg16",
    "alexnet",
    "mobilenet_v2",
    "vit_b_16",
    "gpt2",
    "bert_base",
    "llama2_7b",
    "tinyllama",
    "mistral_7b",
    "mixtral_8x7b",
];
