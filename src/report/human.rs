//! The default view: each finding with its source line, a label under the span and the help,
//! rendered by miette.

use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::FileReport;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::limits::escape_controls;
use crate::line_index::LineIndex;

/// The text as shown under a finding: control characters other than line breaks and tabs
/// become `?` (or `¿` for a two-byte C1 control), byte for byte, so spans stay where they
/// are.
fn shown_text(text: &Arc<str>) -> Arc<str> {
    let is_hidden = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(is_hidden) {
        return text.clone();
    }
    let shown: String = text
        .chars()
        .map(|c| match c {
            c if is_hidden(c) && c.len_utf8() == 1 => '?',
            c if is_hidden(c) => '¿',
            c => c,
        })
        .collect();
    Arc::from(shown)
}

pub fn render(reports: &[FileReport], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = handler(theme);
    let mut out = String::new();
    for report in reports {
        // A file name or a line with control characters must not drive the terminal.
        let name = escape_controls(&report.path.display().to_string()).into_owned();
        let text = IndexedText::new(shown_text(&report.text));
        for d in &report.diagnostics {
            let source = NamedSource::new(name.clone(), text.clone()).with_language("yaml");
            let mut diagnostic = to_miette(d);
            // miette cannot show a line thousands of characters long (it panics on the
            // padding past column 65,535): a finding whose lines, or the lines shown around
            // them, hold one is shown by its position, without its lines.
            let spans = std::iter::once(&d.span).chain(d.labels.iter().map(|(s, _)| s));
            if spans.into_iter().any(|s| text.too_long_to_show(s)) {
                let at = text.index.position(&text.text, d.span.start);
                diagnostic.message = format!(
                    "{name}:{}:{}: {} (its line is too long to show)",
                    at.line + 1,
                    at.char_col + 1,
                    diagnostic.message
                );
                diagnostic.labels = None;
            }
            let diagnostic = WithSource { diagnostic, source };
            let _ = handler.render_report(&mut out, &diagnostic);
            out.push('\n');
        }
    }
    out
}

/// Lines are wrapped at 100 columns on spaces only: a command, a path, an address or a rule
/// name is never split at its hyphens or slashes (as wrapping by Unicode line break rules and
/// hyphenation would), and finding those breaks was half of the time of rendering.
fn handler(theme: GraphicalTheme) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// A finding and its file, as miette renders them. (miette's `Report` would carry both, but
/// making one asks the environment whether the terminal has colours, for every finding.)
#[derive(Debug)]
struct WithSource {
    diagnostic: MietteDiagnostic,
    source: NamedSource<IndexedText>,
}

impl std::fmt::Display for WithSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::error::Error for WithSource {}

impl miette::Diagnostic for WithSource {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }
}

/// A file's text for miette, with its line index. miette's own `SourceCode` for a `str`
/// scans from the start of the text to the span for every label of every finding
/// (quadratic in findings); this one hands it a window that starts a few lines above the
/// span, and shifts the result back, so each finding costs the lines it shows.
#[derive(Clone, Debug)]
struct IndexedText {
    text: Arc<str>,
    index: Arc<LineIndex>,
}

impl IndexedText {
    fn new(text: Arc<str>) -> Self {
        let index = Arc::new(LineIndex::new(&text));
        IndexedText { text, index }
    }
}

impl IndexedText {
    /// Whether a line of `span`, or the line before or after it (miette shows one line of
    /// context), is too long for miette to show.
    fn too_long_to_show(&self, span: &std::ops::Range<usize>) -> bool {
        let first = self.index.position(&self.text, span.start).line;
        let last = self.index.position(&self.text, span.end).line;
        (first.saturating_sub(1)..=last + 1)
            .any(|line| self.index.line_text(&self.text, line).len() > MAX_SHOWN_LINE_BYTES)
    }
}

/// The longest line shown with its finding.
const MAX_SHOWN_LINE_BYTES: usize = 10_000;

impl SourceCode for IndexedText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The window starts at a line start (after `\n`, `\r\n` or a lone `\r`, as miette
        // breaks lines) with more than `context_lines_before` line ends between it and the
        // span, so miette's scan of the window finds the same lines as a scan of the whole
        // text; lines, offsets and line counts are then shifted by what the window skipped.
        let line = self.index.position(&self.text, span.offset()).line;
        let first = line.saturating_sub(context_lines_before + 1);
        let skipped = self.index.line_start(first).min(self.text.len());
        let window = &self.text.as_bytes()[skipped..];
        let shifted = SourceSpan::new(span.offset().saturating_sub(skipped).into(), span.len());
        let inner = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            SourceSpan::new((inner.span().offset() + skipped).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

fn to_miette(d: &Diagnostic) -> MietteDiagnostic {
    let mut m = MietteDiagnostic::new(escape_controls(&d.message))
        .with_code(d.rule)
        .with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        });
    let mut labels: Vec<LabeledSpan> = Vec::new();
    if d.labels.is_empty() {
        labels.push(LabeledSpan::new_primary_with_span(None, d.span.clone()));
    }
    for (i, (span, text)) in d.labels.iter().enumerate() {
        let label =
            LabeledSpan::new_with_span(Some(escape_controls(text).into_owned()), span.clone());
        labels.push(if i == 0 {
            LabeledSpan::new_primary_with_span(label.label().map(str::to_string), span.clone())
        } else {
            label
        });
    }
    m = m.with_labels(labels);
    let mut help = d.help.clone().unwrap_or_default();
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            Applicability::Safe => "fixable with --fix",
            Applicability::Unsafe => "fixable with --fix --unsafe-fixes",
            Applicability::DisplayOnly => "suggested fix",
        };
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&format!("{}: {how}", fix.title));
    }
    if !help.is_empty() {
        m = m.with_help(escape_controls(&help));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What miette's own `SourceCode` for a `str` gives, for comparison.
    fn contents<'a>(c: &dyn SpanContents<'a>) -> (Vec<u8>, SourceSpan, usize, usize, usize) {
        (
            c.data().to_vec(),
            *c.span(),
            c.line(),
            c.column(),
            c.line_count(),
        )
    }

    #[test]
    fn windows_read_as_miette_reads_the_whole_text() {
        let texts = [
            "a: 1\nb:\n  c: [1, 2]\n\n  d: \"x\"\ne: é𝄞 y\n",
            "a: 1\r\nb: 2\r\n\r\nc:\r\n  - 3\r\n  - 4\r\n",
            "a\rb\r\rc\r\nd\n\re: f\r",
            "one line, no break",
            "\n\n\n\n\n\nx\n\n\n\n\n",
        ];
        for text in texts {
            let source = IndexedText::new(Arc::from(text));
            let mut offsets: Vec<usize> = (0..=text.len())
                .filter(|i| text.is_char_boundary(*i))
                .collect();
            offsets.push(text.len() + 3);
            for &start in &offsets {
                for &end in offsets.iter().filter(|e| **e >= start) {
                    let span = SourceSpan::new(start.into(), end - start);
                    for (before, after) in [(0, 0), (1, 1), (2, 2), (3, 1), (0, 2)] {
                        let ours = source.read_span(&span, before, after);
                        let theirs = text.read_span(&span, before, after);
                        match (ours, theirs) {
                            (Ok(o), Ok(t)) => assert_eq!(
                                contents(o.as_ref()),
                                contents(t.as_ref()),
                                "{text:?} {start}..{end} context {before}/{after}"
                            ),
                            (Err(_), Err(_)) => {}
                            (o, t) => panic!(
                                "{text:?} {start}..{end}: ours {:?}, miette's {:?}",
                                o.is_ok(),
                                t.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn long_paths_and_commands_are_wrapped_whole() {
        let path = "./docker__compose/pkg/e2e/testdata/TestPublishLocalInclude/common.yaml";
        let command = "ssh -N -L 15432:127.0.0.1:5432 -o ExitOnForwardFailure=yes user@db-bastion.example.org";
        let text: Arc<str> = Arc::from("include:\n  - common.yaml\n");
        let diagnostic = Diagnostic {
            help: Some(format!(
                "a tunnel, for one: {command} and then some-hyphenated-words"
            )),
            ..Diagnostic::new(
                "r",
                Severity::Error,
                0,
                11..22,
                format!("cannot read included file {path}: No such file or directory (os error 2)"),
            )
        };
        let out = render(
            &[FileReport {
                path: "compose.yaml".into(),
                text,
                diagnostics: vec![diagnostic],
            }],
            false,
        );
        assert!(out.lines().any(|l| l.contains(path)), "{out}");
        assert!(
            out.lines()
                .any(|l| l.contains("user@db-bastion.example.org")),
            "{out}"
        );
        assert!(
            out.lines().any(|l| l.contains("some-hyphenated-words")),
            "{out}"
        );
        assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    }

    #[test]
    fn many_findings_render_as_with_the_whole_text() {
        let mut text = String::from("services:\n");
        for i in 0..40 {
            text.push_str(&format!("  s{i}:\n    ports:\n      - \"{i}:5432\"\r\n"));
        }
        let text: Arc<str> = Arc::from(text);
        let diagnostics: Vec<Diagnostic> = text
            .match_indices('"')
            .step_by(2)
            .map(|(at, _)| Diagnostic {
                labels: vec![(at..at + 3, "here".into()), (at + 1..at + 2, "and".into())],
                ..Diagnostic::new("r", Severity::Error, 0, at..at + 4, "m")
            })
            .collect();
        let handler = handler(GraphicalTheme::unicode_nocolor());
        let ours = render(
            &[FileReport {
                path: "c.yaml".into(),
                text: text.clone(),
                diagnostics: diagnostics.clone(),
            }],
            false,
        );
        let mut theirs = String::new();
        for d in &diagnostics {
            let source = NamedSource::new("c.yaml", text.to_string()).with_language("yaml");
            let report = miette::Report::new(to_miette(d)).with_source_code(source);
            let _ = handler.render_report(&mut theirs, report.as_ref());
            theirs.push('\n');
        }
        assert_eq!(ours, theirs);
        assert!(ours.contains("c.yaml:121:9"), "{ours}");
    }

    #[test]
    fn findings_and_labels_anywhere_on_long_lines_render() {
        // miette panics on padding past column 65,535: every span that starts or ends on a
        // long line (single- or multi-line) must be shown by its position instead.
        let long = "x".repeat(70_000);
        let text: Arc<str> = Arc::from(format!("a: 1\nb: {long}\nc: 2\n{long}é\td: 3\n"));
        let len = text.len();
        let points = [
            0,
            3,
            5,
            8,
            40_000,
            70_005,
            70_009,
            70_013,
            100_000,
            len - 3,
            len,
        ];
        for &start in &points {
            for &end in points.iter().filter(|&&e| e >= start) {
                let diagnostic = Diagnostic {
                    labels: vec![(start..end, "here".into()), (0..1, "and".into())],
                    ..Diagnostic::new("r", Severity::Error, 0, start..end, "m")
                };
                let out = std::panic::catch_unwind(|| {
                    render(
                        &[FileReport {
                            path: "c.json".into(),
                            text: text.clone(),
                            diagnostics: vec![diagnostic.clone()],
                        }],
                        false,
                    )
                });
                let out = out.unwrap_or_else(|_| panic!("{start}..{end} panicked"));
                assert!(out.contains("c.json:"), "{start}..{end}: {out}");
                assert!(out.len() < 20_000, "{start}..{end}: {} bytes", out.len());
            }
        }
    }
}
