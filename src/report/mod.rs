//! Output formats. One file per format; each renders the outcome of a whole run.

pub mod concise;
pub mod diff;
pub mod human;

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;

/// One file's findings, ready to print.
#[derive(Debug)]
pub struct FileReport {
    /// The path as the user should see it.
    pub path: PathBuf,
    pub text: Arc<str>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Diagnostics with the source line, labels and help (default).
    Human,
    /// One line per finding: `file:line:col: severity rule-id message`.
    Concise,
}

/// What a format may need beyond the findings.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext {
    /// Colour escapes are allowed (human output on a terminal).
    pub color: bool,
}

/// Renders the findings of a run in a format.
pub fn render(format: OutputFormat, reports: &[FileReport], ctx: &RenderContext) -> String {
    match format {
        OutputFormat::Human => human::render(reports, ctx.color),
        OutputFormat::Concise => concise::render(reports),
    }
}
