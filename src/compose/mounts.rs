//! A service's `volumes:` in both syntaxes, with the host path each one exposes: a bind's
//! source, or the `device` of a named volume whose `driver_opts` bind it (the `local` driver
//! with `o: bind`), resolved as the kernel resolves it ([`HostPath`]).

use super::host_path::{HostPath, normalise_absolute};
use super::layers::{is_true, layer_items, str_at};
use super::model::{Loc, Project, Service};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Other,
}

/// One `volumes:` entry of a service.
#[derive(Debug, Clone)]
pub struct Mount {
    /// The sequence item.
    pub at: Loc,
    pub kind: MountKind,
    /// The host path or volume name, interpolated.
    pub source: Option<String>,
    pub target: Option<String>,
    pub read_only: bool,
    /// Short syntax: the options after the second colon (`ro`, `z`, `rshared` ...).
    pub options: Vec<String>,
    /// Long syntax: `bind.propagation`, with its value node.
    pub propagation: Option<(String, Loc)>,
    /// The node of `source` (long syntax) or the item itself (short syntax).
    pub source_at: Loc,
    /// The host path the container sees (absolute or in a home directory): the source of a
    /// bind, or the device a named volume binds. `None` for other mounts and relative paths.
    pub host: Option<HostPath>,
    /// The named volume whose `driver_opts` bind `host`, when that is how it is mounted.
    pub volume_bind: Option<String>,
    /// The host path's own sub-mounts come along (`/` brings the `/run` tmpfs): true for a
    /// bind, which Docker makes recursive; for a named volume, `rbind` rather than `bind`.
    pub recursive: bool,
}

/// Every volume of a service over its layers.
pub fn mounts(project: &Project, service: &Service) -> Vec<Mount> {
    layer_items(project, service, "volumes")
        .into_iter()
        .filter_map(|at| parse_mount(project, at))
        .map(|mut mount| {
            resolve_host(project, &mut mount);
            mount
        })
        .collect()
}

/// Sets the host path a mount exposes.
fn resolve_host(project: &Project, mount: &mut Mount) {
    match mount.kind {
        MountKind::Bind => {
            let raw = raw_source(project, mount);
            mount.host = match (&raw, &mount.source) {
                (Some(raw), Some(source)) => HostPath::of_source(raw, source),
                _ => None,
            };
        }
        MountKind::Volume => {
            let Some(name) = mount.source.clone() else {
                return;
            };
            if let Some(bind) = named_volume_bind(project, &name) {
                mount.host = Some(bind.device);
                mount.read_only |= bind.read_only;
                mount.recursive = bind.recursive;
                mount.volume_bind = Some(name);
            }
        }
        MountKind::Tmpfs | MountKind::Other => {}
    }
}

/// The source as written, before interpolation (to see `$HOME`).
fn raw_source(project: &Project, mount: &Mount) -> Option<String> {
    let tree = project.tree(mount.at.file);
    if tree.is_mapping(mount.at.node) {
        let node = tree.get_value(mount.at.node, "source")?;
        return tree.as_str(node).map(str::to_string);
    }
    let text = tree.as_str(mount.at.node)?;
    split_short_volume(text).into_iter().next()
}

/// A named volume that binds a host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeBind {
    pub device: HostPath,
    /// `ro` among the `o` options.
    pub read_only: bool,
    /// `rbind` (sub-mounts come along) rather than `bind` (mount(2)'s `MS_REC`).
    pub recursive: bool,
}

/// The `driver_opts` of a top-level volume of the `local` driver (or none), interpolated;
/// the last file that declares the volume wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalVolumeOpts {
    /// `type`: the file system type given to mount(2).
    pub fs_type: Option<String>,
    /// `o`, split on commas (not trimmed: the kernel does not trim either).
    pub options: Vec<String>,
    pub device: Option<String>,
}

impl LocalVolumeOpts {
    /// The last of `on` / `off` among the options, if either is there (`suid` / `nosuid`).
    pub fn last_of(&self, on: &str, off: &str) -> Option<bool> {
        self.options
            .iter()
            .rev()
            .find(|o| *o == on || *o == off)
            .map(|o| o == on)
    }

    fn binds(&self) -> bool {
        self.options.iter().any(|o| o == "bind" || o == "rbind")
    }
}

pub fn local_volume_opts(project: &Project, name: &str) -> Option<LocalVolumeOpts> {
    let declared = project
        .files
        .iter()
        .enumerate()
        .rev()
        .find_map(|(file, f)| {
            let tree = &f.tree;
            let volumes = tree.get_value(f.root?, "volumes")?;
            let node = tree.get_value(volumes, name)?;
            tree.is_mapping(node).then_some(Loc { file, node })
        })?;
    let tree = project.tree(declared.file);
    let text = |parent: crate::yaml::NodeId, key: &str| {
        let node = tree.get_value(parent, key)?;
        str_at(
            project,
            Loc {
                file: declared.file,
                node,
            },
        )
    };
    if text(declared.node, "driver").is_some_and(|d| d != "local") {
        return None;
    }
    let opts = tree.get_value(declared.node, "driver_opts")?;
    Some(LocalVolumeOpts {
        fs_type: text(opts, "type"),
        options: text(opts, "o")
            .map(|o| o.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        device: text(opts, "device"),
    })
}

/// Whether the top-level volume `name` binds a host path: the `local` driver (or none) with
/// `driver_opts` whose `o` holds `bind` or `rbind` (comma-separated, case-sensitive, as the
/// kernel's mount options) and a `device`. The `type` must be set but is ignored with a bind
/// (`none` by convention; `ext4` binds too). Measured on dockerd 20.10 (docs/compose-facts.md,
/// section 17).
pub fn named_volume_bind(project: &Project, name: &str) -> Option<VolumeBind> {
    let opts = local_volume_opts(project, name)?;
    if opts.fs_type.is_none() || !opts.binds() {
        return None;
    }
    // The engine takes the device as written: no `~` expansion, an absolute path or nothing.
    let device = opts.device.as_deref().filter(|d| d.starts_with('/'))?;
    Some(VolumeBind {
        device: HostPath::of_source(device, device)?,
        read_only: opts.options.iter().any(|o| o == "ro"),
        recursive: opts.options.iter().any(|o| o == "rbind"),
    })
}

/// Whether the top-level volume `name` is a tmpfs of the `local` driver (`type: tmpfs`, not a
/// bind): mounted with mount(2)'s defaults, so `exec`, `suid` and `dev` unless `o` says
/// `noexec`, `nosuid`, `nodev` (measured on dockerd 20.10: `rw,relatime` only).
pub fn named_volume_tmpfs(project: &Project, name: &str) -> Option<LocalVolumeOpts> {
    let opts = local_volume_opts(project, name)?;
    (opts.fs_type.as_deref() == Some("tmpfs") && !opts.binds()).then_some(opts)
}

fn parse_mount(project: &Project, at: Loc) -> Option<Mount> {
    let tree = project.tree(at.file);
    if tree.is_mapping(at.node) {
        let get = |key: &str| {
            tree.get_value(at.node, key).map(|node| Loc {
                file: at.file,
                node,
            })
        };
        let text = |key: &str| get(key).and_then(|l| str_at(project, l));
        let source_loc = get("source");
        let source = text("source");
        let kind = match text("type").as_deref() {
            Some("bind") => MountKind::Bind,
            Some("volume") => MountKind::Volume,
            Some("tmpfs") => MountKind::Tmpfs,
            Some(_) => MountKind::Other,
            None if source.as_deref().is_some_and(is_host_path) => MountKind::Bind,
            None => MountKind::Volume,
        };
        let read_only = get("read_only").is_some_and(|l| is_true(project, l));
        let propagation = get("bind")
            .and_then(|b| tree.get_value(b.node, "propagation"))
            .map(|node| Loc {
                file: at.file,
                node,
            })
            .and_then(|l| str_at(project, l).map(|v| (v, l)));
        return Some(Mount {
            at,
            kind,
            source,
            target: text("target"),
            read_only,
            options: Vec::new(),
            propagation,
            source_at: source_loc.unwrap_or(at),
            host: None,
            volume_bind: None,
            recursive: true,
        });
    }
    let text = str_at(project, at)?;
    let parts = split_short_volume(&text);
    let (source, target, options) = match parts.as_slice() {
        [] => return None,
        [target] => (None, Some(target.clone()), Vec::new()),
        [source, target] => (Some(source.clone()), Some(target.clone()), Vec::new()),
        [source, target, mode, ..] => (
            Some(source.clone()),
            Some(target.clone()),
            mode.split(',').map(str::to_string).collect::<Vec<_>>(),
        ),
    };
    let kind = match &source {
        Some(s) if is_host_path(s) => MountKind::Bind,
        Some(_) => MountKind::Volume,
        None => MountKind::Volume,
    };
    let read_only = options.iter().any(|o| o == "ro" || o == "readonly");
    Some(Mount {
        at,
        kind,
        source,
        target,
        read_only,
        options,
        propagation: None,
        source_at: at,
        host: None,
        volume_bind: None,
        recursive: true,
    })
}

/// Splits `SRC:DST[:MODE]` on colons, keeping a Windows drive letter (`C:\data`) whole.
fn split_short_volume(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for piece in text.split(':') {
        let joins_drive = parts.last().is_some_and(|p: &String| {
            p.len() == 1
                && p.chars().all(|c| c.is_ascii_alphabetic())
                && (piece.starts_with('\\') || piece.starts_with('/'))
        }) && parts.len() <= 1;
        if joins_drive {
            let last = parts.last_mut().expect("checked");
            last.push(':');
            last.push_str(piece);
        } else {
            parts.push(piece.to_string());
        }
    }
    parts
}

/// A bind source is a path (absolute, relative or home), not a volume name.
pub fn is_host_path(source: &str) -> bool {
    source.starts_with('/')
        || source.starts_with('.')
        || source.starts_with('~')
        || source.starts_with('\\')
        || source.as_bytes().get(1) == Some(&b':')
}

/// A path with duplicate and trailing slashes removed and `.`/`..` resolved when absolute
/// (`/var//run/` is `/var/run`, `/etc/..` is `/`); a relative path loses its trailing slash.
pub fn normalise_path(path: &str) -> String {
    if path.starts_with('/') {
        return normalise_absolute(path);
    }
    path.trim_end_matches('/').to_string()
}

/// The container paths of a service's volumes (what a judge of the service needs), without
/// parsing the rest of each entry; variables are interpolated only where a target has one.
pub fn mount_targets(project: &Project, service: &Service) -> Vec<String> {
    let mut out = Vec::new();
    for at in layer_items(project, service, "volumes") {
        let tree = project.tree(at.file);
        let raw = if tree.is_mapping(at.node) {
            tree.get_value(at.node, "target")
                .and_then(|t| tree.as_str(t))
        } else {
            tree.as_str(at.node)
        };
        let Some(raw) = raw else {
            continue;
        };
        let text = if raw.contains('$') {
            std::borrow::Cow::Owned(project.interpolate(at.file, raw))
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        let target = if tree.is_mapping(at.node) {
            text.into_owned()
        } else {
            let mut parts = split_short_volume(&text);
            match parts.len() {
                0 => continue,
                1 => parts.swap_remove(0),
                _ => parts.swap_remove(1),
            }
        };
        out.push(target);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_volumes_split() {
        assert_eq!(split_short_volume("/a:/b:ro"), ["/a", "/b", "ro"]);
        assert_eq!(split_short_volume("C:\\x:/b"), ["C:\\x", "/b"]);
        assert_eq!(normalise_path("/var//run/"), "/var/run");
        assert_eq!(normalise_path("/"), "/");
        assert_eq!(normalise_path("/etc/../"), "/");
        assert_eq!(normalise_path("data/"), "data");
    }
}
