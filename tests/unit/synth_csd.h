/*
 * synth_csd.h - the smp.c / x86 TLB structures of the real 6.1 dump on the
 * synthetic kernel of synth.h (offsets as crash prints them there:
 * __call_single_node llist 0, u_flags 8, src 12, dst 14;
 * __call_single_data node 0, func 16, info 24, size 32; flush_tlb_info mm 0
 * .. trim_cpumask 38, size 40; tlb_context 16 bytes): per-CPU
 * call_single_queue, cfd_data, flush_tlb_info and TLB generations, all
 * empty and healthy, plus helpers to queue a csd, fill a flush_tlb_info
 * and hand out registers.  Shared by test_csd.c and the fuzz harness
 * (tests/fuzz/fuzz_core.c).
 */
#ifndef SYNTH_CSD_H
#define SYNTH_CSD_H

#include "synth.h"
#include "csd.h"
#define SK_CSQ   0xffff88807f300000ULL	/* call_single_queue, per CPU */
#define SK_CFDC  0xffff88807f400000ULL	/* cfd_data.csd per-CPU arrays */
#define SK_CFD   0xffff88807f500000ULL	/* cfd_data, per CPU */
#define SK_FTI   0xffff88807f600000ULL	/* flush_tlb_info, per CPU */
#define SK_CTXS  0xffff88807f100040ULL	/* cpu_tlbstate.ctxs (after 0x40) */
#define SK_STACKCSD 0xffffc90000f00000ULL
#define FN_FLUSH 0xffffffff81001000ULL
#define FN_OTHER 0xffffffff81002000ULL
#define FN_NATIVE 0xffffffff81003000ULL
#define FN_KVM   0xffffffff81004000ULL
#define SK_PVOPS 0xffffffff82300000ULL

#define MM_CTX   0x200		/* mm_struct.context */
#define MM_BATCH 0x300		/* mm_struct.tlb_flush_batched */

/* registers per CPU handed out by the fake cpu_regs() */
static struct { int ok; uint64_t ip, fl, cs; } regs[4];

static int
fk_cpu_regs(void *ctx, int cpu, uint64_t *ip, uint64_t *fl, uint64_t *cs)
{
	(void)ctx;
	if (cpu < 0 || cpu >= 4 || !regs[cpu].ok)
		return -1;
	*ip = regs[cpu].ip;
	*fl = regs[cpu].fl;
	*cs = regs[cpu].cs;
	return 0;
}

static int
fk_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len, uint64_t *off)
{
	(void)ctx;
	*off = 0;
	if (addr == FN_FLUSH)
		snprintf(buf, len, "flush_tlb_func");
	else if (addr == FN_OTHER)
		snprintf(buf, len, "generic_smp_call");
	else if (addr == FN_NATIVE)
		snprintf(buf, len, "native_flush_tlb_multi");
	else if (addr == FN_KVM)
		snprintf(buf, len, "kvm_flush_tlb_multi");
	else
		return -1;
	return 0;
}

static uint64_t
pc(uint64_t base, int cpu)
{
	return base + (uint64_t)cpu * SK_CPU_STRIDE;
}

/* the smp.c and x86 TLB types and per-CPU data, all empty and healthy */
static void
csd_types(struct synth *s, struct scene *x)
{
	struct fake *f = &s->f;
	uint64_t mms[4] = { x->A, x->B, x->C, x->D };
	int c, i;

	fk_struct(f, "__call_single_data", 32);
	fk_member_n(f, "__call_single_data", "node", 0, 16, MMA_TC_STRUCT,
		    "__call_single_node");
	fk_member_n(f, "__call_single_data", "func", 16, 8, MMA_TC_PTR, "void");
	fk_member_n(f, "__call_single_data", "info", 24, 8, MMA_TC_PTR, "void");
	fk_struct(f, "__call_single_node", 16);
	fk_member_n(f, "__call_single_node", "llist", 0, 8, MMA_TC_STRUCT,
		    "llist_node");
	fk_member_n(f, "__call_single_node", "u_flags", 8, 4, MMA_TC_INT,
		    "unsigned int");
	fk_member_td(f, "__call_single_node", "src", 12, 2, "u16");
	fk_member_td(f, "__call_single_node", "dst", 14, 2, "u16");
	fk_struct(f, "call_single_queue", -1);
	fk_struct(f, "call_function_data", 24);
	fk_member_n(f, "call_function_data", "csd", 0, 8, MMA_TC_PTR,
		    "call_single_data_t");
	fk_member_td(f, "call_function_data", "cpumask", 8, 8, "cpumask_var_t");
	fk_member_td(f, "call_function_data", "cpumask_ipi", 16, 8,
		     "cpumask_var_t");
	fk_typedef(f, "cpumask_var_t", MMA_TC_PTR, NULL);
	fk_struct(f, "cfd_percpu", -1);
	fk_struct(f, "flush_tlb_info", 40);
	fk_member_n(f, "flush_tlb_info", "mm", 0, 8, MMA_TC_PTR, "mm_struct");
	fk_member_n(f, "flush_tlb_info", "start", 8, 8, MMA_TC_INT, "long");
	fk_member_n(f, "flush_tlb_info", "end", 16, 8, MMA_TC_INT, "long");
	fk_member_td(f, "flush_tlb_info", "new_tlb_gen", 24, 8, "u64");
	fk_member_n(f, "flush_tlb_info", "initiating_cpu", 32, 4, MMA_TC_INT,
		    "unsigned int");
	fk_member_td(f, "flush_tlb_info", "stride_shift", 36, 1, "u8");
	fk_member_td(f, "flush_tlb_info", "freed_tables", 37, 1, "u8");
	fk_member_td(f, "flush_tlb_info", "trim_cpumask", 38, 1, "u8");
	fk_member_td(f, "tlb_state", "loaded_mm_asid", 0x20, 2, "u16");
	fk_member_td(f, "tlb_state", "next_asid", 0x22, 2, "u16");
	fk_member_n(f, "tlb_state", "ctxs", 0x40, 96, MMA_TC_ARRAY,
		    "tlb_context");
	fk_struct(f, "tlb_context", 16);
	fk_member_td(f, "tlb_context", "ctx_id", 0, 8, "u64");
	fk_member_td(f, "tlb_context", "tlb_gen", 8, 8, "u64");
	fk_member_n(f, "mm_struct", "context", MM_CTX, 0x88, MMA_TC_TYPEDEF,
		    "mm_context_t");
	fk_member_td(f, "mm_context_t", "ctx_id", 0, 8, "u64");
	fk_member_td(f, "mm_context_t", "tlb_gen", 8, 8, "atomic64_t");
	fk_member_td(f, "mm_struct", "tlb_flush_batched", MM_BATCH, 4,
		     "atomic_t");
	for (i = 0; i < 4; i++) {
		fk_u64(f, mms[i] + MM_CTX, 5 + (uint64_t)i);	/* ctx_id */
		fk_u64(f, mms[i] + MM_CTX + 8, 10);		/* tlb_gen */
	}
	fk_sym(f, "call_single_queue", SK_CSQ);
	fk_percpu(f, "call_single_queue", SK_CSQ, SK_CPU_STRIDE);
	fk_sym(f, "cfd_data", SK_CFD);
	fk_percpu(f, "cfd_data", SK_CFD, SK_CPU_STRIDE);
	fk_sym(f, "flush_tlb_info", SK_FTI);
	fk_percpu(f, "flush_tlb_info", SK_FTI, SK_CPU_STRIDE);
	fk_sym(f, "flush_tlb_func", FN_FLUSH);
	fk_nosym(f, "flush_tlb_func_remote");
	fk_nosym(f, "flush_tlb_func_common");
	fk_nosym(f, "do_kernel_range_flush");
	fk_nosym(f, "do_flush_tlb_all");
	fk_nosym(f, "cur_csd");
	fk_nosym(f, "pv_ops");
	fk_nosym(f, "pv_mmu_ops");
	for (c = 0; c < 4; c++) {
		fk_region(f, pc(SK_CSQ, c), 8);
		/* sender c's csd for target b: SK_CFDC + c * 0x40 + b's
		 * per-CPU offset */
		fk_region(f, pc(SK_CFDC, c), 0x100);
		fk_region(f, pc(SK_CFD, c), 0x300);
		fk_u64(f, pc(SK_CFD, c), SK_CFDC + (uint64_t)c * 0x40);
		fk_u64(f, pc(SK_CFD, c) + 8, pc(SK_CFD, c) + 0x100);
		fk_u64(f, pc(SK_CFD, c) + 16, pc(SK_CFD, c) + 0x200);
		fk_region(f, pc(SK_FTI, c), 40);
		fk_region(f, pc(SK_CTXS, c), 96);
		/* every loaded mm's ASID 0 slot up to date */
	}
	fk_u64(f, pc(SK_CTXS, 0), 5);		/* CPU 0: A, lazy */
	fk_u64(f, pc(SK_CTXS, 0) + 8, 10);
	fk_u64(f, pc(SK_CTXS, 1), 5);		/* CPU 1: A */
	fk_u64(f, pc(SK_CTXS, 1) + 8, 10);
	s->t.cpu_regs = fk_cpu_regs;
	s->t.symbol_name = fk_symbol_name;
	memset(regs, 0, sizeof(regs));
}

/* sender's csd for target in its cfd_data */
static uint64_t
cfd_csd(int sender, int target)
{
	return pc(SK_CFDC, target) + (uint64_t)sender * 0x40;
}

/* a csd at a with flags, func, info, src/dst */
static void
put_csd(struct synth *s, uint64_t a, uint32_t flags, uint64_t func,
	uint64_t info, int src, int dst)
{
	uint16_t v;

	fk_u64(&s->f, a, 0);
	fk_u32(&s->f, a + 8, flags);
	v = (uint16_t)src;
	fk_poke(&s->f, a + 12, &v, 2);
	v = (uint16_t)dst;
	fk_poke(&s->f, a + 14, &v, 2);
	fk_u64(&s->f, a + 16, func);
	fk_u64(&s->f, a + 24, info);
}

static void
put_fti(struct synth *s, int cpu, uint64_t mm, uint64_t start, uint64_t end,
	uint64_t gen, int freed)
{
	uint64_t a = pc(SK_FTI, cpu);
	uint8_t b;

	fk_u64(&s->f, a, mm);
	fk_u64(&s->f, a + 8, start);
	fk_u64(&s->f, a + 16, end);
	fk_u64(&s->f, a + 24, gen);
	fk_u32(&s->f, a + 32, (uint32_t)cpu);
	b = 12;
	fk_poke(&s->f, a + 36, &b, 1);
	b = (uint8_t)freed;
	fk_poke(&s->f, a + 37, &b, 1);
}

static void
set_regs(int cpu, int user, int irqs_on)
{
	regs[cpu].ok = 1;
	regs[cpu].ip = user ? 0x401000 : 0xffffffff81005000ULL;
	regs[cpu].cs = user ? 0x33 : 0x10;
	regs[cpu].fl = irqs_on ? 0x246 : 0x46;
}

/* the healthy 6.x scene (tlb_state_shared) with the smp.c/TLB structures,
 * the csd layout cache emptied (a new target) */
static void
sk_csd_scene(struct synth *s, struct scene *x)
{
	struct sk_cfg c;

	sk_default_cfg(&c);
	c.tlb_kind = MMA_TLB_SHARED;
	sk_init(s, &c);
	sk_scene(s, x);
	csd_types(s, x);
	mma_csd_layout_forget();
}

#endif /* SYNTH_CSD_H */
