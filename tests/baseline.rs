//! The baseline end to end (docs/baseline.md): `check --write-baseline`, `--baseline` and the
//! config's `baseline =`, what survives an edit and what does not, the file's stability, the
//! summary, `--fix`, and SARIF's `baselineState` validated against the SARIF 2.1.0 schema.

mod skip_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn composeguard(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("composeguard").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_WORKSPACE")
        .env("COMPOSEGUARD_TEST", "1");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `check` with `args` in `dir` (no config file is read but the one given): exit code,
/// stdout, stderr.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = composeguard(dir).arg("check").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two sensitive services published on every interface (two findings of
/// sensitive-port-exposed with `--select`).
const TWO_SERVICES: &str = "services:
  db:
    image: postgres:16
    ports:
      - \"5432:5432\"
  cache:
    image: redis:7
    ports:
      - \"6379:6379\"
";

/// The same findings after unrelated edits: a service added above (with no finding), the
/// services in another order, another quote style, comments and blank lines.
const EDITED: &str = "# edited
services:
  web:
    image: nginx:1.27
    ports:
      - \"127.0.0.1:8080:80\"

  cache:
    ports: ['6379:6379']   # the same entry, in flow style
    image: redis:7
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: app
    ports:
      - 5432:5432
";

const SELECT: [&str; 2] = ["--isolated", "--select=sensitive-port-exposed"];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    SELECT
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

#[test]
fn a_baseline_survives_an_inserted_service_and_a_reordered_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    let (code, stdout, stderr) = check(d, &args(&["--write-baseline", "baseline.json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("Wrote 2 finding(s) to the baseline baseline.json"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(d.join("baseline.json")).unwrap();

    // Without the baseline, both are reported; with it, none, and the summary counts them.
    assert_eq!(check(d, &args(&[])).0, 1);
    let (code, stdout, _) = check(d, &args(&["--baseline", "baseline.json"]));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "All checks passed.\n2 findings hidden by the baseline.\n"
    );

    write(d, "compose.yaml", EDITED);
    let (code, stdout, _) = check(
        d,
        &args(&["--baseline", "baseline.json", "--output-format=concise"]),
    );
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout, "2 findings hidden by the baseline.\n");
    // Written again after the edits, the baseline is the same, byte for byte.
    assert_eq!(check(d, &args(&["--write-baseline", "again.json"])).0, 0);
    assert_eq!(
        std::fs::read_to_string(d.join("again.json")).unwrap(),
        written
    );

    // Changing the entry itself (another published port) makes it a new finding.
    write(
        d,
        "compose.yaml",
        &EDITED.replace("5432:5432", "15432:5432"),
    );
    let (code, stdout, _) = check(
        d,
        &args(&["--baseline", "baseline.json", "--output-format=concise"]),
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "compose.yaml:16:9: error sensitive-port-exposed service `db` publishes port 15432->5432 \
         on every interface; it is a database (PostgreSQL: its image postgres:16)\n\
         1 finding hidden by the baseline.\n"
    );
}

#[test]
fn the_baseline_file_is_sorted_versioned_readable_and_rewritten_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    let first = std::fs::read(d.join("b.json")).unwrap();
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    assert_eq!(std::fs::read(d.join("b.json")).unwrap(), first);
    let doc: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(doc["version"], 1);
    let findings = doc["findings"].as_array().unwrap();
    // Sorted by file, then service: cache before db.
    let services: Vec<&str> = findings
        .iter()
        .map(|f| f["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["cache", "db"]);
    let db = &findings[1];
    assert_eq!(db["file"], "compose.yaml");
    assert_eq!(db["rule"], "sensitive-port-exposed");
    assert_eq!(db["path"], "services.db.ports.[]");
    assert_eq!(db["excerpt"], "5432:5432");
    assert_eq!(db["fingerprint"].as_str().unwrap().len(), 16);
    assert!(db["message"].as_str().unwrap().contains("port 5432"));
    // No line numbers: nothing that an unrelated edit would change.
    assert!(!String::from_utf8_lossy(&first).contains("line"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("b.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn a_fixed_finding_drops_out_and_the_rewritten_baseline_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    write(
        d,
        "compose.yaml",
        &TWO_SERVICES.replace("\"6379:6379\"", "\"127.0.0.1:6379:6379\""),
    );
    let (code, stdout, _) = check(d, &args(&["--baseline", "b.json"]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "All checks passed.\n1 finding hidden by the baseline.\n")
    );
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["service"], "db");
}

#[test]
fn identical_findings_are_counted_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ports = |n: usize| {
        format!(
            "services:\n  db:\n    image: postgres:16\n    ports:\n{}",
            "      - \"5432:5432\"\n".repeat(n)
        )
    };
    write(d, "compose.yaml", &ports(2));
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    let text = std::fs::read_to_string(d.join("b.json")).unwrap();
    assert_eq!(text.matches("\"fingerprint\"").count(), 2, "{text}");
    // A third identical entry is one new finding, the two recorded stay hidden.
    write(d, "compose.yaml", &ports(3));
    let (code, stdout, _) = check(
        d,
        &args(&["--baseline", "b.json", "--output-format=concise"]),
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout.matches("sensitive-port-exposed").count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 findings hidden by the baseline.\n"),
        "{stdout}"
    );
    // Down to one: nothing to report, and the rewrite keeps one entry.
    write(d, "compose.yaml", &ports(1));
    let (code, stdout, _) = check(d, &args(&["--baseline", "b.json"]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "All checks passed.\n1 finding hidden by the baseline.\n")
    );
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    let text = std::fs::read_to_string(d.join("b.json")).unwrap();
    assert_eq!(text.matches("\"fingerprint\"").count(), 1, "{text}");
}

#[test]
fn fix_leaves_baselined_findings_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    let added =
        format!("{TWO_SERVICES}  mq:\n    image: rabbitmq:3\n    ports:\n      - \"5672:5672\"\n");
    write(d, "compose.yaml", &added);
    let (code, stdout, stderr) = check(d, &args(&["--baseline", "b.json", "--fix"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Fixed 1 finding(s) in 1 file(s)."),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("All checks passed.\n2 findings hidden by the baseline.\n"),
        "{stdout}"
    );
    // Only the new finding was fixed: the baselined ports are as they were.
    assert_eq!(
        std::fs::read_to_string(d.join("compose.yaml")).unwrap(),
        added.replace("\"5672:5672\"", "\"127.0.0.1:5672:5672\"")
    );
    // With an empty baseline (docs/baseline.md), the recorded ones are fixed too.
    write(d, "empty.json", "{\"version\": 1, \"findings\": []}\n");
    let (code, _, stderr) = check(d, &args(&["--baseline", "empty.json", "--fix"]));
    assert_eq!(code, 0, "{stderr}");
    let fixed = std::fs::read_to_string(d.join("compose.yaml")).unwrap();
    assert_eq!(fixed.matches("127.0.0.1:").count(), 3, "{fixed}");
}

#[test]
fn the_config_names_the_baseline_relative_to_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "composeguard.toml",
        "select = [\"sensitive-port-exposed\"]\nbaseline = \"ci/baseline.json\"\n",
    );
    write(d, "deploy/compose.yaml", TWO_SERVICES);
    std::fs::create_dir_all(d.join("ci")).unwrap();
    // A baseline the config names but that does not exist yet hides nothing.
    assert_eq!(check(d, &["deploy"]).0, 1);
    let (code, _, stderr) = check(d, &["deploy", "--write-baseline", "ci/baseline.json"]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(d.join("ci/baseline.json")).unwrap();
    // Paths are relative to the baseline's folder.
    assert!(
        text.contains("\"file\": \"../deploy/compose.yaml\""),
        "{text}"
    );
    // From another folder, with the file named directly: the same baseline applies.
    let (code, stdout, _) = check(&d.join("deploy"), &["compose.yaml"]);
    assert_eq!(
        (code, stdout.as_str()),
        (
            0,
            "All checks passed.\n2 findings hidden by the baseline.\n"
        )
    );
    // `composeguard config` shows it as written.
    let shown = composeguard(d).arg("config").output().unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("\nbaseline = \"ci/baseline.json\"\n"),
        "{shown}"
    );
    // A broken baseline is a config error at the key, exit 2.
    write(d, "ci/baseline.json", "{\"version\": 7, \"findings\": []}");
    let (code, _, stderr) = check(d, &["deploy"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("baseline version 7 is not supported"),
        "{stderr}"
    );
    assert!(stderr.contains("composeguard.toml:2:"), "{stderr}");
}

#[test]
fn write_baseline_refuses_an_incomplete_run_and_baseline_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    let (code, _, stderr) = check(
        d,
        &args(&["compose.yaml", "missing.yaml", "--write-baseline", "b.json"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("b.json: not written"), "{stderr}");
    assert!(!d.join("b.json").exists());
    let (code, _, stderr) = check(d, &args(&["--baseline", "typo.json"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--baseline typo.json: no such file"),
        "{stderr}"
    );
    // The two options exclude each other, and --write-baseline excludes --diff.
    assert_eq!(
        check(
            d,
            &args(&["--baseline", "b.json", "--write-baseline", "c.json"])
        )
        .0,
        2
    );
    assert_eq!(
        check(d, &args(&["--diff", "--write-baseline", "c.json"])).0,
        2
    );
}

#[test]
fn sarif_marks_results_new_unchanged_and_absent_and_matches_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    // cache fixed (absent), db unchanged, mq new.
    let now = TWO_SERVICES.replace("\"6379:6379\"", "\"127.0.0.1:6379:6379\"")
        + "  mq:\n    image: rabbitmq:3\n    ports:\n      - \"5672:5672\"\n";
    write(d, "compose.yaml", &now);
    let (code, sarif, stderr) = check(d, &args(&["--baseline", "b.json", "--output-format=sarif"]));
    assert_eq!(code, 1, "{stderr}");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let states: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            (
                r["baselineState"].as_str().unwrap().to_string(),
                r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .nth(1)
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("new", "`mq`"),
        ("unchanged", "`db`"),
        ("absent", "`cache`"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(states, expected);
    let absent = &results[2];
    assert_eq!(absent["kind"], "pass");
    assert_eq!(
        absent["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "compose.yaml"
    );
    // Without a baseline, no result has a baselineState.
    let (_, plain, _) = check(d, &args(&["--output-format=sarif"]));
    assert!(!plain.contains("baselineState"));
    validate_sarif(&sarif);
}

/// Validates a SARIF log against the vendored SARIF 2.1.0 schema with Python's jsonschema
/// (as tests/report_formats.rs does).
fn validate_sarif(sarif: &str) {
    let schema =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let has_jsonschema = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_jsonschema {
        return skip_support::skip_or_fail("python3 with jsonschema is not available");
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.sarif");
    std::fs::write(&log, sarif).unwrap();
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.absolute_path))
for e in errors:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the SARIF log does not match the schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stdin_honours_the_baseline_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "compose.yaml", TWO_SERVICES);
    assert_eq!(check(d, &args(&["--write-baseline", "b.json"])).0, 0);
    let stdin = |extra: &[&str]| {
        let out = composeguard(d)
            .arg("check")
            .args(args(&[
                "--baseline",
                "b.json",
                "--stdin-filename",
                "compose.yaml",
            ]))
            .args(extra)
            .arg("-")
            .write_stdin(EDITED)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(
        stdin(&["--output-format=concise"]),
        (0, "2 findings hidden by the baseline.\n".to_string())
    );
    let (code, sarif) = stdin(&["--output-format=sarif"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let states: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["unchanged", "unchanged"]);
    // Format-on-save: the document comes back unchanged, the baselined ports not rebound.
    let (code, fixed) = stdin(&["--fix"]);
    assert_eq!((code, fixed.as_str()), (0, EDITED));
}

/// A baseline never holds `expired-exception`: an exception's end date would otherwise be
/// written away by the next `--write-baseline`. The finding the expired exception no longer
/// hides is an ordinary finding: the baseline written that day records it.
#[test]
fn an_expired_exception_is_never_baselined() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:
  db:
    image: postgres:16
    ports:
      # composeguard: ignore[sensitive-port-exposed] until=2027-01-31 owner=@db replication
      - \"5432:5432\"
",
    );
    let args = ["--isolated", "--output-format", "concise", "compose.yaml"];
    let mut write_args = vec!["--now", "2027-02-01", "--write-baseline", "baseline.json"];
    write_args.extend(args);
    let (code, _, stderr) = check(dir.path(), &write_args);
    assert_eq!(code, 0, "{stderr}");
    let recorded = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(!recorded.contains("expired-exception"), "{recorded}");
    assert!(recorded.contains("sensitive-port-exposed"), "{recorded}");

    let mut read_args = vec!["--now", "2027-02-01", "--baseline", "baseline.json"];
    read_args.extend(args);
    let (code, stdout, _) = check(dir.path(), &read_args);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("compose.yaml:5:7: error expired-exception"),
        "{stdout}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("compose.yaml:"))
            .count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.contains("1 finding hidden by the baseline"),
        "{stdout}"
    );
}
