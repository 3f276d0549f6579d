/*
 * test_slab.c - the core's SLUB walk (extensions/core/slab.c) on a
 * synthetic SLUB scene (synth_slab.h), through the fake target only: no
 * crash.  Allocated, free (slab freelist and a CPU's lockless freelist,
 * hardened pointers), inside, not a slab page, another cache, and the
 * unknowns; the model's choice between the target's slab_classify and
 * the core's walk (mma_model_slab()).
 */
#include <stdio.h>

#include "synth_slab.h"

static int
cls(struct mma_slabck *s, uint64_t addr, char *cache)
{
	char buf[64];

	return mma_slab_classify(s, addr, cache ? cache : buf, 64);
}

static void
t_verdicts(void)
{
	struct sl_scene x;
	struct mma_slabck s;
	char cache[64];
	int r;

	sl_init(&x);
	mma_slab_init(&s, &x.t);
	check(mma_slab_status(&s) == NULL, "walk on (SLUB layout, mm_cachep)",
	      "%s", s.why);

	r = cls(&s, SL_OBJ(1), cache);
	check(r == MMA_SLAB_ALLOC && !strcmp(cache, "mm_struct"),
	      "allocated object -> alloc mm_struct", "%s %s",
	      mma_slab_name(r), cache);
	CHECK_EQ_STR("allocated object in a tail page -> alloc",
		     mma_slab_name(cls(&s, SL_OBJ(20), NULL)), "alloc");
	CHECK_EQ_STR("first object on the hardened slab freelist -> free",
		     mma_slab_name(cls(&s, SL_OBJ(3), NULL)), "free");
	CHECK_EQ_STR("last object on the hardened slab freelist -> free",
		     mma_slab_name(cls(&s, SL_OBJ(5), NULL)), "free");
	CHECK_EQ_INT("freelist decoding decided: swab", s.fp_mode,
		     MMA_FP_SWAB);
	CHECK_EQ_STR("on CPU 0's lockless freelist -> free",
		     mma_slab_name(cls(&s, SL_OBJ(7), NULL)), "free");
	CHECK_EQ_INT("per-CPU slab of CPU 0 found through the per-CPU "
		     "offset (runqueues)", s.cpu_slab ? s.cpu_slab[0] : 0,
		     SL_PAGE(SL_SLAB_PFN));
	CHECK_EQ_STR("misaligned pointer -> inside",
		     mma_slab_name(cls(&s, SL_OBJ(1) + 8, NULL)), "inside");
	CHECK_EQ_STR("plain page -> not-slab",
		     mma_slab_name(cls(&s, SL_KV(SL_PLAIN_PFN, 0x100), NULL)),
		     "not-slab");
	r = cls(&s, SL_KV(SL_OTHER_PFN, 0x40), cache);
	check(r == MMA_SLAB_ALLOC && !strcmp(cache, "task_struct"),
	      "task_struct slab -> alloc of another cache", "%s %s",
	      mma_slab_name(r), cache);
	CHECK_EQ_STR("vmalloc alias of a slab object -> unknown",
		     mma_slab_name(cls(&s, SL_VMALLOC + SL_SLAB_PFN * SL_PG +
				       SL_OBJ_SIZE, NULL)), "unknown");
	CHECK_EQ_STR("non-slab page through another mapping -> not-slab",
		     mma_slab_name(cls(&s, SL_VMALLOC + SL_PLAIN_PFN * SL_PG,
				       NULL)), "not-slab");
	CHECK_EQ_STR("no struct page (beyond memory) -> unknown",
		     mma_slab_name(cls(&s, SL_KV(SL_NPAGES + 4, 0), NULL)),
		     "unknown");
	mma_slab_free(&s);
	fk_free(&x.f);
}

static void
t_unknowns(void)
{
	struct sl_scene x;
	struct mma_slabck s;

	/* a freelist link that decodes in no mode: never alloc */
	sl_init(&x);
	fk_u64(&x.f, SL_OBJ(3) + SL_FP_OFFSET, 0x1234);
	mma_slab_init(&s, &x.t);
	CHECK_EQ_STR("undecodable freelist -> unknown, not alloc",
		     mma_slab_name(cls(&s, SL_OBJ(1), NULL)), "unknown");
	mma_slab_free(&s);
	fk_free(&x.f);

	/* struct pages unreadable: never not-slab */
	sl_init(&x);
	x.no_struct_pages = 1;
	mma_slab_init(&s, &x.t);
	check(cls(&s, SL_KV(SL_PLAIN_PFN, 0), NULL) == MMA_SLAB_UNKNOWN &&
	      cls(&s, SL_OBJ(1), NULL) == MMA_SLAB_UNKNOWN,
	      "no struct page for any address -> unknown", "");
	mma_slab_free(&s);
	fk_free(&x.f);

	/* CPU 1's kmem_cache_cpu unreadable: no object can be allocated */
	sl_init(&x);
	x.f.pc[0].stride = 0x10000000;	/* CPU 1 outside every region */
	mma_slab_init(&s, &x.t);
	check(cls(&s, SL_OBJ(1), NULL) == MMA_SLAB_UNKNOWN &&
	      cls(&s, SL_OBJ(3), NULL) == MMA_SLAB_FREE,
	      "a CPU's slab unreadable -> allocated unknown, free still free",
	      "");
	mma_slab_free(&s);
	fk_free(&x.f);

	/* a target without page_of or page size: walk off, says why */
	sl_init(&x);
	x.t.page_of = NULL;
	mma_slab_init(&s, &x.t);
	check(mma_slab_status(&s) != NULL && cls(&s, SL_OBJ(1), NULL) ==
	      MMA_SLAB_UNKNOWN, "no page_of: walk off, unknown", "");
	x.t.page_of = sl_page_of;
	x.t.page_size = 0;
	mma_slab_init(&s, &x.t);
	check(mma_slab_status(&s) != NULL && cls(&s, SL_OBJ(1), NULL) ==
	      MMA_SLAB_UNKNOWN, "page size unknown: walk off, unknown", "");
	fk_free(&x.f);

	/* CONFIG_SLAB layout (no kmem_cache.cpu_slab): off, never inside */
	sl_init(&x);
	fk_unmember(&x.f, "kmem_cache", "cpu_slab");
	fk_member(&x.f, "kmem_cache", "colour_off", 64, 4, MMA_TC_INT);
	mma_slab_init(&s, &x.t);
	check(mma_slab_status(&s) && strstr(mma_slab_status(&s),
	      "CONFIG_SLAB") && cls(&s, SL_OBJ(1) + 8, NULL) ==
	      MMA_SLAB_UNKNOWN, "CONFIG_SLAB: walk off, never inside", "%s",
	      s.why);
	fk_free(&x.f);

	/* no PGTY_slab/PG_slab in debuginfo: never not-slab */
	sl_init(&x);
	x.t.enum_value = NULL;
	mma_slab_init(&s, &x.t);
	check(cls(&s, SL_KV(SL_PLAIN_PFN, 0), NULL) == MMA_SLAB_UNKNOWN &&
	      cls(&s, SL_OBJ(1), NULL) == MMA_SLAB_ALLOC,
	      "no slab marker in debuginfo: plain page unknown, "
	      "slab_cache == mm_cachep still decides", "");
	mma_slab_free(&s);
	fk_free(&x.f);
}

static int
own_classify(void *ctx, uint64_t addr, char *cache, size_t len)
{
	(void)ctx;
	(void)addr;
	snprintf(cache, len, "target's");
	return MMA_SLAB_INSIDE;
}

static void
t_model(void)
{
	struct sl_scene x;
	struct mma_model m;
	struct mma_layout l;
	char cache[64];
	int r;

	memset(&l, 0, sizeof(l));
	sl_init(&x);
	mma_model_init(&m, &x.t, &l);
	r = mma_model_slab(&m, SL_OBJ(3), cache, sizeof(cache));
	check(r == MMA_SLAB_FREE && !strcmp(cache, "mm_struct") && m.slab,
	      "model: target with page_of, no slab_classify -> core's walk",
	      "%s %s", mma_slab_name(r), cache);
	mma_model_free(&m);

	x.t.slab_classify = own_classify;
	mma_model_init(&m, &x.t, &l);
	r = mma_model_slab(&m, SL_OBJ(3), cache, sizeof(cache));
	check(r == MMA_SLAB_INSIDE && !strcmp(cache, "target's") && !m.slab,
	      "model: the target's slab_classify wins", "%s %s",
	      mma_slab_name(r), cache);
	mma_model_free(&m);

	x.t.slab_classify = NULL;
	x.t.page_of = NULL;
	mma_model_init(&m, &x.t, &l);
	r = mma_model_slab(&m, SL_OBJ(3), cache, sizeof(cache));
	check(r == MMA_SLAB_UNKNOWN && !cache[0],
	      "model: neither -> unknown", "%s %s", mma_slab_name(r), cache);
	mma_model_free(&m);
	fk_free(&x.f);
}

int
main(void)
{
	t_verdicts();
	t_unknowns();
	t_model();
	return t_done();
}
