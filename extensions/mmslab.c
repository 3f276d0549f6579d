/*
 * mmslab.c - is this pointer an allocated mm_struct?  Crash's own slab
 * knowledge (vaddr_to_kmem_cache(), dump_kmem_cache_slub()) is static in
 * crash's memory.c, so this file uses what crash exports (kvtop(),
 * phys_to_page(), readmem(), enumerators) and walks SLUB itself, fast
 * enough for thousands of mms:
 *
 *  1. kvtop() + phys_to_page(): the struct page of the address, then the
 *     head page of its compound page (page.compound_head, or PG_tail +
 *     page.first_page before v4.4).
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
#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"

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

/* free-pointer decoding of CONFIG_SLAB_FREELIST_HARDENED */
enum { FP_UNDECIDED = 0, FP_SWAB, FP_PLAIN };

static struct {
	int done, ok;
	char why[160];
	/* struct page */
	long page_size, pg_flags, pg_compound_head, pg_first_page;
	long pg_page_type, pg_page_type_size;
	int slab_test, head_how;
	ulong slab_bit, tail_mask, type_base, type_slab;
	/* struct slab (struct page before v5.17) */
	long sl_cache, sl_freelist;
	/* struct kmem_cache (SLUB) */
	long kc_size, kc_size_sz, kc_offset, kc_offset_sz, kc_random;
	long kc_rlp, kc_rlp_sz, kc_name, kc_oo, kc_oo_sz, kc_cpu_slab;
	long kcc_freelist, kcc_slab;
	ulong mm_cache;
	/* of the mm_struct cache, read once */
	ulong size, offset, random, red_left_pad, objects, order;
	int fp_mode;
	/* KFENCE pool: [kfence_start, kfence_end), empty if none */
	ulong kfence_start, kfence_end;
	/* per command */
	int cpus_read;
	ulong *cpu_slab, *cpu_freelist;
} S;

static int
rd(ulong addr, void *buf, long len)
{
	return mmg_read(addr, buf, len);
}

static ulong
rd_ulong(ulong addr, int *err)
{
	return (ulong)mmg_read_uint(addr, sizeof(ulong), err);
}

static void
fail(const char *why)
{
	snprintf(S.why, sizeof(S.why), "%s", why);
	S.ok = 0;
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
slab_test_init(void)
{
	long v, base;

	S.pg_page_type = mmg_member_offset("page", "page_type");
	S.pg_page_type_size = mmg_member_size("page", "page_type");
	if (!mmg_enum("PGTY_slab", &v) && S.pg_page_type >= 0 &&
	    S.pg_page_type_size == 4) {
		S.slab_test = SLAB_TEST_PGTY;
		S.type_slab = (ulong)v;
	} else if (!mmg_enum("PG_slab", &v)) {
		if (v >= 0 && v < (long)(8 * sizeof(ulong))) {
			S.slab_test = SLAB_TEST_FLAG;
			S.slab_bit = (ulong)v;
		} else if (v >= 0x80 && S.pg_page_type >= 0 &&
			   S.pg_page_type_size == 4 &&
			   !mmg_enum("PAGE_TYPE_BASE", &base)) {
			S.slab_test = SLAB_TEST_TYPE;
			S.type_slab = (ulong)v;
			S.type_base = (ulong)base & 0xffffffffUL;
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
head_init(void)
{
	long t, c, r;

	S.pg_compound_head = mmg_member_offset("page", "compound_head");
	S.pg_first_page = mmg_member_offset("page", "first_page");
	if (S.pg_compound_head >= 0) {
		S.head_how = HEAD_COMPOUND_HEAD;
		return;
	}
	if (S.pg_first_page < 0)
		return;
	if (!mmg_enum("PG_tail", &t) && t >= 0 && t < 64)
		S.tail_mask = 1UL << t;
	else if (!mmg_enum("PG_compound", &c) && !mmg_enum("PG_reclaim", &r) &&
		 c >= 0 && c < 64 && r >= 0 && r < 64)
		S.tail_mask = (1UL << c) | (1UL << r);
	if (S.tail_mask)
		S.head_how = HEAD_FIRST_PAGE;
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
 * Kconfig allows (65535 objects).  Returns -1 when the pool's place cannot
 * be read (then nothing is classified).
 */
static int
kfence_init(void)
{
	ulong pool = 0, meta = 0, a, pg = PAGESIZE();
	long n = 0, i, esz, addr_off;
	int err = 0, tc;

	if (!symbol_exists("__kfence_pool"))
		return 0;
	tc = get_symbol_type("__kfence_pool", NULL, NULL);
	if (tc == TYPE_CODE_ARRAY) {
		pool = symbol_value("__kfence_pool");
		n = get_array_length("__kfence_pool", NULL, 0);
		if (n > 0) {
			S.kfence_start = pool;
			S.kfence_end = pool + n;
			return 0;
		}
		return -1;
	}
	pool = rd_ulong(symbol_value("__kfence_pool"), &err);
	if (err)
		return -1;
	if (!pool)
		return 0;	/* KFENCE not initialised: no objects */
	S.kfence_start = pool;
	if (symbol_exists("kfence_metadata")) {
		tc = get_symbol_type("kfence_metadata", NULL, NULL);
		if (tc == TYPE_CODE_ARRAY)
			n = get_array_length("kfence_metadata", NULL, 0);
		else if (tc == TYPE_CODE_PTR) {
			meta = rd_ulong(symbol_value("kfence_metadata"), &err);
			esz = STRUCT_SIZE("kfence_metadata");
			addr_off = mmg_member_offset("kfence_metadata", "addr");
			for (i = 0; !err && meta && esz > 0 && addr_off >= 0 &&
			     i < 65535; i++) {
				a = rd_ulong(meta + i * esz + addr_off, &err);
				if (err || (a & ~(pg - 1)) !=
				    pool + (2 * i + 2) * pg)
					break;
			}
			n = i;
		}
	}
	if (n <= 0)
		n = 65535;
	S.kfence_end = pool + (n + 1) * 2 * pg;
	return 0;
}

static void
slab_init(void)
{
	int err = 0;

	S.done = 1;
	S.ok = 1;
	S.page_size = STRUCT_SIZE("page");
	S.pg_flags = mmg_member_offset("page", "flags");
	slab_test_init();
	head_init();
	/* struct slab split from struct page in v5.17; page.slab in 2.6 */
	if ((S.sl_cache = mmg_member_offset("slab", "slab_cache")) < 0 &&
	    (S.sl_cache = mmg_member_offset("page", "slab_cache")) < 0)
		S.sl_cache = mmg_member_offset("page", "slab");
	if ((S.sl_freelist = mmg_member_offset("slab", "freelist")) < 0)
		S.sl_freelist = mmg_member_offset("page", "freelist");
	S.kc_size = mmg_member_offset("kmem_cache", "size");
	S.kc_size_sz = mmg_member_size("kmem_cache", "size");
	S.kc_offset = mmg_member_offset("kmem_cache", "offset");
	S.kc_offset_sz = mmg_member_size("kmem_cache", "offset");
	S.kc_random = mmg_member_offset("kmem_cache", "random");
	S.kc_rlp = mmg_member_offset("kmem_cache", "red_left_pad");
	S.kc_rlp_sz = mmg_member_size("kmem_cache", "red_left_pad");
	S.kc_name = mmg_member_offset("kmem_cache", "name");
	S.kc_oo = mmg_member_offset("kmem_cache", "oo");
	S.kc_oo_sz = mmg_member_size("kmem_cache", "oo");
	S.kc_cpu_slab = mmg_member_offset("kmem_cache", "cpu_slab");
	S.kcc_freelist = mmg_member_offset("kmem_cache_cpu", "freelist");
	if ((S.kcc_slab = mmg_member_offset("kmem_cache_cpu", "slab")) < 0)
		S.kcc_slab = mmg_member_offset("kmem_cache_cpu", "page");

	/*
	 * SLUB only: kmem_cache.cpu_slab (a __percpu pointer since
	 * v2.6.34; an NR_CPUS array before) and kmem_cache.oo.  CONFIG_SLAB
	 * (kmem_cache.colour_off, .array / .cpu_cache) colours objects
	 * inside the slab; SLOB has neither.
	 */
	if (S.kc_cpu_slab < 0 || S.kc_oo < 0 ||
	    MEMBER_TYPE("kmem_cache", "cpu_slab") != TYPE_CODE_PTR) {
		fail(mmg_member_offset("kmem_cache", "colour_off") >= 0 ?
		     "CONFIG_SLAB kernel: slab objects not decoded" :
		     S.kc_cpu_slab >= 0 ? "old SLUB (per-CPU slab array): "
		     "slab objects not decoded" :
		     "no SLUB kmem_cache layout (SLOB?)");
		return;
	}
	if (S.head_how == HEAD_NONE) {
		fail("cannot find the head page of compound pages");
		return;
	}
	if (!symbol_exists("mm_cachep")) {
		fail("no mm_cachep symbol");
		return;
	}
	if (rd(symbol_value("mm_cachep"), &S.mm_cache, sizeof(S.mm_cache)) ||
	    !IS_KVADDR(S.mm_cache)) {
		fail("mm_cachep unreadable");
		return;
	}
	if (S.page_size <= 0 || S.pg_flags < 0 || S.sl_cache < 0 ||
	    S.kc_size < 0 || S.kc_offset < 0 || S.sl_freelist < 0) {
		fail("struct page/slab/kmem_cache layout not found");
		return;
	}
	S.size = mmg_read_uint(S.mm_cache + S.kc_size, S.kc_size_sz, &err);
	S.offset = mmg_read_uint(S.mm_cache + S.kc_offset, S.kc_offset_sz,
				 &err);
	if (S.kc_random >= 0)
		S.random = rd_ulong(S.mm_cache + S.kc_random, &err);
	if (S.kc_rlp >= 0)
		S.red_left_pad = mmg_read_uint(S.mm_cache + S.kc_rlp,
					       S.kc_rlp_sz, &err);
	{
		/* struct kmem_cache_order_objects: order << 16 | objects */
		ulong oo = mmg_read_uint(S.mm_cache + S.kc_oo,
					 S.kc_oo_sz == 8 ? 8 : 4, &err);

		S.order = (oo >> 16) & 0xffff;
		S.objects = oo & 0xffff;
	}
	if (err || !S.size || S.size > (1UL << 22) || S.order > 10 ||
	    S.offset >= S.size || S.red_left_pad >= S.size) {
		fail("mm_struct kmem_cache unreadable");
		return;
	}
	if (kfence_init() < 0) {
		fail("KFENCE pool address unreadable");
		return;
	}
}

/**
 * mmslab_reset - forget per-command data (the per-CPU slabs)
 */
void
mmslab_reset(void)
{
	free(S.cpu_slab);
	free(S.cpu_freelist);
	S.cpu_slab = S.cpu_freelist = NULL;
	S.cpus_read = 0;
}

/**
 * mmslab_status - why slab classification is off, or NULL when it is on
 */
const char *
mmslab_status(void)
{
	if (!S.done)
		slab_init();
	return S.ok ? NULL : S.why;
}

/* the per-CPU slabs of the mm_struct cache (SLUB), read once per command */
static void
read_cpu_slabs(void)
{
	uint64_t a;
	ulong pcp;
	int c, err = 0;

	S.cpus_read = 1;
	if (S.kcc_freelist < 0 || S.kcc_slab < 0)
		return;
	pcp = rd_ulong(S.mm_cache + S.kc_cpu_slab, &err);
	if (err || !pcp)
		return;
	S.cpu_slab = calloc(kt->cpus, sizeof(ulong));
	S.cpu_freelist = calloc(kt->cpus, sizeof(ulong));
	if (!S.cpu_slab || !S.cpu_freelist) {
		mmslab_reset();
		S.cpus_read = 1;
		return;
	}
	for (c = 0; c < kt->cpus; c++) {
		err = 0;
		if (mmg_percpu_ptr(pcp, c, &a))
			err = 1;
		else {
			S.cpu_slab[c] = rd_ulong(a + S.kcc_slab, &err);
			S.cpu_freelist[c] = rd_ulong(a + S.kcc_freelist, &err);
		}
		if (err) {
			/* one unknown CPU: no object can be said allocated */
			mmslab_reset();
			S.cpus_read = 1;
			return;
		}
	}
}

/* 1 if p is the start of an object of the slab [base, base + bytes) */
static int
object_start(ulong p, ulong base, ulong bytes)
{
	return p >= base + S.red_left_pad && p - base < bytes &&
	       (p - base - S.red_left_pad) % S.size == 0;
}

/*
 * Walk one freelist of the slab at base; 1 if addr is on it, 0 if not, -1
 * if the list could not be followed (unreadable, or an element that is not
 * an object start of this slab) with free-pointer decoding mode.
 */
static int
walk_freelist(ulong p, ulong addr, ulong base, ulong bytes, int mode)
{
	ulong n, fp, stored;
	int err;

	for (n = 0; p && n < MAX_FREELIST; n++) {
		if (!object_start(p, base, bytes))
			return -1;
		if (p == addr)
			return 1;
		err = 0;
		fp = p + S.offset;
		stored = rd_ulong(fp, &err);
		if (err)
			return -1;
		if (mode == FP_SWAB)
			p = stored ^ S.random ^ __builtin_bswap64(fp);
		else if (mode == FP_PLAIN && S.kc_random >= 0)
			p = stored ^ S.random ^ fp;
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
on_freelist(ulong p, ulong addr, ulong base, ulong bytes)
{
	if (!p)
		return 0;
	if (S.kc_random < 0)
		return walk_freelist(p, addr, base, bytes, FP_PLAIN);
	if (S.fp_mode == FP_UNDECIDED) {
		/* addr 0 is never an element: walk the whole list */
		if (!walk_freelist(p, 0, base, bytes, FP_SWAB))
			S.fp_mode = FP_SWAB;
		else if (!walk_freelist(p, 0, base, bytes, FP_PLAIN))
			S.fp_mode = FP_PLAIN;
		else
			return -1;
	}
	return walk_freelist(p, addr, base, bytes, S.fp_mode);
}

/* 1 slab page, 0 not, -1 cannot tell */
static int
page_is_slab(ulong head, ulong flags)
{
	int err = 0;
	ulong pt;

	switch (S.slab_test) {
	case SLAB_TEST_FLAG:
		return (flags >> S.slab_bit) & 1;
	case SLAB_TEST_TYPE:
		pt = mmg_read_uint(head + S.pg_page_type, 4, &err);
		if (err)
			return -1;
		return (pt & (S.type_base | S.type_slab)) == S.type_base;
	case SLAB_TEST_PGTY:
		pt = mmg_read_uint(head + S.pg_page_type, 4, &err);
		if (err)
			return -1;
		return (pt >> 24) == S.type_slab;
	}
	return -1;
}

/* the head page of page (flags: page's flags); 0 if it cannot be found */
static ulong
head_page(ulong page, ulong flags)
{
	ulong v;
	int err = 0;

	switch (S.head_how) {
	case HEAD_COMPOUND_HEAD:
		v = rd_ulong(page + S.pg_compound_head, &err);
		if (err)
			return 0;
		return (v & 1) ? v - 1 : page;
	case HEAD_FIRST_PAGE:
		if ((flags & S.tail_mask) != S.tail_mask)
			return page;
		v = rd_ulong(page + S.pg_first_page, &err);
		return err ? 0 : v;
	}
	return 0;
}

/*
 * The name of cache kc into buf: 0, or -1 when it cannot be read or is
 * not a printable string.
 */
static int
cache_name(ulong kc, char *buf, size_t len)
{
	ulong name;
	size_t c;
	int err = 0;

	if (!IS_KVADDR(kc) || S.kc_name < 0 || len < 2)
		return -1;
	name = rd_ulong(kc + S.kc_name, &err);
	memset(buf, 0, len);
	if (err || !IS_KVADDR(name) || rd(name, buf, len - 1))
		return -1;
	for (c = 0; buf[c]; c++)
		if (buf[c] < 0x20 || buf[c] > 0x7e)
			return -1;
	return c ? 0 : -1;
}

/**
 * mmslab_classify - mma_target.slab_classify for crash
 * @ctx: unused
 * @addr: a pointer to classify (an mm pointer held by a task or a CPU)
 * @cache: the cache's name, when known ("mm_struct" or another cache)
 * @len: size of cache
 *
 * Returns an enum mma_slab.  MMA_SLAB_UNKNOWN whenever a fact the verdict
 * needs is missing (see the file comment).
 */
int
mmslab_classify(void *ctx, uint64_t addr, char *cache, size_t len)
{
	physaddr_t paddr;
	ulong page, head, flags, hflags, kc, base, bytes, idx, off, freelist;
	int err = 0, r, c, isslab;
	char buf[32];

	(void)ctx;
	cache[0] = '\0';
	if (!S.done)
		slab_init();
	if (!S.ok)
		return MMA_SLAB_UNKNOWN;
	if (addr >= S.kfence_start && addr < S.kfence_end)
		return MMA_SLAB_UNKNOWN;
	if (!IS_KVADDR((ulong)addr) || !kvtop(NULL, addr, &paddr, 0))
		return MMA_SLAB_UNKNOWN;
	if (!phys_to_page(paddr, &page))
		return MMA_SLAB_UNKNOWN;
	flags = rd_ulong(page + S.pg_flags, &err);
	if (err || !(head = head_page(page, flags)) || head > page ||
	    (page - head) % (ulong)S.page_size)
		return MMA_SLAB_UNKNOWN;
	hflags = head == page ? flags : rd_ulong(head + S.pg_flags, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	isslab = page_is_slab(head, hflags);
	if (isslab == 0)
		return MMA_SLAB_NOT_SLAB;	/* whatever maps the page */
	/* slab objects are used through the direct map: no arithmetic on
	 * another mapping (vmalloc alias) of a slab page */
	if (PTOV(paddr) != (ulong)addr)
		return MMA_SLAB_UNKNOWN;
	kc = rd_ulong(head + S.sl_cache, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	if (kc != S.mm_cache) {
		if (isslab != 1 || cache_name(kc, buf, sizeof(buf)))
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
		snprintf(cache, len, "%s", buf);
		return MMA_SLAB_ALLOC;	/* of another cache: the core says so */
	}
	snprintf(cache, len, "mm_struct");

	/* where the slab's objects are */
	idx = (page - head) / (ulong)S.page_size;
	base = ((ulong)addr & ~((ulong)PAGESIZE() - 1)) - idx * PAGESIZE();
	bytes = (ulong)PAGESIZE() << S.order;
	off = (ulong)addr - base;
	if (off >= bytes)
		return MMA_SLAB_UNKNOWN;	/* a slab of another order */
	if (off < S.red_left_pad || (off - S.red_left_pad) % S.size)
		return MMA_SLAB_INSIDE;
	if (S.objects && off >= S.red_left_pad + S.objects * S.size)
		return MMA_SLAB_UNKNOWN;	/* slab of another geometry */

	freelist = rd_ulong(head + S.sl_freelist, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	r = on_freelist(freelist, addr, base, bytes);
	if (r == 1)
		return MMA_SLAB_FREE;
	if (r < 0)
		return MMA_SLAB_UNKNOWN;
	if (!S.cpus_read)
		read_cpu_slabs();
	if (!S.cpu_slab)
		return MMA_SLAB_UNKNOWN;
	for (c = 0; c < kt->cpus; c++) {
		if (S.cpu_slab[c] != head)
			continue;
		r = on_freelist(S.cpu_freelist[c], addr, base, bytes);
		if (r == 1)
			return MMA_SLAB_FREE;
		if (r < 0)
			return MMA_SLAB_UNKNOWN;
	}
	return MMA_SLAB_ALLOC;
}
