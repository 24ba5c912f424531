//! Checking and fixing one project: load, lint, apply fixes to a fixed point, re-parse and
//! verify, and hand back the new texts (writing is the caller's business).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::baseline::Baselined;
use crate::compose::address::{Reach, TrustedNetworks, reach};
use crate::compose::model::Project;
use crate::compose::normalised::{self, Normalised};
use crate::compose::port::{NormalisedPort, is_wildcard_ip};
use crate::compose::project::{LoadFailure, LoadOptions};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::fix::{Change, Moved, apply_fixes_declared};
use crate::rules::{self, Context, RuleMeta};
use crate::settings::Settings;
use crate::suppress;
use crate::yaml::{PiecePlan, Tree};

/// Each service's ports as Compose keeps them ([`Project::normalised_ports`]).
type PortsByService = std::collections::BTreeMap<String, Vec<NormalisedPort>>;

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
    /// The findings the baseline holds (not in `diagnostics`), or, when it records, the
    /// entry of each of `diagnostics`.
    pub baselined: Baselined,
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
    let ctx = Context::new(project, &options.config.catalogue, &options.config.settings);
    let found = rule_findings(&ctx, options, Rules::All, 1);
    finish(project, options, found, Completeness::AllRules)
}

/// Which of the enabled rules to run.
#[derive(Clone, Copy)]
enum Rules {
    All,
    /// Those that can make a fix (`RuleMeta::fixable`).
    Fixable,
    /// The others.
    NotFixable,
}

/// Whether a set of findings comes from every enabled rule.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Completeness {
    AllRules,
    /// Enough to choose fixes: a suppression may look unused only because its rule did not run,
    /// so unused suppressions are not reported.
    FixableRulesOnly,
}

/// The findings of the rules `which` selects, with per-file ignores and severity overrides
/// applied, before suppressions.
fn rule_findings(
    ctx: &Context,
    options: &CheckOptions,
    which: Rules,
    threads: usize,
) -> Vec<Diagnostic> {
    let config = options.config;
    let selected = |meta: &RuleMeta| {
        config.is_enabled(meta)
            && match which {
                Rules::All => true,
                Rules::Fixable => meta.fixable,
                Rules::NotFixable => !meta.fixable,
            }
    };
    let mut diagnostics = rules::run_on_threads(ctx, &selected, threads);
    diagnostics.retain(|d| !config.is_ignored_for(d.rule, &ctx.project.files[d.file].path));
    for d in &mut diagnostics {
        if let Some(severity) = config.severity_override(d.rule) {
            d.severity = severity;
        }
    }
    diagnostics
}

/// Applies inline suppressions to the findings of rules, then sorts them and drops repeats.
fn finish(
    project: &Project,
    options: &CheckOptions,
    found: Vec<Diagnostic>,
    completeness: Completeness,
) -> Vec<Diagnostic> {
    finish_recorded(project, options, found, completeness).0
}

/// [`lint`], and what each exception (suppression comment, `[[exceptions]]` entry) did.
pub fn lint_recorded(
    project: &Project,
    options: &CheckOptions,
) -> (Vec<Diagnostic>, Vec<suppress::ExceptionUse>) {
    let ctx = Context::new(project, &options.config.catalogue, &options.config.settings);
    let found = rule_findings(&ctx, options, Rules::All, 1);
    finish_recorded(project, options, found, Completeness::AllRules)
}

/// [`finish`], and what each exception did.
fn finish_recorded(
    project: &Project,
    options: &CheckOptions,
    found: Vec<Diagnostic>,
    completeness: Completeness,
) -> (Vec<Diagnostic>, Vec<suppress::ExceptionUse>) {
    let config = options.config;
    let suppressions = &config.file.suppressions;
    let checks = suppress::Checks {
        reason: suppressions.require_reason,
        unused: suppressions.report_unused && completeness == Completeness::AllRules,
        expiry: true,
    };
    let (mut diagnostics, uses) = suppress::apply_recorded(project, found, config, checks);
    diagnostics.sort_by(|a, b| (a.file, a.span.start, a.rule).cmp(&(b.file, b.span.start, b.rule)));
    let mut diagnostics = merge_same_location(diagnostics);
    // Messages quote values (an image, a port, a variable's message): a megabyte value must
    // not make a megabyte message, in any output.
    let cut = |text: &mut String| {
        if let std::borrow::Cow::Owned(short) =
            crate::limits::cut_to(text, crate::limits::MAX_MESSAGE_CHARS)
        {
            *text = short;
        }
    };
    for d in &mut diagnostics {
        cut(&mut d.message);
        if let Some(help) = &mut d.help {
            cut(help);
        }
    }
    (diagnostics, uses)
}

/// One finding per rule and location: findings of one rule at the same span (an entry reached
/// by two services through a YAML alias, say) become the first of them, its message followed
/// by the others' different ones, so that every service involved is named. Every interface
/// (`check`'s outputs, the language server) shows the findings made here.
fn merge_same_location(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    // The messages merged into each finding of `out`.
    let mut messages: Vec<Vec<String>> = Vec::with_capacity(diagnostics.len());
    // The list is sorted by file and start: only the findings since the last change of
    // start can share a location.
    let mut run_start = 0;
    for d in diagnostics {
        if out
            .last()
            .is_some_and(|l| l.file != d.file || l.span.start != d.span.start)
        {
            run_start = out.len();
        }
        let same = (run_start..out.len()).find(|&i| out[i].rule == d.rule && out[i].span == d.span);
        let Some(i) = same else {
            messages.push(vec![d.message.clone()]);
            out.push(d);
            continue;
        };
        let kept = &mut out[i];
        if !messages[i].contains(&d.message) {
            kept.message.push_str("; ");
            kept.message.push_str(&d.message);
            messages[i].push(d.message);
        }
        kept.severity = kept.severity.max(d.severity);
        for label in d.labels {
            if !kept.labels.contains(&label) {
                kept.labels.push(label);
            }
        }
    }
    out
}

/// Whether a load failure is a finding about the file (its text was read, and Compose
/// rejects it: not YAML, empty, not UTF-8 ...) rather than an error of the run (a path that
/// cannot be read, an unreadable `.env`).
pub fn is_rejected_file(failure: &LoadFailure) -> bool {
    failure.text.is_some()
}

/// A file that could not be loaded as an `invalid-compose` finding at the problem: one
/// character wide (so that every editor shows it), none at the end of a line. `check`'s
/// outputs and the language server show this finding.
pub fn load_failure_finding(failure: &LoadFailure) -> Diagnostic {
    let text = failure.text.as_deref().unwrap_or("");
    let start = failure.offset.unwrap_or(0).min(text.len());
    let start = (0..=start)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let end = text[start..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r')
        .map_or(start, |c| start + c.len_utf8());
    Diagnostic::new(
        "invalid-compose",
        crate::diagnostic::Severity::Error,
        0,
        start..end,
        failure.message.clone(),
    )
}

/// Loads the fixed texts (in `load`), verifies that they mean what `current` means but for
/// the host IPs, and lints them: the fixed project and its findings, or why the fix is
/// refused.
///
/// This is the fixer's own cost, on top of what `check` does. On a big project it runs on
/// every core ([`fixer_threads`]): the original's ports are read for the verification while
/// the fixed texts are parsed, and the verification runs beside the rules.
fn load_fixed(
    main: &Path,
    load: &LoadOptions,
    current: &Project,
    options: &CheckOptions,
    declared: &[Change],
) -> Result<(Project, Vec<Diagnostic>), String> {
    let unreadable = |e: LoadFailure| {
        format!(
            "a fix would make {} unreadable ({}); nothing was fixed",
            e.path.display(),
            e.message
        )
    };
    let changed_meaning = |why: String| {
        format!("a fix would change more than it declares ({why}); nothing was fixed")
    };
    let settings = &options.config.settings;
    let main_text = load.texts.get(main).cloned();
    let threads = fixer_threads(current);
    if threads == 1 {
        let candidate = Project::load(main, main_text, load).map_err(unreadable)?;
        verify(current, &candidate, settings, declared).map_err(changed_meaning)?;
        let found = lint(&candidate, options);
        return Ok((candidate, found));
    }
    // The original's ports are read beside the parse, unless the parse is in pieces and
    // uses the cores itself: then beside the rules.
    let in_pieces = !load.pieces.is_empty();
    let (candidate, before) = std::thread::scope(|scope| {
        let before = (!in_pieces)
            .then(|| scope.spawn(|| (current.normalised_ports(), Normalised::of(current))));
        let candidate = Project::load(main, main_text, load);
        (candidate, before.map(join))
    });
    let candidate = candidate.map_err(unreadable)?;
    let (verified, found) = std::thread::scope(|scope| {
        let verified = scope.spawn(|| match &before {
            Some((ports, model)) => {
                verify_read(current, ports, model, &candidate, settings, declared)
            }
            None => verify(current, &candidate, settings, declared),
        });
        let ctx = Context::new(&candidate, &options.config.catalogue, settings);
        let found = rule_findings(&ctx, options, Rules::All, threads);
        (join(verified), found)
    });
    verified.map_err(changed_meaning)?;
    let found = finish(&candidate, options, found, Completeness::AllRules);
    Ok((candidate, found))
}

/// How a file's fixed text is to be parsed: in pieces, those the edits left alone copied from
/// the tree of the text before (`before`), the others parsed on `threads` threads. Failing
/// that, a big file is cut where `before` shows entries begin, moved by the edits, and every
/// piece is parsed. The fixer's own cost: parse only what it changed, on the cores `check`
/// leaves idle.
fn reparse_plan(
    before: &Arc<Tree>,
    text: &str,
    moved: &Moved,
    threads: usize,
) -> Option<PiecePlan> {
    if let Some(plan) = before.reuse_plan(moved, threads) {
        return Some(plan);
    }
    if threads < 2 || text.len() < BIG_PROJECT_BYTES {
        return None;
    }
    before.piece_plan(threads)?.map(|offset| moved.map(offset))
}

/// About a millisecond of rules: past this size, a project's fixing uses every core.
const BIG_PROJECT_BYTES: usize = 64 * 1024;

/// How many threads the fixer's own work on `project` may use: every core for a big project
/// (one project leaves the other cores idle), one for a small one (starting a thread costs
/// more than it saves).
fn fixer_threads(project: &Project) -> usize {
    if !is_big(project) {
        1
    } else {
        crate::pipeline::default_workers().min(4)
    }
}

/// Whether a project is big enough for its work to be spread over the cores.
fn is_big(project: &Project) -> bool {
    project.files.iter().map(|f| f.text().len()).sum::<usize>() >= BIG_PROJECT_BYTES
}

/// Frees a project. A big one is freed on a thread of its own: its tens of thousands of
/// nodes took a millisecond or two that the caller spends on the next step instead.
fn release(project: Project) {
    if is_big(&project) {
        // Failing to start the thread drops the project here.
        let _ = std::thread::Builder::new().spawn(move || drop(project));
    }
}

/// A scoped thread's result; its panic goes on unwinding here.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
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
    if !options.fix {
        let outcome = unfixed(originals, &project, options, Vec::new());
        release(project);
        return Ok(outcome);
    }
    // The first round needs only the findings that carry fixes, so it runs only the rules
    // that make them; most files need no fix, and the other rules then run on the same
    // project, so that nothing runs twice. Once a fix is applied, the findings are those of
    // the fixed project, from every rule.
    let fixable = {
        let ctx = Context::new(
            &project,
            &options.config.catalogue,
            &options.config.settings,
        );
        let fixable = rule_findings(&ctx, options, Rules::Fixable, fixer_threads(&project));
        let applicable = |d: &Diagnostic| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.is_applied(options.unsafe_fixes))
        };
        if !fixable.iter().any(applicable) {
            // Nothing to fix (most projects): the other rules complete the findings, in the
            // same context (what it worked out for the first rules is not worked out again).
            let mut found = fixable;
            found.extend(rule_findings(&ctx, options, Rules::NotFixable, 1));
            let diagnostics = finish(&project, options, found, Completeness::AllRules);
            let outcome = outcome(
                originals,
                &project,
                options,
                diagnostics,
                HashMap::new(),
                Vec::new(),
            );
            drop(ctx);
            release(project);
            return Ok(outcome);
        }
        fixable
    };
    let mut current = project;
    let mut complete: Option<Vec<Diagnostic>> = None;
    let mut applied: HashMap<usize, usize> = HashMap::new();
    let mut fix_errors = Vec::new();
    let mut load = options.load.clone();
    for _ in 0..MAX_FIX_ROUNDS {
        let first_round;
        let to_fix = match &complete {
            Some(all) => all,
            None => {
                first_round = finish(
                    &current,
                    options,
                    fixable.clone(),
                    Completeness::FixableRulesOnly,
                );
                &first_round
            }
        };
        // The findings the baseline holds are not fixed, as suppressed ones are not.
        let not_baselined;
        let to_fix = match &options.config.baseline {
            Some(baseline) if !baseline.recording => {
                not_baselined = baseline.shown(&current, to_fix);
                &not_baselined
            }
            _ => to_fix,
        };
        let mut declared = Vec::new();
        let Some(texts) = apply_round(&current, to_fix, options, &mut applied, &mut declared)
        else {
            break;
        };
        let threads = fixer_threads(&current);
        for (file, (text, moved)) in current.files.iter().zip(texts) {
            load.pieces.remove(&file.path);
            if let Some(plan) = reparse_plan(&file.tree, &text, &moved, threads) {
                load.pieces.insert(file.path.clone(), plan);
            }
            load.texts.insert(file.path.clone(), text);
        }
        match load_fixed(main, &load, &current, options, &declared) {
            Ok((candidate, found)) => {
                complete = Some(found);
                release(std::mem::replace(&mut current, candidate));
            }
            Err(why) => {
                fix_errors.push(why);
                break;
            }
        }
    }
    if !fix_errors.is_empty() {
        // Keep the original texts: a partial fix is not written.
        let project = Project::load(main, text, &options.load)?;
        return Ok(unfixed(originals, &project, options, fix_errors));
    }
    let diagnostics = match complete {
        Some(all) => all,
        None => {
            // Nothing was fixed: the other rules' findings complete the first round's.
            let ctx = Context::new(
                &current,
                &options.config.catalogue,
                &options.config.settings,
            );
            let mut found = fixable;
            found.extend(rule_findings(&ctx, options, Rules::NotFixable, 1));
            finish(&current, options, found, Completeness::AllRules)
        }
    };
    let outcome = outcome(
        originals,
        &current,
        options,
        diagnostics,
        applied,
        fix_errors,
    );
    release(current);
    Ok(outcome)
}

/// Applies the fixes of one round to every file of `project`: the new texts with where
/// their bytes moved, or `None` when no fix changed anything. Counts the fixes taken per file
/// in `applied`, and adds the changes the taken fixes declare to `declared`.
fn apply_round(
    project: &Project,
    diagnostics: &[Diagnostic],
    options: &CheckOptions,
    applied: &mut HashMap<usize, usize>,
    declared: &mut Vec<Change>,
) -> Option<Vec<(String, Moved)>> {
    let mut changed = false;
    let mut texts = Vec::with_capacity(project.files.len());
    for (id, file) in project.files.iter().enumerate() {
        let fixes = diagnostics
            .iter()
            .filter(|d| d.file == id)
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| f.is_applied(options.unsafe_fixes));
        let (new_text, count, moved) = apply_fixes_declared(file.text(), fixes, |fix| {
            declared.extend(fix.changes.iter().cloned());
        });
        if count > 0 && new_text != file.text() {
            *applied.entry(id).or_default() += count;
            changed = true;
            texts.push((new_text, moved));
        } else {
            texts.push((file.text().to_string(), Moved::default()));
        }
    }
    changed.then_some(texts)
}

/// The outcome of a project left as it was read: its findings from every rule.
fn unfixed(
    originals: Vec<(PathBuf, Arc<str>)>,
    project: &Project,
    options: &CheckOptions,
    fix_errors: Vec<String>,
) -> ProjectOutcome {
    let diagnostics = lint(project, options);
    outcome(
        originals,
        project,
        options,
        diagnostics,
        HashMap::new(),
        fix_errors,
    )
}

/// Pairs each file as read with its text now and its findings (those the baseline holds set
/// apart).
fn outcome(
    originals: Vec<(PathBuf, Arc<str>)>,
    current: &Project,
    options: &CheckOptions,
    diagnostics: Vec<Diagnostic>,
    applied: HashMap<usize, usize>,
    fix_errors: Vec<String>,
) -> ProjectOutcome {
    let (diagnostics, mut baselined) = match &options.config.baseline {
        Some(baseline) => baseline.split(current, diagnostics),
        None => (diagnostics, Baselined::default()),
    };
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
            baselined: baselined.take_file(id, &diagnostics),
        });
    }
    ProjectOutcome { files, fix_errors }
}

/// A fixed project must mean the same as before except that ports published on every
/// interface may now be bound to the bind address (or be gone), and the keys the applied
/// fixes declare (`declared`) may change, to a value Compose accepts.
pub fn verify(
    before: &Project,
    after: &Project,
    settings: &Settings,
    declared: &[Change],
) -> Result<(), String> {
    verify_read(
        before,
        &before.normalised_ports(),
        &Normalised::of(before),
        after,
        settings,
        declared,
    )
}

/// [`verify`], with the ports and the normalised model of `before` read already.
fn verify_read(
    before: &Project,
    before_ports: &PortsByService,
    before_model: &Normalised,
    after: &Project,
    settings: &Settings,
    declared: &[Change],
) -> Result<(), String> {
    verify_ports(before, before_ports, after, settings)?;
    verify_model(before_model, &Normalised::of(after), declared)
}

/// Every (service, key) and top-level key is the same before and after, but those declared;
/// a declared one must hold no repeated item where Compose refuses them.
fn verify_model(
    before: &Normalised,
    after: &Normalised,
    declared: &[Change],
) -> Result<(), String> {
    let declared: std::collections::HashSet<(Option<&str>, &str)> = declared
        .iter()
        .map(|c| (c.service.as_deref(), c.key.as_str()))
        .collect();
    let what = |(service, key): &normalised::Path| match service {
        Some(s) => format!("`{key}` of service `{s}`"),
        None => format!("the top-level `{key}`"),
    };
    let paths = before.values.keys().chain(
        after
            .values
            .keys()
            .filter(|k| !before.values.contains_key(*k)),
    );
    for path in paths {
        let (b, a) = (before.values.get(path), after.values.get(path));
        if declared.contains(&(path.0.as_deref(), path.1.as_str())) {
            if let Some(item) = a.and_then(|a| normalised::repeated_item(&path.1, a))
                && b.is_none_or(|b| normalised::repeated_item(&path.1, b).is_none())
            {
                return Err(format!(
                    "{} would list `{item}` twice, which Compose rejects",
                    what(path)
                ));
            }
            continue;
        }
        if a != b {
            return Err(format!(
                "{} would change, and no fix declares it",
                what(path)
            ));
        }
    }
    Ok(())
}

/// The port part of [`verify`].
fn verify_ports(
    before: &Project,
    before_ports: &PortsByService,
    after: &Project,
    settings: &Settings,
) -> Result<(), String> {
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
    let (b, a) = (before_ports, after.normalised_ports());
    for (service, before_ports) in b {
        let after_ports = a.get(service).map(Vec::as_slice).unwrap_or(&[]);
        // Every port is kept (maybe rebound), or removed when it was on every interface:
        // removing an exposed port only reduces exposure. A port may also be gone because
        // a rebound port became the same binding and Compose keeps one of the two (`80` and
        // `127.0.0.1::80`): it is still there, the same, elsewhere in the list.
        let mut after_set: Option<std::collections::HashSet<&NormalisedPort>> = None;
        let mut next = 0;
        for port in before_ports {
            match after_ports.get(next) {
                Some(now) if same_or_rebound(port, now, bind, &settings.trusted) => next += 1,
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

fn same_or_rebound(
    before: &NormalisedPort,
    after: &NormalisedPort,
    bind: &str,
    trusted: &TrustedNetworks,
) -> bool {
    if before == after {
        return true;
    }
    // A port may move to the bind address from every interface, a public address or a
    // private one outside the trusted networks (`sensitive-port-exposed` fixes those).
    let from_exposed = before.host_ip.as_deref().is_none_or(|ip| {
        matches!(
            reach(ip, trusted),
            Reach::Wildcard | Reach::Public | Reach::Untrusted
        )
    });
    let rebound = from_exposed && after.host_ip.as_deref() == Some(bind);
    rebound
        && before.published == after.published
        && before.target == after.target
        && before.protocol == after.protocol
}

#[cfg(test)]
pub(crate) mod tests;
