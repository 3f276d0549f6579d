/*
 * synth.h - build a synthetic kernel (type info + memory image) on top of
 * fake.h: tasks, mm_structs, runqueues, cpu_tlbstate, cpumasks, with the
 * layout variants of real kernels (selected by struct sk_cfg).
 */
#ifndef SYNTH_H
#define SYNTH_H

#include "fake.h"

/* addresses of the synthetic kernel */
#define SK_TASK_BASE   0xffff888000100000ULL
#define SK_MM_BASE     0xffff888000800000ULL
#define SK_STACK_BASE  0xffffc90000000000ULL
#define SK_INIT_TASK   0xffffffff82000000ULL
#define SK_INIT_MM     0xffffffff82100000ULL
#define SK_ONLINE      0xffffffff82200000ULL
#define SK_NR_CPU_IDS  0xffffffff82201000ULL
#define SK_RQ          0xffff88807f000000ULL
#define SK_TLB         0xffff88807f100000ULL
#define SK_TLBSH       0xffff88807f200000ULL
#define SK_CPU_STRIDE  0x1000000ULL

/* task_struct offsets */
#define T_TI     0x000
#define T_STATE  0x018
#define T_STACK  0x020
#define T_FLAGS  0x02c
#define T_CPU    0x040
#define T_TASKS  0x100
#define T_MM     0x110
#define T_AMM    0x118
#define T_EXIT   0x120
#define T_PID    0x200
#define T_TGID   0x204
#define T_LEADER 0x210
#define T_COMM   0x300
#define T_SIZE   0x600
#define TI_CPU   0x014	/* thread_info.cpu of 6.1 (recorded: 20); T_STATE follows at 0x18 */

#define PF_IDLE  0x2

struct sk_cfg {
	int ncpu;		/* nr_cpu_ids */
	int nr_cpus_max;	/* NR_CPUS */
	int mask_kind;		/* MMA_MASK_* */
	long users_off, count_off;
	int state_old;		/* long state, not unsigned int __state */
	int cpu_where;		/* 0 task.cpu, 1 task.thread_info.cpu, 2 stack */
	int tlb_kind;		/* MMA_TLB_* */
	int no_nr_cpu_ids;
	int percpu_prefix;	/* per-CPU symbols named per_cpu__<name> */
	const char *online_sym;	/* NULL: __cpu_online_mask */
};

struct synth {
	struct fake f;
	struct mma_target t;
	struct sk_cfg c;
	long mm_size, mask_off;
	unsigned words;
	int ntask, nmm;
	uint64_t tasks[256];
	uint64_t last_leader;	/* init_task.tasks chain tail */
};

static void
sk_default_cfg(struct sk_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->ncpu = 4;
	c->nr_cpus_max = 8192;
	c->mask_kind = MMA_MASK_CPU_BITMAP;
	c->users_off = 0x54;
	c->count_off = 0x58;
	c->tlb_kind = MMA_TLB_LAZY;
}

/*
 * Kernels older than the bootable Debian ones (nothing before 5.10 can be
 * downloaded here), as they looked, for the layout choices mmaudit makes:
 *
 * SK_ERA_2632: v2.6.32 (RHEL 6).  mm_struct embeds "cpumask_t
 *   cpu_vm_mask" (until Linux kernel commit de03c72cfce5 ("mm: convert
 *   mm->cpu_vm_cpumask into cpumask_var_t") (in v3.0)); per-CPU symbols
 *   are named per_cpu__<name> (until Linux kernel commit dd17c8f72993
 *   ("percpu: remove per_cpu__ prefix.") (in v2.6.34)); x86 struct
 *   tlb_state { struct mm_struct *active_mm; int state; }; "volatile long
 *   state"; the CPU in thread_info, reached through task->stack; the online
 *   mask is kernel/cpu.c's cpu_online_bits.  RHEL 6 x86_64: NR_CPUS 4096.
 * SK_ERA_310: v3.10 with CONFIG_CPUMASK_OFFSTACK (RHEL 7, NR_CPUS 5120,
 *   seed 001's kernel).  "cpumask_var_t cpu_vm_mask_var" plus "struct
 *   cpumask cpumask_allocation" (#ifdef CONFIG_CPUMASK_OFFSTACK; 3.10's
 *   mm_init_cpumask() points the first at the second); tlb_state, state,
 *   thread_info and cpu_online_bits as in 2.6.32, per-CPU names plain.
 * SK_ERA_310_ONSTACK: the same without OFFSTACK and NR_CPUS 64: the
 *   cpumask_var_t is "struct cpumask[1]", 8 bytes like a pointer.
 * SK_ERA_413: v4.13.  Still cpu_vm_mask_var (until Linux kernel commit
 *   c1a2f7f0c064, v4.19), x86 THREAD_INFO_IN_TASK (task_struct.cpu), and
 *   tlb_state.loaded_mm with no lazy flag: Linux kernel commit
 *   94b1b03b519b ("x86/mm: Rework lazy TLB mode and TLB freshness
 *   tracking") (in v4.13) removed tlb_state.state.
 * SK_ERA_414: v4.14: Linux kernel commit b956575bed91 ("x86/mm: Flush
 *   more aggressively in lazy TLB mode") (in v4.14) added "bool is_lazy"
 *   to tlb_state.
 */
enum sk_era {
	SK_ERA_NONE = 0,
	SK_ERA_2632,
	SK_ERA_310,
	SK_ERA_310_ONSTACK,
	SK_ERA_413,
	SK_ERA_414,
};

static void sk_default_cfg(struct sk_cfg *c);

static void
sk_era_cfg(struct sk_cfg *c, int era)
{
	sk_default_cfg(c);
	c->users_off = 0x4c;
	c->count_off = 0x50;
	switch (era) {
	case SK_ERA_2632:
		c->nr_cpus_max = 4096;
		c->mask_kind = MMA_MASK_CPU_VM_MASK;
		c->state_old = 1;
		c->cpu_where = 2;
		c->tlb_kind = MMA_TLB_OLD;
		c->percpu_prefix = 1;
		c->online_sym = "cpu_online_bits";
		break;
	case SK_ERA_310:
	case SK_ERA_310_ONSTACK:
		c->nr_cpus_max = era == SK_ERA_310 ? 5120 : 64;
		c->mask_kind = era == SK_ERA_310 ? MMA_MASK_VAR_PTR :
			       MMA_MASK_VAR_ARRAY;
		c->state_old = 1;
		c->cpu_where = 2;
		c->tlb_kind = MMA_TLB_OLD;
		c->online_sym = "cpu_online_bits";
		break;
	case SK_ERA_413:
	case SK_ERA_414:
		c->mask_kind = MMA_MASK_VAR_PTR;
		c->state_old = 1;
		c->cpu_where = 0;
		c->tlb_kind = era == SK_ERA_413 ? MMA_TLB_LOADED : MMA_TLB_LAZY;
		break;
	}
}

static void
sk_init(struct synth *s, const struct sk_cfg *c)
{
	struct fake *f = &s->f;
	int cpu;

	memset(s, 0, sizeof(*s));
	fk_init(f);
	s->c = *c;
	s->words = MMA_BITS_TO_LONGS((unsigned)c->ncpu);
	fk_target(f, &s->t, 1);

	/*
	 * Raw answers as crash gives them: a member declared with a typedef
	 * answers TYPEDEF and the typedef's name, resolved by the typedef
	 * table the way crash resolves the name.  Each belief below names the
	 * recorded line that backs it (tests/unit/fixtures/, from the real
	 * crash 8.0.6 on the three test kernels).
	 */
	fk_struct(f, "task_struct", T_SIZE);
	/* fixtures/bookworm-6.1.txt: member_type task_struct pid TYPEDEF
	 * pid_t -> INT; typedef pid_t INT - */
	fk_member_td(f, "task_struct", "pid", T_PID, 4, "pid_t");
	fk_member_td(f, "task_struct", "tgid", T_TGID, 4, "pid_t");
	fk_typedef(f, "pid_t", MMA_TC_INT, NULL);
	/* fixtures/bookworm-6.1.txt: member_type task_struct comm ARRAY char,
	 * ... flags INT unsigned+int */
	fk_member_n(f, "task_struct", "comm", T_COMM, 16, MMA_TC_ARRAY, "char");
	fk_member_n(f, "task_struct", "flags", T_FLAGS, 4, MMA_TC_INT,
		    "unsigned int");
	/* fixtures/bullseye-5.10.txt: member_type task_struct state INT
	 * long+int; fixtures/bookworm-6.1.txt: ... __state INT unsigned+int */
	if (c->state_old)
		fk_member_n(f, "task_struct", "state", T_STATE, 8, MMA_TC_INT,
			    "long int");
	else
		fk_member_n(f, "task_struct", "__state", T_STATE, 4,
			    MMA_TC_INT, "unsigned int");
	fk_member_n(f, "task_struct", "exit_state", T_EXIT, 4, MMA_TC_INT,
		    "int");
	/* fixtures/bookworm-6.1.txt: member_type task_struct mm PTR mm_struct
	 * (a pointer's name is the pointed-to type's), ... tasks STRUCT
	 * list_head */
	fk_member_n(f, "task_struct", "mm", T_MM, 8, MMA_TC_PTR, "mm_struct");
	fk_member_n(f, "task_struct", "active_mm", T_AMM, 8, MMA_TC_PTR,
		    "mm_struct");
	fk_member_n(f, "task_struct", "group_leader", T_LEADER, 8, MMA_TC_PTR,
		    "task_struct");
	fk_member_n(f, "task_struct", "tasks", T_TASKS, 16, MMA_TC_STRUCT,
		    "list_head");
	fk_member_n(f, "task_struct", "stack", T_STACK, 8, MMA_TC_PTR, "void");
	/*
	 * thread_info.cpu: "u32 cpu" since it moved back (v5.16), "__u32
	 * cpu" in the x86 thread_info of 2.6.32 .. 4.8; both typedefs of an
	 * integer: fixtures/bookworm-6.1.txt: member_type thread_info cpu
	 * TYPEDEF u32 -> INT; typedef u32 INT -
	 */
	if (c->cpu_where == 1) {
		fk_member_td(f, "thread_info", "cpu", TI_CPU, 4, "u32");
		fk_typedef(f, "u32", MMA_TC_INT, NULL);
	} else {
		fk_member_td(f, "thread_info", "cpu", TI_CPU, 4, "__u32");
		fk_typedef(f, "__u32", MMA_TC_INT, NULL);
	}
	/* fixtures/bullseye-5.10.txt: member_type task_struct cpu INT
	 * unsigned+int; fixtures/bookworm-6.1.txt: member_type task_struct
	 * thread_info STRUCT thread_info */
	if (c->cpu_where == 0)
		fk_member_n(f, "task_struct", "cpu", T_CPU, 4, MMA_TC_INT,
			    "unsigned int");
	else if (c->cpu_where == 1)
		fk_member_n(f, "task_struct", "thread_info", T_TI, 0x20,
			    MMA_TC_STRUCT, "thread_info");

	/* mm_struct
	 * fixtures/bookworm-6.1.txt: member_type mm_struct mm_users TYPEDEF
	 * atomic_t -> STRUCT; typedef atomic_t STRUCT - (and the same on
	 * bullseye-5.10 and trixie-6.12) */
	fk_member_td(f, "mm_struct", "mm_users", c->users_off, 4, "atomic_t");
	fk_member_td(f, "mm_struct", "mm_count", c->count_off, 4, "atomic_t");
	fk_typedef(f, "atomic_t", MMA_TC_STRUCT, NULL);
	fk_member_n(f, "mm_struct", "owner", 0x80, 8, MMA_TC_PTR,
		    "task_struct");
	switch (c->mask_kind) {
	case MMA_MASK_CPU_BITMAP:
		/* fixtures/bookworm-6.1.txt: member_type mm_struct cpu_bitmap
		 * ARRAY long+unsigned+int */
		s->mask_off = 0x400;
		s->mm_size = 0x400;
		fk_member_n(f, "mm_struct", "cpu_bitmap", 0x400, 0, MMA_TC_ARRAY,
			    "long unsigned int");
		break;
	case MMA_MASK_FLEX:
		s->mask_off = 0x400;
		s->mm_size = 0x400;
		fk_member_n(f, "mm_struct", "flexible_array", 0x400, 0,
			    MMA_TC_ARRAY, "char");
		break;
	case MMA_MASK_VAR_PTR:
		/*
		 * fixtures/bookworm-6.1.txt: member_type root_domain span
		 * TYPEDEF cpumask_var_t -> PTR; member_size root_domain span 8;
		 * typedef cpumask_var_t PTR - (every cpumask_var_t member of
		 * the three OFFSTACK kernels answers so).  cpumask_allocation is
		 * a plain "struct cpumask".
		 */
		s->mask_off = 0x308;	/* cpumask_allocation */
		s->mm_size = 0x308 + c->nr_cpus_max / 8;
		fk_member_td(f, "mm_struct", "cpu_vm_mask_var", 0x300, 8,
			     "cpumask_var_t");
		fk_typedef(f, "cpumask_var_t", MMA_TC_PTR, NULL);
		fk_member_n(f, "mm_struct", "cpumask_allocation", 0x308,
			    c->nr_cpus_max / 8, MMA_TC_STRUCT, "cpumask");
		break;
	case MMA_MASK_VAR_ARRAY:
		/*
		 * !OFFSTACK: "typedef struct cpumask cpumask_var_t[1]": no
		 * recording can show it (every test kernel is OFFSTACK); the
		 * member still answers TYPEDEF cpumask_var_t (as recorded for
		 * root_domain.span) and the name resolves through
		 * check_typedef() to the array, as "typedef cpumask_var_t PTR -"
		 * resolves the OFFSTACK one to the pointer.
		 */
		s->mask_off = 0x300;
		s->mm_size = 0x300 + c->nr_cpus_max / 8;
		fk_member_td(f, "mm_struct", "cpu_vm_mask_var", 0x300,
			     c->nr_cpus_max / 8, "cpumask_var_t");
		fk_typedef(f, "cpumask_var_t", MMA_TC_ARRAY, NULL);
		break;
	case MMA_MASK_CPU_VM_MASK:
		/* "cpumask_t cpu_vm_mask": fixtures/bookworm-6.1.txt:
		 * typedef cpumask_t STRUCT - */
		s->mask_off = 0x300;
		s->mm_size = 0x300 + c->nr_cpus_max / 8;
		fk_member_td(f, "mm_struct", "cpu_vm_mask", 0x300,
			     c->nr_cpus_max / 8, "cpumask_t");
		fk_typedef(f, "cpumask_t", MMA_TC_STRUCT, NULL);
		break;
	}
	fk_struct(f, "mm_struct", s->mm_size);
	fk_struct(f, "cpumask", c->nr_cpus_max / 8);

	/* statics */
	fk_region(f, SK_INIT_TASK, T_SIZE);
	fk_sym(f, "init_task", SK_INIT_TASK);
	fk_u64(f, SK_INIT_TASK + T_TASKS, SK_INIT_TASK + T_TASKS);
	fk_u64(f, SK_INIT_TASK + T_TASKS + 8, SK_INIT_TASK + T_TASKS);
	fk_u32(f, SK_INIT_TASK + T_FLAGS, MMA_PF_KTHREAD | PF_IDLE);
	fk_poke(f, SK_INIT_TASK + T_COMM, "swapper/0", 9);
	fk_u64(f, SK_INIT_TASK + T_LEADER, SK_INIT_TASK);
	s->last_leader = SK_INIT_TASK;
	/* init_mm is static: full NR_CPUS mask */
	fk_region(f, SK_INIT_MM, (size_t)(0x400 + c->nr_cpus_max / 8 + 0x400));
	fk_sym(f, "init_mm", SK_INIT_MM);
	fk_u32(f, SK_INIT_MM + (uint64_t)c->users_off, 2);
	fk_u32(f, SK_INIT_MM + (uint64_t)c->count_off, 1 + (uint32_t)c->ncpu);
	if (c->mask_kind == MMA_MASK_VAR_PTR)
		fk_u64(f, SK_INIT_MM + 0x300, SK_INIT_MM + 0x308);

	fk_region(f, SK_ONLINE, (size_t)c->nr_cpus_max / 8);
	fk_sym(f, c->online_sym ? c->online_sym : "__cpu_online_mask",
	       SK_ONLINE);
	{
		uint64_t w[128];
		int i;

		memset(w, 0, sizeof(w));
		for (cpu = 0; cpu < c->ncpu; cpu++)
			w[cpu / 64] |= 1ULL << (cpu % 64);
		for (i = 0; i < c->nr_cpus_max / 64 && i < 128; i++)
			fk_u64(f, SK_ONLINE + (uint64_t)i * 8, w[i]);
	}
	if (!c->no_nr_cpu_ids) {
		fk_region(f, SK_NR_CPU_IDS, 4);
		fk_sym(f, "nr_cpu_ids", SK_NR_CPU_IDS);
		fk_u32(f, SK_NR_CPU_IDS, (uint32_t)c->ncpu);
	}

	/* per-CPU: runqueues, cpu_tlbstate(_shared) */
	fk_member_n(f, "rq", "curr", 0x10, 8, MMA_TC_PTR, "task_struct");
	fk_member_n(f, "rq", "idle", 0x18, 8, MMA_TC_PTR, "task_struct");
	fk_percpu(f, c->percpu_prefix ? "per_cpu__runqueues" : "runqueues",
		  SK_RQ, SK_CPU_STRIDE);
	fk_sym(f, c->percpu_prefix ? "per_cpu__runqueues" : "runqueues", SK_RQ);
	if (c->tlb_kind != MMA_TLB_NONE) {
		fk_percpu(f, c->percpu_prefix ? "per_cpu__cpu_tlbstate" :
			  "cpu_tlbstate", SK_TLB, SK_CPU_STRIDE);
		fk_sym(f, c->percpu_prefix ? "per_cpu__cpu_tlbstate" :
		       "cpu_tlbstate", SK_TLB);
	}
	/* fixtures/bullseye-5.10.txt: member_type tlb_state loaded_mm PTR
	 * mm_struct; member_type tlb_state is_lazy TYPEDEF bool -> BOOL;
	 * typedef bool BOOL -; fixtures/bookworm-6.1.txt: member_type
	 * tlb_state_shared is_lazy TYPEDEF bool -> BOOL */
	switch (c->tlb_kind) {
	case MMA_TLB_LAZY:
		fk_member_n(f, "tlb_state", "loaded_mm", 0, 8, MMA_TC_PTR,
			    "mm_struct");
		fk_member_td(f, "tlb_state", "is_lazy", 0x18, 1, "bool");
		fk_typedef(f, "bool", MMA_TC_BOOL, NULL);
		break;
	case MMA_TLB_SHARED:
		fk_member_n(f, "tlb_state", "loaded_mm", 0, 8, MMA_TC_PTR,
			    "mm_struct");
		fk_member_td(f, "tlb_state_shared", "is_lazy", 0, 1, "bool");
		fk_typedef(f, "bool", MMA_TC_BOOL, NULL);
		fk_percpu(f, "cpu_tlbstate_shared", SK_TLBSH, SK_CPU_STRIDE);
		break;
	case MMA_TLB_LOADED:
		fk_member_n(f, "tlb_state", "loaded_mm", 0, 8, MMA_TC_PTR,
			    "mm_struct");
		break;
	case MMA_TLB_OLD:
		fk_member_n(f, "tlb_state", "active_mm", 0, 8, MMA_TC_PTR,
			    "mm_struct");
		fk_member_n(f, "tlb_state", "state", 8, 4, MMA_TC_INT, "int");
		break;
	}
	for (cpu = 0; cpu < c->ncpu; cpu++) {
		fk_region(f, SK_RQ + (uint64_t)cpu * SK_CPU_STRIDE, 0x100);
		fk_region(f, SK_TLB + (uint64_t)cpu * SK_CPU_STRIDE, 0x40);
		fk_region(f, SK_TLBSH + (uint64_t)cpu * SK_CPU_STRIDE, 0x40);
	}
}

static uint64_t
sk_mask_addr(struct synth *s, uint64_t mm)
{
	return mm + (uint64_t)s->mask_off;
}

/* write a cpulist into mm's mask (mask_words words only) */
static void
sk_set_mask(struct synth *s, uint64_t mm, const char *cpus)
{
	uint64_t w[128];
	unsigned i;

	mma_cpulist_parse(cpus, w, 128);
	for (i = 0; i < s->words; i++)
		fk_u64(&s->f, sk_mask_addr(s, mm) + i * 8, w[i]);
}

/* a slab-allocated mm_struct: region is exactly the object size */
static uint64_t
sk_mm(struct synth *s, int users, int count, const char *cpus)
{
	uint64_t mm = SK_MM_BASE + (uint64_t)s->nmm++ * 0x2000;
	size_t size = (size_t)s->mm_size;

	if (s->c.mask_kind == MMA_MASK_CPU_BITMAP)
		size += s->words * 8;		/* cpumask_size() */
	else if (s->c.mask_kind == MMA_MASK_FLEX)
		size += s->words * 8 * 2;	/* + mm_cpus_allowed */
	fk_region(&s->f, mm, size);
	fk_u32(&s->f, mm + (uint64_t)s->c.users_off, (uint32_t)users);
	fk_u32(&s->f, mm + (uint64_t)s->c.count_off, (uint32_t)count);
	if (s->c.mask_kind == MMA_MASK_VAR_PTR)
		fk_u64(&s->f, mm + 0x300, mm + 0x308);
	sk_set_mask(s, mm, cpus);
	fk_slab(&s->f, mm, MMA_SLAB_ALLOC, "mm_struct");
	return mm;
}

static void
sk_users(struct synth *s, uint64_t mm, int v)
{
	fk_u32(&s->f, mm + (uint64_t)s->c.users_off, (uint32_t)v);
}

static void
sk_count(struct synth *s, uint64_t mm, int v)
{
	fk_u32(&s->f, mm + (uint64_t)s->c.count_off, (uint32_t)v);
}

static void
sk_task_mm(struct synth *s, uint64_t task, uint64_t mm, uint64_t amm)
{
	fk_u64(&s->f, task + T_MM, mm);
	fk_u64(&s->f, task + T_AMM, amm);
}

/* link task after the current tail of init_task.tasks */
static void
sk_link(struct synth *s, uint64_t task)
{
	uint64_t head = SK_INIT_TASK + T_TASKS;

	fk_u64(&s->f, s->last_leader + T_TASKS, task + T_TASKS);
	fk_u64(&s->f, task + T_TASKS, head);
	fk_u64(&s->f, task + T_TASKS + 8, s->last_leader + T_TASKS);
	fk_u64(&s->f, head + 8, task + T_TASKS);
	s->last_leader = task;
}

/* a task's CPU field: task_struct.cpu, thread_info.cpu in the task, or
 * thread_info.cpu on its stack (sk_task()'s stack for that task) */
static void
sk_task_cpu(struct synth *s, uint64_t t, int cpu)
{
	uint64_t stack = SK_STACK_BASE + (t - SK_TASK_BASE) / 0x1000 * 0x4000;

	if (s->c.cpu_where == 0)
		fk_u32(&s->f, t + T_CPU, (uint32_t)cpu);
	else if (s->c.cpu_where == 1)
		fk_u32(&s->f, t + T_TI + TI_CPU, (uint32_t)cpu);
	else
		fk_u32(&s->f, stack + TI_CPU, (uint32_t)cpu);
}

static uint64_t
sk_task(struct synth *s, int pid, int tgid, const char *comm, uint32_t flags,
	uint64_t mm, uint64_t amm, int cpu)
{
	uint64_t t = SK_TASK_BASE + (uint64_t)s->ntask * 0x1000;
	uint64_t stack = SK_STACK_BASE + (uint64_t)s->ntask * 0x4000;

	s->tasks[s->ntask++] = t;
	fk_region(&s->f, t, T_SIZE);
	fk_u32(&s->f, t + T_PID, (uint32_t)pid);
	fk_u32(&s->f, t + T_TGID, (uint32_t)tgid);
	fk_poke(&s->f, t + T_COMM, comm, strlen(comm) < 16 ? strlen(comm) : 15);
	fk_u32(&s->f, t + T_FLAGS, flags);
	fk_u32(&s->f, t + T_STATE, 1);	/* TASK_INTERRUPTIBLE */
	sk_task_mm(s, t, mm, amm);
	fk_u64(&s->f, t + T_LEADER, t);	/* fixed up by callers for threads */
	if (s->c.cpu_where == 2) {
		fk_region(&s->f, stack, 0x100);
		fk_u64(&s->f, t + T_STACK, stack);
	}
	sk_task_cpu(s, t, cpu);
	if (pid == tgid && pid != 0)
		sk_link(s, t);
	return t;
}

static void
sk_cpu(struct synth *s, int cpu, uint64_t curr, uint64_t idle, uint64_t loaded,
       int lazy)
{
	uint64_t rq = SK_RQ + (uint64_t)cpu * SK_CPU_STRIDE;
	uint64_t tlb = SK_TLB + (uint64_t)cpu * SK_CPU_STRIDE;

	fk_u64(&s->f, rq + 0x10, curr);
	fk_u64(&s->f, rq + 0x18, idle);
	fk_u32(&s->f, curr + T_STATE, 0);	/* running */
	switch (s->c.tlb_kind) {
	case MMA_TLB_LAZY:
		fk_u64(&s->f, tlb, loaded);
		fk_poke(&s->f, tlb + 0x18, &lazy, 1);
		break;
	case MMA_TLB_LOADED:
		fk_u64(&s->f, tlb, loaded);
		break;
	case MMA_TLB_SHARED:
		fk_u64(&s->f, tlb, loaded);
		fk_poke(&s->f, SK_TLBSH + (uint64_t)cpu * SK_CPU_STRIDE, &lazy, 1);
		break;
	case MMA_TLB_OLD:
		fk_u64(&s->f, tlb, loaded);
		fk_u32(&s->f, tlb + 8, lazy ? 2 : 1);
		break;
	}
}

/* resolve + hand every created task to the model + build */
static int
sk_build(struct synth *s, struct mma_layout *l, struct mma_model *m)
{
	struct mma_build_opts o = { 1, 10000 };
	int i;

	if (mma_layout_resolve(&s->t, l))
		return -1;
	mma_model_init(m, &s->t, l);
	mma_model_add_task(m, SK_INIT_TASK, MMA_SRC_TARGET);
	for (i = 0; i < s->ntask; i++)
		mma_model_add_task(m, s->tasks[i], MMA_SRC_TARGET);
	return mma_model_build(m, &o);
}

/*
 * The healthy scene, mirroring the guest workload of testdumps:
 *   CPU0: idle (pid 0) borrowing mm A lazily, loaded A (lazy), bit set
 *   CPU1: thread 101 of process A (100,101,102: 3 threads), loaded A
 *   CPU2: idle, init_mm; CPU3: idle, init_mm (bits clear: x86 rule)
 *   B: 200 + CLONE_VM 201 + vfork child 202, users 3, count 1
 *   C: 400 plus kthread 11 using it via kthread_use_mm: count 2
 *   D: 500 holding /proc/self/mem: users 1, count 2 (slack 1: info)
 *   kworker 10 (no mm), zombie 300 (no mm)
 */
struct scene {
	uint64_t A, B, C, D;
	uint64_t idle[4], t100, t101, t102, t200, t201, t202, t10, t11, t300,
		 t400, t500;
};

static void
sk_scene(struct synth *s, struct scene *x)
{
	int c;

	x->A = sk_mm(s, 3, 2, "0-1");
	x->B = sk_mm(s, 3, 1, "");
	x->C = sk_mm(s, 1, 2, "");
	x->D = sk_mm(s, 1, 2, "");
	for (c = 0; c < 4; c++) {
		char name[16];

		snprintf(name, sizeof(name), "swapper/%d", c);
		x->idle[c] = c ? sk_task(s, 0, 0, name, MMA_PF_KTHREAD | PF_IDLE,
					 0, SK_INIT_MM, c) : SK_INIT_TASK;
	}
	sk_task_mm(s, SK_INIT_TASK, 0, x->A);
	x->t100 = sk_task(s, 100, 100, "mmw-threads", 0, x->A, x->A, 1);
	x->t101 = sk_task(s, 101, 100, "mmw-threads", 0, x->A, x->A, 1);
	x->t102 = sk_task(s, 102, 100, "mmw-threads", 0, x->A, x->A, 0);
	fk_u64(&s->f, x->t101 + T_LEADER, x->t100);
	fk_u64(&s->f, x->t102 + T_LEADER, x->t100);
	x->t200 = sk_task(s, 200, 200, "mmw-A", 0, x->B, x->B, 2);
	x->t201 = sk_task(s, 201, 201, "mmw-B", 0, x->B, x->B, 3);
	x->t202 = sk_task(s, 202, 202, "mmw-C", 0, x->B, x->B, 3);
	x->t10 = sk_task(s, 10, 10, "kworker/0:1", MMA_PF_KTHREAD, 0, 0, 0);
	x->t11 = sk_task(s, 11, 11, "io_uring-sq", MMA_PF_KTHREAD, x->C, x->C, 2);
	x->t300 = sk_task(s, 300, 300, "mmw-zombie", 0, 0, 0, 2);
	fk_u32(&s->f, x->t300 + T_EXIT, 0x20);
	x->t400 = sk_task(s, 400, 400, "mmw-owner", 0, x->C, x->C, 3);
	x->t500 = sk_task(s, 500, 500, "mmw-memholder", 0, x->D, x->D, 2);
	sk_cpu(s, 0, SK_INIT_TASK, SK_INIT_TASK, x->A, 1);
	sk_cpu(s, 1, x->t101, x->idle[1], x->A, 0);
	sk_cpu(s, 2, x->idle[2], x->idle[2], SK_INIT_MM, 1);
	sk_cpu(s, 3, x->idle[3], x->idle[3], SK_INIT_MM, 1);
}

static int
count_rule(const struct mma_model *m, const char *rule)
{
	int i, n = 0;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].rule, rule))
			n++;
	return n;
}

static void
dump_findings(const struct mma_model *m)
{
	int i;

	for (i = 0; i < m->nfindings; i++)
		printf("# %s %s: %s\n", mma_sev_name(m->findings[i].sev),
		       m->findings[i].rule, m->findings[i].detail);
}

#endif /* SYNTH_H */
