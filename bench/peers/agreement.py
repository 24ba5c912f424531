#!/usr/bin/env python3
"""How far composeguard agrees with the verdicts of two peers' own test suites.

Peers: compose-lint (tmatens/compose-lint, Python) and dclint (zavoloklom/docker-compose-linter,
TypeScript). Their suites are read from where they are checked out (or from a bare git mirror,
cloned to a temporary folder); nothing of theirs is copied into this repository.

A case is "peer rule R fires / does not fire on fixture F" as the peer's own tests assert it:
- compose-lint: its rule tests (tests/test_CL*.py) are run with pytest under
  compose_lint_probe.py, which records, for each test that passes, every (rule, fixture,
  service) the test ran the rule on and whether it found something. Fixtures are the files of
  tests/compose_files and the YAML texts written in the tests. One case per service.
- dclint: its rule tests (tests/rules/*.spec.ts) are read: each `test(...)` that builds a rule
  with its default options, parses one of the file's YAML template literals and runs
  `runRuleTest` with `expectedMessages` (empty: does not fire; else: fires). One case per
  fixture.

Each peer rule maps to the composeguard rules that cover its concern (mapping.toml). A case
agrees when one of those rules reports the service (compose-lint: the message names it in
backquotes) or the file (dclint) exactly when the peer's test says the peer rule fires.
composeguard runs twice: its default rules, then `--select all`.

--run-peers also runs the installed peers' command-line tools on every fixture and counts the
cases where they do not do what their tests assert (the suite's HEAD may be newer or older
than the installed release).

Usage: see README.md beside this file.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    peer: str
    rule: str
    fixture: str  # a key into Fixtures
    service: str | None  # None: the whole file
    fires: bool
    origin: str  # the test that asserts it


@dataclass
class Fixtures:
    """Fixture texts, each written once to its own folder as compose.yaml."""

    root: Path
    paths: dict[str, Path] = field(default_factory=dict)

    def add_text(self, text: str, name: str = "compose.yaml") -> str:
        """The key of a fixture: its file name (a suite's file, or compose.yaml for a text
        written in a test) and a hash of its text. Each is written alone into a folder of its
        own: no other file of the suite is read as an override or an include by either tool."""
        key = f"{name}@" + hashlib.sha256(text.encode()).hexdigest()[:12]
        if key not in self.paths:
            folder = self.root / key.replace("@", "-")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            self.paths[key] = folder / name
        return key


def checkout(path: Path, scratch: Path, name: str) -> Path:
    """A work tree of the suite: `path` itself, or a clone of a bare mirror."""
    if (path / "tests").is_dir():
        return path
    target = scratch / name
    subprocess.run(["git", "clone", "-q", str(path), str(target)], check=True)
    return target


# compose-lint


def compose_lint_cases(suite: Path, fixtures: Fixtures, scratch: Path) -> tuple[list[Case], str]:
    out = scratch / "compose-lint-probe.jsonl"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["COMPOSE_LINT_PROBE_OUT"] = str(out)
    tests = sorted(str(p) for p in (suite / "tests").glob("test_CL*.py"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "compose_lint_probe", *tests],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = (run.stdout.strip().splitlines() or ["(no pytest output)"])[-1]
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
    cases = []
    for line in out.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        key = fixtures.add_text(record["text"], record.get("name", "compose.yaml"))
        cases.append(
            Case("compose-lint", record["rule"], key, record["service"], record["fires"], record["test"])
        )
    note = f"pytest on the suite's rule tests with the installed compose-lint: {summary}"
    if failed:
        note += "; failing tests (their verdicts are not used): " + ", ".join(
            f.split()[1] for f in failed
        )
    return cases, note


# dclint

TEMPLATE = re.compile(r"const (\w+)\s*=\s*`(.*?)`;", re.S)
TEST = re.compile(r"^test\(", re.M)
RULE_NAME = re.compile(r"static readonly name = '([^']+)'")


def dclint_rule_names(suite: Path) -> dict[str, str]:
    names = {}
    for source in (suite / "src" / "rules").glob("*.ts"):
        text = source.read_text(encoding="utf-8")
        cls = re.search(r"^(?:export )?class (\w+)", text, re.M)
        name = RULE_NAME.search(text)
        if cls and name:
            names[cls.group(1)] = name.group(1)
    return names


def dclint_cases(suite: Path, fixtures: Fixtures) -> tuple[list[Case], str]:
    names = dclint_rule_names(suite)
    cases = []
    skipped = collections.Counter()
    for spec in sorted((suite / "tests" / "rules").glob("*.spec.ts")):
        text = spec.read_text(encoding="utf-8")
        templates = dict(TEMPLATE.findall(text))
        starts = [m.start() for m in TEST.finditer(text)] + [len(text)]
        for start, end in zip(starts, starts[1:]):
            block = text[start:end]
            title = re.match(r"test\('([^']*)'", block)
            title = title.group(1) if title else spec.name
            made = re.search(r"new (\w+)\((.*?)\);", block, re.S)
            parsed = re.search(r"sourceCode:\s*(\w+)", block) or re.search(r"parseDocument\((\w+)\)", block)
            expected = re.search(r"const expectedMessages\s*(?::[^=]*)?=\s*\[(.*?)\];", block, re.S)
            if not (made and parsed and expected and "runRuleTest" in block):
                skipped["not a check test (a fix test, or asserts otherwise)"] += 1
                continue
            if made.group(2).strip():
                skipped["rule built with non-default options"] += 1
                continue
            rule = names.get(made.group(1))
            yaml = templates.get(parsed.group(1))
            if rule is None or yaml is None:
                skipped["rule or template not found"] += 1
                continue
            key = fixtures.add_text(yaml)
            fires = bool(expected.group(1).strip())
            cases.append(Case("dclint", rule, key, None, fires, f"{spec.name}: {title}"))
    note = "tests read from tests/rules/*.spec.ts; skipped: " + (
        ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())) or "none"
    )
    return cases, note


# running the tools


def composeguard_findings(binary: str, path: Path, select_all: bool) -> list[dict]:
    args = [binary, "check", "--output-format", "json", "--exit-zero", str(path)]
    if select_all:
        args[2:2] = ["--select", "all"]
    run = subprocess.run(args, capture_output=True, text=True, cwd=path.parent)
    try:
        return json.loads(run.stdout)["findings"]
    except (ValueError, KeyError):
        raise SystemExit(f"composeguard gave no JSON on {path}: {run.stderr.strip()}")


def composeguard_fires(findings: list[dict], rules: list[str], service: str | None) -> bool:
    for f in findings:
        if f["rule"] not in rules:
            continue
        if service is None or f"`{service}`" in f["message"]:
            return True
    return False


def compose_lint_run(path: Path) -> list[dict]:
    run = subprocess.run(
        ["compose-lint", "--format", "json", path.name], capture_output=True, text=True, cwd=path.parent
    )
    try:
        return json.loads(run.stdout)["findings"]
    except (ValueError, KeyError):
        return []


def dclint_run(binary: str, path: Path, rules: list[str], scratch: Path) -> list[dict]:
    config = scratch / "dclint-all-rules.json"
    if not config.exists():
        config.write_text(json.dumps({"rules": {r: 2 for r in rules}}), encoding="utf-8")
    run = subprocess.run(
        [binary, str(path), "-c", str(config), "-f", "json", "--color", "false"],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        return []
    return [m for result in report for m in result.get("messages", [])]


# figures


def load_mapping(path: Path, known: set[str]) -> tuple[dict, set[str]]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set()
    for peer in table.values():
        for entry in peer.values():
            unknown |= {r for r in entry["composeguard"] if r not in known}
            entry["known"] = [r for r in entry["composeguard"] if r in known]
    return table, unknown


def known_rules(binary: str) -> set[str]:
    run = subprocess.run([binary, "rules"], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in run.stdout.splitlines()[1:] if line.strip()}


def report(peer: str, cases: list[Case], mapping: dict, verdicts: dict, label: str, show: int) -> None:
    by_rule = collections.defaultdict(lambda: [0, 0, 0, 0])  # caught, positives, agreed, negatives
    disagreements = []
    for case in cases:
        ours = verdicts[(case, label)]
        row = by_rule[case.rule]
        if case.fires:
            row[1] += 1
            row[0] += ours
        else:
            row[3] += 1
            row[2] += not ours
        if ours != case.fires:
            disagreements.append(case)
    caught = sum(r[0] for r in by_rule.values())
    positives = sum(r[1] for r in by_rule.values())
    agreed = sum(r[2] for r in by_rule.values())
    negatives = sum(r[3] for r in by_rule.values())
    covered = [c for c in cases if mapping.get(c.rule, {}).get("known")]
    cov_pos = [c for c in covered if c.fires]
    cov_caught = sum(verdicts[(c, label)] for c in cov_pos)

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({100 * a / b:.1f}%)" if b else f"{a}/{b}"

    print(f"\n## {peer}, composeguard {label}")
    print(f"positives caught: {pct(caught, positives)}; negatives agreed: {pct(agreed, negatives)}")
    print(f"positives caught among the peer rules composeguard covers: {pct(cov_caught, len(cov_pos))}")
    print(f"{'peer rule':<42} {'positives':>12} {'negatives':>12}  composeguard rules")
    for rule in sorted(by_rule):
        c, p, a, n = by_rule[rule]
        entry = mapping.get(rule, {"known": [], "note": "not in mapping.toml"})
        ours = ", ".join(entry["known"]) or "-- " + entry.get("note", "not covered")
        print(f"{rule:<42} {c:>5}/{p:<6} {a:>5}/{n:<6}  {ours}")
    print(f"disagreements ({len(disagreements)}):")
    for case in disagreements[:show]:
        what = "fires" if case.fires else "does not fire"
        where = f"{case.fixture}" + (f" service {case.service}" if case.service else "")
        print(f"  {case.rule} {what} on {where} ({case.origin})")
    if len(disagreements) > show:
        print(f"  ... and {len(disagreements) - show} more (--show N)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compose-lint", type=Path, default=os.environ.get("COMPOSE_LINT_SUITE"),
                        help="compose-lint's repository (work tree or bare mirror) [COMPOSE_LINT_SUITE]")
    parser.add_argument("--dclint", type=Path, default=os.environ.get("DCLINT_SUITE"),
                        help="dclint's repository (work tree or bare mirror) [DCLINT_SUITE]")
    parser.add_argument("--composeguard", default=os.environ.get("COMPOSEGUARD", "composeguard"))
    parser.add_argument("--dclint-bin", default=os.environ.get("DCLINT_BIN", "dclint"))
    parser.add_argument("--mapping", type=Path, default=HERE / "mapping.toml")
    parser.add_argument("--run-peers", action="store_true",
                        help="also run the installed peers on every fixture and compare with their tests")
    parser.add_argument("--show", type=int, default=1000, help="disagreements listed per figure")
    args = parser.parse_args()
    if not args.compose_lint and not args.dclint:
        parser.error("give --compose-lint and/or --dclint (or COMPOSE_LINT_SUITE, DCLINT_SUITE)")

    # The fixtures run from their own folders: a relative path to the binary must not follow them.
    binary = os.path.abspath(args.composeguard) if os.sep in args.composeguard else shutil.which(args.composeguard) or args.composeguard
    mapping_all, unknown = load_mapping(args.mapping, known_rules(binary))
    if unknown:
        print("mapping.toml names rules this composeguard does not have (ignored): " + ", ".join(sorted(unknown)))

    with tempfile.TemporaryDirectory(prefix="cg-peers-") as tmp:
        scratch = Path(tmp)
        fixtures = Fixtures(scratch / "fixtures")
        suites = []
        if args.compose_lint:
            suite = checkout(args.compose_lint, scratch, "compose-lint")
            cases, note = compose_lint_cases(suite, fixtures, scratch)
            suites.append(("compose-lint", cases, note))
        if args.dclint:
            suite = checkout(args.dclint, scratch, "dclint")
            cases, note = dclint_cases(suite, fixtures)
            suites.append(("dclint", cases, note))

        labels = ("default rules", "--select all")
        runs = {}
        for key, path in fixtures.paths.items():
            for label in labels:
                runs[(key, label)] = composeguard_findings(binary, path, label != labels[0])

        for peer, cases, note in suites:
            # A case asserted both ways by different tests (the fixture text is the same but the
            # test changed something else) is left out.
            verdicts_seen = collections.defaultdict(set)
            for c in cases:
                verdicts_seen[(c.rule, c.fixture, c.service)].add(c.fires)
            unique = {}
            for c in cases:
                if len(verdicts_seen[(c.rule, c.fixture, c.service)]) == 1:
                    unique.setdefault((c.rule, c.fixture, c.service), c)
            conflicting = sum(len(v) > 1 for v in verdicts_seen.values())
            cases = list(unique.values())
            mapping = mapping_all.get(peer, {})
            print(f"\n# {peer}: {len(cases)} cases ({sum(c.fires for c in cases)} positive) "
                  f"from {len({c.fixture for c in cases})} fixtures; {conflicting} asserted both ways, left out")
            print(note)
            verdicts = {}
            for c in cases:
                rules = mapping.get(c.rule, {}).get("known", [])
                for label in labels:
                    verdicts[(c, label)] = composeguard_fires(runs[(c.fixture, label)], rules, c.service)
            if args.run_peers:
                confirm_peer(peer, cases, fixtures, args, scratch, mapping)
            for label in labels:
                report(peer, cases, mapping, verdicts, label, args.show)
    return 0


def confirm_peer(peer: str, cases: list[Case], fixtures: Fixtures, args, scratch: Path, mapping: dict) -> None:
    """Runs the installed peer on every fixture: how many asserted verdicts it reproduces."""
    runs = {}
    for key in {c.fixture for c in cases}:
        path = fixtures.paths[key]
        if peer == "compose-lint":
            runs[key] = compose_lint_run(path)
        else:
            runs[key] = dclint_run(args.dclint_bin, path, sorted(mapping), scratch)
    same = 0
    differ = []
    for c in cases:
        if peer == "compose-lint":
            fired = any(f["rule_id"] == c.rule and f["service"] == c.service for f in runs[c.fixture])
        else:
            fired = any(m.get("rule") == c.rule for m in runs[c.fixture])
        if fired == c.fires:
            same += 1
        else:
            differ.append(c)
    print(f"installed {peer} run on the fixtures: {same}/{len(cases)} cases as its tests assert")
    for c in differ[: args.show]:
        print(f"  {c.rule} {'should fire' if c.fires else 'should not fire'} on {c.fixture}"
              f"{' service ' + c.service if c.service else ''} ({c.origin})")


if __name__ == "__main__":
    sys.exit(main())
