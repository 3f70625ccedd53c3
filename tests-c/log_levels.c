/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * log_levels.c — which messages a library hands to the libbpf_set_print() callback, and at which
 * level, for each of a list of failures (and a few successes), with the return value and errno.
 *
 * Built twice by tests-c/log-levels.sh: against libbtf.so.1 and against libbpf 1.7.0 itself (the
 * libbpf-sys build); the two outputs must be identical. Only levels are compared, not wording:
 * libbtf words its messages its own way, but must speak exactly where libbpf speaks, at the same
 * level (libbpf's default printer shows WARN and INFO and hides DEBUG).
 *
 * Usage: log_levels TEST_DATA_DIR TMP_DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/btf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static char levels[64];
static size_t nlevels;

static int record(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
	if (nlevels + 1 < sizeof(levels))
		levels[nlevels++] = level == LIBBPF_WARN ? 'W' : level == LIBBPF_INFO ? 'I' : 'D';
	levels[nlevels] = '\0';
	return 0;
}

static void start(void)
{
	nlevels = 0;
	levels[0] = '\0';
	errno = 0;
}

static void report_ptr(const char *what, const char *input, struct btf *btf)
{
	int err = btf ? 0 : errno;

	printf("%-22s %-18s -> %s errno=%d levels=[%s]\n", what, input, btf ? "object" : "NULL", err,
	       levels);
	btf__free(btf);
}

static void report_int(const char *what, const char *input, int ret)
{
	printf("%-22s %-18s -> ret=%d errno=%d levels=[%s]\n", what, input, ret, ret < 0 ? errno : 0,
	       levels);
}

static char tmp_dir[4096];

/* A .BTF.ext in native order: 32-byte header, one func_info record, one line_info record. */
static size_t make_ext(uint32_t *w)
{
	static const uint32_t words[] = {
		0x0001eb9f, 32, 0, 20, 20, 28, 48, 0, /* header (magic, version 1, flags 0 first) */
		8, 1, 1, 0, 1,                        /* func_info: rec size, block, record */
		16, 1, 1, 0, 1, 1, 1 << 10,           /* line_info */
	};

	memcpy(w, words, sizeof(words));
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		w[0] = 0xeb9f0100;
	return sizeof(words);
}

static void report_ext(const char *input, struct btf_ext *ext)
{
	int err = ext ? 0 : errno;

	printf("%-22s %-18s -> %s errno=%d levels=[%s]\n", "btf_ext__new", input,
	       ext ? "object" : "NULL", err, levels);
	btf_ext__free(ext);
}

/* btf_ext__new on a good .BTF.ext, the same byte-swapped, and one malformation at a time. */
static void ext_cases(void)
{
	static const struct {
		const char *name;
		int word;     /* -1: none */
		uint32_t value;
		size_t len;   /* 0: whole */
	} cases[] = {
		{ "good", -1, 0, 0 },
		{ "too-short", -1, 0, 7 },
		{ "bad-magic", 0, 0x00010000, 0 },
		{ "version-2", 0, 0x0002eb9f, 0 },
		{ "flags-1", 0, 0x0101eb9f, 0 },
		{ "hdr_len-eq-size", 1, 80, 0 },
		{ "hdr_len-gt-size", 1, 81, 0 },
		{ "hdr_len-20", 1, 20, 0 },
		{ "func-unaligned", 2, 2, 0 },
		{ "func-past-end", 3, 200, 0 },
		{ "func-no-rec-size", 3, 2, 0 },
		{ "func-rec-size-4", 8, 4, 0 },
		{ "func-no-records", 3, 4, 0 },
		{ "func-short-block", 3, 8, 0 },
		{ "func-num_info-0", 10, 0, 0 },
		{ "func-num_info-big", 10, 9, 0 },
		{ "line-rec-size-8", 13, 8, 0 },
		{ "truncated", -1, 0, 60 },
	};
	uint32_t w[32], swapped[32];
	size_t len, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = make_ext(w);
		if (cases[i].word >= 0)
			w[cases[i].word] = cases[i].value;
		if (cases[i].word == 0 && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
			w[0] = __builtin_bswap32(cases[i].value);
		start();
		report_ext(cases[i].name, btf_ext__new((const __u8 *)w, cases[i].len ?: len));
	}
	len = make_ext(w);
	for (i = 0; i < len / 4; i++)
		swapped[i] = __builtin_bswap32(w[i]);
	/* the header's first word: a u16 magic and two bytes, not a u32 */
	memcpy(swapped, (uint8_t[]){ ((uint8_t *)&w[0])[1], ((uint8_t *)&w[0])[0], 1, 0 }, 4);
	start();
	report_ext("good-swapped", btf_ext__new((const __u8 *)swapped, len));
	swapped[8] = __builtin_bswap32(12); /* longer records: refused in the other byte order */
	start();
	report_ext("swapped-rec-size-12", btf_ext__new((const __u8 *)swapped, len));
}


/* Writes `len` bytes to TMP_DIR/name and returns the path (static buffer per call site). */
static const char *put_file(const char *name, const void *data, size_t len)
{
	static char paths[32][4200];
	static int next;
	char *path = paths[next++ % 32];
	FILE *f;

	snprintf(path, 4200, "%s/%s", tmp_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	return path;
}

/* Raw BTF: a 24-byte header, `types` (ntypes words, native order) and `strs`. */
static size_t make_btf(uint8_t *out, const uint32_t *types, size_t ntypes, const char *strs,
		       size_t str_len)
{
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(h),
		.type_off = 0,
		.type_len = ntypes * 4,
		.str_off = ntypes * 4,
		.str_len = str_len,
	};

	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), types, ntypes * 4);
	memcpy(out + sizeof(h) + ntypes * 4, strs, str_len);
	return sizeof(h) + ntypes * 4 + str_len;
}

#define INFO(kind, vlen) (((uint32_t)(kind) << 24) | (vlen))

struct input {
	const char *name;
	uint8_t bytes[512];
	size_t len;
};

int main(int argc, char **argv)
{
	static const char strs[] = "\0int\0p";
	static struct input in[20];
	const char *small_path;
	struct btf *base;
	char path[4200];
	int n = 0, i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TEST_DATA_DIR TMP_DIR\n", argv[0]);
		return 2;
	}
	snprintf(tmp_dir, sizeof(tmp_dir), "%s", argv[2]);
	snprintf(path, sizeof(path), "%s/small.btf", argv[1]);
	small_path = strdup(path);
	libbpf_set_print(record);

	/* Valid: [1] INT int 4 bytes, [2] PTR -> 1. */
	{
		uint32_t t[] = { 1, INFO(BTF_KIND_INT, 0), 4, 32, 0, INFO(BTF_KIND_PTR, 0), 1 };
		in[n].name = "valid";
		in[n].len = make_btf(in[n].bytes, t, 7, strs, sizeof(strs));
		n++;
	}
	/* Header only partly there. */
	in[n].name = "header-short";
	memcpy(in[n].bytes, in[0].bytes, 12);
	in[n++].len = 12;
	/* hdr_len larger than the data. */
	in[n].name = "hdr-len-too-big";
	memcpy(in[n].bytes, in[0].bytes, in[0].len);
	((struct btf_header *)in[n].bytes)->hdr_len = 1000;
	in[n].len = in[0].len;
	n++;
	/* String section past the end. */
	in[n].name = "str-past-end";
	memcpy(in[n].bytes, in[0].bytes, in[0].len);
	((struct btf_header *)in[n].bytes)->str_len = 400;
	in[n].len = in[0].len;
	n++;
	/* Last string byte not NUL. */
	{
		uint32_t t[] = { 1, INFO(BTF_KIND_INT, 0), 4, 32 };
		static const char bad[] = { 0, 'i', 'n', 't', 0, 'p' };
		in[n].name = "str-not-nul";
		in[n].len = make_btf(in[n].bytes, t, 4, bad, sizeof(bad));
		n++;
	}
	/* Strings not starting with "": split BTF read without its base. */
	{
		uint32_t t[] = { 0, INFO(BTF_KIND_INT, 0), 4, 32 };
		static const char s[] = "int";
		in[n].name = "str-no-empty";
		in[n].len = make_btf(in[n].bytes, t, 4, s, sizeof(s));
		n++;
	}
	/* A STRUCT whose members overrun the type section. */
	{
		uint32_t t[] = { 1, INFO(BTF_KIND_STRUCT, 50), 8 };
		in[n].name = "type-overrun";
		in[n].len = make_btf(in[n].bytes, t, 3, strs, sizeof(strs));
		n++;
	}
	/* Trailing words that do not form a record. */
	{
		uint32_t t[] = { 1, INFO(BTF_KIND_INT, 0), 4, 32, 7 };
		in[n].name = "type-trailing";
		in[n].len = make_btf(in[n].bytes, t, 5, strs, sizeof(strs));
		n++;
	}
	/* A kind libbpf does not know. */
	{
		uint32_t t[] = { 1, INFO(25, 0), 0 };
		in[n].name = "kind-unknown";
		in[n].len = make_btf(in[n].bytes, t, 3, strs, sizeof(strs));
		n++;
	}
	/* A PTR to a type that does not exist. */
	{
		uint32_t t[] = { 1, INFO(BTF_KIND_INT, 0), 4, 32, 0, INFO(BTF_KIND_PTR, 0), 99 };
		in[n].name = "bad-type-ref";
		in[n].len = make_btf(in[n].bytes, t, 7, strs, sizeof(strs));
		n++;
	}
	/* A name offset beyond the strings. */
	{
		uint32_t t[] = { 900, INFO(BTF_KIND_INT, 0), 4, 32 };
		in[n].name = "bad-name-off";
		in[n].len = make_btf(in[n].bytes, t, 4, strs, sizeof(strs));
		n++;
	}
	/* A FUNC whose type is not a FUNC_PROTO. */
	{
		uint32_t t[] = { 1, INFO(BTF_KIND_INT, 0), 4, 32, 5, INFO(BTF_KIND_FUNC, 0), 1 };
		in[n].name = "func-not-proto";
		in[n].len = make_btf(in[n].bytes, t, 7, strs, sizeof(strs));
		n++;
	}
	/* Foreign byte order with a header length libbpf cannot swap. */
	{
		uint8_t *b = in[n].bytes;
		in[n].name = "foreign-hdr-len";
		memcpy(b, in[0].bytes, in[0].len);
		b[0] = 0xeb;
		b[1] = 0x9f;
		if (*(uint16_t *)b == BTF_MAGIC) { /* big-endian host: make it little-endian */
			b[0] = 0x9f;
			b[1] = 0xeb;
		}
		for (i = 0; i < 4; i++) /* hdr_len = 28, byte-reversed */
			b[4 + i] = ((uint8_t *)&(uint32_t){ __builtin_bswap32(28) })[i];
		in[n].len = in[0].len;
		n++;
	}

	/* In memory. */
	for (i = 0; i < n; i++) {
		start();
		report_ptr("btf__new", in[i].name, btf__new(in[i].bytes, in[i].len));
	}

	/* The same bytes as files, through every file entry point; and a few files of other kinds. */
	{
		static const char text[] = "hello, world\n";
		const char *files[32], *names[32];
		int nf = 0;

		for (i = 0; i < n; i++) {
			names[nf] = in[i].name;
			files[nf++] = put_file(in[i].name, in[i].bytes, in[i].len);
		}
		names[nf] = "missing";
		snprintf(path, sizeof(path), "%s/does-not-exist", tmp_dir);
		files[nf++] = strdup(path);
		names[nf] = "empty";
		files[nf++] = put_file("empty", "", 0);
		names[nf] = "one-byte";
		files[nf++] = put_file("one-byte", "\x9f", 1);
		names[nf] = "text";
		files[nf++] = put_file("text", text, sizeof(text) - 1);
		names[nf] = "elf-without-btf";
		files[nf++] = argv[0];
		names[nf] = "small.btf";
		files[nf++] = small_path;

		for (i = 0; i < nf; i++) {
			start();
			report_ptr("btf__parse", names[i], btf__parse(files[i], NULL));
			start();
			report_ptr("btf__parse_raw", names[i], btf__parse_raw(files[i]));
			start();
			report_ptr("btf__parse_elf", names[i], btf__parse_elf(files[i], NULL));
		}

		start();
		base = btf__parse(small_path, NULL);
		for (i = 0; i < nf; i++) {
			start();
			report_ptr("btf__parse_split", names[i], btf__parse_split(files[i], base));
		}
	}

	ext_cases();

	/* Calls on a valid object that fail quietly in libbpf. */
	start();
	report_int("btf__find_by_name", "small.btf", btf__find_by_name(base, "no_such_type"));
	start();
	report_int("btf__find_by_name_kind", "small.btf",
		   btf__find_by_name_kind(base, "no_such_type", BTF_KIND_STRUCT));
	start();
	report_int("btf__add_int", "bad-size", btf__add_int(base, "x", 3, 0));
	start();
	report_int("btf__add_ptr", "bad-ref", btf__add_ptr(base, 100000));
	start();
	report_int("btf__resolve_size", "bad-id", (int)btf__resolve_size(base, 100000));
	/* (btf__relocate of BTF that is not split crashes libbpf 1.7.0: not compared.) */
	start();
	report_int("btf__distill_base", "not-split", btf__distill_base(base, NULL, NULL));
	btf__free(base);
	return 0;
}
