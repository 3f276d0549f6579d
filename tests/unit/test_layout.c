/*
 * test_layout.c - layout detection by member existence/type, and mask
 * decoding for every mm_cpumask layout (incl. ones we cannot boot here).
 */
#include "synth.h"

/* one mm with mask cpus; returns the decoded list via the model */
static void
mask_case(const char *name, struct sk_cfg *c, const char *cpus,
	  int want_kind, const char *want)
{
	struct synth s;
	struct mma_layout l;
	struct mma_model m;
	uint64_t mm, t;
	int i;
	char n2[160];

	sk_init(&s, c);
	mm = sk_mm(&s, 1, 1, cpus);
	t = sk_task(&s, 100, 100, "p", 0, mm, mm, 0);
	(void)t;
	if (sk_build(&s, &l, &m)) {
		check(0, name, "layout not ok: %s", l.why);
		fk_free(&s.f);
		return;
	}
	snprintf(n2, sizeof(n2), "%s: mask kind", name);
	CHECK_EQ_INT(n2, l.mask_kind, want_kind);
	i = mma_model_find_mm(&m, mm);
	snprintf(n2, sizeof(n2), "%s: decoded", name);
	check(i >= 0 && m.mms[i].mask_ok && !strcmp(m.mms[i].cpus, want), n2,
	      "got \"%s\" (mask_ok %d), want \"%s\"", i >= 0 ? m.mms[i].cpus : "?",
	      i >= 0 ? m.mms[i].mask_ok : -1, want);
	snprintf(n2, sizeof(n2), "%s: counters", name);
	check(i >= 0 && m.mms[i].users == 1 && m.mms[i].count == 1, n2,
	      "users %d count %d", m.mms[i].users, m.mms[i].count);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
seed001(void)
{
	/*
	 * Seed 001: a RHEL 7 (3.10, CONFIG_CPUMASK_OFFSTACK) vmcore read by
	 * hand: mm_users 904, mm_count 46, and mm->cpumask_allocation
	 * printed as 80 unsigned longs whose only set bit was
	 * 0x2000000000000 in word 0: CPU 49.  cpu_vm_mask_var answers
	 * crash's raw TYPEDEF "cpumask_var_t", which resolves to a pointer;
	 * the pointer holds the address of cpumask_allocation.  The old
	 * mapping decoded the pointer's own value as the mask.
	 */
	struct sk_cfg c;
	struct synth s;
	struct mma_layout l;
	struct mma_model m;
	uint64_t mm, alloc, w0 = 0x2000000000000ULL;
	long long before;
	char name[64];
	int i, raw;

	sk_era_cfg(&c, SK_ERA_310);
	c.ncpu = 64;
	sk_init(&s, &c);
	mm = sk_mm(&s, 904, 46, "");
	alloc = mm + (uint64_t)fk_member_offset(&s.f, "mm_struct",
						"cpumask_allocation");
	fk_u64(&s.f, alloc, w0);	/* cpumask_allocation.bits[0] */
	fk_u64(&s.f, mm + (uint64_t)fk_member_offset(&s.f, "mm_struct",
						     "cpu_vm_mask_var"), alloc);
	sk_task(&s, 100, 100, "java", 0, mm, mm, 49);
	if (sk_build(&s, &l, &m)) {
		check(0, "seed 001 layout", "%s", l.why);
		return;
	}
	mma_member_class(&s.t, "mm_struct", "cpu_vm_mask_var", &raw, name,
			 sizeof(name));
	check(raw == MMA_TC_TYPEDEF && !strcmp(name, "cpumask_var_t"),
	      "seed 001: raw answer TYPEDEF cpumask_var_t", "%s %s",
	      mma_tc_name(raw), name);
	CHECK_EQ_INT("seed 001: cpu_vm_mask_var is a pointer", l.mask_kind,
		     MMA_MASK_VAR_PTR);
	CHECK_EQ_INT("seed 001: tlbstate active_mm/state", l.tlb_kind,
		     MMA_TLB_OLD);
	CHECK_EQ_STR("seed 001: state member", l.state_member, "state");
	i = mma_model_find_mm(&m, mm);
	CHECK_EQ_STR("seed 001: CPU 49", m.mms[i].cpus, "49");
	CHECK_EQ_INT("seed 001: mask address is cpumask_allocation",
		     m.mms[i].mask_addr, alloc);
	CHECK_EQ_INT("seed 001: mm_users 904", m.mms[i].users, 904);
	CHECK_EQ_INT("seed 001: mm_count 46", m.mms[i].count, 46);
	CHECK_EQ_INT("seed 001: cpu via task->stack",
		     m.tasks[mma_model_find_task(&m, s.tasks[0])].cpu, 49);
	/* only BITS_TO_LONGS(nr_cpu_ids) words are read */
	before = s.f.bytes;
	{
		uint64_t w[1];

		mma_read_mask(&m, m.mms[i].mask_addr, w, l.mask_words);
	}
	CHECK_EQ_INT("seed 001: one mask word read for nr_cpu_ids 64",
		     s.f.bytes - before, 8);
	mma_model_free(&m);

	/* a target that cannot resolve typedefs: 8 bytes + allocation */
	s.t.typedef_type = NULL;
	mma_layout_resolve(&s.t, &l);
	CHECK_EQ_INT("seed 001 without typedef resolution: pointer by size",
		     l.mask_kind, MMA_MASK_VAR_PTR);
	check(strstr(l.notes, "cpu_vm_mask_var(ptr,by-size)") != NULL,
	      "seed 001 without typedef resolution: noted", "notes \"%s\"",
	      l.notes);
	fk_free(&s.f);
}

/* one mm on an old-era kernel: kinds and the decoded mask */
static void
era_case(const char *label, int era, int typedefs, int want_mask,
	 int want_tlb, const char *rq_sym)
{
	struct sk_cfg c;
	struct synth s;
	struct mma_layout l;
	struct mma_model m;
	uint64_t mm;
	char n[160];
	int i;

	sk_era_cfg(&c, era);
	sk_init(&s, &c);
	if (!typedefs)
		s.t.typedef_type = NULL;
	mm = sk_mm(&s, 2, 1, "1,3");
	sk_task(&s, 100, 100, "p", 0, mm, mm, 1);
	sk_cpu(&s, 1, s.tasks[0], SK_INIT_TASK, mm, 0);
	if (sk_build(&s, &l, &m)) {
		check(0, label, "layout not ok: %s", l.why);
		fk_free(&s.f);
		return;
	}
	snprintf(n, sizeof(n), "%s: mask kind", label);
	CHECK_EQ_INT(n, l.mask_kind, want_mask);
	snprintf(n, sizeof(n), "%s: tlbstate kind", label);
	CHECK_EQ_INT(n, l.tlb_kind, want_tlb);
	snprintf(n, sizeof(n), "%s: runqueues symbol", label);
	CHECK_EQ_STR(n, l.rq_sym ? l.rq_sym : "(none)", rq_sym);
	i = mma_model_find_mm(&m, mm);
	snprintf(n, sizeof(n), "%s: mask decoded", label);
	check(i >= 0 && m.mms[i].mask_ok && !strcmp(m.mms[i].cpus, "1,3"), n,
	      "got \"%s\"", i >= 0 ? m.mms[i].cpus : "?");
	snprintf(n, sizeof(n), "%s: CPU 1 loaded the mm", label);
	CHECK_EQ_INT(n, m.cpus[1].loaded_mm, mm);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
eras(void)
{
	era_case("2.6.32 cpu_vm_mask", SK_ERA_2632, 1, MMA_MASK_CPU_VM_MASK,
		 MMA_TLB_OLD, "per_cpu__runqueues");
	era_case("3.10 OFFSTACK", SK_ERA_310, 1, MMA_MASK_VAR_PTR, MMA_TLB_OLD,
		 "runqueues");
	era_case("3.10 OFFSTACK, no typedef resolution", SK_ERA_310, 0,
		 MMA_MASK_VAR_PTR, MMA_TLB_OLD, "runqueues");
	era_case("3.10 !OFFSTACK NR_CPUS 64", SK_ERA_310_ONSTACK, 1,
		 MMA_MASK_VAR_ARRAY, MMA_TLB_OLD, "runqueues");
	/* 8 bytes but no cpumask_allocation: the array, not a pointer */
	era_case("3.10 !OFFSTACK NR_CPUS 64, no typedef resolution",
		 SK_ERA_310_ONSTACK, 0, MMA_MASK_VAR_ARRAY, MMA_TLB_OLD,
		 "runqueues");
	era_case("4.13 loaded_mm", SK_ERA_413, 1, MMA_MASK_VAR_PTR,
		 MMA_TLB_LOADED, "runqueues");
	era_case("4.14 loaded_mm + is_lazy", SK_ERA_414, 1, MMA_MASK_VAR_PTR,
		 MMA_TLB_LAZY, "runqueues");
}

/* typedef chains: resolved step by step, bounded, unknown stays TYPEDEF */
static void
typedef_chains(void)
{
	struct sk_cfg c;
	struct synth s;
	int raw;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	fk_member_td(&s.f, "x", "a", 0, 8, "t1");
	fk_typedef(&s.f, "t1", MMA_TC_TYPEDEF, "t2");
	fk_typedef(&s.f, "t2", MMA_TC_PTR, NULL);
	CHECK_EQ_STR("typedef chain t1 -> t2 -> PTR",
		     mma_tc_name(mma_member_class(&s.t, "x", "a", &raw, NULL,
						  0)), "PTR");
	fk_typedef(&s.f, "t2", MMA_TC_TYPEDEF, "t1");	/* a cycle */
	CHECK_EQ_STR("typedef cycle stops as TYPEDEF",
		     mma_tc_name(mma_member_class(&s.t, "x", "a", NULL, NULL,
						  0)), "TYPEDEF");
	fk_member_td(&s.f, "x", "b", 8, 8, "nosuch_t");
	CHECK_EQ_STR("unknown typedef stays TYPEDEF",
		     mma_tc_name(mma_member_class(&s.t, "x", "b", NULL, NULL,
						  0)), "TYPEDEF");
	CHECK_EQ_STR("missing member is NONE",
		     mma_tc_name(mma_member_class(&s.t, "x", "c", NULL, NULL,
						  0)), "NONE");
	fk_free(&s.f);
}

static void
anon_count(void)
{
	/* 6.12: mm_count in a cacheline-aligned anonymous struct at offset 0 */
	struct sk_cfg c;
	struct synth s;
	struct mma_layout l;
	struct mma_model m;
	uint64_t mm;
	int i;

	sk_default_cfg(&c);
	c.users_off = 132;
	c.count_off = 0;
	c.cpu_where = 1;
	c.tlb_kind = MMA_TLB_SHARED;
	sk_init(&s, &c);
	mm = sk_mm(&s, 3, 1, "1-2");
	sk_task(&s, 100, 100, "p", 0, mm, mm, 2);
	if (sk_build(&s, &l, &m)) {
		check(0, "anon mm_count layout", "%s", l.why);
		return;
	}
	CHECK_EQ_INT("anon mm_count: offset 0 accepted", l.mm_count, 0);
	i = mma_model_find_mm(&m, mm);
	CHECK_EQ_INT("anon mm_count: users", m.mms[i].users, 3);
	CHECK_EQ_INT("anon mm_count: count", m.mms[i].count, 1);
	CHECK_EQ_INT("thread_info.cpu used",
		     m.tasks[mma_model_find_task(&m, s.tasks[0])].cpu, 2);
	CHECK_EQ_INT("tlbstate shared detected", l.tlb_kind, MMA_TLB_SHARED);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
fallbacks(void)
{
	struct sk_cfg c;
	struct synth s;
	struct mma_layout l;

	/* no nr_cpu_ids symbol, no target ncpus: NR_CPUS from cpumask */
	sk_default_cfg(&c);
	c.no_nr_cpu_ids = 1;
	c.nr_cpus_max = 64;
	c.ncpu = 4;
	sk_init(&s, &c);
	mma_layout_resolve(&s.t, &l);
	CHECK_EQ_INT("nr_cpu_ids falls back to NR_CPUS", l.nr_cpu_ids, 64);
	s.t.ncpus = 4;
	mma_layout_resolve(&s.t, &l);
	CHECK_EQ_INT("nr_cpu_ids falls back to target cpus", l.nr_cpu_ids, 4);
	fk_free(&s.f);

	/* garbage nr_cpu_ids is rejected */
	sk_default_cfg(&c);
	c.nr_cpus_max = 64;
	sk_init(&s, &c);
	fk_u32(&s.f, SK_NR_CPU_IDS, 100000);
	s.t.ncpus = 4;
	mma_layout_resolve(&s.t, &l);
	CHECK_EQ_INT("garbage nr_cpu_ids rejected", l.nr_cpu_ids, 4);
	fk_free(&s.f);

	/* missing mm_struct.mm_count: not ok, with a reason */
	sk_default_cfg(&c);
	sk_init(&s, &c);
	fk_unmember(&s.f, "mm_struct", "mm_count");
	check(mma_layout_resolve(&s.t, &l) == -1 && strstr(l.why, "mm_count"),
	      "missing mm_count is reported", "why \"%s\"", l.why);
	fk_unmember(&s.f, "task_struct", "active_mm");
	check(mma_layout_resolve(&s.t, &l) == -1 && strstr(l.why, "active_mm"),
	      "missing active_mm is reported", "why \"%s\"", l.why);
	fk_free(&s.f);

	/* no cpu_tlbstate (not x86): kind none */
	sk_default_cfg(&c);
	c.tlb_kind = MMA_TLB_NONE;
	sk_init(&s, &c);
	mma_layout_resolve(&s.t, &l);
	CHECK_EQ_INT("no cpu_tlbstate", l.tlb_kind, MMA_TLB_NONE);
	CHECK_EQ_INT("__state size", l.t_state_size, 4);
	fk_free(&s.f);

	/* task span: one read covers all fields */
	sk_default_cfg(&c);
	sk_init(&s, &c);
	mma_layout_resolve(&s.t, &l);
	check(l.span_lo == T_TI + 0x18 && l.span_lo + l.span_len == T_COMM + 16,
	      "task span covers fields", "lo %ld len %ld", l.span_lo, l.span_len);
	fk_free(&s.f);
}

/* task_state_array decoding: 6.1 order and the 3.10 order (Z before X) */
static void
states_case(const char *label, const char *const *names, int n,
	    uint32_t exit_state, uint32_t state, const char *want)
{
	struct sk_cfg c;
	struct synth s;
	struct mma_layout l;
	struct mma_model m;
	uint64_t arr = 0xffffffff82300000ULL, str = 0xffffffff82301000ULL, t;
	int i;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	fk_region(&s.f, arr, 0x100);
	fk_region(&s.f, str, 0x1000);
	fk_sym(&s.f, "task_state_array", arr);
	for (i = 0; i < n; i++) {
		fk_u64(&s.f, arr + (uint64_t)i * 8, str + (uint64_t)i * 32);
		fk_poke(&s.f, str + (uint64_t)i * 32, names[i], strlen(names[i]) + 1);
	}
	t = sk_task(&s, 100, 100, "p", 0, 0, 0, 0);
	fk_u32(&s.f, t + T_STATE, state);
	fk_u32(&s.f, t + T_EXIT, exit_state);
	sk_build(&s, &l, &m);
	CHECK_EQ_STR(label, m.tasks[mma_model_find_task(&m, t)].st, want);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
states(void)
{
	static const char *const v61[] = { "R (running)", "S (sleeping)",
		"D (disk sleep)", "T (stopped)", "t (tracing stop)", "X (dead)",
		"Z (zombie)", "P (parked)", "I (idle)" };
	static const char *const v310[] = { "R (running)", "S (sleeping)",
		"D (disk sleep)", "T (stopped)", "t (tracing stop)",
		"Z (zombie)", "X (dead)", "x (dead)", "K (wakekill)",
		"W (waking)", "P (parked)" };

	states_case("state 6.1: zombie 0x20", v61, 9, 0x20, 0, "ZO");
	states_case("state 6.1: idle 0x402", v61, 9, 0, 0x402, "ID");
	states_case("state 6.1: uninterruptible", v61, 9, 0, 0x2, "UN");
	states_case("state 6.1: running", v61, 9, 0, 0, "RU");
	states_case("state 3.10: zombie 0x10", v310, 11, 0x10, 0, "ZO");
	states_case("state 3.10: dead 0x20", v310, 11, 0x20, 0, "DE");
	states_case("state 3.10: sleeping", v310, 11, 0, 0x1, "IN");
}

int
main(void)
{
	struct sk_cfg c;

	sk_default_cfg(&c);
	mask_case("cpu_bitmap (4.19+)", &c, "0-3", MMA_MASK_CPU_BITMAP, "0-3");
	sk_default_cfg(&c);
	c.ncpu = 72;
	mask_case("cpu_bitmap 72 cpus", &c, "0,64-71", MMA_MASK_CPU_BITMAP,
		  "0,64-71");
	sk_default_cfg(&c);
	c.mask_kind = MMA_MASK_FLEX;
	mask_case("flexible_array (6.19+)", &c, "1,3", MMA_MASK_FLEX, "1,3");
	sk_default_cfg(&c);
	c.mask_kind = MMA_MASK_VAR_ARRAY;
	mask_case("cpu_vm_mask_var array (!OFFSTACK)", &c, "2", MMA_MASK_VAR_ARRAY,
		  "2");
	sk_default_cfg(&c);
	c.mask_kind = MMA_MASK_CPU_VM_MASK;
	c.nr_cpus_max = 64;
	c.state_old = 1;
	c.tlb_kind = MMA_TLB_OLD;
	mask_case("2.6 embedded cpu_vm_mask", &c, "0-1", MMA_MASK_CPU_VM_MASK,
		  "0-1");
	sk_default_cfg(&c);
	c.mask_kind = MMA_MASK_VAR_PTR;
	mask_case("cpu_vm_mask_var pointer (OFFSTACK)", &c, "3", MMA_MASK_VAR_PTR,
		  "3");
	seed001();
	eras();
	typedef_chains();
	anon_count();
	fallbacks();
	states();
	return t_done();
}
