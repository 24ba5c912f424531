//! `obsolete-version-key`: a top-level `version:` key.
//!
//! ## What it does
//! Finds the top-level `version` key in every file of the project (the main file, its override,
//! included and extended files). A Compose v1 file (services at the top level) is left to
//! `compose-v1-layout`.
//!
//! ## Why is this bad
//! The Compose Specification made `version` obsolete: Docker Compose v2 ignores it and prints
//! "the attribute `version` is obsolete, it will be ignored". It suggests a file format and
//! feature set that no longer apply (`version: "2"` does not disable v3 keys, nor the reverse).
//!
//! ## Fix
//! Safe: the line that holds the key is removed, with the comment at its end, when the key and
//! its value are on that line alone. Comments on other lines stay.

use super::common::{diagnostic_at, edits_clear_of_lone_cr, whole_lines};
use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Change, Edit, Fix};

pub const META: RuleMeta = RuleMeta {
    id: "obsolete-version-key",
    category: "correctness",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: true,
    summary: "The top-level `version` key is obsolete and ignored by Docker Compose v2",
    docs: include_str!("../../rules/docs/obsolete-version-key.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    for (id, file) in project.files.iter().enumerate() {
        if id == 0 && project.v1_layout {
            continue;
        }
        let Some(root) = file.root else {
            continue;
        };
        let tree = &file.tree;
        let Some(&(key, value)) = tree.own_entries(root).and_then(|e| {
            e.iter()
                .find(|(k, _)| tree.scalar_value(*k) == Some("version"))
        }) else {
            continue;
        };
        let shown = tree
            .scalar_value(value)
            .map(|v| format!(" (`version: {v}`)"))
            .unwrap_or_default();
        let range = tree.span(key).start..tree.span(value).end;
        let text = tree.text();
        let fix = (!tree.is_flow_collection(root)
            && tree.scalar(value).is_some()
            && !text[range.clone()].contains('\n'))
        .then(|| whole_lines(text, range.clone(), false))
        .flatten()
        .map(|lines| vec![Edit::replace(lines, "")])
        .filter(|edits| edits_clear_of_lone_cr(text, edits))
        .map(|edits| {
            Fix::new("Remove the `version` line", Applicability::Safe, edits)
                .declaring([Change::top_level("version")])
        });
        out.push(
            diagnostic_at(
                &META,
                id,
                tree.span(key),
                format!(
                    "the top-level `version` key is obsolete{shown}: Docker Compose v2 ignores it"
                ),
            )
            .with_help("remove it; the Compose Specification has no version")
            .with_fix(fix),
        );
    }
}
