#!/usr/bin/env bash
# Every function the library exports (each name in capi/libbtf.map) must be called by at least
# one C test program (tests-c/test_*.c): prints the ones that are not and fails.
#
# Usage: tests-c/check-coverage.sh [MAP] [TEST.c...]
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
map=${1:-$repo/capi/libbtf.map}
shift $(($# > 0 ? 1 : 0))
if [ $# -eq 0 ]; then
	set -- "$repo"/tests-c/test_*.c
fi

# Names between "global:" and the next "local:" or "}" of each version node.
names=$(sed -e 's,/\*.*\*/,,' "$map" | awk '
	/global:/ { g = 1; next }
	/local:|}/ { g = 0 }
	g && /^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;[[:space:]]*$/ { gsub(/[[:space:];]/, ""); print }')
missing=()
for name in $names; do
	grep -qE "(^|[^A-Za-z0-9_])$name[[:space:]]*\(" "$@" || missing+=("$name")
done
count=$(echo "$names" | wc -w)
if [ ${#missing[@]} -ne 0 ]; then
	echo "check-coverage: ${#missing[@]} of $count exported functions are called by no test in tests-c/:"
	printf '  %s\n' "${missing[@]}"
	exit 1
fi
echo "check-coverage: all $count exported functions are called by tests-c/test_*.c"
