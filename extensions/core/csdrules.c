/*
 * csdrules.c - rules on cross-CPU TLB shootdowns (docs/rules.md):
 *
 *   stuck-shootdown        a sender holds a locked TLB-flush CSD to a
 *                          target (the sender spins in csd_lock_wait())
 *   missed-flush           a CPU runs on an mm, not lazy, behind the mm's
 *                          TLB generation with no flush on its way
 *   flush-outside-mask     a flush targets a CPU outside mm_cpumask(mm)
 *   mask-cpu-not-targeted  a CPU of mm_cpumask(mm) not among the targets
 *                          of a flush of that mm in progress
 *
 * A TLB generation behind the mm's is normal for a lazy CPU, a CPU with a
 * flush queued or running, a CPU mid switch_mm_irqs_off(), while a sender
 * is between inc_mm_tlb_gen() and queueing its CSDs, with a batched
 * reclaim flush pending, and under a paravirt flush hook (KVM, Hyper-V,
 * Xen flush without running flush_tlb_func on the target): missed-flush is
 * a bug only when the dump's registers exclude every such window.
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "csd.h"

#define X(v) ((unsigned long long)(v))

/* the mm's owner as " (pid P comm)" */
static void
owner_str(const struct mma_model *m, uint64_t mm, char *buf, size_t len)
{
	char comm[17];
	int pid = mma_csd_mm_owner(m, mm, comm, sizeof(comm));

	if (pid >= 0)
		snprintf(buf, len, " (pid %d %s)", pid, comm);
	else
		buf[0] = '\0';
}

static int
user_mode(const struct mma_csd_cpu *c)
{
	return c->regs_ok ? (c->cs & 3) == 3 : -1;
}

/* "interrupts disabled" from RFLAGS.IF (x86) */
static const char *
irq_str(const struct mma_csd_cpu *c)
{
	if (!c->regs_ok)
		return "registers not in the dump";
	return (c->rflags & 0x200) ? "interrupts enabled" :
				     "interrupts disabled";
}

static void
rule_stuck(struct mma_model *m, const struct mma_csd *s)
{
	int a, i;

	for (a = 0; a < s->ncpus; a++) {
		const struct mma_csd_cpu *A = &s->cpus[a];

		for (i = 0; i < A->nlocked; i++) {
			const struct mma_csd_ent *e = &A->locked[i];
			const struct mma_csd_cpu *B;
			char own[48] = "", what[160], runs[160];
			uint64_t btask = 0;

			if (e->flush == MMA_FLUSH_NONE || e->cpu < 0 ||
			    e->cpu >= s->ncpus)
				continue;
			B = &s->cpus[e->cpu];
			if (e->flush == MMA_FLUSH_MM && e->fti.ok) {
				owner_str(m, e->fti.mm, own, sizeof(own));
				snprintf(what, sizeof(what), "mm %llx%s %llx-%llx",
					 X(e->fti.mm), own, X(e->fti.start),
					 X(e->fti.end));
			} else
				snprintf(what, sizeof(what), "%s flush",
					 mma_flush_name(e->flush));
			if (e->cpu < m->ncpus)
				btask = m->cpus[e->cpu].curr;
			if (B->regs_ok)
				snprintf(runs, sizeof(runs), "%d %s at %s, %s",
					 B->curr_pid, B->curr_comm, B->ip_sym,
					 irq_str(B));
			else
				snprintf(runs, sizeof(runs), "%d %s, %s",
					 B->curr_pid, B->curr_comm, irq_str(B));
			mma_add_finding(m, "stuck-shootdown", -1, btask,
					e->fti.ok ? e->fti.mm : 0, a,
					e->fti.ok ? mma_csd_mm_owner(m,
						e->fti.mm, own, sizeof(own)) : -1,
					"CPU %d waits for CPU %d: %s %s; csd %llx "
					"%s; CPU %d runs %s", a, e->cpu, e->fname,
					what, X(e->addr), e->queued == 1 ?
					"queued, not run" : e->queued == 0 ?
					"taken off the queue (running)" :
					"queue unknown", e->cpu, runs);
		}
	}
}

/* the in-progress flush of sender A: its locked CSDs' flush_tlb_info */
static const struct mma_fti *
sender_fti(const struct mma_csd_cpu *A)
{
	int i;

	for (i = 0; i < A->nlocked; i++)
		if (A->locked[i].flush == MMA_FLUSH_MM && A->locked[i].fti.ok &&
		    A->locked[i].fti.mm)
			return &A->locked[i].fti;
	return NULL;
}

static int
targeted(const struct mma_csd_cpu *A, const struct mma_csd *s, int b)
{
	int i;

	if (A->cfd_mask)
		return mma_bit_test(A->cfd_mask, s->mask_words, (unsigned)b);
	for (i = 0; i < A->nlocked; i++)
		if (A->locked[i].cpu == b)
			return 1;
	return 0;
}

static void
rule_targets(struct mma_model *m, const struct mma_csd *s)
{
	int a, i, b, k;

	for (a = 0; a < s->ncpus; a++) {
		const struct mma_csd_cpu *A = &s->cpus[a];
		const struct mma_fti *f = sender_fti(A);
		const struct mma_mm *x;
		char own[48];

		if (!f || (k = mma_model_find_mm(m, f->mm)) < 0)
			continue;
		x = &m->mms[k];
		if (!x->mask_ok)
			continue;
		owner_str(m, f->mm, own, sizeof(own));
		for (i = 0; i < A->nlocked; i++) {
			b = A->locked[i].cpu;
			if (A->locked[i].flush != MMA_FLUSH_MM ||
			    A->locked[i].fti.mm != f->mm || b < 0 ||
			    mma_bit_test(x->mask, m->l->mask_words, (unsigned)b))
				continue;
			mma_add_finding(m, "flush-outside-mask", -1, 0, f->mm, b,
					-1, "CPU %d flushes mm %llx%s on CPU %d, "
					"which is not in its mm_cpumask %s (it "
					"left the mask after the flush was sent)",
					a, X(f->mm), own, b,
					x->cpus[0] ? x->cpus : "(empty)");
		}
		for (b = 0; b < s->ncpus && b < (int)m->l->nr_cpu_ids; b++) {
			const struct mma_csd_cpu *B = &s->cpus[b];
			const char *why = NULL;
			int sev = MMA_SEV_INFO;

			if (b == a || targeted(A, s, b) ||
			    !mma_bit_test(x->mask, m->l->mask_words, (unsigned)b))
				continue;
			if (B->online == 0)
				why = "offline";
			else if (B->loaded_mm != f->mm)
				why = "another mm loaded (the kernel skips it, or "
				      "it switched away)";
			else if (B->lazy == 1 && f->freed_tables != 1)
				why = "lazy: flush_tlb_multi() skips lazy CPUs "
				      "unless page tables are freed";
			else if (B->gen_ok && B->ctx_match &&
				 B->tlb_gen >= f->new_tlb_gen)
				why = "already at the flush's generation";
			else {
				sev = MMA_SEV_SUSPICIOUS;
				why = B->lazy == 1 ? "lazy, but the flush frees "
				      "page tables (lazy CPUs must get it)" :
				      "runs on the mm, not lazy, behind the "
				      "flush's generation";
			}
			mma_add_finding(m, "mask-cpu-not-targeted", sev, 0,
					f->mm, b, -1, "CPU %d flushes mm %llx%s "
					"(new_tlb_gen %llu) without CPU %d of its "
					"mask: %s", a, X(f->mm), own,
					X(f->new_tlb_gen), b, why);
		}
	}
}

/* is any flush of mm (or a kernel-wide one) on its way to CPU c? */
static int
flush_pending(const struct mma_csd *s, int c, uint64_t mm)
{
	const struct mma_csd_cpu *C = &s->cpus[c];
	int a, i;

	if (!C->q_ok || C->q_more)
		return 1;	/* cannot tell: assume one is */
	for (i = 0; i < C->nq; i++)
		if (C->q[i].flush != MMA_FLUSH_NONE)
			return 1;
	if (C->cur_ok && C->cur_csd)
		return 1;
	for (a = 0; a < s->ncpus; a++) {
		const struct mma_csd_cpu *A = &s->cpus[a];

		for (i = 0; i < A->nlocked; i++)
			if (A->locked[i].cpu == c &&
			    A->locked[i].flush != MMA_FLUSH_NONE)
				return 1;
		/* a flush of mm prepared by a CPU (per-CPU flush_tlb_info) */
		if (A->fti.ok && A->fti.mm == mm &&
		    A->fti.new_tlb_gen > C->tlb_gen)
			return 1;
	}
	return 0;
}

static void
rule_missed(struct mma_model *m, const struct mma_csd *s)
{
	int c, d;

	for (c = 0; c < s->ncpus; c++) {
		const struct mma_csd_cpu *C = &s->cpus[c];
		const char *why = NULL;
		char own[48];
		int k, sev = MMA_SEV_BUG;

		if (!C->gen_ok || !C->ctx_match || C->lag <= 0 ||
		    C->lazy != 0 || C->online == 0)
			continue;
		k = mma_model_find_mm(m, C->loaded_mm);
		if (k < 0 || m->mms[k].is_static)
			continue;
		if (flush_pending(s, c, C->loaded_mm))
			continue;
		owner_str(m, C->loaded_mm, own, sizeof(own));
		if (s->native != 1)
			why = s->native == 0 ? "a paravirt flush hook flushes "
			      "without updating cpu_tlbstate" :
			      "the flush hook is unknown";
		else if (C->batched != 0)
			why = C->batched == 1 ? "a batched reclaim flush is "
			      "pending (tlb_flush_batched)" :
			      "tlb_flush_batched unknown";
		else if (user_mode(C) != 1)
			why = C->regs_ok ? "the CPU is in the kernel (mid "
			      "switch_mm or flush)" : "no registers to "
			      "exclude a switch or flush in progress";
		for (d = 0; !why && d < s->ncpus; d++) {
			const struct mma_csd_cpu *D = &s->cpus[d];

			if (d == c || D->idle || D->online == 0 ||
			    user_mode(D) == 1)
				continue;
			why = "another CPU may be between inc_mm_tlb_gen() and "
			      "sending its IPIs";
		}
		if (why)
			sev = MMA_SEV_SUSPICIOUS;
		mma_add_finding(m, "missed-flush", sev, m->cpus[c].curr,
				C->loaded_mm, c, -1, "CPU %d runs mm %llx%s "
				"(not lazy) at TLB generation %llu, the mm is "
				"at %llu (%lld behind) and no flush is queued "
				"or in progress%s%s", c, X(C->loaded_mm), own,
				X(C->tlb_gen), X(C->mm_tlb_gen),
				(long long)C->lag, why ? "; not a bug: " : "",
				why ? why : "");
	}
}

/**
 * mma_csd_rules - the TLB shootdown rules on a built model
 * @m: model (its target is read again for the per-CPU smp.c state)
 */
void
mma_csd_rules(struct mma_model *m)
{
	struct mma_csd s;

	if (!m->l || m->ncpus <= 0 || !m->cpus)
		return;
	mma_csd_read(m, &s);
	rule_stuck(m, &s);
	rule_targets(m, &s);
	rule_missed(m, &s);
	mma_csd_free(&s);
}
