/*
 * mmrecord.c - the hidden "mmaudit -R file": record what crash answers.
 *
 * Runs the core's layout resolution and a full model build on this dump
 * through a recording target (extensions/core/record.c) wrapped around
 * the crash target, then asks a fixed list of extra questions (members of
 * every mm_cpumask era, present or not, and other cpumask_var_t members),
 * and writes every question with crash's answer to file: the fixture the
 * unit-test fake replays (tests/unit/fake.h fk_load(),
 * tests/unit/record-fixtures.sh, docs/design.md "Recorded fakes").
 * Only type and symbol answers are written, never memory contents.
 */
#include <errno.h>
#include <string.h>

#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"

/* members asked beyond what the core asks on this kernel */
static const char *const probe_members[][2] = {
	/* the counters: atomic_t, a typedef of an anonymous struct */
	{ "mm_struct", "mm_users" },
	{ "mm_struct", "mm_count" },
	/* every mm_cpumask layout of every era, present or not */
	{ "mm_struct", "cpu_vm_mask_var" },
	{ "mm_struct", "cpumask_allocation" },
	{ "mm_struct", "cpu_vm_mask" },
	{ "mm_struct", "cpu_bitmap" },
	{ "mm_struct", "flexible_array" },
	/* cpumask_var_t members: pointers on a CPUMASK_OFFSTACK kernel */
	{ "root_domain", "span" },
	{ "root_domain", "online" },
	{ "root_domain", "dlo_mask" },
	{ "root_domain", "rto_mask" },
	{ "cpupri_vec", "mask" },
	/* typedef'd, plain and pointer members the layout relies on */
	{ "task_struct", "pid" },
	{ "task_struct", "tgid" },
	{ "task_struct", "comm" },
	{ "task_struct", "flags" },
	{ "task_struct", "mm" },
	{ "task_struct", "active_mm" },
	{ "task_struct", "tasks" },
	{ "task_struct", "thread_info" },
	{ "task_struct", "cpu" },
	{ "task_struct", "__state" },
	{ "task_struct", "state" },
	{ "thread_info", "cpu" },
	{ "tlb_state", "loaded_mm" },
	{ "tlb_state", "is_lazy" },
	{ "tlb_state", "active_mm" },
	{ "tlb_state", "state" },
	{ "tlb_state_shared", "is_lazy" },
};

/* type names: typedefs (resolved by crash in one step), and a struct tag */
static const char *const probe_typedefs[] = {
	"atomic_t", "cpumask_var_t", "cpumask_t", "pid_t", "bool", "u16",
	"cpumask",
};

static const char *const probe_structs[] = {
	"cpumask", "mm_struct", "task_struct", "root_domain", "tlb_state",
	"tlb_state_shared",
};

/* symbols of other eras, to record that this kernel has none of them */
static const char *const probe_symbols[] = {
	"per_cpu__runqueues", "per_cpu__cpu_tlbstate", "cpu_online_bits",
	"cpu_online_map", "nr_cpu_ids",
};

/* the resolved layout as "# " comment lines, for the reader */
static void
describe(FILE *out, const struct mma_layout *l)
{
	char *buf = NULL, *p, *nl;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	if (!mf)
		return;
	mma_layout_describe(l, mf);
	fclose(mf);
	fprintf(out, "# layout resolved through these answers (mmaudit -v):\n");
	fprintf(out, "#   %s\n", l->ok ? l->notes : l->why);
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		fprintf(out, "# %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
	}
	free(buf);
}

/* the model build of every view, through the recorder */
static void
build(const struct mma_target *t, const struct mma_layout *l)
{
	struct mma_build_opts o;
	struct mma_model m;
	struct task_context *tc;
	ulong i;
	int c;

	mmslab_reset();
	mma_model_init(&m, t, l);
	tc = FIRST_CONTEXT();
	for (i = 0; tc && i < RUNNING_TASKS(); i++, tc++)
		mma_model_add_task(&m, tc->task, MMA_SRC_TARGET);
	if (tt->active_set)
		for (c = 0; c < kt->cpus && c < NR_CPUS; c++)
			if (tt->active_set[c])
				mma_model_add_task(&m, tt->active_set[c],
						   MMA_SRC_CURR);
	memset(&o, 0, sizeof(o));
	o.walk_list = 1;
	o.max_tasks = 1 << 22;
	mma_model_build(&m, &o);
	mma_model_free(&m);
}

/**
 * mmrecord_run - write crash's answers to path (mmaudit -R path)
 * @t: the crash target (mmaudit.c)
 *
 * Addresses are written as crash gives them for this dump (KASLR
 * applied); "relocate" is crash's kt->relocate, for the reader.
 */
void
mmrecord_run(const char *path, const struct mma_target *t)
{
	struct mma_recorder r;
	struct mma_layout l;
	FILE *out;
	uint64_t a;
	char name[128];
	size_t i;

	if (!(out = fopen(path, "w"))) {
		error(INFO, "mmaudit: cannot write %s: %s\n", path,
		      strerror(errno));
		return;
	}
	fprintf(out, "# mmaudit fixture: what crash %s answered on this dump\n",
		pc->program_version);
	fprintf(out, "# recorded by \"mmaudit -R\" (tests/unit/record-fixtures.sh);"
		" format: extensions/core/record.c\n");
	fprintf(out, "release %s\n", kt->utsname.release);
	fprintf(out, "cpus %d\n", kt->cpus);
	fprintf(out, "relocate 0x%lx\n", kt->relocate);

	mma_record_init(&r, t, out);
	mma_layout_resolve(&r.t, &l);
	if (l.ok)
		build(&r.t, &l);
	for (i = 0; i < sizeof(probe_members) / sizeof(probe_members[0]); i++) {
		r.t.member_offset(r.t.ctx, probe_members[i][0],
				  probe_members[i][1]);
		r.t.member_size(r.t.ctx, probe_members[i][0],
				probe_members[i][1]);
		r.t.member_type(r.t.ctx, probe_members[i][0],
				probe_members[i][1], name, sizeof(name));
	}
	for (i = 0; i < sizeof(probe_typedefs) / sizeof(probe_typedefs[0]); i++)
		r.t.typedef_type(r.t.ctx, probe_typedefs[i], name, sizeof(name));
	for (i = 0; i < sizeof(probe_structs) / sizeof(probe_structs[0]); i++)
		r.t.struct_size(r.t.ctx, probe_structs[i]);
	for (i = 0; i < sizeof(probe_symbols) / sizeof(probe_symbols[0]); i++)
		r.t.symbol(r.t.ctx, probe_symbols[i], &a);
	describe(out, &l);
	if (fclose(out))
		error(INFO, "mmaudit: error writing %s: %s\n", path,
		      strerror(errno));
	else
		fprintf(fp, "mmaudit: %zu answers recorded to %s\n", r.nseen,
			path);
	mma_record_free(&r);
}
