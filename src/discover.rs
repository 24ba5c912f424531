//! Finding compose files: a folder is searched (respecting .gitignore) for compose file
//! names; a file given by name is checked whatever its name.

use std::path::{Path, PathBuf};

use crate::config::Config;

/// Whether a file name is one Compose looks for, or an `.override`/`.<env>` variant of one.
pub fn is_compose_file_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    let base = stem.split('.').next().unwrap_or("");
    (base == "compose" || base == "docker-compose") && !stem.ends_with('.')
}

/// An override file whose base file is beside it: it is loaded with its base, not alone.
pub fn is_override_of_sibling(path: &Path) -> bool {
    override_base(path).is_some()
}

/// The base file beside an override file (`compose.yaml` for `compose.override.yaml`).
pub fn override_base(path: &Path) -> Option<PathBuf> {
    let name = path.file_name().and_then(|n| n.to_str())?;
    let base = match name {
        "compose.override.yaml" | "compose.override.yml" => ["compose.yaml", "compose.yml"],
        "docker-compose.override.yaml" | "docker-compose.override.yml" => {
            ["docker-compose.yaml", "docker-compose.yml"]
        }
        _ => return None,
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    base.iter().map(|b| dir.join(b)).find(|p| p.is_file())
}

#[derive(Debug, Default)]
pub struct Discovered {
    /// Main files of projects, sorted.
    pub files: Vec<PathBuf>,
    /// Paths that could not be searched, with why.
    pub errors: Vec<(PathBuf, String)>,
}

/// Finds the files to check. The config's `exclude` globs drop matching paths found in
/// folders and its `include` globs add file names (a file named on the command line is always
/// checked).
pub fn discover(paths: &[PathBuf], config: Option<&Config>) -> Discovered {
    let mut found = Discovered::default();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                found.errors.push((path.clone(), e.to_string()));
                continue;
            }
        };
        if meta.is_file() {
            // An override file named alone (pre-commit passes staged files) is checked
            // through its base file, as Compose reads it.
            found
                .files
                .push(override_base(path).unwrap_or_else(|| path.clone()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .follow_links(false)
            .hidden(false)
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    found.errors.push((path.clone(), e.to_string()));
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let file = entry.into_path();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let wanted = is_compose_file_name(name) || config.is_some_and(|c| c.is_included(&file));
            if !wanted || is_override_of_sibling(&file) {
                continue;
            }
            if config.is_some_and(|c| c.is_excluded(&file)) {
                continue;
            }
            found.files.push(file);
        }
    }
    found.files.sort();
    found.files.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        for name in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "compose.override.yml",
        ] {
            assert!(is_compose_file_name(name), "{name}");
        }
        for name in [
            "compose.json",
            "my-compose.yml",
            "composer.yaml",
            "compose.yaml.bak",
            "docker-compose..yml",
        ] {
            assert!(!is_compose_file_name(name), "{name}");
        }
    }
}
