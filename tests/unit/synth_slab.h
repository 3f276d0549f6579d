/*
 * synth_slab.h - a synthetic SLUB scene on the fake target (fake.h) for
 * the core's slab walk (extensions/core/slab.c): a direct map of SL_NPAGES
 * pages with its vmemmap (struct page of 64 bytes), a vmalloc alias of
 * the first pages, and the layout of a v6.12-like SLUB kernel (struct
 * slab, PGTY_slab page type, hardened freelists with swab).
 *
 *   pages 8-15   the mm_struct slab (order 3, 25 objects of 0x500 bytes):
 *                slab freelist 3 -> 5, CPU 0's slab with lockless
 *                freelist 7; every other object allocated
 *   page 16      a task_struct slab page
 *   page 17      a page that is not a slab page
 *   page 0       kmem_caches, cache names, kmem_cache_cpu of CPUs 0 and 1
 *
 * The target gives page_of (direct map: 0, vmalloc alias: 1) and
 * enum_value, not slab_classify: the model uses the core's walk.
 */
#ifndef SYNTH_SLAB_H
#define SYNTH_SLAB_H

#include "fake.h"

#define SL_DM		0xffff888000000000ULL	/* direct map */
#define SL_VMEMMAP	0xffffea0000000000ULL
#define SL_VMALLOC	0xffffc90000000000ULL	/* alias of pages 0-31 */
#define SL_PG		4096ULL
#define SL_NPAGES	64
#define SL_SPAGE	64			/* sizeof(struct page) */

#define SL_KV(pfn, off)	(SL_DM + (uint64_t)(pfn) * SL_PG + (off))
#define SL_PAGE(pfn)	(SL_VMEMMAP + (uint64_t)(pfn) * SL_SPAGE)

#define SL_MM_CACHEP	0xffffffff82300000ULL	/* the mm_cachep variable */
#define SL_MM_CACHE	SL_KV(0, 0x100)
#define SL_TASK_CACHE	SL_KV(0, 0x200)
#define SL_CPU_SLAB	SL_KV(0, 0x400)		/* CPU 1's at + 0x100 */
#define SL_NAMES	SL_KV(0, 0x800)
#define SL_RQ_SYM	0x1000ULL		/* runqueues (per-CPU symbol) */
#define SL_CPU0_OFF	0x200000ULL		/* __per_cpu_offset[0] */
#define SL_CPU_STRIDE	0x100ULL		/* + c * this */

#define SL_SLAB_PFN	8
#define SL_OBJ_SIZE	0x500
#define SL_FP_OFFSET	0x280
#define SL_RANDOM	0x5eed5eed12345678ULL
#define SL_OBJ(i)	SL_KV(SL_SLAB_PFN, (uint64_t)(i) * SL_OBJ_SIZE)
#define SL_OTHER_PFN	16
#define SL_PLAIN_PFN	17
#define SL_PGTY_SLAB	0xf5u

struct sl_scene {
	struct fake f;
	struct mma_target t;
	int no_struct_pages;	/* page_of answers -1 for everything */
};

/* the enumerators of the scene's debuginfo */
static const struct { const char *name; long long v; } sl_enums[] = {
	{ "PGTY_slab", SL_PGTY_SLAB },
};

static struct sl_scene *sl_cur;	/* the scene page_of answers for */

static int
sl_page_of(void *ctx, uint64_t a, uint64_t *page)
{
	(void)ctx;
	if (sl_cur->no_struct_pages)
		return -1;
	if (a >= SL_DM && a < SL_DM + SL_NPAGES * SL_PG) {
		*page = SL_PAGE((a - SL_DM) / SL_PG);
		return 0;
	}
	if (a >= SL_VMALLOC && a < SL_VMALLOC + 32 * SL_PG) {
		*page = SL_PAGE((a - SL_VMALLOC) / SL_PG);
		return 1;
	}
	return -1;
}

static int
sl_enum_value(void *ctx, const char *name, long long *v)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(sl_enums) / sizeof(sl_enums[0]); i++)
		if (!strcmp(sl_enums[i].name, name)) {
			*v = sl_enums[i].v;
			return 0;
		}
	return -1;
}

/* a freelist pointer as CONFIG_SLAB_FREELIST_HARDENED stores it */
static uint64_t
sl_encode(uint64_t next, uint64_t at)
{
	return next ^ SL_RANDOM ^ __builtin_bswap64(at);
}

static void
sl_cache(struct sl_scene *x, uint64_t kc, const char *name, uint64_t name_at)
{
	struct fake *f = &x->f;

	fk_u64(f, kc + 0, SL_CPU_SLAB - SL_CPU0_OFF);	/* __percpu */
	fk_u32(f, kc + 24, SL_OBJ_SIZE);
	fk_u32(f, kc + 28, SL_FP_OFFSET);
	fk_u32(f, kc + 32, (3u << 16) | 25);	/* order 3, 25 objects */
	fk_u64(f, kc + 40, SL_RANDOM);
	fk_u32(f, kc + 48, 0);			/* red_left_pad */
	fk_u64(f, kc + 56, name_at);
	fk_poke(f, name_at, name, strlen(name) + 1);
}

static void
sl_init(struct sl_scene *x)
{
	struct fake *f = &x->f;
	uint64_t p;

	memset(x, 0, sizeof(*x));
	fk_init(f);
	f->ncpus = 2;
	fk_region(f, SL_DM, SL_NPAGES * SL_PG);
	fk_region(f, SL_VMEMMAP, SL_NPAGES * SL_SPAGE);
	fk_region(f, SL_MM_CACHEP, 8);

	fk_struct(f, "page", SL_SPAGE);
	fk_member(f, "page", "flags", 0, 8, MMA_TC_INT);
	fk_member(f, "page", "compound_head", 8, 8, MMA_TC_INT);
	fk_member(f, "page", "page_type", 48, 4, MMA_TC_INT);
	fk_member(f, "slab", "slab_cache", 8, 8, MMA_TC_PTR);
	fk_member(f, "slab", "freelist", 32, 8, MMA_TC_PTR);
	fk_member(f, "kmem_cache", "cpu_slab", 0, 8, MMA_TC_PTR);
	fk_member(f, "kmem_cache", "size", 24, 4, MMA_TC_INT);
	fk_member(f, "kmem_cache", "offset", 28, 4, MMA_TC_INT);
	fk_member(f, "kmem_cache", "oo", 32, 4, MMA_TC_STRUCT);
	fk_member(f, "kmem_cache", "random", 40, 8, MMA_TC_INT);
	fk_member(f, "kmem_cache", "red_left_pad", 48, 4, MMA_TC_INT);
	fk_member(f, "kmem_cache", "name", 56, 8, MMA_TC_PTR);
	fk_member(f, "kmem_cache_cpu", "freelist", 0, 8, MMA_TC_PTR);
	fk_member(f, "kmem_cache_cpu", "slab", 16, 8, MMA_TC_PTR);

	f->sym[f->nsym].name = "mm_cachep";
	f->sym[f->nsym++].addr = SL_MM_CACHEP;
	f->sym[f->nsym].name = "runqueues";
	f->sym[f->nsym++].addr = SL_RQ_SYM;
	f->sym[f->nsym].name = "__kfence_pool";	/* no KFENCE */
	f->sym[f->nsym++].absent = 1;
	f->pc[f->npc].name = "runqueues";
	f->pc[f->npc].base = SL_RQ_SYM + SL_CPU0_OFF;
	f->pc[f->npc++].stride = SL_CPU_STRIDE;

	fk_u64(f, SL_MM_CACHEP, SL_MM_CACHE);
	sl_cache(x, SL_MM_CACHE, "mm_struct", SL_NAMES);
	sl_cache(x, SL_TASK_CACHE, "task_struct", SL_NAMES + 0x40);

	/* the mm_struct slab: head page and its tails */
	fk_u32(f, SL_PAGE(SL_SLAB_PFN) + 48, SL_PGTY_SLAB << 24);
	fk_u64(f, SL_PAGE(SL_SLAB_PFN) + 8, SL_MM_CACHE);
	for (p = SL_SLAB_PFN + 1; p < SL_SLAB_PFN + 8; p++)
		fk_u64(f, SL_PAGE(p) + 8, SL_PAGE(SL_SLAB_PFN) + 1);
	/* slab freelist 3 -> 5 -> NULL, hardened */
	fk_u64(f, SL_PAGE(SL_SLAB_PFN) + 32, SL_OBJ(3));
	fk_u64(f, SL_OBJ(3) + SL_FP_OFFSET,
	       sl_encode(SL_OBJ(5), SL_OBJ(3) + SL_FP_OFFSET));
	fk_u64(f, SL_OBJ(5) + SL_FP_OFFSET,
	       sl_encode(0, SL_OBJ(5) + SL_FP_OFFSET));
	/* CPU 0: this slab, lockless freelist 7; CPU 1: the task slab */
	fk_u64(f, SL_CPU_SLAB + 16, SL_PAGE(SL_SLAB_PFN));
	fk_u64(f, SL_CPU_SLAB + 0, SL_OBJ(7));
	fk_u64(f, SL_OBJ(7) + SL_FP_OFFSET,
	       sl_encode(0, SL_OBJ(7) + SL_FP_OFFSET));
	fk_u64(f, SL_CPU_SLAB + SL_CPU_STRIDE + 16, SL_PAGE(SL_OTHER_PFN));

	/* a task_struct slab page; a plain page (page_type: no type) */
	fk_u32(f, SL_PAGE(SL_OTHER_PFN) + 48, SL_PGTY_SLAB << 24);
	fk_u64(f, SL_PAGE(SL_OTHER_PFN) + 8, SL_TASK_CACHE);
	fk_u32(f, SL_PAGE(SL_PLAIN_PFN) + 48, 0xffffffffu);

	fk_target(f, &x->t, 0);
	x->t.page_of = sl_page_of;
	x->t.enum_value = sl_enum_value;
	x->t.page_size = SL_PG;
	sl_cur = x;
}

#endif /* SYNTH_SLAB_H */
