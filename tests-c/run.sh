#!/usr/bin/env bash
# Runs the C test programs of tests-c/ and prints one summary line per program.
#
# Usage: tests-c/run.sh MODE DIR PROGRAM...
#   MODE   plain | valgrind | asan (only changes the runner and its environment)
#   DIR    where the built programs are
# A program passes when it exits 0 (and, under valgrind, valgrind finds no error and no definite or
# indirect leak). The output of a failing program is shown in full; the others show their
# "N passed, N failed" line (and SKIP lines). Exit status: the number of failing programs (max 1).
# Env: LIBBTF_CORPUS, LIBBTF_TEST_DATA, LIBBTF_MAP (see tests-c/harness.h); VALGRIND (default
#      valgrind).
set -u

mode=$1 dir=$2
shift 2
# Programs may adapt to their runner (test_process.c: see test_fork_while_threads_work).
export LIBBTF_TEST_RUNNER=$mode

case $mode in
plain) runner=() ;;
valgrind)
	runner=("${VALGRIND:-valgrind}" --quiet --error-exitcode=1 --leak-check=full
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
)
	;;
asan)
	runner=()
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
	;;
*)
	echo "run.sh: unknown mode $mode" >&2
	exit 2
	;;
esac

failed=0 total_pass=0 total_fail=0 programs=$#
for prog in "$@"; do
	log="$dir/$prog.$mode.log"
	start=$(date +%s)
	"${runner[@]}" "$dir/$prog" > "$log" 2>&1
	status=$?
	secs=$(($(date +%s) - start))
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ $status -ne 0 ] || [ -z "$summary" ]; then
		failed=$((failed + 1))
		echo "---- $prog ($mode): FAILED (exit status $status) ----"
		cat "$log"
		echo "---- end of $prog ----"
	else
		grep -E '^SKIP: ' "$log" | sed "s/^/$prog: /"
	fi
	printf '%-13s %-8s %s (%ss)\n' "$prog" "$mode" "${summary:-no summary line}" "$secs"
	if [ -n "$summary" ]; then
		read -r npass _ nfail _ <<< "$summary"
		total_pass=$((total_pass + npass)) total_fail=$((total_fail + nfail))
	fi
done
echo "tests-c ($mode): $programs programs, $total_pass passed, $total_fail failed, $failed program(s) failing"
[ $failed -eq 0 ]
