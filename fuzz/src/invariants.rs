//! The invariants every input must keep, shared by the fuzz targets (`fuzz/fuzz_targets/`)
//! and the property tests (`tests/properties.rs` includes this file with `#[path]`).
//!
//! Each check returns `Err(why)` on a violation; a fuzz target panics with it, a property
//! test fails with it. Panics inside composeguard itself propagate as they are.
//!
//! 1. nothing panics: parse, model, every rule, fix, every output format;
//! 2. fixing is idempotent: fix(fix(x)) == fix(x);
//! 3. a fix changes only the bytes of the edits it reports (re-applied here, independently
//!    of `fix::apply_fixes`, round by round to the fixed point);
//! 4. a fixed file parses and means the same except the rebound host IPs (`engine::verify`
//!    of the original against the final project);
//! 6. every span lies inside its file, on UTF-8 boundaries, and its line/column positions
//!    (bytes, chars, UTF-16) lead back to the same offset.
#![allow(dead_code)]

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;
use composeguard::compose::model::Project;
use composeguard::compose::project::{LoadFailure, LoadOptions, decode_text};
use composeguard::config::{Config, Overrides};
use composeguard::diagnostic::Diagnostic;
use composeguard::engine::{CheckOptions, check_project, lint, verify};
use composeguard::fix::{Edit, Fix};
use composeguard::line_index::LineIndex;
use composeguard::report::{FileReport, OutputFormat, RenderContext};

/// The path inputs are checked under: a folder that does not exist, so no `.env`, override
/// or included file is found beside it.
pub const MAIN_PATH: &str = "/nonexistent-composeguard-fuzz/compose.yaml";

/// Rounds of fixing `engine::check_project` makes at most.
const MAX_FIX_ROUNDS: usize = 8;

/// A configuration with every rule selected, binding to `bind`.
pub fn all_rules(bind: &str) -> Config {
    Config::default().with_overrides(&Overrides {
        select: Some(vec!["all".into()]),
        bind_address: Some(bind.to_string()),
        ..Default::default()
    })
}

pub fn load_options() -> LoadOptions {
    LoadOptions {
        process_env: Some(Vec::new()),
        skip_override: true,
        ..LoadOptions::default()
    }
}

fn options(config: &Config, fix: bool) -> CheckOptions<'_> {
    CheckOptions {
        config,
        fix,
        unsafe_fixes: true,
        load: load_options(),
    }
}

/// What happened to one input (for statistics; violations are `Err`).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub decoded: bool,
    pub parsed: bool,
    pub loaded: bool,
    pub diagnostics: usize,
    pub fixable: usize,
    pub fixed: bool,
    /// `check_project` refused its own fix (re-parse or verify failed): a rule made a bad fix.
    pub fix_errors: Vec<String>,
}

/// Bytes as the CLI reads them: decoded (UTF-8 only), then [`check_text`].
pub fn check_bytes(bytes: &[u8], bind: &str) -> Result<Summary, String> {
    let path = Path::new(MAIN_PATH);
    match decode_text(path, bytes.to_vec()) {
        Ok(text) => {
            let mut s = check_text(&text, bind)?;
            s.decoded = true;
            Ok(s)
        }
        Err(failure) => {
            check_failure(&failure)?;
            Ok(Summary::default())
        }
    }
}

/// A load failure points inside its text and renders.
pub fn check_failure(failure: &LoadFailure) -> Result<(), String> {
    if let (Some(text), Some(offset)) = (&failure.text, failure.offset)
        && offset > text.len()
    {
        return Err(format!(
            "load failure offset {offset} is past the end ({}) : {}",
            text.len(),
            failure.message
        ));
    }
    let rendered = composeguard::run::render_failure(failure);
    if !rendered.contains(&failure.message) {
        return Err(format!("render_failure lost the message: {rendered:?}"));
    }
    Ok(())
}

/// Every invariant on one text.
pub fn check_text(text: &str, bind: &str) -> Result<Summary, String> {
    let mut summary = Summary {
        decoded: true,
        ..Summary::default()
    };
    summary.parsed = composeguard::yaml::Tree::parse(text).is_ok();
    let config = all_rules(bind);
    let lint_options = options(&config, false);
    let path = Path::new(MAIN_PATH);
    let project = match Project::load(path, Some(text.to_string()), &lint_options.load) {
        Ok(p) => p,
        Err(failure) => {
            check_failure(&failure)?;
            // The fixer must refuse the same input the same way.
            if check_project(path, Some(text.to_string()), &options(&config, true)).is_ok() {
                return Err("Project::load failed but check_project succeeded".into());
            }
            return Ok(summary);
        }
    };
    summary.loaded = true;
    for e in &project.errors {
        let file = project.file(e.file).text();
        check_span(file, &e.span, &format!("model error {:?}", e.message))?;
    }
    let diagnostics = lint(&project, &lint_options);
    summary.diagnostics = diagnostics.len();
    summary.fixable = diagnostics.iter().filter(|d| d.fix.is_some()).count();
    check_diagnostics(&project, &diagnostics)?;
    render_all(&project, &diagnostics, None)?;

    // Fix, safe and unsafe.
    let fix_options = options(&config, true);
    let outcome = check_project(path, Some(text.to_string()), &fix_options).map_err(|e| {
        format!(
            "check_project failed where Project::load did not: {}",
            e.message
        )
    })?;
    summary.fix_errors = outcome.fix_errors.clone();
    let fixed = outcome.files.first().and_then(|f| f.fixed.clone());
    for file in &outcome.files {
        let now = file.fixed.as_deref().unwrap_or(&file.original);
        for d in &file.diagnostics {
            check_diagnostic_spans(now, d)?;
        }
        let report = FileReport {
            path: file.path.clone(),
            text: Arc::from(now),
            diagnostics: file.diagnostics.clone(),
        };
        render_reports(std::slice::from_ref(&report))?;
        if let Some(new) = &file.fixed {
            let _ = composeguard::report::diff::unified("compose.yaml", &file.original, new, true);
        }
    }
    if !outcome.fix_errors.is_empty() && outcome.files.iter().any(|f| f.fixed.is_some()) {
        return Err(format!(
            "check_project returned fixed text despite fix errors {:?}",
            outcome.fix_errors
        ));
    }

    // 3: the fixer's output is the reported edits, applied round by round.
    if project.files.len() == 1 && outcome.fix_errors.is_empty() {
        let replayed = replay_fixes(text, &config)?;
        let got = fixed.as_deref().unwrap_or(text);
        if replayed != got {
            return Err(format!(
                "the fixer's output is not the reported edits applied\n--- input\n{text}\n--- fixer\n{got}\n--- edits applied\n{replayed}"
            ));
        }
    }

    if let Some(fixed) = &fixed {
        summary.fixed = true;
        // 4: the fixed file parses and means the same except rebound host IPs.
        let after = Project::load(path, Some(fixed.clone()), &lint_options.load)
            .map_err(|e| format!("the fixed text does not load: {}\n{fixed}", e.message))?;
        // The keys the fixes declare may change (over every round: the first round's
        // findings name them all, a later round only fixes what the first could not).
        let declared: Vec<composeguard::fix::Change> = diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .flat_map(|f| f.changes.iter().cloned())
            .collect();
        verify(&project, &after, &config.settings, &declared).map_err(|why| {
            format!("fixed text changed meaning: {why}\n--- input\n{text}\n--- fixed\n{fixed}")
        })?;
        // 2: idempotence.
        let again = check_project(path, Some(fixed.clone()), &fix_options)
            .map_err(|e| format!("the fixed text fails to load: {}", e.message))?;
        if let Some(second) = again.files.first().and_then(|f| f.fixed.clone()) {
            return Err(format!(
                "fixing is not idempotent\n--- input\n{text}\n--- once\n{fixed}\n--- twice\n{second}"
            ));
        }
    }
    Ok(summary)
}

/// Re-applies each round's reported fixes to the text with an implementation of our own
/// (first come first served; a fix clashing with an edit already taken waits; an edit
/// identical to one taken is taken once), checking that each round changes nothing outside
/// its edits. Returns the text at the fixed point (or after the fixer's round limit).
pub fn replay_fixes(text: &str, config: &Config) -> Result<String, String> {
    let opts = options(config, false);
    let path = Path::new(MAIN_PATH);
    let mut current = text.to_string();
    for _ in 0..MAX_FIX_ROUNDS {
        let Ok(project) = Project::load(path, Some(current.clone()), &opts.load) else {
            return Err("a replayed round does not load".into());
        };
        let diagnostics = lint(&project, &opts);
        let fixes: Vec<&Fix> = diagnostics
            .iter()
            .filter(|d| d.file == 0)
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| f.is_applied(true))
            .collect();
        let (next, taken) = apply_independently(&current, &fixes)?;
        check_outside_edits(&current, &next, &taken)?;
        if next == current {
            break;
        }
        current = next;
    }
    Ok(current)
}

/// Our own edit application (see [`replay_fixes`]).
pub fn apply_independently(text: &str, fixes: &[&Fix]) -> Result<(String, Vec<Edit>), String> {
    fn clash(a: &Range<usize>, b: &Range<usize>) -> bool {
        // Two inserts at one point, shared bytes, or an insert strictly inside a replacement.
        if a.start == a.end && b.start == b.end {
            return a.start == b.start;
        }
        let inside = |p: usize, r: &Range<usize>| r.start < p && p < r.end;
        (a.start < b.end && b.start < a.end)
            || (a.start == a.end && inside(a.start, b))
            || (b.start == b.end && inside(b.start, a))
    }
    let mut taken: Vec<Edit> = Vec::new();
    for fix in fixes {
        let valid = fix.edits.iter().all(|e| {
            e.range.start <= e.range.end
                && e.range.end <= text.len()
                && text.is_char_boundary(e.range.start)
                && text.is_char_boundary(e.range.end)
        });
        if !valid {
            return Err(format!(
                "a fix has an edit outside the text or inside a character: {fix:?}"
            ));
        }
        let new: Vec<&Edit> = fix.edits.iter().filter(|e| !taken.contains(e)).collect();
        if new.is_empty() {
            continue;
        }
        if new
            .iter()
            .any(|e| taken.iter().any(|t| clash(&t.range, &e.range)))
        {
            continue;
        }
        // Edits of one fix must not clash with each other either.
        for (i, a) in new.iter().enumerate() {
            for b in &new[i + 1..] {
                if a != b && clash(&a.range, &b.range) {
                    return Err(format!("a fix holds clashing edits: {fix:?}"));
                }
            }
        }
        for e in new {
            if !taken.contains(e) {
                taken.push(e.clone());
            }
        }
    }
    taken.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::new();
    let mut at = 0;
    for e in &taken {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.content);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    Ok((out, taken))
}

/// Every byte of `before` outside the edits is in `after`, in order, unchanged.
fn check_outside_edits(before: &str, after: &str, edits: &[Edit]) -> Result<(), String> {
    let mut a = 0; // position in after
    let mut b = 0; // position in before
    for e in edits {
        let gap = &before[b..e.range.start];
        if after.get(a..a + gap.len()) != Some(gap) {
            return Err(format!("bytes before edit {e:?} changed"));
        }
        a += gap.len();
        if after.get(a..a + e.content.len()) != Some(e.content.as_str()) {
            return Err(format!("edit {e:?} was not applied as reported"));
        }
        a += e.content.len();
        b = e.range.end;
    }
    if after.get(a..) != Some(&before[b..]) {
        return Err("bytes after the last edit changed".into());
    }
    Ok(())
}

fn check_diagnostics(project: &Project, diagnostics: &[Diagnostic]) -> Result<(), String> {
    for d in diagnostics {
        let Some(file) = project.files.get(d.file) else {
            return Err(format!("{}: file index {} out of range", d.rule, d.file));
        };
        check_diagnostic_spans(file.text(), d)?;
    }
    Ok(())
}

/// Invariant 6 for one diagnostic: its span, its labels and its fix's edits.
pub fn check_diagnostic_spans(text: &str, d: &Diagnostic) -> Result<(), String> {
    let what = format!("{} ({:?})", d.rule, d.message);
    check_span(text, &d.span, &what)?;
    for (span, label) in &d.labels {
        check_span(text, span, &format!("{what} label {label:?}"))?;
    }
    if let Some(fix) = &d.fix {
        for e in &fix.edits {
            check_span(text, &e.range, &format!("{what} fix edit"))?;
        }
    }
    Ok(())
}

/// A span is inside the text, ordered, on character boundaries, and its ends' positions
/// lead back to them.
pub fn check_span(text: &str, span: &Range<usize>, what: &str) -> Result<(), String> {
    if span.start > span.end || span.end > text.len() {
        return Err(format!(
            "{what}: span {span:?} is not inside the text ({} bytes)",
            text.len()
        ));
    }
    for at in [span.start, span.end] {
        if !text.is_char_boundary(at) {
            return Err(format!("{what}: span {span:?} cuts a character at {at}"));
        }
    }
    let index = LineIndex::new(text);
    for at in [span.start, span.end] {
        check_position(text, &index, at).map_err(|e| format!("{what}: {e}"))?;
    }
    Ok(())
}

/// The line/column of an offset (in bytes, chars and UTF-16 units) re-derive the offset.
/// Lines end at `\n`, `\r\n` and a lone `\r`, as in YAML and LSP.
pub fn check_position(text: &str, index: &LineIndex, offset: usize) -> Result<(), String> {
    let p = index.position(text, offset);
    let start = index.line_start(p.line);
    if start > offset || start + p.byte_col != offset {
        return Err(format!(
            "offset {offset}: line {} byte column {} disagree",
            p.line, p.byte_col
        ));
    }
    let bytes = text.as_bytes();
    if start > 0 && !matches!(bytes[start - 1], b'\n' | b'\r') {
        return Err(format!(
            "offset {offset}: line {} does not start after a line break",
            p.line
        ));
    }
    if start > 0 && bytes[start - 1] == b'\r' && bytes.get(start) == Some(&b'\n') {
        return Err(format!(
            "offset {offset}: line {} starts between the `\\r` and `\\n` of a CRLF",
            p.line
        ));
    }
    // An offset between `\r` and `\n` of a CRLF line end belongs to the line the CRLF ends.
    let between_cr_lf =
        offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n');
    let content_end = if between_cr_lf { offset - 1 } else { offset };
    if text[start..content_end].contains(['\n', '\r']) {
        return Err(format!(
            "offset {offset}: a line break between line start and offset"
        ));
    }
    let by_chars: usize = text[start..]
        .chars()
        .take(p.char_col)
        .map(char::len_utf8)
        .sum();
    if start + by_chars != offset {
        return Err(format!(
            "offset {offset}: char column {} gives {}",
            p.char_col,
            start + by_chars
        ));
    }
    // The UTF-16 column maps back, except that LineIndex clamps positions to the line's
    // content: an offset between `\r` and `\n` of a CRLF line end is that `\r`.
    let back = index.offset_utf16(text, p.line, p.utf16_col);
    if back != offset && !(between_cr_lf && back == offset - 1) {
        return Err(format!(
            "offset {offset}: UTF-16 column {} of line {} maps back to {back}",
            p.utf16_col, p.line
        ));
    }
    Ok(())
}

/// Every output format (iterated from the enum, so new formats are covered) renders the
/// findings without panicking, with and without colour.
fn render_all(project: &Project, diagnostics: &[Diagnostic], _: Option<()>) -> Result<(), String> {
    let reports: Vec<FileReport> = project
        .files
        .iter()
        .enumerate()
        .map(|(id, f)| FileReport {
            path: PathBuf::from(&f.path),
            text: f.tree.source(),
            diagnostics: diagnostics
                .iter()
                .filter(|d| d.file == id)
                .cloned()
                .collect(),
        })
        .collect();
    render_reports(&reports)
}

pub fn render_reports(reports: &[FileReport]) -> Result<(), String> {
    for format in OutputFormat::value_variants() {
        for color in [false, true] {
            let _ = composeguard::report::render(*format, reports, &RenderContext { color });
        }
    }
    Ok(())
}
