//! Checking and fixing one project: load, lint, apply fixes to a fixed point, re-parse and
//! verify, and hand back the new texts (writing is the caller's business).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compose::model::Project;
use crate::compose::port::{NormalisedPort, is_wildcard_ip};
use crate::compose::project::{LoadFailure, LoadOptions};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::fix::apply_fixes;
use crate::rules::{self, Context, RuleMeta};
use crate::settings::Settings;
use crate::suppress;

/// How many rounds of fixing before giving up on reaching a fixed point.
const MAX_FIX_ROUNDS: usize = 8;

pub struct CheckOptions<'a> {
    /// Rules, severities, bind address, catalogue, suppression settings.
    pub config: &'a Config,
    /// Compute fixes and the fixed texts.
    pub fix: bool,
    pub unsafe_fixes: bool,
    pub load: LoadOptions,
}

impl<'a> CheckOptions<'a> {
    /// Checking only (no fixes), variables from the real environment.
    pub fn new(config: &'a Config) -> Self {
        CheckOptions {
            config,
            fix: false,
            unsafe_fixes: false,
            load: LoadOptions::default(),
        }
    }
}

/// What happened to one file of a project.
#[derive(Debug)]
pub struct FileOutcome {
    pub path: PathBuf,
    /// The text as read.
    pub original: Arc<str>,
    /// The fixed text, when fixing changed it.
    pub fixed: Option<String>,
    /// The findings left (after fixing, those that were not fixed), with spans in the fixed
    /// text when there is one.
    pub diagnostics: Vec<Diagnostic>,
    pub fixes_applied: usize,
}

#[derive(Debug)]
pub struct ProjectOutcome {
    pub files: Vec<FileOutcome>,
    /// Why fixing stopped early (a fix that did not re-parse or changed the meaning).
    pub fix_errors: Vec<String>,
}

/// Runs the enabled rules over a project, then applies per-file ignores, severity overrides
/// and inline suppressions (so suppressed findings are never fixed).
pub fn lint(project: &Project, options: &CheckOptions) -> Vec<Diagnostic> {
    let config = options.config;
    let ctx = Context::new(project, &config.catalogue, &config.settings);
    let enabled = |meta: &RuleMeta| config.is_enabled(meta);
    let mut diagnostics = rules::run(&ctx, &enabled);
    diagnostics.retain(|d| !config.is_ignored_for(d.rule, &project.files[d.file].path));
    for d in &mut diagnostics {
        if let Some(severity) = config.severity_override(d.rule) {
            d.severity = severity;
        }
    }
    let suppressions = &config.file.suppressions;
    let mut diagnostics = suppress::apply(
        project,
        diagnostics,
        &enabled,
        suppressions.require_reason,
        suppressions.report_unused,
    );
    diagnostics.sort_by(|a, b| (a.file, a.span.start, a.rule).cmp(&(b.file, b.span.start, b.rule)));
    diagnostics.dedup_by(|a, b| {
        a.file == b.file && a.span == b.span && a.rule == b.rule && a.message == b.message
    });
    diagnostics
}

/// Checks the project whose main file is `main` (`text` replaces reading it: stdin).
pub fn check_project(
    main: &Path,
    text: Option<String>,
    options: &CheckOptions,
) -> Result<ProjectOutcome, LoadFailure> {
    let project = Project::load(main, text.clone(), &options.load)?;
    let originals: Vec<(PathBuf, Arc<str>)> = project
        .files
        .iter()
        .map(|f| (f.path.clone(), f.tree.source()))
        .collect();
    let mut diagnostics = lint(&project, options);
    let mut current = project;
    let mut applied: HashMap<usize, usize> = HashMap::new();
    let mut fix_errors = Vec::new();
    if options.fix {
        let mut load = options.load.clone();
        for _ in 0..MAX_FIX_ROUNDS {
            let mut changed = false;
            let mut texts: Vec<String> =
                current.files.iter().map(|f| f.text().to_string()).collect();
            for (id, file_text) in texts.iter_mut().enumerate() {
                let fixes = diagnostics
                    .iter()
                    .filter(|d| d.file == id)
                    .filter_map(|d| d.fix.as_ref())
                    .filter(|f| f.is_applied(options.unsafe_fixes));
                let (new_text, count) = apply_fixes(file_text, fixes);
                if count > 0 && new_text != *file_text {
                    *applied.entry(id).or_default() += count;
                    *file_text = new_text;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            for (file, text) in current.files.iter().zip(&texts) {
                load.texts.insert(file.path.clone(), text.clone());
            }
            let main_text = load.texts.get(main).cloned();
            let candidate = match Project::load(main, main_text, &load) {
                Ok(p) => p,
                Err(e) => {
                    fix_errors.push(format!(
                        "a fix would make {} unreadable ({}); nothing was fixed",
                        e.path.display(),
                        e.message
                    ));
                    break;
                }
            };
            if let Err(why) = verify(&current, &candidate, &options.config.settings) {
                fix_errors.push(format!(
                    "a fix would change more than the host IPs ({why}); nothing was fixed"
                ));
                break;
            }
            diagnostics = lint(&candidate, options);
            current = candidate;
        }
        if !fix_errors.is_empty() {
            // Keep the original texts: a partial fix is not written.
            let project = Project::load(main, text, &options.load)?;
            diagnostics = lint(&project, options);
            current = project;
            applied.clear();
        }
    }
    let mut files = Vec::new();
    for (id, (path, original)) in originals.into_iter().enumerate() {
        let now = current.files.get(id).map(|f| f.text());
        let fixed = now.filter(|t| *t != &*original).map(str::to_string);
        files.push(FileOutcome {
            path,
            original,
            fixed,
            diagnostics: diagnostics
                .iter()
                .filter(|d| d.file == id)
                .cloned()
                .collect(),
            fixes_applied: applied.get(&id).copied().unwrap_or(0),
        });
    }
    Ok(ProjectOutcome { files, fix_errors })
}

/// A fixed project must mean the same as before except that ports published on every
/// interface may now be bound to the bind address.
pub fn verify(before: &Project, after: &Project, settings: &Settings) -> Result<(), String> {
    if before.files.len() != after.files.len() {
        return Err("the set of files changed".into());
    }
    let names = |p: &Project| {
        p.services
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    if names(before) != names(after) {
        return Err("the services changed".into());
    }
    if after.errors.len() > before.errors.len() {
        return Err(format!(
            "new errors: {}",
            after
                .errors
                .last()
                .map(|e| e.message.as_str())
                .unwrap_or("")
        ));
    }
    let bind = settings.bind_host_ip();
    let (b, a) = (before.normalised_ports(), after.normalised_ports());
    for (service, before_ports) in &b {
        let after_ports = a.get(service).map(Vec::as_slice).unwrap_or(&[]);
        // Every port is kept (maybe rebound), or removed when it was on every interface:
        // removing an exposed port only reduces exposure. A port may also be gone because
        // a rebound port became the same binding and Compose keeps one of the two (`80` and
        // `127.0.0.1::80`): it is still there, the same, elsewhere in the list.
        let mut after_set: Option<std::collections::HashSet<&NormalisedPort>> = None;
        let mut next = 0;
        for port in before_ports {
            match after_ports.get(next) {
                Some(now) if same_or_rebound(port, now, bind) => next += 1,
                _ if port.host_ip.as_deref().is_none_or(is_wildcard_ip) => {}
                _ if after_set
                    .get_or_insert_with(|| after_ports.iter().collect())
                    .contains(port) => {}
                _ => {
                    return Err(format!(
                        "a port of service {service} changed beyond its host IP"
                    ));
                }
            }
        }
        if next != after_ports.len() {
            return Err(format!("service {service} gained ports"));
        }
    }
    Ok(())
}

fn same_or_rebound(before: &NormalisedPort, after: &NormalisedPort, bind: &str) -> bool {
    if before == after {
        return true;
    }
    let rebound = before.host_ip.as_deref().is_none_or(is_wildcard_ip)
        && after.host_ip.as_deref() == Some(bind);
    rebound
        && before.published == after.published
        && before.target == after.target
        && before.protocol == after.protocol
}
