/*
 * fuzz_input.h - the input format of the core's fuzz harness
 * (tests/fuzz/fuzz_core.c), shared with the seed generator
 * (tests/fuzz/mkseeds.c).
 *
 *   byte 0   era: which kernel the healthy base scene is (enum fz_era)
 *   byte 1   FZ_O_* switches (optional target callbacks, list walk, ...)
 *   byte 2   salt: which unreadable pages addr_state() calls filtered,
 *            the list-walk cap
 *   then     operations until the input ends (at most FZ_MAX_OPS): an
 *            opcode byte (enum fz_op, modulo FZ_OP_COUNT) and its
 *            arguments, read by the harness; a short input reads zeros.
 *
 * Everything the input names is chosen by index modulo the size of the
 * table it picks from (a task, a memory slot, a member answer, a
 * symbol...), so every byte string is a valid input and a mutation of
 * one byte changes one choice.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

enum fz_era {
	FZ_ERA_BOOKWORM = 0,	/* fixtures/bookworm-6.1.txt */
	FZ_ERA_BULLSEYE,	/* fixtures/bullseye-5.10.txt */
	FZ_ERA_TRIXIE,		/* fixtures/trixie-6.12.txt */
	FZ_ERA_SYNTH,		/* synth.h default: cpu_bitmap, shared is_lazy */
	FZ_ERA_FLEX,		/* synth.h: v6.19 flexible_array */
	FZ_ERA_2632,		/* synth.h SK_ERA_2632 */
	FZ_ERA_310,		/* synth.h SK_ERA_310 (OFFSTACK pointer) */
	FZ_ERA_310_ONSTACK,	/* synth.h SK_ERA_310_ONSTACK */
	FZ_ERA_413,		/* synth.h SK_ERA_413 */
	FZ_ERA_414,		/* synth.h SK_ERA_414 */
	FZ_ERA_COUNT
};

/* byte 1 */
#define FZ_O_NOCSD	0x01	/* leave out the smp.c/x86 TLB structures */
#define FZ_O_NOWALK	0x02	/* do not walk init_task.tasks */
#define FZ_O_SLAB	0x04	/* slab_classify() */
#define FZ_O_KVADDR	0x08	/* is_kvaddr(): x86_64 kernel half */
#define FZ_O_ADDRSTATE	0x10	/* addr_state(): some pages filtered */
#define FZ_O_REGS	0x20	/* cpu_regs() and symbol_name() */
#define FZ_O_TASKSTATE	0x40	/* task_state() */
#define FZ_O_RECORD	0x80	/* run through the recorder (record.c) */

enum fz_op {
	FZ_OP_FIELD = 0,	/* u16 slot, value: write a field of an object */
	FZ_OP_BYTES,		/* u8 region, u16 offset, u8 len, bytes */
	FZ_OP_MEMBER,		/* u16 member, u8 what, value: a member answer */
	FZ_OP_STRUCT,		/* u8 struct, long: a struct size */
	FZ_OP_SYMBOL,		/* u8 symbol, u8 what, value */
	FZ_OP_PERCPU,		/* u8 what, u8 index, value: per-CPU answers */
	FZ_OP_TYPEDEF,		/* u8 typedef, u8 class, u8 next name */
	FZ_OP_NCPUS,		/* u8: the target's CPU count */
	FZ_OP_REGION,		/* value base, u16 size, u8 fill: new memory */
	FZ_OP_SHRINK,		/* u8 region, u16 new size: cut memory */
	FZ_OP_REGS,		/* u8 cpu, u8 ip, u8 flags: saved registers */
	FZ_OP_NAMED,		/* u8 which, long: kconfig / symbol_size */
	FZ_OP_ADDTASK,		/* u8 src, value: a task the adapter hands in */
	FZ_OP_ADDMM,		/* value: mmlist -m <mm> */
	FZ_OP_FILTER,		/* u8 what, u32: the views' filter */
	FZ_OP_CPULIST,		/* u8 len, bytes: a cpulist string to parse */
	FZ_OP_MASKQ,		/* u8 deref, u16 nbits, value: mmmask query */
	FZ_OP_SLAB,		/* value addr, u8 state, u8 cache name */
	FZ_OP_COUNT
};

#define FZ_MAX_OPS	256
#define FZ_MAX_LEN	4096

#endif /* FUZZ_INPUT_H */
