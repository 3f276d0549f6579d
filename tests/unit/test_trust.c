/*
 * test_trust.c - healthy kernel states that must never give a `bug`, and
 * the invariants added with them (issue "Trust").  Each case starts from
 * the healthy scene of synth.h (which mirrors the testdumps workload) and
 * changes it into a state a consistent kernel can be in, or into one it
 * cannot, and asserts the exact findings.
 */
#include "synth.h"

typedef void (*mutate_fn)(struct synth *s, struct scene *x);

#define T_ON_CPU 0x28		/* task_struct.on_cpu in the synthetic layout */
#define RQ_PREV_MM 0x20		/* rq.prev_mm */

static int
build(int tlb_kind, mutate_fn fn, struct synth *s, struct scene *x,
      struct mma_layout *l, struct mma_model *m)
{
	struct sk_cfg c;

	sk_default_cfg(&c);
	c.tlb_kind = tlb_kind;
	sk_init(s, &c);
	sk_scene(s, x);
	if (fn)
		fn(s, x);
	return sk_build(s, l, m);
}

/* the findings of one rule at one severity */
static int
count_sev(const struct mma_model *m, const char *rule, int sev)
{
	int i, n = 0;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].rule, rule) &&
		    m->findings[i].sev == sev)
			n++;
	return n;
}

static const struct mma_finding *
first(const struct mma_model *m, const char *rule)
{
	int i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].rule, rule))
			return &m->findings[i];
	return NULL;
}

static void
set_online(struct synth *s, uint64_t word)
{
	fk_u64(&s->f, SK_ONLINE, word);
}

/* ---- offline CPUs -------------------------------------------------- */

/*
 * CPUs 2 and 3 hot-unplugged: their idle tasks keep active_mm = &init_mm
 * without a reference, and init_mm's mm_count went down with each CPU
 * (finish_cpu() / idle_task_exit() mmdrop()).  A review found a false
 * count-below-explained bug on init_mm here.
 */
static void
m_offline_init_mm(struct synth *s, struct scene *x)
{
	(void)x;
	set_online(s, 0x3);
	fk_u32(&s->f, SK_INIT_MM + (uint64_t)s->c.count_off, 1);
}

/* the idle task of an offline CPU still points at a freed mm (3.x) */
static void
m_offline_dangling(struct synth *s, struct scene *x)
{
	uint64_t dead = sk_mm(s, 0, 0, "");

	set_online(s, 0x7);
	fk_slab(&s->f, dead, MMA_SLAB_FREE, "mm_struct");
	sk_task_mm(s, x->idle[3], 0, dead);
	sk_cpu(s, 3, x->idle[3], x->idle[3], SK_INIT_MM, 1);
}

/* the same pointer held by a running task is a use-after-free: bug */
static void
m_online_dangling(struct synth *s, struct scene *x)
{
	uint64_t dead = sk_mm(s, 0, 0, "");

	fk_slab(&s->f, dead, MMA_SLAB_FREE, "mm_struct");
	sk_task_mm(s, x->idle[3], 0, dead);
	sk_cpu(s, 3, x->idle[3], x->idle[3], SK_INIT_MM, 1);
}

/* an offline CPU's idle task borrowing A (panic: stop_this_cpu()):
 * A's count may or may not include it */
static void
m_offline_borrower(struct synth *s, struct scene *x)
{
	set_online(s, 0x3);
	sk_task_mm(s, x->idle[3], 0, x->A);
	sk_cpu(s, 3, x->idle[3], x->idle[3], x->A, 1);
	sk_set_mask(s, x->A, "0-1,3");
	/* count 2: users + CPU 0's borrower; CPU 3's idle holds none */
}

static void
offline_cases(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	const struct mma_finding *f;

	build(MMA_TLB_LAZY, m_offline_init_mm, &s, &x, &l, &m);
	CHECK_EQ_INT("offline CPUs: no bug on init_mm", m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("offline CPUs: no count-below-explained",
		     count_rule(&m, "count-below-explained"), 0);
	CHECK_EQ_INT("offline CPUs: idle task of CPU 3 holds no reference",
		     m.tasks[mma_model_find_task(&m, x.idle[3])].unref, 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_offline_dangling, &s, &x, &l, &m);
	CHECK_EQ_INT("offline idle with a freed active_mm: no bug",
		     m.nsev[MMA_SEV_BUG], 0);
	f = first(&m, "bad-mm-pointer");
	check(f && f->sev == MMA_SEV_INFO && f->cpu == 3,
	      "offline idle with a freed active_mm: bad-mm-pointer is info, "
	      "names CPU 3", "%s", f ? f->detail : "no finding");
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_online_dangling, &s, &x, &l, &m);
	CHECK_EQ_INT("online idle with a freed active_mm: bad-mm-pointer bug",
		     count_sev(&m, "bad-mm-pointer", MMA_SEV_BUG), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_offline_borrower, &s, &x, &l, &m);
	CHECK_EQ_INT("offline borrower: no bug", m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("offline borrower: count-slack only on D, not on A "
		     "(CPU 3's idle task may hold a reference)",
		     count_rule(&m, "count-slack"), 1);
	CHECK_EQ_INT("offline borrower: A explained 2, max 3",
		     m.mms[mma_model_find_mm(&m, x.A)].explained_max -
		     m.mms[mma_model_find_mm(&m, x.A)].explained, 1);
	mma_model_free(&m);
	fk_free(&s.f);
}

/* ---- efi_mm, temporary mms, context-switch windows --------------------- */

#define SK_EFI_MM 0xffffffff82300000ULL

static void
add_efi_mm(struct synth *s)
{
	fk_region(&s->f, SK_EFI_MM, 0x400 + 0x400);
	fk_sym(&s->f, "efi_mm", SK_EFI_MM);
	fk_u32(&s->f, SK_EFI_MM + (uint64_t)s->c.users_off, 2);
	fk_u32(&s->f, SK_EFI_MM + (uint64_t)s->c.count_off, 1);
}

/* pid 101 on CPU 1 is inside an EFI runtime call (efi_enter_mm()) */
static void
m_efi_call(struct synth *s, struct scene *x)
{
	add_efi_mm(s);
	sk_task_mm(s, x->t101, x->A, SK_EFI_MM);
	sk_cpu(s, 1, x->t101, x->idle[1], SK_EFI_MM, 0);
	sk_set_mask(s, SK_EFI_MM, "1");
	sk_set_mask(s, x->A, "0");
}


/* a kthread borrowing efi_mm: a kworker of efi_rts_wq mid call (running on
 * CPU 2, so its task cpu is 2) */
static void
m_efi_kthread(struct synth *s, struct scene *x)
{
	add_efi_mm(s);
	sk_task_mm(s, x->t10, 0, SK_EFI_MM);
	sk_task_cpu(s, x->t10, 2);
	sk_cpu(s, 2, x->t10, x->idle[2], SK_EFI_MM, 0);
	sk_set_mask(s, SK_EFI_MM, "2");
}

/*
 * CPU 1 stopped inside switch_mm_irqs_off(): rq->curr is already pid 101
 * (on A), prev's mm B is still loaded and B's bit was just cleared.
 */
static void
m_mid_switch(struct synth *s, struct scene *x)
{
	sk_cpu(s, 1, x->t101, x->idle[1], x->B, 0);
	sk_set_mask(s, x->B, "");
	sk_set_mask(s, x->A, "0");
}

static void
m_switching(struct synth *s, struct scene *x)
{
	sk_cpu(s, 1, x->t101, x->idle[1], MMA_LOADED_MM_SWITCHING, 0);
}

/* a kernel thread not on a CPU but still on_cpu (being switched out) */
static void
m_leaked_on_cpu(struct synth *s, struct scene *x)
{
	fk_member(&s->f, "task_struct", "on_cpu", T_ON_CPU, 4, MMA_TC_INT);
	sk_task_mm(s, x->t10, 0, x->A);
	sk_count(s, x->A, 3);
	fk_u32(&s->f, x->t10 + T_ON_CPU, 1);
}

static void
m_leaked_off_cpu(struct synth *s, struct scene *x)
{
	fk_member(&s->f, "task_struct", "on_cpu", T_ON_CPU, 4, MMA_TC_INT);
	sk_task_mm(s, x->t10, 0, x->A);
	sk_count(s, x->A, 3);
}

/* exec_mmap() caught between its two stores on CPU 1 */
static void
m_mismatch_running(struct synth *s, struct scene *x)
{
	sk_task_mm(s, x->t101, x->A, x->B);
	sk_cpu(s, 1, x->t101, x->idle[1], x->A, 0);
}

static void
window_cases(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;

	build(MMA_TLB_SHARED, m_efi_call, &s, &x, &l, &m);
	CHECK_EQ_INT("EFI runtime call: no bug", m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("EFI runtime call: no mm-active-mismatch",
		     count_rule(&m, "mm-active-mismatch"), 0);
	CHECK_EQ_INT("EFI runtime call: efi-runtime-call info",
		     count_sev(&m, "efi-runtime-call", MMA_SEV_INFO), 1);
	CHECK_EQ_INT("EFI runtime call: no loaded-mm-mismatch",
		     count_rule(&m, "loaded-mm-mismatch"), 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_SHARED, m_efi_kthread, &s, &x, &l, &m);
	CHECK_EQ_INT("kthread borrowing efi_mm on a CPU: no bug",
		     m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("kthread borrowing efi_mm: no count finding on efi_mm",
		     count_rule(&m, "count-below-explained"), 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_SHARED, m_mid_switch, &s, &x, &l, &m);
	CHECK_EQ_INT("mid switch: no bug", m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("mid switch: loaded-mm-bit-clear is suspicious",
		     count_sev(&m, "loaded-mm-bit-clear", MMA_SEV_SUSPICIOUS), 1);
	CHECK_EQ_INT("mid switch: loaded-mm-mismatch suspicious",
		     count_sev(&m, "loaded-mm-mismatch", MMA_SEV_SUSPICIOUS), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_SHARED, m_switching, &s, &x, &l, &m);
	CHECK_EQ_INT("LOADED_MM_SWITCHING: no finding at all about CPU 1",
		     m.nsev[MMA_SEV_BUG] + m.nsev[MMA_SEV_SUSPICIOUS], 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_SHARED, m_leaked_on_cpu, &s, &x, &l, &m);
	CHECK_EQ_INT("borrower still on_cpu: leaked-lazy-ref suspicious",
		     count_sev(&m, "leaked-lazy-ref", MMA_SEV_SUSPICIOUS), 1);
	CHECK_EQ_INT("borrower still on_cpu: no bug", m.nsev[MMA_SEV_BUG], 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_SHARED, m_leaked_off_cpu, &s, &x, &l, &m);
	CHECK_EQ_INT("sleeping borrower, on_cpu 0: leaked-lazy-ref bug",
		     count_sev(&m, "leaked-lazy-ref", MMA_SEV_BUG), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_SHARED, m_mismatch_running, &s, &x, &l, &m);
	CHECK_EQ_INT("mm != active_mm on a CPU: suspicious, not bug",
		     count_sev(&m, "mm-active-mismatch", MMA_SEV_SUSPICIOUS), 1);
	CHECK_EQ_INT("mm != active_mm on a CPU: no bug", m.nsev[MMA_SEV_BUG], 0);
	mma_model_free(&m);
	fk_free(&s.f);
}

/* ---- eras ---------------------------------------------------------- */

/* v4.13 .. v4.18: loaded_mm without is_lazy; CPU 0's idle task lazily on
 * A whose bit a flush cleared */
static void
m_413_lazy(struct synth *s, struct scene *x)
{
	sk_set_mask(s, x->A, "1");
}

/* v2.6.32: per-CPU symbols carry the per_cpu__ prefix */
static void
m_per_cpu_prefix(struct synth *s, struct scene *x)
{
	int i;

	(void)x;
	for (i = 0; i < s->f.npc; i++)
		if (!strcmp(s->f.pc[i].name, "cpu_tlbstate"))
			s->f.pc[i].name = "per_cpu__cpu_tlbstate";
		else if (!strcmp(s->f.pc[i].name, "runqueues"))
			s->f.pc[i].name = "per_cpu__runqueues";
	sk_set_mask(s, x->A, "0");	/* CPU 1 runs A, not lazy: bit clear */
}

/* ppc64 6.2+ CONFIG_MMU_LAZY_TLB_SHOOTDOWN: borrowers hold no count */
static void
m_shootdown(struct synth *s, struct scene *x)
{
	fk_sym(&s->f, "do_shoot_lazy_tlb", 0xffffffff81000000ULL);
	sk_count(s, x->A, 1);	/* users only: CPU 0's borrower holds none */
}

static void
m_below_default(struct synth *s, struct scene *x)
{
	sk_count(s, x->A, 1);
}

static void
era_cases(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;

	build(MMA_TLB_LOADED, m_413_lazy, &s, &x, &l, &m);
	CHECK_EQ_INT("4.13 lazy CPU left the mask: no bug", m.nsev[MMA_SEV_BUG],
		     0);
	CHECK_EQ_INT("4.13 lazy CPU left the mask: lazy-cpu-left-mm info",
		     count_sev(&m, "lazy-cpu-left-mm", MMA_SEV_INFO), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_OLD, m_per_cpu_prefix, &s, &x, &l, &m);
	CHECK_EQ_STR("2.6.32 per_cpu__cpu_tlbstate found", l.tlb_sym ?
		     l.tlb_sym : "(none)", "per_cpu__cpu_tlbstate");
	CHECK_EQ_STR("2.6.32 per_cpu__runqueues found", l.rq_sym ?
		     l.rq_sym : "(none)", "per_cpu__runqueues");
	CHECK_EQ_INT("2.6.32: the bit check still runs",
		     count_sev(&m, "loaded-mm-bit-clear", MMA_SEV_BUG), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_shootdown, &s, &x, &l, &m);
	CHECK_EQ_INT("lazy shootdown detected by do_shoot_lazy_tlb",
		     l.lazy_refcounted, 0);
	CHECK_EQ_INT("lazy shootdown: no count-below-explained",
		     count_rule(&m, "count-below-explained"), 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_below_default, &s, &x, &l, &m);
	CHECK_EQ_INT("refcounted lazy TLB (x86): the same count is a bug",
		     count_sev(&m, "count-below-explained", MMA_SEV_BUG), 1);
	mma_model_free(&m);
	fk_free(&s.f);
}

/* ---- missing invariants and holders --------------------------------- */

static void
m_zombie_mm(struct synth *s, struct scene *x)
{
	sk_task_mm(s, x->t300, x->B, x->B);
	sk_users(s, x->B, 4);
}

/* B's owner (CONFIG_MEMCG) is pid 500, which uses D */
static void
m_owner_other(struct synth *s, struct scene *x)
{
	fk_u64(&s->f, x->B + 0x80, x->t500);
}

/* the same owner while it exits: mm_update_next_owner() not yet run */
static void
m_owner_exiting(struct synth *s, struct scene *x)
{
	m_owner_other(s, x);
	fk_u32(&s->f, x->t500 + T_FLAGS, MMA_PF_EXITING);
}

/* CPU 1 mid context switch: rq->prev_mm holds C's lazy reference */
static void
m_prev_mm(struct synth *s, struct scene *x)
{
	fk_member(&s->f, "rq", "prev_mm", RQ_PREV_MM, 8, MMA_TC_PTR);
	fk_u64(&s->f, SK_RQ + 1 * SK_CPU_STRIDE + RQ_PREV_MM, x->C);
	sk_count(s, x->C, 3);
}

/* an exiting thread runs lazily on its mm after exit_mm(): mm_users 1,
 * no task->mm left */
static void
m_exit_transient(struct synth *s, struct scene *x)
{
	sk_task_mm(s, x->t500, 0, x->D);
	fk_u32(&s->f, x->t500 + T_FLAGS, MMA_PF_EXITING);
	sk_cpu(s, 2, x->t500, x->idle[2], x->D, 0);
	sk_set_mask(s, x->D, "2");
	sk_count(s, x->D, 2);
}

/* the same mm reached only through a non-exiting lazy borrower */
static void
m_no_task_plain(struct synth *s, struct scene *x)
{
	sk_task_mm(s, x->t500, 0, 0);
	sk_task_mm(s, x->idle[2], 0, x->D);
	sk_cpu(s, 2, x->idle[2], x->idle[2], x->D, 1);
	sk_set_mask(s, x->D, "2");
}

static void
m_negative_named(struct synth *s, struct scene *x)
{
	sk_count(s, x->D, -1);
}

static void
holder_cases(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	const struct mma_finding *f;

	build(MMA_TLB_LAZY, m_zombie_mm, &s, &x, &l, &m);
	CHECK_EQ_INT("zombie holding an mm: zombie-holds-mm bug",
		     count_sev(&m, "zombie-holds-mm", MMA_SEV_BUG), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_owner_other, &s, &x, &l, &m);
	CHECK_EQ_INT("owner using another mm: owner-not-user suspicious",
		     count_sev(&m, "owner-not-user", MMA_SEV_SUSPICIOUS), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_owner_exiting, &s, &x, &l, &m);
	CHECK_EQ_INT("exiting owner: no owner-not-user",
		     count_rule(&m, "owner-not-user"), 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_prev_mm, &s, &x, &l, &m);
	CHECK_EQ_INT("rq->prev_mm counted: C explained 3",
		     m.mms[mma_model_find_mm(&m, x.C)].explained, 3);
	CHECK_EQ_INT("rq->prev_mm counted: no slack on C",
		     m.mms[mma_model_find_mm(&m, x.C)].slack, 0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_exit_transient, &s, &x, &l, &m);
	CHECK_EQ_INT("exit transient: users-no-task is info",
		     count_sev(&m, "users-no-task", MMA_SEV_INFO), 1);
	CHECK_EQ_INT("exit transient: no suspicious", m.nsev[MMA_SEV_SUSPICIOUS],
		     0);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_no_task_plain, &s, &x, &l, &m);
	CHECK_EQ_INT("mm_users with no task and no exiting holder: suspicious",
		     count_sev(&m, "users-no-task", MMA_SEV_SUSPICIOUS), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_negative_named, &s, &x, &l, &m);
	f = first(&m, "negative-count");
	check(f && strstr(f->detail, "owner pid 500 (mmw-memholder)"),
	      "negative-count names the owner pid and comm", "%s",
	      f ? f->detail : "no finding");
	mma_model_free(&m);
	fk_free(&s.f);
}

/* ---- pages not in the dump ------------------------------------------ */

static uint64_t excl_lo, excl_hi;

static int
excl_state(void *ctx, uint64_t addr)
{
	(void)ctx;
	return addr >= excl_lo && addr < excl_hi ? MMA_ADDR_EXCLUDED :
	       MMA_ADDR_PRESENT;
}

/* makedumpfile -d 31 dropped the page of mm B (a slab page) */
static void
m_excluded(struct synth *s, struct scene *x)
{
	int i;

	s->t.addr_state = excl_state;
	excl_lo = x->B & ~0xfffULL;
	excl_hi = excl_lo + 0x2000;
	for (i = 0; i < s->f.nreg; i++)
		if (s->f.reg[i].addr == x->B)
			s->f.reg[i].addr = 0x1000;	/* reads of B fail */
}

/*
 * makedumpfile dropped the page of task 500, mm D's only user; D is still
 * reached through CPU 2, whose idle task borrows it lazily.
 */
static void
m_excluded_task(struct synth *s, struct scene *x)
{
	int i;

	sk_task_mm(s, x->idle[2], 0, x->D);
	sk_cpu(s, 2, x->idle[2], x->idle[2], x->D, 1);
	sk_set_mask(s, x->D, "2");

	s->t.addr_state = excl_state;
	excl_lo = x->t500;
	excl_hi = x->t500 + 4096;	/* one page per synthetic task */
	for (i = 0; i < s->f.nreg; i++)
		if (s->f.reg[i].addr == x->t500)
			s->f.reg[i].addr = 0x1000;	/* reads of it fail */
}

static void
missing_cases(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	int i;

	build(MMA_TLB_LAZY, m_excluded, &s, &x, &l, &m);
	CHECK_EQ_INT("excluded mm page: no bug", m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("excluded mm page: counted as missing", m.missing, 1);
	i = mma_model_find_mm(&m, x.B);
	CHECK_EQ_INT("excluded mm page: mm marked not in the dump",
		     m.mms[i].bad, MMA_BAD_MISSING);
	mma_model_free(&m);
	fk_free(&s.f);

	build(MMA_TLB_LAZY, m_excluded_task, &s, &x, &l, &m);
	CHECK_EQ_INT("excluded task page: no bug", m.nsev[MMA_SEV_BUG], 0);
	CHECK_EQ_INT("excluded task page: no suspicious finding",
		     m.nsev[MMA_SEV_SUSPICIOUS], 0);
	check(m.missing_tasks > 0, "excluded task page: counted as a missing "
	      "task", "%d", m.missing_tasks);
	CHECK_EQ_INT("mm whose user task is not in the dump: users-no-task info",
		     count_sev(&m, "users-no-task", MMA_SEV_INFO), 1);
	mma_model_free(&m);
	fk_free(&s.f);
}

/* ---- portability ---------------------------------------------------- */

static void
portability_cases(void)
{
	struct mma_target t;

	memset(&t, 0, sizeof(t));
	/* 5-level paging: the direct map starts at 0xff11000000000000 */
	CHECK_EQ_INT("5-level direct-map address accepted without a target "
		     "range check", mma_kvaddr_ok(&t, 0xff11000012345000ULL, 8),
		     1);
	CHECK_EQ_INT("NULL rejected", mma_kvaddr_ok(&t, 0, 8), 0);
	CHECK_EQ_INT("misaligned rejected", mma_kvaddr_ok(&t, 0xff11000012345004ULL,
		     8), 0);
}

int
main(void)
{
	offline_cases();
	window_cases();
	era_cases();
	holder_cases();
	missing_cases();
	portability_cases();
	return t_done();
}
