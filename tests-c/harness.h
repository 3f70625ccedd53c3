/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * harness.h — the small test harness of libbtf's C tests (tests-c/).
 *
 * Include it first: it defines _GNU_SOURCE and pulls in <bpf/btf.h>.
 *
 *   ASSERT_*(...)          count a pass or a failure; failures print "FAIL file:line: ..."
 *   ASSERT_ERRNO(e, E)     int call `e` returns -E and leaves errno == E (errno cleared first)
 *   ASSERT_PTR_ERRNO(e, E) pointer call `e` returns NULL and leaves errno == E
 *   ASSERT_BTF_ERRNO(e, E) same for a `struct btf *` constructor (frees an unexpected object)
 *   VALIDATE_RAW(btf, "…", …)  every type of `btf` (base included) rendered as text equals the list
 *   harness_done()         prints "N passed, N failed" and returns the exit status for main()
 *
 * btf_raw_text() renders one type in the raw text format of libbpf's selftests (one line per type,
 * members/params/values/entries on "\n\t"-led lines; see the spec, §6.1), decoded here straight from
 * the record words <linux/btf.h> describes, so it depends on nothing but the record layout.
 *
 * Build with -DHARNESS_REF_LIBBPF to run a program against libbpf itself (the reference): the check
 * that the program got libbtf is then skipped, as are tests of libbtf-only behaviour (NULL handles).
 */
#ifndef LIBBTF_TESTS_HARNESS_H
#define LIBBTF_TESTS_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>
#include <bpf/btf.h>
/* libbpf declares its non-BTF helpers (libbpf_get_error, libbpf_set_print, libbpf_strerror,
 * libbpf_set_strict_mode) and the legacy aliases in these two headers. */
#if __has_include(<bpf/libbpf_legacy.h>)
#include <bpf/libbpf_legacy.h>
#endif
#if __has_include(<bpf/libbpf.h>)
#include <bpf/libbpf.h>
#endif

/* Built against libbtf's include/ (whose btf.h defines LIBBTF_VERSION), unless this is a
 * reference build against libbpf's own headers. */
#if !defined(HARNESS_REF_LIBBPF) && !defined(LIBBTF_VERSION)
#error "tests-c must be compiled with -Iinclude (libbtf's headers): LIBBTF_VERSION is not defined"
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Counting and reporting                                                                         */

static int harness_passed, harness_failed;

__attribute__((format(printf, 4, 5)))
static inline bool harness_report(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		harness_passed++;
		return true;
	}
	harness_failed++;
	printf("FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return false;
}

#define H_REPORT(ok, ...) harness_report((ok), __FILE__, __LINE__, __VA_ARGS__)

/* Every macro evaluates its arguments once and yields whether the check passed. */
#define ASSERT_TRUE(cond) H_REPORT(!!(cond), "%s is false", #cond)
#define ASSERT_FALSE(cond) H_REPORT(!(cond), "%s is true", #cond)

#define H_CMP(a, op, b)                                                                        \
	({                                                                                     \
		long long _a = (long long)(a), _b = (long long)(b);                            \
		H_REPORT(_a op _b, "%s " #op " %s: got %lld, other side %lld", #a, #b, _a, _b); \
	})
#define ASSERT_EQ(actual, expected) H_CMP(actual, ==, expected)
#define ASSERT_NEQ(actual, expected) H_CMP(actual, !=, expected)
#define ASSERT_GT(actual, expected) H_CMP(actual, >, expected)
#define ASSERT_GE(actual, expected) H_CMP(actual, >=, expected)
#define ASSERT_LT(actual, expected) H_CMP(actual, <, expected)
#define ASSERT_OK(res) H_CMP(res, ==, 0)

#define ASSERT_NULL(ptr)                                                                       \
	({                                                                                     \
		const void *_p = (const void *)(ptr);                                          \
		H_REPORT(_p == NULL, "%s is %p, expected NULL", #ptr, _p);                     \
	})
/* A valid object pointer: non-NULL, and libbpf_get_error() agrees (what ASSERT_OK_PTR means). */
#define ASSERT_OK_PTR(ptr)                                                                     \
	({                                                                                     \
		const void *_p = (const void *)(ptr);                                          \
		int _e = errno;                                                                \
		bool _ok = _p != NULL && libbpf_get_error(_p) == 0;                            \
		H_REPORT(_ok, "%s is %p (errno %d: %s), expected an object", #ptr, _p, _e,     \
			 strerror(_e));                                                        \
	})

#define ASSERT_STREQ(actual, expected)                                                         \
	({                                                                                     \
		const char *_a = (actual), *_x = (expected);                                   \
		bool _ok = _a && _x && strcmp(_a, _x) == 0;                                    \
		H_REPORT(_ok, "%s:\n  got      \"%s\"\n  expected \"%s\"", #actual,            \
			 _a ? _a : "(NULL)", _x ? _x : "(NULL)");                              \
	})

#define ASSERT_MEMEQ(a, b, len)                                                                \
	({                                                                                     \
		const void *_a = (a), *_b = (b);                                               \
		size_t _n = (len);                                                             \
		H_REPORT(_a && _b && memcmp(_a, _b, _n) == 0, "%s and %s differ in %zu bytes",  \
			 #a, #b, _n);                                                          \
	})

/* int-returning call: must return -err and set errno = err. */
#define ASSERT_ERRNO(expr, err)                                                                \
	({                                                                                     \
		errno = 0;                                                                     \
		long long _r = (long long)(expr);                                              \
		int _e = errno, _x = (err);                                                    \
		H_REPORT(_r == -_x && _e == _x,                                                \
			 "%s: returned %lld, errno %d (%s); expected -%d (%s) and errno %d",  \
			 #expr, _r, _e, strerror(_e), _x, #err, _x);                           \
	})

/* pointer-returning call: must return NULL and set errno = err; yields the pointer. */
#define ASSERT_PTR_ERRNO(expr, err)                                                            \
	({                                                                                     \
		errno = 0;                                                                     \
		const void *_p = (const void *)(expr);                                         \
		int _e = errno, _x = (err);                                                    \
		H_REPORT(_p == NULL && _e == _x,                                               \
			 "%s: returned %p, errno %d (%s); expected NULL and errno %d (%s)",    \
			 #expr, _p, _e, strerror(_e), _x, #err);                               \
		_p;                                                                            \
	})

/* struct btf constructor: NULL + errno = err; an object returned by mistake is freed. */
#define ASSERT_BTF_ERRNO(expr, err) btf__free((struct btf *)ASSERT_PTR_ERRNO(expr, err))

/* ---------------------------------------------------------------------------------------------- */
/* Skips, start-up, summary                                                                       */

static int harness_skipped;

__attribute__((format(printf, 1, 2)))
static inline void harness_skip(const char *fmt, ...)
{
	va_list ap;

	harness_skipped++;
	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Library messages: kept (the last one, and a count), shown only with LIBBTF_TEST_VERBOSE set. */
static char harness_last_message[1024];
static int harness_messages;
static bool harness_verbose;
/* The library's own print callback, as libbpf_set_print handed it back at start-up. */
static libbpf_print_fn_t harness_default_print;

static inline int harness_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	va_list copy;

	harness_messages++;
	va_copy(copy, args);
	vsnprintf(harness_last_message, sizeof(harness_last_message), fmt, copy);
	va_end(copy);
	if (harness_verbose)
		fprintf(stderr, "[lib %d] %s", (int)level, harness_last_message);
	return 0;
}

static const char *harness_corpus_dir = "../shared/corpus";
static const char *harness_data_dir = "test-data";

/* Checks the program runs on libbtf.so.1 (not libbpf) and reads the data directories:
 * LIBBTF_CORPUS / --corpus DIR (the shared corpus), LIBBTF_TEST_DATA / --test-data DIR. */
static inline void harness_init(int argc, char **argv);

/* Threads of this process (entries of /proc/self/task), or -1. */
static inline int harness_thread_count(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* Prints the summary line and returns main()'s exit status. Every program ends with the one
 * thread it started with: no call into the library leaves a thread behind. */
static inline int harness_done(void)
{
	H_REPORT(harness_thread_count() == 1, "%d threads at exit, not 1", harness_thread_count());
	if (harness_skipped)
		printf("(%d skipped)\n", harness_skipped);
	printf("%d passed, %d failed\n", harness_passed, harness_failed);
	fflush(stdout);
	return harness_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Which library are we running on?                                                               */

static inline int harness_phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name, *base = strrchr(name, '/');
	int *libbpf_seen = data;

	(void)size;
	base = base ? base + 1 : name;
	if (strncmp(base, "libbpf.so", 9) == 0)
		(*libbpf_seen)++;
	return 0;
}

static inline void harness_check_library(void)
{
#ifdef HARNESS_REF_LIBBPF
	printf("reference run: linked against libbpf, library check skipped\n");
#else
	void *sym = dlsym(RTLD_DEFAULT, "btf__new");
	Dl_info info = { 0 };
	const char *base = NULL;
	int libbpf_seen = 0;

	if (sym && dladdr(sym, &info) && info.dli_fname) {
		base = strrchr(info.dli_fname, '/');
		base = base ? base + 1 : info.dli_fname;
	}
	if (!H_REPORT(base && strcmp(base, "libbtf.so.1") == 0,
		      "btf__new comes from %s, not libbtf.so.1",
		      info.dli_fname ? info.dli_fname : "(unknown)")) {
		printf("refusing to test another library\n");
		exit(2);
	}
	dl_iterate_phdr(harness_phdr_cb, &libbpf_seen);
	H_REPORT(libbpf_seen == 0, "a libbpf.so is loaded into the process");
#endif
}

static inline void harness_init(int argc, char **argv)
{
	const char *env;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((env = getenv("LIBBTF_CORPUS")) && *env)
		harness_corpus_dir = env;
	if ((env = getenv("LIBBTF_TEST_DATA")) && *env)
		harness_data_dir = env;
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--corpus") == 0)
			harness_corpus_dir = argv[i + 1];
		else if (strcmp(argv[i], "--test-data") == 0)
			harness_data_dir = argv[i + 1];
	}
	harness_verbose = getenv("LIBBTF_TEST_VERBOSE") != NULL;
	harness_check_library();
	harness_default_print = libbpf_set_print(harness_print);
}

/* ---------------------------------------------------------------------------------------------- */
/* Files                                                                                          */

/* "<dir>/<rel>" in a static ring of buffers (several may be live at once). */
static inline const char *harness_path(const char *dir, const char *rel)
{
	static char bufs[8][4096];
	static int next;
	char *buf = bufs[next++ % 8];

	snprintf(buf, sizeof(bufs[0]), "%s/%s", dir, rel);
	return buf;
}
#define CORPUS(rel) harness_path(harness_corpus_dir, rel)
#define TEST_DATA(rel) harness_path(harness_data_dir, rel)

static inline bool harness_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Whole file in a malloc'ed buffer (caller frees), or NULL. */
static inline void *harness_read_file(const char *path, __u32 *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(len ? len : 1);
		if (buf && fread(buf, 1, len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*size = (__u32)len;
	}
	fclose(f);
	return buf;
}

/* Writes `len` bytes to a new temporary file; returns its path (caller unlinks and frees). */
static inline char *harness_write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/libbtf-test-XXXXXX");
	int fd;

	if (!path)
		return NULL;
	fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* ---------------------------------------------------------------------------------------------- */
/* Raw text of a type (the format libbpf's selftests compare against)                            */

static inline const char *harness_kind_name(__u32 kind)
{
	static const char *const names[] = {
		"UNKNOWN", "INT",   "PTR",    "ARRAY",    "STRUCT",   "UNION",      "ENUM",
		"FWD",     "TYPEDEF", "VOLATILE", "CONST", "RESTRICT", "FUNC",    "FUNC_PROTO",
		"VAR",     "DATASEC", "FLOAT",  "DECL_TAG", "TYPE_TAG", "ENUM64",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "UNKNOWN";
}

static inline const char *harness_name(const struct btf *btf, __u32 off)
{
	const char *s;

	if (!off)
		return "(anon)";
	s = btf__name_by_offset(btf, off);
	return s ? s : "(invalid)";
}

struct harness_buf {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static inline void harness_append(struct harness_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

/* Renders type `id` of `btf` into a static buffer, overwritten by the next call. */
static inline const char *btf_raw_text(const struct btf *btf, __u32 id)
{
	static char text[16384];
	struct harness_buf b = { text, 0, sizeof(text) };
	const struct btf_type *t = btf__type_by_id(btf, id);
	const __u32 *w;
	__u32 kind, vlen, kflag, i;

	text[0] = '\0';
	if (!t) {
		harness_append(&b, "[%u] (no such type)", id);
		return text;
	}
	w = (const __u32 *)(t + 1);
	kind = BTF_INFO_KIND(t->info);
	vlen = BTF_INFO_VLEN(t->info);
	kflag = BTF_INFO_KFLAG(t->info);
	harness_append(&b, "[%u] %s '%s'", id, harness_kind_name(kind), harness_name(btf, t->name_off));

	switch (kind) {
	case BTF_KIND_INT: {
		__u32 enc = BTF_INT_ENCODING(w[0]);
		const char *e = enc == 0 ? "(none)" :
				enc == BTF_INT_SIGNED ? "SIGNED" :
				enc == BTF_INT_CHAR ? "CHAR" :
				enc == BTF_INT_BOOL ? "BOOL" : "UNKN";

		harness_append(&b, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size,
			       BTF_INT_OFFSET(w[0]), BTF_INT_BITS(w[0]), e);
		break;
	}
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_TYPE_TAG:
		harness_append(&b, " type_id=%u", t->type);
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const struct btf_array *)w;

		harness_append(&b, " type_id=%u index_type_id=%u nr_elems=%u", a->type, a->index_type,
			       a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = (const struct btf_member *)w;

		harness_append(&b, " size=%u vlen=%u", t->size, vlen);
		for (i = 0; i < vlen; i++, m++) {
			__u32 off = kflag ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
			__u32 bits = kflag ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;

			harness_append(&b, "\n\t'%s' type_id=%u bits_offset=%u",
				       harness_name(btf, m->name_off), m->type, off);
			if (bits)
				harness_append(&b, " bitfield_size=%u", bits);
		}
		break;
	}
	case BTF_KIND_ENUM: {
		const struct btf_enum *v = (const struct btf_enum *)w;

		harness_append(&b, " encoding=%s size=%u vlen=%u", kflag ? "SIGNED" : "UNSIGNED",
			       t->size, vlen);
		for (i = 0; i < vlen; i++, v++) {
			if (kflag)
				harness_append(&b, "\n\t'%s' val=%d", harness_name(btf, v->name_off),
					       v->val);
			else
				harness_append(&b, "\n\t'%s' val=%u", harness_name(btf, v->name_off),
					       (__u32)v->val);
		}
		break;
	}
	case BTF_KIND_ENUM64: {
		const struct btf_enum64 *v = (const struct btf_enum64 *)w;

		harness_append(&b, " encoding=%s size=%u vlen=%u", kflag ? "SIGNED" : "UNSIGNED",
			       t->size, vlen);
		for (i = 0; i < vlen; i++, v++) {
			__u64 val = ((__u64)v->val_hi32 << 32) | v->val_lo32;

			if (kflag)
				harness_append(&b, "\n\t'%s' val=%lld", harness_name(btf, v->name_off),
					       (long long)val);
			else
				harness_append(&b, "\n\t'%s' val=%llu", harness_name(btf, v->name_off),
					       (unsigned long long)val);
		}
		break;
	}
	case BTF_KIND_FWD:
		harness_append(&b, " fwd_kind=%s", kflag ? "union" : "struct");
		break;
	case BTF_KIND_FUNC: {
		static const char *const linkage[] = { "static", "global", "extern" };

		harness_append(&b, " type_id=%u linkage=%s", t->type,
			       vlen < 3 ? linkage[vlen] : "(unknown)");
		break;
	}
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = (const struct btf_param *)w;

		harness_append(&b, " ret_type_id=%u vlen=%u", t->type, vlen);
		for (i = 0; i < vlen; i++, p++)
			harness_append(&b, "\n\t'%s' type_id=%u", harness_name(btf, p->name_off),
				       p->type);
		break;
	}
	case BTF_KIND_VAR: {
		const struct btf_var *v = (const struct btf_var *)w;

		harness_append(&b, " type_id=%u, linkage=%s", t->type,
			       v->linkage == BTF_VAR_STATIC ? "static" :
			       v->linkage == BTF_VAR_GLOBAL_ALLOCATED ? "global-alloc" : "(unknown)");
		break;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = (const struct btf_var_secinfo *)w;

		harness_append(&b, " size=%u vlen=%u", t->size, vlen);
		for (i = 0; i < vlen; i++, v++)
			harness_append(&b, "\n\ttype_id=%u offset=%u size=%u", v->type, v->offset,
				       v->size);
		break;
	}
	case BTF_KIND_FLOAT:
		harness_append(&b, " size=%u", t->size);
		break;
	case BTF_KIND_DECL_TAG:
		harness_append(&b, " type_id=%u component_idx=%d", t->type,
			       ((const struct btf_decl_tag *)w)->component_idx);
		break;
	default:
		break;
	}
	return text;
}

/* Checks that types 1..n of `btf` render as exp[0..n-1]. */
static inline bool harness_validate_types(const char *file, int line, const struct btf *btf,
					  int n, const char *const exp[])
{
	bool ok = true;
	int i;

	for (i = 0; i < n && ok; i++)
		ok = harness_report(strcmp(btf_raw_text(btf, i + 1), exp[i]) == 0, file, line,
				    "type %d:\n  got      \"%s\"\n  expected \"%s\"", i + 1,
				    btf_raw_text(btf, i + 1), exp[i]);
	return ok;
}

/* Checks that `btf` has exactly `n` types after void (base types included) and that type i+1
 * renders as exp[i]. */
static inline bool harness_validate_raw(const char *file, int line, const struct btf *btf, int n,
					const char *const exp[])
{
	return harness_report((int)btf__type_cnt(btf) - 1 == n, file, line,
			      "type count %u, expected %d", btf__type_cnt(btf) - 1, n) &&
	       harness_validate_types(file, line, btf, n, exp);
}
#define VALIDATE_RAW(btf, ...)                                                                 \
	harness_validate_raw(__FILE__, __LINE__, btf,                                           \
			     (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)),   \
			     (const char *const[]){ __VA_ARGS__ })

/* Raw bytes of `btf` copied into a malloc'ed buffer (caller frees), for before/after compares. */
static inline void *harness_raw_copy(const struct btf *btf, __u32 *size)
{
	const void *raw = btf__raw_data(btf, size);
	void *copy;

	if (!raw)
		return NULL;
	copy = malloc(*size ? *size : 1);
	if (copy)
		memcpy(copy, raw, *size);
	return copy;
}

#endif /* LIBBTF_TESTS_HARNESS_H */
