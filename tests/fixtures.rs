//! Fixture triples: every folder in testdata/fixtures holds an input project, the expected
//! findings (an insta snapshot beside it), and for every file a fix changes, the expected
//! fixed text byte for byte (`NAME.fixed` after `--fix`, `NAME.unsafe-fixed` after
//! `--fix --unsafe-fixes`). An optional `args` file adds command-line arguments.
//!
//! Set UPDATE_FIXTURES=1 to write the `.fixed` files from the current output (then review them).

use std::path::{Path, PathBuf};

use clap::Parser;
use composeguard::cli::{Cli, Command};
use composeguard::run::{Io, check};

struct Run {
    code: i32,
    /// stdout then stderr.
    stdout: String,
}

fn run(dir: &Path, extra: &[&str], case_args: &[String]) -> Run {
    let mut argv: Vec<String> = vec![
        "composeguard".into(),
        "check".into(),
        "--color".into(),
        "never".into(),
    ];
    argv.extend(extra.iter().map(|s| s.to_string()));
    argv.extend(case_args.iter().cloned());
    argv.push(dir.display().to_string());
    let cli = Cli::try_parse_from(&argv).expect("arguments parse");
    let Command::Check(args) = cli.command else {
        unreachable!()
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut stdin: &[u8] = &[];
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stdout_is_terminal: false,
    };
    let code = check(&args, &mut io);
    let mut text = String::from_utf8(stdout).unwrap();
    text.push_str(&String::from_utf8(stderr).unwrap());
    Run {
        code,
        stdout: text.replace(&format!("{}/", dir.display()), ""),
    }
}

/// Copies a case into a scratch folder, skipping expectation files.
fn scratch_copy(case: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(case).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if path.is_file() && !is_expectation(&name) {
            std::fs::copy(&path, tmp.path().join(&name)).unwrap();
        }
    }
    tmp
}

fn is_expectation(name: &str) -> bool {
    name.ends_with(".fixed")
        || name.ends_with(".unsafe-fixed")
        || name.ends_with(".snap")
        || name == "args"
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// Runs the fixer and compares every file with its expectation (or the unchanged input).
fn check_fixed(case: &Path, case_args: &[String], flags: &[&str], suffix: &str, update: bool) {
    let tmp = scratch_copy(case);
    run(tmp.path(), flags, case_args);
    for file in yaml_files(tmp.path()) {
        let name = file.file_name().unwrap().to_str().unwrap();
        let got = std::fs::read(&file).unwrap();
        let original = std::fs::read(case.join(name)).unwrap();
        let expected_path = case.join(format!("{name}.{suffix}"));
        if update && got != original {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read(&expected_path).unwrap_or(original);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected),
            "{}: {name} after {flags:?}",
            case.display()
        );
    }
    // A second run changes nothing.
    let before: Vec<Vec<u8>> = yaml_files(tmp.path())
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    run(tmp.path(), flags, case_args);
    let after: Vec<Vec<u8>> = yaml_files(tmp.path())
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    assert_eq!(
        before,
        after,
        "{}: fixing twice changed the files",
        case.display()
    );
}

#[test]
fn fixture_triples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the fixtures are missing");
    for case in &cases {
        let name = case.file_name().unwrap().to_str().unwrap().to_string();
        let case_args: Vec<String> = std::fs::read_to_string(case.join("args"))
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let tmp = scratch_copy(case);
        let report = run(tmp.path(), &["--output-format", "concise"], &case_args);
        insta::with_settings!({ snapshot_path => case.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name.clone(), format!("exit code: {}\n{}", report.code, report.stdout));
        });
        check_fixed(case, &case_args, &["--fix"], "fixed", update);
        check_fixed(
            case,
            &case_args,
            &["--fix", "--unsafe-fixes"],
            "unsafe-fixed",
            update,
        );
    }
}
