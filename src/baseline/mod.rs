//! The baseline: the findings of a project recorded once (`check --write-baseline FILE`), which
//! later runs (`--baseline FILE`, or `baseline = "FILE"` in the config) do not report. A
//! finding is matched by its fingerprint ([`fingerprint`]), and the baseline is a multiset:
//! two identical findings need two entries. See docs/baseline.md.
//!
//! Baselined findings are taken out where suppressed ones are (in the engine), so `--fix`
//! leaves them alone, and every interface (`check`, the language server) hides them.

pub mod file;
pub mod fingerprint;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use file::Entry;

use crate::compose::model::Project;
use crate::diagnostic::Diagnostic;
use crate::report::{normalize as normalise, slashed};

/// A baseline in use: the entries of a file to hide findings with, or an empty one that
/// records them (`--write-baseline`).
#[derive(Debug)]
pub struct Baseline {
    /// The baseline file.
    pub path: PathBuf,
    /// The baseline's folder (absolute, normalised): file paths are written relative to it.
    folder: PathBuf,
    /// The current folder, that relative paths start from.
    cwd: PathBuf,
    /// The entries as read.
    pub entries: Vec<Entry>,
    /// How many entries each fingerprint has.
    counts: HashMap<String, usize>,
    /// Findings are recorded (for `--write-baseline`), not hidden.
    pub recording: bool,
}

/// What the baseline did to one file's findings.
#[derive(Debug, Default)]
pub struct Baselined {
    /// The findings the baseline holds, with their entries (not reported).
    pub hidden: Vec<(Diagnostic, Entry)>,
    /// When recording, the entry of each reported finding, in the order of the findings.
    pub recorded: Vec<Entry>,
}

impl Baselined {
    /// The part of a project's [`Baselined`] about file `id`, whose reported findings are
    /// those of `shown` (the project's, which `recorded` follows) in file `id`.
    pub fn take_file(&mut self, id: usize, shown: &[Diagnostic]) -> Baselined {
        let (hidden, others) = std::mem::take(&mut self.hidden)
            .into_iter()
            .partition(|(d, _)| d.file == id);
        self.hidden = others;
        let recorded = shown
            .iter()
            .zip(&self.recorded)
            .filter(|(d, _)| d.file == id)
            .map(|(_, e)| e.clone())
            .collect();
        Baselined { hidden, recorded }
    }
}

impl Baseline {
    /// Reads the baseline file at `path` (relative to the current folder). A missing file is
    /// an empty baseline.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let entries = file::read(path)?;
        let mut baseline = Baseline::empty(path);
        for entry in &entries {
            *baseline
                .counts
                .entry(entry.fingerprint.clone())
                .or_default() += 1;
        }
        baseline.entries = entries;
        Ok(baseline)
    }

    /// A baseline that hides nothing and records every finding, to be written at `path`.
    pub fn recording(path: &Path) -> Baseline {
        Baseline {
            recording: true,
            ..Baseline::empty(path)
        }
    }

    fn empty(path: &Path) -> Baseline {
        let cwd = std::env::current_dir().unwrap_or_default();
        let absolute = normalise(&cwd.join(path));
        let folder = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
        Baseline {
            path: path.to_path_buf(),
            folder,
            cwd,
            entries: Vec::new(),
            counts: HashMap::new(),
            recording: false,
        }
    }

    /// A file's path as the baseline writes it: relative to the baseline's folder (with `..`
    /// when it is outside), with `/`. Worked out on the paths' text, so that the same file
    /// gets the same key from any current folder.
    pub fn file_key(&self, file: &Path) -> String {
        let file = normalise(&self.cwd.join(file));
        let common = self
            .folder
            .components()
            .zip(file.components())
            .take_while(|(a, b)| a == b)
            .count();
        let mut relative = PathBuf::new();
        for _ in self.folder.components().skip(common) {
            relative.push("..");
        }
        relative.extend(file.components().skip(common));
        slashed(&relative)
    }

    /// The entry of a finding in a project.
    pub fn entry(&self, project: &Project, d: &Diagnostic) -> Entry {
        let file = project.files.get(d.file);
        let key = file.map(|f| self.file_key(&f.path)).unwrap_or_default();
        let anchor = match file {
            Some(f) => fingerprint::anchor(&f.tree, &d.span),
            None => fingerprint::Anchor {
                service: None,
                key_path: String::new(),
                content: String::new(),
            },
        };
        Entry {
            fingerprint: fingerprint::fingerprint(d.rule, &key, &anchor),
            file: key,
            service: anchor.service,
            rule: d.rule.to_string(),
            path: anchor.key_path,
            excerpt: anchor.content.chars().take(file::EXCERPT_CHARS).collect(),
            message: d.message.clone(),
        }
    }

    /// Splits a project's findings (in their order) into those to report and those the
    /// baseline holds: each entry hides one finding with its fingerprint, the first ones first.
    /// Findings about exceptions are never recorded nor hidden: an exception carries its own
    /// end date, and a baseline holding `expired-exception` would make it last forever.
    pub fn split(
        &self,
        project: &Project,
        diagnostics: Vec<Diagnostic>,
    ) -> (Vec<Diagnostic>, Baselined) {
        let mut baselined = Baselined::default();
        if self.recording {
            baselined.recorded = diagnostics
                .iter()
                .filter(|d| !never_baselined(d))
                .map(|d| self.entry(project, d))
                .collect();
            return (diagnostics, baselined);
        }
        if self.counts.is_empty() {
            return (diagnostics, baselined);
        }
        let mut left: HashMap<String, usize> = HashMap::new();
        let mut shown = Vec::with_capacity(diagnostics.len());
        for d in diagnostics {
            if never_baselined(&d) {
                shown.push(d);
                continue;
            }
            let entry = self.entry(project, &d);
            let remaining = left
                .entry(entry.fingerprint.clone())
                .or_insert_with(|| self.counts.get(&entry.fingerprint).copied().unwrap_or(0));
            if *remaining > 0 {
                *remaining -= 1;
                baselined.hidden.push((d, entry));
            } else {
                shown.push(d);
            }
        }
        (shown, baselined)
    }

    /// The findings to report of a project (without what the baseline holds).
    pub fn shown(&self, project: &Project, diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
        self.split(project, diagnostics.to_vec()).0
    }

    /// The entries that no finding of this run matched, among the files the run checked
    /// (`checked`, as [`Baseline::file_key`] writes them) and the files that are gone: the
    /// findings fixed or removed since the baseline was written.
    pub fn absent(&self, matched: &[Entry], checked: &HashSet<String>) -> Vec<Entry> {
        let mut used: HashMap<&str, usize> = HashMap::new();
        for entry in matched {
            *used.entry(entry.fingerprint.as_str()).or_default() += 1;
        }
        let folder = &self.folder;
        let mut absent = Vec::new();
        for entry in &self.entries {
            if let Some(n) = used.get_mut(entry.fingerprint.as_str())
                && *n > 0
            {
                *n -= 1;
                continue;
            }
            if checked.contains(&entry.file) || !folder.join(&entry.file).exists() {
                absent.push(entry.clone());
            }
        }
        absent
    }
}

/// The rules whose findings a baseline never holds (see [`Baseline::split`]).
const NEVER_BASELINED: &[&str] = &["expired-exception", "expiring-exception"];

fn never_baselined(d: &Diagnostic) -> bool {
    NEVER_BASELINED.contains(&d.rule)
}

#[cfg(test)]
mod tests;
