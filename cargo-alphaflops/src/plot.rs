//! `cargo xtask plot`: measured (solid) against predicted (dashed) times, one panel per
//! sweep (`experiment`), one colour per `series`, as SVG (plotters, SVG backend only).

use std::collections::BTreeMap;
use std::path::PathBuf;

use alphaflops_core::Profile;
use plotters::prelude::*;

use crate::data::{Row, Table};
use crate::validate::{load_profile, predict};
use crate::{Result, err, util};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The profile whose predictions are drawn dashed
    #[arg(long)]
    pub profile: PathBuf,
    /// Measured times (CSV with time_ms; `experiment` and `series` group the lines)
    #[arg(long)]
    pub data: PathBuf,
    /// Where to write the SVG
    #[arg(long)]
    pub out: PathBuf,
}

fn pe<E: std::fmt::Debug>(e: E) -> crate::Error {
    err!("plotting: {e:?}")
}

/// (index in its series, measured ms, predicted ms)
type Point = (f64, f64, f64);

/// Renders the SVG text.
pub fn render(profile: &Profile, rows: &[Row], pred: &[f64], title: &str) -> Result<String> {
    // experiment → series → [(index in series, measured, predicted)]
    let mut panels: BTreeMap<String, BTreeMap<String, Vec<Point>>> = BTreeMap::new();
    for (row, &p) in rows.iter().zip(pred) {
        let exp = if row.experiment.is_empty() {
            "all rows".to_string()
        } else {
            row.experiment.clone()
        };
        let series = panels
            .entry(exp)
            .or_default()
            .entry(row.series.clone())
            .or_default();
        series.push((series.len() as f64, row.t(), p));
    }
    let n = panels.len().max(1);
    let cols = if n == 1 { 1 } else { 2 };
    let grid_rows = n.div_ceil(cols);
    let (width, height) = (560 * cols as u32, 60 + 340 * grid_rows as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        let root = root
            .titled(
                &format!(
                    "{title} — measured (solid) vs {} predicted (dashed)",
                    profile.name
                ),
                ("sans-serif", 18),
            )
            .map_err(pe)?;
        let areas = root.split_evenly((grid_rows, cols));
        for (area, (exp, series)) in areas.iter().zip(&panels) {
            let pts = series.values().flatten();
            let (mut lo, mut hi, mut xmax) = (f64::INFINITY, 0f64, 1f64);
            for &(x, t, p) in pts {
                lo = lo.min(t.min(p));
                hi = hi.max(t.max(p));
                xmax = xmax.max(x);
            }
            // plotters' log axis loops for ever on a range that is not finite and positive.
            let (lo, hi) = (lo * 0.8, hi * 1.25);
            if !(lo.is_normal() && lo > 0.0 && hi.is_finite() && hi > lo) {
                continue;
            }
            let mut chart = ChartBuilder::on(area)
                .caption(exp, ("sans-serif", 15))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(60)
                .build_cartesian_2d(0f64..xmax, (lo..hi).log_scale())
                .map_err(pe)?;
            chart
                .configure_mesh()
                .x_desc("point in sweep")
                .y_desc("ms")
                .y_label_formatter(&|v: &f64| format!("{v:.3}"))
                .draw()
                .map_err(pe)?;
            for (i, (name, line)) in series.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                chart
                    .draw_series(LineSeries::new(
                        line.iter().map(|&(x, t, _)| (x, t)),
                        color.stroke_width(2),
                    ))
                    .map_err(pe)?
                    .label(if name.is_empty() {
                        "measured".to_string()
                    } else {
                        format!("series {name}")
                    })
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(DashedLineSeries::new(
                        line.iter().map(|&(x, _, p)| (x, p)),
                        6,
                        4,
                        color.stroke_width(2),
                    ))
                    .map_err(pe)?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(pe)?;
        }
        root.present().map_err(pe)?;
    }
    Ok(svg)
}

pub fn run(args: Args) -> Result<()> {
    let profile = load_profile(&args.profile)?;
    let table = Table::read(&args.data, true)?;
    let pred = predict(&profile, &table.rows, &args.data)?;
    let svg = render(&profile, &table.rows, &pred, &util::stem(&args.data))?;
    util::write_atomic(&args.out, svg.as_bytes())?;
    outln!("wrote {}", args.out.display());
    Ok(())
}
