/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Reading BTF: type count and records, strings by offset (in and out of range), name lookups,
 * btf__resolve_size / resolve_type / align_of on every kind, pointer size (guessed, set, inherited),
 * byte order getters and setters, raw data, fd getter/setter, base of split BTF.
 * Most checks run on test-data/small.btf (pahole output for a small C file; types listed in
 * test-data/README.md and dumped by `bpftool btf dump file test-data/small.btf format raw`).
 */
#include "harness.h"
#include "fixtures.h"

/* ids in small.btf */
enum {
	S_UCHAR = 1, S_UINT = 3, S_ULONG = 4, S_INT = 7, S_LONG = 8, S_VOLATILE_LONG = 9,
	S_U64_T_INNER = 10, S_VOID_PTR = 11, S_CHAR = 12, S_CONST_CHAR = 13, S_UINT64_T = 14,
	S_LIST = 15, S_LIST_PTR = 16, S_COLOR = 17, S_CB_T = 18, S_FN_PTR = 19, S_PROTO = 20,
	S_UNION_U = 23, S_CHAR_ARR = 26, S_POINT = 27, S_ANON_STRUCT = 28, S_THING = 29,
	S_POINTS_ARR = 30, S_FLEX_ARR = 33, S_FUNC_USE = 36, S_COUNT = 37,
};

static struct btf *load_small(void)
{
	struct btf *btf = btf__parse_raw(TEST_DATA("small.btf"));

	ASSERT_OK_PTR(btf);
	return btf;
}

static void test_types_and_strings(struct btf *btf)
{
	const struct btf_type *t;
	const struct btf_header *hdr;
	__u32 size;

	ASSERT_EQ(btf__type_cnt(btf), S_COUNT);
	ASSERT_NULL(btf__base_btf(btf));

	/* id 0: void, an all-zero record */
	t = btf__type_by_id(btf, 0);
	if (ASSERT_OK_PTR(t)) {
		ASSERT_EQ(t->name_off, 0);
		ASSERT_EQ(t->info, 0);
		ASSERT_EQ(t->size, 0);
	}
	t = btf__type_by_id(btf, S_THING);
	if (ASSERT_OK_PTR(t)) {
		ASSERT_EQ(BTF_INFO_KIND(t->info), BTF_KIND_STRUCT);
		ASSERT_EQ(BTF_INFO_VLEN(t->info), 12);
		ASSERT_EQ(t->size, 104);
		ASSERT_STREQ(btf__name_by_offset(btf, t->name_off), "thing");
		/* the members follow the header, C-style */
		ASSERT_STREQ(btf__name_by_offset(btf, ((const struct btf_member *)(t + 1))[11].name_off),
			     "big");
	}
	ASSERT_STREQ(btf_raw_text(btf, S_COLOR),
		     "[17] ENUM 'color' encoding=SIGNED size=4 vlen=3\n"
		     "\t'RED' val=0\n\t'GREEN' val=5\n\t'BLUE' val=-1");
	ASSERT_STREQ(btf_raw_text(btf, S_FUNC_USE), "[36] FUNC 'use' type_id=35 linkage=static");

	/* out of range ids */
	ASSERT_PTR_ERRNO(btf__type_by_id(btf, S_COUNT), EINVAL);
	ASSERT_PTR_ERRNO(btf__type_by_id(btf, S_COUNT + 1), EINVAL);
	ASSERT_PTR_ERRNO(btf__type_by_id(btf, 0x7fffffff), EINVAL);
	ASSERT_PTR_ERRNO(btf__type_by_id(btf, UINT32_MAX), EINVAL);

	/* strings: offset 0 is "", the last byte is the final NUL, past it is out of range */
	hdr = btf__raw_data(btf, &size);
	if (!ASSERT_OK_PTR(hdr))
		return;
	ASSERT_STREQ(btf__str_by_offset(btf, 0), "");
	ASSERT_STREQ(btf__name_by_offset(btf, 0), "");
	ASSERT_STREQ(btf__str_by_offset(btf, 1), "unsigned char");
	ASSERT_STREQ(btf__str_by_offset(btf, 2), "nsigned char"); /* any offset inside a string */
	ASSERT_STREQ(btf__str_by_offset(btf, hdr->str_len - 1), "");
	ASSERT_PTR_ERRNO(btf__str_by_offset(btf, hdr->str_len), EINVAL);
	ASSERT_PTR_ERRNO(btf__name_by_offset(btf, hdr->str_len), EINVAL);
	ASSERT_PTR_ERRNO(btf__str_by_offset(btf, hdr->str_len + 100), EINVAL);
	ASSERT_PTR_ERRNO(btf__name_by_offset(btf, UINT32_MAX), EINVAL);
}

static void test_find(struct btf *btf)
{
	ASSERT_EQ(btf__find_by_name(btf, "thing"), S_THING);
	ASSERT_EQ(btf__find_by_name(btf, "int"), S_INT);
	ASSERT_EQ(btf__find_by_name(btf, "long unsigned int"), S_ULONG);
	ASSERT_EQ(btf__find_by_name(btf, "use"), S_FUNC_USE);
	ASSERT_EQ(btf__find_by_name(btf, "void"), 0);
	ASSERT_ERRNO(btf__find_by_name(btf, "nope"), ENOENT);
	ASSERT_ERRNO(btf__find_by_name(btf, "thin"), ENOENT);     /* prefix */
	ASSERT_ERRNO(btf__find_by_name(btf, "RED"), ENOENT);      /* enum values are not types */
	ASSERT_ERRNO(btf__find_by_name(btf, "next"), ENOENT);     /* nor are members */
	/* an empty name finds the first anonymous type */
	ASSERT_EQ(btf__find_by_name(btf, ""), S_VOLATILE_LONG);

	ASSERT_EQ(btf__find_by_name_kind(btf, "thing", BTF_KIND_STRUCT), S_THING);
	ASSERT_EQ(btf__find_by_name_kind(btf, "color", BTF_KIND_ENUM), S_COLOR);
	ASSERT_EQ(btf__find_by_name_kind(btf, "cb_t", BTF_KIND_TYPEDEF), S_CB_T);
	ASSERT_EQ(btf__find_by_name_kind(btf, "u", BTF_KIND_UNION), S_UNION_U);
	ASSERT_EQ(btf__find_by_name_kind(btf, "", BTF_KIND_PTR), S_VOID_PTR);
	ASSERT_ERRNO(btf__find_by_name_kind(btf, "thing", BTF_KIND_UNION), ENOENT);
	ASSERT_ERRNO(btf__find_by_name_kind(btf, "int", BTF_KIND_TYPEDEF), ENOENT);
	ASSERT_ERRNO(btf__find_by_name_kind(btf, "nope", BTF_KIND_STRUCT), ENOENT);
	ASSERT_ERRNO(btf__find_by_name_kind(btf, "thing", 100), ENOENT);
	/* kind 0 (UNKN) and the name "void" both mean void */
	ASSERT_EQ(btf__find_by_name_kind(btf, "thing", BTF_KIND_UNKN), 0);
	ASSERT_EQ(btf__find_by_name_kind(btf, "void", BTF_KIND_STRUCT), 0);
}

static void test_resolve(struct btf *btf)
{
	/* sizes */
	ASSERT_EQ(btf__resolve_size(btf, S_UCHAR), 1);
	ASSERT_EQ(btf__resolve_size(btf, S_INT), 4);
	ASSERT_EQ(btf__resolve_size(btf, S_VOLATILE_LONG), 8);
	ASSERT_EQ(btf__resolve_size(btf, S_UINT64_T), 8);     /* typedef of typedef */
	ASSERT_EQ(btf__resolve_size(btf, S_VOID_PTR), 8);
	ASSERT_EQ(btf__resolve_size(btf, S_LIST), 16);
	ASSERT_EQ(btf__resolve_size(btf, S_COLOR), 4);
	ASSERT_EQ(btf__resolve_size(btf, S_CB_T), 8);
	ASSERT_EQ(btf__resolve_size(btf, S_UNION_U), 8);
	ASSERT_EQ(btf__resolve_size(btf, S_CHAR_ARR), 8);
	ASSERT_EQ(btf__resolve_size(btf, S_POINTS_ARR), 32);  /* 4 x struct point */
	ASSERT_EQ(btf__resolve_size(btf, S_FLEX_ARR), 0);     /* [0] */
	ASSERT_EQ(btf__resolve_size(btf, S_THING), 104);
	ASSERT_ERRNO(btf__resolve_size(btf, 0), EINVAL);       /* void */
	ASSERT_ERRNO(btf__resolve_size(btf, S_PROTO), EINVAL);
	ASSERT_ERRNO(btf__resolve_size(btf, S_FUNC_USE), EINVAL);
	ASSERT_ERRNO(btf__resolve_size(btf, S_COUNT), EINVAL);
	ASSERT_ERRNO(btf__resolve_size(btf, UINT32_MAX), EINVAL);

	/* through modifiers and typedefs, not pointers */
	ASSERT_EQ(btf__resolve_type(btf, S_INT), S_INT);
	ASSERT_EQ(btf__resolve_type(btf, S_VOLATILE_LONG), S_LONG);
	ASSERT_EQ(btf__resolve_type(btf, S_UINT64_T), S_ULONG);
	ASSERT_EQ(btf__resolve_type(btf, S_U64_T_INNER), S_ULONG);
	ASSERT_EQ(btf__resolve_type(btf, S_CONST_CHAR), S_CHAR);
	ASSERT_EQ(btf__resolve_type(btf, S_CB_T), S_FN_PTR);
	ASSERT_EQ(btf__resolve_type(btf, S_VOID_PTR), S_VOID_PTR);
	ASSERT_EQ(btf__resolve_type(btf, S_THING), S_THING);
	ASSERT_EQ(btf__resolve_type(btf, S_PROTO), S_PROTO);
	ASSERT_ERRNO(btf__resolve_type(btf, 0), EINVAL);
	ASSERT_ERRNO(btf__resolve_type(btf, S_COUNT), EINVAL);

	/* alignment */
	ASSERT_EQ(btf__align_of(btf, S_UCHAR), 1);
	ASSERT_EQ(btf__align_of(btf, S_INT), 4);
	ASSERT_EQ(btf__align_of(btf, S_LONG), 8);
	ASSERT_EQ(btf__align_of(btf, S_VOLATILE_LONG), 8);
	ASSERT_EQ(btf__align_of(btf, S_UINT64_T), 8);
	ASSERT_EQ(btf__align_of(btf, S_VOID_PTR), 8);
	ASSERT_EQ(btf__align_of(btf, S_COLOR), 4);
	ASSERT_EQ(btf__align_of(btf, S_CHAR_ARR), 1);
	ASSERT_EQ(btf__align_of(btf, S_POINTS_ARR), 4);
	ASSERT_EQ(btf__align_of(btf, S_POINT), 4);
	ASSERT_EQ(btf__align_of(btf, S_ANON_STRUCT), 4);
	ASSERT_EQ(btf__align_of(btf, S_UNION_U), 8);
	ASSERT_EQ(btf__align_of(btf, S_LIST), 8);
	ASSERT_EQ(btf__align_of(btf, S_THING), 8);
	/* kinds without an alignment: 0 and errno EINVAL, not a negative value */
	errno = 0;
	ASSERT_EQ(btf__align_of(btf, S_PROTO), 0);
	ASSERT_EQ(errno, EINVAL);
	errno = 0;
	ASSERT_EQ(btf__align_of(btf, S_FUNC_USE), 0);
	ASSERT_EQ(errno, EINVAL);
	errno = 0;
	ASSERT_EQ(btf__align_of(btf, 0), 0);
	ASSERT_EQ(errno, EINVAL);
#ifndef HARNESS_REF_LIBBPF /* libbpf dereferences the missing type */
	errno = 0;
	ASSERT_EQ(btf__align_of(btf, S_COUNT), 0);
	ASSERT_EQ(errno, EINVAL);
#endif
}

/* Alignment of packed and odd-sized composites, sizes through every modifier kind. */
static void test_layout_built(void)
{
	struct btf *btf = btf__new_empty();
	__s64 sz;

	if (!ASSERT_OK_PTR(btf))
		return;
	btf__add_int(btf, "char", 1, BTF_INT_SIGNED);          /* 1 */
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);           /* 2 */
	btf__add_struct(btf, "packed", 5);                     /* 3: int at byte 1 */
	btf__add_field(btf, "c", 1, 0, 0);
	btf__add_field(btf, "i", 2, 8, 0);
	btf__add_struct(btf, "odd", 6);                        /* 4: size not a multiple of 4 */
	btf__add_field(btf, "i", 2, 0, 0);
	btf__add_struct(btf, "bits", 4);                       /* 5: bitfields don't pack */
	btf__add_field(btf, "a", 2, 0, 3);
	btf__add_field(btf, "b", 2, 3, 7);
	btf__add_float(btf, "double", 8);                      /* 6 */
	btf__add_enum64(btf, "e", 8, false);                   /* 7 */
	btf__add_type_tag(btf, "tag", 6);                      /* 8 */
	btf__add_restrict(btf, 8);                             /* 9 */
	btf__add_array(btf, 2, 9, 3);                          /* 10: 3 x double */
	btf__add_array(btf, 2, 10, 1000);                      /* 11 */
	btf__add_array(btf, 2, 11, 1000000);                   /* 12: 24e9 bytes */
	btf__add_var(btf, "v", BTF_VAR_STATIC, 3);             /* 13 */
	btf__add_decl_tag(btf, "dt", 13, -1);                  /* 14 */
	btf__add_datasec(btf, ".data", 64);                    /* 15 */
	btf__add_fwd(btf, "fw", BTF_FWD_STRUCT);               /* 16 */
	btf__add_typedef(btf, "fwd_t", 16);                    /* 17 */
	btf__add_typedef(btf, "loop", 18);                     /* 18: refers to itself */

	ASSERT_EQ(btf__align_of(btf, 3), 1);
	ASSERT_EQ(btf__align_of(btf, 4), 1);
	ASSERT_EQ(btf__align_of(btf, 5), 4);
	ASSERT_EQ(btf__align_of(btf, 6), 8);
	ASSERT_EQ(btf__align_of(btf, 7), 8);
	ASSERT_EQ(btf__align_of(btf, 8), 8);
	ASSERT_EQ(btf__align_of(btf, 9), 8);
	ASSERT_EQ(btf__align_of(btf, 10), 8);
	errno = 0;
	ASSERT_EQ(btf__align_of(btf, 16), 0);   /* FWD */
	ASSERT_EQ(errno, EINVAL);
	errno = 0;
	ASSERT_EQ(btf__align_of(btf, 13), 0);   /* VAR */
	ASSERT_EQ(errno, EINVAL);

	ASSERT_EQ(btf__resolve_size(btf, 9), 8);
	ASSERT_EQ(btf__resolve_size(btf, 10), 24);
	ASSERT_EQ(btf__resolve_size(btf, 11), 24000);
	ASSERT_ERRNO(btf__resolve_size(btf, 12), E2BIG);   /* over UINT32_MAX */
	ASSERT_EQ(btf__resolve_size(btf, 13), 5);          /* VAR: its type */
	ASSERT_EQ(btf__resolve_size(btf, 14), 5);          /* DECL_TAG: its type */
	ASSERT_EQ(btf__resolve_size(btf, 15), 64);         /* DATASEC: its size */
	ASSERT_ERRNO(btf__resolve_size(btf, 16), EINVAL);  /* FWD */
	ASSERT_ERRNO(btf__resolve_size(btf, 17), EINVAL);  /* typedef of FWD */
	ASSERT_ERRNO(btf__resolve_size(btf, 18), EINVAL);  /* too deep */
	sz = btf__resolve_size(btf, 7);
	ASSERT_EQ(sz, 8);

	ASSERT_EQ(btf__resolve_type(btf, 9), 6);           /* restrict -> type tag -> float */
	ASSERT_EQ(btf__resolve_type(btf, 13), 3);          /* VAR -> its type */
	ASSERT_EQ(btf__resolve_type(btf, 10), 10);         /* arrays stay */
	ASSERT_ERRNO(btf__resolve_type(btf, 17), EINVAL);  /* ends at a FWD: like void */
	ASSERT_ERRNO(btf__resolve_type(btf, 18), EINVAL);  /* loops */
	btf__free(btf);
}

static void test_pointer_size(struct btf *small)
{
	struct btf *btf, *split;
	const void *raw;
	__u32 size;

	/* guessed from "long int" / "long unsigned int" */
	ASSERT_EQ(btf__pointer_size(small), 8);

	/* set explicitly: only 4 or 8 */
	ASSERT_OK(btf__set_pointer_size(small, 4));
	ASSERT_EQ(btf__pointer_size(small), 4);
	ASSERT_EQ(btf__resolve_size(small, S_VOID_PTR), 4);
	ASSERT_EQ(btf__align_of(small, S_VOID_PTR), 4);
	ASSERT_EQ(btf__align_of(small, S_LONG), 4); /* min(pointer size, size) */
	ASSERT_EQ(btf__resolve_size(small, S_LIST), 16); /* struct sizes are recorded, not computed */
	ASSERT_ERRNO(btf__set_pointer_size(small, 0), EINVAL);
	ASSERT_ERRNO(btf__set_pointer_size(small, 2), EINVAL);
	ASSERT_ERRNO(btf__set_pointer_size(small, 16), EINVAL);
	ASSERT_ERRNO(btf__set_pointer_size(small, (size_t)-1), EINVAL);
	ASSERT_ERRNO(btf__set_pointer_size(small, 0x100000008ULL), EINVAL);
	ASSERT_EQ(btf__pointer_size(small), 4);
	ASSERT_OK(btf__set_pointer_size(small, 8));
	ASSERT_EQ(btf__pointer_size(small), 8);

	/* a new object: the host's pointer size */
	btf = btf__new_empty();
	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_EQ(btf__pointer_size(btf), sizeof(void *));

	/* parsed without any "long": unknown (0); pointers then count as the host's size */
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_ptr(btf, 1);
	raw = btf__raw_data(btf, &size);
	split = btf__new(raw, size);
	if (ASSERT_OK_PTR(split)) {
		ASSERT_EQ(btf__pointer_size(split), 0);
		ASSERT_EQ(btf__resolve_size(split, 2), sizeof(void *));
		btf__free(split);
	}
	btf__free(btf);

	/* a 32-bit "long": guessed 4 */
	btf = btf__new_empty();
	btf__add_int(btf, "long", 4, BTF_INT_SIGNED);
	btf__add_ptr(btf, 1);
	raw = btf__raw_data(btf, &size);
	split = btf__new(raw, size);
	if (ASSERT_OK_PTR(split)) {
		ASSERT_EQ(btf__pointer_size(split), 4);
		ASSERT_EQ(btf__resolve_size(split, 2), 4);
		btf__free(split);
	}
	btf__free(btf);

	/* split BTF parsed over a parsed base: the guess looks at base types too */
	split = btf__new_empty();
	btf__add_int(split, "long unsigned int", 4, 0);
	raw = btf__raw_data(split, &size);
	btf = btf__new(raw, size);
	btf__free(split);
	if (!ASSERT_OK_PTR(btf))
		return;
	split = btf__new_empty_split(small);
	if (ASSERT_OK_PTR(split)) {
		btf__add_ptr(split, 1);
		raw = btf__raw_data(split, &size);
		{
			struct btf *parsed = btf__new_split(raw, size, btf);

			if (ASSERT_OK_PTR(parsed))
				ASSERT_EQ(btf__pointer_size(parsed), 4);
			btf__free(parsed);
		}
		btf__free(split);
	}
	btf__free(btf);
}

static void test_endianness_setters(struct btf *small)
{
	enum btf_endianness native = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? BTF_LITTLE_ENDIAN :
										  BTF_BIG_ENDIAN;
	enum btf_endianness other = native == BTF_LITTLE_ENDIAN ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN;
	struct btf *btf = btf__new_empty();

	ASSERT_EQ(btf__endianness(small), native);
	ASSERT_EQ(btf__endianness(btf), native);
	ASSERT_OK(btf__set_endianness(btf, other));
	ASSERT_EQ(btf__endianness(btf), other);
	ASSERT_ERRNO(btf__set_endianness(btf, (enum btf_endianness)2), EINVAL);
	ASSERT_ERRNO(btf__set_endianness(btf, (enum btf_endianness)-1), EINVAL);
	ASSERT_EQ(btf__endianness(btf), other);
	ASSERT_OK(btf__set_endianness(btf, native));
	ASSERT_EQ(btf__endianness(btf), native);
	btf__free(btf);
}

static void test_fd(void)
{
	struct btf *btf = btf__new_empty();
	int fd;

	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_EQ(btf__fd(btf), -1);
	btf__set_fd(btf, 1234);
	ASSERT_EQ(btf__fd(btf), 1234);
	btf__set_fd(btf, -1);
	ASSERT_EQ(btf__fd(btf), -1);

	/* the object owns the fd it was given: btf__free closes it */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (ASSERT_GE(fd, 0)) {
		btf__set_fd(btf, fd);
		ASSERT_EQ(btf__fd(btf), fd);
		ASSERT_GE(fcntl(fd, F_GETFD), 0);
	}
	btf__free(btf);
	if (fd >= 0) {
		errno = 0;
		ASSERT_EQ(fcntl(fd, F_GETFD), -1);
		ASSERT_EQ(errno, EBADF);
	}
}

static void test_raw_data(struct btf *small)
{
	__u32 file_size = 0, size = 0;
	void *file = harness_read_file(TEST_DATA("small.btf"), &file_size);
	const void *raw = btf__raw_data(small, &size);

	if (ASSERT_OK_PTR(file) && ASSERT_OK_PTR(raw) && ASSERT_EQ(size, file_size))
		ASSERT_MEMEQ(raw, file, size);
#ifndef HARNESS_REF_LIBBPF /* libbpf writes through size unconditionally */
	/* size may be NULL */
	ASSERT_TRUE(btf__raw_data(small, NULL) == raw);
#endif
	free(file);
}

/* Split lookups: base types first, then own; ids and string offsets continue the base's. */
static void test_split_lookups(struct btf *small)
{
	struct btf *split = btf__new_empty_split(small);
	const struct btf_header *hdr;
	__u32 size, base_str_len;
	int off;

	if (!ASSERT_OK_PTR(split))
		return;
	ASSERT_TRUE(btf__base_btf(split) == small);
	ASSERT_EQ(btf__type_cnt(split), S_COUNT);
	hdr = btf__raw_data(small, &size);
	/* (libbpf's string calls on the split make the base modifiable: read the header now) */
	base_str_len = hdr->str_len;
	off = btf__add_str(split, "thing"); /* in the base: its offset */
	ASSERT_EQ(off, btf__find_str(small, "thing"));
	off = btf__add_str(split, "only_in_split");
	ASSERT_EQ(off, base_str_len);       /* own strings start after the base's */
	ASSERT_STREQ(btf__str_by_offset(split, off), "only_in_split");
	ASSERT_STREQ(btf__str_by_offset(split, 1), "unsigned char");
	ASSERT_PTR_ERRNO(btf__str_by_offset(small, off), EINVAL);
	ASSERT_ERRNO(btf__find_str(small, "only_in_split"), ENOENT);

	ASSERT_EQ(btf__add_struct(split, "thing", 4), S_COUNT);  /* a second "thing" */
	ASSERT_EQ(btf__add_int(split, "own_int", 4, 0), S_COUNT + 1);
	ASSERT_EQ(btf__type_cnt(split), S_COUNT + 2);
	ASSERT_EQ(btf__find_by_name(split, "thing"), S_THING);   /* the base's comes first */
	ASSERT_EQ(btf__find_by_name_kind(split, "thing", BTF_KIND_STRUCT), S_THING);
	ASSERT_EQ(btf__find_by_name(split, "own_int"), S_COUNT + 1);
	ASSERT_ERRNO(btf__find_by_name(small, "own_int"), ENOENT);
	ASSERT_STREQ(btf_raw_text(split, S_THING), btf_raw_text(small, S_THING));
	ASSERT_EQ(btf__resolve_size(split, S_THING), 104);
	ASSERT_EQ(btf__resolve_size(split, S_COUNT), 4);
	ASSERT_EQ(btf__align_of(split, S_LIST), 8);
	ASSERT_EQ(btf__resolve_type(split, S_UINT64_T), S_ULONG);
	ASSERT_PTR_ERRNO(btf__type_by_id(small, S_COUNT), EINVAL);
	ASSERT_PTR_ERRNO(btf__type_by_id(split, S_COUNT + 2), EINVAL);
	/* the base is unchanged */
	ASSERT_EQ(btf__type_cnt(small), S_COUNT);
	btf__free(split);
}

int main(int argc, char **argv)
{
	struct btf *small;

	harness_init(argc, argv);
	small = load_small();
	if (small) {
		test_types_and_strings(small);
		test_find(small);
		test_resolve(small);
		test_pointer_size(small);
		test_endianness_setters(small);
		test_raw_data(small);
		test_split_lookups(small);
		btf__free(small);
	}
	test_layout_built();
	test_fd();
	return harness_done();
}
