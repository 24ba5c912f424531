//! The default view: each finding with its source line, a label under the span and the help,
//! rendered by miette.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use super::FileReport;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;

pub fn render(reports: &[FileReport], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for report in reports {
        let name = report.path.display().to_string();
        for d in &report.diagnostics {
            let source = NamedSource::new(name.clone(), report.text.clone()).with_language("yaml");
            let diagnostic = to_miette(d).with_source_code(source);
            let _ = handler.render_report(&mut out, diagnostic.as_ref());
            out.push('\n');
        }
    }
    out
}

fn to_miette(d: &Diagnostic) -> miette::Report {
    let mut m = MietteDiagnostic::new(d.message.clone())
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
        let label = LabeledSpan::new_with_span(Some(text.clone()), span.clone());
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
        m = m.with_help(help);
    }
    miette::Report::new(m)
}
