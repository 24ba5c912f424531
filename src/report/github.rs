//! GitHub Actions workflow commands: `::error file=...,line=...::message` lines that the
//! runner turns into annotations on the pull request, and a Markdown table for the job's
//! step summary (`$GITHUB_STEP_SUMMARY`).

use std::fmt::Write;
use std::path::Path;

use super::{FileReport, PathStyle, SpanIndex, rule_help_uri};
use crate::diagnostic::Severity;

/// The workflow command of a severity.
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a command's message (the text after `::`).
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command's property value (`file=`, `title=`): the message escapes plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_data(text).chars() {
        match c {
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// One line per finding. Lines are 1-based, columns 1-based in characters, `endColumn` is the
/// column just after the finding. The message is followed by the help, when there is one.
pub fn render(reports: &[FileReport], paths: &PathStyle) -> String {
    let mut out = String::new();
    for (report, diagnostics) in super::sorted(reports) {
        let index = SpanIndex::new(&report.text);
        let file = escape_property(&paths.display(&report.path));
        for d in diagnostics {
            let at = index.locate(&d.span);
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\n\nhelp: ");
                message.push_str(help);
            }
            if let Some(fix) = &d.fix {
                let how = match fix.applicability {
                    crate::fix::Applicability::Safe => "fixable with `composeguard check --fix`",
                    crate::fix::Applicability::Unsafe => {
                        "fixable with `composeguard check --fix --unsafe-fixes`"
                    }
                    crate::fix::Applicability::DisplayOnly => "suggested fix",
                };
                let _ = write!(message, "\n{}: {how}", fix.title);
            }
            let _ = writeln!(
                out,
                "::{} file={file},line={},col={},endLine={},endColumn={},title={}::{}",
                command(d.severity),
                at.start.line + 1,
                at.start.char_col + 1,
                at.end.line + 1,
                at.end.char_col + 1,
                escape_property(d.rule),
                escape_data(&message),
            );
        }
    }
    out
}

/// The Markdown the job summary shows: counts, then a table of every finding (file:line,
/// severity, rule, message). File paths follow `GITHUB_WORKSPACE` as the annotations do.
pub fn step_summary(reports: &[FileReport]) -> String {
    step_summary_with(reports, &PathStyle::from_env("GITHUB_WORKSPACE"))
}

pub fn step_summary_with(reports: &[FileReport], paths: &PathStyle) -> String {
    let mut out = String::from("## composeguard\n\n");
    let sorted = super::sorted(reports);
    let count = |s: Severity| {
        sorted
            .iter()
            .flat_map(|(_, ds)| ds.iter())
            .filter(|d| d.severity == s)
            .count()
    };
    let total: usize = sorted.iter().map(|(_, ds)| ds.len()).sum();
    if total == 0 {
        out.push_str("No findings: every compose file checked is clean.\n");
        return out;
    }
    let files = sorted.iter().filter(|(_, ds)| !ds.is_empty()).count();
    let _ = writeln!(
        out,
        "{total} finding(s) in {files} file(s): {} error(s), {} warning(s), {} info.\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    out.push_str("| Location | Severity | Rule | Message |\n");
    out.push_str("| --- | --- | --- | --- |\n");
    for (report, diagnostics) in &sorted {
        let index = SpanIndex::new(&report.text);
        let path = paths.display(&report.path);
        for d in diagnostics {
            let at = index.locate(&d.span);
            let _ = writeln!(
                out,
                "| {}:{} | {} | [{}]({}) | {} |",
                cell(&path),
                at.start.line + 1,
                d.severity,
                cell(d.rule),
                rule_help_uri(d.rule),
                cell(&d.message),
            );
        }
    }
    out
}

/// Appends the step summary to the file `$GITHUB_STEP_SUMMARY` names, when it is set.
/// Returns whether something was written.
pub fn append_step_summary(reports: &[FileReport]) -> std::io::Result<bool> {
    let Some(target) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()) else {
        return Ok(false);
    };
    append(Path::new(&target), &step_summary(reports))?;
    Ok(true)
}

/// The job summary of a run that found no compose file to check (not "no findings").
pub const NO_FILES_SUMMARY: &str =
    "## composeguard\n\nNo compose files found: nothing was checked.\n";

/// Appends [`NO_FILES_SUMMARY`] to `$GITHUB_STEP_SUMMARY`, when it is set.
pub fn append_no_files_summary() -> std::io::Result<bool> {
    let Some(target) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()) else {
        return Ok(false);
    };
    append(Path::new(&target), NO_FILES_SUMMARY)?;
    Ok(true)
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// A Markdown table cell: no line breaks, `|` escaped, HTML shown as text.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        assert_eq!(cell("a|b\n<c>&"), "a\\|b<br>&lt;c&gt;&amp;");
    }
}
