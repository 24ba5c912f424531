//! Problems in the meaning of a file that Compose itself would reject, and the v1 layout.

use super::{Context, RuleMeta};
use crate::compose::model::ModelError;
use crate::compose::schema::schema_errors;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "invalid-compose",
    category: "correctness",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A value Docker Compose would reject (wrong type, invalid port, unreadable include)",
    docs: include_str!("../../rules/docs/invalid-compose.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let errors = &ctx.project.errors;
    // The model's own errors say more (a port's syntax); a schema error about the same
    // place, or one around it, would say it twice.
    let overlaps = |e: &ModelError| {
        errors.iter().any(|m| {
            m.file == e.file
                && m.span.start < e.span.end.max(e.span.start + 1)
                && e.span.start < m.span.end.max(m.span.start + 1)
        })
    };
    let schema = schema_errors(ctx.project);
    let schema = schema.iter().filter(|e| !overlaps(e));
    for error in errors.iter().chain(schema) {
        out.push(Diagnostic::new(
            META.id,
            META.severity,
            error.file,
            error.span.clone(),
            error.message.clone(),
        ));
    }
}

pub const V1_META: RuleMeta = RuleMeta {
    id: "compose-v1-layout",
    category: "correctness",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "Services at the top level, as in a Compose v1 file: Docker Compose v2 does not read them",
    docs: include_str!("../../rules/docs/compose-v1-layout.md"),
};

pub fn check_v1(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if !ctx.project.v1_layout {
        return;
    }
    let file = &ctx.project.files[0];
    let Some(root) = file.root else { return };
    let first_key = file
        .tree
        .own_entries(root)
        .and_then(|e| e.first())
        .map(|(k, _)| file.tree.span(*k));
    let span = first_key.unwrap_or(0..0);
    out.push(
        Diagnostic::new(V1_META.id, V1_META.severity, 0, span, "this is a Compose v1 file: its services are at the top level, not under `services:`")
            .with_help("Docker Compose v2 rejects this layout; move the services under a top-level `services:` key"),
    );
}
