/*
 * mmcore.h - crash-free core of the mmaudit crash extension.
 *
 * The core never includes crash headers.  It reads the kernel through a
 * "target" (struct mma_target: callbacks + ctx), resolves the kernel data
 * structure layout once by member existence and type (never by version
 * number), builds a model of tasks, address spaces (mm_struct) and CPUs,
 * runs the rules and renders text or JSON to a FILE *.
 *
 * Every pointer read from the dump is treated as hostile: it is range- and
 * alignment-checked before use, every read may fail, every list walk is
 * bounded and loop-checked.  A bad task or mm is reported as a finding and
 * skipped; nothing here aborts.
 */
#ifndef MMCORE_H
#define MMCORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Built into the crash extension, which crash dlopen()s RTLD_GLOBAL: keep
 * every core symbol out of the .so's dynamic symbol table.
 */
#pragma GCC visibility push(hidden)

#define MMA_VERSION       "0.1.0"
#define MMA_JSON_VERSION  1

/*
 * The largest member offset, member size or struct size the core takes
 * from a target (1 MiB: task_struct, the largest structure read, is ~10
 * KiB).  A larger answer is garbage and counts as "not found": offsets
 * near LONG_MAX would overflow the address arithmetic.
 */
#define MMA_MAX_TYPE_SIZE (1L << 20)

/* ------------------------------------------------------------------ */
/* target: how the core reads the kernel                               */
/* ------------------------------------------------------------------ */

/*
 * Type classes reported by mma_target.member_type() and typedef_type().
 * A target reports its debugger's RAW answer: a member declared with a
 * typedef (atomic_t, cpumask_var_t, cpumask_t) is MMA_TC_TYPEDEF with the
 * typedef's name, exactly as crash's MEMBER_TYPE()/MEMBER_TYPE_NAME()
 * answer; the core resolves it (mma_member_class()).
 */
enum mma_tc {
	MMA_TC_NONE = 0,	/* member does not exist */
	MMA_TC_INT,
	MMA_TC_PTR,
	MMA_TC_ARRAY,
	MMA_TC_STRUCT,
	MMA_TC_UNION,
	MMA_TC_OTHER,		/* a type code the target cannot name */
	MMA_TC_TYPEDEF,		/* unresolved typedef: name says which */
	MMA_TC_ENUM,
	MMA_TC_BOOL,
	MMA_TC_FUNC,
	MMA_TC_FLOAT,
	MMA_TC_VOID,
	MMA_TC_COUNT
};

/* Where a kernel address stands in the dump (optional target callback). */
enum mma_addr {
	MMA_ADDR_UNKNOWN = 0,
	MMA_ADDR_PRESENT,	/* readable */
	MMA_ADDR_EXCLUDED,	/* mapped, but its page is not in the dump */
	MMA_ADDR_UNMAPPED,	/* no translation, or beyond memory */
};

/* Slab classification of an address (optional target callback). */
enum mma_slab {
	MMA_SLAB_UNKNOWN = 0,	/* could not tell */
	MMA_SLAB_ALLOC,		/* start of an allocated object of cache */
	MMA_SLAB_FREE,		/* start of a free object of cache */
	MMA_SLAB_INSIDE,	/* inside (not at the start of) an object */
	MMA_SLAB_NOT_SLAB,	/* not in a slab page at all */
};

/* the name of an enum mma_slab in every output */
static inline const char *
mma_slab_name(int s)
{
	switch (s) {
	case MMA_SLAB_ALLOC: return "alloc";
	case MMA_SLAB_FREE: return "free";
	case MMA_SLAB_INSIDE: return "inside";
	case MMA_SLAB_NOT_SLAB: return "not-slab";
	default: return "unknown";
	}
}

struct mma_target {
	void *ctx;
	/* read len bytes of kernel virtual memory; 0 ok, -1 error */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* offset of member in struct (also inside anonymous structs/unions), -1 */
	long (*member_offset)(void *ctx, const char *type, const char *member);
	/* size of member, -1 */
	long (*member_size)(void *ctx, const char *type, const char *member);
	/* raw enum mma_tc of a member; its type name copied to name */
	int (*member_type)(void *ctx, const char *type, const char *member,
			   char *name, size_t namelen);
	/*
	 * optional: class of the typedef called name (MMA_TC_NONE if there
	 * is no such typedef).  A target that resolves the whole chain at
	 * once (crash: check_typedef()) returns the final class and leaves
	 * target empty; one that resolves one step returns MMA_TC_TYPEDEF
	 * with the next typedef's name in target.
	 */
	int (*typedef_type)(void *ctx, const char *name, char *target,
			    size_t len);
	/* sizeof(struct type), -1 */
	long (*struct_size)(void *ctx, const char *type);
	/* address of a symbol; 0 found, -1 not */
	int (*symbol)(void *ctx, const char *name, uint64_t *addr);
	/* address of per-CPU symbol sym for cpu; 0 ok, -1 not */
	int (*percpu_addr)(void *ctx, const char *sym, int cpu, uint64_t *addr);
	/* optional: classify addr; cache name copied (NUL-terminated) */
	int (*slab_classify)(void *ctx, uint64_t addr, char *cache, size_t len);
	/* optional: 1 if addr is a plausible kernel virtual address */
	int (*is_kvaddr)(void *ctx, uint64_t addr);
	/* optional: a short state name ("RU", "IN", "ZO") of a task */
	int (*task_state)(void *ctx, uint64_t task, char *buf, size_t len);
	/* number of CPUs the target knows (crash: kt->cpus); 0 = nr_cpu_ids */
	int ncpus;
	/* 1 if the CPU was hidden/offline according to the target (optional) */
	int (*cpu_hidden)(void *ctx, int cpu);
	/* optional: enum mma_addr state of a kernel address (is its page in
	 * the dump?), asked after a read failed */
	int (*addr_state)(void *ctx, uint64_t addr);
	/* optional: size in bytes of the object at a symbol, -1 unknown */
	long (*symbol_size)(void *ctx, const char *name);
	/* optional: a kernel config option from the dump's ikconfig:
	 * 1 y/m, 0 not set, -1 unknown (no ikconfig) */
	int (*kconfig)(void *ctx, const char *name);
	/* optional: name of the symbol at or below addr (crash:
	 * value_search()), offset from it; 0 found, -1 not */
	int (*symbol_name)(void *ctx, uint64_t addr, char *buf, size_t len,
			   uint64_t *offset);
	/* optional: a CPU's registers saved in the dump (ELF/kdump notes):
	 * instruction pointer, flags register, code segment; 0 ok, -1 none */
	int (*cpu_regs)(void *ctx, int cpu, uint64_t *ip, uint64_t *flags,
			uint64_t *cs);
	/*
	 * For the core's own SLUB walk (slab.c: struct mma_slabck), which
	 * the model uses when the target gives page_of and no slab_classify
	 * (a target that does give slab_classify is asked instead).
	 * Everything else the walk needs comes through the callbacks above.
	 *
	 * optional: the address of the struct page of kvaddr's page (crash:
	 * kvtop() + phys_to_page()).  Returns 0 when kvaddr is the
	 * direct-map (linear) address of its byte, 1 when it reaches that
	 * page through another mapping (vmalloc, kernel image: no object
	 * arithmetic there), -1 when there is no translation or no struct
	 * page (*page unset).
	 */
	int (*page_of)(void *ctx, uint64_t kvaddr, uint64_t *page);
	/* optional: value of a kernel enumerator (PG_slab, PGTY_slab,
	 * PAGE_TYPE_BASE, PG_tail, ...); 0 found, -1 not */
	int (*enum_value)(void *ctx, const char *name, long long *val);
	/* bytes per page (crash: PAGESIZE()); 0 unknown: no SLUB walk */
	long page_size;
};

/* ------------------------------------------------------------------ */
/* layout: resolved once                                               */
/* ------------------------------------------------------------------ */

enum mma_mask_kind {
	MMA_MASK_NONE = 0,
	MMA_MASK_CPU_VM_MASK,	/* 2.6: cpumask_t cpu_vm_mask embedded */
	MMA_MASK_VAR_PTR,	/* 3.x OFFSTACK: cpumask_var_t pointer */
	MMA_MASK_VAR_ARRAY,	/* 3.x !OFFSTACK: cpumask_var_t = cpumask[1] */
	MMA_MASK_CPU_BITMAP,	/* 4.19+: unsigned long cpu_bitmap[] */
	MMA_MASK_FLEX,		/* 6.19+: start of flexible_array */
};

enum mma_tlb_kind {
	MMA_TLB_NONE = 0,	/* not x86 or no cpu_tlbstate */
	MMA_TLB_OLD,		/* cpu_tlbstate.active_mm + state (TLBSTATE_LAZY) */
	MMA_TLB_LOADED,		/* cpu_tlbstate.loaded_mm, no lazy flag */
	MMA_TLB_LAZY,		/* cpu_tlbstate.loaded_mm + is_lazy */
	MMA_TLB_SHARED,		/* loaded_mm + cpu_tlbstate_shared.is_lazy */
};

const char *mma_tlb_kind_name(int kind);

/* x86 cpu_tlbstate.state values of the old layout (arch/x86 tlbflush.h) */
#define MMA_TLBSTATE_OK    1
#define MMA_TLBSTATE_LAZY  2

/*
 * x86 cpu_tlbstate.loaded_mm while switch_mm_irqs_off() is between two
 * mms: (struct mm_struct *)1, Linux kernel commit 4012e77a903d ("x86/nmi:
 * Fix NMI uaccess race against CR3 switching") (in v5.3).
 */
#define MMA_LOADED_MM_SWITCHING 1ULL

/* task_struct.flags bits (include/linux/sched.h, stable since 2.6) */
#define MMA_PF_EXITING 0x00000004u

struct mma_layout {
	int ok;			/* enough to run the task/mm views */
	char why[256];		/* if !ok: why not */
	char notes[512];	/* what was chosen, for mmaudit -v */

	/* task_struct */
	long task_size;
	long t_pid, t_tgid, t_comm, t_comm_len, t_flags, t_flags_size;
	long t_state, t_state_size, t_exit_state, t_mm, t_active_mm;
	long t_group_leader, t_tasks, t_cpu, t_cpu_size;
	long t_stack, ti_cpu, ti_cpu_size;	/* cpu via task->stack (old) */
	long t_thread_group;			/* old thread list */
	long t_signal, sig_thread_head, t_thread_node;	/* new thread list */
	long span_lo, span_len;		/* one read per task */
	const char *state_member;
	/* task_state_array letters (fs/proc/array.c), by index = fls(state) */
	char state_letter[16];
	int nstates;

	/* mm_struct */
	long mm_size, mm_users, mm_count, mm_users_size, mm_count_size;
	long mm_owner;
	int mask_kind;
	long mask_off;
	const char *mask_member;

	/* cpus */
	unsigned nr_cpu_ids;
	unsigned nr_cpus_max;		/* NR_CPUS, from sizeof(struct cpumask) */
	int ncpus;			/* CPUs examined */
	unsigned mask_words;		/* BITS_TO_LONGS(nr_cpu_ids) */
	uint64_t init_mm, efi_mm, init_task;
	uint64_t poking_mm;		/* x86 text_poke() mm (value of poking_mm) */
	uint64_t online_mask, possible_mask;
	const char *online_sym;
	const char *rq_sym;
	long rq_curr, rq_idle;
	int tlb_kind;
	long tlb_loaded_mm, tlb_is_lazy, tlb_active_mm, tlb_state;
	long tlb_shared_is_lazy;
	long tlb_lazy_size;
	const char *tlb_sym, *tlb_shared_sym;	/* per-CPU names found */
	long t_on_cpu;			/* task_struct.on_cpu (SMP) */
	long rq_prev_mm;		/* rq.prev_mm */
	/*
	 * 1 when a lazy-TLB borrower holds an mm_count reference, 0 with
	 * CONFIG_MMU_LAZY_TLB_SHOOTDOWN (ppc64 6.2+), -1 unknown (assume 1)
	 */
	int lazy_refcounted;
	const char *lazy_how;		/* how that was decided */
};

int mma_layout_resolve(const struct mma_target *t, struct mma_layout *l);
/*
 * class of a member with typedefs resolved (bounded chain): MMA_TC_NONE
 * if it does not exist, MMA_TC_TYPEDEF if the target could not resolve
 * it.  raw (optional) gets the target's raw answer, name its type name.
 */
int mma_member_class(const struct mma_target *t, const char *s,
		     const char *m, int *raw, char *name, size_t len);

/* record.c: names of enum mma_tc ("PTR"), and back (-1 if unknown) */
const char *mma_tc_name(int tc);
int mma_tc_parse(const char *s);

/*
 * A recording target: wraps any target, forwards every call and writes
 * each type/symbol query with its answer, once, to fp (the fixture
 * format of tests/unit/fixtures, docs/design.md "Recorded fakes").
 * Memory reads are forwarded, never recorded.
 */
struct mma_recorder {
	struct mma_target t;		/* hand this one to the core */
	const struct mma_target *in;	/* the wrapped target */
	FILE *fp;
	char **seen;			/* lines written (dedup) */
	size_t nseen, cap;
};
void mma_record_init(struct mma_recorder *r, const struct mma_target *in,
		     FILE *fp);
void mma_record_free(struct mma_recorder *r);
void mma_layout_describe(const struct mma_layout *l, FILE *fp);

/* ------------------------------------------------------------------ */
/* slab classification: the core's SLUB walk (slab.c)                  */
/* ------------------------------------------------------------------ */

/* free-pointer decoding of CONFIG_SLAB_FREELIST_HARDENED */
enum { MMA_FP_UNDECIDED = 0, MMA_FP_SWAB, MMA_FP_PLAIN };

/*
 * Is an address an allocated mm_struct slab object?  State of the walk
 * for one target: the layout of struct page / slab / kmem_cache and the
 * mm_struct cache, resolved on first use; the per-CPU slabs, read once
 * until mma_slab_reset().  Zeroed (or mma_slab_init()) = not resolved.
 */
struct mma_slabck {
	const struct mma_target *t;
	int done, ok;
	char why[160];		/* if !ok: why classification is off */
	/* struct page */
	long page_size, pg_flags, pg_compound_head, pg_first_page;
	long pg_page_type, pg_page_type_size;
	int slab_test, head_how;
	uint64_t slab_bit, tail_mask, type_base, type_slab;
	/* struct slab (struct page before v5.17) */
	long sl_cache, sl_freelist;
	/* struct kmem_cache (SLUB) */
	long kc_size, kc_size_sz, kc_offset, kc_offset_sz, kc_random;
	long kc_rlp, kc_rlp_sz, kc_name, kc_oo, kc_oo_sz, kc_cpu_slab;
	long kcc_freelist, kcc_slab;
	uint64_t mm_cache;
	uint64_t pgsize;	/* bytes per page (target's page_size) */
	int ncpus;
	/* of the mm_struct cache, read once */
	uint64_t size, offset, random, red_left_pad, objects, order;
	int fp_mode;		/* MMA_FP_* */
	/* KFENCE pool: [kfence_start, kfence_end), empty if none */
	uint64_t kfence_start, kfence_end;
	/* per command */
	int cpus_read;
	uint64_t *cpu_slab, *cpu_freelist;
};

/* bind s to t, nothing resolved yet (s is overwritten, not freed) */
void mma_slab_init(struct mma_slabck *s, const struct mma_target *t);
/* why classification is off, or NULL when it is on (resolves) */
const char *mma_slab_status(struct mma_slabck *s);
/*
 * enum mma_slab of addr; cache gets the cache's name when known
 * ("mm_struct" or another cache).  MMA_SLAB_UNKNOWN whenever a fact the
 * verdict needs is missing.
 */
int mma_slab_classify(struct mma_slabck *s, uint64_t addr, char *cache,
		      size_t len);
/* forget the per-CPU slabs (read again by the next classification) */
void mma_slab_reset(struct mma_slabck *s);
/* free what s holds (s stays bound and resolved) */
void mma_slab_free(struct mma_slabck *s);

/* ------------------------------------------------------------------ */
/* cpumask helpers (cpumask.c)                                         */
/* ------------------------------------------------------------------ */

#define MMA_BITS_PER_LONG 64
#define MMA_BITS_TO_LONGS(n) (((n) + MMA_BITS_PER_LONG - 1) / MMA_BITS_PER_LONG)

int mma_bit_test(const uint64_t *w, unsigned nwords, unsigned bit);
unsigned mma_bit_weight(const uint64_t *w, unsigned nbits);
/* format bits [0, nbits) as "0-3,49" into buf; "" if empty.
 * Returns the length it needed (like snprintf); buf always terminated. */
size_t mma_cpulist_format(const uint64_t *w, unsigned nbits, char *buf,
			  size_t len);
/* parse "0-3,49" (spaces allowed, "" = empty) into w (nwords words,
 * zeroed first).  -1 on syntax error or a CPU >= nwords * 64. */
int mma_cpulist_parse(const char *s, uint64_t *w, unsigned nwords);
/* first set bit >= from, in [0, nbits); -1 if none */
int mma_bit_next(const uint64_t *w, unsigned nbits, unsigned from);

/* ------------------------------------------------------------------ */
/* model                                                               */
/* ------------------------------------------------------------------ */

enum mma_rel {
	MMA_REL_NONE = 0,	/* mm NULL, active_mm NULL */
	MMA_REL_OWN,		/* mm == active_mm */
	MMA_REL_BORROWED,	/* mm NULL, active_mm set (lazy TLB) */
	MMA_REL_KTHREAD_USE_MM,	/* PF_KTHREAD with mm set */
	MMA_REL_INVALID,	/* mm set, active_mm differs */
};
const char *mma_rel_name(int rel);

#define MMA_PF_KTHREAD 0x00200000u

/* the kernel's own, statically allocated or never refcounted mms */
enum mma_static {
	MMA_STATIC_NONE = 0,
	MMA_STATIC_INIT_MM,	/* init_mm */
	MMA_STATIC_EFI_MM,	/* efi_mm (EFI runtime services) */
	MMA_STATIC_POKING_MM,	/* x86 text_poke() mm (slab, no task) */
};
const char *mma_static_name(int kind);

/* why an mm pointer could not be used */
enum mma_bad {
	MMA_BAD_NONE = 0,
	MMA_BAD_ADDR,		/* not an aligned kernel address */
	MMA_BAD_READ,		/* mapped but unreadable */
	MMA_BAD_MISSING,	/* page not in the dump (filtered): unknown */
};

/* state of the init_task.tasks walk */
enum mma_list {
	MMA_LIST_NOT_WALKED = -1,
	MMA_LIST_OK = 0,
	MMA_LIST_LOOP,
	MMA_LIST_TRUNCATED,
	MMA_LIST_BROKEN,
	MMA_LIST_INCOMPLETE,	/* a page of the list is not in the dump */
};
const char *mma_list_state_name(int state);

/* where a task came from */
#define MMA_SRC_TARGET 0x1	/* handed in by the adapter */
#define MMA_SRC_IDLE   0x2	/* a CPU's runqueue idle task */
#define MMA_SRC_CURR   0x4	/* a CPU's runqueue current task */
#define MMA_SRC_LIST   0x8	/* found walking init_task.tasks */

struct mma_task {
	uint64_t addr, mm, active_mm, group_leader;
	uint64_t state;
	int32_t pid, tgid;
	uint32_t flags, exit_state;
	uint64_t tasks_next;	/* tasks.next, from the same read */
	int cpu;		/* task's cpu field, -1 unknown */
	int on_cpu;		/* task_struct.on_cpu: 1, 0, -1 unknown */
	int unref;		/* active_mm held without a reference (the
				   idle task of an offline CPU) */
	int oncpu;		/* CPU where it is rq->curr, -1 */
	int idle_of;		/* CPU whose rq->idle it is, -1 */
	unsigned src;
	int rel;
	int mm_idx, amm_idx;	/* index into mms, -1 */
	char comm[17];
	char st[4];
};

struct mma_mm {
	uint64_t addr;
	int readok;		/* counters read */
	int32_t users, count;
	uint64_t owner;		/* mm->owner (CONFIG_MEMCG), 0 if none */
	int owner_pid;		/* pid of owner or of a leader using it, -1 */
	int is_static;		/* enum mma_static */
	int slab;		/* enum mma_slab */
	char slab_cache[32];
	int bad;		/* enum mma_bad */
	unsigned refs;		/* MMA_REF_* */
	int ntasks;		/* non-kthread tasks with task->mm == this */
	int nkthread;		/* PF_KTHREAD tasks with task->mm == this */
	int nlazy;		/* tasks with mm NULL and active_mm == this */
	int nlazy_oncpu;
	int nlazy_unref;	/* borrowers holding no reference (offline
				   idle tasks; every borrower on kernels with
				   CONFIG_MMU_LAZY_TLB_SHOOTDOWN) */
	int nprev;		/* rq->prev_mm of a CPU mid context switch */
	int nexiting;		/* PF_EXITING tasks of its owner or borrowing it */
	int nloaded;		/* CPUs with loaded_mm == this */
	int explained;		/* explained minimum of mm_count */
	int explained_max;	/* + references that may or may not exist */
	int slack;		/* count - explained */
	int users_slack;	/* users - ntasks - nkthread(…) */
	int *tgids;
	int ntgids, tgcap;
	uint64_t mask_addr;
	int mask_ok;
	uint64_t *mask;		/* layout.mask_words words */
	char cpus[128];		/* decoded (truncated with "...") */
	int mask_weight;
	int mask_beyond;	/* bits set at or beyond nr_cpu_ids */
};

#define MMA_REF_MM     0x1
#define MMA_REF_ACTIVE 0x2
#define MMA_REF_LOADED 0x4
#define MMA_REF_PREV   0x8	/* a CPU's rq->prev_mm */

struct mma_cpu {
	int cpu;
	int online;		/* 1, 0, -1 unknown */
	int readok;
	uint64_t curr, idle;
	int curr_idx, idle_idx;	/* index into tasks, -1 */
	uint64_t loaded_mm;	/* or cpu_tlbstate.active_mm (old) */
	int loaded_idx;		/* index into mms, -1 */
	int prev_idx;		/* index into mms of prev_mm, -1 */
	int is_lazy;		/* 1, 0, -1 unknown */
	int tlbstate;		/* old kernels: 1 OK, 2 LAZY; else 0 */
	int bit;		/* bit of this CPU in mm_cpumask(loaded_mm): 1/0/-1 */
	uint64_t prev_mm;	/* rq->prev_mm: mm dropped by finish_task_switch() */
	int tlb_readok;		/* loaded_mm (old: active_mm) was read */
};

enum mma_sev { MMA_SEV_INFO = 0, MMA_SEV_SUSPICIOUS, MMA_SEV_BUG };
const char *mma_sev_name(int sev);
int mma_sev_parse(const char *name);

struct mma_finding {
	const char *rule;	/* rule id */
	int sev;
	uint64_t task, mm;	/* objects involved (0 = none) */
	int cpu;		/* -1 = none */
	int pid;		/* -1 = none */
	char detail[256];	/* the numbers */
	const char *reason;	/* one sentence of kernel reason */
};

/* a simple u64 -> int open-addressing hash */
struct mma_hash {
	uint64_t *keys;
	int *vals;
	size_t cap, n;
};

struct mma_model {
	const struct mma_target *t;
	const struct mma_layout *l;
	struct mma_task *tasks;
	int ntasks, taskcap;
	struct mma_mm *mms;
	int nmms, mmcap;
	struct mma_cpu *cpus;
	int ncpus;
	struct mma_finding *findings;
	int nfindings, findcap;
	int nsev[3];
	struct mma_hash taskh, mmh;
	uint64_t *online;	/* online mask words, NULL if unknown */
	int nonline;
	/* statistics */
	int bad_tasks;		/* task pointers rejected */
	int read_errors;
	int list_walked;	/* tasks seen walking init_task.tasks */
	int list_added;		/* tasks added by that walk */
	int list_state;		/* enum mma_list */
	int missing;		/* objects in pages not in the dump (filtered) */
	int missing_tasks;	/* of them task_structs (or the list's rest) */
	double t_start;		/* mma_model_init time (ms, monotonic) */
	double build_ms;	/* init .. end of build */
	/* phases (ms): adapter's tasks, CPUs, list walk, mms, rules */
	double ms_tasks, ms_cpus, ms_walk, ms_mms, ms_rules;
	/* the core's SLUB walk, for a target with page_of and no
	 * slab_classify (mma_model_slab()); NULL until first used */
	struct mma_slabck *slab;
};

/* options for building */
struct mma_build_opts {
	int walk_list;		/* also walk init_task.tasks (bounded) */
	int max_tasks;		/* hard cap on the list walk */
};

/* model.c: building the model (tasks.c, mms.c, cpus.c do the reading) */
void mma_model_init(struct mma_model *m, const struct mma_target *t,
		    const struct mma_layout *l);
/* finish: per-CPU data, list walk, mms, counters, rules */
int mma_model_build(struct mma_model *m, const struct mma_build_opts *o);
/*
 * both front ends' sources, in crash's order: the task table (ntasks
 * addresses), each CPU's active task (active[cpu], 0 = none; marked on that
 * CPU), the mm named on the command line (0: none); then mma_model_build()
 * with or without the init_task.tasks walk
 */
int mma_model_fill(struct mma_model *m, const uint64_t *tasks, int ntasks,
		   const uint64_t *active, int nactive, uint64_t extra_mm,
		   int walk);
void mma_model_free(struct mma_model *m);
int mma_model_find_mm(const struct mma_model *m, uint64_t addr);
int mma_model_find_task(const struct mma_model *m, uint64_t addr);

/* tasks.c: add a task address handed in by the adapter (src: MMA_SRC_*) */
int mma_model_add_task(struct mma_model *m, uint64_t addr, unsigned src);

/* mms.c */
/*
 * enum mma_slab of an mm pointer: the target's slab_classify when it has
 * one, else the core's SLUB walk (slab.c) when it gives page_of, else
 * MMA_SLAB_UNKNOWN; cache as slab_classify's
 */
int mma_model_slab(struct mma_model *m, uint64_t addr, char *cache,
		   size_t len);
/* also show this mm even if no task or CPU reaches it (before build) */
int mma_model_add_mm(struct mma_model *m, uint64_t addr);
/* read nwords words of a cpumask at addr; 0 ok */
int mma_read_mask(const struct mma_model *m, uint64_t addr, uint64_t *w,
		  unsigned nwords);
/* address of mm_cpumask(mm), 0 on error */
uint64_t mma_mm_mask_addr(const struct mma_model *m, uint64_t mm);

/* read.c */
int mma_kvaddr_ok(const struct mma_target *t, uint64_t addr, unsigned align);
/* after a failed read: is the range in a page the dump left out? */
int mma_addr_missing(const struct mma_model *m, uint64_t addr, size_t len);

/* hash.c */
void mma_hash_init(struct mma_hash *h);
void mma_hash_free(struct mma_hash *h);
int mma_hash_get(const struct mma_hash *h, uint64_t key);
int mma_hash_put(struct mma_hash *h, uint64_t key, int val);

/* rules.c */
struct mma_rule {
	const char *id;
	int sev;
	const char *reason;
};
extern const struct mma_rule mma_rules[];
const struct mma_rule *mma_rule_find(const char *id);
void mma_run_rules(struct mma_model *m);
void mma_add_finding(struct mma_model *m, const char *rule, int sev,
		     uint64_t task, uint64_t mm, int cpu, int pid,
		     const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* render.c */
#define MMA_F_JSON      0x1
#define MMA_F_BORROWED  0x2
#define MMA_F_VERBOSE   0x4

struct mma_filter {
	int pid;		/* -1 any */
	uint64_t mm;		/* 0 any */
	int cpu;		/* -1 any */
	int min_sev;		/* findings */
	const char *rule;	/* findings: only this rule */
};
void mma_filter_init(struct mma_filter *f);

void mma_render_tasks(const struct mma_model *m, const struct mma_filter *f,
		      unsigned flags, FILE *fp);
void mma_render_mms(const struct mma_model *m, const struct mma_filter *f,
		    unsigned flags, FILE *fp);
void mma_render_cpus(const struct mma_model *m, const struct mma_filter *f,
		     unsigned flags, FILE *fp);
void mma_render_findings(const struct mma_model *m, const struct mma_filter *f,
			 unsigned flags, FILE *fp);
void mma_render_summary(const struct mma_model *m, unsigned flags, FILE *fp);
/* a JSON error object (or a text error line) for a command that cannot run */
void mma_render_error(const char *cmd, const char *why, unsigned flags,
		      FILE *fp);
/* JSON helpers */
void mma_json_str(FILE *fp, const char *s);
void mma_json_head(FILE *fp, const char *cmd);

#pragma GCC visibility pop

#endif /* MMCORE_H */
