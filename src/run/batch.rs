//! `check` over files and folders: the files are checked (and fixed) on every core while the
//! folders are still being searched, and each result is printed and dropped in the order the
//! files were found (see [`crate::pipeline`]).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::baselines::{BaselineRun, hidden_line};
use super::write_scope::WriteScope;
use super::writer::Writer;
use super::{
    ConfigResolver, Io, Tally, count, display, display_path, failure_report, render, render_failure,
};
use crate::baseline::{Baseline, Baselined};
use crate::cli::CheckArgs;
use crate::compose::project::LoadOptions;
use crate::compose::siblings::Siblings;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::{Found, normalise, search};
use crate::engine::{CheckOptions, check_project};
use crate::pipeline::{Panicked, default_workers, for_each_ordered, read_ahead};
use crate::report::{FileReport, OutputFormat, diff};

/// How many batches of jobs the folder walk may run ahead of the checking.
const READ_AHEAD: usize = 8;

/// Something to do, in the order the files were found.
enum Job {
    Check {
        path: PathBuf,
        config: Arc<Config>,
        /// What the walk saw beside the file, when it was found in a folder.
        siblings: Option<Arc<Siblings>>,
    },
    /// A path that could not be searched, or a config that could not be read: the message.
    Error(String),
}

/// Yields the jobs of every path on the command line: each searched with the config that
/// applies to it, each found file paired with its own config. Runs on the worker threads,
/// one job at a time.
struct Jobs {
    roots: std::vec::IntoIter<PathBuf>,
    current: Option<Box<dyn Iterator<Item = Found> + Send>>,
    /// The config of the path being searched (for files with no config between them and it).
    root_config: Option<Arc<Config>>,
    configs: ConfigResolver,
    /// With several paths on the command line, the files already found: the same file named
    /// twice (`compose.yaml ./compose.yaml`, a folder and a file in it) is checked once.
    seen: Option<HashSet<PathBuf>>,
    /// The path being searched and how many results its search gave so far.
    searching: Option<(PathBuf, usize)>,
    /// What the searches found, read once every job is done.
    coverage: Arc<Mutex<Coverage>>,
}

/// What the searches of the paths on the command line found.
#[derive(Default)]
struct Coverage {
    /// Compose files found (named or found in a folder), counted before deduplication.
    files: usize,
    /// The paths whose search gave nothing (no compose file, no error), with the config's
    /// extra `include` names.
    empty: Vec<(PathBuf, Vec<String>)>,
}

impl Jobs {
    /// Records the end of the current path's search.
    fn end_search(&mut self) {
        if let Some((root, results)) = self.searching.take()
            && results == 0
        {
            let include = self
                .root_config
                .as_ref()
                .map(|c| c.file.include.clone())
                .unwrap_or_default();
            let mut coverage = self.coverage.lock().unwrap_or_else(|e| e.into_inner());
            coverage.empty.push((root, include));
        }
    }
}

impl Iterator for Jobs {
    type Item = Job;

    fn next(&mut self) -> Option<Job> {
        loop {
            let Some(found) = self.current.as_mut().and_then(Iterator::next) else {
                self.end_search();
                let root = self.roots.next()?;
                match self.configs.for_path(&root) {
                    Ok(config) => {
                        self.current = Some(search(root.clone(), Some(config.clone())));
                        self.root_config = Some(config);
                        self.searching = Some((root, 0));
                    }
                    Err(e) => {
                        self.current = None;
                        return Some(Job::Error(e.render(false)));
                    }
                }
                continue;
            };
            if let Some((_, results)) = &mut self.searching {
                *results += 1;
            }
            let file = match found {
                Found::File(file) => {
                    self.coverage
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .files += 1;
                    file
                }
                Found::Error(path, why) => {
                    return Some(Job::Error(format!("error: {}: {why}\n", path.display())));
                }
            };
            if let Some(seen) = &mut self.seen
                && !seen.insert(normalise(&file.path))
            {
                continue;
            }
            let root_config = self.root_config.as_ref()?;
            return Some(match self.configs.for_found(&file, root_config) {
                Ok(config) => Job::Check {
                    path: file.path,
                    config,
                    siblings: file.siblings,
                },
                Err(e) => Job::Error(e.render(false)),
            });
        }
    }
}

/// What checking one project gives the printer.
struct Checked {
    /// Messages for stderr (load failure, refused fixes, write errors), each counted an error.
    errors: Vec<String>,
    fail_on: Severity,
    /// A load failure as a finding, for the machine formats.
    failure_report: Option<FileReport>,
    files: Vec<CheckedFile>,
    /// The baseline the project was checked with, and its files as the baseline names them.
    baseline: Option<(Arc<Baseline>, Vec<String>)>,
}

struct CheckedFile {
    report: FileReport,
    /// Identity of each finding, to drop one that another project already reported (a file
    /// included by several projects).
    keys: Vec<u64>,
    /// The report of every finding, already rendered when the format is printed as it goes.
    rendered: Option<String>,
    /// The diff, when this project's fix changed the file (and no other project's did).
    diff: Option<String>,
    /// The file's path, to match a failure to write it.
    path: PathBuf,
    fixes_applied: usize,
    /// The findings the baseline holds, with their identities (as `keys`).
    baselined: Baselined,
    baselined_keys: Vec<u64>,
}

/// The settings every job shares.
struct Run<'a> {
    args: &'a CheckArgs,
    color: bool,
    /// Human and concise output go out file by file; the other formats are one document.
    streaming: bool,
    /// Files fixed so far ([`FileIdentity`]): a file that several projects reach is fixed
    /// and shown once.
    fixed: Mutex<HashSet<FileIdentity>>,
    /// Writes the fixed files with `--fix`.
    writer: Option<Writer>,
    /// Where fixes may be written (`--fix-outside-paths` lifts it).
    scope: Option<WriteScope>,
}

pub(super) fn check_paths(
    args: &CheckArgs,
    configs: ConfigResolver,
    io: &mut Io,
    color: bool,
) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let scope = (args.fix && !args.fix_outside_paths).then(|| WriteScope::new(&paths));
    let coverage = Arc::new(Mutex::new(Coverage::default()));
    let jobs = Jobs {
        seen: (paths.len() > 1).then(HashSet::new),
        roots: paths.into_iter(),
        current: None,
        root_config: None,
        configs,
        searching: None,
        coverage: coverage.clone(),
    };
    let recording = args.write_baseline.is_some();
    let run = Run {
        args,
        color,
        streaming: !recording
            && args.output_file.is_none()
            && matches!(
                args.output_format,
                OutputFormat::Human | OutputFormat::Concise
            ),
        fixed: Mutex::new(HashSet::new()),
        scope,
        writer: args.fix.then(|| {
            Writer::start(crate::fix::WriteOptions {
                hard_links: args.fix_hard_links,
            })
        }),
    };
    let mut tally = Tally::default();
    let mut baselines = BaselineRun::default();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut reports = Vec::new();
    // Each changed file's path, diff and number of fixes, shown once every file is written.
    let mut changed: Vec<(PathBuf, String, usize)> = Vec::new();
    // The walk runs ahead on a thread of its own (see `read_ahead`).
    let jobs = read_ahead(jobs, READ_AHEAD, |Panicked(why)| {
        Job::Error(format!(
            "error: internal error (a bug) while searching for files: {why}\n"
        ))
    });
    for_each_ordered(
        jobs,
        default_workers(),
        |job| run.job(job),
        |result| {
            let checked = match result {
                Ok(c) => c,
                Err(Panicked(why)) => Checked {
                    errors: vec![format!("error: internal error (a bug): {why}\n")],
                    fail_on: Severity::Error,
                    failure_report: None,
                    files: Vec::new(),
                    baseline: None,
                },
            };
            if let Some((baseline, files)) = &checked.baseline {
                for file in files {
                    baselines.checked(baseline, file.clone());
                }
            }
            for message in &checked.errors {
                let message = crate::limits::escape_controls(message);
                let _ = io.stderr.write_all(message.as_bytes());
                tally.errors += 1;
            }
            reports.extend(checked.failure_report);
            for file in checked.files {
                if let Some(d) = file.diff {
                    changed.push((file.path, d, file.fixes_applied));
                }
                let all = file.keys.len();
                let mut report = file.report;
                let mut keys = file.keys.into_iter();
                let mut recorded = file.baselined.recorded.into_iter();
                report.diagnostics.retain(|_| {
                    let first = keys.next().is_some_and(|k| seen.insert(k));
                    if let Some(entry) = recorded.next().filter(|_| first) {
                        baselines.recorded.push(entry);
                    }
                    first
                });
                if let Some((baseline, _)) = &checked.baseline {
                    let mut keys = file.baselined_keys.into_iter();
                    let (diagnostics, entries): (Vec<_>, Vec<_>) = file
                        .baselined
                        .hidden
                        .into_iter()
                        .filter(|_| keys.next().is_some_and(|k| seen.insert(k)))
                        .unzip();
                    let hidden = FileReport {
                        path: report.path.clone(),
                        text: report.text.clone(),
                        diagnostics,
                    };
                    baselines.hid(baseline, hidden, entries);
                }
                if recording {
                    continue;
                }
                count(&mut tally, &report.diagnostics, checked.fail_on);
                if report.diagnostics.is_empty() {
                    continue;
                }
                if !run.streaming {
                    reports.push(report);
                } else if let Some(text) = file.rendered.filter(|_| report.diagnostics.len() == all)
                {
                    let _ = io.report_out(args.diff).write_all(text.as_bytes());
                } else {
                    let text = render(std::slice::from_ref(&report), args.output_format, color);
                    let _ = io.report_out(args.diff).write_all(text.as_bytes());
                }
            }
        },
    );
    // A file that could not be written is reported once every file is written, and is
    // neither shown as changed nor counted.
    let unwritten = run.writer.map(Writer::finish).unwrap_or_default();
    for failure in &unwritten {
        let message = crate::limits::escape_controls(&failure.message);
        let _ = io.stderr.write_all(message.as_bytes());
        tally.errors += 1;
    }
    let mut diffs = String::new();
    for (path, diff, fixes) in changed {
        if unwritten.iter().any(|f| f.path == path) {
            continue;
        }
        tally.changed_files += 1;
        tally.fixed += fixes;
        diffs.push_str(&diff);
    }
    let coverage = std::mem::take(&mut *coverage.lock().unwrap_or_else(|e| e.into_inner()));
    let nothing_checked = coverage.files == 0 && tally.errors == 0;
    if let Some(path) = &args.write_baseline {
        return super::write_baseline(path, &baselines.recorded, &tally, io);
    }
    tally.baselined = baselines.hidden;
    // After --fix only the findings left are shown, against the fixed text.
    if !run.streaming {
        super::emit_report(
            args,
            &reports,
            nothing_checked,
            color,
            io,
            &mut tally,
            &baselines,
        );
    }
    if !diffs.is_empty() {
        // With --diff, stdout is the patch alone (the report went to stderr). With --fix, a
        // machine-readable report owns stdout: the diff goes to stderr then.
        if args.diff
            || matches!(
                args.output_format,
                OutputFormat::Human | OutputFormat::Concise
            )
        {
            let _ = io.stdout.write_all(diffs.as_bytes());
        } else {
            let _ = io.stderr.write_all(diffs.as_bytes());
        }
    }
    for (root, include) in &coverage.empty {
        let _ = io
            .stderr
            .write_all(no_compose_file_warning(root, include).as_bytes());
    }
    if nothing_checked {
        // Nothing was checked: not "All checks passed" (a CI job pointed at the wrong folder
        // would pass forever). A warning, exit 0, as ruff does; the Action fails on it.
        let _ = io.stderr.write_all(NO_COMPOSE_FILES.as_bytes());
    } else if args.output_format == OutputFormat::Human {
        let _ = io
            .report_out(args.diff)
            .write_all(super::summary(&tally, args).as_bytes());
    } else if args.output_format == OutputFormat::Concise {
        let _ = io
            .report_out(args.diff)
            .write_all(hidden_line(tally.baselined).as_bytes());
    }
    super::exit_code(&tally, args)
}

/// The last line of a run that found no compose file (the Action looks for it).
pub(super) const NO_COMPOSE_FILES: &str = "No compose files found.\n";

/// Which path held no compose file, and which names were looked for.
fn no_compose_file_warning(root: &Path, include: &[String]) -> String {
    let mut names = String::from(
        "compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml and their \
         .override and .<env> variants (compose.prod.yaml)",
    );
    if !include.is_empty() {
        let globs: Vec<String> = include.iter().map(|g| format!("{g:?}")).collect();
        names.push_str(&format!(", and the config's include {}", globs.join(", ")));
    }
    format!(
        "warning: {}: no compose file found (looked for {names}, skipping what .gitignore, \
         .ignore and the config's exclude leave out)\n",
        display(root)
    )
}

impl Run<'_> {
    fn job(&self, job: Job) -> Checked {
        let (path, config, siblings) = match job {
            Job::Check {
                path,
                config,
                siblings,
            } => (path, config, siblings),
            Job::Error(message) => {
                return Checked {
                    errors: vec![message],
                    fail_on: Severity::Error,
                    failure_report: None,
                    files: Vec::new(),
                    baseline: None,
                };
            }
        };
        let options = CheckOptions {
            config: &config,
            fix: self.args.fix || self.args.diff,
            unsafe_fixes: self.args.unsafe_fixes,
            load: LoadOptions {
                siblings,
                ..LoadOptions::default()
            },
        };
        let mut checked = Checked {
            errors: Vec::new(),
            fail_on: config.fail_on,
            failure_report: None,
            files: Vec::new(),
            baseline: None,
        };
        let outcome = match check_project(&path, None, &options) {
            Ok(o) => o,
            Err(failure) if crate::engine::is_rejected_file(&failure) => {
                // A file Compose rejects: a finding, shown and counted as any other.
                let report = failure_report(&failure);
                let keys = report
                    .diagnostics
                    .iter()
                    .map(|d| finding_key(&failure.path, d))
                    .collect();
                let rendered = self.streaming.then(|| {
                    render(
                        std::slice::from_ref(&report),
                        self.args.output_format,
                        self.color,
                    )
                });
                checked.files.push(CheckedFile {
                    report,
                    keys,
                    rendered,
                    diff: None,
                    path: failure.path,
                    fixes_applied: 0,
                    baselined: Baselined::default(),
                    baselined_keys: Vec::new(),
                });
                return checked;
            }
            Err(failure) => {
                checked.errors.push(render_failure(&failure));
                // Machine formats (SARIF, annotations ...) carry the failure as a finding too.
                if !self.streaming {
                    checked.failure_report = Some(failure_report(&failure));
                }
                return checked;
            }
        };
        for message in &outcome.fix_errors {
            checked.errors.push(format!("error: {message}\n"));
        }
        if let Some(baseline) = &config.baseline {
            let files = outcome
                .files
                .iter()
                .map(|f| baseline.file_key(&f.path))
                .collect();
            checked.baseline = Some((baseline.clone(), files));
        }
        for file in outcome.files {
            let mut diff_text = None;
            let mut diff_later = None;
            // Shared by the writer, the diff and the report.
            let fixed: Option<Arc<str>> = file.fixed.map(Arc::from);
            if let Some(fixed) = &fixed
                && self.claim(&file.path)
            {
                let shown = display(&file.path);
                let outside = self.writer.is_some()
                    && self
                        .scope
                        .as_ref()
                        .is_some_and(|scope| !scope.allows(&file.path, &path));
                if outside {
                    // A file the project reaches outside the paths given (an absolute
                    // `include:`): not written, and what the fix would change is listed.
                    checked.errors.push(format!(
                        "error: {shown}: outside the paths given; not written \
                         (--fix-outside-paths writes it). The fix would change:\n{}",
                        diff::unified(&shown, &file.original, fixed, self.color)
                    ));
                } else if fixed.len() >= BIG_FILE_BYTES {
                    // The diff of a big file is made on a thread of its own while this one
                    // renders its findings.
                    let (original, fixed, color) =
                        (file.original.clone(), fixed.clone(), self.color);
                    diff_later = Some(std::thread::spawn(move || {
                        diff::unified(&shown, &original, &fixed, color)
                    }));
                } else {
                    diff_text = Some(diff::unified(&shown, &file.original, fixed, self.color));
                }
                if let Some(writer) = &self.writer
                    && !outside
                {
                    writer.write(&file.path, file.original.clone(), fixed.clone());
                }
            }
            if file.diagnostics.is_empty()
                && file.baselined.hidden.is_empty()
                && diff_text.is_none()
                && diff_later.is_none()
            {
                continue;
            }
            let keys = file
                .diagnostics
                .iter()
                .map(|d| finding_key(&file.path, d))
                .collect();
            let text = fixed.unwrap_or(file.original);
            let report = FileReport {
                path: display_path(&file.path),
                text,
                diagnostics: file.diagnostics,
            };
            let rendered = (self.streaming && !report.diagnostics.is_empty()).then(|| {
                render(
                    std::slice::from_ref(&report),
                    self.args.output_format,
                    self.color,
                )
            });
            if let Some(later) = diff_later {
                diff_text = Some(
                    later
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                );
            }
            let baselined_keys = file
                .baselined
                .hidden
                .iter()
                .map(|(d, _)| finding_key(&file.path, d))
                .collect();
            checked.files.push(CheckedFile {
                report,
                keys,
                rendered,
                diff: diff_text,
                path: file.path,
                fixes_applied: file.fixes_applied,
                baselined: file.baselined,
                baselined_keys,
            });
        }
        checked
    }

    /// Whether this project is the first to fix the file ([`FileIdentity`]).
    fn claim(&self, path: &Path) -> bool {
        self.fixed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(FileIdentity::of(path))
    }
}

/// Which file a path leads to, so that two paths to one file (a link, `a/../b`) count once.
/// On Unix its device and inode: one `stat`, where resolving the path took a `readlink` per
/// folder of it.
#[derive(PartialEq, Eq, Hash)]
enum FileIdentity {
    #[cfg(unix)]
    Inode(u64, u64),
    /// The real path, or the path as given when it cannot be resolved (writing it will fail
    /// and say why).
    Path(PathBuf),
}

impl FileIdentity {
    fn of(path: &Path) -> FileIdentity {
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            return FileIdentity::Inode(meta.dev(), meta.ino());
        }
        FileIdentity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// A fixed file from which size on its diff is made on a thread of its own.
const BIG_FILE_BYTES: usize = 64 * 1024;

/// A finding's identity within a run: its file, rule and span, hashed (64 bits: a collision
/// among the findings of one run is far less likely than a disk error).
fn finding_key(path: &Path, d: &Diagnostic) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    // The path's bytes: `Path`'s own hash walks its components, which showed in profiles.
    (path.as_os_str(), d.rule, d.span.start, d.span.end).hash(&mut hasher);
    hasher.finish()
}
