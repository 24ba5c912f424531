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

const EXPOSED: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n";
const FIXED: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"127.0.0.1:5432:5432\"\n";

/// The `.composeguard-*` files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".composeguard-"))
        .collect()
}

#[test]
fn a_file_with_several_hard_links_is_refused_unless_asked_then_every_name_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let other = dir.path().join("other-name.yaml");
    std::fs::hard_link(&file, &other).unwrap();
    let out = run(dir.path(), &["--fix", "compose.yaml"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("compose.yaml: the file has 2 hard links")
            && out.stderr.contains("--fix-hard-links"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), EXPOSED);
    let out = run(dir.path(), &["--fix", "--fix-hard-links", "compose.yaml"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FIXED);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), FIXED);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&file).unwrap().nlink(), 2);
    assert!(temp_files(dir.path()).is_empty());
}

fn is_root() -> bool {
    // SAFETY: no arguments, no side effects.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn the_fix_keeps_the_owner_and_the_group() {
    if !is_root() {
        skip_support::skipped("changing a file's owner needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    std::os::unix::fs::chown(&file, Some(4321), Some(8765)).unwrap();
    let out = run(dir.path(), &["--fix", "compose.yaml"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FIXED);
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 8765));
}

/// Sets an extended attribute; false where the file system has none.
fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let name = std::ffi::CString::new(name).unwrap();
    // SAFETY: NUL-terminated strings and a live slice.
    unsafe {
        libc::setxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        ) == 0
    }
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let name = std::ffi::CString::new(name).unwrap();
    let mut buf = vec![0u8; 4096];
    // SAFETY: NUL-terminated strings and a buffer of the length given.
    let got = unsafe {
        libc::getxattr(
            path.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (got >= 0).then(|| {
        buf.truncate(got as usize);
        buf
    })
}

#[test]
fn the_fix_keeps_extended_attributes_and_acls() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    if !set_xattr(&file, "user.composeguard.note", b"keep me") {
        skip_support::skipped("the temporary folder's file system has no user.* attributes");
        return;
    }
    let acl = std::process::Command::new("setfacl")
        .args(["-m", "u:4321:r"])
        .arg(&file)
        .status()
        .is_ok_and(|s| s.success());
    let acl_before = get_xattr(&file, "system.posix_acl_access");
    let out = run(dir.path(), &["--fix", "compose.yaml"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FIXED);
    assert_eq!(
        get_xattr(&file, "user.composeguard.note").as_deref(),
        Some(&b"keep me"[..])
    );
    if !acl {
        skip_support::skipped("setfacl is not available (or ACLs are not supported): the ACL part");
        return;
    }
    assert!(acl_before.is_some());
    assert_eq!(get_xattr(&file, "system.posix_acl_access"), acl_before);
    let listed = std::process::Command::new("getfacl")
        .arg("-c")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("user:4321:r--"),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
}

/// Starts a fix held before its rename, waits for its temporary file, sends `signal` and
/// checks the exit code and that nothing is left.
fn signal_during_a_fix(signal: i32, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    let bin = assert_cmd::cargo::cargo_bin("composeguard");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir.path())
        .env("COMPOSEGUARD_TEST", "1")
        .env("COMPOSEGUARD_TEST_WRITE_DELAY_MS", "20000")
        .args(["check", "--fix", "compose.yaml"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while temp_files(dir.path()).is_empty() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "no temporary file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: a child of this test, still running (it waits 20 s before its rename).
    unsafe { libc::kill(child.id() as i32, signal) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code), "{status:?}");
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
}

#[test]
fn sigint_during_a_fix_removes_the_temporary_file_and_exits_130() {
    signal_during_a_fix(libc::SIGINT, 130);
}

#[test]
fn sigterm_during_a_fix_removes_the_temporary_file_and_exits_143() {
    signal_during_a_fix(libc::SIGTERM, 143);
}

#[test]
fn stale_temporary_files_of_a_dead_run_are_removed_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", EXPOSED);
    // A process id that is free now: a child that has exited.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let alive = std::process::id();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let names = [
        format!(".composeguard-{dead}-aB3xYz.tmp"),
        format!(".composeguard-{alive}-aB3xYz.tmp"),
        format!(".composeguard-{dead}-aB3xYz.tmp.keep"),
        format!(".composeguard-{dead}-notes"),
        ".composeguard-aB3xYz".to_string(),
    ];
    for name in &names {
        let f = std::fs::File::create(dir.path().join(name)).unwrap();
        f.set_modified(old).unwrap();
    }
    // A recent one of a dead process may belong to a process this one cannot see: kept.
    let recent = format!(".composeguard-{dead}-Recent.tmp");
    std::fs::write(dir.path().join(&recent), "").unwrap();
    let out = run(dir.path(), &["--fix", "compose.yaml"]);
    assert_eq!(out.code, Some(0), "{out}");
    let mut left = temp_files(dir.path());
    left.sort();
    let mut expected: Vec<String> = names[1..].iter().cloned().chain([recent]).collect();
    expected.sort();
    assert_eq!(left, expected);
}

#[test]
fn fix_writes_no_file_outside_the_paths_given_unless_asked_and_lists_the_change() {
    let outside = tempfile::tempdir().unwrap();
    let shared_text =
        "services:\n  cache:\n    image: redis:7\n    ports:\n      - \"6379:6379\"\n";
    let shared = write(outside.path(), "shared.yaml", shared_text);
    let dir = tempfile::tempdir().unwrap();
    let main_text = format!("include:\n  - {}\n{}", shared.display(), &EXPOSED);
    let main = write(dir.path(), "compose.yaml", &main_text);
    let out = run(dir.path(), &["--fix", "."]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(std::fs::read_to_string(&shared).unwrap(), shared_text);
    assert!(
        out.stderr.contains(&format!(
            "{}: outside the paths given; not written (--fix-outside-paths writes it)",
            shared.display()
        )) && out.stderr.contains("+      - \"127.0.0.1:6379:6379\""),
        "{out}"
    );
    // The files under the path given are fixed.
    assert_eq!(
        std::fs::read_to_string(&main).unwrap(),
        main_text.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
    );
    let out = run(dir.path(), &["--fix", "--fix-outside-paths", "."]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        std::fs::read_to_string(&shared).unwrap(),
        shared_text.replace("\"6379:6379\"", "\"127.0.0.1:6379:6379\"")
    );
}

#[test]
fn an_include_in_the_project_folder_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let shared_text =
        "services:\n  cache:\n    image: redis:7\n    ports:\n      - \"6379:6379\"\n";
    let shared = write(dir.path(), "app/parts/shared.yaml", shared_text);
    write(
        dir.path(),
        "app/compose.yaml",
        "include:\n  - parts/shared.yaml\nservices: {}\n",
    );
    let out = run(dir.path(), &["--fix", "app/compose.yaml"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        std::fs::read_to_string(&shared)
            .unwrap()
            .contains("127.0.0.1:6379:6379")
    );
}

#[test]
fn output_file_naming_a_file_being_checked_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    for args in [
        &["--output-file", "compose.yaml", "compose.yaml"][..],
        &["--output-file", "./compose.yaml", "compose.yaml"],
        &["--output-file", "compose.yaml", "."],
        &["--output-file", "compose.yaml"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, Some(2), "{args:?}\n{out}");
        assert!(
            out.stderr.starts_with("error: --output-file"),
            "{args:?}\n{out}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED, "{args:?}");
    }
    // A report beside it is fine.
    let out = run(
        dir.path(),
        &[
            "--output-file",
            "report.json",
            "--output-format",
            "json",
            ".",
        ],
    );
    assert_eq!(out.code, Some(1), "{out}");
    assert!(dir.path().join("report.json").is_file());
}

const PRIVATE_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";

#[test]
fn an_included_or_extended_file_that_is_not_compose_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "id_key", PRIVATE_KEY);
    write(dir.path(), "secret.txt", "password: qk7z9x2: oops\n");
    write(
        dir.path(),
        "compose.yaml",
        "include:\n  - id_key\nservices:\n  a:\n    image: x:1\n    extends:\n      file: secret.txt\n      service: b\n",
    );
    for format in ["human", "concise", "json", "sarif"] {
        let out = run(
            dir.path(),
            &[
                "--output-format",
                format,
                "--color",
                "never",
                "compose.yaml",
            ],
        );
        assert_eq!(out.code, Some(1), "{format}\n{out}");
        for secret in ["BEGIN OPENSSH", "b3BlbnNzaC1", "qk7z9x2"] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{format}: {secret} echoed\n{out}"
            );
        }
    }
    let out = run(dir.path(), &["--output-format", "concise", "compose.yaml"]);
    assert!(
        out.stdout.contains(
            "compose.yaml:2:5: error invalid-compose the included file id_key:1:1 is not a compose file"
        ),
        "{out}"
    );
    assert!(
        out.stdout.contains(
            "compose.yaml:7:13: error invalid-compose the extended file secret.txt:1:18 is not a compose file"
        ),
        "{out}"
    );
}

#[test]
fn a_file_whose_owner_cannot_be_kept_is_not_written() {
    if !is_root() {
        skip_support::skipped("running as another user needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // Root's file that anyone may write: nobody's fix would make it nobody's.
    let file = write(dir.path(), "compose.yaml", EXPOSED);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("composeguard");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin)
        .args(["check", "--fix", "compose.yaml"])
        .current_dir(dir.path())
        .env("COMPOSEGUARD_TEST", "1")
        .output();
    let Ok(out) = out else {
        skip_support::skipped("setpriv is not available");
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("compose.yaml: cannot give the new file the owner 0:0"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPOSED);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&file).unwrap().uid(), 0);
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn a_missing_or_folder_env_file_is_invalid_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.env", "A=1\n");
    std::fs::create_dir(dir.path().join("folder.env")).unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  a:\n    image: x:1\n    env_file:\n      - ok.env\n      - missing.env\n      - path: optional.env\n        required: false\n      - path: folder.env\n        required: false\n  b:\n    image: x:1\n    env_file: folder.env\n",
    );
    let out = run(dir.path(), &["--output-format", "concise", "compose.yaml"]);
    assert_eq!(out.code, Some(1), "{out}");
    let findings: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("invalid-compose"))
        .collect();
    assert_eq!(findings.len(), 3, "{out}");
    assert!(
        findings[0].starts_with(
            "compose.yaml:6:9: error invalid-compose env_file \"missing.env\" does not exist"
        ),
        "{out}"
    );
    assert!(
        findings[1].starts_with(
            "compose.yaml:9:15: error invalid-compose env_file \"folder.env\" is a folder"
        ),
        "{out}"
    );
    assert!(
        findings[2].starts_with(
            "compose.yaml:13:15: error invalid-compose env_file \"folder.env\" is a folder"
        ),
        "{out}"
    );
}

#[test]
fn a_port_whose_anchor_is_used_elsewhere_is_not_rewritten_and_the_finding_says_why() {
    for (other, place) in [
        ("    mem_limit: *p\n", "`services.db.mem_limit`"),
        ("    environment: {P: *p}\n", "`services.db.environment.P`"),
        (
            "  other:\n    image: x:1\n    environment:\n      - *p\n",
            "`services.other.environment[0]`",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "services:\n  db:\n    image: postgres:16\n    ports:\n      - &p 5432\n{other}"
        );
        let file = write(dir.path(), "compose.yaml", &text);
        let out = run(dir.path(), &["--fix", "--color", "never", "compose.yaml"]);
        assert_eq!(out.code, Some(1), "{other}\n{out}");
        assert!(out.stderr.is_empty(), "{other}\n{out}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "{other}");
        let json = run(dir.path(), &["--output-format", "json", "compose.yaml"]);
        let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let exposed = findings["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "sensitive-port-exposed")
            .unwrap_or_else(|| panic!("{json}"));
        assert!(exposed["fix"].is_null(), "{other}\n{json}");
        let help = exposed["help"]
            .as_str()
            .unwrap_or_default()
            .replace('\n', " ");
        assert!(
            help.contains("not fixed automatically") && help.contains(place),
            "{other}\n{help}"
        );
    }
    // A port list shared by services through an anchor is still fixed, once, for all.
    let dir = tempfile::tempdir().unwrap();
    let text = "x-ports: &ports\n  - \"5432\"\nservices:\n  db:\n    image: postgres:16\n    ports: *ports\n  db2:\n    image: postgres:16\n    ports: *ports\n";
    let file = write(dir.path(), "compose.yaml", text);
    let out = run(dir.path(), &["--fix", "compose.yaml"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text.replace("\"5432\"", "\"127.0.0.1::5432\"")
    );
}
