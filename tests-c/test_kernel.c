/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * The kernel: btf__load_vmlinux_btf / libbpf_find_kernel_btf (when /sys/kernel/btf/vmlinux
 * exists), btf__load_module_btf, btf__load_into_kernel (BPF_BTF_LOAD of a small valid BTF and of
 * one the kernel rejects), btf__load_from_kernel_by_id(_split) (the loaded object read back by the
 * id BPF_OBJ_GET_INFO_BY_FD reports, the kernel's own vmlinux object, a missing id). Tests needing
 * something this machine lacks or refuses say so and skip.
 */
#include "harness.h"
#include "fixtures.h"

#include <linux/bpf.h>
#include <sys/syscall.h>

#define SYSFS_VMLINUX "/sys/kernel/btf/vmlinux"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* struct bpf_btf_info of a BTF object fd (name into `name` if given); 0 or -errno. */
static int btf_info(int fd, struct bpf_btf_info *info, char *name, __u32 name_len)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	if (name) {
		info->name = (__u64)(unsigned long)name;
		info->name_len = name_len;
	}
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (__u64)(unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) ? -errno : 0;
}

/* A BTF the kernel's verifier accepts: identifiers, one encoding bit per INT, global FUNC. */
static struct btf *kernel_valid_btf(void)
{
	struct btf *btf = btf__new_empty();

	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);       /* 1 */
	btf__add_ptr(btf, 1);                              /* 2 */
	btf__add_struct(btf, "pair", 16);                  /* 3 */
	btf__add_field(btf, "a", 1, 0, 0);
	btf__add_field(btf, "p", 2, 64, 0);
	btf__add_typedef(btf, "pair_t", 3);                /* 4 */
	btf__add_func_proto(btf, 1);                       /* 5 */
	btf__add_func_param(btf, "x", 4);
	btf__add_func(btf, "use_pair", BTF_FUNC_GLOBAL, 5); /* 6 */
	btf__add_enum(btf, "mode", 4);                     /* 7 */
	btf__add_enum_value(btf, "MODE_A", 1);
	btf__add_const(btf, 3);                            /* 8 */
	btf__add_array(btf, 1, 1, 4);                      /* 9 */
	return btf;
}

static void test_vmlinux(struct btf *vmlinux)
{
	struct btf *legacy;
	__u32 size = 0, file_size = 0;
	const void *raw;
	void *file;
	int id;

	ASSERT_GT(btf__type_cnt(vmlinux), 10000);
	ASSERT_NULL(btf__base_btf(vmlinux));
	id = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT);
	if (ASSERT_GT(id, 0))
		ASSERT_GT(btf__resolve_size(vmlinux, id), 1000);
	ASSERT_GT(btf__find_by_name_kind(vmlinux, "int", BTF_KIND_INT), 0);
	ASSERT_EQ(btf__pointer_size(vmlinux), sizeof(void *));
	/* the sysfs bytes, as read */
	raw = btf__raw_data(vmlinux, &size);
	file = harness_read_file(SYSFS_VMLINUX, &file_size);
	if (ASSERT_OK_PTR(raw) && ASSERT_OK_PTR(file) && ASSERT_EQ(size, file_size))
		ASSERT_MEMEQ(raw, file, size);
	free(file);

	legacy = libbpf_find_kernel_btf();
	if (ASSERT_OK_PTR(legacy)) {
		ASSERT_EQ(btf__type_cnt(legacy), btf__type_cnt(vmlinux));
		ASSERT_EQ(btf__find_by_name_kind(legacy, "task_struct", BTF_KIND_STRUCT), id);
	}
	btf__free(legacy);

	/* modules: a missing one is ENOENT; a present one (if any) is split over vmlinux */
	ASSERT_BTF_ERRNO(btf__load_module_btf("no_such_module_libbtf", vmlinux), ENOENT);
	ASSERT_BTF_ERRNO(btf__load_module_btf("no_such_module_libbtf", NULL), ENOENT);
	{
		static const char *const candidates[] = { "bpf_testmod", "nf_conntrack", "ext4",
							  "btrfs", "xfs", "e1000e", "virtio_net",
							  "tun", "bridge", "kvm" };
		unsigned int i;
		bool found = false;

		for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !found; i++) {
			char path[256];
			struct btf *mod;

			snprintf(path, sizeof(path), "/sys/kernel/btf/%s", candidates[i]);
			if (!harness_exists(path))
				continue;
			found = true;
			mod = btf__load_module_btf(candidates[i], vmlinux);
			if (ASSERT_OK_PTR(mod)) {
				ASSERT_TRUE(btf__base_btf(mod) == vmlinux);
				ASSERT_GT(btf__type_cnt(mod), btf__type_cnt(vmlinux));
			}
			btf__free(mod);
		}
		if (!found)
			harness_skip("module BTF: no module BTF under /sys/kernel/btf/ to load");
	}
}

/* Finds the kernel's vmlinux BTF object by walking BTF ids; its id or 0. */
static __u32 kernel_vmlinux_id(void)
{
	union bpf_attr attr;
	__u32 id = 0;

	for (;;) {
		struct bpf_btf_info info;
		char name[64] = "";
		int fd, err;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_BTF_GET_NEXT_ID, &attr))
			return 0;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.btf_id = id;
		fd = sys_bpf(BPF_BTF_GET_FD_BY_ID, &attr);
		if (fd < 0)
			continue;
		err = btf_info(fd, &info, name, sizeof(name));
		close(fd);
		if (!err && info.kernel_btf && strcmp(name, "vmlinux") == 0)
			return id;
	}
}

static void test_load_into_kernel(void)
{
	struct btf *btf = kernel_valid_btf(), *back = NULL, *bad = NULL;
	struct bpf_btf_info info;
	const void *raw, *raw_back;
	__u32 size, size_back;
	int ret, fd, messages;

	if (!ASSERT_OK_PTR(btf))
		return;
	ASSERT_EQ(btf__fd(btf), -1);
	errno = 0;
	ret = btf__load_into_kernel(btf);
	if (ret == -EPERM || ret == -EACCES || ret == -ENOSYS || ret == -EOPNOTSUPP) {
		harness_skip("load into kernel: BPF_BTF_LOAD refused here (%s)", strerror(-ret));
		btf__free(btf);
		return;
	}
	if (!ASSERT_OK(ret)) {
		printf("  last library message: %s", harness_last_message);
		btf__free(btf);
		return;
	}
	fd = btf__fd(btf);
	ASSERT_GE(fd, 0);
	ASSERT_ERRNO(btf__load_into_kernel(btf), EEXIST); /* loaded once */
	ASSERT_EQ(btf__fd(btf), fd);

	/* the kernel's copy: same size, read back by id, byte for byte */
	raw = btf__raw_data(btf, &size);
	if (ASSERT_OK(btf_info(fd, &info, NULL, 0))) {
		ASSERT_GT(info.id, 0);
		ASSERT_EQ(info.btf_size, size);
		ASSERT_EQ(info.kernel_btf, 0);
		back = btf__load_from_kernel_by_id(info.id);
		if (ASSERT_OK_PTR(back)) {
			ASSERT_EQ(btf__fd(back), -1);
			raw_back = btf__raw_data(back, &size_back);
			if (ASSERT_EQ(size_back, size))
				ASSERT_MEMEQ(raw_back, raw, size);
			ASSERT_STREQ(btf_raw_text(back, 6), "[6] FUNC 'use_pair' type_id=5 linkage=global");
		}
		btf__free(back);
		back = btf__load_from_kernel_by_id_split(info.id, NULL);
		if (ASSERT_OK_PTR(back)) {
			ASSERT_NULL(btf__base_btf(back));
			ASSERT_EQ(btf__type_cnt(back), btf__type_cnt(btf));
		}
		btf__free(back);
	}

	/* btf__free closes the fd it owns */
	btf__free(btf);
	errno = 0;
	ASSERT_EQ(fcntl(fd, F_GETFD), -1);
	ASSERT_EQ(errno, EBADF);

	/* BTF written in the other byte order is still loaded in the kernel's */
	btf = kernel_valid_btf();
	btf__set_endianness(btf, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? BTF_BIG_ENDIAN :
									       BTF_LITTLE_ENDIAN);
	ASSERT_OK(btf__load_into_kernel(btf));
	ASSERT_GE(btf__fd(btf), 0);
	btf__free(btf);

	/* what libbpf accepts and the kernel does not: an EXTERN function, a name that is no
	 * identifier. The kernel's verdict comes back as a negative errno, its log as a message. */
	bad = btf__new_empty();
	btf__add_int(bad, "int", 4, BTF_INT_SIGNED);
	btf__add_func_proto(bad, 1);
	btf__add_func(bad, "ext_fn", BTF_FUNC_EXTERN, 2);
	messages = harness_messages;
	ASSERT_ERRNO(btf__load_into_kernel(bad), EINVAL);
	ASSERT_LT(btf__fd(bad), 0); /* libbpf leaves the error there, libbtf -1 */
	ASSERT_GT(harness_messages, messages);
	btf__free(bad);

	bad = btf__new_empty();
	btf__add_int(bad, "int", 4, BTF_INT_SIGNED);
	btf__add_typedef(bad, "not an identifier", 1);
	ASSERT_ERRNO(btf__load_into_kernel(bad), EINVAL);
	ASSERT_LT(btf__fd(bad), 0);
	btf__free(bad);
}

static void test_load_from_kernel(const struct btf *vmlinux)
{
	struct btf *btf;
	__u32 id;

	/* no such object */
	errno = 0;
	btf = btf__load_from_kernel_by_id(0x7ffffff0);
	if (!btf && (errno == EPERM || errno == EACCES)) {
		harness_skip("load from kernel: BPF_BTF_GET_FD_BY_ID refused here (%s)",
			     strerror(errno));
		return;
	}
	ASSERT_NULL(btf);
	ASSERT_EQ(errno, ENOENT);
	btf__free(btf);
	ASSERT_BTF_ERRNO(btf__load_from_kernel_by_id_split(0x7ffffff0, NULL), ENOENT);

	/* the kernel's own vmlinux object: megabytes, more than a first small buffer */
	id = kernel_vmlinux_id();
	if (!id || !vmlinux) {
		harness_skip("load from kernel: no vmlinux BTF object found by id");
		return;
	}
	btf = btf__load_from_kernel_by_id(id);
	if (ASSERT_OK_PTR(btf)) {
		ASSERT_EQ(btf__type_cnt(btf), btf__type_cnt(vmlinux));
		ASSERT_EQ(btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT),
			  btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT));
	}
	btf__free(btf);
}

int main(int argc, char **argv)
{
	struct btf *vmlinux = NULL;

	harness_init(argc, argv);
	if (!harness_exists(SYSFS_VMLINUX)) {
		harness_skip("vmlinux: %s is not readable here", SYSFS_VMLINUX);
	} else {
		vmlinux = btf__load_vmlinux_btf();
		if (ASSERT_OK_PTR(vmlinux))
			test_vmlinux(vmlinux);
	}
	test_load_into_kernel();
	test_load_from_kernel(vmlinux);
	btf__free(vmlinux);
	return harness_done();
}
