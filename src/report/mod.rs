//! Output formats. One file per format; each renders the outcome of a whole run.
//!
//! The machine formats (json, sarif, github, gitlab, junit, rdjson) are documented in
//! docs/output-formats.md; the helpers they share (positions, paths, rule URLs,
//! fingerprints) live here.

pub mod concise;
pub mod diff;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod rdjson;
pub mod sarif;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::line_index::{LineIndex, Position};

/// The tool's name in reports.
pub const TOOL_NAME: &str = "composeguard";
/// The tool's version in reports.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The project's home page.
pub const INFORMATION_URI: &str = "https://github.com/composeguard/composeguard";

/// The documentation page of a rule.
pub fn rule_help_uri(id: &str) -> String {
    format!("{INFORMATION_URI}/blob/main/rules/docs/{id}.md")
}

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
    /// composeguard's own JSON document (versioned schema, see docs/output-formats.md).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, IDE viewers).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`): inline annotations.
    Github,
    /// GitLab Code Quality report (a JSON array).
    Gitlab,
    /// JUnit XML: a test suite per file, a failed test case per finding.
    Junit,
    /// reviewdog Diagnostic Format (rdjson).
    Rdjson,
}

/// What a format may need beyond the findings.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext {
    /// Colour escapes are allowed (human output on a terminal).
    pub color: bool,
}

/// Renders the findings of a run in a format.
///
/// The CI formats name files relative to the CI's checkout when the run is inside one
/// (`GITHUB_WORKSPACE` for github and sarif, `CI_PROJECT_DIR` for gitlab), so that
/// annotations land on the right file whatever folder the tool ran in.
pub fn render(format: OutputFormat, reports: &[FileReport], ctx: &RenderContext) -> String {
    match format {
        OutputFormat::Human => human::render(reports, ctx.color),
        OutputFormat::Concise => concise::render(reports),
        OutputFormat::Json => json::render(reports),
        OutputFormat::Sarif => sarif::render(reports, &PathStyle::from_env("GITHUB_WORKSPACE")),
        OutputFormat::Github => github::render(reports, &PathStyle::from_env("GITHUB_WORKSPACE")),
        OutputFormat::Gitlab => gitlab::render(reports, &PathStyle::from_env("CI_PROJECT_DIR")),
        OutputFormat::Junit => junit::render(reports),
        OutputFormat::Rdjson => rdjson::render(reports),
    }
}

/// How a format writes file paths: relative to a base folder (a CI checkout) when the file is
/// inside it, else as shown to the user; always with `/` separators.
#[derive(Debug, Clone, Default)]
pub struct PathStyle {
    /// The folder paths are made relative to (absolute).
    pub base: Option<PathBuf>,
    /// The folder relative paths of the run start from (absolute).
    pub cwd: PathBuf,
}

impl PathStyle {
    /// Paths as shown to the user.
    pub fn as_shown() -> PathStyle {
        PathStyle::default()
    }

    /// Paths relative to `base` (resolved from `cwd` when relative).
    pub fn relative_to(base: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> PathStyle {
        let cwd = cwd.into();
        let base = base.into();
        let base = if base.is_absolute() {
            base
        } else {
            cwd.join(base)
        };
        PathStyle {
            base: Some(normalize(&base)),
            cwd,
        }
    }

    /// Relative to the folder an environment variable names, when it is set and not empty.
    pub fn from_env(var: &str) -> PathStyle {
        let cwd = std::env::current_dir().unwrap_or_default();
        match std::env::var_os(var).filter(|v| !v.is_empty()) {
            Some(base) => PathStyle::relative_to(PathBuf::from(base), cwd),
            None => PathStyle::as_shown(),
        }
    }

    /// The path relative to the base when it is inside it; `None` otherwise.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let base = self.base.as_ref()?;
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        let absolute = normalize(&absolute);
        if let Ok(rel) = absolute.strip_prefix(base) {
            return Some(slashed(rel));
        }
        // A symlinked checkout (/home/runner/work -> /mnt/work): compare the real paths.
        let real_base = std::fs::canonicalize(base).ok()?;
        let real = std::fs::canonicalize(&absolute).ok()?;
        real.strip_prefix(&real_base).ok().map(slashed)
    }

    /// The path to print: relative to the base when inside it, else as shown, with `/`.
    pub fn display(&self, path: &Path) -> String {
        self.relative(path).unwrap_or_else(|| slashed(path))
    }
}

/// A path with `/` separators and no leading `./`.
pub fn slashed(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::CurDir => continue,
            Component::RootDir => {
                if !out.ends_with('/') {
                    out.push('/');
                }
                continue;
            }
            Component::Prefix(p) => out.push_str(&p.as_os_str().to_string_lossy()),
            Component::ParentDir => push_segment(&mut out, ".."),
            Component::Normal(s) => push_segment(&mut out, &s.to_string_lossy()),
        }
    }
    out
}

fn push_segment(out: &mut String, segment: &str) {
    if !out.is_empty() && !out.ends_with('/') {
        out.push('/');
    }
    out.push_str(segment);
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where a finding (or an edit) is, in every unit a format may want.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Position of the first byte.
    pub start: Position,
    /// Position just after the last byte (exclusive end).
    pub end: Position,
}

/// Line index of a report's text, with helpers for spans.
pub struct SpanIndex<'t> {
    text: &'t str,
    index: LineIndex,
}

impl<'t> SpanIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        SpanIndex {
            text,
            index: LineIndex::new(text),
        }
    }

    pub fn locate(&self, span: &std::ops::Range<usize>) -> Located {
        Located {
            start: self.index.position(self.text, span.start),
            end: self.index.position(self.text, span.end.max(span.start)),
        }
    }

    /// The text of a span (clamped to the text and to char boundaries).
    pub fn snippet(&self, span: &std::ops::Range<usize>) -> &'t str {
        let clamp = |mut at: usize| {
            at = at.min(self.text.len());
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let (start, end) = (clamp(span.start), clamp(span.end));
        &self.text[start..end.max(start)]
    }
}

/// FNV-1a, 64 bits: a small stable hash (the same on every platform and release) for
/// fingerprints. Fields are separated by a 0 byte so `("ab", "c")` and `("a", "bc")` differ.
pub fn fnv1a64(fields: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            hash ^= 0;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in field.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// A finding's fingerprint: stable across runs and line moves (rule, path, message and the
/// text of the span, no line numbers), made unique within a run by counting repeats.
#[derive(Default)]
pub struct Fingerprints {
    seen: std::collections::HashMap<u64, usize>,
}

impl Fingerprints {
    pub fn next(&mut self, rule: &str, path: &str, message: &str, snippet: &str) -> String {
        let base = fnv1a64(&[rule, path, message, snippet]);
        let count = self.seen.entry(base).or_insert(0);
        *count += 1;
        let hash = if *count == 1 {
            base
        } else {
            fnv1a64(&[rule, path, message, snippet, &count.to_string()])
        };
        format!("{hash:016x}")
    }
}

/// Diagnostics of every report in a deterministic order: reports by path, findings by
/// position, then rule and message.
pub fn sorted(reports: &[FileReport]) -> Vec<(&FileReport, Vec<&Diagnostic>)> {
    let mut files: Vec<&FileReport> = reports.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
        .into_iter()
        .map(|report| {
            let mut diagnostics: Vec<&Diagnostic> = report.diagnostics.iter().collect();
            diagnostics.sort_by(|a, b| {
                (a.span.start, a.span.end, a.rule, &a.message).cmp(&(
                    b.span.start,
                    b.span.end,
                    b.rule,
                    &b.message,
                ))
            });
            (report, diagnostics)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        // Reference vectors of FNV-1a 64.
        assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&["foobar"]), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
    }

    #[test]
    fn fingerprints_are_unique_within_a_run() {
        let mut f = Fingerprints::default();
        let a = f.next("r", "p", "m", "s");
        let b = f.next("r", "p", "m", "s");
        assert_ne!(a, b);
        assert_eq!(a, Fingerprints::default().next("r", "p", "m", "s"));
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn paths_relative_to_a_base() {
        let style = PathStyle::relative_to("/w/repo", "/w/repo/deploy");
        assert_eq!(
            style.display(Path::new("compose.yaml")),
            "deploy/compose.yaml"
        );
        assert_eq!(style.display(Path::new("./a/../b.yaml")), "deploy/b.yaml");
        assert_eq!(style.display(Path::new("/w/repo/x.yaml")), "x.yaml");
        assert_eq!(
            style.display(Path::new("/elsewhere/x.yaml")),
            "/elsewhere/x.yaml"
        );
        assert_eq!(
            PathStyle::as_shown().display(Path::new("./a/b.yaml")),
            "a/b.yaml"
        );
    }
}
