/*
 * slab.c - is this pointer an allocated mm_struct?  The core walks SLUB
 * itself, through the target only (struct page of an address: page_of;
 * enumerators: enum_value; reads, member offsets, symbols, per-CPU
 * addresses), fast enough for thousands of mms:
 *
 *  1. page_of(): the struct page of the address, then the head page of
 *     its compound page (page.compound_head, or PG_tail + page.first_page
 *     before v4.4).
 *  2. Is the head a slab page?  PG_slab in page.flags, or the page type
 *     (PG_slab page type from v6.10, PGTY_slab from v6.12); when the
 *     kernel's debuginfo does not say, "not slab" is never concluded.
 *  3. slab.slab_cache (page.slab_cache before struct slab, page.slab in
 *     2.6) compared with the kernel's mm_cachep: equal -> an object of the
 *     mm_struct cache; another cache is named only on a page known to be
 *     a slab page.
 *  4. Object start: (addr - slab base - red_left_pad) % kmem_cache.size.
 *  5. Free or allocated: walk the slab's freelist and, when the slab is
 *     some CPU's kmem_cache_cpu.slab (.page before v5.17), that CPU's
 *     lockless freelist, decoding CONFIG_SLAB_FREELIST_HARDENED pointers;
 *     every element must be an object start of the slab.
 *
 * A verdict that makes a "bug" finding (FREE, INSIDE, NOT_SLAB, another
 * cache) is given only when every fact it rests on was read and decoded;
 * any doubt gives MMA_SLAB_UNKNOWN.  Never classified (always UNKNOWN):
 * kernels built with CONFIG_SLAB or CONFIG_SLOB (object placement is not
 * decoded here), KFENCE objects (own pages, placed anywhere in the page),
 * memcg per-cgroup copies of the mm_struct cache, addresses outside the
 * direct map, and anything whose struct page or slab metadata cannot be
 * read (e.g. excluded from a filtered dump).
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"

#define MAX_FREELIST 65536

/* how a slab page is recognised */
enum {
	SLAB_TEST_NONE = 0,	/* debuginfo does not say: never "not slab" */
	SLAB_TEST_FLAG,		/* PG_slab bit in page.flags */
	SLAB_TEST_TYPE,		/* PG_slab page type, PAGE_TYPE_BASE scheme */
	SLAB_TEST_PGTY,		/* page_type >> 24 == PGTY_slab */
};

/* how the head page of a compound page is found */
enum {
	HEAD_NONE = 0,
	HEAD_COMPOUND_HEAD,	/* page.compound_head, bit 0 on tail pages */
	HEAD_FIRST_PAGE,	/* tail flag(s) in page.flags, page.first_page */
};

/* per-CPU symbols whose address on CPU c, minus their own, is c's
 * per-CPU offset (2.6 kernels spell them per_cpu__NAME) */
static const char *const percpu_anchor[] = {
	"runqueues", "per_cpu__runqueues",
};

static int
rd(const struct mma_slabck *s, uint64_t addr, void *buf, size_t len)
{
	return s->t->read(s->t->ctx, addr, buf, len) ? -1 : 0;
}

/* an unsigned integer of size 1, 2, 4 or 8; *err set to 1 on failure */
static uint64_t
rd_uint(const struct mma_slabck *s, uint64_t addr, long size, int *err)
{
	unsigned char b[8];
	uint64_t v = 0;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		*err = 1;
		return 0;
	}
	if (rd(s, addr, b, (size_t)size)) {
		*err = 1;
		return 0;
	}
	switch (size) {
	case 1: v = b[0]; break;
	case 2: { uint16_t x; memcpy(&x, b, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, b, 4); v = x; break; }
	default: memcpy(&v, b, 8); break;
	}
	return v;
}

static uint64_t
rd_ulong(const struct mma_slabck *s, uint64_t addr, int *err)
{
	return rd_uint(s, addr, 8, err);
}

static long
moff(const struct mma_slabck *s, const char *type, const char *member)
{
	long o = s->t->member_offset ?
		 s->t->member_offset(s->t->ctx, type, member) : -1;

	return o < 0 || o > MMA_MAX_TYPE_SIZE ? -1 : o;
}

static long
msize(const struct mma_slabck *s, const char *type, const char *member)
{
	long n = s->t->member_size ?
		 s->t->member_size(s->t->ctx, type, member) : -1;

	return n <= 0 || n > MMA_MAX_TYPE_SIZE ? -1 : n;
}

static long
ssize(const struct mma_slabck *s, const char *type)
{
	long n = s->t->struct_size ? s->t->struct_size(s->t->ctx, type) : -1;

	return n <= 0 || n > MMA_MAX_TYPE_SIZE ? -1 : n;
}

static int
sym(const struct mma_slabck *s, const char *name, uint64_t *addr)
{
	return s->t->symbol && !s->t->symbol(s->t->ctx, name, addr) ? 0 : -1;
}

/* size of the object at a symbol, -1 unknown */
static long
symsize(const struct mma_slabck *s, const char *name)
{
	long n = s->t->symbol_size ? s->t->symbol_size(s->t->ctx, name) : -1;

	return n > 0 ? n : -1;
}

static int
enumv(const struct mma_slabck *s, const char *name, long long *v)
{
	return s->t->enum_value && !s->t->enum_value(s->t->ctx, name, v) ?
	       0 : -1;
}

static int
kvaddr(const struct mma_slabck *s, uint64_t a)
{
	return mma_kvaddr_ok(s->t, a, 0);
}

static void
fail(struct mma_slabck *s, const char *why)
{
	snprintf(s->why, sizeof(s->why), "%s", why);
	s->ok = 0;
}

/*
 * How this kernel marks slab pages.  PG_slab was a page flag until Linux
 * kernel commit 46df8e73a4a3 ("mm: free up PG_slab") (in v6.10) made it a
 * page type (enum pagetype: PG_slab is then a mask, tested as in crash's
 * page_slab(): (page_type & (PAGE_TYPE_BASE | PG_slab)) == PAGE_TYPE_BASE);
 * Linux kernel commit 4ffca5a96678 ("mm: support only one page_type per
 * page") (in v6.12) made the type the top byte: page_type >> 24 ==
 * PGTY_slab.  Decided from the enumerators in the kernel's debuginfo,
 * never from the version number.
 */
static void
slab_test_init(struct mma_slabck *s)
{
	long long v, base;

	s->pg_page_type = moff(s, "page", "page_type");
	s->pg_page_type_size = msize(s, "page", "page_type");
	if (!enumv(s, "PGTY_slab", &v) && s->pg_page_type >= 0 &&
	    s->pg_page_type_size == 4) {
		s->slab_test = SLAB_TEST_PGTY;
		s->type_slab = (uint64_t)v;
	} else if (!enumv(s, "PG_slab", &v)) {
		if (v >= 0 && v < 64) {
			s->slab_test = SLAB_TEST_FLAG;
			s->slab_bit = (uint64_t)v;
		} else if (v >= 0x80 && s->pg_page_type >= 0 &&
			   s->pg_page_type_size == 4 &&
			   !enumv(s, "PAGE_TYPE_BASE", &base)) {
			s->slab_test = SLAB_TEST_TYPE;
			s->type_slab = (uint64_t)v;
			s->type_base = (uint64_t)base & 0xffffffffULL;
		}
	}
}

/*
 * How tail pages find their head.  page.compound_head (bit 0 set on tail
 * pages) comes from Linux kernel commit 1d798ca3f164 ("mm: make
 * compound_head() robust") (in v4.4); before it a tail page had PG_tail
 * set (or, without CONFIG_PAGEFLAGS_EXTENDED, PG_compound and PG_reclaim
 * both set) and page.first_page pointing to the head.
 */
static void
head_init(struct mma_slabck *s)
{
	long long t, c, r;

	s->pg_compound_head = moff(s, "page", "compound_head");
	s->pg_first_page = moff(s, "page", "first_page");
	if (s->pg_compound_head >= 0) {
		s->head_how = HEAD_COMPOUND_HEAD;
		return;
	}
	if (s->pg_first_page < 0)
		return;
	if (!enumv(s, "PG_tail", &t) && t >= 0 && t < 64)
		s->tail_mask = 1ULL << t;
	else if (!enumv(s, "PG_compound", &c) && !enumv(s, "PG_reclaim", &r) &&
		 c >= 0 && c < 64 && r >= 0 && r < 64)
		s->tail_mask = (1ULL << c) | (1ULL << r);
	if (s->tail_mask)
		s->head_how = HEAD_FIRST_PAGE;
}

/*
 * The KFENCE pool: objects there sit anywhere in their own page (one
 * object page, one guard page), with slab.slab_cache set to the cache that
 * asked: position arithmetic does not apply, so the whole pool is UNKNOWN.
 * Its size is KFENCE_POOL_SIZE = (CONFIG_KFENCE_NUM_OBJECTS + 1) * 2 *
 * PAGE_SIZE (include/linux/kfence.h), CONFIG_KFENCE_NUM_OBJECTS read as the
 * length of the kfence_metadata array; when the array is allocated at boot
 * (a pointer), by probing its entries (object i lives in pool page
 * 2 * i + 2, kfence_init_pool()); if neither works, the largest pool
 * Kconfig allows (65535 objects).  Array or pointer is told by the size
 * of the object at the symbol (a pointer's 8 bytes; a pool or metadata
 * array is larger).  Returns -1 when the pool's place cannot be read (then
 * nothing is classified).
 */
static int
kfence_init(struct mma_slabck *s)
{
	uint64_t pool = 0, meta = 0, a, pg = s->pgsize, var, mvar;
	long n = 0, i, esz, addr_off, size;
	int err = 0;

	if (sym(s, "__kfence_pool", &var))
		return 0;
	size = symsize(s, "__kfence_pool");
	if (size > 8) {		/* char __kfence_pool[KFENCE_POOL_SIZE] */
		s->kfence_start = var;
		s->kfence_end = var + (uint64_t)size;
		return 0;
	}
	pool = rd_ulong(s, var, &err);
	if (err)
		return -1;
	if (!pool)
		return 0;	/* KFENCE not initialised: no objects */
	s->kfence_start = pool;
	if (!sym(s, "kfence_metadata", &mvar)) {
		size = symsize(s, "kfence_metadata");
		esz = ssize(s, "kfence_metadata");
		if (size > 8 && esz > 0)
			n = size / esz;
		else if (size == 8) {
			meta = rd_ulong(s, mvar, &err);
			addr_off = moff(s, "kfence_metadata", "addr");
			for (i = 0; !err && meta && esz > 0 && addr_off >= 0 &&
			     i < 65535; i++) {
				a = rd_ulong(s, meta + (uint64_t)(i * esz +
							addr_off), &err);
				if (err || (a & ~(pg - 1)) !=
				    pool + (uint64_t)(2 * i + 2) * pg)
					break;
			}
			n = i;
		}
	}
	if (n <= 0)
		n = 65535;
	s->kfence_end = pool + (uint64_t)(n + 1) * 2 * pg;
	return 0;
}

/**
 * mma_slab_init - bind s to target t; nothing is resolved before the first
 * mma_slab_status() or mma_slab_classify()
 */
void
mma_slab_init(struct mma_slabck *s, const struct mma_target *t)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
}

static void
slab_resolve(struct mma_slabck *s)
{
	const struct mma_target *t = s->t;
	uint64_t cachep, oo;
	int err = 0;

	s->done = 1;
	s->ok = 1;
	if (!t->page_of || !t->read) {
		fail(s, "the target gives no struct page of an address");
		return;
	}
	if (t->page_size <= 0 || (t->page_size & (t->page_size - 1))) {
		fail(s, "page size unknown");
		return;
	}
	s->pgsize = (uint64_t)t->page_size;
	s->ncpus = t->ncpus;
	s->page_size = ssize(s, "page");
	s->pg_flags = moff(s, "page", "flags");
	slab_test_init(s);
	head_init(s);
	/* struct slab split from struct page in v5.17; page.slab in 2.6 */
	if ((s->sl_cache = moff(s, "slab", "slab_cache")) < 0 &&
	    (s->sl_cache = moff(s, "page", "slab_cache")) < 0)
		s->sl_cache = moff(s, "page", "slab");
	if ((s->sl_freelist = moff(s, "slab", "freelist")) < 0)
		s->sl_freelist = moff(s, "page", "freelist");
	s->kc_size = moff(s, "kmem_cache", "size");
	s->kc_size_sz = msize(s, "kmem_cache", "size");
	s->kc_offset = moff(s, "kmem_cache", "offset");
	s->kc_offset_sz = msize(s, "kmem_cache", "offset");
	s->kc_random = moff(s, "kmem_cache", "random");
	s->kc_rlp = moff(s, "kmem_cache", "red_left_pad");
	s->kc_rlp_sz = msize(s, "kmem_cache", "red_left_pad");
	s->kc_name = moff(s, "kmem_cache", "name");
	s->kc_oo = moff(s, "kmem_cache", "oo");
	s->kc_oo_sz = msize(s, "kmem_cache", "oo");
	s->kc_cpu_slab = moff(s, "kmem_cache", "cpu_slab");
	s->kcc_freelist = moff(s, "kmem_cache_cpu", "freelist");
	if ((s->kcc_slab = moff(s, "kmem_cache_cpu", "slab")) < 0)
		s->kcc_slab = moff(s, "kmem_cache_cpu", "page");

	/*
	 * SLUB only: kmem_cache.cpu_slab (a __percpu pointer since
	 * v2.6.34; an NR_CPUS array before) and kmem_cache.oo.  CONFIG_SLAB
	 * (kmem_cache.colour_off, .array / .cpu_cache) colours objects
	 * inside the slab; SLOB has neither.
	 */
	if (s->kc_cpu_slab < 0 || s->kc_oo < 0 ||
	    mma_member_class(t, "kmem_cache", "cpu_slab", NULL, NULL, 0) !=
	    MMA_TC_PTR) {
		fail(s, moff(s, "kmem_cache", "colour_off") >= 0 ?
		     "CONFIG_SLAB kernel: slab objects not decoded" :
		     s->kc_cpu_slab >= 0 ? "old SLUB (per-CPU slab array): "
		     "slab objects not decoded" :
		     "no SLUB kmem_cache layout (SLOB?)");
		return;
	}
	if (s->head_how == HEAD_NONE) {
		fail(s, "cannot find the head page of compound pages");
		return;
	}
	if (sym(s, "mm_cachep", &cachep)) {
		fail(s, "no mm_cachep symbol");
		return;
	}
	if (rd(s, cachep, &s->mm_cache, sizeof(s->mm_cache)) ||
	    !kvaddr(s, s->mm_cache)) {
		fail(s, "mm_cachep unreadable");
		return;
	}
	if (s->page_size <= 0 || s->pg_flags < 0 || s->sl_cache < 0 ||
	    s->kc_size < 0 || s->kc_offset < 0 || s->sl_freelist < 0) {
		fail(s, "struct page/slab/kmem_cache layout not found");
		return;
	}
	s->size = rd_uint(s, s->mm_cache + (uint64_t)s->kc_size, s->kc_size_sz,
			  &err);
	s->offset = rd_uint(s, s->mm_cache + (uint64_t)s->kc_offset,
			    s->kc_offset_sz, &err);
	if (s->kc_random >= 0)
		s->random = rd_ulong(s, s->mm_cache + (uint64_t)s->kc_random,
				     &err);
	if (s->kc_rlp >= 0)
		s->red_left_pad = rd_uint(s, s->mm_cache + (uint64_t)s->kc_rlp,
					  s->kc_rlp_sz, &err);
	/* struct kmem_cache_order_objects: order << 16 | objects */
	oo = rd_uint(s, s->mm_cache + (uint64_t)s->kc_oo,
		     s->kc_oo_sz == 8 ? 8 : 4, &err);
	s->order = (oo >> 16) & 0xffff;
	s->objects = oo & 0xffff;
	if (err || !s->size || s->size > (1ULL << 22) || s->order > 10 ||
	    s->offset >= s->size || s->red_left_pad >= s->size) {
		fail(s, "mm_struct kmem_cache unreadable");
		return;
	}
	if (kfence_init(s) < 0) {
		fail(s, "KFENCE pool address unreadable");
		return;
	}
}

/**
 * mma_slab_reset - forget the per-CPU slabs (read again when needed)
 */
void
mma_slab_reset(struct mma_slabck *s)
{
	free(s->cpu_slab);
	free(s->cpu_freelist);
	s->cpu_slab = s->cpu_freelist = NULL;
	s->cpus_read = 0;
}

/**
 * mma_slab_free - free what s holds
 */
void
mma_slab_free(struct mma_slabck *s)
{
	mma_slab_reset(s);
}

/**
 * mma_slab_status - why slab classification is off, or NULL when it is on
 */
const char *
mma_slab_status(struct mma_slabck *s)
{
	if (!s->done)
		slab_resolve(s);
	return s->ok ? NULL : s->why;
}

/*
 * CPU c's per-CPU offset (__per_cpu_offset[c] on SMP kernels): a per-CPU
 * symbol's address on c minus the symbol's own value, so that a __percpu
 * pointer read from the dump (kmem_cache.cpu_slab) is resolved as the
 * kernel's per_cpu_ptr() does.  -1 when no anchor symbol answers.
 */
static int
percpu_offset(const struct mma_slabck *s, int c, uint64_t *off)
{
	uint64_t a, v;
	size_t i;

	if (!s->t->percpu_addr)
		return -1;
	for (i = 0; i < sizeof(percpu_anchor) / sizeof(percpu_anchor[0]);
	     i++) {
		if (sym(s, percpu_anchor[i], &v))
			continue;
		if (s->t->percpu_addr(s->t->ctx, percpu_anchor[i], c, &a))
			return -1;
		*off = a - v;
		return 0;
	}
	return -1;
}

/* the per-CPU slabs of the mm_struct cache (SLUB), read once per reset */
static void
read_cpu_slabs(struct mma_slabck *s)
{
	uint64_t pcp, off;
	int c, err = 0;

	s->cpus_read = 1;
	if (s->kcc_freelist < 0 || s->kcc_slab < 0 || s->ncpus <= 0)
		return;
	pcp = rd_ulong(s, s->mm_cache + (uint64_t)s->kc_cpu_slab, &err);
	if (err || !pcp)
		return;
	s->cpu_slab = calloc((size_t)s->ncpus, sizeof(uint64_t));
	s->cpu_freelist = calloc((size_t)s->ncpus, sizeof(uint64_t));
	if (!s->cpu_slab || !s->cpu_freelist) {
		mma_slab_reset(s);
		s->cpus_read = 1;
		return;
	}
	for (c = 0; c < s->ncpus; c++) {
		err = 0;
		if (percpu_offset(s, c, &off))
			err = 1;
		else {
			s->cpu_slab[c] = rd_ulong(s, pcp + off +
						  (uint64_t)s->kcc_slab, &err);
			s->cpu_freelist[c] = rd_ulong(s, pcp + off +
						      (uint64_t)s->kcc_freelist,
						      &err);
		}
		if (err) {
			/* one unknown CPU: no object can be said allocated */
			mma_slab_reset(s);
			s->cpus_read = 1;
			return;
		}
	}
}

/* 1 if p is the start of an object of the slab [base, base + bytes) */
static int
object_start(const struct mma_slabck *s, uint64_t p, uint64_t base,
	     uint64_t bytes)
{
	return p >= base + s->red_left_pad && p - base < bytes &&
	       (p - base - s->red_left_pad) % s->size == 0;
}

/*
 * Walk one freelist of the slab at base; 1 if addr is on it, 0 if not, -1
 * if the list could not be followed (unreadable, or an element that is not
 * an object start of this slab) with free-pointer decoding mode.
 */
static int
walk_freelist(const struct mma_slabck *s, uint64_t p, uint64_t addr,
	      uint64_t base, uint64_t bytes, int mode)
{
	uint64_t n, fp, stored;
	int err;

	for (n = 0; p && n < MAX_FREELIST; n++) {
		if (!object_start(s, p, base, bytes))
			return -1;
		if (p == addr)
			return 1;
		err = 0;
		fp = p + s->offset;
		stored = rd_ulong(s, fp, &err);
		if (err)
			return -1;
		if (mode == MMA_FP_SWAB)
			p = stored ^ s->random ^ __builtin_bswap64(fp);
		else if (mode == MMA_FP_PLAIN && s->kc_random >= 0)
			p = stored ^ s->random ^ fp;
		else
			p = stored;
	}
	return p ? -1 : 0;
}

/*
 * CONFIG_SLAB_FREELIST_HARDENED (kmem_cache.random exists) stores
 * ptr ^ s->random ^ swab(ptr_addr), or ptr ^ s->random ^ ptr_addr in
 * older kernels.  The mode is not guessed from the version: the first
 * non-empty list that decodes wholly (terminator included) into object
 * starts of its slab decides it; a wrong mode turns the terminating NULL
 * into a random value, which is not an object start.
 */
static int
on_freelist(struct mma_slabck *s, uint64_t p, uint64_t addr, uint64_t base,
	    uint64_t bytes)
{
	if (!p)
		return 0;
	if (s->kc_random < 0)
		return walk_freelist(s, p, addr, base, bytes, MMA_FP_PLAIN);
	if (s->fp_mode == MMA_FP_UNDECIDED) {
		/* addr 0 is never an element: walk the whole list */
		if (!walk_freelist(s, p, 0, base, bytes, MMA_FP_SWAB))
			s->fp_mode = MMA_FP_SWAB;
		else if (!walk_freelist(s, p, 0, base, bytes, MMA_FP_PLAIN))
			s->fp_mode = MMA_FP_PLAIN;
		else
			return -1;
	}
	return walk_freelist(s, p, addr, base, bytes, s->fp_mode);
}

/* 1 slab page, 0 not, -1 cannot tell */
static int
page_is_slab(const struct mma_slabck *s, uint64_t head, uint64_t flags)
{
	int err = 0;
	uint64_t pt;

	switch (s->slab_test) {
	case SLAB_TEST_FLAG:
		return (flags >> s->slab_bit) & 1;
	case SLAB_TEST_TYPE:
		pt = rd_uint(s, head + (uint64_t)s->pg_page_type, 4, &err);
		if (err)
			return -1;
		return (pt & (s->type_base | s->type_slab)) == s->type_base;
	case SLAB_TEST_PGTY:
		pt = rd_uint(s, head + (uint64_t)s->pg_page_type, 4, &err);
		if (err)
			return -1;
		return (pt >> 24) == s->type_slab;
	}
	return -1;
}

/* the head page of page (flags: page's flags); 0 if it cannot be found */
static uint64_t
head_page(const struct mma_slabck *s, uint64_t page, uint64_t flags)
{
	uint64_t v;
	int err = 0;

	switch (s->head_how) {
	case HEAD_COMPOUND_HEAD:
		v = rd_ulong(s, page + (uint64_t)s->pg_compound_head, &err);
		if (err)
			return 0;
		return (v & 1) ? v - 1 : page;
	case HEAD_FIRST_PAGE:
		if ((flags & s->tail_mask) != s->tail_mask)
			return page;
		v = rd_ulong(s, page + (uint64_t)s->pg_first_page, &err);
		return err ? 0 : v;
	}
	return 0;
}

/*
 * The name of cache kc into buf: 0, or -1 when it cannot be read or is
 * not a printable string.
 */
static int
cache_name(const struct mma_slabck *s, uint64_t kc, char *buf, size_t len)
{
	uint64_t name;
	size_t c;
	int err = 0;

	if (!kvaddr(s, kc) || s->kc_name < 0 || len < 2)
		return -1;
	name = rd_ulong(s, kc + (uint64_t)s->kc_name, &err);
	memset(buf, 0, len);
	if (err || !kvaddr(s, name) || rd(s, name, buf, len - 1))
		return -1;
	for (c = 0; buf[c]; c++)
		if (buf[c] < 0x20 || buf[c] > 0x7e)
			return -1;
	return c ? 0 : -1;
}

/**
 * mma_slab_classify - is addr an allocated mm_struct slab object?
 * @s: the walk's state (bound to a target with mma_slab_init())
 * @addr: a pointer to classify (an mm pointer held by a task or a CPU)
 * @cache: the cache's name, when known ("mm_struct" or another cache)
 * @len: size of cache
 *
 * Returns an enum mma_slab.  MMA_SLAB_UNKNOWN whenever a fact the verdict
 * needs is missing (see the file comment).
 */
int
mma_slab_classify(struct mma_slabck *s, uint64_t addr, char *cache,
		  size_t len)
{
	uint64_t page, head, flags, hflags, kc, base, bytes, idx, off, freelist;
	uint64_t spage;
	int err = 0, r, c, isslab, direct;
	char buf[32];

	if (len)
		cache[0] = '\0';
	if (!s->done)
		slab_resolve(s);
	if (!s->ok)
		return MMA_SLAB_UNKNOWN;
	if (addr >= s->kfence_start && addr < s->kfence_end)
		return MMA_SLAB_UNKNOWN;
	if (!kvaddr(s, addr))
		return MMA_SLAB_UNKNOWN;
	direct = s->t->page_of(s->t->ctx, addr, &page);
	if (direct < 0)
		return MMA_SLAB_UNKNOWN;
	spage = (uint64_t)s->page_size;
	flags = rd_ulong(s, page + (uint64_t)s->pg_flags, &err);
	if (err || !(head = head_page(s, page, flags)) || head > page ||
	    (page - head) % spage)
		return MMA_SLAB_UNKNOWN;
	hflags = head == page ? flags :
		 rd_ulong(s, head + (uint64_t)s->pg_flags, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	isslab = page_is_slab(s, head, hflags);
	if (isslab == 0)
		return MMA_SLAB_NOT_SLAB;	/* whatever maps the page */
	/* slab objects are used through the direct map: no arithmetic on
	 * another mapping (vmalloc alias) of a slab page */
	if (direct != 0)
		return MMA_SLAB_UNKNOWN;
	kc = rd_ulong(s, head + (uint64_t)s->sl_cache, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	if (kc != s->mm_cache) {
		if (isslab != 1 || cache_name(s, kc, buf, sizeof(buf)))
			return MMA_SLAB_UNKNOWN;
		/*
		 * "mm_struct(7:foo)": a memcg copy of the mm_struct cache.
		 * Until Linux kernel commit 9855609bde03 ("mm: memcg/slab:
		 * use a single set of kmem_caches for all accounted
		 * allocations") (in v5.9) each cgroup got its own copy of a
		 * SLAB_ACCOUNT cache, with its own random: not decoded.
		 */
		if (!strncmp(buf, "mm_struct", 9))
			return MMA_SLAB_UNKNOWN;
		if (len)
			snprintf(cache, len, "%s", buf);
		return MMA_SLAB_ALLOC;	/* of another cache: the core says so */
	}
	if (len)
		snprintf(cache, len, "mm_struct");

	/* where the slab's objects are */
	idx = (page - head) / spage;
	base = (addr & ~(s->pgsize - 1)) - idx * s->pgsize;
	bytes = s->pgsize << s->order;
	off = addr - base;
	if (off >= bytes)
		return MMA_SLAB_UNKNOWN;	/* a slab of another order */
	if (off < s->red_left_pad || (off - s->red_left_pad) % s->size)
		return MMA_SLAB_INSIDE;
	if (s->objects && off >= s->red_left_pad + s->objects * s->size)
		return MMA_SLAB_UNKNOWN;	/* slab of another geometry */

	freelist = rd_ulong(s, head + (uint64_t)s->sl_freelist, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	r = on_freelist(s, freelist, addr, base, bytes);
	if (r == 1)
		return MMA_SLAB_FREE;
	if (r < 0)
		return MMA_SLAB_UNKNOWN;
	if (!s->cpus_read)
		read_cpu_slabs(s);
	if (!s->cpu_slab)
		return MMA_SLAB_UNKNOWN;
	for (c = 0; c < s->ncpus; c++) {
		if (s->cpu_slab[c] != head)
			continue;
		r = on_freelist(s, s->cpu_freelist[c], addr, base, bytes);
		if (r == 1)
			return MMA_SLAB_FREE;
		if (r < 0)
			return MMA_SLAB_UNKNOWN;
	}
	return MMA_SLAB_ALLOC;
}
