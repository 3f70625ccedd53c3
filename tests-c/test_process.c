/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * test_process.c — libbtf.so.1 as a good citizen of its host process:
 *
 *   - no thread outlives a call: the thread count (/proc/self/task) is the same before and after
 *     every kind of call, parses of large inputs included;
 *   - fork: a child forked after a parse, or while other threads parse and build a shared object's
 *     name index, can use the library (it parses, queries, frees) and never hangs;
 *   - threads: 8 threads query one shared object, racing to build its lazy name index, and parse
 *     their own objects, and all get libbpf's answers;
 *   - zero copy: kernel BTF and sealed memfds are mapped (seen in /proc/self/maps), regular files
 *     are not; modifying a mapped object (add, dedup, set_endianness) copies it and leaves the
 *     file as it was; freeing the object unmaps it.
 *
 * The input is the running kernel's BTF when readable, else the corpus 6.18.44 vmlinux, else
 * test-data/small.btf.
 *
 * With LIBBTF_TEST_THREADS_ONLY=1 only the threaded tests run (no fork): `make test-c-helgrind`
 * runs them under valgrind's Helgrind against a libbtf built with happens-before annotations.
 */
#include "harness.h"

#include <pthread.h>
#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define SYSFS_VMLINUX "/sys/kernel/btf/vmlinux"

static const char *source; /* the BTF file every test parses */

static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Whether a line of /proc/self/maps contains `needle`. */
static bool maps_has(const char *needle)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* Every `step`-th named STRUCT/UNION/TYPEDEF/ENUM/INT of `btf` and the id libbtf finds for it. */
struct query {
	char name[128];
	__u32 kind;
	int id;
};

static int make_queries(const struct btf *btf, struct query *q, int max, int step)
{
	int n = 0;
	__u32 id, cnt = btf__type_cnt(btf);

	for (id = 1; id < cnt && n < max; id += step) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);

		if (!name || !*name || strlen(name) >= sizeof(q[n].name))
			continue;
		snprintf(q[n].name, sizeof(q[n].name), "%s", name);
		q[n].kind = btf_kind(t);
		q[n].id = btf__find_by_name_kind(btf, name, q[n].kind);
		n++;
	}
	return n;
}

/* How many of `q` `btf` answers differently (or not with a type of that name and kind). */
static int wrong_answers(const struct btf *btf, const struct query *q, int n)
{
	int i, wrong = 0;

	for (i = 0; i < n; i++) {
		int id = btf__find_by_name_kind(btf, q[i].name, q[i].kind);
		const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;

		wrong += id != q[i].id || !t || btf_kind(t) != q[i].kind ||
			 strcmp(btf__name_by_offset(btf, t->name_off), q[i].name) != 0;
	}
	return wrong;
}

/* ---------------------------------------------------------------------------------------------- */

static void test_no_thread_outlives_a_call(void)
{
	int before = thread_count();
	struct btf *a, *b, *c, *d;
	const void *raw;
	__u32 size = 0;
	void *bytes;

	ASSERT_EQ(before, 1);
	a = btf__parse(source, NULL);
	ASSERT_EQ(thread_count(), before);
	if (!ASSERT_OK_PTR(a))
		return;
	bytes = harness_read_file(source, &size);
	b = btf__new(bytes, size); /* a large input from memory: the copying path */
	ASSERT_EQ(thread_count(), before);
	ASSERT_OK_PTR(b);
	ASSERT_GT(btf__find_by_name(a, "int"), 0);
	ASSERT_EQ(thread_count(), before);
	raw = btf__raw_data(a, &size);
	ASSERT_OK_PTR(raw);
	ASSERT_EQ(thread_count(), before);
	c = btf__new_empty_split(a);
	ASSERT_GT(btf__add_int(c, "libbtf_thread_test", 4, 0), 0);
	ASSERT_OK(btf__dedup(c, NULL));
	ASSERT_EQ(thread_count(), before);
	d = btf__load_vmlinux_btf();
	ASSERT_EQ(thread_count(), before);
	btf__free(d);
	btf__free(c);
	btf__free(b);
	btf__free(a);
	free(bytes);
	ASSERT_EQ(thread_count(), before);
}

/* In a child: parse `source`, answer `q` like the parent, query the parent's `shared` object
 * too, free, and exit 0 when all was right. An alarm turns a hang into a failure. */
static void child_uses_library(const struct btf *shared, const struct query *q, int n)
{
	struct btf *own;
	int bad = 0;

	alarm(120);
	own = btf__parse(source, NULL);
	if (!own)
		_exit(10);
	bad += wrong_answers(own, q, n);
	if (shared)
		bad += wrong_answers(shared, q, n);
	btf__free(own);
	_exit(bad ? 11 : 0);
}

/* Waits for `pid`: it must exit 0 (not hang, not crash). */
static void expect_child_ok(pid_t pid, const char *what)
{
	int status = 0;

	if (!H_REPORT(pid > 0, "%s: fork failed: %s", what, strerror(errno)))
		return;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	H_REPORT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "%s: child %s %d", what, WIFEXITED(status) ? "exited with" : "killed by signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static struct query queries[400];
static int nqueries;

static void test_fork_after_parse(void)
{
	struct btf *btf = btf__parse(source, NULL);
	pid_t pid;

	if (!ASSERT_OK_PTR(btf))
		return;
	pid = fork();
	if (pid == 0)
		child_uses_library(btf, queries, nqueries);
	expect_child_ok(pid, "fork after parse");
	/* The parent goes on with its object. */
	ASSERT_EQ(wrong_answers(btf, queries, nqueries), 0);
	btf__free(btf);
}

struct parser {
	pthread_t thread;
	bool stop; /* atomic */
	int rounds, bad;
};

static void *parse_loop(void *arg)
{
	struct parser *p = arg;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) || p->rounds < 2) {
		struct btf *btf = btf__parse(source, NULL);

		if (!btf) {
			p->bad++;
			break;
		}
		p->bad += wrong_answers(btf, queries, nqueries);
		btf__free(btf);
		p->rounds++;
	}
	return NULL;
}

struct index_builder {
	const struct btf *btf;
	int bad;
};

static void *build_index(void *arg)
{
	struct index_builder *b = arg;

	b->bad = wrong_answers(b->btf, queries, nqueries);
	return NULL;
}

static void test_fork_while_threads_work(void)
{
	const char *runner = getenv("LIBBTF_TEST_RUNNER");
	struct parser p = { 0 };
	int round;

	/* Under valgrind a child forked while another thread allocates inherits that thread's
	 * half-done allocations with no thread left to own them, and memcheck reports them as leaked
	 * at the child's exit: not the library's leak, so this test runs plain and under ASan only. */
	if (runner && strcmp(runner, "valgrind") == 0) {
		harness_skip("fork while threads work: not under valgrind (the child inherits other "
			     "threads' in-flight allocations)");
		return;
	}

	ASSERT_OK(pthread_create(&p.thread, NULL, parse_loop, &p));
	for (round = 0; round < 6; round++) {
		/* A fresh shared object whose name index another thread is building right now. */
		struct btf *shared = btf__parse(source, NULL);
		struct index_builder b = { shared, 0 };
		pthread_t t;
		pid_t pid;

		if (!ASSERT_OK_PTR(shared))
			break;
		ASSERT_OK(pthread_create(&t, NULL, build_index, &b));
		usleep(round * 300);
		pid = fork();
		if (pid == 0)
			child_uses_library(shared, queries, nqueries);
		expect_child_ok(pid, "fork while other threads parse and index");
		ASSERT_OK(pthread_join(t, NULL));
		ASSERT_EQ(b.bad, 0);
		btf__free(shared);
	}
	__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
	ASSERT_OK(pthread_join(p.thread, NULL));
	ASSERT_EQ(p.bad, 0);
	ASSERT_GE(p.rounds, 2);
}

#define NTHREADS 8

struct racer {
	pthread_t thread;
	const struct btf *shared;
	pthread_barrier_t *go;
	int bad;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct btf *own;

	pthread_barrier_wait(r->go);
	r->bad = wrong_answers(r->shared, queries, nqueries);
	own = btf__parse(source, NULL);
	r->bad += own ? wrong_answers(own, queries, nqueries) : 1000;
	btf__free(own);
	return NULL;
}

static void test_threads_share_one_object(void)
{
	struct racer r[NTHREADS];
	pthread_barrier_t go;
	struct btf *shared = btf__parse(source, NULL);
	int i, bad = 0;

	if (!ASSERT_OK_PTR(shared))
		return;
	pthread_barrier_init(&go, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		r[i] = (struct racer){ .shared = shared, .go = &go };
		ASSERT_OK(pthread_create(&r[i].thread, NULL, race, &r[i]));
	}
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_OK(pthread_join(r[i].thread, NULL));
		bad += r[i].bad;
	}
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(thread_count(), 1);
	pthread_barrier_destroy(&go);
	btf__free(shared);
}

/* ---------------------------------------------------------------------------------------------- */

/* Parses `path`, checks it is mapped (`mapped_as` found in /proc/self/maps) or not, modifies it
 * every way, and checks the file still holds `orig` and the mapping goes with the object. */
static void check_modify(const char *path, const char *mapped_as, bool mapped, const void *orig,
			 size_t len)
{
	struct btf *btf = btf__parse(path, NULL), *again;
	enum btf_endianness native, other;
	const void *raw;
	__u32 cnt, size = 0, check_len = 0;
	void *after;

	if (!H_REPORT(btf != NULL, "btf__parse(%s): errno %d", path, errno))
		return;
	H_REPORT(maps_has(mapped_as) == mapped, "%s: mapped is %d, expected %d", path,
		 maps_has(mapped_as), mapped);
	cnt = btf__type_cnt(btf);
	ASSERT_EQ(btf__add_int(btf, "libbtf_cow_test", 4, BTF_INT_SIGNED), (int)cnt);
	native = btf__endianness(btf);
	other = native == BTF_LITTLE_ENDIAN ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN;
	ASSERT_OK(btf__set_endianness(btf, other));
	raw = btf__raw_data(btf, &size);
	again = btf__new(raw, size);
	if (ASSERT_OK_PTR(again)) {
		ASSERT_EQ(btf__type_cnt(again), cnt + 1);
		ASSERT_EQ(btf__endianness(again), other);
	}
	btf__free(again);
	ASSERT_OK(btf__set_endianness(btf, native));
	ASSERT_OK(btf__dedup(btf, NULL));
	ASSERT_EQ(btf__type_cnt(btf), cnt + 1);
	after = harness_read_file(path, &check_len);
	if (ASSERT_OK_PTR(after)) {
		ASSERT_EQ(check_len, (__u32)len);
		H_REPORT(check_len == len && memcmp(after, orig, len) == 0,
			 "%s changed under a modified object", path);
	}
	free(after);
	btf__free(btf);
	H_REPORT(!maps_has(mapped_as), "%s still mapped after btf__free", path);
}

static void test_zero_copy_and_copy_on_write(void)
{
	__u32 size = 0;
	void *bytes = harness_read_file(source, &size);
	char path[64], *tmp;
	int fd;

	if (!ASSERT_OK_PTR(bytes))
		return;
	/* A sealed memfd: the kernel guarantees it never changes, so libbtf maps it. */
	fd = memfd_create("libbtf-cow-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (ASSERT_GE(fd, 0)) {
		ASSERT_EQ(write(fd, bytes, size), (ssize_t)size);
		ASSERT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		check_modify(path, "memfd:libbtf-cow-test", true, bytes, size);
		close(fd);
	}
	/* The same, unsealed: it could be truncated under a mapping, so it is read instead. */
	fd = memfd_create("libbtf-unsealed", MFD_CLOEXEC);
	if (ASSERT_GE(fd, 0)) {
		ASSERT_EQ(write(fd, bytes, size), (ssize_t)size);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		check_modify(path, "memfd:libbtf-unsealed", false, bytes, size);
		close(fd);
	}
	/* A regular file: read, never mapped. */
	tmp = harness_write_temp(bytes, size);
	if (ASSERT_OK_PTR(tmp)) {
		check_modify(tmp, tmp, false, bytes, size);
		unlink(tmp);
		free(tmp);
	}
	free(bytes);

	/* Kernel BTF, mapped as libbpf 1.7 maps it. */
	if (!harness_exists(SYSFS_VMLINUX)) {
		harness_skip("sysfs: %s not readable", SYSFS_VMLINUX);
		return;
	}
	bytes = harness_read_file(SYSFS_VMLINUX, &size);
	if (ASSERT_OK_PTR(bytes))
		check_modify(SYSFS_VMLINUX, SYSFS_VMLINUX, true, bytes, size);
	free(bytes);
	{
		struct btf *vmlinux = btf__load_vmlinux_btf();

		if (ASSERT_OK_PTR(vmlinux))
			ASSERT_TRUE(maps_has(SYSFS_VMLINUX));
		btf__free(vmlinux);
		ASSERT_FALSE(maps_has(SYSFS_VMLINUX));
	}
}

int main(int argc, char **argv)
{
	struct btf *btf;

	harness_init(argc, argv);
	if (harness_exists(SYSFS_VMLINUX))
		source = SYSFS_VMLINUX;
	else if (harness_exists(CORPUS("vmlinux/6.18.44.btf")))
		source = strdup(CORPUS("vmlinux/6.18.44.btf"));
	else
		source = strdup(TEST_DATA("small.btf"));
	printf("input: %s\n", source);
	btf = btf__parse(source, NULL);
	if (!ASSERT_OK_PTR(btf))
		return harness_done();
	nqueries = make_queries(btf, queries, 400, btf__type_cnt(btf) / 400 + 1);
	ASSERT_GT(nqueries, 10);
	btf__free(btf);

	test_no_thread_outlives_a_call();
	test_threads_share_one_object();
	if (getenv("LIBBTF_TEST_THREADS_ONLY"))
		return harness_done();
	test_fork_after_parse();
	test_fork_while_threads_work();
	test_zero_copy_and_copy_on_write();
	return harness_done();
}
