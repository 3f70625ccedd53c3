/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * btf__dedup: duplicates collapsing in standalone BTF (primitives, structs, references, a FWD
 * resolved to its struct, unused strings dropped), split BTF deduplicated onto its base, two splits
 * merged with btf__add_btf and deduplicated, options (NULL, too small, non-zero tail,
 * force_collisions), and the result surviving a raw-data round trip.
 */
#include "harness.h"
#include "fixtures.h"

/* A result that must not change (dedup is idempotent): deduplicating again is a no-op. */
static void dedup_again_same(struct btf *btf)
{
	__u32 s0, s1;
	void *before = harness_raw_copy(btf, &s0);
	const void *after;

	ASSERT_OK(btf__dedup(btf, NULL));
	after = btf__raw_data(btf, &s1);
	if (ASSERT_EQ(s1, s0))
		ASSERT_MEMEQ(after, before, s0);
	free(before);
}

static void test_standalone(void)
{
	struct btf *btf = btf__new_empty();

	if (!ASSERT_OK_PTR(btf))
		return;
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);  /* 1 */
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);  /* 2: same as 1 */
	btf__add_struct(btf, "s", 8);                 /* 3 */
	btf__add_field(btf, "a", 1, 0, 0);
	btf__add_field(btf, "next", 5, 0, 0);
	btf__add_struct(btf, "s", 8);                 /* 4: same as 3, through 2 and 6 */
	btf__add_field(btf, "a", 2, 0, 0);
	btf__add_field(btf, "next", 6, 0, 0);
	btf__add_ptr(btf, 3);                         /* 5 */
	btf__add_ptr(btf, 4);                         /* 6 */
	btf__add_typedef(btf, "s_t", 3);              /* 7 */
	btf__add_typedef(btf, "s_t", 4);              /* 8: same as 7 */
	btf__add_fwd(btf, "s", BTF_FWD_STRUCT);       /* 9: resolved to struct s */
	btf__add_const(btf, 9);                       /* 10 */
	btf__add_int(btf, "int", 8, BTF_INT_SIGNED);  /* 11: same name, other size: kept */
	btf__add_str(btf, "never_used");

	ASSERT_OK(btf__dedup(btf, NULL));
	VALIDATE_RAW(btf,
		     "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
		     "[2] STRUCT 's' size=8 vlen=2\n\t'a' type_id=1 bits_offset=0\n"
		     "\t'next' type_id=3 bits_offset=0",
		     "[3] PTR '(anon)' type_id=2",
		     "[4] TYPEDEF 's_t' type_id=2",
		     "[5] CONST '(anon)' type_id=2",
		     "[6] INT 'int' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED");
	/* built with btf__add_*, the strings were unique from the start: all are kept */
	ASSERT_GT(btf__find_str(btf, "never_used"), 0);
	ASSERT_EQ(btf__find_by_name_kind(btf, "s", BTF_KIND_STRUCT), 2);
	ASSERT_ERRNO(btf__find_by_name_kind(btf, "s", BTF_KIND_FWD), ENOENT);
	dedup_again_same(btf);

	/* the result reads back; read from bytes, strings nothing refers to go in a dedup */
	{
		__u32 size;
		const void *raw = btf__raw_data(btf, &size);
		struct btf *copy = btf__new(raw, size);

		if (ASSERT_OK_PTR(copy)) {
			ASSERT_STREQ(btf_raw_text(copy, 2), btf_raw_text(btf, 2));
			ASSERT_GT(btf__find_str(copy, "never_used"), 0);
			ASSERT_OK(btf__dedup(copy, NULL));
			ASSERT_ERRNO(btf__find_str(copy, "never_used"), ENOENT);
			VALIDATE_RAW(copy,
				     "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
				     "[2] STRUCT 's' size=8 vlen=2\n\t'a' type_id=1 bits_offset=0\n"
				     "\t'next' type_id=3 bits_offset=0",
				     "[3] PTR '(anon)' type_id=2",
				     "[4] TYPEDEF 's_t' type_id=2",
				     "[5] CONST '(anon)' type_id=2",
				     "[6] INT 'int' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED");
		}
		btf__free(copy);
	}
	btf__free(btf);
}

/* Two copies of every kind: one copy stays, but for VAR and DATASEC, which dedup never merges. */
static void test_all_kinds_twice(void)
{
	struct btf *btf = fixture_all_kinds(false), *other = fixture_all_kinds(false);
	__u32 id;

	if (!ASSERT_OK_PTR(btf) || !ASSERT_OK_PTR(other))
		goto out;
	ASSERT_EQ(btf__add_btf(btf, other), ALL_KINDS_CNT + 1);
	ASSERT_OK(btf__dedup(btf, NULL));
	ASSERT_EQ(btf__type_cnt(btf), ALL_KINDS_CNT + 1 + 4);
	/* the first copy, as it was */
	harness_validate_types(__FILE__, __LINE__, btf, ALL_KINDS_CNT, all_kinds_text);
	/* then the second copy's 3 VARs and its DATASEC, now referring to the first copy's int */
	ASSERT_STREQ(btf_raw_text(btf, 39), "[39] VAR 'v' type_id=1, linkage=global-alloc");
	ASSERT_STREQ(btf_raw_text(btf, 40), "[40] VAR 'sv' type_id=1, linkage=static");
	ASSERT_STREQ(btf_raw_text(btf, 41), "[41] VAR 'ev' type_id=1, linkage=(unknown)");
	ASSERT_STREQ(btf_raw_text(btf, 42),
		     "[42] DATASEC '.data' size=12 vlen=2\n"
		     "\ttype_id=39 offset=0 size=4\n\ttype_id=40 offset=4 size=4");
	for (id = 1; id < btf__type_cnt(btf); id++)
		if (!ASSERT_GT(btf__type_by_id(btf, id)->info, 0))
			break;
	dedup_again_same(btf);
out:
	btf__free(other);
	btf__free(btf);
}

static void test_split(void)
{
	struct btf *base = fixture_small_base(), *split;

	if (!ASSERT_OK_PTR(base))
		return;
	split = btf__new_empty_split(base);
	if (!ASSERT_OK_PTR(split))
		goto out;
	btf__add_int(split, "int", 4, BTF_INT_SIGNED);  /* 4: the base's 1 */
	btf__add_ptr(split, 4);                         /* 5: the base's 2 */
	btf__add_struct(split, "s1", 4);                /* 6: the base's 3 */
	btf__add_field(split, "f1", 4, 0, 0);
	btf__add_struct(split, "s2", 16);               /* 7: new */
	btf__add_field(split, "x", 6, 0, 0);
	btf__add_field(split, "y", 5, 64, 0);
	btf__add_fwd(split, "s1", BTF_FWD_STRUCT);      /* 8: the base's struct */
	btf__add_ptr(split, 8);                         /* 9: a pointer to the base's s1 */

	ASSERT_OK(btf__dedup(split, NULL));
	VALIDATE_RAW(split, SMALL_BASE_TEXT,
		     "[4] STRUCT 's2' size=16 vlen=2\n\t'x' type_id=3 bits_offset=0\n"
		     "\t'y' type_id=2 bits_offset=64",
		     "[5] PTR '(anon)' type_id=3");
	/* the base is not touched; split strings found in the base point there */
	VALIDATE_RAW(base, SMALL_BASE_TEXT);
	ASSERT_EQ(btf__find_str(split, "s1"), btf__find_str(base, "s1"));
	dedup_again_same(split);
	btf__free(split);
out:
	btf__free(base);
}

/* Two splits over one base merged with btf__add_btf, then deduplicated. */
static void test_merged_splits(void)
{
	struct btf *base = fixture_small_base(), *a, *b, *dst;

	if (!ASSERT_OK_PTR(base))
		return;
	a = btf__new_empty_split(base);
	btf__add_typedef(a, "int_t", 1);          /* 4 */
	btf__add_ptr(a, 4);                       /* 5 */
	b = btf__new_empty_split(base);
	btf__add_typedef(b, "int_t", 1);          /* 4: same as a's */
	btf__add_struct(b, "holder", 8);          /* 5 */
	btf__add_field(b, "p", 6, 0, 0);
	btf__add_ptr(b, 4);                       /* 6: same as a's 5 */

	dst = btf__new_empty_split(base);
	ASSERT_EQ(btf__add_btf(dst, a), 4);
	ASSERT_EQ(btf__add_btf(dst, b), 6);
	ASSERT_EQ(btf__type_cnt(dst), 9);
	ASSERT_OK(btf__dedup(dst, NULL));
	VALIDATE_RAW(dst, SMALL_BASE_TEXT,
		     "[4] TYPEDEF 'int_t' type_id=1",
		     "[5] PTR '(anon)' type_id=4",
		     "[6] STRUCT 'holder' size=8 vlen=1\n\t'p' type_id=5 bits_offset=0");
	btf__free(dst);
	btf__free(b);
	btf__free(a);
	btf__free(base);
}

static void test_opts(void)
{
	struct btf *btf = btf__new_empty();
	struct {
		struct btf_dedup_opts opts;
		__u64 tail;
	} big = { .opts = { .sz = sizeof(big) }, .tail = 1 };
	struct btf_dedup_opts small = { .sz = 4 };
	LIBBPF_OPTS(btf_dedup_opts, collide, .force_collisions = true);
	__u32 s0, s1;
	void *before;
	const void *after;

	if (!ASSERT_OK_PTR(btf))
		return;
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	btf__add_ptr(btf, 1);
	btf__add_ptr(btf, 2);

	before = harness_raw_copy(btf, &s0);
	ASSERT_ERRNO(btf__dedup(btf, &small), EINVAL);
	ASSERT_ERRNO(btf__dedup(btf, &big.opts), EINVAL);
	after = btf__raw_data(btf, &s1);
	if (ASSERT_EQ(s1, s0))
		ASSERT_MEMEQ(after, before, s0);
	free(before);

	/* every type hashing alike changes nothing in the result */
	ASSERT_OK(btf__dedup(btf, &collide));
	VALIDATE_RAW(btf,
		     "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
		     "[2] INT 'long' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED",
		     "[3] PTR '(anon)' type_id=1");
	/* a bigger struct with a zero tail is accepted */
	big.tail = 0;
	ASSERT_OK(btf__dedup(btf, &big.opts));
	ASSERT_EQ(btf__type_cnt(btf), 4);
	btf__free(btf);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_standalone();
	test_all_kinds_twice();
	test_split();
	test_merged_splits();
	test_opts();
	return harness_done();
}
