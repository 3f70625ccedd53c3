// SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0
// Test object for libbtf's .BTF.ext and CO-RE code: tracing programs that read kernel structures
// through CO-RE relocations of every kind, with a flavoured type, subprograms (static and global),
// global data (.data, .bss, .rodata) and a BTF-defined map. Compiled by the tests for
// -target bpf and -target bpfeb against a vmlinux.h that libbtf writes from corpus BTF.
// libbtf-test: loadable (the verifier accepts every program once its relocations resolve)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} exec_counts SEC(".maps");

const volatile u32 target_tgid = 0;
u64 total_events = 0;
u32 sample_every = 1;

/* The task state field was called `state` before Linux 5.14. */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __noinline u32 parent_tgid(struct task_struct *task)
{
	return BPF_CORE_READ(task, real_parent, tgid);
}

__noinline int count_exec(u32 tgid)
{
	u64 one = 1, *count;

	count = bpf_map_lookup_elem(&exec_counts, &tgid);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&exec_counts, &tgid, &one, BPF_ANY);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task)
{
	u32 tgid = BPF_CORE_READ(task, tgid);
	char comm[16];
	long state;

	if (target_tgid && tgid != target_tgid)
		return 0;
	bpf_core_read_str(comm, sizeof(comm), &task->comm);
	if (bpf_core_field_exists(task->__state)) {
		state = BPF_CORE_READ(task, __state);
	} else {
		struct task_struct___old *old = (void *)task;

		state = BPF_CORE_READ(old, state);
	}
	total_events += state + parent_tgid(task) + BPF_CORE_READ(task, mm, total_vm);
	count_exec(tgid);
	return 0;
}

SEC("kprobe/ip_rcv")
int BPF_KPROBE(on_ip_rcv, struct sk_buff *skb)
{
	u64 pkt_type = BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	u32 len_size = bpf_core_field_size(skb->len);
	u32 len_off = bpf_core_field_offset(struct sk_buff, len);
	u32 sz = bpf_core_type_size(struct sk_buff);
	u32 id = bpf_core_type_id_kernel(struct sk_buff);
	u32 local = bpf_core_type_id_local(struct sk_buff);

	total_events += pkt_type + len_size + len_off + sz + id + local;
	if (__builtin_preserve_field_info(skb->len, BPF_FIELD_SIGNED))
		total_events++;
	return 0;
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(on_unlink, int dfd, struct filename *name)
{
	int tgid_type = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	int exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_CGRP_STORAGE);

	if (bpf_core_type_exists(struct bpf_net_context))
		total_events += 2;
	/* Debian's clang 14 cannot emit bpf_core_type_matches (clang 15 can). */
	total_events += tgid_type + exists + sample_every;
	return 0;
}
