//! The CSV format of measured configurations (the one of
//! `shared/data/asperti2021-quadro-t2000.csv`): a header line, then one layer per line.
//!
//! Columns `h,w,c_in,c_out,k1,k2` are required; `batch` and `stride` are optional (default
//! 1); `time_ms` is required where times are needed; `experiment` and `series` group rows
//! into sweeps for plots and cross-validation. Any other column passes through unchanged.
//! Fields are plain (no quoting); blank lines are skipped.

use std::path::{Path, PathBuf};

use alphaflops_core::{ConvWorkload, Kernel};

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
    pub workload: ConvWorkload,
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
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            err!("{}:{line}: not UTF-8 text; save the CSV as UTF-8", path.display())
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
                return Err(err!("{p}:{header_line}: header column {} is empty; name every column", i + 1));
            }
            if header[..i].contains(h) {
                return Err(err!("{p}:{header_line}: column `{h}` appears twice in the header; keep one"));
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
        let mut table = Table { path: path.to_path_buf(), header: header.clone(), rows: Vec::new() };
        for (line, text) in lines {
            let fields: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
            if fields.len() != header.len() {
                return Err(err!(
                    "{p}:{line}: {} fields, but the header has {} columns; every line needs one value per column (quoted fields are not supported)",
                    fields.len(),
                    header.len()
                ));
            }
            let size = |name: &str, default: Option<u64>| -> Result<u64> {
                let Some(i) = idx(name) else {
                    return default.ok_or_else(|| err!("{p}:{line}: missing column `{name}`"));
                };
                let raw = &fields[i];
                if raw.is_empty() {
                    if let Some(d) = default {
                        return Ok(d);
                    }
                    return Err(err!("{p}:{line}: column `{name}` is empty; give a whole number ≥ 1"));
                }
                let v: i128 = raw.parse().map_err(|_| {
                    err!("{p}:{line}: column `{name}`: `{raw}` is not a whole number; give an integer ≥ 1")
                })?;
                if v < 1 {
                    return Err(err!("{p}:{line}: column `{name}` must be at least 1, got {v}; sizes are positive"));
                }
                u64::try_from(v).map_err(|_| err!("{p}:{line}: column `{name}`: {v} is too large"))
            };
            let workload = ConvWorkload {
                batch: size("batch", Some(1))?,
                h: size("h", None)?,
                w: size("w", None)?,
                c_in: size("c_in", None)?,
                c_out: size("c_out", None)?,
                k1: size("k1", None)?,
                k2: size("k2", None)?,
                stride: size("stride", Some(1))?,
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
            let eval = workload
                .eval()
                .map_err(|e| err!("{p}:{line}: this layer is not valid: {e}; check h,w,k1,k2,stride"))?;
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
            return Err(err!("{p}:{}: no data rows after the header; add at least one configuration", header_line + 1));
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
    fn render(&self, drop: &[&str], names: &[&str], extra: impl Fn(usize) -> Vec<String>) -> String {
        let keep: Vec<usize> = (0..self.header.len()).filter(|&i| !drop.contains(&self.header[i].as_str())).collect();
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

/// A configs CSV for a list of workloads, with `experiment` and `series` labels.
pub fn render_configs(rows: &[(String, String, ConvWorkload)]) -> String {
    let mut out = String::from("experiment,series,h,w,c_in,c_out,k1,k2,batch,stride\n");
    for (e, s, w) in rows {
        out.push_str(&format!(
            "{e},{s},{},{},{},{},{},{},{},{}\n",
            w.h, w.w, w.c_in, w.c_out, w.k1, w.k2, w.batch, w.stride
        ));
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
        assert_eq!(out.lines().next().unwrap(), "experiment,series,h,w,c_in,c_out,k1,k2,note,time_ms,p10_ms");
        assert!(out.contains("x,0,8,8,4,4,3,3,hi,1,2"));
    }

    #[test]
    fn malformed_files_name_the_line() {
        let cases: &[(&str, &str)] = &[
            ("", "t.csv:1: empty file"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n", "t.csv:2: no data rows"),
            ("h,w,c_in,c_out,k1,time_ms\n1,1,1,1,1,1\n", "t.csv:1: missing column `k2`"),
            ("h,w,c_in,c_out,k1,k2\n1,1,1,1,1,1\n", "t.csv:1: missing column `time_ms`"),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1\n1,x,1,1,1,1,1\n",
                "t.csv:3: column `w`: `x` is not a whole number",
            ),
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,0,1,1,1,1,1\n", "t.csv:2: column `w` must be at least 1, got 0"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,-3,1,1,1,1,1\n", "t.csv:2: column `w` must be at least 1, got -3"),
            (
                "h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,-1\n",
                "t.csv:2: column `time_ms` must be a number of milliseconds from 1e-12 to 1e10, got -1",
            ),
            // Positive, but past what logs, ratios and sums stay finite on.
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1e-320\n", "t.csv:2: column `time_ms` must be a number"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1e300\n", "t.csv:2: column `time_ms` must be a number"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,NaN\n", "t.csv:2: column `time_ms` must be a number"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,abc\n", "t.csv:2: column `time_ms`: `abc` is not a number"),
            ("h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1\n", "t.csv:2: 5 fields, but the header has 7"),
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
        std::fs::write(&bom, "\u{feff}h,w,c_in,c_out,k1,k2,time_ms\n1,1,1,1,1,1,1\n").unwrap();
        assert_eq!(Table::read(&bom, true).unwrap().rows.len(), 1);
        let latin1 = dir.path().join("latin1.csv");
        std::fs::write(&latin1, b"h,w,c_in,c_out,k1,k2,time_ms,note\n1,1,1,1,1,1,1,caf\xe9\n").unwrap();
        let e = Table::read(&latin1, true).unwrap_err();
        assert!(e.0.ends_with("latin1.csv:2: not UTF-8 text; save the CSV as UTF-8"), "{e}");
    }

    #[test]
    fn time_is_optional_for_configs() {
        let t = parse("h,w,c_in,c_out,k1,k2,batch,stride\n8,8,3,4,3,3,2,2\n", false).unwrap();
        assert_eq!(t.rows[0].workload.batch, 2);
        assert_eq!(t.rows[0].workload.stride, 2);
        assert_eq!(t.rows[0].time_ms, None);
    }
}
