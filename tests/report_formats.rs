//! The machine output formats (json, sarif, github, gitlab, junit, rdjson), rendered from real
//! lint runs and parsed back. A line with `é` and an emoji before a finding proves that each
//! format counts columns in its own unit: characters (json, github), UTF-16 code units
//! (sarif), UTF-8 bytes (rdjson).
//!
//! The SARIF log is validated against the official SARIF 2.1.0 schema (tests/schemas/, vendored)
//! with Python's `jsonschema`, and the JUnit XML is parsed by Python's `xml.etree`. Without
//! python3/jsonschema or the schema those checks skip with a notice, unless
//! COMPOSEGUARD_REQUIRE_ORACLE is set (CI), where they fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use composeguard::compose::interpolate::Environment;
use composeguard::compose::model::Project;
use composeguard::config::Config;
use composeguard::diagnostic::{Diagnostic, Severity};
use composeguard::engine::{CheckOptions, lint};
use composeguard::report::{self, FileReport, OutputFormat, PathStyle, RenderContext};
use serde_json::Value;

/// é (2 bytes, 1 UTF-16 unit) and 🦀 (4 bytes, 2 UTF-16 units) before the port on line 2.
const MULTIBYTE: &str =
    "services:\n  db: {image: \"postgres:16\", labels: {note: \"é🦀\"}, ports: [\"5432:5432\"]}\n";
// Columns (1-based) of `"5432:5432"` on line 2, and of the position just after it.
const CHAR_COL: u64 = 60;
const UTF16_COL: u64 = 61;
const BYTE_COL: u64 = 64;
const WIDTH: u64 = 11;

/// A warning (non-sensitive service) and a long-syntax port whose fix inserts a line.
const MIXED: &str = "services:\n  app:\n    image: example/app:1\n    ports:\n      - \"8080:8080\"\n  cache:\n    image: redis:7\n    ports:\n      - target: 6379\n        published: 6379\n";

const RULES_UNDER_TEST: [&str; 2] = ["sensitive-port-exposed", "port-exposed-all-interfaces"];

fn lint_text(path: &str, text: &str) -> FileReport {
    let project = Project::from_text(Path::new(path), text, Environment::empty())
        .unwrap_or_else(|e| panic!("{path}: {}", e.message));
    let config = Config::default();
    let options = CheckOptions::new(&config);
    // Only the two exposure rules, so that rules added later do not change the counts.
    let diagnostics: Vec<Diagnostic> = lint(&project, &options)
        .into_iter()
        .filter(|d| d.file == 0 && RULES_UNDER_TEST.contains(&d.rule))
        .collect();
    FileReport {
        path: PathBuf::from(path),
        text: project.files[0].tree.source(),
        diagnostics,
    }
}

/// Two files, given out of order (the formats sort them).
fn reports() -> Vec<FileReport> {
    vec![
        lint_text("deploy/compose.yaml", MULTIBYTE),
        lint_text("compose.yaml", MIXED),
    ]
}

fn render(format: OutputFormat, reports: &[FileReport]) -> String {
    report::render(format, reports, &RenderContext { color: false })
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// Applies `(start, end, content)` byte edits to a text.
fn apply(text: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, content) in edits {
        out.replace_range(start..end, &content);
    }
    out
}

fn oracle_required() -> bool {
    std::env::var_os("COMPOSEGUARD_REQUIRE_ORACLE").is_some()
}

/// Says loudly that a check was skipped (past the test harness's capture), or fails when
/// the oracle is required.
fn skip(why: &str) {
    if oracle_required() {
        panic!("COMPOSEGUARD_REQUIRE_ORACLE is set but {why}");
    }
    let _ = writeln!(std::io::stderr(), "NOTICE: {why}: check skipped");
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn lint_runs_give_the_expected_findings() {
    let reports = reports();
    let rules = |r: &FileReport| r.diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>();
    assert_eq!(rules(&reports[0]), ["sensitive-port-exposed"]);
    assert_eq!(
        rules(&reports[1]),
        ["port-exposed-all-interfaces", "sensitive-port-exposed"]
    );
}

#[test]
fn json_has_the_documented_schema_and_character_columns() {
    let reports = reports();
    let doc = parse(&render(OutputFormat::Json, &reports));
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "composeguard");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    // Deterministic order: files by path, findings by position.
    let order: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("compose.yaml", "port-exposed-all-interfaces"),
            ("compose.yaml", "sensitive-port-exposed"),
            ("deploy/compose.yaml", "sensitive-port-exposed"),
        ]
    );
    let keys: Vec<&str> = findings[2]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "rule", "severity", "message", "file", "span", "start", "end", "help", "fix",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }

    let f = &findings[2];
    assert_eq!(f["severity"], "error");
    assert!(f["message"].as_str().unwrap().contains("service `db`"));
    let (start, end) = (
        f["span"]["start"].as_u64().unwrap() as usize,
        f["span"]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&MULTIBYTE[start..end], "\"5432:5432\"");
    assert_eq!(
        f["start"],
        serde_json::json!({"line": 2, "column": CHAR_COL})
    );
    assert_eq!(
        f["end"],
        serde_json::json!({"line": 2, "column": CHAR_COL + WIDTH})
    );
    assert!(f["help"].as_str().unwrap().contains("127.0.0.1"));
    assert_eq!(
        f["url"],
        "https://github.com/composeguard/composeguard/blob/main/rules/docs/sensitive-port-exposed.md"
    );
    let fix = &f["fix"];
    assert_eq!(fix["applicability"], "safe");
    assert!(fix["title"].as_str().unwrap().contains("127.0.0.1"));
    let edits: Vec<(usize, usize, String)> = fix["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["range"]["start"].as_u64().unwrap() as usize,
                e["range"]["end"].as_u64().unwrap() as usize,
                e["content"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        apply(MULTIBYTE, edits),
        MULTIBYTE.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
    );

    // The warning's fix is unsafe; the long-syntax fix inserts a `host_ip` line.
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["fix"]["applicability"], "unsafe");
    let long = &findings[1];
    let edits: Vec<(usize, usize, String)> = long["fix"]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["range"]["start"].as_u64().unwrap() as usize,
                e["range"]["end"].as_u64().unwrap() as usize,
                e["content"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(apply(MIXED, edits).contains("host_ip: \"127.0.0.1\""));

    // No findings is still a document.
    let empty = parse(&render(OutputFormat::Json, &[]));
    assert_eq!(empty["findings"], serde_json::json!([]));
    // The same input gives the same bytes.
    assert_eq!(
        render(OutputFormat::Json, &reports),
        render(OutputFormat::Json, &self::reports())
    );
}

#[test]
fn sarif_has_rules_results_utf16_regions_and_fixes() {
    let reports = reports();
    let style = PathStyle::relative_to("/repo", "/repo");
    let log = parse(&report::sarif::render(&reports, &style));
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "composeguard");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        driver["informationUri"],
        "https://github.com/composeguard/composeguard"
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), composeguard::rules::RULES.len());
    for (rule, meta) in rules.iter().zip(composeguard::rules::RULES) {
        let meta = &meta.meta;
        assert_eq!(rule["id"], meta.id);
        assert_eq!(rule["shortDescription"]["text"], meta.summary);
        assert!(
            rule["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .starts_with(meta.summary)
        );
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/composeguard/composeguard/blob/main/rules/docs/{}.md",
                meta.id
            )
        );
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert_eq!(
            rule["properties"]["tags"],
            serde_json::json!([meta.category])
        );
        let level = match meta.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///repo/"
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let r = &results[2];
    assert_eq!(r["ruleId"], "sensitive-port-exposed");
    assert_eq!(r["level"], "error");
    assert!(r["message"]["text"].as_str().unwrap().contains("`db`"));
    let location = &r["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "deploy/compose.yaml");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let region = &location["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], UTF16_COL);
    assert_eq!(region["endLine"], 2);
    assert_eq!(region["endColumn"], UTF16_COL + WIDTH);
    let fix = &r["fixes"][0];
    assert!(
        fix["description"]["text"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1")
    );
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "deploy/compose.yaml");
    let replacement = &change["replacements"][0];
    let offset = replacement["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize;
    let length = replacement["deletedRegion"]["byteLength"].as_u64().unwrap() as usize;
    assert_eq!(replacement["deletedRegion"]["startLine"], 2);
    let fixed = apply(
        MULTIBYTE,
        vec![(
            offset,
            offset + length,
            replacement["insertedContent"]["text"]
                .as_str()
                .unwrap()
                .to_string(),
        )],
    );
    assert!(fixed.contains("[\"127.0.0.1:5432:5432\"]"), "{fixed}");
    // Fingerprints are unique.
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["composeguard/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), 3);

    // A file outside the base gets an absolute file URI.
    let outside = PathStyle::relative_to("/repo/sub", "/repo");
    let log = parse(&report::sarif::render(&reports, &outside));
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "file:///repo/compose.yaml"})
    );

    validate_sarif(&report::sarif::render(&reports, &style), "findings");
    validate_sarif(&report::sarif::render(&reports, &outside), "absolute-uris");
    validate_sarif(&report::sarif::render(&[], &style), "no-findings");
}

/// Validates a SARIF log against the official schema with Python's jsonschema.
fn validate_sarif(sarif: &str, name: &str) {
    let schema =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    if !schema.is_file() {
        return skip(&format!("{} is absent", schema.display()));
    }
    if !python_has("jsonschema") {
        return skip("python3 with jsonschema is not available (pip install jsonschema)");
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(format!("{name}.sarif"));
    std::fs::write(&log, sarif).unwrap();
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.absolute_path))
for e in errors:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: the SARIF log does not match the schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn github_commands_have_character_columns_and_severities() {
    let reports = reports();
    let out = report::github::render(&reports, &PathStyle::as_shown());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with(
            "::warning file=compose.yaml,line=5,col=9,endLine=5,endColumn=20,title=port-exposed-all-interfaces::service `app` publishes port 8080"
        ),
        "{}",
        lines[0]
    );
    // The long-syntax entry spans two lines.
    assert!(
        lines[1].starts_with(
            "::error file=compose.yaml,line=9,col=9,endLine=10,endColumn=24,title=sensitive-port-exposed::service `cache`"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(&format!(
            "::error file=deploy/compose.yaml,line=2,col={CHAR_COL},endLine=2,endColumn={},title=sensitive-port-exposed::service `db` publishes port 5432",
            CHAR_COL + WIDTH
        )),
        "{}",
        lines[2]
    );
    // Help follows the message on escaped line breaks; no raw line break is left.
    assert!(
        lines[2].contains("%0A%0Ahelp: bind it to 127.0.0.1"),
        "{}",
        lines[2]
    );

    // Relative to the workspace, from a sub-folder.
    let style = PathStyle::relative_to("/w", "/w/ops");
    let out = report::github::render(&reports, &style);
    assert!(
        out.contains("::error file=ops/deploy/compose.yaml,line=2,"),
        "{out}"
    );
}

#[test]
fn github_escapes_messages_and_properties_and_maps_info_to_notice() {
    let text = "services: {}\n";
    let report = FileReport {
        path: PathBuf::from("odd,dir/a:b%.yaml"),
        text: text.into(),
        diagnostics: vec![
            Diagnostic::new(
                "made-up,rule:x",
                Severity::Info,
                0,
                0..8,
                "50% done\r\nnext: a,b",
            ),
            Diagnostic::new("w", Severity::Warning, 0, 0..8, "w"),
            Diagnostic::new("e", Severity::Error, 0, 0..8, "e"),
        ],
    };
    let out = report::github::render(std::slice::from_ref(&report), &PathStyle::as_shown());
    // Same span: ordered by rule id (e, made-up..., w).
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("::error file="), "{}", lines[0]);
    assert_eq!(
        lines[1],
        "::notice file=odd%2Cdir/a%3Ab%25.yaml,line=1,col=1,endLine=1,endColumn=9,title=made-up%2Crule%3Ax::50%25 done%0D%0Anext: a,b"
    );
    assert!(lines[2].starts_with("::warning file="), "{}", lines[2]);
    assert_eq!(
        report::github::escape_data("a%b\rc\nd:e,f"),
        "a%25b%0Dc%0Ad:e,f"
    );
    assert_eq!(
        report::github::escape_property("a%b\rc\nd:e,f"),
        "a%25b%0Dc%0Ad%3Ae%2Cf"
    );
}

#[test]
fn github_step_summary_is_a_markdown_table() {
    let reports = reports();
    let summary = report::github::step_summary_with(&reports, &PathStyle::as_shown());
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines[0], "## composeguard");
    assert!(
        summary.contains("3 finding(s) in 2 file(s): 2 error(s), 1 warning(s), 0 info."),
        "{summary}"
    );
    assert!(
        summary.contains("| Location | Severity | Rule | Message |\n| --- | --- | --- | --- |\n")
    );
    let rows: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Location") && !l.starts_with("| ---"))
        .collect();
    assert_eq!(rows.len(), 3, "{summary}");
    assert!(rows[0].starts_with("| compose.yaml:5 | warning | [port-exposed-all-interfaces](https://github.com/composeguard/composeguard/blob/main/rules/docs/port-exposed-all-interfaces.md) | service `app`"));
    assert!(rows[2].starts_with("| deploy/compose.yaml:2 | error | [sensitive-port-exposed]("));
    // A `|` in a message does not break the table.
    let piped = FileReport {
        path: PathBuf::from("c.yaml"),
        text: "x\n".into(),
        diagnostics: vec![Diagnostic::new("r", Severity::Error, 0, 0..1, "a | b\nc")],
    };
    let summary = report::github::step_summary_with(&[piped], &PathStyle::as_shown());
    assert!(summary.contains("| c.yaml:1 | error | [r](https://github.com/composeguard/composeguard/blob/main/rules/docs/r.md) | a \\| b<br>c |"), "{summary}");
    assert!(report::github::step_summary_with(&[], &PathStyle::as_shown()).contains("No findings"));
}

#[test]
fn gitlab_code_quality_issues_have_stable_unique_fingerprints() {
    let reports = reports();
    let style = PathStyle::relative_to("/builds/p", "/builds/p");
    let issues = parse(&report::gitlab::render(&reports, &style));
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 3);
    let first = &issues[0];
    assert_eq!(first["check_name"], "port-exposed-all-interfaces");
    assert_eq!(first["severity"], "minor");
    assert!(
        first["description"]
            .as_str()
            .unwrap()
            .contains("service `app`")
    );
    assert_eq!(first["location"]["path"], "compose.yaml");
    assert_eq!(first["location"]["lines"]["begin"], 5);
    assert_eq!(issues[2]["severity"], "major");
    assert_eq!(issues[2]["location"]["path"], "deploy/compose.yaml");
    assert_eq!(issues[2]["location"]["lines"]["begin"], 2);
    let prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    for p in &prints {
        assert_eq!(p.len(), 16);
        assert!(p.chars().all(|c| c.is_ascii_hexdigit()));
    }
    let mut unique = prints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3);
    // Stable: the same run gives the same fingerprints, and moving the finding to another
    // line does not change it.
    let again = parse(&report::gitlab::render(&self::reports(), &style));
    assert_eq!(again[2]["fingerprint"], issues[2]["fingerprint"]);
    let moved = lint_text(
        "deploy/compose.yaml",
        &MULTIBYTE.replace("services:\n", "# a comment\nservices:\n"),
    );
    let moved = parse(&report::gitlab::render(&[moved], &style));
    assert_eq!(moved[0]["location"]["lines"]["begin"], 3);
    assert_eq!(moved[0]["fingerprint"], issues[2]["fingerprint"]);
}

#[test]
fn junit_is_well_formed_with_a_failure_per_finding() {
    let mut reports = reports();
    // A message and a path that need escaping, and a file without findings.
    reports.push(FileReport {
        path: PathBuf::from("x&y/compose.yaml"),
        text: "a\n".into(),
        diagnostics: vec![Diagnostic::new(
            "r",
            Severity::Warning,
            0,
            0..1,
            "<b> & \"q\" 'a'\u{1}",
        )],
    });
    reports.push(FileReport {
        path: PathBuf::from("clean/compose.yaml"),
        text: "services: {}\n".into(),
        diagnostics: Vec::new(),
    });
    let xml = render(OutputFormat::Junit, &reports);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"composeguard\" tests=\"5\" failures=\"4\""), "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 4);
    assert_eq!(xml.matches("<failure ").count(), 4);
    assert!(xml.contains("<testsuite name=\"x&amp;y/compose.yaml\""));
    assert!(xml.contains("message=\"&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos;\u{FFFD}\""));
    assert!(xml.contains(
        "<testsuite name=\"clean/compose.yaml\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    <testcase name=\"no findings\""
    ));
    assert!(xml.contains(&format!(
        "<testcase name=\"sensitive-port-exposed at 2:{CHAR_COL}\" classname=\"deploy/compose.yaml\""
    )));
    let empty = render(OutputFormat::Junit, &[]);
    assert!(empty.contains("tests=\"1\" failures=\"0\""), "{empty}");

    if !python_has("xml.etree.ElementTree") {
        return skip("python3 is not available to parse the JUnit XML");
    }
    for (name, xml) in [("findings", &xml), ("empty", &empty)] {
        let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
cases = root.findall("testsuite/testcase")
failures = root.findall("testsuite/testcase/failure")
assert int(root.get("tests")) == len(cases), (root.get("tests"), len(cases))
assert int(root.get("failures")) == len(failures)
for s in suites:
    assert int(s.get("tests")) == len(s.findall("testcase"))
    assert int(s.get("failures")) == len(s.findall("testcase/failure"))
print(len(suites), len(cases), len(failures))
for f in failures:
    print(f.get("type"), f.get("message"))
"#;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: not well-formed JUnit:\n{stdout}{}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        );
        if name == "findings" {
            assert!(stdout.starts_with("4 5 4\n"), "{stdout}");
            assert!(
                stdout.contains("warning <b> & \"q\" 'a'\u{FFFD}"),
                "{stdout}"
            );
        } else {
            assert!(stdout.starts_with("1 1 0\n"), "{stdout}");
        }
    }
}

#[test]
fn rdjson_has_byte_columns_codes_and_suggestions() {
    let reports = reports();
    let result = parse(&render(OutputFormat::Rdjson, &reports));
    assert_eq!(result["source"]["name"], "composeguard");
    assert_eq!(
        result["source"]["url"],
        "https://github.com/composeguard/composeguard"
    );
    assert_eq!(result["severity"], "ERROR");
    let diagnostics = result["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 3);
    assert_eq!(diagnostics[0]["severity"], "WARNING");
    let d = &diagnostics[2];
    assert_eq!(d["severity"], "ERROR");
    assert_eq!(d["location"]["path"], "deploy/compose.yaml");
    assert_eq!(
        d["location"]["range"],
        serde_json::json!({
            "start": {"line": 2, "column": BYTE_COL},
            "end": {"line": 2, "column": BYTE_COL + WIDTH},
        })
    );
    assert_eq!(d["code"]["value"], "sensitive-port-exposed");
    assert_eq!(
        d["code"]["url"],
        "https://github.com/composeguard/composeguard/blob/main/rules/docs/sensitive-port-exposed.md"
    );
    // The suggestion, applied by byte columns on line 2, gives the fixed line.
    let suggestion = &d["suggestions"][0];
    let line = MULTIBYTE.lines().nth(1).unwrap();
    let start = suggestion["range"]["start"]["column"].as_u64().unwrap() as usize - 1;
    let end = suggestion["range"]["end"]["column"].as_u64().unwrap() as usize - 1;
    assert_eq!(suggestion["range"]["start"]["line"], 2);
    let mut fixed = line.to_string();
    fixed.replace_range(start..end, suggestion["text"].as_str().unwrap());
    assert!(
        fixed.ends_with("ports: [\"127.0.0.1:5432:5432\"]}"),
        "{fixed}"
    );

    let empty = parse(&render(OutputFormat::Rdjson, &[]));
    assert_eq!(empty["diagnostics"], serde_json::json!([]));
    assert!(empty.get("severity").is_none());
}

#[test]
fn every_machine_format_handles_no_findings() {
    for format in [
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Gitlab,
        OutputFormat::Rdjson,
    ] {
        parse(&render(format, &[]));
    }
    assert_eq!(render(OutputFormat::Github, &[]), "");
    assert_eq!(
        parse(&render(OutputFormat::Gitlab, &[])),
        serde_json::json!([])
    );
}
