//! `file:line:col: severity rule-id message`, one line per finding.

use std::fmt::Write;

use super::FileReport;
use crate::limits::escape_controls;
use crate::line_index::LineIndex;

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let index = LineIndex::new(&report.text);
        for d in &report.diagnostics {
            let pos = index.position(&report.text, d.span.start);
            let _ = writeln!(
                out,
                "{}:{}:{}: {} {} {}",
                escape_controls(&report.path.display().to_string()),
                pos.line + 1,
                pos.char_col + 1,
                d.severity,
                d.rule,
                escape_controls(&d.message)
            );
        }
    }
    out
}
