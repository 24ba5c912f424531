//! Where `check` may write: fixes only under the paths given (or the project's own folder),
//! and a report never over a file it checks.

use std::path::{Path, PathBuf};

use crate::discover::is_compose_file_name;

/// The folders a fix may write under: each folder given, and the folder of each file given.
pub(super) struct WriteScope {
    roots: Vec<PathBuf>,
}

impl WriteScope {
    pub(super) fn new(paths: &[PathBuf]) -> WriteScope {
        let roots = paths
            .iter()
            .filter_map(|p| {
                let folder = if p.is_dir() { p.as_path() } else { parent(p) };
                std::fs::canonicalize(folder).ok()
            })
            .collect();
        WriteScope { roots }
    }

    /// Whether a fix of `file`, part of the project whose main file is `main`, may be written:
    /// the main file always (it was given or found under a path given), another file (an
    /// include, an extended file, an override) when it is under a root or beside `main`.
    pub(super) fn allows(&self, file: &Path, main: &Path) -> bool {
        if file == main {
            return true;
        }
        let Some(real) = real_folder_of(file) else {
            return false;
        };
        let project = real_folder_of(main);
        self.roots
            .iter()
            .chain(project.as_ref())
            .any(|root| real.starts_with(root))
    }
}

/// A file's folder with its links resolved (the file itself may be a link: it is written
/// through it, where it points is judged by the folder of the link).
fn real_folder_of(file: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(parent(file)).ok()
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Why `--output-file` may not be `output`: it is one of the files given, or a compose file
/// in a folder given (the report would replace what is checked).
pub(super) fn output_file_clash(output: &Path, paths: &[PathBuf]) -> Option<String> {
    let identity = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
        }
        #[cfg(not(unix))]
        std::fs::canonicalize(p).ok()
    };
    let output_identity = identity(output);
    let output_folder = std::fs::canonicalize(parent(output)).ok();
    let name = output.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for path in &paths {
        if path.is_dir() {
            let inside = std::fs::canonicalize(path)
                .ok()
                .zip(output_folder.as_ref())
                .is_some_and(|(root, folder)| folder.starts_with(root));
            if inside && is_compose_file_name(name) {
                return Some(format!(
                    "--output-file {}: a compose file in {}, which is checked; the report \
                     would replace it",
                    output.display(),
                    path.display()
                ));
            }
        } else if output_identity.is_some() && identity(path) == output_identity
            || crate::discover::normalise(path) == crate::discover::normalise(output)
        {
            return Some(format!(
                "--output-file {}: it is a file being checked; the report would replace it",
                output.display()
            ));
        }
    }
    None
}
