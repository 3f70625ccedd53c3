/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * The ten largest named structs of the running kernel's BTF, or of the BTF file given as argv[1],
 * through libbpf's BTF API as served by libbtf.so.1.
 *
 *   largest_structs              # btf__load_vmlinux_btf(): /sys/kernel/btf/vmlinux, ...
 *   largest_structs FILE         # btf__parse(): raw BTF or an ELF file with .BTF
 *
 * Ties in size are listed in type id order, so the output is fully determined by the input
 * (crates/btf-core/examples/largest_structs.rs prints the same bytes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#define TOP 10

struct entry {
	__u32 id;
	long long size;
};

static int by_size_then_id(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int main(int argc, char **argv)
{
	const char *source = argc > 1 ? argv[1] : "the running kernel";
	struct entry *entries;
	struct btf *btf;
	__u32 id, n, count = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [BTF-FILE]\n", argv[0]);
		return 2;
	}
	btf = argc > 1 ? btf__parse(argv[1], NULL) : btf__load_vmlinux_btf();
	if (!btf) {
		fprintf(stderr, "%s: cannot load BTF of %s: %s\n", argv[0], source, strerror(errno));
		return 1;
	}

	n = btf__type_cnt(btf);
	entries = calloc(n, sizeof(*entries));
	if (!entries) {
		btf__free(btf);
		return 1;
	}
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		long long size;

		if (!btf_is_struct(t) || !name || !name[0])
			continue;
		size = btf__resolve_size(btf, id);
		if (size < 0)
			continue;
		entries[count].id = id;
		entries[count].size = size;
		count++;
	}
	qsort(entries, count, sizeof(*entries), by_size_then_id);

	printf("ten largest of %u named structs in %s (%u types)\n", count, source, n - 1);
	for (id = 0; id < count && id < TOP; id++) {
		const struct btf_type *t = btf__type_by_id(btf, entries[id].id);

		printf("%2u. %9lld bytes  struct %s  [%u]\n", id + 1, entries[id].size,
		       btf__name_by_offset(btf, t->name_off), entries[id].id);
	}

	free(entries);
	btf__free(btf);
	return 0;
}
