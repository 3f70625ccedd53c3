#!/usr/bin/env bash
# Installs the Debian packages this project needs, only those that are missing:
#   libelf-dev zlib1g-dev pkg-config  - to build the vendored libbpf (libbpf-sys) used as the oracle
#   zstd xz-utils gzip                - the corpus tarballs; compressed-module tests
#   bpftool                           - the text oracle: `btf dump` must equal its raw dump
#   valgrind                          - memory checks of the libbpf/FFI tests
#   dwarves                           - pahole, run over libbtf.so.1 vs libbpf (make test-pahole)
#   gcc g++ binutils linux-libc-dev   - linking libbtf.so.1, the C/C++ header checks (<linux/btf.h>),
#                                       objdump/readelf/strip for the symbol and install checks
#   clang                             - compiles BPF programs (-target bpf) against the vmlinux.h
#                                       `btf dump --format c` writes
#   dpkg-dev debhelper lintian        - make deb / make test-deb: dpkg-buildpackage, dh, lintian
# Runs `apt-get update` once, and only when something is missing. Works as root, or through sudo.
set -euo pipefail

PACKAGES=(libelf-dev zlib1g-dev pkg-config zstd xz-utils gzip bpftool valgrind dwarves
          gcc g++ binutils linux-libc-dev clang dpkg-dev debhelper lintian)

missing=()
for pkg in "${PACKAGES[@]}"; do
    # `dpkg -s` also succeeds for removed-but-not-purged packages; require "install ok installed".
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all packages present (${PACKAGES[*]})"
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-deps: missing ${missing[*]}, and not root and no sudo available" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
