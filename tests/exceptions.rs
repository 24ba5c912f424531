//! Exceptions with an owner and an end, end to end: `check --now` / `COMPOSEGUARD_NOW`, and
//! `composeguard exceptions` in each format, its filters and its exit codes.

use std::path::Path;

use assert_cmd::Command;

fn composeguard(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("composeguard").unwrap();
    cmd.env_remove("NO_COLOR")
        .env_remove("COMPOSEGUARD_NOW")
        .env("COMPOSEGUARD_TEST", "1")
        .current_dir(dir);
    cmd
}

const COMPOSE: &str = r#"services:
  db:
    image: postgres:16
    ports:
      # composeguard: ignore[sensitive-port-exposed] until=2027-01-31 owner=@db-team debugging replication
      - "5432:5432"
  cache:
    image: redis:7
    command: redis-server --requirepass "$REDIS_PASSWORD"
    ports:
      - "6379:6379"
  # composeguard: ignore-service[port-exposed-all-interfaces] owner=@web until=2027-12-31 the public site
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
"#;

const CONFIG: &str = r#"[suppressions]
warn-before = "2w"

[[exceptions]]
service = "cache"
rule = "sensitive-port-exposed"
until = "2027-03-31T12:00:00+02:00"
owner = "@cache-team"
reason = "migrating, then \"closed\""
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    std::fs::write(dir.path().join("composeguard.toml"), CONFIG).unwrap();
    dir
}

fn stdout(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn the_listing_in_each_format() {
    let dir = project();
    let list = |format: &str| {
        stdout(
            composeguard(dir.path()).args([
                "exceptions",
                "--now",
                "2027-01-20",
                "--output-format",
                format,
            ]),
            0,
        )
    };
    assert_eq!(
        list("text"),
        "\
location             rule                         service  owner        until                      days left  status    suppressed  reason                    kind
compose.yaml:5       sensitive-port-exposed       db       @db-team     2027-01-31                 12         expiring  1           debugging replication     ignore
compose.yaml:12      port-exposed-all-interfaces  web      @web         2027-12-31                 346        active    1           the public site           ignore-service
composeguard.toml:4  sensitive-port-exposed       cache    @cache-team  2027-03-31T12:00:00+02:00  71         active    1           migrating, then \"closed\"  config
"
    );
    assert_eq!(
        list("csv"),
        "file,line,kind,rules,service,owner,until,days_left,status,suppressed,reason\r\n\
compose.yaml,5,ignore,sensitive-port-exposed,db,@db-team,2027-01-31,12,expiring,1,debugging replication\r\n\
compose.yaml,12,ignore-service,port-exposed-all-interfaces,web,@web,2027-12-31,346,active,1,the public site\r\n\
composeguard.toml,4,config,sensitive-port-exposed,cache,@cache-team,2027-03-31T12:00:00+02:00,71,active,1,\"migrating, then \"\"closed\"\"\"\r\n"
    );
    assert_eq!(
        list("markdown"),
        "\
| location | rule | service | owner | until | days left | status | suppressed | reason | kind |
|---|---|---|---|---|---|---|---|---|---|
| compose.yaml:5 | sensitive-port-exposed | db | @db-team | 2027-01-31 | 12 | expiring | 1 | debugging replication | ignore |
| compose.yaml:12 | port-exposed-all-interfaces | web | @web | 2027-12-31 | 346 | active | 1 | the public site | ignore-service |
| composeguard.toml:4 | sensitive-port-exposed | cache | @cache-team | 2027-03-31T12:00:00+02:00 | 71 | active | 1 | migrating, then \"closed\" | config |
"
    );
    let json: serde_json::Value = serde_json::from_str(&list("json")).unwrap();
    assert_eq!(json["version"], 1);
    let rows = json["exceptions"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["file"], "compose.yaml");
    assert_eq!(rows[0]["line"], 5);
    assert_eq!(rows[0]["owner"], "@db-team");
    assert_eq!(rows[0]["days_left"], 12);
    assert_eq!(rows[0]["status"], "expiring");
    assert_eq!(rows[0]["suppressed"], 1);
    assert_eq!(rows[1]["kind"], "ignore-service");
    assert_eq!(rows[1]["service"], "web");
    assert_eq!(rows[2]["kind"], "config");
    assert_eq!(rows[2]["until"], "2027-03-31T12:00:00+02:00");
    assert_eq!(rows[2]["reason"], "migrating, then \"closed\"");
}

#[test]
fn filters_and_exit_codes() {
    let dir = project();
    let list = |now: &str, filter: &str, code: i32| {
        stdout(
            composeguard(dir.path()).args([
                "exceptions",
                "--now",
                now,
                "--output-format",
                "csv",
                filter,
            ]),
            code,
        )
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(":"))
        .collect::<Vec<_>>()
    };
    // Before any end: nothing expiring, nothing expired.
    assert!(list("2027-01-01", "--expiring", 0).is_empty());
    assert!(list("2027-01-01", "--expired", 0).is_empty());
    // Near the first end: it is expiring (exit 0: it still holds).
    assert_eq!(list("2027-01-20", "--expiring", 0), ["compose.yaml:5"]);
    assert!(list("2027-01-20", "--expired", 0).is_empty());
    // Past it: expired, exit 1; the config's entry, 2 weeks from its end, is expiring.
    assert_eq!(list("2027-02-01", "--expired", 1), ["compose.yaml:5"]);
    // Exit 1 only for an expired exception that is listed: the comment, expired by then, is
    // filtered out.
    assert_eq!(list("2027-03-20", "--expiring", 0), ["composeguard.toml:4"]);
    assert_eq!(list("2027-03-20", "--expired", 1), ["compose.yaml:5"]);
    // The expired comment suppressed nothing this run: the finding is back.
    let csv = stdout(
        composeguard(dir.path()).args([
            "exceptions",
            "--now",
            "2027-02-01",
            "--output-format",
            "csv",
        ]),
        1,
    );
    assert!(
        csv.contains(
            "compose.yaml,5,ignore,sensitive-port-exposed,db,@db-team,2027-01-31,0,expired,0,"
        ),
        "{csv}"
    );
}

#[test]
fn now_comes_from_the_option_or_the_environment() {
    let dir = project();
    let check = |cmd: &mut Command| stdout(cmd, 1);
    let concise = ["check", "--output-format", "concise", "."];
    let past = check(
        composeguard(dir.path())
            .args(concise)
            .args(["--now", "2027-02-01"]),
    );
    assert!(
        past.contains("compose.yaml:5:7: error expired-exception"),
        "{past}"
    );
    assert!(
        past.contains("compose.yaml:6:9: error sensitive-port-exposed"),
        "{past}"
    );
    let from_env = check(
        composeguard(dir.path())
            .env("COMPOSEGUARD_NOW", "2027-02-01")
            .args(concise),
    );
    assert_eq!(from_env, past);
    // The option wins over the variable.
    let before = stdout(
        composeguard(dir.path())
            .env("COMPOSEGUARD_NOW", "2027-02-01")
            .args(concise)
            .args(["--now", "2027-01-01T00:00:00Z"]),
        0,
    );
    assert!(!before.contains("expired-exception"), "{before}");
    assert!(!before.contains("sensitive-port-exposed"), "{before}");
    // A bad date is a usage error naming where it came from.
    for (cmd, name) in [
        (
            composeguard(dir.path())
                .args(["check", "--now", "2027-02-30", "."])
                .assert(),
            "--now",
        ),
        (
            composeguard(dir.path())
                .env("COMPOSEGUARD_NOW", "soon")
                .args(["check", "."])
                .assert(),
            "COMPOSEGUARD_NOW",
        ),
        (
            composeguard(dir.path())
                .args(["exceptions", "--now", "2027-01-31T10:00:00"])
                .assert(),
            "--now",
        ),
    ] {
        let out = cmd.code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr);
        assert!(
            stderr.contains(name) && stderr.contains("invalid date"),
            "{stderr}"
        );
    }
}

#[test]
fn a_bad_date_in_the_config_is_an_error_at_its_line() {
    let dir = project();
    std::fs::write(
        dir.path().join("composeguard.toml"),
        CONFIG.replace("2027-03-31T12:00:00+02:00", "31/03/2027"),
    )
    .unwrap();
    for args in [&["check", "."][..], &["exceptions"][..]] {
        let out = composeguard(dir.path()).args(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr);
        assert!(stderr.contains("composeguard.toml:7:"), "{stderr}");
        assert!(stderr.contains("invalid date \"31/03/2027\""), "{stderr}");
    }
}

#[test]
fn the_two_rules_are_selected_and_given_a_severity_like_the_others() {
    let dir = project();
    let run = |now: &str, extra: &[&str], code: i32| {
        stdout(
            composeguard(dir.path())
                .args(["check", "--output-format", "concise", "--now", now, "."])
                .args(extra),
            code,
        )
    };
    let ignored = run("2027-02-01", &["--ignore", "expired-exception"], 1);
    assert!(!ignored.contains("expired-exception"), "{ignored}");
    // Not reported, the exception still does not suppress.
    assert!(
        ignored.contains("compose.yaml:6:9: error sensitive-port-exposed"),
        "{ignored}"
    );
    let near = run("2027-01-20", &[], 1);
    assert!(
        near.contains("compose.yaml:5:7: warning expiring-exception"),
        "{near}"
    );
    assert_eq!(run("2027-01-20", &["--ignore", "suppression"], 0), "");
    // Severities from the config.
    std::fs::write(
        dir.path().join("composeguard.toml"),
        format!(
            "[severity]\nexpired-exception = \"warning\"\nexpiring-exception = \"info\"\n\n{CONFIG}"
        ),
    )
    .unwrap();
    let near = run("2027-01-20", &[], 0);
    assert!(
        near.contains("compose.yaml:5:7: info expiring-exception"),
        "{near}"
    );
    let past = run("2027-02-01", &[], 1);
    assert!(
        past.contains("compose.yaml:5:7: warning expired-exception"),
        "{past}"
    );
}
