//! Which paths a folder search skips: `.ignore` and `.gitignore` files, `.git/info/exclude`
//! and the user's global git excludes, with the precedence of the `ignore` crate's walker
//! (ripgrep's rules), whose matcher does the globbing.
//!
//! The walker of the `ignore` crate asks the file system for five names in every folder
//! (`.ignore`, `.gitignore`, `.git`, `.jj`, `.git/info/exclude`) even when the folder's listing,
//! which it has just read, shows none of them: over a tree of projects, those failed `stat`
//! calls cost as much system time as reading the compose files. Here the listing decides,
//! and a folder without ignore files costs nothing.
//!
//! Rules, as in ripgrep with hidden files shown:
//! - a `.gitignore` applies only inside a git (or jj) repository, and not across the root of
//!   a repository nested in another one; the same for `.git/info/exclude`;
//! - an `.ignore` file applies everywhere;
//! - the deepest folder's match wins; `.ignore` matches win over `.gitignore` matches, which
//!   win over `info/exclude`, which win over the global excludes (read only inside a
//!   repository, and once per process);
//! - the folders above the searched one count too (their paths matched absolutely).

use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The ignore files of one folder.
#[derive(Debug, Default)]
pub(super) struct IgnoreFiles {
    dot_ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
    exclude: Option<Gitignore>,
    /// The folder is the root of a repository (`.git` or `.jj` is in it).
    pub has_git: bool,
}

/// What a folder's listing says about ignore files.
#[derive(Debug, Default, Clone)]
pub(super) struct Present {
    pub dot_ignore: bool,
    pub gitignore: bool,
    /// The repository's `info/exclude`, when the folder is a repository's root: in `.git`, or
    /// (a worktree's `.git` file) in the common folder that `.git` leads to.
    pub exclude: Option<PathBuf>,
    /// `.git` (folder or file) or `.jj` is here.
    pub repository: bool,
}

impl Present {
    /// Notes one entry of the listing of `dir`. Links are followed, as the `ignore` crate does
    /// (a dangling `.git` link is no repository).
    pub fn note(&mut self, dir: &Path, name: &std::ffi::OsStr, kind: FileType) {
        let followed = || {
            if kind.is_symlink() {
                std::fs::metadata(dir.join(name))
                    .ok()
                    .map(|m| m.file_type())
            } else {
                Some(kind)
            }
        };
        match name.as_encoded_bytes() {
            b".ignore" => self.dot_ignore = followed().is_some_and(|k| k.is_file()),
            b".gitignore" => self.gitignore = followed().is_some_and(|k| k.is_file()),
            b".git" => match followed() {
                Some(k) if k.is_dir() => {
                    self.repository = true;
                    self.exclude = Some(dir.join(".git/info/exclude"));
                }
                Some(_) => {
                    self.repository = true;
                    self.exclude = worktree_common_dir(dir).map(|d| d.join("info/exclude"));
                }
                None => {}
            },
            b".jj" => self.repository |= followed().is_some_and(|k| k.is_dir()),
            _ => {}
        }
    }

    fn any(&self) -> bool {
        self.dot_ignore || self.gitignore || self.repository
    }
}

/// The common git folder of a worktree whose `.git` is a file (`gitdir: <folder>`, whose
/// `commondir` names the main repository's `.git`).
fn worktree_common_dir(dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dir.join(".git")).ok()?;
    let git_dir = dir.join(text.strip_prefix("gitdir:")?.trim());
    match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(common) => Some(git_dir.join(common.trim())),
        Err(_) => Some(git_dir),
    }
}

impl IgnoreFiles {
    /// The ignore files of `dir` as its listing shows them; `None` when it has none (no file
    /// is opened then). As in ripgrep, an ignore file that cannot be read is skipped and a
    /// line that is not a valid glob is left out, silently: the other lines still count.
    pub fn read(dir: &Path, present: Present) -> Option<Self> {
        if !present.any() {
            return None;
        }
        let read_one = |file: PathBuf| {
            let mut builder = GitignoreBuilder::new(dir);
            let _partial_errors = builder.add(&file);
            builder.build().ok().filter(|matcher| !matcher.is_empty())
        };
        Some(IgnoreFiles {
            dot_ignore: present
                .dot_ignore
                .then(|| read_one(dir.join(".ignore")))
                .flatten(),
            gitignore: present
                .gitignore
                .then(|| read_one(dir.join(".gitignore")))
                .flatten(),
            exclude: present
                .exclude
                .filter(|file| file.is_file())
                .and_then(read_one),
            has_git: present.repository,
        })
    }

    /// The ignore files of a folder above the searched one, asked of the file system (once
    /// per searched path and folder above it).
    pub fn read_unlisted(dir: &Path) -> Option<Self> {
        let mut present = Present::default();
        for name in [".ignore", ".gitignore", ".git", ".jj"] {
            if let Ok(meta) = dir.join(name).symlink_metadata() {
                present.note(dir, name.as_ref(), meta.file_type());
            }
        }
        Self::read(dir, present)
    }

    fn has_matchers(&self) -> bool {
        self.dot_ignore.is_some() || self.gitignore.is_some() || self.exclude.is_some()
    }
}

/// One folder's ignore files on the way from a path up to the file system's root, with the
/// path as that folder's matchers must see it.
pub(super) struct Level<'a> {
    pub files: &'a IgnoreFiles,
    pub path: &'a Path,
}

/// Whether `path` is ignored, given the ignore files of the folders that hold it, deepest
/// first. `in_repository`: one of those folders is a repository's root.
pub(super) fn is_ignored<'a>(
    levels: impl Iterator<Item = Level<'a>>,
    in_repository: bool,
    is_dir: bool,
    global_path: &Path,
) -> bool {
    let (mut by_ignore, mut by_gitignore, mut by_exclude) = (None, None, None);
    let mut past_repository_root = false;
    for Level { files, path } in levels {
        if !files.has_matchers() && !files.has_git {
            continue;
        }
        let matched = |matcher: &Option<Gitignore>| {
            matcher
                .as_ref()
                .map(|m| m.matched(path, is_dir))
                .filter(|m| !m.is_none())
                .map(|m| m.is_ignore())
        };
        by_ignore = by_ignore.or_else(|| matched(&files.dot_ignore));
        if in_repository && !past_repository_root {
            by_gitignore = by_gitignore.or_else(|| matched(&files.gitignore));
            by_exclude = by_exclude.or_else(|| matched(&files.exclude));
        }
        past_repository_root |= files.has_git;
    }
    let by_global = || {
        in_repository
            .then(|| match global().matched(global_path, is_dir) {
                Match::None => None,
                m => Some(m.is_ignore()),
            })
            .flatten()
    };
    by_ignore
        .or(by_gitignore)
        .or(by_exclude)
        .or_else(by_global)
        .unwrap_or(false)
}

/// The user's global git excludes (`core.excludesFile`, else `$XDG_CONFIG_HOME/git/ignore`),
/// read the first time a repository is searched: reading git's config costs more than a
/// short run's checking, and outside repositories it never applies.
fn global() -> &'static Gitignore {
    static GLOBAL: OnceLock<Gitignore> = OnceLock::new();
    GLOBAL.get_or_init(|| Gitignore::global().0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, present: Present) -> IgnoreFiles {
        IgnoreFiles::read(dir, present).unwrap()
    }

    #[test]
    fn precedence_follows_ripgrep() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join(".gitignore"), "a/\nb/\n").unwrap();
        std::fs::write(root.join(".ignore"), "!b/\n").unwrap();
        std::fs::write(root.join("sub/.gitignore"), "!a/\n").unwrap();
        let top = files(
            root,
            Present {
                dot_ignore: true,
                gitignore: true,
                exclude: None,
                repository: true,
            },
        );
        let sub_dir = root.join("sub");
        let sub = files(
            &sub_dir,
            Present {
                gitignore: true,
                ..Present::default()
            },
        );
        // Levels: the folders holding the path, deepest first.
        let ignored = |path: &Path, in_sub: bool, in_repository: bool| {
            let mut levels = Vec::new();
            if in_sub {
                levels.push(Level { files: &sub, path });
            }
            levels.push(Level { files: &top, path });
            is_ignored(levels.into_iter(), in_repository, true, path)
        };
        // The top .gitignore ignores a/ and b/; .ignore's whitelist wins for b/.
        assert!(ignored(&root.join("a"), false, true));
        assert!(!ignored(&root.join("b"), false, true));
        // The deeper .gitignore whitelists sub/a/; the top .ignore whitelists b/ everywhere.
        assert!(!ignored(&root.join("sub/a"), true, true));
        assert!(
            !ignored(&root.join("sub/b"), true, true),
            "whitelisted by .ignore"
        );
        // Outside a repository, .gitignore does not count.
        assert!(!ignored(&root.join("a"), false, false));
    }
}
