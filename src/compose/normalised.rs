//! A whole project normalised for comparison: one canonical value per (service, key) and per
//! top-level key, with `extends`, merge keys (`<<`), override files and `include`s applied as
//! Docker Compose merges them (measured: docs/compose-facts.md, "Merging other keys").
//!
//! The fixer compares the model before and after a fix ([`crate::engine::verify`]): every
//! value must be the same but for the keys the fix declares. Where a key's merge is not
//! modelled the value is each layer's raw value in turn, so any change is still seen.
//! `ports` are left out (the port verification compares the normalised ports), and so are
//! `x-` extension keys (Compose does not interpret them; they hold the anchors that fixes
//! edit) and `extends` (its effect is the layers themselves).

use std::collections::BTreeMap;

use super::model::{FileId, Project};
use crate::yaml::{NodeId, NodeKind, ScalarType, Tree};

/// A value as Compose would see it after merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    /// Interpolated text; an integer in decimal (`010` is 8), a boolean as `true`/`false`.
    Scalar(String),
    Seq(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// A key whose merge is not modelled: each layer's value, lowest priority first.
    Layers(Vec<Value>),
    /// A value reached through an alias inside another value: a fingerprint of its content,
    /// computed once per node (expanding aliases could be exponential: "billion laughs").
    Shared(u64),
}

/// How Compose merges a sequence of a later layer into an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqMerge {
    /// Appended, and equal items are then an error ("items at 0 and 1 are equal").
    Append,
    /// Appended without repeating an item already there.
    Union,
    /// The later list replaces the earlier one.
    Replace,
    /// Not modelled: every layer's value is kept.
    Unmodelled,
}

/// Measured with docker-compose v2.40.3 (`extends` and an override file alike).
pub fn seq_merge(key: &str) -> SeqMerge {
    match key {
        "security_opt" | "group_add" | "external_links" => SeqMerge::Append,
        "cap_add" | "cap_drop" | "dns" | "dns_search" | "dns_opt" | "expose" | "extra_hosts"
        | "tmpfs" | "devices" | "volumes_from" => SeqMerge::Union,
        // `volumes` are merged by target (a later `/b:/data` replaces `/a:/data`): not
        // modelled, so every layer's list is compared.
        "command" | "entrypoint" => SeqMerge::Replace,
        _ => SeqMerge::Unmodelled,
    }
}

/// Keys whose list form `NAME=value` is a mapping to Compose.
fn is_name_value_list(key: &str) -> bool {
    matches!(key, "environment" | "labels" | "annotations" | "sysctls")
}

/// Keys left out of the model (see the module documentation).
fn is_left_out(key: &str) -> bool {
    key == "ports" || key == "extends" || key.starts_with("x-")
}

/// Where a value sits: a service's key or a top-level key.
pub type Path = (Option<String>, String);

/// The whole project, normalised.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Normalised {
    pub values: BTreeMap<Path, Value>,
}

impl Normalised {
    /// Reads every service's keys and the top-level keys of every file. Linear in the
    /// size of the project.
    pub fn of(project: &Project) -> Normalised {
        let mut values = BTreeMap::new();
        for service in &project.services {
            let mut keys: BTreeMap<String, Value> = BTreeMap::new();
            for layer in &service.layers {
                let tree = project.tree(layer.file);
                merge_mapping(project, layer.file, tree, layer.node, &mut keys, true);
            }
            for (key, value) in keys {
                values.insert((Some(service.name.clone()), key), value);
            }
        }
        let mut top: BTreeMap<String, Value> = BTreeMap::new();
        for (id, file) in project.files.iter().enumerate() {
            for root in &file.roots {
                let tree = &file.tree;
                for (k, v) in tree.entries(*root) {
                    let Some(name) = tree.scalar_value(k) else {
                        continue;
                    };
                    let v1_service = project.v1_layout && id == 0 && name != "version";
                    if name == "services" || v1_service || is_left_out(name) {
                        continue;
                    }
                    let value = read(project, id, tree, v);
                    merge_into(&mut top, name, value, tree.node(v).tag.as_deref(), false);
                }
            }
        }
        for (key, value) in top {
            values.insert((None, key), value);
        }
        Normalised { values }
    }

    pub fn get(&self, service: Option<&str>, key: &str) -> Option<&Value> {
        self.values
            .get(&(service.map(str::to_string), key.to_string()))
    }
}

/// Merges a service mapping's entries (merge keys applied) into `keys`.
fn merge_mapping(
    project: &Project,
    file: FileId,
    tree: &Tree,
    node: NodeId,
    keys: &mut BTreeMap<String, Value>,
    service: bool,
) {
    for (k, v) in tree.entries(node) {
        let Some(name) = tree.scalar_value(k) else {
            continue;
        };
        if service && is_left_out(name) {
            continue;
        }
        let mut value = read(project, file, tree, v);
        if is_name_value_list(name) {
            value = as_name_value_map(value);
        }
        let tag = tree.node(v).tag.as_deref();
        merge_into(keys, name, value, tag, service);
    }
}

/// Merges one layer's value of `key` into what the layers before gave.
fn merge_into(
    keys: &mut BTreeMap<String, Value>,
    key: &str,
    value: Value,
    tag: Option<&str>,
    service: bool,
) {
    match tag {
        Some("!reset") => {
            keys.remove(key);
            return;
        }
        Some("!override") => {
            keys.insert(key.to_string(), value);
            return;
        }
        _ => {}
    }
    let Some(before) = keys.remove(key) else {
        let first = match (&value, service.then(|| seq_merge(key))) {
            (Value::Seq(_) | Value::Map(_) | Value::Scalar(_), _) if !service => value,
            (Value::Seq(_), Some(SeqMerge::Unmodelled)) => Value::Layers(vec![value]),
            (Value::Seq(items), Some(SeqMerge::Union)) => Value::Seq(union(Vec::new(), items)),
            _ => value,
        };
        keys.insert(key.to_string(), first);
        return;
    };
    let merged = match (before, value) {
        (Value::Map(mut a), Value::Map(b)) => {
            for (k, v) in b {
                let v = match (a.remove(&k), v) {
                    (Some(Value::Map(x)), Value::Map(y)) => Value::Map(deep_merge(x, y)),
                    (_, v) => v,
                };
                a.insert(k, v);
            }
            Value::Map(a)
        }
        (before, value) if service => match seq_merge(key) {
            SeqMerge::Append => Value::Seq([as_items(before), as_items(value)].concat()),
            SeqMerge::Union => Value::Seq(union(as_items(before), &as_items(value))),
            SeqMerge::Replace => value,
            SeqMerge::Unmodelled => match (before, value) {
                // A scalar replaces a scalar (`image`, `restart` ...).
                (Value::Scalar(_) | Value::Null, v @ (Value::Scalar(_) | Value::Null)) => v,
                (Value::Layers(mut layers), v) => {
                    layers.push(v);
                    Value::Layers(layers)
                }
                (b, v) => Value::Layers(vec![b, v]),
            },
        },
        (Value::Layers(mut layers), v) => {
            layers.push(v);
            Value::Layers(layers)
        }
        (b, v) => Value::Layers(vec![b, v]),
    };
    keys.insert(key.to_string(), merged);
}

fn deep_merge(
    mut a: BTreeMap<String, Value>,
    b: BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    for (k, v) in b {
        let v = match (a.remove(&k), v) {
            (Some(Value::Map(x)), Value::Map(y)) => Value::Map(deep_merge(x, y)),
            (_, v) => v,
        };
        a.insert(k, v);
    }
    a
}

/// A list value's items; a scalar counts as one item (`dns: 1.1.1.1`, `tmpfs: /run`).
fn as_items(value: Value) -> Vec<Value> {
    match value {
        Value::Seq(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn union(mut into: Vec<Value>, more: &[Value]) -> Vec<Value> {
    for item in more {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
    into
}

/// `[A=1, B]` as `{A: "1", B: null}`; a mapping stays as it is.
fn as_name_value_map(value: Value) -> Value {
    let Value::Seq(items) = value else {
        return value;
    };
    let mut map = BTreeMap::new();
    for item in items {
        match item {
            Value::Scalar(text) => match text.split_once('=') {
                Some((k, v)) => map.insert(k.to_string(), Value::Scalar(v.to_string())),
                None => map.insert(text, Value::Null),
            },
            other => return Value::Layers(vec![other]),
        };
    }
    Value::Map(map)
}

/// A node's canonical value: aliases followed, merge keys applied, scalars interpolated.
fn read(project: &Project, file: FileId, tree: &Tree, node: NodeId) -> Value {
    read_depth(project, file, tree, node, 0)
}

fn read_depth(project: &Project, file: FileId, tree: &Tree, node: NodeId, depth: usize) -> Value {
    if depth > crate::yaml::MAX_NESTING {
        return Value::Null;
    }
    if depth > 0 && matches!(tree.node(node).kind, NodeKind::Alias(_)) {
        let mut memo = std::collections::HashMap::new();
        return Value::Shared(fingerprint(project, file, tree, node, &mut memo));
    }
    let node = tree.resolve(node);
    match &tree.node(node).kind {
        NodeKind::Scalar(_) => match tree.scalar_type(node) {
            Some(ScalarType::Null) => Value::Null,
            Some(ScalarType::Int(v)) => Value::Scalar(v.to_string()),
            Some(ScalarType::Bool(b)) => Value::Scalar(b.to_string()),
            _ => Value::Scalar(project.interpolate(file, tree.scalar_value(node).unwrap_or(""))),
        },
        NodeKind::Sequence { items, .. } => Value::Seq(
            items
                .iter()
                .map(|i| read_depth(project, file, tree, *i, depth + 1))
                .collect(),
        ),
        NodeKind::Mapping { .. } => Value::Map(
            tree.entries(node)
                .into_iter()
                .filter_map(|(k, v)| {
                    let name = tree.scalar_value(k)?;
                    let name = project.interpolate(file, name);
                    Some((name, read_depth(project, file, tree, v, depth + 1)))
                })
                .collect(),
        ),
        NodeKind::Alias(_) => Value::Null,
    }
}

/// A hash of a node's canonical value, each node hashed once (`memo`), so that a value
/// reached through aliases of aliases costs its number of nodes.
fn fingerprint(
    project: &Project,
    file: FileId,
    tree: &Tree,
    node: NodeId,
    memo: &mut std::collections::HashMap<NodeId, u64>,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let node = tree.resolve(node);
    if let Some(h) = memo.get(&node) {
        return *h;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match &tree.node(node).kind {
        NodeKind::Sequence { items, .. } => {
            1u8.hash(&mut hasher);
            for item in items.clone() {
                fingerprint(project, file, tree, item, memo).hash(&mut hasher);
            }
        }
        NodeKind::Mapping { .. } => {
            2u8.hash(&mut hasher);
            let mut entries: Vec<(String, u64)> = tree
                .entries(node)
                .into_iter()
                .filter_map(|(k, v)| {
                    let key = project.interpolate(file, tree.scalar_value(k)?);
                    Some((key, fingerprint(project, file, tree, v, memo)))
                })
                .collect();
            entries.sort();
            entries.hash(&mut hasher);
        }
        _ => {
            3u8.hash(&mut hasher);
            if let Value::Scalar(s) = read_depth(project, file, tree, node, 0) {
                s.hash(&mut hasher);
            }
        }
    }
    let h = hasher.finish();
    memo.insert(node, h);
    h
}

/// The first item that is repeated in a merged `Append` list (Compose rejects the project:
/// "items at 0 and 1 are equal").
pub fn repeated_item(key: &str, value: &Value) -> Option<String> {
    if seq_merge(key) != SeqMerge::Append {
        return None;
    }
    let Value::Seq(items) = value else {
        return None;
    };
    items.iter().enumerate().find_map(|(i, item)| {
        items[..i].contains(item).then(|| match item {
            Value::Scalar(s) => s.clone(),
            other => format!("{other:?}"),
        })
    })
}

#[cfg(test)]
mod tests;
