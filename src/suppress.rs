//! Inline suppressions:
//!
//! - `# composeguard: ignore[rule-id, other-id] reason` on the line of a finding or the line
//!   above it;
//! - `# composeguard: ignore-service[rule-id] reason` on a service's key line (or the line
//!   above it): every finding of those rules inside the service;
//! - `# composeguard: ignore-file[rule-id] reason` (or `ignore-file` for every rule) in the
//!   comments at the top of the file.
//!
//! Each may end and name who answers for it, in any order before the reason:
//! `# composeguard: ignore[rule-id] until=2027-01-31 owner=@db-team reason`. Past its date it
//! no longer suppresses (see src/exceptions.rs); so does an `[[exceptions]]` entry of the config.
//!
//! A suppression with no reason is reported (configurable), and so is one that suppresses
//! nothing. Suppressed findings are not fixed: they are removed before fixes are applied.

use std::ops::Range;

use crate::compose::model::{FileId, Project};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::exceptions::{EXPIRED_META, EXPIRING_META, Status, Written, days};
use crate::line_index::LineIndex;
use crate::rules::RuleMeta;

pub const UNUSED_META: RuleMeta = RuleMeta {
    id: "unused-suppression",
    category: "suppression",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A `# composeguard: ignore` comment that suppresses nothing",
    docs: include_str!("../rules/docs/unused-suppression.md"),
};

pub const NO_REASON_META: RuleMeta = RuleMeta {
    id: "suppression-without-reason",
    category: "suppression",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A `# composeguard: ignore` comment that does not say why",
    docs: include_str!("../rules/docs/suppression-without-reason.md"),
};

const MARKER: &str = "composeguard:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Findings starting on these 0-based lines.
    Lines(usize, usize),
    /// Findings inside this byte range (a service).
    Range(Range<usize>),
    File,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    pub file: FileId,
    /// The comment's bytes.
    pub span: Range<usize>,
    /// Rule ids; empty means every rule (only for `ignore-file`).
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub scope: Scope,
    /// `ignore`, `ignore-service` or `ignore-file`.
    pub kind: &'static str,
    /// `until=` as written and as read.
    pub until: Option<(String, Written)>,
    /// `owner=`.
    pub owner: Option<String>,
}

/// Problems in a suppression comment itself (unknown directive).
#[derive(Debug, Clone)]
pub struct Malformed {
    pub file: FileId,
    pub span: Range<usize>,
    pub message: String,
}

/// Reads every suppression comment of every file of a project.
pub fn collect(project: &Project) -> (Vec<Suppression>, Vec<Malformed>) {
    let mut found = Vec::new();
    let mut malformed = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        let text = file.text();
        if !text.contains(MARKER) {
            continue;
        }
        let index = LineIndex::new(text);
        let first_content = first_content_offset(project, file_id);
        for comment in &file.tree.comments {
            let body = text[comment.span.clone()].trim_start_matches('#').trim();
            let Some(directive) = body.strip_prefix(MARKER) else {
                continue;
            };
            let directive = directive.trim();
            match parse_directive(directive) {
                Ok(Directive {
                    kind,
                    rules,
                    reason,
                    until,
                    owner,
                }) => {
                    let line = index.position(text, comment.span.start).line;
                    let scope = match kind {
                        "ignore" => {
                            // A comment alone on its line covers the next line; a trailing one, its own.
                            let own_line = text[index.line_start(line)..comment.span.start]
                                .trim()
                                .is_empty();
                            if own_line {
                                Scope::Lines(line, line + 1)
                            } else {
                                Scope::Lines(line, line)
                            }
                        }
                        "ignore-service" => match service_at(project, file_id, &index, line) {
                            Some(range) => Scope::Range(range),
                            None => {
                                malformed.push(Malformed {
                                    file: file_id,
                                    span: comment.span.clone(),
                                    message: "`ignore-service` must be on a service's key line or the line above it".into(),
                                });
                                continue;
                            }
                        },
                        "ignore-file" => {
                            if comment.span.start > first_content {
                                malformed.push(Malformed {
                                    file: file_id,
                                    span: comment.span.clone(),
                                    message: "`ignore-file` must be in the comments at the top of the file".into(),
                                });
                                continue;
                            }
                            Scope::File
                        }
                        _ => unreachable!("parse_directive returns known kinds"),
                    };
                    found.push(Suppression {
                        file: file_id,
                        span: comment.span.clone(),
                        rules,
                        reason,
                        scope,
                        kind,
                        until,
                        owner,
                    });
                }
                Err((message, at)) => {
                    // A bad value is pointed at itself (its column), the rest at the comment.
                    let span = match at {
                        Some(part) => {
                            let start = part.as_ptr() as usize - text.as_ptr() as usize;
                            start..start + part.len()
                        }
                        None => comment.span.clone(),
                    };
                    malformed.push(Malformed {
                        file: file_id,
                        span,
                        message,
                    })
                }
            }
        }
    }
    (found, malformed)
}

/// A suppression comment, read.
struct Directive {
    kind: &'static str,
    rules: Vec<String>,
    reason: Option<String>,
    until: Option<(String, Written)>,
    owner: Option<String>,
}

/// Why a comment is not a suppression, and the part of it at fault (a slice of the comment).
type Problem<'a> = (String, Option<&'a str>);

/// `ignore[a, b] until=2027-01-31 owner=@team reason` -> ignore, [a, b], the date, the owner
/// and the reason.
fn parse_directive(directive: &str) -> Result<Directive, Problem<'_>> {
    let plain = |message: String| (message, None);
    let (kind, rest) = if let Some(rest) = directive.strip_prefix("ignore-service") {
        ("ignore-service", rest)
    } else if let Some(rest) = directive.strip_prefix("ignore-file") {
        ("ignore-file", rest)
    } else if let Some(rest) = directive.strip_prefix("ignore") {
        ("ignore", rest)
    } else {
        return Err(plain(format!(
            "unknown composeguard directive {directive:?}: use ignore[...], ignore-service[...] or ignore-file"
        )));
    };
    let (rules, reason_text) = match rest.strip_prefix('[') {
        Some(inner) => {
            let Some((list, after)) = inner.split_once(']') else {
                return Err(plain(format!("unclosed `[` in `{kind}`")));
            };
            let rules: Vec<String> = list
                .split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect();
            (rules, after)
        }
        None if kind == "ignore-file" => (Vec::new(), rest),
        None => {
            return Err(plain(format!(
                "`{kind}` needs the rule ids in brackets: {kind}[rule-id]"
            )));
        }
    };
    if kind != "ignore-file" && rules.is_empty() {
        return Err(plain(format!("`{kind}[]` names no rule")));
    }
    for rule in &rules {
        if crate::rules::find(rule).is_none() {
            return Err(plain(format!("unknown rule {rule:?} in a suppression")));
        }
    }
    // `until=` and `owner=`, in any order, before the reason.
    let mut until = None;
    let mut owner = None;
    let mut rest = reason_text.trim_start();
    loop {
        let token = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        if let Some(value) = token.strip_prefix("until=") {
            if until.is_some() {
                return Err(("`until=` is given twice".into(), Some(token)));
            }
            let date = crate::exceptions::date::parse(value)
                .map_err(|why| (format!("until= in a suppression: {why}"), Some(value)))?;
            until = Some((value.to_string(), date));
        } else if let Some(value) = token.strip_prefix("owner=") {
            if owner.is_some() {
                return Err(("`owner=` is given twice".into(), Some(token)));
            }
            if value.is_empty() {
                return Err(("`owner=` names no one".into(), Some(token)));
            }
            owner = Some(value.to_string());
        } else {
            break;
        }
        rest = rest[token.len()..].trim_start();
    }
    let reason = rest.trim().trim_start_matches(['-', ':', '—']).trim();
    Ok(Directive {
        kind,
        rules,
        reason: (!reason.is_empty()).then(|| reason.to_string()),
        until,
        owner,
    })
}

/// Offset of the first byte that is not a comment, blank or `---`.
fn first_content_offset(project: &Project, file: FileId) -> usize {
    let text = project.files[file].text();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim().trim_start_matches('\u{feff}');
        if !(t.is_empty() || t.starts_with('#') || t == "---") {
            return offset;
        }
        offset += line.len();
    }
    text.len()
}

/// The byte range of the service whose key is on `line` or on the line below it.
fn service_at(
    project: &Project,
    file: FileId,
    index: &LineIndex,
    line: usize,
) -> Option<Range<usize>> {
    let text = project.files[file].text();
    project
        .services
        .iter()
        .flat_map(|s| s.layers.iter().map(move |l| (s, l)))
        .find_map(|(service, layer)| {
            if layer.file != file || service.key.file != file {
                return None;
            }
            let tree = &project.files[file].tree;
            let key_line = index.position(text, tree.span(service.key.node).start).line;
            (key_line == line || key_line == line + 1)
                .then(|| tree.span(service.key.node).start..tree.span(layer.node).end)
        })
}

impl Suppression {
    fn covers(&self, d: &Diagnostic, index: &LineIndex, text: &str) -> bool {
        if d.file != self.file
            || (!self.rules.is_empty() && !self.rules.iter().any(|r| r == d.rule))
        {
            return false;
        }
        match &self.scope {
            Scope::File => true,
            Scope::Range(r) => r.start <= d.span.start && d.span.start < r.end.max(r.start + 1),
            Scope::Lines(a, b) => {
                let line = index.position(text, d.span.start).line;
                *a <= line && line <= *b
            }
        }
    }
}

/// Which problems of the exceptions themselves [`apply`] reports (each only when its rule is
/// enabled).
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    /// `suppression-without-reason`.
    pub reason: bool,
    /// `unused-suppression` (only meaningful when every rule ran).
    pub unused: bool,
    /// `expired-exception` and `expiring-exception`.
    pub expiry: bool,
}

impl Checks {
    /// Suppressions only remove findings (`audit`).
    pub const NONE: Checks = Checks {
        reason: false,
        unused: false,
        expiry: false,
    };
}

/// Where an exception is written.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A comment of a compose file of the project.
    Comment(Suppression),
    /// The index of an `[[exceptions]]` entry of the config ([`crate::exceptions::Policy`]).
    Config(usize),
}

/// An exception and what it did in one project.
#[derive(Debug, Clone)]
pub struct ExceptionUse {
    pub origin: Origin,
    pub status: Status,
    /// How many findings it suppressed.
    pub suppressed: usize,
}

/// Removes suppressed findings, and reports the problems of the exceptions that `checks` asks
/// for.
pub fn apply(
    project: &Project,
    diagnostics: Vec<Diagnostic>,
    config: &Config,
    checks: Checks,
) -> Vec<Diagnostic> {
    apply_recorded(project, diagnostics, config, checks).0
}

/// [`apply`], and what each exception did (`composeguard exceptions`).
pub fn apply_recorded(
    project: &Project,
    diagnostics: Vec<Diagnostic>,
    config: &Config,
    checks: Checks,
) -> (Vec<Diagnostic>, Vec<ExceptionUse>) {
    let policy = &config.exceptions;
    let entries = &policy.entries;
    let (suppressions, malformed) = collect(project);
    if suppressions.is_empty() && malformed.is_empty() && entries.is_empty() {
        return (diagnostics, Vec::new());
    }
    let enabled = |meta: &RuleMeta| config.is_enabled(meta);
    let indexes: Vec<LineIndex> = project
        .files
        .iter()
        .map(|f| LineIndex::new(f.text()))
        .collect();
    let statuses: Vec<Status> = suppressions
        .iter()
        .map(|s| Status::of(s.until.as_ref().map(|u| u.1), policy))
        .collect();
    let entry_statuses: Vec<Status> = entries
        .iter()
        .map(|e| Status::of(e.until.as_ref().map(|u| u.1), policy))
        .collect();
    let mut used = vec![0; suppressions.len()];
    let mut entry_used = vec![0; entries.len()];
    let mut entry_warned: std::collections::HashSet<(usize, FileId)> = Default::default();
    let mut reported = Vec::new();
    let mut kept = Vec::new();
    for d in diagnostics {
        let text = project.files[d.file].text();
        let mut suppressed = false;
        for (i, s) in suppressions.iter().enumerate() {
            if statuses[i].suppresses() && s.covers(&d, &indexes[d.file], text) {
                used[i] += 1;
                suppressed = true;
            }
        }
        if !suppressed && !entries.is_empty() {
            let mut expired = Vec::new();
            for (j, entry) in entries.iter().enumerate() {
                if !entry_matches(entry, &d, project, config) {
                    continue;
                }
                if !entry_statuses[j].suppresses() {
                    expired.push(j);
                    continue;
                }
                entry_used[j] += 1;
                suppressed = true;
                if let Status::Expiring { days_left } = entry_statuses[j]
                    && checks.expiry
                    && enabled(&EXPIRING_META)
                    && entry_warned.insert((j, d.file))
                {
                    reported.push(Diagnostic::new(
                        EXPIRING_META.id,
                        config.severity_of(&EXPIRING_META),
                        d.file,
                        d.span.clone(),
                        format!(
                            "the exception of {} in {}{} suppresses a finding here and expires in {}",
                            entry.rule,
                            entry_place(entry),
                            about(entry.until.as_ref(), entry.owner.as_deref()),
                            days(days_left)
                        ),
                    ).with_help(RENEW_HELP));
                }
            }
            if !suppressed && checks.expiry && enabled(&EXPIRED_META) {
                for j in expired {
                    let entry = &entries[j];
                    reported.push(
                        Diagnostic::new(
                            EXPIRED_META.id,
                            config.severity_of(&EXPIRED_META),
                            d.file,
                            d.span.clone(),
                            format!(
                                "the exception of {} in {}{} has expired: this finding is reported again",
                                entry.rule,
                                entry_place(entry),
                                about(entry.until.as_ref(), entry.owner.as_deref()),
                            ),
                        )
                        .with_help(RENEW_HELP),
                    );
                }
            }
        }
        if !suppressed {
            kept.push(d);
        }
    }
    kept.extend(reported);
    for m in malformed {
        kept.push(Diagnostic::new(
            UNUSED_META.id,
            Severity::Warning,
            m.file,
            m.span,
            m.message,
        ));
    }
    for (i, s) in suppressions.iter().enumerate() {
        let what = if s.rules.is_empty() {
            "any finding".to_string()
        } else {
            s.rules.join(", ")
        };
        let status = statuses[i];
        let about = about(s.until.as_ref(), s.owner.as_deref());
        if checks.expiry {
            match status {
                Status::Expired { .. } if enabled(&EXPIRED_META) => kept.push(
                    Diagnostic::new(
                        EXPIRED_META.id,
                        config.severity_of(&EXPIRED_META),
                        s.file,
                        s.span.clone(),
                        format!(
                            "this exception of {what}{about} has expired: it no longer suppresses"
                        ),
                    )
                    .with_help(RENEW_HELP),
                ),
                Status::Expiring { days_left } if enabled(&EXPIRING_META) => kept.push(
                    Diagnostic::new(
                        EXPIRING_META.id,
                        config.severity_of(&EXPIRING_META),
                        s.file,
                        s.span.clone(),
                        format!(
                            "this exception of {what}{about} expires in {}",
                            days(days_left)
                        ),
                    )
                    .with_help(RENEW_HELP),
                ),
                _ => {}
            }
        }
        // An expired exception is reported as such, not also as unused.
        if checks.unused && used[i] == 0 && status.suppresses() && enabled(&UNUSED_META) {
            kept.push(
                Diagnostic::new(UNUSED_META.id, UNUSED_META.severity, s.file, s.span.clone(), format!("this suppression of {what} suppresses nothing"))
                    .with_help("remove the comment, or move it to the line of the finding or the line above it"),
            );
        }
        if checks.reason && s.reason.is_none() && enabled(&NO_REASON_META) {
            kept.push(
                Diagnostic::new(NO_REASON_META.id, NO_REASON_META.severity, s.file, s.span.clone(), "this suppression does not say why")
                    .with_help("add the reason after the brackets: `# composeguard: ignore[rule-id] reached only over the VPN`"),
            );
        }
    }
    let uses = suppressions
        .into_iter()
        .zip(statuses)
        .zip(used)
        .map(|((s, status), suppressed)| ExceptionUse {
            origin: Origin::Comment(s),
            status,
            suppressed,
        })
        .chain(entry_statuses.into_iter().zip(entry_used).enumerate().map(
            |(j, (status, suppressed))| ExceptionUse {
                origin: Origin::Config(j),
                status,
                suppressed,
            },
        ))
        .collect();
    (kept, uses)
}

const RENEW_HELP: &str =
    "fix what it excuses, or renew it with a later `until=` and say why it must stay";

/// ` (until=2027-01-31, owner @db-team)`, or nothing.
fn about(until: Option<&(String, Written)>, owner: Option<&str>) -> String {
    let parts: Vec<String> = until
        .map(|(text, _)| format!("until={text}"))
        .into_iter()
        .chain(owner.map(|o| format!("owner {o}")))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// `composeguard.toml:12`, the config file as the user would type it.
pub fn entry_place(entry: &crate::exceptions::ConfigException) -> String {
    let path = &entry.config;
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            path.strip_prefix(cwd)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or_else(|| path.clone());
    format!("{}:{}", shown.display(), entry.line)
}

/// Whether an `[[exceptions]]` entry covers a finding: its rule, its file, its service.
fn entry_matches(
    entry: &crate::exceptions::ConfigException,
    d: &Diagnostic,
    project: &Project,
    config: &Config,
) -> bool {
    let rule_matches = entry.rule == "all"
        || entry.rule == d.rule
        || crate::rules::find(d.rule).is_some_and(|r| r.meta.category == entry.rule);
    if !rule_matches {
        return false;
    }
    if let Some(glob) = &entry.glob
        && !glob.is_match(config.relative(&project.files[d.file].path))
    {
        return false;
    }
    match &entry.service {
        Some(name) => service_of(project, d.file, d.span.start) == Some(name.as_str()),
        None => true,
    }
}

/// The service whose entry (key included) holds a byte of a file.
pub fn service_of(project: &Project, file: FileId, offset: usize) -> Option<&str> {
    let tree = &project.files[file].tree;
    project.services.iter().find_map(|service| {
        service
            .layers
            .iter()
            .filter(|layer| layer.file == file)
            .any(|layer| {
                let body = tree.span(layer.node);
                let start = if service.key.file == file {
                    tree.span(service.key.node).start.min(body.start)
                } else {
                    body.start
                };
                start <= offset && offset < body.end.max(start + 1)
            })
            .then_some(service.name.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_and_owner_in_any_order_before_the_reason() {
        for text in [
            "ignore[sensitive-port-exposed] until=2027-01-31 owner=@db-team debugging replication",
            "ignore[sensitive-port-exposed] owner=@db-team until=2027-01-31 debugging replication",
            "ignore[sensitive-port-exposed]   owner=@db-team   until=2027-01-31 - debugging replication",
        ] {
            let d = parse_directive(text).unwrap_or_else(|e| panic!("{text}: {}", e.0));
            assert_eq!(d.kind, "ignore");
            assert_eq!(d.until.as_ref().unwrap().0, "2027-01-31");
            assert_eq!(d.owner.as_deref(), Some("@db-team"));
            assert_eq!(d.reason.as_deref(), Some("debugging replication"), "{text}");
        }
        // Only before the reason: later, `until=` is words of the reason.
        let d = parse_directive("ignore-file reason mentions until=never").unwrap();
        assert!(d.until.is_none());
        assert_eq!(d.reason.as_deref(), Some("reason mentions until=never"));
        let d = parse_directive("ignore-file until=2027-01-31T12:00:00+02:00").unwrap();
        assert_eq!(d.until.unwrap().0, "2027-01-31T12:00:00+02:00");
        assert!(d.reason.is_none());
    }

    #[test]
    fn bad_values_point_at_themselves() {
        let text = "ignore[privileged] until=2027-13-01 owner=@x why";
        let (message, at) = parse_directive(text).err().unwrap();
        assert!(message.contains("invalid date \"2027-13-01\""), "{message}");
        assert_eq!(at, Some("2027-13-01"));
        let (message, at) =
            parse_directive("ignore[privileged] until=2027-01-01 until=2027-02-01 why")
                .err()
                .unwrap();
        assert!(message.contains("twice"), "{message}");
        assert_eq!(at, Some("until=2027-02-01"));
        let (message, _) = parse_directive("ignore[privileged] owner= why")
            .err()
            .unwrap();
        assert!(message.contains("names no one"), "{message}");
    }
}
