//! Inline suppressions:
//!
//! - `# composeguard: ignore[rule-id, other-id] reason` on the line of a finding or the line
//!   above it;
//! - `# composeguard: ignore-service[rule-id] reason` on a service's key line (or the line
//!   above it): every finding of those rules inside the service;
//! - `# composeguard: ignore-file[rule-id] reason` (or `ignore-file` for every rule) in the
//!   comments at the top of the file.
//!
//! A suppression with no reason is reported (configurable), and so is one that suppresses
//! nothing. Suppressed findings are not fixed: they are removed before fixes are applied.

use std::ops::Range;

use crate::compose::model::{FileId, Project};
use crate::diagnostic::{Diagnostic, Severity};
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
                Ok((kind, rules, reason)) => {
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
                    });
                }
                Err(message) => malformed.push(Malformed {
                    file: file_id,
                    span: comment.span.clone(),
                    message,
                }),
            }
        }
    }
    (found, malformed)
}

/// `ignore[a, b] reason` -> ("ignore", [a, b], Some(reason)).
fn parse_directive(directive: &str) -> Result<(&'static str, Vec<String>, Option<String>), String> {
    let (kind, rest) = if let Some(rest) = directive.strip_prefix("ignore-service") {
        ("ignore-service", rest)
    } else if let Some(rest) = directive.strip_prefix("ignore-file") {
        ("ignore-file", rest)
    } else if let Some(rest) = directive.strip_prefix("ignore") {
        ("ignore", rest)
    } else {
        return Err(format!(
            "unknown composeguard directive {directive:?}: use ignore[...], ignore-service[...] or ignore-file"
        ));
    };
    let (rules, reason_text) = match rest.strip_prefix('[') {
        Some(inner) => {
            let Some((list, after)) = inner.split_once(']') else {
                return Err(format!("unclosed `[` in `{kind}`"));
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
            return Err(format!(
                "`{kind}` needs the rule ids in brackets: {kind}[rule-id]"
            ));
        }
    };
    if kind != "ignore-file" && rules.is_empty() {
        return Err(format!("`{kind}[]` names no rule"));
    }
    for rule in &rules {
        if crate::rules::find(rule).is_none() {
            return Err(format!("unknown rule {rule:?} in a suppression"));
        }
    }
    let reason = reason_text
        .trim()
        .trim_start_matches(['-', ':', '—'])
        .trim();
    Ok((
        kind,
        rules,
        (!reason.is_empty()).then(|| reason.to_string()),
    ))
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

/// Removes suppressed findings, and reports unused and unexplained suppressions (when those
/// rules are enabled).
pub fn apply(
    project: &Project,
    diagnostics: Vec<Diagnostic>,
    enabled: &dyn Fn(&RuleMeta) -> bool,
    require_reason: bool,
    report_unused: bool,
) -> Vec<Diagnostic> {
    let (suppressions, malformed) = collect(project);
    if suppressions.is_empty() && malformed.is_empty() {
        return diagnostics;
    }
    let indexes: Vec<LineIndex> = project
        .files
        .iter()
        .map(|f| LineIndex::new(f.text()))
        .collect();
    let mut used = vec![false; suppressions.len()];
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| {
            let text = project.files[d.file].text();
            let mut suppressed = false;
            for (i, s) in suppressions.iter().enumerate() {
                if s.covers(d, &indexes[d.file], text) {
                    used[i] = true;
                    suppressed = true;
                }
            }
            !suppressed
        })
        .collect();
    for m in malformed {
        kept.push(Diagnostic::new(
            UNUSED_META.id,
            Severity::Warning,
            m.file,
            m.span,
            m.message,
        ));
    }
    for (s, used) in suppressions.iter().zip(used) {
        if report_unused && !used && enabled(&UNUSED_META) {
            let what = if s.rules.is_empty() {
                "any finding".to_string()
            } else {
                s.rules.join(", ")
            };
            kept.push(
                Diagnostic::new(UNUSED_META.id, UNUSED_META.severity, s.file, s.span.clone(), format!("this suppression of {what} suppresses nothing"))
                    .with_help("remove the comment, or move it to the line of the finding or the line above it"),
            );
        }
        if require_reason && s.reason.is_none() && enabled(&NO_REASON_META) {
            kept.push(
                Diagnostic::new(NO_REASON_META.id, NO_REASON_META.severity, s.file, s.span.clone(), "this suppression does not say why")
                    .with_help("add the reason after the brackets: `# composeguard: ignore[rule-id] reached only over the VPN`"),
            );
        }
    }
    kept
}
