/*
 * test_rules.c - every rule fires on a crafted model and stays quiet on the
 * healthy scene (which mirrors the testdumps guest workload).
 */
#include <limits.h>

#include "synth.h"

typedef void (*mutate_fn)(struct synth *s, struct scene *x);

static int
run(struct sk_cfg *c, mutate_fn fn, struct synth *s, struct scene *x,
    struct mma_layout *l, struct mma_model *m)
{
	sk_init(s, c);
	sk_scene(s, x);
	if (fn)
		fn(s, x);
	return sk_build(s, l, m);
}

static void
healthy(int tlb_kind, const char *label)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	char name[128];
	int i;

	sk_default_cfg(&c);
	c.tlb_kind = tlb_kind;
	if (run(&c, NULL, &s, &x, &l, &m)) {
		check(0, label, "build failed: %s", l.why);
		return;
	}
	snprintf(name, sizeof(name), "%s: no bug findings", label);
	check(m.nsev[MMA_SEV_BUG] == 0, name, "%d bug(s)", m.nsev[MMA_SEV_BUG]);
	snprintf(name, sizeof(name), "%s: no suspicious findings", label);
	check(m.nsev[MMA_SEV_SUSPICIOUS] == 0, name, "%d",
	      m.nsev[MMA_SEV_SUSPICIOUS]);
	snprintf(name, sizeof(name), "%s: one info (the /proc/self/mem holder)",
		 label);
	check(m.nsev[MMA_SEV_INFO] == 1 && count_rule(&m, "count-slack") == 1 &&
	      m.findings[0].mm == x.D, name, "%d info", m.nsev[MMA_SEV_INFO]);
	if (m.nsev[MMA_SEV_BUG] || m.nsev[MMA_SEV_SUSPICIOUS])
		dump_findings(&m);

	if (tlb_kind == MMA_TLB_LAZY) {
		i = mma_model_find_mm(&m, x.A);
		CHECK_EQ_INT("A: 3 user tasks", m.mms[i].ntasks, 3);
		CHECK_EQ_INT("A: one lazy borrower", m.mms[i].nlazy, 1);
		CHECK_EQ_INT("A: explained 2", m.mms[i].explained, 2);
		CHECK_EQ_STR("A: cpus", m.mms[i].cpus, "0-1");
		CHECK_EQ_INT("A: owner is the leader", m.mms[i].owner_pid, 100);
		i = mma_model_find_mm(&m, x.B);
		CHECK_EQ_INT("B: CLONE_VM+vfork group, 3 tasks", m.mms[i].ntasks, 3);
		CHECK_EQ_INT("B: 3 tgids", m.mms[i].ntgids, 3);
		i = mma_model_find_mm(&m, x.C);
		CHECK_EQ_INT("C: kthread_use_mm user counted", m.mms[i].nkthread, 1);
		CHECK_EQ_INT("C: explained 2", m.mms[i].explained, 2);
		i = mma_model_find_mm(&m, x.D);
		CHECK_EQ_INT("D: slack 1", m.mms[i].slack, 1);
		i = mma_model_find_task(&m, x.t300);
		CHECK_EQ_INT("zombie has no mm", m.tasks[i].mm, 0);
		CHECK_EQ_STR("zombie state", m.tasks[i].st, "ZO");
		CHECK_EQ_INT("relation OWN", m.tasks[mma_model_find_task(&m,
			     x.t100)].rel, MMA_REL_OWN);
		CHECK_EQ_INT("relation BORROWED", m.tasks[mma_model_find_task(&m,
			     SK_INIT_TASK)].rel, MMA_REL_BORROWED);
		CHECK_EQ_INT("relation KTHREAD_USE_MM", m.tasks[
			     mma_model_find_task(&m, x.t11)].rel,
			     MMA_REL_KTHREAD_USE_MM);
		CHECK_EQ_INT("relation NONE", m.tasks[mma_model_find_task(&m,
			     x.t10)].rel, MMA_REL_NONE);
		CHECK_EQ_INT("cpu 1 bit set", m.cpus[1].bit, 1);
		CHECK_EQ_INT("cpu 0 lazy", m.cpus[0].is_lazy, 1);
		CHECK_EQ_INT("cpu 2 init_mm bit clear, no finding",
			     m.cpus[2].bit, 0);
		CHECK_EQ_INT("list walk saw all leaders", m.list_walked, 9);
		CHECK_EQ_INT("list walk state ok", m.list_state, 0);
		CHECK_EQ_INT("all tasks", m.ntasks, 15);
		CHECK_EQ_INT("mms: A B C D init_mm", m.nmms, 5);
	}
	mma_model_free(&m);
	fk_free(&s.f);
}

/* ---- one mutation per rule ------------------------------------------ */
static void m_negative(struct synth *s, struct scene *x) { sk_count(s, x->D, -1); }
static void m_users_no_count(struct synth *s, struct scene *x) { sk_count(s, x->B, 0); }
static void m_undercount(struct synth *s, struct scene *x) { sk_users(s, x->B, 2); }
static void m_mixed(struct synth *s, struct scene *x) { sk_task_mm(s, x->t102, x->B, x->B); sk_users(s, x->B, 4); sk_users(s, x->A, 2); }
static void m_mismatch(struct synth *s, struct scene *x) { sk_task_mm(s, x->t400, x->C, x->A); sk_count(s, x->A, 3); }
static void m_init_mm(struct synth *s, struct scene *x) { sk_task_mm(s, x->t500, SK_INIT_MM, SK_INIT_MM); sk_users(s, x->D, 0); sk_count(s, x->D, 0); }
static void m_leaked(struct synth *s, struct scene *x) { sk_task_mm(s, x->t10, 0, x->A); sk_count(s, x->A, 3); }
static void m_below(struct synth *s, struct scene *x) { sk_count(s, x->A, 1); }
static void m_free(struct synth *s, struct scene *x) { fk_slab(&s->f, x->B, MMA_SLAB_FREE, "mm_struct"); }
static void m_other_cache(struct synth *s, struct scene *x) { fk_slab(&s->f, x->B, MMA_SLAB_ALLOC, "kmalloc-1k"); }
static void m_not_slab(struct synth *s, struct scene *x) { fk_slab(&s->f, x->C, MMA_SLAB_NOT_SLAB, ""); }
static void m_bit_clear(struct synth *s, struct scene *x) { sk_set_mask(s, x->A, "0"); }
static void m_beyond(struct synth *s, struct scene *x) { sk_set_mask(s, x->A, "0-1,10"); }
static void m_users_slack(struct synth *s, struct scene *x) { sk_users(s, x->A, 5); }
/* CPU 2's cpu_tlbstate.loaded_mm zeroed */
static void m_loaded_null(struct synth *s, struct scene *x) { (void)x; fk_u64(&s->f, SK_TLB + 2 * SK_CPU_STRIDE, 0); }
/* CPU 0's rq->idle points at kworker pid 10 (task cpu 0) */
static void m_rq_idle(struct synth *s, struct scene *x) { fk_u64(&s->f, SK_RQ + 0x18, x->t10); }
/* CPU 3's rq->curr zeroed */
static void m_rq_curr_null(struct synth *s, struct scene *x) { (void)x; fk_u64(&s->f, SK_RQ + 3 * SK_CPU_STRIDE + 0x10, 0); }
/* CPU 1 runs pid 101, whose task cpu says 3 */
static void m_rq_curr_cpu(struct synth *s, struct scene *x) { sk_task_cpu(s, x->t101, 3); }
/* a sleeping task's cpu beyond nr_cpu_ids */
static void m_cpu_invalid(struct synth *s, struct scene *x) { sk_task_cpu(s, x->t200, 4096); }
/* leader 100's tasks.next skips leaders 200 and 201: the walk still returns to the head */
static void m_list_skip(struct synth *s, struct scene *x) { fk_u64(&s->f, x->t100 + T_TASKS, x->t202 + T_TASKS); }
/* the same skip over a leader that is running (CPU 1's curr): de_thread() window */
static void m_list_skip_running(struct synth *s, struct scene *x) { fk_u64(&s->f, x->t100 + T_TASKS, x->t201 + T_TASKS); sk_cpu(s, 1, x->t200, x->idle[1], x->B, 0); sk_set_mask(s, x->B, "1"); sk_set_mask(s, x->A, "0"); }
/* D only reachable through CPU 2's idle task borrowing it */
static void m_no_task(struct synth *s, struct scene *x)
{
	sk_task_mm(s, x->t500, 0, 0);
	sk_task_mm(s, x->idle[2], 0, x->D);
	sk_cpu(s, 2, x->idle[2], x->idle[2], x->D, 1);
	sk_set_mask(s, x->D, "2");
}
static void m_lazy_left(struct synth *s, struct scene *x) { sk_set_mask(s, x->A, "1"); }

/* panic dump: stop_this_cpu() cleared every CPU but 1 from the online mask */
static void m_panic(struct synth *s, struct scene *x)
{
	(void)x;
	fk_u64(&s->f, SK_ONLINE, 0x2);
}
static void m_panic_bit_clear(struct synth *s, struct scene *x)
{
	m_panic(s, x);
	sk_set_mask(s, x->A, "1");	/* CPU 0 (offline, lazy on A) */
}

struct rcase {
	const char *rule;
	mutate_fn fn;
	int tlb_kind;
	int sev;
	int n;		/* expected count of that rule */
};

static const struct rcase cases[] = {
	{ "negative-count", m_negative, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "users-without-count", m_users_no_count, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "users-undercount", m_undercount, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "mixed-mm-thread-group", m_mixed, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "mm-active-mismatch", m_mismatch, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "init-mm-user", m_init_mm, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "leaked-lazy-ref", m_leaked, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "count-below-explained", m_below, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	/* one finding per task holding the bad pointer: B is the mm of the
	 * three CLONE_VM tasks mmw-A/B/C, C that of io_uring-sq and mmw-owner */
	{ "bad-mm-pointer", m_free, MMA_TLB_LAZY, MMA_SEV_BUG, 3 },
	{ "bad-mm-pointer", m_other_cache, MMA_TLB_LAZY, MMA_SEV_BUG, 3 },
	{ "bad-mm-pointer", m_not_slab, MMA_TLB_LAZY, MMA_SEV_BUG, 2 },
	{ "loaded-mm-bit-clear", m_bit_clear, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "loaded-mm-bit-clear", m_bit_clear, MMA_TLB_SHARED, MMA_SEV_BUG, 1 },
	{ "loaded-mm-bit-clear", m_bit_clear, MMA_TLB_OLD, MMA_SEV_BUG, 1 },
	{ "loaded-mm-bit-clear", m_panic, MMA_TLB_SHARED, MMA_SEV_BUG, 0 },
	{ "loaded-mm-bit-clear", m_panic_bit_clear, MMA_TLB_SHARED, MMA_SEV_BUG, 1 },
	{ "lazy-cpu-left-mm", m_lazy_left, MMA_TLB_OLD, MMA_SEV_INFO, 1 },
	{ "mask-beyond-nr-cpu-ids", m_beyond, MMA_TLB_LAZY, MMA_SEV_SUSPICIOUS, 1 },
	{ "users-slack", m_users_slack, MMA_TLB_LAZY, MMA_SEV_INFO, 1 },
	{ "users-no-task", m_no_task, MMA_TLB_LAZY, MMA_SEV_SUSPICIOUS, 1 },
	{ "count-slack", NULL, MMA_TLB_LAZY, MMA_SEV_INFO, 1 },
	{ "tasklist-skip", m_list_skip, MMA_TLB_LAZY, MMA_SEV_BUG, 2 },
	{ "loaded-mm-null", m_loaded_null, MMA_TLB_SHARED, MMA_SEV_BUG, 1 },
	{ "runqueue-mismatch", m_rq_idle, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "runqueue-mismatch", m_rq_curr_cpu, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "runqueue-mismatch", m_rq_curr_null, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "task-cpu-invalid", m_cpu_invalid, MMA_TLB_LAZY, MMA_SEV_BUG, 1 },
	{ "tasklist-skip", m_list_skip_running, MMA_TLB_LAZY, MMA_SEV_SUSPICIOUS, 1 },
};

static void
rule_case(const struct rcase *rc)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	char name[128];
	int i, n = 0, sev = -1;

	sk_default_cfg(&c);
	c.tlb_kind = rc->tlb_kind;
	if (run(&c, rc->fn, &s, &x, &l, &m)) {
		check(0, rc->rule, "build failed: %s", l.why);
		return;
	}
	for (i = 0; i < m.nfindings; i++)
		if (!strcmp(m.findings[i].rule, rc->rule)) {
			n++;
			sev = m.findings[i].sev;
		}
	snprintf(name, sizeof(name), "rule %s fires (%s)", rc->rule,
		 rc->tlb_kind == MMA_TLB_OLD ? "old tlbstate" :
		 rc->tlb_kind == MMA_TLB_SHARED ? "shared tlbstate" : "is_lazy");
	if (!rc->n) {
		snprintf(name, sizeof(name), "rule %s quiet (%s)", rc->rule,
			 "panic dump: stopped CPUs offline");
		check(n == 0 && m.nsev[MMA_SEV_BUG] == 0, name, "%d finding(s)", n);
	} else
		check(n == rc->n && sev == rc->sev, name, "%d finding(s), sev %d",
		      n, sev);
	if (n != rc->n)
		dump_findings(&m);
	mma_model_free(&m);
	fk_free(&s.f);
}

/* old tlbstate, CPU 1 not lazy (TLBSTATE_OK) with its bit clear: a bug;
 * the same CPU lazy: info */
static void
old_ok_vs_lazy(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;

	sk_default_cfg(&c);
	c.tlb_kind = MMA_TLB_OLD;
	run(&c, m_lazy_left, &s, &x, &l, &m);
	/* m_lazy_left clears CPU 0's bit: CPU 0 is lazy (idle borrowing) */
	check(count_rule(&m, "loaded-mm-bit-clear") == 0 &&
	      count_rule(&m, "lazy-cpu-left-mm") == 1,
	      "old tlbstate: lazy CPU with clear bit is info only", "bug %d info %d",
	      count_rule(&m, "loaded-mm-bit-clear"),
	      count_rule(&m, "lazy-cpu-left-mm"));
	mma_model_free(&m);
	fk_free(&s.f);
}

/* x86 text_poke(): CPU 3 on poking_mm, an mm no task uses, users 1 */
static void
poking_mm(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	uint64_t pm, sym = 0xffffffff82400000ULL;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	sk_scene(&s, &x);
	pm = sk_mm(&s, 1, 1, "3");
	fk_region(&s.f, sym, 8);
	fk_u64(&s.f, sym, pm);
	fk_sym(&s.f, "poking_mm", sym);
	sk_cpu(&s, 3, x.idle[3], x.idle[3], pm, 0);
	sk_build(&s, &l, &m);
	check(m.nsev[MMA_SEV_BUG] == 0 && m.nsev[MMA_SEV_SUSPICIOUS] == 0 &&
	      m.mms[mma_model_find_mm(&m, pm)].is_static == 3,
	      "poking_mm loaded on a CPU is not an orphan", "%d bug %d susp",
	      m.nsev[MMA_SEV_BUG], m.nsev[MMA_SEV_SUSPICIOUS]);
	mma_model_free(&m);
	fk_free(&s.f);
	/* the same mm without the poking_mm symbol: users-no-task */
	sk_init(&s, &c);
	sk_scene(&s, &x);
	pm = sk_mm(&s, 1, 1, "3");
	sk_cpu(&s, 3, x.idle[3], x.idle[3], pm, 0);
	sk_build(&s, &l, &m);
	CHECK_EQ_INT("unknown task-less mm on a CPU is suspicious",
		     count_rule(&m, "users-no-task"), 1);
	mma_model_free(&m);
	fk_free(&s.f);
}

/* counters at INT_MIN (a corrupt dump): the slacks stay negative instead of
 * overflowing int (undefined behaviour, seen under UBSan in the mutation
 * campaign; it used to wrap to a slack of INT_MAX) */
static void
counter_extremes(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	int i;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	sk_scene(&s, &x);
	sk_users(&s, x.D, INT_MIN);
	sk_count(&s, x.A, INT_MIN);
	sk_build(&s, &l, &m);
	i = mma_model_find_mm(&m, x.D);
	CHECK_EQ_INT("mm_users INT_MIN, 1 task: users_slack clamped to INT_MIN",
		     m.mms[i].users_slack, INT_MIN);
	i = mma_model_find_mm(&m, x.A);
	CHECK_EQ_INT("mm_count INT_MIN: slack clamped to INT_MIN",
		     m.mms[i].slack, INT_MIN);
	CHECK_EQ_INT("INT_MIN counters: negative-count on both mms",
		     count_rule(&m, "negative-count"), 2);
	mma_model_free(&m);
	fk_free(&s.f);
}

int
main(void)
{
	size_t i;

	healthy(MMA_TLB_LAZY, "healthy (cpu_tlbstate.is_lazy, 5.10)");
	healthy(MMA_TLB_SHARED, "healthy (cpu_tlbstate_shared, 6.1+)");
	healthy(MMA_TLB_OLD, "healthy (active_mm/state, 3.x)");
	healthy(MMA_TLB_NONE, "healthy (no cpu_tlbstate)");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		rule_case(&cases[i]);
	old_ok_vs_lazy();
	poking_mm();
	counter_extremes();
	return t_done();
}
