/*
 * model.c - build the model: tasks, address spaces (mm_struct), CPUs.
 *
 * Each task_struct is read with ONE read of the span that holds every
 * field we need (layout.span_lo/span_len).  mm and task lookups go through
 * open-addressing hash tables.  Every pointer from the dump is validated
 * (kernel address range, alignment, read errors) before use; a bad task or
 * mm becomes a finding and is skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmcore.h"

#include "modelint.h"

#define DEFAULT_MAX_TASKS   (1 << 22)

/**
 * mma_static_name - name of an enum mma_static kind
 */
const char *
mma_static_name(int kind)
{
	switch (kind) {
	case MMA_STATIC_INIT_MM: return "init_mm";
	case MMA_STATIC_EFI_MM: return "efi_mm";
	case MMA_STATIC_POKING_MM: return "poking_mm";
	default: return "";
	}
}

/**
 * mma_list_state_name - name of an enum mma_list state (also the JSON value)
 */
const char *
mma_list_state_name(int state)
{
	switch (state) {
	case MMA_LIST_OK: return "ok";
	case MMA_LIST_LOOP: return "loop";
	case MMA_LIST_TRUNCATED: return "truncated";
	case MMA_LIST_BROKEN: return "broken";
	case MMA_LIST_INCOMPLETE: return "incomplete";
	default: return "not-walked";
	}
}

void
mma_model_init(struct mma_model *m, const struct mma_target *t,
	       const struct mma_layout *l)
{
	memset(m, 0, sizeof(*m));
	m->t = t;
	m->l = l;
	m->list_state = MMA_LIST_NOT_WALKED;
	m->t_start = mma_now_ms();
	mma_hash_init(&m->taskh);
	mma_hash_init(&m->mmh);
}

void
mma_model_free(struct mma_model *m)
{
	int i;

	for (i = 0; i < m->nmms; i++) {
		free(m->mms[i].tgids);
		free(m->mms[i].mask);
	}
	free(m->mms);
	free(m->tasks);
	free(m->cpus);
	free(m->findings);
	free(m->online);
	mma_hash_free(&m->taskh);
	mma_hash_free(&m->mmh);
	if (m->slab)
		mma_slab_free(m->slab);
	free(m->slab);
	memset(m, 0, sizeof(*m));
}

int
mma_model_find_mm(const struct mma_model *m, uint64_t addr)
{
	return mma_hash_get(&m->mmh, addr);
}

int
mma_model_find_task(const struct mma_model *m, uint64_t addr)
{
	return mma_hash_get(&m->taskh, addr);
}

/* ------------------------------------------------------------------ */
/* build                                                               */
/* ------------------------------------------------------------------ */

/*
 * a - b clamped to int: the counters come from the dump, and a corrupt
 * mm_users of INT_MIN minus one task would overflow (undefined behaviour;
 * in practice a huge positive slack).  Found by the mutation campaign under
 * UBSan (docs/robustness.md).
 */
static int
sat_sub(int a, int b)
{
	long long d = (long long)a - (long long)b;

	return d > INT_MAX ? INT_MAX : d < INT_MIN ? INT_MIN : (int)d;
}

/**
 * mma_model_fill - add what a front end knows, then build
 * (declared in mmcore.h; extensions/mmaudit.c and extensions/direct/main.c)
 */
int
mma_model_fill(struct mma_model *m, const uint64_t *tasks, int ntasks,
	       const uint64_t *active, int nactive, uint64_t extra_mm, int walk)
{
	struct mma_build_opts o;
	int i, idx;

	for (i = 0; i < ntasks; i++)
		mma_model_add_task(m, tasks[i], MMA_SRC_TARGET);
	for (i = 0; i < nactive; i++) {
		if (!active[i])
			continue;
		idx = mma_model_add_task(m, active[i], MMA_SRC_CURR);
		if (idx >= 0 && m->tasks[idx].oncpu < 0)
			m->tasks[idx].oncpu = i;
	}
	if (extra_mm)
		mma_model_add_mm(m, extra_mm);
	memset(&o, 0, sizeof(o));
	o.walk_list = walk;
	o.max_tasks = 1 << 22;
	return mma_model_build(m, &o);
}

/**
 * mma_model_build - complete the model after the adapter's tasks are in
 *
 * Reads each CPU (runqueue curr/idle, x86 cpu_tlbstate), optionally walks
 * init_task.tasks (bounded, loop-checked), collects every mm reachable from
 * task->mm, task->active_mm and a CPU's loaded_mm, counts users, then runs
 * the rules.
 */
int
mma_model_build(struct mma_model *m, const struct mma_build_opts *o)
{
	const struct mma_layout *l = m->l;
	double t = mma_now_ms();
	int i, c;

	m->ms_tasks = t - m->t_start;
	mma_read_cpus(m);
	m->ms_cpus = mma_now_ms() - t;
	t = mma_now_ms();
	if (o && o->walk_list)
		mma_walk_task_list(m, o->max_tasks > 0 ? o->max_tasks :
			       DEFAULT_MAX_TASKS);
	m->ms_walk = mma_now_ms() - t;
	t = mma_now_ms();

	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];

		tk->rel = mma_task_relation(tk);
		if (tk->mm)
			tk->mm_idx = mma_add_mm(m, tk->mm, MMA_REF_MM);
		if (tk->active_mm)
			tk->amm_idx = mma_add_mm(m, tk->active_mm, MMA_REF_ACTIVE);
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];

		if (cp->loaded_mm && cp->loaded_mm != MMA_LOADED_MM_SWITCHING)
			cp->loaded_idx = mma_add_mm(m, cp->loaded_mm,
						MMA_REF_LOADED);
		if (cp->prev_mm)
			cp->prev_idx = mma_add_mm(m, cp->prev_mm, MMA_REF_PREV);
	}
	/* pointers into m->mms are stable from here on */
	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];

		if (tk->mm_idx >= 0) {
			struct mma_mm *x = &m->mms[tk->mm_idx];

			if (tk->flags & MMA_PF_KTHREAD)
				x->nkthread++;
			else {
				x->ntasks++;
				mma_mm_add_tgid(x, tk->tgid);
			}
		} else if (!tk->mm && tk->amm_idx >= 0) {
			struct mma_mm *x = &m->mms[tk->amm_idx];

			x->nlazy++;
			if (tk->oncpu >= 0)
				x->nlazy_oncpu++;
			if (tk->unref)
				x->nlazy_unref++;
			if (tk->flags & MMA_PF_EXITING)
				x->nexiting++;
		}
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];
		struct mma_mm *x;

		if (cp->prev_idx >= 0)
			m->mms[cp->prev_idx].nprev++;
		if (cp->loaded_idx < 0)
			continue;
		x = &m->mms[cp->loaded_idx];
		x->nloaded++;
		if (x->mask_ok)
			cp->bit = mma_bit_test(x->mask, l->mask_words,
					       (unsigned)c);
	}
	for (i = 0; i < m->nmms; i++) {
		struct mma_mm *x = &m->mms[i];
		int ti;

		int lazy = l->lazy_refcounted ? x->nlazy - x->nlazy_unref : 0;

		/*
		 * The references the dump proves: 1 for all users together,
		 * 1 per lazy borrower (none with lazy-TLB shootdown), 1 per
		 * kthread_use_mm() user, 1 per rq->prev_mm in flight; the
		 * maximum adds the borrowers that may hold none (the idle
		 * task of an offline CPU).
		 */
		x->explained = (x->users > 0 ? 1 : 0) + lazy + x->nkthread +
			       x->nprev;
		x->explained_max = x->explained +
				   (l->lazy_refcounted ? x->nlazy_unref : 0);
		x->slack = sat_sub(x->count, x->explained_max);
		x->users_slack = sat_sub(x->users, x->ntasks);
		if (x->owner && (ti = mma_hash_get(&m->taskh, x->owner)) >= 0) {
			x->owner_pid = m->tasks[ti].pid;
			if (m->tasks[ti].flags & MMA_PF_EXITING)
				x->nexiting++;
		}
	}
	/* owner fallback: a thread-group leader using the mm */
	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];

		if (tk->mm_idx >= 0 && m->mms[tk->mm_idx].owner_pid < 0 &&
		    (tk->pid == tk->tgid || tk->group_leader == tk->addr))
			m->mms[tk->mm_idx].owner_pid = tk->pid;
	}
	m->ms_mms = mma_now_ms() - t;
	t = mma_now_ms();
	mma_run_rules(m);
	m->ms_rules = mma_now_ms() - t;
	m->build_ms = mma_now_ms() - m->t_start;
	return 0;
}

