/*
 * modelint.h - internal interface between the model's files (read.c,
 * tasks.c, mms.c, cpus.c, model.c).  Not used by rules.c or render.c,
 * which only see the finished model through mmcore.h.
 *
 *   model.c ──> tasks.c, mms.c, cpus.c ──> read.c, hash.c
 */
#ifndef MODELINT_H
#define MODELINT_H

#include "mmcore.h"

#pragma GCC visibility push(hidden)

/* read.c */
int mma_tread(const struct mma_model *m, uint64_t addr, void *buf, size_t len);
uint64_t mma_get_uint(const unsigned char *buf, long off, long size);
int64_t mma_get_int(const unsigned char *buf, long off, long size);
void *mma_grow(void *p, int *cap, int need, size_t elem);
double mma_now_ms(void);

/* tasks.c */
void mma_walk_task_list(struct mma_model *m, int max);
int mma_task_relation(const struct mma_task *tk);

/* mms.c */
int mma_add_mm(struct mma_model *m, uint64_t addr, unsigned ref);
void mma_mm_add_tgid(struct mma_mm *x, int tgid);

/* cpus.c */
void mma_read_cpus(struct mma_model *m);

#pragma GCC visibility pop

#endif /* MODELINT_H */
