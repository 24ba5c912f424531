//! A service's tmpfs mounts and the mount flags each ends up with.
//!
//! * `tmpfs:` entries (`/tmp:rw,exec,size=64m`): Docker starts from `noexec,nosuid,nodev`
//!   and merges the entry's options over them, the last of each pair winning (moby's
//!   `MergeTmpfsOptions`): `/b:suid` is suid, `/d:suid,nosuid` is not.
//! * Named volumes of the `local` driver with `type: tmpfs` ([`named_volume_tmpfs`]): mounted
//!   with mount(2)'s defaults, so `exec`, `suid` and `dev` unless `o` turns them off.
//! * Long syntax `type: tmpfs` volumes take only `size` and `mode` in Compose and are always
//!   `noexec,nosuid,nodev`: they never appear here.
//!
//! Measured on dockerd 20.10 with /proc/self/mountinfo (docs/compose-facts.md, section 18).

use super::layers::{layer_items, str_at};
use super::model::{Loc, Project, Service};
use super::mounts::{MountKind, mounts, named_volume_tmpfs};

/// A mount flag that Docker's tmpfs defaults turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Exec,
    Suid,
    Dev,
}

impl Flag {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Flag::Exec => ("exec", "noexec"),
            Flag::Suid => ("suid", "nosuid"),
            Flag::Dev => ("dev", "nodev"),
        }
    }
}

/// One tmpfs mount of a service.
#[derive(Debug, Clone)]
pub struct Tmpfs {
    /// The `tmpfs:` item, or the `volumes:` item that mounts the named volume.
    pub at: Loc,
    /// The container path.
    pub path: String,
    /// The options as written (`tmpfs:` after the colon, or the volume's `o`).
    pub options: Vec<String>,
    /// The named volume, for a tmpfs volume of the local driver.
    pub volume: Option<String>,
}

impl Tmpfs {
    /// Whether the mount allows `flag` (`exec`, `suid`, `dev`).
    pub fn allows(&self, flag: Flag) -> bool {
        allowed(&self.options, self.volume.is_some(), flag)
    }
}

/// Whether `flag` is on after `options` (the last of the pair wins); without either, on for a
/// volume (mount(2)'s default) and off for a `tmpfs:` entry (Docker's default).
fn allowed(options: &[String], volume: bool, flag: Flag) -> bool {
    let (on, off) = flag.words();
    match options.iter().rev().find(|o| *o == on || *o == off) {
        Some(word) => word == on,
        None => volume,
    }
}

/// Every tmpfs mount of a service over its layers: `tmpfs:` entries first, then the named
/// tmpfs volumes it mounts.
pub fn tmpfs_mounts(project: &Project, service: &Service) -> Vec<Tmpfs> {
    let mut out = Vec::new();
    for item in layer_items(project, service, "tmpfs") {
        let Some(text) = str_at(project, item) else {
            continue;
        };
        let (path, options) = match text.split_once(':') {
            Some((path, options)) => (path, options.split(',').map(str::to_string).collect()),
            None => (text.as_str(), Vec::new()),
        };
        out.push(Tmpfs {
            at: item,
            path: path.to_string(),
            options,
            volume: None,
        });
    }
    for mount in mounts(project, service) {
        if mount.kind != MountKind::Volume {
            continue;
        }
        let Some(name) = mount.source.as_deref() else {
            continue;
        };
        if let Some(opts) = named_volume_tmpfs(project, name) {
            out.push(Tmpfs {
                at: mount.source_at,
                path: mount.target.clone().unwrap_or_default(),
                options: opts.options,
                volume: Some(name.to_string()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(options: &str, volume: bool, flag: Flag) -> bool {
        let options: Vec<String> = options.split(',').map(str::to_string).collect();
        allowed(&options, volume, flag)
    }

    #[test]
    fn flags_as_mounted() {
        assert!(!allows("", false, Flag::Suid));
        assert!(allows("suid", false, Flag::Suid));
        assert!(!allows("suid,nosuid", false, Flag::Suid));
        assert!(allows("dev,size=1m", false, Flag::Dev));
        assert!(!allows("dev,size=1m", false, Flag::Exec));
        assert!(allows("rw,exec", false, Flag::Exec));
        // A local tmpfs volume starts from mount(2)'s defaults.
        assert!(allows("size=10m", true, Flag::Suid));
        assert!(!allows("size=10m,nosuid,nodev", true, Flag::Dev));
        assert!(allows("size=10m,nosuid,nodev", true, Flag::Exec));
    }
}
