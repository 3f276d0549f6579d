/*
 * cpus.c - CPUs of the model: online state, each runqueue's curr and idle
 * task, and the x86 lazy-TLB state (cpu_tlbstate / cpu_tlbstate_shared).
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "modelint.h"

/* ------------------------------------------------------------------ */
/* CPUs                                                                */
/* ------------------------------------------------------------------ */

/* x86 cpu_tlbstate(_shared) of one CPU: loaded mm, lazy state */
static void
read_tlbstate(struct mma_model *m, struct mma_cpu *cp)
{
	const struct mma_layout *l = m->l;
	const struct mma_target *t = m->t;
	uint64_t a, v = 0;
	uint32_t st;
	long lazy_off;

	if (l->tlb_kind == MMA_TLB_NONE ||
	    t->percpu_addr(t->ctx, l->tlb_sym, cp->cpu, &a))
		return;
	if (l->tlb_kind == MMA_TLB_OLD) {
		if (!mma_tread(m, a + (uint64_t)l->tlb_active_mm, &v, 8))
			cp->loaded_mm = v, cp->tlb_readok = 1;
		if (!mma_tread(m, a + (uint64_t)l->tlb_state, &st, 4)) {
			cp->tlbstate = (int)st;
			cp->is_lazy = st == MMA_TLBSTATE_LAZY;
		}
		return;
	}
	if (!mma_tread(m, a + (uint64_t)l->tlb_loaded_mm, &v, 8))
		cp->loaded_mm = v, cp->tlb_readok = 1;
	if (l->tlb_kind == MMA_TLB_LOADED)
		return;
	lazy_off = l->tlb_is_lazy;
	if (l->tlb_kind == MMA_TLB_SHARED) {
		if (t->percpu_addr(t->ctx, l->tlb_shared_sym, cp->cpu, &a))
			return;
		lazy_off = l->tlb_shared_is_lazy;
	}
	v = 0;
	if (!mma_tread(m, a + (uint64_t)lazy_off, &v, (size_t)l->tlb_lazy_size))
		cp->is_lazy = v ? 1 : 0;
}

void
mma_read_cpus(struct mma_model *m)
{
	const struct mma_layout *l = m->l;
	const struct mma_target *t = m->t;
	int c;

	m->ncpus = l->ncpus > 0 ? l->ncpus : 0;
	m->cpus = calloc((size_t)(m->ncpus ? m->ncpus : 1), sizeof(*m->cpus));
	if (!m->cpus) {
		m->ncpus = 0;
		return;
	}
	if (l->online_mask) {
		m->online = calloc(l->mask_words, sizeof(uint64_t));
		if (m->online && mma_read_mask(m, l->online_mask, m->online,
					       l->mask_words)) {
			free(m->online);
			m->online = NULL;
		}
		if (m->online)
			m->nonline = (int)mma_bit_weight(m->online,
							 l->nr_cpu_ids);
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];
		uint64_t a, v;
		int ci;

		cp->cpu = c;
		cp->curr_idx = cp->idle_idx = cp->loaded_idx = -1;
		cp->prev_idx = -1;
		cp->is_lazy = -1;
		cp->bit = -1;
		cp->online = m->online ? mma_bit_test(m->online, l->mask_words,
						      (unsigned)c) : -1;
		if (l->rq_sym && !t->percpu_addr(t->ctx, l->rq_sym, c, &a)) {
			if (!mma_tread(m, a + (uint64_t)l->rq_curr, &v, 8))
				cp->curr = v, cp->readok = 1;
			if (l->rq_idle >= 0 &&
			    !mma_tread(m, a + (uint64_t)l->rq_idle, &v, 8))
				cp->idle = v;
			if (l->rq_prev_mm >= 0 &&
			    !mma_tread(m, a + (uint64_t)l->rq_prev_mm, &v, 8))
				cp->prev_mm = v;
		}
		if (cp->idle && (ci = mma_model_add_task(m, cp->idle,
							 MMA_SRC_IDLE)) >= 0) {
			cp->idle_idx = ci;
			if (m->tasks[ci].idle_of < 0)
				m->tasks[ci].idle_of = c;
		}
		if (cp->curr && (ci = mma_model_add_task(m, cp->curr,
							 MMA_SRC_CURR)) >= 0) {
			cp->curr_idx = ci;
			m->tasks[ci].oncpu = c;
		}

		read_tlbstate(m, cp);
		/*
		 * An offline CPU's idle task keeps active_mm without a
		 * reference: finish_cpu() (v5.8+) or idle_task_exit() before
		 * it dropped the reference and, since v5.8, pointed active_mm
		 * at init_mm; on older kernels the pointer may even dangle.
		 * In a panic dump stop_this_cpu() also clears the online bit
		 * of CPUs that still hold their reference: so the idle task
		 * of an offline CPU may or may not hold one.
		 */
		if (cp->online == 0 && cp->idle_idx >= 0)
			m->tasks[cp->idle_idx].unref = 1;
	}
}
