//! Weight-shape walkers: list every parameter of a live model with its shape.
//!
//! The walkers live in the facade (`alphaflops::verify`, features `burn` and `candle`), where
//! [`alphaflops::verify()`] and [`alphaflops::verify_candle()`] use them to check the
//! `#[layer(...)]` annotations against the weights the framework actually allocated; they are
//! re-exported here.
//!
//! Both walkers return `(path, shape)` pairs with `.`-joined paths, e.g.
//! `("conv1.weight", vec![6, 1, 5, 5])`.
//!
//! * **burn**: paths are built from `ModuleVisitor::enter_module` names, which the
//!   `#[derive(Module)]` code emits once per struct field (the field's name), once per `Vec` /
//!   array / tuple element (its index) and once per enum variant (the variant's name);
//!   `Option` adds no segment. Parameters come out in field declaration order. Layouts are
//!   burn's: `Conv2d.weight` is `[c_out, c_in/groups, k1, k2]` and `Linear.weight` is
//!   **`[d_input, d_output]`** (the default `LinearLayout::Row`).
//! * **candle**: the `VarMap`'s variable names are the `VarBuilder::pp` prefixes joined with
//!   `.`, e.g. `conv1.weight`; they are returned sorted by name (the map is a `HashMap`).
//!   candle's `Linear.weight` is **`[d_output, d_input]`** (PyTorch's layout).

pub use alphaflops::verify::{burn_param_shapes, candle_param_shapes};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::burn_lenet::LeNet;
    use crate::burn_vgg::Vgg;
    use crate::candle_cnn::CandleCnn;
    use burn::module::Module;

    /// Elements over all listed tensors: what `num_params` counts.
    fn elements(shapes: &[(String, Vec<usize>)]) -> usize {
        shapes
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum()
    }

    fn owned(v: &[(&str, &[usize])]) -> Vec<(String, Vec<usize>)> {
        v.iter().map(|(n, s)| (n.to_string(), s.to_vec())).collect()
    }

    #[test]
    fn burn_lenet_param_shapes() {
        let model = LeNet::new(&crate::burn_cpu());
        let shapes = burn_param_shapes(&model);
        for (path, shape) in &shapes {
            println!("burn lenet {path} {shape:?}");
        }
        assert_eq!(
            shapes,
            owned(&[
                ("conv1.weight", &[6, 1, 5, 5]),
                ("conv1.bias", &[6]),
                ("conv2.weight", &[16, 6, 5, 5]),
                ("conv2.bias", &[16]),
                // burn's Linear stores [d_input, d_output].
                ("fc1.weight", &[400, 120]),
                ("fc1.bias", &[120]),
                ("fc2.weight", &[120, 84]),
                ("fc2.bias", &[84]),
                ("fc3.weight", &[84, 10]),
                ("fc3.bias", &[10]),
            ])
        );
        let total = elements(&shapes);
        assert_eq!(total, model.num_params());
    }

    #[test]
    fn burn_vgg_param_shapes_skip_relu_pool_flatten_and_dropout() {
        let model = Vgg::new(&crate::burn_cpu());
        let shapes = burn_param_shapes(&model);
        for (path, shape) in &shapes {
            println!("burn vgg {path} {shape:?}");
        }
        let paths: Vec<&str> = shapes.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "conv1.weight",
                "conv1.bias",
                "conv2.weight",
                "conv2.bias",
                "conv3.weight",
                "conv3.bias",
                "conv4.weight",
                "conv4.bias",
                "fc1.weight",
                "fc1.bias",
                "fc2.weight",
                "fc2.bias",
            ]
        );
        assert_eq!(shapes[8].1, [4096, 128]);
        let total = elements(&shapes);
        assert_eq!(total, model.num_params());
    }

    #[test]
    fn burn_nested_modules_get_dotted_paths() {
        #[derive(burn::module::Module, Debug)]
        struct Outer {
            blocks: Vec<LeNet>,
            head: Option<burn::nn::Linear>,
        }
        let device = crate::burn_cpu();
        let model = Outer {
            blocks: vec![LeNet::new(&device)],
            head: Some(burn::nn::LinearConfig::new(10, 2).init(&device)),
        };
        let paths: Vec<String> = burn_param_shapes(&model)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            paths.first().map(String::as_str),
            Some("blocks.0.conv1.weight")
        );
        assert_eq!(paths.last().map(String::as_str), Some("head.bias"));
    }

    #[test]
    fn candle_cnn_param_shapes() {
        let (varmap, _model) = CandleCnn::init_cpu().unwrap();
        let shapes = candle_param_shapes(&varmap);
        for (name, shape) in &shapes {
            println!("candle cnn {name} {shape:?}");
        }
        assert_eq!(
            shapes,
            owned(&[
                ("conv1.bias", &[8]),
                ("conv1.weight", &[8, 1, 3, 3]),
                ("conv2.bias", &[16]),
                ("conv2.weight", &[16, 8, 3, 3]),
                ("fc.bias", &[10]),
                // candle's Linear stores [d_output, d_input].
                ("fc.weight", &[10, 784]),
            ])
        );
    }
}
