#!/usr/bin/env bash
# Checks an installed libbtf the way a user meets it: the files `make install` put under a staging
# directory, then a small C program built through pkg-config and run, linked once against
# libbtf.so.1 and once statically against libbtf.a.
# Usage: scripts/check-install.sh STAGE LIBDIR   (what `make install-check` passes: the DESTDIR
# used and the LIBDIR the library was installed to, e.g. build/stage /usr/local/lib)
set -euo pipefail

stage=${1:?usage: check-install.sh STAGE LIBDIR}
libdir=${2:?usage: check-install.sh STAGE LIBDIR}
lib=$stage$libdir
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() { echo "check-install: $*" >&2; exit 1; }

# The files.
[[ -f $lib/libbtf.so.1 && ! -L $lib/libbtf.so.1 ]] || die "$lib/libbtf.so.1 missing"
[[ $(readlink "$lib/libbtf.so") == libbtf.so.1 ]] || die "$lib/libbtf.so is not a link to libbtf.so.1"
[[ -f $lib/libbtf.a ]] || die "$lib/libbtf.a missing"
[[ -f $lib/pkgconfig/libbtf.pc ]] || die "$lib/pkgconfig/libbtf.pc missing"
# (Outputs are captured first: `cmd | grep -q` fails under pipefail when grep exits early.)
dynamic=$(objdump -p "$lib/libbtf.so.1")
grep -Eq 'SONAME +libbtf\.so\.1$' <<< "$dynamic" || die "soname of libbtf.so.1"
sections=$(readelf -S "$lib/libbtf.so.1")
if grep -q '\.debug_' <<< "$sections"; then die "installed libbtf.so.1 has debug info"; fi

# pkg-config sees only the staged libbtf.pc, with its paths moved under the stage.
export PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR=$stage
includedir=$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=includedir libbtf)
for h in btf.h btf_inline.h libbpf.h libbpf_common.h libbpf_legacy.h libbpf_version.h; do
    [[ -f $stage$includedir/bpf/$h ]] || die "$stage$includedir/bpf/$h missing"
done

cat > "$tmp/hello.c" <<'PROGRAM'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Builds struct pair { int a; int b; }, round-trips it through raw bytes and reads it back. */
int main(void)
{
	struct btf *btf = btf__new_empty(), *copy;
	__u32 ids[] = { 0, 1, 2 }, size;
	const struct btf_type *t;
	const void *raw;
	int id;
	LIBBPF_OPTS(btf_permute_opts, opts);

	if (!btf || btf__add_int(btf, "int", 4, BTF_INT_SIGNED) != 1 ||
	    btf__add_struct(btf, "pair", 8) != 2 || btf__add_field(btf, "a", 1, 0, 0) ||
	    btf__add_field(btf, "b", 1, 32, 0))
		return 1;
	raw = btf__raw_data(btf, &size);
	copy = btf__new(raw, size);
	if (libbpf_get_error(copy))
		return 2;
	if (btf__permute(copy, ids, 3, &opts))
		return 3;
	id = btf__find_by_name_kind(copy, "pair", BTF_KIND_STRUCT);
	t = btf__type_by_id(copy, id);
	if (id != 2 || !btf_is_struct(t) || btf_vlen(t) != 2 || btf__resolve_size(copy, id) != 8 ||
	    btf_member_bit_offset(t, 1) != 32 ||
	    strcmp(btf__name_by_offset(copy, btf_members(t)[1].name_off), "b"))
		return 4;
	if (btf__find_by_name(copy, "none") != -ENOENT || errno != ENOENT)
		return 5;
	printf("libbtf %s (libbpf API %d.%d): %u types in %u bytes\n", LIBBTF_VERSION,
	       LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION, btf__type_cnt(copy), size);
	btf__free(copy);
	btf__free(btf);
	return 0;
}
PROGRAM

cflags=$(pkg-config --cflags libbtf)
[[ $cflags == *"-I$stage$includedir"* ]] || die "pkg-config --cflags gives '$cflags'"
# shellcheck disable=SC2086
cc -std=gnu11 -Wall -Wextra -Werror $cflags -o "$tmp/hello" "$tmp/hello.c" $(pkg-config --libs libbtf)
deps=$(LD_LIBRARY_PATH=$lib ldd "$tmp/hello")
grep -q "libbtf.so.1 => $lib/libbtf.so.1" <<< "$deps" || die "hello does not resolve libbtf.so.1 to $lib"
shared=$(LD_LIBRARY_PATH=$lib "$tmp/hello") || die "hello (shared) failed: exit $?"

# Static: libbtf.a by path, then what pkg-config --static adds besides -lbtf.
static_libs=$(pkg-config --static --libs-only-l libbtf | sed 's/-lbtf\b//')
# shellcheck disable=SC2086
cc -std=gnu11 -Wall -Wextra -Werror $cflags -o "$tmp/hello-static" "$tmp/hello.c" \
    "$lib/libbtf.a" $static_libs
deps=$(ldd "$tmp/hello-static")
if grep -q libbtf <<< "$deps"; then die "hello-static links libbtf dynamically"; fi
static=$("$tmp/hello-static") || die "hello-static failed: exit $?"
[[ $shared == "$static" ]] || die "shared and static builds print differently"

echo "check-install: $(pkg-config --modversion libbtf) installed under $stage;" \
     "a program built with pkg-config runs against libbtf.so.1 and libbtf.a: $shared"
