// SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0
// Test object for `btf core`: relocations that fail on older kernels, some guarded by an existence
// check (the failing instruction is dead code there) and one deliberately not guarded.
// libbtf-test: loadable (the verifier accepts every program once its relocations resolve)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

u64 sink = 0;

/* Linux 6.6 split the inode timestamps into seconds and nanoseconds. */
struct inode___old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

/* A field no kernel has: every relocation on it fails. */
struct task_struct___never {
	int no_such_field;
} __attribute__((preserve_access_index));

SEC("kprobe/vfs_unlink")
int BPF_KPROBE(guarded, void *idmap, struct inode *dir)
{
	if (bpf_core_field_exists(dir->i_ctime_sec)) {
		sink += BPF_CORE_READ(dir, i_ctime_sec);
	} else {
		struct inode___old *old = (void *)dir;

		sink += BPF_CORE_READ(old, i_ctime.tv_sec);
	}
	/* A module type where ext4 is a module (Debian 6.1), a vmlinux type where it is built in. */
	if (bpf_core_type_exists(struct ext4_sb_info)) {
		struct ext4_sb_info *sbi = BPF_CORE_READ(dir, i_sb, s_fs_info);

		sink += BPF_CORE_READ(sbi, s_mount_opt);
	}
	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_CGRP_STORAGE))
		sink += bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_CGRP_STORAGE);
	return 0;
}

SEC("kprobe/wake_up_new_task")
int BPF_KPROBE(unguarded, struct task_struct *task)
{
	/* Present since 6.11: fails, unguarded, on the 6.1 kernels. */
	sink += (u64)BPF_CORE_READ(task, bpf_net_context);
	if (bpf_core_field_exists(((struct task_struct___never *)task)->no_such_field))
		sink += BPF_CORE_READ((struct task_struct___never *)task, no_such_field);
	return 0;
}
