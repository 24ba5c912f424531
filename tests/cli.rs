//! The command line end to end: exit codes, stdin, --fix/--diff, discovery, errors.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;

fn composeguard() -> Command {
    let mut cmd = Command::cargo_bin("composeguard").unwrap();
    cmd.env_remove("NO_COLOR").env("COMPOSEGUARD_TEST", "1");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

const EXPOSED: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\" # keep me\n";
const CLEAN: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"127.0.0.1:5432:5432\"\n";

#[test]
fn exit_codes_clean_findings_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean/compose.yaml", CLEAN);
    let exposed = write(dir.path(), "exposed/compose.yaml", EXPOSED);
    let broken = write(dir.path(), "broken/compose.yaml", "services:\n  db: [\n");
    composeguard()
        .arg("check")
        .arg(&clean)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("All checks passed"));
    composeguard()
        .arg("check")
        .arg(&exposed)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("sensitive-port-exposed"));
    // A file Compose rejects is an invalid-compose finding at file:line:col (exit 1, nothing
    // on stderr), and the other files are still checked.
    let out = composeguard()
        .arg("check")
        .arg(&broken)
        .arg(&exposed)
        .arg("--output-format")
        .arg("concise")
        .assert()
        .code(1);
    let out = out.get_output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("broken/compose.yaml:2:7: error invalid-compose unclosed bracket"),
        "{stdout}"
    );
    assert!(stdout.contains("exposed/compose.yaml:5:9: error sensitive-port-exposed"));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // Exit 2 stays for usage errors and paths that cannot be read.
    composeguard().arg("check").arg("--bogus").assert().code(2);
    composeguard()
        .arg("check")
        .arg(dir.path().join("missing/compose.yaml"))
        .assert()
        .code(2);
}

#[test]
fn diff_writes_nothing_and_fix_writes_atomically_keeping_the_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = composeguard()
        .arg("check")
        .arg("--diff")
        .arg(&file)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains(
            "-      - \"5432:5432\" # keep me\n+      - \"127.0.0.1:5432:5432\" # keep me"
        ),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);

    composeguard()
        .arg("check")
        .arg("--fix")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("+++ b/"));
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        fixed,
        EXPOSED.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // No temporary file is left behind, and a second run changes nothing.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    composeguard()
        .arg("check")
        .arg("--fix")
        .arg(&file)
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), fixed);
}

#[test]
fn symlinked_file_is_fixed_through_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = write(dir.path(), "real/compose.yaml", EXPOSED);
    let link = dir.path().join("compose.yaml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    composeguard()
        .arg("check")
        .arg("--fix")
        .arg(&link)
        .assert()
        .code(0);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("127.0.0.1:5432:5432")
    );
}

#[test]
fn stdin_fix_prints_the_whole_document() {
    let out = composeguard()
        .args([
            "check",
            "--fix",
            "--stdin-filename",
            "deploy/compose.yaml",
            "-",
        ])
        .write_stdin(EXPOSED)
        .assert()
        .code(0);
    let out = out.get_output();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        EXPOSED.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
    );
    // Nothing to change: the document comes back as it was, findings on stderr.
    let web = "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n";
    let out = composeguard()
        .args(["check", "--fix", "--stdin-filename", "compose.yaml", "-"])
        .write_stdin(web)
        .assert()
        .code(1);
    let out = out.get_output();
    assert_eq!(String::from_utf8_lossy(&out.stdout), web);
    assert!(String::from_utf8_lossy(&out.stderr).contains("port-exposed-all-interfaces"));
    // --exit-zero: findings do not fail a format-on-save.
    composeguard()
        .args([
            "check",
            "--fix",
            "--exit-zero",
            "--stdin-filename",
            "compose.yaml",
            "-",
        ])
        .write_stdin(web)
        .assert()
        .code(0);
    // Invalid input: the text back unchanged, an invalid-compose finding at its position on
    // stderr, exit 1 (0 with --exit-zero).
    for (extra, code) in [(None, 1), (Some("--exit-zero"), 0)] {
        let out = composeguard()
            .args(["check", "--fix", "--output-format", "concise"])
            .args(extra)
            .args(["--stdin-filename", "c.yaml", "-"])
            .write_stdin("a: [\n")
            .assert()
            .code(code);
        let out = out.get_output();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a: [\n");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("c.yaml:1:4: error invalid-compose unclosed bracket")
        );
    }
}

#[test]
fn discovery_finds_compose_names_and_respects_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), ".gitignore", "ignored/\n");
    write(dir.path(), "compose.yaml", EXPOSED);
    write(dir.path(), "deploy/docker-compose.prod.yml", EXPOSED);
    write(dir.path(), "ignored/compose.yaml", EXPOSED);
    write(dir.path(), "other.yaml", EXPOSED);
    let out = composeguard()
        .current_dir(dir.path())
        .args(["check", "--output-format", "concise"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let files: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        files,
        ["compose.yaml", "deploy/docker-compose.prod.yml"],
        "{stdout}"
    );
    // A file named on the command line is checked whatever its name.
    composeguard()
        .current_dir(dir.path())
        .args(["check", "other.yaml"])
        .assert()
        .code(1);
}

#[test]
fn bind_address_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n    image: redis\n    ports:\n      - 6379:6379\n",
    );
    composeguard()
        .args([
            "check", "--fix", "--select", "exposure", "--bind", "10.8.0.1",
        ])
        .arg(&file)
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("- 10.8.0.1:6379:6379")
    );
    composeguard()
        .args(["check", "--bind", "not-an-ip"])
        .arg(&file)
        .assert()
        .code(2);
}

#[test]
fn bind_accepts_loopback_and_trusted_addresses() {
    let dir = tempfile::tempdir().unwrap();
    for (bind, written) in [
        ("127.0.0.1", "127.0.0.1:6379:6379"),
        ("::1", "[::1]:6379:6379"),
        ("[::1]", "[::1]:6379:6379"),
        ("10.8.0.5", "10.8.0.5:6379:6379"),
        ("100.64.12.34", "100.64.12.34:6379:6379"),
    ] {
        let file = write(
            dir.path(),
            "compose.yaml",
            "services:\n  db:\n    image: redis\n    ports:\n      - 6379:6379\n",
        );
        composeguard()
            .args(["check", "--fix", "--select", "exposure", "--bind", bind])
            .arg(&file)
            .assert()
            .code(0);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(written), "--bind {bind}: {text}");
    }
}

#[test]
fn bind_refuses_what_is_not_loopback_or_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let refusals = [
        (
            "0.0.0.0",
            "--bind 0.0.0.0: a wildcard address publishes on every interface; bind to 127.0.0.1, ::1 or an address on a private network (a VPN interface)",
        ),
        ("::", "--bind ::: a wildcard address"),
        ("[::]", "--bind [::]: a wildcard address"),
        ("", "--bind \"\": a wildcard address"),
        (
            "203.0.113.7",
            "--bind 203.0.113.7: a public address is reachable from the internet",
        ),
        ("2001:db8::1", "--bind 2001:db8::1: a public address"),
        ("224.0.0.1", "--bind 224.0.0.1: a multicast address"),
        ("ff02::1", "--bind ff02::1: a multicast address"),
        (
            "255.255.255.255",
            "--bind 255.255.255.255: the broadcast address",
        ),
        ("0.0.0.1", "--bind 0.0.0.1: an address in 0.0.0.0/8"),
        ("localhost", "--bind localhost: not an IP address"),
    ];
    for (bind, message) in refusals {
        let out = composeguard()
            .args(["check", "--fix", "--bind", bind])
            .arg(&file)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(message), "--bind {bind:?}: {stderr}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
}

#[test]
fn trusted_networks_narrow_what_bind_accepts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "composeguard.toml",
        "fail-on = \"error\"\ntrusted-networks = [\"10.8.0.0/24\", \"198.51.100.0/24\"]\n",
    );
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    // A private address outside the list is refused, pointing at the list.
    let out = composeguard()
        .args(["check", "--fix", "--bind", "192.168.1.5"])
        .arg(&file)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("--bind 192.168.1.5: a private address outside trusted-networks (10.8.0.0/24, 198.51.100.0/24)")
            && stderr.contains("composeguard.toml:2:20"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
    // Inside it (a public range trusted on purpose too), accepted.
    composeguard()
        .args(["check", "--fix", "--bind", "198.51.100.7"])
        .arg(&file)
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("198.51.100.7:5432:5432")
    );
    let out = composeguard().arg("config").arg(&file).assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("trusted-networks = [\"10.8.0.0/24\", \"198.51.100.0/24\"]"),
        "{stdout}"
    );
}

#[test]
fn a_bad_trusted_network_or_bind_address_is_a_config_error_at_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let cases = [
        (
            "fail-on = \"error\"\ntrusted-networks = [\"10.8.0.0/24\", \"10.8.0.0/33\"]\n",
            "trusted-networks: the prefix length 33 in \"10.8.0.0/33\" is too long for an IPv4 address (at most 32)",
            "composeguard.toml:2:36",
        ),
        (
            "trusted-networks = [\"wg0\"]\n",
            "trusted-networks: \"wg0\" is not an IP address",
            "composeguard.toml:1:21",
        ),
        (
            "\nbind-address = \"0.0.0.0\"\n",
            "bind-address \"0.0.0.0\": a wildcard address publishes on every interface",
            "composeguard.toml:2:16",
        ),
        (
            "trusted-networks = [\"10.8.0.0/24\"]\nbind-address = \"172.17.0.1\"\n",
            "bind-address \"172.17.0.1\": a private address outside trusted-networks (10.8.0.0/24)",
            "composeguard.toml:2:16",
        ),
    ];
    for (config, message, position) in cases {
        write(dir.path(), "composeguard.toml", config);
        for command in ["check", "config"] {
            let out = composeguard().arg(command).arg(&file).assert().code(2);
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
            assert!(
                stderr.contains(message) && stderr.contains(position),
                "{config}: {stderr}"
            );
        }
    }
}

#[test]
fn rules_are_listed_and_documented() {
    let out = composeguard().arg("rules").assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("sensitive-port-exposed") && stdout.contains("port-exposed-all-interfaces")
    );
    composeguard()
        .args(["rule", "sensitive-port-exposed"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("exposure"));
    composeguard()
        .args(["rule", "no-such-rule"])
        .assert()
        .code(2);
}

#[test]
fn rule_selection_and_fail_on_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: ghcr.io/x/web:1\n    ports: [\"8080:8080\"]\n",
    );
    // A warning fails by default, not with --fail-on error.
    composeguard().arg("check").arg(&file).assert().code(1);
    composeguard()
        .args(["check", "--fail-on", "error"])
        .arg(&file)
        .assert()
        .code(0);
    composeguard()
        .args(["check", "--ignore", "exposure"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("All checks passed"));
    composeguard()
        .args(["check", "--select", "sensitive-port-exposed"])
        .arg(&file)
        .assert()
        .code(0);
    composeguard()
        .args(["check", "--select", "no-such-rule"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-rule"));
}

#[test]
fn config_file_is_found_upward_and_can_be_overridden() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "composeguard.toml", "fail-on = \"error\"\n");
    let file = write(
        dir.path(),
        "app/compose.yaml",
        "services:\n  web:\n    image: ghcr.io/x/web:1\n    ports: [\"8080:8080\"]\n",
    );
    composeguard().arg("check").arg(&file).assert().code(0);
    composeguard()
        .args(["check", "--isolated"])
        .arg(&file)
        .assert()
        .code(1);
    let other = write(dir.path(), "other.toml", "ignore = [\"exposure\"]\n");
    composeguard()
        .arg("check")
        .arg("--config")
        .arg(&other)
        .arg("--isolated")
        .arg(&file)
        .assert()
        .code(2);
    composeguard()
        .arg("check")
        .arg("--config")
        .arg(&other)
        .arg(&file)
        .assert()
        .code(0);
    // The resolved configuration and the schema.
    let out = composeguard().arg("config").arg(&file).assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("fail-on = \"error\"") && stdout.contains("composeguard.toml"),
        "{stdout}"
    );
    let out = composeguard().args(["config", "--schema"]).assert().code(0);
    let schema: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(schema["properties"]["fail-on"].is_object());
}

#[test]
fn a_bad_config_is_an_error_pointing_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "composeguard.toml",
        "fail-on = \"error\"\nselct = [\"exposure\"]\n",
    );
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let out = composeguard().arg("check").arg(&file).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("unknown field `selct`") && stderr.contains("composeguard.toml:2:1"),
        "{stderr}"
    );
}

#[test]
fn output_file_gets_the_format_and_the_terminal_the_human_view() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let report = dir.path().join("report.txt");
    let out = composeguard()
        .args(["check", "--output-format", "concise", "--output-file"])
        .arg(&report)
        .arg(&file)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("help:"),
        "the terminal shows the human view: {stdout}"
    );
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(
        written.contains(":5:9: error sensitive-port-exposed"),
        "{written}"
    );
}

#[test]
fn catalogue_lists_the_entries_with_the_configurations_products() {
    let dir = tempfile::tempdir().unwrap();
    let out = composeguard()
        .args(["catalogue", "--isolated", "--output-format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let entries: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let entries = entries.as_array().unwrap();
    assert!(entries.len() >= 250, "{} entries", entries.len());
    for family in [
        "kafka-connect",
        "qdrant",
        "seaweedfs",
        "mosquitto",
        "nacos",
        "jaeger",
    ] {
        assert!(
            entries.iter().any(|e| e["id"] == family),
            "{family} is catalogued"
        );
    }
    write(
        dir.path(),
        "composeguard.toml",
        "[[sensitive.products]]\nname = \"Ledger DB\"\nports = [7070]\ntokens = [\"ledgerdb\"]\n",
    );
    composeguard()
        .args(["catalogue", "--category", "database"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("user:Ledger DB"))
        .stdout(predicates::str::contains("tokens ledgerdb"))
        .stdout(predicates::prelude::PredicateBooleanExt::not(
            predicates::str::contains("\nredis "),
        ));
    // The printed configuration reads back with the product.
    let printed = composeguard()
        .arg("config")
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(printed).unwrap();
    assert!(printed.contains("[[sensitive.products]]"), "{printed}");
    composeguard()
        .args(["catalogue", "--category", "nosuch"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown category"));
}

#[test]
fn a_folder_with_no_compose_file_is_not_all_checks_passed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty/notes.yaml", "services: {}\n");
    write(dir.path(), "full/compose.yaml", CLEAN);
    let empty = dir.path().join("empty");
    let out = composeguard()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("All checks passed"), "{stdout}");
    assert!(!stderr.contains("All checks passed"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {}: no compose file found (looked for compose.yaml, compose.yml, \
             docker-compose.yaml, docker-compose.yml",
            empty.display()
        )),
        "{stderr}"
    );
    assert!(stderr.ends_with("No compose files found.\n"), "{stderr}");
    // Every format: the report is empty, the warning is on stderr.
    for format in ["json", "sarif", "github", "concise"] {
        let out = composeguard()
            .args(["check", "--output-format", format])
            .arg(&empty)
            .env_remove("GITHUB_STEP_SUMMARY")
            .assert()
            .code(0)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.ends_with("No compose files found.\n"),
            "{format}: {stderr}"
        );
    }
    // The config's include names are listed too.
    write(
        dir.path(),
        "empty/composeguard.toml",
        "include = [\"*.stack.yml\"]\n",
    );
    let out = composeguard()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("and the config's include \"*.stack.yml\""),
        "{stderr}"
    );
    // With a folder that has one, the empty one is named and the run is summed up as usual.
    let out = composeguard()
        .arg("check")
        .arg(&empty)
        .arg(dir.path().join("full"))
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no compose file found"), "{stderr}");
    assert!(!stderr.contains("No compose files found"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("All checks passed"),
        "{stderr}"
    );
    // A missing path is an error, not a warning.
    let out = composeguard()
        .arg("check")
        .arg(dir.path().join("missing"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("No compose files found"), "{stderr}");
}

/// Runs a program in a folder; its stdout when it succeeds, else panics with its output.
fn run_ok(dir: &Path, program: &str, args: &[&str], stdin: Option<&[u8]>) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn diff_prints_a_patch_that_git_apply_and_patch_accept() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    // A fix in two files, and a finding the fix leaves (a non-sensitive service's port).
    let left = "  app:\n    image: example/app:1\n    ports:\n      - \"8080:8080\"\n";
    write(repo, "a/compose.yaml", &format!("{EXPOSED}{left}"));
    write(repo, "b/compose.yaml", EXPOSED);
    run_ok(repo, "git", &["init", "-q"], None);
    run_ok(repo, "git", &["add", "."], None);
    run_ok(
        repo,
        "git",
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "start",
        ],
        None,
    );
    let out = composeguard()
        .current_dir(repo)
        .args(["check", "--diff"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let patch = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(patch.starts_with("--- a/a/compose.yaml\n"), "{patch}");
    assert_eq!(patch.matches("\n+++ b/").count(), 2, "{patch}");
    assert!(
        patch.lines().all(|l| ["--- ", "+++ ", "@@ ", " ", "-", "+"]
            .iter()
            .any(|p| l.starts_with(p))),
        "stdout is the patch alone:\n{patch}"
    );
    // The findings and the summary are on stderr.
    assert!(stderr.contains("port-exposed-all-interfaces"), "{stderr}");
    assert!(stderr.contains("Found "), "{stderr}");
    std::fs::write(repo.join("fix.patch"), &patch).unwrap();
    run_ok(repo, "git", &["apply", "--check", "fix.patch"], None);
    run_ok(repo, "patch", &["-p1", "--dry-run"], Some(patch.as_bytes()));
    run_ok(repo, "git", &["apply", "fix.patch"], None);
    // Applied, it is what --fix writes; nothing is left to change: exit 0 although a
    // warning remains, and an empty stdout.
    assert_eq!(
        std::fs::read_to_string(repo.join("b/compose.yaml")).unwrap(),
        EXPOSED.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
    );
    let out = composeguard()
        .current_dir(repo)
        .args(["check", "--diff"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("port-exposed-all-interfaces"),
        "the finding left is still shown, on stderr"
    );

    // A machine format: the report on stderr too.
    write(repo, "b/compose.yaml", EXPOSED);
    let out = composeguard()
        .current_dir(repo)
        .args(["check", "--diff", "--output-format", "json", "b"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let patch = String::from_utf8(out.stdout).unwrap();
    assert!(patch.starts_with("--- a/b/compose.yaml\n"), "{patch}");
    let report: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(report.is_array() || report.is_object(), "{report}");

    // From stdin: the patch alone too.
    let out = composeguard()
        .current_dir(repo)
        .args(["check", "--diff", "--stdin-filename", "b/compose.yaml", "-"])
        .write_stdin(EXPOSED)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let patch = String::from_utf8(out.stdout).unwrap();
    assert!(patch.starts_with("--- a/b/compose.yaml\n"), "{patch}");
    std::fs::write(repo.join("stdin.patch"), &patch).unwrap();
    run_ok(repo, "git", &["apply", "--check", "stdin.patch"], None);
}

/// The help of every finding on `file`, by rule, from the JSON report.
fn helps(file: &Path) -> Vec<(String, String)> {
    let out = composeguard()
        .args(["check", "--output-format", "json"])
        .arg(file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report
        .as_array()
        .or_else(|| report["findings"].as_array())
        .unwrap_or_else(|| panic!("{report}"));
    findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["help"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn udp_ports_keep_their_protocol_and_are_not_sent_through_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "services:\n  dns:\n    image: example/dns:1\n    ports:\n      - \"53:53/udp\"\n      - \"8053:53\"\n      - target: 5353\n        published: \"5353\"\n        protocol: udp\n",
    );
    let helps: Vec<String> = helps(&file)
        .into_iter()
        .filter(|(rule, _)| rule == "port-exposed-all-interfaces")
        .map(|(_, help)| help)
        .collect();
    assert_eq!(helps.len(), 3, "{helps:#?}");
    let (udp, tcp, long_udp) = (&helps[0], &helps[1], &helps[2]);
    assert!(udp.contains("(\"127.0.0.1:53:53/udp\")"), "{udp}");
    assert!(!udp.contains("\"127.0.0.1:53:53\""), "{udp}");
    assert!(!udp.contains("ssh"), "SSH forwards TCP only: {udp}");
    assert!(udp.contains("\"10.8.0.1:53:53/udp\""), "{udp}");
    assert!(udp.contains("WireGuard"), "{udp}");
    assert!(
        udp.contains(
            "DOCKER-USER chain (ufw does not see published ports): iptables -I DOCKER-USER -p udp -m conntrack --ctorigdstport 53 --ctdir ORIGINAL"
        ),
        "{udp}"
    );
    // TCP: the tunnel as before.
    assert!(
        tcp.contains("(\"127.0.0.1:8053:53\") and reach it through an SSH tunnel: ssh -N -L "),
        "{tcp}"
    );
    // Long syntax: the protocol stays in the mapping; no tunnel either.
    assert!(long_udp.contains("host_ip: \"127.0.0.1\""), "{long_udp}");
    assert!(!long_udp.contains("ssh"), "{long_udp}");
    assert!(long_udp.contains("--ctorigdstport 5353 "), "{long_udp}");
}

#[test]
fn config_prints_a_configuration_that_reads_back_with_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let compose = format!(
        "{EXPOSED}  app:\n    image: example/app:latest\n    privileged: true\n    ports:\n      - \"8080:8080\"\n      - \"53:53/udp\"\n  ledger:\n    image: acme/ledgerdb-fork:2\n    ports:\n      - \"7070:7070\"\n  # composeguard: ignore[privileged]\n  edge:\n    image: example/edge:1\n    ports:\n      - \"10.0.0.3:80:80\"\n"
    );
    let findings = |folder: &Path, extra: &[&str]| -> String {
        let out = composeguard()
            .current_dir(folder)
            .args(["check", "--output-format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let config = |folder: &Path| -> String {
        let out = composeguard()
            .current_dir(folder)
            .arg("config")
            .assert()
            .code(0)
            .get_output()
            .clone();
        String::from_utf8(out.stdout).unwrap()
    };

    // No config: the printout of the defaults, saved, changes nothing.
    let defaults = dir.path().join("defaults");
    write(&defaults, "compose.yaml", &compose);
    let printed = config(&defaults);
    assert!(
        printed.contains("\nselect = [\"invalid-compose\", "),
        "{printed}"
    );
    assert!(!printed.contains("enabled-rules"), "{printed}");
    assert!(
        printed.contains("# default\nfail-on = \"warning\"\n"),
        "{printed}"
    );
    let expected = findings(&defaults, &["--isolated"]);
    assert!(expected.contains("sensitive-port-exposed"), "{expected}");
    write(&defaults, "composeguard.toml", &printed);
    assert_eq!(findings(&defaults, &[]), expected);

    // A config that sets every key: printed, saved beside a copy of the project, the same
    // findings as the original.
    let custom = dir.path().join("custom");
    write(&custom, "compose.yaml", &compose);
    write(&custom, "dev/compose.yaml", EXPOSED);
    write(
        &custom,
        "composeguard.toml",
        r#"select = ["exposure", "hardening"]
extend-select = ["image-unpinned-tag", "wildcard-bind"]
ignore = ["runs-as-root"]
fail-on = "error"
bind-address = "10.0.0.2"
trusted-networks = ["10.0.0.0/24"]
exclude = ["vendor/**"]
include = ["*.stack.yml"]
public-services = ["edge"]
public-images = ["example/web"]

[severity]
port-exposed-all-interfaces = "error"

[per-file-ignores]
"dev/**" = ["sensitive-port-exposed"]

[sensitive]
images = [{ pattern = "myorg/ledger", category = "database" }]
ports = [7000]

[[sensitive.products]]
name = "Ledger DB"
category = "database"
ports = [7070]
tokens = ["ledgerdb"]

[suppressions]
require-reason = false
report-unused = false
"#,
    );
    write(&custom, "other.stack.yml", EXPOSED);
    let printed = config(&custom);
    let file = custom.join("composeguard.toml").display().to_string();
    assert!(
        printed.contains(&format!("# from {file}\nfail-on = \"error\"\n")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "# the rules that run: select = [\"exposure\", \"hardening\"] in {file}, plus \
             extend-select = [\"image-unpinned-tag\", \"wildcard-bind\"], minus ignore = \
             [\"runs-as-root\"]\nselect = ["
        )),
        "{printed}"
    );
    assert!(printed.contains("\n[[sensitive.products]]\n"), "{printed}");
    let expected = findings(&custom, &[]);
    assert!(expected.contains("Ledger DB"), "{expected}");
    let copy = dir.path().join("copy");
    write(&copy, "compose.yaml", &compose);
    write(&copy, "dev/compose.yaml", EXPOSED);
    write(&copy, "other.stack.yml", EXPOSED);
    write(&copy, "composeguard.toml", &printed);
    assert_eq!(findings(&copy, &[]), expected);
    // Printed again from the copy, it is the same but for the file's name and the origin
    // of `select` (now the list itself).
    let without_origin = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.starts_with("# the rules that run: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        without_origin(&config(&copy)),
        without_origin(
            &printed.replace(&file, &copy.join("composeguard.toml").display().to_string())
        )
    );
}

/// An empty file and one that is not YAML are `invalid-compose` findings at their place in
/// every output format: exit 1, 0 with --exit-zero, nothing on stderr.
#[test]
fn a_file_compose_rejects_is_a_finding_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty/compose.yaml", "");
    let broken = write(dir.path(), "broken/compose.yaml", "services:\n  db: [\n");
    for format in [
        "human", "concise", "json", "sarif", "github", "gitlab", "junit", "rdjson",
    ] {
        for (extra, code) in [(None, 1), (Some("--exit-zero"), 0)] {
            let out = composeguard()
                .args(["check", "--color", "never", "--output-format", format])
                .args(extra)
                .arg(&empty)
                .arg(&broken)
                .env_remove("GITHUB_STEP_SUMMARY")
                .assert()
                .code(code);
            let out = out.get_output();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
            assert!(stdout.contains("invalid-compose"), "{format}: {stdout}");
            assert!(stdout.contains("empty compose file"), "{format}: {stdout}");
            assert!(stdout.contains("unclosed bracket"), "{format}: {stdout}");
        }
    }
    let out = composeguard()
        .args(["check", "--output-format", "json"])
        .arg(&broken)
        .assert()
        .code(1);
    let document: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let finding = &document["findings"][0];
    assert_eq!(finding["rule"], "invalid-compose");
    assert_eq!(finding["start"]["line"], 2);
    assert_eq!(finding["start"]["column"], 7);
}

/// `check` and `config` on `file` with the config file `config` beside it: exit 2 and stderr.
fn config_error(dir: &Path, config: &[u8]) -> String {
    std::fs::write(dir.join("composeguard.toml"), config).unwrap();
    let file = write(dir, "compose.yaml", EXPOSED);
    let mut errors = String::new();
    for command in ["check", "config"] {
        let out = composeguard().arg(command).arg(&file).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(!stderr.contains("panicked"), "{stderr}");
        errors.push_str(&stderr);
    }
    errors
}

#[test]
fn a_config_error_past_column_65535_is_shown_by_its_position() {
    // miette panicked on the label's padding.
    let dir = tempfile::tempdir().unwrap();
    let config = format!("select = [{}\"nope\"]\n", "\"all\", ".repeat(12_000));
    let stderr = config_error(dir.path(), config.as_bytes());
    assert!(
        stderr.contains("composeguard.toml:1:84011: unknown rule or category \"nope\" (its line is too long to show)"),
        "{stderr}"
    );
}

#[test]
fn config_errors_name_the_file_and_cut_long_values() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = config_error(dir.path(), b"fail-on = \"error\"\nselect = [\"\xff\"]\n");
    assert!(
        stderr.contains("the config file is not UTF-8")
            && stderr.contains("composeguard.toml:2:12"),
        "{stderr}"
    );
    let globs: Vec<String> = (0..20_000)
        .map(|i| format!("\"a{i}*/**/x[0-9]*\""))
        .collect();
    let config = format!("exclude = [{}]\n", globs.join(","));
    let stderr = config_error(dir.path(), config.as_bytes());
    assert!(
        stderr.contains("composeguard.toml: cannot build the 20000 globs"),
        "{stderr}"
    );
    let config = format!("select = [\"{}\"]\n", "b".repeat(1_000_000));
    let stderr = config_error(dir.path(), config.as_bytes());
    assert!(
        stderr.contains("more bytes)") && stderr.len() < 10_000,
        "{} bytes",
        stderr.len()
    );
}

#[test]
fn a_huge_config_file_is_refused_without_reading_it() {
    // A sparse 2 GB file: reading it took minutes and 12 GB.
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::File::create(dir.path().join("composeguard.toml")).unwrap();
    config.set_len(2 << 30).unwrap();
    drop(config);
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let started = std::time::Instant::now();
    let out = composeguard().arg("check").arg(&file).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("composeguard.toml: the config file is more than the 4194304 byte limit"),
        "{stderr}"
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn output_that_cannot_be_written_is_exit_2_even_with_exit_zero() {
    // `> /dev/full` exited 0 with nothing written: an editor would replace the buffer with
    // nothing.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("NOTICE: no /dev/full: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let file = file.to_str().unwrap();
    fn check<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["check", "--isolated", "--exit-zero"];
        args.extend(extra);
        args
    }
    let runs: Vec<(Vec<&str>, Option<&str>)> = vec![
        (check(&[file]), None),
        (check(&["--output-format", "json", file]), None),
        (check(&["--output-format", "sarif", file]), None),
        (check(&["--output-format", "concise", file]), None),
        (check(&["--output-format", "github", file]), None),
        (check(&["--diff", file]), None),
        (
            check(&["--fix", "--stdin-filename", "compose.yaml", "-"]),
            Some(EXPOSED),
        ),
        (vec!["rules"], None),
        (vec!["rule", "sensitive-port-exposed"], None),
        (vec!["config", "--isolated"], None),
        (vec!["catalogue"], None),
    ];
    for (args, stdin) in runs {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_composeguard"))
            .args(&args)
            .env_remove("NO_COLOR")
            .env("COMPOSEGUARD_TEST", "1")
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(full.try_clone().unwrap())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        std::io::Write::write_all(&mut input, stdin.unwrap_or("").as_bytes()).unwrap();
        drop(input);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write the output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn bind_address_in_the_config_refuses_every_class_that_is_not_loopback_or_private() {
    // The same classes as --bind (bind_refuses_what_is_not_loopback_or_trusted), from the
    // config file, and their IPv4-mapped spellings on both: each is a config error at its
    // value, and --fix writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let refusals = [
        ("0.0.0.0", "a wildcard address"),
        ("::", "a wildcard address"),
        ("::ffff:0.0.0.0", "a wildcard address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:239.1.2.3", "a multicast address"),
        ("255.255.255.255", "the broadcast address"),
        ("::ffff:255.255.255.255", "the broadcast address"),
        ("0.0.0.1", "an address in 0.0.0.0/8"),
        ("::ffff:0.0.0.1", "an address in 0.0.0.0/8"),
        ("8.8.8.8", "a public address"),
        ("::ffff:8.8.8.8", "a public address"),
        ("2001:4860::8888", "a public address"),
    ];
    for (bind, why) in refusals {
        write(
            dir.path(),
            "composeguard.toml",
            &format!("bind-address = \"{bind}\"\n"),
        );
        let out = composeguard()
            .args(["check", "--fix"])
            .arg(&file)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains(&format!("bind-address \"{bind}\": {why}"))
                && stderr.contains("composeguard.toml:1:16"),
            "bind-address {bind}: {stderr}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
        let out = composeguard()
            .args(["check", "--isolated", "--fix", "--bind", bind])
            .arg(&file)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains(&format!("--bind {bind}: {why}")),
            "--bind {bind}: {stderr}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
    }
}
