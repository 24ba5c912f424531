//! The language server with a real client: headless Neovim (0.7 or later, Debian's
//! `neovim` package) runs `tests/nvim/lsp_e2e.lua`, which opens a compose file, waits for
//! the diagnostics, applies a quick fix, formats, and writes the buffer's text out; and
//! `tests/nvim/lsp_exceptions.lua`, an expired exception and the quick fix that suppresses a
//! finding for 30 days.
//!
//! Without `nvim` on PATH the test skips, listed under the harness's summary
//! (tests/skip_support), unless COMPOSEGUARD_REQUIRE_ORACLE=1 (CI), where it fails.

mod skip_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(120);

const COMPOSE: &str = r#"services:
  db: {image: postgres:16, labels: {note: "café 😀"}, ports: ["5432:5432"]}
  cache:
    image: redis:7
    ports:
      - "6379:6379" # a comment that stays
  web:
    build: .
    ports:
      - "8000:8000"
"#;

/// The quick fix fixed the db, formatting the cache; the web app is left (its fix is unsafe).
const EXPECTED: &str = r#"services:
  db: {image: postgres:16, labels: {note: "café 😀"}, ports: ["127.0.0.1:5432:5432"]}
  cache:
    image: redis:7
    ports:
      - "127.0.0.1:6379:6379" # a comment that stays
  web:
    build: .
    ports:
      - "8000:8000"
"#;

fn skip_or_fail(why: &str) {
    skip_support::skip_or_fail(&format!(
        "{why} (install it with `apt-get install -y neovim`)"
    ));
}

/// `nvim`'s version when it is 0.7 or later.
fn nvim_version() -> Result<(u32, u32), String> {
    let output = Command::new("nvim")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("nvim is not available: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let first = text.lines().next().unwrap_or("");
    let version = first
        .strip_prefix("NVIM v")
        .ok_or_else(|| format!("cannot read the nvim version from {first:?}"))?;
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (0, 7) {
        return Err(format!("nvim {version} is older than 0.7"));
    }
    Ok((major, minor))
}

/// Runs `tests/nvim/<script>` in a headless Neovim in `work`, with the server's binary and
/// `vars` in its environment and its state, cache and config under `home`; a run longer than
/// [`TIMEOUT`] (a hang) fails the test.
fn run_nvim(
    script: &str,
    work: &Path,
    home: &Path,
    vars: &[(&str, &Path)],
) -> (std::process::ExitStatus, std::process::Output) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nvim")
        .join(script);
    let mut command = Command::new("nvim");
    command
        .args(["--headless", "--clean", "-n", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(work)
        .env("COMPOSEGUARD_BIN", env!("CARGO_BIN_EXE_composeguard"))
        // Neovim's state, cache (the LSP log) and config stay in the temporary folder.
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start nvim");
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish {script:?} in {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, child.wait_with_output().unwrap())
}

/// A scratch project for one script: `project/compose.yaml` (and `composeguard.toml` when
/// given) and a private Neovim home, in a temporary folder.
struct Scratch {
    _dir: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
    home: PathBuf,
    compose: PathBuf,
}

fn scratch(config: Option<&str>, compose_text: &str) -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let work = root.join("project");
    let home = root.join("home");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    if let Some(config) = config {
        std::fs::write(work.join("composeguard.toml"), config).unwrap();
    }
    let compose = work.join("compose.yaml");
    std::fs::write(&compose, compose_text).unwrap();
    Scratch {
        _dir: dir,
        root,
        work,
        home,
        compose,
    }
}

/// Runs `tests/nvim/<script>` on the scratch's compose file (with `vars` besides FILE, RESULT
/// and ERROR), fails with the script's reason and Neovim's output unless it passed, and
/// returns the buffer's text as the script wrote it at the end.
fn run_script(scratch: &Scratch, script: &str, vars: &[(&str, &Path)]) -> String {
    let result = scratch.root.join("result.yaml");
    let error = scratch.root.join("error.txt");
    let mut all: Vec<(&str, &Path)> = vec![
        ("COMPOSEGUARD_FILE", &scratch.compose),
        ("COMPOSEGUARD_RESULT", &result),
        ("COMPOSEGUARD_ERROR", &error),
    ];
    all.extend_from_slice(vars);
    let (status, output) = run_nvim(script, &scratch.work, &scratch.home, &all);
    let why = std::fs::read_to_string(&error).unwrap_or_default();
    assert!(
        status.success() && why.is_empty(),
        "nvim exited with {status}\n--- test failure ---\n{why}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    std::fs::read_to_string(&result).expect("the script wrote the buffer")
}

#[test]
fn neovim_applies_a_quick_fix_and_formats() {
    if let Err(why) = nvim_version() {
        skip_or_fail(&why);
        return;
    }
    // Only the rules this test is about, whatever other rules come to exist.
    let config = "select = [\"sensitive-port-exposed\", \"port-exposed-all-interfaces\"]\n";
    let scratch = scratch(Some(config), COMPOSE);
    let fixed = run_script(&scratch, "lsp_e2e.lua", &[]);
    assert_eq!(fixed, EXPECTED);
    // Neovim never saved the buffer: the file on disk is as written.
    assert_eq!(std::fs::read_to_string(&scratch.compose).unwrap(), COMPOSE);
}

const WITH_EXPIRED: &str = r#"services:
  db:
    image: postgres:16
    ports:
      # composeguard: ignore[sensitive-port-exposed] until=2027-01-31 owner=@db-team replication
      - "5432:5432"
"#;

/// The suppression the quick fix inserted, 30 days after COMPOSEGUARD_NOW.
const WITH_NEW_SUPPRESSION: &str = r#"services:
  db:
    image: postgres:16
    ports:
      # composeguard: ignore[sensitive-port-exposed] until=2027-01-31 owner=@db-team replication
      # composeguard: ignore[sensitive-port-exposed] until=2027-03-03 TODO: say why
      - "5432:5432"
"#;

#[test]
fn neovim_shows_an_expired_exception_and_suppresses_for_30_days() {
    if let Err(why) = nvim_version() {
        skip_or_fail(&why);
        return;
    }
    let config = "select = [\"sensitive-port-exposed\", \"suppression\"]\n";
    let scratch = scratch(Some(config), WITH_EXPIRED);
    let edited = run_script(
        &scratch,
        "lsp_exceptions.lua",
        &[("COMPOSEGUARD_NOW", Path::new("2027-02-01"))],
    );
    assert_eq!(edited, WITH_NEW_SUPPRESSION);
}

/// A compose file of `services` services, each publishing a sensitive port on every
/// interface (each fixed by formatting), the rest of each line left alone.
fn big_compose(services: usize) -> String {
    let mut out = String::from("services:\n");
    for i in 0..services {
        out.push_str(&format!(
            "  cache-{i}:\n    image: redis:7 # kept\n    ports:\n      - \"{}:6379\"\n",
            20000 + i
        ));
    }
    out
}

/// Format-on-save of a 2,000-service file in Neovim: the server's edits and the time Neovim
/// takes to apply them (printed), and the buffer then holds what `check --fix` writes.
#[test]
fn neovim_formats_a_big_file_quickly() {
    if let Err(why) = nvim_version() {
        skip_or_fail(&why);
        return;
    }
    let text = big_compose(2000);
    let scratch = scratch(None, &text);
    let timing = scratch.root.join("timing.txt");
    let formatted = run_script(
        &scratch,
        "lsp_format_large.lua",
        &[("COMPOSEGUARD_TIMING", &timing)],
    );
    let timing = std::fs::read_to_string(&timing).unwrap();
    println!("Neovim, formatting 2,000 services: {}", timing.trim());
    // What check --fix writes for the same text.
    let mut fix = Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args(["check", "--fix", "--stdin-filename"])
        .arg(&scratch.compose)
        .arg("-")
        .current_dir(&scratch.work)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut fix.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let expected = String::from_utf8(fix.wait_with_output().unwrap().stdout).unwrap();
    assert_ne!(expected, text);
    assert_eq!(formatted, expected);
    let edits: usize = timing
        .split_whitespace()
        .find_map(|w| w.strip_prefix("edits="))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        edits, 1,
        "formatting returns the change as one edit: {timing}"
    );
}

#[test]
fn a_missing_nvim_is_listed_as_a_skip_under_the_summary() {
    let output = skip_support::run_without_tools("neovim_applies_a_quick_fix_and_formats");
    let skips = skip_support::listed_skips(&output);
    assert_eq!(skips.len(), 1, "{output}");
    assert!(
        skips[0].starts_with("neovim_applies_a_quick_fix_and_formats: nvim is not available: "),
        "{output}"
    );
}
