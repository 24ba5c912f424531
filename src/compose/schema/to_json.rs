//! A document of the located tree as the JSON value compose-go validates: merge keys applied,
//! aliases expanded, plain scalars typed as go-yaml v3 types them, strings interpolated,
//! `!reset` entries dropped (compose-go's ResetProcessor removes them before validating).

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use crate::compose::interpolate::{Environment, has_variables, interpolate};
use crate::yaml::{NodeId, NodeKind, ScalarType, Tree};

/// Past this many JSON nodes (aliases expand), the document is not validated: an alias bomb
/// would cost its expansion, and go-yaml refuses excessive aliasing anyway.
const MAX_NODES: usize = 2_000_000;
/// Deeper than the parser's nesting bound only through aliases of aliases.
const MAX_DEPTH: usize = 1_024;

pub struct Converted {
    pub value: Value,
    /// Keys Compose refuses before validating (`non-string key in …`): (key node, message).
    pub key_errors: Vec<(NodeId, String)>,
    /// Strings that used variables unset here (Compose reads them as empty): their names.
    pub missing: HashMap<NodeId, Vec<String>>,
}

struct Converter<'a> {
    tree: &'a Tree,
    env: &'a Environment,
    /// JSON nodes made so far (a copy of a cached value counts its size).
    nodes: usize,
    /// Anchored nodes already converted, with their size in nodes: an alias or a merge of
    /// them is a copy, not a new walk (a chain of merges stays linear).
    anchored: HashMap<NodeId, (Value, usize)>,
    out: Converted,
}

/// `None` when the expansion is too big to validate.
pub fn document_to_json(tree: &Tree, root: NodeId, env: &Environment) -> Option<Converted> {
    let mut c = Converter {
        tree,
        env,
        nodes: 0,
        anchored: HashMap::new(),
        out: Converted {
            value: Value::Null,
            key_errors: Vec::new(),
            missing: HashMap::new(),
        },
    };
    let value = c.convert(root, 0)?;
    c.out.value = value;
    Some(c.out)
}

/// `{"services": {name: service, ...}}` of the given services of a file: what Compose reads
/// of a file that is only `extends`-ed. `None` when the expansion is too big to validate.
pub fn services_to_json(
    tree: &Tree,
    services: &[(String, NodeId)],
    env: &Environment,
) -> Option<Converted> {
    let mut c = Converter {
        tree,
        env,
        nodes: 0,
        anchored: HashMap::new(),
        out: Converted {
            value: Value::Null,
            key_errors: Vec::new(),
            missing: HashMap::new(),
        },
    };
    let mut map = Map::new();
    for (name, node) in services {
        map.insert(name.clone(), c.convert(*node, 1)?);
    }
    let mut top = Map::new();
    top.insert("services".to_string(), Value::Object(map));
    c.out.value = Value::Object(top);
    Some(c.out)
}

/// Whether a node carries the `!reset` tag (compose-go drops the entry or item).
pub fn is_reset(tree: &Tree, id: NodeId) -> bool {
    tree.node(id).tag.as_deref() == Some("!reset")
        || tree.get_node(id).tag.as_deref() == Some("!reset")
}

/// The items of a sequence as compose-go sees them (without `!reset` ones), so that indices
/// of the validated value name the same items.
pub fn kept_items(tree: &Tree, seq: NodeId) -> Vec<NodeId> {
    tree.items(seq)
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|i| !is_reset(tree, *i))
        .collect()
}

impl Converter<'_> {
    fn convert(&mut self, id: NodeId, depth: usize) -> Option<Value> {
        let id = self.tree.resolve(id);
        if let Some((value, size)) = self.anchored.get(&id) {
            self.nodes += size;
            return (self.nodes <= MAX_NODES).then(|| value.clone());
        }
        let before = self.nodes;
        let value = self.convert_new(id, depth)?;
        if self.tree.node(id).anchor.is_some() {
            self.anchored
                .insert(id, (value.clone(), self.nodes - before));
        }
        Some(value)
    }

    fn convert_new(&mut self, id: NodeId, depth: usize) -> Option<Value> {
        self.nodes += 1;
        if self.nodes > MAX_NODES || depth > MAX_DEPTH {
            return None;
        }
        Some(match &self.tree.node(id).kind {
            NodeKind::Mapping { entries, .. } => {
                // Own keys first, then each merged mapping's (already merged) keys in
                // priority order, the first one found winning: `Tree::entries`' order.
                let mut map = Map::new();
                for (k, v) in entries {
                    if self.tree.is_merge_key(*k) {
                        continue;
                    }
                    let Some(key) = self.key(*k) else { continue };
                    if is_reset(self.tree, *v) || map.contains_key(&key) {
                        continue;
                    }
                    // The schema allows anything under a top-level `x-` key: not converted
                    // (an anchor there is converted where it is used).
                    if depth == 0 && key.starts_with("x-") {
                        self.check_keys(*v);
                        map.insert(key, Value::Null);
                        continue;
                    }
                    let value = self.convert(*v, depth + 1)?;
                    map.insert(key, value);
                }
                let sources: Vec<NodeId> = self.tree.merge_sources(id).collect();
                for source in sources {
                    if let Value::Object(merged) = self.convert(source, depth + 1)? {
                        for (key, value) in merged {
                            map.entry(key).or_insert(value);
                        }
                    }
                }
                Value::Object(map)
            }
            NodeKind::Sequence { .. } => {
                let mut items = Vec::new();
                for item in kept_items(self.tree, id) {
                    items.push(self.convert(item, depth + 1)?);
                }
                Value::Array(items)
            }
            NodeKind::Scalar(_) => self.scalar(id),
            // Resolved above; an alias of an alias does not exist.
            NodeKind::Alias(_) => Value::Null,
        })
    }

    /// The keys under a node that is not converted (Compose refuses a non-string key
    /// anywhere): each node once, so aliases cost nothing more.
    fn check_keys(&mut self, id: NodeId) {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let id = self.tree.resolve(id);
            if !seen.insert(id) {
                continue;
            }
            match &self.tree.node(id).kind {
                NodeKind::Mapping { entries, .. } => {
                    for (k, v) in entries {
                        if !self.tree.is_merge_key(*k) {
                            let _ = self.key(*k);
                        }
                        stack.push(*v);
                    }
                }
                NodeKind::Sequence { items, .. } => stack.extend(items),
                _ => {}
            }
        }
    }

    /// A mapping key as a string; any other key is a Compose error (go-yaml keeps an int,
    /// bool, float or null key typed, and compose-go refuses it).
    fn key(&mut self, k: NodeId) -> Option<String> {
        let tree = self.tree;
        match tree.scalar_type(k) {
            Some(ScalarType::Str) => tree.scalar_value(k).map(str::to_string),
            Some(other) => {
                let shown = match other {
                    ScalarType::Null => "null".to_string(),
                    _ => tree.scalar_value(k).unwrap_or_default().to_string(),
                };
                self.out.key_errors.push((
                    k,
                    format!("the key `{shown}` is not a string (quote it): Compose refuses non-string keys"),
                ));
                None
            }
            None => {
                self.out.key_errors.push((
                    k,
                    "a mapping key must be a string, not a collection".to_string(),
                ));
                None
            }
        }
    }

    fn scalar(&mut self, id: NodeId) -> Value {
        let tree = self.tree;
        let raw = tree.scalar_value(id).unwrap_or_default();
        match tree.scalar_type(id) {
            Some(ScalarType::Null) | None => Value::Null,
            Some(ScalarType::Bool(b)) => Value::Bool(b),
            Some(ScalarType::Int(i)) => Value::Number(i.into()),
            Some(ScalarType::Float) => Value::Number(float(raw)),
            Some(ScalarType::Str) => {
                if !has_variables(raw) {
                    return Value::String(raw.to_string());
                }
                match interpolate(raw, self.env) {
                    Ok(done) => {
                        if !done.missing.is_empty() {
                            self.out.missing.insert(id, done.missing);
                        }
                        Value::String(done.value)
                    }
                    // Compose refuses the value before validating; other checks report it.
                    Err(_) => Value::String(raw.to_string()),
                }
            }
        }
    }
}

/// A YAML float as JSON. Infinity and NaN have no JSON form: they stand as a number that is
/// not an integer, which is what the schema's checks of them see in Compose.
fn float(raw: &str) -> Number {
    let cleaned = raw.replace('_', "");
    cleaned
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .unwrap_or_else(|| Number::from_f64(0.5).expect("finite"))
}
