/*
 * fake.h - a fake mma_target for the unit tests: a synthetic memory image
 * (regions), synthetic type info, symbols, per-CPU symbols and a slab
 * table.  Header-only (each test program includes it once).
 *
 * Reads succeed only when the whole range lies inside one region, so a
 * test can prove that the core reads no more than it should.
 */
#ifndef FAKE_H
#define FAKE_H

/* helpers shared by several test programs: not every one uses them all */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"

/* ---- tiny TAP-ish reporting ---------------------------------------- */
static int t_failed, t_count;

static void
check(int cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	t_count++;
	if (cond) {
		printf("ok - %s\n", name);
		return;
	}
	t_failed++;
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define CHECK_EQ_INT(name, got, want) \
	check((long long)(got) == (long long)(want), name, "got %lld, want %lld", \
	      (long long)(got), (long long)(want))
#define CHECK_EQ_STR(name, got, want) \
	check(!strcmp((got), (want)), name, "got \"%s\", want \"%s\"", (got), (want))

static int
t_done(void)
{
	return t_failed ? 1 : 0;
}

/* ---- the fake ------------------------------------------------------- */
#define FK_MAX 512

struct fk_region { uint64_t addr; size_t size; unsigned char *buf; };
struct fk_member { const char *s, *m; long off, size; int tc; };
struct fk_struct { const char *s; long size; };
struct fk_sym { const char *name; uint64_t addr; };
struct fk_percpu { const char *name; uint64_t base, stride; };
struct fk_slab { uint64_t addr; int state; const char *cache; };

struct fake {
	struct fk_region reg[FK_MAX]; int nreg;
	struct fk_member mem[FK_MAX]; int nmem;
	struct fk_struct st[64]; int nst;
	struct fk_sym sym[64]; int nsym;
	struct fk_percpu pc[16]; int npc;
	struct fk_slab slab[FK_MAX]; int nslab;
	int reads;
	long long bytes;
};

static int
fk_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;
	int i;

	f->reads++;
	f->bytes += (long long)len;
	for (i = 0; i < f->nreg; i++)
		if (addr >= f->reg[i].addr && len <= f->reg[i].size &&
		    addr - f->reg[i].addr <= f->reg[i].size - len) {
			memcpy(buf, f->reg[i].buf + (addr - f->reg[i].addr), len);
			return 0;
		}
	return -1;
}

static struct fk_member *
fk_find(struct fake *f, const char *s, const char *m)
{
	int i;

	for (i = 0; i < f->nmem; i++)
		if (!strcmp(f->mem[i].s, s) && !strcmp(f->mem[i].m, m))
			return &f->mem[i];
	return NULL;
}

static long
fk_member_offset(void *ctx, const char *s, const char *m)
{
	struct fk_member *x = fk_find(ctx, s, m);

	return x ? x->off : -1;
}

static long
fk_member_size(void *ctx, const char *s, const char *m)
{
	struct fk_member *x = fk_find(ctx, s, m);

	return x ? x->size : -1;
}

static int
fk_member_type(void *ctx, const char *s, const char *m, char *name, size_t len)
{
	struct fk_member *x = fk_find(ctx, s, m);

	if (name && len)
		name[0] = '\0';
	return x ? x->tc : MMA_TC_NONE;
}

static long
fk_struct_size(void *ctx, const char *s)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nst; i++)
		if (!strcmp(f->st[i].s, s))
			return f->st[i].size;
	return -1;
}

static int
fk_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nsym; i++)
		if (!strcmp(f->sym[i].name, name)) {
			*addr = f->sym[i].addr;
			return 0;
		}
	return -1;
}

static int
fk_percpu_addr(void *ctx, const char *name, int cpu, uint64_t *addr)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->npc; i++)
		if (!strcmp(f->pc[i].name, name)) {
			*addr = f->pc[i].base + (uint64_t)cpu * f->pc[i].stride;
			return 0;
		}
	return -1;
}

static int
fk_slab_classify(void *ctx, uint64_t addr, char *cache, size_t len)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nslab; i++)
		if (f->slab[i].addr == addr) {
			snprintf(cache, len, "%s", f->slab[i].cache);
			return f->slab[i].state;
		}
	cache[0] = '\0';
	return MMA_SLAB_UNKNOWN;
}

static void
fk_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
}

static void
fk_free(struct fake *f)
{
	int i;

	for (i = 0; i < f->nreg; i++)
		free(f->reg[i].buf);
	memset(f, 0, sizeof(*f));
}

static void
fk_target(struct fake *f, struct mma_target *t, int with_slab)
{
	memset(t, 0, sizeof(*t));
	t->ctx = f;
	t->read = fk_read;
	t->member_offset = fk_member_offset;
	t->member_size = fk_member_size;
	t->member_type = fk_member_type;
	t->struct_size = fk_struct_size;
	t->symbol = fk_symbol;
	t->percpu_addr = fk_percpu_addr;
	if (with_slab)
		t->slab_classify = fk_slab_classify;
}

/* a zeroed region; returns its buffer */
static unsigned char *
fk_region(struct fake *f, uint64_t addr, size_t size)
{
	struct fk_region *r = &f->reg[f->nreg++];

	r->addr = addr;
	r->size = size;
	r->buf = calloc(1, size);
	return r->buf;
}

static void
fk_poke(struct fake *f, uint64_t addr, const void *v, size_t len)
{
	int i;

	for (i = 0; i < f->nreg; i++)
		if (addr >= f->reg[i].addr &&
		    addr + len <= f->reg[i].addr + f->reg[i].size) {
			memcpy(f->reg[i].buf + (addr - f->reg[i].addr), v, len);
			return;
		}
	fprintf(stderr, "fk_poke: %llx not mapped\n", (unsigned long long)addr);
	abort();
}

static void fk_u64(struct fake *f, uint64_t a, uint64_t v) { fk_poke(f, a, &v, 8); }
static void fk_u32(struct fake *f, uint64_t a, uint32_t v) { fk_poke(f, a, &v, 4); }

static void
fk_member(struct fake *f, const char *s, const char *m, long off, long size,
	  int tc)
{
	struct fk_member *x = fk_find(f, s, m);

	if (!x)
		x = &f->mem[f->nmem++];
	x->s = s; x->m = m; x->off = off; x->size = size; x->tc = tc;
}

/* remove a member (simulate an older/newer kernel) */
static void
fk_unmember(struct fake *f, const char *s, const char *m)
{
	struct fk_member *x = fk_find(f, s, m);

	if (x)
		*x = f->mem[--f->nmem];
}

static void
fk_struct(struct fake *f, const char *s, long size)
{
	f->st[f->nst].s = s;
	f->st[f->nst++].size = size;
}

static void
fk_sym(struct fake *f, const char *name, uint64_t addr)
{
	int i;

	for (i = 0; i < f->nsym; i++)
		if (!strcmp(f->sym[i].name, name)) {
			f->sym[i].addr = addr;
			return;
		}
	f->sym[f->nsym].name = name;
	f->sym[f->nsym++].addr = addr;
}

static void
fk_unsym(struct fake *f, const char *name)
{
	int i;

	for (i = 0; i < f->nsym; i++)
		if (!strcmp(f->sym[i].name, name)) {
			f->sym[i] = f->sym[--f->nsym];
			return;
		}
}

static void
fk_percpu(struct fake *f, const char *name, uint64_t base, uint64_t stride)
{
	f->pc[f->npc].name = name;
	f->pc[f->npc].base = base;
	f->pc[f->npc++].stride = stride;
}

static void
fk_slab(struct fake *f, uint64_t addr, int state, const char *cache)
{
	int i;

	for (i = 0; i < f->nslab; i++)
		if (f->slab[i].addr == addr) {
			f->slab[i].state = state;
			f->slab[i].cache = cache;
			return;
		}
	f->slab[f->nslab].addr = addr;
	f->slab[f->nslab].state = state;
	f->slab[f->nslab++].cache = cache;
}

#endif /* FAKE_H */
