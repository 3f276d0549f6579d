/*
 * mmflush.c - crash glue of the mmflush command: cross-CPU calls and TLB
 * shootdowns (core/csd.c reads, core/render_csd.c prints), and two
 * optional target callbacks the core uses for them: the symbol name of
 * a function address (value_search()) and a CPU's saved registers (the
 * dump's notes, as `help -r` shows them).
 *
 * Named mmflush like its siblings (mmtask, mmlist, mmcpu, mmcheck,
 * mmmask): what a crash user chasing a TLB-flush hang or a stale TLB
 * looks for; the IPI queues it shows are the flushes' transport.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "mmcore.h"
#include "csd.h"
#include "mmglue.h"

/* ------------------------------------------------------------------ */
/* target callbacks                                                    */
/* ------------------------------------------------------------------ */

/**
 * mmflush_symbol_name - name of the text or data symbol at or below addr
 * @ctx: unused
 * @addr: kernel address
 * @buf: name copied here
 * @len: size of buf
 * @offset: addr - symbol value
 */
int
mmflush_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
		    uint64_t *offset)
{
	struct syment *sp;
	ulong off = 0;

	(void)ctx;
	if (!addr || !IS_KVADDR((ulong)addr))
		return -1;
	sp = value_search((ulong)addr, &off);
	if (!sp || !sp->name)
		return -1;
	snprintf(buf, len, "%s", sp->name);
	*offset = off;
	return 0;
}

struct cpuregs {
	int ok;
	uint64_t ip, flags, cs;
};

static struct cpuregs *regs;	/* per CPU, parsed once per session */
static int nregs, regs_done;

static uint64_t
hex_after(const char *line, const char *key, int *found)
{
	const char *p = strstr(line, key);

	if (!p)
		return 0;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (!strncmp(p, "selector:", 9))
		p += 9;
	while (*p == ' ')
		p++;
	*found = 1;
	return strtoull(p, NULL, 16);
}

/* crash's help -r, into a temporary file */
static void
dump_regs_to_tmpfile(void)
{
	if (pc->flags2 & QEMU_MEM_DUMP_ELF)
		dump_registers_for_qemu_mem_dump();
	else if (DISKDUMP_DUMPFILE())
		dump_registers_for_compressed_kdump();
	else if (NETDUMP_DUMPFILE() || KDUMP_DUMPFILE())
		dump_registers_for_elf_dumpfiles();
}

/*
 * Parse `help -r` once: "CPU n:" then RIP, RFLAGS and CS (QEMU's
 * "CS: selector: 0010" or NT_PRSTATUS' "CS: 0010").  An unsupported dump
 * makes crash's function error(FATAL); catch its longjmp.
 */
static void
load_regs(void)
{
	static jmp_buf save;
	char line[512];
	volatile int cpu = -1;
	int f;

	regs_done = 1;
	nregs = kt->cpus;
	regs = calloc((size_t)(nregs > 0 ? nregs : 1), sizeof(*regs));
	if (!regs || ACTIVE())
		return;
	memcpy(&save, &pc->main_loop_env, sizeof(jmp_buf));
	open_tmpfile();
	if (setjmp(pc->main_loop_env)) {
		memcpy(&pc->main_loop_env, &save, sizeof(jmp_buf));
		close_tmpfile();
		memset(regs, 0, (size_t)nregs * sizeof(*regs));
		return;
	}
	dump_regs_to_tmpfile();
	memcpy(&pc->main_loop_env, &save, sizeof(jmp_buf));
	rewind(pc->tmpfile);
	while (fgets(line, sizeof(line), pc->tmpfile)) {
		if (!strncmp(line, "CPU ", 4)) {
			cpu = atoi(line + 4);
			if (strstr(line, "OFFLINE") || cpu >= nregs)
				cpu = -1;
			continue;
		}
		if (cpu < 0)
			continue;
		f = 0;
		if (strstr(line, "RIP:"))
			regs[cpu].ip = hex_after(line, "RIP:", &f);
		if (strstr(line, "RFLAGS:"))
			regs[cpu].flags = hex_after(line, "RFLAGS:", &f);
		if (!strncmp(line + strspn(line, " "), "CS:", 3)) {
			regs[cpu].cs = hex_after(line, "CS:", &f);
			regs[cpu].ok = regs[cpu].ip != 0;
		}
	}
	close_tmpfile();
}

/**
 * mmflush_cpu_regs - a CPU's RIP, RFLAGS and CS saved in the dump
 * @ctx: unused
 * @cpu: CPU
 * @ip: @flags: @cs: filled
 */
int
mmflush_cpu_regs(void *ctx, int cpu, uint64_t *ip, uint64_t *flags,
		 uint64_t *cs)
{
	(void)ctx;
	if (!regs_done)
		load_regs();
	if (!regs || cpu < 0 || cpu >= nregs || !regs[cpu].ok)
		return -1;
	*ip = regs[cpu].ip;
	*flags = regs[cpu].flags;
	*cs = regs[cpu].cs;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the command                                                         */
/* ------------------------------------------------------------------ */

static int
parse_hex(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoull(s, &end, 16);
	return *end ? -1 : 0;
}

void
cmd_mmflush(void)
{
	struct mma_filter f;
	struct mma_model m;
	struct mma_csd s;
	unsigned flags = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mf;
	int c;

	mma_filter_init(&f);
	while ((c = getopt(argcnt, args, "jc:m:")) != EOF) {
		switch (c) {
		case 'j':
			flags |= MMA_F_JSON;
			break;
		case 'c':
			f.cpu = atoi(optarg);
			if (f.cpu < 0)
				argerrs++;
			break;
		case 'm':
			if (parse_hex(optarg, &f.mm) || !f.mm)
				argerrs++;
			break;
		default:
			argerrs++;
			break;
		}
	}
	if (args[optind]) {
		f.cpu = atoi(args[optind]);
		optind++;
	}
	if (argerrs || args[optind])
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (mmaudit_build_model("mmflush", flags, &m))
		return;
	if (f.cpu >= m.ncpus) {
		if (flags & MMA_F_JSON)
			mma_render_error("mmflush", "no such CPU", flags, fp);
		else
			fprintf(fp, "mmflush: CPU %d does not exist: this dump "
				"has CPUs 0-%d\n", f.cpu, m.ncpus - 1);
		mma_model_free(&m);
		return;
	}
	mma_csd_read(&m, &s);
	/* crash's fp is unbuffered: render into memory, write once */
	mf = open_memstream(&buf, &len);
	mma_render_csd(&m, &s, &f, flags, mf ? mf : fp);
	if (mf) {
		fclose(mf);
		fwrite(buf, 1, len, fp);
		free(buf);
	}
	fflush(fp);
	mma_csd_free(&s);
	mma_model_free(&m);
}

char *help_mmflush[] = {
	"mmflush",
	"TLB shootdowns: pending cross-CPU calls, waiting senders, TLB generations",
	"[-j] [-m mm] [-c cpu] [cpu]",
	"  Who waits on whom to flush which mm.  Read per CPU from the dump:",
	"  the x86 TLB generation of the mm it has loaded, the cross-CPU calls",
	"  queued on its call_single_queue, the calls it waits for as a sender",
	"  (the csd of cfd_data it holds locked: CSD_FLAG_LOCK stays set until",
	"  the target has run the function) and its flush_tlb_info.  Layouts",
	"  are found by member; what a kernel lacks is said, not guessed.",
	" ",
	"  The CPU table:",
	"      LOADED_MM  cpu_tlbstate.loaded_mm; LAZY its lazy-TLB state",
	"      ASID       cpu_tlbstate.loaded_mm_asid",
	"      CPU_GEN    cpu_tlbstate.ctxs[ASID].tlb_gen: generation flushed",
	"      MM_GEN     LOADED_MM->context.tlb_gen; LAG = MM_GEN - CPU_GEN",
	"                 (\"other ctx\": ctxs[ASID].ctx_id is not the mm's)",
	"      QUEUED     entries on call_single_queue (\"+\": more, or a loop)",
	"      WAITS_ON   targets of this CPU's locked csds",
	"      REGS       from the dump's notes: user, kernel, kernel,irqs-off",
	"  then PENDING CALLS (function, sender CPU = node.src, flags; TYPE",
	"  SYNC/ASYNC/IRQ_WORK/TTWU), WAITING SENDERS (ON_TARGET: queued = the",
	"  target has not started it, taken = it is running it; TARGETS/IPI =",
	"  cfd->cpumask/cpumask_ipi), FLUSHES (per-CPU flush_tlb_info: \"in",
	"  use\" when a locked csd points at it).  A flush_tlb_func's info is",
	"  decoded: mm and owner, range, stride_shift, freed_tables,",
	"  new_tlb_gen, initiating_cpu and trim_cpumask where they exist.",
	"  mmcheck judges the same state (rules stuck-shootdown, missed-flush,",
	"  flush-outside-mask, mask-cpu-not-targeted).",
	" ",
	"    -j      JSON output (docs/json-schema.md).",
	"    -m mm   only CPUs and calls about this mm_struct.",
	"    -c cpu, cpu   only this CPU.",
	"\nEXAMPLES",
	"  CPU 0 munmap()s while a kernel thread on CPU 1 spins with interrupts",
	"  disabled on the same mm (kthread_use_mm()): CPU 0 waits in",
	"  csd_lock_wait() for a flush CPU 1 never runs (first lines):\n",
	"    %s> mmflush",
	"    CPU  ONLINE  CURRENT                  LOADED_MM         LAZY  ASID   CPU_GEN    MM_GEN   LAG  QUEUED  WAITS_ON  REGS",
	"      0  yes     128 mmw-munmap           ffff897e421ead00  no       0         7         7     0       0  1         kernel",
	"      1  yes     140 mmstate-spin         ffff897e421ead00  no       0         6         7     1       1  -         kernel,irqs-off",
	"      2  yes     0 swapper/2              ffff897e421ee300  yes      0         6         6     0       0  -         kernel",
	"      3  yes     116 mmw-spin3            ffff897e421e9f80  no       0         6         6     0       0  -         user",
	" ",
	"    PENDING CALLS (call_single_queue)",
	"      CPU  ENTRY             TYPE      FLAGS  SRC  FUNCTION                  INFO",
	"        1  ffff897e5f4b74e0  SYNC         11    0  flush_tlb_func            ffff897e5f431300",
	"           mm ffff897e421ead00 (pid 123 mmw-flush) 0-ffffffffffffffff (TLB_FLUSH_ALL) stride_shift 12 freed_tables 1 new_tlb_gen 7 initiating_cpu 0 trim_cpumask 1",
	" ",
	"    WAITING SENDERS (cfd_data: csd locked until the target has run it)",
	"      FROM   TO  CSD               FUNCTION                  INFO              ON_TARGET  TARGETS  IPI",
	"         0    1  ffff897e5f4b74e0  flush_tlb_func            ffff897e5f431300  queued     1        1",
	"                 mm ffff897e421ead00 (pid 123 mmw-flush) 0-ffffffffffffffff (TLB_FLUSH_ALL) stride_shift 12 freed_tables 1 new_tlb_gen 7 initiating_cpu 0 trim_cpumask 1",
	"\n  The same state judged by mmcheck:\n",
	"    %s> mmcheck -s suspicious",
	"    suspicious  stuck-shootdown         CPU 0 waits for CPU 1: flush_tlb_func mm ffff897e421ead00 (pid 123 mmw-flush) 0-ffffffffffffffff; csd ffff897e5f4b74e0 queued, not run; CPU 1 runs 140 mmstate-spin at hold_irqs_off+0x37, interrupts disabled",
	"    mmcheck: 101 tasks, 11 mms, 4 cpus: 0 bug, 1 suspicious, 2 info (clean, 89 ms)",
	"    mmaudit-status: ok",
	NULL
};
