/*
 * record.c - a target that records what another target answers.
 *
 * mma_record_init() wraps any struct mma_target: every call is forwarded
 * to the wrapped target, and every type or symbol query is written once,
 * with the answer, as one line of the fixture format that the unit-test
 * fake replays (tests/unit/fake.h, docs/design.md "Recorded fakes"):
 *
 *   member_offset <struct> <member> <offset|-1>
 *   member_size <struct> <member> <size|-1>
 *   member_type <struct> <member> <CLASS> <type name|-> [-> CLASS [name]]...
 *   typedef <name> <CLASS> <target name|->
 *   struct_size <struct> <size|-1>
 *   symbol <name> <0xaddress|->
 *   percpu <symbol> <cpu> <0xaddress|->
 *   symbol_size <symbol> <size|-1>
 *   kconfig <CONFIG_NAME> <1|0|-1>
 *
 * Type names are written with '+' for ' ' ("unsigned+int"): no C type
 * name contains '+', so one line stays one whitespace-separated record.
 * The "-> CLASS" tail of a TYPEDEF member_type line is the typedef chain
 * as the wrapped target resolves it, for the reader; replay uses the
 * typedef lines.  Memory is never recorded: reads, slab classification
 * task states and address states are forwarded only.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"

static const char *const tc_names[MMA_TC_COUNT] = {
	[MMA_TC_NONE] = "NONE",
	[MMA_TC_INT] = "INT",
	[MMA_TC_PTR] = "PTR",
	[MMA_TC_ARRAY] = "ARRAY",
	[MMA_TC_STRUCT] = "STRUCT",
	[MMA_TC_UNION] = "UNION",
	[MMA_TC_OTHER] = "OTHER",
	[MMA_TC_TYPEDEF] = "TYPEDEF",
	[MMA_TC_ENUM] = "ENUM",
	[MMA_TC_BOOL] = "BOOL",
	[MMA_TC_FUNC] = "FUNC",
	[MMA_TC_FLOAT] = "FLOAT",
	[MMA_TC_VOID] = "VOID",
};

/**
 * mma_tc_name - the fixture name of a type class ("PTR"), "?" if unknown
 */
const char *
mma_tc_name(int tc)
{
	return tc >= 0 && tc < MMA_TC_COUNT ? tc_names[tc] : "?";
}

/**
 * mma_tc_parse - the type class called s, -1 if none
 */
int
mma_tc_parse(const char *s)
{
	int i;

	for (i = 0; i < MMA_TC_COUNT; i++)
		if (!strcmp(s, tc_names[i]))
			return i;
	return -1;
}

/* a type name as one token: "" -> "-", ' ' -> '+' */
static const char *
token(const char *name, char *buf, size_t len)
{
	size_t i;

	if (!name || !*name)
		return "-";
	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] == ' ' ? '+' : name[i];
	buf[i] = '\0';
	return buf;
}

/* FNV-1a: where a line goes in the seen table */
static size_t
line_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)h;
}

/*
 * write line once (the core asks the same things per CPU, per command).
 * r->seen is an open-addressing table of r->cap slots (a power of two,
 * at most half full), r->nseen lines in it: a linear search made a
 * recording quadratic in the CPU count (8192 CPUs: minutes).
 */
static void
emit(struct mma_recorder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
emit(struct mma_recorder *r, const char *fmt, ...)
{
	char line[512], **n;
	va_list ap;
	size_t i, j, ncap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (2 * (r->nseen + 1) > r->cap) {
		ncap = r->cap ? r->cap * 2 : 64;
		if (!(n = calloc(ncap, sizeof(*n))))
			return;
		for (i = 0; i < r->cap; i++) {
			if (!r->seen[i])
				continue;
			for (j = line_hash(r->seen[i]) & (ncap - 1); n[j];
			     j = (j + 1) & (ncap - 1))
				;
			n[j] = r->seen[i];
		}
		free(r->seen);
		r->seen = n;
		r->cap = ncap;
	}
	for (i = line_hash(line) & (r->cap - 1); r->seen[i];
	     i = (i + 1) & (r->cap - 1))
		if (!strcmp(r->seen[i], line))
			return;
	if (!(r->seen[i] = strdup(line)))
		return;
	r->nseen++;
	if (r->fp)
		fprintf(r->fp, "%s\n", line);
}

static int
rec_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct mma_recorder *r = ctx;

	return r->in->read(r->in->ctx, addr, buf, len);
}

static long
rec_member_offset(void *ctx, const char *s, const char *m)
{
	struct mma_recorder *r = ctx;
	long v = r->in->member_offset ?
		 r->in->member_offset(r->in->ctx, s, m) : -1;

	emit(r, "member_offset %s %s %ld", s, m, v);
	return v;
}

static long
rec_member_size(void *ctx, const char *s, const char *m)
{
	struct mma_recorder *r = ctx;
	long v = r->in->member_size ? r->in->member_size(r->in->ctx, s, m) : -1;

	emit(r, "member_size %s %s %ld", s, m, v);
	return v;
}

/* a typedef's resolution, step by step (bounded), each step recorded */
static int
rec_typedef_type(void *ctx, const char *name, char *target, size_t len)
{
	struct mma_recorder *r = ctx;
	char tg[128], b[128];
	int tc;

	tg[0] = '\0';
	tc = r->in->typedef_type ?
	     r->in->typedef_type(r->in->ctx, name, tg, sizeof(tg)) : MMA_TC_NONE;
	tg[sizeof(tg) - 1] = '\0';
	emit(r, "typedef %s %s %s", name, mma_tc_name(tc),
	     token(tg, b, sizeof(b)));
	if (target && len)
		snprintf(target, len, "%s", tg);
	return tc;
}

static int
rec_member_type(void *ctx, const char *s, const char *m, char *name,
		size_t len)
{
	struct mma_recorder *r = ctx;
	char nm[128], cur[128], next[128], b[128], chain[256];
	size_t n = 0;
	int tc, rt, i;

	nm[0] = '\0';
	tc = r->in->member_type ?
	     r->in->member_type(r->in->ctx, s, m, nm, sizeof(nm)) : MMA_TC_NONE;
	nm[sizeof(nm) - 1] = '\0';
	chain[0] = '\0';
	if (tc == MMA_TC_TYPEDEF && nm[0] && r->in->typedef_type) {
		snprintf(cur, sizeof(cur), "%s", nm);
		for (i = 0; i < 8; i++) {
			next[0] = '\0';
			rt = rec_typedef_type(r, cur, next, sizeof(next));
			n += (size_t)snprintf(chain + n, sizeof(chain) - n,
					      " -> %s", mma_tc_name(rt));
			if (n >= sizeof(chain))
				break;
			if (rt != MMA_TC_TYPEDEF || !next[0])
				break;
			n += (size_t)snprintf(chain + n, sizeof(chain) - n,
					      " %s", token(next, b, sizeof(b)));
			if (n >= sizeof(chain))
				break;
			snprintf(cur, sizeof(cur), "%s", next);
		}
	}
	emit(r, "member_type %s %s %s %s%s", s, m, mma_tc_name(tc),
	     token(nm, b, sizeof(b)), chain);
	if (name && len)
		snprintf(name, len, "%s", nm);
	return tc;
}

static long
rec_struct_size(void *ctx, const char *s)
{
	struct mma_recorder *r = ctx;
	long v = r->in->struct_size ? r->in->struct_size(r->in->ctx, s) : -1;

	emit(r, "struct_size %s %ld", s, v);
	return v;
}

static int
rec_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct mma_recorder *r = ctx;
	int rc = r->in->symbol ? r->in->symbol(r->in->ctx, name, addr) : -1;

	if (rc)
		emit(r, "symbol %s -", name);
	else
		emit(r, "symbol %s 0x%llx", name, (unsigned long long)*addr);
	return rc;
}

static int
rec_percpu_addr(void *ctx, const char *sym, int cpu, uint64_t *addr)
{
	struct mma_recorder *r = ctx;
	int rc = r->in->percpu_addr ?
		 r->in->percpu_addr(r->in->ctx, sym, cpu, addr) : -1;

	if (rc)
		emit(r, "percpu %s %d -", sym, cpu);
	else
		emit(r, "percpu %s %d 0x%llx", sym, cpu,
		     (unsigned long long)*addr);
	return rc;
}

static long
rec_symbol_size(void *ctx, const char *name)
{
	struct mma_recorder *r = ctx;
	long v = r->in->symbol_size(r->in->ctx, name);

	emit(r, "symbol_size %s %ld", name, v);
	return v;
}

static int
rec_kconfig(void *ctx, const char *name)
{
	struct mma_recorder *r = ctx;
	int v = r->in->kconfig(r->in->ctx, name);

	emit(r, "kconfig %s %d", name, v);
	return v;
}

static int
rec_addr_state(void *ctx, uint64_t addr)
{
	struct mma_recorder *r = ctx;

	return r->in->addr_state(r->in->ctx, addr);
}

static int
rec_slab_classify(void *ctx, uint64_t addr, char *cache, size_t len)
{
	struct mma_recorder *r = ctx;

	return r->in->slab_classify(r->in->ctx, addr, cache, len);
}

static int
rec_page_of(void *ctx, uint64_t kvaddr, uint64_t *page)
{
	struct mma_recorder *r = ctx;

	return r->in->page_of(r->in->ctx, kvaddr, page);
}

static int
rec_enum_value(void *ctx, const char *name, long long *val)
{
	struct mma_recorder *r = ctx;

	return r->in->enum_value(r->in->ctx, name, val);
}

static int
rec_is_kvaddr(void *ctx, uint64_t addr)
{
	struct mma_recorder *r = ctx;

	return r->in->is_kvaddr(r->in->ctx, addr);
}

static int
rec_task_state(void *ctx, uint64_t task, char *buf, size_t len)
{
	struct mma_recorder *r = ctx;

	return r->in->task_state(r->in->ctx, task, buf, len);
}

static int
rec_cpu_hidden(void *ctx, int cpu)
{
	struct mma_recorder *r = ctx;

	return r->in->cpu_hidden(r->in->ctx, cpu);
}

/**
 * mma_record_init - make r->t a recording wrapper of in, writing to fp
 *
 * Optional callbacks stay absent (NULL) when in lacks them, so the core
 * takes the same paths through r->t as through in.
 */
void
mma_record_init(struct mma_recorder *r, const struct mma_target *in,
		FILE *fp)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->fp = fp;
	r->t.ctx = r;
	r->t.read = in->read ? rec_read : NULL;
	r->t.member_offset = in->member_offset ? rec_member_offset : NULL;
	r->t.member_size = in->member_size ? rec_member_size : NULL;
	r->t.member_type = in->member_type ? rec_member_type : NULL;
	r->t.typedef_type = in->typedef_type ? rec_typedef_type : NULL;
	r->t.struct_size = in->struct_size ? rec_struct_size : NULL;
	r->t.symbol = in->symbol ? rec_symbol : NULL;
	r->t.percpu_addr = in->percpu_addr ? rec_percpu_addr : NULL;
	r->t.slab_classify = in->slab_classify ? rec_slab_classify : NULL;
	r->t.is_kvaddr = in->is_kvaddr ? rec_is_kvaddr : NULL;
	r->t.task_state = in->task_state ? rec_task_state : NULL;
	r->t.cpu_hidden = in->cpu_hidden ? rec_cpu_hidden : NULL;
	r->t.ncpus = in->ncpus;
	r->t.addr_state = in->addr_state ? rec_addr_state : NULL;
	r->t.symbol_size = in->symbol_size ? rec_symbol_size : NULL;
	r->t.kconfig = in->kconfig ? rec_kconfig : NULL;
	/* the SLUB walk's callbacks: forwarded, not recorded (memory) */
	r->t.page_of = in->page_of ? rec_page_of : NULL;
	r->t.enum_value = in->enum_value ? rec_enum_value : NULL;
	r->t.page_size = in->page_size;
}

/**
 * mma_record_free - forget the lines written (fp is the caller's)
 */
void
mma_record_free(struct mma_recorder *r)
{
	size_t i;

	for (i = 0; i < r->cap; i++)
		free(r->seen[i]);
	free(r->seen);
	r->seen = NULL;
	r->nseen = r->cap = 0;
}
