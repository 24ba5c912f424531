//! The `check` command: discover, check each project (in parallel), print, write fixes.

mod baselines;
mod batch;
mod write_scope;
mod writer;

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::baseline::Baseline;
use crate::cli::{CheckArgs, ConfigArgs};
use crate::compose::address::{AddressClass, TrustedNetworks, check_bind, classify, unbracketed};
use crate::compose::project::{LoadFailure, LoadOptions, decode_text};
use crate::config::{
    Config, ConfigError, FoundConfigs, Overrides, find_config_cached, is_known_selector,
};
use crate::diagnostic::Severity;
use crate::discover::{FoundFile, WalkConfig};
use crate::engine::{CheckOptions, check_project};
use crate::line_index::LineIndex;
use crate::report::{FileReport, OutputFormat, diff};

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
    /// Where the report goes: stdout, or stderr with `--diff` (stdout is then the patch
    /// alone, for `git apply` and `patch -p1`).
    fn report_out(&mut self, diff: bool) -> &mut dyn Write {
        if diff {
            &mut *self.stderr
        } else {
            &mut *self.stdout
        }
    }

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
    /// Findings a baseline holds (not shown, not failing).
    baselined: usize,
}

/// Folders whose config file the resolver remembers at most.
const MAX_REMEMBERED_FOLDERS: usize = 1024;

/// Finds and caches the configuration of each file (nearest config upward, `--config`, or
/// none with `--isolated`), with the command line's overrides applied.
pub struct ConfigResolver {
    args: ConfigArgs,
    overrides: Overrides,
    cache: HashMap<Option<PathBuf>, Arc<Config>>,
    /// The config file found for each folder, so a folder's ancestors are searched once.
    found: FoundConfigs,
    /// The working folder, read once.
    cwd: Option<PathBuf>,
}

impl ConfigResolver {
    pub fn new(args: &ConfigArgs, overrides: Overrides) -> Self {
        ConfigResolver {
            args: args.clone(),
            overrides,
            cache: HashMap::new(),
            found: FoundConfigs::new(),
            cwd: std::env::current_dir().ok(),
        }
    }

    /// The configuration for a file or folder.
    pub fn for_path(&mut self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        self.resolve(path, path.is_dir())
    }

    /// The configuration for a file found by searching a folder (so known to be a file).
    pub fn for_file(&mut self, file: &Path) -> Result<Arc<Config>, ConfigError> {
        self.resolve(file, false)
    }

    fn resolve(&mut self, path: &Path, is_dir: bool) -> Result<Arc<Config>, ConfigError> {
        let source = if self.args.isolated {
            None
        } else if let Some(explicit) = &self.args.config {
            Some(explicit.clone())
        } else {
            let absolute = match &self.cwd {
                Some(cwd) => cwd.join(path),
                None => path.to_path_buf(),
            };
            let folder = if is_dir {
                Some(absolute.as_path())
            } else {
                absolute.parent()
            };
            // Bounded: over a big tree, the answers of folders walked long ago are dropped
            // (a folder's answer is found again with two stats per folder).
            if self.found.len() > MAX_REMEMBERED_FOLDERS {
                self.found.clear();
            }
            folder.and_then(|f| find_config_cached(f, &mut self.found))
        };
        self.load_cached(source)
    }

    /// The configuration of a file a folder search found, from what the walk saw of the
    /// config files between it and the searched folder (whose own config is `root`).
    pub fn for_found(
        &mut self,
        file: &FoundFile,
        root: &Arc<Config>,
    ) -> Result<Arc<Config>, ConfigError> {
        if self.args.isolated || self.args.config.is_some() {
            return Ok(root.clone());
        }
        match &file.config {
            WalkConfig::Unsearched => self.for_file(&file.path),
            WalkConfig::AtOrAboveRoot => Ok(root.clone()),
            WalkConfig::Here(config) => self.load_cached(Some(config.to_path_buf())),
        }
    }

    fn load_cached(&mut self, source: Option<PathBuf>) -> Result<Arc<Config>, ConfigError> {
        if let Some(config) = self.cache.get(&source) {
            return Ok(config.clone());
        }
        let config = match &source {
            Some(file) => Config::load(file)?,
            None => Config::default(),
        };
        let config = config.with_overrides(&self.overrides);
        if let Some(bind) = &self.overrides.bind_address {
            config.check_bind_override(bind)?;
        }
        let config = Arc::new(config);
        self.cache.insert(source, config.clone());
        Ok(config)
    }
}

/// Validates `--select`/`--ignore`/`--fail-on`/`--bind` into config overrides.
fn overrides(args: &CheckArgs) -> Result<Overrides, String> {
    let selectors = args
        .select
        .iter()
        .flatten()
        .chain(&args.extend_select)
        .chain(&args.ignore);
    for s in selectors {
        if !is_known_selector(s) {
            return Err(format!(
                "unknown rule or category {s:?} (see `composeguard rules`)"
            ));
        }
    }
    // Wildcard and invalid addresses are refused whatever the config; whether a private or
    // public address is trusted depends on each file's config (ConfigResolver).
    let bind_address = match &args.bind {
        Some(bind) => match classify(bind) {
            AddressClass::Wildcard | AddressClass::Invalid(_) => {
                let why = check_bind(bind, &TrustedNetworks::default())
                    .expect_err("wildcard and invalid addresses are refused");
                let shown = if bind.is_empty() { "\"\"" } else { bind };
                return Err(format!("--bind {shown}: {why}"));
            }
            _ => Some(unbracketed(bind).to_string()),
        },
        None => None,
    };
    let now = crate::exceptions::command::now_option(args.now.as_deref())?;
    Ok(Overrides {
        now,
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.as_deref().and_then(Severity::parse),
        bind_address,
        baseline: baseline_override(args)?,
    })
}

/// The baseline of `--baseline FILE` (read now: a broken file stops the run before any
/// check), or the recording one of `--write-baseline FILE`.
fn baseline_override(args: &CheckArgs) -> Result<Option<Arc<Baseline>>, String> {
    if let Some(path) = &args.write_baseline {
        return Ok(Some(Arc::new(Baseline::recording(path))));
    }
    match &args.baseline {
        // Named on the command line, a missing file is a mistake (a typo would hide nothing
        // and say nothing); named by the config, it is an empty baseline (docs/baseline.md).
        Some(path) if !path.exists() => Err(format!(
            "--baseline {}: no such file (write it with --write-baseline)",
            path.display()
        )),
        Some(path) => Baseline::load(path)
            .map(|b| Some(Arc::new(b)))
            .map_err(|why| format!("--baseline {}: {why}", path.display())),
        None => Ok(None),
    }
}

pub fn check(args: &CheckArgs, io: &mut Io) -> i32 {
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => io.stdout_is_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let overrides = match overrides(args) {
        Ok(o) => o,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_ERROR;
        }
    };
    if let Some(output) = &args.output_file
        && let Some(why) = write_scope::output_file_clash(output, &args.paths)
    {
        let _ = writeln!(io.stderr, "error: {why}");
        return EXIT_ERROR;
    }
    let mut configs = ConfigResolver::new(&args.config, overrides);
    if args.paths.iter().any(|p| p == Path::new("-")) {
        let anchor = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("."));
        let config = match configs.for_path(&anchor) {
            Ok(c) => c,
            Err(e) => {
                let _ = write!(io.stderr, "{}", e.render(false));
                return EXIT_ERROR;
            }
        };
        return check_stdin(args, &config, color, io);
    }
    batch::check_paths(args, configs, io, color)
}

fn check_stdin(args: &CheckArgs, config: &Config, color: bool, io: &mut Io) -> i32 {
    let fail_on = config.fail_on;
    let limit = crate::compose::project::MAX_FILE_BYTES;
    let bytes = match crate::limits::read_at_most(&mut *io.stdin, limit) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            // Nothing goes to stdout, even with --fix: the document was not read whole.
            let _ = writeln!(
                io.stderr,
                "error: stdin holds more than the {limit} byte limit of a compose file"
            );
            return EXIT_ERROR;
        }
        Err(e) => {
            let _ = writeln!(io.stderr, "error: reading stdin: {e}");
            return EXIT_ERROR;
        }
    };
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
        Err(failure) if crate::engine::is_rejected_file(&failure) => {
            if args.fix {
                let _ = io.stdout.write_all(&bytes);
            }
            return rejected_stdin(args, fail_on, &failure, color, io);
        }
        Err(failure) => {
            let _ = write!(io.stderr, "{}", render_failure(&failure));
            if args.fix {
                let _ = io.stdout.write_all(&bytes);
            }
            return EXIT_ERROR;
        }
    };
    let options = CheckOptions {
        config,
        fix: args.fix || args.diff,
        unsafe_fixes: args.unsafe_fixes,
        load: LoadOptions {
            skip_override: true,
            ..LoadOptions::default()
        },
    };
    let outcome = match check_project(&absolute, Some(text.clone()), &options) {
        Ok(o) => o,
        Err(mut failure) if crate::engine::is_rejected_file(&failure) => {
            if failure.path == absolute {
                failure.path = path.clone();
            }
            // An editor replaces the buffer with stdout: give the text back unchanged.
            if args.fix {
                let _ = io.stdout.write_all(text.as_bytes());
            }
            return rejected_stdin(args, fail_on, &failure, color, io);
        }
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
    let mut recorded = Vec::new();
    let mut baselines = baselines::BaselineRun::default();
    let mut output = text.clone();
    for message in &outcome.fix_errors {
        let _ = writeln!(io.stderr, "error: {message}");
        tally.errors += 1;
    }
    for (id, file) in outcome.files.into_iter().enumerate() {
        if id == 0
            && let Some(fixed) = &file.fixed
        {
            tally.changed_files += 1;
            tally.fixed += file.fixes_applied;
            if args.diff {
                let _ = io.stdout.write_all(
                    diff::unified(&display(&path), &file.original, fixed, color).as_bytes(),
                );
            }
            output = fixed.clone();
        }
        count(&mut tally, &file.diagnostics, fail_on);
        recorded.extend(file.baselined.recorded);
        let shown = if id == 0 {
            path.clone()
        } else {
            display_path(&file.path)
        };
        let text: Arc<str> = file
            .fixed
            .as_deref()
            .map(Arc::from)
            .unwrap_or(file.original);
        if let Some(baseline) = &config.baseline {
            baselines.checked(baseline, baseline.file_key(&file.path));
            let (diagnostics, entries) = file.baselined.hidden.into_iter().unzip();
            let hidden = FileReport {
                path: shown.clone(),
                text: text.clone(),
                diagnostics,
            };
            baselines.hid(baseline, hidden, entries);
        }
        if !file.diagnostics.is_empty() {
            reports.push(FileReport {
                path: shown,
                text,
                diagnostics: file.diagnostics,
            });
        }
    }
    if let Some(baseline) = &args.write_baseline {
        if args.fix {
            let _ = io.stdout.write_all(output.as_bytes());
        }
        return write_baseline(baseline, &recorded, &tally, io);
    }
    tally.baselined = baselines.hidden;
    let mut rendered =
        render_with_baseline(&reports, args.output_format, color && !args.fix, &baselines);
    if matches!(
        args.output_format,
        OutputFormat::Human | OutputFormat::Concise
    ) {
        rendered.push_str(&baselines::hidden_line(tally.baselined));
    }
    if args.fix {
        // Format-on-save: the whole document on stdout, findings on stderr.
        let _ = io.stdout.write_all(output.as_bytes());
        let _ = io.stderr.write_all(rendered.as_bytes());
    } else if args.diff {
        // The patch alone on stdout.
        let _ = io.stderr.write_all(rendered.as_bytes());
    } else {
        let _ = io.stdout.write_all(rendered.as_bytes());
    }
    exit_code(&tally, args)
}

/// The report of a document on stdin that Compose rejects: its `invalid-compose` finding,
/// where the findings of a document go (stderr with --fix or --diff), and the exit code.
fn rejected_stdin(
    args: &CheckArgs,
    fail_on: Severity,
    failure: &LoadFailure,
    color: bool,
    io: &mut Io,
) -> i32 {
    let mut tally = Tally::default();
    let report = failure_report(failure);
    count(&mut tally, &report.diagnostics, fail_on);
    let rendered = render(
        std::slice::from_ref(&report),
        args.output_format,
        color && !args.fix,
    );
    let out: &mut dyn Write = if args.fix || args.diff {
        &mut io.stderr
    } else {
        &mut io.stdout
    };
    let _ = out.write_all(rendered.as_bytes());
    exit_code(&tally, args)
}

fn count(tally: &mut Tally, diagnostics: &[crate::diagnostic::Diagnostic], fail_on: Severity) {
    for d in diagnostics {
        tally.shown += 1;
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
    } else if args.exit_zero {
        EXIT_CLEAN
    } else if args.diff {
        // As ruff's --diff: 1 when there is a diff, whatever findings are left.
        if tally.changed_files > 0 {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        }
    } else if tally.failing > 0 {
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
        out.push_str(&baselines::hidden_line(tally.baselined));
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
    out.push_str(&baselines::hidden_line(tally.baselined));
    out
}

/// Ends a `--write-baseline` run: writes the entries (unless the run had errors, which would
/// leave findings out of the baseline), says so on stderr, and exits 0 (2 after errors).
fn write_baseline(
    path: &Path,
    entries: &[crate::baseline::Entry],
    tally: &Tally,
    io: &mut Io,
) -> i32 {
    if tally.errors > 0 {
        let _ = writeln!(
            io.stderr,
            "error: {}: not written, the run had errors (the baseline would miss their findings)",
            display(path)
        );
        return EXIT_ERROR;
    }
    match crate::baseline::file::write(path, entries) {
        Ok(()) => {
            let _ = writeln!(
                io.stderr,
                "Wrote {} finding(s) to the baseline {}.",
                entries.len(),
                display(path)
            );
            EXIT_CLEAN
        }
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {}: {e}", display(path));
            EXIT_ERROR
        }
    }
}

/// Prints the report; with `--output-file`, the chosen format goes to the file and the
/// terminal gets the human view.
fn emit_report(
    args: &CheckArgs,
    reports: &[FileReport],
    nothing_checked: bool,
    color: bool,
    io: &mut Io,
    tally: &mut Tally,
    baselines: &baselines::BaselineRun,
) {
    let render = |reports: &[FileReport], format: OutputFormat, color: bool| {
        render_with_baseline(reports, format, color, baselines)
    };
    if args.output_format == OutputFormat::Github
        && let Err(e) = if nothing_checked {
            crate::report::github::append_no_files_summary()
        } else {
            crate::report::github::append_step_summary(reports)
        }
    {
        let _ = writeln!(io.stderr, "error: $GITHUB_STEP_SUMMARY: {e}");
    }
    match &args.output_file {
        Some(path) => {
            let report = render(reports, args.output_format, false);
            if let Err(e) = std::fs::write(path, report) {
                let _ = writeln!(io.stderr, "error: {}: {e}", path.display());
                tally.errors += 1;
            }
            let _ = io
                .report_out(args.diff)
                .write_all(render(reports, OutputFormat::Human, color).as_bytes());
        }
        None => {
            let _ = io
                .report_out(args.diff)
                .write_all(render(reports, args.output_format, color).as_bytes());
        }
    }
}

fn render(reports: &[FileReport], format: OutputFormat, color: bool) -> String {
    crate::report::render(format, reports, &crate::report::RenderContext { color })
}

/// [`render`], with SARIF's results marked against the baselines used (`baselineState`).
fn render_with_baseline(
    reports: &[FileReport],
    format: OutputFormat,
    color: bool,
    baselines: &baselines::BaselineRun,
) -> String {
    if format != OutputFormat::Sarif || !baselines.was_used() {
        return render(reports, format, color);
    }
    let absent = baselines.absent();
    crate::report::sarif::render_baselined(
        reports,
        &crate::report::PathStyle::from_env("GITHUB_WORKSPACE"),
        &crate::report::sarif::BaselineResults {
            unchanged: &baselines.unchanged,
            absent: &absent,
        },
    )
}

/// A file that could not be loaded, as an `invalid-compose` finding at the problem.
fn failure_report(failure: &LoadFailure) -> FileReport {
    let text = failure
        .text
        .clone()
        .unwrap_or_else(|| std::sync::Arc::from(""));
    FileReport {
        path: display_path(&failure.path),
        text,
        diagnostics: vec![crate::engine::load_failure_finding(failure)],
    }
}

/// `file:line:col: error: message`, with the line shown when the text is known.
pub fn render_failure(failure: &LoadFailure) -> String {
    let path = display(&failure.path);
    let rendered = match (&failure.text, failure.offset) {
        (Some(text), Some(offset)) => {
            let index = LineIndex::new(text);
            let pos = index.position(text, offset);
            let line_text: String = index
                .line_text(text, pos.line)
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
                // The shown line is cut at 200 characters; so is the caret's indent.
                " ".repeat(pos.char_col.min(200))
            )
        }
        (None, Some(offset)) => format!("{path}: error: {} (byte {offset})\n", failure.message),
        _ => format!("{path}: error: {}\n", failure.message),
    };
    // A file name or a line with control characters must not drive the terminal.
    crate::limits::escape_controls(&rendered).into_owned()
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
                "{} ({}, default severity {}, {}, {})\n{}\n\n{}",
                m.id,
                m.category,
                m.severity,
                if m.default_enabled {
                    "on by default"
                } else {
                    "off by default"
                },
                if m.fixable { "fixable" } else { "not fixable" },
                m.summary,
                m.docs.trim_end()
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

/// `composeguard config`: the resolved configuration, or the JSON Schema of the file.
pub fn show_config(path: Option<&Path>, schema: bool, args: &ConfigArgs, io: &mut Io) -> i32 {
    if schema {
        let _ = io.stdout.write_all(crate::config::json_schema().as_bytes());
        return EXIT_CLEAN;
    }
    let mut resolver = ConfigResolver::new(args, Overrides::default());
    match resolver.for_path(path.unwrap_or(Path::new("."))) {
        Ok(config) => {
            let _ = io.stdout.write_all(config.to_toml().as_bytes());
            EXIT_CLEAN
        }
        Err(e) => {
            let _ = write!(io.stderr, "{}", e.render(false));
            EXIT_ERROR
        }
    }
}

/// `composeguard catalogue`: the catalogue the configuration of `path` resolves to.
pub fn show_catalogue(
    path: Option<&Path>,
    category: Option<&str>,
    json: bool,
    args: &ConfigArgs,
    io: &mut Io,
) -> i32 {
    let category = match category.map(str::parse::<crate::catalog::Category>) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            let _ = writeln!(io.stderr, "error: --category: {e}");
            return EXIT_ERROR;
        }
    };
    let mut resolver = ConfigResolver::new(args, Overrides::default());
    match resolver.for_path(path.unwrap_or(Path::new("."))) {
        Ok(config) => {
            let text = if json {
                crate::catalog::listing::json(&config.catalogue, category)
            } else {
                crate::catalog::listing::table(&config.catalogue, category)
            };
            let _ = io.stdout.write_all(text.as_bytes());
            EXIT_CLEAN
        }
        Err(e) => {
            let _ = write!(io.stderr, "{}", e.render(false));
            EXIT_ERROR
        }
    }
}

#[cfg(test)]
mod tests;
