#!/usr/bin/env bash
# Packs a built composeguard binary as a release asset, named as action.yml's download step
# expects:
#
#   archive.sh VERSION ARCH OS BINARY OUTDIR
#   -> OUTDIR/composeguard-VERSION-ARCH-OS.tar.gz, holding the folder
#      composeguard-VERSION-ARCH-OS/ with the binary, README.md, LICENSE and CHANGELOG.md
#   -> OUTDIR/composeguard-VERSION-ARCH-OS.tar.gz.sha256 ("<sha256>  <asset>", sha256sum's format)
#
# ARCH is x86_64 or aarch64, OS linux, macos or windows (RUNNER_ARCH and RUNNER_OS as the
# action maps them). The release workflow runs it on every target; tests/action.rs runs it on
# the binary cargo built for the tests and serves the result over HTTP.
set -euo pipefail

if [ $# -ne 5 ]; then
  echo "usage: $0 VERSION ARCH OS BINARY OUTDIR" >&2
  exit 2
fi
version="${1#v}"
arch="$2"
os="$3"
binary="$4"
outdir="$5"
case "$arch" in x86_64|aarch64) ;; *) echo "unknown arch $arch" >&2; exit 2 ;; esac
case "$os" in linux|macos|windows) ;; *) echo "unknown os $os" >&2; exit 2 ;; esac

root="$(cd "$(dirname "$0")/../.." && pwd)"
name="composeguard-${version}-${arch}-${os}"
asset="${name}.tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/$name" "$outdir"
case "$os" in
  windows) cp "$binary" "$work/$name/composeguard.exe" ;;
  *) cp "$binary" "$work/$name/composeguard"; chmod 755 "$work/$name/composeguard" ;;
esac
cp "$root/README.md" "$root/LICENSE" "$root/CHANGELOG.md" "$work/$name/"
tar -czf "$outdir/$asset" -C "$work" "$name"
if command -v sha256sum >/dev/null 2>&1; then
  sum="$(sha256sum "$outdir/$asset" | awk '{ print $1 }')"
else
  sum="$(shasum -a 256 "$outdir/$asset" | awk '{ print $1 }')"
fi
printf '%s  %s\n' "$sum" "$asset" > "$outdir/$asset.sha256"
echo "$outdir/$asset"
