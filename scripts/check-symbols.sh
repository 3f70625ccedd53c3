#!/usr/bin/env bash
# Checks what libbtf.so.1 exports against its version script, capi/libbtf.map:
#   - the defined dynamic symbols, each with its version node, equal the map's global symbols with
#     the node each is listed under: nothing more (no Rust or C internals, no rust_eh_personality)
#     and nothing less (e.g. btf__parse must be btf__parse@@LIBBPF_0.1.0, as in libbpf.so.1);
#   - the version definitions are the map's nodes, in order, each inheriting the one the map says;
#   - the soname is libbtf.so.1;
#   - tests-c/prototypes.c declares every exported function (so it proves every signature).
# Usage: scripts/check-symbols.sh [LIB [MAP]]   (defaults: build/libbtf.so.1 capi/libbtf.map)
set -euo pipefail

lib=${1:-build/libbtf.so.1}
map=${2:-capi/libbtf.map}
prototypes=tests-c/prototypes.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "check-symbols: $*" >&2; fail=1; }

[[ -f $lib ]] || { echo "check-symbols: $lib not found (run make)" >&2; exit 1; }

# Expected: "symbol node" for every global symbol of the map, and "node parent" for every node
# ("-" for the first). Comments (/* ... */ on one line) are dropped first.
sed 's:/\*.*\*/::g' "$map" | awk '
    /^[[:space:]]*[A-Za-z0-9_.]+[[:space:]]*\{/ { node = $1; sub(/\{.*/, "", node); global = 0 }
    /^[[:space:]]*global:/ { global = 1; next }
    /^[[:space:]]*local:/ { global = 0; next }
    /\}/ {
        parent = $0; sub(/.*\}[[:space:]]*/, "", parent); sub(/;.*/, "", parent)
        print node, (parent == "" ? "-" : parent) > "'"$tmp/expected-nodes"'"
        global = 0; next
    }
    global && /;/ { sym = $1; sub(/;.*/, "", sym); print sym, node }
' | sort > "$tmp/expected"

# Actual: defined dynamic symbols (`objdump -T`: ... VERSION NAME), without the version
# definitions themselves (name == version, in *ABS*).
objdump -T "$lib" | awk '
    NF < 6 || /\*UND\*/ { next }
    $NF == $(NF - 1) { next }
    /^[0-9a-f]+ / { print $NF, $(NF - 1) }
' | sort > "$tmp/actual"

if ! diff -q "$tmp/expected" "$tmp/actual" > /dev/null; then
    err "exported symbols differ from $map ('<' only in the map, '>' only in $lib):"
    diff "$tmp/expected" "$tmp/actual" | grep '^[<>]' >&2 || true
fi

# Spot checks that say plainly what matters to binaries linked against libbpf.so.1.
for want in "btf__parse LIBBPF_0.1.0" "btf__new LIBBPF_0.0.1" "btf__type_cnt LIBBPF_0.6.0" \
            "btf__permute LIBBPF_1.7.0"; do
    grep -qx "$want" "$tmp/actual" || err "expected ${want% *}@@${want#* } in $lib"
done
if grep -Eq '^(rust_|__rust|_ZN|_R[A-Z0-9]|libbtf_print)' "$tmp/actual"; then
    err "internal symbols are exported:"
    grep -E '^(rust_|__rust|_ZN|_R[A-Z0-9]|libbtf_print)' "$tmp/actual" >&2
fi

# Version definitions, in order, with their parents (`objdump -p`: "N FLAGS HASH NAME" lines, each
# followed by an indented parent line when there is one). The first definition is the soname.
objdump -p "$lib" | awk '
    /^Version definitions:/ { on = 1; next }
    on && /^$/ { exit }
    on && /^[0-9]/ { if (name != "") print name, parent; name = $4; parent = "-"; next }
    on && /^[[:space:]]+[A-Za-z]/ { parent = $1 }
    END { if (name != "") print name, parent }
' | tail -n +2 > "$tmp/actual-nodes"
if ! diff -q "$tmp/expected-nodes" "$tmp/actual-nodes" > /dev/null; then
    err "version nodes differ from $map ('<' map, '>' $lib):"
    diff "$tmp/expected-nodes" "$tmp/actual-nodes" | grep '^[<>]' >&2 || true
fi

soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[[ $soname == libbtf.so.1 ]] || err "soname is '$soname', not libbtf.so.1"

# Every exported function has its libbpf prototype in tests-c/prototypes.c.
while read -r sym _; do
    grep -Eq "[ *]${sym}\(" "$prototypes" || err "$prototypes does not declare $sym"
done < "$tmp/expected"

# The library lives in other people's processes and starts no thread: it imports nothing that
# could create one (or a process).
spawners=$(nm -D --undefined-only "$lib" | awk '{ print $2 }' | sed 's/@.*//' |
    grep -xE 'pthread_create|clone|clone3|fork|vfork|posix_spawnp?|thrd_create' || true)
[[ -z $spawners ]] || err "imports thread- or process-creating functions: $(echo $spawners)"

if [[ $fail -ne 0 ]]; then
    exit 1
fi
echo "check-symbols: $lib exports exactly the $(wc -l < "$tmp/expected") symbols of $map" \
     "in its $(wc -l < "$tmp/expected-nodes") version nodes; soname $soname;" \
     "imports no thread-creating function"
