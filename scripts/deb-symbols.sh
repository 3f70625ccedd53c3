#!/usr/bin/env bash
# Writes debian/libbtf1.symbols (the Debian symbols file of libbtf.so.1) from capi/libbtf.map:
# every version node and every global symbol at its node. Entries already in the file keep their
# minimum version; new ones get the version of debian/changelog. dpkg-gensymbols then checks the
# built library against it (`make test-deb` builds with DPKG_GENSYMBOLS_CHECK_LEVEL=4: any
# difference fails).
# Usage: scripts/deb-symbols.sh [--check]   (--check: only say whether the file is up to date)
set -euo pipefail
cd "$(dirname "$0")/.."
map=capi/libbtf.map
out=debian/libbtf1.symbols
version=$(dpkg-parsechangelog -S Version 2>/dev/null || sed -n '1s/.*(\(.*\)).*/\1/p' debian/changelog)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# "name@node" for every node and every global symbol (comments dropped first).
entries=$(sed 's:/\*.*\*/::g' "$map" | awk '
    /^[[:space:]]*[A-Za-z0-9_.]+[[:space:]]*\{/ { node = $1; sub(/\{.*/, "", node); print node "@" node; global = 0 }
    /^[[:space:]]*global:/ { global = 1; next }
    /^[[:space:]]*local:/ { global = 0; next }
    /\}/ { global = 0; next }
    global && /;/ { sym = $1; sub(/;.*/, "", sym); print sym "@" node }
' | LC_ALL=C sort -u)
{
    echo "libbtf.so.1 libbtf1 #MINVER#"
    echo "* Build-Depends-Package: libbtf-dev"
    while read -r e; do
        old=$( [[ -f $out ]] && awk -v e="$e" '$1 == e { print $2 }' "$out" || true)
        echo " $e ${old:-$version}"
    done <<< "$entries"
} > "$tmp"

if [[ ${1:-} == --check ]]; then
    if ! cmp -s "$tmp" "$out"; then
        diff -u "$out" "$tmp" || true
        echo "deb-symbols: $out is not what $map says: run scripts/deb-symbols.sh" >&2
        exit 1
    fi
    echo "deb-symbols: $out matches $map ($(grep -c '^ ' "$out") entries)"
else
    cp "$tmp" "$out"
    echo "deb-symbols: wrote $out ($(grep -c '^ ' "$out") entries)"
fi
