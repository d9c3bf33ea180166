//! Just enough of NVML (the library behind `nvidia-smi`) to read a GPU's energy counter,
//! clocks and driver version, loaded at run time like the rest of the CUDA backend.
//!
//! Hand-written rather than a crate: `nvml-wrapper` links its own loader and pulls in a
//! dozen dependencies for the five calls used here; cudarc 0.19 has no NVML module.

use std::ffi::{c_char, c_int, c_uint, c_ulonglong, c_void};

use libloading::{Library, Symbol};

type Device = *mut c_void;
const SUCCESS: c_int = 0;
/// `NVML_CLOCK_SM` in `nvmlClockType_t`.
const CLOCK_SM: c_uint = 1;
/// `NVML_CLOCK_MEM`.
const CLOCK_MEM: c_uint = 2;

pub struct Nvml {
    lib: Library,
    device: Device,
}

impl Nvml {
    /// NVML for the GPU with this UUID (`GPU-xxxxxxxx-…`, as CUDA reports it: CUDA's device 0
    /// need not be NVML's, e.g. under `CUDA_VISIBLE_DEVICES`), or why not where the library,
    /// the call or the GPU is missing (containers may hide NVML).
    pub fn open(uuid: &str) -> Result<Nvml, String> {
        // SAFETY: loading NVML runs no initialisers beyond the library's own.
        let lib = ["libnvidia-ml.so.1", "libnvidia-ml.so"]
            .into_iter()
            .find_map(|n| unsafe { Library::new(n) }.ok())
            .ok_or("libnvidia-ml.so.1 not found")?;
        // SAFETY: the symbols have the signatures of nvml.h (NVML API 11+).
        unsafe {
            let init: Symbol<unsafe extern "C" fn() -> c_int> = lib
                .get(b"nvmlInit_v2\0")
                .map_err(|e| format!("no nvmlInit_v2: {e}"))?;
            let rc = init();
            if rc != SUCCESS {
                return Err(format!("nvmlInit_v2 returned {rc}"));
            }
            let by_uuid: Symbol<unsafe extern "C" fn(*const c_char, *mut Device) -> c_int> = lib
                .get(b"nvmlDeviceGetHandleByUUID\0")
                .map_err(|e| format!("no nvmlDeviceGetHandleByUUID: {e}"))?;
            let c_uuid = std::ffi::CString::new(uuid).map_err(|e| format!("UUID {uuid:?}: {e}"))?;
            let mut device: Device = std::ptr::null_mut();
            let rc = by_uuid(c_uuid.as_ptr(), &mut device);
            if rc != SUCCESS {
                return Err(format!(
                    "NVML has no GPU {uuid} (nvmlDeviceGetHandleByUUID returned {rc})"
                ));
            }
            Ok(Nvml { lib, device })
        }
    }

    /// NVML's spelling of a CUDA device UUID: `GPU-` and the 16 bytes as 8-4-4-4-12 hex digits.
    pub fn uuid_string(bytes: &[u8; 16]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "GPU-{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// Energy used by the GPU since the driver loaded, in millijoules (Volta and newer).
    pub fn energy_mj(&self) -> Option<u64> {
        let mut mj: c_ulonglong = 0;
        // SAFETY: `device` came from NVML and `mj` is a valid out pointer.
        let rc = unsafe {
            let f: Symbol<unsafe extern "C" fn(Device, *mut c_ulonglong) -> c_int> = self
                .lib
                .get(b"nvmlDeviceGetTotalEnergyConsumption\0")
                .ok()?;
            f(self.device, &mut mj)
        };
        (rc == SUCCESS).then_some(mj)
    }

    /// Board power draw now, in watts.
    pub fn power_w(&self) -> Option<f64> {
        let mut mw: c_uint = 0;
        // SAFETY: as above.
        let rc = unsafe {
            let f: Symbol<unsafe extern "C" fn(Device, *mut c_uint) -> c_int> =
                self.lib.get(b"nvmlDeviceGetPowerUsage\0").ok()?;
            f(self.device, &mut mw)
        };
        (rc == SUCCESS).then_some(f64::from(mw) / 1e3)
    }

    fn clock(&self, symbol: &[u8], which: c_uint) -> Option<u32> {
        let mut mhz: c_uint = 0;
        // SAFETY: as above; both clock calls share this signature.
        let rc = unsafe {
            let f: Symbol<unsafe extern "C" fn(Device, c_uint, *mut c_uint) -> c_int> =
                self.lib.get(symbol).ok()?;
            f(self.device, which, &mut mhz)
        };
        (rc == SUCCESS).then_some(mhz)
    }

    /// Current and maximum SM and memory clocks, as `"now/max MHz"` strings.
    pub fn clocks(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (key, which) in [("sm_clock_mhz", CLOCK_SM), ("mem_clock_mhz", CLOCK_MEM)] {
            let now = self.clock(b"nvmlDeviceGetClockInfo\0", which);
            let max = self.clock(b"nvmlDeviceGetMaxClockInfo\0", which);
            if let (Some(now), Some(max)) = (now, max) {
                out.push((key, format!("{now} now, {max} max")));
            }
        }
        out
    }

    /// The driver's version string, e.g. `580.159.04`.
    pub fn driver_version(&self) -> Option<String> {
        let mut buf = [0 as c_char; 96];
        // SAFETY: `buf` is writable for its length, which is passed along.
        let rc = unsafe {
            let f: Symbol<unsafe extern "C" fn(*mut c_char, c_uint) -> c_int> =
                self.lib.get(b"nvmlSystemGetDriverVersion\0").ok()?;
            f(buf.as_mut_ptr(), buf.len() as c_uint)
        };
        if rc != SUCCESS {
            return None;
        }
        // SAFETY: NVML wrote a NUL-terminated string into `buf`.
        let s = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
        Some(s.to_string_lossy().into_owned())
    }
}
