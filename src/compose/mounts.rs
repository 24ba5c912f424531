//! A service's `volumes:` in both syntaxes.

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
}

/// Every volume of a service over its layers.
pub fn mounts(project: &Project, service: &Service) -> Vec<Mount> {
    layer_items(project, service, "volumes")
        .into_iter()
        .filter_map(|at| parse_mount(project, at))
        .collect()
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

/// A host path with duplicate and trailing slashes removed (`/var//run/` is `/var/run`).
pub fn normalise_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for part in path.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() && path.starts_with('/') {
        out.push('/');
    }
    if !path.starts_with('/') {
        return path.trim_end_matches('/').to_string();
    }
    out
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
    }
}
