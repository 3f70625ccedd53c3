/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Error conventions and the non-BTF helpers: NULL handles and NULL arguments to every entry point
 * (libbtf documents -EINVAL / NULL + EINVAL, never a crash), libbpf_get_error on valid, NULL and
 * error-encoded pointers, libbpf_strerror (libbpf's return values, truncation), libbpf_set_print
 * (capturing callback, NULL, restoring, the default's levels), libbpf_set_strict_mode, the legacy
 * aliases, and every exported symbol resolving under its libbpf version node.
 */
#include "harness.h"
#include "fixtures.h"

#include <limits.h>

#define ERR_PTR(err) ((void *)(long)(err))

static void test_get_error(void)
{
	struct btf *btf = btf__new_empty();

	errno = EPERM;
	ASSERT_EQ(libbpf_get_error(btf), 0);
	ASSERT_EQ(libbpf_get_error(&btf), 0);
	/* NULL: the errno the failing call left */
	errno = ENOENT;
	ASSERT_EQ(libbpf_get_error(NULL), -ENOENT);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_BTF_ERRNO(btf__parse_raw("/nonexistent/file"), ENOENT);
	ASSERT_EQ(libbpf_get_error(NULL), -ENOENT);
	/* error-encoded pointers (the pre-1.0 convention) carry their own code into errno */
	errno = 0;
	ASSERT_EQ(libbpf_get_error(ERR_PTR(-EINVAL)), -EINVAL);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(libbpf_get_error(ERR_PTR(-4001)), -4001);
	ASSERT_EQ(errno, 4001);
	ASSERT_EQ(libbpf_get_error(ERR_PTR(-4095)), -4095);
	errno = 0;
	ASSERT_EQ(libbpf_get_error(ERR_PTR(-4096)), 0); /* below the error range: a pointer */
	ASSERT_EQ(errno, 0);
	/* btf__free tolerates NULL and error-encoded pointers */
	btf__free(NULL);
	btf__free(ERR_PTR(-EINVAL));
	btf__free(btf);
}

/* Whether `text` contains one of the '|'-separated words of `words` (any case). */
static bool mentions(const char *text, const char *words)
{
	char copy[128], *word, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", words);
	for (word = strtok_r(copy, "|", &save); word; word = strtok_r(NULL, "|", &save))
		if (strcasestr(text, word))
			return true;
	return false;
}

static void test_strerror(void)
{
	char buf[128], small[4];
	int ret;

	ASSERT_OK(libbpf_strerror(EINVAL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, strerror(EINVAL));
	ASSERT_OK(libbpf_strerror(-ENOENT, buf, sizeof(buf)));
	ASSERT_STREQ(buf, strerror(ENOENT));
	ASSERT_OK(libbpf_strerror(0, buf, sizeof(buf)));
	ASSERT_STREQ(buf, strerror(0));

	/* libbpf's own codes 4000..4013 (enum libbpf_errno), either sign: each its own text, about
	 * the right thing (the words are the library's own) */
	{
		static const char *const about[] = {
			"elf", "object", "version", "endian", "internal", "reloc", "load",
			"verifier", "big|large", "kernel version", "program type", "pid|process",
			"sequence", "netlink",
		};
		char prev[128] = "";

		for (ret = 4000; ret <= 4013; ret++) {
			buf[0] = '\0';
			if (!ASSERT_OK(libbpf_strerror(ret, buf, sizeof(buf))))
				break;
#ifdef HARNESS_REF_LIBBPF
			if (ret == 4006) /* libbpf has no text for LIBBPF_ERRNO__LOAD: "(null)" */
				continue;
#endif
			H_REPORT(mentions(buf, about[ret - 4000]),
				 "libbpf_strerror(%d) = \"%s\": nothing about \"%s\"", ret, buf,
				 about[ret - 4000]);
			H_REPORT(strcmp(buf, prev) != 0, "libbpf_strerror(%d) repeats %d's text", ret,
				 ret - 1);
			snprintf(prev, sizeof(prev), "%s", buf);
		}
	}
	ASSERT_OK(libbpf_strerror(-4001, buf, sizeof(buf)));
	{
		char other[128];

		libbpf_strerror(4001, other, sizeof(other));
		ASSERT_STREQ(buf, other);
	}
	/* past libbpf's range: a message and -ENOENT */
	buf[0] = '\0';
	ASSERT_ERRNO(libbpf_strerror(4014, buf, sizeof(buf)), ENOENT);
	ASSERT_TRUE(strstr(buf, "4014") != NULL);
	ASSERT_ERRNO(libbpf_strerror(-99999, buf, sizeof(buf)), ENOENT);
	ASSERT_TRUE(strstr(buf, "99999") != NULL);

	/* an errno the C library does not know: libbpf passes strerror_r's positive result on */
	errno = 0;
	ret = libbpf_strerror(3999, buf, sizeof(buf));
	ASSERT_EQ(ret, EINVAL);
	ASSERT_EQ(errno, 0);

	/* truncation: always NUL-terminated; ERANGE, with libbpf's sign conventions */
	memset(small, 'x', sizeof(small));
	errno = 0;
	ret = libbpf_strerror(EINVAL, small, sizeof(small));
	ASSERT_EQ(ret, ERANGE);       /* strerror_r's positive code, passed on */
	ASSERT_EQ(small[3], '\0');
	ASSERT_EQ(strncmp(small, strerror(EINVAL), 3), 0);
	memset(small, 'x', sizeof(small));
	ASSERT_ERRNO(libbpf_strerror(4001, small, sizeof(small)), ERANGE);
	ASSERT_EQ(small[3], '\0');
	memset(small, 'x', sizeof(small));
	ASSERT_ERRNO(libbpf_strerror(5000, small, sizeof(small)), ERANGE);
	ASSERT_EQ(small[3], '\0');
	ASSERT_EQ(libbpf_strerror(4001, small, 1), -ERANGE);
	ASSERT_EQ(small[0], '\0');

	/* no buffer */
	ASSERT_ERRNO(libbpf_strerror(EINVAL, NULL, 10), EINVAL);
	ASSERT_ERRNO(libbpf_strerror(EINVAL, buf, 0), EINVAL);
}

/* ---------------------------------------------------------------------------------------------- */
/* libbpf_set_print                                                                               */

static int captured, captured_warn;
static char captured_text[1024];

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	captured++;
	if (level == LIBBPF_WARN)
		captured_warn++;
	vsnprintf(captured_text, sizeof(captured_text), fmt, args);
	return 0;
}

/* Runs `fn` with stderr sent to a temporary file; returns what was written (static buffer). */
static const char *stderr_of(void (*fn)(void))
{
	static char out[4096];
	char path[] = "/tmp/libbtf-stderr-XXXXXX";
	int fd = mkstemp(path), saved;
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return out;
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return out;
}

static struct btf *print_btf;

static void provoke_warning(void)
{
	/* FUNC_PROTO has no alignment: libbpf warns */
	errno = 0;
	btf__align_of(print_btf, 26);
}

static void provoke_quiet_error(void)
{
	btf__add_int(print_btf, "bad", 7, 0);
}

static void test_set_print(void)
{
	libbpf_print_fn_t prev, lib_default;
	const char *out;

	print_btf = fixture_all_kinds(false);
	if (!ASSERT_OK_PTR(print_btf))
		return;

	/* harness_init installed harness_print: set_print hands it back */
	prev = libbpf_set_print(capture_print);
	ASSERT_TRUE(prev == harness_print);
	captured = captured_warn = 0;
	provoke_warning();
	ASSERT_EQ(errno, EINVAL);
	ASSERT_GE(captured_warn, 1);
	ASSERT_GT(strlen(captured_text), 0);
	ASSERT_EQ(captured_text[strlen(captured_text) - 1], '\n');

	/* NULL: silence, no crash */
	ASSERT_TRUE(libbpf_set_print(NULL) == capture_print);
	captured = 0;
	provoke_warning();
	provoke_quiet_error();
	ASSERT_BTF_ERRNO(btf__new("garbage garbage garbage garbage", 32), EINVAL);
	ASSERT_EQ(captured, 0);
	ASSERT_TRUE(libbpf_set_print(capture_print) == NULL);

	/* the library's default callback: warnings to stderr, debug output dropped. It is
	 * whatever set_print returned before harness_init's call; get it by asking for it. */
	lib_default = harness_default_print;
	if (ASSERT_TRUE(lib_default != NULL)) {
		libbpf_set_print(lib_default);
		out = stderr_of(provoke_warning);
		ASSERT_GT(strlen(out), 0);
		out = stderr_of(provoke_quiet_error);
		ASSERT_STREQ(out, "");
	}

	/* restore */
	ASSERT_TRUE(libbpf_set_print(prev) == lib_default);
	btf__free(print_btf);
}

static void test_strict_mode(void)
{
	/* a no-op since libbpf 1.0: every mode is accepted */
	ASSERT_OK(libbpf_set_strict_mode(0));
	ASSERT_OK(libbpf_set_strict_mode(1));
	ASSERT_OK(libbpf_set_strict_mode(~0));
	ASSERT_OK(libbpf_set_strict_mode(0x12345));
}

static void test_legacy_aliases(void)
{
	struct btf *btf = fixture_all_kinds(false);
	__u32 a = 0, b = 0;

	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_TRUE(btf__get_raw_data(btf, &a) == btf__raw_data(btf, &b));
	ASSERT_EQ(a, b);
	ASSERT_GT(a, 0);
	btf__free(btf);
	/* libbpf_find_kernel_btf is covered with btf__load_vmlinux_btf in test_kernel */
}

/* btf__new_empty_split(NULL) is a standalone empty object, in libbpf as in libbtf. */
static void test_empty_split_without_base(void)
{
	struct btf *btf = btf__new_empty_split(NULL);

	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_NULL(btf__base_btf(btf));
	ASSERT_EQ(btf__type_cnt(btf), 1);
	ASSERT_EQ(btf__add_str(btf, "a"), 1);
	btf__free(btf);
}

/* ---------------------------------------------------------------------------------------------- */
/* NULL handles: libbtf's documented behaviour (libbpf would crash on most of these)              */

#ifndef HARNESS_REF_LIBBPF
static void test_null_handles(void)
{
	struct btf *btf = fixture_all_kinds(false);
	struct btf_ext *ext = (struct btf_ext *)&ext;
	__u32 size = 77, map[1] = { 0 };

	if (!ASSERT_OK_PTR(btf))
		return;

	/* constructors and parsers: NULL + EINVAL */
	ASSERT_BTF_ERRNO(btf__new(NULL, 0), EINVAL);
	ASSERT_BTF_ERRNO(btf__new(NULL, 100), EINVAL);
	ASSERT_BTF_ERRNO(btf__new_split(NULL, 100, btf), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse(NULL, &ext), EINVAL);
	ASSERT_NULL(ext);
	ASSERT_BTF_ERRNO(btf__parse(NULL, NULL), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_split(NULL, btf), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_elf(NULL, NULL), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_elf_split(NULL, btf), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_raw(NULL), EINVAL);
	ASSERT_BTF_ERRNO(btf__parse_raw_split(NULL, btf), EINVAL);
	ASSERT_BTF_ERRNO(btf__load_module_btf(NULL, btf), EINVAL);
	ASSERT_BTF_ERRNO(btf__load_module_btf(NULL, NULL), EINVAL);
	btf__free(NULL);

	/* queries */
	errno = 0;
	ASSERT_EQ(btf__type_cnt(NULL), 0);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_NULL(btf__base_btf(NULL));
	ASSERT_PTR_ERRNO(btf__type_by_id(NULL, 0), EINVAL);
	ASSERT_PTR_ERRNO(btf__type_by_id(NULL, 1), EINVAL);
	ASSERT_PTR_ERRNO(btf__str_by_offset(NULL, 0), EINVAL);
	ASSERT_PTR_ERRNO(btf__name_by_offset(NULL, 0), EINVAL);
	ASSERT_ERRNO(btf__find_by_name(NULL, "int"), EINVAL);
	ASSERT_ERRNO(btf__find_by_name(btf, NULL), EINVAL);
	ASSERT_ERRNO(btf__find_by_name_kind(NULL, "int", BTF_KIND_INT), EINVAL);
	ASSERT_ERRNO(btf__find_by_name_kind(btf, NULL, BTF_KIND_INT), EINVAL);
	ASSERT_ERRNO(btf__resolve_size(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__resolve_type(NULL, 1), EINVAL);
	errno = 0;
	ASSERT_EQ(btf__align_of(NULL, 1), 0);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(btf__pointer_size(NULL), 0);
	ASSERT_ERRNO(btf__set_pointer_size(NULL, 8), EINVAL);
	errno = 0;
	ASSERT_EQ(btf__endianness(NULL),
		  __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_ERRNO(btf__set_endianness(NULL, BTF_LITTLE_ENDIAN), EINVAL);
	ASSERT_PTR_ERRNO(btf__raw_data(NULL, &size), EINVAL);
	ASSERT_PTR_ERRNO(btf__get_raw_data(NULL, &size), EINVAL);
	ASSERT_EQ(size, 77); /* untouched */
	ASSERT_EQ(btf__fd(NULL), -1);
	btf__set_fd(NULL, 3);
	ASSERT_ERRNO(btf__load_into_kernel(NULL), EINVAL);

	/* strings */
	ASSERT_ERRNO(btf__find_str(NULL, "int"), EINVAL);
	ASSERT_ERRNO(btf__find_str(btf, NULL), EINVAL);
	ASSERT_ERRNO(btf__add_str(NULL, "int"), EINVAL);
	ASSERT_ERRNO(btf__add_str(btf, NULL), EINVAL);

	/* every btf__add_* on a NULL object */
	ASSERT_ERRNO(btf__add_int(NULL, "i", 4, 0), EINVAL);
	ASSERT_ERRNO(btf__add_float(NULL, "f", 4), EINVAL);
	ASSERT_ERRNO(btf__add_ptr(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_array(NULL, 1, 1, 1), EINVAL);
	ASSERT_ERRNO(btf__add_struct(NULL, "s", 4), EINVAL);
	ASSERT_ERRNO(btf__add_union(NULL, "u", 4), EINVAL);
	ASSERT_ERRNO(btf__add_field(NULL, "f", 1, 0, 0), EINVAL);
	ASSERT_ERRNO(btf__add_enum(NULL, "e", 4), EINVAL);
	ASSERT_ERRNO(btf__add_enum_value(NULL, "V", 1), EINVAL);
	ASSERT_ERRNO(btf__add_enum64(NULL, "e", 8, false), EINVAL);
	ASSERT_ERRNO(btf__add_enum64_value(NULL, "V", 1), EINVAL);
	ASSERT_ERRNO(btf__add_fwd(NULL, "f", BTF_FWD_STRUCT), EINVAL);
	ASSERT_ERRNO(btf__add_typedef(NULL, "t", 1), EINVAL);
	ASSERT_ERRNO(btf__add_volatile(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_const(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_restrict(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_tag(NULL, "t", 1), EINVAL);
	ASSERT_ERRNO(btf__add_type_attr(NULL, "t", 1), EINVAL);
	ASSERT_ERRNO(btf__add_func(NULL, "f", BTF_FUNC_GLOBAL, 26), EINVAL);
	ASSERT_ERRNO(btf__add_func_proto(NULL, 1), EINVAL);
	ASSERT_ERRNO(btf__add_func_param(NULL, "p", 1), EINVAL);
	ASSERT_ERRNO(btf__add_var(NULL, "v", BTF_VAR_STATIC, 1), EINVAL);
	ASSERT_ERRNO(btf__add_datasec(NULL, ".d", 4), EINVAL);
	ASSERT_ERRNO(btf__add_datasec_var_info(NULL, 30, 0, 4), EINVAL);
	ASSERT_ERRNO(btf__add_decl_tag(NULL, "t", 1, -1), EINVAL);
	ASSERT_ERRNO(btf__add_decl_attr(NULL, "t", 1, -1), EINVAL);
	ASSERT_ERRNO(btf__add_type(NULL, btf, btf__type_by_id(btf, 1)), EINVAL);
	ASSERT_ERRNO(btf__add_type(btf, NULL, btf__type_by_id(btf, 1)), EINVAL);
	ASSERT_ERRNO(btf__add_type(btf, btf, NULL), EINVAL);
	ASSERT_ERRNO(btf__add_btf(NULL, btf), EINVAL);
	ASSERT_ERRNO(btf__add_btf(btf, NULL), EINVAL);
	ASSERT_ERRNO(btf__permute(NULL, map, 1, NULL), EINVAL);
	ASSERT_ERRNO(btf__permute(btf, NULL, 1, NULL), EINVAL);
	ASSERT_ERRNO(btf__dedup(NULL, NULL), EINVAL);

	/* the object is as it was */
	harness_validate_raw(__FILE__, __LINE__, btf, ALL_KINDS_CNT, all_kinds_text);
	btf__free(btf);
}

/* ---------------------------------------------------------------------------------------------- */
/* Symbol versions: every name of capi/libbtf.map under its node                                  */

static void test_symbol_versions(void)
{
	const char *path = getenv("LIBBTF_MAP");
	char line[256], node[160] = "";
	int symbols = 0, bad = 0;
	FILE *f;

	f = fopen(path && *path ? path : "capi/libbtf.map", "r");
	if (!f) {
		harness_skip("symbol versions: capi/libbtf.map not found (run from the repository "
			     "root or set LIBBTF_MAP)");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		void *sym;
		Dl_info info;
		int end = 0;

		/* "NODE_x.y.z {" starts a version node; "\tname;" is a symbol in it */
		if (sscanf(line, " %127[A-Z_]%*[0-9.] {%n", name, &end) == 1 && end) {
			sscanf(line, " %159s", node);
			continue;
		}
		if (sscanf(line, " %127[A-Za-z0-9_];%n", name, &end) != 1 || !end || !node[0])
			continue;
		symbols++;
		sym = dlvsym(RTLD_DEFAULT, name, node);
		if (!sym || !dladdr(sym, &info) || !strstr(info.dli_fname, "libbtf.so.1")) {
			if (!bad++)
				H_REPORT(false, "%s@%s does not resolve in libbtf.so.1", name, node);
		}
	}
	fclose(f);
	ASSERT_EQ(bad, 0);
	ASSERT_GE(symbols, 70);
	printf("%d symbols resolved under their version nodes\n", symbols);
}
#endif

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_get_error();
	test_strerror();
	test_set_print();
	test_strict_mode();
	test_legacy_aliases();
	test_empty_split_without_base();
#ifndef HARNESS_REF_LIBBPF
	test_null_handles();
	test_symbol_versions();
#endif
	return harness_done();
}
