/*
 * test_csd.c - cross-CPU calls and TLB shootdowns (core/csd.c,
 * core/csdrules.c, core/render_csd.c) on the synthetic kernel of synth.h
 * with the smp.c / x86 TLB structures of the real 6.1 dump (offsets as
 * crash prints them there: __call_single_node llist 0, u_flags 8, src 12,
 * dst 14; __call_single_data node 0, func 16, info 24, size 32;
 * flush_tlb_info mm 0 .. trim_cpumask 38, size 40; tlb_context 16 bytes).
 *
 * Each scene is one state the kernel can be in; the rules must say
 * exactly what docs/rules.md says: stuck-shootdown for a locked flush csd,
 * missed-flush at bug only when the registers exclude every legal window,
 * nothing for a lazy CPU or a CPU with a flush on its way.
 */
#include "synth_csd.h"

static const struct mma_finding *
find(const struct mma_model *m, const char *rule)
{
	int i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].rule, rule))
			return &m->findings[i];
	return NULL;
}

static int
mine(const struct mma_model *m, int min_sev)
{
	static const char *ids[] = { "stuck-shootdown", "missed-flush",
		"flush-outside-mask", "mask-cpu-not-targeted" };
	int i, k, n = 0;

	for (i = 0; i < m->nfindings; i++)
		for (k = 0; k < 4; k++)
			if (!strcmp(m->findings[i].rule, ids[k]) &&
			    m->findings[i].sev >= min_sev)
				n++;
	return n;
}

typedef void (*scene_fn)(struct synth *s, struct scene *x);

static void
build(scene_fn fn, struct synth *s, struct scene *x, struct mma_layout *l,
      struct mma_model *m)
{
	sk_csd_scene(s, x);
	if (fn)
		fn(s, x);
	sk_build(s, l, m);
}

static char *
render(const struct mma_model *m, unsigned flags)
{
	struct mma_csd st;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	mma_csd_read(m, &st);
	mma_render_csd(m, &st, NULL, flags, fp);
	fclose(fp);
	mma_csd_free(&st);
	return buf;
}

/* ---------------------------------------------------------- scenes */

/* CPU 3 flushes mm A for CPU 1: locked in cfd_data, queued on CPU 1 */
static void
sc_stuck(struct synth *s, struct scene *x)
{
	uint64_t csd = cfd_csd(3, 1);

	put_fti(s, 3, x->A, 0x7e0000000000ULL, 0x7e0000040000ULL, 11, 0);
	fk_u64(&s->f, x->A + MM_CTX + 8, 11);
	put_csd(s, csd, MMA_CSD_TYPE_SYNC | MMA_CSD_FLAG_LOCK, FN_FLUSH,
		pc(SK_FTI, 3), 3, 1);
	fk_u64(&s->f, pc(SK_CSQ, 1), csd);
	fk_u64(&s->f, pc(SK_CFD, 3) + 0x100, 0x2);	/* cpumask: CPU 1 */
	fk_u64(&s->f, pc(SK_CFD, 3) + 0x200, 0x2);
	set_regs(1, 0, 0);
}

/* the same, A's mask also holding CPU 2 running A, not lazy, behind */
static void
sc_untargeted(struct synth *s, struct scene *x)
{
	sc_stuck(s, x);
	sk_set_mask(s, x->A, "0-2");
	sk_cpu(s, 2, x->t102, x->idle[2], x->A, 0);
	fk_u64(&s->f, pc(SK_CTXS, 2), 5);
	fk_u64(&s->f, pc(SK_CTXS, 2) + 8, 10);
}

/* A two generations ahead of CPU 1, nothing on its way */
static void
sc_lag(struct synth *s, struct scene *x)
{
	fk_u64(&s->f, x->A + MM_CTX + 8, 12);
}

static void
sc_lag_regs(struct synth *s, struct scene *x)
{
	sc_lag(s, x);
	set_regs(0, 0, 1);
	set_regs(1, 1, 1);
	set_regs(2, 0, 1);
	set_regs(3, 0, 1);
}

static void
sc_lag_kernel(struct synth *s, struct scene *x)
{
	sc_lag_regs(s, x);
	set_regs(1, 0, 0);	/* CPU 1 in the kernel: mid switch or flush */
}

static void
sc_lag_batched(struct synth *s, struct scene *x)
{
	sc_lag_regs(s, x);
	fk_u32(&s->f, x->A + MM_BATCH, 1);	/* pending 1, flushed 0 */
}

static void
sc_lag_pv(struct synth *s, struct scene *x)
{
	sc_lag_regs(s, x);
	fk_sym(&s->f, "pv_ops", SK_PVOPS);
	fk_member_n(&s->f, "paravirt_patch_template", "mmu", 0x100, 0x100,
		    MMA_TC_STRUCT, "pv_mmu_ops");
	fk_member_n(&s->f, "pv_mmu_ops", "flush_tlb_multi", 0x8, 8, MMA_TC_PTR,
		    "void");
	fk_sym(&s->f, "native_flush_tlb_multi", FN_NATIVE);
	fk_region(&s->f, SK_PVOPS, 0x400);
	fk_u64(&s->f, SK_PVOPS + 0x108, FN_KVM);
}

static void
sc_lag_native_pv(struct synth *s, struct scene *x)
{
	sc_lag_pv(s, x);
	fk_u64(&s->f, SK_PVOPS + 0x108, FN_NATIVE);
}

/* the other CPU 3 is not idle: a sender may be mid flush_tlb_mm_range */
static void
sc_lag_busy_other(struct synth *s, struct scene *x)
{
	sc_lag_regs(s, x);
	sk_cpu(s, 3, x->t200, x->idle[3], x->B, 0);
}

static void
sc_lag_lazy(struct synth *s, struct scene *x)
{
	sc_lag_regs(s, x);
	sk_cpu(s, 1, x->t101, x->idle[1], x->A, 1);
}

static void
sc_lag_queued(struct synth *s, struct scene *x)
{
	uint64_t csd = cfd_csd(0, 1);

	sc_lag_regs(s, x);
	put_fti(s, 0, x->A, 0, ~0ULL, 12, 1);
	put_csd(s, csd, MMA_CSD_TYPE_SYNC | MMA_CSD_FLAG_LOCK, FN_FLUSH,
		pc(SK_FTI, 0), 0, 1);
	fk_u64(&s->f, pc(SK_CSQ, 1), csd);
}

static void
sc_lag_otherctx(struct synth *s, struct scene *x)
{
	sc_lag_regs(s, x);
	fk_u64(&s->f, pc(SK_CTXS, 1), 99);	/* ASID slot of another mm */
}

/* a queue that loops on itself, and a non-flush call */
static void
sc_loop(struct synth *s, struct scene *x)
{
	uint64_t csd = cfd_csd(0, 2);

	(void)x;
	put_csd(s, csd, MMA_CSD_TYPE_ASYNC | MMA_CSD_FLAG_LOCK, FN_OTHER, 0,
		0, 2);
	fk_u64(&s->f, csd, csd);	/* llist.next = itself */
	fk_u64(&s->f, pc(SK_CSQ, 2), csd);
}

/* 5.10: a single-target flush waits on a csd on the sender's stack */
static void
sc_stack(struct synth *s, struct scene *x)
{
	fk_region(&s->f, SK_STACKCSD, 32);
	put_fti(s, 0, x->A, 0, ~0ULL, 11, 1);
	fk_u64(&s->f, x->A + MM_CTX + 8, 11);
	put_csd(s, SK_STACKCSD, MMA_CSD_TYPE_SYNC | MMA_CSD_FLAG_LOCK,
		FN_FLUSH, pc(SK_FTI, 0), 0, 1);
	fk_u64(&s->f, pc(SK_CSQ, 1), SK_STACKCSD);
}

static void
sc_noqueue(struct synth *s, struct scene *x)
{
	(void)x;
	fk_unsym(&s->f, "call_single_queue");
	fk_nosym(&s->f, "call_single_queue");
}

static void
sc_listqueue(struct synth *s, struct scene *x)
{
	(void)x;
	fk_struct(&s->f, "call_single_queue", 24);
}

/* ------------------------------------------------------------ tests */

int
main(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	const struct mma_finding *f;
	struct mma_csd st;
	char *out;

	build(NULL, &s, &x, &l, &m);
	CHECK_EQ_INT("healthy: no TLB-shootdown finding", mine(&m, MMA_SEV_INFO), 0);
	mma_csd_read(&m, &st);
	check(st.L.ok && st.L.typed && st.L.has_cfd && st.L.has_fti &&
	      st.L.has_gen, "healthy: 6.1 layout resolved", "%s", st.L.notes);
	CHECK_EQ_INT("healthy: CPU 1 TLB generation", st.cpus[1].tlb_gen, 10);
	CHECK_EQ_INT("healthy: CPU 1 lag 0", st.cpus[1].lag, 0);
	CHECK_EQ_INT("healthy: no paravirt hook: native", st.native, 1);
	mma_csd_free(&st);
	out = render(&m, 0);
	check(strstr(out, "(none: every queue is empty)") != NULL,
	      "healthy: view says every queue is empty", "%s", out);
	free(out);
	out = render(&m, MMA_F_JSON);
	check(strstr(out, "\"command\":\"mmflush\"") && strstr(out, "\"queued\":0"),
	      "healthy: JSON view", "%s", out);
	free(out);
	mma_model_free(&m);

	build(sc_stuck, &s, &x, &l, &m);
	f = find(&m, "stuck-shootdown");
	check(f && f->sev == MMA_SEV_SUSPICIOUS && f->cpu == 3 && f->mm == x.A,
	      "stuck: suspicious stuck-shootdown, CPU 3, mm A", "%s",
	      f ? f->detail : "none");
	check(f && strstr(f->detail, "waits for CPU 1") &&
	      strstr(f->detail, "queued, not run") &&
	      strstr(f->detail, "interrupts disabled") &&
	      strstr(f->detail, "7e0000000000-7e0000040000"),
	      "stuck: detail names CPU 1, queued, irqs off, the range", "%s",
	      f ? f->detail : "none");
	CHECK_EQ_INT("stuck: the lagging target has its flush queued: no missed-flush",
		     find(&m, "missed-flush") != NULL, 0);
	f = find(&m, "mask-cpu-not-targeted");
	check(f && f->sev == MMA_SEV_INFO && f->cpu == 0 &&
	      strstr(f->detail, "lazy"),
	      "stuck: lazy CPU 0 of the mask, not targeted: info", "%s",
	      f ? f->detail : "none");
	CHECK_EQ_INT("stuck: no bug", m.nsev[MMA_SEV_BUG], 0);
	out = render(&m, 0);
	check(strstr(out, "queued") && strstr(out, "in use") &&
	      strstr(out, "flush_tlb_func"),
	      "stuck: view shows the waiting sender and its flush_tlb_info in use",
	      "%s", out);
	free(out);
	mma_model_free(&m);

	build(sc_untargeted, &s, &x, &l, &m);
	f = NULL;
	{
		int i;

		for (i = 0; i < m.nfindings; i++)
			if (!strcmp(m.findings[i].rule, "mask-cpu-not-targeted") &&
			    m.findings[i].cpu == 2)
				f = &m.findings[i];
	}
	check(f && f->sev == MMA_SEV_SUSPICIOUS,
	      "untargeted: CPU 2 runs A, not lazy, behind, not targeted: suspicious",
	      "%s", f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_SUSPICIOUS && f->cpu == 1 &&
	      strstr(f->detail, "2 behind") && strstr(f->detail, "no registers"),
	      "lag without registers: missed-flush suspicious", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_regs, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_BUG && f->cpu == 1 && f->mm == x.A,
	      "lag, CPU in user mode, others idle, native, no batch: bug", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_kernel, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_SUSPICIOUS && strstr(f->detail, "kernel"),
	      "lag, CPU in the kernel (mid switch_mm or flush): suspicious", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_batched, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_SUSPICIOUS && strstr(f->detail, "batched"),
	      "lag with a batched reclaim flush pending: suspicious", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_pv, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_SUSPICIOUS && strstr(f->detail, "paravirt"),
	      "lag under a paravirt flush hook (KVM): suspicious", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_native_pv, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_BUG,
	      "lag with pv_ops pointing at native_flush_tlb_multi: bug", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_busy_other, &s, &x, &l, &m);
	f = find(&m, "missed-flush");
	check(f && f->sev == MMA_SEV_SUSPICIOUS &&
	      strstr(f->detail, "inc_mm_tlb_gen"),
	      "lag while another CPU runs in the kernel: suspicious", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_lag_lazy, &s, &x, &l, &m);
	CHECK_EQ_INT("lag on a lazy CPU: nothing", find(&m, "missed-flush") != NULL, 0);
	mma_model_free(&m);

	build(sc_lag_queued, &s, &x, &l, &m);
	CHECK_EQ_INT("lag with the flush queued: no missed-flush",
		     find(&m, "missed-flush") != NULL, 0);
	check(find(&m, "stuck-shootdown") != NULL,
	      "lag with the flush queued: its sender waits (stuck-shootdown)",
	      "%s", "");
	mma_model_free(&m);

	build(sc_lag_otherctx, &s, &x, &l, &m);
	CHECK_EQ_INT("ASID slot of another mm: not comparable, nothing",
		     find(&m, "missed-flush") != NULL, 0);
	mma_model_free(&m);

	build(sc_loop, &s, &x, &l, &m);
	mma_csd_read(&m, &st);
	check(st.cpus[2].nq == 1 && st.cpus[2].q_more,
	      "a queue looping on itself: one entry, marked", "nq %d more %d",
	      st.cpus[2].nq, st.cpus[2].q_more);
	CHECK_EQ_STR("a non-flush call is named", st.cpus[2].q[0].fname,
		     "generic_smp_call");
	CHECK_EQ_INT("a non-flush call gives no finding", mine(&m, MMA_SEV_INFO), 0);
	mma_csd_free(&st);
	mma_model_free(&m);

	build(sc_stack, &s, &x, &l, &m);
	mma_csd_read(&m, &st);
	check(st.cpus[0].nlocked == 1 && st.cpus[0].locked[0].stack &&
	      st.cpus[0].locked[0].cpu == 1 && st.cpus[0].fti_busy,
	      "5.10 stack csd: attributed to CPU 0 by node.src, its flush_tlb_info in use",
	      "nlocked %d", st.cpus[0].nlocked);
	mma_csd_free(&st);
	f = find(&m, "stuck-shootdown");
	check(f && f->cpu == 0 && strstr(f->detail, "waits for CPU 1"),
	      "5.10 stack csd: stuck-shootdown names CPU 0", "%s",
	      f ? f->detail : "none");
	mma_model_free(&m);

	build(sc_noqueue, &s, &x, &l, &m);
	CHECK_EQ_INT("no call_single_queue: read says so",
		     mma_csd_read(&m, &st), -1);
	check(strstr(st.L.why, "call_single_queue") != NULL,
	      "no call_single_queue: why", "%s", st.L.why);
	CHECK_EQ_INT("no call_single_queue: generations still read",
		     st.cpus[1].gen_ok, 1);
	mma_csd_free(&st);
	out = render(&m, 0);
	check(strstr(out, "not decoded") != NULL,
	      "no call_single_queue: view says not decoded", "%s", out);
	free(out);
	mma_model_free(&m);

	build(sc_listqueue, &s, &x, &l, &m);
	mma_csd_read(&m, &st);
	check(!st.L.ok && strstr(st.L.why, "list_head"),
	      "pre-3.14 list-based queue: not decoded, said", "%s", st.L.why);
	mma_csd_free(&st);
	mma_model_free(&m);

	printf("test_csd: %d checks, %d failed\n", t_count, t_failed);
	return t_done();
}
