//! reviewdog Diagnostic Format, the `DiagnosticResult` message as JSON (`reviewdog -f=rdjson`).
//! Positions are 1-based lines and 1-based columns counted in UTF-8 bytes, ends exclusive, as
//! reviewdog.proto says; each fix edit is a suggestion.

use serde::Serialize;

use super::{FileReport, INFORMATION_URI, Located, SpanIndex, TOOL_NAME, rule_help_uri, slashed};
use crate::diagnostic::Severity;

#[derive(Serialize)]
struct DiagnosticResult<'a> {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    message: &'a str,
    location: Location,
    severity: &'static str,
    code: Code<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion<'a>>,
}

#[derive(Serialize)]
struct Location {
    path: String,
    range: Range,
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Code<'a> {
    value: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    range: Range,
    text: &'a str,
}

/// reviewdog's severity of a severity.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

fn range(at: Located) -> Range {
    Range {
        start: Position {
            line: at.start.line + 1,
            column: at.start.byte_col + 1,
        },
        end: Position {
            line: at.end.line + 1,
            column: at.end.byte_col + 1,
        },
    }
}

pub fn render(reports: &[FileReport]) -> String {
    let mut diagnostics = Vec::new();
    let mut worst: Option<Severity> = None;
    for (report, found) in super::sorted(reports) {
        let index = SpanIndex::new(&report.text);
        let path = slashed(&report.path);
        for d in found {
            worst = worst.max(Some(d.severity));
            let suggestions = d
                .fix
                .iter()
                .flat_map(|fix| &fix.edits)
                .map(|edit| Suggestion {
                    range: range(index.locate(&edit.range)),
                    text: &edit.content,
                })
                .collect();
            diagnostics.push(Diagnostic {
                message: &d.message,
                location: Location {
                    path: path.clone(),
                    range: range(index.locate(&d.span)),
                },
                severity: severity(d.severity),
                code: Code {
                    value: d.rule,
                    url: rule_help_uri(d.rule),
                },
                suggestions,
            });
        }
    }
    let result = DiagnosticResult {
        source: Source {
            name: TOOL_NAME,
            url: INFORMATION_URI,
        },
        severity: worst.map(severity),
        diagnostics,
    };
    let mut out = serde_json::to_string_pretty(&result).unwrap_or_default();
    out.push('\n');
    out
}
