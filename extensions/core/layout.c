/*
 * layout.c - resolve, once, where everything mmaudit reads lives.
 *
 * Choices are made by member existence and member type, never by kernel
 * version number.  Where a layout diverged upstream the deciding kernel
 * commit is cited.
 */
#include <stdarg.h>
#include <string.h>

#include "mmcore.h"

/* the target's answers; an implausible one (MMA_MAX_TYPE_SIZE) is -1 */
static long
plausible(long v)
{
	return v < 0 || v > MMA_MAX_TYPE_SIZE ? -1 : v;
}

static long
off(const struct mma_target *t, const char *s, const char *m)
{
	return plausible(t->member_offset ?
			 t->member_offset(t->ctx, s, m) : -1);
}

static long
msize(const struct mma_target *t, const char *s, const char *m)
{
	return plausible(t->member_size ? t->member_size(t->ctx, s, m) : -1);
}

#define MMA_TYPEDEF_DEPTH 8

/**
 * mma_member_class - class of member m of s, typedefs resolved
 * @raw:  the target's raw answer (optional)
 * @name: the member's type name as the target gave it (optional)
 *
 * Targets answer raw: crash's MEMBER_TYPE() gives TYPE_CODE_TYPEDEF for
 * every member declared with a typedef (atomic_t mm_users, cpumask_var_t
 * cpu_vm_mask_var) and does not resolve it.  The chain is resolved here
 * through typedef_type(), at most MMA_TYPEDEF_DEPTH steps (a target that
 * keeps answering TYPEDEF, or a cycle, stops there).  Returns
 * MMA_TC_TYPEDEF when the target cannot resolve it.
 */
int
mma_member_class(const struct mma_target *t, const char *s, const char *m,
		 int *raw, char *name, size_t len)
{
	char cur[128], next[128];
	int tc, i;

	if (name && len)
		name[0] = '\0';
	if (!t->member_type) {
		tc = off(t, s, m) >= 0 ? MMA_TC_OTHER : MMA_TC_NONE;
		if (raw)
			*raw = tc;
		return tc;
	}
	cur[0] = '\0';
	tc = t->member_type(t->ctx, s, m, cur, sizeof(cur));
	cur[sizeof(cur) - 1] = '\0';
	if (raw)
		*raw = tc;
	if (name && len)
		snprintf(name, len, "%s", cur);
	for (i = 0; tc == MMA_TC_TYPEDEF && cur[0] && t->typedef_type &&
	     i < MMA_TYPEDEF_DEPTH; i++) {
		next[0] = '\0';
		tc = t->typedef_type(t->ctx, cur, next, sizeof(next));
		next[sizeof(next) - 1] = '\0';
		if (tc == MMA_TC_NONE || tc < 0 || tc >= MMA_TC_COUNT) {
			tc = MMA_TC_TYPEDEF;	/* the target does not know it */
			break;
		}
		memcpy(cur, next, sizeof(cur));
	}
	return tc;
}

static int
mtype(const struct mma_target *t, const char *s, const char *m)
{
	return mma_member_class(t, s, m, NULL, NULL, 0);
}

static long
ssize(const struct mma_target *t, const char *s)
{
	return plausible(t->struct_size ? t->struct_size(t->ctx, s) : -1);
}

static int
sym(const struct mma_target *t, const char *name, uint64_t *addr)
{
	*addr = 0;
	return t->symbol ? t->symbol(t->ctx, name, addr) : -1;
}

static void
note(struct mma_layout *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct mma_layout *l, const char *fmt, ...)
{
	size_t n = strlen(l->notes);
	va_list ap;

	if (n + 2 >= sizeof(l->notes))
		return;
	if (n)
		l->notes[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(l->notes + n, sizeof(l->notes) - n, fmt, ap);
	va_end(ap);
}

static void
span(long *lo, long *hi, long o, long sz)
{
	if (o < 0)
		return;
	if (sz <= 0)
		sz = 8;
	if (*lo < 0 || o < *lo)
		*lo = o;
	if (o + sz > *hi)
		*hi = o + sz;
}

/*
 * an integer field: mma_get_uint() reads 1, 2, 4 or else 8 bytes, and the
 * one read of the task must hold what it reads, whatever size the target
 * gave (a 3-byte "int" read 8 bytes past the span)
 */
static void
span_int(long *lo, long *hi, long o, long sz)
{
	span(lo, hi, o, sz == 1 || sz == 2 || sz == 4 ? sz : 8);
}

static void
resolve_task(const struct mma_target *t, struct mma_layout *l)
{
	long lo = -1, hi = 0, ti;

	l->task_size = ssize(t, "task_struct");
	l->t_pid = off(t, "task_struct", "pid");
	l->t_tgid = off(t, "task_struct", "tgid");
	l->t_comm = off(t, "task_struct", "comm");
	l->t_comm_len = msize(t, "task_struct", "comm");
	if (l->t_comm_len <= 0 || l->t_comm_len > 16)
		l->t_comm_len = 16;
	l->t_flags = off(t, "task_struct", "flags");
	l->t_flags_size = msize(t, "task_struct", "flags");
	/*
	 * Linux kernel commit 2f064a59a11f ("sched: Change task_struct::state")
	 * (in v5.14) renamed the volatile long state to unsigned int __state.
	 */
	l->state_member = "__state";
	l->t_state = off(t, "task_struct", "__state");
	if (l->t_state < 0) {
		l->state_member = "state";
		l->t_state = off(t, "task_struct", "state");
	}
	l->t_state_size = msize(t, "task_struct", l->state_member);
	l->t_exit_state = off(t, "task_struct", "exit_state");
	l->t_mm = off(t, "task_struct", "mm");
	l->t_active_mm = off(t, "task_struct", "active_mm");
	l->t_group_leader = off(t, "task_struct", "group_leader");
	l->t_tasks = off(t, "task_struct", "tasks");
	/* SMP: 1 from context_switch() until finish_task_switch() */
	l->t_on_cpu = off(t, "task_struct", "on_cpu");

	/*
	 * The CPU a task last ran on: task_struct.cpu with THREAD_INFO_IN_TASK
	 * before Linux kernel commit bcf9033e5449 ("sched: move CPU field back
	 * into thread_info if THREAD_INFO_IN_TASK=y") (in v5.16), the embedded
	 * task_struct.thread_info.cpu after it, and thread_info.cpu reached
	 * through task->stack on kernels without THREAD_INFO_IN_TASK.
	 */
	l->t_cpu = off(t, "task_struct", "cpu");
	l->t_cpu_size = msize(t, "task_struct", "cpu");
	l->t_stack = -1;
	l->ti_cpu = -1;
	if (l->t_cpu < 0) {
		ti = off(t, "task_struct", "thread_info");
		if (ti >= 0 && mtype(t, "task_struct", "thread_info") ==
		    MMA_TC_STRUCT && off(t, "thread_info", "cpu") >= 0) {
			l->t_cpu = ti + off(t, "thread_info", "cpu");
			l->t_cpu_size = msize(t, "thread_info", "cpu");
			note(l, "cpu=task.thread_info.cpu");
		} else if (off(t, "task_struct", "stack") >= 0 &&
			   off(t, "thread_info", "cpu") >= 0) {
			l->t_stack = off(t, "task_struct", "stack");
			l->ti_cpu = off(t, "thread_info", "cpu");
			l->ti_cpu_size = msize(t, "thread_info", "cpu");
			note(l, "cpu=task->stack->cpu");
		}
	} else
		note(l, "cpu=task.cpu");

	/* threads: thread_group list (old) or signal->thread_head/thread_node */
	l->t_thread_group = off(t, "task_struct", "thread_group");
	l->t_signal = off(t, "task_struct", "signal");
	l->t_thread_node = off(t, "task_struct", "thread_node");
	l->sig_thread_head = off(t, "signal_struct", "thread_head");

	span(&lo, &hi, l->t_pid, 4);
	span(&lo, &hi, l->t_tgid, 4);
	span(&lo, &hi, l->t_comm, l->t_comm_len);
	span(&lo, &hi, l->t_flags, l->t_flags_size == 8 ? 8 : 4);
	span_int(&lo, &hi, l->t_state, l->t_state_size);
	span(&lo, &hi, l->t_exit_state, 4);
	span(&lo, &hi, l->t_mm, 8);
	span(&lo, &hi, l->t_active_mm, 8);
	span(&lo, &hi, l->t_group_leader, 8);
	span(&lo, &hi, l->t_tasks, 16);
	span(&lo, &hi, l->t_on_cpu, 4);
	span_int(&lo, &hi, l->t_cpu, l->t_cpu_size > 0 ? l->t_cpu_size : 4);
	span(&lo, &hi, l->t_stack, 8);
	span(&lo, &hi, l->t_thread_group, 16);
	span(&lo, &hi, l->t_signal, 8);
	span(&lo, &hi, l->t_thread_node, 16);
	l->span_lo = lo < 0 ? 0 : lo;
	l->span_len = hi - l->span_lo;
}

/*
 * The kernel's own table of state names, "R (running)", "S (sleeping)"...
 * indexed by fls(state bits): its order gives the bit of each state on
 * this kernel (EXIT_ZOMBIE and EXIT_DEAD swapped values over time).
 */
static void
resolve_states(const struct mma_target *t, struct mma_layout *l)
{
	uint64_t a, p;
	long size;
	char s[4];
	int i, n = (int)sizeof(l->state_letter);

	l->nstates = 0;
	if (sym(t, "task_state_array", &a))
		return;
	/* never read past the array: its size is known to the debuginfo */
	if (t->symbol_size && (size = t->symbol_size(t->ctx,
						     "task_state_array")) > 0 &&
	    size / 8 < n)
		n = (int)(size / 8);
	for (i = 0; i < n; i++) {
		if (t->read(t->ctx, a + (uint64_t)i * 8, &p, 8) ||
		    !mma_kvaddr_ok(t, p, 1) ||
		    t->read(t->ctx, p, s, sizeof(s)) || s[1] != ' ' ||
		    s[2] != '(')
			break;
		l->state_letter[i] = s[0];
	}
	l->nstates = i;
}

/*
 * cpumask_var_t cpu_vm_mask_var (v3.0 .. v4.18): include/linux/cpumask.h
 * makes it "typedef struct cpumask *cpumask_var_t" with
 * CONFIG_CPUMASK_OFFSTACK and "typedef struct cpumask cpumask_var_t[1]"
 * without.  The typedef decides (mma_member_class(): crash answers
 * TYPEDEF "cpumask_var_t" for the member, PTR or ARRAY for the name).
 * *by_size is set when the target could not resolve it and the size had
 * to decide: 8 bytes is a pointer only when mm_struct.cpumask_allocation
 * exists (it exists exactly with OFFSTACK: mm_init_cpumask() points the
 * pointer at it), because a !OFFSTACK kernel with NR_CPUS=64 has an
 * 8-byte array too; any other size (NR_CPUS/8) is the array.
 */
static int
var_mask_kind(const struct mma_target *t, int *by_size)
{
	int tc = mtype(t, "mm_struct", "cpu_vm_mask_var");
	long sz;

	*by_size = 0;
	if (tc == MMA_TC_PTR)
		return MMA_MASK_VAR_PTR;
	if (tc == MMA_TC_ARRAY)
		return MMA_MASK_VAR_ARRAY;
	*by_size = 1;
	sz = msize(t, "mm_struct", "cpu_vm_mask_var");
	if ((sz == 8 || sz <= 0) &&
	    off(t, "mm_struct", "cpumask_allocation") >= 0)
		return MMA_MASK_VAR_PTR;
	return MMA_MASK_VAR_ARRAY;
}

static void
resolve_mm(const struct mma_target *t, struct mma_layout *l)
{
	int how = 0;

	l->mm_size = ssize(t, "mm_struct");
	l->mm_users = off(t, "mm_struct", "mm_users");
	l->mm_users_size = msize(t, "mm_struct", "mm_users");
	/*
	 * mm_count lives in a cacheline-aligned anonymous struct since Linux
	 * kernel commit c1753fd02a00 ("mm: move mm_count into its own cache
	 * line") (in v6.5): the target's member_offset finds anonymous members.
	 */
	l->mm_count = off(t, "mm_struct", "mm_count");
	l->mm_count_size = msize(t, "mm_struct", "mm_count");
	if (l->mm_users_size != 4 && l->mm_users_size != 8)
		l->mm_users_size = 4;	/* atomic_t */
	if (l->mm_count_size != 4 && l->mm_count_size != 8)
		l->mm_count_size = 4;
	/* CONFIG_MEMCG */
	l->mm_owner = off(t, "mm_struct", "owner");

	/*
	 * mm_cpumask(mm):
	 * - cpu_vm_mask_var: Linux kernel commit de03c72cfce5 ("mm: convert
	 *   mm->cpu_vm_cpumask into cpumask_var_t") (in v3.0); a pointer with
	 *   CONFIG_CPUMASK_OFFSTACK (mm_init_cpumask() points it at
	 *   mm->cpumask_allocation), a struct cpumask[1] array without it.
	 * - cpu_bitmap[]: Linux kernel commit c1a2f7f0c064 ("mm: Allocate the
	 *   mm_cpumask (mm->cpu_bitmap[]) dynamically based on nr_cpu_ids")
	 *   (in v4.19): a flexible array at the end of mm_struct.
	 * - flexible_array: "mm: rename cpu_bitmap field to flexible_array"
	 *   (v6.19): mm_cpumask() is the start of the flexible array, followed
	 *   by mm_cpus_allowed and the mm_cid mask.
	 * - cpu_vm_mask: a cpumask_t embedded in mm_struct (2.6 .. 2.6.39).
	 */
	l->mask_kind = MMA_MASK_NONE;
	l->mask_off = -1;
	if ((l->mask_off = off(t, "mm_struct", "cpu_vm_mask_var")) >= 0) {
		l->mask_member = "cpu_vm_mask_var";
		l->mask_kind = var_mask_kind(t, &how);
	} else if ((l->mask_off = off(t, "mm_struct", "cpu_bitmap")) >= 0) {
		l->mask_member = "cpu_bitmap";
		l->mask_kind = MMA_MASK_CPU_BITMAP;
	} else if ((l->mask_off = off(t, "mm_struct", "flexible_array")) >= 0) {
		l->mask_member = "flexible_array";
		l->mask_kind = MMA_MASK_FLEX;
	} else if ((l->mask_off = off(t, "mm_struct", "cpu_vm_mask")) >= 0) {
		l->mask_member = "cpu_vm_mask";
		l->mask_kind = MMA_MASK_CPU_VM_MASK;
	} else
		l->mask_member = "(none)";
	note(l, "mask=%s%s%s", l->mask_member,
	     l->mask_kind == MMA_MASK_VAR_PTR ? "(ptr" :
	     l->mask_kind == MMA_MASK_VAR_ARRAY ? "(array" : "",
	     l->mask_kind != MMA_MASK_VAR_PTR &&
	     l->mask_kind != MMA_MASK_VAR_ARRAY ? "" : how ? ",by-size)" : ")");
}

static int
read_u32(const struct mma_target *t, uint64_t addr, uint32_t *v)
{
	return t->read(t->ctx, addr, v, sizeof(*v));
}

/*
 * The per-CPU symbol as this kernel names it: plain since Linux kernel
 * commit dd17c8f72993 ("percpu: remove per_cpu__ prefix.") (in v2.6.34),
 * "per_cpu__" + name before it.  Returns the name that resolves, or NULL.
 * (crash's own per-CPU symbol search already accepts both; other targets
 * may not.)
 */
static const char *
percpu_sym(const struct mma_target *t, const char *name)
{
	static const struct { const char *plain, *old; } names[] = {
		{ "runqueues", "per_cpu__runqueues" },
		{ "cpu_tlbstate", "per_cpu__cpu_tlbstate" },
		{ "cpu_tlbstate_shared", "per_cpu__cpu_tlbstate_shared" },
	};
	uint64_t a;
	size_t i;

	if (!t->percpu_addr)
		return NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i].plain, name))
			continue;
		if (!t->percpu_addr(t->ctx, names[i].plain, 0, &a))
			return names[i].plain;
		if (!t->percpu_addr(t->ctx, names[i].old, 0, &a))
			return names[i].old;
		return NULL;
	}
	return NULL;
}

/*
 * Do lazy-TLB borrowers hold an mm_count reference?  Not with
 * CONFIG_MMU_LAZY_TLB_SHOOTDOWN (Linux kernel commit 2655421ae69f ("lazy
 * tlb: shoot lazies, non-refcounting lazy tlb mm reference handling
 * scheme") (in v6.2), selected by powerpc book3s64): the exiting mm shoots
 * the lazy users down with an IPI instead.  Asked of the dump's ikconfig
 * first, else told by do_shoot_lazy_tlb(), which exists only with it.
 */
static void
resolve_lazy_refs(const struct mma_target *t, struct mma_layout *l)
{
	uint64_t a;
	int v = t->kconfig ? t->kconfig(t->ctx,
					 "CONFIG_MMU_LAZY_TLB_SHOOTDOWN") : -1;

	if (v >= 0) {
		l->lazy_refcounted = !v;
		l->lazy_how = "ikconfig";
	} else if (!sym(t, "do_shoot_lazy_tlb", &a)) {
		l->lazy_refcounted = 0;
		l->lazy_how = "do_shoot_lazy_tlb";
	} else {
		l->lazy_refcounted = 1;
		l->lazy_how = "default";
	}
	note(l, "lazy_refs=%s(%s)", l->lazy_refcounted ? "counted" :
	     "shootdown", l->lazy_how);
}

static void
resolve_cpus(const struct mma_target *t, struct mma_layout *l)
{
	uint64_t a;
	uint32_t v;
	long cs;

	cs = ssize(t, "cpumask");
	if (cs <= 0)
		cs = ssize(t, "cpumask_t");
	/* NR_CPUS: 8192 at most on any architecture; more is garbage */
	l->nr_cpus_max = cs > 0 && cs <= 65536 / 8 ? (unsigned)cs * 8 : 0;

	l->nr_cpu_ids = 0;
	if (!sym(t, "nr_cpu_ids", &a) && !read_u32(t, a, &v) && v > 0 &&
	    v <= 65536 && (!l->nr_cpus_max || v <= l->nr_cpus_max)) {
		l->nr_cpu_ids = v;
		note(l, "nr_cpu_ids=%u", v);
	} else if (t->ncpus > 0 && t->ncpus <= 65536 &&
		   (!l->nr_cpus_max || (unsigned)t->ncpus <= l->nr_cpus_max)) {
		/* the same bounds as the kernel's own nr_cpu_ids above */
		l->nr_cpu_ids = (unsigned)t->ncpus;
		note(l, "nr_cpu_ids=%u(target)", l->nr_cpu_ids);
	} else if (l->nr_cpus_max) {
		l->nr_cpu_ids = l->nr_cpus_max;
		note(l, "nr_cpu_ids=%u(NR_CPUS)", l->nr_cpu_ids);
	} else {
		l->nr_cpu_ids = 1;
		note(l, "nr_cpu_ids=1(guess)");
	}
	l->mask_words = MMA_BITS_TO_LONGS(l->nr_cpu_ids);
	l->ncpus = (int)l->nr_cpu_ids;
	if (t->ncpus > 0 && t->ncpus < l->ncpus)
		l->ncpus = t->ncpus;

	sym(t, "init_mm", &l->init_mm);
	sym(t, "efi_mm", &l->efi_mm);
	sym(t, "init_task", &l->init_task);
	/*
	 * x86 text_poke() runs on a private mm allocated at boot
	 * (poking_init(): poking_mm = mm_alloc()): a slab mm_struct with
	 * mm_users 1 that no task uses, loaded on a CPU while patching.
	 */
	if (!sym(t, "poking_mm", &a) &&
	    (t->read(t->ctx, a, &l->poking_mm, 8) ||
	     !mma_kvaddr_ok(t, l->poking_mm, 8)))
		l->poking_mm = 0;

	/* online/possible: the mask itself under one of these names */
	if (!sym(t, "__cpu_online_mask", &l->online_mask))
		l->online_sym = "__cpu_online_mask";
	else if (!sym(t, "cpu_online_bits", &l->online_mask))
		l->online_sym = "cpu_online_bits";
	else if (!sym(t, "cpu_online_map", &l->online_mask))
		l->online_sym = "cpu_online_map";
	else
		l->online_mask = 0;
	if (sym(t, "__cpu_possible_mask", &l->possible_mask) &&
	    sym(t, "cpu_possible_bits", &l->possible_mask) &&
	    sym(t, "cpu_possible_map", &l->possible_mask))
		l->possible_mask = 0;

	/* runqueues */
	l->rq_curr = off(t, "rq", "curr");
	l->rq_idle = off(t, "rq", "idle");
	/*
	 * rq->prev_mm holds the lazy mm_count reference of a kernel thread
	 * being switched out until finish_task_switch() drops it.
	 */
	l->rq_prev_mm = off(t, "rq", "prev_mm");
	l->rq_sym = l->rq_curr >= 0 ? percpu_sym(t, "runqueues") : NULL;

	/*
	 * x86 cpu_tlbstate.  loaded_mm and is_lazy replaced active_mm/state
	 * (TLBSTATE_OK 1 / TLBSTATE_LAZY 2) during the v4.x series; is_lazy
	 * moved to cpu_tlbstate_shared in Linux kernel commit 2f4305b19fe6
	 * ("x86/mm/tlb: Privatize cpu_tlbstate") (in v5.13).
	 */
	l->tlb_kind = MMA_TLB_NONE;
	l->tlb_loaded_mm = off(t, "tlb_state", "loaded_mm");
	l->tlb_is_lazy = off(t, "tlb_state", "is_lazy");
	l->tlb_active_mm = off(t, "tlb_state", "active_mm");
	l->tlb_state = off(t, "tlb_state", "state");
	l->tlb_shared_is_lazy = off(t, "tlb_state_shared", "is_lazy");
	l->tlb_lazy_size = 1;
	l->tlb_sym = percpu_sym(t, "cpu_tlbstate");
	l->tlb_shared_sym = percpu_sym(t, "cpu_tlbstate_shared");
	if (!l->tlb_sym)
		;
	else if (l->tlb_loaded_mm >= 0) {
		if (l->tlb_is_lazy >= 0) {
			l->tlb_kind = MMA_TLB_LAZY;
			l->tlb_lazy_size = msize(t, "tlb_state", "is_lazy");
		} else if (l->tlb_shared_is_lazy >= 0 && l->tlb_shared_sym) {
			l->tlb_kind = MMA_TLB_SHARED;
			l->tlb_lazy_size = msize(t, "tlb_state_shared",
						 "is_lazy");
		} else
			l->tlb_kind = MMA_TLB_LOADED;
	} else if (l->tlb_active_mm >= 0 && l->tlb_state >= 0)
		l->tlb_kind = MMA_TLB_OLD;
	if (l->tlb_lazy_size <= 0 || l->tlb_lazy_size > 8)
		l->tlb_lazy_size = 1;
	if (l->poking_mm)
		note(l, "poking_mm=%llx", (unsigned long long)l->poking_mm);
	note(l, "tlb=%s", mma_tlb_kind_name(l->tlb_kind));
}

/**
 * mma_layout_resolve - fill l from the target's type information
 *
 * Returns 0 when the task and mm views can run (l->ok), -1 otherwise with
 * l->why saying what is missing.  Missing optional parts (owner, tlbstate,
 * runqueues, the mask) only switch off what depends on them.
 */
int
mma_layout_resolve(const struct mma_target *t, struct mma_layout *l)
{
	memset(l, 0, sizeof(*l));
	if (!t || !t->read || !t->member_offset) {
		snprintf(l->why, sizeof(l->why), "target has no read/type access");
		return -1;
	}
	resolve_task(t, l);
	resolve_states(t, l);
	resolve_mm(t, l);
	resolve_cpus(t, l);
	resolve_lazy_refs(t, l);

	if (l->t_pid < 0 || l->t_mm < 0 || l->t_active_mm < 0 || l->t_comm < 0)
		snprintf(l->why, sizeof(l->why),
			 "task_struct.%s not found in the debuginfo",
			 l->t_pid < 0 ? "pid" : l->t_mm < 0 ? "mm" :
			 l->t_active_mm < 0 ? "active_mm" : "comm");
	else if (l->mm_users < 0 || l->mm_count < 0)
		snprintf(l->why, sizeof(l->why),
			 "mm_struct.%s not found in the debuginfo",
			 l->mm_users < 0 ? "mm_users" : "mm_count");
	else if (l->span_len <= 0 || l->span_len > 65536)
		snprintf(l->why, sizeof(l->why),
			 "implausible task_struct layout (span %ld)", l->span_len);
	else
		l->ok = 1;
	return l->ok ? 0 : -1;
}

/**
 * mma_tlb_kind_name - name of an enum mma_tlb_kind (also the JSON value)
 */
const char *
mma_tlb_kind_name(int kind)
{
	switch (kind) {
	case MMA_TLB_OLD: return "active_mm+state";
	case MMA_TLB_LOADED: return "loaded_mm";
	case MMA_TLB_LAZY: return "loaded_mm+is_lazy";
	case MMA_TLB_SHARED: return "loaded_mm+shared.is_lazy";
	default: return "none";
	}
}

static const char *
mask_kind_name(int k)
{
	switch (k) {
	case MMA_MASK_CPU_VM_MASK: return "cpu_vm_mask (embedded cpumask_t)";
	case MMA_MASK_VAR_PTR: return "cpu_vm_mask_var (pointer, OFFSTACK)";
	case MMA_MASK_VAR_ARRAY: return "cpu_vm_mask_var (array)";
	case MMA_MASK_CPU_BITMAP: return "cpu_bitmap[]";
	case MMA_MASK_FLEX: return "flexible_array";
	default: return "none";
	}
}

/**
 * mma_layout_describe - print the resolved layout (mmaudit -v)
 */
void
mma_layout_describe(const struct mma_layout *l, FILE *fp)
{
	fprintf(fp, "  task_struct: size %ld  pid %ld  tgid %ld  comm %ld  "
		"flags %ld  %s %ld/%ld  exit_state %ld\n", l->task_size,
		l->t_pid, l->t_tgid, l->t_comm, l->t_flags, l->state_member,
		l->t_state, l->t_state_size, l->t_exit_state);
	fprintf(fp, "               mm %ld  active_mm %ld  group_leader %ld  "
		"tasks %ld  cpu %ld  (one read: %ld bytes at +%ld)\n",
		l->t_mm, l->t_active_mm, l->t_group_leader, l->t_tasks,
		l->t_cpu, l->span_len, l->span_lo);
	fprintf(fp, "    mm_struct: size %ld  mm_users %ld  mm_count %ld  "
		"owner %ld  mask %s at %ld\n", l->mm_size, l->mm_users,
		l->mm_count, l->mm_owner, mask_kind_name(l->mask_kind),
		l->mask_off);
	fprintf(fp, "         cpus: nr_cpu_ids %u  NR_CPUS %u  examined %d  "
		"mask words %u  online %s\n", l->nr_cpu_ids, l->nr_cpus_max,
		l->ncpus, l->mask_words, l->online_sym ? l->online_sym : "-");
	fprintf(fp, "  runqueues: %s (curr %ld idle %ld)  cpu_tlbstate: %s "
		"(loaded_mm %ld is_lazy %ld shared.is_lazy %ld active_mm %ld "
		"state %ld)\n", l->rq_sym ? l->rq_sym : "-", l->rq_curr,
		l->rq_idle, mma_tlb_kind_name(l->tlb_kind), l->tlb_loaded_mm,
		l->tlb_is_lazy,
		l->tlb_shared_is_lazy, l->tlb_active_mm, l->tlb_state);
	fprintf(fp, "      statics: init_mm %llx  efi_mm %llx  init_task %llx\n",
		(unsigned long long)l->init_mm, (unsigned long long)l->efi_mm,
		(unsigned long long)l->init_task);
}
