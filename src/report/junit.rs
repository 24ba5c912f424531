//! JUnit XML, for CI systems that show test reports: a `<testsuite>` per file, a
//! `<testcase>` with a `<failure>` per finding. A file without findings is one passing test
//! case, and so is a run without any report, so the report never holds zero tests.

use std::fmt::Write;

use super::{FileReport, SpanIndex, TOOL_NAME, slashed};

pub fn render(reports: &[FileReport]) -> String {
    let sorted = super::sorted(reports);
    let findings: usize = sorted.iter().map(|(_, ds)| ds.len()).sum();
    let cases: usize = sorted
        .iter()
        .map(|(_, ds)| ds.len().max(1))
        .sum::<usize>()
        .max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{TOOL_NAME}\" tests=\"{cases}\" failures=\"{findings}\" errors=\"0\">"
    );
    if sorted.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{TOOL_NAME}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    <testcase name=\"no findings\" classname=\"{TOOL_NAME}\"/>\n  </testsuite>"
        );
    }
    for (report, diagnostics) in sorted {
        let path = slashed(&report.path);
        let file = attr(&path);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            diagnostics.len().max(1),
            diagnostics.len()
        );
        if diagnostics.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase name=\"no findings\" classname=\"{file}\" file=\"{file}\"/>"
            );
        }
        let index = SpanIndex::new(&report.text);
        for d in diagnostics {
            let at = index.locate(&d.span);
            let (line, column) = (at.start.line + 1, at.start.char_col + 1);
            let mut body = format!(
                "{path}:{line}:{column}: {} {} {}",
                d.severity, d.rule, d.message
            );
            if let Some(help) = &d.help {
                let _ = write!(body, "\nhelp: {help}");
            }
            if let Some(fix) = &d.fix {
                let _ = write!(
                    body,
                    "\nfix ({}): {}",
                    applicability(fix.applicability),
                    fix.title
                );
            }
            let _ = writeln!(
                out,
                "    <testcase name=\"{} at {line}:{column}\" classname=\"{file}\" file=\"{file}\" line=\"{line}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                attr(d.rule),
                attr(&d.message),
                d.severity,
                text(&body),
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn applicability(a: crate::fix::Applicability) -> &'static str {
    match a {
        crate::fix::Applicability::Safe => "safe",
        crate::fix::Applicability::Unsafe => "unsafe",
        crate::fix::Applicability::DisplayOnly => "display-only",
    }
}

/// Characters XML 1.0 cannot hold at all become U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 => '\u{FFFD}',
        '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// Escapes element text.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (quoted with `"`); line breaks and tabs survive as references.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
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
        assert_eq!(
            attr("a<\"b\"&'\n\u{1}"),
            "a&lt;&quot;b&quot;&amp;&apos;&#10;\u{FFFD}"
        );
        assert_eq!(text("a<b>&\r\n"), "a&lt;b&gt;&amp;&#13;\n");
    }
}
