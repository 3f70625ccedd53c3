#!/usr/bin/env bash
# `make demo`: the job libbtf's `btf` tool is for, on real data shipped in test-data/demo/ (see its
# README): module BTF of one Debian kernel build read over the next build's vmlinux goes wrong;
# `btf distill` gives a module a distilled base (.BTF.base); `btf relocate` then moves it onto the
# new build, or says why it cannot; and a vmlinux.h is written. Every command is printed (after
# "$ ") before it runs. Works in build/demo/. Exits non-zero when a step does not do what the
# text says it does (scripts/test-demo.sh checks the lines).
# Usage: scripts/demo.sh [BTF]   (default build/btf, which `make demo` builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
btf=$(realpath "${1:-build/btf}")
data=test-data/demo
work=build/demo
start=$(date +%s%N)

[[ -x $btf ]] || { echo "demo: $btf not found (make demo builds it)" >&2; exit 1; }
if ! command -v zstd > /dev/null; then
    [[ $(id -u) -eq 0 ]] || { echo "demo: zstd not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
    echo "demo: zstd not found; installing it: apt-get install -y zstd"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends zstd > /dev/null ||
        { apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends zstd > /dev/null; }
fi
rm -rf "$work"
mkdir -p "$work"
cd "$work"
# `btf` below is $btf: build/ is put first on PATH.
mkdir -p bin
ln -sf "$btf" bin/btf
export PATH=$PWD/bin:$PATH

say() { printf '%s\n' "$@"; }
# run CMD...: print it, run it; its output is shown as is.
run() { printf '\n$ %s\n' "$*"; "$@" 2>&1; }
# run_status WANT CMD...: the same, and the exit status must be WANT.
run_status() {
    local want=$1 rc=0
    shift
    printf '\n$ %s\n' "$*"
    "$@" 2>&1 || rc=$?
    [[ $rc -eq $want ]] || { echo "demo: FAILED: expected exit status $want, got $rc" >&2; exit 1; }
    echo "(exit status $rc)"
}
commas() { sed -e :a -e 's/\(.*[0-9]\)\([0-9]\{3\}\)/\1,\2/;ta'; }
size() { stat -c %s "$1" | commas; }

say "libbtf demo: kernel module BTF across two builds of the same kernel" \
    "" \
    "test-data/demo/ holds the BTF (type information) of two Debian 12 kernels, 6.1.0-47 and" \
    "6.1.0-54 (two stable updates of Linux 6.1), and of two modules built with 6.1.0-47: ext4 and" \
    "nvme. A module's BTF is \"split\" BTF: it refers to the kernel's types by number, so it is only" \
    "right over the vmlinux BTF of the build it was made with. Working in $work/, with" \
    "build/btf as \`btf\`."

say "" "== 0. Unpack the data (zstd -19 keeps it at 2.4 MB in the repository)"
src=$(realpath --relative-to=. "$root/$data")
run zstd -d -q -f "$src/vmlinux-6.1.0-47.btf.zst" "$src/vmlinux-6.1.0-54.btf.zst" \
    "$src/ext4.btf.zst" "$src/nvme.btf.zst" --output-dir-flat .
for f in vmlinux-6.1.0-47.btf vmlinux-6.1.0-54.btf ext4.btf nvme.btf; do
    printf '  %-22s %10s bytes\n' "$f" "$(size "$f")"
done

say "" "== 1. The 6.1.0-47 ext4 read over 6.1.0-54's vmlinux: what goes wrong" \
    "Between the two builds the vmlinux type ids differ from id 37 on, so ext4's references now" \
    "land on other types. \`btf check\` tells before the kernel does (exit status 1: inconsistent):"
run_status 1 btf check ext4.btf --base vmlinux-6.1.0-54.btf
say "" "Over its own build it is well formed, but raw split BTF cannot say which build it was made for:"
run_status 2 btf check ext4.btf --base vmlinux-6.1.0-47.btf

say "" "== 2. \`btf distill\`: give each module a distilled base (.BTF.base)" \
    "The distilled base describes the few vmlinux types the module uses (names, sizes, kinds), so" \
    "the module can later be matched against another build by name instead of by number. For a" \
    ".ko, \`btf distill MODULE.ko --base VMLINUX --in-place\` adds the .BTF.base section."
run btf distill ext4.btf --base vmlinux-6.1.0-47.btf -o .
run btf distill nvme.btf --base vmlinux-6.1.0-47.btf -o .
for m in ext4 nvme; do
    printf '  %-16s %7s bytes (%s base types)   %-17s %7s bytes\n' "$m.base.btf" "$(size "$m.base.btf")" \
        "$(btf dump "$m.base.btf" | grep -c '^\[' | commas)" "$m.split.btf" "$(size "$m.split.btf")"
done

say "" "== 3. \`btf relocate\`: move the modules onto 6.1.0-54" \
    "ext4 relocates: its split BTF now refers to 6.1.0-54's own type ids."
run btf relocate ext4.split.btf --distilled-base ext4.base.btf --base vmlinux-6.1.0-54.btf -o ext4-on-6.1.0-54.btf
printf '  ext4-on-6.1.0-54.btf: %s bytes, %s types over 6.1.0-54\n' "$(size ext4-on-6.1.0-54.btf)" \
    "$(btf dump ext4-on-6.1.0-54.btf --base vmlinux-6.1.0-54.btf | grep -c '^\[' | commas)"
say "" "nvme does not, and must not: it embeds a struct device by value, and struct device grew" \
    "between the builds, so every offset after it moved (exit status 1):"
run_status 1 btf relocate nvme.split.btf --distilled-base nvme.base.btf --base vmlinux-6.1.0-54.btf -o nvme-on-6.1.0-54.btf
say "" "The same for many modules at once (distill over the old vmlinux, relocate onto the new one):"
run btf check-relocate --distill-from vmlinux-6.1.0-47.btf --base vmlinux-6.1.0-54.btf ext4.btf nvme.btf

say "" "== 4. A vmlinux.h for BPF programs (CO-RE), as \`bpftool btf dump file ... format c\` writes it"
printf '\n$ %s\n' "btf dump vmlinux-6.1.0-54.btf --format c > vmlinux.h"
btf dump vmlinux-6.1.0-54.btf --format c > vmlinux.h
printf '  vmlinux.h: %s bytes, %s lines; e.g. line %s\n' "$(size vmlinux.h)" "$(wc -l < vmlinux.h | commas)" \
    "$(grep -n '^struct task_struct {' vmlinux.h | sed 's/:/: /')"

end=$(date +%s%N)
say "" "Files are in $work/. demo: done in $(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }') s"
