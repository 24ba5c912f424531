//! Fixes that take a setting out of a service mapping: items of a list (`seccomp:unconfined`
//! in `security_opt`) or a key of a nested mapping (`driver: none` in `logging`).
//!
//! The edit is made where the value is written (a base service's mapping for the services
//! that extend it) and declares the key as changed for every service that uses that place.
//! A value written in an anchor, tagged, merged in with `<<` or shared through an alias gets
//! no fix. Nothing is left that Compose rejects (measured, docs/compose-facts.md): a list
//! that would be empty goes with its key in block style (`security_opt:` with no value is
//! refused) and becomes `[]` in flow style; a `logging:` mapping left with no key goes whole
//! (`logging:` with no value is refused).

use super::common::{edits_clear_of_lone_cr, whole_lines};
use crate::compose::model::{Loc, Project};
use crate::fix::Edit;
use crate::yaml::NodeId;

/// The mapping entry `key` written in the service mapping `layer` itself: (key node, value
/// node), when its value is plain (no anchor, tag or alias).
fn own_plain_entry(project: &Project, layer: Loc, key: &str) -> Option<(NodeId, NodeId)> {
    let tree = project.tree(layer.file);
    let entries = tree.own_entries(layer.node)?;
    let &(k, v) = entries
        .iter()
        .find(|(k, _)| tree.scalar_value(*k) == Some(key))?;
    let node = tree.node(v);
    (node.anchor.is_none() && node.tag.is_none() && tree.resolve(v) == v).then_some((k, v))
}

/// Edits removing the `remove` items (each a node of the list) from the list `key` of the
/// service mapping `layer`. `None` when the list is not written there plainly, an item is not
/// its own, or an edit would not leave a clean file.
pub fn remove_list_items(
    project: &Project,
    layer: Loc,
    key: &str,
    remove: &[NodeId],
) -> Option<Vec<Edit>> {
    let tree = project.tree(layer.file);
    let text = tree.text();
    let (key_node, list) = own_plain_entry(project, layer, key)?;
    let items = tree.items(list)?;
    if remove.is_empty() || !remove.iter().all(|r| items.contains(r)) {
        return None;
    }
    let kept: Vec<NodeId> = items
        .iter()
        .copied()
        .filter(|i| !remove.contains(i))
        .collect();
    let edits = if tree.is_flow_collection(list) {
        let span = tree.span(list);
        // A comment inside a flow list would be lost in the rewrite.
        if text[span.clone()].contains('#') {
            return None;
        }
        let kept: Vec<&str> = kept.iter().map(|i| &text[tree.span(*i)]).collect();
        vec![Edit::replace(span, format!("[{}]", kept.join(", ")))]
    } else if kept.is_empty() {
        let range = tree.span(key_node).start..tree.span(list).end;
        vec![Edit::replace(whole_lines(text, range, false)?, "")]
    } else {
        let mut edits = Vec::new();
        for item in remove {
            tree.scalar(*item)?;
            edits.push(Edit::replace(
                whole_lines(text, tree.span(*item), true)?,
                "",
            ));
        }
        edits
    };
    edits_clear_of_lone_cr(text, &edits).then_some(edits)
}

/// Edits removing the entry `inner` of the mapping `outer` of the service mapping `layer`,
/// and `outer` itself when nothing else is left in it. `None` when `outer` is not written
/// there plainly, or a flow mapping would keep other keys.
pub fn remove_nested_key(
    project: &Project,
    layer: Loc,
    outer: &str,
    inner: &str,
) -> Option<Vec<Edit>> {
    let tree = project.tree(layer.file);
    let text = tree.text();
    let (outer_key, mapping) = own_plain_entry(project, layer, outer)?;
    let entries = tree.own_entries(mapping)?;
    // A `<<` merge in the mapping would bring keys the count below does not see.
    if entries.len() != tree.entries(mapping).len() {
        return None;
    }
    let &(inner_key, inner_value) = entries
        .iter()
        .find(|(k, _)| tree.scalar_value(*k) == Some(inner))?;
    let range = if entries.len() == 1 {
        tree.span(outer_key).start..tree.span(mapping).end
    } else if tree.is_flow_collection(mapping) {
        return None;
    } else {
        tree.span(inner_key).start..tree.span(inner_value).end
    };
    let edits = vec![Edit::replace(whole_lines(text, range, false)?, "")];
    edits_clear_of_lone_cr(text, &edits).then_some(edits)
}
