//! GitLab Code Quality report: a JSON array of issues (the subset of the Code Climate format
//! that GitLab reads), for `artifacts: reports: codequality:`.

use serde::Serialize;

use super::{FileReport, Fingerprints, PathStyle, SpanIndex};
use crate::diagnostic::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    categories: Vec<&'static str>,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's severity (info, minor, major, critical, blocker) of a severity.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Paths are relative to `paths.base` (`CI_PROJECT_DIR` in GitLab CI) when inside it, as
/// GitLab matches them against the repository's files.
pub fn render(reports: &[FileReport], paths: &PathStyle) -> String {
    let mut issues = Vec::new();
    let mut fingerprints = Fingerprints::default();
    for (report, diagnostics) in super::sorted(reports) {
        let index = SpanIndex::new(&report.text);
        let path = paths.display(&report.path);
        for d in diagnostics {
            let at = index.locate(&d.span);
            let category = crate::rules::find(d.rule)
                .map(|r| r.meta.category)
                .unwrap_or("");
            issues.push(Issue {
                kind: "issue",
                description: format!("{}: {}", d.rule, d.message),
                check_name: d.rule,
                fingerprint: fingerprints.next(d.rule, &path, &d.message, index.snippet(&d.span)),
                severity: severity(d.severity),
                categories: vec![if category == "exposure" {
                    "Security"
                } else {
                    "Bug Risk"
                }],
                location: Location {
                    path: path.clone(),
                    lines: Lines {
                        begin: at.start.line + 1,
                        // An end at the start of a line (a span ending with its line break)
                        // belongs to the line before.
                        end: if at.end.line > at.start.line && at.end.byte_col == 0 {
                            at.end.line
                        } else {
                            at.end.line + 1
                        },
                    },
                },
            });
        }
    }
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_default();
    out.push('\n');
    out
}
