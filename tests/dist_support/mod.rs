//! Shared by tests/dist.rs and tests/precommit.rs: the composeguard wheel, built once per
//! test binary with the real maturin (`pip install maturin`) from python/pyproject.toml.
//!
//! The wheel is built with the `dist-test` profile (Cargo.toml: unoptimised, no debug info)
//! into `$CARGO_TARGET_TMPDIR/dist-target`, a target folder of its own, kept between test
//! runs (the dependencies are compiled once).
//! What these tests check is the packaging (metadata, the binary in the wheel's scripts, what
//! pip and pre-commit do with it); the release workflow builds the published wheels with
//! `--release`.

#![allow(dead_code)]

#[path = "../skip_support/mod.rs"]
pub mod skip_support;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn notice(text: &str) {
    // Past the test harness's capture, so it shows even when the test passes.
    let _ = writeln!(std::io::stderr(), "NOTICE: {text}");
}

/// Skips, listed under the harness's summary (see tests/skip_support), or fails when
/// COMPOSEGUARD_REQUIRE_ORACLE is set (CI).
pub fn skip(why: &str) {
    skip_support::skip_or_fail(why);
}

pub fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The target folder of the wheel and packaged-crate builds.
pub fn dist_target() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dist-target")
}

/// The Cargo version (as the wheel and the crate are named).
pub fn cargo_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The wheel: Ok(path) once built, Err(why) when maturin is missing (the caller skips).
/// Built once per process; a failed build panics in every caller.
pub fn wheel() -> Result<PathBuf, String> {
    static WHEEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    WHEEL.get_or_init(build_wheel).clone()
}

fn build_wheel() -> Result<PathBuf, String> {
    if !available("maturin") {
        return Err("`maturin` is not on PATH (pip install -r tests/requirements.txt)".into());
    }
    // One folder per test binary: tests/dist.rs and tests/precommit.rs may run at once.
    let exe = std::env::current_exe().unwrap();
    let name = exe.file_stem().unwrap().to_string_lossy().to_string();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("wheels-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let started = Instant::now();
    let result = Command::new("maturin")
        .args(["build", "--profile", "dist-test", "--out"])
        .arg(&out)
        .current_dir(repo_root().join("python"))
        .env("CARGO_TARGET_DIR", dist_target())
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "maturin build failed:\n{}",
        output_text(&result)
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}\n{}", output_text(&result));
    notice(&format!(
        "wheel built by maturin (profile dist-test) in {:.1}s: {}",
        started.elapsed().as_secs_f64(),
        wheels[0].file_name().unwrap().to_string_lossy()
    ));
    Ok(wheels[0].clone())
}

/// The output of `composeguard --version` of the binary cargo built for the tests.
pub fn test_binary_version() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .arg("--version")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
