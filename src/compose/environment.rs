//! A service's environment variables as written, with the exact bytes of each value.

use std::ops::Range;

use super::layers::layer_values;
use super::model::{Loc, Project, Service};
use crate::yaml::{ScalarStyle, Tree};

/// An environment variable of a service as written.
#[derive(Debug, Clone)]
pub struct EnvEntry {
    pub name: String,
    /// The value as written (before interpolation); `None` for a bare `NAME` or a null value.
    pub raw: Option<String>,
    /// The value after interpolation.
    pub value: Option<String>,
    /// The list item or the mapping value.
    pub at: Loc,
    /// The bytes of the value alone (inside a `NAME=value` item when they can be located).
    pub value_span: Range<usize>,
    /// Where `raw` starts in the file, when the source bytes are exactly `raw` (no escapes).
    pub raw_start: Option<usize>,
}

/// Every environment variable of a service, later layers winning (map and list forms).
pub fn environment(project: &Project, service: &Service) -> Vec<EnvEntry> {
    let mut vars: Vec<EnvEntry> = Vec::new();
    for env in layer_values(project, service, "environment") {
        let tree = project.tree(env.file);
        let mut push = |entry: EnvEntry| {
            vars.retain(|v| v.name != entry.name);
            vars.push(entry);
        };
        if let Some(items) = tree.items(env.node) {
            for item in items {
                let node = tree.resolve(*item);
                let Some(text) = tree.as_str(node) else {
                    continue;
                };
                let at = Loc {
                    file: env.file,
                    node,
                };
                let (name, raw) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (text.to_string(), None),
                };
                let raw_start = source_start(tree, node).map(|s| s + name.len() + 1);
                let value_span = match (raw_start, &raw) {
                    (Some(start), Some(r)) => start..start + r.len(),
                    _ => tree.span(node),
                };
                let value = raw.as_deref().map(|r| project.interpolate(env.file, r));
                push(EnvEntry {
                    name,
                    raw,
                    value,
                    at,
                    value_span,
                    raw_start: raw_start.filter(|_| text.contains('=')),
                });
            }
        } else {
            for (k, v) in tree.entries(env.node) {
                let Some(name) = tree.scalar_value(k) else {
                    continue;
                };
                let raw = if tree.is_null(v) {
                    None
                } else {
                    tree.scalar_value(v).map(str::to_string)
                };
                let value = raw.as_deref().map(|r| project.interpolate(env.file, r));
                push(EnvEntry {
                    name: name.to_string(),
                    raw,
                    value,
                    at: Loc {
                        file: env.file,
                        node: v,
                    },
                    value_span: tree.span(v),
                    raw_start: source_start(tree, v),
                });
            }
        }
    }
    vars
}

/// Where a scalar's value starts in the source, when its source bytes are its value (plain
/// or quoted, no escapes, no folding).
pub fn source_start(tree: &Tree, node: crate::yaml::NodeId) -> Option<usize> {
    let scalar = tree.scalar(node)?;
    if !matches!(
        scalar.style,
        ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
    ) {
        return None;
    }
    let value = tree.scalar_value(node)?;
    let span = tree.span(tree.resolve(node));
    let start = span.start + usize::from(scalar.style.is_quoted());
    (tree.text().get(start..start + value.len())? == value).then_some(start)
}

/// Looks a variable up by name.
pub fn env_get<'e>(env: &'e [EnvEntry], name: &str) -> Option<&'e EnvEntry> {
    env.iter().find(|e| e.name == name)
}

/// Whether a variable is set to a non-empty value (or passed through from the shell, or read
/// from a `NAME_FILE` secret file).
pub fn env_is_set(env: &[EnvEntry], name: &str) -> bool {
    env.iter().any(|e| {
        (e.name == name && e.value.as_deref().is_none_or(|v| !v.is_empty()))
            || (e.name == format!("{name}_FILE"))
    })
}

/// The names of a service's environment variables over its layers (map and list forms),
/// without reading or interpolating values.
pub fn environment_names(project: &Project, service: &Service) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for env in layer_values(project, service, "environment") {
        let tree = project.tree(env.file);
        let mut push = |name: &str| {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        };
        if let Some(items) = tree.items(env.node) {
            for item in items {
                if let Some(text) = tree.as_str(tree.resolve(*item)) {
                    push(text.split_once('=').map_or(text, |(name, _)| name));
                }
            }
        } else {
            for (k, _) in tree.entries(env.node) {
                if let Some(name) = tree.scalar_value(k) {
                    push(name);
                }
            }
        }
    }
    names
}
