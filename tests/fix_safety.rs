//! `--fix` against the file system and against meaning (issue 22, "Fixes that change meaning
//! or lose data"): values shared through anchors, empty values, metadata, hard links, signals,
//! files outside the paths given, included files that are not compose files, `env_file`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod skip_support;

fn composeguard() -> Command {
    let mut cmd = Command::cargo_bin("composeguard").unwrap();
    cmd.env_remove("NO_COLOR").env("COMPOSEGUARD_TEST", "1");
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

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let out = composeguard()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

#[test]
fn an_empty_host_ip_is_invalid_and_the_fix_writes_a_value_there() {
    let dir = tempfile::tempdir().unwrap();
    let text = "services:\n  db:\n    image: postgres:16\n    ports:\n      - target: 5432\n        published: \"5432\"\n        host_ip:\n";
    let file = write(dir.path(), "compose.yaml", text);
    let out = run(dir.path(), &["--output-format", "concise", "compose.yaml"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stdout
            .contains("compose.yaml:7:9: error invalid-compose `host_ip` has no value"),
        "{out}"
    );
    let fixed = run(dir.path(), &["--fix", "compose.yaml"]);
    assert!(fixed.stderr.is_empty(), "{fixed}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text.replace("host_ip:\n", "host_ip: \"127.0.0.1\"\n")
    );
    assert_eq!(fixed.code, Some(0), "{fixed}");
    // Twice changes nothing.
    let again = run(dir.path(), &["--fix", "compose.yaml"]);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(!again.stdout.contains("Fixed"), "{again}");
}
