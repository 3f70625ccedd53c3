// SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0
/*
 * test_check.c — libbtf's own entry points for C tools (node LIBBTF_0.2.0):
 *
 *   libbtf__validate  the kernel's verdict on standalone BTF (BPF_BTF_LOAD's checks), with the
 *                     verifier log's reason in the caller's buffer;
 *   libbtf__check     was a module's split BTF built against this vmlinux? consistent,
 *                     inconsistent or undecidable, with the report in the caller's buffer.
 *
 * BTF built here with btf__add_*, test-data/mod-resilient.o (a module with .BTF.base) and, when the
 * shared corpus is present, real modules over their own and another build's vmlinux. Also every
 * argument error. libbtf-only: nothing is built against libbpf in the reference run.
 */
#include "harness.h"

#ifndef HARNESS_REF_LIBBPF

/* Raw bytes of `btf`, copied (the pointer btf__raw_data returns dies with the object). */
static void *raw_copy(struct btf *btf, __u32 *size)
{
	const void *raw = btf__raw_data(btf, size);
	void *copy = malloc(*size);

	if (copy && raw)
		memcpy(copy, raw, *size);
	return copy;
}

/* A base: [1] int, [2] struct pair { int a; int b; } (8 bytes), [3] FUNC_PROTO, [4] FUNC f. */
static struct btf *make_base(bool func_at_2)
{
	struct btf *b = btf__new_empty();

	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	if (func_at_2) {
		/* Another build: id 2 is a function now. */
		btf__add_func_proto(b, 1);
		btf__add_func(b, "f", BTF_FUNC_GLOBAL, 2);
		btf__add_struct(b, "pair", 8);
		btf__add_field(b, "a", 1, 0, 0);
		btf__add_field(b, "b", 1, 32, 0);
	} else {
		btf__add_struct(b, "pair", 8);
		btf__add_field(b, "a", 1, 0, 0);
		btf__add_field(b, "b", 1, 32, 0);
		btf__add_func_proto(b, 1);
		btf__add_func(b, "f", BTF_FUNC_GLOBAL, 3);
	}
	return b;
}

static void test_validate(void)
{
	char log[256];
	LIBBPF_OPTS(libbtf_check_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct btf *btf = make_base(false);
	__u32 size;
	void *raw = raw_copy(btf, &size);

	printf("-- libbtf__validate\n");
	ASSERT_EQ(libbtf__validate(raw, size, &opts), LIBBTF_CHECK_CONSISTENT);
	ASSERT_STREQ(log, "valid\n");
	ASSERT_EQ(libbtf__validate(raw, size, NULL), 0);
	btf__free(btf);
	free(raw);

	/* A struct whose name is not an identifier: the kernel's "Invalid name". */
	btf = btf__new_empty();
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(btf, "9lives", 4);
	btf__add_field(btf, "x", 1, 0, 0);
	raw = raw_copy(btf, &size);
	ASSERT_EQ(libbtf__validate(raw, size, &opts), LIBBTF_CHECK_INCONSISTENT);
	ASSERT_TRUE(strstr(log, "[2] STRUCT 9lives") != NULL);
	ASSERT_TRUE(strstr(log, "Invalid name") != NULL);

	/* The log is cut to fit and always terminated. */
	opts.log_size = 8;
	ASSERT_EQ(libbtf__validate(raw, size, &opts), 1);
	ASSERT_EQ((int)strlen(log), 7);
	btf__free(btf);

	/* A member past its struct's end. */
	btf = btf__new_empty();
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(btf, "s", 4);
	btf__add_field(btf, "x", 1, 32, 0);
	free(raw);
	raw = raw_copy(btf, &size);
	opts.log_size = sizeof(log);
	ASSERT_EQ(libbtf__validate(raw, size, &opts), 1);
	ASSERT_TRUE(strstr(log, "Member exceeds struct_size") != NULL);

	/* Truncated: refused, never a crash. */
	for (__u32 n = 1; n < size; n++)
		ASSERT_EQ(libbtf__validate(raw, n, NULL), 1);
	btf__free(btf);
	free(raw);
}

static void test_check_small(void)
{
	char log[1024];
	LIBBPF_OPTS(libbtf_check_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct btf *base = make_base(false), *other = make_base(true), *mod;
	__u32 size;
	void *raw;

	printf("-- libbtf__check on hand-made BTF\n");
	/* The module: struct holder { struct pair p; int (*fn)(void); } over `base`. */
	mod = btf__new_empty_split(base);
	ASSERT_EQ(btf__add_ptr(mod, 3), 5);
	ASSERT_EQ(btf__add_struct(mod, "holder", 16), 6);
	ASSERT_OK(btf__add_field(mod, "p", 2, 0, 0));
	ASSERT_OK(btf__add_field(mod, "fn", 5, 64, 0));
	raw = raw_copy(mod, &size);

	/* Its own base: every reference is fine, but raw split BTF does not name its build. */
	ASSERT_EQ(libbtf__check(raw, size, base, &opts), LIBBTF_CHECK_UNDECIDABLE);
	ASSERT_TRUE(strncmp(log, "undecidable", 11) == 0);

	/* Another build where id 2 is a function and id 3 a struct: the member "p" of type [2] is a
	 * function, the pointer [5] points at a struct where a prototype was. */
	ASSERT_EQ(libbtf__check(raw, size, other, &opts), LIBBTF_CHECK_INCONSISTENT);
	ASSERT_TRUE(strncmp(log, "inconsistent", 12) == 0);
	ASSERT_TRUE(strstr(log, "holder") != NULL);

	/* Argument errors. */
	ASSERT_ERRNO(libbtf__check(NULL, size, base, &opts), EINVAL);
	ASSERT_ERRNO(libbtf__check(raw, 0, base, &opts), EINVAL);
	ASSERT_ERRNO(libbtf__check(raw, size, NULL, &opts), EINVAL);
	ASSERT_ERRNO(libbtf__validate(NULL, 4, NULL), EINVAL);
	{
		LIBBPF_OPTS(libbtf_check_opts, no_buf, .log_size = 16);
		struct {
			struct libbtf_check_opts o;
			long tail;
		} bigger = { .o = { .sz = sizeof(bigger) }, .tail = 1 };
		size_t tiny = 4;

		ASSERT_ERRNO(libbtf__check(raw, size, base, &no_buf), EINVAL);
		ASSERT_ERRNO(libbtf__check(raw, size, base, &bigger.o), EINVAL);
		ASSERT_ERRNO(libbtf__validate(raw, size, (struct libbtf_check_opts *)&tiny), EINVAL);
		bigger.tail = 0;
		ASSERT_EQ(libbtf__check(raw, size, base, &bigger.o), LIBBTF_CHECK_UNDECIDABLE);
	}
	/* Neither BTF nor ELF: libbpf's EPROTO, with the reason in the log. */
	log[0] = 0;
	ASSERT_ERRNO(libbtf__check("garbage!", 8, base, &opts), EPROTO);
	ASSERT_TRUE(log[0] != 0);

	btf__free(mod);
	btf__free(other);
	btf__free(base);
	free(raw);
}

static void test_check_distilled(void)
{
	char log[1024];
	LIBBPF_OPTS(libbtf_check_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct btf *small = btf__parse_raw(TEST_DATA("small.btf"));
	struct btf *wrong;
	__u32 size;
	void *elf = harness_read_file(TEST_DATA("mod-resilient.o"), &size);

	printf("-- libbtf__check on a module with .BTF.base\n");
	if (!ASSERT_OK_PTR(small) || !ASSERT_OK_PTR(elf))
		goto out;
	/* Its distilled base was made from small.btf: relocation onto it succeeds. */
	ASSERT_EQ(libbtf__check(elf, size, small, &opts), LIBBTF_CHECK_CONSISTENT);
	ASSERT_TRUE(strstr(log, "relocates") != NULL);
	/* Onto a base without those types: relocation fails, and says why. */
	wrong = make_base(false);
	ASSERT_EQ(libbtf__check(elf, size, wrong, &opts), LIBBTF_CHECK_INCONSISTENT);
	ASSERT_TRUE(strstr(log, "[relocation]") != NULL);
	btf__free(wrong);
out:
	free(elf);
	btf__free(small);
}

static void test_check_corpus(void)
{
	char log[4096];
	LIBBPF_OPTS(libbtf_check_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct btf *vm47, *vm54;
	__u32 size;
	void *ext4;

	if (!harness_exists(CORPUS("README.md"))) {
		harness_skip("corpus tests: no corpus at %s (set LIBBTF_CORPUS or --corpus)",
			     harness_corpus_dir);
		return;
	}
	printf("-- libbtf__check on real modules\n");
	vm47 = btf__parse_raw(CORPUS("vmlinux/6.1.0-47.btf"));
	vm54 = btf__parse_raw(CORPUS("vmlinux/6.1.0-54.btf"));
	ext4 = harness_read_file(CORPUS("modules/6.1.0-47/ext4.btf"), &size);
	if (ASSERT_OK_PTR(vm47) && ASSERT_OK_PTR(vm54) && ASSERT_OK_PTR(ext4)) {
		/* Over its own vmlinux: never flagged. */
		ASSERT_EQ(libbtf__check(ext4, size, vm47, &opts), LIBBTF_CHECK_UNDECIDABLE);
		/* Over the next build's: the kernel's "Invalid name" and many impossible references. */
		ASSERT_EQ(libbtf__check(ext4, size, vm54, &opts), LIBBTF_CHECK_INCONSISTENT);
		ASSERT_TRUE(strstr(log, "Invalid name") != NULL);
		ASSERT_TRUE(strstr(log, "[ref-target]") != NULL);
	}
	/* An ELF module whose vermagic names its release: consistent over that release only. */
	free(ext4);
	ext4 = harness_read_file(CORPUS("ko/6.1.0-47/ext4.ko"), &size);
	if (ASSERT_OK_PTR(ext4) && vm47) {
		opts.base_release = "6.1.0-47-amd64";
		ASSERT_EQ(libbtf__check(ext4, size, vm47, &opts), LIBBTF_CHECK_CONSISTENT);
		opts.base_release = "6.1.0-54-amd64";
		ASSERT_EQ(libbtf__check(ext4, size, vm47, &opts), LIBBTF_CHECK_INCONSISTENT);
		ASSERT_TRUE(strstr(log, "vermagic") != NULL);
	}
	free(ext4);
	btf__free(vm47);
	btf__free(vm54);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_validate();
	test_check_small();
	test_check_distilled();
	test_check_corpus();
	return harness_done();
}

#else /* HARNESS_REF_LIBBPF: libbpf has no such functions */

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	return harness_done();
}

#endif
