/*
 * mmaudit.c - crash extension: who borrows which mm, are mm_users/mm_count
 * right, which CPUs are in mm_cpumask.
 *
 *   crash> extend mmaudit.so
 *   crash> mmcheck
 *
 * This file is the thin crash adapter: it hands the core crash's target
 * (struct mma_target, built on crash APIs by mmg_target_init() in
 * mmglue.c), crash's task table and each CPU's active task, and registers
 * the commands.  All decoding and rule logic lives in core/ (plain C,
 * unit-tested without crash).
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"
#include "views.h"

static void mmaudit_init(void);
static void mmaudit_fini(void);

static void cmd_mmaudit(void);
static void cmd_mmtask(void);
static void cmd_mmlist(void);
static void cmd_mmcpu(void);
static void cmd_mmcheck(void);
static void cmd_mmmask(void);

static char *help_mmaudit[];
static char *help_mmtask[];
static char *help_mmlist[];
static char *help_mmcpu[];
static char *help_mmcheck[];
static char *help_mmmask[];

static struct command_table_entry command_table[] = {
	{ "mmaudit", cmd_mmaudit, help_mmaudit, 0 },
	{ "mmtask", cmd_mmtask, help_mmtask, 0 },
	{ "mmlist", cmd_mmlist, help_mmlist, 0 },
	{ "mmcpu", cmd_mmcpu, help_mmcpu, 0 },
	{ "mmcheck", cmd_mmcheck, help_mmcheck, 0 },
	{ "mmmask", cmd_mmmask, help_mmmask, MINIMAL },	/* crash --minimal too */
	{ "mmflush", cmd_mmflush, help_mmflush, 0 },
	{ NULL },
};

/*
 * abi_ok - is the running crash the one whose defs.h we were compiled with?
 *
 * The Makefile passes MMAUDIT_CRASH_VERSION, the version of the crash tree
 * given as CRASH_SRC (its .rh_rpm_package, which crash's configure also
 * writes into build_data.c as build_version).  crash's structures (pc, tt,
 * vt, ...) change layout between versions, so nothing is read from them
 * here: build_version is a plain string exported by every crash binary
 * (-rdynamic), looked up with dlsym so that a crash without it only skips
 * the check.  MMAUDIT_IGNORE_ABI=1 loads anyway, at the user's risk.
 */
static int
abi_ok(void)
{
#ifdef MMAUDIT_CRASH_VERSION
	char **running = dlsym(RTLD_DEFAULT, "build_version");
	const char *ignore = getenv("MMAUDIT_IGNORE_ABI");

	if (!running || !*running || !strcmp(*running, MMAUDIT_CRASH_VERSION))
		return 1;
	if (ignore && *ignore && strcmp(ignore, "0")) {
		fprintf(fp, "mmaudit: built for crash %s, this is crash %s: "
			"loaded anyway (MMAUDIT_IGNORE_ABI)\n",
			MMAUDIT_CRASH_VERSION, *running);
		return 1;
	}
	fprintf(fp, "mmaudit: built for crash %s, this is crash %s: "
		"rebuild against its defs.h (make CRASH_SRC=<its source tree>)\n",
		MMAUDIT_CRASH_VERSION, *running);
	fflush(fp);
	return 0;
#else
	return 1;
#endif
}

static void __attribute__((constructor))
mmaudit_init(void)
{
	/* another crash's defs.h ABI: one line, no commands (crash unloads us) */
	if (!abi_ok())
		return;
	/* registers even on kernels the core cannot handle: commands say why */
	register_extension(command_table);
}

static void __attribute__((destructor))
mmaudit_fini(void)
{
	mmslab_reset();
}

static struct mma_target T;
static struct mma_layout L;
static int layout_done;

static void
target_init(void)
{
	/* crash's answers (mmglue.c), then what only the commands use */
	mmg_target_init(&T);
	T.slab_classify = mmslab_classify;
	T.symbol_name = mmflush_symbol_name;
	T.cpu_regs = mmflush_cpu_regs;
}

/*
 * Resolve the layout once; say why (text or JSON) when a command cannot
 * run.  Returns 0 when the layout is usable.
 */
static int
need_layout(const char *cmd, unsigned flags)
{
	if (!layout_done) {
		target_init();
		mma_layout_resolve(&T, &L);
		layout_done = 1;
		if (CRASHDEBUG(1))
			mma_layout_describe(&L, fp);
	}
	if (!L.ok) {
		mma_render_error(cmd, L.why, flags, fp);
		return -1;
	}
	return 0;
}

/* build the model from crash's task table and each CPU's active task */
static int
build_model(const char *cmd, unsigned flags, struct mma_model *m, int walk,
	    uint64_t extra_mm)
{
	struct task_context *tc;
	uint64_t *tasks, *active;
	ulong i, n = RUNNING_TASKS();
	int c, ncpus = kt->cpus < NR_CPUS ? kt->cpus : NR_CPUS;

	if (need_layout(cmd, flags))
		return -1;
	mmslab_reset();
	mma_model_init(m, &T, &L);
	tasks = calloc(n ? n : 1, sizeof(*tasks));
	active = calloc(ncpus > 0 ? ncpus : 1, sizeof(*active));
	if (!tasks || !active) {
		free(tasks);
		free(active);
		mma_render_error(cmd, "out of memory", flags, fp);
		return -1;
	}
	tc = FIRST_CONTEXT();
	for (i = 0; tc && i < n; i++, tc++)
		tasks[i] = tc->task;
	for (c = 0; tt->active_set && c < ncpus; c++)
		active[c] = tt->active_set[c];
	mma_model_fill(m, tasks, (int)i, active, ncpus, extra_mm, walk);
	free(tasks);
	free(active);
	return 0;
}

/* mmglue.h: the model for the command files outside this one (mmflush) */
int
mmaudit_build_model(const char *cmd, unsigned flags, struct mma_model *m)
{
	return build_model(cmd, flags, m, 0, 0);
}

static int
parse_u64(const char *s, uint64_t *v, int base)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoull(s, &end, base);
	return *end ? -1 : 0;
}

/* an address argument: hex (0x optional) or a symbol */
static int
parse_addr(const char *s, uint64_t *v)
{
	if (!parse_u64(s, v, 16))
		return 0;
	if (symbol_exists((char *)s)) {
		*v = symbol_value((char *)s);
		return 0;
	}
	return -1;
}

/*
 * The options the views share: -j, -v, -b, -p pid, -m mm, -c cpu.
 * Returns 1 when c was one of them (argerrs counted on a bad value).
 */
static int
view_option(int c, unsigned *flags, struct mma_filter *f)
{
	uint64_t v = 0;

	switch (c) {
	case 'j': *flags |= MMA_F_JSON; return 1;
	case 'v': *flags |= MMA_F_VERBOSE; return 1;
	case 'b': *flags |= MMA_F_BORROWED; return 1;
	case 'p':
		if (parse_u64(optarg, &v, 10))
			argerrs++;
		f->pid = (int)v;
		return 1;
	case 'm':
		if (parse_addr(optarg, &f->mm) || !f->mm)
			argerrs++;
		return 1;
	case 'c':
		if (parse_u64(optarg, &v, 10))
			argerrs++;
		f->cpu = (int)v;
		return 1;
	}
	return 0;
}

/* an optional decimal argument after the options (a pid or a cpu) */
static void
view_number_arg(int *out)
{
	uint64_t v = 0;

	if (!args[optind])
		return;
	if (parse_u64(args[optind], &v, 10))
		argerrs++;
	*out = (int)v;
	optind++;
}

typedef void (*view_render_fn)(const struct mma_model *,
			       const struct mma_filter *, unsigned, FILE *);

/*
 * crash's output stream is unbuffered: rendering 20,000 task rows straight
 * into it costs one write(2) per fprintf (measured: 465,750 writes, ~0.7 s,
 * for `mmtask -j` on 20k tasks).  Render into memory, then write once.
 */
static void
render_buffered(const struct mma_model *m, const struct mma_filter *f,
		unsigned flags, view_render_fn render)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	if (!mf) {
		render(m, f, flags, fp);
		return;
	}
	render(m, f, flags, mf);
	fclose(mf);
	fwrite(buf, 1, len, fp);
	fflush(fp);
	free(buf);
}

/* the views' common tail: usage on bad arguments, build, check, render */
static void
run_view(const char *cmd, unsigned flags, const struct mma_filter *filter,
	 int walk, uint64_t extra_mm, view_render_fn render)
{
	struct mma_filter f = *filter;
	struct mma_model m;

	if (argerrs || args[optind])
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (build_model(cmd, flags, &m, walk, extra_mm))
		return;
	if (!mma_check_filter(fp, cmd, flags, &m, &f))
		render_buffered(&m, &f, flags, render);
	mma_model_free(&m);
}

/* ------------------------------------------------------------------ */
/* mmtask                                                              */
/* ------------------------------------------------------------------ */

static void
cmd_mmtask(void)
{
	struct mma_filter f;
	unsigned flags = 0;
	int c;

	mma_filter_init(&f);
	while ((c = getopt(argcnt, args, "jbvp:m:c:")) != EOF)
		if (!view_option(c, &flags, &f))
			argerrs++;
	view_number_arg(&f.pid);
	run_view("mmtask", flags, &f, 0, 0, mma_render_tasks);
}

static char *help_mmtask[] = {
	"mmtask",
	"tasks and the address space each one uses or borrows",
	"[-jbv] [-p pid] [-m mm] [-c cpu] [pid]",
	"  Lists every task of crash's task table plus each CPU's idle and",
	"  current task (from the runqueues) with its mm and active_mm and the",
	"  relation between them:",
	"      OWN             mm == active_mm (a user task on its own mm)",
	"      BORROWED        mm NULL, active_mm set: lazy TLB (kernel thread",
	"                      or idle task running on someone else's mm)",
	"      NONE            mm and active_mm NULL (not running kernel thread,",
	"                      zombie)",
	"      KTHREAD_USE_MM  a PF_KTHREAD task with an mm (kthread_use_mm())",
	"      INVALID         mm set but active_mm differs",
	"  A \">\" marks a task that is running on a CPU; CPU is that CPU, else",
	"  the task's last CPU.  NULL pointers print as \"-\".",
	" ",
	"    -j  JSON output (see docs/json-schema.md).",
	"    -b  only BORROWED tasks.",
	"    -v  print a closing count line.",
	"    -p pid, pid   only this pid.",
	"    -m mm   only tasks whose mm or active_mm is this address.",
	"    -c cpu  only the task running on (or the idle task of) this CPU.",
	"\nEXAMPLES",
	"  Tasks borrowing an address space:\n",
	"    %s> mmtask -b",
	"         PID     TGID  CPU  ST  TASK              MM                ACTIVE_MM         RELATION        COMM",
	"    >      0        0    2  RU  ffff8953c1270000  -                 ffff8953c1061f80  BORROWED        swapper/2",
	"\n  Every task on one address space (the idle task of CPU 2 borrows it):\n",
	"    %s> mmtask -m ffff8953c1061f80",
	"         PID     TGID  CPU  ST  TASK              MM                ACTIVE_MM         RELATION        COMM",
	"    >      0        0    2  RU  ffff8953c1270000  -                 ffff8953c1061f80  BORROWED        swapper/2",
	"         114      114    2  IN  ffff8953c23c8000  ffff8953c1061f80  ffff8953c1061f80  OWN             mmw-spin2",
	NULL
};

/* ------------------------------------------------------------------ */
/* mmlist                                                              */
/* ------------------------------------------------------------------ */

static void
cmd_mmlist(void)
{
	struct mma_filter f;
	unsigned flags = 0;
	int c;

	mma_filter_init(&f);
	while ((c = getopt(argcnt, args, "jvp:")) != EOF)
		if (!view_option(c, &flags, &f))
			argerrs++;
	if (args[optind]) {
		if (parse_addr(args[optind], &f.mm))
			argerrs++;
		else if (!f.mm) {
			mma_filter_error(fp, "mmlist", flags, "0 is not an mm_struct "
				     "address (NULL)");
			return;
		}
		optind++;
	}
	run_view("mmlist", flags, &f, 0, f.mm, mma_render_mms);
}

static char *help_mmlist[] = {
	"mmlist",
	"address spaces (mm_struct): users, counters, borrowers, CPU mask",
	"[-jv] [-p pid] [mm]",
	"  One line per mm_struct reachable from any task's mm or active_mm or",
	"  from a CPU's cpu_tlbstate.loaded_mm (x86):",
	"      MM     the mm_struct address",
	"      OWNER  pid of mm->owner (CONFIG_MEMCG), else of a thread-group",
	"             leader using it; init_mm/efi_mm for the static mms",
	"      USERS  mm->mm_users",
	"      TASKS  user tasks found with task->mm == MM; TGIDS their tgids",
	"      COUNT  mm->mm_count",
	"      LAZY   tasks found borrowing it (mm NULL, active_mm == MM)",
	"      KTHR   PF_KTHREAD tasks using it (kthread_use_mm())",
	"      MIN    explained minimum of mm_count: 1 if mm_users > 0, plus",
	"             LAZY, plus KTHR",
	"      SLACK  COUNT - MIN: references the dump does not explain",
	"      CPUS   mm_cpumask(mm) decoded (nr_cpu_ids bits), \"-\" if empty",
	" ",
	"    -j  JSON output (with the full tgid list, slab state, mask address).",
	"    -v  print a closing count line.",
	"    -p pid  only mms used or borrowed by this pid.",
	"    mm  only this mm_struct (hex address or symbol, e.g. init_mm).",
	"\nEXAMPLES",
	"  Address spaces of a 4-CPU guest (first lines):\n",
	"    %s> mmlist",
	"    MM                  OWNER  USERS  TASKS  TGIDS            COUNT  LAZY  KTHR   MIN  SLACK  CPUS",
	"    ffff8953c1061f80      114      1      1  114                  2     1     0     2      0  2",
	"    ffff8953c1063180        1      1      1  1                    1     0     0     1      0  -",
	"    ffff8953c1062880      110     16     16  110                  1     0     0     1      0  -",
	"    ffff8953c1066300      111      3      3  111,118,123          1     0     0     1      0  -",
	NULL
};

/* ------------------------------------------------------------------ */
/* mmcpu                                                               */
/* ------------------------------------------------------------------ */

static void
cmd_mmcpu(void)
{
	struct mma_filter f;
	unsigned flags = 0;
	int c;

	mma_filter_init(&f);
	while ((c = getopt(argcnt, args, "j")) != EOF)
		if (!view_option(c, &flags, &f))
			argerrs++;
	view_number_arg(&f.cpu);
	run_view("mmcpu", flags, &f, 0, 0, mma_render_cpus);
}

static char *help_mmcpu[] = {
	"mmcpu",
	"per CPU: current task, its mm, x86 loaded_mm, lazy state, mask bit",
	"[-j] [cpu]",
	"  One line per CPU (0 .. nr_cpu_ids-1):",
	"      ONLINE     the CPU's bit in cpu_online_mask",
	"      CURRENT    the runqueue's curr task, PID and COMM",
	"      MM, ACTIVE_MM   of that task",
	"      LOADED_MM  x86 cpu_tlbstate.loaded_mm (cpu_tlbstate.active_mm on",
	"                 kernels with cpu_tlbstate.state); \"switching\" for",
	"                 LOADED_MM_SWITCHING",
	"      LAZY       cpu_tlbstate.is_lazy (cpu_tlbstate_shared.is_lazy",
	"                 since v5.13; state == TLBSTATE_LAZY on old kernels)",
	"      BIT        the CPU's bit in mm_cpumask(LOADED_MM): set, CLEAR",
	"                 (the CPU misses TLB-flush IPIs), or clear(init_mm):",
	"                 x86 never tracks init_mm in mm_cpumask",
	" ",
	"    -j   JSON output.",
	"    cpu  only this CPU.",
	"\nEXAMPLES",
	"  CPU 2 is idle, lazily on the mm of pid 114:\n",
	"    %s> mmcpu 2",
	"    CPU  ONLINE  CURRENT              PID  COMM              MM                ACTIVE_MM         LOADED_MM         LAZY  BIT",
	"      2  yes     ffff8953c1270000       0  swapper/2         -                 ffff8953c1061f80  ffff8953c1061f80  yes   set",
	NULL
};

/* ------------------------------------------------------------------ */
/* mmcheck                                                             */
/* ------------------------------------------------------------------ */

static void
cmd_mmcheck(void)
{
	struct mma_filter f;
	unsigned flags = 0;
	int c, walk = 1;
	const struct mma_rule *r;

	mma_filter_init(&f);
	while ((c = getopt(argcnt, args, "jvLs:r:p:m:c:")) != EOF) {
		switch (c) {
		case 'L': walk = 0; break;
		case 's':
			if ((f.min_sev = mma_sev_parse(optarg)) < 0)
				argerrs++;
			break;
		case 'r':
			if (!mma_rule_find(optarg)) {
				fprintf(fp, "mmcheck: unknown rule \"%s\"; rules:",
					optarg);
				for (r = mma_rules; r->id; r++)
					fprintf(fp, " %s", r->id);
				fprintf(fp, "\n");
				argerrs++;
			}
			f.rule = optarg;
			break;
		default:
			if (!view_option(c, &flags, &f))
				argerrs++;
			break;
		}
	}
	run_view("mmcheck", flags, &f, walk, 0, mma_render_findings);
}

static char *help_mmcheck[] = {
	"mmcheck",
	"audit mm/active_mm, mm_users/mm_count and mm_cpumask: all findings",
	"[-jvL] [-s bug|suspicious|info] [-r rule] [-p pid] [-m mm] [-c cpu]",
	"  Builds the model (crash's tasks, each CPU's idle and current task,",
	"  every mm they reach, each CPU's runqueue and x86 cpu_tlbstate), walks",
	"  init_task.tasks (bounded, loop-checked) and runs every rule.  Each",
	"  finding prints its severity, rule id and the objects and numbers",
	"  involved; -v adds the kernel reason.  The closing lines are",
	"      mmcheck: T tasks, M mms, C cpus: B bug, S suspicious, I info (...)",
	"      mmaudit-status: ok",
	"  (\"mmaudit-status: error\" when the command could not run).",
	"  Rules (docs/rules.md has the full reasoning; a rule whose state the",
	"  kernel can pass through legally, e.g. a CPU stopped mid context",
	"  switch, reports it one severity lower and says why):",
	"    bug: negative-count users-without-count users-undercount",
	"         mixed-mm-thread-group mm-active-mismatch init-mm-user",
	"         leaked-lazy-ref count-below-explained bad-mm-pointer",
	"         loaded-mm-bit-clear zombie-holds-mm tasklist-loop",
	"         tasklist-broken tasklist-skip loaded-mm-null",
	"         runqueue-mismatch task-cpu-invalid",
	"         missed-flush (bug only when the registers exclude every",
	"         legal window, see docs/rules.md)",
	"    suspicious: mask-beyond-nr-cpu-ids users-no-task bad-task-pointer",
	"         owner-not-user loaded-mm-mismatch tasklist-truncated",
	"         stuck-shootdown mask-cpu-not-targeted",
	"    info: users-slack count-slack lazy-cpu-left-mm efi-runtime-call",
	"         flush-outside-mask",
	"  On a filtered dump (makedumpfile) objects in pages that are not in",
	"  the dump are skipped, counted, and the verdict says \"incomplete\".",
	" ",
	"    -j  JSON output (findings plus a summary object).",
	"    -v  print each finding's kernel reason.",
	"    -L  do not walk init_task.tasks.",
	"    -s sev   only findings of at least this severity.",
	"    -r rule  only this rule.",
	"    -p pid, -m mm, -c cpu   only findings about this pid, mm or CPU.",
	"\nEXAMPLES",
	"  A healthy dump; the mm of a process holding /proc/self/mem open:\n",
	"    %s> mmcheck",
	"    info        count-slack             mm ffff8953c1061b00 (owner pid 134): mm_count 2, explained 1: slack 1 (holders like an open /proc/pid/mem, userfaultfd, io_uring, KVM)",
	"    mmcheck: 98 tasks, 10 mms, 4 cpus: 0 bug, 0 suspicious, 1 info (clean, 5 ms)",
	"    mmaudit-status: ok",
	NULL
};

/* ------------------------------------------------------------------ */
/* mmmask                                                              */
/* ------------------------------------------------------------------ */

static void
cmd_mmmask(void)
{
	struct mma_maskq q;
	unsigned flags = 0, nbits = 0, nwords;
	uint64_t *w = NULL, v = 0;
	int c, deref = 0, cpu = -1, mode = 0;
	char *what = NULL;

	while ((c = getopt(argcnt, args, "jvdwn:c:m:a:s:p:")) != EOF) {
		switch (c) {
		case 'j': flags |= MMA_F_JSON; break;
		case 'v': flags |= MMA_F_VERBOSE; break;
		case 'd': deref = 1; break;
		case 'w': mode = 'w'; break;
		case 'n':
			if (parse_u64(optarg, &v, 10) || !v || v > 65536)
				argerrs++;
			nbits = (unsigned)v;
			break;
		case 'c':
			if (parse_u64(optarg, &v, 10))
				argerrs++;
			cpu = (int)v;
			break;
		case 'm': case 'a': case 's': case 'p':
			if (mode)
				argerrs++;
			mode = c;
			what = optarg;
			break;
		default: argerrs++; break;
		}
	}
	if (!mode && args[optind]) {
		mode = 'm';
		what = args[optind++];
	}
	if (argerrs || !mode || (mode != 'w' && args[optind]) ||
	    (mode == 'w' && !args[optind]))
		cmd_usage(pc->curcmd, SYNOPSIS);

	if (mode == 'w') {
		/* literal words, word 0 first: no dump access needed */
		nwords = 0;
		w = calloc(MAXARGS, sizeof(*w));
		if (!w)
			return;
		for (; args[optind]; optind++) {
			if (parse_u64(args[optind], &w[nwords++], 16)) {
				free(w);
				mma_render_error("mmmask", "bad hex word", flags, fp);
				return;
			}
		}
		mma_render_mask_words(w, nwords, nbits, flags, fp);
		free(w);
		return;
	}

	if (need_layout("mmmask", flags))
		return;
	memset(&q, 0, sizeof(q));
	q.mode = mode;
	q.what = what;
	q.deref = deref;
	q.cpu = cpu;
	q.nbits = nbits;
	mma_render_mask_query(&T, &L, &q, flags, fp);
}

static char *help_mmmask[] = {
	"mmmask",
	"decode a cpumask to a CPU list",
	"[-jvd] [-n nbits] [-c cpu] [-m] mm | -a addr | -s symbol | -p percpu-symbol | -w word...",
	"  Decodes a cpumask into a CPU list such as \"0-3,49\", reading only",
	"  BITS_TO_LONGS(nbits) words; nbits defaults to nr_cpu_ids.",
	"     [-m] mm   mm_cpumask() of an mm_struct, whatever the kernel's",
	"               layout (cpu_vm_mask, cpu_vm_mask_var, cpu_bitmap[],",
	"               flexible_array).",
	"     -a addr   a mask at this address.",
	"     -s sym    a mask stored at a symbol (e.g. __cpu_online_mask).",
	"     -p sym    a per-CPU mask, for every CPU or for -c cpu.",
	"     -d        the location holds a pointer to the mask",
	"               (cpumask_var_t with CONFIG_CPUMASK_OFFSTACK).",
	"     -w word...  decode literal hex words, word 0 first; nbits",
	"               defaults to 64 per word given.",
	"     -v        also print the raw words.",
	"     -j        JSON output.",
	"\nEXAMPLES",
	"  Decode the word a support engineer read from cpumask_allocation:\n",
	"    %s> mmmask -w 0x2000000000000",
	"    SOURCE  NAME                      ADDRESS           NBITS  WEIGHT  CPUS",
	"    words   1 word(s)                                -     64       1  49",
	"\n  An mm's mask with its raw word, and the online mask:\n",
	"    %s> mmmask -v ffff8953c1061f80",
	"    SOURCE  NAME                      ADDRESS           NBITS  WEIGHT  CPUS",
	"    mm      ffff8953c1061f80          ffff8953c10623c8      4       1  2",
	"            word   0: 0000000000000004",
	"    %s> mmmask -s __cpu_online_mask",
	"    SOURCE  NAME                      ADDRESS           NBITS  WEIGHT  CPUS",
	"    symbol  __cpu_online_mask         ffffffffabe39520      4       4  0-3",
	"\n  A per-CPU cpumask_var_t (CONFIG_CPUMASK_OFFSTACK): follow the pointer:\n",
	"    %s> mmmask -d -p cpu_sibling_map -c 1",
	"    SOURCE  NAME                      ADDRESS           NBITS  WEIGHT  CPUS",
	"    percpu  cpu_sibling_map:1         ffff8953c1069748      4       1  1",
	NULL
};

/* ------------------------------------------------------------------ */
/* mmaudit                                                             */
/* ------------------------------------------------------------------ */

static void
cmd_mmaudit(void)
{
	struct mma_model m;
	unsigned flags = 0;
	const struct mma_rule *r;
	const char *slab, *record = NULL;
	int c;

	while ((c = getopt(argcnt, args, "jvR:")) != EOF) {
		switch (c) {
		case 'j': flags |= MMA_F_JSON; break;
		case 'v': flags |= MMA_F_VERBOSE; break;
		case 'R': record = optarg; break;	/* hidden: mmrecord.c */
		default: argerrs++; break;
		}
	}
	if (argerrs || args[optind])
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (record) {
		target_init();
		mmrecord_run(record, &T);
		return;
	}
	if (build_model("mmaudit", flags, &m, 1, 0))
		return;
	slab = mmslab_status();
	if (flags & MMA_F_JSON) {
		mma_render_overview_json(&m, slab, fp);
		mma_model_free(&m);
		return;
	}
	fprintf(fp, "mmaudit %s: task->mm/active_mm, mm_users/mm_count and "
		"mm_cpumask audit\n", MMA_VERSION);
	fprintf(fp, "  commands: mmtask mmlist mmcpu mmcheck mmflush mmmask "
		"(\"help <command>\")\n");
	fprintf(fp, "  layout:   %s\n", L.notes);
	fprintf(fp, "  slab:     %s\n", slab ? slab : "mm pointers checked "
		"against the mm_struct slab cache (SLUB)");
	fprintf(fp, "  model:    %d tasks (%d from init_task.tasks walk), %d mms, "
		"%d cpus (%d online), built in %.0f ms\n", m.ntasks,
		m.list_walked, m.nmms, m.ncpus, m.online ? m.nonline : -1,
		m.build_ms);
	fprintf(fp, "  findings: %d bug, %d suspicious, %d info (see mmcheck)\n",
		m.nsev[MMA_SEV_BUG], m.nsev[MMA_SEV_SUSPICIOUS],
		m.nsev[MMA_SEV_INFO]);
	if (flags & MMA_F_VERBOSE) {
		fprintf(fp, "  timing:   tasks %.1f ms, cpus %.1f ms, task list "
			"walk %.1f ms, mms (incl. slab check) %.1f ms, rules "
			"%.1f ms\n", m.ms_tasks, m.ms_cpus, m.ms_walk, m.ms_mms,
			m.ms_rules);
		mma_layout_describe(&L, fp);
		fprintf(fp, "  rules:\n");
		for (r = mma_rules; r->id; r++)
			fprintf(fp, "    %-22s %-10s %s\n", r->id,
				mma_sev_name(r->sev), r->reason);
	}
	mma_model_free(&m);
}

static char *help_mmaudit[] = {
	"mmaudit",
	"mmaudit overview: version, detected layout, counts, rules",
	"[-jv]",
	"  mmaudit audits task->mm vs task->active_mm, mm_users/mm_count and",
	"  the mm CPU mask.  This command prints the version, the kernel layout",
	"  detected (by member existence and type, never by version number),",
	"  the model's size and build time and the finding counts.  Views:",
	"    mmtask   tasks and their mm/active_mm relation",
	"    mmlist   address spaces: users, counters, borrowers, CPU mask",
	"    mmcpu    CPUs: current task, loaded_mm, lazy state, mask bit",
	"    mmcheck  all findings with a summary line",
	"    mmflush  TLB shootdowns: pending cross-CPU calls, waiting senders",
	"    mmmask   decode any cpumask",
	"  Every view takes -j for JSON.",
	" ",
	"    -v  also print per-phase timing, the resolved layout and every",
	"        rule with its reason.",
	"    -j  JSON output.",
	" ",
	"  Loading: \"extend mmaudit.so\" without a path finds the extension in",
	"  the current directory, $CRASH_EXTENSIONS, /usr/lib64/crash/extensions",
	"  (64-bit crash), /usr/lib/crash/extensions or ./extensions; \"crash -x\"",
	"  loads every extension of the first of these directories (the current",
	"  directory aside) that exists; a line \"extend mmaudit.so\" in",
	"  ~/.crashrc (or ./.crashrc) loads it in every session.  It must be",
	"  built with the defs.h of the crash that loads it.",
	"\nEXAMPLES",
	"  Overview of a 4-CPU guest:\n",
	"    %s> mmaudit",
	"    mmaudit 0.1.0: task->mm/active_mm, mm_users/mm_count and mm_cpumask audit",
	"      commands: mmtask mmlist mmcpu mmcheck mmflush mmmask (\"help <command>\")",
	"      layout:   cpu=task.thread_info.cpu mask=cpu_bitmap nr_cpu_ids=4 tlb=loaded_mm+shared.is_lazy",
	"      slab:     mm pointers checked against the mm_struct slab cache (SLUB)",
	"      model:    96 tasks (77 from init_task.tasks walk), 10 mms, 4 cpus (4 online), built in 45 ms",
	"      findings: 0 bug, 0 suspicious, 1 info (see mmcheck)",
	NULL
};
