#!/usr/bin/env bash
# The benchmark: composeguard against the parse-only floor, compose-lint and dclint.
#
#     bash bench/run.sh            # install what is missing, make the inputs, measure, write bench/RESULTS.md
#
# Not part of the test suite. Everything it installs or makes goes to bench/work/ (gitignored).
# Environment knobs (defaults in brackets):
#   RUNS [7]            repetitions of composeguard and the floor per input
#   PEER_RUNS [3]       repetitions of compose-lint and dclint on the corpus and the large file
#   PEER_RUNS_BIG [1]   ... on the 40x corpus (each takes minutes)
#   SAVE_RUNS [200]     format-on-save calls
#   NO_PEERS=1          skip compose-lint and dclint (quick runs while working on composeguard)
#   COMPOSEGUARD_BIN    measure this binary instead of building target/release/composeguard
#   MAX_LOAD [0.7]      wait (up to WAIT_MINUTES [20]) until the 1-minute load average is below
#                       this, since the machine is shared; then measure anyway and say so
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work"
SHARED_CORPUS="$(cd "$ROOT/../shared/corpus" && pwd)"
mkdir -p "$WORK"

say() { printf '\n== %s\n' "$*" >&2; }

# ── Tools ────────────────────────────────────────────────────────────────────────────────────
need_apt=()
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if ((${#need_apt[@]})); then
  say "apt-get install ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi

# ── composeguard ─────────────────────────────────────────────────────────────────────────────
if [[ -n "${COMPOSEGUARD_BIN:-}" ]]; then
  CG="$(realpath "$COMPOSEGUARD_BIN")"
else
  say "cargo build --release (composeguard)"
  (cd "$ROOT" && cargo build --release --quiet)
  CG="$ROOT/target/release/composeguard"
fi

# ── The floor: read + parse with granit-parser, one thread ───────────────────────────────────
say "cargo build --release (bench/floor)"
CARGO_TARGET_DIR="$WORK/floor-target" cargo build --release --quiet --manifest-path "$BENCH/floor/Cargo.toml"
FLOOR="$WORK/floor-target/release/composeguard-floor"

# ── bench-spawn: times one process (wall, CPU, peak RSS) ─────────────────────────────────────
CARGO_TARGET_DIR="$WORK/spawn-target" cargo build --release --quiet --manifest-path "$BENCH/spawn/Cargo.toml"
SPAWN="$WORK/spawn-target/release/bench-spawn"

# ── Peers ────────────────────────────────────────────────────────────────────────────────────
COMPOSE_LINT="$WORK/venv/bin/compose-lint"
if ! "$COMPOSE_LINT" --version 2>/dev/null | grep -q '0\.36\.2'; then
  say "pip install compose-lint==0.36.2 (venv in bench/work/venv)"
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check compose-lint==0.36.2
fi
DCLINT="$WORK/node/node_modules/.bin/dclint"
if [[ "$("$DCLINT" --version 2>/dev/null || true)" != "3.1.0" ]]; then
  say "npm install dclint@3.1.0 (bench/work/node)"
  mkdir -p "$WORK/node"
  (cd "$WORK/node" && { [[ -f package.json ]] || npm init -y >/dev/null; } &&
    npm install --silent --no-audit --no-fund dclint@3.1.0)
fi

# ── Inputs ───────────────────────────────────────────────────────────────────────────────────
say "inputs"
CORPUS40="$WORK/corpus40"
want=$(( $(find "$SHARED_CORPUS" -type f | wc -l) * 40 ))
if [[ ! -d "$CORPUS40" || "$(find "$CORPUS40" -type f | wc -l)" -ne "$want" ]]; then
  rm -rf "$CORPUS40"
  mkdir -p "$CORPUS40"
  for i in $(seq -w 1 40); do cp -r "$SHARED_CORPUS" "$CORPUS40/copy-$i"; done
fi
echo "corpus40: $(find "$CORPUS40" -name '*.y*ml' | wc -l) YAML files" >&2
mkdir -p "$WORK/large" "$WORK/typical"
python3 "$BENCH/gen_large.py" "$WORK/large/compose.yaml" 2000
python3 "$BENCH/gen_large.py" "$WORK/typical/compose.yaml" 11
echo "large: $(wc -l <"$WORK/large/compose.yaml") lines; typical: $(wc -l <"$WORK/typical/compose.yaml") lines" >&2

# ── Wait for a quiet machine ─────────────────────────────────────────────────────────────────
MAX_LOAD="${MAX_LOAD:-0.7}"
deadline=$(( $(date +%s) + 60 * ${WAIT_MINUTES:-20} ))
while :; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$load" -v m="$MAX_LOAD" 'BEGIN { exit !(l < m) }'; then break; fi
  if (( $(date +%s) >= deadline )); then
    echo "load average still $load (> $MAX_LOAD): measuring anyway; trust the ratios only" >&2
    break
  fi
  echo "load average $load > $MAX_LOAD: waiting" >&2
  sleep 30
done

# ── Measure ──────────────────────────────────────────────────────────────────────────────────
say "measuring (see bench/README.md)"
extra=()
[[ -n "${NO_PEERS:-}" ]] && extra+=(--no-peers)
python3 "$BENCH/measure.py" \
  --spawn "$SPAWN" --composeguard "$CG" --floor "$FLOOR" --compose-lint "$COMPOSE_LINT" --dclint "$DCLINT" \
  --corpus "$SHARED_CORPUS" --corpus40 "$CORPUS40" --large "$WORK/large" \
  --typical "$WORK/typical/compose.yaml" \
  --runs "${RUNS:-7}" --peer-runs "${PEER_RUNS:-3}" --peer-runs-big "${PEER_RUNS_BIG:-1}" \
  --save-runs "${SAVE_RUNS:-200}" "${extra[@]}"
cat "$BENCH/RESULTS.md"
