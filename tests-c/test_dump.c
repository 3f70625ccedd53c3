/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * test_dump.c — btf_dump__new / btf_dump__dump_type / btf_dump__emit_type_decl / btf_dump__free:
 * C declarations from BTF built here with btf__add_*, compared with the text libbpf 1.7.0 writes
 * for them (`make test-c-ref` runs this program against libbpf itself to hold the expectations
 * to it), incremental dumping as a BTF grows, every option, and the error paths.
 */
#include "harness.h"

/* Everything the dumper prints, appended. */
struct text {
	char buf[1 << 16];
	size_t len;
};

static void collect(void *ctx, const char *fmt, va_list args)
{
	struct text *t = ctx;
	int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, args);

	if (n > 0)
		t->len += (size_t)n < sizeof(t->buf) - t->len ? (size_t)n : sizeof(t->buf) - t->len - 1;
}

static void reset(struct text *t)
{
	t->len = 0;
	t->buf[0] = '\0';
}

/* Dumps every type of `btf` with one dumper into `t`. */
static void dump_all(struct btf *btf, struct text *t)
{
	struct btf_dump *d = btf_dump__new(btf, collect, t, NULL);
	__u32 id;

	reset(t);
	if (!ASSERT_OK_PTR(d))
		return;
	for (id = 1; id < btf__type_cnt(btf); id++)
		ASSERT_OK(btf_dump__dump_type(d, id));
	btf_dump__free(d);
}

static void test_layout(void)
{
	struct btf *btf = btf__new_empty();
	struct text *t = calloc(1, sizeof(*t));
	int int_id, uchar, llong, s, u, e, e64, proto, fptr, arr, arr2, cint, vptr, tag;

	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	uchar = btf__add_int(btf, "unsigned char", 1, 0);
	llong = btf__add_int(btf, "long long", 8, BTF_INT_SIGNED);
	/* bitfields, padding, a nested anonymous union */
	s = btf__add_struct(btf, "bits", 24);
	btf__add_field(btf, "a", int_id, 0, 3);
	btf__add_field(btf, "b", int_id, 3, 5);
	btf__add_field(btf, "c", uchar, 16, 0);
	btf__add_field(btf, "d", llong, 64, 0);
	u = btf__add_union(btf, NULL, 8);
	btf__add_field(btf, "x", int_id, 0, 0);
	btf__add_field(btf, "y", llong, 0, 0);
	btf__add_struct(btf, "holder", 16);
	btf__add_field(btf, "u", u, 0, 0);
	btf__add_field(btf, "tail", uchar, 64, 0);
	/* a packed struct: a long long at byte 1 */
	btf__add_struct(btf, "packed", 9);
	btf__add_field(btf, "c", uchar, 0, 0);
	btf__add_field(btf, "v", llong, 8, 0);
	/* enums: signed, one byte, and a 64-bit one */
	e = btf__add_enum(btf, "color", 4);
	btf__add_enum_value(btf, "RED", -1);
	btf__add_enum_value(btf, "GREEN", 2);
	btf__add_enum(btf, "tiny", 1);
	btf__add_enum_value(btf, "T0", 0);
	e64 = btf__add_enum64(btf, "big", 8, false);
	btf__add_enum64_value(btf, "HUGE", 0xffffffff00000000ULL);
	/* a function pointer typedef, arrays, modifiers, a type tag */
	proto = btf__add_func_proto(btf, int_id);
	btf__add_func_param(btf, "n", int_id);
	btf__add_func_param(btf, NULL, 0);
	fptr = btf__add_ptr(btf, proto);
	btf__add_typedef(btf, "handler_t", fptr);
	arr = btf__add_array(btf, int_id, int_id, 3);
	arr2 = btf__add_array(btf, int_id, arr, 2);
	cint = btf__add_const(btf, int_id);
	tag = btf__add_type_tag(btf, "user", cint);
	vptr = btf__add_ptr(btf, tag);
	btf__add_struct(btf, "uses", 48);
	btf__add_field(btf, "grid", arr2, 0, 0);
	btf__add_field(btf, "p", vptr, 192, 0);
	btf__add_field(btf, "col", e, 256, 0);
	btf__add_field(btf, "b", e64, 320, 0);
	ASSERT_GT(s, 0);

	dump_all(btf, t);
	ASSERT_STREQ(t->buf,
		     "struct bits {\n"
		     "\tint a: 3;\n"
		     "\tint b: 5;\n"
		     "\tshort: 0;\n"
		     "\tunsigned char c;\n"
		     "\tlong long d;\n"
		     "\tlong: 64;\n"
		     "};\n\n"
		     "struct holder {\n"
		     "\tunion {\n"
		     "\t\tint x;\n"
		     "\t\tlong long y;\n"
		     "\t} u;\n"
		     "\tunsigned char tail;\n"
		     "};\n\n"
		     "struct packed {\n"
		     "\tunsigned char c;\n"
		     "\tlong long v;\n"
		     "} __attribute__((packed));\n\n"
		     "enum color {\n"
		     "\tRED = -1,\n"
		     "\tGREEN = 2,\n"
		     "};\n\n"
		     "enum tiny {\n"
		     "\tT0 = 0,\n"
		     "} __attribute__((mode(byte)));\n\n"
		     "enum big {\n"
		     "\tHUGE = 18446744069414584320ULL,\n"
		     "};\n\n"
		     "typedef int (*handler_t)(int n, ...);\n\n"
		     "struct uses {\n"
		     "\tint grid[2][3];\n"
		     "\tconst int __attribute__((btf_type_tag(\"user\"))) *p;\n"
		     "\tenum color col;\n"
		     "\tenum big b;\n"
		     "};\n\n");

	/* emit_type_decl with each option */
	{
		LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "f");
		struct btf_dump *d = btf_dump__new(btf, collect, t, NULL);

		reset(t);
		ASSERT_OK(btf_dump__emit_type_decl(d, arr2, &opts));
		ASSERT_STREQ(t->buf, "int f[2][3]");
		reset(t);
		ASSERT_OK(btf_dump__emit_type_decl(d, fptr, &opts));
		ASSERT_STREQ(t->buf, "int (*f)(int n, ...)");
		reset(t);
		opts.strip_mods = true;
		ASSERT_OK(btf_dump__emit_type_decl(d, vptr, &opts));
		ASSERT_STREQ(t->buf, "int *f");
		reset(t);
		opts.strip_mods = false;
		opts.field_name = "";
		opts.indent_level = 2;
		ASSERT_OK(btf_dump__emit_type_decl(d, u, &opts));
		ASSERT_STREQ(t->buf, "union {\n\t\t\tint x;\n\t\t\tlong long y;\n\t\t}");
		reset(t);
		ASSERT_OK(btf_dump__emit_type_decl(d, vptr, NULL));
		ASSERT_STREQ(t->buf, "const int __attribute__((btf_type_tag(\"user\"))) *");
#ifndef HARNESS_REF_LIBBPF
		/* libbpf 1.7.0 crashes on a NULL field name; libbtf declares no name */
		reset(t);
		opts.field_name = NULL;
		opts.indent_level = 0;
		ASSERT_OK(btf_dump__emit_type_decl(d, int_id, &opts));
		ASSERT_STREQ(t->buf, "int");
#endif
		btf_dump__free(d);
	}
	btf__free(btf);
	free(t);
}

/* Types added after a dump are picked up by the next call; what was written stays written,
 * and repeated names get libbpf's ___N suffixes. */
static void test_incremental(void)
{
	struct btf *btf = btf__new_empty();
	struct text *t = calloc(1, sizeof(*t));
	struct btf_dump *d = btf_dump__new(btf, collect, t, NULL);
	int int_id, s1, s2, p;

	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	s1 = btf__add_struct(btf, "node", 4);
	btf__add_field(btf, "v", int_id, 0, 0);
	ASSERT_OK(btf_dump__dump_type(d, s1));
	ASSERT_STREQ(t->buf, "struct node {\n\tint v;\n};\n\n");
	reset(t);
	ASSERT_OK(btf_dump__dump_type(d, s1));
	ASSERT_EQ(t->len, 0);
	/* a second struct node, and a pointer-linked pair that needs a forward declaration */
	s2 = btf__add_struct(btf, "node", 8);
	btf__add_field(btf, "w", int_id, 0, 0);
	btf__add_field(btf, "v", int_id, 32, 0);
	p = btf__add_struct(btf, "list", 8);
	btf__add_field(btf, "next", p + 1, 0, 0);
	btf__add_ptr(btf, p);
	ASSERT_OK(btf_dump__dump_type(d, s2));
	ASSERT_OK(btf_dump__dump_type(d, p));
	ASSERT_STREQ(t->buf, "struct node___2 {\n\tint w;\n\tint v;\n};\n\n"
			     "struct list {\n\tstruct list *next;\n};\n\n");
#ifndef HARNESS_REF_LIBBPF
	/* typed data of a type added after the dumper was made (libbpf 1.7.0 reads past its state) */
	{
		int v = 7;

		reset(t);
		ASSERT_EQ(btf_dump__dump_type_data(d, int_id, &v, sizeof(v), NULL), 4);
		ASSERT_STREQ(t->buf, "(int)7");
	}
#endif
	btf_dump__free(d);
	btf__free(btf);
	free(t);
}

static void test_errors(void)
{
	struct btf *btf = btf__new_empty();
	struct text *t = calloc(1, sizeof(*t));
	struct btf_dump *d;
	struct {
		struct btf_dump_opts opts;
		long extra;
	} big = { { sizeof(big) }, 0 };
	struct btf_dump_opts tiny = { 1 };

	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ASSERT_PTR_ERRNO(btf_dump__new(btf, NULL, t, NULL), EINVAL);
	ASSERT_PTR_ERRNO(btf_dump__new(btf, collect, t, &tiny), EINVAL);
	big.extra = 1;
	ASSERT_PTR_ERRNO(btf_dump__new(btf, collect, t, (struct btf_dump_opts *)&big), EINVAL);
	big.extra = 0;
	d = btf_dump__new(btf, collect, t, (struct btf_dump_opts *)&big);
	if (ASSERT_OK_PTR(d)) {
		ASSERT_ERRNO(btf_dump__dump_type(d, 2), EINVAL);
		ASSERT_OK(btf_dump__dump_type(d, 0));
		{
			LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts);
			struct {
				struct btf_dump_emit_type_decl_opts o;
				long extra;
			} bigger = { opts, 1 };

			bigger.o.sz = sizeof(bigger);
			ASSERT_ERRNO(btf_dump__emit_type_decl(d, 1, &bigger.o), EINVAL);
		}
		btf_dump__free(d);
	}
#ifndef HARNESS_REF_LIBBPF
	ASSERT_PTR_ERRNO(btf_dump__new(NULL, collect, t, NULL), EINVAL);
	ASSERT_ERRNO(btf_dump__dump_type(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf_dump__emit_type_decl(NULL, 1, NULL), EINVAL);
#endif
	btf_dump__free(NULL);
	btf__free(btf);
	free(t);
}

/* Typed data: every option, short data, errors. */
static void test_type_data(void)
{
	struct btf *btf = btf__new_empty();
	struct text *t = calloc(1, sizeof(*t));
	struct btf_dump *d;
	int int_id, chr, arr, point, proto, tag;
	struct {
		int x, y;
		char name[8];
	} __attribute__((aligned(8))) v = { 0, 2, "ab" };

	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	arr = btf__add_array(btf, int_id, chr, 8);
	point = btf__add_struct(btf, "point", 16);
	btf__add_field(btf, "x", int_id, 0, 0);
	btf__add_field(btf, "y", int_id, 32, 0);
	btf__add_field(btf, "name", arr, 64, 0);
	proto = btf__add_func_proto(btf, int_id);
	tag = btf__add_decl_tag(btf, "tag", point, -1);
	/* made after the types: libbpf 1.7.0's typed-data dump does not pick up types added after
	 * btf_dump__new and reads past its state (crashes); libbtf does (see test_incremental) */
	d = btf_dump__new(btf, collect, t, NULL);
	{
		LIBBPF_OPTS(btf_dump_type_data_opts, opts);

		reset(t);
		ASSERT_EQ(btf_dump__dump_type_data(d, point, &v, sizeof(v), &opts), 16);
		ASSERT_STREQ(t->buf, "(struct point){\n\t.y = (int)2,\n\t.name = (char[8])[\n\t\t'a',\n\t\t'b',\n\t],\n}");
		reset(t);
		opts.compact = true;
		opts.emit_zeroes = true;
		ASSERT_EQ(btf_dump__dump_type_data(d, point, &v, sizeof(v), &opts), 16);
		ASSERT_STREQ(t->buf, "(struct point){.x = (int)0,.y = (int)2,.name = (char[8])['a','b','\\0',],}");
		reset(t);
		opts.emit_zeroes = false;
		opts.skip_names = true;
		opts.emit_strings = true;
		ASSERT_EQ(btf_dump__dump_type_data(d, point, &v, sizeof(v), &opts), 16);
		ASSERT_STREQ(t->buf, "{2,\"ab\"}");
		reset(t);
		opts.compact = false;
		opts.skip_names = false;
		opts.emit_strings = false;
		opts.indent_str = "  ";
		opts.indent_level = 1;
		ASSERT_EQ(btf_dump__dump_type_data(d, int_id, &v.y, sizeof(int), &opts), 4);
		ASSERT_STREQ(t->buf, "  (int)2");
		/* data shorter than the type: -E2BIG once a base type runs past it */
		reset(t);
		opts.indent_str = NULL;
		opts.indent_level = 0;
		opts.compact = true;
		ASSERT_ERRNO(btf_dump__dump_type_data(d, point, &v, 6, &opts), E2BIG);
		ASSERT_STREQ(t->buf, "(struct point){");
		/* errors */
		ASSERT_ERRNO(btf_dump__dump_type_data(d, 999, &v, sizeof(v), &opts), ENOENT);
		/* a function prototype has no size; a decl tag holds no data */
		reset(t);
		ASSERT_ERRNO(btf_dump__dump_type_data(d, proto, &v, sizeof(v), &opts), EINVAL);
		ASSERT_EQ(t->len, 0);
		ASSERT_ERRNO(btf_dump__dump_type_data(d, tag, &v, sizeof(v), &opts), ENOTSUP);
		ASSERT_TRUE(strstr(t->buf, "<unsupported kind:17>") != NULL);
		{
			struct {
				struct btf_dump_type_data_opts o;
				long extra;
			} bigger = { opts, 1 };

			bigger.o.sz = sizeof(bigger);
			ASSERT_ERRNO(btf_dump__dump_type_data(d, point, &v, sizeof(v), &bigger.o),
				     EINVAL);
		}
	}
	btf_dump__free(d);
	btf__free(btf);
	free(t);
}

/* Typed data of each kind: ints of every size and sign, a bitfield, enums (a value without an
 * enumerator too), a pointer, a union, a string, nested zeros with and without emit_zeroes. */
static void test_type_data_kinds(void)
{
	struct btf *btf = btf__new_empty();
	struct text *t = calloc(1, sizeof(*t));
	struct btf_dump *d;
	int u8_id, s16, u32_id, s64, e, e64, ptr, un, bits, chr, str, outer;
	LIBBPF_OPTS(btf_dump_type_data_opts, opts, .compact = true);
	struct {
		unsigned char a;
		short b;
		unsigned int c;
		long long d;
	} __attribute__((aligned(8))) ints = { 200, -3, 4000000000u, -5 };
	long long word __attribute__((aligned(8))) = 0x1234;
	unsigned int bitword = 0x2d; /* a: 3 bits = 5, b: 4 bits = 5 */
	unsigned int on = 200;
	char text[8] __attribute__((aligned(8))) = "hi\tx";
	struct {
		int zero;
		int one;
	} __attribute__((aligned(8))) nested = { 0, 1 };

	u8_id = btf__add_int(btf, "unsigned char", 1, 0);
	s16 = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	u32_id = btf__add_int(btf, "unsigned int", 4, 0);
	s64 = btf__add_int(btf, "long long", 8, BTF_INT_SIGNED);
	e = btf__add_enum(btf, "state", 4);
	btf__add_enum_value(btf, "OFF", 0);
	btf__add_enum_value(btf, "ON", 200);
	e64 = btf__add_enum64(btf, "wide", 8, false);
	btf__add_enum64_value(btf, "W", 0x1234);
	ptr = btf__add_ptr(btf, u32_id);
	un = btf__add_union(btf, "either", 8);
	btf__add_field(btf, "i", u32_id, 0, 0);
	btf__add_field(btf, "l", s64, 0, 0);
	bits = btf__add_struct(btf, "flags", 4);
	btf__add_field(btf, "a", u32_id, 0, 3);
	btf__add_field(btf, "b", u32_id, 3, 4);
	chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	str = btf__add_array(btf, u32_id, chr, 8);
	outer = btf__add_struct(btf, "pair", 8);
	btf__add_field(btf, "zero", u32_id, 0, 0);
	btf__add_field(btf, "one", u32_id, 32, 0);
	d = btf_dump__new(btf, collect, t, NULL);

	reset(t);
	ASSERT_EQ(btf_dump__dump_type_data(d, u8_id, &ints.a, 1, &opts), 1);
	ASSERT_EQ(btf_dump__dump_type_data(d, s16, &ints.b, 2, &opts), 2);
	ASSERT_EQ(btf_dump__dump_type_data(d, u32_id, &ints.c, 4, &opts), 4);
	ASSERT_EQ(btf_dump__dump_type_data(d, s64, &ints.d, 8, &opts), 8);
	ASSERT_STREQ(t->buf, "(unsigned char)200(short)-3(unsigned int)4000000000(long long)-5");
	reset(t);
	ASSERT_EQ(btf_dump__dump_type_data(d, e, &on, 4, &opts), 4);
	ASSERT_EQ(btf_dump__dump_type_data(d, e, &ints.c, 4, &opts), 4);
	ASSERT_EQ(btf_dump__dump_type_data(d, e64, &word, 8, &opts), 8);
	ASSERT_STREQ(t->buf, "(enum state)ON(enum state)4000000000(enum wide)W");
	reset(t);
	ASSERT_EQ(btf_dump__dump_type_data(d, un, &word, 8, &opts), 8);
	ASSERT_STREQ(t->buf, "(union either){.i = (unsigned int)4660,.l = (long long)4660,}");
	reset(t);
	ASSERT_EQ(btf_dump__dump_type_data(d, bits, &bitword, 4, &opts), 4);
	ASSERT_STREQ(t->buf, "(struct flags){.a = (unsigned int)0x5,.b = (unsigned int)0x5,}");
	reset(t);
	opts.emit_strings = true;
	ASSERT_EQ(btf_dump__dump_type_data(d, str, text, sizeof(text), &opts), 8);
	ASSERT_STREQ(t->buf, "(char[8])\"hi\\x09x\"");
	reset(t);
	ASSERT_EQ(btf_dump__dump_type_data(d, outer, &nested, sizeof(nested), &opts), 8);
	ASSERT_STREQ(t->buf, "(struct pair){.one = (unsigned int)1,}");
	reset(t);
	opts.emit_zeroes = true;
	ASSERT_EQ(btf_dump__dump_type_data(d, outer, &nested, sizeof(nested), &opts), 8);
	ASSERT_STREQ(t->buf, "(struct pair){.zero = (unsigned int)0,.one = (unsigned int)1,}");
	reset(t);
	{
		unsigned int *p = NULL;

		ASSERT_EQ(btf_dump__dump_type_data(d, ptr, &p, sizeof(p), &opts), 8);
		ASSERT_STREQ(t->buf, "(unsigned int *)(nil)");
	}
	btf_dump__free(d);
	btf__free(btf);
	free(t);
}

/* The project's small.btf, as a C header: the callback sees the whole text. */
static void test_small_btf(void)
{
	struct btf *btf = btf__parse(TEST_DATA("small.btf"), NULL);
	struct text *t = calloc(1, sizeof(*t));

	if (ASSERT_OK_PTR(btf)) {
		dump_all(btf, t);
		ASSERT_TRUE(strstr(t->buf, "struct list {\n\tstruct list *next;\n\tstruct list *prev;\n};") != NULL);
		ASSERT_TRUE(strstr(t->buf, "typedef int (*cb_t)(const char *, void *);") != NULL);
		ASSERT_GT(t->len, 500);
	}
	btf__free(btf);
	free(t);
}

#ifndef HARNESS_REF_LIBBPF
/*
 * Anonymous structs, each level embedding the one below twice: 2^40 inline copies at the top.
 * libbpf writes until memory runs out; libbtf's dumper stops at its bound with -E2BIG, hands the
 * callback nothing for that call, and goes on with the next.
 */
static void test_output_bound(void)
{
	struct btf *btf = btf__new_empty();
	struct text *t = calloc(1, sizeof(*t));
	struct btf_dump *d = btf_dump__new(btf, collect, t, NULL);
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "x");
	int int_id, below, top, small, i;

	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	below = int_id;
	for (i = 0; i < 40; i++) {
		int s = btf__add_struct(btf, NULL, 8);

		btf__add_field(btf, "a", below, 0, 0);
		btf__add_field(btf, "b", below, 32, 0);
		below = s;
	}
	top = btf__add_struct(btf, "top", 8);
	btf__add_field(btf, "x", below, 0, 0);
	small = btf__add_struct(btf, "small", 4);
	btf__add_field(btf, "v", int_id, 0, 0);
	ASSERT_EQ(btf_dump__dump_type(d, top), -E2BIG);
	ASSERT_EQ(errno, E2BIG);
	ASSERT_EQ(t->len, 0);
	ASSERT_EQ(btf_dump__emit_type_decl(d, below, &opts), -E2BIG);
	ASSERT_EQ(t->len, 0);
	ASSERT_OK(btf_dump__dump_type(d, small));
	ASSERT_STREQ(t->buf, "struct small {\n\tint v;\n};\n\n");
	btf_dump__free(d);
	btf__free(btf);
	free(t);
}
#endif

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_layout();
	test_incremental();
#ifndef HARNESS_REF_LIBBPF
	test_output_bound();
#endif
	test_errors();
	test_type_data();
	test_type_data_kinds();
	test_small_btf();
	return harness_done();
}
