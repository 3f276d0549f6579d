/*
 * rules.c - the checks.  Each rule has an id, a severity and one sentence
 * of kernel reason; docs/rules.md explains each in full.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "csd.h"

const struct mma_rule mma_rules[] = {
	{ "negative-count", MMA_SEV_BUG,
	  "mm_users and mm_count are reference counts: the kernel frees or "
	  "tears down at zero, so a negative value means more puts than gets" },
	{ "users-without-count", MMA_SEV_BUG,
	  "while mm_users > 0 the users collectively hold one mm_count "
	  "reference (mmput() drops it with mmdrop() only when mm_users "
	  "reaches 0), so mm_count cannot be 0" },
	{ "users-undercount", MMA_SEV_BUG,
	  "every user task with task->mm == X took an mm_users reference "
	  "(copy_mm()/mmget()), so mm_users cannot be below the number of "
	  "such tasks" },
	{ "mixed-mm-thread-group", MMA_SEV_BUG,
	  "threads of one thread group share one mm (CLONE_THREAD requires "
	  "CLONE_VM), so two non-NULL mms under one tgid cannot happen" },
	{ "mm-active-mismatch", MMA_SEV_BUG,
	  "a task with its own mm always runs on it: exec_mmap(), "
	  "copy_mm() and kthread_use_mm() set mm and active_mm together" },
	{ "init-mm-user", MMA_SEV_BUG,
	  "init_mm is the kernel's own address space; it is only ever "
	  "borrowed through active_mm, never installed as task->mm" },
	{ "leaked-lazy-ref", MMA_SEV_BUG,
	  "context_switch() clears prev->active_mm when a task without an mm "
	  "is switched out (the lazy mm_count reference moves to the next "
	  "task or is dropped in finish_task_switch()), so only a task "
	  "running on a CPU can be borrowing" },
	{ "count-below-explained", MMA_SEV_BUG,
	  "mm_count holds 1 for all users together, 1 per lazy-TLB borrower "
	  "(mmgrab in context_switch()) and 1 per kthread_use_mm() user, so "
	  "it cannot be below that sum" },
	{ "bad-mm-pointer", MMA_SEV_BUG,
	  "every mm a task or CPU points to is an allocated object of the "
	  "mm_struct slab cache (allocate_mm()) or a static mm (init_mm, "
	  "efi_mm); anything else is a use-after-free or a corrupt pointer" },
	{ "loaded-mm-bit-clear", MMA_SEV_BUG,
	  "x86 sends TLB-flush IPIs only to the CPUs in mm_cpumask(mm) and "
	  "switch_mm_irqs_off() sets the CPU's bit before loading any mm "
	  "other than init_mm; a CPU running on the mm with its bit clear "
	  "misses flushes and can use stale TLB entries" },
	{ "loaded-mm-null", MMA_SEV_BUG,
	  "cpu_tlbstate is statically initialised to &init_mm for every "
	  "possible CPU and switch_mm_irqs_off() only ever stores an mm or "
	  "LOADED_MM_SWITCHING: a NULL loaded mm is corruption" },
	{ "runqueue-mismatch", MMA_SEV_BUG,
	  "every possible CPU's runqueue has an idle task (init_idle(), pid "
	  "0, also its first curr) and a running task cannot migrate: rq->curr and rq->idle of "
	  "CPU c have task_cpu() == c (set_task_cpu() only moves tasks that "
	  "are not running)" },
	{ "task-cpu-invalid", MMA_SEV_BUG,
	  "task_cpu() is only ever set to a possible CPU (set_task_cpu(), "
	  "init_idle()), below nr_cpu_ids" },
	{ "lazy-cpu-left-mm", MMA_SEV_INFO,
	  "on kernels with cpu_tlbstate.state, a lazy CPU that gets a flush "
	  "IPI leaves the mm (leave_mm() clears its bit and loads "
	  "swapper_pg_dir) and reloads it at its next switch: a clear bit "
	  "is expected there" },
	{ "mask-beyond-nr-cpu-ids", MMA_SEV_SUSPICIOUS,
	  "only nr_cpu_ids bits of a cpumask are valid and the kernel never "
	  "sets a bit for a CPU that cannot exist; a set bit there is "
	  "memory corruption or a wrong mask" },
	{ "users-slack", MMA_SEV_INFO,
	  "mm_users is also held by get_task_mm()/mmget_not_zero() callers "
	  "(reads of /proc/<pid>/cmdline, environ, ptrace access, io_uring "
	  "SQPOLL, vhost, KVM async page faults); such holders are not "
	  "tasks, so mm_users above the task count is normal when small" },
	{ "users-no-task", MMA_SEV_SUSPICIOUS,
	  "an mm with mm_users > 0 that no task uses is held only by "
	  "get_task_mm()-style references: normal for a moment during exit "
	  "or a /proc read, a leak if it persists" },
	{ "count-slack", MMA_SEV_INFO,
	  "mm_count is also held by mmgrab() callers that are not tasks: "
	  "an open /proc/<pid>/mem or environ (proc_mem_open()), "
	  "userfaultfd contexts, io_uring rings, KVM VMs (kvm->mm), the oom "
	  "reaper; the dump cannot name them, so the excess is reported" },
	{ "bad-task-pointer", MMA_SEV_SUSPICIOUS,
	  "a task pointer handed to mmaudit (task table, runqueue) is not a "
	  "readable, aligned kernel address; the task is skipped" },
	{ "tasklist-loop", MMA_SEV_BUG,
	  "init_task.tasks is a circular list through every thread-group "
	  "leader that returns to the head; a cycle that does not is list "
	  "corruption" },
	{ "tasklist-truncated", MMA_SEV_SUSPICIOUS,
	  "the init_task.tasks walk hit its hard cap before returning to "
	  "the head" },
	{ "tasklist-broken", MMA_SEV_BUG,
	  "a tasks.next pointer in the init_task.tasks list is not a "
	  "readable kernel address: list corruption" },
	{ "tasklist-skip", MMA_SEV_BUG,
	  "every thread-group leader in the PID hash is on init_task.tasks: "
	  "copy_process() links it before attach_pid() and "
	  "__unhash_process() detaches the pid before list_del_rcu(), both "
	  "under tasklist_lock; a walk that returns to the head without it "
	  "went over a corrupt link" },
	{ "zombie-holds-mm", MMA_SEV_BUG,
	  "do_exit() calls exit_mm(), which clears task->mm, before "
	  "exit_notify() sets exit_state: a zombie or dead task cannot "
	  "still have an mm" },
	{ "owner-not-user", MMA_SEV_SUSPICIOUS,
	  "mm->owner (CONFIG_MEMCG) is a task using the mm: "
	  "mm_update_next_owner() hands it to another user, or clears it, "
	  "when the owner exits or execs; only that short window, or a "
	  "stale pointer, shows another owner" },
	{ "loaded-mm-mismatch", MMA_SEV_SUSPICIOUS,
	  "on x86 a CPU running a task with its own mm has that mm loaded "
	  "(switch_mm_irqs_off() in context_switch()), except in a "
	  "temporary mm (text_poke()'s poking_mm, efi_mm) or while the CPU "
	  "is between the two stores of a switch" },
	{ "efi-runtime-call", MMA_SEV_INFO,
	  "efi_enter_mm() points current->active_mm at &efi_mm (without "
	  "mmgrab) for the duration of an EFI runtime call; the task's own "
	  "mm is untouched, so mm != active_mm is expected there" },
	{ "stuck-shootdown", MMA_SEV_SUSPICIOUS,
	  "a CPU sending a TLB flush spins in csd_lock_wait() until each "
	  "target has run flush_tlb_func and unlocked its csd; a target "
	  "that does not (interrupts disabled, stuck) hangs the sender" },
	{ "missed-flush", MMA_SEV_BUG,
	  "every increment of mm->context.tlb_gen is followed by a flush "
	  "IPI to the non-lazy CPUs of mm_cpumask; a CPU running the mm "
	  "behind its generation with no flush on its way keeps stale TLB "
	  "entries" },
	{ "flush-outside-mask", MMA_SEV_INFO,
	  "a flush is sent to the CPUs of mm_cpumask(mm) as read when it "
	  "starts; a target whose bit has been cleared since (it switched "
	  "away, the mask was trimmed) is expected" },
	{ "mask-cpu-not-targeted", MMA_SEV_SUSPICIOUS,
	  "flush_tlb_multi() targets every CPU of mm_cpumask(mm) except "
	  "lazy ones (unless page tables are freed) and, on newer kernels, "
	  "CPUs running another mm; a CPU running the mm, not lazy and "
	  "behind the flush's generation must be a target" },
	{ NULL, 0, NULL },
};

const struct mma_rule *
mma_rule_find(const char *id)
{
	const struct mma_rule *r;

	for (r = mma_rules; r->id; r++)
		if (!strcmp(r->id, id))
			return r;
	return NULL;
}

const char *
mma_sev_name(int sev)
{
	switch (sev) {
	case MMA_SEV_BUG: return "bug";
	case MMA_SEV_SUSPICIOUS: return "suspicious";
	default: return "info";
	}
}

/* the severity called name ("bug", "suspicious", "info"), -1 for another word */
int
mma_sev_parse(const char *name)
{
	int sev;

	for (sev = MMA_SEV_INFO; sev <= MMA_SEV_BUG; sev++)
		if (!strcmp(name, mma_sev_name(sev)))
			return sev;
	return -1;
}

/**
 * mma_add_finding - append a finding; sev -1 means the rule's default
 */
void
mma_add_finding(struct mma_model *m, const char *rule, int sev, uint64_t task,
		uint64_t mm, int cpu, int pid, const char *fmt, ...)
{
	const struct mma_rule *r = mma_rule_find(rule);
	struct mma_finding *f;
	va_list ap;

	if (m->nfindings == m->findcap) {
		int ncap = m->findcap ? m->findcap * 2 : 64;
		struct mma_finding *n = realloc(m->findings,
						(size_t)ncap * sizeof(*n));

		if (!n)
			return;
		m->findings = n;
		m->findcap = ncap;
	}
	f = &m->findings[m->nfindings++];
	memset(f, 0, sizeof(*f));
	f->rule = r ? r->id : rule;
	f->sev = sev >= 0 ? sev : (r ? r->sev : MMA_SEV_INFO);
	f->reason = r ? r->reason : "";
	f->task = task;
	f->mm = mm;
	f->cpu = cpu;
	f->pid = pid;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	if (f->sev >= 0 && f->sev <= MMA_SEV_BUG)
		m->nsev[f->sev]++;
}

#define A(x) ((unsigned long long)(x))

static void rule_owner(struct mma_model *m, const struct mma_mm *x);

/*
 * One bad-mm-pointer finding per referencing task (and per CPU whose
 * loaded_mm it is), so that every holder of the bad pointer is named.
 */
static void
bad_mm_finding(struct mma_model *m, const struct mma_mm *x, const char *how)
{
	int i, named = 0;

	for (i = 0; i < m->ntasks; i++) {
		const struct mma_task *t = &m->tasks[i];
		const char *as;

		if (t->mm == x->addr && t->active_mm == x->addr)
			as = "mm and active_mm";
		else if (t->mm == x->addr)
			as = "mm";
		else if (t->active_mm == x->addr)
			as = "active_mm";
		else
			continue;
		mma_add_finding(m, "bad-mm-pointer", -1, t->addr, x->addr,
				t->oncpu, t->pid, "task %llx (pid %d, %s): %s "
				"%llx %s%s%s", A(t->addr), t->pid, t->comm, as,
				A(x->addr), how, x->slab_cache[0] ? ": " : "",
				x->slab_cache);
		named++;
	}
	for (i = 0; i < m->ncpus; i++) {
		const struct mma_cpu *c = &m->cpus[i];

		if (!c->readok || c->loaded_mm != x->addr)
			continue;
		mma_add_finding(m, "bad-mm-pointer", -1, 0, x->addr, c->cpu, -1,
				"cpu %d: loaded_mm %llx %s%s%s", c->cpu,
				A(x->addr), how, x->slab_cache[0] ? ": " : "",
				x->slab_cache);
		named++;
	}
	if (!named)
		mma_add_finding(m, "bad-mm-pointer", -1, 0, x->addr, -1, -1,
				"mm %llx %s%s%s", A(x->addr), how,
				x->slab_cache[0] ? ": " : "", x->slab_cache);
}

/* "owner pid 123 (comm)" of an mm, or "no owner found" */
static const char *
owner_text(const struct mma_model *m, const struct mma_mm *x, char *buf,
	   size_t len)
{
	int ti = -1, i;

	if (x->owner)
		ti = mma_hash_get(&m->taskh, x->owner);
	for (i = 0; ti < 0 && x->owner_pid >= 0 && i < m->ntasks; i++)
		if (m->tasks[i].pid == x->owner_pid && m->tasks[i].mm == x->addr)
			ti = i;
	if (ti >= 0)
		snprintf(buf, len, "owner pid %d (%s)", m->tasks[ti].pid,
			 m->tasks[ti].comm);
	else if (x->is_static)
		snprintf(buf, len, "%s", mma_static_name(x->is_static));
	else
		snprintf(buf, len, "no owner found");
	return buf;
}

/* is every holder of x a task that holds no reference (offline idle)? */
static int
held_only_unref(const struct mma_model *m, const struct mma_mm *x, int *cpu)
{
	int i, n = 0;

	*cpu = -1;
	for (i = 0; i < m->ntasks; i++) {
		const struct mma_task *t = &m->tasks[i];

		if (t->mm != x->addr && t->active_mm != x->addr)
			continue;
		if (t->mm || !t->unref)
			return 0;
		*cpu = t->idle_of;
		n++;
	}
	for (i = 0; i < m->ncpus; i++)
		if (m->cpus[i].readok && m->cpus[i].loaded_mm == x->addr &&
		    m->cpus[i].online != 0)
			return 0;
	return n > 0;
}

static int
slab_says_bad(const struct mma_mm *x)
{
	if (x->is_static && x->is_static != MMA_STATIC_POKING_MM)
		return 0;
	return x->slab == MMA_SLAB_FREE || x->slab == MMA_SLAB_INSIDE ||
	       x->slab == MMA_SLAB_NOT_SLAB ||
	       (x->slab == MMA_SLAB_ALLOC && strcmp(x->slab_cache, "mm_struct"));
}

static void
rules_mm(struct mma_model *m)
{
	const struct mma_layout *l = m->l;
	char own[64];
	int i, cpu;

	for (i = 0; i < m->nmms; i++) {
		struct mma_mm *x = &m->mms[i];
		const char *how;

		/* a page the dump left out proves nothing (summary counts it) */
		if (x->bad == MMA_BAD_MISSING)
			continue;
		if (x->bad || slab_says_bad(x)) {
			how = x->bad == MMA_BAD_ADDR ? "is not an aligned kernel address" :
			      x->bad ? "cannot be read" :
			      x->slab == MMA_SLAB_FREE ? "is a FREE slab object" :
			      x->slab == MMA_SLAB_INSIDE ? "points inside a slab "
							   "object" :
			      x->slab == MMA_SLAB_NOT_SLAB ? "is not a slab object "
							     "nor a static mm" :
			      "is an object of another slab cache";
			if (held_only_unref(m, x, &cpu))
				/*
				 * The idle task of an offline CPU keeps a
				 * stale active_mm without a reference (before
				 * v5.8 nothing repointed it at init_mm).
				 */
				mma_add_finding(m, "bad-mm-pointer",
						MMA_SEV_INFO, 0, x->addr, cpu, 0,
						"mm %llx %s, but only the idle "
						"task of offline CPU %d points "
						"at it, and holds no reference",
						A(x->addr), how, cpu);
			else
				bad_mm_finding(m, x, how);
			/* its counters and mask are not worth checking */
			continue;
		}
		if (!x->readok)
			continue;
		if (x->users < 0 || x->count < 0) {
			mma_add_finding(m, "negative-count", -1, 0, x->addr, -1,
					x->owner_pid, "mm %llx (%s): mm_users "
					"%d, mm_count %d", A(x->addr),
					owner_text(m, x, own, sizeof(own)),
					x->users, x->count);
			continue;
		}
		if (x->mask_ok && x->mask_beyond > 0)
			mma_add_finding(m, "mask-beyond-nr-cpu-ids", -1, 0,
					x->addr, -1, -1, "mm %llx: %d bit(s) "
					"set at or beyond nr_cpu_ids %u in "
					"mm_cpumask", A(x->addr),
					x->mask_beyond, l->nr_cpu_ids);
		/*
		 * init_mm and efi_mm are static and their counters are not a
		 * census: mm_users starts at 2 and is never a user count;
		 * mm_count is raised by every CPU's boot-time mmgrab() and
		 * dropped by CPU hot-unplug, and efi_mm is borrowed by EFI
		 * runtime calls without mmgrab().  x86's poking_mm
		 * (text_poke()) has mm_users 1 and no task by design.  Skip
		 * them before counting anything.
		 */
		if (x->is_static)
			continue;
		if (x->users > 0 && x->count == 0)
			mma_add_finding(m, "users-without-count", -1, 0, x->addr,
					-1, x->owner_pid, "mm %llx (%s): "
					"mm_users %d but mm_count 0",
					A(x->addr), owner_text(m, x, own,
					sizeof(own)), x->users);
		if (x->ntasks > x->users)
			mma_add_finding(m, "users-undercount", -1, 0, x->addr,
					-1, x->owner_pid, "mm %llx: %d user "
					"tasks use it but mm_users is %d",
					A(x->addr), x->ntasks, x->users);
		if (x->count > 0 && x->count < x->explained)
			mma_add_finding(m, "count-below-explained", -1, 0,
					x->addr, -1, x->owner_pid,
					"mm %llx (%s): mm_count %d < %d (%d for "
					"users + %d lazy borrowers + %d "
					"kthread_use_mm users + %d rq->prev_mm)",
					A(x->addr), owner_text(m, x, own,
					sizeof(own)), x->count, x->explained,
					x->users > 0 ? 1 : 0,
					l->lazy_refcounted ? x->nlazy -
					x->nlazy_unref : 0, x->nkthread,
					x->nprev);
		if (x->users > 0 && x->ntasks == 0 && x->nkthread == 0) {
			if (x->nexiting)
				/*
				 * exit_mm() clears task->mm before mmput():
				 * an exiting thread that still runs on the
				 * mm, or an exiting owner, explains it.
				 */
				mma_add_finding(m, "users-no-task", MMA_SEV_INFO,
						0, x->addr, -1, x->owner_pid,
						"mm %llx: mm_users %d, no task "
						"has it as task->mm, %d exiting "
						"task(s) still reference it "
						"(exit_mm() before mmput())",
						A(x->addr), x->users,
						x->nexiting);
			else if (m->missing_tasks)
				/* its user may be a task the dump left out */
				mma_add_finding(m, "users-no-task", MMA_SEV_INFO,
						0, x->addr, -1, -1, "mm %llx: "
						"mm_users %d but no task in the "
						"dump has it as task->mm; task "
						"pages are missing from the dump "
						"(filtered): its users may be "
						"there", A(x->addr), x->users);
			else
				mma_add_finding(m, "users-no-task", -1, 0,
						x->addr, -1, -1, "mm %llx: "
						"mm_users %d but no task has it "
						"as task->mm (mm_count %d, %d "
						"lazy borrowers)", A(x->addr),
						x->users, x->count, x->nlazy);
		} else if (x->users_slack > 0)
			mma_add_finding(m, "users-slack", -1, 0, x->addr, -1,
					x->owner_pid, "mm %llx (owner pid %d): "
					"mm_users %d, %d user tasks found: %d "
					"reference(s) held by non-task holders",
					A(x->addr), x->owner_pid, x->users,
					x->ntasks, x->users_slack);
		if (x->count > 0 && x->slack > 0)
			mma_add_finding(m, "count-slack", -1, 0, x->addr, -1,
					x->owner_pid, "mm %llx (owner pid %d): "
					"mm_count %d, explained %d: slack %d "
					"(holders like an open /proc/pid/mem, "
					"userfaultfd, io_uring, KVM)",
					A(x->addr), x->owner_pid, x->count,
					x->explained_max, x->slack);
		rule_owner(m, x);
	}
}

/*
 * owner-not-user: mm->owner (CONFIG_MEMCG) must be a task using the mm
 * while it has users.
 */
static void
rule_owner(struct mma_model *m, const struct mma_mm *x)
{
	const struct mma_task *o;
	int ti;

	if (!x->owner || x->users <= 0 || m->l->mm_owner < 0)
		return;
	ti = mma_hash_get(&m->taskh, x->owner);
	if (ti < 0 && mma_kvaddr_ok(m->t, x->owner, 8) &&
	    mma_addr_missing(m, x->owner, 8)) {
		/* the owner's task_struct is a page the dump left out */
		mma_add_finding(m, "owner-not-user", MMA_SEV_INFO, x->owner,
				x->addr, -1, -1, "mm %llx: mm->owner %llx is "
				"in a page not in the dump (filtered)",
				A(x->addr), A(x->owner));
		return;
	}
	if (ti < 0) {
		mma_add_finding(m, "owner-not-user", -1, x->owner, x->addr, -1,
				-1, "mm %llx: mm_users %d but mm->owner %llx "
				"is not a task of this dump", A(x->addr),
				x->users, A(x->owner));
		return;
	}
	o = &m->tasks[ti];
	/* exit_mm()/exec_mmap() clear or switch task->mm before handing on */
	if (o->mm == x->addr || (o->flags & MMA_PF_EXITING))
		return;
	mma_add_finding(m, "owner-not-user", -1, o->addr, x->addr, -1, o->pid,
			"mm %llx: mm->owner is pid %d (%s, %s), whose mm is "
			"%llx", A(x->addr), o->pid, o->comm, o->st, A(o->mm));
}

/* a temporary mm the kernel switches to without a task owning it */
static int
temporary_mm(const struct mma_layout *l, uint64_t mm)
{
	return mm && ((l->efi_mm && mm == l->efi_mm) ||
		      (l->poking_mm && mm == l->poking_mm));
}

static void
rules_tasks(struct mma_model *m)
{
	const struct mma_layout *l = m->l;
	struct mma_hash tg;
	int i;

	mma_hash_init(&tg);
	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];
		int j, running = tk->oncpu >= 0 || tk->on_cpu == 1;

		if (tk->rel == MMA_REL_INVALID) {
			if (temporary_mm(l, tk->active_mm))
				mma_add_finding(m, "efi-runtime-call", -1,
						tk->addr, tk->mm, tk->oncpu,
						tk->pid, "pid %d (%s): mm %llx, "
						"active_mm %llx (%s): inside a "
						"temporary mm", tk->pid, tk->comm,
						A(tk->mm), A(tk->active_mm),
						tk->active_mm == l->efi_mm ?
						"efi_mm" : "poking_mm");
			else
				/*
				 * exec_mmap() and kthread_use_mm() store mm
				 * and active_mm one after the other: a task
				 * on a CPU may be caught between the two.
				 */
				mma_add_finding(m, "mm-active-mismatch",
						running ? MMA_SEV_SUSPICIOUS : -1,
						tk->addr, tk->mm, tk->oncpu,
						tk->pid, "pid %d (%s): mm %llx "
						"but active_mm %llx%s", tk->pid,
						tk->comm, A(tk->mm),
						A(tk->active_mm), running ?
						" (on a CPU: may be mid-update)" :
						"");
		}
		if (tk->mm && l->init_mm && tk->mm == l->init_mm)
			mma_add_finding(m, "init-mm-user", -1, tk->addr, tk->mm,
					-1, tk->pid, "pid %d (%s): task->mm "
					"is &init_mm", tk->pid, tk->comm);
		if (l->nr_cpu_ids && (tk->cpu < -1 ||
				      tk->cpu >= (int)l->nr_cpu_ids))
			mma_add_finding(m, "task-cpu-invalid", -1, tk->addr, 0,
					-1, tk->pid, "pid %d (%s): task cpu %d, "
					"nr_cpu_ids %u", tk->pid, tk->comm,
					tk->cpu, l->nr_cpu_ids);
		if (tk->mm && tk->exit_state)
			mma_add_finding(m, "zombie-holds-mm", -1, tk->addr,
					tk->mm, -1, tk->pid, "pid %d (%s, %s): "
					"exit_state %#x but task->mm %llx",
					tk->pid, tk->comm, tk->st,
					tk->exit_state, A(tk->mm));
		/*
		 * Borrowing is legal only while running: on a CPU (runqueue
		 * curr, or the adapter's active task), or an idle task (an
		 * offline CPU's idle task keeps active_mm = &init_mm).  A
		 * task still on_cpu is being switched out: context_switch()
		 * clears its active_mm in the same window.
		 */
		if (!tk->mm && tk->active_mm && tk->oncpu < 0 &&
		    tk->idle_of < 0 && tk->pid != 0 &&
		    !temporary_mm(l, tk->active_mm))
			mma_add_finding(m, "leaked-lazy-ref",
					tk->on_cpu == 1 ? MMA_SEV_SUSPICIOUS :
					-1, tk->addr, tk->active_mm, tk->cpu,
					tk->pid, "pid %d (%s, %s) is not "
					"running on any CPU but borrows "
					"active_mm %llx%s", tk->pid, tk->comm,
					tk->st, A(tk->active_mm),
					tk->on_cpu == 1 ? " (still on_cpu: "
					"mid context switch)" : "");
		if (!tk->mm)
			continue;
		/* thread groups: first mm seen per tgid */
		j = mma_hash_get(&tg, (uint64_t)(uint32_t)tk->tgid + 1);
		if (j < 0)
			mma_hash_put(&tg, (uint64_t)(uint32_t)tk->tgid + 1, i);
		else if (m->tasks[j].mm != tk->mm)
			mma_add_finding(m, "mixed-mm-thread-group", -1, tk->addr,
					tk->mm, -1, tk->pid, "tgid %d: pid %d "
					"has mm %llx, pid %d has mm %llx",
					tk->tgid, m->tasks[j].pid,
					A(m->tasks[j].mm), tk->pid, A(tk->mm));
	}
	mma_hash_free(&tg);
}

/*
 * Is CPU c caught inside a context switch (the dump's NMI or a QEMU stop
 * can land anywhere)?  switch_mm_irqs_off() clears prev's bit, stores
 * LOADED_MM_SWITCHING, sets next's bit and stores next; rq->curr is
 * already next before it runs.
 */
static int
cpu_mid_switch(const struct mma_model *m, const struct mma_cpu *cp)
{
	const struct mma_task *curr;

	if (cp->loaded_mm == MMA_LOADED_MM_SWITCHING)
		return 1;
	if (cp->curr_idx < 0)
		return 0;
	curr = &m->tasks[cp->curr_idx];
	return curr->active_mm && curr->active_mm != cp->loaded_mm;
}

static void
rules_cpus(struct mma_model *m)
{
	const struct mma_layout *l = m->l;
	int c;

	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];
		const struct mma_task *curr = cp->curr_idx >= 0 ?
			&m->tasks[cp->curr_idx] : NULL;
		struct mma_mm *x;

		/*
		 * loaded-mm-mismatch: a task with its own mm runs on it,
		 * unless in a temporary mm or caught between the stores.
		 */
		if (curr && curr->mm && cp->loaded_mm &&
		    l->tlb_kind != MMA_TLB_NONE &&
		    cp->loaded_mm != curr->mm &&
		    cp->loaded_mm != MMA_LOADED_MM_SWITCHING &&
		    !temporary_mm(l, cp->loaded_mm))
			mma_add_finding(m, "loaded-mm-mismatch", -1, curr->addr,
					cp->loaded_mm, c, curr->pid, "CPU %d "
					"runs pid %d (%s) on mm %llx but has mm "
					"%llx loaded", c, curr->pid, curr->comm,
					A(curr->mm), A(cp->loaded_mm));
		/*
		 * Offline CPUs are checked too: panic's stop_this_cpu() only
		 * clears the CPU from cpu_online_mask and halts, keeping its
		 * loaded mm, so in a panic dump every CPU but the panicking one
		 * looks offline.  A CPU that was really unplugged (or never
		 * booted) has loaded_mm == &init_mm: idle_task_exit() switches
		 * to init_mm and cpu_tlbstate is statically initialised to it.
		 */
		if (cp->tlb_readok && !cp->loaded_mm &&
		    l->tlb_kind != MMA_TLB_NONE)
			mma_add_finding(m, "loaded-mm-null", -1, 0, 0, c, -1,
					"CPU %d: cpu_tlbstate's loaded mm is "
					"NULL", c);
		if (cp->readok) {
			const struct mma_task *idle = cp->idle_idx >= 0 ?
				&m->tasks[cp->idle_idx] : NULL;

			if (!cp->curr)
				mma_add_finding(m, "runqueue-mismatch", -1, 0, 0,
						c, -1, "CPU %d: rq->curr is NULL",
						c);
			if (!cp->idle && l->rq_idle >= 0)
				mma_add_finding(m, "runqueue-mismatch", -1, 0, 0,
						c, -1, "CPU %d: rq->idle is NULL",
						c);
			else if (idle && idle->pid != 0)
				mma_add_finding(m, "runqueue-mismatch", -1,
						idle->addr, 0, c, idle->pid,
						"CPU %d: rq->idle %llx is pid %d "
						"(%s), not an idle task (pid 0)",
						c, A(idle->addr), idle->pid,
						idle->comm);
			if (idle && idle->cpu >= 0 && idle->cpu != c)
				mma_add_finding(m, "runqueue-mismatch", -1,
						idle->addr, 0, c, idle->pid,
						"CPU %d: rq->idle %llx (pid %d) "
						"has task cpu %d", c,
						A(idle->addr), idle->pid,
						idle->cpu);
			if (curr && curr != idle && curr->cpu >= 0 &&
			    curr->cpu != c)
				mma_add_finding(m, "runqueue-mismatch", -1,
						curr->addr, 0, c, curr->pid,
						"CPU %d: rq->curr %llx (pid %d, "
						"%s) has task cpu %d", c,
						A(curr->addr), curr->pid,
						curr->comm, curr->cpu);
		}
		if (cp->loaded_idx < 0 || cp->bit != 0)
			continue;
		x = &m->mms[cp->loaded_idx];
		/*
		 * x86 never tracks init_mm in mm_cpumask: switch_mm_irqs_off()
		 * only sets the bit "if (next != &init_mm)" since no TLB-flush
		 * IPI is ever sent for init_mm.
		 */
		if (x->addr == l->init_mm)
			continue;
		if ((l->tlb_kind == MMA_TLB_OLD && cp->tlbstate ==
		     MMA_TLBSTATE_LAZY) ||
		    /*
		     * Without is_lazy (v4.13 .. v4.18), a CPU that runs a
		     * kernel thread on the mm is lazy, and leave_mm() or a
		     * flush clears its bit: Linux kernel commit 94b1b03b519b
		     * ("x86/mm: Rework lazy TLB mode and TLB freshness
		     * tracking") (in v4.13).
		     */
		    (l->tlb_kind == MMA_TLB_LOADED && curr && !curr->mm))
			mma_add_finding(m, "lazy-cpu-left-mm", -1, 0, x->addr, c,
					-1, "CPU %d is lazy on mm %llx and its "
					"bit is clear (mask %s)", c,
					A(x->addr), x->cpus[0] ? x->cpus : "empty");
		else
			mma_add_finding(m, "loaded-mm-bit-clear",
					cpu_mid_switch(m, cp) ?
					MMA_SEV_SUSPICIOUS : -1, 0, x->addr,
					c, -1, "CPU %d has loaded mm %llx%s but "
					"bit %d is clear in its mm_cpumask "
					"(%s)%s", c, A(x->addr),
					cp->is_lazy == 1 ? " (lazy)" : "", c,
					x->cpus[0] ? x->cpus : "empty",
					cpu_mid_switch(m, cp) ? "; the CPU is "
					"mid context switch (rq->curr's "
					"active_mm is another mm)" : "");
	}
}

/*
 * tasklist-skip: the walk of init_task.tasks came back to the head, yet a
 * thread-group leader of the adapter's task table (crash's: the PID hash)
 * was not on it.  Only de_thread() moves a leader's list node
 * (list_replace_rcu(), under tasklist_lock, after the new leader took the
 * pid): a task caught running there is suspicious, not a bug.
 */
static void
rules_list(struct mma_model *m)
{
	int i;

	if (m->list_state != MMA_LIST_OK)
		return;
	for (i = 0; i < m->ntasks; i++) {
		const struct mma_task *tk = &m->tasks[i];

		if (!(tk->src & MMA_SRC_TARGET) || (tk->src & MMA_SRC_LIST) ||
		    tk->pid <= 0 || tk->pid != tk->tgid ||
		    tk->addr == m->l->init_task)
			continue;
		mma_add_finding(m, "tasklist-skip", tk->oncpu >= 0 ?
				MMA_SEV_SUSPICIOUS : -1, tk->addr, 0,
				tk->oncpu, tk->pid, "pid %d (%s) is a "
				"thread-group leader in the task table but the "
				"init_task.tasks walk (%d tasks) returned to the "
				"head without it%s", tk->pid, tk->comm,
				m->list_walked, tk->oncpu >= 0 ? " (running: "
				"may be inside de_thread())" : "");
	}
}

/**
 * mma_run_rules - evaluate every rule on a built model
 */
void
mma_run_rules(struct mma_model *m)
{
	rules_mm(m);
	rules_tasks(m);
	rules_list(m);
	rules_cpus(m);
	mma_csd_rules(m);
}
