/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Building BTF: btf__add_str/find_str, every btf__add_* (valid and invalid arguments, errors as
 * libbpf reports them), raw data of what was built, btf__add_type, btf__add_btf (and a failing
 * one leaving the destination unchanged), btf__permute on base and split BTF.
 */
#include "harness.h"
#include "fixtures.h"

#include <limits.h>

static void test_strings(void)
{
	struct btf *btf = btf__new_empty();
	__u32 before, after;

	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_ERRNO(btf__find_str(btf, "int"), ENOENT);
	ASSERT_EQ(btf__add_str(btf, "int"), 1); /* first string goes right after "" */
	ASSERT_EQ(btf__add_str(btf, "int"), 1); /* deduplicated */
	ASSERT_EQ(btf__find_str(btf, "int"), 1);
	ASSERT_EQ(btf__add_str(btf, "long"), 5);
	ASSERT_EQ(btf__find_str(btf, "long"), 5);
	ASSERT_EQ(btf__add_str(btf, ""), 0);
	ASSERT_EQ(btf__find_str(btf, ""), 0);
	ASSERT_STREQ(btf__str_by_offset(btf, 1), "int");
	ASSERT_STREQ(btf__name_by_offset(btf, 5), "long");
	/* a suffix of an existing string is a string of its own: not found until added */
	ASSERT_ERRNO(btf__find_str(btf, "nt"), ENOENT);
	btf__raw_data(btf, &before);
	ASSERT_EQ(btf__add_str(btf, "nt"), 10);
	btf__raw_data(btf, &after);
	ASSERT_EQ(after, before + 3);
	ASSERT_EQ(btf__type_cnt(btf), 1); /* strings alone add no type */
	btf__free(btf);
}

static void test_add_errors(void)
{
	struct btf *btf = btf__new_empty();
	__u32 size_before, size_after;
	void *raw_before;

	if (!ASSERT_OK_PTR(btf))
		return;
	/* member/value/param/entry calls need the right kind of last type; none yet */
	ASSERT_ERRNO(btf__add_field(btf, "f", 0, 0, 0), EINVAL);
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", 1), EINVAL);
	ASSERT_ERRNO(btf__add_enum64_value(btf, "V", 1), EINVAL);
	ASSERT_ERRNO(btf__add_func_param(btf, "p", 0), EINVAL);
	ASSERT_ERRNO(btf__add_datasec_var_info(btf, 1, 0, 4), EINVAL);

	ASSERT_EQ(btf__add_int(btf, "int", 4, BTF_INT_SIGNED), 1);
	raw_before = harness_raw_copy(btf, &size_before);

	/* INT: name, power-of-2 size up to 16, encoding bits */
	ASSERT_ERRNO(btf__add_int(btf, "bad", 7, 0), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, "bad", 0, 0), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, "bad", 32, 0), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, "bad", 3, 0), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, "bad", 4, 123), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, "bad", 4, 8), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, NULL, 4, 0), EINVAL);
	ASSERT_ERRNO(btf__add_int(btf, "", 4, 0), EINVAL);
	/* FLOAT: name, size in {2, 4, 8, 12, 16} */
	ASSERT_ERRNO(btf__add_float(btf, "f", 0), EINVAL);
	ASSERT_ERRNO(btf__add_float(btf, "f", 1), EINVAL);
	ASSERT_ERRNO(btf__add_float(btf, "f", 3), EINVAL);
	ASSERT_ERRNO(btf__add_float(btf, "f", 6), EINVAL);
	ASSERT_ERRNO(btf__add_float(btf, "f", 32), EINVAL);
	ASSERT_ERRNO(btf__add_float(btf, NULL, 4), EINVAL);
	ASSERT_ERRNO(btf__add_float(btf, "", 4), EINVAL);
	/* reference kinds: negative ids */
	ASSERT_ERRNO(btf__add_ptr(btf, -1), EINVAL);
	ASSERT_ERRNO(btf__add_const(btf, -1), EINVAL);
	ASSERT_ERRNO(btf__add_volatile(btf, -2), EINVAL);
	ASSERT_ERRNO(btf__add_restrict(btf, INT_MIN), EINVAL);
	ASSERT_ERRNO(btf__add_array(btf, -1, 1, 1), EINVAL);
	ASSERT_ERRNO(btf__add_array(btf, 1, -1, 1), EINVAL);
	ASSERT_ERRNO(btf__add_typedef(btf, "t", -1), EINVAL);
	ASSERT_ERRNO(btf__add_typedef(btf, NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_typedef(btf, "", 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_tag(btf, NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_tag(btf, "", 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_tag(btf, "t", -1), EINVAL);
	ASSERT_ERRNO(btf__add_type_attr(btf, NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_attr(btf, "", 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_attr(btf, "a", -1), EINVAL);
	/* ENUM / ENUM64 sizes: power of 2, at most 8 */
	ASSERT_ERRNO(btf__add_enum(btf, "e", 0), EINVAL);
	ASSERT_ERRNO(btf__add_enum(btf, "e", 3), EINVAL);
	ASSERT_ERRNO(btf__add_enum(btf, "e", 16), EINVAL);
	ASSERT_ERRNO(btf__add_enum64(btf, "e", 0, false), EINVAL);
	ASSERT_ERRNO(btf__add_enum64(btf, "e", 12, true), EINVAL);
	/* FWD: name, kind */
	ASSERT_ERRNO(btf__add_fwd(btf, NULL, BTF_FWD_STRUCT), EINVAL);
	ASSERT_ERRNO(btf__add_fwd(btf, "", BTF_FWD_UNION), EINVAL);
	ASSERT_ERRNO(btf__add_fwd(btf, "x", (enum btf_fwd_kind)3), EINVAL);
	ASSERT_ERRNO(btf__add_fwd(btf, "x", (enum btf_fwd_kind)-1), EINVAL);
	/* FUNC: name, linkage, proto id */
	ASSERT_ERRNO(btf__add_func(btf, NULL, BTF_FUNC_GLOBAL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_func(btf, "", BTF_FUNC_GLOBAL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_func(btf, "f", (enum btf_func_linkage)3, 1), EINVAL);
	ASSERT_ERRNO(btf__add_func(btf, "f", (enum btf_func_linkage)-1, 1), EINVAL);
	ASSERT_ERRNO(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, -1), EINVAL);
	ASSERT_ERRNO(btf__add_func_proto(btf, -1), EINVAL);
	/* VAR: name, linkage, type */
	ASSERT_ERRNO(btf__add_var(btf, NULL, BTF_VAR_STATIC, 1), EINVAL);
	ASSERT_ERRNO(btf__add_var(btf, "", BTF_VAR_STATIC, 1), EINVAL);
	ASSERT_ERRNO(btf__add_var(btf, "v", 3, 1), EINVAL);
	ASSERT_ERRNO(btf__add_var(btf, "v", -1, 1), EINVAL);
	ASSERT_ERRNO(btf__add_var(btf, "v", BTF_VAR_STATIC, -1), EINVAL);
	/* DATASEC: name */
	ASSERT_ERRNO(btf__add_datasec(btf, NULL, 4), EINVAL);
	ASSERT_ERRNO(btf__add_datasec(btf, "", 4), EINVAL);
	/* DECL_TAG: value, component index >= -1, type */
	ASSERT_ERRNO(btf__add_decl_tag(btf, NULL, 1, -1), EINVAL);
	ASSERT_ERRNO(btf__add_decl_tag(btf, "", 1, -1), EINVAL);
	ASSERT_ERRNO(btf__add_decl_tag(btf, "t", 1, -2), EINVAL);
	ASSERT_ERRNO(btf__add_decl_tag(btf, "t", -1, 0), EINVAL);
	ASSERT_ERRNO(btf__add_decl_attr(btf, NULL, 1, -1), EINVAL);
	ASSERT_ERRNO(btf__add_decl_attr(btf, "", 1, -1), EINVAL);
	ASSERT_ERRNO(btf__add_decl_attr(btf, "a", 1, INT_MIN), EINVAL);
	ASSERT_ERRNO(btf__add_decl_attr(btf, "a", -1, -1), EINVAL);
	/* still no struct/enum/proto/datasec last */
	ASSERT_ERRNO(btf__add_field(btf, "f", 1, 0, 0), EINVAL);
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", 1), EINVAL);
	ASSERT_ERRNO(btf__add_enum64_value(btf, "V", 1), EINVAL);
	ASSERT_ERRNO(btf__add_func_param(btf, "p", 1), EINVAL);
	ASSERT_ERRNO(btf__add_datasec_var_info(btf, 1, 0, 4), EINVAL);

	/* none of that changed anything */
	ASSERT_EQ(btf__type_cnt(btf), 2);
	{
		const void *raw_after = btf__raw_data(btf, &size_after);

		if (ASSERT_EQ(size_after, size_before))
			ASSERT_MEMEQ(raw_after, raw_before, size_before);
	}
	free(raw_before);

	/* members: struct, field errors */
	ASSERT_EQ(btf__add_struct(btf, "s", 8), 2);
	ASSERT_ERRNO(btf__add_field(btf, "f", -1, 0, 0), EINVAL);
	ASSERT_ERRNO(btf__add_field(btf, "f", 1, 3, 0), EINVAL);        /* unaligned, no size */
	ASSERT_ERRNO(btf__add_field(btf, "f", 1, 0, 256), EINVAL);      /* bitfield too wide */
	ASSERT_ERRNO(btf__add_field(btf, "f", 1, 0x1000000, 1), EINVAL); /* bitfield offset */
	ASSERT_EQ(btf__add_field(btf, "f", 1, 0xffffff, 255), 0);        /* the limits themselves */
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", 1), EINVAL);          /* struct is not an enum */
	ASSERT_ERRNO(btf__add_func_param(btf, "p", 1), EINVAL);
	ASSERT_ERRNO(btf__add_datasec_var_info(btf, 1, 0, 4), EINVAL);
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 2)->info));

	/* unions: members only at offset 0 */
	ASSERT_EQ(btf__add_union(btf, "u", 4), 3);
	ASSERT_ERRNO(btf__add_field(btf, "m", 1, 8, 0), EINVAL);
	ASSERT_ERRNO(btf__add_field(btf, "m", 1, 32, 0), EINVAL);
	ASSERT_EQ(btf__add_field(btf, "m", 1, 0, 0), 0);
	ASSERT_FALSE(BTF_INFO_KFLAG(btf__type_by_id(btf, 3)->info));

	/* enum values: [INT_MIN, UINT_MAX], names required */
	ASSERT_EQ(btf__add_enum(btf, "e", 4), 4);
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", (long long)UINT_MAX + 1), E2BIG);
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", (long long)INT_MIN - 1), E2BIG);
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", INT64_MAX), E2BIG);
	ASSERT_ERRNO(btf__add_enum_value(btf, NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_enum_value(btf, "", 1), EINVAL);
	ASSERT_ERRNO(btf__add_enum64_value(btf, "V", 1), EINVAL); /* ENUM is not ENUM64 */
	ASSERT_EQ(btf__add_enum_value(btf, "LO", INT_MIN), 0);
	ASSERT_EQ(btf__add_enum_value(btf, "HI", UINT_MAX), 0);
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 4)->info)); /* a negative value: signed */

	ASSERT_EQ(btf__add_enum64(btf, "e64", 4, false), 5);
	ASSERT_ERRNO(btf__add_enum_value(btf, "V", 1), EINVAL);    /* ENUM64 is not ENUM */
	ASSERT_ERRNO(btf__add_enum64_value(btf, NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_enum64_value(btf, "", 1), EINVAL);
	ASSERT_EQ(btf__add_enum64_value(btf, "V", 1), 0);

	ASSERT_EQ(btf__add_func_proto(btf, 0), 6);
	ASSERT_ERRNO(btf__add_func_param(btf, "p", -1), EINVAL);
	ASSERT_ERRNO(btf__add_field(btf, "f", 1, 0, 0), EINVAL);
	ASSERT_EQ(btf__add_func_param(btf, "", 0), 0);              /* "" = anonymous */

	ASSERT_EQ(btf__add_datasec(btf, ".bss", 4), 7);
	ASSERT_ERRNO(btf__add_datasec_var_info(btf, -1, 0, 4), EINVAL);
	ASSERT_EQ(btf__add_datasec_var_info(btf, 1, 0, 4), 0);

	VALIDATE_RAW(btf,
		     "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
		     "[2] STRUCT 's' size=8 vlen=1\n"
		     "\t'f' type_id=1 bits_offset=16777215 bitfield_size=255",
		     "[3] UNION 'u' size=4 vlen=1\n\t'm' type_id=1 bits_offset=0",
		     "[4] ENUM 'e' encoding=SIGNED size=4 vlen=2\n"
		     "\t'LO' val=-2147483648\n\t'HI' val=-1",
		     "[5] ENUM64 'e64' encoding=UNSIGNED size=4 vlen=1\n\t'V' val=1",
		     "[6] FUNC_PROTO '(anon)' ret_type_id=0 vlen=1\n\t'(anon)' type_id=0",
		     "[7] DATASEC '.bss' size=4 vlen=1\n\ttype_id=1 offset=0 size=4");
	btf__free(btf);
}

/* Values are range-checked against 32 bits, not the enum's size; a split's own member calls
 * look at its own last type only; appending a split to itself. */
static void test_add_more(void)
{
	struct btf *btf = btf__new_empty(), *base = fixture_small_base(), *split = NULL;

	if (!ASSERT_OK_PTR(btf) || !ASSERT_OK_PTR(base))
		goto out;
	ASSERT_EQ(btf__add_enum(btf, "e1", 1), 1);
	ASSERT_OK(btf__add_enum_value(btf, "WIDE", 300));
	ASSERT_STREQ(btf_raw_text(btf, 1),
		     "[1] ENUM 'e1' encoding=UNSIGNED size=1 vlen=1\n\t'WIDE' val=300");

	split = btf__new_empty_split(base);
	if (!ASSERT_OK_PTR(split))
		goto out;
	ASSERT_EQ(btf__add_typedef(split, "t", 3), 4);
	ASSERT_EQ(btf__add_ptr(split, 4), 5);
	ASSERT_EQ(btf__add_btf(split, split), 6);
	VALIDATE_RAW(split, SMALL_BASE_TEXT,
		     "[4] TYPEDEF 't' type_id=3",
		     "[5] PTR '(anon)' type_id=4",
		     "[6] TYPEDEF 't' type_id=3",
		     "[7] PTR '(anon)' type_id=6");
out:
	btf__free(split);
	btf__free(base);
	btf__free(btf);
}

static void check_header(const void *raw, __u32 size)
{
	const struct btf_header *hdr = raw;

	if (!ASSERT_GE(size, sizeof(*hdr)))
		return;
	ASSERT_EQ(hdr->magic, BTF_MAGIC);
	ASSERT_EQ(hdr->version, BTF_VERSION);
	ASSERT_EQ(hdr->flags, 0);
	ASSERT_EQ(hdr->hdr_len, sizeof(*hdr));
	ASSERT_EQ(hdr->type_off, 0);
	ASSERT_EQ(hdr->str_off, hdr->type_len);
	ASSERT_EQ(size, hdr->hdr_len + hdr->type_len + hdr->str_len);
	ASSERT_EQ(((const char *)raw)[hdr->hdr_len + hdr->str_off], '\0');
	ASSERT_EQ(((const char *)raw)[size - 1], '\0');
}

static void test_all_kinds(void)
{
	struct btf *btf = fixture_all_kinds(true), *copy;
	const void *raw, *raw2;
	__u32 size, size2;
	int i;

	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_EQ(btf__type_cnt(btf), ALL_KINDS_CNT + 1);
	ASSERT_EQ(btf__pointer_size(btf), sizeof(void *));
	harness_validate_raw(__FILE__, __LINE__, btf, ALL_KINDS_CNT, all_kinds_text);

	/* kind flags: bitfield struct/union, type/decl attributes, signed enums */
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 15)->info));
	ASSERT_FALSE(BTF_INFO_KFLAG(btf__type_by_id(btf, 16)->info));
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 17)->info));
	ASSERT_FALSE(BTF_INFO_KFLAG(btf__type_by_id(btf, 18)->info));
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 19)->info));
	ASSERT_FALSE(BTF_INFO_KFLAG(btf__type_by_id(btf, 22)->info));
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 23)->info));
	ASSERT_FALSE(BTF_INFO_KFLAG(btf__type_by_id(btf, 34)->info));
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 36)->info));
	ASSERT_FALSE(BTF_INFO_KFLAG(btf__type_by_id(btf, 37)->info));
	ASSERT_TRUE(BTF_INFO_KFLAG(btf__type_by_id(btf, 38)->info));
	/* the FWD enum is a plain 4-byte ENUM; the VAR linkage word; array size word is 0 */
	ASSERT_EQ(btf__type_by_id(btf, 24)->size, 4);
	ASSERT_EQ(((const struct btf_var *)(btf__type_by_id(btf, 32) + 1))->linkage,
		  BTF_VAR_GLOBAL_EXTERN);
	ASSERT_EQ(btf__type_by_id(btf, 14)->size, 0);

	/* raw data: a well-formed v1 BTF that parses back to the same types and bytes */
	raw = btf__raw_data(btf, &size);
	if (!ASSERT_OK_PTR(raw))
		goto out;
	check_header(raw, size);
	ASSERT_TRUE(btf__raw_data(btf, &size2) == raw);  /* cached until modified */
	ASSERT_TRUE(btf__get_raw_data(btf, &size2) == raw);
	ASSERT_EQ(size2, size);
	copy = btf__new(raw, size);
	if (ASSERT_OK_PTR(copy)) {
		harness_validate_raw(__FILE__, __LINE__, copy, ALL_KINDS_CNT, all_kinds_text);
		raw2 = btf__raw_data(copy, &size2);
		if (ASSERT_EQ(size2, size))
			ASSERT_MEMEQ(raw2, raw, size);
		btf__free(copy);
	}

	/* a modification rebuilds the raw data */
	ASSERT_EQ(btf__add_int(btf, "long", 8, BTF_INT_SIGNED), ALL_KINDS_CNT + 1);
	raw2 = btf__raw_data(btf, &size2);
	if (ASSERT_OK_PTR(raw2)) {
		ASSERT_EQ(size2, size + sizeof(struct btf_type) + 4 + strlen("long") + 1);
		check_header(raw2, size2);
	}
	/* every type id above the count is out of range */
	for (i = ALL_KINDS_CNT + 2; i < ALL_KINDS_CNT + 5; i++)
		ASSERT_PTR_ERRNO(btf__type_by_id(btf, i), EINVAL);
out:
	btf__free(btf);
}

/* btf__add_type copies one record as is: strings re-interned, type ids left alone. */
static void test_add_type(void)
{
	struct btf *src = fixture_all_kinds(false), *dst = btf__new_empty();
	int i, id;

	if (!ASSERT_OK_PTR(src) || !ASSERT_OK_PTR(dst))
		goto out;
	/* copy every type in order: the copy is the source again, id for id */
	for (i = 1; i <= ALL_KINDS_CNT; i++) {
		id = btf__add_type(dst, src, btf__type_by_id(src, i));
		if (!ASSERT_EQ(id, i))
			goto out;
	}
	harness_validate_raw(__FILE__, __LINE__, dst, ALL_KINDS_CNT, all_kinds_text);

	/* copying a type of the object into itself */
	id = btf__add_type(dst, dst, btf__type_by_id(dst, 15));
	ASSERT_EQ(id, ALL_KINDS_CNT + 1);
	ASSERT_STREQ(btf_raw_text(dst, id),
		     "[39] STRUCT 's1' size=16 vlen=3\n"
		     "\t'a' type_id=1 bits_offset=0\n"
		     "\t'b' type_id=2 bits_offset=32 bitfield_size=3\n"
		     "\t'(anon)' type_id=9 bits_offset=64");
	btf__free(dst);

	/* into an object with other strings: ids stay, names resolve in the destination */
	dst = btf__new_empty();
	if (!ASSERT_OK_PTR(dst))
		goto out;
	ASSERT_EQ(btf__add_str(dst, "zzz"), 1);
	ASSERT_EQ(btf__add_type(dst, src, btf__type_by_id(src, 26)), 1);
	ASSERT_EQ(btf__add_type(dst, src, btf__type_by_id(src, 33)), 2);
	/* void is no record of a known kind */
	ASSERT_ERRNO(btf__add_type(dst, src, btf__type_by_id(src, 0)), EINVAL);
	ASSERT_STREQ(btf_raw_text(dst, 1),
		     "[1] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'p1' type_id=1\n"
		     "\t'(anon)' type_id=9");
	ASSERT_STREQ(btf_raw_text(dst, 2),
		     "[2] DATASEC '.data' size=12 vlen=2\n\ttype_id=30 offset=0 size=4\n"
		     "\ttype_id=31 offset=4 size=4");
	ASSERT_EQ(btf__type_cnt(dst), 3);
	ASSERT_EQ(btf__find_str(dst, "p1"), 5);
	ASSERT_EQ(btf__find_str(dst, ".data"), 8);
out:
	btf__free(src);
	btf__free(dst);
}

/* btf__add_btf: every type of the source appended, ids shifted, strings shared. */
static void test_add_btf(void)
{
	struct btf *a = fixture_all_kinds(false), *b = fixture_all_kinds(false);
	const struct btf_header *hdr;
	__u32 size, str_len;
	int shift = ALL_KINDS_CNT;

	if (!ASSERT_OK_PTR(a) || !ASSERT_OK_PTR(b))
		goto out;
	hdr = btf__raw_data(a, &size);
	str_len = hdr->str_len;

	ASSERT_EQ(btf__add_btf(a, b), ALL_KINDS_CNT + 1);
	ASSERT_EQ(btf__type_cnt(a), 2 * ALL_KINDS_CNT + 1);
	/* the first copy is untouched */
	harness_validate_types(__FILE__, __LINE__, a, ALL_KINDS_CNT, all_kinds_text);
	/* the second copy: references moved by 38, names the same */
	ASSERT_STREQ(btf_raw_text(a, 1 + shift),
		     "[39] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED");
	ASSERT_STREQ(btf_raw_text(a, 10 + shift), "[48] CONST '(anon)' type_id=50");
	ASSERT_STREQ(btf_raw_text(a, 13 + shift), "[51] PTR '(anon)' type_id=0");
	ASSERT_STREQ(btf_raw_text(a, 14 + shift),
		     "[52] ARRAY '(anon)' type_id=47 index_type_id=39 nr_elems=16");
	ASSERT_STREQ(btf_raw_text(a, 15 + shift),
		     "[53] STRUCT 's1' size=16 vlen=3\n"
		     "\t'a' type_id=39 bits_offset=0\n"
		     "\t'b' type_id=40 bits_offset=32 bitfield_size=3\n"
		     "\t'(anon)' type_id=47 bits_offset=64");
	ASSERT_STREQ(btf_raw_text(a, 26 + shift),
		     "[64] FUNC_PROTO '(anon)' ret_type_id=39 vlen=2\n"
		     "\t'p1' type_id=39\n\t'(anon)' type_id=47");
	ASSERT_STREQ(btf_raw_text(a, 27 + shift), "[65] FUNC 'f' type_id=64 linkage=global");
	ASSERT_STREQ(btf_raw_text(a, 33 + shift),
		     "[71] DATASEC '.data' size=12 vlen=2\n"
		     "\ttype_id=68 offset=0 size=4\n\ttype_id=69 offset=4 size=4");
	ASSERT_STREQ(btf_raw_text(a, 34 + shift),
		     "[72] DECL_TAG 'tag1' type_id=53 component_idx=-1");
	ASSERT_STREQ(btf_raw_text(a, 38 + shift), "[76] TYPE_TAG 'ta' type_id=47");
	/* no string was new */
	hdr = btf__raw_data(a, &size);
	if (ASSERT_OK_PTR(hdr))
		ASSERT_EQ(hdr->str_len, str_len);
	/* the source is unchanged */
	harness_validate_raw(__FILE__, __LINE__, b, ALL_KINDS_CNT, all_kinds_text);

	/* appending an object to itself doubles it */
	ASSERT_EQ(btf__add_btf(b, b), ALL_KINDS_CNT + 1);
	ASSERT_EQ(btf__type_cnt(b), 2 * ALL_KINDS_CNT + 1);
	ASSERT_STREQ(btf_raw_text(b, 15 + shift), btf_raw_text(a, 15 + shift));
	/* an empty source adds nothing and returns the next id */
	{
		struct btf *empty = btf__new_empty();

		ASSERT_EQ(btf__add_btf(b, empty), 2 * ALL_KINDS_CNT + 1);
		ASSERT_EQ(btf__type_cnt(b), 2 * ALL_KINDS_CNT + 1);
		btf__free(empty);
	}
out:
	btf__free(a);
	btf__free(b);
}

/* A base BTF for permuting: every kind with references between them. */
static struct btf *permute_base(void)
{
	struct btf *btf = btf__new_empty();

	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);  /* 1 */
	btf__add_ptr(btf, 1);                         /* 2 */
	btf__add_struct(btf, "s", 16);                /* 3 */
	btf__add_field(btf, "m", 1, 0, 0);
	btf__add_field(btf, "p", 2, 64, 0);
	btf__add_typedef(btf, "t", 3);                /* 4 */
	btf__add_func_proto(btf, 1);                  /* 5 */
	btf__add_func_param(btf, "x", 2);
	btf__add_func(btf, "f", BTF_FUNC_GLOBAL, 5);  /* 6 */
	return btf;
}

#define PERMUTE_BASE_TEXT                                                                      \
	"[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",                        \
	"[2] PTR '(anon)' type_id=1",                                                           \
	"[3] STRUCT 's' size=16 vlen=2\n\t'm' type_id=1 bits_offset=0\n"                       \
	"\t'p' type_id=2 bits_offset=64",                                                       \
	"[4] TYPEDEF 't' type_id=3",                                                            \
	"[5] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'x' type_id=2",                       \
	"[6] FUNC 'f' type_id=5 linkage=global"

/* btf__permute must fail with `err` and leave `btf` byte for byte as it was. */
#define PERMUTE_FAILS(btf, map, cnt, opts, err)                                                \
	({                                                                                     \
		__u32 _sz0, _sz1;                                                              \
		void *_before = harness_raw_copy(btf, &_sz0);                                  \
		const void *_after;                                                            \
		ASSERT_ERRNO(btf__permute(btf, map, cnt, opts), err);                          \
		_after = btf__raw_data(btf, &_sz1);                                            \
		if (ASSERT_EQ(_sz1, _sz0))                                                     \
			ASSERT_MEMEQ(_after, _before, _sz0);                                   \
		free(_before);                                                                 \
	})

static void test_permute_base(void)
{
	struct btf *btf = permute_base();
	__u32 reverse[7] = { 0, 6, 5, 4, 3, 2, 1 };
	__u32 bad0[7] = { 1, 6, 5, 4, 3, 2, 1 };   /* [0] must stay 0 */
	__u32 dup[7] = { 0, 1, 1, 3, 4, 5, 6 };    /* two types to id 1 */
	__u32 high[7] = { 0, 7, 2, 3, 4, 5, 6 };   /* beyond the last id */
	__u32 zero[7] = { 0, 0, 2, 3, 4, 5, 6 };   /* to void */
	__u32 ident[7] = { 0, 1, 2, 3, 4, 5, 6 };
	__u32 longer[8] = { 0, 6, 5, 4, 3, 2, 1, 7 };
	struct {
		struct btf_permute_opts opts;
		__u64 tail;
	} big = { .opts = { .sz = sizeof(big) }, .tail = 1 };
	struct btf_permute_opts small = { .sz = 4 };

	if (!ASSERT_OK_PTR(btf))
		return;
	VALIDATE_RAW(btf, PERMUTE_BASE_TEXT);

	PERMUTE_FAILS(btf, bad0, 7, NULL, EINVAL);
	PERMUTE_FAILS(btf, reverse, 6, NULL, EINVAL); /* count must be type_cnt */
	PERMUTE_FAILS(btf, longer, 8, NULL, EINVAL);
	/* a count beyond the caller's array is refused before the map is read (valgrind and ASan
	 * would report a read past this heap block) */
	{
		__u32 *exact = malloc(sizeof(reverse));

		if (ASSERT_OK_PTR(exact)) {
			memcpy(exact, reverse, sizeof(reverse));
			PERMUTE_FAILS(btf, exact, 8, NULL, EINVAL);
			PERMUTE_FAILS(btf, exact, 1000000, NULL, EINVAL);
		}
		free(exact);
	}
	PERMUTE_FAILS(btf, dup, 7, NULL, EINVAL);
	PERMUTE_FAILS(btf, high, 7, NULL, EINVAL);
	PERMUTE_FAILS(btf, zero, 7, NULL, EINVAL);
	PERMUTE_FAILS(btf, ident, 7, &small, EINVAL);                   /* sz too small */
	PERMUTE_FAILS(btf, ident, 7, &big.opts, EINVAL);                /* non-zero tail */
	VALIDATE_RAW(btf, PERMUTE_BASE_TEXT);

	/* a bigger struct with a zero tail is fine; the identity changes nothing */
	big.tail = 0;
	ASSERT_OK(btf__permute(btf, ident, 7, &big.opts));
	VALIDATE_RAW(btf, PERMUTE_BASE_TEXT);

	ASSERT_OK(btf__permute(btf, reverse, 7, NULL));
	VALIDATE_RAW(btf,
		     "[1] FUNC 'f' type_id=2 linkage=global",
		     "[2] FUNC_PROTO '(anon)' ret_type_id=6 vlen=1\n\t'x' type_id=5",
		     "[3] TYPEDEF 't' type_id=4",
		     "[4] STRUCT 's' size=16 vlen=2\n\t'm' type_id=6 bits_offset=0\n"
		     "\t'p' type_id=5 bits_offset=64",
		     "[5] PTR '(anon)' type_id=6",
		     "[6] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED");
	/* lookups follow the new ids */
	ASSERT_EQ(btf__find_by_name(btf, "int"), 6);
	ASSERT_EQ(btf__find_by_name_kind(btf, "s", BTF_KIND_STRUCT), 4);
	ASSERT_EQ(btf__find_by_name(btf, "f"), 1);
	ASSERT_EQ(btf__resolve_size(btf, 3), 16);
	ASSERT_EQ(btf__resolve_type(btf, 3), 4);
	/* and the permuted object survives a round trip */
	{
		__u32 size;
		const void *raw = btf__raw_data(btf, &size);
		struct btf *copy = btf__new(raw, size);

		if (ASSERT_OK_PTR(copy))
			ASSERT_STREQ(btf_raw_text(copy, 4), btf_raw_text(btf, 4));
		btf__free(copy);
	}
	/* and back */
	ASSERT_OK(btf__permute(btf, reverse, 7, NULL));
	VALIDATE_RAW(btf, PERMUTE_BASE_TEXT);

	btf__free(btf);
}

static void test_permute_split(void)
{
	struct btf *base = fixture_small_base(), *split = NULL;
	/* own ids are 4..6; the map is indexed by old id - 4 */
	__u32 map[3] = { 6, 4, 5 };     /* 4 -> 6, 5 -> 4, 6 -> 5 */
	__u32 to_base[3] = { 6, 2, 5 };
	__u32 dup[3] = { 6, 6, 5 };
	__u32 high[3] = { 6, 4, 7 };
	__u32 full[7] = { 0, 1, 2, 3, 6, 4, 5 };

	if (!ASSERT_OK_PTR(base))
		return;
	split = btf__new_empty_split(base);
	if (!ASSERT_OK_PTR(split))
		goto out;
	ASSERT_EQ(btf__add_struct(split, "s2", 16), 4);
	ASSERT_OK(btf__add_field(split, "a", 1, 0, 0));
	ASSERT_OK(btf__add_field(split, "b", 5, 64, 0));
	ASSERT_EQ(btf__add_ptr(split, 4), 5);
	ASSERT_EQ(btf__add_typedef(split, "td", 5), 6);

	PERMUTE_FAILS(split, map, 2, NULL, EINVAL);
	PERMUTE_FAILS(split, full, 7, NULL, EINVAL); /* base ids are not in the map */
	PERMUTE_FAILS(split, to_base, 3, NULL, EINVAL);
	PERMUTE_FAILS(split, dup, 3, NULL, EINVAL);
	PERMUTE_FAILS(split, high, 3, NULL, EINVAL);

	ASSERT_OK(btf__permute(split, map, 3, NULL));
	VALIDATE_RAW(split, SMALL_BASE_TEXT,
		     "[4] PTR '(anon)' type_id=6",
		     "[5] TYPEDEF 'td' type_id=4",
		     "[6] STRUCT 's2' size=16 vlen=2\n\t'a' type_id=1 bits_offset=0\n"
		     "\t'b' type_id=4 bits_offset=64");
	ASSERT_EQ(btf__find_by_name(split, "s2"), 6);
	ASSERT_EQ(btf__find_by_name(split, "td"), 5);
	ASSERT_EQ(btf__find_by_name(split, "s1"), 3);
	/* the base is not touched */
	VALIDATE_RAW(base, SMALL_BASE_TEXT);
out:
	btf__free(split);
	btf__free(base);
}

/* Issue 12: input libbpf accepts but would never write — split BTF whose hdr_len is 0 (its string
 * section overlaps the header), base BTF with a gap before its strings — gives its bytes back
 * while unmodified; after a modification btf__raw_data is the canonical layout, which parses
 * again. (libbpf 1.7.0 reads past its copy of the 0-byte header for the first, and keeps the
 * stale str_off for the second: those checks are libbtf's only.) */
static void put32(unsigned char *p, __u32 v)
{
	memcpy(p, &v, 4);
}

static void test_noncanonical_rebuilt(void)
{
	struct btf *base = btf__new_empty(), *split, *gapped;
	unsigned char data[28], *gap;
	const unsigned char *raw;
	__u32 size, base_size;

	ASSERT_GT(btf__add_int(base, "int", 4, BTF_INT_SIGNED), 0);
	memset(data, 0, sizeof(data));
	put32(data, 0x0001eb9f); /* magic, version 1 (little-endian host) */
	put32(data + 20, 28);    /* str_len: the whole input, header included */
	memcpy(data + 24, "abc", 4);
	split = btf__new_split(data, sizeof(data), base);
	ASSERT_OK_PTR(split);
	raw = btf__raw_data(split, &size);
	ASSERT_TRUE(size == sizeof(data) && memcmp(raw, data, size) == 0);
#ifndef HARNESS_REF_LIBBPF
	struct btf *again;
	int id = btf__add_int(split, "x", 4, 0);

	ASSERT_EQ(id, 2);
	raw = btf__raw_data(split, &size);
	ASSERT_OK_PTR(raw);
	ASSERT_EQ(((const __u32 *)raw)[1], 24);
	again = btf__new_split(raw, size, base);
	ASSERT_OK_PTR(again);
	if (again) {
		ASSERT_EQ(btf__type_cnt(again), 3);
		ASSERT_TRUE(strcmp(btf__name_by_offset(again, btf__type_by_id(again, 2)->name_off),
				   "x") == 0);
		btf__free(again);
	}
#endif
	btf__free(split);

	/* The base with 8 junk bytes between its types and strings. */
	raw = btf__raw_data(base, &base_size);
	gap = calloc(1, base_size + 8);
	memcpy(gap, raw, 24 + ((const __u32 *)raw)[3]);
	memset(gap + 24 + ((const __u32 *)raw)[3], 0xdd, 8);
	memcpy(gap + 24 + ((const __u32 *)raw)[3] + 8, raw + 24 + ((const __u32 *)raw)[3],
	       ((const __u32 *)raw)[5]);
	put32(gap + 16, ((const __u32 *)raw)[4] + 8);
	gapped = btf__new(gap, base_size + 8);
	ASSERT_OK_PTR(gapped);
	raw = btf__raw_data(gapped, &size);
	ASSERT_TRUE(size == base_size + 8 && memcmp(raw, gap, size) == 0);
	ASSERT_GT(btf__add_str(gapped, "new"), 0);
#ifndef HARNESS_REF_LIBBPF
	struct btf *again2;

	raw = btf__raw_data(gapped, &size);
	ASSERT_EQ(((const __u32 *)raw)[4], ((const __u32 *)raw)[3]); /* str_off == type_len */
	again2 = btf__new(raw, size);
	ASSERT_OK_PTR(again2);
	if (again2) {
		ASSERT_GT(btf__find_str(again2, "new"), 0);
		btf__free(again2);
	}
#endif
	btf__free(gapped);
	free(gap);
	btf__free(base);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_strings();
	test_add_errors();
	test_add_more();
	test_all_kinds();
	test_add_type();
	test_add_btf();
	test_permute_base();
	test_permute_split();
	if (*(const unsigned char *)&(__u32){ 1 }) /* the hand-made inputs are little-endian */
		test_noncanonical_rebuilt();
	return harness_done();
}
