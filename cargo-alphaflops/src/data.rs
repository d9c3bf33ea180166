//! The CSV format of measured configurations (the one of
//! `shared/data/asperti2021-quadro-t2000.csv`): a header line, then one op per line.
//!
//! Columns `h,w,c_in,c_out,k1,k2` are required; `batch`, `stride` and `groups` are optional
//! (default 1), and so is `op` (default `conv2d`, so every file written before other ops were
//! measured reads as the convolutions it holds); `time_ms` is required where times are
//! needed; `experiment` and `series` group rows into sweeps for plots and cross-validation.
//! `measure` and `bench` add `p10_ms`, `p90_ms` (the spread of a row's runs) and `reps`, and
//! `measure --backend cuda` adds `algo` (the cuDNN forward algorithm of a conv2d row, `-` for
//! rows that have none). Any other column passes through unchanged. Fields are plain (no
//! quoting); blank lines are skipped.
//!
//! `op` is one of `conv2d`, `relu`, `gelu`, `silu`, `add`, `max_pool`, `avg_pool`,
//! `batch_norm`, `layer_norm`, `softmax`; each row is built as the core catalog layer it
//! names (`alphaflops_core::workload` has the table):
//!
//! - `conv2d`: `[batch, c_in, h, w]` → `c_out` channels, a `k1×k2` kernel, `stride` ("same"
//!   padding at stride 1, `k/2` otherwise), `groups` (`groups = c_in = c_out` is depthwise).
//!   `h = B, w = 1, k1 = k2 = 1` with batch, stride and groups 1 is a dense layer of batch `B`.
//! - `relu`, `gelu`, `silu`, `batch_norm`, `softmax` (over the last axis, `w`): one tensor
//!   `[batch, c_in, h, w]`; `add`: two of them. `layer_norm`: `[batch, h, w, c_in]`,
//!   normalised over `c_in`.
//! - `max_pool`, `avg_pool`: `[batch, c_in, h, w]`, a `k1×k2` window moved by `stride`, no
//!   padding.
//!
//! Ops other than `conv2d` keep their channels (`c_out` = `c_in`) and have `groups = 1`;
//! those without a window have `k1 = k2 = stride = 1`. For them an empty `c_out`, `k1` or
//! `k2` field means exactly that.

use std::path::{Path, PathBuf};

use alphaflops_core::{Kernel, Workload, WorkloadOp};

use crate::{Result, err};

pub const REQUIRED: [&str; 6] = ["h", "w", "c_in", "c_out", "k1", "k2"];

/// One parsed CSV file.
#[derive(Clone, Debug)]
pub struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// One data line.
#[derive(Clone, Debug)]
pub struct Row {
    /// 1-based line number in the file.
    pub line: usize,
    /// The raw fields, in header order.
    pub fields: Vec<String>,
    pub workload: Workload,
    /// `time_ms`, when the file has that column.
    pub time_ms: Option<f64>,
    pub experiment: String,
    pub series: String,
    /// The kernels core prices for this row.
    pub kernels: Vec<Kernel>,
    /// FLOPs (2·MACs) of the row.
    pub flops: u64,
}

impl Row {
    /// The measured time; only call on tables read with `need_time`.
    pub fn t(&self) -> f64 {
        self.time_ms.unwrap_or(f64::NAN)
    }
}

/// The measured times `time_ms` may hold, in milliseconds.
const TIME_RANGE_MS: (f64, f64) = (1e-12, 1e10);

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Reads a file; with `need_time`, `time_ms` must be present and positive on every row.
    pub fn read(path: &Path, need_time: bool) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| {
            err!(
                "{}: cannot read: {e}; check the path (the shared measurements live in {}, or set ALPHAFLOPS_DATA_DIR)",
                path.display(),
                crate::util::data_dir().display()
            )
        })?;
        // Spreadsheets write a byte-order mark first; it is not part of the header.
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            err!(
                "{}:{line}: not UTF-8 text; save the CSV as UTF-8",
                path.display()
            )
        })?;
        Table::parse(text, path, need_time)
    }

    pub fn parse(text: &str, path: &Path, need_time: bool) -> Result<Table> {
        let p = path.display();
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(err!(
                "{p}:1: empty file: expected a header line with the columns {} (and time_ms)",
                REQUIRED.join(",")
            ));
        };
        let header: Vec<String> = header.split(',').map(|s| s.trim().to_string()).collect();
        for (i, h) in header.iter().enumerate() {
            if h.is_empty() {
                return Err(err!(
                    "{p}:{header_line}: header column {} is empty; name every column",
                    i + 1
                ));
            }
            if header[..i].contains(h) {
                return Err(err!(
                    "{p}:{header_line}: column `{h}` appears twice in the header; keep one"
                ));
            }
        }
        let mut needed: Vec<&str> = REQUIRED.to_vec();
        if need_time {
            needed.push("time_ms");
        }
        for name in needed {
            if !header.iter().any(|h| h == name) {
                return Err(err!(
                    "{p}:{header_line}: missing column `{name}` (the header has: {}); add it — required columns are {}{}",
                    header.join(","),
                    REQUIRED.join(","),
                    if need_time { ",time_ms" } else { "" }
                ));
            }
        }
        let idx = |name: &str| header.iter().position(|h| h == name);
        let mut table = Table {
            path: path.to_path_buf(),
            header: header.clone(),
            rows: Vec::new(),
        };
        for (line, text) in lines {
            let fields: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
            if fields.len() != header.len() {
                return Err(err!(
                    "{p}:{line}: {} fields, but the header has {} columns; every line needs one value per column (quoted fields are not supported)",
                    fields.len(),
                    header.len()
                ));
            }
            // Before the sizes: which of them an op may leave empty depends on it.
            let op = match idx("op").map(|i| fields[i].as_str()) {
                None | Some("") => WorkloadOp::Conv2d,
                Some(raw) => WorkloadOp::from_name(raw).ok_or_else(|| {
                    err!(
                        "{p}:{line}: column `op`: unknown op `{raw}`; use one of {}",
                        WorkloadOp::names()
                    )
                })?,
            };
            let size = |name: &str, default: Option<u64>| -> Result<u64> {
                let Some(i) = idx(name) else {
                    return default.ok_or_else(|| err!("{p}:{line}: missing column `{name}`"));
                };
                let raw = &fields[i];
                if raw.is_empty() {
                    if let Some(d) = default {
                        return Ok(d);
                    }
                    return Err(err!(
                        "{p}:{line}: column `{name}` is empty; give a whole number ≥ 1"
                    ));
                }
                let v: i128 = raw.parse().map_err(|_| {
                    err!("{p}:{line}: column `{name}`: `{raw}` is not a whole number; give an integer ≥ 1")
                })?;
                if v < 1 {
                    return Err(err!(
                        "{p}:{line}: column `{name}` must be at least 1, got {v}; sizes are positive"
                    ));
                }
                u64::try_from(v).map_err(|_| err!("{p}:{line}: column `{name}`: {v} is too large"))
            };
            let c_in = size("c_in", None)?;
            let (same_channels, no_window) = match op {
                WorkloadOp::Conv2d => (None, None),
                op if op.has_window() => (Some(c_in), None),
                _ => (Some(c_in), Some(1)),
            };
            let workload = Workload {
                batch: size("batch", Some(1))?,
                h: size("h", None)?,
                w: size("w", None)?,
                c_in,
                c_out: size("c_out", same_channels)?,
                k1: size("k1", no_window)?,
                k2: size("k2", no_window)?,
                stride: size("stride", Some(1))?,
                groups: size("groups", Some(1))?,
                op,
            };
            let time_ms = match idx("time_ms") {
                None => None,
                Some(i) if fields[i].is_empty() && !need_time => None,
                Some(i) => {
                    let raw = &fields[i];
                    let v: f64 = raw.parse().map_err(|_| {
                        err!("{p}:{line}: column `time_ms`: `{raw}` is not a number; give milliseconds, e.g. 0.25")
                    })?;
                    // A femtosecond to about four months: beyond either end, no measurement
                    // of one layer, and the logs, ratios and sums of fit/validate/plot stop
                    // being finite.
                    if !(TIME_RANGE_MS.0..=TIME_RANGE_MS.1).contains(&v) {
                        return Err(err!(
                            "{p}:{line}: column `time_ms` must be a number of milliseconds from {:e} to {:e}, got {raw}",
                            TIME_RANGE_MS.0,
                            TIME_RANGE_MS.1
                        ));
                    }
                    Some(v)
                }
            };
            let eval = workload.eval().map_err(|e| {
                err!(
                    "{p}:{line}: this {op} row is not valid: {e}; check its sizes (h,w,c_in,c_out,k1,k2,stride,groups)"
                )
            })?;
            let flops = eval.flops();
            let field = |name: &str| idx(name).map(|i| fields[i].clone()).unwrap_or_default();
            table.rows.push(Row {
                line,
                experiment: field("experiment"),
                series: field("series"),
                fields,
                workload,
                time_ms,
                kernels: eval.kernels,
                flops,
            });
        }
        if table.rows.is_empty() {
            return Err(err!(
                "{p}:{}: no data rows after the header; add at least one configuration",
                header_line + 1
            ));
        }
        Ok(table)
    }

    /// Reads several files with times and concatenates their rows.
    pub fn read_many(paths: &[PathBuf]) -> Result<Vec<Row>> {
        let mut rows = Vec::new();
        for p in paths {
            rows.extend(Table::read(p, true)?.rows);
        }
        Ok(rows)
    }

    /// The table as CSV without the columns `drop`.
    pub fn render_without(&self, drop: &[&str]) -> String {
        self.render(drop, &[], |_| Vec::new())
    }

    /// Renders the table with extra columns appended (or replaced, when the header already
    /// has them); `extra(row)` gives their values in `names` order.
    pub fn render_with(&self, names: &[&str], extra: impl Fn(usize) -> Vec<String>) -> String {
        self.render(names, names, extra)
    }

    /// The table without the columns `drop`, then the columns `names` with `extra(row)`.
    pub fn render(
        &self,
        drop: &[&str],
        names: &[&str],
        extra: impl Fn(usize) -> Vec<String>,
    ) -> String {
        let keep: Vec<usize> = (0..self.header.len())
            .filter(|&i| !drop.contains(&self.header[i].as_str()))
            .collect();
        let mut out = String::new();
        let mut head: Vec<&str> = keep.iter().map(|&i| self.header[i].as_str()).collect();
        head.extend_from_slice(names);
        out.push_str(&head.join(","));
        out.push('\n');
        for (r, row) in self.rows.iter().enumerate() {
            let mut f: Vec<String> = keep.iter().map(|&i| row.fields[i].clone()).collect();
            f.extend(extra(r));
            out.push_str(&f.join(","));
            out.push('\n');
        }
        out
    }
}

/// A configs CSV for a list of workloads, with `experiment` and `series` labels. The
/// `groups` and `op` columns are written only when a row needs them, so a set of plain
/// convolutions (the seeded validation sets others were measured on) reads as it always has.
pub fn render_configs(rows: &[(String, String, Workload)]) -> String {
    let extended = rows
        .iter()
        .any(|(_, _, w)| w.groups != 1 || w.op != WorkloadOp::Conv2d);
    let mut out = String::from("experiment,series,h,w,c_in,c_out,k1,k2,batch,stride");
    out.push_str(if extended { ",groups,op\n" } else { "\n" });
    for (e, s, w) in rows {
        out.push_str(&format!(
            "{e},{s},{},{},{},{},{},{},{},{}",
            w.h, w.w, w.c_in, w.c_out, w.k1, w.k2, w.batch, w.stride
        ));
        if extended {
            out.push_str(&format!(",{},{}", w.groups, w.op));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, need_time: bool) -> Result<Table> {
        Table::parse(text, Path::new("t.csv"), need_time)
    }

    #[test]
    fn reads_rows_and_passes_columns_through() {
        let t = parse(
            "experiment,series,h,w,c_in,c_out,k1,k2,time_ms,note\nx,0,8,8,4,4,3,3,0.5,hi\n\nx,1,2,1,3,3,1,1,0.25,yo\n",
            true,
        )
        .unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[0].flops, 2 * 8 * 8 * 4 * 4 * 9);
        assert_eq!(t.rows[1].time_ms, Some(0.25));
        let out = t.render_with(&["time_ms", "p10_ms"], |_| vec!["1".into(), "2".into()]);
        assert_eq!(
            out.lines().next().unwrap(),
            "experiment,series,h,w,c_in,c_out,k1,k2,note,time_ms,p10_ms"
        );
        assert!(out.contains("x,0,8,8,4,4,3,3,hi,1,2"));
    }

    #[test]
    fn malformed_files_name_the_line() {
        let cases: &[(&str, &str)] = &[
            ("", "t.csv:1: empty file"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n", "t.csv:2: no data rows"),
            (
                "h,w,c_in,c_out,k1,time_ms\n1,1,1,1,1,1\n",
                "t.csv:1: missing column `k2`",
            ),
            (
                "h,w,c_in,c_out,k1,k2\n1,1,1,1,1,1\n",
                "t.csv:1: missing column `time_ms`",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1\n1,x,1,1,1,1,1\n",
                "t.csv:3: column `w`: `x` is not a whole number",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,0,1,1,1,1,1\n",
                "t.csv:2: column `w` must be at least 1, got 0",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,-3,1,1,1,1,1\n",
                "t.csv:2: column `w` must be at least 1, got -3",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,-1\n",
                "t.csv:2: column `time_ms` must be a number of milliseconds from 1e-12 to 1e10, got -1",
            ),
            // Positive, but past what logs, ratios and sums stay finite on.
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1e-320\n",
                "t.csv:2: column `time_ms` must be a number",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1e300\n",
                "t.csv:2: column `time_ms` must be a number",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,NaN\n",
                "t.csv:2: column `time_ms` must be a number",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,abc\n",
                "t.csv:2: column `time_ms`: `abc` is not a number",
            ),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1\n",
                "t.csv:2: 5 fields, but the header has 7",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text, true).unwrap_err();
            assert!(e.0.starts_with(want), "{text:?}: got `{e}`, want `{want}`");
        }
    }

    /// What spreadsheets write: a byte-order mark is skipped, other encodings named by line.
    #[test]
    fn encodings() {
        let dir = tempfile::tempdir().unwrap();
        let bom = dir.path().join("bom.csv");
        std::fs::write(
            &bom,
            "\u{feff}h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1\n",
        )
        .unwrap();
        assert_eq!(Table::read(&bom, true).unwrap().rows.len(), 1);
        let latin1 = dir.path().join("latin1.csv");
        std::fs::write(
            &latin1,
            b"h,w,c_in,c_out,k1,k2,time_ms,note\n1,1,1,1,1,1,1,caf\xe9\n",
        )
        .unwrap();
        let e = Table::read(&latin1, true).unwrap_err();
        assert!(
            e.0.ends_with("latin1.csv:2: not UTF-8 text; save the CSV as UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn op_and_groups_columns() {
        let t = parse(
            "h,w,c_in,c_out,k1,k2,stride,groups,op\n\
             8,8,4,4,3,3,2,4,conv2d\n\
             8,8,4,,,,1,,relu\n\
             8,8,4,4,2,2,2,1,max_pool\n\
             8,8,4,4,3,3,1,1,\n",
            false,
        )
        .unwrap();
        let ops: Vec<WorkloadOp> = t.rows.iter().map(|r| r.workload.op).collect();
        assert_eq!(
            ops,
            [
                WorkloadOp::Conv2d,
                WorkloadOp::Relu,
                WorkloadOp::MaxPool,
                WorkloadOp::Conv2d
            ]
        );
        assert_eq!(t.rows[0].workload.groups, 4);
        // Depthwise 3×3, stride 2: 4·4·4 outputs of 9 MACs each.
        assert_eq!(t.rows[0].flops, 2 * 4 * 4 * 4 * 9);
        // Empty c_out and kernel of an element-wise op: c_in and 1×1.
        assert_eq!(
            t.rows[1].workload,
            Workload::elementwise(WorkloadOp::Relu, 1, 4, 8, 8)
        );
        assert_eq!(
            t.rows[1].kernels[0].elementwise,
            Some(alphaflops_core::Elementwise::Activation)
        );
        assert_eq!(
            t.rows[2].kernels[0].elementwise,
            Some(alphaflops_core::Elementwise::Pool)
        );
        for (text, want) in [
            (
                "h,w,c_in,c_out,k1,k2,op\n8,8,4,4,1,1,tanh\n",
                "t.csv:2: column `op`: unknown op `tanh`; use one of conv2d, relu",
            ),
            (
                "h,w,c_in,c_out,k1,k2,op\n8,8,4,8,1,1,relu\n",
                "t.csv:2: this relu row is not valid: relu keeps its channels",
            ),
            (
                "h,w,c_in,c_out,k1,k2,groups\n8,8,4,6,1,1,4\n",
                "t.csv:2: this conv2d row is not valid: groups = 4 does not divide",
            ),
            (
                "h,w,c_in,c_out,k1,k2,groups\n8,8,4,4,1,1,0\n",
                "t.csv:2: column `groups` must be at least 1",
            ),
            (
                "h,w,c_in,c_out,k1,k2,op\n8,8,4,,1,1,conv2d\n",
                "t.csv:2: column `c_out` is empty",
            ),
        ] {
            let e = parse(text, false).unwrap_err();
            assert!(e.0.starts_with(want), "{text:?}: got `{e}`, want `{want}`");
        }
    }

    #[test]
    fn configs_columns_only_when_needed() {
        let conv = (
            "e".to_string(),
            "0".to_string(),
            Workload::new(8, 8, 4, 4, 3, 3),
        );
        let plain = render_configs(std::slice::from_ref(&conv));
        assert_eq!(
            plain,
            "experiment,series,h,w,c_in,c_out,k1,k2,batch,stride\ne,0,8,8,4,4,3,3,1,1\n"
        );
        let relu = (
            "e".to_string(),
            "1".to_string(),
            Workload::elementwise(WorkloadOp::Relu, 2, 4, 8, 8),
        );
        let both = render_configs(&[conv, relu]);
        assert_eq!(
            both,
            "experiment,series,h,w,c_in,c_out,k1,k2,batch,stride,groups,op\ne,0,8,8,4,4,3,3,1,1,1,conv2d\ne,1,8,8,4,4,1,1,2,1,1,relu\n"
        );
        let back = parse(&both, false).unwrap();
        assert_eq!(
            back.rows[1].workload,
            Workload::elementwise(WorkloadOp::Relu, 2, 4, 8, 8)
        );
    }

    #[test]
    fn time_is_optional_for_configs() {
        let t = parse(
            "h,w,c_in,c_out,k1,k2,batch,stride\n8,8,3,4,3,3,2,2\n",
            false,
        )
        .unwrap();
        assert_eq!(t.rows[0].workload.batch, 2);
        assert_eq!(t.rows[0].workload.stride, 2);
        assert_eq!(t.rows[0].time_ms, None);
    }
}

/// Every committed measurement parses to the kernels it did before the `op` and `groups`
/// columns existed: shipped profiles were fitted on exactly these kernels. The digests were
/// taken with the parser of commit 57413f9 (the `-ops` files, measured after it, with the
/// parser that added the columns); a file missing here is new and has none yet.
#[cfg(test)]
mod golden {
    use super::*;

    const DIGESTS: &[(&str, usize, u64)] = &[
        (
            "cpu-amd-epyc-2c-candle-ops-random-seed2.csv",
            60,
            0x6d0ae866aa3807b4,
        ),
        (
            "cpu-amd-epyc-2c-candle-ops-random.csv",
            60,
            0x5213224f8ad32318,
        ),
        ("cpu-amd-epyc-2c-candle-ops.csv", 382, 0x391c9b82ad66ce60),
        ("cpu-amd-epyc-2c-candle-random.csv", 60, 0x5213224f8ad32318),
        ("cpu-amd-epyc-2c-candle.csv", 130, 0x0761d3ccec3f50b4),
        (
            "nvidia-h100-cudnn-f32-graph-random.csv",
            100,
            0x3f673f8b64d667c9,
        ),
        ("nvidia-h100-cudnn-f32-graph.csv", 130, 0x041a38f69b78e9dd),
        ("nvidia-h100-cudnn-f32-random.csv", 100, 0x3f673f8b64d667c9),
        ("nvidia-h100-cudnn-f32.csv", 130, 0x041a38f69b78e9dd),
        (
            "nvidia-h100-cudnn-tf32-graph-random.csv",
            100,
            0x3f673f8b64d667c9,
        ),
        ("nvidia-h100-cudnn-tf32-graph.csv", 130, 0x041a38f69b78e9dd),
        ("nvidia-h100-cudnn-tf32-random.csv", 100, 0x3f673f8b64d667c9),
        ("nvidia-h100-cudnn-tf32.csv", 130, 0x041a38f69b78e9dd),
        (
            "nvidia-h200-cudnn-bf16-graph-random.csv",
            100,
            0x3f673f8b64d667c9,
        ),
        ("nvidia-h200-cudnn-bf16-graph.csv", 130, 0x041a38f69b78e9dd),
        ("nvidia-h200-cudnn-bf16-random.csv", 100, 0x3f673f8b64d667c9),
        ("nvidia-h200-cudnn-bf16.csv", 130, 0x041a38f69b78e9dd),
        (
            "nvidia-h200-cudnn-f32-graph-random.csv",
            100,
            0x3f673f8b64d667c9,
        ),
        ("nvidia-h200-cudnn-f32-graph.csv", 130, 0x041a38f69b78e9dd),
        ("nvidia-h200-cudnn-f32-random.csv", 100, 0x3f673f8b64d667c9),
        ("nvidia-h200-cudnn-f32.csv", 130, 0x041a38f69b78e9dd),
        (
            "nvidia-h200-cudnn-tf32-graph-random.csv",
            100,
            0x3f673f8b64d667c9,
        ),
        ("nvidia-h200-cudnn-tf32-graph.csv", 130, 0x041a38f69b78e9dd),
        ("nvidia-h200-cudnn-tf32-random.csv", 100, 0x3f673f8b64d667c9),
        ("nvidia-h200-cudnn-tf32.csv", 130, 0x041a38f69b78e9dd),
        ("nvidia-h200-torch-f32-random.csv", 100, 0x3f673f8b64d667c9),
        ("nvidia-h200-torch-f32.csv", 130, 0x041a38f69b78e9dd),
    ];
    const SHARED: (&str, usize, u64) = ("asperti2021-quadro-t2000.csv", 537, 0x8fe9292800e65cba);

    /// FNV-1a (64 bit): stable across Rust releases, unlike `DefaultHasher`.
    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// Rows, and a digest of every row's FLOPs and kernels.
    fn digest(path: &Path) -> (usize, u64) {
        let t = Table::read(path, true).unwrap();
        let text: Vec<String> = t
            .rows
            .iter()
            .map(|r| format!("{}:{}", r.flops, serde_json::to_string(&r.kernels).unwrap()))
            .collect();
        (t.rows.len(), fnv(text.join("\n").as_bytes()))
    }

    #[test]
    fn committed_csvs_keep_their_kernels() {
        let profiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("../alphaflops-core/profiles");
        let changed: Vec<String> = DIGESTS
            .iter()
            .filter(|&&(name, n, d)| digest(&profiles.join(name)) != (n, d))
            .map(|&(name, _, _)| {
                let (n, d) = digest(&profiles.join(name));
                format!("(\"{name}\", {n}, 0x{d:016x})")
            })
            .collect();
        assert!(
            changed.is_empty(),
            "these files now parse to other kernels: {}",
            changed.join(", ")
        );
        // Every other committed measurement (a new one has no digest yet) reads too.
        for entry in std::fs::read_dir(&profiles).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".csv") && !name.contains("nvidia-smi") {
                assert!(
                    Table::read(&path, true).is_ok_and(|t| !t.rows.is_empty()),
                    "{name}"
                );
            }
        }
        let shared = crate::util::data_dir().join(SHARED.0);
        if shared.exists() {
            assert_eq!(digest(&shared), (SHARED.1, SHARED.2));
        } else {
            eprintln!(
                "SKIPPED: {} not found (set ALPHAFLOPS_DATA_DIR to the folder holding it)",
                shared.display()
            );
        }
    }
}
