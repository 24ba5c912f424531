//! Linting a buffer (its text, not the file on disk) and its findings as LSP diagnostics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    Location, NumberOrString, Uri,
};

use super::edits::Text;
use super::settings::config_or_default;
use crate::compose::project::{LoadFailure, LoadOptions, MAX_FILE_BYTES};
use crate::config::{Config, ConfigError};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::{CheckOptions, FileOutcome, check_project};

pub const SOURCE: &str = "composeguard";
/// The code of a buffer that cannot be read as a compose file at all.
pub const PARSE_ERROR_CODE: &str = "invalid-compose";
/// The code of an invalid configuration file (not a rule: it has no documentation page).
pub const CONFIG_ERROR_CODE: &str = "invalid-config";

/// A buffer to lint: its text, the path it is linted as, and the texts of the other open
/// documents (they stand in for those files when this one includes or extends them).
pub struct Buffer<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub others: HashMap<PathBuf, String>,
}

/// Lints (and with `fix`, fixes) a buffer with the configuration that applies to it now: the
/// outcome for the buffer itself.
pub fn check(buffer: &Buffer, fix: bool) -> Result<FileOutcome, LoadFailure> {
    check_with(buffer, fix, &config_or_default(buffer.path).0)
}

fn check_with(buffer: &Buffer, fix: bool, config: &Config) -> Result<FileOutcome, LoadFailure> {
    if buffer.text.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadFailure {
            path: buffer.path.to_path_buf(),
            text: None,
            offset: None,
            message: format!(
                "the document is {} bytes, more than the {MAX_FILE_BYTES} byte limit",
                buffer.text.len()
            ),
        });
    }
    // The buffer is linted as `check` lints its file: in the project `check` puts it in (an
    // override file with its base file, a base file with its override file), the buffer and
    // the other open documents standing in for their files.
    let main = crate::discover::override_base(buffer.path).unwrap_or_else(|| buffer.path.into());
    let mut texts = buffer.others.clone();
    texts.insert(buffer.path.to_path_buf(), buffer.text.to_string());
    let main_text = texts.remove(&main);
    let options = CheckOptions {
        config,
        fix,
        unsafe_fixes: false,
        load: LoadOptions {
            process_env: None,
            texts,
            ..LoadOptions::default()
        },
    };
    let outcome = check_project(&main, main_text, &options)?;
    for why in &outcome.fix_errors {
        super::log(format!("{}: {why}", buffer.path.display()));
    }
    outcome
        .files
        .into_iter()
        .find(|f| f.path == buffer.path)
        .ok_or_else(|| LoadFailure {
            path: buffer.path.to_path_buf(),
            text: None,
            offset: None,
            message: "the project has no files".into(),
        })
}

/// The diagnostics to publish for a buffer: its findings, or the one reason it cannot be
/// read; and first, when the config file that applies is invalid, why (the defaults are used).
pub fn diagnostics(uri: &Uri, buffer: &Buffer) -> Vec<LspDiagnostic> {
    let text = Text::new(buffer.text);
    let (config, config_error) = config_or_default(buffer.path);
    let mut out: Vec<LspDiagnostic> = config_error
        .iter()
        .map(|e| config_diagnostic(e, &text))
        .collect();
    match check_with(buffer, false, &config) {
        Ok(file) => out.extend(file.diagnostics.iter().map(|d| to_lsp(d, &text, uri))),
        Err(failure) => out.push(failure_diagnostic(&failure, buffer.path, &text, uri)),
    }
    out
}

fn config_diagnostic(e: &ConfigError, text: &Text) -> LspDiagnostic {
    LspDiagnostic {
        range: text.range(&(0..0)),
        severity: Some(DiagnosticSeverity::WARNING),
        code: Some(NumberOrString::String(CONFIG_ERROR_CODE.into())),
        source: Some(SOURCE.into()),
        message: format!(
            "{}: {}; linting with the default settings",
            e.path.display(),
            e.message
        ),
        ..LspDiagnostic::default()
    }
}

/// A finding as an LSP diagnostic (its spans are byte ranges of `text`).
pub fn to_lsp(d: &Diagnostic, text: &Text, uri: &Uri) -> LspDiagnostic {
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|(span, _)| *span != d.span)
        .map(|(span, label)| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), text.range(span)),
            message: label.clone(),
        })
        .collect();
    LspDiagnostic {
        range: text.range(&d.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: rule_href(d.rule).map(|href| CodeDescription { href }),
        source: Some(SOURCE.into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The one diagnostic of a buffer that cannot be loaded: `check`'s `invalid-compose` finding
/// when the problem is in the buffer, else one at the start naming the file (an included
/// file that does not parse, an unreadable `.env`).
fn failure_diagnostic(failure: &LoadFailure, path: &Path, text: &Text, uri: &Uri) -> LspDiagnostic {
    if failure.path == path && crate::engine::is_rejected_file(failure) {
        return to_lsp(&crate::engine::load_failure_finding(failure), text, uri);
    }
    let message = if failure.path == path {
        failure.message.clone()
    } else {
        format!("{}: {}", failure.path.display(), failure.message)
    };
    LspDiagnostic {
        range: text.range(&(0..0)),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(PARSE_ERROR_CODE.into())),
        code_description: rule_href(PARSE_ERROR_CODE).map(|href| CodeDescription { href }),
        source: Some(SOURCE.into()),
        message,
        ..LspDiagnostic::default()
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// Where a rule's documentation is read.
pub fn rule_href(rule: &str) -> Option<Uri> {
    format!("https://github.com/composeguard/composeguard/blob/main/rules/docs/{rule}.md")
        .parse()
        .ok()
}
