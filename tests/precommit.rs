//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! (`pip install pre-commit`) with `try-repo` on a scratch git repository holding an exposed
//! compose file:
//!
//! * `composeguard` fails and names the finding;
//! * with a config naming a baseline that records it, both hooks pass and change nothing;
//! * `composeguard-fix` rewrites the file and fails (files were modified);
//! * a second run (both hooks) passes on the fixed file.
//!
//! The hooks' repository is a snapshot of this working tree (tracked and untracked files,
//! .gitignore respected) committed in a scratch repo, and then made dirty, so `try-repo`
//! takes its "uncommitted changes" path (a temporary shadow commit) as it does when a
//! developer tries the hooks before committing.
//!
//! `language: python`: pre-commit makes a virtualenv and runs `pip install .` on the hooks'
//! repository, i.e. the root pyproject.toml (composeguard-pre-commit), which depends on the
//! composeguard wheel. The wheel is built here with maturin (tests/dist_support) and pip gets
//! it through PIP_FIND_LINKS, with PIP_NO_INDEX set: nothing comes from PyPI, so the hook ran
//! the binary built from this checkout, and the root package needs nothing to build.
//!
//! Without `git`, `pre-commit` or `maturin` the test skips, listed under the harness's
//! summary (tests/skip_support), unless COMPOSEGUARD_REQUIRE_ORACLE is set (CI), where it
//! fails.

mod dist_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const EXPOSED: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\" # keep me\n";
const FIXED: &str = "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"127.0.0.1:5432:5432\" # keep me\n";

use dist_support::{available, notice, skip};

/// A command with a clean git environment (no GIT_DIR from an enclosing hook).
fn command(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir);
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG",
        "PRE_COMMIT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("GIT_AUTHOR_NAME", "composeguard test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "composeguard test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = command("git", dir)
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Copies this working tree (tracked + untracked, ignored files left out) into `to` as a
/// new repository with one commit.
fn snapshot_repo(to: &Path) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let listed = git(
        &root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    std::fs::create_dir_all(to).unwrap();
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).to_string();
        let from = root.join(&name);
        // Deleted but still tracked, or a folder (a submodule): nothing to copy.
        if !from.is_file() {
            continue;
        }
        let dest = to.join(&name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&from, &dest).unwrap();
    }
    git(to, &["init", "-q"]);
    git(to, &["add", "-A"]);
    git(to, &["commit", "-q", "-m", "snapshot"]);
}

struct Run {
    success: bool,
    output: String,
    seconds: f64,
}

fn try_repo(project: &Path, hooks_repo: &Path, hook: &str, home: &Path, wheels: &Path) -> Run {
    let started = Instant::now();
    let out = command("pre-commit", project)
        .arg("try-repo")
        .arg(hooks_repo)
        .args((!hook.is_empty()).then_some(hook))
        .args(["--files", "compose.yaml", "--color", "never", "--verbose"])
        .env("PRE_COMMIT_HOME", home)
        // The wheel built from this checkout, and no index: what PyPI would serve.
        .env("PIP_FIND_LINKS", wheels)
        .env("PIP_NO_INDEX", "1")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_REQUIRE_VIRTUALENV")
        .output()
        .unwrap();
    Run {
        success: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        seconds: started.elapsed().as_secs_f64(),
    }
}

#[test]
fn precommit_hooks_check_then_fix_then_pass() {
    for tool in ["git", "pre-commit"] {
        if !available(tool) {
            return skip(&format!("`{tool}` is not on PATH (pip install pre-commit)"));
        }
    }
    let wheel = match dist_support::wheel() {
        Ok(w) => w,
        Err(why) => return skip(&why),
    };
    let wheels = wheel.parent().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let hooks_repo = scratch.path().join("hooks-repo");
    snapshot_repo(&hooks_repo);
    // An uncommitted change: try-repo must commit it in a shadow repository.
    let readme = hooks_repo.join("README.md");
    let mut text = std::fs::read_to_string(&readme).unwrap_or_default();
    text.push_str("\n<!-- uncommitted change -->\n");
    std::fs::write(&readme, text).unwrap();

    let project = scratch.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    git(&project, &["init", "-q"]);
    std::fs::write(project.join("compose.yaml"), EXPOSED).unwrap();
    git(&project, &["add", "compose.yaml"]);

    let home = scratch.path().join("pre-commit-home");

    // 1. The check hook fails and names the finding (the first run installs the hook).
    let check = try_repo(&project, &hooks_repo, "composeguard", &home, wheels);
    notice(&format!(
        "pre-commit: first `composeguard` hook run, including the virtualenv and the install of the wheel: {:.1}s",
        check.seconds
    ));
    assert!(!check.success, "the check hook passed:\n{}", check.output);
    assert!(
        check
            .output
            .contains("Creating temporary repo with uncommitted changes"),
        "try-repo did not take the dirty-tree path:\n{}",
        check.output
    );
    assert!(
        check.output.contains("sensitive-port-exposed"),
        "{}",
        check.output
    );
    assert!(check.output.contains("compose.yaml"), "{}", check.output);
    assert_eq!(
        std::fs::read_to_string(project.join("compose.yaml")).unwrap(),
        EXPOSED
    );

    // 1b. A config naming a baseline that records the findings: both hooks pass and leave the
    // file alone. The hooks run `composeguard check`, which reads the config's `baseline =`
    // itself: nothing to pass through.
    let config = project.join("composeguard.toml");
    let baseline = project.join("composeguard-baseline.json");
    std::fs::write(&config, "baseline = \"composeguard-baseline.json\"\n").unwrap();
    let written = Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args([
            "check",
            "--write-baseline",
            "composeguard-baseline.json",
            "compose.yaml",
        ])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");
    for hook in ["composeguard", "composeguard-fix"] {
        let run = try_repo(&project, &hooks_repo, hook, &home, wheels);
        assert!(
            run.success,
            "{hook} failed despite the baseline:\n{}",
            run.output
        );
        assert!(
            run.output.contains("hidden by the baseline"),
            "{hook}:\n{}",
            run.output
        );
        assert_eq!(
            std::fs::read_to_string(project.join("compose.yaml")).unwrap(),
            EXPOSED
        );
    }
    std::fs::remove_file(&config).unwrap();
    std::fs::remove_file(&baseline).unwrap();

    // 2. The fix hook rewrites the file and fails because it modified it.
    let fix = try_repo(&project, &hooks_repo, "composeguard-fix", &home, wheels);
    assert!(!fix.success, "the fix hook passed:\n{}", fix.output);
    assert!(
        fix.output.contains("files were modified by this hook"),
        "{}",
        fix.output
    );
    assert_eq!(
        std::fs::read_to_string(project.join("compose.yaml")).unwrap(),
        FIXED
    );
    git(&project, &["add", "compose.yaml"]);

    // 3. Both pass now (no hook id: try-repo runs every hook of the manifest).
    let again = try_repo(&project, &hooks_repo, "", &home, wheels);
    assert!(
        again.success,
        "the hooks failed on the fixed file:\n{}",
        again.output
    );
    for name in [
        "composeguard (ports published on every interface)",
        "composeguard --fix (bind exposed ports to 127.0.0.1)",
    ] {
        let line = again
            .output
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} did not run:\n{}", again.output));
        assert!(line.ends_with("Passed"), "{line}\n{}", again.output);
    }
    notice(&format!(
        "pre-commit: later runs (each try-repo installs again): {:.1}s and {:.1}s",
        fix.seconds, again.seconds
    ));
    assert_eq!(
        std::fs::read_to_string(project.join("compose.yaml")).unwrap(),
        FIXED
    );
}

#[test]
fn hooks_manifest_matches_compose_file_names() {
    // The `files` regex of both hooks, checked with Python's `re` (the engine pre-commit uses).
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let tree = composeguard::yaml::Tree::parse(manifest.as_str()).unwrap();
    let root = tree.documents[0].unwrap();
    let hooks = tree.items(root).unwrap();
    let mut ids = Vec::new();
    let mut patterns = Vec::new();
    for hook in hooks {
        let get = |key: &str| {
            tree.get_value(*hook, key)
                .and_then(|v| tree.scalar_value(v))
                .unwrap_or_default()
                .to_string()
        };
        ids.push(get("id"));
        assert_eq!(get("language"), "python");
        assert_eq!(get("pass_filenames"), "true");
        patterns.push(get("files"));
        assert!(get("entry").starts_with("composeguard check"));
    }
    assert_eq!(ids, ["composeguard", "composeguard-fix"]);
    assert_eq!(patterns[0], patterns[1]);
    let matching = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
        "compose.override.yaml",
        "docker-compose.override.yml",
        "compose.prod.yaml",
        "deploy/docker-compose.staging.yml",
    ];
    let other = [
        "compose.json",
        "mycompose.yaml",
        "compose.yaml.bak",
        "compose..yaml",
        "docker-compose/other.yaml",
        "xcompose.yml",
    ];
    // The same decision as the folder search.
    for name in matching {
        let base = name.rsplit('/').next().unwrap();
        assert!(composeguard::discover::is_compose_file_name(base), "{name}");
    }
    for name in other {
        let base = name.rsplit('/').next().unwrap();
        assert!(
            !composeguard::discover::is_compose_file_name(base),
            "{name}"
        );
    }
    if !available("python3") {
        return skip("python3 is not available to check the `files` regex");
    }
    let script = "import re, sys\npattern = re.compile(sys.argv[1])\nfor name in sys.argv[2:]:\n    print(name, bool(pattern.search(name)))\n";
    let out = Command::new("python3")
        .args(["-c", script, &patterns[0]])
        .args(matching)
        .args(other)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in matching {
        assert!(
            stdout.contains(&format!("{name} True")),
            "{name}:\n{stdout}"
        );
    }
    for name in other {
        assert!(
            stdout.contains(&format!("{name} False")),
            "{name}:\n{stdout}"
        );
    }
}

#[test]
fn a_missing_pre_commit_is_listed_as_a_skip_under_the_summary() {
    use dist_support::skip_support::{listed_skips, run_without_tools};
    let output = run_without_tools("precommit_hooks_check_then_fix_then_pass");
    assert_eq!(
        listed_skips(&output),
        ["precommit_hooks_check_then_fix_then_pass: `git` is not on PATH (pip install pre-commit)"],
        "{output}"
    );
}
