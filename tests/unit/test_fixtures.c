/*
 * test_fixtures.c - the core on crash's own answers: each fixture in
 * tests/unit/fixtures/ is what the real crash 8.0.6 answered on a test
 * kernel (recorded by `mmaudit -R`, tests/unit/record-fixtures.sh).  The
 * fake replays it; the layout must come out as the real dump showed, and
 * the core must ask nothing the recording does not answer.
 */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "synth.h"

/* where the fixtures are: next to this file, or $MMAUDIT_FIXTURES */
static void
fixture_path(const char *tag, char *buf, size_t len)
{
	const char *dir = getenv("MMAUDIT_FIXTURES"), *f = __FILE__;
	const char *slash = strrchr(f, '/');

	if (dir)
		snprintf(buf, len, "%s/%s.txt", dir, tag);
	else
		snprintf(buf, len, "%.*sfixtures/%s.txt",
			 slash ? (int)(slash - f + 1) : 0, f, tag);
}

/*
 * What each real dump showed.  The numbers are crash's recorded answers
 * (fixture lines "member_offset mm_struct mm_users 84" ...), which
 * record-fixtures.sh checked against crash's own `struct -o mm_struct`
 * before writing the fixture.
 */
struct expect {
	const char *tag;
	long users, count, mask_off;
	int mask_kind, tlb_kind;
	const char *state;
	int cpus;		/* kt->cpus: nr_cpu_ids from the target */
	int cpu_in_ti;		/* task's CPU in the embedded thread_info */
};

static const struct expect expects[] = {
	/* fixtures/bookworm-6.1.txt */
	{ "bookworm-6.1", 84, 88, 1096, MMA_MASK_CPU_BITMAP, MMA_TLB_SHARED,
	  "__state", 4, 1 },
	/* fixtures/bullseye-5.10.txt */
	{ "bullseye-5.10", 92, 96, 1032, MMA_MASK_CPU_BITMAP, MMA_TLB_LAZY,
	  "state", 4, 0 },
	/* fixtures/trixie-6.12.txt: mm_count in an anonymous struct at 0 */
	{ "trixie-6.12", 132, 0, 1344, MMA_MASK_CPU_BITMAP, MMA_TLB_SHARED,
	  "__state", 72, 1 },
};

/* cpumask_var_t members of these CPUMASK_OFFSTACK kernels */
static const char *const var_members[][2] = {
	{ "root_domain", "span" },
	{ "root_domain", "online" },
	{ "root_domain", "dlo_mask" },
	{ "root_domain", "rto_mask" },
	{ "cpupri_vec", "mask" },
};

static int
load(struct fake *f, struct mma_target *t, const char *tag)
{
	char path[512];

	fk_init(f);
	fixture_path(tag, path, sizeof(path));
	if (fk_load(f, path))
		return -1;
	fk_target(f, t, 0);
	return 0;
}

static void
layout_case(const struct expect *e)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct mma_target t;
	struct mma_layout l;
	char n[160];

	snprintf(n, sizeof(n), "%s: fixture loads", e->tag);
	check(f && !load(f, &t, e->tag), n, "see stderr");
	if (!f || !f->nmem) {
		free(f);
		return;
	}
	mma_layout_resolve(&t, &l);
	snprintf(n, sizeof(n), "%s: layout ok", e->tag);
	check(l.ok, n, "%s", l.why);
	snprintf(n, sizeof(n), "%s: mm_users offset", e->tag);
	CHECK_EQ_INT(n, l.mm_users, e->users);
	snprintf(n, sizeof(n), "%s: mm_count offset", e->tag);
	CHECK_EQ_INT(n, l.mm_count, e->count);
	snprintf(n, sizeof(n), "%s: mask kind", e->tag);
	CHECK_EQ_INT(n, l.mask_kind, e->mask_kind);
	snprintf(n, sizeof(n), "%s: mask offset", e->tag);
	CHECK_EQ_INT(n, l.mask_off, e->mask_off);
	snprintf(n, sizeof(n), "%s: tlbstate kind", e->tag);
	CHECK_EQ_INT(n, l.tlb_kind, e->tlb_kind);
	snprintf(n, sizeof(n), "%s: state member", e->tag);
	CHECK_EQ_STR(n, l.state_member, e->state);
	snprintf(n, sizeof(n), "%s: nr_cpu_ids from the target", e->tag);
	CHECK_EQ_INT(n, l.nr_cpu_ids, e->cpus);
	snprintf(n, sizeof(n), "%s: NR_CPUS 8192 (sizeof(struct cpumask))",
		 e->tag);
	CHECK_EQ_INT(n, l.nr_cpus_max, 8192);
	snprintf(n, sizeof(n), "%s: task cpu %s", e->tag,
		 e->cpu_in_ti ? "in thread_info" : "task_struct.cpu");
	check(e->cpu_in_ti ? strstr(l.notes, "task.thread_info.cpu") != NULL :
	      strstr(l.notes, "cpu=task.cpu") != NULL, n, "notes \"%s\"",
	      l.notes);
	snprintf(n, sizeof(n), "%s: the core asked nothing unrecorded",
		 e->tag);
	CHECK_EQ_INT(n, f->unknown, 0);
	fk_dump_unknown(f);
	fk_free(f);
	free(f);
}

/*
 * The bug: crash answers TYPEDEF "cpumask_var_t" for a cpumask_var_t
 * member, and "cpumask_var_t" resolves to PTR on these OFFSTACK kernels.
 * The old glue turned TYPEDEF into OTHER and the old layout took anything
 * but PTR for the !OFFSTACK array.
 */
static void
var_case(const char *tag)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct mma_target t;
	struct mma_layout l;
	struct fk_member *src;
	char n[200], name[64];
	size_t i;
	int raw, tc;

	if (!f || load(f, &t, tag)) {
		check(0, tag, "fixture does not load");
		free(f);
		return;
	}
	for (i = 0; i < sizeof(var_members) / sizeof(var_members[0]); i++) {
		tc = mma_member_class(&t, var_members[i][0], var_members[i][1],
				      &raw, name, sizeof(name));
		snprintf(n, sizeof(n), "%s: %s.%s: crash's raw answer is "
			 "TYPEDEF cpumask_var_t", tag, var_members[i][0],
			 var_members[i][1]);
		check(raw == MMA_TC_TYPEDEF && !strcmp(name, "cpumask_var_t"),
		      n, "raw %s \"%s\"", mma_tc_name(raw), name);
		snprintf(n, sizeof(n), "%s: %s.%s: resolved to a pointer", tag,
			 var_members[i][0], var_members[i][1]);
		CHECK_EQ_STR(n, mma_tc_name(tc), "PTR");
		snprintf(n, sizeof(n), "%s: %s.%s: the old mapping (raw == PTR)"
			 " would have said array", tag, var_members[i][0],
			 var_members[i][1]);
		check(raw != MMA_TC_PTR, n, "raw %s", mma_tc_name(raw));
	}

	/*
	 * A v3.0-v4.18 mm_struct shaped with this kernel's own recorded
	 * answer for a cpumask_var_t member (root_domain.span: its raw class,
	 * type name and size), plus cpumask_allocation: the core must take
	 * cpu_vm_mask_var for the OFFSTACK pointer.
	 */
	src = fk_find(f, "root_domain", "span");
	if (src) {
		fk_unmember(f, "mm_struct", "cpu_bitmap");
		fk_member(f, "mm_struct", "cpu_bitmap", -1, -1, MMA_TC_NONE);
		fk_member_td(f, "mm_struct", "cpu_vm_mask_var", 0x370,
			     src->size, src->tname);
		fk_find(f, "mm_struct", "cpu_vm_mask_var")->tc = src->tc;
		fk_member(f, "mm_struct", "cpumask_allocation", 0x378, 1024,
			  MMA_TC_STRUCT);
		mma_layout_resolve(&t, &l);
		snprintf(n, sizeof(n), "%s: cpu_vm_mask_var with the recorded "
			 "cpumask_var_t answer is the OFFSTACK pointer", tag);
		CHECK_EQ_INT(n, l.mask_kind, MMA_MASK_VAR_PTR);
		snprintf(n, sizeof(n), "%s: ... decided by the typedef, not by "
			 "size", tag);
		check(strstr(l.notes, "cpu_vm_mask_var(ptr)") != NULL, n,
		      "notes \"%s\"", l.notes);
	} else
		check(0, tag, "root_domain.span not recorded");
	fk_free(f);
	free(f);
}

/* the recorder and the loader agree: record a synthetic kernel, replay */
static void
roundtrip(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_recorder r;
	struct mma_layout l1, l2;
	struct mma_model m;
	struct mma_build_opts o = { 1, 10000 };
	struct fake *g = calloc(1, sizeof(*g));
	struct mma_target t2;
	char path[] = "/tmp/mmaudit-fixture-XXXXXX";
	FILE *fp;
	int fd;

	sk_default_cfg(&c);
	c.mask_kind = MMA_MASK_VAR_PTR;
	c.tlb_kind = MMA_TLB_SHARED;
	sk_init(&s, &c);
	s.f.ncpus = 4;
	s.t.ncpus = 4;
	sk_scene(&s, &x);
	fd = mkstemp(path);
	fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!fp || !g) {
		check(0, "roundtrip: temp file", "%s", path);
		return;
	}
	fprintf(fp, "cpus 4\n");
	mma_record_init(&r, &s.t, fp);
	mma_layout_resolve(&r.t, &l1);
	mma_model_init(&m, &r.t, &l1);
	mma_model_add_task(&m, SK_INIT_TASK, MMA_SRC_TARGET);
	mma_model_build(&m, &o);
	mma_model_free(&m);
	r.t.member_type(r.t.ctx, "mm_struct", "mm_users", NULL, 0);
	fclose(fp);
	check(r.nseen > 20, "roundtrip: answers recorded", "%zu", r.nseen);
	mma_record_free(&r);

	fk_init(g);
	check(!fk_load(g, path), "roundtrip: recording loads", "%s", path);
	unlink(path);
	fk_target(g, &t2, 0);
	mma_layout_resolve(&t2, &l2);
	CHECK_EQ_INT("roundtrip: nothing unrecorded asked", g->unknown, 0);
	fk_dump_unknown(g);
	CHECK_EQ_INT("roundtrip: mask kind", l2.mask_kind, l1.mask_kind);
	CHECK_EQ_INT("roundtrip: mask kind is the pointer", l2.mask_kind,
		     MMA_MASK_VAR_PTR);
	CHECK_EQ_INT("roundtrip: mm_count", l2.mm_count, l1.mm_count);
	CHECK_EQ_INT("roundtrip: tlb kind", l2.tlb_kind, l1.tlb_kind);
	CHECK_EQ_INT("roundtrip: task span", l2.span_len, l1.span_len);
	CHECK_EQ_INT("roundtrip: init_mm", l2.init_mm, l1.init_mm);
	{
		char name[64];
		int raw;

		mma_member_class(&t2, "mm_struct", "mm_users", &raw, name,
				 sizeof(name));
		check(raw == MMA_TC_TYPEDEF && !strcmp(name, "atomic_t"),
		      "roundtrip: raw TYPEDEF atomic_t replayed", "%s %s",
		      mma_tc_name(raw), name);
	}
	fk_free(g);
	free(g);
	fk_free(&s.f);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		layout_case(&expects[i]);
		var_case(expects[i].tag);
	}
	roundtrip();
	return t_done();
}
