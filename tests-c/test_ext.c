/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * .BTF.ext: btf_ext__new on .BTF.ext built here in both byte orders (raw data given back byte for
 * byte, and in the other order after btf_ext__set_endianness; btf_ext__get_raw_data the same),
 * on every truncation and on malformed headers and sub-sections (errno as libbpf's), records
 * longer than known (accepted in native order only); btf__parse_elf / btf__parse filling their
 * btf_ext out-parameter from an ELF file written here (with, without and with a malformed
 * .BTF.ext, which libbpf 1.7.0 leaves out without failing); btf_ext__free(NULL); btf__dedup and
 * btf__permute given a btf_ext (opts->btf_ext) in either byte order: its string offsets and type
 * ids follow the deduplicated strings and types, and the permuted types; failures.
 */
#include "harness.h"

#define NATIVE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN)
#define FOREIGN (NATIVE == BTF_LITTLE_ENDIAN ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN)

struct ext_buf {
	__u8 b[512];
	__u32 len;
	bool big;
};

static void put32(struct ext_buf *e, __u32 at, __u32 v)
{
	int i;

	for (i = 0; i < 4; i++)
		e->b[at + i] = e->big ? v >> (8 * (3 - i)) : v >> (8 * i);
}

static void add32(struct ext_buf *e, __u32 v)
{
	put32(e, e->len, v);
	e->len += 4;
}

/* A .BTF.ext: header of `hdr_len` bytes (24: no core_relo fields), func_info with records of
 * `func_rec` bytes (two functions in section "a", one in "b"), two line_info records, one CO-RE
 * relocation. Padding of longer records is 0xee. */
static void build_ext(struct ext_buf *e, bool big, __u32 hdr_len, __u32 func_rec)
{
	__u32 func_off, line_off, core_off, i;

	memset(e, 0, sizeof(*e));
	e->big = big;
	e->b[0] = big ? 0xeb : 0x9f;
	e->b[1] = big ? 0x9f : 0xeb;
	e->b[2] = 1;
	put32(e, 4, hdr_len);
	e->len = hdr_len;

	func_off = e->len;
	add32(e, func_rec);
	add32(e, 1); /* sec_name_off */
	add32(e, 2); /* num_info */
	for (i = 0; i < 2; i++) {
		__u32 start = e->len;

		add32(e, 64 * i);
		add32(e, 3 + i);
		while (e->len < start + func_rec)
			e->b[e->len++] = 0xee;
	}
	add32(e, 3);
	add32(e, 1);
	i = e->len;
	add32(e, 0);
	add32(e, 5);
	while (e->len < i + func_rec)
		e->b[e->len++] = 0xee;

	line_off = e->len;
	add32(e, 16);
	add32(e, 1);
	add32(e, 2);
	for (i = 0; i < 2; i++) {
		add32(e, 8 * i);
		add32(e, 7);
		add32(e, 9);
		add32(e, (10 + i) << 10 | 2);
	}

	core_off = e->len;
	add32(e, 16);
	add32(e, 3);
	add32(e, 1);
	add32(e, 16);
	add32(e, 4);
	add32(e, 11);
	add32(e, 0);

	put32(e, 8, func_off - hdr_len);
	put32(e, 12, line_off - func_off);
	put32(e, 16, line_off - hdr_len);
	put32(e, 20, core_off - line_off);
	if (hdr_len >= 32) {
		put32(e, 24, core_off - hdr_len);
		put32(e, 28, e->len - core_off);
	} else {
		e->len = core_off;
	}
}

/* Checks `ext`'s raw data equals `want` (btf_ext__raw_data and btf_ext__get_raw_data). */
static void same_raw(const struct btf_ext *ext, const struct ext_buf *want)
{
	const void *raw, *again;
	__u32 size = 0, size2 = 0;

	raw = btf_ext__raw_data(ext, &size);
	if (!ASSERT_OK_PTR(raw) || !ASSERT_EQ(size, want->len))
		return;
	ASSERT_MEMEQ(raw, want->b, size);
	again = btf_ext__get_raw_data(ext, &size2);
	ASSERT_TRUE(again == raw);
	ASSERT_EQ(size2, size);
}

static void test_round_trip(void)
{
	struct ext_buf in, other;
	struct btf_ext *ext;
	int big;

	for (big = 0; big < 2; big++) {
		enum btf_endianness order = big ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN;
		enum btf_endianness other_order = big ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN;

		build_ext(&in, big, 32, 8);
		build_ext(&other, !big, 32, 8);
		ext = btf_ext__new(in.b, in.len);
		if (!ASSERT_OK_PTR(ext))
			continue;
		ASSERT_EQ(btf_ext__endianness(ext), order);
		same_raw(ext, &in);
		ASSERT_OK(btf_ext__set_endianness(ext, other_order));
		ASSERT_EQ(btf_ext__endianness(ext), other_order);
		same_raw(ext, &other);
		ASSERT_OK(btf_ext__set_endianness(ext, order));
		same_raw(ext, &in);
		ASSERT_ERRNO(btf_ext__set_endianness(ext, 2), EINVAL);
		ASSERT_EQ(btf_ext__endianness(ext), order);
		btf_ext__free(ext);

		/* a short header: no CO-RE relocations */
		build_ext(&in, big, 24, 8);
		ext = btf_ext__new(in.b, in.len);
		if (ASSERT_OK_PTR(ext))
			same_raw(ext, &in);
		btf_ext__free(ext);
	}
}

static void test_record_sizes(void)
{
	struct ext_buf in;
	struct btf_ext *ext;

	/* longer records: accepted in this machine's order, refused in the other */
	build_ext(&in, NATIVE == BTF_BIG_ENDIAN, 32, 12);
	ext = btf_ext__new(in.b, in.len);
	if (ASSERT_OK_PTR(ext))
		same_raw(ext, &in);
	btf_ext__free(ext);
	build_ext(&in, FOREIGN == BTF_BIG_ENDIAN, 32, 12);
	ASSERT_PTR_ERRNO(btf_ext__new(in.b, in.len), EINVAL);
	/* shorter or unaligned records: refused in both */
	build_ext(&in, false, 32, 4);
	ASSERT_PTR_ERRNO(btf_ext__new(in.b, in.len), EINVAL);
	build_ext(&in, true, 32, 4);
	ASSERT_PTR_ERRNO(btf_ext__new(in.b, in.len), EINVAL);
	build_ext(&in, NATIVE == BTF_BIG_ENDIAN, 32, 10);
	ASSERT_PTR_ERRNO(btf_ext__new(in.b, in.len), EINVAL);
}

static void test_malformed(void)
{
	struct ext_buf good, bad;
	__u32 n;

	build_ext(&good, false, 32, 8);
	/* every sub-section reaches the end: every truncation is refused */
	for (n = 0; n < good.len; n++) {
		errno = 0;
		struct btf_ext *ext = btf_ext__new(good.b, n);

		if (!H_REPORT(!ext && errno == EINVAL, "truncated to %u: %p, errno %d", n,
			      (void *)ext, errno)) {
			btf_ext__free(ext);
			break;
		}
	}
	bad = good;
	bad.b[0] = 0;
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	bad = good;
	bad.b[2] = 2; /* version */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), ENOTSUP);
	bad = good;
	bad.b[3] = 1; /* flags */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), ENOTSUP);
	bad = good;
	put32(&bad, 4, 20); /* hdr_len without line_info fields */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	bad = good;
	put32(&bad, 4, good.len); /* no data after the header */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	bad = good;
	put32(&bad, 8, 2); /* func_info not aligned */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	bad = good;
	put32(&bad, 12, 0xffffffff); /* func_info past the end */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	bad = good;
	put32(&bad, 32 + 8, 0); /* num_info 0 */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	bad = good;
	put32(&bad, 32 + 8, 1000); /* num_info too large */
	ASSERT_PTR_ERRNO(btf_ext__new(bad.b, bad.len), EINVAL);
	/* a zero-length sub-section is skipped, whatever its offset */
	bad = good;
	put32(&bad, 24, 3);
	put32(&bad, 28, 0);
	{
		struct btf_ext *ext = btf_ext__new(bad.b, bad.len);

		ASSERT_OK_PTR(ext);
		btf_ext__free(ext);
	}
	/* trailing bytes after the sub-sections are kept */
	bad = good;
	bad.len += 8;
	{
		struct btf_ext *ext = btf_ext__new(bad.b, bad.len);

		if (ASSERT_OK_PTR(ext))
			same_raw(ext, &bad);
		btf_ext__free(ext);
	}
	btf_ext__free(NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* ELF files with .BTF and .BTF.ext                                                               */

struct elf_sec {
	const char *name;
	const void *data;
	__u32 size;
};

/* A 64-bit little-endian ELF relocatable file with these PROGBITS sections (and .shstrtab),
 * written to a temp file; returns its path (caller unlinks and frees). */
static char *write_elf(const struct elf_sec *secs, int n)
{
	static __u8 buf[8192];
	__u32 off[4], name[5], len = 64, shstr_off, shstr_len = 1, shoff, i;
	char shstr[128] = "";

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < (__u32)n; i++) {
		len = (len + 7) & ~7u;
		off[i] = len;
		memcpy(buf + len, secs[i].data, secs[i].size);
		len += secs[i].size;
		name[i] = shstr_len;
		strcpy(shstr + shstr_len, secs[i].name);
		shstr_len += strlen(secs[i].name) + 1;
	}
	name[n] = shstr_len;
	strcpy(shstr + shstr_len, ".shstrtab");
	shstr_len += sizeof(".shstrtab");
	shstr_off = len;
	memcpy(buf + len, shstr, shstr_len);
	shoff = (len + shstr_len + 7) & ~7u;

	memcpy(buf, "\177ELF\2\1\1", 7);          /* ELFCLASS64, ELFDATA2LSB, EV_CURRENT */
	buf[16] = 1;                               /* ET_REL */
	buf[18] = 247;                             /* EM_BPF */
	buf[20] = 1;                               /* e_version */
	memcpy(buf + 40, &(__u64){ shoff }, 8);    /* e_shoff (this test runs little-endian) */
	buf[52] = 64;                              /* e_ehsize */
	buf[58] = 64;                              /* e_shentsize */
	buf[60] = n + 2;                           /* e_shnum: null, sections, .shstrtab */
	buf[62] = n + 1;                           /* e_shstrndx */
	for (i = 1; i <= (__u32)n + 1; i++) {
		__u8 *sh = buf + shoff + 64 * i;
		bool strtab = i == (__u32)n + 1;
		__u64 at = strtab ? shstr_off : off[i - 1];
		__u64 size = strtab ? shstr_len : secs[i - 1].size;
		__u32 type = strtab ? 3 : 1;       /* SHT_STRTAB : SHT_PROGBITS */

		memcpy(sh, &name[i - 1], 4);
		memcpy(sh + 4, &type, 4);
		memcpy(sh + 24, &at, 8);
		memcpy(sh + 32, &size, 8);
		sh[48] = 1;                        /* sh_addralign */
	}
	return harness_write_temp(buf, shoff + 64 * (n + 2));
}

static void test_parse_elf(void)
{
	struct btf_ext *ext;
	struct ext_buf e, bad;
	struct btf *btf, *raw_btf;
	const void *btf_raw;
	__u32 btf_size;
	char *path;
	int i;

	if (NATIVE != BTF_LITTLE_ENDIAN) {
		harness_skip("test_parse_elf writes little-endian ELF files");
		return;
	}
	raw_btf = btf__new_empty();
	if (!ASSERT_OK_PTR(raw_btf))
		return;
	ASSERT_GT(btf__add_int(raw_btf, "int", 4, BTF_INT_SIGNED), 0);
	btf_raw = btf__raw_data(raw_btf, &btf_size);
	build_ext(&e, false, 32, 8);

	/* .BTF and .BTF.ext: both functions fill btf_ext */
	path = write_elf((struct elf_sec[]){ { ".BTF", btf_raw, btf_size },
					     { ".BTF.ext", e.b, e.len } },
			 2);
	if (ASSERT_OK_PTR(path)) {
		for (i = 0; i < 2; i++) {
			ext = NULL;
			btf = i ? btf__parse(path, &ext) : btf__parse_elf(path, &ext);
			if (ASSERT_OK_PTR(btf))
				ASSERT_EQ(btf__type_cnt(btf), 2);
			if (ASSERT_OK_PTR(ext))
				same_raw(ext, &e);
			btf_ext__free(ext);
			btf__free(btf);
		}
		/* no btf_ext asked for: .BTF.ext is not read */
		btf = btf__parse_elf(path, NULL);
		ASSERT_OK_PTR(btf);
		btf__free(btf);
#ifndef HARNESS_REF_LIBBPF
		{
			LIBBPF_OPTS(btf_parse_opts, opts, .btf_ext = &ext);

			ext = (struct btf_ext *)&ext;
			btf = btf__parse_opts(path, &opts);
			ASSERT_OK_PTR(btf);
			if (ASSERT_OK_PTR(ext))
				same_raw(ext, &e);
			btf_ext__free(ext);
			btf__free(btf);
			ext = (struct btf_ext *)&ext;
			opts.btf_sec = ".BTF";
			btf = btf__parse_opts(path, &opts);
			ASSERT_OK_PTR(btf);
			if (ASSERT_OK_PTR(ext))
				same_raw(ext, &e);
			btf_ext__free(ext);
			btf__free(btf);
		}
#endif
		unlink(path);
		free(path);
	}

	/* a malformed .BTF.ext: libbpf 1.7.0 still returns the BTF, with btf_ext NULL and errno
	 * left by btf_ext__new */
	bad = e;
	bad.b[2] = 2;
	path = write_elf((struct elf_sec[]){ { ".BTF", btf_raw, btf_size },
					     { ".BTF.ext", bad.b, bad.len } },
			 2);
	if (ASSERT_OK_PTR(path)) {
		for (i = 0; i < 2; i++) {
			ext = (struct btf_ext *)&ext;
			errno = 0;
			btf = i ? btf__parse(path, &ext) : btf__parse_elf(path, &ext);
			ASSERT_EQ(errno, ENOTSUP);
			if (ASSERT_OK_PTR(btf))
				ASSERT_EQ(btf__type_cnt(btf), 2);
			ASSERT_NULL(ext);
			btf__free(btf);
		}
		btf = btf__parse_elf(path, NULL);
		ASSERT_OK_PTR(btf);
		btf__free(btf);
		unlink(path);
		free(path);
	}

	/* no .BTF.ext: btf_ext set to NULL */
	path = write_elf((struct elf_sec[]){ { ".BTF", btf_raw, btf_size } }, 1);
	if (ASSERT_OK_PTR(path)) {
		ext = (struct btf_ext *)&ext;
		btf = btf__parse_elf(path, &ext);
		ASSERT_OK_PTR(btf);
		ASSERT_NULL(ext);
		btf__free(btf);
		unlink(path);
		free(path);
	}
	btf__free(raw_btf);
}

/* A .BTF.ext naming BTF things: one func_info block of section `sec` with functions `fn1` and
 * `fn2`, one line_info block with one line (`file`, `line`), one core_relo block with one
 * relocation of type `relo` and access string `access`. */
struct ext_refs {
	__u32 sec, fn1, fn2, file, line, relo, access;
};

static void build_ext_refs(struct ext_buf *e, bool big, const struct ext_refs *r)
{
	memset(e, 0, sizeof(*e));
	e->big = big;
	e->b[0] = big ? 0xeb : 0x9f;
	e->b[1] = big ? 0x9f : 0xeb;
	e->b[2] = 1;
	put32(e, 4, 32);
	e->len = 32;
	/* func_info: 4 + 8 + 2 * 8 bytes at 0 */
	add32(e, 8);
	add32(e, r->sec);
	add32(e, 2);
	add32(e, 0);
	add32(e, r->fn1);
	add32(e, 64);
	add32(e, r->fn2);
	/* line_info: 4 + 8 + 16 bytes at 28 */
	add32(e, 16);
	add32(e, r->sec);
	add32(e, 1);
	add32(e, 8);
	add32(e, r->file);
	add32(e, r->line);
	add32(e, 3 << 10 | 1);
	/* core_relo: 4 + 8 + 16 bytes at 56 */
	add32(e, 16);
	add32(e, r->sec);
	add32(e, 1);
	add32(e, 16);
	add32(e, r->relo);
	add32(e, r->access);
	add32(e, 0);
	put32(e, 8, 0);
	put32(e, 12, 28);
	put32(e, 16, 28);
	put32(e, 20, 28);
	put32(e, 24, 56);
	put32(e, 28, 28);
}

/* Raw BTF (strings not known to be unique, as when read from a file) with duplicates and
 * strings only a .BTF.ext uses, after an unused one:
 *   [1] int  [2] proto -> 1  [3] FUNC fn -> 2  [4] int  [5] proto -> 4  [6] FUNC fn -> 5
 *   [7] struct s { int a (4); int b (1) }  [8] struct s { int a (1); int b (4) }
 * and the .BTF.ext names that go with it (`refs`). */
static struct btf *dedup_input(struct ext_refs *refs)
{
	struct btf *b = btf__new_empty(), *parsed;
	const void *raw;
	__u32 size;
	int i;

	if (!ASSERT_OK_PTR(b))
		return NULL;
	btf__add_str(b, "unused");
	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	btf__add_func_proto(b, 1);
	btf__add_func(b, "fn", BTF_FUNC_GLOBAL, 2);
	refs->sec = btf__add_str(b, "sec");
	refs->file = btf__add_str(b, "file.c");
	refs->line = btf__add_str(b, "x = 1;");
	refs->access = btf__add_str(b, "0:1");
	btf__add_str(b, "unused too");
	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	btf__add_func_proto(b, 4);
	btf__add_func(b, "fn", BTF_FUNC_GLOBAL, 5);
	for (i = 0; i < 2; i++) {
		btf__add_struct(b, "s", 8);
		btf__add_field(b, "a", i ? 1 : 4, 0, 0);
		btf__add_field(b, "b", i ? 4 : 1, 32, 0);
	}
	refs->fn1 = 6;
	refs->fn2 = 3;
	refs->relo = 8;
	raw = btf__raw_data(b, &size);
	parsed = btf__new(raw, size);
	btf__free(b);
	ASSERT_OK_PTR(parsed);
	return parsed;
}

/* Deduped: [1] int [2] proto [3] fn [4] s; strings of the types first, then the ext's. */
#define DEDUP_EXT_STRS "\0int\0fn\0s\0a\0b\0sec\0file.c\0x = 1;\0" "0:1"
static const struct ext_refs deduped_refs = {
	.sec = 14, .fn1 = 3, .fn2 = 3, .file = 18, .line = 25, .relo = 4, .access = 32,
};

static void test_dedup_ext(void)
{
	int order;

	for (order = 0; order < 2; order++) {
		bool big = order == 1;
		LIBBPF_OPTS(btf_dedup_opts, opts);
		struct ext_refs refs;
		struct ext_buf in, want, other;
		struct btf *btf = dedup_input(&refs);
		struct btf_ext *ext;
		const struct btf_header *hdr;
		__u32 size;

		if (!btf)
			return;
		build_ext_refs(&in, big, &refs);
		ext = btf_ext__new(in.b, in.len);
		if (!ASSERT_OK_PTR(ext)) {
			btf__free(btf);
			return;
		}
		opts.btf_ext = ext;
		ASSERT_OK(btf__dedup(btf, &opts));
		ASSERT_EQ(btf__type_cnt(btf), 5);
		ASSERT_STREQ(btf__str_by_offset(btf, 18), "file.c");
		hdr = btf__raw_data(btf, &size);
		if (ASSERT_EQ(hdr->str_len, sizeof(DEDUP_EXT_STRS)))
			ASSERT_MEMEQ((const char *)hdr + hdr->hdr_len + hdr->str_off, DEDUP_EXT_STRS,
				     sizeof(DEDUP_EXT_STRS));
		build_ext_refs(&want, big, &deduped_refs);
		same_raw(ext, &want);
		/* and in the other byte order */
		build_ext_refs(&other, !big, &deduped_refs);
		ASSERT_OK(btf_ext__set_endianness(ext, big ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN));
		same_raw(ext, &other);
		btf_ext__free(ext);
		btf__free(btf);
	}
}

/* The other-byte-order copy made before dedup: libbtf rewrites it too, in place; libbpf 1.7.0
 * keeps giving the copy made before. */
static void test_dedup_ext_kept_copy(void)
{
	LIBBPF_OPTS(btf_dedup_opts, opts);
	struct ext_refs refs;
	struct ext_buf in, want;
	struct btf *btf = dedup_input(&refs);
	struct btf_ext *ext;
	const void *before, *after;
	__u32 size;

	if (!btf)
		return;
	build_ext_refs(&in, FOREIGN == BTF_BIG_ENDIAN, &refs);
	ext = btf_ext__new(in.b, in.len);
	if (!ASSERT_OK_PTR(ext)) {
		btf__free(btf);
		return;
	}
	ASSERT_OK(btf_ext__set_endianness(ext, FOREIGN));
	before = btf_ext__raw_data(ext, &size);
	opts.btf_ext = ext;
	ASSERT_OK(btf__dedup(btf, &opts));
	after = btf_ext__raw_data(ext, &size);
	ASSERT_TRUE(after == before);
	build_ext_refs(&want, FOREIGN == BTF_BIG_ENDIAN, &deduped_refs);
#ifndef HARNESS_REF_LIBBPF
	same_raw(ext, &want);
#else
	same_raw(ext, &in);
#endif
	btf_ext__free(ext);
	btf__free(btf);
}

static void test_dedup_ext_errors(void)
{
	struct ext_refs refs;
	struct ext_buf in;
	struct btf *btf = dedup_input(&refs);
	struct btf_ext *ext;

	if (!btf)
		return;
	/* an options struct too short to hold btf_ext: the field is not read */
	{
		struct btf_dedup_opts short_opts = { .sz = sizeof(size_t) };

		build_ext_refs(&in, false, &refs);
		ext = btf_ext__new(in.b, in.len);
		if (ASSERT_OK_PTR(ext)) {
			__u32 size;
			const void *raw = btf__raw_data(btf, &size);
			struct btf *copy = btf__new(raw, size);

			ASSERT_OK(btf__dedup(copy, &short_opts));
			same_raw(ext, &in);
			btf__free(copy);
			btf_ext__free(ext);
		}
	}
#ifndef HARNESS_REF_LIBBPF
	/* A type id past the last type, or a string offset past the strings (libbpf reads out of
	 * bounds): -EINVAL, and neither the BTF nor the .BTF.ext changes. */
	{
		struct ext_refs bad[2] = { refs, refs };
		int i;

		bad[0].relo = 9;
		bad[1].line = 4096;
		for (i = 0; i < 2; i++) {
			LIBBPF_OPTS(btf_dedup_opts, opts);
			__u32 s0, s1;
			void *before = harness_raw_copy(btf, &s0);
			const void *after;

			build_ext_refs(&in, true, &bad[i]);
			ext = btf_ext__new(in.b, in.len);
			if (!ASSERT_OK_PTR(ext)) {
				free(before);
				continue;
			}
			opts.btf_ext = ext;
			ASSERT_ERRNO(btf__dedup(btf, &opts), EINVAL);
			after = btf__raw_data(btf, &s1);
			if (ASSERT_EQ(s1, s0))
				ASSERT_MEMEQ(after, before, s0);
			same_raw(ext, &in);
			free(before);
			btf_ext__free(ext);
		}
	}
#endif
	btf__free(btf);
}

static void test_permute_ext(void)
{
	int order;

	for (order = 0; order < 2; order++) {
		bool big = order == 1;
		LIBBPF_OPTS(btf_dedup_opts, dopts);
		LIBBPF_OPTS(btf_permute_opts, popts);
		struct ext_refs refs, permuted;
		struct ext_buf in, want;
		struct btf *btf = dedup_input(&refs);
		struct btf_ext *ext;
		__u32 reverse[5] = { 0, 4, 3, 2, 1 };
		__u32 dup[5] = { 0, 4, 4, 2, 1 };

		if (!btf)
			return;
		build_ext_refs(&in, big, &refs);
		ext = btf_ext__new(in.b, in.len);
		if (!ASSERT_OK_PTR(ext)) {
			btf__free(btf);
			return;
		}
		dopts.btf_ext = ext;
		ASSERT_OK(btf__dedup(btf, &dopts));
		popts.btf_ext = ext;
		/* a map that is not a permutation: nothing changes */
		ASSERT_ERRNO(btf__permute(btf, dup, 5, &popts), EINVAL);
		build_ext_refs(&want, big, &deduped_refs);
		same_raw(ext, &want);

		ASSERT_OK(btf__permute(btf, reverse, 5, &popts));
		ASSERT_STREQ(btf__name_by_offset(btf, btf__type_by_id(btf, 2)->name_off), "fn");
		permuted = deduped_refs;
		permuted.fn1 = permuted.fn2 = 2; /* fn: 3 -> 2 */
		permuted.relo = 1;               /* s: 4 -> 1 */
		build_ext_refs(&want, big, &permuted);
#ifdef HARNESS_REF_LIBBPF
		/* libbpf 1.7.0 keeps giving the other-order copy made before (see
		 * test_dedup_ext_kept_copy): drop it */
		btf_ext__set_endianness(ext, NATIVE);
		btf_ext__set_endianness(ext, big ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN);
#endif
		same_raw(ext, &want);
		btf_ext__free(ext);

#ifndef HARNESS_REF_LIBBPF
		/* A .BTF.ext type id past the last type: -EINVAL, nothing changes (libbpf has remapped
		 * the func_info ids before it meets the bad core_relo id). */
		{
			__u32 s0, s1;
			void *before = harness_raw_copy(btf, &s0);
			const void *after;

			permuted.relo = 5;
			build_ext_refs(&in, big, &permuted);
			ext = btf_ext__new(in.b, in.len);
			popts.btf_ext = ext;
			ASSERT_ERRNO(btf__permute(btf, reverse, 5, &popts), EINVAL);
			after = btf__raw_data(btf, &s1);
			if (ASSERT_EQ(s1, s0))
				ASSERT_MEMEQ(after, before, s0);
			same_raw(ext, &in);
			free(before);
			btf_ext__free(ext);
		}
#endif
		btf__free(btf);
	}
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_round_trip();
	test_record_sizes();
	test_malformed();
	test_parse_elf();
	test_dedup_ext();
	test_dedup_ext_kept_copy();
	test_dedup_ext_errors();
	test_permute_ext();
	return harness_done();
}
