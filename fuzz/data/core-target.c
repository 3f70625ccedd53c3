/* Target side of the CO-RE fuzz target (a "kernel" with other layouts than core-local.bpf.c).
 * clang -target bpf -O2 -g -c core-target.c -o core-target.o && llvm-strip --strip-debug core-target.o */
enum task_state { TASK_RUNNING = 0, TASK_INTERRUPTIBLE = 1, TASK_DEAD = 128 };
struct list { struct list *next, *prev; };
struct inode { unsigned int pad; unsigned long i_ino; unsigned int i_mode : 16, i_flags : 16; };
struct task { long x; struct list tasks; int pid; char comm[32]; struct inode *ino; enum task_state state; union { long a; short b; } u; };
struct task___other { int pid; };
typedef struct task task_t;
task_t t0; struct task___other t1; enum task_state s0;
