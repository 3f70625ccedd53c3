/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * fixtures.h — BTF objects several test programs build: one type of every kind (made with the
 * btf__add_* calls and described by the raw text each type must render as), and a small base
 * with a split BTF over it. Include after harness.h.
 */
#ifndef LIBBTF_TESTS_FIXTURES_H
#define LIBBTF_TESTS_FIXTURES_H

#include "harness.h"

/* Raw text of every type fixture_all_kinds() adds, in id order (id = index + 1). */
static const char *const all_kinds_text[] = {
	/* 1 */ "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
	/* 2 */ "[2] INT 'u8' size=1 bits_offset=0 nr_bits=8 encoding=(none)",
	/* 3 */ "[3] INT 'char' size=1 bits_offset=0 nr_bits=8 encoding=CHAR",
	/* 4 */ "[4] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL",
	/* 5 */ "[5] INT '__int128' size=16 bits_offset=0 nr_bits=128 encoding=SIGNED",
	/* 6 */ "[6] INT 'mixed' size=8 bits_offset=0 nr_bits=64 encoding=UNKN",
	/* 7 */ "[7] FLOAT 'float' size=4",
	/* 8 */ "[8] FLOAT 'long double' size=16",
	/* 9 */ "[9] PTR '(anon)' type_id=1",
	/* 10 */ "[10] CONST '(anon)' type_id=12",
	/* 11 */ "[11] VOLATILE '(anon)' type_id=10",
	/* 12 */ "[12] RESTRICT '(anon)' type_id=9",
	/* 13 */ "[13] PTR '(anon)' type_id=0",
	/* 14 */ "[14] ARRAY '(anon)' type_id=9 index_type_id=1 nr_elems=16",
	/* 15 */ "[15] STRUCT 's1' size=16 vlen=3\n"
		 "\t'a' type_id=1 bits_offset=0\n"
		 "\t'b' type_id=2 bits_offset=32 bitfield_size=3\n"
		 "\t'(anon)' type_id=9 bits_offset=64",
	/* 16 */ "[16] STRUCT '(anon)' size=0 vlen=0",
	/* 17 */ "[17] UNION 'u1' size=8 vlen=2\n"
		 "\t'x' type_id=1 bits_offset=0\n"
		 "\t'z' type_id=2 bits_offset=0 bitfield_size=4",
	/* 18 */ "[18] ENUM 'e1' encoding=UNSIGNED size=4 vlen=3\n"
		 "\t'A' val=0\n"
		 "\t'B' val=2147483647\n"
		 "\t'C' val=4294967295",
	/* 19 */ "[19] ENUM 'e2' encoding=SIGNED size=1 vlen=2\n"
		 "\t'NEG' val=-1\n"
		 "\t'P' val=5",
	/* 20 */ "[20] ENUM64 'e64' encoding=SIGNED size=8 vlen=2\n"
		 "\t'M1' val=-1\n"
		 "\t'BIG' val=4886718345",
	/* 21 */ "[21] ENUM64 'u64e' encoding=UNSIGNED size=8 vlen=1\n"
		 "\t'MAX' val=18446744073709551615",
	/* 22 */ "[22] FWD 'fs' fwd_kind=struct",
	/* 23 */ "[23] FWD 'fu' fwd_kind=union",
	/* 24 */ "[24] ENUM 'fe' encoding=UNSIGNED size=4 vlen=0",
	/* 25 */ "[25] TYPEDEF 'td' type_id=1",
	/* 26 */ "[26] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n"
		 "\t'p1' type_id=1\n"
		 "\t'(anon)' type_id=9",
	/* 27 */ "[27] FUNC 'f' type_id=26 linkage=global",
	/* 28 */ "[28] FUNC 'fs_static' type_id=26 linkage=static",
	/* 29 */ "[29] FUNC 'fs_extern' type_id=26 linkage=extern",
	/* 30 */ "[30] VAR 'v' type_id=1, linkage=global-alloc",
	/* 31 */ "[31] VAR 'sv' type_id=1, linkage=static",
	/* 32 */ "[32] VAR 'ev' type_id=1, linkage=(unknown)",
	/* 33 */ "[33] DATASEC '.data' size=12 vlen=2\n"
		 "\ttype_id=30 offset=0 size=4\n"
		 "\ttype_id=31 offset=4 size=4",
	/* 34 */ "[34] DECL_TAG 'tag1' type_id=15 component_idx=-1",
	/* 35 */ "[35] DECL_TAG 'tag2' type_id=15 component_idx=1",
	/* 36 */ "[36] DECL_TAG 'attr1' type_id=27 component_idx=0",
	/* 37 */ "[37] TYPE_TAG 'tt' type_id=9",
	/* 38 */ "[38] TYPE_TAG 'ta' type_id=9",
};
#define ALL_KINDS_CNT ((int)(sizeof(all_kinds_text) / sizeof(all_kinds_text[0])))

/* Adds the all-kinds types to `btf` (empty, or split with nothing of its own yet; ids are those
 * above shifted by `btf__type_cnt(btf) - 1`, references included). Every call's result is
 * asserted when `check` is set; with it clear the builder is silent (for second copies). */
static inline void fixture_add_all_kinds(struct btf *btf, bool check)
{
	int s = (int)btf__type_cnt(btf) - 1; /* id shift */
	int r[64], n = 0, i;

#define ADD(expr) (r[n++] = (expr))
	ADD(btf__add_int(btf, "int", 4, BTF_INT_SIGNED) - s);            /* 1 */
	ADD(btf__add_int(btf, "u8", 1, 0) - s);                          /* 2 */
	ADD(btf__add_int(btf, "char", 1, BTF_INT_CHAR) - s);             /* 3 */
	ADD(btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL) - s);            /* 4 */
	ADD(btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED) - s);      /* 5 */
	ADD(btf__add_int(btf, "mixed", 8, BTF_INT_SIGNED | BTF_INT_CHAR) - s); /* 6 */
	ADD(btf__add_float(btf, "float", 4) - s);                        /* 7 */
	ADD(btf__add_float(btf, "long double", 16) - s);                 /* 8 */
	ADD(btf__add_ptr(btf, 1 + s) - s);                               /* 9 */
	ADD(btf__add_const(btf, 12 + s) - s);                            /* 10: forward reference */
	ADD(btf__add_volatile(btf, 10 + s) - s);                         /* 11 */
	ADD(btf__add_restrict(btf, 9 + s) - s);                          /* 12 */
	ADD(btf__add_ptr(btf, 0) - s);                                   /* 13: void * */
	ADD(btf__add_array(btf, 1 + s, 9 + s, 16) - s);                  /* 14 */
	ADD(btf__add_struct(btf, "s1", 16) - s);                         /* 15 */
	ADD(btf__add_field(btf, "a", 1 + s, 0, 0));
	ADD(btf__add_field(btf, "b", 2 + s, 32, 3));
	ADD(btf__add_field(btf, NULL, 9 + s, 64, 0));
	ADD(btf__add_struct(btf, "", 0) - s);                            /* 16 */
	ADD(btf__add_union(btf, "u1", 8) - s);                           /* 17 */
	ADD(btf__add_field(btf, "x", 1 + s, 0, 0));
	ADD(btf__add_field(btf, "z", 2 + s, 0, 4));
	ADD(btf__add_enum(btf, "e1", 4) - s);                            /* 18 */
	ADD(btf__add_enum_value(btf, "A", 0));
	ADD(btf__add_enum_value(btf, "B", INT32_MAX));
	ADD(btf__add_enum_value(btf, "C", UINT32_MAX));
	ADD(btf__add_enum(btf, "e2", 1) - s);                            /* 19 */
	ADD(btf__add_enum_value(btf, "NEG", -1));
	ADD(btf__add_enum_value(btf, "P", 5));
	ADD(btf__add_enum64(btf, "e64", 8, true) - s);                   /* 20 */
	ADD(btf__add_enum64_value(btf, "M1", (__u64)-1));
	ADD(btf__add_enum64_value(btf, "BIG", 0x123456789ULL));
	ADD(btf__add_enum64(btf, "u64e", 8, false) - s);                 /* 21 */
	ADD(btf__add_enum64_value(btf, "MAX", UINT64_MAX));
	ADD(btf__add_fwd(btf, "fs", BTF_FWD_STRUCT) - s);                /* 22 */
	ADD(btf__add_fwd(btf, "fu", BTF_FWD_UNION) - s);                 /* 23 */
	ADD(btf__add_fwd(btf, "fe", BTF_FWD_ENUM) - s);                  /* 24 */
	ADD(btf__add_typedef(btf, "td", 1 + s) - s);                     /* 25 */
	ADD(btf__add_func_proto(btf, 1 + s) - s);                        /* 26 */
	ADD(btf__add_func_param(btf, "p1", 1 + s));
	ADD(btf__add_func_param(btf, NULL, 9 + s));
	ADD(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, 26 + s) - s);       /* 27 */
	ADD(btf__add_func(btf, "fs_static", BTF_FUNC_STATIC, 26 + s) - s); /* 28 */
	ADD(btf__add_func(btf, "fs_extern", BTF_FUNC_EXTERN, 26 + s) - s); /* 29 */
	ADD(btf__add_var(btf, "v", BTF_VAR_GLOBAL_ALLOCATED, 1 + s) - s);  /* 30 */
	ADD(btf__add_var(btf, "sv", BTF_VAR_STATIC, 1 + s) - s);         /* 31 */
	ADD(btf__add_var(btf, "ev", BTF_VAR_GLOBAL_EXTERN, 1 + s) - s);  /* 32 */
	ADD(btf__add_datasec(btf, ".data", 12) - s);                     /* 33 */
	ADD(btf__add_datasec_var_info(btf, 30 + s, 0, 4));
	ADD(btf__add_datasec_var_info(btf, 31 + s, 4, 4));
	ADD(btf__add_decl_tag(btf, "tag1", 15 + s, -1) - s);             /* 34 */
	ADD(btf__add_decl_tag(btf, "tag2", 15 + s, 1) - s);              /* 35 */
	ADD(btf__add_decl_attr(btf, "attr1", 27 + s, 0) - s);            /* 36 */
	ADD(btf__add_type_tag(btf, "tt", 9 + s) - s);                    /* 37 */
	ADD(btf__add_type_attr(btf, "ta", 9 + s) - s);                   /* 38 */
#undef ADD
	if (!check)
		return;
	/* Expected: the new id for type-adding calls, 0 for member/value/param/entry calls. */
	{
		static const int exp[] = {
			1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
			15, 0, 0, 0, 16, 17, 0, 0, 18, 0, 0, 0, 19, 0, 0,
			20, 0, 0, 21, 0, 22, 23, 24, 25, 26, 0, 0, 27, 28, 29,
			30, 31, 32, 33, 0, 0, 34, 35, 36, 37, 38,
		};
		int m = (int)(sizeof(exp) / sizeof(exp[0]));

		ASSERT_EQ(n, m);
		for (i = 0; i < n && i < m; i++)
			if (!H_REPORT(r[i] == exp[i], "all-kinds call #%d returned %d, expected %d",
				      i, r[i], exp[i]))
				break;
	}
}

/* A new standalone BTF of every kind (38 types). */
static inline struct btf *fixture_all_kinds(bool check)
{
	struct btf *btf = btf__new_empty();

	if (btf)
		fixture_add_all_kinds(btf, check);
	return btf;
}

/* A small base: [1] int, [2] PTR -> int, [3] struct s1 { int f1; }. */
static inline struct btf *fixture_small_base(void)
{
	struct btf *btf = btf__new_empty();

	if (!btf)
		return NULL;
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_ptr(btf, 1);
	btf__add_struct(btf, "s1", 4);
	btf__add_field(btf, "f1", 1, 0, 0);
	return btf;
}

#define SMALL_BASE_TEXT                                                                        \
	"[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",                        \
	"[2] PTR '(anon)' type_id=1",                                                           \
	"[3] STRUCT 's1' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0"

#endif /* LIBBTF_TESTS_FIXTURES_H */
