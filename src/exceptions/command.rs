//! `composeguard exceptions [PATHS]`: every exception (suppression comments and the config's
//! `[[exceptions]]`) with its owner, end, days left, reason, and how many findings it
//! suppressed in this run (the checks run, as `check` runs them).
//!
//! Exit code: 0, or 1 when a listed exception has expired (so `composeguard exceptions
//! --expired` fails a CI job while one is left), 2 on an error (a bad `--now`, an invalid
//! config, a file that cannot be read; the others are still listed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::listing::{self, Row};
use super::{Moment, date};
use crate::cli::ConfigArgs;
use crate::compose::project::LoadOptions;
use crate::config::Overrides;
use crate::discover::{Found, normalise, search};
use crate::engine::{CheckOptions, lint_recorded};
use crate::line_index::LineIndex;
use crate::run::{ConfigResolver, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Io};
use crate::suppress::{Origin, Scope};

#[derive(Debug, clap::Args)]
pub struct ExceptionsArgs {
    /// Files or folders (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// text (a table), json, csv (RFC 4180) or markdown (a table).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv", "markdown"])]
    pub output_format: String,
    /// Only the exceptions whose date has passed.
    #[arg(long)]
    pub expired: bool,
    /// Only the exceptions that end within `warn-before` (with --expired: both).
    #[arg(long)]
    pub expiring: bool,
    /// "Today": `2027-01-31` or `2027-01-31T12:00:00Z` (default: $COMPOSEGUARD_NOW, else the clock).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `--now`, else `COMPOSEGUARD_NOW`, else none (the clock); an error names where it came from.
pub fn now_option(now: Option<&str>) -> Result<Option<Moment>, String> {
    match now {
        Some(text) => date::parse(text)
            .map(|w| Some(w.start()))
            .map_err(|why| format!("--now: {why}")),
        None => date::now_from_env(),
    }
}

pub fn run(args: &ExceptionsArgs, io: &mut Io) -> i32 {
    let now = match now_option(args.now.as_deref()) {
        Ok(now) => now,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_ERROR;
        }
    };
    let mut configs = ConfigResolver::new(
        &args.config,
        Overrides {
            now,
            ..Overrides::default()
        },
    );
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut failed = false;
    // Keyed by place, so that a file in two projects (an override file) is listed once.
    let mut rows: BTreeMap<(String, usize), Row> = BTreeMap::new();
    let mut add = |row: Row| {
        rows.entry((row.file.clone(), row.line))
            .and_modify(|known| known.suppressed += row.suppressed)
            .or_insert(row);
    };
    for path in &paths {
        let root = match configs.for_path(path) {
            Ok(config) => config,
            Err(e) => {
                let _ = write!(io.stderr, "{}", e.render(false));
                failed = true;
                continue;
            }
        };
        for found in search(path.clone(), Some(root.clone())) {
            let file = match found {
                Found::File(file) => file,
                Found::Error(path, why) => {
                    let _ = writeln!(io.stderr, "{}: error: {why}", path.display());
                    failed = true;
                    continue;
                }
            };
            let config = match configs.for_found(&file, &root) {
                Ok(config) => config,
                Err(e) => {
                    let _ = write!(io.stderr, "{}", e.render(false));
                    failed = true;
                    continue;
                }
            };
            let load = LoadOptions {
                siblings: file.siblings.clone(),
                ..LoadOptions::default()
            };
            let project = match crate::compose::model::Project::load(&file.path, None, &load) {
                Ok(project) => project,
                Err(failure) => {
                    let _ = write!(io.stderr, "{}", crate::run::render_failure(&failure));
                    failed = true;
                    continue;
                }
            };
            let (_, uses) = lint_recorded(&project, &CheckOptions::new(&config));
            for used in uses {
                let status = used.status.as_str();
                let days_left = used.status.days_left();
                match used.origin {
                    Origin::Comment(s) => {
                        let compose = &project.files[s.file];
                        let text = compose.text();
                        let line = LineIndex::new(text).position(text, s.span.start).line + 1;
                        add(Row {
                            file: shown(&compose.path),
                            line,
                            kind: s.kind,
                            rules: s.rules.clone(),
                            service: listed_service(&project, &s),
                            owner: s.owner,
                            until: s.until.map(|u| u.0),
                            days_left,
                            status,
                            reason: s.reason,
                            suppressed: used.suppressed,
                        });
                    }
                    Origin::Config(j) => {
                        let entry = &config.exceptions.entries[j];
                        add(Row {
                            file: shown(&entry.config),
                            line: entry.line,
                            kind: "config",
                            rules: vec![entry.rule.clone()],
                            service: entry.service.clone(),
                            owner: entry.owner.clone(),
                            until: entry.until.as_ref().map(|u| u.0.clone()),
                            days_left,
                            status,
                            reason: entry.reason.clone(),
                            suppressed: used.suppressed,
                        });
                    }
                }
            }
        }
    }
    let rows: Vec<Row> = rows
        .into_values()
        .filter(|r| {
            (!args.expired && !args.expiring)
                || (args.expired && r.status == "expired")
                || (args.expiring && r.status == "expiring")
        })
        .collect();
    let out = match args.output_format.as_str() {
        "json" => listing::json(&rows),
        "csv" => listing::csv(&rows),
        "markdown" => listing::markdown(&rows),
        _ => listing::text(&rows),
    };
    let _ = io.stdout.write_all(out.as_bytes());
    if failed {
        EXIT_ERROR
    } else if rows.iter().any(|r| r.status == "expired") {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The service a comment is about: the one `ignore-service` names by its place, else the one
/// the comment is in; none for `ignore-file`.
fn listed_service(
    project: &crate::compose::model::Project,
    s: &crate::suppress::Suppression,
) -> Option<String> {
    let at = match &s.scope {
        Scope::File => return None,
        Scope::Range(range) => range.start,
        Scope::Lines(..) => s.span.start,
    };
    crate::suppress::service_of(project, s.file, at).map(str::to_string)
}

/// A path as the user would type it: relative to the working folder when under it.
pub fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    normalise(&relative).display().to_string()
}
