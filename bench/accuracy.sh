#!/usr/bin/env bash
# Prints how well composeguard knows what a service is: precision and recall of the
# sensitivity judgement and of the safe fix over the labelled services of testdata/accuracy/
# (all of them, the real services copied from ../shared/corpus, and the written variants),
# recall per category, the evidence mix, and every service judged wrongly.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --quiet --test accuracy -- --nocapture 2>&1 |
  grep -v -E '^(running [0-9]+ test|test result|test .* \.\.\. )' || true
