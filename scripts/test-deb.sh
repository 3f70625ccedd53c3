#!/usr/bin/env bash
# The Debian packages as a user meets them: `make deb` builds libbtf1, libbtf-dev and btf-tools
# with dpkg-buildpackage (and runs lintian: no errors), then this script installs them with dpkg,
# builds examples/largest_structs.c with `pkg-config --cflags --libs libbtf` (keeping
# `#include <bpf/btf.h>`), runs it and the installed `btf`, and removes the packages again,
# checking that every file they installed is gone.
# Usage: scripts/test-deb.sh   (run by `make test-deb`, part of `make test`; prints SKIP and
# passes when dpkg-buildpackage, debhelper or root is missing; needs the packages not installed)
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "test-deb: SKIP: $*"; exit 0; }
die() { echo "test-deb: FAILED: $*" >&2; exit 1; }
command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage not found (scripts/install-deps.sh installs dpkg-dev)"
[[ -e /usr/share/perl5/Debian/Debhelper/Dh_Lib.pm ]] || skip "debhelper not installed"
[[ $(id -u) -eq 0 ]] || skip "installing packages needs root"
PACKAGES=(btf-tools libbtf-dev libbtf1)
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ -z $status || $status == not-installed ]] ||
        skip "$p is already installed on this machine ($status): not touching it"
done

start=$(date +%s.%N)
# The symbols file lists exactly capi/libbtf.map, and dpkg-gensymbols (in dh_makeshlibs) fails the
# build on any difference between it and the built libbtf.so.1.
scripts/deb-symbols.sh --check
DPKG_GENSYMBOLS_CHECK_LEVEL=4 make --no-print-directory deb
debs=(build/deb/libbtf1_*.deb build/deb/libbtf-dev_*.deb build/deb/btf-tools_*.deb)
for d in "${debs[@]}"; do [[ -f $d ]] || die "$d not built"; done

tmp=$(mktemp -d)
installed=0
cleanup() {
    if [[ $installed -eq 1 ]]; then dpkg --purge "${PACKAGES[@]}" >/dev/null 2>&1 || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "test-deb: dpkg -i ${debs[*]##*/}"
dpkg -i "${debs[@]}" > "$tmp/dpkg-i.log" 2>&1 || { cat "$tmp/dpkg-i.log"; die "dpkg -i"; }
installed=1
for p in "${PACKAGES[@]}"; do dpkg -L "$p"; done | sort -u > "$tmp/files"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in /usr/lib/$multiarch/libbtf.so.1 /usr/lib/$multiarch/libbtf.so /usr/lib/$multiarch/libbtf.a \
         /usr/lib/$multiarch/pkgconfig/libbtf.pc /usr/include/libbtf/bpf/btf.h /usr/bin/btf; do
    grep -qxF "$f" "$tmp/files" || die "$f not in the packages"
done
if grep -q '^/usr/include/bpf' "$tmp/files"; then die "headers in /usr/include/bpf (libbpf-dev's place)"; fi

# A C program through pkg-config, against the installed packages only.
flags=$(pkg-config --cflags --libs libbtf)
cflags=$(pkg-config --cflags libbtf)
[[ ${cflags%% } == "-I/usr/include/libbtf" ]] || die "pkg-config --cflags libbtf is '$cflags'"
echo "test-deb: cc examples/largest_structs.c $flags"
# shellcheck disable=SC2086 # the flags are words
cc -O2 -Wall -Wextra -Werror -o "$tmp/largest_structs" examples/largest_structs.c $flags
# (/lib is /usr/lib on a merged-/usr system.)
ldd "$tmp/largest_structs" | grep -Eq "libbtf\.so\.1 => (/usr)?/lib/$multiarch/libbtf\.so\.1 " ||
    die "largest_structs does not use the installed libbtf.so.1: $(ldd "$tmp/largest_structs")"
"$tmp/largest_structs" test-data/small.btf > "$tmp/largest.out"
head -n 3 "$tmp/largest.out"
[[ -s $tmp/largest.out ]] || die "largest_structs printed nothing"

# The installed btf.
btf_version=$(/usr/bin/btf --version)
echo "test-deb: $btf_version"
[[ $btf_version == "btf $(dpkg-query -W -f='${Version}' btf-tools)" ]] ||
    die "btf --version is '$btf_version', btf-tools is $(dpkg-query -W -f='${Version}' btf-tools)"
/usr/bin/btf dump test-data/small.btf > "$tmp/dump.txt"
grep -q '^\[1\] ' "$tmp/dump.txt" || die "btf dump test-data/small.btf: no [1]"
echo "test-deb: btf dump test-data/small.btf: $(grep -c '^\[' "$tmp/dump.txt") types"
man_pages=$(grep -c '^/usr/share/man/man1/' "$tmp/files" || true)
completions=$(grep -cE '^/usr/share/(bash-completion|zsh|fish)/.*/(btf|_btf|btf\.fish)$' "$tmp/files" || true)

# Removal leaves nothing behind.
echo "test-deb: dpkg --purge ${PACKAGES[*]}"
dpkg --purge "${PACKAGES[@]}" > "$tmp/dpkg-r.log" 2>&1 || { cat "$tmp/dpkg-r.log"; die "dpkg --purge"; }
installed=0
left=()
while read -r f; do
    # Directories shared with other packages (/usr, /usr/bin, ...) stay; anything else must go.
    if [[ -d $f && ! -L $f ]]; then
        [[ $f == /usr/include/libbtf* || $f == /usr/share/doc/libbtf* || $f == /usr/share/doc/btf-tools ]] &&
            left+=("$f")
    elif [[ -e $f || -L $f ]]; then
        left+=("$f")
    fi
done < "$tmp/files"
[[ ${#left[@]} -eq 0 ]] || die "left behind after dpkg --purge: ${left[*]}"
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ -z $status || $status == not-installed ]] || die "$p is still '$status' after purge"
done
[[ -z $(pkg-config --list-all 2>/dev/null | grep '^libbtf ' || true) ]] || die "libbtf.pc still found"

end=$(date +%s.%N)
echo "test-deb: passed: $(wc -l < "$tmp/files") paths installed and removed, ${man_pages} man pages," \
     "${completions} completion files; $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s"
