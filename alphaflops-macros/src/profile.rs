//! Finding the profile a model is priced with: the only file access of the macro. A file it
//! reads is tracked by the expansion (`include_bytes!`), so editing it rebuilds.

use std::path::{Path, PathBuf};

use alphaflops_core::Profile;
use alphaflops_core::profile::SHIPPED;
use alphaflops_core::settings::is_profile_name;

pub struct Resolved {
    pub profile: Profile,
    pub toml: String,
    /// The file read, absolute; `None` for an embedded profile.
    pub file: Option<PathBuf>,
}

fn load(file: &Path) -> Result<Resolved, String> {
    // Resolved, so messages show where the file is rather than how it was reached.
    let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let toml = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read profile {}: {e}", file.display()))?;
    let profile = Profile::from_toml_str(&toml, &file.display().to_string())
        .map_err(|e| format!("invalid profile {e}"))?;
    Ok(Resolved {
        profile,
        toml,
        file: Some(file),
    })
}

/// `profile = "name"`: `profiles/<name>.toml` in the crate's directory `dir` or any parent
/// directory (the workspace), else a profile shipped inside alphaflops.
pub fn by_name(name: &str, dir: &Path) -> Result<Resolved, String> {
    if !is_profile_name(name) {
        return Err(format!(
            "bad profile name `{name}`: use letters, digits, `-`, `_` and `.`, as in profiles/<name>.toml; for a file elsewhere write `path = \"…\"`"
        ));
    }
    for ancestor in dir.ancestors() {
        let file = ancestor.join("profiles").join(format!("{name}.toml"));
        if file.is_file() {
            let resolved = load(&file)?;
            if resolved.profile.name != name {
                return Err(format!(
                    "{} is named `{}` inside; rename the file or set `name = \"{name}\"`",
                    file.display(),
                    resolved.profile.name
                ));
            }
            return Ok(resolved);
        }
    }
    if let Some((_, toml)) = SHIPPED.iter().find(|(n, _)| *n == name) {
        let profile = Profile::from_toml_str(toml, &format!("<shipped profile {name}>"))
            .map_err(|e| e.to_string())?;
        return Ok(Resolved {
            profile,
            toml: toml.to_string(),
            file: None,
        });
    }
    let shipped: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
    let guess = crate::keys::suggest(name, &shipped)
        .map_or(String::new(), |n| format!("did you mean `{n}`? "));
    Err(format!(
        "profile `{name}` not found: no profiles/{name}.toml in this crate or its parents, and none shipped by that name; \
         {guess}shipped: {}; to measure your own device, `cargo alphaflops bench --backend cuda --out profiles/{name}.toml` \
         (an NVIDIA GPU) or `--backend cpu` (this machine's CPU)",
        shipped.join(", ")
    ))
}

/// `path = "file.toml"`, relative to the crate's manifest directory `dir`.
pub fn by_path(path: &str, dir: &Path) -> Result<Resolved, String> {
    let file = dir.join(path);
    if !file.is_file() {
        return Err(format!(
            "profile file {} does not exist (paths are relative to the crate's Cargo.toml)",
            file.display()
        ));
    }
    load(&file)
}

/// The regression baseline: `alphaflops-baseline.toml` in the crate's directory `dir` or the
/// nearest parent directory (the workspace), if there is one.
pub fn baseline(
    dir: &Path,
) -> Result<Option<(PathBuf, alphaflops_core::baseline::Baseline)>, String> {
    use alphaflops_core::baseline::{BASELINE_FILE, Baseline};
    let Some(file) = dir
        .ancestors()
        .map(|a| a.join(BASELINE_FILE))
        .find(|f| f.is_file())
    else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read baseline {}: {e}", file.display()))?;
    let baseline = Baseline::from_toml_str(&text, &file.display().to_string()).map_err(|e| {
        format!("invalid baseline {e}; regenerate it with `cargo alphaflops bless`")
    })?;
    Ok(Some((file, baseline)))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_typo_suggests_the_shipped_name_and_both_backends() {
        let nowhere = Path::new("/nonexistent-alphaflops-dir");
        let e = super::by_name("nvidia-h200-cudnn-tf3", nowhere)
            .err()
            .unwrap();
        assert!(e.contains("did you mean `nvidia-h200-cudnn-tf32`?"), "{e}");
        assert!(
            e.contains(
                "cargo alphaflops bench --backend cuda --out profiles/nvidia-h200-cudnn-tf3.toml"
            ),
            "{e}"
        );
        let e = super::by_name("my-laptop", nowhere).err().unwrap();
        assert!(
            !e.contains("did you mean") && e.contains("`--backend cpu`"),
            "{e}"
        );
    }
}
