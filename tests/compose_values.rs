//! Values composeguard reads as Docker Compose reads them, compared with `docker-compose config`
//! (v2.40.3) on the table measured in docs/compose-facts.md:
//!
//! * booleans: every spelling of the table, plain and quoted, under every boolean key a rule
//!   reads (`privileged`, `read_only`, a long volume's `read_only`, `healthcheck.disable`) and
//!   the other service booleans (`init`, `tty`, `stdin_open`, `oom_kill_disable`).
//!
//! The committed table is checked against composeguard's reader always; against the binary
//! when it is here (else the live part skips, listed under the summary, or fails with
//! COMPOSEGUARD_REQUIRE_ORACLE set).

mod skip_support;

#[path = "oracle_support/mod.rs"]
mod oracle_support;

use std::path::Path;
use std::process::Command;

use composeguard::compose::boolean::bool_at;
use composeguard::compose::model::Project;
use composeguard::compose::mounts::mounts;
use composeguard::compose::project::LoadOptions;

/// Spellings and what Compose makes of them: `Some(value)`, or `None` where it rejects the
/// file. The same for every boolean key, plain or quoted (measured, docs/compose-facts.md).
const BOOLEANS: &[(&str, Option<bool>)] = &[
    ("true", Some(true)),
    ("True", Some(true)),
    ("TRUE", Some(true)),
    ("tRuE", Some(true)),
    ("yes", Some(true)),
    ("Yes", Some(true)),
    ("YES", Some(true)),
    ("y", Some(true)),
    ("Y", Some(true)),
    ("on", Some(true)),
    ("On", Some(true)),
    ("oN", Some(true)),
    ("false", Some(false)),
    ("False", Some(false)),
    ("FALSE", Some(false)),
    ("no", Some(false)),
    ("No", Some(false)),
    ("NO", Some(false)),
    ("n", Some(false)),
    ("N", Some(false)),
    ("off", Some(false)),
    ("OFF", Some(false)),
    ("1", None),
    ("0", None),
    ("t", None),
    ("f", None),
    ("enable", None),
    ("~", None),
];

/// Where a boolean sits in a service, as YAML lines under the service (the value replaces `V`).
const PLACES: &[(&str, &str)] = &[
    ("privileged", "    privileged: V\n"),
    ("read_only", "    read_only: V\n"),
    ("init", "    init: V\n"),
    ("tty", "    tty: V\n"),
    ("stdin_open", "    stdin_open: V\n"),
    ("oom_kill_disable", "    oom_kill_disable: V\n"),
    (
        "volumes.read_only",
        "    volumes:\n      - type: bind\n        source: /srv\n        target: /srv\n        read_only: V\n",
    ),
    (
        "healthcheck.disable",
        "    healthcheck:\n      disable: V\n",
    ),
];

struct Case {
    service: String,
    place: &'static str,
    spelling: &'static str,
    quoted: bool,
    expected: Option<bool>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (p, (place, _)) in PLACES.iter().enumerate() {
        for (s, (spelling, expected)) in BOOLEANS.iter().enumerate() {
            for quoted in [false, true] {
                out.push(Case {
                    service: format!("s{p}x{s}{}", if quoted { "q" } else { "p" }),
                    place,
                    spelling,
                    quoted,
                    expected: *expected,
                });
            }
        }
    }
    out
}

fn service_yaml(case: &Case) -> String {
    let template = PLACES.iter().find(|(p, _)| *p == case.place).unwrap().1;
    let value = if case.quoted {
        format!("\"{}\"", case.spelling)
    } else {
        case.spelling.to_string()
    };
    format!(
        "  {}:\n    image: busybox\n{}",
        case.service,
        template.replace('V', &value)
    )
}

fn write_project(dir: &Path, cases: &[&Case]) -> std::path::PathBuf {
    let mut text = String::from("services:\n");
    for case in cases {
        text.push_str(&service_yaml(case));
    }
    let path = dir.join("compose.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// What composeguard reads for each case of a project written by [`write_project`].
fn composeguard_values(path: &Path, cases: &[&Case]) -> Vec<Option<bool>> {
    let options = LoadOptions {
        process_env: Some(Vec::new()),
        skip_override: true,
        ..LoadOptions::default()
    };
    let project = Project::load(path, None, &options).expect("the project loads");
    cases
        .iter()
        .map(|case| {
            let service = project.service(&case.service).expect("service");
            let node = match case.place {
                "volumes.read_only" => {
                    let mount = &mounts(&project, service)[0];
                    let tree = project.tree(mount.at.file);
                    tree.get_value(mount.at.node, "read_only")
                        .map(|n| (mount.at.file, n))
                }
                "healthcheck.disable" => {
                    project.service_value(service, "healthcheck").and_then(|h| {
                        let tree = project.tree(h.file);
                        tree.get_value(h.node, "disable").map(|n| (h.file, n))
                    })
                }
                key => project
                    .service_value(service, key)
                    .map(|l| (l.file, l.node)),
            };
            let (file, node) = node.expect("the key is there");
            bool_at(&project, composeguard::compose::model::Loc { file, node })
        })
        .collect()
}

/// What `docker-compose config` makes of each case: `None` when it rejects the file (the
/// cases are then run one by one), else the value it prints (an absent `false` is false).
fn compose_values(compose: &Path, dir: &Path, cases: &[&Case]) -> Option<Vec<Option<bool>>> {
    let path = write_project(dir, cases);
    let out = Command::new(compose)
        .args(["-f", path.to_str().unwrap(), "config", "--format", "json"])
        .env_clear()
        .current_dir(dir)
        .output()
        .expect("docker-compose runs");
    if !out.status.success() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(
        cases
            .iter()
            .map(|case| {
                let service = &json["services"][&case.service];
                let value = match case.place {
                    "volumes.read_only" => &service["volumes"][0]["read_only"],
                    "healthcheck.disable" => &service["healthcheck"]["disable"],
                    key => &service[key],
                };
                Some(value.as_bool().unwrap_or(false))
            })
            .collect(),
    )
}

#[test]
fn booleans_are_read_as_the_measured_table() {
    let tmp = tempfile::tempdir().unwrap();
    let all = cases();
    for case in &all {
        let path = write_project(tmp.path(), &[case]);
        let read = composeguard_values(&path, &[case]);
        assert_eq!(
            read[0], case.expected,
            "{} = {} (quoted: {})",
            case.place, case.spelling, case.quoted
        );
    }
}

#[test]
fn booleans_match_docker_compose() {
    let Some(compose) = oracle_support::find_compose() else {
        skip_support::skip_or_fail("docker-compose v2.40.3 not found: booleans not compared");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let all = cases();
    // The accepted spellings in one project; each rejected one alone (one fails the file).
    let accepted: Vec<&Case> = all.iter().filter(|c| c.expected.is_some()).collect();
    let compose_read = compose_values(&compose, tmp.path(), &accepted)
        .expect("docker-compose accepts every spelling the table accepts");
    let path = write_project(tmp.path(), &accepted);
    let ours = composeguard_values(&path, &accepted);
    for ((case, theirs), ours) in accepted.iter().zip(&compose_read).zip(&ours) {
        assert_eq!(
            ours, theirs,
            "{} = {} (quoted: {})",
            case.place, case.spelling, case.quoted
        );
    }
    let mut rejected = 0;
    for case in all.iter().filter(|c| c.expected.is_none()) {
        assert_eq!(
            compose_values(&compose, tmp.path(), &[case]),
            None,
            "docker-compose accepts {} = {} (quoted: {})",
            case.place,
            case.spelling,
            case.quoted
        );
        rejected += 1;
    }
    assert_eq!(accepted.len() + rejected, all.len());
    eprintln!(
        "booleans: {} accepted and {rejected} rejected spellings agree with docker-compose",
        accepted.len()
    );
}

/// `use_api_socket` is typed `boolean` alone in the schema: YAML booleans only (written as in
/// the file, quotes included), `None` where Compose rejects the file.
const STRICT_BOOLEANS: &[(&str, Option<bool>)] = &[
    ("true", Some(true)),
    ("True", Some(true)),
    ("TRUE", Some(true)),
    ("false", Some(false)),
    ("FALSE", Some(false)),
    ("yes", None),
    ("on", None),
    ("\"true\"", None),
    ("\"${X:-true}\"", None),
];

fn strict_project(dir: &Path, written: &str) -> std::path::PathBuf {
    let path = dir.join("compose.yaml");
    std::fs::write(
        &path,
        format!("services:\n  a:\n    image: busybox\n    use_api_socket: {written}\n"),
    )
    .unwrap();
    path
}

#[test]
fn strict_booleans_are_yaml_booleans() {
    let tmp = tempfile::tempdir().unwrap();
    let compose = oracle_support::find_compose();
    if compose.is_none() {
        skip_support::skip_or_fail("docker-compose v2.40.3 not found: use_api_socket not compared");
    }
    for (written, expected) in STRICT_BOOLEANS {
        let path = strict_project(tmp.path(), written);
        let options = LoadOptions {
            process_env: Some(Vec::new()),
            skip_override: true,
            ..LoadOptions::default()
        };
        let project = Project::load(&path, None, &options).expect("the project loads");
        let service = project.service("a").unwrap();
        let at = project.service_value(service, "use_api_socket").unwrap();
        let ours = composeguard::compose::boolean::yaml_bool_at(&project, at);
        assert_eq!(ours, *expected, "use_api_socket: {written}");
        let Some(compose) = &compose else {
            continue;
        };
        let out = Command::new(compose)
            .args(["-f", path.to_str().unwrap(), "config", "--format", "json"])
            .env_clear()
            .current_dir(tmp.path())
            .output()
            .expect("docker-compose runs");
        let theirs = out.status.success().then(|| {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            json["services"]["a"]["use_api_socket"]
                .as_bool()
                .unwrap_or(false)
        });
        assert_eq!(
            theirs, *expected,
            "docker-compose on use_api_socket: {written}"
        );
    }
}

#[test]
fn a_missing_docker_compose_is_listed_as_a_skip() {
    let output = skip_support::run_without_tools("booleans_match_docker_compose");
    assert_eq!(
        skip_support::listed_skips(&output),
        ["booleans_match_docker_compose: docker-compose v2.40.3 not found: booleans not compared"],
        "{output}"
    );
}
