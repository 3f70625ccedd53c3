#!/usr/bin/env bash
# Checks `make demo`: runs it and looks for the lines a newcomer is told to expect (the wrong-base
# check, the distilled bases, ext4 relocated, nvme refused for struct device 744 -> 752, the
# vmlinux.h), and its runtime (< 10 s after the build). Then the same from a fresh `git clone` of
# this repository's HEAD (without ../shared or anything untracked): its scripts/demo.sh run with the
# btf just built. With the corpus (../shared/corpus) present, the distilled and relocated ext4 BTF
# must also be libbpf 1.7.0's bytes.
# Usage: scripts/test-demo.sh   (run by `make test-demo`, part of `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
corpus=${CORPUS:-../shared/corpus}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() { echo "test-demo: FAILED: $*" >&2; exit 1; }

# check OUTPUT WHAT: the lines every run of the demo must print.
check() {
    local out=$1 what=$2 line secs
    for line in \
        '$ btf check ext4.btf --base vmlinux-6.1.0-54.btf' \
        'ext4.btf over vmlinux-6.1.0-54.btf: inconsistent' \
        '  [kernel-rules] the kernel refuses this module'"'"'s BTF over this base' \
        'ext4.btf over vmlinux-6.1.0-47.btf: undecidable' \
        '$ btf distill ext4.btf --base vmlinux-6.1.0-47.btf -o .' \
        '$ btf distill nvme.btf --base vmlinux-6.1.0-47.btf -o .' \
        '$ btf relocate ext4.split.btf --distilled-base ext4.base.btf --base vmlinux-6.1.0-54.btf -o ext4-on-6.1.0-54.btf' \
        '$ btf relocate nvme.split.btf --distilled-base nvme.base.btf --base vmlinux-6.1.0-54.btf -o nvme-on-6.1.0-54.btf' \
        'btf: nvme.split.btf: cannot relocate split BTF onto the new base: struct device is 744 bytes in the distilled base' \
        '1 of 2 modules relocate' \
        '  1 module: struct device 744 -> 752' \
        '$ btf dump vmlinux-6.1.0-54.btf --format c > vmlinux.h'; do
        grep -qF -- "$line" "$out" || die "$what: no line '$line' in its output:
$(cat "$out")"
    done
    grep -Eq '^  ext4\.base\.btf +[0-9,]+ bytes \([0-9]+ base types\)' "$out" || die "$what: no ext4.base.btf line"
    grep -Eq '^  ext4-on-6\.1\.0-54\.btf: [0-9,]+ bytes, [0-9,]+ types over 6\.1\.0-54$' "$out" ||
        die "$what: no relocated ext4 line"
    grep -Eq '^  vmlinux\.h: [0-9],[0-9]{3},[0-9]{3} bytes, [0-9,]+ lines; e\.g\. line [0-9]+: struct task_struct \{$' "$out" ||
        die "$what: no vmlinux.h line (of more than a megabyte)"
    secs=$(sed -n 's/.*demo: done in \([0-9.]*\) s$/\1/p' "$out")
    [[ -n $secs ]] || die "$what: no runtime line"
    awk -v s="$secs" 'BEGIN { exit !(s < 10) }' || die "$what: took $secs s (more than 10)"
    echo "test-demo: $what: every expected line, $secs s"
}

make --no-print-directory demo > "$tmp/demo.out" 2>&1 || { cat "$tmp/demo.out"; die "make demo"; }
check "$tmp/demo.out" "make demo"
if [[ -d $corpus/expected/libbpf-1.7.0 ]]; then
    e=$corpus/expected/libbpf-1.7.0/ext4.47-on-54
    cmp build/demo/ext4.base.btf "$e.distilled_base.libbpf-1.7.0.btf" || die "ext4.base.btf differs from libbpf's"
    cmp build/demo/ext4.split.btf "$e.distilled_split.libbpf-1.7.0.btf" || die "ext4.split.btf differs from libbpf's"
    cmp build/demo/ext4-on-6.1.0-54.btf "$e.relocated_split.libbpf-1.7.0.btf" ||
        die "ext4-on-6.1.0-54.btf differs from libbpf's"
    echo "test-demo: distilled base, distilled split and relocated ext4 are libbpf 1.7.0's bytes"
else
    echo "test-demo: SKIP comparison with libbpf 1.7.0's outputs ($corpus/expected/libbpf-1.7.0 absent)"
fi

# From a fresh clone of HEAD: only what is committed, no ../shared next to it.
git clone -q "$root" "$tmp/clone/main"
git -C "$tmp/clone/main" ls-files --error-unmatch test-data/demo scripts/demo.sh > /dev/null ||
    die "test-data/demo or scripts/demo.sh not committed"
"$tmp/clone/main/scripts/demo.sh" "$root/build/btf" > "$tmp/clone.out" 2>&1 ||
    { cat "$tmp/clone.out"; die "scripts/demo.sh in a fresh clone"; }
check "$tmp/clone.out" "fresh clone of HEAD ($(git -C "$tmp/clone/main" log -1 --format=%h))"
