//! The `check` command: discover, check each project (in parallel), print, write fixes.

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::catalog::Catalogue;
use crate::cli::CheckArgs;
use crate::compose::project::{LoadFailure, LoadOptions, decode_text};
use crate::diagnostic::Severity;
use crate::discover::discover;
use crate::engine::{CheckOptions, ProjectOutcome, check_project};
use crate::fix::write_atomic;
use crate::line_index::LineIndex;
use crate::report::{FileReport, OutputFormat, diff};
use crate::rules::RuleMeta;
use crate::settings::Settings;

/// Exit codes.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Where output goes; tests pass buffers.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub stdout_is_terminal: bool,
}

impl Io<'_> {
    pub fn real<'a>(
        stdin: &'a mut dyn Read,
        stdout: &'a mut dyn Write,
        stderr: &'a mut dyn Write,
    ) -> Io<'a> {
        Io {
            stdin,
            stdout,
            stderr,
            stdout_is_terminal: std::io::stdout().is_terminal(),
        }
    }
}

#[derive(Default)]
struct Tally {
    errors: usize,
    failing: usize,
    changed_files: usize,
    fixed: usize,
    fixable_safe: usize,
    fixable_unsafe: usize,
    shown: usize,
}

pub fn check(args: &CheckArgs, io: &mut Io) -> i32 {
    let mut settings = Settings::default();
    if let Some(bind) = &args.bind {
        let bare = bind.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<std::net::IpAddr>().is_err() {
            let _ = writeln!(io.stderr, "error: --bind {bind:?} is not an IP address");
            return EXIT_ERROR;
        }
        settings.bind_address = bare.to_string();
    }
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => io.stdout_is_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let enabled = |meta: &RuleMeta| meta.default_enabled;
    let options = CheckOptions {
        settings: &settings,
        catalogue: Catalogue::builtin(),
        enabled: &enabled,
        fix: args.fix || args.diff,
        unsafe_fixes: args.unsafe_fixes,
        load: LoadOptions::default(),
    };
    let fail_on = Severity::Warning;
    if args.paths.iter().any(|p| p == Path::new("-")) {
        return check_stdin(args, &options, fail_on, color, io);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let found = discover(&paths, None);
    let mut tally = Tally::default();
    for (path, why) in &found.errors {
        let _ = writeln!(io.stderr, "error: {}: {why}", path.display());
        tally.errors += 1;
    }
    let outcomes: Vec<(PathBuf, Result<ProjectOutcome, LoadFailure>)> = found
        .files
        .par_iter()
        .map(|path| (path.clone(), check_project(path, None, &options)))
        .collect();
    let mut seen: HashSet<(PathBuf, &'static str, usize, usize)> = HashSet::new();
    let mut reports = Vec::new();
    let mut diffs = String::new();
    let mut written: HashSet<PathBuf> = HashSet::new();
    for (_, outcome) in outcomes {
        let outcome = match outcome {
            Ok(o) => o,
            Err(failure) => {
                let _ = write!(io.stderr, "{}", render_failure(&failure));
                tally.errors += 1;
                continue;
            }
        };
        for message in &outcome.fix_errors {
            let _ = writeln!(io.stderr, "error: {message}");
            tally.errors += 1;
        }
        for file in outcome.files {
            if let Some(fixed) = &file.fixed {
                if written.insert(file.path.clone()) {
                    tally.changed_files += 1;
                    tally.fixed += file.fixes_applied;
                    diffs.push_str(&diff::unified(
                        &display(&file.path),
                        &file.original,
                        fixed,
                        color,
                    ));
                    if args.fix {
                        if let Err(e) = write_atomic(&file.path, &file.original, fixed) {
                            let _ = writeln!(io.stderr, "error: {}: {e}", file.path.display());
                            tally.errors += 1;
                        }
                    }
                }
            }
            let diagnostics: Vec<_> = file
                .diagnostics
                .into_iter()
                .filter(|d| seen.insert((file.path.clone(), d.rule, d.span.start, d.span.end)))
                .collect();
            count(&mut tally, &diagnostics, fail_on);
            if !diagnostics.is_empty() {
                let text = file
                    .fixed
                    .as_deref()
                    .map(std::sync::Arc::from)
                    .unwrap_or(file.original);
                reports.push(FileReport {
                    path: display_path(&file.path),
                    text,
                    diagnostics,
                });
            }
        }
    }
    // Findings are reported against the text as read; after --fix only those left are shown.
    let rendered = render(&reports, args.output_format, color);
    let _ = io.stdout.write_all(rendered.as_bytes());
    if !diffs.is_empty() {
        let _ = io.stdout.write_all(diffs.as_bytes());
    }
    if args.output_format == OutputFormat::Human {
        let _ = io.stdout.write_all(summary(&tally, args).as_bytes());
    }
    exit_code(&tally, args)
}

fn check_stdin(
    args: &CheckArgs,
    options: &CheckOptions,
    fail_on: Severity,
    color: bool,
    io: &mut Io,
) -> i32 {
    let mut bytes = Vec::new();
    if let Err(e) = io.stdin.read_to_end(&mut bytes) {
        let _ = writeln!(io.stderr, "error: reading stdin: {e}");
        return EXIT_ERROR;
    }
    let path = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let absolute = if path.is_absolute() {
        path.clone()
    } else {
        std::env::current_dir().unwrap_or_default().join(&path)
    };
    let text = match decode_text(&path, bytes.clone()) {
        Ok(t) => t,
        Err(failure) => {
            let _ = write!(io.stderr, "{}", render_failure(&failure));
            if args.fix {
                let _ = io.stdout.write_all(&bytes);
            }
            return EXIT_ERROR;
        }
    };
    let mut options = CheckOptions {
        load: LoadOptions {
            skip_override: true,
            ..LoadOptions::default()
        },
        ..*options
    };
    options.load.process_env = None;
    let outcome = match check_project(&absolute, Some(text.clone()), &options) {
        Ok(o) => o,
        Err(mut failure) => {
            failure.path = path.clone();
            let _ = write!(io.stderr, "{}", render_failure(&failure));
            // An editor replaces the buffer with stdout: give the text back unchanged.
            if args.fix {
                let _ = io.stdout.write_all(text.as_bytes());
            }
            return EXIT_ERROR;
        }
    };
    let mut tally = Tally::default();
    let mut reports = Vec::new();
    let mut output = text.clone();
    for message in &outcome.fix_errors {
        let _ = writeln!(io.stderr, "error: {message}");
        tally.errors += 1;
    }
    for (id, file) in outcome.files.into_iter().enumerate() {
        if id == 0 {
            if let Some(fixed) = &file.fixed {
                tally.changed_files += 1;
                tally.fixed += file.fixes_applied;
                if args.diff {
                    let _ = io.stdout.write_all(
                        diff::unified(&display(&path), &file.original, fixed, color).as_bytes(),
                    );
                }
                output = fixed.clone();
            }
        }
        count(&mut tally, &file.diagnostics, fail_on);
        if !file.diagnostics.is_empty() {
            let shown = if id == 0 {
                path.clone()
            } else {
                display_path(&file.path)
            };
            let text = file
                .fixed
                .as_deref()
                .map(std::sync::Arc::from)
                .unwrap_or(file.original);
            reports.push(FileReport {
                path: shown,
                text,
                diagnostics: file.diagnostics,
            });
        }
    }
    let rendered = render(&reports, args.output_format, color && !args.fix);
    if args.fix {
        // Format-on-save: the whole document on stdout, findings on stderr.
        let _ = io.stdout.write_all(output.as_bytes());
        let _ = io.stderr.write_all(rendered.as_bytes());
    } else {
        let _ = io.stdout.write_all(rendered.as_bytes());
    }
    exit_code(&tally, args)
}

fn count(tally: &mut Tally, diagnostics: &[crate::diagnostic::Diagnostic], fail_on: Severity) {
    for d in diagnostics {
        tally.shown += 1;
        if d.rule == "invalid-compose" {
            tally.errors += 1;
        }
        if d.severity >= fail_on {
            tally.failing += 1;
        }
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(crate::fix::Applicability::Safe) => tally.fixable_safe += 1,
            Some(crate::fix::Applicability::Unsafe) => tally.fixable_unsafe += 1,
            _ => {}
        }
    }
}

fn exit_code(tally: &Tally, args: &CheckArgs) -> i32 {
    if tally.errors > 0 {
        EXIT_ERROR
    } else if tally.failing > 0 || (args.diff && tally.changed_files > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn summary(tally: &Tally, args: &CheckArgs) -> String {
    let mut out = String::new();
    if args.fix && tally.fixed > 0 {
        out.push_str(&format!(
            "Fixed {} finding(s) in {} file(s).\n",
            tally.fixed, tally.changed_files
        ));
    }
    if tally.shown == 0 {
        if tally.errors == 0 {
            out.push_str("All checks passed.\n");
        }
        return out;
    }
    out.push_str(&format!("Found {} finding(s)", tally.shown));
    let mut notes = Vec::new();
    if tally.fixable_safe > 0 && !args.fix {
        notes.push(format!("{} fixable with --fix", tally.fixable_safe));
    }
    if tally.fixable_unsafe > 0 && !args.unsafe_fixes {
        notes.push(format!(
            "{} more with --fix --unsafe-fixes",
            tally.fixable_unsafe
        ));
    }
    if !notes.is_empty() {
        out.push_str(&format!(" ({})", notes.join(", ")));
    }
    out.push_str(".\n");
    out
}

fn render(reports: &[FileReport], format: OutputFormat, color: bool) -> String {
    crate::report::render(format, reports, &crate::report::RenderContext { color })
}

/// `file:line:col: error: message`, with the line shown when the text is known.
pub fn render_failure(failure: &LoadFailure) -> String {
    let path = display(&failure.path);
    match (&failure.text, failure.offset) {
        (Some(text), Some(offset)) => {
            let index = LineIndex::new(text);
            let pos = index.position(text, offset);
            let line_text: String = text
                .lines()
                .nth(pos.line)
                .unwrap_or("")
                .chars()
                .take(200)
                .map(|c| {
                    if c.is_control() && c != '\t' {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect();
            format!(
                "{path}:{}:{}: error: {}\n  | {line_text}\n  | {}^\n",
                pos.line + 1,
                pos.char_col + 1,
                failure.message,
                " ".repeat(pos.char_col)
            )
        }
        (None, Some(offset)) => format!("{path}: error: {} (byte {offset})\n", failure.message),
        _ => format!("{path}: error: {}\n", failure.message),
    }
}

fn display_path(path: &Path) -> PathBuf {
    path.strip_prefix("./").unwrap_or(path).to_path_buf()
}

fn display(path: &Path) -> String {
    display_path(path).display().to_string()
}

/// `composeguard rules`: every rule with its category, severity, default and fixability.
pub fn list_rules(io: &mut Io) -> i32 {
    let mut out = format!(
        "{:<30} {:<12} {:<8} {:<8} {:<6} {}\n",
        "RULE", "CATEGORY", "SEVERITY", "DEFAULT", "FIX", "SUMMARY"
    );
    for rule in crate::rules::RULES {
        let m = &rule.meta;
        out.push_str(&format!(
            "{:<30} {:<12} {:<8} {:<8} {:<6} {}\n",
            m.id,
            m.category,
            m.severity,
            if m.default_enabled { "on" } else { "off" },
            if m.fixable { "yes" } else { "no" },
            m.summary
        ));
    }
    let _ = io.stdout.write_all(out.as_bytes());
    EXIT_CLEAN
}

/// `composeguard rule ID`: the rule's documentation.
pub fn show_rule(id: &str, io: &mut Io) -> i32 {
    match crate::rules::find(id) {
        Some(rule) => {
            let m = &rule.meta;
            let _ = writeln!(
                io.stdout,
                "{} ({}, {}, {})\n\n{}",
                m.id,
                m.category,
                m.severity,
                if m.fixable { "fixable" } else { "not fixable" },
                m.summary
            );
            EXIT_CLEAN
        }
        None => {
            let _ = writeln!(
                io.stderr,
                "error: no rule named {id:?} (see `composeguard rules`)"
            );
            EXIT_ERROR
        }
    }
}
