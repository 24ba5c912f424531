//! How well composeguard knows what a service is, measured on labelled services
//! (`testdata/accuracy/labels.tsv`: real services from public repositories and variants
//! written for this test; see `testdata/accuracy/README.md`).
//!
//! Two judgements are scored against the labels, with the default configuration:
//! - the finding: `sensitive-port-exposed` reports one of the service's ports;
//! - the safe fix: `check --fix` (safe fixes only) binds one of its ports to loopback.
//!
//! The test prints precision and recall of both, recall per category, the clues the
//! judgements rest on (the evidence mix), and every service judged wrongly; it fails below
//! recall 99% or precision 97%. `bench/accuracy.sh` prints the same table.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use composeguard::compose::model::{Project, Service};
use composeguard::compose::project::LoadOptions;
use composeguard::config::Config;
use composeguard::engine::{CheckOptions, check_project, lint};
use composeguard::rules::sensitivity::ServiceFacts;
use composeguard::sensitivity::{Clue, Level};

const MIN_RECALL: f64 = 0.99;
const MIN_PRECISION: f64 = 0.97;

struct Label {
    file: String,
    service: String,
    sensitive: bool,
    category: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/accuracy")
}

fn labels() -> Vec<Label> {
    let text = fs::read_to_string(root().join("labels.tsv")).expect("labels.tsv");
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(
            cols.len() >= 4,
            "labels.tsv:{}: four columns or more",
            n + 1
        );
        assert!(
            matches!(cols[2], "sensitive" | "not"),
            "labels.tsv:{}: label {:?}",
            n + 1,
            cols[2]
        );
        out.push(Label {
            file: cols[0].to_string(),
            service: cols[1].to_string(),
            sensitive: cols[2] == "sensitive",
            category: cols[3].to_string(),
        });
    }
    out
}

fn load_options() -> LoadOptions {
    LoadOptions {
        process_env: Some(Vec::new()),
        skip_override: true,
        ..LoadOptions::default()
    }
}

/// What composeguard made of one service.
#[derive(Default)]
struct Verdict {
    reported: bool,
    safe_fix: bool,
    /// The kinds of clue of the judgements reported.
    clues: Vec<&'static str>,
    explanation: String,
}

fn clue_kind(clue: &Clue) -> &'static str {
    match clue {
        Clue::Image(_) => "image",
        Clue::DataDirectory(_) => "volume",
        Clue::Command(_) => "command",
        Clue::Healthcheck(_) => "healthcheck",
        Clue::UnambiguousPort(_) => "port (no image)",
        Clue::ImageToken(..) => "token",
        Clue::Environment(_) => "environment",
        Clue::Port(_) => "port",
        Clue::ServiceName(_) => "service name",
    }
}

fn loopback(ip: Option<&str>) -> bool {
    ip.is_some_and(|ip| ip.starts_with("127.") || ip == "::1" || ip == "[::1]")
}

/// Judges every service of one file.
fn judge_file(path: &Path, config: &Config) -> HashMap<String, Verdict> {
    let project = Project::load(path, None, &load_options())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let mut options = CheckOptions::new(config);
    options.load = load_options();
    let findings = lint(&project, &options);
    let reported: HashSet<(usize, std::ops::Range<usize>)> = findings
        .iter()
        .filter(|d| d.rule == "sensitive-port-exposed")
        .map(|d| (d.file, d.span.clone()))
        .collect();
    let facts = ServiceFacts::new(&project);
    let fixed = fixed_project(path, config);
    let mut out = HashMap::new();
    for (index, service) in project.services.iter().enumerate() {
        let mut verdict = Verdict::default();
        for binding in service.ports.iter().filter(|b| b.host_ip.is_none()) {
            let span = project.tree(binding.at.file).span(binding.at.node);
            if reported.contains(&(binding.at.file, span)) {
                verdict.reported = true;
            }
            if let Some(j) = facts.judge_binding(&project, index, binding, &config.catalogue) {
                if j.level >= Level::Corroborated && verdict.clues.is_empty() {
                    // What decided: the strong clues of a strong judgement, else the weak
                    // clues that agreed.
                    verdict.clues = j
                        .clues
                        .iter()
                        .filter(|c| (j.level == Level::Strong) == c.is_strong())
                        .map(clue_kind)
                        .collect();
                }
                if verdict.explanation.is_empty() || j.is_sensitive() {
                    verdict.explanation = format!("{:?}: {}", j.level, j.describe());
                }
            }
        }
        verdict.safe_fix = fixed
            .as_ref()
            .map(|f| rebound_to_loopback(service, f))
            .unwrap_or(false);
        out.insert(service.name.clone(), verdict);
    }
    out
}

/// The project after `check --fix` with safe fixes only, when anything changed.
fn fixed_project(path: &Path, config: &Config) -> Option<Project> {
    let mut options = CheckOptions::new(config);
    options.fix = true;
    options.load = load_options();
    let outcome = check_project(path, None, &options).expect("loads");
    assert!(
        outcome.fix_errors.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome.fix_errors
    );
    let mut load = load_options();
    let mut changed = false;
    for file in &outcome.files {
        if let Some(text) = &file.fixed {
            load.texts.insert(file.path.clone(), text.clone());
            changed = true;
        }
    }
    changed.then(|| Project::load(path, None, &load).expect("the fixed project loads"))
}

/// Whether a port the service published on every interface is on loopback after the fix.
fn rebound_to_loopback(before: &Service, after: &Project) -> bool {
    let Some(after) = after.service(&before.name) else {
        return false;
    };
    before
        .ports
        .iter()
        .filter(|b| b.host_ip.is_none())
        .any(|b| {
            after.ports.iter().any(|a| {
                loopback(a.host_ip.as_deref()) && a.target == b.target && a.protocol == b.protocol
            })
        })
}

#[derive(Default)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Score {
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn row(&self, name: &str) -> String {
        format!(
            "{name:<10} precision {:6.2}%  recall {:6.2}%  (tp {}, fp {}, fn {}, tn {})",
            100.0 * self.precision(),
            100.0 * self.recall(),
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )
    }
}

/// One labelled service and what composeguard made of it.
struct Outcome<'l> {
    label: &'l Label,
    verdict: Verdict,
}

/// The scores of a group of outcomes, printed as a table.
fn table(title: &str, outcomes: &[&Outcome]) -> (Score, Score) {
    let (mut finding, mut fix) = (Score::default(), Score::default());
    let mut per_category: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut mix: BTreeMap<&'static str, usize> = BTreeMap::new();
    for o in outcomes {
        let (label, verdict) = (o.label, &o.verdict);
        finding.add(verdict.reported, label.sensitive);
        fix.add(verdict.safe_fix, label.sensitive);
        if label.sensitive {
            let c = per_category.entry(&label.category).or_default();
            c.0 += 1;
            c.1 += usize::from(verdict.reported);
        }
        if verdict.reported && label.sensitive {
            let mut kinds = verdict.clues.clone();
            kinds.sort();
            kinds.dedup();
            for kind in kinds {
                *mix.entry(kind).or_default() += 1;
            }
        }
    }
    let sensitive = outcomes.iter().filter(|o| o.label.sensitive).count();
    println!(
        "== {title}: {} labelled services ({sensitive} sensitive, {} not)",
        outcomes.len(),
        outcomes.len() - sensitive
    );
    println!("{}", finding.row("finding"));
    println!("{}", fix.row("safe fix"));
    println!("recall per category:");
    for (category, (total, found)) in &per_category {
        println!("  {category:<14} {found}/{total}");
    }
    println!(
        "evidence mix (services found, by the kinds of clue that decided: the strong ones, or the weak ones that agreed):"
    );
    for (kind, n) in &mix {
        println!("  {kind:<16} {n}");
    }
    (finding, fix)
}

#[test]
fn sensitivity_and_safe_fix_meet_the_accuracy_targets_on_labelled_services() {
    let labels = labels();
    assert!(
        labels.len() >= 400,
        "at least 400 labelled services, found {}",
        labels.len()
    );
    let config = Config::default();
    let mut by_file: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for label in &labels {
        by_file.entry(&label.file).or_default().push(label);
    }
    let mut outcomes = Vec::new();
    for (file, labels) in &by_file {
        let mut verdicts = judge_file(&root().join(file), &config);
        for label in labels {
            let verdict = verdicts
                .remove(&label.service)
                .unwrap_or_else(|| panic!("{file}: no service `{}`", label.service));
            outcomes.push(Outcome { label, verdict });
        }
    }
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let (finding, fix) = table(&format!("all ({} files)", by_file.len()), &all);
    for (title, prefix) in [
        ("real services (corpus/)", "corpus/"),
        ("written variants (variants/)", "variants/"),
        (
            "held out (holdout/: written without looking at composeguard)",
            "holdout/",
        ),
    ] {
        let group: Vec<&Outcome> = all
            .iter()
            .copied()
            .filter(|o| o.label.file.starts_with(prefix))
            .collect();
        table(title, &group);
    }
    let wrong: Vec<&&Outcome> = all
        .iter()
        .filter(|o| {
            o.verdict.reported != o.label.sensitive || o.verdict.safe_fix != o.label.sensitive
        })
        .collect();
    if !wrong.is_empty() {
        println!("judged wrongly ({}):", wrong.len());
        for o in &wrong {
            println!(
                "  {} `{}`: labelled {}, reported {}, safe fix {}; {}",
                o.label.file,
                o.label.service,
                if o.label.sensitive {
                    "sensitive"
                } else {
                    "not"
                },
                o.verdict.reported,
                o.verdict.safe_fix,
                if o.verdict.explanation.is_empty() {
                    "no clue"
                } else {
                    &o.verdict.explanation
                }
            );
        }
    }
    for (name, score) in [("finding", &finding), ("safe fix", &fix)] {
        assert!(
            score.recall() >= MIN_RECALL,
            "{name}: recall {:.2}% < {}%",
            100.0 * score.recall(),
            100.0 * MIN_RECALL
        );
        assert!(
            score.precision() >= MIN_PRECISION,
            "{name}: precision {:.2}% < {}%",
            100.0 * score.precision(),
            100.0 * MIN_PRECISION
        );
    }
}
