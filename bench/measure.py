#!/usr/bin/env python3
"""Runs the benchmark and writes bench/RESULTS.md. Called by bench/run.sh, which installs the
contenders and makes the inputs first; see bench/README.md.

Every measured run is one process started with fork/exec and reaped with wait4(2): wall time
is taken around spawn and reap, CPU time (user + sys) and peak RSS (ru_maxrss) come from the
kernel's rusage of the child and its waited-for descendants (what `/usr/bin/time -v` prints).
stdout and stderr go to files under bench/work/out, the same for every contender.

Contenders of one scenario run alternately (the order rotates every repetition) after one
unrecorded warm-up run each, so a burst of load from elsewhere hits all of them alike, and
ratios are taken between medians measured in the same scenario.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
OUT = WORK / "out"

# ── Running ──────────────────────────────────────────────────────────────────────────────────


SPAWN = None  # bench-spawn, set from --spawn


def run_once(cmd, stdin_path=None, tag="run", cwd=None):
    """Runs cmd once under bench-spawn; returns wall/cpu seconds, peak RSS in KiB, exit code."""
    OUT.mkdir(parents=True, exist_ok=True)
    result = OUT / f"{tag}.rusage"
    with open(OUT / f"{tag}.out", "wb") as stdout, open(OUT / f"{tag}.err", "wb") as stderr:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            subprocess.run([SPAWN, str(result), *map(str, cmd)], stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, check=True)
        finally:
            if stdin_path:
                stdin.close()
    wall_ns, user_us, sys_us, rss_kib, rc = map(int, result.read_text().split())
    return {
        "wall": wall_ns / 1e9,
        "cpu": (user_us + sys_us) / 1e6,
        "user": user_us / 1e6,
        "sys": sys_us / 1e6,
        "rss_kib": rss_kib,
        "rc": rc,
    }


def series(contenders, runs, prepare=None, warmup=True, runs_of=None):
    """Runs every contender `runs` times, alternating; returns {name: [run, ...]}.

    contenders: list of (name, cmd). prepare(name) runs untimed before each run (a fresh
    scratch copy for --fix). runs_of: {name: n} caps the repetitions of slow contenders.
    """
    results = {name: [] for name, _ in contenders}
    if warmup:
        for name, cmd in contenders:
            if runs_of and name in runs_of:
                continue  # the slow peers: the fast contenders have warmed the page cache
            if prepare:
                prepare(name)
            run_once(cmd, tag=slug(name))
    for rep in range(runs):
        k = rep % len(contenders)
        for name, cmd in contenders[k:] + contenders[:k]:
            if runs_of and len(results[name]) >= runs_of.get(name, runs):
                continue
            if prepare:
                prepare(name)
            results[name].append(run_once(cmd, tag=slug(name)))
            print(f"    {name}: {results[name][-1]['wall'] * 1000:.1f} ms", file=sys.stderr)
    return results


def slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def summary(runs):
    walls = [r["wall"] for r in runs]
    cpus = [r["cpu"] for r in runs]
    return {
        "n": len(runs),
        "wall": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "cpu": statistics.median(cpus),
        "user": statistics.median(r["user"] for r in runs),
        "sys": statistics.median(r["sys"] for r in runs),
        "rss_mib": max(r["rss_kib"] for r in runs) / 1024,
        "rcs": sorted({r["rc"] for r in runs}),
    }


# ── Inputs ───────────────────────────────────────────────────────────────────────────────────


def is_compose_file_name(name):
    """composeguard's discover::is_compose_file_name."""
    for ext in (".yaml", ".yml"):
        if name.endswith(ext):
            stem = name[: -len(ext)]
            break
    else:
        return False
    base = stem.split(".")[0]
    return base in ("compose", "docker-compose") and not stem.endswith(".")


def main_files(root):
    """The files composeguard checks in a folder: compose file names, less override files
    whose base file is beside them (those are loaded with their base). Given to the peers,
    which cannot search a folder the same way, so every contender checks the same projects."""
    overrides = {
        "compose.override.yaml": ("compose.yaml", "compose.yml"),
        "compose.override.yml": ("compose.yaml", "compose.yml"),
        "docker-compose.override.yaml": ("docker-compose.yaml", "docker-compose.yml"),
        "docker-compose.override.yml": ("docker-compose.yaml", "docker-compose.yml"),
    }
    found = []
    for d, _, names in os.walk(root):
        for n in names:
            if not is_compose_file_name(n):
                continue
            if n in overrides and any(os.path.isfile(os.path.join(d, b)) for b in overrides[n]):
                continue
            found.append(os.path.join(d, n))
    return sorted(found)


def fresh_copy(src, dst):
    """A writable copy (the shared corpus is read-only, and composeguard --fix leaves a
    read-only file alone)."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)
    subprocess.run(["chmod", "-R", "u+w", str(dst)], check=True)
    # Write the copy out before the timed run, so that its writeback does not land in it.
    os.sync()


def restore(src, dst):
    """Brings the scratch copy `dst` back to the files of `src` (untimed, before every run):
    a fresh copy the first time; after that, the files the last run replaced (another size or
    modification time: the copy keeps those of `src`) are copied back, and files it added are
    removed. Deleting and copying all 10,440 files of x40 again before every run left the
    timed `--fix` run paying for the deletion: ext4 without a journal makes a new file past the
    inodes freed very recently (`recently_deleted` in `perf`). Same binary, 8 interleaved runs
    of each way: `--fix` system time 260 against 227 ms, `--fix` / `check` 1.31x against
    1.28x."""
    if not os.path.exists(dst):
        fresh_copy(src, dst)
        return
    for d, _, names in os.walk(src):
        for name in names:
            theirs = os.path.join(d, name)
            ours = os.path.join(dst, os.path.relpath(theirs, src))
            if os.path.islink(theirs):
                continue
            b = os.stat(theirs)
            a = os.stat(ours) if os.path.lexists(ours) else None
            if a is None or (a.st_size, a.st_mtime_ns) != (b.st_size, b.st_mtime_ns):
                shutil.copy2(theirs, ours)
                os.chmod(ours, os.stat(ours).st_mode | 0o200)
    for d, _, names in os.walk(dst):
        for name in names:
            ours = os.path.join(d, name)
            if not os.path.lexists(os.path.join(src, os.path.relpath(ours, dst))):
                os.remove(ours)
    os.sync()


# ── Machine ──────────────────────────────────────────────────────────────────────────────────


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "load": os.getloadavg(),
    }


def version_of(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (out.stdout.strip() or out.stderr.strip()).splitlines()[0]
    except Exception as e:  # noqa: BLE001 - a missing tool is reported, not fatal
        return f"unavailable ({e})"


# ── Checks that the contenders did the work ─────────────────────────────────────────────────


def work_done(name, tag):
    """A short description of what a contender's last run printed (files, findings)."""
    out = (OUT / f"{tag}.out").read_bytes()
    err = (OUT / f"{tag}.err").read_bytes()
    try:
        if name == "floor":
            return out.decode().strip()
        if name.startswith("composeguard"):
            lines = [l for l in out.decode(errors="replace").splitlines() if l.strip()]
            files = {l.split(":", 1)[0] for l in lines}
            errors = err.decode(errors="replace").count(": error:")
            return f"{len(lines)} findings in {len(files)} files, {errors} load errors"
        if name == "compose-lint":
            d = json.loads(out)
            files = {f["file"] for f in d["findings"]}
            return f"{len(d['findings'])} findings in {len(files)} files, {len(d['errors'])} errors"
        if name == "dclint":
            d = json.loads(out)
            n = sum(len(f["messages"]) for f in d)
            return f"{n} messages for {len(d)} files"
    except Exception as e:  # noqa: BLE001
        return f"output not understood ({e}); {len(out)} bytes"
    return f"{len(out)} bytes"


# ── The scenarios ────────────────────────────────────────────────────────────────────────────


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spawn", required=True, help="the bench-spawn binary (bench/spawn)")
    ap.add_argument("--composeguard", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--compose-lint", required=True)
    ap.add_argument("--dclint", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--corpus40", required=True)
    ap.add_argument("--large", required=True, help="folder holding the generated compose.yaml")
    ap.add_argument("--typical", required=True, help="a ~100-line compose file")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--peer-runs", type=int, default=3, help="runs of compose-lint/dclint on the small inputs")
    ap.add_argument("--peer-runs-big", type=int, default=1, help="runs of compose-lint/dclint on corpus40")
    ap.add_argument("--save-runs", type=int, default=200)
    ap.add_argument("--no-peers", action="store_true", help="skip compose-lint and dclint")
    ap.add_argument("--results", default=str(BENCH / "RESULTS.md"))
    ap.add_argument("--json", default=str(WORK / "results.json"))
    args = ap.parse_args()
    global SPAWN
    SPAWN = args.spawn

    cg = args.composeguard
    scenarios = {}
    notes = []

    def cg_check(path, *extra):
        return [cg, "check", "--output-format", "concise", *extra, str(path)]

    def peers(path):
        files = main_files(path)
        return [
            ("compose-lint", [args.compose_lint, "check", "--format", "json", *files]),
            ("dclint", [args.dclint, "-f", "json", *files]),
        ], len(files)

    def contest(label, path, peer_runs):
        contenders = [("composeguard", cg_check(path)), ("floor", [args.floor, str(path)])]
        files = len(main_files(path))
        runs_of = {}
        if not args.no_peers:
            ps, _ = peers(path)
            contenders += ps
            runs_of = {"compose-lint": peer_runs, "dclint": peer_runs}
        print(f"== {label}: {files} projects", file=sys.stderr)
        res = series(contenders, args.runs, runs_of=runs_of)
        scenarios[label] = {
            "projects": files,
            "results": {n: summary(r) for n, r in res.items()},
            "work": {n: work_done(n, slug(n)) for n in res},
        }

    contest("corpus", args.corpus, args.peer_runs)
    contest("corpus x40", args.corpus40, args.peer_runs_big)
    contest("2,000 services", args.large, args.peer_runs)

    # check --fix against check, both on a fresh scratch copy of the same files every run.
    for label, src in (("corpus", args.corpus), ("corpus x40", args.corpus40), ("2,000 services", args.large)):
        scratch = {
            "composeguard check": WORK / "scratch" / "check",
            "composeguard check --fix": WORK / "scratch" / "fix",
        }
        contenders = [
            ("composeguard check", cg_check(scratch["composeguard check"])),
            ("composeguard check --fix", cg_check(scratch["composeguard check --fix"], "--fix")),
        ]
        print(f"== --fix on {label}", file=sys.stderr)
        for dst in scratch.values():
            if os.path.exists(dst):
                shutil.rmtree(dst)
        res = series(contenders, args.runs, prepare=lambda name: restore(src, scratch[name]))
        changed = subprocess.run(
            ["diff", "-rq", str(src), str(scratch["composeguard check --fix"])],
            capture_output=True, text=True,
        ).stdout.count("\n")
        scenarios[f"fix: {label}"] = {
            "projects": len(main_files(src)),
            "results": {n: summary(r) for n, r in res.items()},
            "work": {
                "composeguard check": work_done("composeguard", slug("composeguard check")),
                "composeguard check --fix": f"{changed} files changed by the last run",
            },
        }

    # Format-on-save: one whole process per call, the document on stdin.
    print("== format-on-save", file=sys.stderr)
    typical = Path(args.typical)
    save_cmd = [cg, "check", "--fix", "--stdin-filename", str(typical), "-"]
    baseline = []
    saves = []
    for _ in range(10):
        run_once(save_cmd, stdin_path=typical, tag="save")
    for i in range(args.save_runs):
        saves.append(run_once(save_cmd, stdin_path=typical, tag="save"))
        baseline.append(run_once(["true"], tag="true"))
    walls = sorted(r["wall"] for r in saves)
    scenarios["format-on-save"] = {
        "lines": sum(1 for _ in open(typical)),
        "median": statistics.median(walls),
        "p95": walls[min(len(walls) - 1, -(-len(walls) * 95 // 100) - 1)],
        "cpu": statistics.median(r["cpu"] for r in saves),
        "rss_mib": max(r["rss_kib"] for r in saves) / 1024,
        "spawn": statistics.median(r["wall"] for r in baseline),
        "n": len(saves),
        "rcs": sorted({r["rc"] for r in saves}),
        "output_bytes": len((OUT / "save.out").read_bytes()),
    }

    # Language server: didChange -> publishDiagnostics on the 2,000-service file.
    print("== language server", file=sys.stderr)
    lsp = subprocess.run(
        [sys.executable, str(BENCH / "lsp_latency.py"), cg, str(Path(args.large) / "compose.yaml"), "--json"],
        capture_output=True, text=True, timeout=600,
    )
    try:
        scenarios["language server"] = json.loads(lsp.stdout)
    except json.JSONDecodeError:
        scenarios["language server"] = {"error": (lsp.stderr or lsp.stdout).strip()[-500:] or "no output"}

    commit = version_of(["git", "-C", str(BENCH.parent), "describe", "--always", "--dirty"])
    versions = {
        "composeguard": f"{version_of([cg, '--version'])} (`{cg}`, work tree {commit})",
        "compose-lint": version_of([args.compose_lint, "--version"]),
        "dclint": "dclint " + version_of([args.dclint, "--version"]),
        "floor": "granit-parser =2.2.0 (bench/floor)",
    }
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions,
        "runs": args.runs,
        "scenarios": scenarios,
        "notes": notes,
    }
    Path(args.json).write_text(json.dumps(report, indent=2))
    Path(args.results).write_text(render(report))
    print(f"wrote {args.results}", file=sys.stderr)


# ── The report ───────────────────────────────────────────────────────────────────────────────


def ms(seconds):
    return f"{seconds * 1000:.1f}" if seconds < 10 else f"{seconds * 1000:.0f}"


def verdict(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**not met**"


def render(r):
    s = r["scenarios"]
    m = r["machine"]
    lines = []
    w = lines.append
    w("# Benchmark results")
    w("")
    w(f"Written by `bash bench/run.sh` on {r['date']}. Do not edit by hand: run it again.")
    w("")
    w(f"- Machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} memory, Linux {m['kernel']};"
      f" load average at the end {m['load'][0]:.2f} / {m['load'][1]:.2f} / {m['load'][2]:.2f}"
      " (other work on the machine slows every contender alike: compare ratios, not times).")
    for name, v in r["versions"].items():
        w(f"- {name}: {v}")
    w(f"- Repetitions: {r['runs']} per contender unless the table says fewer (n), alternating;"
      " wall and CPU are medians, peak RSS the largest of the runs.")
    w("")
    w("## check")
    w("")
    w("| input | contender | n | wall ms (median) | wall min–max | CPU ms user+sys | CPU/wall | peak RSS MiB | wall ÷ composeguard | exit | output |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for label in ("corpus", "corpus x40", "2,000 services"):
        sc = s[label]
        base = sc["results"]["composeguard"]["wall"]
        for name, x in sc["results"].items():
            w(f"| {label} ({sc['projects']} projects) | {name} | {x['n']} | {ms(x['wall'])} | "
              f"{ms(x['wall_min'])}–{ms(x['wall_max'])} | {ms(x['user'])}+{ms(x['sys'])} | {x['cpu'] / x['wall']:.2f} | "
              f"{x['rss_mib']:.1f} | {x['wall'] / base:.2f}x | {','.join(map(str, x['rcs']))} | {sc['work'][name]} |")
    w("")
    w("## check --fix (the scratch copy brought back to the input's files before every run)")
    w("")
    w("| input | command | n | wall ms (median) | CPU ms | peak RSS MiB | ÷ check | output |")
    w("|---|---|---|---|---|---|---|---|")
    for label in ("corpus", "corpus x40", "2,000 services"):
        sc = s[f"fix: {label}"]
        base = sc["results"]["composeguard check"]["wall"]
        for name, x in sc["results"].items():
            w(f"| {label} | `{name}` | {x['n']} | {ms(x['wall'])} | {ms(x['cpu'])} | {x['rss_mib']:.1f} | "
              f"{x['wall'] / base:.2f}x | {sc['work'][name]} |")
    w("")
    fos = s["format-on-save"]
    w("## format-on-save and language server")
    w("")
    w(f"- `composeguard check --fix --stdin-filename compose.yaml -` on a {fos['lines']}-line file,"
      f" one process per call, {fos['n']} calls: median {ms(fos['median'])} ms, p95 {ms(fos['p95'])} ms,"
      f" CPU {ms(fos['cpu'])} ms, peak RSS {fos['rss_mib']:.1f} MiB, exit {','.join(map(str, fos['rcs']))}"
      f" (starting and reaping `true` the same way: {ms(fos['spawn'])} ms).")
    ls = s["language server"]
    if "error" in ls:
        w(f"- Language server: not measured: {ls['error']}")
    else:
        w(f"- Language server, `didChange` → `publishDiagnostics` on the {ls['lines']}-line,"
          f" {ls['services']}-service file, {ls['n']} edits: median {ms(ls['median'])} ms,"
          f" p95 {ms(ls['p95'])} ms, max {ms(ls['max'])} ms (the server waits {ls.get('debounce_ms', '?')} ms"
          f" for more changes before linting: included); first diagnostics after `didOpen`"
          f" {ms(ls['open'])} ms; {ls['diagnostics']} diagnostics; peak RSS {ls.get('rss_mib', 0):.1f} MiB.")
    w("")

    # Targets.
    def res(label, name):
        return s[label]["results"].get(name)

    rows = []
    for label in ("corpus", "corpus x40"):
        c, f = res(label, "composeguard"), res(label, "floor")
        rows.append((f"{label}: wall ≤ 1.5x floor", f"{c['wall'] / f['wall']:.2f}x", c["wall"] <= 1.5 * f["wall"]))
        for peer, times in (("compose-lint", 50), ("dclint", 500)):
            p = res(label, peer)
            if p is None:
                rows.append((f"{label}: ≥ {times}x faster than {peer}", "not run", None))
            else:
                rows.append((f"{label}: ≥ {times}x faster than {peer}", f"{p['wall'] / c['wall']:.0f}x", p["wall"] >= times * c["wall"]))
    c40 = res("corpus x40", "composeguard")
    c1 = res("corpus", "composeguard")
    rows.append(("corpus x40: (user+sys)/wall > 1.7 (both cores)", f"{c40['cpu'] / c40['wall']:.2f}", c40["cpu"] / c40["wall"] > 1.7))
    rows.append(("corpus x40: peak RSS < 40 MiB", f"{c40['rss_mib']:.1f} MiB", c40["rss_mib"] < 40))
    rows.append(("memory flat: peak RSS x40 ≤ 1.25 × peak RSS x1",
                 f"{c1['rss_mib']:.1f} → {c40['rss_mib']:.1f} MiB ({c40['rss_mib'] / c1['rss_mib']:.2f}x)",
                 c40["rss_mib"] <= 1.25 * c1["rss_mib"]))
    rows.append(("linear: 40x the files ≤ 45x the wall time", f"{c40['wall'] / c1['wall']:.1f}x", c40["wall"] <= 45 * c1["wall"]))
    for label in ("corpus", "corpus x40", "2,000 services"):
        sc = s[f"fix: {label}"]["results"]
        ratio = sc["composeguard check --fix"]["wall"] / sc["composeguard check"]["wall"]
        rows.append((f"{label}: check --fix ≤ 1.3x check", f"{ratio:.2f}x", ratio <= 1.3))
    rows.append(("format-on-save < 5 ms (median, whole process)", f"{ms(fos['median'])} ms", fos["median"] < 0.005))
    w("## Targets")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    for name, measured, ok in rows:
        w(f"| {name} | {measured} | {verdict(ok)} |")
    w("")
    w("Inputs: `corpus` is ../shared/corpus (261 compose files; composeguard checks the projects of"
      " the files with compose file names, the peers get the same main files by name, the floor"
      " parses every compose-named file); `corpus x40` is 40 copies of it; `2,000 services` is"
      " bench/gen_large.py's file. See bench/README.md for how each number is taken.")
    w("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
