#!/usr/bin/env bash
# pahole parity: Debian's pahole (which links libbpf.so.1 dynamically) run once over the system
# libbpf and once over our build/libbtf.so.1 (as libbpf.so.1 in a temporary LD_LIBRARY_PATH dir).
# stdout and the exit code must be byte-identical, and so must stderr once the libraries' own
# message lines ("libbpf: ..." / "libbtf: ...", worded differently on purpose) are left out.
#
# Cases: every corpus vmlinux (whole dump, --sizes, -C <struct> for a few structs), the selected
# modules of every build over their own vmlinux (--btf_base), the .ko ELF files over theirs, the
# small pahole/ fixtures (base, split over small.btf, ELF), error paths (no .BTF, split without its
# base, truncated, empty, missing base), the running kernel when readable, and BTF encoding from
# DWARF (--btf_encode_detached, -J, split encoding over small.btf: btf__add_*, btf__dedup,
# btf__raw_data), whose output files are compared too.
#
# Usage: tests-c/pahole/run.sh [-v] [REGEX]
#        -v: also show library-message differences; REGEX: only the cases whose name matches
# Env:   CORPUS (default <repo>/../shared/corpus), LIBBTF (default <repo>/build/libbtf.so.1).
#        An LD_PRELOAD in the environment is applied to the libbtf runs only.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
corpus=${CORPUS:-$repo/../shared/corpus}
lib=${LIBBTF:-$repo/build/libbtf.so.1}
verbose=0
if [[ ${1:-} == -v ]]; then
    verbose=1
    shift
fi
only=${1:-}

ours_preload=${LD_PRELOAD:-}
unset LD_PRELOAD LD_LIBRARY_PATH

if ! command -v pahole >/dev/null 2>&1; then
    echo "SKIP test-pahole: pahole not installed (Debian package dwarves)"
    exit 0
fi
if [[ ! -d $corpus/vmlinux ]]; then
    echo "SKIP test-pahole: corpus not found at $corpus"
    exit 0
fi
if [[ ! -f $lib ]]; then
    echo "FAIL test-pahole: $lib not built (run make first)" >&2
    exit 1
fi
lib=$(readlink -f "$lib")
pahole_bin=$(command -v pahole)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libbtf-pahole.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/lib" "$tmp/sys" "$tmp/ours"
ln -s "$lib" "$tmp/lib/libbpf.so.1"

run_sys() { "$pahole_bin" "$@"; }
run_ours() {
    if [[ -n $ours_preload ]]; then
        LD_LIBRARY_PATH=$tmp/lib LD_PRELOAD=$ours_preload "$pahole_bin" "$@"
    else
        LD_LIBRARY_PATH=$tmp/lib "$pahole_bin" "$@"
    fi
}

# --- 1. prove which library each side loads ----------------------------------------------------
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname != libbtf.so.1 ]]; then
    echo "FAIL: $lib has SONAME '$soname', expected libbtf.so.1" >&2
    exit 1
fi
if [[ $(readlink -f "$tmp/lib/libbpf.so.1") != "$lib" ]]; then
    echo "FAIL: $tmp/lib/libbpf.so.1 does not resolve to $lib" >&2
    exit 1
fi
probe=$corpus/pahole/small.btf
if ! LD_DEBUG=libs,bindings LD_DEBUG_OUTPUT=$tmp/ldd-ours run_ours -F btf "$probe" \
    >/dev/null 2>"$tmp/probe.err"; then
    echo "FAIL: pahole does not run with libbtf:" >&2
    sed 's/^/  /' "$tmp/probe.err" >&2
    exit 1
fi
# pahole binds its libbpf imports at startup (BIND_NOW): each must come from the temp dir's copy.
if ! grep -q "calling init: $tmp/lib/libbpf.so.1" "$tmp"/ldd-ours.* \
    || ! grep -q "to $tmp/lib/libbpf.so.1 \[0\]: normal symbol \`btf__parse'" "$tmp"/ldd-ours.*; then
    echo "FAIL: pahole did not load and bind $tmp/lib/libbpf.so.1 (-> $lib)" >&2
    grep -h 'libbpf' "$tmp"/ldd-ours.* | head -n 5 >&2 || true
    exit 1
fi
stray=$(grep -h "normal symbol \`\(btf__\|libbpf_\)" "$tmp"/ldd-ours.* \
    | grep -v "to $tmp/lib/libbpf.so.1 \[0\]" | grep -v "to ${ours_preload:-/nonexistent} \[0\]" \
    | head -n 3 || true)
if [[ -n $stray ]]; then
    echo "FAIL: some libbpf symbols bound elsewhere:" >&2
    echo "$stray" >&2
    exit 1
fi
nbound=$(cat "$tmp"/ldd-ours.* | grep -c "to $tmp/lib/libbpf.so.1 \[0\]: normal symbol")
# And the library's own code runs: its warnings carry the "libbtf:" prefix.
run_ours -F btf "$corpus/pahole/small.o" >/dev/null 2>"$tmp/marker.err" || true
if ! grep -q '^libbtf: ' "$tmp/marker.err"; then
    echo "FAIL: no 'libbtf:' message from pahole on an object without .BTF" >&2
    exit 1
fi
LD_DEBUG=libs LD_DEBUG_OUTPUT=$tmp/ldd-sys run_sys --version >/dev/null 2>&1 || true
sys_lib=$(sed -n 's/.*calling init: \(.*libbpf\.so\.1\)$/\1/p' "$tmp"/ldd-sys.* | head -n 1)
if [[ -z $sys_lib || $sys_lib == "$tmp"/* ]]; then
    echo "FAIL: the reference run does not load a system libbpf.so.1 ('$sys_lib')" >&2
    exit 1
fi
echo "libbtf:   pahole loads $tmp/lib/libbpf.so.1 -> $lib ($nbound symbol bindings)"
echo "system:   pahole loads $sys_lib -> $(readlink -f "$sys_lib")"
[[ -n $ours_preload ]] && echo "note:     LD_PRELOAD=$ours_preload applied to the libbtf runs"

# --- 2. the comparisons ------------------------------------------------------------------------
passed=0
failed=0
failures=()

# Library message lines differ in wording by design; everything else on stderr is pahole's.
strip_lib() { grep -v -e '^libbpf: ' -e '^libbtf: ' "$1" || true; }
lib_lines() { grep -e '^libbpf: ' -e '^libbtf: ' "$1" || true; }

report_diff() { # label, sys file, ours file
    if ! cmp -s "$2" "$3"; then
        echo "    $1 differs (< system, > libbtf):"
        diff "$2" "$3" | head -n 20 | sed 's/^/      /' || true
    fi
}

# compare NAME [--out FILE]... -- PAHOLE-ARGS...: run both sides in their own directories
# (relative output files land there), compare stdout, exit code, pahole's stderr, and each FILE
# (seed:PATH: see below).
compare() {
    local name=$1
    shift
    local outs=()
    while [[ $1 == --out ]]; do
        outs+=("$2")
        shift 2
    done
    shift # --
    [[ -z $only || $name =~ $only ]] || return 0
    local side rc_sys rc_ours ok=1 f
    for side in sys ours; do
        rm -rf "${tmp:?}/$side" && mkdir "$tmp/$side"
        local seed
        for f in "${outs[@]}"; do
            # seed:PATH, an output file that exists beforehand (-J writes into its input): a copy
            # of PATH in each side's directory, compared under its base name afterwards
            seed=${f#seed:}
            if [[ $seed != "$f" ]]; then
                cp "$seed" "$tmp/$side/"
            fi
        done
        (
            cd "$tmp/$side"
            set +e
            "run_$side" "$@" >stdout 2>stderr
            echo $? >rc
        ) &
    done
    wait
    rc_sys=$(cat "$tmp/sys/rc")
    rc_ours=$(cat "$tmp/ours/rc")
    for side in sys ours; do
        strip_lib "$tmp/$side/stderr" >"$tmp/$side/stderr.pahole"
        lib_lines "$tmp/$side/stderr" >"$tmp/$side/stderr.lib"
    done
    [[ $rc_sys == "$rc_ours" ]] || ok=0
    cmp -s "$tmp/sys/stdout" "$tmp/ours/stdout" || ok=0
    cmp -s "$tmp/sys/stderr.pahole" "$tmp/ours/stderr.pahole" || ok=0
    for f in "${outs[@]}"; do
        f=$(basename "${f#seed:}")
        if [[ -f $tmp/sys/$f || -f $tmp/ours/$f ]]; then
            cmp -s "$tmp/sys/$f" "$tmp/ours/$f" || ok=0
        fi
    done
    local what
    what="$(wc -l <"$tmp/sys/stdout") lines"
    for f in "${outs[@]}"; do
        f=$(basename "${f#seed:}")
        [[ -f $tmp/sys/$f ]] && what+=", $f $(wc -c <"$tmp/sys/$f") bytes"
    done
    if ((ok)); then
        passed=$((passed + 1))
        printf '  ok    %-58s rc=%s, %s\n' "$name" "$rc_sys" "$what"
        if ((verbose)); then
            report_diff "library messages" "$tmp/sys/stderr.lib" "$tmp/ours/stderr.lib"
        fi
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '  FAIL  %-58s rc: system %s, libbtf %s\n' "$name" "$rc_sys" "$rc_ours"
        echo "    pahole $*"
        report_diff stdout "$tmp/sys/stdout" "$tmp/ours/stdout"
        report_diff "stderr (pahole's lines)" "$tmp/sys/stderr.pahole" "$tmp/ours/stderr.pahole"
        report_diff "library messages" "$tmp/sys/stderr.lib" "$tmp/ours/stderr.lib"
        for f in "${outs[@]}"; do
            f=$(basename "${f#seed:}")
            if ! cmp -s "$tmp/sys/$f" "$tmp/ours/$f" 2>/dev/null; then
                echo "    output file $f differs: $(cmp "$tmp/sys/$f" "$tmp/ours/$f" 2>&1 | head -n 1)"
            fi
        done
    fi
}

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# A known, intended divergence: libbpf 1.3+ (and libbtf, which follows libbpf 1.7) validates split
# BTF against its base and rejects a module read over another build's vmlinux (a FUNC then points
# at a base type that is no FUNC_PROTO); Debian's libbpf 1.1 accepts it and pahole prints garbage.
# libbtf must reject it; the system result is shown for information only.
expect_rejected() { # NAME -- PAHOLE-ARGS...
    local name=$1 rc_ours rc_sys
    shift 2
    [[ -z $only || $name =~ $only ]] || return 0
    set +e
    run_ours "$@" >"$tmp/ours.stdout" 2>"$tmp/ours.stderr"
    rc_ours=$?
    run_sys "$@" >/dev/null 2>&1
    rc_sys=$?
    set -e
    if [[ $rc_ours != 0 && ! -s $tmp/ours.stdout ]]; then
        passed=$((passed + 1))
        printf '  ok    %-58s libbtf rejects (rc=%s), system rc=%s\n' "$name" "$rc_ours" "$rc_sys"
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '  FAIL  %-58s libbtf accepted it (rc=%s)\n' "$name" "$rc_ours"
    fi
    grep -h '^libbtf: ' "$tmp/ours.stderr" | head -n 1 | sed 's/^/    /' || true
}

section() {
    section_end
    section_name=$1
    section_start=$EPOCHREALTIME
    echo "== $1"
}
section_end() {
    if [[ -n ${section_name:-} ]]; then
        echo "   ($section_name: $(since "$section_start") s)"
    fi
    section_name=
}
total_start=$EPOCHREALTIME

structs=(task_struct sk_buff file inode list_head)
section "vmlinux"
for v in "$corpus"/vmlinux/*.btf; do
    b=$(basename "$v")
    compare "$b" -- -F btf "$v"
    compare "$b --sizes" -- -F btf --sizes "$v"
    for s in "${structs[@]}"; do
        compare "$b -C $s" -- -F btf -C "$s" "$v"
    done
    compare "$b -E -C sk_buff" -- -F btf -E -C sk_buff "$v"
done
if [[ -r /sys/kernel/btf/vmlinux ]]; then
    compare "running kernel -C task_struct" -- -F btf -C task_struct
fi

section "modules over their vmlinux (--btf_base)"
for d in "$corpus"/modules/*/; do
    ver=$(basename "$d")
    base=$corpus/vmlinux/$ver.btf
    [[ -f $base ]] || continue
    for m in "$d"*.btf; do
        compare "$ver/$(basename "$m")" -- -F btf --btf_base "$base" "$m"
    done
done
for d in "$corpus"/ko/*/; do
    [[ -d $d ]] || continue
    ver=$(basename "$d")
    base=$corpus/vmlinux/$ver.btf
    [[ -f $base ]] || continue
    for m in "$d"*.ko; do
        compare "ko/$ver/$(basename "$m")" -- -F btf --btf_base "$base" "$m"
    done
done

section "pahole fixtures"
p=$corpus/pahole
compare "small.btf" -- -F btf "$p/small.btf"
compare "small-all.btf" -- -F btf "$p/small-all.btf"
compare "small-detached.btf" -- -F btf "$p/small-detached.btf"
compare "small-J.o (ELF .BTF)" -- -F btf "$p/small-J.o"
compare "mod-split.btf over small.btf" -- -F btf --btf_base "$p/small.btf" "$p/mod-split.btf"
compare "mod-split.btf over small.btf -C" -- -F btf --btf_base "$p/small.btf" -C thing "$p/mod-split.btf"

section "error paths"
head -c 1000 "$corpus/vmlinux/6.1.0-47.btf" >"$tmp/truncated.btf"
: >"$tmp/empty.btf"
mods=("$corpus"/modules/*/*.btf)
first_mod=${mods[0]}
compare "ELF without .BTF (small.o)" -- -F btf "$p/small.o"
compare "split without its base" -- -F btf "$first_mod"
compare "truncated raw BTF" -- -F btf "$tmp/truncated.btf"
compare "empty file" -- -F btf "$tmp/empty.btf"
compare "missing --btf_base file" -- -F btf --btf_base "$tmp/none.btf" "$first_mod"
if [[ -f $corpus/modules/6.1.0-47/tun.btf && -f $corpus/vmlinux/6.1.0-54.btf ]]; then
    expect_rejected "6.1.0-47/tun.btf over 6.1.0-54 (wrong base)" -- \
        -F btf --btf_base "$corpus/vmlinux/6.1.0-54.btf" "$corpus/modules/6.1.0-47/tun.btf"
fi

section "encoding from DWARF"
compare "--btf_encode_detached small.o" --out small.out.btf -- \
    --btf_encode_detached=small.out.btf "$p/small.o"
compare "-J small.o (in place)" --out "seed:$p/small.o" -- -J small.o
compare "split encode mod.o over small.btf" --out mod.out.btf -- \
    --btf_base "$p/small.btf" --btf_encode_detached=mod.out.btf "$p/mod.o"
compare "--btf_encode_detached small-all.o" --out small-all.out.btf -- \
    --btf_encode_detached=small-all.out.btf "$p/small-all.o"
# A multi-CU object made here, so that btf__dedup has real work: the same libc and kernel-header
# types in every CU, a struct declared in one CU and defined in another, and two structs of one
# name with different layouts (both must stay).
if command -v gcc >/dev/null 2>&1 && command -v ld >/dev/null 2>&1; then
    mkdir "$tmp/cu"
    cat >"$tmp/cu/a.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/btf.h>
struct opaque;
struct shared { FILE *f; pthread_mutex_t lock; struct shared *next; struct opaque *o; };
struct point { int x, y; };
struct shared shared_a;
struct point point_a;
struct btf_header hdr_a;
int use_a(struct shared *s, struct point *p, const struct btf_type *t) { return s->f != 0 && p->x && t->info; }
C
    cat >"$tmp/cu/b.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/btf.h>
struct opaque { int a; union { long l; char c[8]; } u; unsigned int bits : 3, more : 29; };
struct shared { FILE *f; pthread_mutex_t lock; struct shared *next; struct opaque *o; };
typedef struct shared shared_t;
typedef const volatile shared_t cv_shared_t;
cv_shared_t *shared_b;
struct opaque opaque_b;
struct sockaddr_in6 sin6_b;
int (*callback_b)(struct sockaddr *, socklen_t, struct btf_member *);
int use_b(struct opaque *o, struct sockaddr_in *sin) { return o->a + sin->sin_port; }
C
    cat >"$tmp/cu/c.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
struct point { long x, y, z; };
enum state { IDLE, BUSY = 7, GONE = -2 };
struct timed { struct timespec ts; struct stat st; sigset_t mask; enum state s; struct point p[3]; };
struct timed timed_c;
FILE *out_c;
int use_c(struct timed *t) { return (int)t->ts.tv_sec + t->s; }
C
    (
        cd "$tmp/cu"
        for c in a b c; do gcc -g -O1 -c -o "$c.o" "$c.c"; done
        ld -r -o multi.o a.o b.o c.o
    )
    compare "--btf_encode_detached multi-CU object" --out multi.out.btf -- \
        --btf_encode_detached=multi.out.btf "$tmp/cu/multi.o"
    compare "split encode multi-CU object over small.btf" --out multi-split.out.btf -- \
        --btf_base "$p/small.btf" --btf_encode_detached=multi-split.out.btf "$tmp/cu/multi.o"
    compare "-J multi-CU object (in place)" --out "seed:$tmp/cu/multi.o" -- -J multi.o
else
    echo "  (gcc or ld missing: no multi-CU encoding cases)"
fi
section_end

echo "total $(since "$total_start") s"
if ((failed)); then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
