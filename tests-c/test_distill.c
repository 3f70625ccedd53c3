/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Distilled base BTF: btf__distill_base (what goes to the new base, what moves into the new split,
 * how ids are renumbered), btf__relocate back onto a full base (duplicate, missing and embedded
 * types), both in the other byte order, a module ELF whose .BTF.base the split owns being
 * relocated, the argument errors, btf__parse_opts (libbtf's extension: raw, ELF, one named
 * section, options validation), and the shared corpus against libbpf 1.7.0's outputs.
 */
#include "harness.h"
#include "fixtures.h"

#define NATIVE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN)
#define FOREIGN (NATIVE == BTF_LITTLE_ENDIAN ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN)

/* Types first.. of `btf` render as exp[0..n-1], and there are no more. */
static bool types_from(const struct btf *btf, __u32 first, int n, const char *const exp[])
{
	int i;

	if (!H_REPORT(btf__type_cnt(btf) == first + n, "type count %u, expected %u",
		      btf__type_cnt(btf), first + n))
		return false;
	for (i = 0; i < n; i++)
		if (!H_REPORT(strcmp(btf_raw_text(btf, first + i), exp[i]) == 0,
			      "type %u:\n  got      \"%s\"\n  expected \"%s\"", first + i,
			      btf_raw_text(btf, first + i), exp[i]))
			return false;
	return true;
}
#define TYPES_FROM(btf, first, ...)                                                            \
	types_from(btf, first, (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
		   (const char *const[]){ __VA_ARGS__ })

/* Every type of `a` and `b` renders the same (same count). */
static void same_text(const struct btf *a, const struct btf *b)
{
	__u32 id, n = btf__type_cnt(a);

	if (!ASSERT_EQ(btf__type_cnt(b), n))
		return;
	for (id = 1; id < n; id++) {
		char text[8192];

		snprintf(text, sizeof(text), "%s", btf_raw_text(a, id));
		if (!ASSERT_STREQ(btf_raw_text(b, id), text))
			return;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* The main scenario                                                                          */

/*
 * Base, 17 types: int; a pointer; named struct s1 and union u1 (size 12); an anonymous struct and
 * union; named and anonymous enum and enum64; a struct no split type needs; a struct the split
 * embeds; a proto; an array; a struct only a proto uses; a second u1 (size 4); a proto taking
 * that struct.
 */
static struct btf *main_base(void)
{
	struct btf *b = btf__new_empty();

	if (!b)
		return NULL;
	btf__add_int(b, "int", 4, BTF_INT_SIGNED);          /* 1 */
	btf__add_ptr(b, 1);                                  /* 2 */
	btf__add_struct(b, "s1", 8);                         /* 3 */
	btf__add_field(b, "f1", 2, 0, 0);
	btf__add_union(b, "u1", 12);                         /* 4 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_struct(b, NULL, 4);                         /* 5 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_union(b, NULL, 4);                          /* 6 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_enum(b, "e1", 4);                           /* 7 */
	btf__add_enum_value(b, "v1", 1);
	btf__add_enum(b, NULL, 4);                           /* 8 */
	btf__add_enum_value(b, "av1", 2);
	btf__add_enum64(b, "e641", 8, false);                /* 9 */
	btf__add_enum64_value(b, "v1", 1024);
	btf__add_enum64(b, NULL, 8, false);                  /* 10 */
	btf__add_enum64_value(b, "v1", 1025);
	btf__add_struct(b, "unneeded", 4);                   /* 11 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_struct(b, "embedded", 4);                   /* 12 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_func_proto(b, 1);                           /* 13 */
	btf__add_func_param(b, "p1", 1);
	btf__add_array(b, 1, 1, 3);                          /* 14 */
	btf__add_struct(b, "from_proto", 4);                 /* 15 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_union(b, "u1", 4);                          /* 16 */
	btf__add_field(b, "f1", 1, 0, 0);
	btf__add_func_proto(b, 1);                           /* 17 */
	btf__add_func_param(b, "p", 15);
	if (btf__type_cnt(b) != 18) {
		btf__free(b);
		return NULL;
	}
	return b;
}

/* Split over main_base, 12 types (18-29), each reaching for a different kind of base type. */
static struct btf *main_split(struct btf *base)
{
	struct btf *s = btf__new_empty_split(base);

	if (!s)
		return NULL;
	btf__add_ptr(s, 3);                                  /* 18 */
	btf__add_const(s, 4);                                /* 19 */
	btf__add_restrict(s, 5);                             /* 20 */
	btf__add_volatile(s, 6);                             /* 21 */
	btf__add_typedef(s, "et", 7);                        /* 22 */
	btf__add_const(s, 8);                                /* 23 */
	btf__add_ptr(s, 9);                                  /* 24 */
	btf__add_ptr(s, 10);                                 /* 25 */
	btf__add_struct(s, "with_embedded", 4);              /* 26 */
	btf__add_field(s, "f1", 12, 0, 0);
	btf__add_func(s, "fn", BTF_FUNC_GLOBAL, 13);         /* 27 */
	btf__add_typedef(s, "arraytype", 14);                /* 28 */
	btf__add_ptr(s, 17);                                 /* 29 */
	if (btf__type_cnt(s) != 30) {
		btf__free(s);
		return NULL;
	}
	return s;
}

/* The base types split BTF gets back on relocation (18-29 its own, 30-36 the moved ones). */
#define RELOCATED_TEXT                                                                         \
	"[18] PTR '(anon)' type_id=3", "[19] CONST '(anon)' type_id=4",                         \
	"[20] RESTRICT '(anon)' type_id=30", "[21] VOLATILE '(anon)' type_id=31",               \
	"[22] TYPEDEF 'et' type_id=7", "[23] CONST '(anon)' type_id=32",                        \
	"[24] PTR '(anon)' type_id=9", "[25] PTR '(anon)' type_id=33",                          \
	"[26] STRUCT 'with_embedded' size=4 vlen=1\n\t'f1' type_id=12 bits_offset=0",           \
	"[27] FUNC 'fn' type_id=34 linkage=global", "[28] TYPEDEF 'arraytype' type_id=35",      \
	"[29] PTR '(anon)' type_id=36",                                                         \
	"[30] STRUCT '(anon)' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0",                   \
	"[31] UNION '(anon)' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0",                    \
	"[32] ENUM '(anon)' encoding=UNSIGNED size=4 vlen=1\n\t'av1' val=2",                    \
	"[33] ENUM64 '(anon)' encoding=UNSIGNED size=8 vlen=1\n\t'v1' val=1025",                \
	"[34] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p1' type_id=1",                      \
	"[35] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=3",                             \
	"[36] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p' type_id=15"

static void check_distilled(const struct btf *dbase, const struct btf *dsplit)
{
	ASSERT_EQ(btf__type_cnt(dbase), 8);
	ASSERT_NULL(btf__base_btf(dbase));
	ASSERT_TRUE(btf__base_btf(dsplit) == dbase);
	/* named base types the split needs become empty shells in the base (enum64: a sized ENUM);
	 * the rest moves, whole, after the split's own types */
	VALIDATE_RAW(dsplit, "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
		     "[2] STRUCT 's1' size=8 vlen=0", "[3] UNION 'u1' size=12 vlen=0",
		     "[4] ENUM 'e1' encoding=UNSIGNED size=4 vlen=0",
		     "[5] ENUM 'e641' encoding=UNSIGNED size=8 vlen=0",
		     "[6] STRUCT 'embedded' size=4 vlen=0", "[7] STRUCT 'from_proto' size=4 vlen=0",
		     "[8] PTR '(anon)' type_id=2", "[9] CONST '(anon)' type_id=3",
		     "[10] RESTRICT '(anon)' type_id=20", "[11] VOLATILE '(anon)' type_id=21",
		     "[12] TYPEDEF 'et' type_id=4", "[13] CONST '(anon)' type_id=22",
		     "[14] PTR '(anon)' type_id=5", "[15] PTR '(anon)' type_id=23",
		     "[16] STRUCT 'with_embedded' size=4 vlen=1\n\t'f1' type_id=6 bits_offset=0",
		     "[17] FUNC 'fn' type_id=24 linkage=global",
		     "[18] TYPEDEF 'arraytype' type_id=25", "[19] PTR '(anon)' type_id=26",
		     "[20] STRUCT '(anon)' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0",
		     "[21] UNION '(anon)' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0",
		     "[22] ENUM '(anon)' encoding=UNSIGNED size=4 vlen=1\n\t'av1' val=2",
		     "[23] ENUM64 '(anon)' encoding=UNSIGNED size=8 vlen=1\n\t'v1' val=1025",
		     "[24] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p1' type_id=1",
		     "[25] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=3",
		     "[26] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p' type_id=7");
}

static void test_distilled_base(void)
{
	struct btf *base = main_base(), *split = NULL, *dbase = NULL, *dsplit = NULL;

	printf("-- distilled_base\n");
	if (!ASSERT_OK_PTR(base) || !ASSERT_OK_PTR(split = main_split(base)))
		goto out;
	if (!ASSERT_OK(btf__distill_base(split, &dbase, &dsplit)))
		goto out;
	check_distilled(dbase, dsplit);
	/* the source is untouched */
	ASSERT_EQ(btf__type_cnt(split), 30);
	ASSERT_TRUE(btf__base_btf(split) == base);

#ifndef HARNESS_REF_LIBBPF
	/* raw data asked for before relocating is not served after it (libbpf 1.7.0 keeps the
	 * stale bytes; checked by the re-parse below) */
	{
		__u32 size;

		ASSERT_OK_PTR(btf__raw_data(dsplit, &size));
	}
#endif
	/* back onto the original base: same types as the source, moved ones appended */
	if (!ASSERT_OK(btf__relocate(dsplit, base)))
		goto out;
	ASSERT_TRUE(btf__base_btf(dsplit) == base);
	ASSERT_EQ(btf__type_cnt(dsplit), 37);
	TYPES_FROM(dsplit, 18, RELOCATED_TEXT);
	ASSERT_EQ(btf__find_by_name(dsplit, "with_embedded"), 26);
	ASSERT_EQ(btf__find_by_name(dsplit, "unneeded"), 11);
	/* its raw data reads back over the base */
	{
		__u32 size;
		const void *raw = btf__raw_data(dsplit, &size);
		struct btf *again = raw ? btf__new_split(raw, size, base) : NULL;

		if (ASSERT_OK_PTR(again))
			same_text(dsplit, again);
		btf__free(again);
	}
	/* relocating again onto the base it now has is refused */
	ASSERT_ERRNO(btf__relocate(dsplit, base), EINVAL);
out:
	btf__free(dsplit); /* the split first, */
	btf__free(dbase);  /* its base after: the split does not own it */
	btf__free(split);
	btf__free(base);
}

/* The distilled base is freed before the split made over it: either order is fine. */
static void test_free_order(void)
{
	struct btf *base = main_base(), *split = NULL, *dbase = NULL, *dsplit = NULL;

	if (!ASSERT_OK_PTR(base) || !ASSERT_OK_PTR(split = main_split(base)))
		goto out;
	if (ASSERT_OK(btf__distill_base(split, &dbase, &dsplit))) {
		btf__free(dbase);
		/* the split still reads its base types */
#ifndef HARNESS_REF_LIBBPF /* libbtf keeps the base's data alive; libbpf's split would read freed
			    * memory here */
		ASSERT_STREQ(btf_raw_text(dsplit, 2), "[2] STRUCT 's1' size=8 vlen=0");
#endif
		btf__free(dsplit);
	}
out:
	btf__free(split);
	btf__free(base);
}

/* ------------------------------------------------------------------------------------------ */
/* Duplicates, missing and embedded types                                                      */

/* base: ints of the given sizes, all named "int"; split: a pointer to each. */
static struct btf *ints(const int *sizes, int n)
{
	struct btf *b = btf__new_empty();
	int i;

	for (i = 0; b && i < n; i++)
		btf__add_int(b, "int", sizes[i], BTF_INT_SIGNED);
	return b;
}

static struct btf *ptrs_to_all(struct btf *base)
{
	struct btf *s = btf__new_empty_split(base);
	__u32 id, n = btf__type_cnt(base);

	for (id = 1; s && id < n; id++)
		btf__add_ptr(s, id);
	return s;
}

/* Distills ptrs_to_all(ints(from)) and relocates it onto ints(onto): returns the relocation's
 * result; `check` sees the distilled split. */
static int distill_ints(const int *from, int nfrom, const int *onto, int nonto,
			void (*check)(const struct btf *dsplit))
{
	struct btf *base = ints(from, nfrom), *split = NULL, *dbase = NULL, *dsplit = NULL;
	struct btf *base2 = ints(onto, nonto);
	int err = -1000;

	if (!ASSERT_OK_PTR(base) || !ASSERT_OK_PTR(base2) ||
	    !ASSERT_OK_PTR(split = ptrs_to_all(base)))
		goto out;
	if (!ASSERT_OK(btf__distill_base(split, &dbase, &dsplit)))
		goto out;
	ASSERT_EQ(btf__type_cnt(dbase), (__u32)nfrom + 1);
	if (check)
		check(dsplit);
	err = btf__relocate(dsplit, base2);
	if (err) {
		ASSERT_EQ(errno, -err);
		ASSERT_TRUE(btf__base_btf(dsplit) == dbase); /* unchanged */
		ASSERT_EQ(btf__type_cnt(dsplit), (__u32)(2 * nfrom + 1));
	} else {
		ASSERT_TRUE(btf__base_btf(dsplit) == base2);
	}
out:
	btf__free(dsplit);
	btf__free(dbase);
	btf__free(split);
	btf__free(base);
	btf__free(base2);
	return err;
}

static void check_multi(const struct btf *dsplit)
{
	VALIDATE_RAW(dsplit, "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
		     "[2] INT 'int' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED",
		     "[3] PTR '(anon)' type_id=1", "[4] PTR '(anon)' type_id=2");
}

static void test_multi_and_errors(void)
{
	static const int s4_8[] = { 4, 8 }, s8_4[] = { 8, 4 }, s4[] = { 4 }, s4_4[] = { 4, 4 };

	printf("-- distilled_base_multi\n");
	/* two ints of one name, told apart by size, found in another order */
	ASSERT_OK(distill_ints(s4_8, 2, s8_4, 2, check_multi));
	ASSERT_OK(distill_ints(s4_8, 2, s4_8, 2, NULL));
	printf("-- distilled_base_missing_err\n");
	ASSERT_EQ(distill_ints(s4_8, 2, s4, 1, NULL), -EINVAL);
	printf("-- distilled_base_multi_err\n");
	/* two identical ints in the distilled base: not both can be matched */
	ASSERT_EQ(distill_ints(s4_4, 2, s4_4, 2, NULL), -EINVAL);
	printf("-- distilled_base_multi_err2\n");
	/* one distilled int, two candidates in the new base */
	ASSERT_EQ(distill_ints(s4, 1, s4_4, 2, NULL), -EINVAL);
	ASSERT_OK(distill_ints(s4, 1, s4_8, 2, NULL));
}

/* base: int, struct s1 of `size` (one or two int members); split: struct holding s1 (embedded) or
 * a pointer to it. */
static struct btf *s1_base(int size)
{
	struct btf *b = btf__new_empty();

	if (!b)
		return NULL;
	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(b, "s1", size);
	btf__add_field(b, "f1", 1, 0, 0);
	if (size == 8)
		btf__add_field(b, "f2", 1, 32, 0);
	return b;
}

static int embedded_case(bool embed)
{
	struct btf *base = s1_base(4), *base2 = s1_base(8), *split = NULL;
	struct btf *dbase = NULL, *dsplit = NULL;
	int err = -1000;

	if (!ASSERT_OK_PTR(base) || !ASSERT_OK_PTR(base2) ||
	    !ASSERT_OK_PTR(split = btf__new_empty_split(base)))
		goto out;
	if (embed) {
		btf__add_struct(split, "s2", 4);      /* 3 */
		btf__add_field(split, "f1", 2, 0, 0);
	} else {
		btf__add_ptr(split, 2);               /* 3 */
		btf__add_struct(split, "s2", 8);      /* 4 */
		btf__add_field(split, "f1", 3, 0, 0);
	}
	if (!ASSERT_OK(btf__distill_base(split, &dbase, &dsplit)))
		goto out;
	/* the split needs s1 only: its int member is not followed */
	ASSERT_EQ(btf__type_cnt(dbase), 2);
	ASSERT_STREQ(btf_raw_text(dbase, 1), "[1] STRUCT 's1' size=4 vlen=0");
	err = btf__relocate(dsplit, base2);
out:
	btf__free(dsplit);
	btf__free(dbase);
	btf__free(split);
	btf__free(base);
	btf__free(base2);
	return err;
}

static void test_embedded(void)
{
	printf("-- distilled_base_embedded_err\n");
	/* an embedded struct must keep its size; one behind a pointer need not */
	ASSERT_EQ(embedded_case(true), -EINVAL);
	ASSERT_OK(embedded_case(false));
}

/* ------------------------------------------------------------------------------------------ */
/* Byte order                                                                                  */

static void test_endianness(void)
{
	struct btf *base = main_base(), *split = NULL, *dbase = NULL, *dsplit = NULL;
	struct btf *base2 = NULL, *split2 = NULL;
	const void *raw;
	__u32 size;

	printf("-- distilled_endianness\n");
	if (!ASSERT_OK_PTR(base) || !ASSERT_OK(btf__set_endianness(base, FOREIGN)) ||
	    !ASSERT_OK_PTR(split = main_split(base)))
		goto out;
	ASSERT_EQ(btf__endianness(split), FOREIGN);
	if (!ASSERT_OK(btf__distill_base(split, &dbase, &dsplit)))
		goto out;
	ASSERT_EQ(btf__endianness(dbase), FOREIGN);
	ASSERT_EQ(btf__endianness(dsplit), FOREIGN);
	check_distilled(dbase, dsplit);
	/* written in the foreign order, read back: same order, same types */
	raw = btf__raw_data(dbase, &size);
	if (!ASSERT_OK_PTR(raw) || !ASSERT_OK_PTR(base2 = btf__new(raw, size)))
		goto out;
	ASSERT_EQ(btf__endianness(base2), FOREIGN);
	same_text(dbase, base2);
	raw = btf__raw_data(dsplit, &size);
	if (!ASSERT_OK_PTR(raw) || !ASSERT_OK_PTR(split2 = btf__new_split(raw, size, base2)))
		goto out;
	ASSERT_EQ(btf__endianness(split2), FOREIGN);
	same_text(dsplit, split2);
	/* and relocates onto the original base like the native one */
	if (ASSERT_OK(btf__relocate(split2, base)))
		TYPES_FROM(split2, 18, RELOCATED_TEXT);
out:
	btf__free(split2);
	btf__free(base2);
	btf__free(dsplit);
	btf__free(dbase);
	btf__free(split);
	btf__free(base);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */

static void test_errors(void)
{
	struct btf *base = main_base(), *split = NULL, *other = NULL;
	struct btf *dbase = (struct btf *)&dbase, *dsplit = (struct btf *)&dsplit;

	printf("-- errors\n");
	if (!ASSERT_OK_PTR(base) || !ASSERT_OK_PTR(split = main_split(base)))
		goto out;
#ifndef HARNESS_REF_LIBBPF /* libbpf dereferences a NULL src_btf */
	ASSERT_ERRNO(btf__distill_base(NULL, &dbase, &dsplit), EINVAL);
#endif
	ASSERT_ERRNO(btf__distill_base(split, NULL, &dsplit), EINVAL);
	ASSERT_ERRNO(btf__distill_base(split, &dbase, NULL), EINVAL);
	/* not split BTF */
	ASSERT_ERRNO(btf__distill_base(base, &dbase, &dsplit), EINVAL);
	/* out-parameters untouched on error */
	ASSERT_TRUE(dbase == (struct btf *)&dbase && dsplit == (struct btf *)&dsplit);

	/* a split type referring to a base FUNC (or VAR, DATASEC, DECL_TAG) cannot be distilled */
	{
		struct btf *fbase = main_base();
		int func = fbase ? btf__add_func(fbase, "f", BTF_FUNC_STATIC, 13) : -1;

		other = fbase && func > 0 ? btf__new_empty_split(fbase) : NULL;
		if (ASSERT_OK_PTR(other) && ASSERT_GT(btf__add_decl_tag(other, "tag", func, -1), 0))
			ASSERT_ERRNO(btf__distill_base(other, &dbase, &dsplit), EINVAL);
		ASSERT_TRUE(dbase == (struct btf *)&dbase && dsplit == (struct btf *)&dsplit);
		btf__free(other);
		other = NULL;
		btf__free(fbase);
	}

	ASSERT_ERRNO(btf__relocate(split, NULL), EINVAL);
#ifndef HARNESS_REF_LIBBPF /* libbpf dereferences a NULL btf, and the missing base of a non-split */
	ASSERT_ERRNO(btf__relocate(NULL, base), EINVAL);
	ASSERT_ERRNO(btf__relocate(base, split), EINVAL);
#endif
	/* onto itself, onto its own base */
	ASSERT_ERRNO(btf__relocate(split, split), EINVAL);
	ASSERT_ERRNO(btf__relocate(split, base), EINVAL);
	/* a full base is not a distilled one: refused, nothing changed */
	{
		struct btf *base2 = main_base();

		if (ASSERT_OK_PTR(base2)) {
			ASSERT_ERRNO(btf__relocate(split, base2), EINVAL);
			ASSERT_TRUE(btf__base_btf(split) == base);
			ASSERT_EQ(btf__type_cnt(split), 30);
		}
		btf__free(base2);
	}
out:
	btf__free(other);
	btf__free(split);
	btf__free(base);
}

/* ------------------------------------------------------------------------------------------ */
/* A module ELF with .BTF.base                                                                 */

struct sec {
	const char *name;
	const void *data;
	__u32 size;
};

static void put_le(__u8 *p, __u64 v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = v >> (8 * i);
}

/* A little-endian ELF64 relocatable file with the given PROGBITS sections (plus .shstrtab) in a
 * temporary file; returns its path (caller unlinks, frees). */
static char *write_elf(const struct sec *secs, int n)
{
	static __u8 buf[65536];
	__u32 off[8], name_off[9], len = 64, shstr_off, shstr_len = 1, shoff, i;
	char shstr[256] = "";

	if (n > 8)
		return NULL;
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < (__u32)n; i++) {
		len = (len + 7) & ~7u;
		if (len + secs[i].size > sizeof(buf) - 4096)
			return NULL;
		off[i] = len;
		memcpy(buf + len, secs[i].data, secs[i].size);
		len += secs[i].size;
		name_off[i] = shstr_len;
		strcpy(shstr + shstr_len, secs[i].name);
		shstr_len += strlen(secs[i].name) + 1;
	}
	name_off[n] = shstr_len;
	strcpy(shstr + shstr_len, ".shstrtab");
	shstr_len += sizeof(".shstrtab");
	shstr_off = len;
	memcpy(buf + len, shstr, shstr_len);
	shoff = (len + shstr_len + 7) & ~7u;

	memcpy(buf, "\177ELF", 4);
	buf[4] = 2; /* ELFCLASS64 */
	buf[5] = 1; /* ELFDATA2LSB */
	buf[6] = 1; /* EV_CURRENT */
	put_le(buf + 16, 1, 2);   /* ET_REL */
	put_le(buf + 18, 247, 2); /* EM_BPF */
	put_le(buf + 20, 1, 4);
	put_le(buf + 40, shoff, 8);
	put_le(buf + 52, 64, 2);
	put_le(buf + 58, 64, 2);
	put_le(buf + 60, n + 2, 2);
	put_le(buf + 62, n + 1, 2);
	for (i = 1; i <= (__u32)n + 1; i++) {
		__u8 *sh = buf + shoff + i * 64;
		bool strtab = i == (__u32)n + 1;

		put_le(sh, name_off[i - 1], 4);
		put_le(sh + 4, strtab ? 3 : 1, 4); /* SHT_STRTAB : SHT_PROGBITS */
		put_le(sh + 24, strtab ? shstr_off : off[i - 1], 8);
		put_le(sh + 32, strtab ? shstr_len : secs[i - 1].size, 8);
		put_le(sh + 48, 1, 8);
	}
	return harness_write_temp(buf, shoff + (n + 2) * 64);
}

/* main_split distilled, as a module ELF: .BTF.base the distilled base, .BTF the split. */
static char *distilled_module(void)
{
	struct btf *base = main_base(), *split = NULL, *dbase = NULL, *dsplit = NULL;
	char *path = NULL;

	if (NATIVE != BTF_LITTLE_ENDIAN) /* write_elf writes little-endian ELF */
		goto out;
	if (base && (split = main_split(base)) && !btf__distill_base(split, &dbase, &dsplit)) {
		struct sec secs[2];

		secs[0].name = BTF_BASE_ELF_SEC;
		secs[0].data = btf__raw_data(dbase, &secs[0].size);
		secs[1].name = BTF_ELF_SEC;
		secs[1].data = btf__raw_data(dsplit, &secs[1].size);
		if (secs[0].data && secs[1].data)
			path = write_elf(secs, 2);
	}
out:
	btf__free(dsplit);
	btf__free(dbase);
	btf__free(split);
	btf__free(base);
	return path;
}

static void test_module_elf(void)
{
	struct btf *base = main_base(), *mod = NULL;
	const struct btf *owned;
	char *path = distilled_module();

	printf("-- module ELF with .BTF.base\n");
	if (!path) {
		harness_skip("module ELF: could not write one (big-endian host?)");
		goto out;
	}
	if (!ASSERT_OK_PTR(base))
		goto out;
	/* parsed alone, the split owns its distilled base */
	mod = btf__parse_elf(path, NULL);
	if (!ASSERT_OK_PTR(mod))
		goto out;
	owned = btf__base_btf(mod);
	if (!ASSERT_OK_PTR(owned))
		goto out;
	ASSERT_EQ(btf__type_cnt(owned), 8);
	ASSERT_EQ(btf__type_cnt(mod), 27);
	/* relocated: the given base is the base now; the distilled one, no longer the split's base,
	 * stays readable until the split is freed (libbpf would leak it; valgrind checks both) */
	if (ASSERT_OK(btf__relocate(mod, base))) {
		ASSERT_TRUE(btf__base_btf(mod) == base);
		TYPES_FROM(mod, 18, RELOCATED_TEXT);
		ASSERT_EQ(btf__type_cnt(owned), 8);
		ASSERT_STREQ(btf_raw_text(owned, 2), "[2] STRUCT 's1' size=8 vlen=0");
	}
	btf__free(mod);

	/* parsed over a base, it is relocated at once */
	mod = btf__parse_elf_split(path, base);
	if (ASSERT_OK_PTR(mod)) {
		ASSERT_TRUE(btf__base_btf(mod) == base);
		TYPES_FROM(mod, 18, RELOCATED_TEXT);
	}
	btf__free(mod);
	mod = NULL;
out:
	btf__free(mod);
	btf__free(base);
	if (path) {
		unlink(path);
		free(path);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* btf__parse_opts                                                                             */

#ifndef HARNESS_REF_LIBBPF /* libbtf's own: libbpf never merged btf__parse_opts */
static void test_parse_opts(void)
{
	struct btf *small = btf__parse_raw(TEST_DATA("small.btf")), *btf, *dbase = NULL;
	struct btf_ext *ext;
	char *path = distilled_module();
	struct {
		struct btf_parse_opts opts;
		char extra[16];
	} big;

	printf("-- btf__parse_opts\n");
	if (!ASSERT_OK_PTR(small))
		goto out;

	/* no options: as btf__parse */
	btf = btf__parse_opts(TEST_DATA("small.btf"), NULL);
	if (ASSERT_OK_PTR(btf))
		same_text(btf, small);
	btf__free(btf);
	/* raw, btf_ext cleared */
	{
		LIBBPF_OPTS(btf_parse_opts, opts, .btf_ext = &ext);

		ext = (struct btf_ext *)&ext;
		btf = btf__parse_opts(TEST_DATA("small.btf"), &opts);
		ASSERT_NULL(ext);
		if (ASSERT_OK_PTR(btf)) {
			same_text(btf, small);
			ASSERT_NULL(btf__base_btf(btf));
		}
		btf__free(btf);
	}
	/* raw split data over opts->base_btf */
	{
		__u32 size;
		struct btf *split = btf__new_empty_split(small);
		const void *raw;
		char *tmp = NULL;
		LIBBPF_OPTS(btf_parse_opts, opts, .base_btf = small);

		if (ASSERT_OK_PTR(split) && ASSERT_GT(btf__add_ptr(split, 1), 0) &&
		    ASSERT_OK_PTR(raw = btf__raw_data(split, &size)) &&
		    ASSERT_OK_PTR(tmp = harness_write_temp(raw, size))) {
			btf = btf__parse_opts(tmp, &opts);
			if (ASSERT_OK_PTR(btf)) {
				ASSERT_TRUE(btf__base_btf(btf) == small);
				same_text(btf, split);
			}
			btf__free(btf);
			/* without the base it does not parse */
			ASSERT_BTF_ERRNO(btf__parse_opts(tmp, NULL), EINVAL);
		}
		if (tmp) {
			unlink(tmp);
			free(tmp);
		}
		btf__free(split);
	}

	/* bad options: too small, unknown non-zero bytes */
	{
		LIBBPF_OPTS(btf_parse_opts, opts);

		opts.sz = 4;
		ASSERT_BTF_ERRNO(btf__parse_opts(TEST_DATA("small.btf"), &opts), EINVAL);
		memset(&big, 0, sizeof(big));
		big.opts.sz = sizeof(big);
		btf = btf__parse_opts(TEST_DATA("small.btf"), &big.opts);
		ASSERT_OK_PTR(btf); /* larger, zero past btf_sec: fine */
		btf__free(btf);
		big.extra[3] = 1;
		ASSERT_BTF_ERRNO(btf__parse_opts(TEST_DATA("small.btf"), &big.opts), EINVAL);
		/* an older, smaller struct: only sz and base_btf */
		opts.sz = offsetof(struct btf_parse_opts, btf_ext);
		opts.btf_ext = (struct btf_ext **)1; /* not read */
		opts.btf_sec = "no such section";   /* not read */
		btf = btf__parse_opts(TEST_DATA("small.btf"), &opts);
		if (ASSERT_OK_PTR(btf))
			same_text(btf, small);
		btf__free(btf);
	}
	ASSERT_BTF_ERRNO(btf__parse_opts(NULL, NULL), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_opts(TEST_DATA("no-such-file"), NULL), ENOENT);
	{
		LIBBPF_OPTS(btf_parse_opts, opts, .btf_sec = BTF_BASE_ELF_SEC);

		/* a section of a file that is not ELF */
		ASSERT_BTF_ERRNO(btf__parse_opts(TEST_DATA("small.btf"), &opts),
				 LIBBPF_ERRNO__FORMAT);
		/* no such section */
		opts.btf_sec = ".BTF.nope";
		ASSERT_BTF_ERRNO(btf__parse_opts(TEST_DATA("mod-distilled.o"), &opts), ENODATA);
	}

	/* ELF sections */
	if (!path) {
		harness_skip("btf__parse_opts ELF: could not write a module ELF");
		goto out;
	}
	{
		LIBBPF_OPTS(btf_parse_opts, opts, .btf_ext = &ext);

		/* .BTF over its .BTF.base, with btf_sec NULL or ".BTF" */
		ext = (struct btf_ext *)&ext;
		btf = btf__parse_opts(path, &opts);
		ASSERT_NULL(ext);
		if (ASSERT_OK_PTR(btf) && ASSERT_OK_PTR(btf__base_btf(btf))) {
			ASSERT_EQ(btf__type_cnt(btf__base_btf(btf)), 8);
			ASSERT_EQ(btf__type_cnt(btf), 27);
		}
		btf__free(btf);
		opts.btf_sec = BTF_ELF_SEC;
		btf = btf__parse_opts(path, &opts);
		if (ASSERT_OK_PTR(btf))
			ASSERT_EQ(btf__type_cnt(btf), 27);
		btf__free(btf);

		/* .BTF.base alone: the distilled base, standalone */
		opts.btf_sec = BTF_BASE_ELF_SEC;
		dbase = btf__parse_opts(path, &opts);
		if (ASSERT_OK_PTR(dbase)) {
			ASSERT_NULL(btf__base_btf(dbase));
			ASSERT_EQ(btf__type_cnt(dbase), 8);
			ASSERT_EQ(btf__pointer_size(dbase), 8);
			ASSERT_STREQ(btf_raw_text(dbase, 5),
				     "[5] ENUM 'e641' encoding=UNSIGNED size=8 vlen=0");
			/* then .BTF over it, as bpftool would, and relocated by hand */
			opts.btf_sec = BTF_ELF_SEC;
			opts.base_btf = dbase;
			btf = btf__parse_opts(path, &opts);
			if (ASSERT_OK_PTR(btf)) {
				struct btf *base = main_base();

				ASSERT_TRUE(btf__base_btf(btf) == dbase);
				if (ASSERT_OK_PTR(base) && ASSERT_OK(btf__relocate(btf, base)))
					TYPES_FROM(btf, 18, RELOCATED_TEXT);
				btf__free(btf);
				btf__free(base);
			}
		}
		/* .BTF over a full base: relocated at once */
		{
			struct btf *base = main_base();

			opts.btf_sec = NULL;
			opts.base_btf = base;
			btf = btf__parse_opts(path, &opts);
			if (ASSERT_OK_PTR(btf)) {
				ASSERT_TRUE(btf__base_btf(btf) == base);
				TYPES_FROM(btf, 18, RELOCATED_TEXT);
			}
			btf__free(btf);
			btf__free(base);
		}
	}
out:
	btf__free(dbase);
	btf__free(small);
	if (path) {
		unlink(path);
		free(path);
	}
}

#endif /* !HARNESS_REF_LIBBPF */

/* ------------------------------------------------------------------------------------------ */
/* Corpus: libbpf 1.7.0's distill and relocate outputs                                         */

/* `btf`'s raw data is byte for byte the file at `path`. */
static bool raw_is_file(const struct btf *btf, const char *path)
{
	__u32 size = 0, fsize = 0;
	const void *raw = btf__raw_data(btf, &size);
	void *file = harness_read_file(path, &fsize);
	bool ok = raw && file && size == fsize && memcmp(raw, file, size) == 0;

	H_REPORT(ok, "%s: raw data differs (%u bytes, file %u)", path, size, fsize);
	free(file);
	return ok;
}

static void test_corpus(void)
{
	static const char *const mods[] = { "tun", "nf_conntrack" };
	struct btf *vm47 = NULL, *vm54 = NULL;
	unsigned int i;

	if (!harness_exists(CORPUS("README.md"))) {
		harness_skip("corpus tests: no corpus at %s (set LIBBTF_CORPUS or --corpus)",
			     harness_corpus_dir);
		return;
	}
	printf("-- corpus\n");
	vm47 = btf__parse_raw(CORPUS("vmlinux/6.1.0-47.btf"));
	vm54 = btf__parse_raw(CORPUS("vmlinux/6.1.0-54.btf"));
	if (!ASSERT_OK_PTR(vm47) || !ASSERT_OK_PTR(vm54))
		goto out;
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		char rel[256], p_base[256], p_split[256], p_reloc[256];
		struct btf *mod, *dbase = NULL, *dsplit = NULL;

		snprintf(rel, sizeof(rel), "modules/6.1.0-47/%s.btf", mods[i]);
#define EXP(buf, what) snprintf(buf, sizeof(buf), "expected/libbpf-1.7.0/%s.47-on-54." what \
				".libbpf-1.7.0.btf", mods[i])
		EXP(p_base, "distilled_base");
		EXP(p_split, "distilled_split");
		EXP(p_reloc, "relocated_split");
#undef EXP
		mod = btf__parse_raw_split(CORPUS(rel), vm47);
		if (!H_REPORT(mod != NULL, "%s: errno %d", rel, errno))
			continue;
		if (H_REPORT(btf__distill_base(mod, &dbase, &dsplit) == 0, "%s: distill: errno %d",
			     rel, errno)) {
			raw_is_file(dbase, CORPUS(p_base));
			raw_is_file(dsplit, CORPUS(p_split));
			/* a fresh pair to relocate: libbpf's btf__relocate rewrites types in place and
			 * keeps serving the raw data cached above (libbtf drops it), so the reference
			 * run needs a split whose raw data was never asked for */
			btf__free(dsplit);
			btf__free(dbase);
			dsplit = dbase = NULL;
			if (ASSERT_OK(btf__distill_base(mod, &dbase, &dsplit)) &&
			    H_REPORT(btf__relocate(dsplit, vm54) == 0, "%s: relocate: errno %d", rel,
				     errno)) {
				ASSERT_TRUE(btf__base_btf(dsplit) == vm54);
				raw_is_file(dsplit, CORPUS(p_reloc));
			}
		}
		btf__free(dsplit);
		btf__free(dbase);
		btf__free(mod);
	}
out:
	btf__free(vm54);
	btf__free(vm47);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_distilled_base();
	test_free_order();
	test_multi_and_errors();
	test_embedded();
	test_endianness();
	test_errors();
	test_module_elf();
#ifndef HARNESS_REF_LIBBPF
	test_parse_opts();
#endif
	test_corpus();
	return harness_done();
}
