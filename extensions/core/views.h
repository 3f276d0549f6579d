/*
 * views.h - what both front ends (the crash extension, extensions/mmaudit.c,
 * and the direct command, extensions/direct/main.c) do around the core's
 * renderers: check a view's -p/-c filter against the model, say why in one
 * line, print the overview's JSON.  Output goes to the FILE * given.
 */
#ifndef MMA_VIEWS_H
#define MMA_VIEWS_H

#include "mmcore.h"

#pragma GCC visibility push(hidden)

/* a one-line answer instead of an empty table (JSON: an error object) */
void mma_filter_error(FILE *fp, const char *cmd, unsigned flags,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Check a -p pid / -c cpu filter against the built model so that a user
 * who names a pid or CPU that is not there gets one clear line.  A pid
 * whose task has no mm but whose thread group has one (a zombie leader
 * with live threads) is turned into a filter on the group's mm for
 * mmlist.  Returns -1 when the view should not be rendered.
 */
int mma_check_filter(FILE *fp, const char *cmd, unsigned flags,
		     const struct mma_model *m, struct mma_filter *f);

/* the mmaudit overview as JSON (slab: why slab checking is off, or NULL) */
void mma_render_overview_json(const struct mma_model *m, const char *slab,
			      FILE *fp);

/* mmmask: decode one cpumask query (the extension's and the direct command's) */
struct mma_maskq {
	int mode;		/* 'm' mm, 'a' address, 's' symbol, 'p' per-CPU symbol */
	const char *what;	/* the argument: hex address or symbol name */
	int deref;		/* the location holds a pointer to the mask */
	int cpu;		/* 'p': only this CPU; -1 every CPU */
	unsigned nbits;		/* bits to decode; 0 = nr_cpu_ids */
};
/* the whole mmmask answer (text table, or JSON with "masks") for q */
void mma_render_mask_query(const struct mma_target *t,
			   const struct mma_layout *l,
			   const struct mma_maskq *q, unsigned flags, FILE *fp);
/* the same for literal words (word 0 first), no dump needed */
void mma_render_mask_words(const uint64_t *w, unsigned nwords, unsigned nbits,
			   unsigned flags, FILE *fp);

#pragma GCC visibility pop

#endif
