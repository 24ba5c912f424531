#!/usr/bin/env bash
# CI: build the fuzz targets and run each one for 30 seconds (FUZZ_SECONDS to change it).
# Exits non-zero when a target crashes: a panic (a violated invariant), a hang of more than
# 10 s on one input, or more than 2 GB of memory. The crashing input is printed and kept in
# fuzz/artifacts/<target>/; add it to testdata/hostile/fuzz/ as `<target>-<name>`.
#
# Toolchain: only stable Rust is here. cargo-fuzz builds with `-Zsanitizer=address`, a nightly
# flag; RUSTC_BOOTSTRAP=1 lets the stable compiler accept it (see docs/robustness.md).
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
export RUST_BACKTRACE=1
seconds=${FUZZ_SECONDS:-30}

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
./seed.sh
# CI builds without AddressSanitizer (FUZZ_SANITIZER=address to use it, as the long runs do):
# composeguard is safe Rust, a panic is what the targets catch, and the ASan build took
# minutes more than CI can spare. Line tables only, for the backtrace of a crash.
sanitizer=${FUZZ_SANITIZER:-none}
export CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
cargo fuzz build -O -s "$sanitizer"

status=0
logs=target/fuzz-logs # fuzz/target is gitignored
mkdir -p artifacts "$logs"
for target in yaml port interpolate lint_fix report_long_lines dotenv_sizes; do
    flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    case $target in
    yaml | lint_fix) flags+=(-dict=yaml.dict -max_len=16384) ;;
    port | interpolate | dotenv_sizes) flags+=(-max_len=256) ;;
    report_long_lines) flags+=(-max_len=4096) ;;
    esac
    log=$logs/$target.log
    echo "fuzz: $target for ${seconds}s"
    if cargo fuzz run -O -s "$sanitizer" "$target" "corpus/$target" -- "${flags[@]}" >"$log" 2>&1; then
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 3
    else
        echo "fuzz: $target FAILED:"
        cat "$log"
        status=1
    fi
done
exit "$status"
