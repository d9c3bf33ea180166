//! Small helpers: atomic writes, dates, the data directory, the machine's description.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Result, err};

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then a
/// rename, so a reader never sees half a file and a failure leaves the old file in place.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = output_dir(path)?;
    // A temporary file is private (0600); the file it becomes should not be. A new one gets
    // what creating it directly would (0666 less the umask), a replaced one keeps its mode.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(|e| {
        err!(
            "{}: cannot create a temporary file in {}: {e}",
            path.display(),
            dir.display()
        )
    })?;
    if let Ok(old) = std::fs::metadata(path) {
        tmp.as_file()
            .set_permissions(old.permissions())
            .map_err(|e| {
                err!(
                    "{}: cannot keep the file's permissions: {e}",
                    path.display()
                )
            })?;
    }
    let write = |e: std::io::Error| err!("{}: cannot write: {e}", path.display());
    tmp.write_all(contents).map_err(write)?;
    // On disk before the rename, so a crash leaves the old file or the whole new one.
    tmp.as_file().sync_all().map_err(write)?;
    tmp.persist(path).map_err(|e| {
        err!(
            "{}: cannot rename the temporary file into place: {}",
            path.display(),
            e.error
        )
    })?;
    Ok(())
}

/// The directory `path` will be written in, when it exists: checked before long work (a
/// measurement) as well as at the write.
pub fn output_dir(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(err!(
            "{}: directory {} does not exist; create it first",
            path.display(),
            dir.display()
        ));
    }
    Ok(dir)
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Where the shared measurement data lives: `$ALPHAFLOPS_DATA_DIR`, else `../shared/data`
/// relative to the repository root.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ALPHAFLOPS_DATA_DIR") {
        return PathBuf::from(d);
    }
    // CARGO_MANIFEST_DIR is <repo>/cargo-alphaflops; the data sits beside the repository.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let beside_repo = manifest.parent().and_then(Path::parent).unwrap_or(manifest);
    beside_repo.join("shared").join("data")
}

/// Facts about this CPU for `[provenance.environment]`.
pub fn cpu_environment() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    if let Some(model) = cpuinfo.lines().find_map(|l| {
        l.strip_prefix("model name")
            .and_then(|r| r.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    }) {
        env.insert("cpu".into(), model);
    }
    let logical = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    env.insert("logical_cpus".into(), logical.to_string());
    env.insert(
        "os".into(),
        format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    );
    env.insert(
        "build".into(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .into(),
    );
    env
}

/// `--profile NAME`, a name rather than a path (no `/`, no `.toml`, no such file): what
/// `profile = "NAME"` finds, `profiles/NAME.toml` in the current directory or a parent (the
/// user's workspace), else a profile shipped inside alphaflops. `None` for a path.
pub fn profile_by_name(arg: &Path) -> Result<Option<alphaflops_core::Profile>> {
    use alphaflops_core::Profile;
    use alphaflops_core::profile::SHIPPED;
    let Some(name) = arg
        .to_str()
        .filter(|n| !n.contains(['/', '\\']) && !n.ends_with(".toml"))
    else {
        return Ok(None);
    };
    if arg.exists() || name.is_empty() {
        return Ok(None);
    }
    let cwd =
        std::env::current_dir().map_err(|e| err!("cannot read the current directory: {e}"))?;
    for dir in cwd.ancestors() {
        let file = dir.join("profiles").join(format!("{name}.toml"));
        if file.is_file() {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| err!("{}: cannot read the profile: {e}", file.display()))?;
            return Profile::from_toml_str(&text, &file.display().to_string())
                .map(Some)
                .map_err(|e| {
                    err!("{e}; see alphaflops-core/profiles/reference.toml for every key")
                });
        }
    }
    match Profile::shipped(name) {
        Some(p) => Ok(Some(p)),
        None => Err(err!(
            "--profile {name}: no such file, no profiles/{name}.toml here or in a parent directory, and no shipped profile of that name ({})",
            SHIPPED
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The file stem of a path, for profile names.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "profile".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn atomic_write_replaces_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Not the temporary file's private 0600: a new file is readable like any other (the
    /// umask may only take bits away), a replaced one keeps its mode.
    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // What the same process gets from a plain create, the umask applied.
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"").unwrap();
        write_atomic(&p, b"one").unwrap();
        assert_eq!(mode(&p), mode(&plain));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(mode(&p), 0o640);
    }

    /// A name finds a shipped profile; a path stays a path; an unknown name lists the shipped.
    #[test]
    fn profiles_by_name() {
        let p = profile_by_name(Path::new("nvidia-h200-cudnn-tf32"))
            .unwrap()
            .unwrap();
        assert_eq!(p.name, "nvidia-h200-cudnn-tf32");
        assert!(
            profile_by_name(Path::new("some/dir/x.toml"))
                .unwrap()
                .is_none()
        );
        assert!(profile_by_name(Path::new("x.toml")).unwrap().is_none());
        let e = profile_by_name(Path::new("no-such-device")).unwrap_err().0;
        assert!(
            e.contains("no shipped profile of that name") && e.contains("cpu-amd-epyc-2c-candle"),
            "{e}"
        );
    }

    #[test]
    fn atomic_write_missing_dir_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = write_atomic(&dir.path().join("nope/x.txt"), b"x").unwrap_err();
        assert!(e.0.contains("does not exist"), "{e}");
    }
}
