//! The CPU backend: candle-core's conv2d (im2col + gemm) and matmul for dense rows;
//! candle-core's activations, add and pooling, and candle-nn's batch norm (inference),
//! layer norm and softmax for the other ops — what candle models call for each.

use std::collections::BTreeMap;

use alphaflops_core::{ConvWorkload, Device, DeviceKind, Workload, WorkloadOp};
use candle_core::{Device as CDevice, Module, ModuleT, Tensor};

use super::{Backend, Budget, dims, padding, time_with};
use crate::{Result, err, util};

/// At most 4 GiB of f32 buffers per configuration.
const MAX_ELEMENTS: u64 = 1 << 30;

pub const FRAMEWORK: &str = "candle-core 0.11.1 (CPU, f32)";

pub struct Cpu {
    dev: CDevice,
}

impl Cpu {
    pub fn new() -> Cpu {
        Cpu { dev: CDevice::Cpu }
    }
}

fn ce(e: candle_core::Error) -> crate::Error {
    err!("candle: {e}")
}

impl Cpu {
    /// One op other than conv2d, on a random input built once outside the timed region.
    fn time_op(&self, w: &Workload, budget: &Budget) -> Result<Vec<f64>> {
        let expected = w.eval().map_err(|e| err!("{e}"))?.output;
        let input = w.input();
        let n = input.numel().map_err(|e| err!("{e}"))?;
        // Input, a second input for add, the output.
        if n.saturating_mul(3) > MAX_ELEMENTS {
            return Err(err!(
                "this {} row needs about {} GiB of buffers, more than the CPU backend allows ({} GiB); use smaller sizes",
                w.op,
                n.saturating_mul(12) >> 30,
                (MAX_ELEMENTS * 4) >> 30
            ));
        }
        let shape: Vec<usize> = input
            .dims()
            .iter()
            .map(|&d| {
                usize::try_from(d).map_err(|_| err!("size {d} does not fit this machine's usize"))
            })
            .collect::<Result<_>>()?;
        let [_, c, _, _, _, k1, k2, stride] = dims(w)?;
        let dev = &self.dev;
        let x = Tensor::randn(0f32, 1f32, shape.as_slice(), dev).map_err(ce)?;
        let ones = || Tensor::ones(c, candle_core::DType::F32, dev);
        let zeros = || Tensor::zeros(c, candle_core::DType::F32, dev);
        let op: Box<dyn Fn() -> candle_core::Result<Tensor>> = match w.op {
            WorkloadOp::Conv2d => return Err(err!("internal: time_op called for a conv2d row")),
            WorkloadOp::Relu => Box::new(move || x.relu()),
            // candle-nn's `Activation::Gelu` (PyTorch's default, the exact erf form).
            WorkloadOp::Gelu => Box::new(move || x.gelu_erf()),
            WorkloadOp::Silu => Box::new(move || x.silu()),
            WorkloadOp::Add => {
                let y = Tensor::randn(0f32, 1f32, shape.as_slice(), dev).map_err(ce)?;
                Box::new(move || x.add(&y))
            }
            WorkloadOp::MaxPool => {
                Box::new(move || x.max_pool2d_with_stride((k1, k2), (stride, stride)))
            }
            WorkloadOp::AvgPool => {
                Box::new(move || x.avg_pool2d_with_stride((k1, k2), (stride, stride)))
            }
            WorkloadOp::BatchNorm => {
                let var = Tensor::rand(0.5f32, 1.5f32, c, dev).map_err(ce)?;
                let bn = candle_nn::BatchNorm::new(
                    c,
                    zeros().map_err(ce)?,
                    var,
                    ones().map_err(ce)?,
                    zeros().map_err(ce)?,
                    1e-5,
                )
                .map_err(ce)?;
                Box::new(move || bn.forward_t(&x, false))
            }
            WorkloadOp::LayerNorm => {
                let ln = candle_nn::LayerNorm::new(ones().map_err(ce)?, zeros().map_err(ce)?, 1e-5);
                Box::new(move || ln.forward(&x))
            }
            WorkloadOp::Softmax => Box::new(move || candle_nn::ops::softmax_last_dim(&x)),
        };
        let y = op().map_err(ce)?;
        let got: Vec<u64> = y.dims().iter().map(|&d| d as u64).collect();
        if got != expected.0 {
            return Err(err!(
                "internal: candle's output {got:?} differs from core's {:?} for {w:?}",
                expected.0
            ));
        }
        time_with(budget, || {
            let y = op().map_err(ce)?;
            std::hint::black_box(&y);
            Ok(())
        })
    }
}

impl Backend for Cpu {
    fn time(&mut self, w: &ConvWorkload, budget: &Budget) -> Result<Vec<f64>> {
        if w.op != WorkloadOp::Conv2d {
            return self.time_op(w, budget);
        }
        let [b, c_in, h, wd, c_out, k1, k2, stride] = dims(w)?;
        let expected = w.eval().map_err(|e| err!("{e}"))?.output;
        // The largest buffers: padded input, im2col matrix, output, weights (f32 each).
        let mul = |v: &[u64]| v.iter().fold(1u64, |a, &b| a.saturating_mul(b));
        let out_elems = mul(&expected.0);
        let padded = mul(&[
            w.batch,
            w.c_in,
            w.h.saturating_add(w.k1),
            w.w.saturating_add(w.k2),
        ]);
        let im2col = mul(&[out_elems / w.c_out.max(1), w.c_in, w.k1, w.k2]);
        let weights = mul(&[w.c_in / w.groups.max(1), w.c_out, w.k1, w.k2]);
        let elems = padded
            .saturating_add(im2col)
            .saturating_add(out_elems)
            .saturating_add(weights);
        if elems > MAX_ELEMENTS {
            return Err(err!(
                "this layer needs about {} GiB of buffers, more than the CPU backend allows ({} GiB); use smaller sizes",
                elems.saturating_mul(4) >> 30,
                (MAX_ELEMENTS * 4) >> 30
            ));
        }
        if w.is_dense() {
            let x = Tensor::randn(0f32, 1f32, (h, c_in), &self.dev).map_err(ce)?;
            let wt = Tensor::randn(0f32, 1f32, (c_in, c_out), &self.dev).map_err(ce)?;
            return time_with(budget, || {
                let y = x.matmul(&wt).map_err(ce)?;
                std::hint::black_box(&y);
                Ok(())
            });
        }
        let (t, bo, l, r) = padding(w);
        // Padding happens once, outside the timed region: what is timed is the convolution.
        let x = Tensor::randn(0f32, 1f32, (b, c_in, h, wd), &self.dev)
            .and_then(|x| x.pad_with_zeros(2, t, bo))
            .and_then(|x| x.pad_with_zeros(3, l, r))
            .and_then(|x| x.contiguous())
            .map_err(ce)?;
        let groups = usize::try_from(w.groups)
            .map_err(|_| err!("groups = {} does not fit this machine's usize", w.groups))?;
        let kernel =
            Tensor::randn(0f32, 1f32, (c_out, c_in / groups, k1, k2), &self.dev).map_err(ce)?;
        let y = x.conv2d(&kernel, 0, stride, 1, groups).map_err(ce)?;
        let got: Vec<u64> = y.dims().iter().map(|&d| d as u64).collect();
        if got != expected.0 {
            return Err(err!(
                "internal: candle's output {got:?} differs from core's {:?} for {w:?}",
                expected.0
            ));
        }
        time_with(budget, || {
            let y = x.conv2d(&kernel, 0, stride, 1, groups).map_err(ce)?;
            std::hint::black_box(&y);
            Ok(())
        })
    }

    fn device(&self) -> Device {
        let env = util::cpu_environment();
        Device {
            name: env
                .get("cpu")
                .cloned()
                .unwrap_or_else(|| "unknown CPU".into()),
            kind: DeviceKind::Cpu,
            backend: FRAMEWORK.into(),
            dtype: "f32".into(),
            peak_flops_per_s: None,
            memory_bandwidth_bytes_per_s: None,
            power_w: None,
        }
    }

    fn environment(&self) -> BTreeMap<String, String> {
        let mut env = util::cpu_environment();
        env.insert(
            "threads".into(),
            candle_core::utils::get_num_threads().to_string(),
        );
        env.insert("framework".into(), FRAMEWORK.into());
        env.insert(
            "conv".into(),
            "candle conv2d on a pre-padded input (groups as candle splits them); dense rows (w = 1, k = 1) as matmul"
                .into(),
        );
        env.insert(
            "ops".into(),
            "candle-core relu, gelu_erf, silu, add, max_pool2d/avg_pool2d_with_stride; candle-nn BatchNorm (inference), LayerNorm, ops::softmax_last_dim".into(),
        );
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_a_tiny_conv_and_dense() {
        let mut cpu = Cpu::new();
        let budget = Budget {
            warmup: 0,
            min_reps: 2,
            max_reps: 2,
            target_s: 0.0,
            rounds: 1,
        };
        for w in [
            ConvWorkload::new(6, 5, 2, 3, 2, 3),
            ConvWorkload::new(4, 1, 3, 5, 1, 1),
            ConvWorkload {
                stride: 2,
                ..ConvWorkload::new(7, 7, 2, 2, 3, 3)
            },
        ] {
            let s = cpu.time(&w, &budget).unwrap();
            assert_eq!(s.len(), 2);
            assert!(s.iter().all(|&t| t >= 0.0));
        }
        assert!(cpu.environment().contains_key("threads"));
        // Every other op, and grouped convolutions, check candle's output shape against core's.
        let mut rows = vec![
            Workload {
                groups: 2,
                ..ConvWorkload::new(6, 6, 4, 6, 3, 3)
            },
            Workload {
                groups: 4,
                stride: 2,
                ..ConvWorkload::new(7, 7, 4, 4, 3, 3)
            },
        ];
        for op in WorkloadOp::ALL {
            match op {
                WorkloadOp::Conv2d => {}
                WorkloadOp::MaxPool | WorkloadOp::AvgPool => {
                    rows.push(Workload::pool(op, 2, 3, 7, 6, 2, 2));
                    rows.push(Workload::pool(op, 1, 3, 7, 6, 3, 1));
                }
                _ => rows.push(Workload::elementwise(op, 2, 3, 5, 4)),
            }
        }
        for w in rows {
            let s = cpu
                .time(&w, &budget)
                .unwrap_or_else(|e| panic!("{w:?}: {e}"));
            assert_eq!(s.len(), 2, "{w:?}");
        }
        let huge = ConvWorkload::new(100_000, 100_000, 64, 64, 3, 3);
        assert!(cpu.time(&huge, &budget).unwrap_err().0.contains("GiB"));
    }
}
