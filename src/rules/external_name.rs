//! `obsolete-external-name`: `external: {name: ...}` on a top-level volume, network, secret or
//! config.
//!
//! ## What it does
//! Finds `external.name` in the top-level `volumes`, `networks`, `secrets` and `configs` of
//! every file of the project.
//!
//! ## Why is this bad
//! Docker Compose v2 warns "external.name is deprecated. Please set name and external: true"
//! and reads it as `name:` with `external: true` (measured: docs/compose-facts.md). With a
//! `name:` beside it that differs, Compose refuses the file.
//!
//! ## Fix
//! Safe: `external:` with `name: X` alone in it becomes `name: X` and `external: true` at the
//! same place (the name written as it was), which Compose reads the same. No fix when the
//! resource has its own `name:`, `external` holds another key or a comment, or it comes from an
//! anchor, a tag or a merge.

use super::common::{diagnostic_at, edits_clear_of_lone_cr, line_ending_at};
use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Change, Edit, Fix};
use crate::yaml::NodeId;

pub const META: RuleMeta = RuleMeta {
    id: "obsolete-external-name",
    category: "correctness",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: true,
    summary: "`external: {name: ...}` is deprecated: Docker Compose v2 wants `name:` and `external: true`",
    docs: include_str!("../../rules/docs/obsolete-external-name.md"),
};

/// The top-level sections, with the word for one of their entries.
const SECTIONS: [(&str, &str); 4] = [
    ("volumes", "volume"),
    ("networks", "network"),
    ("secrets", "secret"),
    ("configs", "config"),
];

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    for (id, file) in project.files.iter().enumerate() {
        let Some(root) = file.root else {
            continue;
        };
        let tree = &file.tree;
        for (section, one) in SECTIONS {
            let Some(resources) = tree.get_value(root, section) else {
                continue;
            };
            for (resource_key, resource) in tree.entries(resources) {
                let Some((external_key, external)) = tree.get(resource, "external") else {
                    continue;
                };
                let Some((name_key, name)) = tree.get(external, "name") else {
                    continue;
                };
                let resource_name = tree.scalar_value(resource_key).unwrap_or("?");
                let fix =
                    fix(ctx, id, resource, external_key, external, name_key, name).map(|edits| {
                        Fix::new(
                            "Write `name:` and `external: true`",
                            Applicability::Safe,
                            edits,
                        )
                        .declaring([Change::top_level(section)])
                    });
                out.push(
                    diagnostic_at(
                        &META,
                        id,
                        tree.span(name_key),
                        format!(
                            "`external.name` of {one} `{resource_name}` is deprecated: Docker Compose v2 wants `name:` and `external: true`"
                        ),
                    )
                    .with_help("write the name as the resource's own `name:` and set `external: true`")
                    .with_fix(fix),
                );
            }
        }
    }
}

/// The edit replacing `external: {name: X}` (block or flow) with `name: X` and
/// `external: true`.
fn fix(
    ctx: &Context,
    file: usize,
    resource: NodeId,
    external_key: NodeId,
    external: NodeId,
    name_key: NodeId,
    name: NodeId,
) -> Option<Vec<Edit>> {
    let tree = ctx.project.tree(file);
    let text = tree.text();
    let plain = |node: NodeId| {
        let n = tree.node(node);
        n.anchor.is_none() && n.tag.is_none() && tree.resolve(node) == node
    };
    // The resource's own keys only: `external` must be written in it, and no `name:` beside.
    let own = tree.own_entries(resource)?;
    let own_external = own.iter().any(|(k, _)| *k == external_key);
    let own_name = own
        .iter()
        .any(|(k, _)| tree.scalar_value(*k) == Some("name"));
    if !own_external || own_name || !plain(resource) || !plain(external) || !plain(name) {
        return None;
    }
    if tree.own_entries(external)?.len() != 1 || tree.scalar(name).is_none() {
        return None;
    }
    if tree.is_flow_collection(resource) {
        return None;
    }
    let start = tree.span(external_key).start;
    let end = tree.span(external).end;
    // Nothing but the key, the name entry and YAML punctuation in the replaced range.
    let name_entry = tree.span(name_key).start..tree.span(name).end;
    let rest = format!(
        "{}{}",
        &text[start..name_entry.start],
        &text[name_entry.end..end]
    );
    if rest.contains('#') {
        return None;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..start];
    if !indent.bytes().all(|b| b == b' ') {
        return None;
    }
    let eol = line_ending_at(text, start);
    let name_text = &text[tree.span(name)];
    let edits = vec![Edit::replace(
        start..end,
        format!("name: {name_text}{eol}{indent}external: true"),
    )];
    edits_clear_of_lone_cr(text, &edits).then_some(edits)
}
