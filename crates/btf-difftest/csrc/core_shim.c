/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * core_shim.c — libbpf 1.7.0's side of the CO-RE resolution benchmark: every CO-RE relocation
 * of one object's .BTF.ext resolved against one target BTF, the way `bpftool gen min_core_btf`
 * records an object (one candidate cache per object, records in .BTF.ext order, candidates of a
 * local type searched in the target once and then reused), through libbpf's internal
 * bpf_core_add_cands and bpf_core_calc_relo_insn. Those are global symbols of the static libbpf.a
 * (hidden only in the shared library); their declarations and struct btf_ext's layout come from
 * the vendored libbpf sources' internal headers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libbpf_internal.h"
#include "hashmap.h"

/* What one relocation resolved to; filled only when the caller asks. */
struct core_shim_outcome {
	int32_t err;		/* bpf_core_calc_relo_insn's return value (0 or -errno) */
	uint32_t poison;	/* targ_res.poison */
	uint64_t new_val;	/* targ_res.new_val */
	uint32_t targ_root;	/* the target spec's root type id (0: no match) */
	uint32_t kind;		/* the record's kind */
};

static size_t shim_id_hash(long key, void *ctx)
{
	(void)ctx;
	return (size_t)key;
}

static bool shim_id_equal(long a, long b, void *ctx)
{
	(void)ctx;
	return a == b;
}

/* The candidates of local type `id` in `targ`: every type there whose kind and essential name
 * fit, in id order (NULL with errno set on failure). */
static struct bpf_core_cand_list *shim_cands(const struct btf *local, const struct btf *targ,
					      __u32 id)
{
	struct bpf_core_cand local_cand = { .btf = local, .id = id };
	struct bpf_core_cand_list *list;
	const struct btf_type *t;
	const char *name;
	int err;

	t = btf__type_by_id(local, id);
	if (!t) {
		errno = EINVAL;
		return NULL;
	}
	name = btf__name_by_offset(local, t->name_off);
	if (!name) {
		errno = EINVAL;
		return NULL;
	}
	list = calloc(1, sizeof(*list));
	if (!list) {
		errno = ENOMEM;
		return NULL;
	}
	err = bpf_core_add_cands(&local_cand, bpf_core_essential_name_len(name), targ, "vmlinux", 1,
				 list);
	if (err) {
		bpf_core_free_cands(list);
		errno = -err;
		return NULL;
	}
	return list;
}

/*
 * Resolves every CO-RE record of `ext` (the .BTF.ext of the object whose BTF is `local`) against
 * `targ`. Returns how many resolved without error, or -errno when the cache could not be built.
 * A failing relocation does not stop the loop (bpftool would stop; the benchmark compares every
 * record). When `out` is not NULL, the first `cap` records' outcomes are written there; `*total`
 * receives the number of records.
 */
long core_shim_resolve_all(const struct btf *local, const struct btf_ext *ext,
			   const struct btf *targ, struct core_shim_outcome *out, size_t cap,
			   size_t *total)
{
	const struct btf_ext_info *seg = &ext->core_relo_info;
	const struct btf_ext_info_sec *sec;
	const struct bpf_core_relo *relo;
	struct hashmap_entry *entry;
	struct hashmap *cache;
	size_t n = 0, bkt;
	long resolved = 0;
	unsigned int idx;
	int err = 0;

	*total = 0;
	if (seg->len == 0)
		return 0;
	cache = hashmap__new(shim_id_hash, shim_id_equal, NULL);
	if (IS_ERR(cache))
		return PTR_ERR(cache);

	for_each_btf_ext_sec(seg, sec) {
		const char *sec_name = btf__name_by_offset(local, sec->sec_name_off);

		for_each_btf_ext_rec(seg, sec, idx, relo) {
			struct bpf_core_spec specs[3] = {};
			struct bpf_core_relo_res res = {};
			struct bpf_core_cand_list *cands = NULL;
			int r;

			if (relo->kind != BPF_CORE_TYPE_ID_LOCAL &&
			    !hashmap__find(cache, relo->type_id, &cands)) {
				cands = shim_cands(local, targ, relo->type_id);
				if (!cands) {
					err = -errno;
					goto out;
				}
				err = hashmap__set(cache, relo->type_id, cands, NULL, NULL);
				if (err) {
					bpf_core_free_cands(cands);
					goto out;
				}
			}
			r = bpf_core_calc_relo_insn(sec_name, relo, idx, local, cands, specs, &res);
			if (r == 0)
				resolved++;
			if (out && n < cap) {
				out[n].err = r;
				out[n].poison = res.poison;
				out[n].new_val = res.new_val;
				out[n].targ_root = specs[2].root_type_id;
				out[n].kind = relo->kind;
			}
			n++;
		}
	}
out:
	hashmap__for_each_entry(cache, entry, bkt)
		bpf_core_free_cands(entry->pvalue);
	hashmap__free(cache);
	*total = n;
	return err ? err : resolved;
}

/* btf__parse(path, &ext): the object's BTF and .BTF.ext (NULL, errno set, when either is
 * missing). */
struct btf *core_shim_parse(const char *path, struct btf_ext **ext)
{
	struct btf *btf;

	*ext = NULL;
	btf = btf__parse(path, ext);
	if (!btf)
		return NULL;
	if (!*ext) {
		btf__free(btf);
		errno = ENOENT;
		return NULL;
	}
	return btf;
}
