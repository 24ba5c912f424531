//! Finding compose files: a folder is searched (respecting .gitignore) for compose file
//! names; a file given by name is checked whatever its name.

mod ignore_files;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compose::siblings::Siblings;
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

/// The base file beside an override file (`compose.yaml` for `compose.override.yaml`).
pub fn override_base(path: &Path) -> Option<PathBuf> {
    override_base_where(path, |dir, name| dir.join(name).is_file())
}

/// [`override_base`] for a file whose folder was listed.
fn override_base_listed(path: &Path, siblings: &Siblings) -> Option<PathBuf> {
    override_base_where(path, |dir, name| siblings.has_file(dir, name))
}

/// The base file beside an override file, `is_file` telling which names are files.
fn override_base_where(path: &Path, is_file: impl Fn(&Path, &str) -> bool) -> Option<PathBuf> {
    let name = path.file_name().and_then(|n| n.to_str())?;
    let base = match name {
        "compose.override.yaml" | "compose.override.yml" => ["compose.yaml", "compose.yml"],
        "docker-compose.override.yaml" | "docker-compose.override.yml" => {
            ["docker-compose.yaml", "docker-compose.yml"]
        }
        _ => return None,
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    base.iter().find(|b| is_file(dir, b)).map(|b| dir.join(b))
}

#[derive(Debug, Default)]
pub struct Discovered {
    /// Main files of projects, sorted within each searched path.
    pub files: Vec<PathBuf>,
    /// Paths that could not be searched, with why.
    pub errors: Vec<(PathBuf, String)>,
}

/// One result of a search: a main file to check, or a path that could not be searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    File(FoundFile),
    Error(PathBuf, String),
}

/// A main file to check, with what the folder walk learnt of its folder on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub path: PathBuf,
    /// The names beside it that loading looks for (`None`: named directly, not listed).
    pub siblings: Option<Arc<Siblings>>,
    pub config: WalkConfig,
}

/// The config file nearest to a found file, as far as the walk saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkConfig {
    /// The file was named directly: search upward from it.
    Unsearched,
    /// None between the file and the searched folder: the searched folder's own applies.
    AtOrAboveRoot,
    /// This one, found in the file's folder or a folder between it and the searched one.
    Here(Arc<Path>),
}

impl FoundFile {
    fn named(path: PathBuf) -> Self {
        FoundFile {
            path,
            siblings: None,
            config: WalkConfig::Unsearched,
        }
    }
}

/// Finds the files to check. The config's `exclude` globs drop matching paths found in
/// folders and its `include` globs add file names (a file named on the command line is always
/// checked).
pub fn discover(paths: &[PathBuf], config: Option<Arc<Config>>) -> Discovered {
    let mut found = Discovered::default();
    for path in paths {
        for item in search(path.clone(), config.clone()) {
            match item {
                Found::File(file) => found.files.push(file.path),
                Found::Error(path, why) => found.errors.push((path, why)),
            }
        }
    }
    found
}

/// The main files under one path, streamed in sorted order (each folder's entries by name,
/// depth first: the order of `Path`'s `Ord`), so that checking can start with the first file
/// found. A file named directly is yielded whatever its name; an override file named alone
/// (pre-commit passes staged files) stands for its base file, as Compose reads it.
///
/// Folders are searched respecting `.ignore`, `.gitignore` and git's excludes (see
/// `ignore_files`); symbolic links to folders are not followed (no loops), symbolic links to
/// compose files are.
pub fn search(
    path: PathBuf,
    config: Option<Arc<Config>>,
) -> Box<dyn Iterator<Item = Found> + Send> {
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => return Box::new(std::iter::once(Found::Error(path, e.to_string()))),
    };
    if !meta.is_file() && !meta.is_dir() {
        // A FIFO, a socket or a device: reading it would block or never end (and "Not a
        // directory", what searching it said, was wrong).
        let what = kind_of_special_file(&meta.file_type());
        return Box::new(std::iter::once(Found::Error(
            path,
            format!("not a regular file or a folder ({what})"),
        )));
    }
    if meta.is_file() {
        let file = override_base(&path).unwrap_or(path);
        return Box::new(std::iter::once(Found::File(FoundFile::named(file))));
    }
    Box::new(walk::Walk::new(path, config))
}

/// What a file that is neither a regular file nor a folder is.
fn kind_of_special_file(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "a special file"
    }
}

/// A path as written, without `.` components: `./a/./compose.yaml` and `a/compose.yaml` are
/// the same file to check. (`..` is kept: through a symbolic link it may lead elsewhere.)
pub fn normalise(path: &Path) -> PathBuf {
    let normal: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if normal.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normal
    }
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

    #[test]
    fn folders_are_searched_in_path_order_and_linked_files_count() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["b", "a-b", "a", "a/z"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        for file in [
            "b/compose.yaml",
            "a-b/compose.yml",
            "a/z/compose.yaml",
            "a/docker-compose.yml",
            "a/notes.yaml",
        ] {
            std::fs::write(root.join(file), "services: {}\n").unwrap();
        }
        std::os::unix::fs::symlink(root.join("b/compose.yaml"), root.join("a/compose.yaml"))
            .unwrap();
        std::os::unix::fs::symlink(root.join("gone.yaml"), root.join("b/docker-compose.yaml"))
            .unwrap();
        let found: Vec<Found> = search(root.to_path_buf(), None).collect();
        let files: Vec<PathBuf> = found
            .iter()
            .filter_map(|f| match f {
                Found::File(f) => Some(f.path.strip_prefix(root).unwrap().to_path_buf()),
                Found::Error(..) => None,
            })
            .collect();
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted, "streamed in Path order");
        assert_eq!(
            files,
            [
                "a/compose.yaml",
                "a/docker-compose.yml",
                "a/z/compose.yaml",
                "a-b/compose.yml",
                "b/compose.yaml"
            ]
            .map(PathBuf::from)
        );
        // The dangling link is reported, not skipped.
        assert!(
            found
                .iter()
                .any(|f| matches!(f, Found::Error(p, _) if p.ends_with("b/docker-compose.yaml"))),
            "{found:?}"
        );
    }

    #[test]
    fn normalise_drops_only_current_folder_components() {
        assert_eq!(
            normalise(Path::new("./a/./compose.yaml")),
            PathBuf::from("a/compose.yaml")
        );
        assert_eq!(normalise(Path::new("a/../b")), PathBuf::from("a/../b"));
        assert_eq!(normalise(Path::new("./")), PathBuf::from("."));
    }
}
