#!/usr/bin/env python3
"""Run Docker Compose v2 over every compose file of ../shared/corpus, each file alone.

Writes testdata/model/corpus-verdicts.tsv: path, accepted (yes/no), number of port
bindings after normalisation, first line of the error when rejected (the corpus root is
cut from paths in it), and the kind of rejection (see KINDS).

Each file is run from its own directory as `docker-compose --profile '*' -f NAME config
<CONFIG_FLAGS>` with an empty process environment (see compose_oracle.py).

    python3 tests/oracle_support/corpus_verdicts.py            # write the TSV
    python3 tests/oracle_support/corpus_verdicts.py --compare  # tally several flag sets
"""

from __future__ import annotations

import argparse
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compose_oracle as co  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SKIP_NAMES = {"LICENSE", "README.md", "MANIFEST.tsv"}

FLAG_SETS = {
    "none": ["--format", "json"],
    "no-path-resolution": ["--format", "json", "--no-path-resolution"],
    "no-consistency": ["--format", "json", "--no-consistency"],
    "no-env-resolution": ["--format", "json", "--no-env-resolution"],
    "no-normalize": ["--format", "json", "--no-normalize"],
    "path+consistency": ["--format", "json", "--no-path-resolution", "--no-consistency"],
    "path+consistency+env": [
        "--format", "json", "--no-path-resolution", "--no-consistency", "--no-env-resolution",
    ],
    "all-but-interpolate": [
        "--format", "json", "--no-path-resolution", "--no-consistency",
        "--no-env-resolution", "--no-normalize",
    ],
}


# Why a file is rejected, from the first error line. Only "port-syntax" and
# "schema" are errors of the file itself; the others come from outside the port model
# (files the corpus does not carry, unset variables, a Compose newer than 2.40.3, a bug of
# `--format json`).
KINDS = [
    ("missing-file", r"env file .* not found|no such file or directory"),
    (
        "unset-variable",
        r"required variable .* is missing a value|empty section between colons"
        r"|container_name '' does not match",
    ),
    ("newer-compose-schema", r"additional properties '(pre_start)' not allowed"),
    ("compose-json-bug", r"error calling MarshalJSON"),
    ("port-syntax", r"invalid (hostPort|containerPort|proto|IP address|ranges)|missing a target port"),
    ("schema", r"^validating |additional properties|does not match pattern|must be a"),
    ("consistency", r"invalid compose project|dependency cycle"),
]


def classify(error: str) -> str:
    for kind, pattern in KINDS:
        if re.search(pattern, error):
            return kind
    return "other"


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(
        p for p in corpus.rglob("*") if p.is_file() and p.name not in SKIP_NAMES
    )


def verdict(compose: str, corpus: Path, path: Path, flags: list[str]):
    ok, data, stderr = co.run_config(
        compose, [path.name], path.parent, env={}, config_flags=flags
    )
    rel = path.relative_to(corpus).as_posix()
    if not ok:
        return rel, False, 0, co.first_error_line(stderr)
    n = sum(len(v) for v in co.normalised_ports(data).values())
    return rel, True, n, ""


def run_all(compose, corpus, files, flags):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda p: verdict(compose, corpus, p, flags), files))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=ROOT / "testdata/model/corpus-verdicts.tsv")
    ap.add_argument("--compare", action="store_true", help="only tally the flag sets")
    args = ap.parse_args()
    compose = co.find_compose()
    corpus = args.corpus.resolve()
    files = corpus_files(corpus)

    if args.compare:
        for name, flags in FLAG_SETS.items():
            rows = run_all(compose, corpus, files, flags)
            acc = sum(1 for r in rows if r[1])
            ports = sum(r[2] for r in rows)
            print(f"{name:24} accepted {acc:3}/{len(rows)}  port bindings {ports}")
        # The chosen flags, in a temporary copy with missing env_file/secret files
        # created empty (see compose_oracle.run_config_stubbing_missing_files).
        def stub(path):
            ok, data, _, _ = co.run_config_stubbing_missing_files(compose, path, env={})
            return ok, sum(len(v) for v in co.normalised_ports(data).values()) if ok else 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            rows = list(pool.map(stub, files))
        acc = sum(1 for ok, _ in rows if ok)
        ports = sum(n for _, n in rows)
        print(f"{'chosen+stub-missing':24} accepted {acc:3}/{len(rows)}  port bindings {ports}")
        return 0

    rows = run_all(compose, corpus, files, co.CONFIG_FLAGS)
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("path\taccepted\tports\terror\tkind\n")
        for rel, ok, n, err in rows:
            err = err.replace("\t", " ").replace(str(corpus) + "/", "")
            kind = classify(err) if not ok else ""
            fh.write(f"{rel}\t{'yes' if ok else 'no'}\t{n}\t{err}\t{kind}\n")
    acc = sum(1 for r in rows if r[1])
    print(f"accepted {acc}/{len(rows)}; wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
