//! Skips that show in the summary. libtest has no skip decided at run time: a test whose
//! subject is missing (no Compose oracle, no nvim, no pre-commit ...) returns early and is
//! counted as passed, and a notice printed with `eprintln!` is captured and thrown away. Each
//! skip is recorded here instead, and when the test binary exits (after the harness's
//! summary) the skips are listed under it:
//!
//! ```text
//! test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
//!
//! SKIPPED: 1 of the tests counted as passed above skipped its check, in whole or in part:
//!   neovim_applies_a_quick_fix_and_formats: nvim is not available: ...
//! ```
//!
//! With COMPOSEGUARD_REQUIRE_ORACLE set (CI), [`skip_or_fail`] fails the test instead.

#![allow(dead_code)]

use std::io::Write;
use std::sync::{Mutex, Once};

/// The line the list of skips starts with.
pub const SKIPPED: &str = "SKIPPED: ";

static SKIPS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static AT_EXIT: Once = Once::new();

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

/// Fails the test when COMPOSEGUARD_REQUIRE_ORACLE is set (CI), else records the skip.
pub fn skip_or_fail(why: &str) {
    if std::env::var_os("COMPOSEGUARD_REQUIRE_ORACLE").is_some() {
        panic!("COMPOSEGUARD_REQUIRE_ORACLE is set but {why}");
    }
    skipped(why);
}

/// Records that the running test (named by its thread, as libtest names it) did not check
/// what it is about, or only part of it, and why; prints a notice now, past the capture.
pub fn skipped(why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("(unnamed test)")
        .to_string();
    let _ = writeln!(std::io::stderr(), "NOTICE: {test}: {why}: skipped");
    SKIPS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((test, why.to_string()));
    AT_EXIT.call_once(|| {
        // SAFETY: atexit is given a function that lives as long as the program.
        unsafe {
            atexit(report);
        }
    });
}

/// Lists the skips after the harness's summary, when the process exits.
extern "C" fn report() {
    let skips = SKIPS.lock().unwrap_or_else(|e| e.into_inner());
    let mut tests: Vec<&str> = skips.iter().map(|(t, _)| t.as_str()).collect();
    tests.sort_unstable();
    tests.dedup();
    if tests.is_empty() {
        return;
    }
    let mut text = format!(
        "\n{SKIPPED}{} of the tests counted as passed above skipped its check, in whole or in part:\n",
        tests.len()
    );
    for (test, why) in skips.iter() {
        text.push_str(&format!("  {test}: {why}\n"));
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Runs one test of this test binary again in a child process with an empty PATH (so the
/// tools it needs are missing) and COMPOSEGUARD_REQUIRE_ORACLE unset: the child's stdout and
/// stderr.
pub fn run_without_tools(test: &str) -> String {
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--test-threads", "1"])
        .env("PATH", empty.path())
        .env_remove("COMPOSEGUARD_REQUIRE_ORACLE")
        .env_remove("COMPOSEGUARD_DOCKER_COMPOSE")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

/// The skips listed under the summary of a child's output (what [`report`] printed).
pub fn listed_skips(output: &str) -> Vec<String> {
    let Some(at) = output.find(SKIPPED) else {
        return Vec::new();
    };
    assert!(
        output[..at].contains("test result: ok."),
        "the skips are listed after the summary:\n{output}"
    );
    output[at..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}
