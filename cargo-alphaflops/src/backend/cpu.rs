//! The CPU backend: candle-core's conv2d (im2col + gemm) and matmul for dense rows.

use std::collections::BTreeMap;

use alphaflops_core::{ConvWorkload, Device, DeviceKind};
use candle_core::{Device as CDevice, Tensor};

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

impl Backend for Cpu {
    fn time(&mut self, w: &ConvWorkload, budget: &Budget) -> Result<Vec<f64>> {
        let [b, c_in, h, wd, c_out, k1, k2, stride] = dims(w)?;
        let expected = w.eval().map_err(|e| err!("{e}"))?.output;
        // The largest buffers: padded input, im2col matrix, output, weights (f32 each).
        let mul = |v: &[u64]| v.iter().fold(1u64, |a, &b| a.saturating_mul(b));
        let out_elems = mul(&expected.0);
        let padded = mul(&[w.batch, w.c_in, w.h.saturating_add(w.k1), w.w.saturating_add(w.k2)]);
        let im2col = mul(&[out_elems / w.c_out.max(1), w.c_in, w.k1, w.k2]);
        let weights = mul(&[w.c_in, w.c_out, w.k1, w.k2]);
        let elems = padded.saturating_add(im2col).saturating_add(out_elems).saturating_add(weights);
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
        let kernel = Tensor::randn(0f32, 1f32, (c_out, c_in, k1, k2), &self.dev).map_err(ce)?;
        let y = x.conv2d(&kernel, 0, stride, 1, 1).map_err(ce)?;
        let got: Vec<u64> = y.dims().iter().map(|&d| d as u64).collect();
        if got != expected.0 {
            return Err(err!("internal: candle's output {got:?} differs from core's {:?} for {w:?}", expected.0));
        }
        time_with(budget, || {
            let y = x.conv2d(&kernel, 0, stride, 1, 1).map_err(ce)?;
            std::hint::black_box(&y);
            Ok(())
        })
    }

    fn device(&self) -> Device {
        let env = util::cpu_environment();
        Device {
            name: env.get("cpu").cloned().unwrap_or_else(|| "unknown CPU".into()),
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
        env.insert("threads".into(), candle_core::utils::get_num_threads().to_string());
        env.insert("framework".into(), FRAMEWORK.into());
        env.insert("conv".into(), "candle conv2d on a pre-padded input; dense rows (w = 1, k = 1) as matmul".into());
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_a_tiny_conv_and_dense() {
        let mut cpu = Cpu::new();
        let budget = Budget { warmup: 0, min_reps: 2, max_reps: 2, target_s: 0.0, rounds: 1 };
        for w in [
            ConvWorkload::new(6, 5, 2, 3, 2, 3),
            ConvWorkload::new(4, 1, 3, 5, 1, 1),
            ConvWorkload { stride: 2, ..ConvWorkload::new(7, 7, 2, 2, 3, 3) },
        ] {
            let s = cpu.time(&w, &budget).unwrap();
            assert_eq!(s.len(), 2);
            assert!(s.iter().all(|&t| t >= 0.0));
        }
        assert!(cpu.environment().contains_key("threads"));
        let huge = ConvWorkload::new(100_000, 100_000, 64, 64, 3, 3);
        assert!(cpu.time(&huge, &budget).unwrap_err().0.contains("GiB"));
    }
}
