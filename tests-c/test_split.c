/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Split BTF: objects built over a base and over a split (multi-level), lookups through every
 * level, raw data of each level written to files and read back as a chain (btf__parse,
 * btf__parse_split), btf__add_btf between splits sharing a base and refusing a different base.
 */
#include "harness.h"
#include "fixtures.h"

/* Writes `btf`'s raw data to a new temporary file; returns its path (caller unlinks, frees). */
static char *write_raw(const struct btf *btf)
{
	__u32 size;
	const void *raw = btf__raw_data(btf, &size);

	return raw ? harness_write_temp(raw, size) : NULL;
}

/* Types `first`..`last` of `a` and `b` have identical records headers and raw text. */
static void same_types(const struct btf *a, const struct btf *b, __u32 first, __u32 last)
{
	__u32 id;

	for (id = first; id <= last; id++) {
		const struct btf_type *ta = btf__type_by_id(a, id), *tb = btf__type_by_id(b, id);
		char text[4096];

		if (!H_REPORT(ta && tb, "type %u missing: %p %p", id, (const void *)ta,
			      (const void *)tb))
			return;
		if (!H_REPORT(memcmp(ta, tb, sizeof(*ta)) == 0, "type %u: headers differ", id))
			return;
		snprintf(text, sizeof(text), "%s", btf_raw_text(a, id));
		if (!ASSERT_STREQ(btf_raw_text(b, id), text))
			return;
	}
}

static void test_single_and_multi_split(void)
{
	struct btf *base = fixture_small_base(), *split = NULL, *multi = NULL;
	struct btf *base2 = NULL, *split2 = NULL, *multi2 = NULL;
	char *f_base = NULL, *f_split = NULL, *f_multi = NULL;
	const struct btf_header *hdr;
	__u32 size, base_str_len, split_str_len;
	int off;

	if (!ASSERT_OK_PTR(base))
		return;
	split = btf__new_empty_split(base);
	if (!ASSERT_OK_PTR(split))
		goto out;
	ASSERT_TRUE(btf__base_btf(split) == base);
	ASSERT_EQ(btf__type_cnt(split), 4);
	ASSERT_EQ(btf__pointer_size(split), 8);
	ASSERT_EQ(btf__endianness(split), btf__endianness(base));
	/* base strings and types are visible through the split */
	ASSERT_EQ(btf__find_str(split, "int"), btf__find_str(base, "int"));
	ASSERT_EQ(btf__add_str(split, "s1"), btf__find_str(base, "s1"));
	ASSERT_TRUE(btf__type_by_id(split, 3) == btf__type_by_id(base, 3));
	VALIDATE_RAW(split, SMALL_BASE_TEXT);
	/* no own type yet: the base's struct is not "last" for add_field */
	ASSERT_ERRNO(btf__add_field(split, "x", 1, 0, 0), EINVAL);

	ASSERT_EQ(btf__add_struct(split, "s2", 16), 4);
	ASSERT_OK(btf__add_field(split, "f1", 3, 0, 0));    /* the base's struct s1 */
	ASSERT_OK(btf__add_field(split, "f2", 1, 32, 0));
	ASSERT_OK(btf__add_field(split, "f3", 2, 64, 0));
	ASSERT_EQ(btf__add_ptr(split, 4), 5);
	ASSERT_PTR_ERRNO(btf__type_by_id(base, 4), EINVAL);
	VALIDATE_RAW(split, SMALL_BASE_TEXT,
		     "[4] STRUCT 's2' size=16 vlen=3\n\t'f1' type_id=3 bits_offset=0\n"
		     "\t'f2' type_id=1 bits_offset=32\n\t'f3' type_id=2 bits_offset=64",
		     "[5] PTR '(anon)' type_id=4");

	/* a split over the split */
	multi = btf__new_empty_split(split);
	if (!ASSERT_OK_PTR(multi))
		goto out;
	ASSERT_TRUE(btf__base_btf(multi) == split);
	ASSERT_EQ(btf__type_cnt(multi), 6);
	ASSERT_EQ(btf__add_union(multi, "u", 8), 6);
	ASSERT_OK(btf__add_field(multi, "p", 5, 0, 0));
	ASSERT_OK(btf__add_field(multi, "i", 1, 0, 0));
	ASSERT_EQ(btf__type_cnt(multi), 7);
	VALIDATE_RAW(multi, SMALL_BASE_TEXT,
		     "[4] STRUCT 's2' size=16 vlen=3\n\t'f1' type_id=3 bits_offset=0\n"
		     "\t'f2' type_id=1 bits_offset=32\n\t'f3' type_id=2 bits_offset=64",
		     "[5] PTR '(anon)' type_id=4",
		     "[6] UNION 'u' size=8 vlen=2\n\t'p' type_id=5 bits_offset=0\n"
		     "\t'i' type_id=1 bits_offset=0");
	ASSERT_EQ(btf__find_by_name(multi, "s1"), 3);
	ASSERT_EQ(btf__find_by_name(multi, "s2"), 4);
	ASSERT_EQ(btf__find_by_name_kind(multi, "u", BTF_KIND_UNION), 6);
	ASSERT_ERRNO(btf__find_by_name(split, "u"), ENOENT);
	ASSERT_EQ(btf__resolve_size(multi, 6), 8);
	ASSERT_EQ(btf__align_of(multi, 4), 8);
	ASSERT_EQ(btf__find_str(multi, "f2"), btf__find_str(split, "f2"));

	/* string offsets continue level after level */
	hdr = btf__raw_data(base, &size);
	base_str_len = hdr->str_len;
	hdr = btf__raw_data(split, &size);
	split_str_len = hdr->str_len;
	off = btf__add_str(multi, "only_in_multi");
	ASSERT_EQ(off, base_str_len + split_str_len + sizeof("u") + sizeof("p") + sizeof("i"));
	ASSERT_STREQ(btf__str_by_offset(multi, off), "only_in_multi");
	ASSERT_PTR_ERRNO(btf__str_by_offset(split, off), EINVAL);

	/* every level to a file and back, each over the one read before it */
	f_base = write_raw(base);
	f_split = write_raw(split);
	f_multi = write_raw(multi);
	if (!ASSERT_OK_PTR(f_base) || !ASSERT_OK_PTR(f_split) || !ASSERT_OK_PTR(f_multi))
		goto out;
	base2 = btf__parse(f_base, NULL);
	if (!ASSERT_OK_PTR(base2))
		goto out;
	split2 = btf__parse_split(f_split, base2);
	if (!ASSERT_OK_PTR(split2))
		goto out;
	multi2 = btf__parse_split(f_multi, split2);
	if (!ASSERT_OK_PTR(multi2))
		goto out;
	ASSERT_TRUE(btf__base_btf(multi2) == split2);
	ASSERT_TRUE(btf__base_btf(split2) == base2);
	ASSERT_EQ(btf__type_cnt(multi2), 7);
	same_types(multi, multi2, 1, 6);
	ASSERT_STREQ(btf__str_by_offset(multi2, off), "only_in_multi");
	{
		__u32 s1, s2;
		const void *r1 = btf__raw_data(multi, &s1), *r2 = btf__raw_data(multi2, &s2);

		if (ASSERT_EQ(s1, s2))
			ASSERT_MEMEQ(r1, r2, s1);
	}
	/* read as raw files explicitly, too */
	btf__free(multi2);
	multi2 = btf__parse_raw_split(f_multi, split2);
	if (ASSERT_OK_PTR(multi2))
		same_types(multi, multi2, 1, 6);
	/* split data over the wrong level: ids or strings out of range */
	ASSERT_BTF_ERRNO(btf__parse_split(f_multi, base2), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse(f_split, NULL), EINVAL);
out:
	if (f_base)
		unlink(f_base);
	if (f_split)
		unlink(f_split);
	if (f_multi)
		unlink(f_multi);
	free(f_base);
	free(f_split);
	free(f_multi);
	btf__free(multi2);
	btf__free(split2);
	btf__free(base2);
	btf__free(multi);
	btf__free(split);
	btf__free(base);
}

/* New splits follow the base's byte order; pointer size of a new object is the host's. */
static void test_split_inherits(void)
{
	struct btf *base = fixture_small_base(), *split, *parsed;
	const void *raw;
	__u32 size;

	if (!ASSERT_OK_PTR(base))
		return;
	ASSERT_OK(btf__set_endianness(base, BTF_BIG_ENDIAN));
	ASSERT_OK(btf__set_pointer_size(base, 4));
	split = btf__new_empty_split(base);
	if (ASSERT_OK_PTR(split)) {
		ASSERT_EQ(btf__endianness(split), BTF_BIG_ENDIAN);
		ASSERT_EQ(btf__pointer_size(split), sizeof(void *));
		btf__add_typedef(split, "int_t", 1);
		raw = btf__raw_data(split, &size);
		if (ASSERT_OK_PTR(raw)) {
			ASSERT_EQ(((const __u8 *)raw)[0], 0xeb); /* big-endian magic */
			parsed = btf__new_split(raw, size, base);
			if (ASSERT_OK_PTR(parsed)) {
				ASSERT_EQ(btf__endianness(parsed), BTF_BIG_ENDIAN);
				ASSERT_STREQ(btf_raw_text(parsed, 4), "[4] TYPEDEF 'int_t' type_id=1");
				/* a parsed split asks its base */
				ASSERT_EQ(btf__pointer_size(parsed), 4);
			}
			btf__free(parsed);
		}
	}
	btf__free(split);
	btf__free(base);
}

static __u32 str_section_len(const struct btf *btf)
{
	__u32 size;
	const struct btf_header *hdr = btf__raw_data(btf, &size);

	return hdr ? hdr->str_len : 0;
}

static void test_add_btf_split(void)
{
	struct btf *base = fixture_small_base(), *other_base = fixture_small_base();
	struct btf *a = NULL, *b = NULL, *c = NULL, *dst = NULL, *standalone = NULL;

	if (!ASSERT_OK_PTR(base) || !ASSERT_OK_PTR(other_base))
		goto out;
	a = btf__new_empty_split(base);
	ASSERT_EQ(btf__add_typedef(a, "ta", 1), 4);
	ASSERT_EQ(btf__add_ptr(a, 4), 5);
	ASSERT_EQ(btf__add_struct(a, "sa", 16), 6);
	ASSERT_OK(btf__add_field(a, "s1", 3, 0, 0));  /* a name the base has */
	ASSERT_OK(btf__add_field(a, "n", 5, 64, 0));

	b = btf__new_empty_split(base);
	ASSERT_EQ(btf__add_typedef(b, "tb", 2), 4);
	ASSERT_EQ(btf__add_struct(b, "sb", 8), 5);
	ASSERT_OK(btf__add_field(b, "x", 4, 0, 0));
	ASSERT_OK(btf__add_field(b, "n", 1, 32, 0));   /* a name "a" has too */

	dst = btf__new_empty_split(base);
	if (!ASSERT_OK_PTR(dst))
		goto out;
	ASSERT_EQ(btf__add_btf(dst, a), 4);
	ASSERT_EQ(btf__add_btf(dst, b), 7);
	VALIDATE_RAW(dst, SMALL_BASE_TEXT,
		     "[4] TYPEDEF 'ta' type_id=1",
		     "[5] PTR '(anon)' type_id=4",
		     "[6] STRUCT 'sa' size=16 vlen=2\n\t's1' type_id=3 bits_offset=0\n"
		     "\t'n' type_id=5 bits_offset=64",
		     "[7] TYPEDEF 'tb' type_id=2",
		     "[8] STRUCT 'sb' size=8 vlen=2\n\t'x' type_id=7 bits_offset=0\n"
		     "\t'n' type_id=1 bits_offset=32");
	/* base strings stay in the base, shared strings once */
	ASSERT_EQ(btf__find_str(dst, "s1"), btf__find_str(base, "s1"));
	ASSERT_EQ(str_section_len(dst), sizeof("ta") + sizeof("sa") + sizeof("n") + sizeof("tb") +
						sizeof("sb") + sizeof("x"));

	/* splits over another base (even an identical one) are refused; nothing changes */
	c = btf__new_empty_split(other_base);
	btf__add_typedef(c, "tc", 1);
	{
		__u32 sz0, sz1;
		void *before = harness_raw_copy(dst, &sz0);
		const void *after;

		ASSERT_ERRNO(btf__add_btf(dst, c), EOPNOTSUPP);
		ASSERT_ERRNO(btf__add_btf(base, a), EOPNOTSUPP); /* split into its own base */
		ASSERT_ERRNO(btf__add_btf(other_base, a), EOPNOTSUPP);
		after = btf__raw_data(dst, &sz1);
		if (ASSERT_EQ(sz1, sz0))
			ASSERT_MEMEQ(after, before, sz0);
		free(before);
		ASSERT_EQ(btf__type_cnt(dst), 9);
		ASSERT_EQ(btf__type_cnt(base), 4);
		ASSERT_EQ(btf__type_cnt(other_base), 4);
	}

	/* standalone BTF goes into a split: all its ids move */
	standalone = btf__new_empty();
	btf__add_int(standalone, "long", 8, BTF_INT_SIGNED);
	btf__add_ptr(standalone, 1);
	btf__add_ptr(standalone, 0);
	ASSERT_EQ(btf__add_btf(dst, standalone), 9);
	ASSERT_STREQ(btf_raw_text(dst, 9),
		     "[9] INT 'long' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED");
	ASSERT_STREQ(btf_raw_text(dst, 10), "[10] PTR '(anon)' type_id=9");
	ASSERT_STREQ(btf_raw_text(dst, 11), "[11] PTR '(anon)' type_id=0");
	/* ... even the base itself, as a standalone source */
	ASSERT_EQ(btf__add_btf(dst, base), 12);
	ASSERT_STREQ(btf_raw_text(dst, 13), "[13] PTR '(anon)' type_id=12");
	ASSERT_STREQ(btf_raw_text(dst, 14),
		     "[14] STRUCT 's1' size=4 vlen=1\n\t'f1' type_id=12 bits_offset=0");
	ASSERT_EQ(btf__type_cnt(dst), 15);
	/* the sources are unchanged */
	VALIDATE_RAW(b, SMALL_BASE_TEXT, "[4] TYPEDEF 'tb' type_id=2",
		     "[5] STRUCT 'sb' size=8 vlen=2\n\t'x' type_id=4 bits_offset=0\n"
		     "\t'n' type_id=1 bits_offset=32");

	/* the combined split round-trips over the base */
	{
		__u32 size;
		const void *raw = btf__raw_data(dst, &size);
		struct btf *again = btf__new_split(raw, size, base);

		if (ASSERT_OK_PTR(again))
			same_types(dst, again, 1, 14);
		btf__free(again);
	}
out:
	btf__free(standalone);
	btf__free(c);
	btf__free(dst);
	btf__free(b);
	btf__free(a);
	btf__free(other_base);
	btf__free(base);
}

/* The all-kinds fixture built as a split over a base: every reference shifted past the base. */
static void test_all_kinds_split(void)
{
	struct btf *base = fixture_small_base(), *split, *flat;
	__u32 size, id;
	const void *raw;

	if (!ASSERT_OK_PTR(base))
		return;
	split = btf__new_empty_split(base);
	if (!ASSERT_OK_PTR(split))
		goto out;
	fixture_add_all_kinds(split, false);
	ASSERT_EQ(btf__type_cnt(split), 4 + ALL_KINDS_CNT);
	ASSERT_STREQ(btf_raw_text(split, 3 + 15),
		     "[18] STRUCT 's1' size=16 vlen=3\n"
		     "\t'a' type_id=4 bits_offset=0\n"
		     "\t'b' type_id=5 bits_offset=32 bitfield_size=3\n"
		     "\t'(anon)' type_id=12 bits_offset=64");
	/* "int" and "s1" come from the base: one copy of each string */
	ASSERT_EQ(btf__find_str(split, "int"), btf__find_str(base, "int"));
	ASSERT_EQ(btf__find_str(split, "s1"), btf__find_str(base, "s1"));

	/* same types as a standalone build, ids shifted */
	flat = fixture_all_kinds(false);
	for (id = 1; flat && id <= (__u32)ALL_KINDS_CNT; id++) {
		const struct btf_type *a = btf__type_by_id(flat, id),
				      *b = btf__type_by_id(split, id + 3);

		if (!H_REPORT(a && b && a->info == b->info, "type %u: info differs", id))
			break;
		ASSERT_STREQ(btf__name_by_offset(split, b->name_off),
			     btf__name_by_offset(flat, a->name_off));
	}
	btf__free(flat);

	raw = btf__raw_data(split, &size);
	flat = btf__new_split(raw, size, base);
	if (ASSERT_OK_PTR(flat))
		same_types(split, flat, 1, 3 + ALL_KINDS_CNT);
	btf__free(flat);
	btf__free(split);
out:
	btf__free(base);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_single_and_multi_split();
	test_split_inherits();
	test_add_btf_split();
	test_all_kinds_split();
	return harness_done();
}
