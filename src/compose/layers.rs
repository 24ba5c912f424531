//! A service's values over its layers (extended services, the base file, override files),
//! as Compose merges them: the last layer that sets a key wins, lists are joined.

pub use super::boolean::is_true;
use super::model::{Loc, Project, Service};

/// The value of `key` in every layer of a service that sets it, lowest priority first (each
/// node once: layers may share an anchored mapping).
pub fn layer_values(project: &Project, service: &Service, key: &str) -> Vec<Loc> {
    let mut out: Vec<Loc> = Vec::new();
    for layer in &service.layers {
        let tree = project.tree(layer.file);
        if let Some(value) = tree.get_value(layer.node, key) {
            let loc = Loc {
                file: layer.file,
                node: value,
            };
            if !out.contains(&loc) {
                out.push(loc);
            }
        }
    }
    out
}

/// The items of a list-valued key over every layer (Compose merges such lists), each resolved
/// to its definition site. A scalar value counts as one item (`tmpfs: /run`).
pub fn layer_items(project: &Project, service: &Service, key: &str) -> Vec<Loc> {
    let mut out: Vec<Loc> = Vec::new();
    for value in layer_values(project, service, key) {
        let tree = project.tree(value.file);
        match tree.items(value.node) {
            Some(items) => {
                for item in items {
                    let loc = Loc {
                        file: value.file,
                        node: tree.resolve(*item),
                    };
                    if !out.contains(&loc) {
                        out.push(loc);
                    }
                }
            }
            None if tree.scalar(value.node).is_some() && !tree.is_null(value.node) => {
                out.push(value);
            }
            None => {}
        }
    }
    out
}

/// A scalar's text interpolated (`None` for null and collections).
pub fn str_at(project: &Project, loc: Loc) -> Option<String> {
    let raw = project.tree(loc.file).as_str(loc.node)?;
    Some(project.interpolate(loc.file, raw))
}
