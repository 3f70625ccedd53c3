#!/usr/bin/env bash
# `make bench`: btf-core against libbpf 1.7.0 (crates/btf-difftest/benches/vs_libbpf.rs), then its
# typed API against btf-rs (benches/typed_vs_btf_rs.rs), each run twice in the same session:
# pinned to one CPU (taskset -c 0) and on every CPU the machine has. btf-core starts no threads,
# so the two runs differ only in what else the machine does meanwhile; both
# are printed in full to build/bench-<n>core.txt, and their RATIO lines side by side here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo=${CARGO:-cargo}
mkdir -p build
benches=(vs_libbpf typed_vs_btf_rs)
"$cargo" bench -q -p btf-difftest "${benches[@]/#/--bench=}" --no-run
cpus=$(nproc)
runs=("1:taskset -c 0")
if [ "$cpus" -gt 1 ]; then runs+=("$cpus:"); fi
for run in "${runs[@]}"; do
    n=${run%%:*} prefix=${run#*:}
    echo "== ${benches[*]} on $n core(s) ${prefix:+($prefix)} =="
    : > "build/bench-${n}core.txt"
    for bench in "${benches[@]}"; do
        $prefix "$cargo" bench -q -p btf-difftest --bench "$bench" "$@" >> "build/bench-${n}core.txt"
    done
    grep -E '^(TARGET .*NOT MET)' "build/bench-${n}core.txt" || true
done
echo
echo "== ratios, ours/libbpf and ours/btf-rs (lower is better; find_by_name_kind: libbpf/ours): one core | $cpus cores =="
if [ "$cpus" -gt 1 ]; then
    join -t '|' <(grep '^RATIO' build/bench-1core.txt | sed 's/ = /|/' | sort) \
                <(grep '^RATIO' "build/bench-${cpus}core.txt" | sed 's/ = /|/' | sort) |
        awk -F'|' '{ printf "%-72s %8s | %8s\n", $1, $2, $3 }'
else
    grep '^RATIO' build/bench-1core.txt
fi
echo
echo "targets: $(grep -c '^TARGET.*: met' build/bench-1core.txt) met, $(grep -c 'NOT MET' build/bench-1core.txt) not met on one core$(
    [ "$cpus" -gt 1 ] && echo "; $(grep -c '^TARGET.*: met' "build/bench-${cpus}core.txt") met, $(grep -c 'NOT MET' "build/bench-${cpus}core.txt") not met on $cpus cores")"
