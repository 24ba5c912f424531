//! The folder walk: depth first, each folder's entries in name order (so files come out in
//! `Path` order), one listing per folder and nothing else asked of the file system unless a
//! listing names it (ignore files, config files, a link to follow).
//!
//! Symbolic links to folders are not followed (no loops); links to compose files are. The
//! version-control folders `.git` and `.jj` are not entered.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ignore_files::{IgnoreFiles, Level, Present, is_ignored};
use super::{Found, FoundFile, WalkConfig, is_compose_file_name, override_base_listed};
use crate::compose::siblings::Siblings;
use crate::config::{CONFIG_NAMES, Config};

/// One folder being walked.
struct Frame {
    dir: PathBuf,
    /// Entries not yet visited, in name order.
    entries: std::vec::IntoIter<(OsString, FileType)>,
    siblings: Arc<Siblings>,
    /// The nearest config file at or above this folder, up to the searched folder.
    config: WalkConfig,
    ignore: Option<IgnoreFiles>,
    /// This folder or one above it is a repository's root.
    in_repository: bool,
    /// This folder or one above it has ignore files (or is in a repository).
    any_rules: bool,
}

/// The folders above the searched one, for their ignore files.
struct Above {
    /// The searched folder's real path (links and `..` resolved, as the `ignore` crate does:
    /// the folders above `repo/../proj` are those above `proj`).
    real_root: PathBuf,
    /// Ignore files of the folders above it, nearest first.
    levels: Vec<IgnoreFiles>,
}

pub(super) struct Walk {
    root: PathBuf,
    /// `root` made absolute without resolving links (config paths are written so).
    absolute_root: PathBuf,
    config: Option<Arc<Config>>,
    stack: Vec<Frame>,
    above: Above,
    /// Problems found but not yet yielded (folders or entries that cannot be read).
    pending: VecDeque<(PathBuf, String)>,
}

impl Walk {
    /// A walk of the folder `root`.
    pub fn new(root: PathBuf, config: Option<Arc<Config>>) -> Self {
        let real_root = root.canonicalize().unwrap_or_default();
        let levels = real_root
            .ancestors()
            .skip(1)
            .filter_map(IgnoreFiles::read_unlisted)
            .collect();
        let mut walk = Walk {
            config,
            stack: Vec::new(),
            above: Above { real_root, levels },
            pending: VecDeque::new(),
            absolute_root: std::path::absolute(&root).unwrap_or_else(|_| root.clone()),
            root: root.clone(),
        };
        walk.enter(root);
        walk
    }

    /// Lists a folder and pushes it on the stack (or notes why it cannot be listed).
    fn enter(&mut self, dir: PathBuf) {
        let entries = match list(&dir, &mut self.pending) {
            Ok(entries) => entries,
            Err(e) => {
                self.pending.push_back((dir, e.to_string()));
                return;
            }
        };
        let mut present = Present::default();
        for (name, kind) in &entries {
            present.note(&dir, name, *kind);
        }
        let siblings = Arc::new(Siblings::from_listing(
            entries.iter().map(|(n, k)| (n.as_os_str(), *k)),
        ));
        let parent = self.stack.last();
        let own_config = CONFIG_NAMES
            .iter()
            .find(|name| siblings.has_file(&dir, name))
            .map(|name| {
                // Absolute, as the config found for the searched path is (one cache entry).
                let relative = dir.strip_prefix(&self.root).unwrap_or(&dir);
                WalkConfig::Here(Arc::from(self.absolute_root.join(relative).join(name)))
            });
        let config = own_config.unwrap_or_else(|| match parent {
            Some(p) => p.config.clone(),
            None => WalkConfig::AtOrAboveRoot,
        });
        let ignore = IgnoreFiles::read(&dir, present);
        let (in_repository, any_rules) = match parent {
            Some(p) => (p.in_repository, p.any_rules),
            None => (
                self.above.levels.iter().any(|l| l.has_git),
                !self.above.levels.is_empty(),
            ),
        };
        self.stack.push(Frame {
            in_repository: in_repository || ignore.as_ref().is_some_and(|i| i.has_git),
            any_rules: any_rules || ignore.is_some(),
            dir,
            entries: entries.into_iter(),
            siblings,
            config,
            ignore,
        });
    }

    /// Whether the folders' ignore files skip `path` (in the innermost folder on the stack).
    fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let Some(frame) = self.stack.last() else {
            return false;
        };
        if !frame.any_rules {
            return false;
        }
        let absolute = (!self.above.levels.is_empty()).then(|| {
            let relative = path.strip_prefix(&self.root).unwrap_or(path);
            self.above.real_root.join(relative)
        });
        let in_walk = self
            .stack
            .iter()
            .rev()
            .filter_map(|f| f.ignore.as_ref().map(|files| Level { files, path }));
        let above = self.above.levels.iter().map(|files| Level {
            files,
            path: absolute.as_deref().unwrap_or(path),
        });
        is_ignored(in_walk.chain(above), frame.in_repository, is_dir, path)
    }

    /// What to yield for the file `name` of the innermost folder, if anything.
    fn visit_file(&self, name: &OsString, kind: FileType) -> Option<Found> {
        let frame = self.stack.last()?;
        let path = frame.dir.join(name);
        let wanted = name.to_str().is_some_and(is_compose_file_name)
            || self.config.as_ref().is_some_and(|c| c.is_included(&path));
        if !wanted || self.ignored(&path, false) {
            return None;
        }
        // A link counts when it leads to a file (a dangling link is an error to report).
        if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(target) if target.is_file() => {}
                Ok(_) => return None,
                Err(e) => return Some(Found::Error(path, e.to_string())),
            }
        } else if !kind.is_file() {
            return None;
        }
        if override_base_listed(&path, &frame.siblings).is_some()
            || self.config.as_ref().is_some_and(|c| c.is_excluded(&path))
        {
            return None;
        }
        Some(Found::File(FoundFile {
            path,
            siblings: Some(frame.siblings.clone()),
            config: frame.config.clone(),
        }))
    }
}

impl Iterator for Walk {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        loop {
            if let Some((path, why)) = self.pending.pop_front() {
                return Some(Found::Error(path, why));
            }
            let frame = self.stack.last_mut()?;
            let Some((name, kind)) = frame.entries.next() else {
                self.stack.pop();
                continue;
            };
            if kind.is_dir() {
                if name == ".git" || name == ".jj" {
                    continue;
                }
                let dir = frame.dir.join(&name);
                if !self.ignored(&dir, true) {
                    self.enter(dir);
                }
                continue;
            }
            if let Some(found) = self.visit_file(&name, kind) {
                return Some(found);
            }
        }
    }
}

/// A folder's entries with their types (from the listing: no `stat` on file systems that
/// report types), sorted by name. An entry that cannot be read is reported and skipped.
fn list(
    dir: &Path,
    errors: &mut VecDeque<(PathBuf, String)>,
) -> std::io::Result<Vec<(OsString, FileType)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let read = entry.and_then(|e| Ok((e.file_type()?, e)));
        match read {
            Ok((kind, entry)) => entries.push((entry.file_name(), kind)),
            Err(e) => errors.push_back((dir.to_path_buf(), e.to_string())),
        }
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

#[cfg(test)]
mod tests;
