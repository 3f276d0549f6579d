/*
 * csd.c - cross-CPU calls and TLB shootdowns read from the dump.
 *
 * Per CPU: the entries on its call_single_queue (kernel/smp.c), the
 * call_single_data it holds locked as a sender (cfd_data), the x86
 * per-CPU flush_tlb_info and the TLB generation of its loaded mm.  The
 * layout is resolved by member existence; the eras it tells apart:
 *
 *   - call_single_queue is a per-CPU llist_head since Linux kernel commit
 *     6897fc22ea01 ("kernel: use lockless list for smp_call_function_single")
 *     (in v3.14); before, a struct call_single_queue with a list_head
 *     (not decoded: said so).
 *   - struct __call_single_data with a struct __call_single_node "node"
 *     (CSD_TYPE_* bits in node.u_flags: irq_work and remote wakeups share
 *     the queue) since v5.8; node.src/dst on 64-bit since Linux kernel
 *     commit e48c15b796d4 ("smp: Add source and destination CPUs to
 *     __call_single_data") (in v5.10); before, llist + flags.
 *   - cfd_data.csd (a per-CPU call_single_data_t) or cfd_data.pcpu
 *     (struct cfd_percpu): both seen, 5.10/6.12 and Debian's 6.1.
 *   - flush_tlb_info per CPU (x86) since Linux kernel commit 3db6d5a5ecaf
 *     ("x86/mm/tlb: Remove 'struct flush_tlb_info' from the stack") (in
 *     v5.2): initiating_cpu and trim_cpumask only where they exist.
 *   - cpu_tlbstate.ctxs[] and mm->context.ctx_id/tlb_gen: Linux kernel
 *     commit b0579ade7cd8 ("x86/mm: Track the TLB's tlb_gen and update
 *     the flushing algorithm") (in v4.13).
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "modelint.h"
#include "csd.h"

const char *
mma_flush_name(int kind)
{
	switch (kind) {
	case MMA_FLUSH_MM: return "mm";
	case MMA_FLUSH_KERNEL: return "kernel";
	case MMA_FLUSH_ALL: return "all";
	default: return "none";
	}
}

/* ------------------------------------------------------------------ */
/* layout                                                              */
/* ------------------------------------------------------------------ */

/* the target's answers; an implausible one (MMA_MAX_TYPE_SIZE) is -1 */
static long
plausible(long v)
{
	return v < 0 || v > MMA_MAX_TYPE_SIZE ? -1 : v;
}

static long
moff(const struct mma_target *t, const char *s, const char *m)
{
	return plausible(t->member_offset ?
			 t->member_offset(t->ctx, s, m) : -1);
}

static long
msize(const struct mma_target *t, const char *s, const char *m)
{
	return plausible(t->member_size ? t->member_size(t->ctx, s, m) : -1);
}

static long
ssize(const struct mma_target *t, const char *s)
{
	return plausible(t->struct_size ? t->struct_size(t->ctx, s) : -1);
}

/*
 * an integer field of a structure read into b (len bytes): 0 when the
 * target's offset and size put it outside what was read
 */
static uint64_t
field(const unsigned char *b, size_t len, long off, long size)
{
	size_t w = size == 1 || size == 2 || size == 4 ? (size_t)size : 8;

	if (off < 0 || (size_t)off > len || w > len - (size_t)off)
		return 0;
	return mma_get_uint(b, off, size);
}

static uint64_t
sym(const struct mma_target *t, const char *name)
{
	uint64_t a = 0;

	if (!t->symbol || t->symbol(t->ctx, name, &a))
		return 0;
	return a;
}

static void
note(struct mma_csd_layout *L, const char *s)
{
	size_t n = strlen(L->notes);

	if (n + strlen(s) + 2 < sizeof(L->notes))
		snprintf(L->notes + n, sizeof(L->notes) - n, "%s%s",
			 n ? " " : "", s);
}

static void
resolve_csd(const struct mma_target *t, struct mma_csd_layout *L)
{
	const char *s = "__call_single_data";
	long node;

	if (ssize(t, s) <= 0)
		s = "call_single_data";
	L->csd_struct = s;
	L->csd_size = ssize(t, s);
	L->csd_func = moff(t, s, "func");
	L->csd_info = moff(t, s, "info");
	L->csd_src = L->csd_dst = -1;
	node = moff(t, s, "node");
	if (node >= 0 && moff(t, "__call_single_node", "u_flags") >= 0) {
		/* v5.8+: node.llist, node.u_flags, node.src/dst */
		long llist = moff(t, "__call_single_node", "llist");
		long src = moff(t, "__call_single_node", "src");
		long dst = moff(t, "__call_single_node", "dst");

		L->typed = 1;
		L->node_off = node;
		/* a member the target does not know stays -1 (not node - 1) */
		L->csd_llist = llist >= 0 ? node + llist : -1;
		L->csd_flags = node + moff(t, "__call_single_node", "u_flags");
		L->csd_flags_size = msize(t, "__call_single_node", "u_flags");
		/* src and dst came together (v5.10): both or neither */
		if (src >= 0 && dst >= 0) {
			L->csd_src = node + src;
			L->csd_dst = node + dst;
		}
		L->iw_node = moff(t, "irq_work", "node");
		L->iw_func = moff(t, "irq_work", "func");
		L->task_wake = moff(t, "task_struct", "wake_entry");
		note(L, "csd=node");
	} else {
		L->csd_llist = moff(t, s, "llist");
		L->csd_flags = moff(t, s, "flags");
		L->csd_flags_size = msize(t, s, "flags");
		note(L, "csd=llist+flags");
	}
	if (L->csd_src >= 0)
		note(L, "src/dst");
}

static void
resolve_cfd(const struct mma_target *t, struct mma_csd_layout *L)
{
	char name[128];
	int tc;

	if (!sym(t, "cfd_data") || ssize(t, "call_function_data") <= 0) {
		note(L, "cfd=none");
		return;
	}
	L->cfd_mask = moff(t, "call_function_data", "cpumask");
	L->cfd_ipi = moff(t, "call_function_data", "cpumask_ipi");
	if ((L->cfd_pcpu = moff(t, "call_function_data", "pcpu")) >= 0 &&
	    ssize(t, "cfd_percpu") > 0) {
		L->cfd_member = "pcpu";
		L->cfd_elem = ssize(t, "cfd_percpu");
		L->cfd_elem_csd = moff(t, "cfd_percpu", "csd");
	} else if ((L->cfd_pcpu = moff(t, "call_function_data", "csd")) >= 0) {
		/* call_single_data_t is aligned to its own size (v4.14+) */
		L->cfd_member = "csd";
		L->cfd_elem = L->csd_size;
		L->cfd_elem_csd = 0;
	}
	if (L->cfd_pcpu < 0 || L->cfd_mask < 0 || L->cfd_elem <= 0 ||
	    L->cfd_elem_csd < 0) {
		note(L, "cfd=unknown");
		return;
	}
	tc = mma_member_class(t, "call_function_data", "cpumask", NULL, name,
			      sizeof(name));
	L->cfd_mask_ptr = tc == MMA_TC_PTR;
	if (tc != MMA_TC_PTR && tc != MMA_TC_ARRAY && tc != MMA_TC_STRUCT) {
		note(L, "cfd=mask?");
		return;
	}
	L->has_cfd = 1;
	note(L, L->cfd_elem_csd || !strcmp(L->cfd_member, "pcpu") ?
	     "cfd=pcpu" : "cfd=csd");
	L->has_cur_csd = sym(t, "cur_csd") != 0;
	if (L->has_cur_csd)
		note(L, "cur_csd");
}

static void
resolve_fti(const struct mma_target *t, struct mma_csd_layout *L)
{
	const char *s = "flush_tlb_info";

	if (!sym(t, "flush_tlb_info") || (L->fti_size = ssize(t, s)) <= 0 ||
	    (L->fti_mm = moff(t, s, "mm")) < 0 ||
	    (L->fti_start = moff(t, s, "start")) < 0 ||
	    (L->fti_end = moff(t, s, "end")) < 0)
		return;
	L->fti_gen = moff(t, s, "new_tlb_gen");
	L->fti_gen_size = msize(t, s, "new_tlb_gen");
	L->fti_init = moff(t, s, "initiating_cpu");
	L->fti_stride = moff(t, s, "stride_shift");
	L->fti_stride_size = msize(t, s, "stride_shift");
	L->fti_freed = moff(t, s, "freed_tables");
	L->fti_trim = moff(t, s, "trim_cpumask");
	L->has_fti = 1;
	note(L, L->fti_trim >= 0 ? "fti+trim" : "fti");
}

static void
resolve_gen(const struct mma_target *t, struct mma_csd_layout *L)
{
	long ctx, cs;

	if (sym(t, "cpu_tlbstate") == 0)
		return;
	L->tlb_sym = "cpu_tlbstate";
	L->ts_asid = moff(t, "tlb_state", "loaded_mm_asid");
	L->ts_next_asid = moff(t, "tlb_state", "next_asid");
	L->ts_ctxs = moff(t, "tlb_state", "ctxs");
	L->ctx_id = moff(t, "tlb_context", "ctx_id");
	L->ctx_gen = moff(t, "tlb_context", "tlb_gen");
	L->ctx_size = ssize(t, "tlb_context");
	cs = msize(t, "tlb_state", "ctxs");
	ctx = moff(t, "mm_struct", "context");
	if (L->ts_asid < 0 || L->ts_ctxs < 0 || L->ctx_id < 0 ||
	    L->ctx_gen < 0 || L->ctx_size <= 0 || cs <= 0 || ctx < 0)
		return;
	L->nr_ctxs = (int)(cs / L->ctx_size);
	if (moff(t, "mm_context_t", "ctx_id") < 0 ||
	    moff(t, "mm_context_t", "tlb_gen") < 0)
		return;
	L->mm_ctx_id = ctx + moff(t, "mm_context_t", "ctx_id");
	L->mm_tlb_gen = ctx + moff(t, "mm_context_t", "tlb_gen");
	L->mm_batched = moff(t, "mm_struct", "tlb_flush_batched");
	L->mm_batched_size = msize(t, "mm_struct", "tlb_flush_batched");
	L->has_gen = 1;
	note(L, "tlb_gen");
}

/*
 * The hook through which x86 sends TLB-flush IPIs: pv_ops.mmu.
 * flush_tlb_multi since Linux kernel commit 4c1ba3923e6c ("x86/mm/tlb:
 * Unify flush_tlb_func_local() and flush_tlb_func_remote()") (in v5.13)
 * and its series, .flush_tlb_others before, in pv_mmu_ops on the oldest
 * kernels.  Without CONFIG_PARAVIRT there is no hook: native.
 */
static void
resolve_pv(const struct mma_target *t, struct mma_csd_layout *L)
{
	static const char *hooks[][2] = {
		{ "flush_tlb_multi", "native_flush_tlb_multi" },
		{ "flush_tlb_others", "native_flush_tlb_others" },
	};
	uint64_t base;
	long mmu = 0, o;
	unsigned i;

	if ((base = sym(t, "pv_ops")) != 0)
		mmu = moff(t, "paravirt_patch_template", "mmu");
	else if ((base = sym(t, "pv_mmu_ops")) == 0)
		return;
	if (mmu < 0)
		return;
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		o = moff(t, "pv_mmu_ops", hooks[i][0]);
		if (o < 0)
			continue;
		L->pv_hook = base + (uint64_t)mmu + (uint64_t)o;
		L->pv_native = sym(t, hooks[i][1]);
		L->pv_native_name = hooks[i][1];
		return;
	}
}

/**
 * mma_csd_layout_resolve - find the smp.c and x86 TLB structures
 * @t: target
 * @L: filled; L->ok says whether call_single_queue can be decoded
 */
int
mma_csd_layout_resolve(const struct mma_target *t, struct mma_csd_layout *L)
{
	uint64_t a;
	long qsize;

	memset(L, 0, sizeof(*L));
	L->csd_src = L->csd_dst = L->cfd_pcpu = -1;
	L->fti_init = L->fti_trim = L->fti_freed = L->fti_stride = -1;
	L->mm_batched = -1;
	resolve_csd(t, L);
	resolve_cfd(t, L);
	resolve_fti(t, L);
	resolve_gen(t, L);
	resolve_pv(t, L);
	L->fn_flush_mm[0] = sym(t, "flush_tlb_func");
	L->fn_flush_mm[1] = sym(t, "flush_tlb_func_remote");
	L->fn_flush_mm[2] = sym(t, "flush_tlb_func_common");
	L->fn_kernel = sym(t, "do_kernel_range_flush");
	L->fn_all = sym(t, "do_flush_tlb_all");
	L->q_sym = sym(t, "call_single_queue");
	if (!L->q_sym) {
		snprintf(L->why, sizeof(L->why), "no call_single_queue symbol "
			 "(not an SMP kernel, or not in this kernel)");
		return 0;
	}
	/*
	 * Before v3.14 the per-CPU queue was a struct call_single_queue (a
	 * list_head and a lock, 24 bytes and more); from v3.14 an llist_head
	 * (8 bytes).  The variable's size answers without a type lookup that
	 * fails on every current kernel (a failing gdb struct lookup costs
	 * ~0.5 s on a Debian vmlinux without a gdb index).
	 */
	qsize = t->symbol_size ? t->symbol_size(t->ctx, "call_single_queue") :
		-1;
	if (qsize > 8 || (qsize < 0 && ssize(t, "call_single_queue") > 0)) {
		snprintf(L->why, sizeof(L->why), "call_single_queue is a "
			 "list_head (before v3.14): not decoded");
		return 0;
	}
	if (L->csd_llist < 0 || L->csd_flags < 0 || L->csd_func < 0 ||
	    L->csd_info < 0 || L->csd_size <= 0) {
		snprintf(L->why, sizeof(L->why), "struct %s: llist/flags/func/"
			 "info not found", L->csd_struct);
		return 0;
	}
	if (t->percpu_addr && !t->percpu_addr(t->ctx, "call_single_queue", 0,
					      &a))
		L->percpu_ok = 1;
	if (!L->percpu_ok) {
		snprintf(L->why, sizeof(L->why), "per-CPU call_single_queue "
			 "of CPU 0 not found");
		return 0;
	}
	L->ok = 1;
	return 1;
}

/* ------------------------------------------------------------------ */
/* reading                                                             */
/* ------------------------------------------------------------------ */

static int
rd(const struct mma_model *m, struct mma_csd *s, uint64_t addr, void *buf,
   size_t len)
{
	if (!mma_kvaddr_ok(m->t, addr, 0) ||
	    m->t->read(m->t->ctx, addr, buf, len)) {
		s->read_errors++;
		return -1;
	}
	return 0;
}

static int
rd_uint(const struct mma_model *m, struct mma_csd *s, uint64_t addr,
	long size, uint64_t *v)
{
	unsigned char b[8];

	*v = 0;
	if (size <= 0 || size > 8 || rd(m, s, addr, b, (size_t)size))
		return -1;
	*v = mma_get_uint(b, 0, size);
	return 0;
}

/* address of per-CPU symbol name for cpu; 0 ok */
static int
pcpu(const struct mma_model *m, const char *name, int cpu, uint64_t *a)
{
	if (!name || !m->t->percpu_addr)
		return -1;
	return m->t->percpu_addr(m->t->ctx, name, cpu, a) ? -1 : 0;
}

/* per_cpu_ptr(): per-CPU offset of cpu, through call_single_queue */
static int
percpu_off(const struct mma_model *m, const struct mma_csd *s, int cpu,
	   uint64_t *off)
{
	uint64_t a;

	if (!s->L.percpu_ok ||
	    pcpu(m, "call_single_queue", cpu, &a))
		return -1;
	*off = a - s->L.q_sym;
	return 0;
}

static void
fname(const struct mma_model *m, uint64_t addr, char *buf, size_t len)
{
	uint64_t off = 0;

	buf[0] = '\0';
	if (!addr)
		return;
	if (m->t->symbol_name &&
	    !m->t->symbol_name(m->t->ctx, addr, buf, len, &off)) {
		if (off) {
			size_t n = strlen(buf);

			snprintf(buf + n, len - n, "+0x%llx",
				 (unsigned long long)off);
		}
		return;
	}
	snprintf(buf, len, "%llx", (unsigned long long)addr);
}

static int
flush_kind(const struct mma_csd_layout *L, uint64_t func)
{
	int i;

	if (!func)
		return MMA_FLUSH_NONE;
	for (i = 0; i < 3; i++)
		if (L->fn_flush_mm[i] && func == L->fn_flush_mm[i])
			return MMA_FLUSH_MM;
	if (L->fn_kernel && func == L->fn_kernel)
		return MMA_FLUSH_KERNEL;
	if (L->fn_all && func == L->fn_all)
		return MMA_FLUSH_ALL;
	return MMA_FLUSH_NONE;
}

static void
read_fti(const struct mma_model *m, struct mma_csd *s, uint64_t addr,
	 struct mma_fti *f)
{
	const struct mma_csd_layout *L = &s->L;
	unsigned char b[256];
	size_t n;

	memset(f, 0, sizeof(*f));
	f->initiating_cpu = f->trim_cpumask = f->stride_shift = -1;
	f->freed_tables = -1;
	f->addr = addr;
	if (!L->has_fti || !addr || L->fti_size > (long)sizeof(b) ||
	    rd(m, s, addr, b, (size_t)L->fti_size))
		return;
	n = (size_t)L->fti_size;
	f->mm = field(b, n, L->fti_mm, 8);
	f->start = field(b, n, L->fti_start, 8);
	f->end = field(b, n, L->fti_end, 8);
	if (L->fti_gen >= 0)
		f->new_tlb_gen = field(b, n, L->fti_gen, L->fti_gen_size);
	if (L->fti_init >= 0)
		f->initiating_cpu = (int)field(b, n, L->fti_init, 4);
	if (L->fti_stride >= 0)
		f->stride_shift = (int)field(b, n, L->fti_stride,
					     L->fti_stride_size);
	if (L->fti_freed >= 0)
		f->freed_tables = field(b, n, L->fti_freed, 1) ? 1 : 0;
	if (L->fti_trim >= 0)
		f->trim_cpumask = field(b, n, L->fti_trim, 1) ? 1 : 0;
	f->ok = 1;
}

/* decode the call_single_data at addr (func, info, flags, src/dst) */
static int
read_call(const struct mma_model *m, struct mma_csd *s, uint64_t addr,
	  struct mma_csd_ent *e)
{
	const struct mma_csd_layout *L = &s->L;
	unsigned char b[128];
	size_t n;

	e->addr = addr;
	e->kind = MMA_CSDK_CALL;
	e->src = e->dst = -1;
	e->pid = -1;
	if (L->csd_size > (long)sizeof(b) ||
	    rd(m, s, addr, b, (size_t)L->csd_size))
		return -1;
	n = (size_t)L->csd_size;
	e->flags = (uint32_t)field(b, n, L->csd_flags, L->csd_flags_size);
	e->func = field(b, n, L->csd_func, 8);
	e->info = field(b, n, L->csd_info, 8);
	if (L->csd_src >= 0) {
		e->src = (int)field(b, n, L->csd_src, 2);
		e->dst = (int)field(b, n, L->csd_dst, 2);
	}
	fname(m, e->func, e->fname, sizeof(e->fname));
	e->flush = flush_kind(L, e->func);
	if (e->flush == MMA_FLUSH_MM || e->flush == MMA_FLUSH_KERNEL)
		read_fti(m, s, e->info, &e->fti);
	return 0;
}

/* one call_single_queue entry: the llist_node pointer node */
static void
read_entry(const struct mma_model *m, struct mma_csd *s, uint64_t node,
	   struct mma_csd_ent *e)
{
	const struct mma_csd_layout *L = &s->L;
	const struct mma_layout *ml = m->l;
	uint64_t flags = 0, base = node - (uint64_t)L->csd_llist;
	unsigned char tb[64];

	memset(e, 0, sizeof(*e));
	e->src = e->dst = e->pid = -1;
	if (!L->typed) {
		read_call(m, s, base, e);
		return;
	}
	/* the flags word sits at the same place in every node type */
	rd_uint(m, s, base + (uint64_t)L->csd_flags, L->csd_flags_size,
		&flags);
	switch (flags & MMA_CSD_TYPE_MASK) {
	case MMA_CSD_TYPE_IRQ_WORK:
		e->kind = MMA_CSDK_IRQ_WORK;
		e->flags = (uint32_t)flags;
		if (L->iw_node >= 0 && L->iw_func >= 0) {
			e->addr = base - (uint64_t)L->iw_node + (uint64_t)L->node_off;
			rd_uint(m, s, e->addr + (uint64_t)L->iw_func, 8, &e->func);
			fname(m, e->func, e->fname, sizeof(e->fname));
		}
		if (L->csd_src >= 0) {
			uint64_t v;

			if (!rd_uint(m, s, base + (uint64_t)L->csd_src, 2, &v))
				e->src = (int)v;
		}
		break;
	case MMA_CSD_TYPE_TTWU:
		e->kind = MMA_CSDK_TTWU;
		e->flags = (uint32_t)flags;
		if (L->task_wake >= 0) {
			e->addr = base + (uint64_t)L->node_off -
				  (uint64_t)L->task_wake;
			if (ml && ml->t_pid >= 0 &&
			    !rd(m, s, e->addr + (uint64_t)ml->t_pid, tb, 4))
				e->pid = (int)mma_get_int(tb, 0, 4);
			if (ml && ml->t_comm >= 0 &&
			    !rd(m, s, e->addr + (uint64_t)ml->t_comm, tb, 16)) {
				memcpy(e->comm, tb, 16);
				e->comm[16] = '\0';
			}
		}
		break;
	default:
		read_call(m, s, base, e);
		break;
	}
}

static void
read_queue(const struct mma_model *m, struct mma_csd *s, struct mma_csd_cpu *c)
{
	uint64_t head, node = 0, seen[MMA_CSD_MAXQ];
	int i, n = 0;

	if (pcpu(m, "call_single_queue", c->cpu, &head) ||
	    rd_uint(m, s, head, 8, &node))
		return;
	c->q_ok = 1;
	c->q = calloc(MMA_CSD_MAXQ, sizeof(*c->q));
	if (!c->q)
		return;
	while (node && n < MMA_CSD_MAXQ) {
		for (i = 0; i < n; i++)
			if (node == seen[i])
				break;
		if (i < n || !mma_kvaddr_ok(m->t, node, 8)) {
			c->q_more = 1;	/* a loop or a bad pointer */
			break;
		}
		seen[n] = node;
		read_entry(m, s, node, &c->q[n]);
		c->q[n].cpu = c->cpu;
		n++;
		if (rd_uint(m, s, node, 8, &node))
			break;
	}
	if (node && n == MMA_CSD_MAXQ)
		c->q_more = 1;
	c->nq = n;
}

static void
read_mask(const struct mma_model *m, struct mma_csd *s, uint64_t field,
	  int is_ptr, uint64_t **out)
{
	uint64_t a = field;

	*out = NULL;
	if (is_ptr && rd_uint(m, s, field, 8, &a))
		return;
	*out = calloc(s->mask_words, sizeof(uint64_t));
	if (*out && rd(m, s, a, *out, s->mask_words * sizeof(uint64_t))) {
		free(*out);
		*out = NULL;
	}
}

/* is the csd at addr on CPU cpu's queue? */
static int
on_queue(const struct mma_csd *s, int cpu, uint64_t addr)
{
	const struct mma_csd_cpu *c;
	int i;

	if (cpu < 0 || cpu >= s->ncpus)
		return -1;
	c = &s->cpus[cpu];
	if (!c->q_ok)
		return -1;
	for (i = 0; i < c->nq; i++)
		if (c->q[i].kind == MMA_CSDK_CALL && c->q[i].addr == addr)
			return 1;
	return c->q_more ? -1 : 0;
}

static int add_locked(struct mma_csd_cpu *c, const struct mma_csd_ent *e);

static void
read_cfd(const struct mma_model *m, struct mma_csd *s, struct mma_csd_cpu *c)
{
	const struct mma_csd_layout *L = &s->L;
	uint64_t cfd, base = 0, off;
	int b;

	if (!L->has_cfd || pcpu(m, "cfd_data", c->cpu, &cfd))
		return;
	if (rd_uint(m, s, cfd + (uint64_t)L->cfd_pcpu, 8, &base) || !base)
		return;
	read_mask(m, s, cfd + (uint64_t)L->cfd_mask, L->cfd_mask_ptr,
		  &c->cfd_mask);
	if (L->cfd_ipi >= 0)
		read_mask(m, s, cfd + (uint64_t)L->cfd_ipi, L->cfd_mask_ptr,
			  &c->cfd_ipi);
	c->cfd_ok = 1;
	for (b = 0; b < s->ncpus; b++) {
		struct mma_csd_ent e;
		uint64_t a;
		int inmask = c->cfd_mask &&
			mma_bit_test(c->cfd_mask, s->mask_words, (unsigned)b);

		/* a locked csd is only ever one of a call's targets, or left
		 * locked by an earlier call to an online CPU */
		if (!inmask && s->cpus[b].online != 1)
			continue;
		if (percpu_off(m, s, b, &off))
			continue;
		a = base + off + (uint64_t)L->cfd_elem_csd;
		memset(&e, 0, sizeof(e));
		if (read_call(m, s, a, &e) || !(e.flags & MMA_CSD_FLAG_LOCK))
			continue;
		e.cpu = b;
		add_locked(c, &e);
	}
}

static int
add_locked(struct mma_csd_cpu *c, const struct mma_csd_ent *e)
{
	struct mma_csd_ent *n;

	if (c->nlocked >= c->lockcap) {
		int cap = c->lockcap ? c->lockcap * 2 : 8;

		n = realloc(c->locked, (size_t)cap * sizeof(*n));
		if (!n)
			return -1;
		c->locked = n;
		c->lockcap = cap;
	}
	c->locked[c->nlocked++] = *e;
	return 0;
}

/*
 * A synchronous csd queued on a CPU that no cfd_data holds: the sender
 * waits for it on its own stack (smp_call_function_single(..., wait=1),
 * which 5.10's smp_call_function_many_cond() also uses for a single
 * target).  node.src names the sender where the member exists.
 */
static void
add_sync_waiters(struct mma_csd *s, struct mma_csd_cpu *b)
{
	int i, a, k, found;

	for (i = 0; i < b->nq; i++) {
		struct mma_csd_ent e = b->q[i];
		int sync = s->L.typed ?
			(e.flags & MMA_CSD_TYPE_MASK) == MMA_CSD_TYPE_SYNC :
			(e.flags & MMA_CSD_OLD_SYNC) != 0;

		if (e.kind != MMA_CSDK_CALL || !sync ||
		    !(e.flags & MMA_CSD_FLAG_LOCK))
			continue;
		for (a = found = 0; a < s->ncpus && !found; a++)
			for (k = 0; k < s->cpus[a].nlocked; k++)
				if (s->cpus[a].locked[k].addr == e.addr)
					found = 1;
		if (found || e.src < 0 || e.src >= s->ncpus || e.src == b->cpu)
			continue;
		e.cpu = b->cpu;
		e.queued = 1;
		e.stack = 1;
		add_locked(&s->cpus[e.src], &e);
	}
}

static void
read_gen(const struct mma_model *m, struct mma_csd *s, struct mma_csd_cpu *c)
{
	const struct mma_csd_layout *L = &s->L;
	uint64_t ts, v;

	c->asid = c->next_asid = -1;
	if (!L->has_gen || !c->loaded_mm ||
	    c->loaded_mm == MMA_LOADED_MM_SWITCHING ||
	    pcpu(m, L->tlb_sym, c->cpu, &ts))
		return;
	if (rd_uint(m, s, ts + (uint64_t)L->ts_asid, 2, &v))
		return;
	c->asid = (int)v;
	if (L->ts_next_asid >= 0 &&
	    !rd_uint(m, s, ts + (uint64_t)L->ts_next_asid, 2, &v))
		c->next_asid = (int)v;
	if (c->asid >= L->nr_ctxs)
		return;
	ts += (uint64_t)L->ts_ctxs + (uint64_t)c->asid * (uint64_t)L->ctx_size;
	if (rd_uint(m, s, ts + (uint64_t)L->ctx_id, 8, &c->ctx_id) ||
	    rd_uint(m, s, ts + (uint64_t)L->ctx_gen, 8, &c->tlb_gen) ||
	    rd_uint(m, s, c->loaded_mm + (uint64_t)L->mm_ctx_id, 8,
		    &c->mm_ctx_id) ||
	    rd_uint(m, s, c->loaded_mm + (uint64_t)L->mm_tlb_gen, 8,
		    &c->mm_tlb_gen))
		return;
	c->gen_ok = 1;
	c->ctx_match = c->ctx_id == c->mm_ctx_id;
	c->lag = c->ctx_match ? (int64_t)(c->mm_tlb_gen - c->tlb_gen) : 0;
	c->batched = -1;
	if (L->mm_batched >= 0 &&
	    !rd_uint(m, s, c->loaded_mm + (uint64_t)L->mm_batched,
		     L->mm_batched_size, &v)) {
		/*
		 * a bool (5.10), or an atomic_t "pending | flushed << 16"
		 * (6.1): pending when the two counts differ
		 */
		if (L->mm_batched_size == 1)
			c->batched = v ? 1 : 0;
		else
			c->batched = (v & 0xffff) != ((v >> 16) & 0xffff);
	}
}

static void
read_cpu_misc(const struct mma_model *m, struct mma_csd *s,
	      struct mma_csd_cpu *c)
{
	const struct mma_csd_layout *L = &s->L;
	const struct mma_cpu *mc = c->cpu < m->ncpus ? &m->cpus[c->cpu] : NULL;
	uint64_t a;
	int ti;

	c->online = mc ? mc->online : -1;
	c->curr_pid = -1;
	c->lazy = -1;
	if (mc) {
		c->loaded_mm = mc->loaded_mm;
		c->lazy = mc->is_lazy;
		c->idle = mc->curr && mc->curr == mc->idle;
		ti = mc->curr_idx;
		if (ti >= 0 && ti < m->ntasks) {
			c->curr_pid = m->tasks[ti].pid;
			memcpy(c->curr_comm, m->tasks[ti].comm,
			       sizeof(c->curr_comm));
		}
	}
	if (L->has_fti &&
	    !pcpu(m, "flush_tlb_info", c->cpu, &a))
		read_fti(m, s, a, &c->fti);
	if (L->has_cur_csd && !pcpu(m, "cur_csd", c->cpu, &a)) {
		c->cur_ok = !rd_uint(m, s, a, 8, &c->cur_csd);
		if (!pcpu(m, "cur_csd_func", c->cpu, &a))
			rd_uint(m, s, a, 8, &c->cur_func);
		if (!pcpu(m, "cur_csd_info", c->cpu, &a))
			rd_uint(m, s, a, 8, &c->cur_info);
		fname(m, c->cur_func, c->cur_fname, sizeof(c->cur_fname));
	}
	if (m->t->cpu_regs &&
	    !m->t->cpu_regs(m->t->ctx, c->cpu, &c->ip, &c->rflags, &c->cs)) {
		c->regs_ok = 1;
		fname(m, c->ip, c->ip_sym, sizeof(c->ip_sym));
	}
}

static void
read_pv(const struct mma_model *m, struct mma_csd *s)
{
	const struct mma_csd_layout *L = &s->L;
	uint64_t v = 0;

	if (!L->pv_hook) {
		/* no pv_ops: CONFIG_PARAVIRT off, flushes are native */
		s->native = L->has_fti ? 1 : -1;
		return;
	}
	if (rd_uint(m, s, L->pv_hook, 8, &v) || !L->pv_native) {
		s->native = -1;
		return;
	}
	fname(m, v, s->pv_fn, sizeof(s->pv_fn));
	s->native = v == L->pv_native;
}

/*
 * The layout is resolved once per target: its type queries are the whole
 * cost (measured in crash: ~190 ms per resolution on the 5.10 dump, gdb's
 * failing lookups of types a kernel does not have; 0.2 ms for all the
 * per-CPU reads of 4 CPUs).  A crash session has one target and one dump.
 */
static struct mma_csd_layout cached;
static const struct mma_target *cached_t;
static const void *cached_ctx;

/**
 * mma_csd_layout_forget - resolve the layout again at the next read
 *
 * For a target whose answers change (unit tests rebuild their fake).
 */
void
mma_csd_layout_forget(void)
{
	cached_t = NULL;
	cached_ctx = NULL;
}

static void
layout_get(const struct mma_target *t, struct mma_csd_layout *L)
{
	if (!cached_t || cached_t != t || cached_ctx != t->ctx) {
		mma_csd_layout_resolve(t, &cached);
		cached_t = t;
		cached_ctx = t->ctx;
	}
	*L = cached;
}

/**
 * mma_csd_read - read every CPU's cross-CPU call state
 * @m: the built model (CPUs, tasks, mms)
 * @s: filled; free with mma_csd_free()
 *
 * Returns 0, or -1 when call_single_queue cannot be decoded (s->L.why);
 * the TLB generations are read either way.
 */
int
mma_csd_read(const struct mma_model *m, struct mma_csd *s)
{
	double t0 = mma_now_ms();
	int c;

	memset(s, 0, sizeof(*s));
	layout_get(m->t, &s->L);
	s->ncpus = m->ncpus;
	s->mask_words = m->l->mask_words ? m->l->mask_words : 1;
	s->nr_cpu_ids = m->l->nr_cpu_ids;
	s->cpus = calloc((size_t)(s->ncpus ? s->ncpus : 1), sizeof(*s->cpus));
	if (!s->cpus) {
		s->ncpus = 0;
		return -1;
	}
	read_pv(m, s);
	for (c = 0; c < s->ncpus; c++) {
		s->cpus[c].cpu = c;
		read_cpu_misc(m, s, &s->cpus[c]);
		read_gen(m, s, &s->cpus[c]);
		if (s->L.ok)
			read_queue(m, s, &s->cpus[c]);
	}
	if (s->L.ok) {
		for (c = 0; c < s->ncpus; c++)
			read_cfd(m, s, &s->cpus[c]);
		for (c = 0; c < s->ncpus; c++)
			add_sync_waiters(s, &s->cpus[c]);
		for (c = 0; c < s->ncpus; c++) {
			struct mma_csd_cpu *cp = &s->cpus[c];
			int i;

			for (i = 0; i < cp->nlocked; i++) {
				if (!cp->locked[i].stack)
					cp->locked[i].queued = on_queue(s,
						cp->locked[i].cpu,
						cp->locked[i].addr);
				if (cp->fti.ok && cp->locked[i].info ==
				    cp->fti.addr)
					cp->fti_busy = 1;
			}
		}
	}
	s->ms = mma_now_ms() - t0;
	return s->L.ok ? 0 : -1;
}

void
mma_csd_free(struct mma_csd *s)
{
	int c;

	for (c = 0; c < s->ncpus; c++) {
		free(s->cpus[c].q);
		free(s->cpus[c].locked);
		free(s->cpus[c].cfd_mask);
		free(s->cpus[c].cfd_ipi);
	}
	free(s->cpus);
	s->cpus = NULL;
	s->ncpus = 0;
}

/**
 * mma_csd_mm_owner - pid and comm of the process owning an mm
 * @m: model
 * @mm: mm_struct address
 * @comm: filled with the owner's comm ("" if unknown)
 * @len: size of comm
 */
int
mma_csd_mm_owner(const struct mma_model *m, uint64_t mm, char *comm,
		 size_t len)
{
	int i = mma_model_find_mm(m, mm), pid, k;

	if (len)
		comm[0] = '\0';
	if (i < 0)
		return -1;
	pid = m->mms[i].owner_pid;
	for (k = 0; k < m->ntasks; k++)
		if (m->tasks[k].mm == mm &&
		    (pid < 0 || m->tasks[k].pid == pid)) {
			if (pid < 0)
				pid = m->tasks[k].tgid;
			snprintf(comm, len, "%s", m->tasks[k].comm);
			if (m->tasks[k].pid == pid)
				break;
		}
	return pid;
}
