//! Style rules that dclint has, off by default (category `style`): `build-and-image`,
//! `unquoted-port` and `project-name-missing`.
//!
//! ## build-and-image
//! A service with both `build` and `image` and no `pull_policy` (dclint's
//! `no-build-and-image`, with its default `checkPullPolicy`). Compose then first tries to
//! pull `image` and builds only when the pull fails, so what runs depends on the registry.
//! No fix: which one to keep is the author's choice.
//!
//! ## unquoted-port
//! A `ports` or `expose` entry written as a plain (unquoted) scalar (dclint's
//! `require-quotes-in-ports`; either quote style is accepted here). Safe fix: the entry is
//! quoted in the file's dominant quote style, when Compose reads the quoted text the same way
//! (a plain string, or a decimal integer such as `80`; never `0x50`, which YAML reads as 80).
//!
//! ## project-name-missing
//! No file of the project has a top-level `name:` (dclint's `require-project-name-field`):
//! the project is named after its folder (or `COMPOSE_PROJECT_NAME`), so its containers,
//! networks and volumes change names when the folder does. No fix: the name is the author's.

use std::collections::HashSet;

use super::common::{
    QuoteCache, Reporter, diagnostic, diagnostic_at, edits_clear_of_lone_cr, layer_items,
};
use super::{Context, RuleMeta};
use crate::compose::model::Loc;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix};
use crate::yaml::{ScalarStyle, ScalarType};

pub const BUILD_AND_IMAGE_META: RuleMeta = RuleMeta {
    id: "build-and-image",
    category: "style",
    severity: Severity::Info,
    default_enabled: false,
    fixable: false,
    summary: "A service has both `build` and `image` (and no `pull_policy`)",
    docs: include_str!("../../rules/docs/build-and-image.md"),
};

pub const UNQUOTED_PORT_META: RuleMeta = RuleMeta {
    id: "unquoted-port",
    category: "style",
    severity: Severity::Info,
    default_enabled: false,
    fixable: true,
    summary: "A `ports` or `expose` entry is not a quoted string",
    docs: include_str!("../../rules/docs/unquoted-port.md"),
};

pub const PROJECT_NAME_META: RuleMeta = RuleMeta {
    id: "project-name-missing",
    category: "style",
    severity: Severity::Info,
    default_enabled: false,
    fixable: false,
    summary: "The project has no top-level `name:`",
    docs: include_str!("../../rules/docs/project-name-missing.md"),
};

pub fn check_build_and_image(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let (Some((build_key, _)), Some(_)) = (
            project.service_entry(service, "build"),
            project.service_value(service, "image"),
        ) else {
            continue;
        };
        if project.service_value(service, "pull_policy").is_some() {
            continue;
        }
        let message = format!(
            "service `{}` has both `build` and `image`: Compose pulls the image first and builds only when the pull fails",
            service.name
        );
        reporter.report(
            build_key,
            "",
            service,
            diagnostic(&BUILD_AND_IMAGE_META, project, build_key, message).with_help(
                "keep one of them, or say which wins with `pull_policy: build` (always build) or `pull_policy: missing`",
            ),
        );
    }
}

/// Whether quoting a plain scalar keeps what Compose reads: a string stays the same string,
/// and a decimal integer becomes its own digits, which Compose reads as the same port.
fn quoting_keeps_the_value(text: &str, kind: Option<ScalarType>) -> bool {
    match kind {
        Some(ScalarType::Str) => true,
        Some(ScalarType::Int(n)) => n.to_string() == text,
        _ => false,
    }
}

pub fn check_unquoted_ports(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut quotes = QuoteCache::default();
    let mut reporter = Reporter::new(out);
    let mut seen: HashSet<Loc> = HashSet::new();
    for service in &project.services {
        for key in ["ports", "expose"] {
            for at in layer_items(project, service, key) {
                let tree = project.tree(at.file);
                if tree.scalar(at.node).map(|s| s.style) != Some(ScalarStyle::Plain)
                    || tree.is_null(at.node)
                    || !seen.insert(at)
                {
                    continue;
                }
                let Some(raw) = tree.scalar_value(at.node) else {
                    continue;
                };
                let span = tree.span(at.node);
                let q = quotes.get(project, at.file);
                // Insert the quotes around the entry, as yaml11-sexagesimal-port does: an
                // insertion at the start and a replacement of the whole entry, so that any
                // other fix of the entry clashes and waits for the next round.
                let edits = vec![
                    Edit::insert(span.start, q.to_string()),
                    Edit::replace(span.clone(), format!("{raw}{q}")),
                ];
                let fix = (tree.text().get(span.clone()) == Some(raw)
                    && !raw.contains([q, '\\'])
                    && quoting_keeps_the_value(raw, tree.scalar_type(at.node))
                    && edits_clear_of_lone_cr(tree.text(), &edits))
                .then(|| Fix::new("Quote the port", Applicability::Safe, edits));
                let message = format!(
                    "service `{}`: the `{key}` entry {raw} is not quoted",
                    service.name
                );
                reporter.report(
                    at,
                    "",
                    service,
                    diagnostic(&UNQUOTED_PORT_META, project, at, message)
                        .with_help(format!(
                            "write it as a string (`{q}{raw}{q}`): YAML reads some unquoted ports as numbers (`22:22` is 1342 to YAML 1.1 tools)"
                        ))
                        .with_fix(fix),
                );
            }
        }
    }
}

pub fn check_project_name(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let Some(main) = project.files.first() else {
        return;
    };
    let named = project.files.iter().any(|file| {
        file.root
            .is_some_and(|root| file.tree.get_value(root, "name").is_some())
    });
    if named {
        return;
    }
    let Some(root) = main.root else {
        return;
    };
    // At the `services` key, or the first key of the file.
    let key = main
        .tree
        .get(root, "services")
        .map(|(k, _)| k)
        .or_else(|| main.tree.entries(root).first().map(|(k, _)| *k));
    let Some(key) = key else {
        return;
    };
    out.push(
        diagnostic_at(
            &PROJECT_NAME_META,
            0,
            main.tree.span(key),
            "the project has no `name:`: it is named after its folder",
        )
        .with_help(
            "add a top-level `name: <project>` so that container, network and volume names do not depend on the folder",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_safe_only_where_the_value_stays() {
        assert!(quoting_keeps_the_value("80", Some(ScalarType::Int(80))));
        assert!(quoting_keeps_the_value("8080:80", Some(ScalarType::Str)));
        assert!(!quoting_keeps_the_value("0x50", Some(ScalarType::Int(80))));
        assert!(!quoting_keeps_the_value("0o120", Some(ScalarType::Int(80))));
        assert!(!quoting_keeps_the_value("80.0", Some(ScalarType::Float)));
        assert!(!quoting_keeps_the_value("~", Some(ScalarType::Null)));
    }
}
