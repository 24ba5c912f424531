//! Every rule has its documentation (`rules/docs/<id>.md`), in the expected shape, and the
//! documentation's examples are true: the `# before` example triggers the rule and the
//! `# after` example does not, with every rule enabled.

use std::path::Path;

use composeguard::compose::interpolate::Environment;
use composeguard::compose::model::Project;
use composeguard::config::{Config, Overrides};
use composeguard::engine::{CheckOptions, lint};
use composeguard::rules::RULES;

const SECTIONS: [&str; 4] = [
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## References",
];

/// "Today" for the examples (they say so in a comment: `--now 2027-01-25`).
const EXAMPLES_NOW: &str = "2027-01-25";

/// The body of the first ```yaml block whose first line is `# <label>`.
fn example(docs: &str, label: &str) -> Option<String> {
    let marker = format!("# {label}");
    let mut rest = docs;
    while let Some(start) = rest.find("```yaml\n") {
        let body_start = start + "```yaml\n".len();
        let end = rest[body_start..].find("```")? + body_start;
        let body = &rest[body_start..end];
        if body.lines().next().map(str::trim) == Some(marker.as_str()) {
            return Some(body.to_string());
        }
        rest = &rest[end + 3..];
    }
    None
}

/// The rule ids reported for a compose text, every rule enabled.
fn findings(id: &str, label: &str, text: &str) -> Vec<(&'static str, String)> {
    let path = Path::new("/docs-example/compose.yaml");
    let project = Project::from_text(path, text, Environment::empty())
        .unwrap_or_else(|e| panic!("{id}: the `# {label}` example does not load: {}", e.message));
    // Examples of exceptions with an end are read on a fixed day, as `--now` would fix it.
    let now = composeguard::exceptions::date::parse(EXAMPLES_NOW).map(|w| w.start());
    let config = Config::default().with_overrides(&Overrides {
        extend_select: vec!["all".into()],
        now: now.ok(),
        ..Overrides::default()
    });
    let options = CheckOptions::new(&config);
    lint(&project, &options)
        .into_iter()
        .map(|d| (d.rule, d.message))
        .collect()
}

#[test]
fn every_rule_has_docs() {
    let mut problems = Vec::new();
    for rule in RULES {
        let m = &rule.meta;
        let docs = m.docs;
        if docs.lines().next() != Some(format!("# {}", m.id).as_str()) {
            problems.push(format!("{}: the first line must be `# {}`", m.id, m.id));
        }
        let mut at = 0;
        for section in SECTIONS {
            match docs[at..].find(&format!("\n{section}\n")) {
                Some(i) => at += i + section.len(),
                None => problems.push(format!("{}: missing or misplaced `{section}`", m.id)),
            }
        }
        // Rules of the running host (`composeguard audit`) show it on the host: a
        // ```console block starting with `# on the host` and a `$ composeguard audit` run.
        if m.category == "host" {
            let host = docs.find("```console\n# on the host\n");
            if host.is_none_or(|at| !docs[at..].contains("$ composeguard audit")) {
                problems.push(format!(
                    "{}: no ```console block starting with `# on the host` that runs `composeguard audit`",
                    m.id
                ));
            }
            if !docs.contains("composeguard audit") {
                problems.push(format!(
                    "{}: does not say it is reported by `composeguard audit`",
                    m.id
                ));
            }
            continue_after_host(&mut problems, m.id, docs);
            if !docs.contains("https://") {
                problems.push(format!("{}: the references cite no URL", m.id));
            }
            continue;
        }
        for label in ["before", "after"] {
            if example(docs, label).is_none() {
                problems.push(format!(
                    "{}: no ```yaml block starting with `# {label}`",
                    m.id
                ));
            }
        }
        if !docs.contains("https://") {
            problems.push(format!("{}: the references cite no URL", m.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A host rule's YAML examples, when it has them, show the file's side: the `# before`
/// must load and the `# after` must not be reported by `check` as exposed.
fn continue_after_host(problems: &mut Vec<String>, id: &str, docs: &str) {
    if let (Some(before), Some(after)) = (example(docs, "before"), example(docs, "after")) {
        let exposed = |text: &str, label: &str| {
            findings(id, label, text)
                .iter()
                .any(|(r, _)| *r == "sensitive-port-exposed")
        };
        if !exposed(&before, "before") {
            problems.push(format!(
                "{id}: the `# before` file does not expose a sensitive port to `check`"
            ));
        }
        if exposed(&after, "after") {
            problems.push(format!(
                "{id}: the `# after` file still exposes a sensitive port"
            ));
        }
    }
}

#[test]
fn rule_ids_are_unique_and_kebab_case() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.meta.id).collect();
    for id in &ids {
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id} is not kebab-case"
        );
    }
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "duplicate rule ids");
}

#[test]
fn examples_before_trigger_and_after_do_not() {
    let mut problems = Vec::new();
    for rule in RULES.iter().filter(|r| r.meta.category != "host") {
        let m = &rule.meta;
        let (Some(before), Some(after)) = (example(m.docs, "before"), example(m.docs, "after"))
        else {
            continue;
        };
        let found = findings(m.id, "before", &before);
        if !found.iter().any(|(r, _)| *r == m.id) {
            problems.push(format!(
                "{}: the `# before` example does not trigger it (found: {:?})",
                m.id,
                found.iter().map(|(r, _)| *r).collect::<Vec<_>>()
            ));
        }
        let found = findings(m.id, "after", &after);
        if let Some((_, message)) = found.iter().find(|(r, _)| *r == m.id) {
            problems.push(format!(
                "{}: the `# after` example still triggers it: {message}",
                m.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
