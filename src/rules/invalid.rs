//! Problems in the meaning of a file that Compose itself would reject, and the v1 layout.

use super::{Context, RuleMeta};
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
    for error in &ctx.project.errors {
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
