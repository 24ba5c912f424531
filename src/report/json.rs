//! composeguard's own JSON document. The schema is versioned and documented in
//! docs/output-formats.md; a change that removes or changes a field bumps `version`.

use serde::Serialize;

use super::{FileReport, Located, SpanIndex, TOOL_NAME, TOOL_VERSION, rule_help_uri, slashed};
use crate::fix::Applicability;

/// The version of the document's schema.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    file: String,
    span: Span,
    start: LineColumn,
    end: LineColumn,
    labels: Vec<Label<'a>>,
    help: Option<&'a str>,
    url: String,
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Span {
    start: usize,
    end: usize,
}

impl From<&std::ops::Range<usize>> for Span {
    fn from(r: &std::ops::Range<usize>) -> Span {
        Span {
            start: r.start,
            end: r.end,
        }
    }
}

/// 1-based line; 1-based column counted in characters (Unicode scalar values).
#[derive(Serialize)]
struct LineColumn {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Label<'a> {
    message: &'a str,
    span: Span,
    start: LineColumn,
    end: LineColumn,
}

#[derive(Serialize)]
struct Fix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<Edit<'a>>,
}

#[derive(Serialize)]
struct Edit<'a> {
    range: Span,
    content: &'a str,
}

fn line_columns(at: Located) -> (LineColumn, LineColumn) {
    (
        LineColumn {
            line: at.start.line + 1,
            column: at.start.char_col + 1,
        },
        LineColumn {
            line: at.end.line + 1,
            column: at.end.char_col + 1,
        },
    )
}

pub fn render(reports: &[FileReport]) -> String {
    let mut findings = Vec::new();
    for (report, diagnostics) in super::sorted(reports) {
        let index = SpanIndex::new(&report.text);
        let file = slashed(&report.path);
        for d in diagnostics {
            let (start, end) = line_columns(index.locate(&d.span));
            let labels = d
                .labels
                .iter()
                .map(|(span, message)| {
                    let (start, end) = line_columns(index.locate(span));
                    Label {
                        message,
                        span: span.into(),
                        start,
                        end,
                    }
                })
                .collect();
            findings.push(Finding {
                rule: d.rule,
                severity: d.severity.as_str(),
                message: &d.message,
                file: file.clone(),
                span: (&d.span).into(),
                start,
                end,
                labels,
                help: d.help.as_deref(),
                url: rule_help_uri(d.rule),
                fix: d.fix.as_ref().map(|fix| Fix {
                    title: &fix.title,
                    applicability: fix.applicability,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| Edit {
                            range: (&e.range).into(),
                            content: &e.content,
                        })
                        .collect(),
                }),
            });
        }
    }
    let document = Document {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: TOOL_VERSION,
        },
        findings,
    };
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}
