//! `cargo xtask zoo`: core's built-in models (torchvision layouts) priced on a profile, and,
//! given measured forward times, the model-level error of the per-layer sum.
//!
//! The measured file is the JSON `scripts/torch-model-times.py` prints:
//! `{"resnet18": {"f32": {"median_ms": …}, …}, …}`.

use std::path::PathBuf;

use alphaflops_core::zoo;

use crate::{Result, err, validate};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The profile to price with: a file, or a name (profiles/<name>.toml here or in a parent
    /// directory, else a shipped profile)
    #[arg(long)]
    pub profile: PathBuf,
    /// Models, comma-separated (resnet18, resnet50, vgg16, alexnet, mobilenet_v2, vit_b_16)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "resnet18,resnet50,vit_b_16"
    )]
    pub models: Vec<String>,
    /// Batch size of the models' input (at least 1)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: u64,
    /// Measured forward times (JSON of scripts/torch-model-times.py) to compare with
    #[arg(long)]
    pub measured: Option<PathBuf>,
    /// Which measurement of that file: its key under each model (default: the profile's dtype)
    #[arg(long, requires = "measured")]
    pub dtype: Option<String>,
}

pub fn run(args: Args) -> Result<()> {
    let profile = validate::load_profile(&args.profile)?;
    let dtype = args
        .dtype
        .clone()
        .unwrap_or_else(|| profile.device.dtype.clone());
    let measured: Option<(String, serde_json::Value)> = match &args.measured {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| err!("{}: {e}", p.display()))?;
            let json = serde_json::from_str(&text)
                .map_err(|e| err!("{}:{}:{}: not JSON: {e}", p.display(), e.line(), e.column()))?;
            Some((p.display().to_string(), json))
        }
        None => None,
    };
    outln!(
        "profile `{}` ({}), batch {}",
        profile.name,
        profile.device.name,
        args.batch
    );
    outln!(
        "| model | params | MACs | α-FLOPs | predicted ms | energy mJ | measured ms | error % |"
    );
    outln!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for name in &args.models {
        let model = zoo::by_name(name, args.batch).ok_or_else(|| {
            err!(
                "--models: unknown model `{name}`; use one of {}",
                zoo::NAMES.join(", ")
            )
        })?;
        let cost = model.price(&profile).map_err(|e| err!("{name}: {e}"))?;
        let got = match &measured {
            Some((path, m)) => match m[name.as_str()][dtype.as_str()]["median_ms"].as_f64() {
                Some(t) if t > 0.0 && t.is_finite() => Some(t),
                Some(t) => {
                    return Err(err!(
                        "{path}: {name}.{dtype}.median_ms is {t}; a measured time must be > 0"
                    ));
                }
                None => {
                    return Err(err!(
                        "{path}: no {name}.{dtype}.median_ms; the file must be the JSON of scripts/torch-model-times.py"
                    ));
                }
            },
            None => None,
        };
        outln!(
            "| {name} | {} | {:.3} G | {:.3} G | {:.3} | {} | {} | {} |",
            cost.params,
            cost.macs as f64 / 1e9,
            cost.alpha_flops / 1e9,
            cost.predicted_ms,
            cost.energy_j
                .map_or("–".into(), |j| format!("{:.1}", j * 1e3)),
            got.map_or("–".into(), |t| format!("{t:.3}")),
            got.map_or("–".into(), |t| format!(
                "{:+.1}",
                (cost.predicted_ms / t - 1.0) * 100.0
            )),
        );
    }
    Ok(())
}
