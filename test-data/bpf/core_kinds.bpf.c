// SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0
// Test object for libbtf's CO-RE resolution (crates/btf-core/src/co_re): bitfields (offset, size,
// signedness, shifts), array elements (fixed and flexible), members inside anonymous unions,
// loads and stores whose memory size must change (safely or not), type relocations on
// typedefs and on types no kernel has, 64-bit enumerators, and flavours.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

u64 out = 0;

/* Field sizes that differ from the kernel's: unsigned widening is adjusted, signed is not. */
struct task_struct___sz {
	unsigned long flags;
	long pid;
} __attribute__((preserve_access_index));

/* A flexible array as the last member. */
struct cgroup___flex {
	int level;
	struct cgroup *ancestors[];
} __attribute__((preserve_access_index));

/* A subset of list_head (clang 14 cannot emit TYPE_MATCHES; the unit tests cover it). */
struct list_head___m {
	struct list_head *next;
} __attribute__((preserve_access_index));

/* A type no kernel has. */
struct no_such_type___x {
	int a;
} __attribute__((preserve_access_index));

/* An array longer locally than in the kernel: an index past the kernel's bound does not match. */
struct task_struct___comm {
	char comm[64];
} __attribute__((preserve_access_index));

SEC("kprobe/ip_rcv")
int BPF_KPROBE(bitfields, struct sk_buff *skb)
{
	out += BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	out += BPF_CORE_READ_BITFIELD_PROBED(skb, cloned);
	out += bpf_core_field_size(skb->pkt_type);
	out += __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_SIGNED);
	out += __builtin_preserve_field_info(skb->len, BPF_FIELD_SIGNED);
	out += BPF_CORE_READ(skb, dev, ifindex);
	out += bpf_core_field_offset(skb->dev);
	return 0;
}

SEC("kprobe/do_exit")
int BPF_KPROBE(sizes, struct task_struct___sz *t)
{
	out += t->flags;
	out += t->pid;
	t->flags = 1;
	return 0;
}

SEC("kprobe/cgroup_mkdir")
int BPF_KPROBE(arrays, struct cgroup___flex *cg, struct task_struct___comm *tc)
{
	out += (u64)BPF_CORE_READ(cg, ancestors[1]);
	out += bpf_core_field_offset(cg->ancestors[3]);
	out += bpf_core_field_offset(tc->comm[5]);
	out += bpf_core_field_size(tc->comm);
	if (bpf_core_field_exists(tc->comm[40]))
		out += bpf_core_field_offset(tc->comm[40]);
	return 0;
}

SEC("kprobe/schedule")
int BPF_KPROBE(types)
{
	out += bpf_core_type_exists(struct list_head___m);
	out += bpf_core_type_size(u64);
	out += bpf_core_type_size(struct task_struct);
	out += bpf_core_type_id_kernel(struct list_head___m);
	out += bpf_core_type_exists(struct no_such_type___x);
	out += bpf_core_type_id_kernel(struct no_such_type___x);
	out += bpf_core_type_size(struct no_such_type___x);
	out += bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_MAX);
	out += bpf_core_enum_value_exists(enum perf_callchain_context, PERF_CONTEXT_GUEST);
	out += bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
	return 0;
}
