//! A service's `env_file` entries, and whether each names a file Compose can read.
//!
//! Measured with docker-compose v2.40.3 (docs/compose-facts.md, "env_file that is missing or
//! a folder"): a missing file is refused ("env file ... not found") unless the long syntax
//! says `required: false`; a folder is refused even then ("read ...: is a directory").

use std::path::Path;

use super::model::{FileId, ModelError, Project};
use crate::yaml::{NodeId, ScalarType, Tree};

/// One `env_file` entry.
struct Entry {
    /// The node holding the path (the string, or the long syntax's `path` value).
    at: NodeId,
    raw: String,
    /// `None` when it cannot be told (a variable): such a missing file is not reported.
    required: Option<bool>,
}

/// The entries of an `env_file` value: a string, or a list of strings and `{path, required}`
/// mappings. Other shapes give nothing (the type checks report them).
fn entries(tree: &Tree, value: NodeId) -> Vec<Entry> {
    let one = |node: NodeId| -> Option<Entry> {
        if let Some(raw) = tree.as_str(node) {
            return Some(Entry {
                at: tree.resolve(node),
                raw: raw.to_string(),
                required: Some(true),
            });
        }
        let path = tree.get_value(node, "path")?;
        let required = match tree.get_value(node, "required") {
            None => Some(true),
            Some(r) => match tree.scalar_type(r) {
                Some(ScalarType::Bool(b)) => Some(b),
                _ => None,
            },
        };
        Some(Entry {
            at: path,
            raw: tree.as_str(path)?.to_string(),
            required,
        })
    };
    match tree.items(value) {
        Some(items) => items.iter().filter_map(|i| one(tree.resolve(*i))).collect(),
        None => one(value).into_iter().collect(),
    }
}

/// Reports each `env_file` of the layer `node` (a service mapping of `file`) that Compose
/// would refuse: a folder, or a missing file that is required. Paths are relative to the
/// folder of the file that writes them.
pub(crate) fn check(project: &Project, file: FileId, node: NodeId, errors: &mut Vec<ModelError>) {
    let compose_file = &project.files[file];
    let tree = &compose_file.tree;
    let Some(value) = tree.get_value(node, "env_file") else {
        return;
    };
    let folder = compose_file
        .path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for entry in entries(tree, value) {
        let written = project.interpolate(file, &entry.raw);
        if written.is_empty() {
            continue;
        }
        let path = folder.join(&written);
        let problem = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => Some(format!(
                "env_file {written:?} is a folder, not a file (Compose refuses it, even with \
                 `required: false`)"
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && entry.required == Some(true) => {
                Some(format!(
                    "env_file {written:?} does not exist ({}); Compose refuses a missing \
                     env_file unless its long syntax says `required: false`",
                    path.display()
                ))
            }
            _ => None,
        };
        if let Some(message) = problem {
            errors.push(ModelError {
                file,
                span: tree.span(entry.at),
                message,
            });
        }
    }
}
