//! Names the Docker engine refuses although `docker compose config` accepts them:
//! `invalid-image-reference` and `invalid-container-name`.
//!
//! ## invalid-image-reference
//! Finds an `image:` that is not a valid reference in Docker's grammar
//! (`distribution/reference`): an `_` or other character in the registry host
//! (`my_registry.example.com/app`), an uppercase letter in the repository path
//! (`acme/MyApp`), a tag that is not 1 to 128 of `[A-Za-z0-9_.-]` (`app:1.0+build`), a
//! malformed digest, or a space. `docker compose config` prints such a file without a word;
//! `pull`, `build` and `up` fail with "invalid reference format". Variables are opaque: only
//! the literal text around them is judged (`${REGISTRY}/app:1` is fine).
//!
//! ## invalid-container-name
//! Finds a `container_name` that is not `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (the engine's rule,
//! anchored at both ends, with an optional leading `/`): a space, a `/` or `:` inside,
//! a leading `-`, `_` or `.`, a single character, a non-ASCII letter. Compose's schema
//! checks the same pattern without anchors, so it refuses only a name with no two valid
//! characters in a row (`a`, `-`); `docker compose up` fails on the others with "Invalid
//! container name". With variables, only the literal text is judged.
//!
//! Neither has a fix: the right name is the author's.

use super::common::{Reporter, diagnostic};
use super::{Context, RuleMeta};
use crate::compose::image::{ImageRef, InvalidReference};
use crate::compose::interpolate::{TemplatePiece, template_pieces};
use crate::diagnostic::{Diagnostic, Severity};

pub const IMAGE_META: RuleMeta = RuleMeta {
    id: "invalid-image-reference",
    category: "correctness",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "An `image:` is not a valid image reference (Docker refuses to pull or build it)",
    docs: include_str!("../../rules/docs/invalid-image-reference.md"),
};

pub const CONTAINER_NAME_META: RuleMeta = RuleMeta {
    id: "invalid-container-name",
    category: "correctness",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A `container_name` is not `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (Docker refuses to create it)",
    docs: include_str!("../../rules/docs/invalid-container-name.md"),
};

/// Why Docker refuses an image reference as written, `None` when it does not (or when the
/// reference is empty: Compose itself reports a service with neither image nor build).
pub fn image_problem(raw: &str) -> Option<InvalidReference> {
    match ImageRef::parse_checked(raw) {
        Err(InvalidReference::Empty) | Ok(_) => None,
        Err(problem) => Some(problem),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Why the engine refuses a container name as written (`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`),
/// judging only the literal text around variables; `None` when it does not.
pub fn container_name_problem(raw: &str) -> Option<&'static str> {
    // Invalid interpolation is invalid-compose's.
    let pieces = template_pieces(raw)?;
    let has_variables = pieces
        .iter()
        .any(|p| matches!(p, TemplatePiece::Reference(_)));
    let mut first = true;
    for piece in &pieces {
        match piece {
            TemplatePiece::Reference(_) => first = false,
            TemplatePiece::Text { value, .. } => {
                let text = if first {
                    value.strip_prefix('/').unwrap_or(value)
                } else {
                    value
                };
                if let Some(c) = text.chars().find(|c| !is_name_char(*c)) {
                    return Some(match c {
                        ' ' | '\t' => "it holds a space",
                        '/' => "it holds a `/`",
                        ':' => "it holds a `:`",
                        c if !c.is_ascii() => "it holds a character that is not ASCII",
                        _ => "it holds a character other than letters, digits, `_`, `.` and `-`",
                    });
                }
                if first && text.starts_with(['_', '.', '-']) {
                    return Some("it must start with a letter or a digit");
                }
                first = false;
            }
        }
    }
    let literal = raw.strip_prefix('/').unwrap_or(raw);
    if !has_variables && literal.chars().count() < 2 {
        return Some("it must be at least two characters long");
    }
    None
}

pub fn check_image(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let Some(loc) = project.service_value(service, "image") else {
            continue;
        };
        let Some(raw) = project.tree(loc.file).as_str(loc.node) else {
            continue;
        };
        let Some(problem) = image_problem(raw) else {
            continue;
        };
        let message = format!(
            "service `{}`: image `{raw}` is not a valid reference: {problem}",
            service.name
        );
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&IMAGE_META, project, loc, message).with_help(
                "Docker reads `[registry[:port]/]path[:tag][@digest]`: a lowercase path, a host name without `_`, a tag of `[A-Za-z0-9_.-]`; `docker compose pull` and `up` fail with \"invalid reference format\"",
            ),
        );
    }
}

pub fn check_container_name(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let Some(loc) = project.service_value(service, "container_name") else {
            continue;
        };
        let Some(raw) = project.tree(loc.file).as_str(loc.node) else {
            continue;
        };
        let Some(problem) = container_name_problem(raw) else {
            continue;
        };
        let message = format!(
            "service `{}`: container name `{raw}` is invalid: {problem}",
            service.name
        );
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&CONTAINER_NAME_META, project, loc, message).with_help(
                "Docker accepts `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (`my-app_1`); `docker compose up` fails with \"Invalid container name\"",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_docker_refuses() {
        for (raw, problem) in [
            ("my_registry.example.com/app:1", InvalidReference::Registry),
            ("acme/MyApp:1", InvalidReference::Uppercase),
            ("Postgres:16", InvalidReference::Uppercase),
            ("postgres:1.0+build", InvalidReference::Tag),
            ("postgres:-x", InvalidReference::Tag),
            ("postgres:", InvalidReference::Tag),
            ("postgres:16 ", InvalidReference::Tag),
            (" postgres:16", InvalidReference::Path),
            ("a//b", InvalidReference::Path),
            ("postgres@sha256:abc", InvalidReference::Digest),
        ] {
            assert_eq!(image_problem(raw), Some(problem), "{raw}");
        }
        for raw in [
            "postgres",
            "Registry.Example.com/app:1",
            "MyHost/app",
            "localhost:5000/a/b:Tag_1.0-x",
            "${REGISTRY}/app:${TAG:-1}",
            "ghcr.io/acme/app:1@sha256:4ec37d2a07a0067f176fdcc9d4bb633a5724d2cc4f892c7a2046d054bb6939e5",
            "",
        ] {
            assert_eq!(image_problem(raw), None, "{raw}");
        }
    }

    #[test]
    fn container_names_the_engine_refuses() {
        for raw in [
            "my app", "-app", "_app", ".app", "a", "app/1", "app:1", "ápp", "${P} x", "/a",
        ] {
            assert!(container_name_problem(raw).is_some(), "{raw}");
        }
        for raw in [
            "ab",
            "a_b.c-d",
            "APP",
            "/app",
            "${PROJECT}_db",
            "${P}",
            "x${P}",
            "${P}-1",
            "a.",
        ] {
            assert_eq!(container_name_problem(raw), None, "{raw}");
        }
    }
}
