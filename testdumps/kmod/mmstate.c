// SPDX-License-Identifier: GPL-2.0
/*
 * mmstate - test module for the mmaudit scenario vmcores.
 *
 * Loaded by the guest workload (testdumps/mmwork.c, PID 1) with
 * finit_module(); its parameters select one scenario that makes the KERNEL
 * produce a known mm state on a known process:
 *
 *   kthread_use_mm  a module kthread takes the process's mm with
 *                   get_task_mm() + kthread_use_mm() and sleeps on it
 *   leak_grab       mmgrab() the process's mm `count` times, never dropped
 *   leak_get        mmget() (get_task_mm()) `count` times, never put
 *   extra_mmdrop    like kthread_use_mm; arming drops one mm_count
 *                   reference too many (atomic_dec, the mm is not freed)
 *   bit_clear       arming sends an IPI to `cpu`, which must be running
 *                   the process (a pinned spinner) on its own mm: the
 *                   handler clears the CPU's bit in mm_cpumask(mm) and
 *                   holds the CPU there with interrupts off for `hold_ms`
 *   leaked_lazy     a module kthread sleeps; once it is off its CPU its
 *                   active_mm is set (with an mmgrab()) to the process's
 *                   mm from the loading context
 *   stuck_flush     a module kthread bound to `cpu` kthread_use_mm()s the
 *                   process's mm; arming makes it spin with interrupts off
 *                   for `hold_ms` (a TLB flush of that mm then waits for it)
 *   extra_mmput     arming drops one mm_users reference too many
 *                   (atomic_dec on a multi-threaded process's mm: users
 *                   below its threads, the address space is not torn down)
 *   missed_flush    (x86) arming sends an IPI to `cpu`, which must be
 *                   running the process in user mode on its own mm: the
 *                   handler advances the mm's TLB generation
 *                   (mm->context.tlb_gen, as inc_mm_tlb_gen() does) and
 *                   sends no flush, so that CPU returns to user space one
 *                   generation behind: a flush that never reached it
 *
 * Parameters: scenario, pid (the process), count, cpu, hold_ms.  Writing
 * 1 to /sys/module/mmstate/parameters/arm does the step that must happen
 * just before the dump.  /sys/module/mmstate/parameters/report holds what
 * the module did as "key=value" words (mmwork copies it to the manifest).
 * Nothing is undone: the module cannot be unloaded and its kthreads never
 * exit (the guest is dumped and killed).
 *
 * Written for Debian 5.10, 6.1 and 6.12 kernels; only exported symbols and
 * inline helpers are used.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/mm_types.h>
#include <linux/pid.h>
#include <linux/smp.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/sched/clock.h>
#include <linux/version.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mmaudit test states: kernel-made mm reference and cpumask states");

static char *scenario = "";
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "kthread_use_mm leak_grab leak_get extra_mmdrop bit_clear leaked_lazy stuck_flush extra_mmput missed_flush");
static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "pid of the process whose mm is used");
static int count = 1;
module_param(count, int, 0444);
MODULE_PARM_DESC(count, "references leaked by leak_grab / leak_get");
static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "target CPU of bit_clear / stuck_flush");
static int hold_ms = 15000;
module_param(hold_ms, int, 0444);
MODULE_PARM_DESC(hold_ms, "bound of an interrupts-off hold, ms");

static char report[512];
module_param_string(report, report, sizeof(report), 0444);
MODULE_PARM_DESC(report, "what the module did, key=value words");

static struct task_struct *target;	/* the process (a reference is kept) */
static struct mm_struct *the_mm;	/* its mm */
static struct task_struct *kthr;	/* our kthread, if any */
static DECLARE_COMPLETION(kthr_ready);
static atomic_t kthr_spin = ATOMIC_INIT(0);

/**
 * say - append "key=value" words to the report
 * @fmt: printf format of the words
 */
static __printf(1, 2) void say(const char *fmt, ...)
{
	size_t n = strlen(report);
	va_list ap;

	if (n && n < sizeof(report) - 1)
		report[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(report + n, sizeof(report) - n, fmt, ap);
	va_end(ap);
}

/**
 * hold_irqs_off - spin with interrupts off for at most hold_ms
 *
 * Uses local_clock() (TSC based), which advances with interrupts off.
 */
static void hold_irqs_off(void)
{
	unsigned long flags;
	u64 end;

	local_irq_save(flags);
	end = local_clock() + (u64)hold_ms * NSEC_PER_MSEC;
	while (local_clock() < end)
		cpu_relax();
	local_irq_restore(flags);
}

static int task_state(struct task_struct *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
	return READ_ONCE(t->__state);
#else
	return READ_ONCE(t->state);
#endif
}

/**
 * use_mm_thread - kthread of kthread_use_mm, extra_mmdrop and stuck_flush
 * @arg: unused
 *
 * Adopts the_mm with kthread_use_mm() and then sleeps on it (or, for
 * stuck_flush once armed, spins on it with interrupts off); never returns
 * the mm.
 */
static int use_mm_thread(void *arg)
{
	kthread_use_mm(the_mm);
	complete(&kthr_ready);
	for (;;) {
		if (atomic_read(&kthr_spin)) {
			say("spin_cpu=%d", raw_smp_processor_id());
			atomic_set(&kthr_spin, 2);
			hold_irqs_off();
			atomic_set(&kthr_spin, 0);
			say("spin_done=1");
		}
		schedule_timeout_idle(MAX_SCHEDULE_TIMEOUT);
	}
	return 0;
}

/**
 * sleep_thread - kthread of leaked_lazy: sleeps for good
 * @arg: unused
 */
static int sleep_thread(void *arg)
{
	complete(&kthr_ready);
	for (;;) {
		set_current_state(TASK_IDLE);
		schedule();
	}
	return 0;
}

/**
 * start_kthread - create and start our kthread, wait until it is set up
 * @fn: thread function
 * @name: comm
 * @bind: CPU to bind it to, or -1
 */
static int start_kthread(int (*fn)(void *), const char *name, int bind)
{
	kthr = kthread_create(fn, NULL, "%s", name);
	if (IS_ERR(kthr))
		return PTR_ERR(kthr);
	get_task_struct(kthr);
	if (bind >= 0)
		kthread_bind(kthr, bind);
	wake_up_process(kthr);
	wait_for_completion(&kthr_ready);
	say("kthread_pid=%d kthread_comm=%s", kthr->pid, kthr->comm);
	return 0;
}

/* mm_count / mm_users of the_mm, named like the kernel's fields */
static int nr_count(void)
{
	return atomic_read(&the_mm->mm_count);
}

static int nr_users(void)
{
	return atomic_read(&the_mm->mm_users);
}

/* ------------------------------------------- bit_clear, missed_flush */
struct clear_state {
	int done;		/* 1 done, -1 CPU not on the process's mm */
	int cpu, pid;
	struct mm_struct *mm;
};
static struct clear_state cst;

/*
 * In an IPI handler: note what the interrupted CPU runs; true when it is a
 * task of the target process on its own mm (else cst.done is set to -1).
 */
static bool caught_target(void)
{
	struct task_struct *t = current;

	cst.cpu = smp_processor_id();
	cst.pid = t->pid;
	cst.mm = t->active_mm;
	if (!t->mm || t->active_mm != t->mm || t->tgid != pid) {
		smp_store_release(&cst.done, -1);
		return false;
	}
	return true;
}

/**
 * clear_own_bit - IPI handler of bit_clear, runs on the target CPU
 * @arg: unused
 *
 * Clears this CPU's bit in mm_cpumask() of the mm the interrupted task runs
 * on, if that task is one of the target process's, then keeps the CPU
 * there (interrupts off, so no context switch can set the bit again) for
 * hold_ms.
 */
static void clear_own_bit(void *arg)
{
	if (!caught_target())
		return;
	cpumask_clear_cpu(cst.cpu, mm_cpumask(cst.mm));
	smp_store_release(&cst.done, 1);
	hold_irqs_off();
}

/**
 * skip_flush - IPI handler of missed_flush, runs on the target CPU
 * @arg: unused
 *
 * If the interrupted task is one of the target process's, running on its
 * own mm, advance the mm's TLB generation the way a flush sender's
 * inc_mm_tlb_gen() does, and flush nothing: the CPU goes back to user space
 * with the old translations and a generation behind.
 */
static void skip_flush(void *arg)
{
	if (!caught_target())
		return;
	atomic64_inc(&cst.mm->context.tlb_gen);
	smp_store_release(&cst.done, 1);
}

/*
 * Send fn to `cpu` until it interrupts a task of the target process (the
 * CPU may be running a kworker for a moment).  Returns the tries, or a
 * negative errno.
 */
static int ipi_until_caught(smp_call_func_t fn)
{
	int tries;

	for (tries = 1; tries <= 200; tries++) {
		u64 end;

		memset(&cst, 0, sizeof(cst));
		if (smp_call_function_single(cpu, fn, NULL, 0))
			return -ENXIO;
		end = local_clock() + 2 * NSEC_PER_SEC;
		while (!smp_load_acquire(&cst.done) && local_clock() < end)
			msleep(1);
		if (cst.done == 1)
			return tries;
		msleep(10);
	}
	return -EAGAIN;
}

static int arm_bit_clear(void)
{
	int tries = ipi_until_caught(clear_own_bit);

	if (tries < 0) {
		say("bit_clear_failed=1 last_pid=%d", cst.pid);
		return tries;
	}
	say("cleared_cpu=%d cpu_pid=%d cpu_mm=%px tries=%d", cst.cpu, cst.pid, cst.mm, tries);
	return 0;
}

static int arm_missed_flush(void)
{
	u64 g0 = atomic64_read(&the_mm->context.tlb_gen);
	int tries = ipi_until_caught(skip_flush);

	if (tries < 0) {
		say("missed_flush_failed=1 last_pid=%d", cst.pid);
		return tries;
	}
	say("skipped_cpu=%d cpu_pid=%d tlb_gen_before=%llu tlb_gen_after=%llu tries=%d",
	    cst.cpu, cst.pid, (unsigned long long)g0,
	    (unsigned long long)atomic64_read(&the_mm->context.tlb_gen), tries);
	return 0;
}

/* ------------------------------------------------------------------ arm */
static int armed;

/**
 * arm_set - write handler of the `arm` parameter: the last step
 * @val: ignored
 * @kp: ignored
 */
static int arm_set(const char *val, const struct kernel_param *kp)
{
	int c0, c1;

	if (armed++)
		return -EBUSY;
	if (!strcmp(scenario, "extra_mmdrop")) {
		c0 = nr_count();
		atomic_dec(&the_mm->mm_count);
		c1 = nr_count();
		say("armed=1 mm_count_before=%d mm_count_after=%d", c0, c1);
		return 0;
	}
	if (!strcmp(scenario, "extra_mmput")) {
		c0 = nr_users();
		atomic_dec(&the_mm->mm_users);
		c1 = nr_users();
		say("armed=1 mm_users_before=%d mm_users_after=%d", c0, c1);
		return 0;
	}
	if (!strcmp(scenario, "missed_flush")) {
		int r = arm_missed_flush();

		if (!r)
			say("armed=1");
		return r;
	}
	if (!strcmp(scenario, "bit_clear")) {
		int r = arm_bit_clear();

		if (!r)
			say("armed=1");
		return r;
	}
	if (!strcmp(scenario, "stuck_flush")) {
		u64 end = local_clock() + 2 * NSEC_PER_SEC;

		atomic_set(&kthr_spin, 1);
		wake_up_process(kthr);
		while (atomic_read(&kthr_spin) != 2 && local_clock() < end)
			msleep(1);
		if (atomic_read(&kthr_spin) != 2)
			return -ETIMEDOUT;
		say("armed=1");
		return 0;
	}
	return -EINVAL;
}

static const struct kernel_param_ops arm_ops = {
	.set = arm_set,
	.get = param_get_int,
};
module_param_cb(arm, &arm_ops, &armed, 0644);
MODULE_PARM_DESC(arm, "write 1: do the scenario's last step (just before the dump)");

/* ------------------------------------------------------------------ init */

static int __init mmstate_init(void)
{
	struct pid *p;
	int i, r;

	p = find_get_pid(pid);
	target = p ? get_pid_task(p, PIDTYPE_PID) : NULL;
	put_pid(p);
	if (!target) {
		pr_err("mmstate: no process %d\n", pid);
		return -ESRCH;
	}
	task_lock(target);
	the_mm = target->mm;
	if (the_mm)
		mmgrab(the_mm);		/* while we set up; dropped below */
	task_unlock(target);
	if (!the_mm) {
		put_task_struct(target);
		return -EINVAL;
	}
	say("scenario=%s pid=%d mm=%px", scenario, pid, the_mm);

	if (!strcmp(scenario, "kthread_use_mm") || !strcmp(scenario, "extra_mmdrop") ||
	    !strcmp(scenario, "stuck_flush")) {
		/* the reference vhost-style users hold while they use the mm */
		if (get_task_mm(target) != the_mm) {
			r = -EINVAL;
			goto fail;
		}
		r = start_kthread(use_mm_thread, !strcmp(scenario, "kthread_use_mm") ? "mmstate-use" :
				  !strcmp(scenario, "extra_mmdrop") ? "mmstate-drop" : "mmstate-spin",
				  !strcmp(scenario, "stuck_flush") ? cpu : -1);
		if (r)
			goto fail;
		say("users_held=1");
	} else if (!strcmp(scenario, "leak_grab")) {
		for (i = 0; i < count; i++)
			mmgrab(the_mm);
		say("grabs=%d", count);
	} else if (!strcmp(scenario, "leak_get")) {
		for (i = 0; i < count; i++)
			if (get_task_mm(target) != the_mm) {
				r = -EINVAL;
				goto fail;
			}
		say("gets=%d", count);
	} else if (!strcmp(scenario, "leaked_lazy")) {
		r = start_kthread(sleep_thread, "mmstate-lazy", -1);
		if (r)
			goto fail;
		/* wait until it is off its CPU, sleeping */
		for (i = 0; i < 1000; i++) {
			if (task_state(kthr) == TASK_IDLE && !READ_ONCE(kthr->on_cpu))
				break;
			msleep(2);
		}
		msleep(100);
		if (task_state(kthr) != TASK_IDLE || READ_ONCE(kthr->on_cpu) || kthr->mm || kthr->active_mm) {
			/* the kthread runs our code: stay loaded, say why */
			say("error=kthread_not_asleep");
			goto out;
		}
		mmgrab(the_mm);		/* what a lazy borrower holds */
		WRITE_ONCE(kthr->active_mm, the_mm);
		say("lazy_set=1");
	} else if (!strcmp(scenario, "extra_mmput")) {
		/* the process outlives the dump: no reference is kept */
	} else if (!strcmp(scenario, "bit_clear") || !strcmp(scenario, "missed_flush")) {
		if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)) {
			r = -EINVAL;
			goto fail;
		}
	} else {
		pr_err("mmstate: unknown scenario '%s'\n", scenario);
		r = -EINVAL;
		goto fail;
	}
out:
	mmdrop(the_mm);			/* the set-up reference */
	say("setup_mm_users=%d setup_mm_count=%d", nr_users(), nr_count());
	pr_info("mmstate: %s\n", report);
	return 0;
fail:
	mmdrop(the_mm);
	put_task_struct(target);
	pr_err("mmstate: %s failed: %d (%s)\n", scenario, r, report);
	return r;
}
module_init(mmstate_init);
