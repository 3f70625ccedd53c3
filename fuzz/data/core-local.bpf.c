/* Local side of the CO-RE fuzz seeds: a few relocations of every class against core-target.c.
 * clang -target bpf -O2 -g -c core-local.bpf.c -o core-local.o && llvm-strip --strip-debug core-local.o */
#define SEC(n) __attribute__((section(n), used))
#define __ra __attribute__((preserve_access_index))
enum task_state { TASK_RUNNING = 0, TASK_DEAD = 64 };
struct list { struct list *next, *prev; } __ra;
struct inode { unsigned long i_ino; unsigned int i_mode : 12, i_flags : 20; } __ra;
struct task { int pid; char comm[16]; struct list tasks; struct inode *ino; enum task_state state; union { long a; int b; } u; } __ra;
struct task___v2 { int pid; long missing; } __ra;
typedef struct task task_t;

SEC("tracepoint/x") int prog(struct task *t)
{
	int r = 0;
	r += __builtin_preserve_field_info(t->pid, 0);                 /* BYTE_OFFSET */
	r += __builtin_preserve_field_info(t->comm[3], 1);             /* BYTE_SIZE */
	r += __builtin_preserve_field_info(t->tasks.next, 2);          /* FIELD_EXISTS */
	r += __builtin_preserve_field_info(t->ino->i_flags, 3);        /* SIGNED */
	r += __builtin_preserve_field_info(t->ino->i_mode, 4);         /* LSHIFT_U64 */
	r += __builtin_preserve_field_info(t->ino->i_flags, 5);        /* RSHIFT_U64 */
	r += __builtin_preserve_type_info(*(task_t *)0, 0);           /* TYPE_EXISTS */
	r += __builtin_preserve_type_info(*(struct task *)0, 1);      /* TYPE_SIZE */
	r += __builtin_btf_type_id(*(struct inode *)0, 1);            /* TARGET_TYPE_ID */
	r += __builtin_preserve_enum_value(*(enum task_state *)TASK_DEAD, 0); /* ENUMVAL_EXISTS */
	r += __builtin_preserve_enum_value(*(enum task_state *)TASK_DEAD, 1); /* ENUMVAL_VALUE */
	r += __builtin_preserve_field_info(((struct task___v2 *)t)->missing, 2);
	r += t->u.b;
	return r;
}
char LICENSE[] SEC("license") = "GPL";
