/*
 * fuzz_core.c - libFuzzer harness of the crash-free core (extensions/core).
 *
 * Each input picks a kernel (the three layouts recorded from the real
 * crash, tests/unit/fixtures/, or one of the synthetic eras of synth.h),
 * starts from that kernel's healthy scene (synth.h's sk_scene() plus the
 * smp.c/x86 TLB structures of synth_csd.h) and then lets its bytes
 * overwrite memory (tasks, mms, runqueues, cpu_tlbstate, csd queues,
 * cfd_data, flush_tlb_info, cpumask words), the layout answers (members
 * missing, odd offsets and sizes, type classes), symbols, per-CPU
 * addresses and the optional target callbacks.  Then it runs what a user
 * can run: layout, model, every rule, every view (mmtask, mmlist, mmcpu,
 * mmcheck, mmflush, the mmmask decoding) in text and JSON into memory.
 * Every JSON document must be well formed (json_check.h): a malformed
 * one aborts like a sanitizer report.  Input format: fuzz_input.h.
 *
 * The scenes are built once per era (LLVMFuzzerInitialize) and copied per
 * input.  A scene of a recorded kernel is the synthetic scene moved to the
 * recorded offsets and addresses (port_scene()); the recording answers
 * every type question it has an answer for, the synthetic kernel the rest
 * (the smp.c structures, which the recordings do not hold).
 *
 * Build: clang -fsanitize=fuzzer,address,undefined (make fuzz-smoke).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_csd.h"
#include "json_check.h"
#include "fuzz_input.h"

/* where the recorded fixtures are: $MMAUDIT_FIXTURES or tests/unit/fixtures */
#ifndef FZ_FIXTURES
#define FZ_FIXTURES "tests/unit/fixtures"
#endif

#define FZ_TASKS	32
#define FZ_MMS		8
#define FZ_NCPU		4
#define FZ_SCRATCH	0xffff888030000000ULL	/* memory the input can add */
#define FZ_UNMAPPED	0xffff888077770000ULL
#define FZ_STATES	0xffffffff82400000ULL	/* task_state_array (synth) */
#define FZ_STRINGS	0xffffffff82401000ULL
#define FZ_PTASK	0xffff888100000000ULL	/* ported tasks */
#define FZ_PMM		0xffff888200000000ULL	/* ported mms */

/* a field the input can write: where, how wide, what kind of value */
enum { SL_INT, SL_PTR, SL_BYTES };
struct slot {
	uint64_t addr;
	uint8_t size, kind;
};

struct era {
	const char *name;
	struct synth *s;	/* the synthetic scene (and its target) */
	struct fake *f;		/* the scene the input starts from */
	uint64_t tasks[FZ_TASKS];	/* handed in by the adapter */
	int ntasks;
	uint64_t curr[FZ_NCPU];	/* crash's active task per CPU */
	uint64_t mms[FZ_MMS];
	int nmms;
	long t_tasks;		/* task_struct.tasks: list node values */
	struct slot *slots;
	int nslots, slotcap;
	int nfindings;		/* of the healthy scene */
};

static struct era eras[FZ_ERA_COUNT];
static struct fake work;	/* the per-input copy */
static int verbose;

/* ------------------------------------------------------------------ */
/* input                                                              */
/* ------------------------------------------------------------------ */

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned
u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned
u16(struct in *in)
{
	return u8(in) | u8(in) << 8;
}

static uint32_t
u32(struct in *in)
{
	return (uint32_t)u16(in) | (uint32_t)u16(in) << 16;
}

static uint64_t
u64(struct in *in)
{
	return (uint64_t)u32(in) | (uint64_t)u32(in) << 32;
}

/* sizes, offsets, counts a debugger or a dump might give */
static long
odd_long(struct in *in)
{
	static const long v[] = { -1, 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17,
		24, 64, 4095, 4096, 4097, 65535, 65536, 65537, 1L << 20,
		1L << 31, LONG_MAX, LONG_MIN, -8, -4096, 8192, 1024, 1025 };
	unsigned k = u8(in);

	if (k < sizeof(v) / sizeof(v[0]))
		return v[k];
	if (k < 0xf0)
		return (long)(k - 0x80);
	return (long)(int32_t)u32(in);
}

static int
odd_int(struct in *in)
{
	static const int v[] = { 0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 72, 127,
		128, 4096, 8192, 8193, 65535, 65536, 65537, -1, -2, INT_MAX,
		INT_MIN };
	unsigned k = u8(in);

	if (k < sizeof(v) / sizeof(v[0]))
		return v[k];
	return (int)(int32_t)u32(in);
}

/* a value for a field: pointers into the scene, near misses, numbers */
static uint64_t
value(struct in *in, const struct era *e, const struct slot *sl)
{
	static const uint64_t fn[] = { FN_FLUSH, FN_OTHER, FN_NATIVE, FN_KVM,
		FN_FLUSH + 1 };
	static const uint64_t n32[] = { 0x80000000ULL, 0x7fffffffULL,
		0xffffffffULL, 65536, 65537, 8192, 8193, 0x402, 0x20, 0x10 };
	unsigned k = u8(in) % 22;
	uint64_t old = 0;

	switch (k) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0ULL;
	case 3: return e->tasks[u8(in) % e->ntasks];
	case 4: return e->tasks[u8(in) % e->ntasks] + (uint64_t)e->t_tasks;
	case 5: return e->mms[u8(in) % e->nmms];
	case 6: return e->mms[0];			/* init_mm */
	case 7: return e->tasks[0];			/* init_task */
	case 8: return e->mms[u8(in) % e->nmms] + 1 + u8(in) % 7;
	case 9: return FZ_UNMAPPED + (uint64_t)u8(in) * 8;
	case 10: return 0x00007fff00001000ULL;
	case 11: return FZ_SCRATCH + (uint64_t)u16(in) * 8;
	case 12: return u64(in);
	case 13: return (uint64_t)(int64_t)(int8_t)u8(in);
	case 14: return n32[u8(in) % (sizeof(n32) / sizeof(n32[0]))];
	case 15: return cfd_csd(u8(in) % FZ_NCPU, u8(in) % FZ_NCPU);
	case 16: return pc(SK_FTI, u8(in) % (FZ_NCPU + 1));
	case 17: return fn[u8(in) % (sizeof(fn) / sizeof(fn[0]))];
	case 18: return sl ? sl->addr : FZ_SCRATCH;	/* points at itself */
	case 19: return SK_STACKCSD;
	case 20: return pc(SK_CSQ, u8(in) % FZ_NCPU);
	default:
		if (sl && sl->size <= 8)
			fk_read(&work, sl->addr, &old, sl->size);
		return old + (uint64_t)(int64_t)(int8_t)u8(in);
	}
}

/* ------------------------------------------------------------------ */
/* memory helpers on a fake                                           */
/* ------------------------------------------------------------------ */

static uint64_t
rd(struct fake *f, uint64_t a, size_t n)
{
	uint64_t v = 0;

	if (n > 8 || fk_read(f, a, &v, n))
		return 0;
	return v;
}

static int
mapped(struct fake *f, uint64_t a, size_t n)
{
	unsigned char b[64];

	return n <= sizeof(b) && !fk_read(f, a, b, n);
}

static void
wr(struct fake *f, uint64_t a, uint64_t v, size_t n)
{
	if (n <= 8 && mapped(f, a, n))
		fk_poke(f, a, &v, n);
}

static void
add_slot(struct era *e, uint64_t addr, long size, int kind)
{
	if (size <= 0 || !mapped(e->f, addr, (size_t)size))
		return;
	if (e->nslots == e->slotcap) {
		e->slotcap = e->slotcap ? e->slotcap * 2 : 256;
		e->slots = realloc(e->slots, (size_t)e->slotcap *
				   sizeof(*e->slots));
		if (!e->slots)
			abort();
	}
	e->slots[e->nslots].addr = addr;
	e->slots[e->nslots].size = (uint8_t)size;
	e->slots[e->nslots++].kind = (uint8_t)kind;
}

/* the kernel's task_state_array: "R (running)" ... at sym */
static void
add_states(struct fake *f, uint64_t sym, uint64_t strings)
{
	static const char *const st[] = { "R (running)", "S (sleeping)",
		"D (disk sleep)", "T (stopped)", "t (tracing stop)",
		"X (dead)", "Z (zombie)", "P (parked)", "I (idle)" };
	int i;

	fk_region(f, sym, sizeof(st) / sizeof(st[0]) * 8);
	fk_region(f, strings, 0x200);
	for (i = 0; i < 9; i++) {
		fk_u64(f, sym + (uint64_t)i * 8, strings + (uint64_t)i * 0x20);
		fk_poke(f, strings + (uint64_t)i * 0x20, st[i], strlen(st[i]));
	}
}

/* ------------------------------------------------------------------ */
/* a recorded kernel: the synthetic scene moved to its layout         */
/* ------------------------------------------------------------------ */

struct port {
	struct fake *g;		/* the recording + the moved scene */
	struct synth *s;
	struct mma_layout Ls, Lf;
	uint64_t ot[FZ_TASKS], nt[FZ_TASKS];
	int n_t;
	uint64_t om[FZ_MMS], nm[FZ_MMS];
	int n_m;
};

/* a synthetic address to the moved scene's */
static uint64_t
xl(const struct port *p, uint64_t v)
{
	int i;

	for (i = 0; i < p->n_t; i++) {
		if (v == p->ot[i])
			return p->nt[i];
		if (v == p->ot[i] + T_TASKS)
			return p->nt[i] + (uint64_t)p->Lf.t_tasks;
	}
	for (i = 0; i < p->n_m; i++)
		if (v == p->om[i])
			return p->nm[i];
	return v;
}

/* copy a field: read at so in the synthetic scene, write at no */
static void
cp(struct port *p, uint64_t from, long so, long ss, uint64_t to, long no,
   long ns, int ptr)
{
	uint64_t v;

	if (so < 0 || no < 0 || ss <= 0 || ns <= 0 || ss > 8 || ns > 8)
		return;
	v = rd(&p->s->f, from + (uint64_t)so, (size_t)ss);
	if (ptr)
		v = xl(p, v);
	wr(p->g, to + (uint64_t)no, v, (size_t)ns);
}

static void
cpbytes(struct port *p, uint64_t from, uint64_t to, size_t n)
{
	unsigned char b[256];

	if (n <= sizeof(b) && !fk_read(&p->s->f, from, b, n) &&
	    mapped(p->g, to, n))
		fk_poke(p->g, to, b, n);
}

/* answers of the synthetic kernel the recording does not have */
static void
fill_answers(struct fake *g, const struct fake *s)
{
	int i;

	for (i = 0; i < s->nmem; i++) {
		const struct fk_member *x = &s->mem[i];
		struct fk_member *y = fk_find(g, x->s, x->m);

		if (!y) {
			y = fk_member_get(g, x->s, x->m);
			*y = *x;
		}
	}
	for (i = 0; i < s->nst; i++) {
		int j;

		for (j = 0; j < g->nst && strcmp(g->st[j].s, s->st[i].s); j++)
			;
		if (j == g->nst)
			fk_struct(g, s->st[i].s, s->st[i].size);
	}
	for (i = 0; i < s->ntd; i++) {
		int j;

		for (j = 0; j < g->ntd && strcmp(g->td[j].name, s->td[i].name);
		     j++)
			;
		if (j == g->ntd)
			fk_typedef(g, s->td[i].name, s->td[i].tc,
				   s->td[i].target);
	}
	for (i = 0; i < s->nsym; i++) {
		int j;

		for (j = 0; j < g->nsym && strcmp(g->sym[j].name,
						  s->sym[i].name); j++)
			;
		if (j < g->nsym)
			continue;
		if (s->sym[i].absent)
			fk_nosym(g, s->sym[i].name);
		else
			fk_sym(g, s->sym[i].name, s->sym[i].addr);
	}
	for (i = 0; i < s->npc; i++)
		fk_percpu(g, s->pc[i].name, s->pc[i].base, s->pc[i].stride);
	for (i = 0; i < s->nslab; i++)
		fk_slab(g, s->slab[i].addr, s->slab[i].state, s->slab[i].cache);
}

static uint64_t
pcpu(struct fake *f, const char *name, int cpu)
{
	uint64_t a = 0;

	return fk_percpu_addr(f, name, cpu, &a) ? 0 : a;
}

static void
port_scene(struct port *p)
{
	struct fake *g = p->g, *sf = &p->s->f;
	struct mma_target tg;
	const struct mma_layout *S = &p->Ls, *F = &p->Lf;
	uint64_t a, o;
	long span;
	int i, c;

	fk_target(g, &tg, 1);
	mma_layout_resolve(&tg, &p->Lf);	/* types only: no memory yet */

	/* tasks: init_task at its symbol, the others in the direct map */
	p->ot[0] = SK_INIT_TASK;
	p->nt[0] = F->init_task;
	for (i = 0; i < p->s->ntask && i + 1 < FZ_TASKS; i++) {
		p->ot[i + 1] = p->s->tasks[i];
		p->nt[i + 1] = FZ_PTASK + (uint64_t)i * 0x4000;
	}
	p->n_t = i + 1;
	p->om[0] = SK_INIT_MM;
	p->nm[0] = F->init_mm;
	for (i = 0; i < p->s->nmm && i + 1 < FZ_MMS; i++) {
		p->om[i + 1] = SK_MM_BASE + (uint64_t)i * 0x2000;
		p->nm[i + 1] = FZ_PMM + (uint64_t)i * 0x1000;
	}
	p->n_m = i + 1;

	for (i = 0; i < p->n_t; i++) {
		o = p->ot[i];
		a = p->nt[i];
		fk_region(g, a, (size_t)F->task_size);
		cp(p, o, S->t_pid, 4, a, F->t_pid, 4, 0);
		cp(p, o, S->t_tgid, 4, a, F->t_tgid, 4, 0);
		cpbytes(p, o + (uint64_t)S->t_comm, a + (uint64_t)F->t_comm, 16);
		cp(p, o, S->t_flags, 4, a, F->t_flags, 4, 0);
		cp(p, o, S->t_state, S->t_state_size, a, F->t_state,
		   F->t_state_size, 0);
		cp(p, o, S->t_exit_state, 4, a, F->t_exit_state, 4, 0);
		cp(p, o, S->t_mm, 8, a, F->t_mm, 8, 1);
		cp(p, o, S->t_active_mm, 8, a, F->t_active_mm, 8, 1);
		cp(p, o, S->t_group_leader, 8, a, F->t_group_leader, 8, 1);
		cp(p, o, S->t_tasks, 8, a, F->t_tasks, 8, 1);
		cp(p, o, S->t_tasks + 8, 8, a, F->t_tasks + 8, 8, 1);
		cp(p, o, S->t_cpu, S->t_cpu_size, a, F->t_cpu, F->t_cpu_size, 0);
	}
	for (i = 0; i < p->n_m; i++) {
		o = p->om[i];
		a = p->nm[i];
		fk_region(g, a, (size_t)(F->mm_size + (i ? 16 : 1024)));
		cp(p, o, S->mm_users, 4, a, F->mm_users, 4, 0);
		cp(p, o, S->mm_count, 4, a, F->mm_count, 4, 0);
		cp(p, o, S->mm_owner, 8, a, F->mm_owner, 8, 1);
		cp(p, o, S->mask_off, 8, a, F->mask_off, 8, 0);
		cp(p, o, S->mask_off + 8, 8, a, F->mask_off + 8, 8, 0);
		/* mm->context and tlb_flush_batched: synth_csd.h's offsets */
		cp(p, o, MM_CTX, 8, a, MM_CTX, 8, 0);
		cp(p, o, MM_CTX + 8, 8, a, MM_CTX + 8, 8, 0);
		cp(p, o, MM_BATCH, 4, a, MM_BATCH, 4, 0);
	}
	for (c = 0; c < FZ_NCPU; c++) {
		uint64_t rq = SK_RQ + (uint64_t)c * SK_CPU_STRIDE;
		uint64_t tlb = SK_TLB + (uint64_t)c * SK_CPU_STRIDE;
		uint64_t ntlb;

		if ((a = pcpu(g, "runqueues", c))) {
			span = F->rq_curr > F->rq_idle ? F->rq_curr : F->rq_idle;
			if (F->rq_prev_mm > span)
				span = F->rq_prev_mm;
			fk_region(g, a, (size_t)span + 8);
			cp(p, rq, S->rq_curr, 8, a, F->rq_curr, 8, 1);
			cp(p, rq, S->rq_idle, 8, a, F->rq_idle, 8, 1);
			/* on_cpu: 1 for the task that runs */
			o = xl(p, rd(sf, rq + (uint64_t)S->rq_curr, 8));
			if (F->t_on_cpu >= 0)
				wr(g, o + (uint64_t)F->t_on_cpu, 1, 4);
		}
		if ((ntlb = pcpu(g, "cpu_tlbstate", c))) {
			fk_region(g, ntlb, 0x100);
			cp(p, tlb, S->tlb_loaded_mm, 8, ntlb, F->tlb_loaded_mm, 8,
			   1);
			/* ASIDs and ctxs[]: synth_csd.h's offsets */
			cpbytes(p, tlb + 0x20, ntlb + 0x20, 0x20);
			cpbytes(p, tlb + 0x40, ntlb + 0x40, 96);
			if (F->tlb_kind == MMA_TLB_LAZY) {
				uint64_t lz = rd(sf, S->tlb_kind == MMA_TLB_SHARED ?
						 SK_TLBSH + (uint64_t)c * SK_CPU_STRIDE :
						 tlb + (uint64_t)S->tlb_is_lazy, 1);

				wr(g, ntlb + (uint64_t)F->tlb_is_lazy, lz, 1);
			}
		}
		if ((a = pcpu(g, "cpu_tlbstate_shared", c))) {
			fk_region(g, a, 8);
			cpbytes(p, SK_TLBSH + (uint64_t)c * SK_CPU_STRIDE, a, 1);
		}
	}
	/* flush_tlb_info.mm of the synthetic per-CPU data */
	for (c = 0; c < FZ_NCPU; c++)
		fk_u64(sf, pc(SK_FTI, c), xl(p, rd(sf, pc(SK_FTI, c), 8)));

	/* statics */
	if (!fk_symbol(g, "nr_cpu_ids", &a)) {
		fk_region(g, a, 4);
		fk_u32(g, a, FZ_NCPU);
	}
	if (!fk_symbol(g, "__cpu_online_mask", &a)) {
		fk_region(g, a, 1024);
		cpbytes(p, SK_ONLINE, a, 16);
	}
	if (!fk_symbol(g, "__cpu_possible_mask", &a)) {
		fk_region(g, a, 1024);
		cpbytes(p, SK_ONLINE, a, 16);
	}
	if (!fk_symbol(g, "task_state_array", &a))
		add_states(g, a, FZ_STRINGS);
	/* the smp.c structures: same addresses as in the synthetic scene */
	for (i = 0; i < sf->nreg; i++) {
		const struct fk_region *r = &sf->reg[i];

		if (r->addr >= SK_CSQ && r->addr < SK_FTI + 8 * SK_CPU_STRIDE) {
			unsigned char *b = fk_region(g, r->addr, r->size);

			memcpy(b, r->buf, r->size);
		}
	}
	fill_answers(g, sf);
}

/* ------------------------------------------------------------------ */
/* the eras                                                           */
/* ------------------------------------------------------------------ */

static void
fixture_path(const char *tag, char *buf, size_t len)
{
	const char *dir = getenv("MMAUDIT_FIXTURES");

	snprintf(buf, len, "%s/%s.txt", dir ? dir : FZ_FIXTURES, tag);
}

static void
build_era(int k)
{
	static const char *const names[FZ_ERA_COUNT] = { "bookworm-6.1",
		"bullseye-5.10", "trixie-6.12", "synth-6.x", "synth-6.19",
		"synth-2.6.32", "synth-3.10", "synth-3.10-onstack",
		"synth-4.13", "synth-4.14" };
	struct era *e = &eras[k];
	struct sk_cfg c;
	struct scene x;
	struct synth *s = calloc(1, sizeof(*s));
	struct mma_layout L;
	struct mma_target t;
	struct mma_csd_layout CL;
	int i, j, cpu;

	if (!s)
		abort();
	e->name = names[k];
	e->s = s;
	switch (k) {
	case FZ_ERA_BOOKWORM:
	case FZ_ERA_TRIXIE:
		sk_default_cfg(&c);
		c.cpu_where = 1;
		c.tlb_kind = MMA_TLB_SHARED;
		break;
	case FZ_ERA_BULLSEYE:
		sk_default_cfg(&c);
		c.state_old = 1;
		break;
	case FZ_ERA_SYNTH:
		sk_default_cfg(&c);
		c.tlb_kind = MMA_TLB_SHARED;
		break;
	case FZ_ERA_FLEX:
		sk_default_cfg(&c);
		c.cpu_where = 1;
		c.mask_kind = MMA_MASK_FLEX;
		c.tlb_kind = MMA_TLB_SHARED;
		break;
	default:
		sk_era_cfg(&c, k - FZ_ERA_2632 + SK_ERA_2632);
		break;
	}
	sk_init(s, &c);
	sk_scene(s, &x);
	csd_types(s, &x);
	/* csd_types() answers cpumask_var_t as the OFFSTACK pointer */
	if (k == FZ_ERA_310_ONSTACK)
		fk_typedef(&s->f, "cpumask_var_t", MMA_TC_ARRAY, NULL);
	if (k <= FZ_ERA_TRIXIE) {
		struct port *p = calloc(1, sizeof(*p));
		char path[512];

		e->f = calloc(1, sizeof(*e->f));
		if (!p || !e->f)
			abort();
		fk_init(e->f);
		fixture_path(e->name, path, sizeof(path));
		if (fk_load(e->f, path)) {
			fprintf(stderr, "fuzz_core: cannot load %s (run from the "
				"repository, or set MMAUDIT_FIXTURES)\n", path);
			exit(2);
		}
		p->g = e->f;
		p->s = s;
		mma_layout_resolve(&s->t, &p->Ls);
		port_scene(p);
		for (i = 0; i < p->n_t; i++)
			e->tasks[i] = p->nt[i];
		e->ntasks = p->n_t;
		for (i = 0; i < p->n_m; i++)
			e->mms[i] = p->nm[i];
		e->nmms = p->n_m;
		for (cpu = 0; cpu < FZ_NCPU; cpu++)
			e->curr[cpu] = xl(p, rd(&s->f, SK_RQ + (uint64_t)cpu *
						SK_CPU_STRIDE + 0x10, 8));
		free(p);
	} else {
		e->f = &s->f;
		e->f->ncpus = FZ_NCPU;		/* crash: kt->cpus */
		add_states(e->f, FZ_STATES, FZ_STRINGS);
		fk_sym(e->f, "task_state_array", FZ_STATES);
		fk_symsize(e->f, "task_state_array", 72);
		e->tasks[0] = SK_INIT_TASK;
		for (i = 0; i < s->ntask && i + 1 < FZ_TASKS; i++)
			e->tasks[i + 1] = s->tasks[i];
		e->ntasks = i + 1;
		e->mms[0] = SK_INIT_MM;
		for (i = 0; i < s->nmm && i + 1 < FZ_MMS; i++)
			e->mms[i + 1] = SK_MM_BASE + (uint64_t)i * 0x2000;
		e->nmms = i + 1;
		for (cpu = 0; cpu < FZ_NCPU; cpu++)
			e->curr[cpu] = rd(e->f, SK_RQ + (uint64_t)cpu *
					  SK_CPU_STRIDE + 0x10, 8);
	}
	/* memory for the input's pointers to point into */
	fk_region(e->f, FZ_SCRATCH, 0x10000);

	/* the fields the input may write, at this era's offsets */
	fk_target(e->f, &t, 1);
	mma_layout_resolve(&t, &L);
	mma_csd_layout_forget();
	mma_csd_layout_resolve(&t, &CL);
	e->t_tasks = L.t_tasks;
	for (i = 0; i < e->ntasks; i++) {
		uint64_t a = e->tasks[i];

		add_slot(e, a + (uint64_t)L.t_pid, 4, SL_INT);
		add_slot(e, a + (uint64_t)L.t_tgid, 4, SL_INT);
		add_slot(e, a + (uint64_t)L.t_comm, 16, SL_BYTES);
		add_slot(e, a + (uint64_t)L.t_flags, 4, SL_INT);
		add_slot(e, a + (uint64_t)L.t_state, L.t_state_size, SL_INT);
		add_slot(e, a + (uint64_t)L.t_exit_state, 4, SL_INT);
		add_slot(e, a + (uint64_t)L.t_mm, 8, SL_PTR);
		add_slot(e, a + (uint64_t)L.t_active_mm, 8, SL_PTR);
		add_slot(e, a + (uint64_t)L.t_group_leader, 8, SL_PTR);
		add_slot(e, a + (uint64_t)L.t_tasks, 8, SL_PTR);
		add_slot(e, a + (uint64_t)L.t_tasks + 8, 8, SL_PTR);
		if (L.t_on_cpu >= 0)
			add_slot(e, a + (uint64_t)L.t_on_cpu, 4, SL_INT);
		if (L.t_cpu >= 0)
			add_slot(e, a + (uint64_t)L.t_cpu, L.t_cpu_size, SL_INT);
		if (L.t_stack >= 0)
			add_slot(e, a + (uint64_t)L.t_stack, 8, SL_PTR);
	}
	for (i = 0; i < e->nmms; i++) {
		uint64_t a = e->mms[i];

		add_slot(e, a + (uint64_t)L.mm_users, 4, SL_INT);
		add_slot(e, a + (uint64_t)L.mm_count, 4, SL_INT);
		if (L.mm_owner >= 0)
			add_slot(e, a + (uint64_t)L.mm_owner, 8, SL_PTR);
		add_slot(e, a + (uint64_t)L.mask_off, 8,
			 L.mask_kind == MMA_MASK_VAR_PTR ? SL_PTR : SL_INT);
		add_slot(e, a + (uint64_t)L.mask_off + 8, 8, SL_INT);
		add_slot(e, a + MM_CTX, 8, SL_INT);
		add_slot(e, a + MM_CTX + 8, 8, SL_INT);
		add_slot(e, a + MM_BATCH, 4, SL_INT);
	}
	for (cpu = 0; cpu < FZ_NCPU; cpu++) {
		uint64_t rq = 0, tlb = 0, sh = 0;

		if (L.rq_sym && !fk_percpu_addr(e->f, L.rq_sym, cpu, &rq)) {
			add_slot(e, rq + (uint64_t)L.rq_curr, 8, SL_PTR);
			add_slot(e, rq + (uint64_t)L.rq_idle, 8, SL_PTR);
			if (L.rq_prev_mm >= 0)
				add_slot(e, rq + (uint64_t)L.rq_prev_mm, 8,
					 SL_PTR);
		}
		if (L.tlb_sym && !fk_percpu_addr(e->f, L.tlb_sym, cpu, &tlb)) {
			if (L.tlb_loaded_mm >= 0)
				add_slot(e, tlb + (uint64_t)L.tlb_loaded_mm, 8,
					 SL_PTR);
			if (L.tlb_active_mm >= 0)
				add_slot(e, tlb + (uint64_t)L.tlb_active_mm, 8,
					 SL_PTR);
			if (L.tlb_is_lazy >= 0)
				add_slot(e, tlb + (uint64_t)L.tlb_is_lazy, 1,
					 SL_INT);
			if (L.tlb_state >= 0)
				add_slot(e, tlb + (uint64_t)L.tlb_state, 4,
					 SL_INT);
			add_slot(e, tlb + 0x20, 2, SL_INT);	/* asid */
			add_slot(e, tlb + 0x22, 2, SL_INT);	/* next_asid */
			for (j = 0; j < 6; j++) {
				add_slot(e, tlb + 0x40 + (uint64_t)j * 16, 8,
					 SL_INT);
				add_slot(e, tlb + 0x48 + (uint64_t)j * 16, 8,
					 SL_INT);
			}
		}
		if (L.tlb_shared_sym &&
		    !fk_percpu_addr(e->f, L.tlb_shared_sym, cpu, &sh))
			add_slot(e, sh + (uint64_t)L.tlb_shared_is_lazy, 1,
				 SL_INT);
		add_slot(e, pc(SK_CSQ, cpu), 8, SL_PTR);
		add_slot(e, pc(SK_CFD, cpu), 8, SL_PTR);
		add_slot(e, pc(SK_CFD, cpu) + 8, 8, SL_PTR);
		add_slot(e, pc(SK_CFD, cpu) + 16, 8, SL_PTR);
		add_slot(e, pc(SK_CFD, cpu) + 0x100, 8, SL_INT);
		add_slot(e, pc(SK_CFD, cpu) + 0x200, 8, SL_INT);
		for (j = 0; j < FZ_NCPU; j++) {
			uint64_t csd = cfd_csd(j, cpu);

			add_slot(e, csd, 8, SL_PTR);
			add_slot(e, csd + 8, 4, SL_INT);
			add_slot(e, csd + 12, 2, SL_INT);
			add_slot(e, csd + 14, 2, SL_INT);
			add_slot(e, csd + 16, 8, SL_PTR);
			add_slot(e, csd + 24, 8, SL_PTR);
		}
		add_slot(e, pc(SK_FTI, cpu), 8, SL_PTR);
		add_slot(e, pc(SK_FTI, cpu) + 8, 8, SL_INT);
		add_slot(e, pc(SK_FTI, cpu) + 16, 8, SL_INT);
		add_slot(e, pc(SK_FTI, cpu) + 24, 8, SL_INT);
		add_slot(e, pc(SK_FTI, cpu) + 32, 4, SL_INT);
		add_slot(e, pc(SK_FTI, cpu) + 36, 1, SL_INT);
		add_slot(e, pc(SK_FTI, cpu) + 37, 1, SL_INT);
		add_slot(e, pc(SK_FTI, cpu) + 38, 1, SL_INT);
	}
	{
		uint64_t a;

		if (!fk_symbol(e->f, "nr_cpu_ids", &a))
			add_slot(e, a, 4, SL_INT);
		if (L.online_mask) {
			add_slot(e, L.online_mask, 8, SL_INT);
			add_slot(e, L.online_mask + 8, 8, SL_INT);
		}
		if (!fk_symbol(e->f, "task_state_array", &a))
			for (j = 0; j < 9; j++)
				add_slot(e, a + (uint64_t)j * 8, 8, SL_PTR);
	}
	add_slot(e, FZ_SCRATCH, 8, SL_PTR);
	add_slot(e, FZ_SCRATCH + 8, 8, SL_PTR);
	(void)CL;
}

/* ------------------------------------------------------------------ */
/* the per-input copy                                                 */
/* ------------------------------------------------------------------ */

static unsigned char *extra_bufs[FK_MAX];

static void
work_from(const struct fake *src)
{
	int i;

	memcpy(&work, src, sizeof(work));
	for (i = 0; i < work.nreg; i++) {
		work.reg[i].buf = malloc(work.reg[i].size ? work.reg[i].size : 1);
		if (!work.reg[i].buf)
			abort();
		memcpy(work.reg[i].buf, src->reg[i].buf, work.reg[i].size);
	}
	work.pca = malloc((size_t)(work.npca ? work.npca : 1) *
			  sizeof(*work.pca));
	if (!work.pca)
		abort();
	if (work.npca)
		memcpy(work.pca, src->pca, (size_t)work.npca *
		       sizeof(*work.pca));
	work.pcacap = work.npca;
	work.owned = NULL;
	work.nowned = work.ownedcap = 0;
	(void)extra_bufs;
}

static void
work_free(void)
{
	int i;

	for (i = 0; i < work.nreg; i++)
		free(work.reg[i].buf);
	free(work.pca);
	work.nreg = 0;
	work.pca = NULL;
}

/* ------------------------------------------------------------------ */
/* optional target callbacks                                          */
/* ------------------------------------------------------------------ */

static unsigned fz_salt;
static struct { int ok; uint64_t ip, fl, cs; } fz_regs[FZ_NCPU + 1];

static int
fz_is_kvaddr(void *ctx, uint64_t addr)
{
	(void)ctx;
	return addr >= 0xffff800000000000ULL;
}

static int
fz_addr_state(void *ctx, uint64_t addr)
{
	unsigned char b;

	if (!fk_read(ctx, addr, &b, 1))
		return MMA_ADDR_PRESENT;
	if (addr < 0xffff800000000000ULL)
		return MMA_ADDR_UNMAPPED;
	return (((addr >> 12) ^ fz_salt) & 3) == 0 ? MMA_ADDR_EXCLUDED :
	       MMA_ADDR_UNMAPPED;
}

static int
fz_task_state(void *ctx, uint64_t task, char *buf, size_t len)
{
	static const char *const st[] = { "RU", "IN", "UN", "ZO", "ID", "",
		"TOOLONGSTATE" };

	(void)ctx;
	if ((task >> 12) % 9 == 8)
		return -1;
	snprintf(buf, len, "%s", st[(task >> 12) % 7]);
	return 0;
}

static int
fz_cpu_regs(void *ctx, int cpu, uint64_t *ip, uint64_t *fl, uint64_t *cs)
{
	(void)ctx;
	if (cpu < 0 || cpu > FZ_NCPU || !fz_regs[cpu].ok)
		return -1;
	*ip = fz_regs[cpu].ip;
	*fl = fz_regs[cpu].fl;
	*cs = fz_regs[cpu].cs;
	return 0;
}

static int
fz_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
	       uint64_t *off)
{
	static const char long_name[] = "a_function_name_longer_than_"
		"any_buffer_the_core_keeps_for_a_symbol_name_0123456789";

	(void)ctx;
	if (addr == FN_FLUSH + 1) {
		snprintf(buf, len, "%s", long_name);
		*off = 1;
		return 0;
	}
	return fk_symbol_name(ctx, addr, buf, len, off);
}

/* ------------------------------------------------------------------ */
/* operations                                                         */
/* ------------------------------------------------------------------ */

static const char *const tnames[] = { "atomic_t", "cpumask_var_t",
	"cpumask_t", "bool", "u32", "pid_t", "mm_struct", "task_struct",
	"list_head", "long unsigned int", "", "cpumask", "u16",
	("a_type_name_that_is_much_longer_than_one_hundred_and_twenty_eight_"
	 "characters_so_that_every_buffer_on_the_way_has_to_cut_it_off_"
	 "somewhere_safely") };
#define NTNAMES (sizeof(tnames) / sizeof(tnames[0]))

struct run {
	uint64_t addtask[16];
	unsigned addsrc[16];
	int naddtask;
	uint64_t addmm;
	struct mma_filter f;
	char cpulist[80];
	int have_cpulist;
	struct { uint64_t addr; unsigned nbits; int deref; } maskq[4];
	int nmaskq;
	int walk_cap;
	unsigned flags;		/* MMA_F_BORROWED, MMA_F_VERBOSE */
};

static const char *const slabcaches[] = { "mm_struct", "task_struct",
	"kmalloc-1k", "",
	("a-very-long-slab-cache-name-beyond-thirty-two-characters") };

static void
apply(struct in *in, struct era *e, struct run *r)
{
	unsigned op = u8(in) % FZ_OP_COUNT, k, w;
	struct fk_member *x;
	const struct slot *sl;
	uint64_t v, a;
	long lv;

	switch (op) {
	case FZ_OP_FIELD:
		sl = &e->slots[u16(in) % e->nslots];
		if (sl->kind == SL_BYTES) {
			unsigned char b[16];

			for (k = 0; k < sl->size && k < 16; k++)
				b[k] = (unsigned char)u8(in);
			if (mapped(&work, sl->addr, sl->size))
				fk_poke(&work, sl->addr, b, sl->size);
		} else {
			v = value(in, e, sl);
			wr(&work, sl->addr, v, sl->size);
		}
		break;
	case FZ_OP_BYTES:
		if (!work.nreg)
			break;
		k = u8(in) % (unsigned)work.nreg;
		a = u16(in);
		w = u8(in) % 33;
		while (w--) {
			unsigned char b = (unsigned char)u8(in);

			if (work.reg[k].size && a < work.reg[k].size)
				work.reg[k].buf[a++] = b;
		}
		break;
	case FZ_OP_MEMBER:
		if (!work.nmem)
			break;
		x = &work.mem[u16(in) % (unsigned)work.nmem];
		switch (u8(in) % 8) {
		case 0: fk_unmember(&work, x->s, x->m); break;
		case 1: x->off = odd_long(in); x->known |= FK_KOFF; break;
		case 2: x->size = odd_long(in); x->known |= FK_KSIZE; break;
		case 3:
			x->tc = (int)(u8(in) % (MMA_TC_COUNT + 2)) - 1;
			x->known |= FK_KTYPE;
			break;
		case 4: x->tname = tnames[u8(in) % NTNAMES]; break;
		case 5: x->known = u8(in) & FK_KALL; break;
		case 6: x->off += (int8_t)u8(in); break;
		default:
			x->off = -1;
			x->size = 0;
			x->tc = MMA_TC_NONE;
			x->known = FK_KALL;
			break;
		}
		break;
	case FZ_OP_STRUCT:
		if (work.nst)
			work.st[u8(in) % (unsigned)work.nst].size = odd_long(in);
		break;
	case FZ_OP_SYMBOL:
		if (!work.nsym)
			break;
		k = u8(in) % (unsigned)work.nsym;
		switch (u8(in) % 3) {
		case 0: work.sym[k].absent = 1; break;
		case 1:
			work.sym[k].absent = 0;
			work.sym[k].addr = value(in, e, NULL);
			break;
		default:
			work.sym[k] = work.sym[--work.nsym];
			break;
		}
		break;
	case FZ_OP_PERCPU:
		k = u8(in);
		if (k & 1 && work.npc) {
			k = u8(in) % (unsigned)work.npc;
			if (u8(in) & 1)
				work.pc[k].stride = (uint64_t)odd_long(in);
			else
				work.pc[k].base = value(in, e, NULL);
		} else if (work.npca) {
			k = u8(in) % (unsigned)work.npca;
			if (u8(in) & 1)
				work.pca[k].absent = 1;
			else {
				work.pca[k].absent = 0;
				work.pca[k].addr = value(in, e, NULL);
			}
		}
		break;
	case FZ_OP_TYPEDEF:
		if (!work.ntd)
			break;
		k = u8(in) % (unsigned)work.ntd;
		work.td[k].tc = (int)(u8(in) % (MMA_TC_COUNT + 2)) - 1;
		w = u8(in) % (NTNAMES + 1);
		work.td[k].target = w == NTNAMES ? work.td[k].name : tnames[w];
		break;
	case FZ_OP_NCPUS:
		work.ncpus = odd_int(in);
		break;
	case FZ_OP_REGION:
		if (work.nreg >= FK_MAX)
			break;
		a = value(in, e, NULL) & ~7ULL;
		w = u16(in) % 0x4000 + 1;
		k = u8(in);
		memset(fk_region(&work, a, w), (int)k, w);
		/* a copy of a task or an mm there: hostile but plausible */
		if (k & 1) {
			uint64_t src = k & 2 ? e->tasks[u8(in) % e->ntasks] :
				       e->mms[u8(in) % e->nmms];
			unsigned char *b = work.reg[work.nreg - 1].buf;
			size_t n = w > 0x3000 ? 0x3000 : w;
			unsigned char *tmp = malloc(n);

			/* the source may lie in the new region itself */
			if (tmp && !fk_read(&work, src, tmp, n))
				memcpy(b, tmp, n);
			free(tmp);
		}
		break;
	case FZ_OP_SHRINK:
		if (!work.nreg)
			break;
		k = u8(in) % (unsigned)work.nreg;
		w = u16(in);
		if (w < work.reg[k].size)
			work.reg[k].size = w;
		break;
	case FZ_OP_REGS:
		k = u8(in) % (FZ_NCPU + 1);
		w = u8(in);
		fz_regs[k].ok = !(w & 0x80);
		fz_regs[k].ip = w & 1 ? 0x401000 : w & 2 ? u64(in) :
				0xffffffff81005000ULL;
		fz_regs[k].cs = w & 4 ? 0x33 : w & 8 ? u16(in) : 0x10;
		fz_regs[k].fl = w & 0x10 ? 0x246 : w & 0x20 ? u64(in) : 0x46;
		break;
	case FZ_OP_NAMED:
		k = u8(in) % 3;
		if (k == 0)
			fk_kconf(&work, "CONFIG_MMU_LAZY_TLB_SHOOTDOWN",
				 (int)(u8(in) % 3) - 1);
		else if (k == 1) {
			lv = odd_long(in);
			fk_symsize(&work, "task_state_array", lv);
		} else
			fk_sym(&work, "do_shoot_lazy_tlb", FN_OTHER);
		break;
	case FZ_OP_ADDTASK:
		k = u8(in);
		v = value(in, e, NULL);
		if (r->naddtask < 16) {
			r->addsrc[r->naddtask] = k & 1 ? MMA_SRC_CURR :
						 MMA_SRC_TARGET;
			r->addtask[r->naddtask++] = v;
		}
		break;
	case FZ_OP_ADDMM:
		r->addmm = value(in, e, NULL);
		break;
	case FZ_OP_FILTER:
		k = u8(in) % 7;
		v = u32(in);
		switch (k) {
		case 0: r->f.pid = (int)(int32_t)v; break;
		case 1: r->f.mm = value(in, e, NULL); break;
		case 2: r->f.cpu = (int)(int32_t)v; break;
		case 3: r->f.min_sev = (int)(v % 4); break;
		case 4: {
			unsigned n = 0;

			while (mma_rules[n].id)
				n++;
			r->f.rule = n ? mma_rules[v % n].id : NULL;
			break;
		}
		case 5: r->f.pid = (int)(v % 600); break;
		default:
			r->flags = (v & 1 ? MMA_F_BORROWED : 0) |
				   (v & 2 ? MMA_F_VERBOSE : 0);
			break;
		}
		break;
	case FZ_OP_CPULIST:
		w = u8(in) % (sizeof(r->cpulist) - 1);
		for (k = 0; k < w; k++)
			r->cpulist[k] = (char)("0123456789,- x\t"[u8(in) % 15]);
		r->cpulist[w] = '\0';
		r->have_cpulist = 1;
		break;
	case FZ_OP_MASKQ:
		if (r->nmaskq < 4) {
			r->maskq[r->nmaskq].deref = (int)(u8(in) & 1);
			r->maskq[r->nmaskq].nbits = u16(in) % 65537;
			r->maskq[r->nmaskq++].addr = value(in, e, NULL);
		}
		break;
	case FZ_OP_SLAB:
		if (work.nslab < FK_MAX) {
			a = value(in, e, NULL);
			k = u8(in);
			fk_slab(&work, a, (int)(k % 7) - 1,
				slabcaches[u8(in) % (sizeof(slabcaches) /
						     sizeof(slabcaches[0]))]);
		}
		break;
	}
}

/* ------------------------------------------------------------------ */
/* running what a user can run                                        */
/* ------------------------------------------------------------------ */

typedef void (*view_fn)(const struct mma_model *, const struct mma_filter *,
			unsigned, FILE *);

static void
json_must_parse(const char *what, const char *buf)
{
	if (!json_ok(buf)) {
		fprintf(stderr, "fuzz_core: %s: malformed JSON:\n%s\n", what,
			buf);
		abort();
	}
}

/* render into memory; JSON must parse */
static size_t
view(const struct mma_model *m, view_fn fn, const char *what,
     const struct mma_filter *f, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return 0;
	fn(m, f, flags, fp);
	fclose(fp);
	if (flags & MMA_F_JSON)
		json_must_parse(what, buf);
	free(buf);
	return len;
}

static void
summary_view(const struct mma_model *m, const struct mma_filter *f,
	     unsigned flags, FILE *fp)
{
	(void)f;
	mma_render_summary(m, flags, fp);
}

static const struct mma_csd *cur_csd;

static void
csd_view(const struct mma_model *m, const struct mma_filter *f,
	 unsigned flags, FILE *fp)
{
	mma_render_csd(m, cur_csd, f, flags, fp);
}

/* mmmask: mm_cpumask(mm) of each mm, and the input's queries */
static void
masks(struct mma_model *m, const struct run *r)
{
	const struct mma_layout *l = m->l;
	unsigned nbits, nwords;
	uint64_t *w, a, v;
	char list[4096];
	int i, q;

	for (q = -1; q < r->nmaskq; q++) {
		nbits = q < 0 || !r->maskq[q].nbits ? l->nr_cpu_ids :
			r->maskq[q].nbits;
		nwords = MMA_BITS_TO_LONGS(nbits);
		if (!nwords || !(w = calloc(nwords, sizeof(*w))))
			continue;
		for (i = 0; i < (q < 0 ? m->nmms : 1); i++) {
			a = q < 0 ? mma_mm_mask_addr(m, m->mms[i].addr) :
			    r->maskq[q].addr;
			if (q >= 0 && r->maskq[q].deref) {
				if (m->t->read(m->t->ctx, a, &v, 8) ||
				    !mma_kvaddr_ok(m->t, v, 8))
					continue;
				a = v;
			}
			if (q >= 0 && !mma_kvaddr_ok(m->t, a, 1))
				continue;
			if (!a || mma_read_mask(m, a, w, nwords))
				continue;
			mma_cpulist_format(w, nbits, list, sizeof(list));
			(void)mma_bit_weight(w, nbits);
			(void)mma_bit_weight(w, nwords * 64);
			(void)mma_bit_next(w, nbits, 0);
		}
		free(w);
	}
	if (r->have_cpulist) {
		uint64_t cw[4];
		char out[64];
		unsigned n;

		for (n = 1; n <= 4; n++)
			if (!mma_cpulist_parse(r->cpulist, cw, n)) {
				mma_cpulist_format(cw, n * 64, out, sizeof(out));
				mma_cpulist_format(cw, n * 64, list, sizeof(list));
				(void)mma_bit_next(cw, n * 64, 3);
			}
	}
}

static void
run_all(const struct mma_target *t, struct era *e, const struct run *r,
	unsigned opts)
{
	const struct mma_filter *f;
	struct mma_layout L;
	struct mma_model m;
	struct mma_build_opts o;
	struct mma_filter all;
	struct mma_csd cs;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int i, c;

	mma_csd_layout_forget();
	mma_layout_resolve(t, &L);
	fp = open_memstream(&buf, &len);
	if (fp) {
		mma_layout_describe(&L, fp);
		fclose(fp);
		free(buf);
	}
	if (!L.ok) {
		fp = open_memstream(&buf, &len);
		if (fp) {
			mma_render_error("mmtask", L.why, MMA_F_JSON, fp);
			fclose(fp);
			json_must_parse("error", buf);
			free(buf);
		}
		return;
	}
	mma_model_init(&m, t, &L);
	for (i = 0; i < e->ntasks; i++)
		mma_model_add_task(&m, e->tasks[i], MMA_SRC_TARGET);
	for (i = 0; i < r->naddtask; i++)
		mma_model_add_task(&m, r->addtask[i], r->addsrc[i]);
	for (c = 0; c < FZ_NCPU; c++) {
		int idx = mma_model_add_task(&m, e->curr[c], MMA_SRC_CURR);

		if (idx >= 0 && m.tasks[idx].oncpu < 0)
			m.tasks[idx].oncpu = c;
	}
	if (r->addmm)
		mma_model_add_mm(&m, r->addmm);
	memset(&o, 0, sizeof(o));
	o.walk_list = !(opts & FZ_O_NOWALK);
	o.max_tasks = r->walk_cap;
	mma_model_build(&m, &o);

	/* text, then JSON, with the input's view flags and filter (the
	 * glue refuses a CPU filter beyond the dump's CPUs) */
	mma_filter_init(&all);
	f = r->f.cpu < m.ncpus ? &r->f : &all;
	for (i = 0; i < 2; i++) {
		unsigned fl = r->flags | (i ? MMA_F_JSON : 0);

		view(&m, mma_render_tasks, "mmtask", f, fl);
		view(&m, mma_render_mms, "mmlist", f, fl);
		view(&m, mma_render_cpus, "mmcpu", f, fl);
		view(&m, mma_render_findings, "mmcheck", f, fl);
		view(&m, summary_view, "mmaudit", f, fl);
	}
	memset(&cs, 0, sizeof(cs));
	mma_csd_read(&m, &cs);
	cur_csd = &cs;
	for (i = 0; i < 2; i++)
		view(&m, csd_view, "mmflush", f == &all && !(r->flags &
		     MMA_F_VERBOSE) ? NULL : f, i ? MMA_F_JSON : 0);
	cur_csd = NULL;
	mma_csd_free(&cs);
	masks(&m, r);
	mma_model_free(&m);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int k;

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_CORE_VERBOSE") != NULL;
	for (k = 0; k < FZ_ERA_COUNT; k++) {
		struct era *e = &eras[k];
		struct mma_target t;
		struct mma_layout L;
		struct mma_model m;
		struct mma_build_opts o = { 1, 0 };
		int i, c;

		build_era(k);
		/* the base scene must be healthy: the layout resolves, every
		 * task is found, no rule says bug */
		fk_target(e->f, &t, 1);
		mma_csd_layout_forget();
		if (mma_layout_resolve(&t, &L)) {
			fprintf(stderr, "fuzz_core: %s: layout: %s\n", e->name,
				L.why);
			abort();
		}
		mma_model_init(&m, &t, &L);
		for (i = 0; i < e->ntasks; i++)
			mma_model_add_task(&m, e->tasks[i], MMA_SRC_TARGET);
		for (c = 0; c < FZ_NCPU; c++)
			mma_model_add_task(&m, e->curr[c], MMA_SRC_CURR);
		mma_model_build(&m, &o);
		e->nfindings = m.nfindings;
		if (verbose || m.nsev[MMA_SEV_BUG] || m.ntasks != e->ntasks ||
		    m.list_state != MMA_LIST_OK) {
			fprintf(stderr, "fuzz_core: era %d %s: %d tasks, %d mms, "
				"%d cpus, list %s, %d slots; %s\n", k, e->name,
				m.ntasks, m.nmms, m.ncpus,
				mma_list_state_name(m.list_state), e->nslots,
				L.notes);
			for (i = 0; i < m.nfindings; i++)
				fprintf(stderr, "  %s %s: %s\n",
					mma_sev_name(m.findings[i].sev),
					m.findings[i].rule,
					m.findings[i].detail);
		}
		if (m.nsev[MMA_SEV_BUG] || m.ntasks != e->ntasks ||
		    m.list_state != MMA_LIST_OK) {
			fprintf(stderr, "fuzz_core: %s: the base scene is not "
				"healthy\n", e->name);
			abort();
		}
		mma_model_free(&m);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct mma_target t;
	struct run r;
	struct era *e;
	unsigned opts, salt;
	int nops;

	if (size > FZ_MAX_LEN)
		return -1;
	e = &eras[u8(&in) % FZ_ERA_COUNT];
	opts = u8(&in);
	salt = u8(&in);
	memset(&r, 0, sizeof(r));
	mma_filter_init(&r.f);
	r.walk_cap = salt & 0x80 ? (int)(salt >> 4 & 7) * 3 + 1 : 0;
	fz_salt = salt;
	memset(fz_regs, 0, sizeof(fz_regs));
	work_from(e->f);
	if (opts & FZ_O_NOCSD) {
		fk_unsym(&work, "call_single_queue");
		fk_nosym(&work, "call_single_queue");
		fk_unsym(&work, "flush_tlb_info");
		fk_nosym(&work, "flush_tlb_info");
	}
	for (nops = 0; in.n && nops < FZ_MAX_OPS; nops++)
		apply(&in, e, &r);

	fk_target(&work, &t, (opts & FZ_O_SLAB) != 0);
	if (opts & FZ_O_KVADDR)
		t.is_kvaddr = fz_is_kvaddr;
	if (opts & FZ_O_ADDRSTATE)
		t.addr_state = fz_addr_state;
	if (opts & FZ_O_REGS) {
		t.cpu_regs = fz_cpu_regs;
		t.symbol_name = fz_symbol_name;
	}
	if (opts & FZ_O_TASKSTATE)
		t.task_state = fz_task_state;
	if (opts & FZ_O_RECORD) {
		struct mma_recorder rec;
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		if (fp) {
			mma_record_init(&rec, &t, fp);
			run_all(&rec.t, e, &r, opts);
			fclose(fp);
			mma_record_free(&rec);
			free(buf);
		}
	} else
		run_all(&t, e, &r, opts);
	work_free();
	return 0;
}
