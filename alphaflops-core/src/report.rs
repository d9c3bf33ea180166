//! Rendering costs: a Markdown table (for rustdoc and terminals) and JSON.

use std::fmt::{self, Write as _};

use crate::cost::{LayerCost, ModelCost};

/// A count with an SI suffix and two decimals (`1.81 G`); below 1000, the plain integer.
pub fn si(value: f64) -> String {
    const SUFFIXES: [&str; 6] = ["", " k", " M", " G", " T", " P"];
    if !value.is_finite() {
        return value.to_string();
    }
    let mut v = value;
    let mut i = 0;
    while v.abs() >= 1000.0 && i + 1 < SUFFIXES.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 && v.fract() == 0.0 {
        format!("{v}")
    } else {
        format!("{v:.2}{}", SUFFIXES[i])
    }
}

/// Four significant digits, for α and milliseconds; scientific below 10⁻⁶.
pub fn sig4(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return value.to_string();
    }
    if value.abs() < 1e-6 {
        return format!("{value:.3e}");
    }
    let digits = (3 - value.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{value:.digits$}")
}

/// Marks an extrapolated prediction in tables.
pub const EXTRAPOLATED_MARK: &str = "†";

/// A predicted time, marked when it extrapolates.
fn ms_cell(ms: f64, extrapolated: bool) -> String {
    if extrapolated {
        format!("{} {EXTRAPOLATED_MARK}", sig4(ms))
    } else {
        sig4(ms)
    }
}

/// One table row, then the rows of a nested block's layers (`3.1`, `3.2`, … with `↳`).
fn row(s: &mut String, number: &str, indent: &str, l: &LayerCost) {
    let _ = writeln!(
        s,
        "| {number} | {indent}{} | {} | {} → {} | {} | {} | {} | {} | {} | {} |{} {:.1} % |",
        l.name,
        l.op,
        l.input,
        l.output,
        si(l.params as f64),
        si(l.macs as f64),
        si(l.flops as f64),
        sig4(l.alpha),
        si(l.alpha_flops),
        ms_cell(l.predicted_ms, l.extrapolated),
        l.energy_j
            .map_or(String::new(), |j| format!(" {} |", sig4(j * 1000.0))),
        l.share_pct
    );
    let child_indent = format!("{indent}↳ ");
    for (i, c) in l.children.iter().enumerate() {
        row(s, &format!("{number}.{}", i + 1), &child_indent, c);
    }
}

impl ModelCost {
    /// The per-layer table with totals, as Markdown. Nested blocks show their subtotal, then
    /// their layers indented under it.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let energy = self.energy_j.is_some();
        let _ = writeln!(
            s,
            "| # | layer | op | input → output | params | MACs | FLOPs | α | α-FLOPs | predicted ms |{} share |",
            if energy { " energy mJ |" } else { "" }
        );
        let _ = writeln!(
            s,
            "|---:|---|---|---|---:|---:|---:|---:|---:|---:|{}---:|",
            if energy { "---:|" } else { "" }
        );
        for (i, l) in self.layers.iter().enumerate() {
            row(&mut s, &(i + 1).to_string(), "", l);
        }
        let alpha = if self.flops == 0 {
            1.0
        } else {
            self.alpha_flops / self.flops as f64
        };
        let _ = writeln!(
            s,
            "| | **total** | | {} → {} | **{}** | **{}** | **{}** | {} | **{}** | **{}** |{} 100 % |",
            self.input,
            self.output,
            si(self.params as f64),
            si(self.macs as f64),
            si(self.flops as f64),
            sig4(alpha),
            si(self.alpha_flops),
            ms_cell(
                self.predicted_ms,
                self.layers.iter().any(|l| l.extrapolated)
            ),
            self.energy_j
                .map_or(String::new(), |j| format!(" **{}** |", sig4(j * 1000.0))),
        );
        let _ = write!(
            s,
            "\nProfile `{}` ({}). MACs are multiply-accumulates; FLOPs = 2·MACs + element-wise work; \
             α-FLOPs = α·FLOPs; share is of predicted time.\n",
            self.profile, self.device
        );
        if let Some(note) = self.extrapolation_note() {
            let _ = writeln!(s, "\n{EXTRAPOLATED_MARK} {note}.");
        }
        let _ = writeln!(s, "{}", self.memory_line());
        s
    }

    /// What a prediction outside the profile's fitted range means, naming the layers; `None`
    /// when every layer is inside (or the profile records no range).
    pub fn extrapolation_note(&self) -> Option<String> {
        let layers = self.extrapolated_layers();
        if layers.is_empty() {
            return None;
        }
        Some(format!(
            "extrapolated: {} of {} layers ({}) lie outside the range profile `{}` was fitted on, so their predicted time is not backed by a measurement",
            layers.len(),
            self.layers.len(),
            layers.join(", "),
            self.profile
        ))
    }

    /// The cost as pretty-printed JSON (the keys of [`ModelCost`] and its layers).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("a ModelCost always serializes: {e}"))
    }

    /// `Memory: weights 246.82 kB, KV cache 0 B, peak activations 37.63 kB.`, with a training
    /// step's state and the active parameters where they apply.
    pub fn memory_line(&self) -> String {
        // `si` ends in a prefix (`246.82 k`) or a bare number (`0`).
        let b = |v: u64| {
            let n = si(v as f64);
            if n.ends_with(|c: char| c.is_ascii_digit()) {
                format!("{n} B")
            } else {
                format!("{n}B")
            }
        };
        let mut line = format!(
            "\nMemory: weights {}, KV cache {}, {} {}",
            b(self.weights_bytes),
            b(self.kv_cache_bytes),
            if self.training_state_bytes > 0 {
                "activations saved for backward"
            } else {
                "peak activations"
            },
            b(self.activation_bytes)
        );
        if self.training_state_bytes > 0 {
            line.push_str(&format!(
                ", gradients and optimizer state {}",
                b(self.training_state_bytes)
            ));
        }
        if self.active_params != self.params {
            line.push_str(&format!(
                "; {} of {} parameters active per token",
                si(self.active_params as f64),
                si(self.params as f64)
            ));
        }
        line.push('.');
        line
    }
}

impl fmt::Display for ModelCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} params, {} MACs, {} FLOPs, {} α-FLOPs, {} ms predicted on {}\n",
            self.model,
            si(self.params as f64),
            si(self.macs as f64),
            si(self.flops as f64),
            si(self.alpha_flops),
            sig4(self.predicted_ms),
            self.profile
        )?;
        f.write_str(&self.to_markdown())
    }
}
