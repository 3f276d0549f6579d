/*
 * test_mmslab.c - unit tests of the crash glue's slab classifier
 * (extensions/mmslab.c) and dump-state helper (extensions/mmglue.c) on
 * kernels that cannot be booted here: CONFIG_SLAB, SLOB, SLUB before v4.4
 * (PG_tail + page.first_page instead of page.compound_head), the v6.10
 * page-type PG_slab, KFENCE pools, kernels whose debuginfo does not say
 * how slab pages are marked; plus the layouts of the real test kernels.
 *
 * The two glue files are compiled in (for their static state) against
 * crash's real defs.h; the crash functions they call are replaced by a
 * small fake crash below: a type table (datatype_info()), symbols,
 * enumerators, and a fake kernel memory (direct map + vmemmap) with
 * per-page exclusion.  Build (tests/slab.py does it):
 *
 *   gcc -DX86_64 -DGDB_10_2 -Itests/glue/shim -I$CRASH_SRC -Iextensions \
 *       -Iextensions/core \
 *       -o build/test_mmslab tests/glue/test_mmslab.c
 *
 * Output: "ok - ..." / "not ok - ..." lines, exit status 1 on a failure.
 */
#include "../../extensions/mmglue.c"
#include "../../extensions/mmslab.c"

/* ------------------------------------------------------------------ */
/* fake crash                                                          */
/* ------------------------------------------------------------------ */

#define KVBASE		0xffff888000000000UL
#define FAKE_VMEMMAP	0xffffea0000000000UL
#define VMALLOC		0xffffc90000000000UL
#define PG		4096UL
#define NPAGES		64
#define SPAGE		64	/* sizeof(struct page) */

static unsigned char physmem[NPAGES * PG];
static unsigned char memmap[NPAGES * SPAGE];
static int excluded_phys[NPAGES];	/* 1: page not in the dump */
static int excluded_memmap;		/* 1: the whole vmemmap excluded */

struct kernel_table kernel_table, *kt = &kernel_table;
struct vm_table vm_table, *vt = &vm_table;	/* no SPARSEMEM_EX flag */
struct program_context program_context, *pc = &program_context;
static struct machdep_table md;
struct machdep_table *machdep = &md;
static ulong ddflags;
ulong *diskdump_flags = &ddflags;

struct ftype {
	const char *s, *m;	/* m NULL: the struct's size */
	long off, size, tc;
};
static const struct ftype *types;

struct fsym {
	const char *name;
	ulong value;
	int tc;			/* TYPE_CODE_PTR / TYPE_CODE_ARRAY */
	int len;		/* array length */
};
static struct fsym syms[8];
static int nsyms;

struct fenum {
	const char *name;
	long v;
};
static const struct fenum *enums;

long
datatype_info(char *s, char *m, struct datatype_member *dm)
{
	const struct ftype *t;

	for (t = types; t && t->s; t++) {
		if (strcmp(t->s, s))
			continue;
		if (dm == STRUCT_SIZE_REQUEST) {
			if (!t->m)
				return t->size;
			continue;
		}
		if (!t->m || !m || strcmp(t->m, m))
			continue;
		if (dm == MEMBER_SIZE_REQUEST || dm == ANON_MEMBER_SIZE_REQUEST)
			return t->size;
		if (dm == MEMBER_TYPE_REQUEST)
			return t->tc;
		if (dm == MEMBER_TYPE_NAME_REQUEST)
			return 0;	/* no type name */
		return t->off;
	}
	return -1;
}

int
enumerator_value(char *name, long *v)
{
	const struct fenum *e;

	for (e = enums; e && e->name; e++)
		if (!strcmp(e->name, name)) {
			*v = e->v;
			return TRUE;
		}
	return FALSE;
}

static struct fsym *
sym(const char *name)
{
	int i;

	for (i = 0; i < nsyms; i++)
		if (!strcmp(syms[i].name, name))
			return &syms[i];
	return NULL;
}

int
symbol_exists(char *name)
{
	return sym(name) != NULL;
}

ulong
symbol_value(char *name)
{
	struct fsym *s = sym(name);

	return s ? s->value : 0;
}

/*
 * The symbol's type code, and its size in req->length: a pointer's 8
 * bytes, or len elements of the struct of the same name (kfence_metadata)
 * or of chars (__kfence_pool).
 */
int
get_symbol_type(char *name, char *member, struct gnu_request *req)
{
	struct fsym *s = sym(name);
	long esz;

	(void)member;
	if (!s)
		return TYPE_CODE_UNDEF;
	if (req) {
		esz = datatype_info(name, NULL, STRUCT_SIZE_REQUEST);
		req->length = s->tc == TYPE_CODE_ARRAY ?
			      s->len * (esz > 0 ? esz : 1) : 8;
	}
	return s->tc;
}

/* what the target's other callbacks (mmglue.c) need from crash */
void
gdb_interface(struct gnu_request *req)
{
	req->flags |= GNU_COMMAND_FAILED;
}

int
get_kernel_config(char *name, char **val)
{
	(void)name;
	(void)val;
	return IKCONFIG_N;
}

char *
getbuf(long n)
{
	return calloc(1, (size_t)n);
}

void
freebuf(char *p)
{
	free(p);
}

int
get_array_length(char *name, int *two_dim, long entry_size)
{
	struct fsym *s = sym(name);

	(void)two_dim;
	(void)entry_size;
	return s && s->tc == TYPE_CODE_ARRAY ? s->len : 0;
}

static struct syment percpu_sym;

struct syment *
per_cpu_symbol_search(char *name)
{
	if (strcmp(name, "runqueues") && strcmp(name, "per_cpu__runqueues"))
		return NULL;
	percpu_sym.value = 0x1000;
	return &percpu_sym;
}

/* kernel address -> host pointer, NULL if not readable */
static unsigned char *
host(ulong a, long len)
{
	if (a >= KVBASE && a + len <= KVBASE + sizeof(physmem)) {
		ulong pfn = (a - KVBASE) / PG;

		if (excluded_phys[pfn] || (a + len - 1 - KVBASE) / PG != pfn)
			return NULL;
		return physmem + (a - KVBASE);
	}
	if (a >= FAKE_VMEMMAP && a + len <= FAKE_VMEMMAP + sizeof(memmap))
		return excluded_memmap ? NULL : memmap + (a - FAKE_VMEMMAP);
	return NULL;
}

int
readmem(ulonglong addr, int memtype, void *buf, long size, char *type,
	ulong error_handle)
{
	unsigned char *p = host(addr, size);

	(void)memtype;
	(void)type;
	(void)error_handle;
	if (!p)
		return FALSE;
	memcpy(buf, p, size);
	return TRUE;
}

int
kvtop(struct task_context *tc, ulong va, physaddr_t *pa, int verbose)
{
	(void)tc;
	(void)verbose;
	if (va >= KVBASE && va < KVBASE + 0x100000000UL) {
		*pa = va - KVBASE;
		return TRUE;
	}
	/* another mapping (vmalloc, kernel image) of the first pages */
	if (va >= VMALLOC && va < VMALLOC + 32 * PG) {
		*pa = va - VMALLOC;
		return TRUE;
	}
	return FALSE;
}

int
phys_to_page(physaddr_t pa, ulong *page)
{
	if (pa >= NPAGES * PG)
		return FALSE;
	*page = FAKE_VMEMMAP + (pa / PG) * SPAGE;
	return TRUE;
}

static int
fake_is_kvaddr(ulong a)
{
	return a >= 0xffff800000000000UL;
}

/* pc->readmem: what a dump reader answers for one physical page */
static int reader_answer;

static int
fake_reader(int fd, void *buf, int cnt, ulong va, physaddr_t pa)
{
	(void)fd;
	(void)va;
	(void)pa;
	if (*diskdump_flags & ZERO_EXCLUDED) {
		memset(buf, 0, cnt);
		return cnt;
	}
	if (reader_answer == 1)
		return cnt;
	return reader_answer;
}

/* ------------------------------------------------------------------ */
/* the fake kernel                                                     */
/* ------------------------------------------------------------------ */

static int failures, count;

static void
check(int cond, const char *name)
{
	count++;
	if (!cond)
		failures++;
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
}

static void
wr(ulong kva, ulong v, int size)
{
	unsigned char *p = (kva >= FAKE_VMEMMAP) ? memmap + (kva - FAKE_VMEMMAP) :
					       physmem + (kva - KVBASE);

	memcpy(p, &v, size);
}

static ulong
kv(ulong pfn, ulong off)
{
	return KVBASE + pfn * PG + off;
}

static ulong
pagep(ulong pfn)
{
	return FAKE_VMEMMAP + pfn * SPAGE;
}

/* kernel data in page 0 */
#define MM_CACHEP	kv(0, 0x000)
#define KFENCE_POOL_VAR	kv(0, 0x008)
#define KFENCE_META_VAR	kv(0, 0x010)
#define MM_CACHE	kv(0, 0x100)
#define TASK_CACHE	kv(0, 0x200)
#define MEMCG_CACHE	kv(0, 0x300)
#define CPU_SLAB	kv(0, 0x400)	/* cpu 1 at + 0x100 */
#define NAMES		kv(0, 0x800)

/* the mm_struct slab: order 3, pages 8-15, objects of 0x500 bytes */
#define SLAB_PFN	8
#define OBJ_SIZE	0x500
#define FP_OFFSET	0x280
#define RANDOM		0x5eed5eed12345678UL
#define OBJ(i)		kv(SLAB_PFN, (ulong)(i) * OBJ_SIZE)
#define OTHER_PFN	16	/* a task_struct slab page */
#define PLAIN_PFN	17	/* not a slab page */
#define MEMCG_PFN	18	/* slab page of the memcg copy */
#define POOL_PFN	32	/* KFENCE pool: 3 objects, 8 pages */
#define META_PFN	40	/* kfence_metadata (boot-allocated) */

/* struct page / slab / kmem_cache members, per era */

static const struct ftype slub_modern[] = {	/* v6.12-like */
	{ "page", NULL, 0, SPAGE, 0 },
	{ "page", "flags", 0, 8, TYPE_CODE_INT },
	{ "page", "compound_head", 8, 8, TYPE_CODE_INT },
	{ "page", "page_type", 48, 4, TYPE_CODE_INT },
	{ "slab", "slab_cache", 8, 8, TYPE_CODE_PTR },
	{ "slab", "freelist", 32, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "cpu_slab", 0, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "size", 24, 4, TYPE_CODE_INT },
	{ "kmem_cache", "offset", 28, 4, TYPE_CODE_INT },
	{ "kmem_cache", "oo", 32, 4, TYPE_CODE_STRUCT },
	{ "kmem_cache", "random", 40, 8, TYPE_CODE_INT },
	{ "kmem_cache", "red_left_pad", 48, 4, TYPE_CODE_INT },
	{ "kmem_cache", "name", 56, 8, TYPE_CODE_PTR },
	{ "kmem_cache_cpu", "freelist", 0, 8, TYPE_CODE_PTR },
	{ "kmem_cache_cpu", "slab", 16, 8, TYPE_CODE_PTR },
	{ "kfence_metadata", NULL, 0, 64, 0 },
	{ "kfence_metadata", "addr", 8, 8, TYPE_CODE_INT },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct ftype slub_pre44[] = {	/* v4.3-like */
	{ "page", NULL, 0, SPAGE, 0 },
	{ "page", "flags", 0, 8, TYPE_CODE_INT },
	{ "page", "freelist", 16, 8, TYPE_CODE_PTR },
	{ "page", "first_page", 40, 8, TYPE_CODE_PTR },
	{ "page", "slab_cache", 48, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "cpu_slab", 0, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "size", 24, 4, TYPE_CODE_INT },
	{ "kmem_cache", "offset", 28, 4, TYPE_CODE_INT },
	{ "kmem_cache", "oo", 32, 4, TYPE_CODE_STRUCT },
	{ "kmem_cache", "name", 56, 8, TYPE_CODE_PTR },
	{ "kmem_cache_cpu", "freelist", 0, 8, TYPE_CODE_PTR },
	{ "kmem_cache_cpu", "page", 16, 8, TYPE_CODE_PTR },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct ftype slab_kernel[] = {	/* CONFIG_SLAB, v4.19-like */
	{ "page", NULL, 0, SPAGE, 0 },
	{ "page", "flags", 0, 8, TYPE_CODE_INT },
	{ "page", "compound_head", 8, 8, TYPE_CODE_INT },
	{ "page", "slab_cache", 24, 8, TYPE_CODE_PTR },
	{ "page", "freelist", 16, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "cpu_cache", 0, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "size", 24, 4, TYPE_CODE_INT },
	{ "kmem_cache", "colour_off", 28, 4, TYPE_CODE_INT },
	{ "kmem_cache", "name", 56, 8, TYPE_CODE_PTR },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct ftype slob_kernel[] = {
	{ "page", NULL, 0, SPAGE, 0 },
	{ "page", "flags", 0, 8, TYPE_CODE_INT },
	{ "page", "compound_head", 8, 8, TYPE_CODE_INT },
	{ "kmem_cache", "size", 0, 4, TYPE_CODE_INT },
	{ "kmem_cache", "name", 16, 8, TYPE_CODE_PTR },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct ftype slub_cpu_array[] = {	/* v2.6.2x: cpu_slab[NR_CPUS] */
	{ "page", NULL, 0, SPAGE, 0 },
	{ "page", "flags", 0, 8, TYPE_CODE_INT },
	{ "page", "first_page", 40, 8, TYPE_CODE_PTR },
	{ "page", "slab", 48, 8, TYPE_CODE_PTR },
	{ "page", "freelist", 16, 8, TYPE_CODE_PTR },
	{ "kmem_cache", "cpu_slab", 64, 8 * 64, TYPE_CODE_ARRAY },
	{ "kmem_cache", "size", 24, 4, TYPE_CODE_INT },
	{ "kmem_cache", "offset", 28, 4, TYPE_CODE_INT },
	{ "kmem_cache", "oo", 32, 4, TYPE_CODE_STRUCT },
	{ "kmem_cache", "name", 56, 8, TYPE_CODE_PTR },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct fenum e_pgty[] = {		/* v6.12 */
	{ "PGTY_slab", 0xf5 }, { NULL, 0 } };
static const struct fenum e_pagetype[] = {	/* v6.10: PG_slab a type */
	{ "PG_slab", 0x00100000 }, { "PAGE_TYPE_BASE", 0xf0000000L },
	{ NULL, 0 } };
static const struct fenum e_flag[] = {		/* up to v6.9 */
	{ "PG_slab", 7 }, { NULL, 0 } };
static const struct fenum e_pre44_tail[] = {
	{ "PG_slab", 7 }, { "PG_tail", 15 }, { NULL, 0 } };
static const struct fenum e_pre44_compound[] = {
	{ "PG_slab", 7 }, { "PG_compound", 14 }, { "PG_reclaim", 17 },
	{ NULL, 0 } };
static const struct fenum e_none[] = { { NULL, 0 } };

enum { MARK_PGTY, MARK_TYPE, MARK_FLAG };

static ulong
encode(ulong next, ulong at)
{
	return next ^ RANDOM ^ __builtin_bswap64(at);
}

static void
add_sym(const char *name, ulong value, int tc, int len)
{
	syms[nsyms].name = name;
	syms[nsyms].value = value;
	syms[nsyms].tc = tc;
	syms[nsyms].len = len;
	nsyms++;
}

/* write a kmem_cache (modern offsets) */
static void
write_cache(ulong kc, const char *name, ulong name_at, int cpu_slab)
{
	wr(kc + 0, cpu_slab ? CPU_SLAB - 0 : 0, 8);
	wr(kc + 24, OBJ_SIZE, 4);
	wr(kc + 28, FP_OFFSET, 4);
	wr(kc + 32, (3UL << 16) | 25, 4);	/* order 3, 25 objects */
	wr(kc + 40, RANDOM, 8);
	wr(kc + 48, 0, 4);
	wr(kc + 56, name_at, 8);
	memcpy(physmem + (name_at - KVBASE), name, strlen(name) + 1);
}

static void
mark_slab(ulong pfn, int how, ulong slab_flag_bit)
{
	switch (how) {
	case MARK_PGTY: wr(pagep(pfn) + 48, 0xf5000000UL, 4); break;
	case MARK_TYPE: wr(pagep(pfn) + 48, 0xffffffffUL & ~0x00100000UL, 4);
		break;
	case MARK_FLAG: wr(pagep(pfn), 1UL << slab_flag_bit, 8); break;
	}
}

/*
 * A kernel of the modern SLUB shape: mm slab (pages 8-15), freelist
 * 3 -> 5 (hardened, swab), CPU 0's slab with lockless freelist 7, CPU 1
 * elsewhere; a task_struct slab page, a plain page, a memcg copy page.
 */
static void
build_modern(int how, const struct fenum *e)
{
	ulong p;

	memset(physmem, 0, sizeof(physmem));
	memset(memmap, 0, sizeof(memmap));
	memset(excluded_phys, 0, sizeof(excluded_phys));
	excluded_memmap = 0;
	mmslab_reset();
	memset(&S, 0, sizeof(S));
	nsyms = 0;
	types = slub_modern;
	enums = e;

	add_sym("mm_cachep", MM_CACHEP, TYPE_CODE_PTR, 0);
	add_sym("runqueues", 0x1000, TYPE_CODE_STRUCT, 0);
	wr(MM_CACHEP, MM_CACHE, 8);
	write_cache(MM_CACHE, "mm_struct", NAMES, 1);
	write_cache(TASK_CACHE, "task_struct", NAMES + 0x40, 1);
	write_cache(MEMCG_CACHE, "mm_struct(3:user.slice)", NAMES + 0x80, 1);

	/* head page and tails */
	mark_slab(SLAB_PFN, how, 7);
	wr(pagep(SLAB_PFN) + 8, MM_CACHE, 8);	/* slab_cache */
	for (p = SLAB_PFN + 1; p < SLAB_PFN + 8; p++)
		wr(pagep(p) + 8, pagep(SLAB_PFN) + 1, 8);
	/* slab freelist: 3 -> 5 -> NULL */
	wr(pagep(SLAB_PFN) + 32, OBJ(3), 8);
	wr(OBJ(3) + FP_OFFSET, encode(OBJ(5), OBJ(3) + FP_OFFSET), 8);
	wr(OBJ(5) + FP_OFFSET, encode(0, OBJ(5) + FP_OFFSET), 8);
	/* CPU 0: this slab, lockless freelist 7 -> NULL; CPU 1: elsewhere */
	wr(CPU_SLAB + 16, pagep(SLAB_PFN), 8);
	wr(CPU_SLAB + 0, OBJ(7), 8);
	wr(OBJ(7) + FP_OFFSET, encode(0, OBJ(7) + FP_OFFSET), 8);
	wr(CPU_SLAB + 0x100 + 16, pagep(OTHER_PFN), 8);

	mark_slab(OTHER_PFN, how, 7);
	wr(pagep(OTHER_PFN) + 8, TASK_CACHE, 8);
	mark_slab(MEMCG_PFN, how, 7);
	wr(pagep(MEMCG_PFN) + 8, MEMCG_CACHE, 8);
	/* the plain page: a page-cache page, mapping at +24 */
	wr(pagep(PLAIN_PFN) + 48, how == MARK_PGTY ? 0xffffffffUL :
	   0xffffffffUL, 4);
	wr(pagep(PLAIN_PFN) + 8, pagep(PLAIN_PFN) + 8, 8);	/* lru */
}

static int
classify(ulong addr, char *cache)
{
	char buf[64];

	mmslab_reset();
	return mmslab_classify(NULL, addr, cache ? cache : buf, 64);
}

static void
t_modern(int how, const struct fenum *e, const char *era)
{
	char name[200], cache[64];
	int r;

	build_modern(how, e);
	snprintf(name, sizeof(name), "%s: classifier on", era);
	check(mmslab_status() == NULL, name);

	r = classify(OBJ(1), cache);
	snprintf(name, sizeof(name), "%s: allocated object -> alloc mm_struct",
		 era);
	check(r == MMA_SLAB_ALLOC && !strcmp(cache, "mm_struct"), name);
	r = classify(OBJ(20), cache);
	snprintf(name, sizeof(name), "%s: allocated object in a tail page "
		 "-> alloc", era);
	check(r == MMA_SLAB_ALLOC, name);
	snprintf(name, sizeof(name), "%s: on the slab freelist -> free", era);
	check(classify(OBJ(3), NULL) == MMA_SLAB_FREE &&
	      classify(OBJ(5), NULL) == MMA_SLAB_FREE, name);
	snprintf(name, sizeof(name), "%s: on CPU 0's lockless freelist -> "
		 "free", era);
	check(classify(OBJ(7), NULL) == MMA_SLAB_FREE, name);
	snprintf(name, sizeof(name), "%s: misaligned -> inside", era);
	check(classify(OBJ(1) + 8, NULL) == MMA_SLAB_INSIDE, name);
	snprintf(name, sizeof(name), "%s: plain page -> not-slab", era);
	check(classify(kv(PLAIN_PFN, 0x100), NULL) == MMA_SLAB_NOT_SLAB,
	      name);
	r = classify(kv(OTHER_PFN, 0x40), cache);
	snprintf(name, sizeof(name), "%s: task_struct slab -> alloc of "
		 "another cache", era);
	check(r == MMA_SLAB_ALLOC && !strcmp(cache, "task_struct"), name);
	snprintf(name, sizeof(name), "%s: memcg copy \"mm_struct(3:...)\" -> "
		 "unknown", era);
	check(classify(kv(MEMCG_PFN, 0), NULL) == MMA_SLAB_UNKNOWN, name);
	snprintf(name, sizeof(name), "%s: vmalloc alias into a slab object -> "
		 "unknown", era);
	check(classify(VMALLOC + SLAB_PFN * PG + OBJ_SIZE + 8, NULL) ==
	      MMA_SLAB_UNKNOWN, name);
	snprintf(name, sizeof(name), "%s: non-slab page through another "
		 "mapping -> not-slab", era);
	check(classify(VMALLOC + PLAIN_PFN * PG + 8, NULL) ==
	      MMA_SLAB_NOT_SLAB, name);
}

static void
t_excluded(void)
{
	build_modern(MARK_PGTY, e_pgty);
	excluded_memmap = 1;
	check(classify(kv(PLAIN_PFN, 0), NULL) == MMA_SLAB_UNKNOWN &&
	      classify(OBJ(1), NULL) == MMA_SLAB_UNKNOWN,
	      "struct pages excluded from the dump -> unknown, never not-slab");
	excluded_memmap = 0;
	/* the page holding object 3's free pointer (the list's 1st link) */
	excluded_phys[(OBJ(3) + FP_OFFSET - KVBASE) / PG] = 1;
	check(classify(OBJ(5), NULL) == MMA_SLAB_UNKNOWN &&
	      classify(OBJ(1), NULL) == MMA_SLAB_UNKNOWN,
	      "freelist link on an excluded page -> unknown, not free/alloc");
	check(classify(kv(SLAB_PFN + 1, 0x100), NULL) == MMA_SLAB_INSIDE,
	      "misaligned pointer into an excluded page: struct pages "
	      "suffice -> still inside");
	excluded_phys[(OBJ(3) + FP_OFFSET - KVBASE) / PG] = 0;
	excluded_phys[0] = 1;	/* kmem_cache_cpu unreadable */
	mmslab_reset();
	memset(&S, 0, sizeof(S));
	check(mmslab_status() != NULL && classify(OBJ(1), NULL) ==
	      MMA_SLAB_UNKNOWN, "kmem_cache excluded -> classifier off, unknown");
}

static void
t_no_marker(void)
{
	build_modern(MARK_PGTY, e_none);
	check(classify(kv(PLAIN_PFN, 0), NULL) == MMA_SLAB_UNKNOWN,
	      "no PG_slab/PGTY_slab in debuginfo: plain page -> unknown, "
	      "never not-slab");
	check(classify(kv(OTHER_PFN, 0x40), NULL) == MMA_SLAB_UNKNOWN,
	      "no PG_slab/PGTY_slab in debuginfo: another cache -> unknown");
	check(classify(OBJ(1), NULL) == MMA_SLAB_ALLOC,
	      "no PG_slab/PGTY_slab in debuginfo: slab_cache == mm_cachep "
	      "still decides");
}

static void
t_hardened_plain(void)
{
	/* pre-swab hardening: ptr ^ random ^ ptr_addr */
	build_modern(MARK_PGTY, e_pgty);
	wr(OBJ(3) + FP_OFFSET, OBJ(5) ^ RANDOM ^ (OBJ(3) + FP_OFFSET), 8);
	wr(OBJ(5) + FP_OFFSET, 0 ^ RANDOM ^ (OBJ(5) + FP_OFFSET), 8);
	wr(OBJ(7) + FP_OFFSET, 0 ^ RANDOM ^ (OBJ(7) + FP_OFFSET), 8);
	check(classify(OBJ(5), NULL) == MMA_SLAB_FREE &&
	      classify(OBJ(1), NULL) == MMA_SLAB_ALLOC && S.fp_mode == MMA_FP_PLAIN,
	      "hardened freelist without swab (older kernels) decoded");
	/* a list that decodes in no mode: unknown, not alloc */
	build_modern(MARK_PGTY, e_pgty);
	wr(OBJ(3) + FP_OFFSET, 0x1234, 8);
	check(classify(OBJ(1), NULL) == MMA_SLAB_UNKNOWN,
	      "undecodable freelist -> unknown");
}

/* KFENCE: pool at pages 32-39 (3 objects), metadata at page 40 */
static void
t_kfence(void)
{
	int i;

	build_modern(MARK_PGTY, e_pgty);
	add_sym("__kfence_pool", KFENCE_POOL_VAR, TYPE_CODE_PTR, 0);
	add_sym("kfence_metadata", KFENCE_META_VAR, TYPE_CODE_PTR, 0);
	wr(KFENCE_POOL_VAR, kv(POOL_PFN, 0), 8);
	wr(KFENCE_META_VAR, kv(META_PFN, 0), 8);
	for (i = 0; i < 3; i++)
		wr(kv(META_PFN, i * 64 + 8), kv(POOL_PFN + 2 + 2 * i, 0xb00), 8);
	/* object 1 of KFENCE: an mm_struct, right-aligned in its page */
	mark_slab(POOL_PFN + 4, MARK_PGTY, 0);
	wr(pagep(POOL_PFN + 4) + 8, MM_CACHE, 8);
	check(classify(kv(POOL_PFN + 4, 0xb00), NULL) == MMA_SLAB_UNKNOWN,
	      "KFENCE object of the mm_struct cache -> unknown (not inside)");
	check(S.kfence_end == kv(POOL_PFN + 8, 0),
	      "KFENCE pool size from probing boot-allocated kfence_metadata: "
	      "(3 + 1) * 2 pages");
	check(classify(kv(POOL_PFN + 8, 0x10), NULL) == MMA_SLAB_NOT_SLAB,
	      "first page after the KFENCE pool classified again");

	/* v6.1: kfence_metadata a static array of 3 */
	build_modern(MARK_PGTY, e_pgty);
	add_sym("__kfence_pool", KFENCE_POOL_VAR, TYPE_CODE_PTR, 0);
	add_sym("kfence_metadata", KFENCE_META_VAR, TYPE_CODE_ARRAY, 3);
	wr(KFENCE_POOL_VAR, kv(POOL_PFN, 0), 8);
	classify(OBJ(1), NULL);
	check(S.kfence_start == kv(POOL_PFN, 0) &&
	      S.kfence_end == kv(POOL_PFN + 8, 0),
	      "KFENCE pool size from the kfence_metadata array length");

	/* metadata unreadable: the largest pool Kconfig allows */
	build_modern(MARK_PGTY, e_pgty);
	add_sym("__kfence_pool", KFENCE_POOL_VAR, TYPE_CODE_PTR, 0);
	add_sym("kfence_metadata", KFENCE_META_VAR, TYPE_CODE_PTR, 0);
	wr(KFENCE_POOL_VAR, kv(POOL_PFN, 0), 8);
	wr(KFENCE_META_VAR, kv(NPAGES + 5, 0), 8);
	check(classify(kv(POOL_PFN + 8, 0x10), NULL) == MMA_SLAB_UNKNOWN &&
	      S.kfence_end == kv(POOL_PFN, 0) + 65536UL * 2 * PG,
	      "KFENCE metadata unreadable: 65535-object pool assumed");

	/* pool pointer NULL: KFENCE off at boot, nothing excluded */
	build_modern(MARK_PGTY, e_pgty);
	add_sym("__kfence_pool", KFENCE_POOL_VAR, TYPE_CODE_PTR, 0);
	check(classify(kv(POOL_PFN, 0x10), NULL) == MMA_SLAB_NOT_SLAB &&
	      S.kfence_end == 0, "KFENCE built in but not initialised: no pool");

	/* pool pointer unreadable: classifier off */
	build_modern(MARK_PGTY, e_pgty);
	add_sym("__kfence_pool", kv(NPAGES + 1, 0), TYPE_CODE_PTR, 0);
	check(classify(OBJ(1), NULL) == MMA_SLAB_UNKNOWN &&
	      mmslab_status() != NULL,
	      "KFENCE pool pointer unreadable -> classifier off");
}

/*
 * SLUB before v4.4: no page.compound_head; tail pages carry PG_tail (or
 * PG_compound|PG_reclaim) and page.first_page; page.slab_cache and
 * page.freelist in struct page; kmem_cache_cpu.page.
 */
static void
build_pre44(const struct fenum *e, ulong tail_bits)
{
	ulong p;

	memset(physmem, 0, sizeof(physmem));
	memset(memmap, 0, sizeof(memmap));
	memset(excluded_phys, 0, sizeof(excluded_phys));
	mmslab_reset();
	memset(&S, 0, sizeof(S));
	nsyms = 0;
	types = slub_pre44;
	enums = e;
	add_sym("mm_cachep", MM_CACHEP, TYPE_CODE_PTR, 0);
	add_sym("runqueues", 0x1000, TYPE_CODE_STRUCT, 0);
	wr(MM_CACHEP, MM_CACHE, 8);
	wr(MM_CACHE + 0, CPU_SLAB, 8);
	wr(MM_CACHE + 24, OBJ_SIZE, 4);
	wr(MM_CACHE + 28, FP_OFFSET, 4);
	wr(MM_CACHE + 32, (3UL << 16) | 25, 4);
	wr(MM_CACHE + 56, NAMES, 8);
	memcpy(physmem + (NAMES - KVBASE), "mm_struct", 10);
	/* head: PG_slab | PG_compound (head), slab_cache, freelist 3 -> 5 */
	wr(pagep(SLAB_PFN), (1UL << 7) | (1UL << 14), 8);
	wr(pagep(SLAB_PFN) + 48, MM_CACHE, 8);
	wr(pagep(SLAB_PFN) + 16, OBJ(3), 8);
	wr(OBJ(3) + FP_OFFSET, OBJ(5), 8);
	wr(OBJ(5) + FP_OFFSET, 0, 8);
	for (p = SLAB_PFN + 1; p < SLAB_PFN + 8; p++) {
		wr(pagep(p), tail_bits, 8);
		wr(pagep(p) + 40, pagep(SLAB_PFN), 8);
		/* what a tail page holds where the head has slab_cache */
		wr(pagep(p) + 48, 0, 8);
	}
	wr(CPU_SLAB + 16, 0, 8);
	wr(CPU_SLAB + 0x100 + 16, 0, 8);
	/* a non-slab page */
	wr(pagep(PLAIN_PFN), 1UL << 3, 8);
}

static void
t_pre44(void)
{
	build_pre44(e_pre44_tail, 1UL << 15);
	check(mmslab_status() == NULL, "pre-4.4 (PG_tail + first_page): "
	      "classifier on");
	check(classify(OBJ(20), NULL) == MMA_SLAB_ALLOC,
	      "pre-4.4: allocated object in a tail page -> alloc "
	      "(head found through first_page)");
	check(classify(OBJ(20) + 0x10, NULL) == MMA_SLAB_INSIDE,
	      "pre-4.4: misaligned pointer in a tail page -> inside");
	check(classify(OBJ(5), NULL) == MMA_SLAB_FREE,
	      "pre-4.4: plain (unhardened) freelist -> free");
	check(classify(kv(PLAIN_PFN, 0), NULL) == MMA_SLAB_NOT_SLAB,
	      "pre-4.4: PG_slab clear -> not-slab");

	build_pre44(e_pre44_compound, (1UL << 14) | (1UL << 17));
	check(classify(OBJ(20), NULL) == MMA_SLAB_ALLOC &&
	      classify(OBJ(20) + 0x10, NULL) == MMA_SLAB_INSIDE,
	      "pre-4.4 without PAGEFLAGS_EXTENDED (PG_compound|PG_reclaim "
	      "tails): head found");

	build_pre44(e_flag, 1UL << 15);
	check(mmslab_status() != NULL && classify(OBJ(20), NULL) ==
	      MMA_SLAB_UNKNOWN, "pre-4.4 with no tail flag in debuginfo: "
	      "classifier off (unknown)");
}

static void
t_other_allocators(void)
{
	build_modern(MARK_FLAG, e_flag);
	types = slab_kernel;
	mmslab_reset();
	memset(&S, 0, sizeof(S));
	check(mmslab_status() && strstr(mmslab_status(), "CONFIG_SLAB"),
	      "CONFIG_SLAB kernel: classifier off, says CONFIG_SLAB");
	check(classify(OBJ(1) + 8, NULL) == MMA_SLAB_UNKNOWN &&
	      classify(kv(PLAIN_PFN, 0), NULL) == MMA_SLAB_UNKNOWN,
	      "CONFIG_SLAB kernel: never inside / not-slab");

	build_modern(MARK_FLAG, e_flag);
	types = slob_kernel;
	mmslab_reset();
	memset(&S, 0, sizeof(S));
	check(mmslab_status() && classify(OBJ(1) + 8, NULL) ==
	      MMA_SLAB_UNKNOWN && classify(kv(PLAIN_PFN, 0), NULL) ==
	      MMA_SLAB_UNKNOWN, "SLOB kernel: classifier off, unknown");

	build_modern(MARK_FLAG, e_pre44_tail);
	types = slub_cpu_array;
	mmslab_reset();
	memset(&S, 0, sizeof(S));
	check(mmslab_status() && classify(OBJ(1) + 8, NULL) ==
	      MMA_SLAB_UNKNOWN, "SLUB with a cpu_slab[NR_CPUS] array "
	      "(2.6.2x): classifier off");
}

/* mmg_addr_state() on the answers a dump reader can give */
static void
t_addrstate(void)
{
	pc->readmem = fake_reader;
	pc->flags = DISKDUMP;
	check(mmg_addr_state(0x1000) == MMA_ADDR_UNMAPPED,
	      "addr_state: user address -> unmapped");
	check(mmg_addr_state(0xffffffffff000000UL) == MMA_ADDR_UNMAPPED,
	      "addr_state: no translation -> unmapped");
	check(mmg_addr_state(kv(NPAGES + 3, 0)) == MMA_ADDR_UNMAPPED,
	      "addr_state: beyond memory (no struct page) -> unmapped");
	reader_answer = 1;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_PRESENT,
	      "addr_state: reader returns the bytes -> present");
	reader_answer = PAGE_EXCLUDED;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_EXCLUDED,
	      "addr_state: PAGE_EXCLUDED (compressed kdump) -> excluded");
	*diskdump_flags = ZERO_EXCLUDED;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_EXCLUDED &&
	      *diskdump_flags == ZERO_EXCLUDED,
	      "addr_state: --zero_excluded does not hide it, and is restored");
	*diskdump_flags = 0;
	reader_answer = PAGE_INCOMPLETE;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_EXCLUDED,
	      "addr_state: PAGE_INCOMPLETE (dump cut short) -> excluded");
	reader_answer = SEEK_ERROR;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_UNMAPPED,
	      "addr_state: compressed kdump SEEK_ERROR (not RAM) -> unmapped");
	reader_answer = READ_ERROR;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_UNKNOWN,
	      "addr_state: compressed kdump READ_ERROR -> unknown");
	pc->flags = KDUMP;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_EXCLUDED,
	      "addr_state: ELF kdump READ_ERROR (no segment) -> excluded");
	reader_answer = SEEK_ERROR;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_UNKNOWN,
	      "addr_state: ELF SEEK_ERROR -> unknown");
	pc->flags = LIVE_SYSTEM;
	check(mmg_addr_state(kv(3, 8)) == MMA_ADDR_UNKNOWN,
	      "addr_state: live system -> unknown");
	pc->flags = 0;
}

static void
t_percpu(void)
{
	uint64_t a = 0;

	check(!mmg_percpu_addr("runqueues", 1, &a) && a == 0x1000 + 0x100,
	      "percpu: symbol + __per_cpu_offset[1]");
	check(!mmg_percpu_addr("per_cpu__runqueues", 0, &a) && a == 0x1000,
	      "percpu: 2.6 spelling per_cpu__runqueues");
	check(mmg_percpu_addr("runqueues", 2, &a) == -1,
	      "percpu: CPU beyond kt->cpus refused");
	check(mmg_percpu_addr("jiffies", 0, &a) == -1,
	      "percpu: not a per-CPU symbol refused");
}

int
main(void)
{
	md.pagesize = PG;
	md.kvbase = KVBASE;
	md.is_kvaddr = fake_is_kvaddr;
	kt->cpus = 2;
	kt->flags = SMP | PER_CPU_OFF;
	kt->__per_cpu_offset[0] = 0;
	kt->__per_cpu_offset[1] = 0x100;
	pc->flags = 0;

	t_modern(MARK_PGTY, e_pgty, "v6.12 PGTY_slab");
	t_modern(MARK_TYPE, e_pagetype, "v6.10 PG_slab page type");
	t_modern(MARK_FLAG, e_flag, "v5.17-v6.9 PG_slab flag");
	t_excluded();
	t_no_marker();
	t_hardened_plain();
	t_kfence();
	t_pre44();
	t_other_allocators();
	t_addrstate();
	t_percpu();
	printf("test_mmslab: %d passed, %d failed\n", count - failures,
	       failures);
	return failures ? 1 : 0;
}
