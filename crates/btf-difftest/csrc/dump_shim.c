/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * dump_shim.c — the oracle side of the C-dump differential tests: runs libbpf 1.7.0's btf_dump
 * over a list of type ids and collects everything its va_list printf callback prints, which Rust
 * cannot receive directly on stable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

struct sink {
	char *buf;
	size_t len, cap;
	int failed;
};

/* Room for `more` bytes and a NUL; false (and the sink marked failed) when out of memory. */
static int sink_reserve(struct sink *s, size_t more)
{
	size_t cap;
	char *grown;

	if (s->len + more + 1 <= s->cap)
		return 1;
	cap = (s->len + more + 1) * 2;
	grown = realloc(s->buf, cap);
	if (!grown) {
		s->failed = 1;
		return 0;
	}
	s->buf = grown;
	s->cap = cap;
	return 1;
}

static void sink_printf(void *ctx, const char *fmt, va_list args)
{
	struct sink *s = ctx;
	va_list again;
	int n;

	/* Format straight into the free space; only when it does not fit, grow and format again
	 * (the benchmarks time libbpf through this: one vsnprintf per piece, as a FILE would). */
	va_copy(again, args);
	n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? s->cap - s->len : 0, fmt, again);
	va_end(again);
	if (n < 0) {
		s->failed = 1;
		return;
	}
	if (s->len + n + 1 > s->cap) {
		if (!sink_reserve(s, n))
			return;
		vsnprintf(s->buf + s->len, n + 1, fmt, args);
	}
	s->len += n;
}

static void sink_append_newline(struct sink *s)
{
	if (!sink_reserve(s, 1))
		return;
	s->buf[s->len++] = '\n';
	s->buf[s->len] = '\0';
}

/* btf_dump__dump_type() for each of `ids`, in order, with one dumper. Returns 0 and the text in
 * *out (malloc'd; *out_len bytes), or the first negative error (the text so far still in *out). */
int libbtf_oracle_dump_c(const struct btf *btf, const unsigned int *ids, size_t n, char **out,
			 size_t *out_len)
{
	struct sink s = { 0 };
	struct btf_dump *d;
	int err = 0;
	size_t i;

	d = btf_dump__new(btf, sink_printf, &s, NULL);
	if (!d)
		return -1;
	for (i = 0; i < n && !err; i++)
		err = btf_dump__dump_type(d, ids[i]);
	btf_dump__free(d);
	*out = s.buf;
	*out_len = s.len;
	return s.failed ? -12 : err;
}

/* btf_dump__emit_type_decl() of each of `ids` with one dumper and the same options, a newline
 * after each. Returns 0 and the text in *out (malloc'd), or the first negative error. */
int libbtf_oracle_emit_decls(const struct btf *btf, const unsigned int *ids, size_t n,
			     const char *field_name, int indent_level, int strip_mods, char **out,
			     size_t *out_len)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = field_name,
		    .indent_level = indent_level, .strip_mods = strip_mods);
	struct sink s = { 0 };
	struct btf_dump *d;
	int err = 0;
	size_t i;

	d = btf_dump__new(btf, sink_printf, &s, NULL);
	if (!d)
		return -1;
	for (i = 0; i < n && !err; i++) {
		err = btf_dump__emit_type_decl(d, ids[i], &opts);
		sink_append_newline(&s);
	}
	btf_dump__free(d);
	*out = s.buf;
	*out_len = s.len;
	return s.failed ? -12 : err;
}

/* btf_dump__dump_type_data() of case i: type ids[i], the ids[i]-th bytes at blob + offs[i],
 * sizes[i] of them, all with one dumper and the same options; rcs[i] gets each return value and
 * a newline follows each case's text. */
int libbtf_oracle_dump_data(const struct btf *btf, const unsigned int *ids,
			    const unsigned char *blob, const size_t *offs, const size_t *sizes,
			    size_t n, const char *indent_str, int indent_level, int compact,
			    int skip_names, int emit_zeroes, int emit_strings, int *rcs, char **out,
			    size_t *out_len)
{
	LIBBPF_OPTS(btf_dump_type_data_opts, opts, .indent_str = indent_str,
		    .indent_level = indent_level, .compact = compact, .skip_names = skip_names,
		    .emit_zeroes = emit_zeroes, .emit_strings = emit_strings);
	struct sink s = { 0 };
	struct btf_dump *d;
	size_t i;

	d = btf_dump__new(btf, sink_printf, &s, NULL);
	if (!d)
		return -1;
	for (i = 0; i < n; i++) {
		rcs[i] = btf_dump__dump_type_data(d, ids[i], blob + offs[i], sizes[i], &opts);
		sink_append_newline(&s);
	}
	btf_dump__free(d);
	*out = s.buf;
	*out_len = s.len;
	return s.failed ? -12 : 0;
}
