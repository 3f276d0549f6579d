/*
 * dtarget.h - the core's target (struct mma_target) answered without
 * crash: memory from the dump reader (dread.h), symbols and types from
 * dsym.h.  Each callback answers what the crash glue (extensions/mmglue.c,
 * mmflush.c) answers for the same dump, so both front ends build the same
 * model and print the same JSON.
 */
#ifndef DTARGET_H
#define DTARGET_H

#include "mmcore.h"

struct dread;
struct dsym;

struct dtarget {
	struct mma_target t;
	struct dread *r;
	struct dsym *s;
	uint64_t *pcpu_off;	/* __per_cpu_offset[], ncpus_max entries */
	int npcpu;
	uint64_t pcpu_start, pcpu_end;	/* per-CPU symbol range */
	uint64_t page_offset, vmemmap;
	long page_struct;	/* sizeof(struct page) */
	uint64_t max_pfn;
	char *ikconfig;		/* the dump's kernel config text, or NULL */
	int ikconfig_state;	/* 0 not tried, 1 loaded, -1 none */
	struct modsym *modsyms;	/* loaded modules' symbols, by value */
	int nmodsyms, modsymcap, modsyms_done;
};

/* fill dt->t for r and s (both stay owned by the caller) */
void dtarget_init(struct dtarget *dt, struct dread *r, struct dsym *s);
void dtarget_free(struct dtarget *dt);

/*
 * crash's task table: every task of the pid table (init_task.tasks and
 * each thread group) plus each CPU's idle task, sorted as crash sorts it
 * (by pid, the idle tasks by CPU).  *tasks malloc()ed; returns the count,
 * -1 on error.
 */
int dtarget_tasks(struct dtarget *dt, uint64_t **tasks);
/* rq->curr of a CPU (crash's tt->active_set[cpu]); 0 none */
uint64_t dtarget_active(struct dtarget *dt, int cpu);

#endif
