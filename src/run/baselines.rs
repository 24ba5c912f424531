//! What the baselines of a `check` run saw: the findings they hid (counted in the summary,
//! and SARIF's `unchanged` results), the entries nothing matched (SARIF's `absent` results),
//! and with `--write-baseline` the entries to write.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::baseline::{Baseline, Entry};
use crate::report::FileReport;

#[derive(Default)]
pub(super) struct BaselineRun {
    /// Findings not reported because a baseline holds them.
    pub hidden: usize,
    /// Those findings by file, for the formats that show them (SARIF).
    pub unchanged: Vec<FileReport>,
    /// With `--write-baseline`: the entry of every finding.
    pub recorded: Vec<Entry>,
    /// Each baseline used: the entries its findings matched, and the files it covered.
    used: Vec<Used>,
}

struct Used {
    baseline: Arc<Baseline>,
    matched: Vec<Entry>,
    checked: HashSet<String>,
}

impl BaselineRun {
    fn used(&mut self, baseline: &Arc<Baseline>) -> &mut Used {
        let at = match self
            .used
            .iter()
            .position(|u| Arc::ptr_eq(&u.baseline, baseline))
        {
            Some(at) => at,
            None => {
                self.used.push(Used {
                    baseline: baseline.clone(),
                    matched: Vec::new(),
                    checked: HashSet::new(),
                });
                self.used.len() - 1
            }
        };
        &mut self.used[at]
    }

    /// Whether a baseline hid findings of this run (or could have).
    pub fn was_used(&self) -> bool {
        self.used.iter().any(|u| !u.baseline.recording)
    }

    /// A file checked with `baseline` (as [`Baseline::file_key`] writes it).
    pub fn checked(&mut self, baseline: &Arc<Baseline>, file: String) {
        self.used(baseline).checked.insert(file);
    }

    /// Findings of a file that `baseline` holds.
    pub fn hid(&mut self, baseline: &Arc<Baseline>, report: FileReport, entries: Vec<Entry>) {
        self.hidden += report.diagnostics.len();
        self.used(baseline).matched.extend(entries);
        if !report.diagnostics.is_empty() {
            self.unchanged.push(report);
        }
    }

    /// The entries no finding matched, among the files checked or gone, each with the path
    /// of its file (from the current folder, as the other findings' paths are).
    pub fn absent(&self) -> Vec<(PathBuf, Entry)> {
        let mut out = Vec::new();
        for used in &self.used {
            if used.baseline.recording {
                continue;
            }
            let folder = used
                .baseline
                .path
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default();
            for entry in used.baseline.absent(&used.matched, &used.checked) {
                out.push((folder.join(&entry.file), entry));
            }
        }
        out
    }
}

/// The summary's line about the findings a baseline hides, if any.
pub(super) fn hidden_line(hidden: usize) -> String {
    match hidden {
        0 => String::new(),
        1 => "1 finding hidden by the baseline.\n".to_string(),
        n => format!("{n} findings hidden by the baseline.\n"),
    }
}
