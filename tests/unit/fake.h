/*
 * fake.h - a fake mma_target for the unit tests: a synthetic memory image
 * (regions), type info, symbols, per-CPU symbols and a slab table.
 * Header-only (each test program includes it once).
 *
 * Reads succeed only when the whole range lies inside one region, so a
 * test can prove that the core reads no more than it should.
 *
 * Type answers are crash's RAW answers: a member declared with a typedef
 * answers MMA_TC_TYPEDEF and the typedef's name (fk_member_td()), and the
 * typedef table (fk_typedef()) answers typedef_type() the way crash's
 * datatype_info() resolves a typedef name.  fk_load() fills the same
 * tables from a fixture recorded from the real crash (mmaudit -R,
 * tests/unit/record-fixtures.sh); a query the tables cannot answer
 * answers "not found" and is counted in f->unknown (and the first ones
 * logged) so a test can assert that the core asked nothing unexpected.
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

/* which answers of a member are known */
#define FK_KOFF   0x1
#define FK_KSIZE  0x2
#define FK_KTYPE  0x4
#define FK_KALL   0x7

struct fk_region { uint64_t addr; size_t size; unsigned char *buf; };
struct fk_member {
	const char *s, *m;
	long off, size;
	int tc;			/* raw class (MMA_TC_TYPEDEF for typedefs) */
	const char *tname;	/* type name as crash's MEMBER_TYPE_NAME */
	unsigned known;		/* FK_K* */
};
struct fk_struct { const char *s; long size; };	/* size -1: no such */
struct fk_sym { const char *name; uint64_t addr; int absent; };
struct fk_percpu { const char *name; uint64_t base, stride; };
struct fk_pcaddr { const char *name; int cpu; uint64_t addr; int absent; };
struct fk_typedef { const char *name; int tc; const char *target; };
struct fk_slab { uint64_t addr; int state; const char *cache; };
struct fk_named { const char *name; long v; };	/* symbol_size, kconfig */

struct fake {
	struct fk_region reg[FK_MAX]; int nreg;
	struct fk_member mem[FK_MAX]; int nmem;
	struct fk_struct st[128]; int nst;
	struct fk_sym sym[256]; int nsym;
	struct fk_percpu pc[16]; int npc;
	struct fk_pcaddr *pca; int npca, pcacap;	/* recorded per CPU */
	struct fk_typedef td[64]; int ntd;
	struct fk_named ssz[64]; int nssz;		/* symbol_size */
	struct fk_named kcf[64]; int nkcf;		/* kconfig */
	struct fk_slab slab[FK_MAX]; int nslab;
	char **owned; int nowned, ownedcap;		/* fk_strdup() */
	int ncpus;			/* target ncpus (fixture "cpus") */
	const char *release;		/* fixture "release" */
	int reads;
	long long bytes;
	int unknown;			/* queries nothing answered */
	char unknown_log[16][128];
};

static void
fk_unknown(struct fake *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fk_unknown(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	if (f->unknown < 16) {
		va_start(ap, fmt);
		vsnprintf(f->unknown_log[f->unknown], sizeof(f->unknown_log[0]),
			  fmt, ap);
		va_end(ap);
	}
	f->unknown++;
}

/* print the unknown queries as TAP comments */
static void
fk_dump_unknown(const struct fake *f)
{
	int i;

	for (i = 0; i < f->unknown && i < 16; i++)
		printf("# unknown query: %s\n", f->unknown_log[i]);
}

/* a string owned by the fake (freed by fk_free) */
static const char *
fk_strdup(struct fake *f, const char *s)
{
	char **n;

	if (f->nowned == f->ownedcap) {
		n = realloc(f->owned, (size_t)(f->ownedcap ? f->ownedcap * 2 : 64) *
			    sizeof(*n));
		if (!n)
			abort();
		f->owned = n;
		f->ownedcap = f->ownedcap ? f->ownedcap * 2 : 64;
	}
	if (!(f->owned[f->nowned] = strdup(s)))
		abort();
	return f->owned[f->nowned++];
}

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

	/* the first letters first: the fuzz harness asks this a lot */
	for (i = 0; i < f->nmem; i++)
		if (f->mem[i].m[0] == m[0] && f->mem[i].s[0] == s[0] &&
		    !strcmp(f->mem[i].s, s) && !strcmp(f->mem[i].m, m))
			return &f->mem[i];
	return NULL;
}

static long
fk_member_offset(void *ctx, const char *s, const char *m)
{
	struct fk_member *x = fk_find(ctx, s, m);

	if (x && (x->known & FK_KOFF))
		return x->off;
	fk_unknown(ctx, "member_offset %s %s", s, m);
	return -1;
}

static long
fk_member_size(void *ctx, const char *s, const char *m)
{
	struct fk_member *x = fk_find(ctx, s, m);

	if (x && (x->known & FK_KSIZE))
		return x->size;
	fk_unknown(ctx, "member_size %s %s", s, m);
	return -1;
}

static int
fk_member_type(void *ctx, const char *s, const char *m, char *name, size_t len)
{
	struct fk_member *x = fk_find(ctx, s, m);

	if (name && len)
		name[0] = '\0';
	if (!x || !(x->known & FK_KTYPE)) {
		fk_unknown(ctx, "member_type %s %s", s, m);
		return MMA_TC_NONE;
	}
	if (name && len && x->tname)
		snprintf(name, len, "%s", x->tname);
	return x->tc;
}

static int
fk_typedef_type(void *ctx, const char *name, char *target, size_t len)
{
	struct fake *f = ctx;
	int i;

	if (target && len)
		target[0] = '\0';
	for (i = 0; i < f->ntd; i++)
		if (!strcmp(f->td[i].name, name)) {
			if (target && len && f->td[i].target)
				snprintf(target, len, "%s", f->td[i].target);
			return f->td[i].tc;
		}
	fk_unknown(f, "typedef %s", name);
	return MMA_TC_NONE;
}

static long
fk_struct_size(void *ctx, const char *s)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nst; i++)
		if (!strcmp(f->st[i].s, s))
			return f->st[i].size;
	fk_unknown(f, "struct_size %s", s);
	return -1;
}

static int
fk_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nsym; i++)
		if (!strcmp(f->sym[i].name, name)) {
			if (f->sym[i].absent)
				return -1;
			*addr = f->sym[i].addr;
			return 0;
		}
	fk_unknown(f, "symbol %s", name);
	return -1;
}

static int
fk_percpu_addr(void *ctx, const char *name, int cpu, uint64_t *addr)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->npca; i++)
		if (f->pca[i].cpu == cpu && !strcmp(f->pca[i].name, name)) {
			if (f->pca[i].absent)
				return -1;
			*addr = f->pca[i].addr;
			return 0;
		}
	for (i = 0; i < f->npc; i++)
		if (!strcmp(f->pc[i].name, name)) {
			*addr = f->pc[i].base + (uint64_t)cpu * f->pc[i].stride;
			return 0;
		}
	fk_unknown(f, "percpu %s %d", name, cpu);
	return -1;
}

static long
fk_symbol_size(void *ctx, const char *name)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nssz; i++)
		if (!strcmp(f->ssz[i].name, name))
			return f->ssz[i].v;
	fk_unknown(f, "symbol_size %s", name);
	return -1;
}

static int
fk_kconfig(void *ctx, const char *name)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->nkcf; i++)
		if (!strcmp(f->kcf[i].name, name))
			return (int)f->kcf[i].v;
	fk_unknown(f, "kconfig %s", name);
	return -1;
}

/* set a named answer in a symbol_size / kconfig table */
static void
fk_named(struct fk_named *tab, int *n, int max, const char *name, long v)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(tab[i].name, name))
			break;
	if (i == *n) {
		if (*n >= max)
			abort();
		(*n)++;
	}
	tab[i].name = name;
	tab[i].v = v;
}

static void
fk_symsize(struct fake *f, const char *name, long size)
{
	fk_named(f->ssz, &f->nssz, 64, name, size);
}

static void
fk_kconf(struct fake *f, const char *name, int v)
{
	fk_named(f->kcf, &f->nkcf, 64, name, v);
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
	for (i = 0; i < f->nowned; i++)
		free(f->owned[i]);
	free(f->owned);
	free(f->pca);
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
	t->typedef_type = fk_typedef_type;
	t->struct_size = fk_struct_size;
	t->symbol = fk_symbol;
	t->percpu_addr = fk_percpu_addr;
	t->symbol_size = fk_symbol_size;
	t->kconfig = fk_kconfig;
	if (with_slab)
		t->slab_classify = fk_slab_classify;
	t->ncpus = f->ncpus;
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

static struct fk_member *
fk_member_get(struct fake *f, const char *s, const char *m)
{
	struct fk_member *x = fk_find(f, s, m);

	if (x)
		return x;
	if (f->nmem >= FK_MAX)
		abort();
	x = &f->mem[f->nmem++];
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->m = m;
	x->off = x->size = -1;
	return x;
}

/* a member whose type is not a typedef: raw class tc */
static void
fk_member(struct fake *f, const char *s, const char *m, long off, long size,
	  int tc)
{
	struct fk_member *x = fk_member_get(f, s, m);

	x->off = off; x->size = size; x->tc = tc; x->tname = NULL;
	x->known = FK_KALL;
}

/* a member of raw class tc with crash's type name for it */
static void
fk_member_n(struct fake *f, const char *s, const char *m, long off, long size,
	    int tc, const char *tname)
{
	fk_member(f, s, m, off, size, tc);
	fk_find(f, s, m)->tname = tname;
}

/* a member declared with typedef tname (crash: MEMBER_TYPE = TYPEDEF) */
static void
fk_member_td(struct fake *f, const char *s, const char *m, long off,
	     long size, const char *tname)
{
	fk_member(f, s, m, off, size, MMA_TC_TYPEDEF);
	fk_find(f, s, m)->tname = tname;
}

/* what typedef_type(name) answers: class tc, next typedef target */
static void
fk_typedef(struct fake *f, const char *name, int tc, const char *target)
{
	int i;

	for (i = 0; i < f->ntd; i++)
		if (!strcmp(f->td[i].name, name))
			break;
	if (i == f->ntd) {
		if (f->ntd >= (int)(sizeof(f->td) / sizeof(f->td[0])))
			abort();
		f->ntd++;
	}
	f->td[i].name = name;
	f->td[i].tc = tc;
	f->td[i].target = target;
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
	int i;

	for (i = 0; i < f->nst; i++)
		if (!strcmp(f->st[i].s, s)) {
			f->st[i].size = size;
			return;
		}
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
			f->sym[i].absent = 0;
			return;
		}
	f->sym[f->nsym].name = name;
	f->sym[f->nsym].absent = 0;
	f->sym[f->nsym++].addr = addr;
}

/* a symbol known NOT to exist (answers "not found", not "unknown") */
static void
fk_nosym(struct fake *f, const char *name)
{
	int i;

	fk_sym(f, name, 0);
	for (i = 0; i < f->nsym; i++)
		if (!strcmp(f->sym[i].name, name))
			f->sym[i].absent = 1;
}

/* one recorded per-CPU answer */
static void
fk_pcaddr(struct fake *f, const char *name, int cpu, uint64_t addr,
	  int absent)
{
	struct fk_pcaddr *n;

	if (f->npca == f->pcacap) {
		n = realloc(f->pca, (size_t)(f->pcacap ? f->pcacap * 2 : 64) *
			    sizeof(*n));
		if (!n)
			abort();
		f->pca = n;
		f->pcacap = f->pcacap ? f->pcacap * 2 : 64;
	}
	f->pca[f->npca].name = name;
	f->pca[f->npca].cpu = cpu;
	f->pca[f->npca].addr = addr;
	f->pca[f->npca++].absent = absent;
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

/* ---- fixtures recorded from the real crash -------------------------- */

/* a fixture token back to a type name: "-" -> "", '+' -> ' ' */
static const char *
fk_untoken(struct fake *f, const char *tok)
{
	char buf[256];
	size_t i;

	if (!strcmp(tok, "-"))
		return fk_strdup(f, "");
	for (i = 0; tok[i] && i + 1 < sizeof(buf); i++)
		buf[i] = tok[i] == '+' ? ' ' : tok[i];
	buf[i] = '\0';
	return fk_strdup(f, buf);
}

/*
 * fk_load - fill f from a fixture (format: extensions/core/record.c).
 * Returns 0, or -1 after printing the offending line to stderr.
 */
static int
fk_load(struct fake *f, const char *path)
{
	char line[1024], *tok[12], *p, *save;
	struct fk_member *x;
	FILE *fp = fopen(path, "r");
	int n, ln = 0, tc;

	if (!fp) {
		fprintf(stderr, "fk_load: cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		ln++;
		line[strcspn(line, "\n")] = '\0';
		for (n = 0, p = strtok_r(line, " \t", &save); p && n < 12;
		     p = strtok_r(NULL, " \t", &save))
			tok[n++] = p;
		if (!n || tok[0][0] == '#')
			continue;
		if (!strcmp(tok[0], "release") && n == 2)
			f->release = fk_strdup(f, tok[1]);
		else if (!strcmp(tok[0], "cpus") && n == 2)
			f->ncpus = atoi(tok[1]);
		else if (!strcmp(tok[0], "relocate") && n == 2)
			;
		else if (!strcmp(tok[0], "member_offset") && n == 4) {
			x = fk_member_get(f, fk_strdup(f, tok[1]),
					  fk_strdup(f, tok[2]));
			x->off = strtol(tok[3], NULL, 10);
			x->known |= FK_KOFF;
		} else if (!strcmp(tok[0], "member_size") && n == 4) {
			x = fk_member_get(f, fk_strdup(f, tok[1]),
					  fk_strdup(f, tok[2]));
			x->size = strtol(tok[3], NULL, 10);
			x->known |= FK_KSIZE;
		} else if (!strcmp(tok[0], "member_type") && n >= 5 &&
			   (tc = mma_tc_parse(tok[3])) >= 0) {
			/* a "-> CLASS ..." tail is for the reader */
			x = fk_member_get(f, fk_strdup(f, tok[1]),
					  fk_strdup(f, tok[2]));
			x->tc = tc;
			x->tname = fk_untoken(f, tok[4]);
			x->known |= FK_KTYPE;
		} else if (!strcmp(tok[0], "typedef") && n == 4 &&
			   (tc = mma_tc_parse(tok[2])) >= 0)
			fk_typedef(f, fk_strdup(f, tok[1]), tc,
				   fk_untoken(f, tok[3]));
		else if (!strcmp(tok[0], "struct_size") && n == 3)
			fk_struct(f, fk_strdup(f, tok[1]),
				  strtol(tok[2], NULL, 10));
		else if (!strcmp(tok[0], "symbol") && n == 3) {
			if (!strcmp(tok[2], "-"))
				fk_nosym(f, fk_strdup(f, tok[1]));
			else
				fk_sym(f, fk_strdup(f, tok[1]),
				       strtoull(tok[2], NULL, 16));
		} else if (!strcmp(tok[0], "symbol_size") && n == 3)
			fk_symsize(f, fk_strdup(f, tok[1]),
				   strtol(tok[2], NULL, 10));
		else if (!strcmp(tok[0], "kconfig") && n == 3)
			fk_kconf(f, fk_strdup(f, tok[1]), atoi(tok[2]));
		else if (!strcmp(tok[0], "percpu") && n == 4)
			fk_pcaddr(f, fk_strdup(f, tok[1]), atoi(tok[2]),
				  strcmp(tok[3], "-") ?
				  strtoull(tok[3], NULL, 16) : 0,
				  !strcmp(tok[3], "-"));
		else {
			fprintf(stderr, "fk_load: %s:%d: cannot parse \"%s\"\n",
				path, ln, tok[0]);
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

#endif /* FAKE_H */
