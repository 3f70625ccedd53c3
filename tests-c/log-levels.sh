#!/usr/bin/env bash
# Log-level parity: tests-c/log_levels.c built against build/libbtf.so.1 and against libbpf 1.7.0
# (the static library the libbpf-sys crate builds from its vendored source), run on the same
# inputs; the lists of (return value, errno, levels of the messages printed) must be identical.
#
# Usage: tests-c/log-levels.sh LIBBPF_SYS_OUT_DIR
#        (the `out` directory of a libbpf-sys build: include/ and libbpf.a)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
libbpf_out=$1
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libbtf-loglevels.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/files"

"$cc" -O1 -g -Wall -Wextra -Werror -I"$repo/include" -o "$tmp/ours" "$repo/tests-c/log_levels.c" \
    -L"$repo/build" -l:libbtf.so.1 -Wl,-rpath,"$repo/build"
"$cc" -O1 -g -Wall -Wextra -Werror -I"$libbpf_out/include" -o "$tmp/libbpf" \
    "$repo/tests-c/log_levels.c" "$libbpf_out/libbpf.a" -lelf -lz

"$tmp/ours" "$repo/test-data" "$tmp/files" > "$tmp/ours.out"
"$tmp/libbpf" "$repo/test-data" "$tmp/files" > "$tmp/libbpf.out"
# The programs differ, so does the self-reference "elf-without-btf" path: the lines do not show it.
if ! diff -u --label libbpf-1.7.0 --label libbtf "$tmp/libbpf.out" "$tmp/ours.out"; then
    echo "log-levels: libbtf reports at other levels than libbpf 1.7.0 (diff above)"
    exit 1
fi
cases=$(wc -l < "$tmp/ours.out")
warns=$(grep -c 'levels=\[[^]]*W' "$tmp/ours.out" || true)
debugs=$(grep -c 'levels=\[[^]]*D' "$tmp/ours.out" || true)
echo "log-levels: $cases cases identical to libbpf 1.7.0 ($warns with a warning, $debugs with a debug message)"
echo "$cases passed, 0 failed"
