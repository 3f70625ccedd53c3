#!/bin/sh
# make fuzz: build every fuzz target and run each for FUZZ_SECONDS; crashes go to
# fuzz/artifacts/<target>/. Ends with exactly one line "fuzz: T targets, E executions, C crashes".
#
# Toolchain: with a nightly toolchain (`rustup toolchain list` shows one, or FUZZ_TOOLCHAIN=nightly),
# the targets are built with AddressSanitizer (-Zsanitizer=address) and libFuzzer's coverage flags;
# without one (a fresh CI machine with only stable), with the same coverage flags on stable
# (-Cpasses=sancov-module ..., what cargo-fuzz passes minus -Zsanitizer). Either way libFuzzer is
# compiled from libfuzzer-sys's vendored sources by its build script (needs a C++ compiler).
# FUZZ_SANITIZER=none forces the stable build; FUZZ_SANITIZER=address requires nightly.
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_TARGETS (space-separated; default all),
# FUZZ_JOBS (fuzzers run at once, default 1), FUZZ_RSS_MB (default 2048), FUZZ_MAX_LEN (default
# 16384), FUZZ_EXTRA (more libFuzzer flags), FUZZ_TRACE_CMP (default 1; 0 builds without
# -sanitizer-coverage-trace-compares: 2-3x the executions, without comparison-guided mutation),
# FUZZ_LOG_TAG (logs go to fuzz/logs/<target>.<tag>.log: two builds of one target at once). The
# working corpus grows in fuzz/corpus/<target>/ (git-ignored), seeded from fuzz/seeds/<target>/;
# logs in fuzz/logs/<target>.log.
set -eu

cd "$(dirname "$0")"
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
RSS_MB=${FUZZ_RSS_MB:-2048}
MAX_LEN=${FUZZ_MAX_LEN:-16384}
ALL_TARGETS=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^btf-fuzz$')
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}
HOST=$(rustc -vV | sed -n 's/^host: //p')

COVERAGE="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
--cfg fuzzing"
BUILD=""
if [ "${FUZZ_TRACE_CMP:-1}" = 0 ]; then
  BUILD=-nocmp
else
  COVERAGE="$COVERAGE -Cllvm-args=-sanitizer-coverage-trace-compares"
fi

has_nightly() { rustup toolchain list 2>/dev/null | grep -q '^nightly'; }
SAN=${FUZZ_SANITIZER:-}
if [ -z "$SAN" ]; then
  if has_nightly; then SAN=address; else SAN=none; fi
fi
if [ "$SAN" = address ]; then
  TOOLCHAIN=+${FUZZ_TOOLCHAIN:-nightly}
  FLAGS="$COVERAGE -Zsanitizer=address -Cforce-frame-pointers"
else
  TOOLCHAIN=+${FUZZ_TOOLCHAIN:-stable}
  FLAGS="$COVERAGE"
fi
TARGET_DIR=target/$SAN$BUILD
BIN=$TARGET_DIR/$HOST/release
echo "fuzz: building $(echo $TARGETS | wc -w) targets with cargo $TOOLCHAIN, sanitizer: $SAN${BUILD:+, no trace-compares}"
BINS=$(for t in $TARGETS; do printf -- '--bin %s ' "$t"; done)
# --target: the flags apply to the fuzz binaries, not to build scripts.
RUSTFLAGS="$FLAGS" CARGO_TARGET_DIR=$TARGET_DIR cargo $TOOLCHAIN build --release \
  --target "$HOST" $BINS

mkdir -p logs
run_one() {
  t=$1
  log=logs/$t${FUZZ_LOG_TAG:+.$FUZZ_LOG_TAG}.log
  result=logs/$t${FUZZ_LOG_TAG:+.$FUZZ_LOG_TAG}.result
  mkdir -p "corpus/$t" "artifacts/$t"
  # ASan: leaks are defects too; libFuzzer's own -malloc_limit_mb catches single huge allocations.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
  "$BIN/$t" "corpus/$t" "seeds/$t" -dict=btf.dict -max_total_time="$SECONDS_EACH" \
    -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -timeout=10 -max_len="$MAX_LEN" \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" ${FUZZ_EXTRA:-} \
    > "$log" 2>&1 || status=$?
  # A fuzzer killed by a signal its handler did not catch (a stack overflow without ASan's
  # alternate stack) writes no artifact and no ERROR line: it still counts as a crash.
  if [ "${status:-0}" -gt 128 ] && ! grep -q -E '^==[0-9]+== ?ERROR' "$log"; then
    echo "==0== ERROR: killed by signal $((status - 128)) without a report (no artifact)" \
      >> "$log"
  fi
  status=0
  # The last "#N ... cov: C ft: F" line and the run count.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
  crashes=$(grep -c -E '^==[0-9]+== ?ERROR' "$log" || true)
  echo "fuzz: $t: ${runs:-0} executions, ${cov:-no coverage line}, ${crashes} crash(es)"
  echo "${runs:-0} ${crashes}" > "$result"
}

running=0
for t in $TARGETS; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait; running=0; fi
done
wait

total_runs=0; total_crashes=0; n=0
for t in $TARGETS; do
  read -r r c < "logs/$t${FUZZ_LOG_TAG:+.$FUZZ_LOG_TAG}.result"
  total_runs=$((total_runs + r)); total_crashes=$((total_crashes + c)); n=$((n + 1))
done
for t in $TARGETS; do
  ls "artifacts/$t" 2>/dev/null | sed "s|^|fuzz: artifact: fuzz/artifacts/$t/|"
done
echo "fuzz: $n targets, $total_runs executions, $total_crashes crashes"
