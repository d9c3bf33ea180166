//! Finding the profile a model is priced with: the only file access of the macro. A file it
//! reads is tracked by the expansion (`include_bytes!`), so editing it rebuilds.

use std::path::{Path, PathBuf};

use alphaflops_core::Profile;
use alphaflops_core::profile::SHIPPED;

pub struct Resolved {
    pub profile: Profile,
    pub toml: String,
    /// The file read, absolute; `None` for an embedded profile.
    pub file: Option<PathBuf>,
}

pub(crate) fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
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

/// `profile = "name"`: `profiles/<name>.toml` in the crate or any parent directory (the
/// workspace), else a profile shipped inside alphaflops.
pub fn by_name(name: &str) -> Result<Resolved, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || name.starts_with('.')
    {
        return Err(format!(
            "bad profile name `{name}`: use letters, digits, `-`, `_` and `.`, as in profiles/<name>.toml; for a file elsewhere write `path = \"…\"`"
        ));
    }
    let dir = manifest_dir();
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
    let guess = shipped
        .iter()
        .map(|n| (distance(name, n), *n))
        .filter(|(d, n)| *d <= 3.max(n.len() / 4))
        .min();
    let guess = guess.map_or(String::new(), |(_, n)| format!("did you mean `{n}`? "));
    Err(format!(
        "profile `{name}` not found: no profiles/{name}.toml in this crate or its parents, and none shipped by that name; \
         {guess}shipped: {}; to measure your own device, `cargo alphaflops bench --backend cuda --out profiles/{name}.toml` \
         (an NVIDIA GPU) or `--backend cpu` (this machine's CPU)",
        shipped.join(", ")
    ))
}

/// Levenshtein distance, for "did you mean": a dozen lines, not a dependency of every build.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// `path = "file.toml"`, relative to the crate's manifest directory.
pub fn by_path(path: &str) -> Result<Resolved, String> {
    let file = manifest_dir().join(path);
    if !file.is_file() {
        return Err(format!(
            "profile file {} does not exist (paths are relative to the crate's Cargo.toml)",
            file.display()
        ));
    }
    load(&file)
}

/// The regression baseline: `alphaflops-baseline.toml` in the crate or the nearest parent
/// directory (the workspace), if there is one.
pub fn baseline() -> Result<Option<(PathBuf, alphaflops_core::baseline::Baseline)>, String> {
    use alphaflops_core::baseline::{BASELINE_FILE, Baseline};
    let Some(file) = manifest_dir()
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
    #[test]
    fn a_typo_suggests_the_shipped_name_and_both_backends() {
        assert_eq!(super::distance("kitten", "sitting"), 3);
        let e = super::by_name("nvidia-h200-cudnn-tf3").err().unwrap();
        assert!(e.contains("did you mean `nvidia-h200-cudnn-tf32`?"), "{e}");
        assert!(
            e.contains(
                "cargo alphaflops bench --backend cuda --out profiles/nvidia-h200-cudnn-tf3.toml"
            ),
            "{e}"
        );
        let e = super::by_name("my-laptop").err().unwrap();
        assert!(
            !e.contains("did you mean") && e.contains("`--backend cpu`"),
            "{e}"
        );
    }
}
