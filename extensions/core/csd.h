/*
 * csd.h - cross-CPU function calls (kernel/smp.c call_single_queue and
 * cfd_data), x86 TLB shootdowns (per-CPU flush_tlb_info) and TLB
 * generations (cpu_tlbstate.ctxs[] against mm->context.tlb_gen), read
 * from the dump through the target.  Crash-free, like the rest of core/.
 *
 * The layout is resolved by member existence (struct mma_csd_layout, kept
 * apart from struct mma_layout); every read may fail and every list walk
 * is bounded.  csd.c reads, render_csd.c prints, mma_csd_rules() judges.
 */
#ifndef MMA_CSD_H
#define MMA_CSD_H

#include "mmcore.h"

#pragma GCC visibility push(hidden)

#define MMA_CSD_MAXQ	64	/* entries decoded per call_single_queue */

/* CSD flag bits, include/linux/smp_types.h (v5.8+) and kernel/smp.c */
#define MMA_CSD_FLAG_LOCK	0x01
#define MMA_CSD_TYPE_MASK	0xF0
#define MMA_CSD_TYPE_ASYNC	0x00
#define MMA_CSD_TYPE_SYNC	0x10
#define MMA_CSD_TYPE_IRQ_WORK	0x20
#define MMA_CSD_TYPE_TTWU	0x30
/* before v5.8: CSD_FLAG_SYNCHRONOUS */
#define MMA_CSD_OLD_SYNC	0x02

/* what a call_single_queue entry is */
enum mma_csd_kind {
	MMA_CSDK_CALL = 0,	/* a call_single_data: func(info) */
	MMA_CSDK_IRQ_WORK,	/* struct irq_work (v5.8+) */
	MMA_CSDK_TTWU,		/* task_struct.wake_entry: remote wakeup */
};

/* which TLB flush a function is (x86) */
enum mma_flush {
	MMA_FLUSH_NONE = 0,
	MMA_FLUSH_MM,		/* flush_tlb_func(_remote): a user mm range */
	MMA_FLUSH_KERNEL,	/* do_kernel_range_flush */
	MMA_FLUSH_ALL,		/* do_flush_tlb_all */
};
const char *mma_flush_name(int kind);

struct mma_csd_layout {
	int ok;			/* call_single_queue can be decoded */
	char why[160];		/* if !ok */
	char notes[320];	/* what was found (text, JSON "layout") */
	/* struct (__)call_single_data */
	const char *csd_struct;
	long csd_size, csd_llist, csd_flags, csd_flags_size, csd_func;
	long csd_info, csd_src, csd_dst;	/* src/dst -1: absent */
	int typed;		/* v5.8+: CSD_TYPE_* bits and other nodes */
	long node_off;		/* struct __call_single_node in the csd */
	long iw_node, iw_func;	/* struct irq_work */
	long task_wake;		/* task_struct.wake_entry */
	/* cfd_data */
	int has_cfd;
	long cfd_pcpu, cfd_mask, cfd_ipi, cfd_elem, cfd_elem_csd;
	int cfd_mask_ptr;	/* cpumask_var_t is a pointer (OFFSTACK) */
	const char *cfd_member;	/* "pcpu" (struct cfd_percpu) or "csd" */
	int has_cur_csd;	/* CONFIG_CSD_LOCK_WAIT_DEBUG */
	/* x86 flush_tlb_info */
	int has_fti;
	long fti_size, fti_mm, fti_start, fti_end, fti_gen, fti_gen_size;
	long fti_init, fti_stride, fti_stride_size, fti_freed, fti_trim;
	/* x86 cpu_tlbstate TLB generations */
	int has_gen;
	const char *tlb_sym;
	long ts_asid, ts_next_asid, ts_ctxs, ctx_size, ctx_id, ctx_gen;
	int nr_ctxs;
	long mm_ctx_id, mm_tlb_gen;	/* in mm_struct */
	long mm_batched, mm_batched_size;
	/* function addresses */
	uint64_t fn_flush_mm[3], fn_kernel, fn_all;
	/* paravirt: where pv_ops' TLB-flush hook is, the native one */
	uint64_t pv_hook, pv_native;
	const char *pv_native_name;
	int percpu_ok;		/* per_cpu_ptr() through call_single_queue */
	uint64_t q_sym;
};

struct mma_fti {
	int ok;
	uint64_t addr, mm, start, end, new_tlb_gen;
	int initiating_cpu;	/* -1: absent */
	int stride_shift;
	int freed_tables;
	int trim_cpumask;	/* -1: absent */
};

struct mma_csd_ent {
	uint64_t addr;		/* csd, irq_work or task */
	int kind;		/* enum mma_csd_kind */
	uint32_t flags;
	int src, dst;		/* node.src/dst, -1 absent */
	uint64_t func, info;
	char fname[64];
	int flush;		/* enum mma_flush */
	struct mma_fti fti;	/* info decoded when flush == MM/KERNEL */
	int pid;		/* TTWU: the task woken */
	char comm[17];
	int cpu;		/* target CPU */
	int queued;		/* locked CSD: still on the target's queue */
	int stack;		/* a waited-for csd not in cfd_data (stack) */
};

struct mma_csd_cpu {
	int cpu;
	int online;		/* 1, 0, -1 */
	int curr_pid;		/* rq->curr */
	char curr_comm[17];
	int idle;		/* rq->curr is the idle task */
	/* call_single_queue */
	int q_ok;		/* 1 read, 0 unreadable */
	int q_more;		/* more than MMA_CSD_MAXQ or a loop */
	struct mma_csd_ent *q;
	int nq;
	/* cfd_data: this CPU as sender */
	int cfd_ok;
	uint64_t *cfd_mask, *cfd_ipi;	/* mask_words each */
	struct mma_csd_ent *locked;	/* locked CSDs, dst = target */
	int nlocked, lockcap;
	/* CONFIG_CSD_LOCK_WAIT_DEBUG: what this CPU is running */
	int cur_ok;
	uint64_t cur_csd, cur_func, cur_info;
	char cur_fname[64];
	/* per-CPU flush_tlb_info */
	struct mma_fti fti;
	int fti_busy;		/* a locked CSD of this CPU points at it */
	/* TLB generations */
	int gen_ok;		/* ctxs[asid] read and mm read */
	uint64_t loaded_mm;
	int lazy;		/* 1, 0, -1 */
	int asid, next_asid;
	uint64_t ctx_id, tlb_gen, mm_ctx_id, mm_tlb_gen;
	int ctx_match;		/* ctxs[asid].ctx_id == mm ctx_id */
	int64_t lag;		/* mm_tlb_gen - tlb_gen when ctx_match */
	int batched;		/* mm->tlb_flush_batched pending: 1/0/-1 */
	/* registers from the dump's notes */
	int regs_ok;
	uint64_t ip, rflags, cs;
	char ip_sym[64];
};

struct mma_csd {
	struct mma_csd_layout L;
	int ncpus;
	struct mma_csd_cpu *cpus;
	unsigned mask_words, nr_cpu_ids;
	int native;		/* TLB flush hook native: 1, 0 (paravirt), -1 */
	char pv_fn[64];		/* the hook's function name */
	int read_errors;
	double ms;
};

int mma_csd_layout_resolve(const struct mma_target *t,
			   struct mma_csd_layout *L);
/* the layout is cached per target: resolve it again at the next read */
void mma_csd_layout_forget(void);
/* read every CPU's queue, senders, flush_tlb_info and TLB generation */
int mma_csd_read(const struct mma_model *m, struct mma_csd *s);
void mma_csd_free(struct mma_csd *s);
/* the owner pid / comm of an mm, from the model (-1, "" if unknown) */
int mma_csd_mm_owner(const struct mma_model *m, uint64_t mm, char *comm,
		     size_t len);
/* rules stuck-shootdown, missed-flush, flush-outside-mask,
 * mask-cpu-not-targeted (called from mma_run_rules()) */
void mma_csd_rules(struct mma_model *m);

/* render_csd.c: the mmflush view */
void mma_render_csd(const struct mma_model *m, const struct mma_csd *s,
		    const struct mma_filter *f, unsigned flags, FILE *fp);

#pragma GCC visibility pop

#endif /* MMA_CSD_H */
