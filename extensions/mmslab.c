/*
 * mmslab.c - is this pointer an allocated mm_struct?  Crash's own slab
 * knowledge (vaddr_to_kmem_cache(), dump_kmem_cache_slub()) is static in
 * crash's memory.c, so this file uses what crash exports (kvtop(),
 * phys_to_page(), readmem(), the vm_table) and walks SLUB itself, fast
 * enough for thousands of mms:
 *
 *  1. kvtop() + phys_to_page(): the struct page of the address;
 *     page.compound_head (bit 0) gives the head page of the slab.
 *  2. slab.slab_cache (page.slab_cache before struct slab) compared with
 *     the kernel's mm_cachep: equal -> an object of the mm_struct cache.
 *     Otherwise the cache's name is read to say which cache it is, or,
 *     when the page is known not to be a slab page, "not slab".
 *  3. Object start: (addr - slab base - red_left_pad) % kmem_cache.size.
 *  4. Free or allocated: walk the slab's freelist and, when the slab is
 *     some CPU's kmem_cache_cpu.slab (.page before v5.17), that CPU's
 *     lockless freelist, decoding CONFIG_SLAB_FREELIST_HARDENED pointers
 *     (ptr ^ s->random ^ swab(ptr_addr), without swab on older kernels).
 *
 * Every read is RETURN_ON_ERROR|QUIET; any doubt gives MMA_SLAB_UNKNOWN,
 * never a false "free".
 */
#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"

#define MAX_FREELIST 65536

static struct {
	int done, ok;
	char why[128];
	long page_size, pg_flags, pg_compound_head;
	long sl_cache, sl_freelist;
	long kc_size, kc_offset, kc_random, kc_red_left_pad, kc_name, kc_oo;
	long kc_cpu_slab, kcc_freelist, kcc_slab;
	ulong mm_cache;
	/* of the mm_struct cache, read once */
	ulong size, offset, random, red_left_pad, objects, order;
	/* per command */
	int cpus_read;
	ulong *cpu_slab, *cpu_freelist;
} S;

static long
moff(const char *s, const char *m)
{
	long o = MEMBER_OFFSET((char *)s, (char *)m);

	if (o < 0)
		o = ANON_MEMBER_OFFSET((char *)s, (char *)m);
	return o;
}

static int
rd(ulong addr, void *buf, long len)
{
	return readmem(addr, KVADDR, buf, len, "mmaudit slab",
		       RETURN_ON_ERROR | QUIET) ? 0 : -1;
}

static ulong
rd_ulong(ulong addr, int *err)
{
	ulong v = 0;

	if (rd(addr, &v, sizeof(v)))
		*err = 1;
	return v;
}

static ulong
rd_uint(ulong addr, int *err)
{
	uint v = 0;

	if (rd(addr, &v, sizeof(v)))
		*err = 1;
	return v;
}

static void
slab_init(void)
{
	ulong sym;
	int err = 0;

	S.done = 1;
	S.page_size = STRUCT_SIZE("page");
	S.pg_flags = moff("page", "flags");
	S.pg_compound_head = moff("page", "compound_head");
	/* struct slab split from struct page in v5.17 */
	if ((S.sl_cache = moff("slab", "slab_cache")) < 0)
		S.sl_cache = moff("page", "slab_cache");
	if ((S.sl_freelist = moff("slab", "freelist")) < 0)
		S.sl_freelist = moff("page", "freelist");
	S.kc_size = moff("kmem_cache", "size");
	S.kc_offset = moff("kmem_cache", "offset");
	S.kc_random = moff("kmem_cache", "random");
	S.kc_red_left_pad = moff("kmem_cache", "red_left_pad");
	S.kc_name = moff("kmem_cache", "name");
	S.kc_oo = moff("kmem_cache", "oo");
	S.kc_cpu_slab = moff("kmem_cache", "cpu_slab");
	S.kcc_freelist = moff("kmem_cache_cpu", "freelist");
	if ((S.kcc_slab = moff("kmem_cache_cpu", "slab")) < 0)
		S.kcc_slab = moff("kmem_cache_cpu", "page");

	if (!symbol_exists("mm_cachep")) {
		snprintf(S.why, sizeof(S.why), "no mm_cachep symbol");
		return;
	}
	sym = symbol_value("mm_cachep");
	if (rd(sym, &S.mm_cache, sizeof(S.mm_cache)) || !IS_KVADDR(S.mm_cache)) {
		snprintf(S.why, sizeof(S.why), "mm_cachep unreadable");
		return;
	}
	if (S.page_size <= 0 || S.sl_cache < 0 || S.kc_size < 0) {
		snprintf(S.why, sizeof(S.why), "struct page/slab/kmem_cache "
			 "layout not found");
		return;
	}
	S.size = rd_uint(S.mm_cache + S.kc_size, &err);
	if (S.kc_offset >= 0)
		S.offset = rd_uint(S.mm_cache + S.kc_offset, &err);
	if (S.kc_random >= 0)
		S.random = rd_ulong(S.mm_cache + S.kc_random, &err);
	if (S.kc_red_left_pad >= 0)
		S.red_left_pad = rd_uint(S.mm_cache + S.kc_red_left_pad, &err);
	if (S.kc_oo >= 0) {
		ulong oo = rd_uint(S.mm_cache + S.kc_oo, &err);

		S.order = oo >> 16;
		S.objects = oo & 0xffff;
	}
	if (err || !S.size || S.size > (1UL << 22)) {
		snprintf(S.why, sizeof(S.why), "mm_struct kmem_cache unreadable");
		return;
	}
	S.ok = 1;
}

void
mmslab_reset(void)
{
	free(S.cpu_slab);
	free(S.cpu_freelist);
	S.cpu_slab = S.cpu_freelist = NULL;
	S.cpus_read = 0;
}

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
	ulong pcp;
	int c, err = 0;

	S.cpus_read = 1;
	if (S.kc_cpu_slab < 0 || S.kcc_freelist < 0 || S.kcc_slab < 0)
		return;
	pcp = rd_ulong(S.mm_cache + S.kc_cpu_slab, &err);
	if (err)
		return;
	S.cpu_slab = calloc(kt->cpus, sizeof(ulong));
	S.cpu_freelist = calloc(kt->cpus, sizeof(ulong));
	if (!S.cpu_slab || !S.cpu_freelist)
		return;
	for (c = 0; c < kt->cpus; c++) {
		ulong a = pcp;

		if ((kt->flags & SMP) && (kt->flags & PER_CPU_OFF))
			a += kt->__per_cpu_offset[c];
		err = 0;
		S.cpu_slab[c] = rd_ulong(a + S.kcc_slab, &err);
		S.cpu_freelist[c] = rd_ulong(a + S.kcc_freelist, &err);
		if (err)
			S.cpu_slab[c] = S.cpu_freelist[c] = 0;
	}
}

static ulong
swab64(ulong x)
{
	return __builtin_bswap64(x);
}

/*
 * Walk one freelist of the slab [base, end); 1 if addr is on it, 0 if not,
 * -1 if the list could not be followed.
 */
static int
on_freelist(ulong p, ulong addr, ulong base, ulong end)
{
	ulong n, next, stored;
	int err;

	for (n = 0; p && n < MAX_FREELIST; n++) {
		if (p < base || p >= end)
			return -1;
		if (p == addr)
			return 1;
		err = 0;
		stored = rd_ulong(p + S.offset, &err);
		if (err)
			return -1;
		if (S.kc_random >= 0) {
			/* CONFIG_SLAB_FREELIST_HARDENED */
			next = stored ^ S.random ^ swab64(p + S.offset);
			if (next && (next < base || next >= end))
				next = stored ^ S.random ^ (p + S.offset);
		} else
			next = stored;
		p = next;
	}
	return p ? -1 : 0;
}

static int
page_is_slab(ulong page)
{
	ulong flags;
	int err = 0;

	if (!(vt->flags & SLAB_PAGEFLAGS) || S.pg_flags < 0)
		return -1;	/* PG_slab is a page type: not decided here */
	flags = rd_ulong(page + S.pg_flags, &err);
	if (err)
		return -1;
	return (flags >> vt->PG_slab) & 1;
}

/**
 * mmslab_classify - mma_target.slab_classify for crash
 */
int
mmslab_classify(void *ctx, uint64_t addr, char *cache, size_t len)
{
	physaddr_t paddr;
	ulong page, head, kc, base, end, slab_bytes, idx, freelist, name;
	int err = 0, r, c, isslab;
	char buf[32];

	(void)ctx;
	cache[0] = '\0';
	if (!S.done)
		slab_init();
	if (!S.ok)
		return MMA_SLAB_UNKNOWN;
	if (!kvtop(NULL, addr, &paddr, 0) || !phys_to_page(paddr, &page))
		return MMA_SLAB_UNKNOWN;
	head = page;
	if (S.pg_compound_head >= 0) {
		ulong ch = rd_ulong(page + S.pg_compound_head, &err);

		if (err)
			return MMA_SLAB_UNKNOWN;
		if (ch & 1)
			head = ch - 1;
	}
	kc = rd_ulong(head + S.sl_cache, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	isslab = page_is_slab(head);
	if (kc != S.mm_cache) {
		if (isslab == 0)
			return MMA_SLAB_NOT_SLAB;
		if (!IS_KVADDR(kc) || S.kc_name < 0)
			return isslab == 1 ? MMA_SLAB_UNKNOWN : MMA_SLAB_NOT_SLAB;
		name = rd_ulong(kc + S.kc_name, &err);
		if (err || !IS_KVADDR(name) || rd(name, buf, sizeof(buf)))
			return isslab == 1 ? MMA_SLAB_UNKNOWN : MMA_SLAB_NOT_SLAB;
		buf[sizeof(buf) - 1] = '\0';
		for (c = 0; buf[c]; c++)
			if (buf[c] < 0x20 || buf[c] > 0x7e)
				return isslab == 1 ? MMA_SLAB_UNKNOWN :
					MMA_SLAB_NOT_SLAB;
		if (!c)
			return MMA_SLAB_UNKNOWN;
		snprintf(cache, len, "%s", buf);
		return MMA_SLAB_ALLOC;	/* of another cache: the core says so */
	}
	snprintf(cache, len, "mm_struct");

	/* where the slab's objects are */
	idx = (page - head) / (ulong)S.page_size;
	base = (addr & ~((ulong)PAGESIZE() - 1)) - idx * PAGESIZE();
	slab_bytes = (ulong)PAGESIZE() << S.order;
	if (addr - base >= slab_bytes)
		return MMA_SLAB_UNKNOWN;
	if ((addr - base) < S.red_left_pad ||
	    (addr - base - S.red_left_pad) % S.size)
		return MMA_SLAB_INSIDE;
	end = base + (S.objects ? S.objects * S.size : slab_bytes);
	if (addr >= end)
		return MMA_SLAB_INSIDE;
	/* free/allocated is only decided for SLUB */
	if (S.kc_offset < 0 || S.kc_cpu_slab < 0 || S.kcc_slab < 0 ||
	    S.kcc_freelist < 0)
		return MMA_SLAB_UNKNOWN;

	freelist = 0;
	if (S.sl_freelist >= 0)
		freelist = rd_ulong(head + S.sl_freelist, &err);
	if (err)
		return MMA_SLAB_UNKNOWN;
	r = on_freelist(freelist, addr, base, end);
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
		r = on_freelist(S.cpu_freelist[c], addr, base, end);
		if (r == 1)
			return MMA_SLAB_FREE;
		if (r < 0)
			return MMA_SLAB_UNKNOWN;
	}
	return MMA_SLAB_ALLOC;
}
