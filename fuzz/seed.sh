#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, gitignored) from the repository's test data,
# ../shared/corpus and testdata/hostile/, plus a few hand-made inputs. Safe to run again:
# files are named by their SHA-1, so nothing is duplicated.
set -euo pipefail
cd "$(dirname "$0")"
root=..
shared=${COMPOSEGUARD_SHARED_CORPUS:-../../shared/corpus}
corpus=corpus
mkdir -p "$corpus"/{yaml,port,interpolate,lint_fix,report_long_lines,dotenv_sizes}

add() { # add TARGET < data
    local tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if [ -s "$tmp" ] || [ "$1" != lint_fix ]; then
        mv "$tmp" "$corpus/$1/$(sha1sum "$tmp" | cut -c1-40)"
    else
        rm -f "$tmp"
    fi
}

# Every compose-like file of the test data and the shared corpus: whole files for the YAML
# and end-to-end targets.
mapfile -d '' files < <(find "$root/testdata" "$shared" -type f \
    \( -name '*.yaml' -o -name '*.yml' -o -name '*.fixed' -o -name '*.unsafe-fixed' \) \
    -size -64k -print0 2>/dev/null)
for f in "${files[@]}"; do
    add yaml <"$f"
    add lint_fix <"$f"
done

# Port strings and interpolated values as written in those files.
for f in "${files[@]}"; do
    # `- "8080:80"`, `- 127.0.0.1:5432:5432/tcp`, `published: "${P:-80}"` ...
    grep -ohE '^[[:space:]]*-[[:space:]]+["'"'"']?[][0-9a-fA-F.:${}_A-Z/-]*[0-9][][0-9a-fA-F.:${}_A-Za-z/-]*["'"'"']?[[:space:]]*$' "$f" 2>/dev/null |
        sed -E 's/^[[:space:]]*-[[:space:]]+//; s/[[:space:]]*$//; s/^["'"'"']//; s/["'"'"']$//' |
        while IFS= read -r p; do printf '%s' "$p" | add port; done || true
    grep -ohE '\$\{?[A-Za-z_][^"'"'"' ]*' "$f" 2>/dev/null |
        while IFS= read -r v; do printf '%s' "$v" | add interpolate; done || true
done

# Hand-made seeds for the corners.
for p in 80 5432:5432 127.0.0.1:5432:5432 '[::1]:80:80' '::1:80:80' 127.0.0.1::80 \
    8080-8081:80-81/udp '0.0.0.0:5432:5432/TCP' '${DB_PORT:-5432}:5432' '${BIND}::80' \
    '${A:-${B:-1}}:80/sctp' '65535:65535' '1-65535:1-65535' '::80' ':80' '80/' '[::]:80:80'; do
    printf '%s' "$p" | add port
done
for v in '$$' '${A}' '${A:-d}' '${A-d}' '${A:+r}' '${A+r}' '${A:?msg}' '${A?msg}' \
    '${X:-{a}b}' '${X:-{}}a}' '${X:-a}}' '${X:-${Y:-${Z}}}' '$A.B' '${A.B}' '${' '${}' \
    '${ſ}' '$1' 'a$' '${X:-a
b}'; do
    printf '%s' "$v" | add interpolate
done

# Long lines (the first three bytes place and size the long line, then spans, then text)
# and `.env` programs (each byte a line; 1 doubles the line before, 0x10 is a literal).
for f in "${files[@]:0:40}"; do
    { printf '\x80\x20\x00\x0a\x8c\x00\xff\x8b\x8b\x8b\x8d'; head -c 2000 "$f"; } | add report_long_lines
done
printf '\x10\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' | add dotenv_sizes
printf '\x20\x09\x0b\x03\x11\x13\x1b\x05\x02\x07' | add dotenv_sizes
find "$root/testdata" -type f -name '.env*' -print0 |
    while IFS= read -r -d '' f; do head -c 4000 "$f" | add dotenv_sizes; done

# Regression inputs found earlier: testdata/hostile/fuzz/<target>-*.
if [ -d "$root/testdata/hostile/fuzz" ]; then
    for f in "$root"/testdata/hostile/fuzz/*; do
        [ -f "$f" ] || continue
        name=$(basename "$f")
        target=${name%%-*}
        [ "$target" = lintfix ] && target=lint_fix
        [ -d "$corpus/$target" ] && add "$target" <"$f"
    done
fi

for t in yaml port interpolate lint_fix report_long_lines dotenv_sizes; do
    printf '%-12s %6d files\n' "$t" "$(find "$corpus/$t" -type f | wc -l)"
done
