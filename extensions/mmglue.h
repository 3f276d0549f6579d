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

/* mmslab.c: crash-backed slab classification of mm pointers (SLUB) */
void mmslab_reset(void);	/* per command: forget per-CPU data */
int mmslab_classify(void *ctx, uint64_t addr, char *cache, size_t len);
const char *mmslab_status(void);	/* why classification is off, or NULL */

#pragma GCC visibility pop

#endif /* MMGLUE_H */
