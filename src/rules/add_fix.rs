//! Fixes that add a setting to a service: an item to a list key (`security_opt:
//! [no-new-privileges:true]`, `cap_drop: [ALL]`) or a scalar key (`read_only: true`).
//!
//! The setting goes once into the lowest service mapping that every service using it can take
//! it in ([`LayerFixer`]): a base and the services extending it get one edit, at the base.
//! A list item is appended to the mapping's own list (block or flow), or a new key is written
//! at the indentation of the mapping's keys. No fix is offered when no mapping can take it, or
//! the list comes from an anchor or a `<<` merge.

use std::collections::HashMap;

use super::common::{DirectLayers, QuoteCache, edits_clear_of_lone_cr, line_ending_at};
use super::port_fix::quote;
use crate::compose::model::{Loc, Project, Service};
use crate::fix::{Applicability, Change, Edit, Fix};
use crate::yaml::ScalarStyle;

/// What a fix adds to a service mapping.
#[derive(Debug, Clone, Copy)]
pub enum Addition {
    /// An item of the list `key` (Compose appends these lists across layers).
    Item {
        key: &'static str,
        item: &'static str,
    },
    /// `key: value`, a key no layer of the services sets.
    Key {
        key: &'static str,
        value: &'static str,
    },
}

impl Addition {
    fn key(&self) -> &'static str {
        match self {
            Addition::Item { key, .. } | Addition::Key { key, .. } => key,
        }
    }
}

/// Chooses where the fix of each service goes. A service's layers (its extended services, its
/// own mapping, override layers) are tried lowest first: the fix goes into the first service
/// mapping that every service using it can take the addition in, once (none of them
/// [`mentions`](LayerFixer::mentions) the setting, none drops the key later with `!reset` or
/// `!override`). So a base service and the services that extend it get one edit, at the base.
/// A layer in another file than the service's own is edited by the fix of the service it
/// belongs to; the service's own fix is then none.
pub struct LayerFixer<'p> {
    project: &'p Project,
    addition: Addition,
    title: &'static str,
    direct: DirectLayers,
    quotes: QuoteCache,
    /// Per service: some layer has the setting already, in any form (the caller tells): the
    /// addition would repeat or contradict it, so no layer the service uses takes it.
    pub mentions: Vec<bool>,
    /// The services each layer belongs to.
    users: HashMap<Loc, Vec<usize>>,
    /// The fix at each layer tried (`None`: the layer cannot take it).
    at_layer: HashMap<Loc, Option<Fix>>,
}

impl<'p> LayerFixer<'p> {
    pub fn new(project: &'p Project, addition: Addition, title: &'static str) -> Self {
        let mut users: HashMap<Loc, Vec<usize>> = HashMap::new();
        for (index, service) in project.services.iter().enumerate() {
            for layer in &service.layers {
                let list = users.entry(*layer).or_default();
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
        LayerFixer {
            project,
            addition,
            title,
            direct: DirectLayers::new(project),
            quotes: QuoteCache::default(),
            mentions: vec![false; project.services.len()],
            users,
            at_layer: HashMap::new(),
        }
    }

    pub fn fix_for(&mut self, service: &Service) -> Option<Fix> {
        for layer in &service.layers {
            let Some(owner) = self.direct.owner(*layer) else {
                continue;
            };
            let owner = owner.to_string();
            if !self.at_layer.contains_key(layer) {
                let fix = self.fix_at(*layer);
                self.at_layer.insert(*layer, fix);
            }
            let Some(fix) = &self.at_layer[layer] else {
                continue;
            };
            if layer.file == service.key.file {
                return Some(fix.clone());
            }
            // Another file: the fix of the service written there carries the edit.
            let owned = self.project.service(&owner).is_some_and(|s| {
                s.key.file == layer.file && self.direct.own_layer(s) == Some(*layer)
            });
            if owned {
                return None;
            }
        }
        None
    }

    /// The fix at one service mapping, when every service using it can take the addition there.
    fn fix_at(&mut self, layer: Loc) -> Option<Fix> {
        let project = self.project;
        let users = self.users.get(&layer)?;
        let mut changes = Vec::with_capacity(users.len());
        for &user in users {
            if self.mentions[user] {
                return None;
            }
            let service = &project.services[user];
            let later = service.layers.iter().skip_while(|l| **l != layer).skip(1);
            for later in later {
                let tree = project.tree(later.file);
                if let Some((_, value)) = tree.get(later.node, self.addition.key()) {
                    let tag = tree.node(value).tag.as_deref();
                    if matches!(tag, Some("!reset" | "!override")) {
                        return None;
                    }
                }
            }
            changes.push(Change::service(&service.name, self.addition.key()));
        }
        let edit = addition_edit(project, &mut self.quotes, layer, self.addition)?;
        Some(Fix::new(self.title, Applicability::Unsafe, vec![edit]).declaring(changes))
    }
}

/// The edit adding to one service mapping: an item to its own list, or a new key.
fn addition_edit(
    project: &Project,
    quotes: &mut QuoteCache,
    layer: Loc,
    addition: Addition,
) -> Option<Edit> {
    let key = addition.key();
    let tree = project.tree(layer.file);
    let text = tree.text();
    let eol = line_ending_at(text, tree.span(layer.node).start);
    let entries = tree.own_entries(layer.node)?;
    if tree.is_flow_collection(layer.node) {
        return None;
    }
    let own = entries
        .iter()
        .find(|(k, _)| tree.scalar_value(*k) == Some(key));
    let edit = match (own, addition) {
        (Some(_), Addition::Key { .. }) => return None,
        (Some((_, value)), Addition::Item { item: new_item, .. }) => {
            let value = *value;
            let node = tree.node(value);
            if node.anchor.is_some() || node.tag.is_some() || value != tree.resolve(value) {
                return None;
            }
            let items = tree.items(value)?;
            if tree.is_flow_collection(value) {
                let q = quotes.get(project, layer.file);
                let item = quote(new_item, q);
                match items.last() {
                    Some(last) => Edit::insert(tree.span(*last).end, format!(", {item}")),
                    None => Edit::insert(tree.span(value).start + 1, item),
                }
            } else {
                let last = *items.last()?;
                let last_span = tree.span(last);
                let line_start = text[..last_span.start].rfind('\n').map_or(0, |i| i + 1);
                let lead = &text[line_start..last_span.start];
                let indent = lead.len() - lead.trim_start_matches(' ').len();
                if lead.trim() != "-" || tree.scalar(last).is_none() {
                    return None;
                }
                let item = match tree.scalar(last).map(|s| s.style) {
                    Some(ScalarStyle::SingleQuoted) => quote(new_item, '\''),
                    Some(ScalarStyle::DoubleQuoted) => quote(new_item, '"'),
                    _ => new_item.to_string(),
                };
                let at = end_of_line(text, last_span.end)?;
                Edit::insert(at, format!("{eol}{}- {item}", " ".repeat(indent)))
            }
        }
        (None, _) => {
            // A key merged in with `<<` would be replaced by a key of the mapping's own. (A
            // list from another layer is appended to: Compose merges these lists.)
            if tree.get(layer.node, key).is_some() {
                return None;
            }
            let (first_key, _) = *entries.first()?;
            let (last_key, last_value) = *entries.last()?;
            let key_start = tree.span(first_key).start;
            let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
            let lead = &text[line_start..key_start];
            if lead.is_empty() || !lead.bytes().all(|b| b == b' ') {
                return None;
            }
            let indent = lead.to_string();
            let block = match addition {
                Addition::Item { item, .. } => format!("{indent}{key}:{eol}{indent}  - {item}"),
                Addition::Key { value, .. } => format!("{indent}{key}: {value}"),
            };
            let block_scalar = tree
                .scalar(last_value)
                .is_some_and(|s| matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded))
                || ends_in_block_scalar(
                    project,
                    Loc {
                        file: layer.file,
                        node: last_value,
                    },
                );
            if block_scalar {
                // Before the last key: a block scalar's trailing lines are not ours to split.
                let last_start = tree.span(last_key).start;
                let ls = text[..last_start].rfind('\n').map_or(0, |i| i + 1);
                if text[ls..last_start] != indent {
                    return None;
                }
                Edit::insert(ls, format!("{block}{eol}"))
            } else {
                let at = end_of_line(text, tree.span(last_value).end)?;
                Edit::insert(at, format!("{eol}{block}"))
            }
        }
    };
    edits_clear_of_lone_cr(text, std::slice::from_ref(&edit)).then_some(edit)
}

/// Whether the last leaf of a collection is a block scalar.
fn ends_in_block_scalar(project: &Project, loc: Loc) -> bool {
    let tree = project.tree(loc.file);
    let mut node = tree.resolve(loc.node);
    loop {
        if let Some(items) = tree.items(node) {
            match items.last() {
                Some(last) => node = tree.resolve(*last),
                None => return false,
            }
        } else if let Some(entries) = tree.own_entries(node) {
            match entries.last() {
                Some((_, v)) => node = tree.resolve(*v),
                None => return false,
            }
        } else {
            return tree
                .scalar(node)
                .is_some_and(|s| matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded));
        }
    }
}

/// The end of the line holding byte `at - 1` (before its line break), for an insertion after a
/// node that ends at `at`. `None` when the rest of that line holds more than a comment.
fn end_of_line(text: &str, at: usize) -> Option<usize> {
    let rest_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let end = if text[..rest_end].ends_with('\r') {
        rest_end - 1
    } else {
        rest_end
    };
    let tail = text[at..end].trim();
    (tail.is_empty() || tail.starts_with('#')).then_some(end)
}
