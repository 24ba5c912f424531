//! What a project folder holds of the files looked for beside a main file (`.env`, the
//! override file, the base file of an override, composeguard's config), taken from a listing
//! of the folder that the folder walk made anyway.
//!
//! Over a tree of many projects, asking the file system for each of these names one by one
//! was several failed `stat` calls per project, and system time was as large as the checking
//! itself. With a listing, a name that is absent costs nothing; a name that is present is
//! still opened as before.

use std::ffi::{OsStr, OsString};
use std::fs::FileType;
use std::path::Path;

/// The names that loading or discovery may look for beside a compose file.
const LOOKED_FOR: [&str; 11] = [
    ".env",
    "composeguard.toml",
    ".composeguard.toml",
    "compose.yaml",
    "compose.yml",
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// How a listed name is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    /// A symbolic link: what it leads to is asked only when the name is wanted.
    Link,
    Other,
}

/// The entries of one folder whose names loading looks for (a handful at most).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Siblings {
    entries: Vec<(OsString, Kind)>,
}

impl Siblings {
    /// Keeps, of a folder's listing, the names loading looks for.
    pub fn from_listing<'a>(listing: impl IntoIterator<Item = (&'a OsStr, FileType)>) -> Self {
        let entries = listing
            .into_iter()
            .filter(|(name, _)| LOOKED_FOR.iter().any(|wanted| OsStr::new(wanted) == *name))
            .map(|(name, kind)| {
                let kind = if kind.is_file() {
                    Kind::File
                } else if kind.is_symlink() {
                    Kind::Link
                } else {
                    Kind::Other
                };
                (name.to_os_string(), kind)
            })
            .collect();
        Siblings { entries }
    }

    /// Whether `dir/name` is a file (or a link to one), as `Path::is_file` would say; `name`
    /// must be one of the names loading looks for.
    pub fn has_file(&self, dir: &Path, name: &str) -> bool {
        debug_assert!(LOOKED_FOR.contains(&name), "{name} is not kept in listings");
        match self.entries.iter().find(|(n, _)| n == name) {
            Some((_, Kind::File)) => true,
            Some((_, Kind::Link)) => dir.join(name).is_file(),
            Some((_, Kind::Other)) | None => false,
        }
    }

    /// Whether the listing has no entry of this name at all (so there is nothing to open).
    pub fn lacks(&self, name: &str) -> bool {
        debug_assert!(LOOKED_FOR.contains(&name), "{name} is not kept in listings");
        !self.entries.iter().any(|(n, _)| n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing_of(dir: &Path) -> Siblings {
        let entries: Vec<(OsString, FileType)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name(), e.file_type().unwrap())
            })
            .collect();
        Siblings::from_listing(entries.iter().map(|(n, k)| (n.as_os_str(), *k)))
    }

    #[test]
    fn answers_as_the_file_system_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("compose.yaml"), "services: {}\n").unwrap();
        std::fs::create_dir(root.join("compose.override.yaml")).unwrap();
        std::fs::write(root.join("notes.txt"), "").unwrap();
        std::os::unix::fs::symlink(root.join("compose.yaml"), root.join("docker-compose.yml"))
            .unwrap();
        std::os::unix::fs::symlink(root.join("gone"), root.join(".env")).unwrap();
        let siblings = listing_of(root);
        for name in LOOKED_FOR {
            assert_eq!(
                siblings.has_file(root, name),
                root.join(name).is_file(),
                "{name}"
            );
            assert_eq!(
                siblings.lacks(name),
                root.join(name).symlink_metadata().is_err(),
                "{name}"
            );
        }
        assert_eq!(siblings.entries.len(), 4, "only looked-for names are kept");
    }
}
