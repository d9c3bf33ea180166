//! What the build environment tells the macro, named and parsed in one place (as
//! sqlx-macros-core reads its environment): the macro reads it once per expansion through
//! [`Settings::from_vars`] and hands it down. Core itself still reads nothing: the lookup is
//! the caller's.

use std::ffi::OsString;
use std::path::PathBuf;

/// `warn` or `deny`: overrides a model's `level`.
pub const ENV_LEVEL: &str = "ALPHAFLOPS_LEVEL";
/// A profile name: overrides a model's `profile` and `path`.
pub const ENV_PROFILE: &str = "ALPHAFLOPS_PROFILE";
/// A directory each priced model writes its JSON report to (set by `cargo xtask check`,
/// `bless` and `report`).
pub const ENV_REPORT_DIR: &str = "ALPHAFLOPS_REPORT_DIR";
/// Set by cargo: the annotated crate's directory, where profiles and baselines are found.
pub const ENV_MANIFEST_DIR: &str = "CARGO_MANIFEST_DIR";
/// Set by cargo: the annotated crate's name, a baseline entry's key with the model's name.
pub const ENV_PKG_NAME: &str = "CARGO_PKG_NAME";

/// The variables whose change must rebuild an annotated crate (cargo's own are tracked).
pub const TRACKED: [&str; 3] = [ENV_LEVEL, ENV_PROFILE, ENV_REPORT_DIR];

/// The environment, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// [`ENV_LEVEL`] as written (checked by the macro, which knows where to point).
    pub level: Option<String>,
    /// [`ENV_PROFILE`], when set and not empty.
    pub profile: Option<String>,
    /// [`ENV_REPORT_DIR`].
    pub report_dir: Option<PathBuf>,
    /// [`ENV_MANIFEST_DIR`]; `.` when unset.
    pub manifest_dir: PathBuf,
    /// [`ENV_PKG_NAME`]; empty when unset.
    pub package: String,
}

impl Settings {
    /// Reads every setting through `var` (`std::env::var_os` in the macro). A value that is
    /// not Unicode reads as unset where a string is expected.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Settings {
        let text = |key: &str| var(key).and_then(|v| v.into_string().ok());
        Settings {
            level: text(ENV_LEVEL),
            profile: text(ENV_PROFILE).filter(|s| !s.is_empty()),
            report_dir: var(ENV_REPORT_DIR).map(PathBuf::from),
            manifest_dir: var(ENV_MANIFEST_DIR).map_or_else(|| PathBuf::from("."), PathBuf::from),
            package: text(ENV_PKG_NAME).unwrap_or_default(),
        }
    }
}

/// Whether `name` can name a profile: the stem of `profiles/<name>.toml`, found by the macro's
/// `profile = "name"` and written by `cargo xtask fit --name`. Letters, digits, `-`, `_` and
/// `.`, not starting with `.` (a hidden file, or a path out of `profiles/`).
pub fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_each_variable_once_and_default_the_rest() {
        let read = std::cell::RefCell::new(Vec::new());
        let settings = Settings::from_vars(|key| {
            read.borrow_mut().push(key.to_string());
            match key {
                ENV_LEVEL => Some("deny".into()),
                ENV_PROFILE => Some("".into()),
                ENV_PKG_NAME => Some("net".into()),
                _ => None,
            }
        });
        assert_eq!(
            settings,
            Settings {
                level: Some("deny".into()),
                profile: None,
                report_dir: None,
                manifest_dir: PathBuf::from("."),
                package: "net".into(),
            }
        );
        let mut keys = read.into_inner();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 5);
    }

    #[test]
    fn profile_names_are_file_stems() {
        for good in ["cpu", "quadro-t2000-asperti2021", "a.b_c", "x86"] {
            assert!(is_profile_name(good), "{good}");
        }
        for bad in ["", ".x", "..", "a/b", "a b", "é"] {
            assert!(!is_profile_name(bad), "{bad}");
        }
    }
}
