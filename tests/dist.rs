//! How composeguard is distributed, each built and used for real:
//!
//! * the wheel (python/pyproject.toml, built by maturin): its metadata (version from
//!   Cargo.toml, README as description, the licence) and its binary, installed with pip into
//!   a fresh `python3 -m venv`, where `composeguard --version` and `composeguard check` run;
//! * the wheel's sdist: what it holds for pip to build from source;
//! * the root pyproject.toml (what pre-commit installs): its version and pin equal Cargo.toml's;
//! * the crate: `cargo package` (Cargo.toml's `include`), then a build of the unpacked
//!   package, whose `--version` is the bare Cargo version (no git there);
//! * `--version` of a build from this checkout names the commit.
//!
//! maturin comes from tests/requirements.txt; without it the wheel tests skip with a notice,
//! unless COMPOSEGUARD_REQUIRE_ORACLE is set (CI), where they fail.

mod dist_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use dist_support::{
    available, cargo_version, notice, output_text, repo_root, skip, test_binary_version, wheel,
};

/// The names and contents of a zip (a wheel), read with Python's zipfile.
fn wheel_files(wheel: &Path) -> Vec<(String, String)> {
    let script = "import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps([(n, z.read(n).decode('utf-8', 'replace') if not n.endswith('/composeguard') else '') for n in z.namelist()]))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(wheel)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn wheel_installs_the_binary_into_a_fresh_venv() {
    let wheel = match wheel() {
        Ok(w) => w,
        Err(why) => return skip(&why),
    };
    let version = cargo_version();
    let name = wheel.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with(&format!("composeguard-{version}-py3-none-")),
        "{name}"
    );

    // Metadata: the version from Cargo.toml, the README as description, the licence.
    let files = wheel_files(&wheel);
    let get = |suffix: &str| {
        files
            .iter()
            .find(|(n, _)| n.ends_with(suffix))
            .unwrap_or_else(|| {
                panic!(
                    "no {suffix} in the wheel: {:?}",
                    files.iter().map(|f| &f.0).collect::<Vec<_>>()
                )
            })
            .1
            .clone()
    };
    let metadata = get(".dist-info/METADATA");
    assert!(metadata.contains("\nName: composeguard\n"), "{metadata}");
    assert!(
        metadata.contains(&format!("\nVersion: {version}\n")),
        "{metadata}"
    );
    assert!(
        metadata.contains("\nLicense-Expression: MIT\n"),
        "{metadata}"
    );
    assert!(
        metadata.contains("Description-Content-Type: text/markdown"),
        "{metadata}"
    );
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let first_paragraph = readme.lines().find(|l| l.starts_with("A linter")).unwrap();
    assert!(
        metadata.contains(first_paragraph),
        "no README in:\n{metadata}"
    );
    let licence = get(".dist-info/licenses/LICENSE.txt");
    assert_eq!(
        licence,
        std::fs::read_to_string(repo_root().join("LICENSE")).unwrap()
    );
    assert!(
        files
            .iter()
            .any(|(n, _)| n == &format!("composeguard-{version}.data/scripts/composeguard")),
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );

    // A fresh venv, the wheel installed without an index.
    let scratch = tempfile::tempdir().unwrap();
    let venv = scratch.path().join("venv");
    let started = Instant::now();
    let out = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let venv_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let out = Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    notice(&format!(
        "python3 -m venv: {venv_seconds:.1}s; pip install of the wheel: {:.1}s",
        started.elapsed().as_secs_f64()
    ));

    let installed = venv.join("bin/composeguard");
    assert!(installed.is_file());
    let out = Command::new(&installed).arg("--version").output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let printed = String::from_utf8(out.stdout).unwrap();
    // Built from this checkout: the same version line (with the commit) as the test binary.
    assert_eq!(printed.trim(), test_binary_version());
    assert!(
        printed.starts_with(&format!("composeguard {version}")),
        "{printed}"
    );

    let out = Command::new(&installed)
        .args(["check", "--color", "never"])
        .arg(repo_root().join("examples/compose.yaml"))
        .output()
        .unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("sensitive-port-exposed"), "{text}");
}

#[test]
fn sdist_holds_what_pip_needs_to_build_from_source() {
    if !available("maturin") {
        return skip("`maturin` is not on PATH (pip install -r tests/requirements.txt)");
    }
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new("maturin")
        .args(["sdist", "--out"])
        .arg(scratch.path())
        .current_dir(repo_root().join("python"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let version = cargo_version();
    let sdist = scratch
        .path()
        .join(format!("composeguard-{version}.tar.gz"));
    let list = Command::new("tar").arg("tzf").arg(&sdist).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    let base = format!("composeguard-{version}/");
    for file in [
        "pyproject.toml",
        "PKG-INFO",
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "LICENSE",
        "LICENSE.txt",
        "rules/catalogue.toml",
        "rules/docs/sensitive-port-exposed.md",
        // include_str!'d by src/compose/schema.rs, with its licence.
        "rules/compose-spec/compose-spec.json",
        "rules/compose-spec/LICENSE",
        "src/main.rs",
        "src/catalog/load.rs",
    ] {
        assert!(
            list.lines().any(|l| l == format!("{base}{file}")),
            "{file} not in the sdist:\n{list}"
        );
    }
    // The tests' data stays out.
    assert!(!list.contains("/testdata/"), "{list}");
    // maturin moved pyproject.toml to the root and rewrote its paths.
    let pyproject = Command::new("tar")
        .args(["xzfO"])
        .arg(&sdist)
        .arg(format!("{base}pyproject.toml"))
        .output()
        .unwrap();
    let pyproject = String::from_utf8(pyproject.stdout).unwrap();
    assert!(
        pyproject.contains("manifest-path = \"Cargo.toml\""),
        "{pyproject}"
    );
}

#[test]
fn the_wheels_licence_is_a_copy_of_the_licence() {
    assert_eq!(
        std::fs::read_to_string(repo_root().join("python/LICENSE.txt")).unwrap(),
        std::fs::read_to_string(repo_root().join("LICENSE")).unwrap(),
        "python/LICENSE.txt must be a copy of LICENSE"
    );
}

/// The README's Install section shows what the tests install and run.
#[test]
fn readme_install_section_matches_the_version_and_the_hooks() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let install = readme
        .split_once("\n## Install\n")
        .expect("README has an Install section")
        .1;
    let install = install.split_once("\n## ").map_or(install, |(a, _)| a);
    let version = cargo_version();
    for needle in [
        "pip install composeguard".to_string(),
        "cargo install composeguard".to_string(),
        "composeguard-<version>-<arch>-<os>.tar.gz".to_string(),
        "repo: https://github.com/composeguard/composeguard".to_string(),
        format!("rev: v{version}"),
        "- id: composeguard-fix".to_string(),
        format!("uses: composeguard/composeguard@v{version}"),
        format!("version: {version}"),
    ] {
        assert!(install.contains(&needle), "{needle} is not in:\n{install}");
    }
}

#[test]
fn precommit_package_pins_the_cargo_version() {
    let text = std::fs::read_to_string(repo_root().join("pyproject.toml")).unwrap();
    let project: toml::Table = text.parse().unwrap();
    let project = project["project"].as_table().unwrap();
    let version = cargo_version();
    assert_eq!(project["name"].as_str(), Some("composeguard-pre-commit"));
    assert_eq!(project["version"].as_str(), Some(version));
    let deps = project["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1);
    assert_eq!(
        deps[0].as_str().unwrap(),
        format!("composeguard=={version}")
    );
}

#[test]
fn version_names_the_commit_in_a_git_checkout() {
    let printed = test_binary_version();
    let version = cargo_version();
    let root = repo_root();
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(&root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match commit {
        Some(commit) if root.join(".git").exists() => {
            assert_eq!(printed, format!("composeguard {version} ({commit})"));
        }
        _ => {
            notice("not a git checkout: --version is the Cargo version alone");
            assert_eq!(printed, format!("composeguard {version}"));
        }
    }
}

/// `cargo package`, then the unpacked package built on its own: Cargo.toml's `include` holds
/// everything build.rs and the `include_str!`s read, and without `.git` the version is bare.
/// `--no-verify` plus this build does what `cargo package`'s verification does, with the
/// `dist-test` profile, in a target folder of its own, kept between runs: not the wheel's,
/// because cargo hashes a path package by its path relative to its workspace, so the unpacked
/// crate and this checkout would share (and overwrite) composeguard's build-script output and
/// binary there.
#[test]
fn packaged_crate_builds_and_prints_the_bare_version() {
    let scratch = tempfile::tempdir().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let out = Command::new(&cargo)
        .args(["package", "--locked", "--allow-dirty", "--no-verify"])
        .arg("--target-dir")
        .arg(scratch.path().join("package-target"))
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let text = output_text(&out);
    // crates.io's metadata is all there: cargo warns otherwise.
    assert!(!text.contains("manifest has no"), "{text}");
    let version = cargo_version();
    let crate_file = scratch.path().join(format!(
        "package-target/package/composeguard-{version}.crate"
    ));
    let unpacked = scratch.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let out = Command::new("tar")
        .arg("xzf")
        .arg(&crate_file)
        .arg("-C")
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let dir = unpacked.join(format!("composeguard-{version}"));
    for file in ["LICENSE", "README.md", "CHANGELOG.md", "Cargo.lock"] {
        assert!(dir.join(file).is_file(), "{file} is not in the crate");
    }
    assert!(!dir.join("testdata").exists());
    assert!(!dir.join(".git").exists());

    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crate-target");
    let out = Command::new(&cargo)
        .args([
            "build",
            "--locked",
            "--profile",
            "dist-test",
            "--bin",
            "composeguard",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the packaged crate does not build:\n{}",
        output_text(&out)
    );
    notice(&format!(
        "cargo package and a build of the unpacked crate: {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    let binary: PathBuf = target.join("dist-test/composeguard");
    let out = Command::new(&binary).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("composeguard {version}")
    );
}
