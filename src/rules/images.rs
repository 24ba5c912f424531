//! Image references: `image-unpinned-tag` and `image-no-digest`.
//!
//! ## image-unpinned-tag
//! Finds `image:` references with no tag (`postgres`) or a tag that names a moving channel
//! rather than a release (`latest`, `stable`, `edge`, `nightly`, `dev`, `beta`, `canary`,
//! `main`, `master` ..., and `stable-alpine`: the list is `rules/mutable-tags.txt`), and no
//! digest.
//! Services with `build:` are skipped (their `image:` names the image being built), and so are
//! references whose tag or name is a `${VAR}`. Without a fixed tag, every `docker compose pull`
//! may bring a new major version: a schema migration, a changed default, a new vulnerability,
//! and no way to return to what ran yesterday. Pin a version tag (`postgres:16.4`).
//!
//! ## image-no-digest
//! Off by default. Finds image references without a digest (`@sha256:...`). A tag can be moved
//! to other content by whoever controls the repository (or its registry account); a digest
//! cannot. Pin `image: postgres:16.4@sha256:...` and let a bot (Renovate, Dependabot) update it.

use super::common::{Reporter, diagnostic};
use super::{Context, RuleMeta};
use crate::compose::image::ImageRef;
use crate::compose::model::{Loc, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};

pub const UNPINNED_META: RuleMeta = RuleMeta {
    id: "image-unpinned-tag",
    category: "image",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "An image has no tag or a mutable tag (`latest`, `stable`, `nightly` ...)",
    docs: include_str!("../../rules/docs/image-unpinned-tag.md"),
};

pub const DIGEST_META: RuleMeta = RuleMeta {
    id: "image-no-digest",
    category: "image",
    severity: Severity::Info,
    default_enabled: false,
    fixable: false,
    summary: "An image is not pinned by digest (`@sha256:...`)",
    docs: include_str!("../../rules/docs/image-no-digest.md"),
};

/// Tags that name a moving channel (`rules/mutable-tags.txt`).
const MUTABLE_TAGS: &str = include_str!("../../rules/mutable-tags.txt");

fn mutable_tags() -> impl Iterator<Item = &'static str> {
    MUTABLE_TAGS
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// The channel a tag follows, when it is a mutable one: `stable` for `stable` and
/// `stable-alpine` (a variant without a digit), `None` for `16.4` or `stable-1.27`.
fn mutable_channel(tag: &str) -> Option<&'static str> {
    let lower = tag.to_ascii_lowercase();
    mutable_tags().find(|channel| {
        lower == *channel
            || lower.strip_prefix(channel).is_some_and(|rest| {
                rest.strip_prefix('-')
                    .is_some_and(|v| !v.is_empty() && !v.bytes().any(|b| b.is_ascii_digit()))
            })
    })
}

/// The image as written, parsed, for a service that pulls it (not one that builds it).
fn pulled_image(project: &Project, service: &Service) -> Option<(String, ImageRef, Loc)> {
    if project.is_built(service) {
        return None;
    }
    let loc = project.service_value(service, "image")?;
    let raw = project.tree(loc.file).as_str(loc.node)?.trim().to_string();
    let image = ImageRef::parse(&raw)?;
    if image.repository.contains('$') || image.namespace.as_deref().is_some_and(|n| n.contains('$'))
    {
        return None;
    }
    Some((raw, image, loc))
}

pub fn check_unpinned(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let Some((raw, image, loc)) = pulled_image(project, service) else {
            continue;
        };
        if image.tag.as_deref().is_some_and(|t| t.contains('$')) || image.digest.is_some() {
            continue;
        }
        let what = match image.tag.as_deref() {
            None => "no tag (so `latest`)".to_string(),
            Some(tag) => match mutable_channel(tag) {
                Some("latest") => "the `latest` tag".to_string(),
                Some(channel) if tag.eq_ignore_ascii_case(channel) => {
                    format!("the mutable tag `{tag}`")
                }
                Some(channel) => format!("the mutable tag `{tag}` (the `{channel}` channel)"),
                None => continue,
            },
        };
        let message = format!("service `{}` uses image {raw} with {what}", service.name);
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&UNPINNED_META, project, loc, message).with_help(format!(
                "pin a version tag (`{}:<version>`) so that a pull cannot bring a new major version",
                raw.rsplit_once(':')
                    .filter(|(_, t)| !t.contains('/'))
                    .map_or(raw.as_str(), |(n, _)| n)
            )),
        );
    }
}

pub fn check_digest(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let Some((raw, image, loc)) = pulled_image(project, service) else {
            continue;
        };
        if image.is_pinned_by_digest() {
            continue;
        }
        let message = format!(
            "service `{}` uses image {raw} without a digest",
            service.name
        );
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&DIGEST_META, project, loc, message).with_help(
                "pin the content: `image: name:tag@sha256:<digest>` (`docker buildx imagetools inspect name:tag` prints it), and let Renovate or Dependabot update it",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_lowercase_words() {
        let tags: Vec<&str> = mutable_tags().collect();
        assert!(tags.len() >= 10, "{tags:?}");
        for tag in &tags {
            assert!(
                tag.bytes().all(|b| b.is_ascii_lowercase()),
                "rules/mutable-tags.txt: `{tag}` is not a lowercase word"
            );
        }
        let mut sorted = tags.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), tags.len(), "a tag is listed twice");
    }

    #[test]
    fn channels_and_releases() {
        for (tag, channel) in [
            ("latest", "latest"),
            ("stable", "stable"),
            ("Nightly", "nightly"),
            ("edge", "edge"),
            ("stable-alpine", "stable"),
            ("main", "main"),
            ("master", "master"),
            ("canary", "canary"),
            ("dev", "dev"),
            ("beta", "beta"),
            ("test", "test"),
        ] {
            assert_eq!(mutable_channel(tag), Some(channel), "{tag}");
        }
        for tag in [
            "16.4",
            "stable-1.27",
            "beta2",
            "dev-20240101",
            "devel0",
            "3-alpine",
            "mainly",
        ] {
            assert_eq!(mutable_channel(tag), None, "{tag}");
        }
    }
}
