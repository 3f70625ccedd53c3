/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Reading BTF: btf__new / btf__new_split on good, truncated and malformed data; btf__parse,
 * btf__parse_raw(_split), btf__parse_elf(_split), btf__parse_split on the project's fixtures
 * (raw, ELF, ELF with a distilled .BTF.base) and on the shared corpus when it is present
 * (vmlinux and module BTF, kernel modules, libbpf's distill/relocate outputs); missing and
 * non-BTF files.
 */
#include "harness.h"
#include "fixtures.h"

#include <dirent.h>

/* libbpf_errno: LIBBPF_ERRNO__FORMAT ("not an ELF object we can read") */
#define ERRNO_LIBBPF_FORMAT 4001

#define INFO(kind, kflag, vlen) (((__u32)(kflag) << 31) | ((__u32)(kind) << 24) | (__u32)(vlen))

/* ------------------------------------------------------------------------------------------ */
/* Hand-made BTF                                                                              */

/* Strings: "" at 0, "int" at 1, "p" at 5, "f" at 7, total 9. */
static const char tiny_strs[] = "\0int\0p\0f";
#define TINY_STR_LEN 9

/* [1] INT 'int' size 4 signed, [2] PTR -> 1, [3] FUNC_PROTO int (int p), [4] FUNC 'f' -> 3,
 * [5] STRUCT 'p' { int int; } size 4, [6] ARRAY int[2] of int, [7] ENUM 'f' { p = 1 }. */
static const __u32 tiny_types[] = {
	1, INFO(BTF_KIND_INT, 0, 0), 4, (BTF_INT_SIGNED << 24) | 32,
	0, INFO(BTF_KIND_PTR, 0, 0), 1,
	0, INFO(BTF_KIND_FUNC_PROTO, 0, 1), 1, 5, 1,
	7, INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), 3,
	5, INFO(BTF_KIND_STRUCT, 0, 1), 4, 1, 1, 0,
	0, INFO(BTF_KIND_ARRAY, 0, 0), 0, 1, 1, 2,
	7, INFO(BTF_KIND_ENUM, 0, 1), 4, 5, 1,
};
#define TINY_NTYPES 7
/* word index of each type's record in tiny_types */
enum { W1 = 0, W2 = 4, W3 = 7, W4 = 12, W5 = 15, W6 = 21, W7 = 27, WEND = 32 };

struct blob {
	__u8 data[2048];
	__u32 size;
};

static struct btf_header *blob_hdr(struct blob *b)
{
	return (struct btf_header *)b->data;
}

static __u32 *blob_types(struct blob *b)
{
	return (__u32 *)(b->data + sizeof(struct btf_header));
}

/* Header, `nwords` type words, strings. */
static void blob_make(struct blob *b, const __u32 *types, __u32 nwords, const char *strs,
		      __u32 str_len)
{
	struct btf_header *h = blob_hdr(b);

	memset(b, 0, sizeof(*b));
	h->magic = BTF_MAGIC;
	h->version = BTF_VERSION;
	h->hdr_len = sizeof(*h);
	h->type_off = 0;
	h->type_len = nwords * 4;
	h->str_off = h->type_len;
	h->str_len = str_len;
	if (nwords)
		memcpy(blob_types(b), types, nwords * 4);
	memcpy(b->data + sizeof(*h) + h->type_len, strs, str_len);
	b->size = sizeof(*h) + h->type_len + str_len;
}

static void blob_tiny(struct blob *b)
{
	blob_make(b, tiny_types, WEND, tiny_strs, TINY_STR_LEN);
}

#define BLOB_FAILS(b, err) ASSERT_BTF_ERRNO(btf__new((b)->data, (b)->size), err)

static void test_new_valid(void)
{
	struct blob b;
	struct btf *btf;
	const void *raw;
	__u32 size;

	blob_tiny(&b);
	btf = btf__new(b.data, b.size);
	if (!ASSERT_OK_PTR(btf))
		return;
	VALIDATE_RAW(btf,
		     "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
		     "[2] PTR '(anon)' type_id=1",
		     "[3] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p' type_id=1",
		     "[4] FUNC 'f' type_id=3 linkage=global",
		     "[5] STRUCT 'p' size=4 vlen=1\n\t'int' type_id=1 bits_offset=0",
		     "[6] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=2",
		     "[7] ENUM 'f' encoding=UNSIGNED size=4 vlen=1\n\t'p' val=1");
	/* the input is copied: the caller's buffer may go */
	memset(b.data, 0xff, sizeof(b.data));
	ASSERT_STREQ(btf__name_by_offset(btf, 1), "int");
	raw = btf__raw_data(btf, &size);
	blob_tiny(&b);
	if (ASSERT_EQ(size, b.size))
		ASSERT_MEMEQ(raw, b.data, size);
	btf__free(btf);

	/* btf__new_split with no base is btf__new */
	btf = btf__new_split(b.data, b.size, NULL);
	if (ASSERT_OK_PTR(btf)) {
		ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
		ASSERT_NULL(btf__base_btf(btf));
	}
	btf__free(btf);

	/* no types at all is fine: just the empty string */
	blob_make(&b, NULL, 0, "", 1);
	btf = btf__new(b.data, b.size);
	if (ASSERT_OK_PTR(btf))
		ASSERT_EQ(btf__type_cnt(btf), 1);
	btf__free(btf);

	/* version and flags are not checked */
	blob_tiny(&b);
	blob_hdr(&b)->version = 7;
	blob_hdr(&b)->flags = 0x55;
	btf = btf__new(b.data, b.size);
	if (ASSERT_OK_PTR(btf))
		ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
	btf__free(btf);

	/* sections may have gaps between and before them, but types come before strings */
	{
		struct btf_header *h = blob_hdr(&b);
		__u8 *body = b.data + sizeof(*h);

		blob_tiny(&b);
		/* 4 bytes of padding before the types, 4 more between types and strings */
		memset(body, 0, sizeof(b.data) - sizeof(*h));
		memcpy(body + 4, tiny_types, sizeof(tiny_types));
		memcpy(body + 8 + sizeof(tiny_types), tiny_strs, TINY_STR_LEN);
		h->type_off = 4;
		h->str_off = 8 + sizeof(tiny_types);
		b.size += 8;
		btf = btf__new(b.data, b.size);
		if (ASSERT_OK_PTR(btf)) {
			ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
			ASSERT_STREQ(btf_raw_text(btf, 4), "[4] FUNC 'f' type_id=3 linkage=global");
		}
		btf__free(btf);

		blob_tiny(&b);
		memcpy(body, tiny_strs, TINY_STR_LEN);
		memset(body + TINY_STR_LEN, 0, 3);
		memcpy(body + 12, tiny_types, sizeof(tiny_types));
		h->str_off = 0;
		h->type_off = 12;
		b.size = sizeof(*h) + 12 + sizeof(tiny_types);
		BLOB_FAILS(&b, EINVAL);
	}
}

/* A header longer than 24 bytes (libbpf after 1.7 writes 32) with zeroes past the known fields. */
static void test_new_long_header(void)
{
	struct blob b, tiny;
	struct btf_header *h = blob_hdr(&b);
	struct btf *btf;

	blob_tiny(&tiny);
	memset(&b, 0, sizeof(b));
	memcpy(b.data, tiny.data, sizeof(*h));
	h->hdr_len = 32;
	memcpy(b.data + 32, tiny.data + sizeof(*h), tiny.size - sizeof(*h));
	b.size = tiny.size + 8;
	btf = btf__new(b.data, b.size);
	if (ASSERT_OK_PTR(btf)) {
		ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
		ASSERT_STREQ(btf_raw_text(btf, 5),
			     "[5] STRUCT 'p' size=4 vlen=1\n\t'int' type_id=1 bits_offset=0");
	}
	btf__free(btf);
}

static void test_new_truncated(void)
{
	struct blob b;
	__u32 n;
	int bad = 0;

	blob_tiny(&b);
	/* every proper prefix is rejected with EINVAL */
	for (n = 0; n < b.size; n++) {
		struct btf *btf;

		errno = 0;
		btf = btf__new(b.data, n);
		if (btf || errno != EINVAL) {
			if (!bad++)
				H_REPORT(false, "prefix of %u bytes: %p, errno %d", n, (void *)btf, errno);
			btf__free(btf);
		}
	}
	ASSERT_EQ(bad, 0);
	/* likewise for a real file */
	{
		__u32 size = 0, ok = 0;
		__u8 *data = harness_read_file(TEST_DATA("small.btf"), &size);

		if (!ASSERT_OK_PTR(data))
			return;
		bad = 0;
		for (n = 0; n < size; n++) {
			struct btf *btf;

			errno = 0;
			btf = btf__new(data, n);
			if (!btf && errno == EINVAL)
				ok++;
			else if (!bad++)
				H_REPORT(false, "small.btf prefix of %u bytes: %p, errno %d", n,
					 (void *)btf, errno);
			btf__free(btf);
		}
		ASSERT_EQ(ok, size);
		free(data);
	}
}

static void test_new_malformed(void)
{
	struct blob b;
	struct btf_header *h = blob_hdr(&b);
	__u32 *t = blob_types(&b);

	/* header */
	blob_tiny(&b); h->magic = 0;                      BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); h->magic = 0xeb9e;                 BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); h->hdr_len = b.size + 1;           BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); h->str_len += 1;                   BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); h->str_off += 4;                   BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); h->type_len += 4;                  BLOB_FAILS(&b, EINVAL); /* into strings */
	blob_tiny(&b); h->str_off = 0xfffffff0;           BLOB_FAILS(&b, EINVAL); /* overflow */
	blob_tiny(&b); h->str_len = 0xfffffff0;           BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); h->type_off = 2; h->type_len -= 4; BLOB_FAILS(&b, EINVAL); /* unaligned */
	/* strings */
	blob_tiny(&b); b.data[b.size - 1] = 'x';          BLOB_FAILS(&b, EINVAL); /* no final NUL */
	blob_tiny(&b); b.data[24 + h->str_off] = 'x';     BLOB_FAILS(&b, EINVAL); /* no "" first */
	blob_tiny(&b); h->str_len = 0; b.size -= TINY_STR_LEN; BLOB_FAILS(&b, EINVAL);
	/* type records */
	blob_tiny(&b); t[W1] = TINY_STR_LEN;              BLOB_FAILS(&b, EINVAL); /* name past end */
	blob_tiny(&b); t[W1] = 0xffffffff;                BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); t[W2 + 2] = TINY_NTYPES + 1;       BLOB_FAILS(&b, EINVAL); /* PTR target */
	blob_tiny(&b); t[W3 + 4] = 100;                   BLOB_FAILS(&b, EINVAL); /* param type */
	blob_tiny(&b); t[W3 + 3] = 100;                   BLOB_FAILS(&b, EINVAL); /* param name */
	blob_tiny(&b); t[W4 + 2] = 1;                     BLOB_FAILS(&b, EINVAL); /* FUNC -> INT */
	blob_tiny(&b); t[W4 + 2] = 100;                   BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); t[W5 + 4] = 8;                     BLOB_FAILS(&b, EINVAL); /* member type */
	blob_tiny(&b); t[W5 + 3] = 1000;                  BLOB_FAILS(&b, EINVAL); /* member name */
	blob_tiny(&b); t[W6 + 3] = 9;                     BLOB_FAILS(&b, EINVAL); /* elem type */
	blob_tiny(&b); t[W6 + 4] = 9;                     BLOB_FAILS(&b, EINVAL); /* index type */
	blob_tiny(&b); t[W7 + 3] = 1000;                  BLOB_FAILS(&b, EINVAL); /* enum value name */
	blob_tiny(&b); t[W7 + 1] = INFO(BTF_KIND_ENUM, 0, 2);   BLOB_FAILS(&b, EINVAL); /* overrun */
	blob_tiny(&b); t[W5 + 1] = INFO(BTF_KIND_STRUCT, 0, 1000); BLOB_FAILS(&b, EINVAL);
	blob_tiny(&b); t[W7 + 1] = INFO(20, 0, 0);        BLOB_FAILS(&b, EINVAL); /* unknown kinds */
	blob_tiny(&b); t[W7 + 1] = INFO(31, 0, 0);        BLOB_FAILS(&b, EINVAL);
	/* a partial record at the end of the type section */
	blob_make(&b, tiny_types, WEND - 1, tiny_strs, TINY_STR_LEN);
	BLOB_FAILS(&b, EINVAL);
	blob_make(&b, tiny_types, W2 - 1, tiny_strs, TINY_STR_LEN);
	BLOB_FAILS(&b, EINVAL);
	{
		__u32 words[WEND + 1];

		memcpy(words, tiny_types, sizeof(tiny_types));
		words[WEND] = 0; /* 4 stray bytes */
		blob_make(&b, words, WEND + 1, tiny_strs, TINY_STR_LEN);
		BLOB_FAILS(&b, EINVAL);
	}

	/* garbage: pseudo-random bytes, with and without a BTF magic in front */
	{
		__u32 seed = 12345, i, n, bad = 0;

		for (n = 0; n < 200; n++) {
			struct btf *btf;

			for (i = 0; i < sizeof(b.data); i++) {
				seed = seed * 1103515245 + 12345;
				b.data[i] = seed >> 16;
			}
			b.size = 24 + (seed >> 8) % 1000;
			if (n % 2) {
				h->magic = BTF_MAGIC;
				h->hdr_len = 24;
			}
			errno = 0;
			btf = btf__new(b.data, b.size);
			if (btf || errno != EINVAL) {
				if (!bad++)
					H_REPORT(false, "garbage #%u: %p, errno %d", n, (void *)btf,
						 errno);
				btf__free(btf);
			}
		}
		ASSERT_EQ(bad, 0);
	}
}

/* Byte-swapped input needs the exact 24-byte header. */
static void test_new_swapped_header(void)
{
	struct blob b;
	struct btf *btf;
	const void *raw;
	__u32 size;
	struct blob swapped;

	btf = btf__new_empty();
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__set_endianness(btf, BTF_BIG_ENDIAN);
	raw = btf__raw_data(btf, &size);
	if (!ASSERT_OK_PTR(raw)) {
		btf__free(btf);
		return;
	}
	memcpy(swapped.data, raw, size);
	swapped.size = size;
	btf__free(btf);

	b = swapped;
	btf = btf__new(b.data, b.size);
	if (ASSERT_OK_PTR(btf))
		ASSERT_EQ(btf__endianness(btf), BTF_BIG_ENDIAN);
	btf__free(btf);

	b = swapped;
	blob_hdr(&b)->hdr_len = __builtin_bswap32(20);
	BLOB_FAILS(&b, ENOTSUP);
	b = swapped;
	blob_hdr(&b)->hdr_len = __builtin_bswap32(8);
	BLOB_FAILS(&b, ENOTSUP);
	b = swapped;
	blob_hdr(&b)->str_len = __builtin_bswap32(100);
	BLOB_FAILS(&b, EINVAL);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                      */

/* Raw text of types [37]..[43] of pahole's split BTF for mod.c over small.btf. */
#define MOD_SPLIT_TEXT                                                                         \
	"[37] STRUCT 'modthing' size=32 vlen=3\n\t'l' type_id=15 bits_offset=0\n"              \
	"\t'p' type_id=27 bits_offset=128\n\t'op' type_id=40 bits_offset=192",                  \
	"[38] FUNC_PROTO '(anon)' ret_type_id=7 vlen=1\n\t'(anon)' type_id=39",                  \
	"[39] PTR '(anon)' type_id=27",                                                         \
	"[40] PTR '(anon)' type_id=38",                                                         \
	"[41] PTR '(anon)' type_id=37",                                                         \
	"[42] FUNC_PROTO '(anon)' ret_type_id=7 vlen=1\n\t'm' type_id=41",                      \
	"[43] FUNC 'modfn' type_id=42 linkage=static"

static const char *const mod_split_text[] = { MOD_SPLIT_TEXT };

/* Types 37..43 of `btf` are mod.c's, and types 1..36 render as in `base`. */
static void check_mod_split(const struct btf *btf, const struct btf *base)
{
	__u32 id;

	if (!ASSERT_EQ(btf__type_cnt(btf), 44))
		return;
	for (id = 1; id < 37; id++) {
		char text[4096];

		snprintf(text, sizeof(text), "%s", btf_raw_text(base, id));
		if (!ASSERT_STREQ(btf_raw_text(btf, id), text))
			break;
	}
	for (id = 37; id < 44; id++)
		if (!ASSERT_STREQ(btf_raw_text(btf, id), mod_split_text[id - 37]))
			break;
}

static void test_parse_raw_files(struct btf *small)
{
	struct btf_ext *ext = (struct btf_ext *)&ext;
	struct btf *btf;
	char *tmp;

	ASSERT_EQ(btf__type_cnt(small), 37);
	btf = btf__parse(TEST_DATA("small.btf"), &ext);
	if (ASSERT_OK_PTR(btf)) {
		ASSERT_EQ(btf__type_cnt(btf), 37);
		ASSERT_STREQ(btf_raw_text(btf, 29), btf_raw_text(small, 29));
	}
	ASSERT_NULL(ext);
	btf__free(btf);
	btf = btf__parse(TEST_DATA("small.btf"), NULL);
	ASSERT_OK_PTR(btf);
	btf__free(btf);

	/* missing files */
	ASSERT_BTF_ERRNO(btf__parse_raw(TEST_DATA("no-such-file.btf")), ENOENT);
	ASSERT_BTF_ERRNO(btf__parse_raw_split(TEST_DATA("no-such-file.btf"), small), ENOENT);
	ASSERT_BTF_ERRNO(btf__parse(TEST_DATA("no-such-file.btf"), NULL), ENOENT);
	ASSERT_BTF_ERRNO(btf__parse_split(TEST_DATA("no-such-file.btf"), small), ENOENT);
	ASSERT_BTF_ERRNO(btf__parse_elf(TEST_DATA("no-such-file.o"), NULL), ENOENT);
	ASSERT_BTF_ERRNO(btf__parse_elf_split(TEST_DATA("no-such-file.o"), small), ENOENT);
	ASSERT_BTF_ERRNO(btf__parse_raw("/nonexistent-dir/x.btf"), ENOENT);

	/* not raw BTF: an ELF file, a text file */
	ASSERT_BTF_ERRNO(btf__parse_raw(TEST_DATA("mod-distilled.o")), EPROTO);
	ASSERT_BTF_ERRNO(btf__parse_raw(TEST_DATA("README.md")), EPROTO);
	ASSERT_BTF_ERRNO(btf__parse_raw_split(TEST_DATA("README.md"), small), EPROTO);
	/* neither raw BTF nor ELF */
	ASSERT_BTF_ERRNO(btf__parse(TEST_DATA("README.md"), NULL), ERRNO_LIBBPF_FORMAT);
	ASSERT_BTF_ERRNO(btf__parse_elf(TEST_DATA("README.md"), NULL), ERRNO_LIBBPF_FORMAT);
	ASSERT_BTF_ERRNO(btf__parse_elf(TEST_DATA("small.btf"), NULL), ERRNO_LIBBPF_FORMAT);
	/* an ELF file without .BTF: this very program */
	ASSERT_BTF_ERRNO(btf__parse_elf("/proc/self/exe", NULL), ENODATA);
	ASSERT_BTF_ERRNO(btf__parse("/proc/self/exe", NULL), ENODATA);

	/* empty file: no magic to read */
	tmp = harness_write_temp("", 0);
	if (ASSERT_OK_PTR(tmp)) {
		ASSERT_BTF_ERRNO(btf__parse_raw(tmp), EIO);
		unlink(tmp);
		free(tmp);
	}
	/* the magic and nothing else */
	{
		static const __u16 magic = BTF_MAGIC;

		tmp = harness_write_temp(&magic, sizeof(magic));
		if (ASSERT_OK_PTR(tmp)) {
			ASSERT_BTF_ERRNO(btf__parse_raw(tmp), EINVAL);
			ASSERT_BTF_ERRNO(btf__parse(tmp, NULL), EINVAL);
			unlink(tmp);
			free(tmp);
		}
	}
	/* a truncated copy of small.btf */
	{
		__u32 size = 0;
		void *data = harness_read_file(TEST_DATA("small.btf"), &size);

		if (ASSERT_OK_PTR(data)) {
			tmp = harness_write_temp(data, size - 1);
			if (ASSERT_OK_PTR(tmp)) {
				ASSERT_BTF_ERRNO(btf__parse_raw(tmp), EINVAL);
				unlink(tmp);
				free(tmp);
			}
		}
		free(data);
	}
}

static void test_parse_elf_files(struct btf *small)
{
	struct btf_ext *ext = (struct btf_ext *)&ext;
	const struct btf *base;
	struct btf *btf, *again;
	const void *raw;
	__u32 size;
	char *tmp;

	/* .BTF over its own .BTF.base: the split owns the distilled base */
	btf = btf__parse_elf(TEST_DATA("mod-distilled.o"), &ext);
	ASSERT_NULL(ext);
	if (ASSERT_OK_PTR(btf)) {
		base = btf__base_btf(btf);
		if (ASSERT_OK_PTR(base)) {
			ASSERT_EQ(btf__type_cnt(base), 37);
			ASSERT_NULL(btf__base_btf(base));
			check_mod_split(btf, base);
			ASSERT_STREQ(btf_raw_text(base, 29), btf_raw_text(small, 29));
		}
		ASSERT_EQ(btf__pointer_size(btf), 8);
		ASSERT_EQ(btf__find_by_name(btf, "modthing"), 37);
		ASSERT_EQ(btf__find_by_name(btf, "thing"), 29);
	}
	btf__free(btf); /* and its base with it */

	ext = (struct btf_ext *)&ext;
	btf = btf__parse(TEST_DATA("mod-distilled.o"), &ext);
	ASSERT_NULL(ext);
	if (ASSERT_OK_PTR(btf) && ASSERT_OK_PTR(btf__base_btf(btf)))
		check_mod_split(btf, btf__base_btf(btf));
	btf__free(btf);

	/* With a base given, .BTF is relocated onto it (btf__relocate), which needs a genuinely
	 * distilled .BTF.base; this fixture's .BTF.base is a full BTF (PTR, CONST, ...), so it is
	 * refused with EINVAL, as libbpf does (tests-c/test_distill.c relocates a real one). */
	ASSERT_BTF_ERRNO(btf__parse_elf_split(TEST_DATA("mod-distilled.o"), small), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_split(TEST_DATA("mod-distilled.o"), small), EINVAL);

	/* the split as parsed over its own .BTF.base (which holds small.btf's types) */
	btf = btf__parse_elf(TEST_DATA("mod-distilled.o"), NULL);
	if (!ASSERT_OK_PTR(btf))
		return;

	/* the split written out and read back over small.btf, from memory and from a file */
	raw = btf__raw_data(btf, &size);
	if (!ASSERT_OK_PTR(raw))
		goto out;
	again = btf__new_split(raw, size, small);
	if (ASSERT_OK_PTR(again))
		check_mod_split(again, small);
	btf__free(again);
	ASSERT_BTF_ERRNO(btf__new(raw, size), EINVAL); /* split data needs its base */
	{
		__u32 n, bad = 0;

		/* every proper prefix of split data is rejected too */
		for (n = 0; n < size; n++) {
			errno = 0;
			again = btf__new_split(raw, n, small);
			if ((again || errno != EINVAL) && !bad++)
				H_REPORT(false, "split prefix of %u bytes: %p, errno %d", n,
					 (void *)again, errno);
			btf__free(again);
		}
		ASSERT_EQ(bad, 0);
	}
	tmp = harness_write_temp(raw, size);
	if (ASSERT_OK_PTR(tmp)) {
		again = btf__parse_raw_split(tmp, small);
		if (ASSERT_OK_PTR(again))
			check_mod_split(again, small);
		btf__free(again);
		again = btf__parse_split(tmp, small);
		if (ASSERT_OK_PTR(again))
			check_mod_split(again, small);
		btf__free(again);
		ASSERT_BTF_ERRNO(btf__parse_raw(tmp), EINVAL);
		unlink(tmp);
		free(tmp);
	}
out:
	btf__free(btf);

	/* split data with an empty string section */
	{
		struct btf *split = btf__new_empty_split(small);

		btf__add_ptr(split, 29);
		btf__add_const(split, 37);
		raw = btf__raw_data(split, &size);
		if (ASSERT_OK_PTR(raw)) {
			ASSERT_EQ(((const struct btf_header *)raw)->str_len, 0);
			again = btf__new_split(raw, size, small);
			if (ASSERT_OK_PTR(again)) {
				ASSERT_EQ(btf__type_cnt(again), 39);
				ASSERT_STREQ(btf_raw_text(again, 38), "[38] CONST '(anon)' type_id=37");
			}
			btf__free(again);
			/* the same data over a base with fewer types: references out of range */
			{
				struct btf *tiny = fixture_small_base();

				ASSERT_BTF_ERRNO(btf__new_split(raw, size, tiny), EINVAL);
				btf__free(tiny);
			}
		}
		btf__free(split);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* ELF files made here: 32/64-bit, either byte order, chosen section types                    */

struct elf_sec {
	const char *name;
	__u32 type;
	const void *data;
	__u32 size;
};

struct elf_out {
	__u8 buf[16384];
	__u32 len;
	bool is64, msb;
};

static void put(struct elf_out *o, __u32 at, __u64 v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		o->buf[at + i] = o->msb ? v >> (8 * (bytes - 1 - i)) : v >> (8 * i);
}

/* An ELF relocatable file with the given sections (plus .shstrtab) written to a temp file;
 * returns its path (caller unlinks, frees). */
static char *write_elf(bool is64, bool msb, const struct elf_sec *secs, int n)
{
	static struct elf_out o;
	__u32 ehsize = is64 ? 64 : 52, shentsize = is64 ? 64 : 40;
	__u32 off[16], shstr_off, shstr_len = 1, name_off[16], shoff, i;
	char shstr[512] = "";

	memset(&o, 0, sizeof(o));
	o.is64 = is64;
	o.msb = msb;
	o.len = ehsize;
	for (i = 0; i < (__u32)n; i++) {
		o.len = (o.len + 7) & ~7u;
		off[i] = o.len;
		memcpy(o.buf + o.len, secs[i].data, secs[i].size);
		o.len += secs[i].size;
		name_off[i] = shstr_len;
		strcpy(shstr + shstr_len, secs[i].name);
		shstr_len += strlen(secs[i].name) + 1;
	}
	name_off[n] = shstr_len;
	strcpy(shstr + shstr_len, ".shstrtab");
	shstr_len += sizeof(".shstrtab");
	shstr_off = o.len;
	memcpy(o.buf + o.len, shstr, shstr_len);
	o.len = (o.len + shstr_len + 7) & ~7u;
	shoff = o.len;

	memcpy(o.buf, "\177ELF", 4);
	o.buf[4] = is64 ? 2 : 1;     /* ELFCLASS64 / ELFCLASS32 */
	o.buf[5] = msb ? 2 : 1;      /* ELFDATA2MSB / ELFDATA2LSB */
	o.buf[6] = 1;                /* EV_CURRENT */
	put(&o, 16, 1, 2);           /* e_type ET_REL */
	put(&o, 18, 247, 2);         /* e_machine EM_BPF */
	put(&o, 20, 1, 4);           /* e_version */
	if (is64) {
		put(&o, 40, shoff, 8);
		put(&o, 52, ehsize, 2);
		put(&o, 58, shentsize, 2);
		put(&o, 60, n + 2, 2);   /* null, the sections, .shstrtab */
		put(&o, 62, n + 1, 2);   /* e_shstrndx */
	} else {
		put(&o, 32, shoff, 4);
		put(&o, 40, ehsize, 2);
		put(&o, 46, shentsize, 2);
		put(&o, 48, n + 2, 2);
		put(&o, 50, n + 1, 2);
	}
	/* section headers: [0] is all zero */
	for (i = 1; i <= (__u32)n + 1; i++) {
		__u32 sh = shoff + i * shentsize;
		bool strtab = i == (__u32)n + 1;
		__u32 name = name_off[i - 1], type = strtab ? 3 /* SHT_STRTAB */ : secs[i - 1].type;
		__u32 at = strtab ? shstr_off : off[i - 1];
		__u32 size = strtab ? shstr_len : secs[i - 1].size;

		put(&o, sh, name, 4);
		put(&o, sh + 4, type, 4);
		if (is64) {
			put(&o, sh + 24, at, 8);
			put(&o, sh + 32, size, 8);
			put(&o, sh + 48, 1, 8);    /* sh_addralign */
		} else {
			put(&o, sh + 16, at, 4);
			put(&o, sh + 20, size, 4);
			put(&o, sh + 32, 1, 4);
		}
	}
	o.len = shoff + (n + 2) * shentsize;
	return harness_write_temp(o.buf, o.len);
}

#define SHT_PROGBITS_ 1
#define SHT_NOBITS_ 8

/* Parses `path` with btf__parse_elf and btf__parse; both must give `err` (0: an object, checked
 * by `check` when given). */
static void elf_case(const char *what, char *path, int err, void (*check)(struct btf *))
{
	struct btf *btf;
	int i;

	printf("-- ELF: %s\n", what);
	if (!ASSERT_OK_PTR(path))
		return;
	for (i = 0; i < 2; i++) {
		errno = 0;
		btf = i == 0 ? btf__parse_elf(path, NULL) : btf__parse(path, NULL);
		if (err)
			H_REPORT(!btf && errno == err, "%s (%s): %p, errno %d, expected %d", what,
				 i ? "btf__parse" : "btf__parse_elf", (void *)btf, errno, err);
		else if (H_REPORT(btf != NULL, "%s: errno %d", what, errno) && check)
			check(btf);
		btf__free(btf);
	}
	unlink(path);
	free(path);
}

static void check_tiny_ptr4(struct btf *btf)
{
	ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
	ASSERT_EQ(btf__pointer_size(btf), 4);
	ASSERT_EQ(btf__resolve_size(btf, 2), 4);
}

static void check_tiny_ptr8(struct btf *btf)
{
	ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
	ASSERT_EQ(btf__pointer_size(btf), 8);
}

static void check_tiny_big(struct btf *btf)
{
	ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 1);
	ASSERT_EQ(btf__endianness(btf), BTF_BIG_ENDIAN);
	ASSERT_STREQ(btf_raw_text(btf, 4), "[4] FUNC 'f' type_id=3 linkage=global");
}

static void check_split_over_own_base(struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);

	if (!ASSERT_OK_PTR(base))
		return;
	ASSERT_EQ(btf__type_cnt(base), TINY_NTYPES + 1);
	ASSERT_EQ(btf__type_cnt(btf), TINY_NTYPES + 2);
	ASSERT_STREQ(btf_raw_text(btf, TINY_NTYPES + 1), "[8] PTR '(anon)' type_id=5");
	ASSERT_EQ(btf__pointer_size(btf), 4);
}

static void test_parse_elf_built(void)
{
	struct blob tiny, big, split_blob;
	const void *raw;
	__u32 size;
	struct btf *btf, *split;
	static const char junk[64] = "not BTF at all, just some bytes in a section named .BTF";

	/* tiny BTF (no "long": the pointer size comes from the ELF class) */
	blob_tiny(&tiny);
	btf = btf__new(tiny.data, tiny.size);
	if (!ASSERT_OK_PTR(btf))
		return;
	btf__set_endianness(btf, BTF_BIG_ENDIAN);
	raw = btf__raw_data(btf, &size);
	memcpy(big.data, raw, size);
	big.size = size;
	split = btf__new_empty_split(btf);
	btf__add_ptr(split, 5);
	btf__set_endianness(split, BTF_LITTLE_ENDIAN);
	raw = btf__raw_data(split, &size);
	memcpy(split_blob.data, raw, size);
	split_blob.size = size;
	btf__free(split);
	btf__free(btf);

	{
		struct elf_sec s[] = { { ".text", SHT_PROGBITS_, "\0\0\0\0", 4 },
				       { ".BTF", SHT_PROGBITS_, tiny.data, tiny.size } };

		elf_case("32-bit LSB", write_elf(false, false, s, 2), 0, check_tiny_ptr4);
		elf_case("64-bit LSB", write_elf(true, false, s, 2), 0, check_tiny_ptr8);
		elf_case("32-bit MSB", write_elf(false, true, s, 2), 0, check_tiny_ptr4);
	}
	{
		struct elf_sec s[] = { { ".BTF", SHT_PROGBITS_, big.data, big.size } };

		elf_case("64-bit MSB, big-endian BTF", write_elf(true, true, s, 1), 0,
			 check_tiny_big);
	}
	{
		struct elf_sec s[] = { { ".BTF.base", SHT_PROGBITS_, tiny.data, tiny.size },
				       { ".BTF", SHT_PROGBITS_, split_blob.data, split_blob.size } };

		elf_case(".BTF over .BTF.base, 32-bit", write_elf(false, false, s, 2), 0,
			 check_split_over_own_base);
	}
	{
		struct elf_sec s[] = { { ".BTF", SHT_NOBITS_, tiny.data, tiny.size } };

		elf_case(".BTF not PROGBITS", write_elf(true, false, s, 1), ERRNO_LIBBPF_FORMAT, NULL);
	}
	{
		struct elf_sec s[] = { { ".BTF.base", SHT_NOBITS_, tiny.data, tiny.size },
				       { ".BTF", SHT_PROGBITS_, split_blob.data, split_blob.size } };

		elf_case(".BTF.base not PROGBITS", write_elf(true, false, s, 2), ERRNO_LIBBPF_FORMAT,
			 NULL);
	}
	{
		struct elf_sec s[] = { { ".BTF.base", SHT_PROGBITS_, tiny.data, tiny.size } };

		elf_case("only .BTF.base", write_elf(true, false, s, 1), ENODATA, NULL);
	}
	{
		struct elf_sec s[] = { { ".data", SHT_PROGBITS_, junk, sizeof(junk) } };

		elf_case("no BTF sections", write_elf(true, false, s, 1), ENODATA, NULL);
	}
	{
		struct elf_sec s[] = { { ".BTF", SHT_PROGBITS_, junk, sizeof(junk) } };

		elf_case(".BTF of junk", write_elf(true, false, s, 1), EINVAL, NULL);
	}
	{
		struct elf_sec s[] = { { ".BTF", SHT_PROGBITS_, split_blob.data, split_blob.size } };

		elf_case("split .BTF without a base", write_elf(true, false, s, 1), EINVAL, NULL);
	}
	{
		struct elf_sec s[] = { { ".BTF.base", SHT_PROGBITS_, junk, sizeof(junk) },
				       { ".BTF", SHT_PROGBITS_, split_blob.data, split_blob.size } };

		elf_case(".BTF.base of junk", write_elf(true, false, s, 2), EINVAL, NULL);
	}
	/* the ELF header alone: the section headers it points to are not there */
	{
		struct elf_sec s[] = { { ".BTF", SHT_PROGBITS_, tiny.data, tiny.size } };
		char *path = write_elf(true, false, s, 1);

		if (ASSERT_OK_PTR(path)) {
			if (truncate(path, 64) == 0)
				elf_case("truncated after the ELF header", path, ERRNO_LIBBPF_FORMAT,
					 NULL);
			else
				free(path);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* The shared corpus                                                                          */

static bool file_matches_raw(const struct btf *btf, const char *path)
{
	__u32 fsize = 0, rsize = 0;
	void *file = harness_read_file(path, &fsize);
	const void *raw = btf__raw_data(btf, &rsize);
	bool ok = file && raw && fsize == rsize && memcmp(file, raw, fsize) == 0;

	free(file);
	return ok;
}

/* Every own type (not the base's) renders with resolvable names and in-range references. */
static bool all_types_render(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);
	__u32 id = base ? btf__type_cnt(base) : 1, n = btf__type_cnt(btf);

	for (; id < n; id++) {
		const char *text = btf_raw_text(btf, id);

		if (strstr(text, "(invalid)") || strstr(text, "(no such type)"))
			return H_REPORT(false, "%s", text);
	}
	return true;
}

static struct btf *corpus_vmlinux(const char *ver)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "vmlinux/%s.btf", ver);
	return btf__parse_raw(CORPUS(rel));
}

static void test_corpus_vmlinux(void)
{
	static const struct {
		const char *ver;
		__u32 types;
	} vms[] = {
		{ "6.1.0-47", 100628 }, { "6.1.0-54", 100734 },
		{ "6.12.115", 112748 }, { "6.18.44", 126521 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(vms) / sizeof(vms[0]); i++) {
		char rel[512];
		struct btf *btf = corpus_vmlinux(vms[i].ver);
		int id;

		snprintf(rel, sizeof(rel), "vmlinux/%s.btf", vms[i].ver);
		if (!ASSERT_OK_PTR(btf))
			continue;
		ASSERT_EQ(btf__type_cnt(btf), vms[i].types + 1);
		ASSERT_TRUE(file_matches_raw(btf, CORPUS(rel)));
		id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
		if (ASSERT_GT(id, 0))
			ASSERT_GT(btf__resolve_size(btf, id), 1000);
		ASSERT_EQ(btf__pointer_size(btf), 8);
		btf__free(btf);
	}
}

static void test_corpus_modules(const char *ver)
{
	char rel[512];
	struct btf *vmlinux = corpus_vmlinux(ver);
	struct dirent *de;
	DIR *dir;
	int n = 0;

	snprintf(rel, sizeof(rel), "modules/%s", ver);
	dir = opendir(CORPUS(rel));
	if (!ASSERT_OK_PTR(vmlinux) || !ASSERT_OK_PTR(dir))
		goto out;
	while ((de = readdir(dir))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		struct btf *mod;

		if (len < 5 || strcmp(name + len - 4, ".btf"))
			continue;
		snprintf(rel, sizeof(rel), "modules/%s/%s", ver, name);
		mod = btf__parse_raw_split(CORPUS(rel), vmlinux);
		if (!H_REPORT(mod != NULL, "%s: errno %d", rel, errno))
			continue;
		n++;
		ASSERT_TRUE(btf__base_btf(mod) == vmlinux);
		ASSERT_GT(btf__type_cnt(mod), btf__type_cnt(vmlinux));
		H_REPORT(file_matches_raw(mod, CORPUS(rel)), "%s: raw data differs from the file", rel);
		all_types_render(mod);
		btf__free(mod);
	}
	ASSERT_GE(n, 20);
out:
	if (dir)
		closedir(dir);
	btf__free(vmlinux);
}

static void test_corpus_ko(void)
{
	static const char *const kos[] = { "e1000e", "ext4", "nf_conntrack", "tun" };
	struct btf *vmlinux = corpus_vmlinux("6.1.0-47");
	unsigned int i;

	if (!ASSERT_OK_PTR(vmlinux))
		return;
	for (i = 0; i < sizeof(kos) / sizeof(kos[0]); i++) {
		char ko[256], raw[256];
		struct btf *mod;

		snprintf(ko, sizeof(ko), "ko/6.1.0-47/%s.ko", kos[i]);
		snprintf(raw, sizeof(raw), "modules/6.1.0-47/%s.btf", kos[i]);
		mod = btf__parse_elf_split(CORPUS(ko), vmlinux);
		if (H_REPORT(mod != NULL, "%s: errno %d", ko, errno)) {
			ASSERT_TRUE(btf__base_btf(mod) == vmlinux);
			H_REPORT(file_matches_raw(mod, CORPUS(raw)), "%s: .BTF differs from %s", ko,
				 raw);
		}
		btf__free(mod);
		mod = btf__parse_split(CORPUS(ko), vmlinux);
		if (H_REPORT(mod != NULL, "%s: errno %d", ko, errno))
			ASSERT_TRUE(file_matches_raw(mod, CORPUS(raw)));
		btf__free(mod);
		/* module BTF is split: without its base it does not parse */
		ASSERT_BTF_ERRNO(btf__parse_elf(CORPUS(ko), NULL), EINVAL);
	}
	btf__free(vmlinux);
}

/* libbpf 1.7.0's distill/relocate outputs parse, over the right bases. */
static void test_corpus_expected(void)
{
	static const char *const mods[] = { "btrfs", "e1000e", "ext4", "nf_conntrack", "tun",
					    "virtio_net" };
	struct btf *vm54 = corpus_vmlinux("6.1.0-54");
	unsigned int i;

	if (!ASSERT_OK_PTR(vm54))
		return;
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		char p_base[256], p_split[256], p_reloc[256];
		struct btf *base, *split = NULL, *reloc = NULL;

#define EXP(buf, what) snprintf(buf, sizeof(buf), "expected/libbpf-1.7.0/%s.47-on-54." what \
				".libbpf-1.7.0.btf", mods[i])
		EXP(p_base, "distilled_base");
		EXP(p_split, "distilled_split");
		EXP(p_reloc, "relocated_split");
#undef EXP
		base = btf__parse_raw(CORPUS(p_base));
		if (!H_REPORT(base != NULL, "%s: errno %d", p_base, errno))
			continue;
		ASSERT_TRUE(file_matches_raw(base, CORPUS(p_base)));
		split = btf__parse_raw_split(CORPUS(p_split), base);
		reloc = btf__parse_raw_split(CORPUS(p_reloc), vm54);
		if (H_REPORT(split && reloc, "%s: %p %p errno %d", mods[i], (void *)split,
			     (void *)reloc, errno)) {
			/* same own types, over a base of another size */
			ASSERT_EQ(btf__type_cnt(split) - btf__type_cnt(base),
				  btf__type_cnt(reloc) - btf__type_cnt(vm54));
			ASSERT_TRUE(file_matches_raw(split, CORPUS(p_split)));
			ASSERT_TRUE(file_matches_raw(reloc, CORPUS(p_reloc)));
			all_types_render(split);
		}
		btf__free(reloc);
		btf__free(split);
		btf__free(base);
	}
	btf__free(vm54);
}

static void test_corpus(void)
{
	if (!harness_exists(CORPUS("README.md"))) {
		harness_skip("corpus tests: no corpus at %s (set LIBBTF_CORPUS or --corpus)",
			     harness_corpus_dir);
		return;
	}
	test_corpus_vmlinux();
	test_corpus_modules("6.1.0-47");
	test_corpus_modules("6.12.115");
	test_corpus_ko();
	test_corpus_expected();
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_new_valid();
	test_new_long_header();
	test_new_truncated();
	test_new_malformed();
	test_new_swapped_header();
	{
		struct btf *small = btf__parse_raw(TEST_DATA("small.btf"));

		if (ASSERT_OK_PTR(small)) {
			test_parse_raw_files(small);
			test_parse_elf_files(small);
		}
		test_parse_elf_built();
		btf__free(small);
	}
	test_corpus();
	return harness_done();
}
