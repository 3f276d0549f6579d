/*
 * mmgtest.c - a test-only crash extension: the glue helpers of mmaudit
 * (extensions/mmglue.c, extensions/mmslab.c) behind one command, so that
 * tests can ask the real crash on a real dump what they answer for any
 * address.  Built by tests/slab.py and tests/filtered.py, never installed.
 *
 *   crash> extend build/mmgtest.so
 *   crash> mmgtest state ffff8880012c4000     (enum mma_addr)
 *   crash> mmgtest slab ffff8880012c4000      (enum mma_slab + cache)
 *   crash> mmgtest status                     (slab classifier on/off)
 *   crash> mmgtest percpu runqueues 1         (per-CPU address)
 */
#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"

static void cmd_mmgtest(void);
static char *help_mmgtest[];

static struct command_table_entry command_table[] = {
	{ "mmgtest", cmd_mmgtest, help_mmgtest, 0 },
	{ NULL },
};

static void __attribute__((constructor))
mmgtest_init(void)
{
	register_extension(command_table);
}

static const char *
state_name(int s)
{
	switch (s) {
	case MMA_ADDR_PRESENT: return "present";
	case MMA_ADDR_EXCLUDED: return "excluded";
	case MMA_ADDR_UNMAPPED: return "unmapped";
	default: return "unknown";
	}
}

static void
cmd_mmgtest(void)
{
	const char *what = args[1];
	const char *why;
	uint64_t a;
	char cache[64];
	int i;

	if (!what)
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (!strcmp(what, "status")) {
		why = mmslab_status();
		fprintf(fp, "status %s%s\n", why ? "off: " : "ok", why ? why : "");
		return;
	}
	if (!strcmp(what, "percpu") && args[2] && args[3]) {
		if (mmg_percpu_addr(args[2], atoi(args[3]), &a))
			fprintf(fp, "percpu %s %s none\n", args[2], args[3]);
		else
			fprintf(fp, "percpu %s %s %llx\n", args[2], args[3],
				(unsigned long long)a);
		return;
	}
	mmslab_reset();
	for (i = 2; i < argcnt; i++) {
		a = strtoull(args[i], NULL, 16);
		if (!strcmp(what, "state"))
			fprintf(fp, "state %llx %s\n", (unsigned long long)a,
				state_name(mmg_addr_state(a)));
		else if (!strcmp(what, "slab")) {
			int s = mmslab_classify(NULL, a, cache, sizeof(cache));

			fprintf(fp, "slab %llx %s %s\n", (unsigned long long)a,
				mma_slab_name(s), cache[0] ? cache : "-");
		} else
			cmd_usage(pc->curcmd, SYNOPSIS);
	}
}

static char *help_mmgtest[] = {
	"mmgtest",
	"test-only: mmaudit's glue helpers on any address",
	"state|slab addr... | status | percpu symbol cpu",
	"  state   where each address stands in the dump (mmg_addr_state())",
	"  slab    slab classification (mmslab_classify())",
	"  status  whether the slab classifier is on, or why not",
	"  percpu  a per-CPU symbol's address on a CPU (mmg_percpu_addr())",
	NULL
};
