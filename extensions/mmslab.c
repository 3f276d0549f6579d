/*
 * mmslab.c - is this pointer an allocated mm_struct?  The walk itself is
 * the core's (core/slab.c, struct mma_slabck), reading the kernel through
 * crash's target (mmglue.c: kvtop() + phys_to_page() for the struct page
 * of an address, enumerators, readmem(), members, symbols).  Crash's own
 * slab knowledge (vaddr_to_kmem_cache(), dump_kmem_cache_slub()) is static
 * in crash's memory.c and not used.
 *
 * This file keeps one walk for the whole crash session (the layout and the
 * mm_struct cache resolved once) behind mma_target.slab_classify; each
 * command forgets the per-CPU slabs (mmslab_reset()).
 */
#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"

static struct mma_target ST;	/* crash's target, for the walk */
static struct mma_slabck S;	/* zeroed: bound on first use */

static void
bind(void)
{
	if (S.t)
		return;
	mmg_target_init(&ST);
	mma_slab_init(&S, &ST);
}

/**
 * mmslab_reset - forget per-command data (the per-CPU slabs)
 */
void
mmslab_reset(void)
{
	mma_slab_reset(&S);
}

/**
 * mmslab_status - why slab classification is off, or NULL when it is on
 */
const char *
mmslab_status(void)
{
	bind();
	return mma_slab_status(&S);
}

/**
 * mmslab_classify - mma_target.slab_classify for crash
 * @ctx: unused
 * @addr: a pointer to classify (an mm pointer held by a task or a CPU)
 * @cache: the cache's name, when known ("mm_struct" or another cache)
 * @len: size of cache
 *
 * Returns an enum mma_slab (mma_slab_classify()).
 */
int
mmslab_classify(void *ctx, uint64_t addr, char *cache, size_t len)
{
	(void)ctx;
	bind();
	return mma_slab_classify(&S, addr, cache, len);
}
