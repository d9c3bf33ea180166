//! The CUDA backend: cuDNN convolution forward (grouped too) and cuBLAS SGEMM for dense
//! rows, and cuDNN's own kernels for the other ops (activation, pooling, softmax, batch-norm
//! inference, add-tensor), timed with CUDA events, through cudarc with libraries loaded at
//! run time. cuDNN's legacy API has no GELU and no layer norm (only its graph API does), so
//! those rows are refused with the reason. It records the forward algorithm cuDNN chose for
//! each convolution (the CSV's `algo` column). It builds without CUDA;
//! without a driver, opening it fails with one clear line instead of a panic. Where NVML is
//! there, the GPU's energy counter is read around every timed loop, so the profile gets the
//! average board power while kernels run (`device.power_w`, hence energy per α-FLOP).

use std::collections::BTreeMap;
use std::sync::Arc;

use std::ffi::c_void;

use alphaflops_core::{ConvWorkload, Device, DeviceKind, Workload, WorkloadOp};
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig, sys as blas_sys};
use cudarc::cudnn::{ConvForward, Cudnn, sys as dnn_sys};
use cudarc::driver::{
    CudaContext, CudaEvent, CudaGraph, CudaStream, DevicePtr, DevicePtrMut, sys as drv_sys,
};

use super::nvml::Nvml;
use super::{Backend, Budget, Options, Precision, Timing, dims, padding};
use crate::{Result, err};

/// Every timed run (ms), and NVML's energy (mJ) over the wall time (s) of those runs.
type Timed = (Vec<f64>, Option<(u64, f64)>);

pub struct Cuda {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    dnn: Arc<Cudnn>,
    /// A second cuDNN handle on the same stream, for the calls cudarc's safe API keeps its
    /// own handle private from (add-tensor, batch-norm inference, swish's β).
    raw: RawDnn,
    blas: CudaBlas,
    /// The algorithm of the row timed last, for the `algo` column.
    last_algo: String,
    precision: Precision,
    timing: Timing,
    /// Created once, recorded around every timed run (creating them inside the window would
    /// add their cost to microsecond kernels).
    events: (CudaEvent, CudaEvent),
    /// NVML for this GPU, or why there is none.
    nvml: std::result::Result<Nvml, String>,
    /// Energy (mJ) and wall time (s) summed over the timed loops, from NVML's counter.
    energy_mj: u64,
    busy_s: f64,
}

/// Finds the CUDA driver, cuDNN and cuBLAS, or says which is missing.
pub fn discover() -> Result<()> {
    // SAFETY: only tries to dlopen the library by its usual names.
    if !unsafe { drv_sys::is_culib_present() } {
        return Err(err!(
            "--backend cuda: the NVIDIA driver library (libcuda.so) was not found, so there is no usable GPU here; use --backend cpu, or run on a machine with an NVIDIA GPU and driver"
        ));
    }
    // SAFETY: as above.
    if !unsafe { dnn_sys::is_culib_present() } {
        return Err(err!(
            "--backend cuda: cuDNN (libcudnn.so) was not found; install cuDNN 9 and put it on LD_LIBRARY_PATH"
        ));
    }
    // SAFETY: as above.
    if !unsafe { blas_sys::is_culib_present() } {
        return Err(err!(
            "--backend cuda: cuBLAS (libcublas.so) was not found; install the CUDA toolkit libraries and put them on LD_LIBRARY_PATH"
        ));
    }
    Ok(())
}

fn de(e: impl std::fmt::Debug) -> crate::Error {
    err!("cuda: {e:?}")
}

impl Cuda {
    pub fn open(Options { precision, timing }: Options) -> Result<Cuda> {
        discover()?;
        let ctx = CudaContext::new(0)
            .map_err(|e| err!("--backend cuda: cannot open GPU 0: {e:?}; check nvidia-smi"))?;
        let stream = match timing {
            Timing::Launch => ctx.default_stream(),
            // The legacy default stream cannot be captured. Everything runs on this one stream,
            // so cudarc's cross-stream event tracking (whose waits would break a capture) is
            // not needed.
            Timing::Graph => {
                // SAFETY: one stream only, so there is no cross-stream use to synchronize.
                unsafe { ctx.disable_event_tracking() };
                ctx.new_stream().map_err(de)?
            }
        };
        let dnn = Cudnn::new(stream.clone()).map_err(de)?;
        let raw = RawDnn::new(&stream)?;
        let blas = CudaBlas::new(stream.clone()).map_err(de)?;
        let mode = match precision {
            Precision::F32 => blas_sys::cublasMath_t::CUBLAS_DEFAULT_MATH,
            Precision::Tf32 => blas_sys::cublasMath_t::CUBLAS_TF32_TENSOR_OP_MATH,
        };
        // SAFETY: the handle is live for `blas`'s lifetime.
        unsafe { blas_sys::cublasSetMathMode(*blas.handle(), mode) }
            .result()
            .map_err(de)?;
        // NVML numbers GPUs its own way: find CUDA's device 0 there by its UUID.
        let nvml = match ctx.uuid() {
            Ok(u) => Nvml::open(&Nvml::uuid_string(&u.bytes.map(|b| b as u8))),
            Err(e) => Err(format!("CUDA gave no device UUID: {e:?}")),
        };
        let flags = Some(drv_sys::CUevent_flags::CU_EVENT_DEFAULT);
        let events = (
            ctx.new_event(flags).map_err(de)?,
            ctx.new_event(flags).map_err(de)?,
        );
        Ok(Cuda {
            ctx,
            stream,
            dnn,
            raw,
            blas,
            last_algo: "-".into(),
            precision,
            timing,
            events,
            nvml,
            energy_mj: 0,
            busy_s: 0.0,
        })
    }

    /// One event-timed run of `f` (or of `run`, the graph replay standing for `per` launches).
    /// With `queued`, one untimed run goes first, so the GPU is still busy with it when the
    /// start event is recorded and the window holds the timed run's execution alone, not its
    /// submission.
    fn time_once(
        &self,
        run: &mut dyn FnMut() -> Result<()>,
        per: usize,
        queued: bool,
    ) -> Result<f64> {
        let (start, end) = &self.events;
        if queued {
            run()?;
        }
        start.record(&self.stream).map_err(de)?;
        run()?;
        end.record(&self.stream).map_err(de)?;
        end.synchronize().map_err(de)?;
        Ok(start.elapsed_ms(end).map_err(de)? as f64 / per as f64)
    }

    /// `--timing graph`: captures `n` back-to-back launches of `f` into a CUDA graph, sized so
    /// one replay lasts about a millisecond (1 to 20 launches).
    fn capture(&self, f: &mut dyn FnMut() -> Result<()>) -> Result<(CudaGraph, usize)> {
        let single = self.time_once(f, 1, false)?;
        let n = ((1.0 / single.max(1e-3)).ceil() as usize).clamp(1, 20);
        self.stream
            .begin_capture(drv_sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_RELAXED)
            .map_err(de)?;
        let captured = (0..n).try_for_each(|_| f());
        // End the capture whatever happened, so the stream is usable again.
        let graph = self
            .stream
            .end_capture(drv_sys::CUgraphInstantiate_flags(0));
        captured?;
        let graph = graph
            .map_err(|e| {
                err!("cuda: capturing the launches into a graph failed: {e:?}; time them with --timing launch")
            })?
            .ok_or_else(|| err!("cuda: the stream capture produced no graph; time with --timing launch"))?;
        graph.upload().map_err(de)?;
        Ok((graph, n))
    }

    /// Every CUDA-event time of `f` launched on the stream; NVML's energy counter is read
    /// around the timed runs.
    fn time_events(&self, budget: &Budget, mut f: impl FnMut() -> Result<()>) -> Result<Timed> {
        for _ in 0..budget.warmup.max(1) {
            f()?;
        }
        self.stream.synchronize().map_err(de)?;
        let graph = match self.timing {
            Timing::Launch => None,
            Timing::Graph => Some(self.capture(&mut f)?),
        };
        let per = match &graph {
            None => 1,
            Some((g, n)) => {
                // One untimed replay first: the warm-up ran the launches, not the graph.
                g.launch().map_err(de)?;
                *n
            }
        };
        let mut run = || match &graph {
            None => f(),
            Some((g, _)) => g.launch().map_err(de),
        };
        let e0 = self.nvml.as_ref().ok().and_then(Nvml::energy_mj);
        let t0 = std::time::Instant::now();
        let mut times = Vec::new();
        let mut total = 0.0;
        while budget.wants_more(times.len(), total / 1e3) {
            let ms = self.time_once(&mut run, per, graph.is_some())?;
            total += ms * per as f64;
            times.push(ms);
        }
        let e1 = self.nvml.as_ref().ok().and_then(Nvml::energy_mj);
        let energy = e0
            .zip(e1)
            .map(|(a, b)| (b.saturating_sub(a), t0.elapsed().as_secs_f64()));
        Ok((times, energy))
    }

    fn account(&mut self, (times, energy): Timed) -> Vec<f64> {
        if let Some((mj, s)) = energy {
            self.energy_mj = self.energy_mj.saturating_add(mj);
            self.busy_s += s;
        }
        times
    }

    /// Average board power over the timed loops, once there are enough of them to trust
    /// NVML's counter (it ticks every few milliseconds).
    fn average_power_w(&self) -> Option<f64> {
        (self.busy_s >= 2.0).then(|| self.energy_mj as f64 / 1e3 / self.busy_s)
    }
}

/// The input cuDNN gets (`h` × `w`, padded `ph`, `pw` on both sides) and its output.
#[derive(Debug, PartialEq)]
struct Geometry {
    h: usize,
    w: usize,
    ph: usize,
    pw: usize,
    oh: usize,
    ow: usize,
}

/// cuDNN pads symmetrically, but the CPU backend's [`padding`] (core's "same" at stride 1)
/// puts an even kernel's extra row and column after: cuDNN pads by the smaller side and the
/// input gets the difference as extra rows and columns, so both read the same padded image.
fn geometry(w: &ConvWorkload) -> Result<Geometry> {
    let [_, _, h, wd, _, k1, k2, stride] = dims(w)?;
    let (top, bottom, left, right) = padding(w);
    let (h, wd) = (h + (bottom - top), wd + (right - left));
    Ok(Geometry {
        h,
        w: wd,
        ph: top,
        pw: left,
        oh: (h + 2 * top - k1) / stride + 1,
        ow: (wd + 2 * left - k2) / stride + 1,
    })
}

fn ci(v: usize) -> Result<i32> {
    i32::try_from(v)
        .map_err(|_| err!("size {v} is too large for cuDNN/cuBLAS (needs to fit in i32)"))
}

/// Why cuDNN's legacy API (the one this backend drives) has no kernel for `op`, if it has none.
pub fn cudnn_unsupported(op: WorkloadOp) -> Option<&'static str> {
    match op {
        WorkloadOp::Gelu => Some(
            "gelu: cuDNN's activation API has no GELU (only its graph API has one, which this backend does not drive); time gelu rows with --backend cpu, or leave them out (bench does)",
        ),
        WorkloadOp::LayerNorm => Some(
            "layer_norm: cuDNN has no layer-norm kernel outside its graph API, which this backend does not drive; time layer_norm rows with --backend cpu, or leave them out (bench does)",
        ),
        _ => None,
    }
}

/// cuDNN's name for a forward algorithm, as the `algo` column writes it.
fn algo_name(a: dnn_sys::cudnnConvolutionFwdAlgo_t) -> String {
    format!("{a:?}")
        .trim_start_matches("CUDNN_CONVOLUTION_FWD_ALGO_")
        .to_lowercase()
}

/// The NCHW tensors cuDNN is given for an op other than conv2d: input and output.
#[derive(Debug, PartialEq)]
struct OpShapes {
    x: [usize; 4],
    y: [usize; 4],
}

/// Core's shapes in cuDNN's terms: pooling without padding (floor, as core), softmax over
/// the last axis as cuDNN's channel softmax of `[b·c·h, w, 1, 1]`, layer norm's channels-last
/// input as it is. Only for rows whose `eval()` succeeded (the window fits).
fn op_shapes(w: &Workload) -> Result<OpShapes> {
    let [b, c, h, wd, _, k1, k2, s] = dims(w)?;
    let x = [b, c, h, wd];
    Ok(match w.op {
        WorkloadOp::Conv2d => return Err(err!("internal: op_shapes called for a conv2d row")),
        WorkloadOp::MaxPool | WorkloadOp::AvgPool => OpShapes {
            x,
            y: [b, c, (h - k1) / s + 1, (wd - k2) / s + 1],
        },
        WorkloadOp::Softmax => {
            let t = [b * c * h, wd, 1, 1];
            OpShapes { x: t, y: t }
        }
        WorkloadOp::LayerNorm => OpShapes {
            x: [b, h, wd, c],
            y: [b, h, wd, c],
        },
        _ => OpShapes { x, y: x },
    })
}

/// A cuDNN handle of our own, bound to the backend's stream.
struct RawDnn(dnn_sys::cudnnHandle_t);

impl RawDnn {
    fn new(stream: &CudaStream) -> Result<RawDnn> {
        let handle = cudarc::cudnn::result::create_handle().map_err(de)?;
        let raw = RawDnn(handle);
        // SAFETY: the handle was just created and the stream outlives the backend.
        unsafe {
            cudarc::cudnn::result::set_stream(handle, stream.cu_stream() as dnn_sys::cudaStream_t)
        }
        .map_err(de)?;
        Ok(raw)
    }
}

impl Drop for RawDnn {
    fn drop(&mut self) {
        // SAFETY: created by cudnnCreate and destroyed once, here.
        let _ = unsafe { cudarc::cudnn::result::destroy_handle(self.0) };
    }
}

/// An f32 NCHW tensor descriptor.
struct RawTensor(dnn_sys::cudnnTensorDescriptor_t);

impl RawTensor {
    fn nchw(d: [usize; 4]) -> Result<RawTensor> {
        let t = RawTensor(cudarc::cudnn::result::create_tensor_descriptor().map_err(de)?);
        // SAFETY: a live descriptor.
        unsafe {
            cudarc::cudnn::result::set_tensor4d_descriptor(
                t.0,
                dnn_sys::cudnnTensorFormat_t::CUDNN_TENSOR_NCHW,
                dnn_sys::cudnnDataType_t::CUDNN_DATA_FLOAT,
                [ci(d[0])?, ci(d[1])?, ci(d[2])?, ci(d[3])?],
            )
        }
        .map_err(de)?;
        Ok(t)
    }
}

impl Drop for RawTensor {
    fn drop(&mut self) {
        // SAFETY: created above and destroyed once, here.
        let _ = unsafe { cudarc::cudnn::result::destroy_tensor_descriptor(self.0) };
    }
}

struct RawActivation(dnn_sys::cudnnActivationDescriptor_t);

impl RawActivation {
    /// ReLU, or SiLU as cuDNN's swish with β = 1.
    fn new(op: WorkloadOp) -> Result<RawActivation> {
        use dnn_sys::cudnnActivationMode_t as M;
        let a = RawActivation(cudarc::cudnn::result::create_activation_descriptor().map_err(de)?);
        let mode = if op == WorkloadOp::Silu {
            M::CUDNN_ACTIVATION_SWISH
        } else {
            M::CUDNN_ACTIVATION_RELU
        };
        let nan = dnn_sys::cudnnNanPropagation_t::CUDNN_NOT_PROPAGATE_NAN;
        // SAFETY: a live descriptor.
        unsafe { cudarc::cudnn::result::set_activation_descriptor(a.0, mode, nan, 0.0) }
            .map_err(de)?;
        if op == WorkloadOp::Silu {
            // SAFETY: as above.
            unsafe { dnn_sys::cudnnSetActivationDescriptorSwishBeta(a.0, 1.0) }
                .result()
                .map_err(de)?;
        }
        Ok(a)
    }
}

impl Drop for RawActivation {
    fn drop(&mut self) {
        // SAFETY: created above and destroyed once, here.
        let _ = unsafe { dnn_sys::cudnnDestroyActivationDescriptor(self.0) };
    }
}

struct RawPooling(dnn_sys::cudnnPoolingDescriptor_t);

impl RawPooling {
    fn new(op: WorkloadOp, window: [usize; 2], stride: usize) -> Result<RawPooling> {
        use dnn_sys::cudnnPoolingMode_t as M;
        let p = RawPooling(cudarc::cudnn::result::create_pooling_descriptor().map_err(de)?);
        // No padding, so average pooling counts the same with or without it.
        let mode = if op == WorkloadOp::MaxPool {
            M::CUDNN_POOLING_MAX
        } else {
            M::CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING
        };
        let (win, s) = ([ci(window[0])?, ci(window[1])?], ci(stride)?);
        // SAFETY: a live descriptor; the arrays have the 2 entries nb_dims says.
        unsafe {
            cudarc::cudnn::result::set_pooling_descriptor(
                p.0,
                mode,
                dnn_sys::cudnnNanPropagation_t::CUDNN_NOT_PROPAGATE_NAN,
                2,
                &win,
                &[0, 0],
                &[s, s],
            )
        }
        .map_err(de)?;
        Ok(p)
    }
}

impl Drop for RawPooling {
    fn drop(&mut self) {
        // SAFETY: created above and destroyed once, here.
        let _ = unsafe { dnn_sys::cudnnDestroyPoolingDescriptor(self.0) };
    }
}

impl Cuda {
    /// One op other than conv2d through cuDNN's own kernel.
    fn time_op(&mut self, w: &Workload, budget: &Budget) -> Result<Vec<f64>> {
        w.eval().map_err(|e| err!("{e}"))?;
        if let Some(why) = cudnn_unsupported(w.op) {
            return Err(err!("--backend cuda: {why}"));
        }
        let OpShapes { x: xs, y: ys } = op_shapes(w)?;
        let [_, c, _, _, _, k1, k2, stride] = dims(w)?;
        let numel = |d: [usize; 4]| d.iter().product::<usize>();
        let x = self.stream.alloc_zeros::<f32>(numel(xs)).map_err(de)?;
        let mut y = self.stream.alloc_zeros::<f32>(numel(ys)).map_err(de)?;
        // Batch norm's per-channel scale, bias, mean and variance (1 keeps the division finite).
        let ones = self.stream.clone_htod(&vec![1f32; c]).map_err(de)?;
        let zeros = self.stream.alloc_zeros::<f32>(c).map_err(de)?;
        let (xd, yd) = (RawTensor::nchw(xs)?, RawTensor::nchw(ys)?);
        let handle = self.raw.0;
        let (one, zero) = (1.0f32, 0.0f32);
        let (alpha, beta0) = (
            &one as *const f32 as *const c_void,
            &zero as *const f32 as *const c_void,
        );
        let timed = {
            // The pointers are taken once, so no launch pays for cudarc's event bookkeeping.
            let (px, _gx) = x.device_ptr(&self.stream);
            let (py, _gy) = y.device_ptr_mut(&self.stream);
            let (pones, _go) = ones.device_ptr(&self.stream);
            let (pzeros, _gz) = zeros.device_ptr(&self.stream);
            let (px, py) = (px as *const c_void, py as *mut c_void);
            let (pones, pzeros) = (pones as *const c_void, pzeros as *const c_void);
            // SAFETY (every launch below): the buffers have the sizes the descriptors give,
            // and outlive the timing loop; the scaling factors are host f32s, as cuDNN wants
            // for f32 tensors.
            let mut launch: Box<dyn FnMut() -> Result<()>> = match w.op {
                WorkloadOp::Relu | WorkloadOp::Silu => {
                    let act = RawActivation::new(w.op)?;
                    Box::new(move || {
                        unsafe {
                            dnn_sys::cudnnActivationForward(
                                handle, act.0, alpha, xd.0, px, beta0, yd.0, py,
                            )
                        }
                        .result()
                        .map_err(de)
                    })
                }
                // y ← x + y in place: a residual add, two reads and a write per element.
                WorkloadOp::Add => Box::new(move || {
                    unsafe { dnn_sys::cudnnAddTensor(handle, alpha, xd.0, px, alpha, yd.0, py) }
                        .result()
                        .map_err(de)
                }),
                WorkloadOp::MaxPool | WorkloadOp::AvgPool => {
                    let pool = RawPooling::new(w.op, [k1, k2], stride)?;
                    Box::new(move || {
                        unsafe {
                            dnn_sys::cudnnPoolingForward(
                                handle, pool.0, alpha, xd.0, px, beta0, yd.0, py,
                            )
                        }
                        .result()
                        .map_err(de)
                    })
                }
                WorkloadOp::Softmax => Box::new(move || {
                    unsafe {
                        dnn_sys::cudnnSoftmaxForward(
                            handle,
                            dnn_sys::cudnnSoftmaxAlgorithm_t::CUDNN_SOFTMAX_ACCURATE,
                            dnn_sys::cudnnSoftmaxMode_t::CUDNN_SOFTMAX_MODE_CHANNEL,
                            alpha,
                            xd.0,
                            px,
                            beta0,
                            yd.0,
                            py,
                        )
                    }
                    .result()
                    .map_err(de)
                }),
                WorkloadOp::BatchNorm => {
                    let bn = RawTensor::nchw([1, c, 1, 1])?;
                    Box::new(move || {
                        unsafe {
                            dnn_sys::cudnnBatchNormalizationForwardInference(
                                handle,
                                dnn_sys::cudnnBatchNormMode_t::CUDNN_BATCHNORM_SPATIAL,
                                alpha,
                                beta0,
                                xd.0,
                                px,
                                yd.0,
                                py,
                                bn.0,
                                pones,
                                pzeros,
                                pzeros,
                                pones,
                                1e-5,
                            )
                        }
                        .result()
                        .map_err(de)
                    })
                }
                WorkloadOp::Conv2d | WorkloadOp::Gelu | WorkloadOp::LayerNorm => {
                    return Err(err!("internal: time_op has no cuDNN kernel for {}", w.op));
                }
            };
            self.time_events(budget, &mut launch)?
        };
        self.last_algo = "-".into();
        Ok(self.account(timed))
    }
}

impl Backend for Cuda {
    fn unsupported(&self, op: WorkloadOp) -> Option<&'static str> {
        cudnn_unsupported(op)
    }

    fn records_algorithm(&self) -> bool {
        true
    }

    fn algorithm(&self) -> String {
        self.last_algo.clone()
    }

    fn time(&mut self, w: &ConvWorkload, budget: &Budget) -> Result<Vec<f64>> {
        if w.op != WorkloadOp::Conv2d {
            return self.time_op(w, budget);
        }
        let [b, c_in, h, _, c_out, k1, k2, stride] = dims(w)?;
        let groups =
            usize::try_from(w.groups).map_err(|_| err!("groups = {} is too large", w.groups))?;
        if w.is_dense() {
            // Row-major y[h, c_out] = x[h, c_in] · W[c_in, c_out], as column-major yᵀ = Wᵀ·xᵀ.
            let x = self.stream.alloc_zeros::<f32>(h * c_in).map_err(de)?;
            let wt = self.stream.alloc_zeros::<f32>(c_in * c_out).map_err(de)?;
            let mut y = self.stream.alloc_zeros::<f32>(h * c_out).map_err(de)?;
            let cfg = GemmConfig {
                transa: blas_sys::cublasOperation_t::CUBLAS_OP_N,
                transb: blas_sys::cublasOperation_t::CUBLAS_OP_N,
                m: ci(c_out)?,
                n: ci(h)?,
                k: ci(c_in)?,
                alpha: 1.0f32,
                lda: ci(c_out)?,
                ldb: ci(c_in)?,
                beta: 0.0f32,
                ldc: ci(c_out)?,
            };
            let blas = &self.blas;
            let timed = self.time_events(budget, || {
                // SAFETY: the buffers have exactly the sizes the config describes.
                unsafe { blas.gemm(cfg, &wt, &x, &mut y) }.map_err(de)
            })?;
            self.last_algo = "cublas_sgemm".into();
            return Ok(self.account(timed));
        }
        let Geometry {
            h,
            w: wd,
            ph,
            pw,
            oh,
            ow,
        } = geometry(w)?;
        let nchw = dnn_sys::cudnnTensorFormat_t::CUDNN_TENSOR_NCHW;
        let x_desc = self
            .dnn
            .create_4d_tensor::<f32>(nchw, [ci(b)?, ci(c_in)?, ci(h)?, ci(wd)?])
            .map_err(de)?;
        let w_desc = self
            .dnn
            .create_4d_filter::<f32>(nchw, [ci(c_out)?, ci(c_in / groups)?, ci(k1)?, ci(k2)?])
            .map_err(de)?;
        let y_desc = self
            .dnn
            .create_4d_tensor::<f32>(nchw, [ci(b)?, ci(c_out)?, ci(oh)?, ci(ow)?])
            .map_err(de)?;
        let mut conv = self
            .dnn
            .create_conv2d::<f32>(
                [ci(ph)?, ci(pw)?],
                [ci(stride)?, ci(stride)?],
                [1, 1],
                dnn_sys::cudnnConvolutionMode_t::CUDNN_CROSS_CORRELATION,
            )
            .map_err(de)?;
        conv.set_group_count(ci(groups)?).map_err(de)?;
        conv.set_math_type(match self.precision {
            Precision::F32 => dnn_sys::cudnnMathType_t::CUDNN_FMA_MATH,
            Precision::Tf32 => dnn_sys::cudnnMathType_t::CUDNN_DEFAULT_MATH,
        })
        .map_err(de)?;
        let op = ConvForward {
            conv: &conv,
            x: &x_desc,
            w: &w_desc,
            y: &y_desc,
        };
        let x = self
            .stream
            .alloc_zeros::<f32>(b * c_in * h * wd)
            .map_err(de)?;
        let filt = self
            .stream
            .alloc_zeros::<f32>(c_out * (c_in / groups) * k1 * k2)
            .map_err(de)?;
        let mut y = self
            .stream
            .alloc_zeros::<f32>(b * c_out * oh * ow)
            .map_err(de)?;
        // cuDNN's heuristic first (what frameworks use with benchmarking off); should it fail
        // under the requested math, the first algorithm that runs.
        use dnn_sys::cudnnConvolutionFwdAlgo_t as A;
        let fallbacks = [
            A::CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
            A::CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM,
            A::CUDNN_CONVOLUTION_FWD_ALGO_GEMM,
            A::CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED,
            A::CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING,
        ];
        let heuristic = op.pick_algorithm();
        // Each algorithm that fails, with the library's own error, for the message below.
        let mut failures: Vec<String> = Vec::new();
        if let Err(e) = &heuristic {
            failures.push(format!("the heuristic: {e:?}"));
        }
        let first = heuristic.as_ref().ok().copied();
        let mut chosen = None;
        for algo in first
            .into_iter()
            .chain(fallbacks.into_iter().filter(|a| Some(*a) != first))
        {
            let mut attempt = || -> std::result::Result<_, String> {
                let ws = op.get_workspace_size(algo).map_err(|e| format!("{e:?}"))?;
                let mut workspace = self
                    .stream
                    .alloc_zeros::<u8>(ws.max(1))
                    .map_err(|e| format!("allocating {ws} bytes of workspace: {e:?}"))?;
                // SAFETY: buffers match the descriptors.
                unsafe {
                    op.launch(
                        algo,
                        Some(&mut workspace),
                        (1.0f32, 0.0f32),
                        &x,
                        &filt,
                        &mut y,
                    )
                }
                .map_err(|e| format!("{e:?}"))?;
                self.stream.synchronize().map_err(|e| format!("{e:?}"))?;
                Ok(workspace)
            };
            match attempt() {
                Ok(ws) => {
                    chosen = Some((algo, ws));
                    break;
                }
                Err(e) => failures.push(format!("{algo:?}: {e}")),
            }
        }
        let (algo, mut workspace) = chosen.ok_or_else(|| {
            err!(
                "cuDNN ran none of its forward algorithms for this convolution ({}); check that the GPU has free memory (nvidia-smi) or leave the configuration out",
                failures.join("; ")
            )
        })?;
        let timed = self.time_events(budget, || {
            // SAFETY: buffers match the descriptors.
            unsafe {
                op.launch(
                    algo,
                    Some(&mut workspace),
                    (1.0f32, 0.0f32),
                    &x,
                    &filt,
                    &mut y,
                )
            }
            .map_err(de)
        })?;
        self.last_algo = algo_name(algo);
        Ok(self.account(timed))
    }

    /// CUDA events resolve about half a microsecond and a GPU alone on its board barely
    /// varies run to run: two passes of ≥ 0.1 s each suffice.
    fn budget(&self, quick: bool) -> Budget {
        if quick {
            Budget {
                warmup: 2,
                min_reps: 10,
                max_reps: 100,
                target_s: 0.1,
                rounds: 1,
            }
        } else {
            Budget {
                warmup: 3,
                min_reps: 10,
                max_reps: 300,
                target_s: 0.2,
                rounds: 2,
            }
        }
    }

    fn device(&self) -> Device {
        Device {
            name: self
                .ctx
                .name()
                .unwrap_or_else(|_| "unknown NVIDIA GPU".into()),
            kind: DeviceKind::Gpu,
            backend: format!(
                "cuDNN {} / cuBLAS via cudarc 0.19",
                cudarc::cudnn::result::get_version()
            ),
            dtype: self.precision.label().into(),
            peak_flops_per_s: None,
            memory_bandwidth_bytes_per_s: None,
            power_w: self.average_power_w(),
        }
    }

    fn environment(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        if let Ok(name) = self.ctx.name() {
            env.insert("gpu".into(), name);
        }
        if let Ok((major, minor)) = self.ctx.compute_capability() {
            env.insert("compute_capability".into(), format!("{major}.{minor}"));
        }
        let mut v: std::ffi::c_int = 0;
        // SAFETY: the driver library is loaded (discover() succeeded) and `v` is a valid out pointer.
        if unsafe { drv_sys::cuDriverGetVersion(&mut v) } == drv_sys::CUresult::CUDA_SUCCESS {
            env.insert(
                "cuda_driver_api".into(),
                format!("{}.{}", v / 1000, (v % 1000) / 10),
            );
        }
        env.insert(
            "cudnn".into(),
            cudarc::cudnn::result::get_version().to_string(),
        );
        env.insert(
            "math".into(),
            match self.precision {
                Precision::F32 => {
                    "f32: cuDNN CUDNN_FMA_MATH (no tensor cores), cuBLAS CUBLAS_DEFAULT_MATH"
                }
                Precision::Tf32 => {
                    "tf32: cuDNN CUDNN_DEFAULT_MATH, cuBLAS CUBLAS_TF32_TENSOR_OP_MATH"
                }
            }
            .into(),
        );
        match &self.nvml {
            Ok(nvml) => {
                if let Some(v) = nvml.driver_version() {
                    env.insert("driver".into(), v);
                }
                for (k, v) in nvml.clocks() {
                    env.insert(k.into(), v);
                }
                match self.average_power_w() {
                    Some(w) => env.insert(
                        "power".into(),
                        format!(
                            "{w:.1} W average over {:.1} s of timed loops (NVML energy counter); {} just after them",
                            self.busy_s,
                            nvml.power_w().map_or("unknown".into(), |p| format!("{p:.1} W"))
                        ),
                    ),
                    None => env.insert("power".into(), "NVML energy counter unavailable or too little timed".into()),
                };
            }
            Err(why) => {
                env.insert(
                    "power".into(),
                    format!("no power_w: NVML unavailable ({why})"),
                );
            }
        }
        env.insert(
            "timing".into(),
            match self.timing {
                Timing::Launch => "CUDA events around each launch on an idle GPU (host launch cost included)",
                Timing::Graph => {
                    "CUDA events around a CUDA-graph replay of 1-20 back-to-back launches queued behind another replay, per launch (kernel time, host launch cost excluded)"
                }
            }
            .into(),
        );
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvml_uuid_spelling() {
        let bytes: [u8; 16] = [0x5a, 0x1b, 0, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xc0];
        assert_eq!(
            Nvml::uuid_string(&bytes),
            "GPU-5a1b00ff-0102-0304-0506-0708090a0bc0"
        );
    }

    /// The convolution cuDNN runs has core's output shape, even kernels included.
    #[test]
    fn cudnn_output_is_cores() {
        for k in 1..=8u64 {
            for stride in [1u64, 2] {
                let w = ConvWorkload {
                    stride,
                    ..ConvWorkload::new(20, 13, 2, 2, k, k)
                };
                let out = w.eval().unwrap().output;
                let g = geometry(&w).unwrap();
                assert_eq!(
                    [g.oh as u64, g.ow as u64],
                    [out.0[2], out.0[3]],
                    "k = {k}, stride {stride}"
                );
                // The image cuDNN reads, padding included, is the CPU backend's padded input.
                let (top, bottom, left, right) = padding(&w);
                assert_eq!(
                    (g.ph, g.h + g.ph - 20),
                    (top, bottom),
                    "k = {k}, stride {stride}"
                );
                assert_eq!(
                    (g.pw, g.w + g.pw - 13),
                    (left, right),
                    "k = {k}, stride {stride}"
                );
            }
        }
    }

    /// What cuDNN is given for each op has core's output: pooling's window, softmax's rows.
    #[test]
    fn op_shapes_are_cores() {
        for op in WorkloadOp::ALL {
            let rows = match op {
                WorkloadOp::Conv2d => continue,
                WorkloadOp::MaxPool | WorkloadOp::AvgPool => {
                    vec![
                        Workload::pool(op, 2, 3, 9, 8, 2, 2),
                        Workload::pool(op, 1, 4, 9, 7, 3, 2),
                        Workload::pool(op, 1, 4, 6, 6, 3, 1),
                    ]
                }
                _ => vec![Workload::elementwise(op, 2, 3, 5, 4)],
            };
            for w in rows {
                let out = w.eval().unwrap().output;
                let s = op_shapes(&w).unwrap();
                let numel = |d: [usize; 4]| d.iter().product::<usize>() as u64;
                assert_eq!(numel(s.y), out.numel().unwrap(), "{w:?}");
                assert_eq!(numel(s.x), w.input().numel().unwrap(), "{w:?}");
                match op {
                    WorkloadOp::MaxPool | WorkloadOp::AvgPool => {
                        assert_eq!(
                            [s.y[2] as u64, s.y[3] as u64],
                            [out.0[2], out.0[3]],
                            "{w:?}"
                        )
                    }
                    // cuDNN's channel softmax runs over dimension 1: the rows of length w.
                    WorkloadOp::Softmax => assert_eq!((s.x[1], s.x[2], s.x[3]), (4, 1, 1)),
                    _ => assert_eq!(s.x, s.y),
                }
            }
        }
        assert!(op_shapes(&ConvWorkload::new(4, 4, 2, 2, 3, 3)).is_err());
    }

    #[test]
    fn ops_without_a_kernel_say_why() {
        for op in WorkloadOp::ALL {
            let why = cudnn_unsupported(op);
            assert_eq!(
                why.is_some(),
                matches!(op, WorkloadOp::Gelu | WorkloadOp::LayerNorm),
                "{op}"
            );
            if let Some(why) = why {
                assert!(
                    why.starts_with(op.name()) && why.contains("--backend cpu"),
                    "{why}"
                );
            }
        }
        use dnn_sys::cudnnConvolutionFwdAlgo_t as A;
        assert_eq!(
            algo_name(A::CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM),
            "implicit_precomp_gemm"
        );
        assert_eq!(
            algo_name(A::CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED),
            "winograd_nonfused"
        );
    }

    /// Up to device discovery: without a driver, opening fails with one clear line.
    #[test]
    fn no_gpu_is_a_clean_error() {
        match discover() {
            Err(e) => {
                assert!(e.0.contains("--backend cuda"), "{e}");
                assert!(!e.0.contains('\n'), "one line: {e}");
            }
            Ok(()) => eprintln!(
                "SKIPPED: CUDA libraries are present here; the no-GPU path is not exercised"
            ),
        }
    }
}
