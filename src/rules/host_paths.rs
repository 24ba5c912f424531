//! The host paths that must not be mounted into a container: the data of
//! `rules/host-paths.toml`, and its matching of a [`HostPath`]. Shared by
//! `sensitive-host-mount` and `host-device`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::compose::host_path::{HostPath, normalise_absolute};

const HOST_PATHS_TOML: &str = include_str!("../../rules/host-paths.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    path: Vec<Entry>,
}

/// One entry of the list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `/x` the path, `/x/**` the path and everything under it, `/x*` every path starting
    /// with `/x`; `~` for a home directory.
    pub path: String,
    /// What the path gives a container.
    pub what: String,
    /// A device node, or links to device nodes: bind-mounted, the device cgroup still refuses
    /// to open it unless the container is privileged or has `device_cgroup_rules`.
    #[serde(default)]
    pub node: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match<'e> {
    Exact(&'e str),
    Tree(&'e str),
    Prefix(&'e str),
}

impl Entry {
    fn pattern(&self) -> Match<'_> {
        if let Some(base) = self.path.strip_suffix("/**") {
            Match::Tree(base)
        } else if let Some(prefix) = self.path.strip_suffix('*') {
            Match::Prefix(prefix)
        } else {
            Match::Exact(&self.path)
        }
    }

    fn matches(&self, candidate: &str) -> bool {
        match self.pattern() {
            Match::Exact(p) => candidate == p,
            Match::Tree(p) => {
                candidate == p
                    || candidate
                        .strip_prefix(p)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
            Match::Prefix(p) => candidate.starts_with(p),
        }
    }
}

fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES
        .get_or_init(|| parse(HOST_PATHS_TOML).expect("rules/host-paths.toml is checked by a test"))
}

fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    for entry in &file.path {
        let base = match entry.pattern() {
            Match::Exact(p) | Match::Tree(p) | Match::Prefix(p) => p,
        };
        let home_relative = base.strip_prefix('~');
        let absolute = home_relative.map_or(base, |rest| rest);
        let well_formed = if home_relative.is_some() {
            absolute.is_empty() || normalise_absolute(absolute) == absolute
        } else {
            normalise_absolute(absolute) == absolute
        };
        if !well_formed || entry.what.trim().is_empty() || entry.path == "/**" {
            return Err(format!("bad entry {:?}", entry.path));
        }
    }
    Ok(file.path)
}

/// The entry describing a host path (the longest that matches), if it is sensitive.
pub fn sensitive(host: &HostPath) -> Option<&'static Entry> {
    let mut candidates: Vec<String> = Vec::new();
    if !host.home {
        candidates.push(host.path.clone());
    }
    if let Some(in_home) = host.in_home() {
        candidates.push(if in_home == "/" {
            "~".to_string()
        } else {
            format!("~{in_home}")
        });
    }
    entries()
        .iter()
        .filter(|e| candidates.iter().any(|c| e.matches(c)))
        .max_by_key(|e| e.path.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what(path: &str) -> Option<&'static str> {
        let host = HostPath::of_source(path, path)?;
        sensitive(&host).map(|e| e.path.as_str())
    }

    #[test]
    fn the_list_parses() {
        assert!(entries().len() > 50);
        assert!(parse("[[path]]\npath = \"/etc/\"\nwhat = \"x\"\n").is_err());
        assert!(parse("[[path]]\npath = \"/**\"\nwhat = \"x\"\n").is_err());
        assert!(parse("[[path]]\npath = \"/x\"\nwhat = \"\"\n").is_err());
        assert!(parse("[[path]]\npath = \"/x\"\nwhy = \"x\"\n").is_err());
    }

    #[test]
    fn matching() {
        assert_eq!(what("/"), Some("/"));
        assert_eq!(what("/etc/.."), Some("/"));
        assert_eq!(what("/etc/localtime"), None);
        assert_eq!(what("/etc/ssh/"), Some("/etc/ssh/**"));
        assert_eq!(what("/etc/cron.d"), Some("/etc/cron.d/**"));
        assert_eq!(what("/etc/cron.d/job"), Some("/etc/cron.d/**"));
        assert_eq!(what("/etc/cron.dx"), None);
        assert_eq!(what("/dev/sdb1"), Some("/dev/sd*"));
        assert_eq!(what("/dev/mmcblk0p2"), Some("/dev/mmcblk*"));
        assert_eq!(what("/dev/disk/by-uuid/abc"), Some("/dev/disk/**"));
        assert_eq!(what("/dev/kmsg"), Some("/dev/kmsg"));
        assert_eq!(what("/dev/ttyUSB0"), None);
        assert_eq!(what("~/.ssh"), Some("~/.ssh/**"));
        assert_eq!(what("/home/bob/.aws/credentials"), Some("~/.aws/**"));
        assert_eq!(what("/home/bob"), Some("~"));
        assert_eq!(what("/home/bob/code"), None);
        assert_eq!(what("/root/.kube"), Some("~/.kube/**"));
        assert_eq!(what("/root"), Some("/root/**"));
        assert_eq!(what("/srv/data"), None);
        let node = |p: &str| sensitive(&HostPath::of_source(p, p).unwrap()).map(|e| e.node);
        assert_eq!(node("/dev/kmsg"), Some(true));
        assert_eq!(node("/dev/nvme0n1p1"), Some(true));
        assert_eq!(node("/dev/shm"), Some(false));
        assert_eq!(node("/etc"), Some(false));
    }
}
