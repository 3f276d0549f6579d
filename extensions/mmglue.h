/*
 * mmglue.h - shared between the crash glue files of mmaudit (not the core).
 *
 * Everything declared here has hidden visibility: crash loads extensions
 * RTLD_GLOBAL, so no mmaudit symbol may be exported from the .so.
 */
#ifndef MMGLUE_H
#define MMGLUE_H

#pragma GCC visibility push(hidden)

#include <stdint.h>
#include <stddef.h>

/* mmglue.c: crash services both glue files use */
struct mma_target;
void mmg_target_init(struct mma_target *t);	/* the core's target */
long mmg_member_offset(const char *s, const char *m);	/* -1: none */
long mmg_member_size(const char *s, const char *m);	/* -1: none */
int mmg_percpu_addr(const char *sym, int cpu, uint64_t *addr);
int mmg_percpu_ptr(uint64_t base, int cpu, uint64_t *addr);
int mmg_read(uint64_t addr, void *buf, long len);	/* 0 ok, -1 */
uint64_t mmg_read_uint(uint64_t addr, long size, int *err);
int mmg_enum(const char *name, long *v);		/* 0 ok, -1 */
int mmg_addr_state(uint64_t addr);			/* enum mma_addr */

/* mmslab.c: crash-backed slab classification of mm pointers (SLUB) */
void mmslab_reset(void);	/* per command: forget per-CPU data */
int mmslab_classify(void *ctx, uint64_t addr, char *cache, size_t len);
const char *mmslab_status(void);	/* why classification is off, or NULL */

/* mmaudit.c: build the model as the views do (0 ok; said why otherwise) */
struct mma_model;
int mmaudit_build_model(const char *cmd, unsigned flags, struct mma_model *m);

/* mmflush.c: the mmflush command and its target callbacks */
void cmd_mmflush(void);
extern char *help_mmflush[];
int mmflush_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
			uint64_t *offset);
int mmflush_cpu_regs(void *ctx, int cpu, uint64_t *ip, uint64_t *flags,
		     uint64_t *cs);

/* mmrecord.c: mmaudit -R file: record crash's answers (a unit fixture) */
void mmrecord_run(const char *path, const struct mma_target *t);

#pragma GCC visibility pop

#endif /* MMGLUE_H */
