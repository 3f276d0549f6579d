/*
 * test_fuzzfound.c - what the fuzz harness (tests/fuzz/fuzz_core.c,
 * docs/robustness.md "Fuzzed core") found in the core, one case each, on
 * the fake target: each check failed before its fix (the memory errors
 * also show under -fsanitize=address: make unit CC=clang
 * CFLAGS="-g -fsanitize=address,undefined").
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "synth_csd.h"

/*
 * __call_single_node.dst unknown to the debugger: the layout took
 * node + (-1) for dst and read_call() read b[-1] (ASan:
 * stack-buffer-underflow in mma_get_uint from read_call).
 */
static void
csd_dst_missing(void)
{
	struct synth s;
	struct scene x;
	struct mma_csd_layout L;

	sk_csd_scene(&s, &x);
	fk_unmember(&s.f, "__call_single_node", "dst");
	mma_csd_layout_resolve(&s.t, &L);
	check(L.csd_src == -1 && L.csd_dst == -1,
	      "csd: node.dst missing: no src/dst (not node - 1)",
	      "src %ld dst %ld", L.csd_src, L.csd_dst);
	fk_unmember(&s.f, "__call_single_node", "llist");
	fk_member(&s.f, "__call_single_data", "node", 8, 16, MMA_TC_STRUCT);
	mma_csd_layout_resolve(&s.t, &L);
	check(L.csd_llist == -1 && !L.ok,
	      "csd: node.llist missing: llist -1, queue not decoded",
	      "llist %ld ok %d", L.csd_llist, L.ok);
	fk_free(&s.f);
}

/*
 * A member offset beyond the structure the core reads into its buffer:
 * info at 4096 in a 32-byte __call_single_data (read into b[128]).
 */
static void
csd_member_beyond(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	struct mma_csd st;
	uint64_t csd = cfd_csd(3, 1);

	sk_csd_scene(&s, &x);
	put_csd(&s, csd, MMA_CSD_TYPE_SYNC | MMA_CSD_FLAG_LOCK, FN_FLUSH,
		pc(SK_FTI, 3), 3, 1);
	fk_u64(&s.f, pc(SK_CSQ, 1), csd);
	fk_member_n(&s.f, "__call_single_data", "info", 4096, 8, MMA_TC_PTR,
		    "void");
	sk_build(&s, &l, &m);
	mma_csd_read(&m, &st);
	check(st.cpus[1].nq == 1 && st.cpus[1].q[0].info == 0 &&
	      st.cpus[1].q[0].func == FN_FLUSH,
	      "csd: info beyond the struct reads as 0, func still decoded",
	      "nq %d info %llx", st.cpus[1].nq, st.cpus[1].nq ?
	      (unsigned long long)st.cpus[1].q[0].info : 0ULL);
	mma_csd_free(&st);
	mma_model_free(&m);
	fk_free(&s.f);
}

/*
 * mma_addr_missing() on the last page of the address space: a += page
 * wrapped to 0 and the page loop ran 2^52 times (libFuzzer: timeout in
 * mma_addr_missing).  The fake's addr_state() stops the loop after 1000
 * calls by calling the page filtered.
 */
static int as_calls;

static int
as_unmapped(void *ctx, uint64_t addr)
{
	(void)ctx;
	(void)addr;
	return ++as_calls > 1000 ? MMA_ADDR_EXCLUDED : MMA_ADDR_UNMAPPED;
}

static void
addr_missing_wrap(void)
{
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	struct sk_cfg c;
	uint64_t task;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	sk_scene(&s, &x);
	s.t.addr_state = as_unmapped;
	mma_layout_resolve(&s.t, &l);
	mma_model_init(&m, &s.t, &l);
	/* the task's one read ends inside the last page */
	task = 0xfffffffffffff000ULL - (uint64_t)l.span_lo + 0x100;
	as_calls = 0;
	mma_model_add_task(&m, task, MMA_SRC_TARGET);
	check(as_calls <= 2 && m.bad_tasks == 1 && m.missing == 0,
	      "addr_state: a read in the last page asks once, bad not missing",
	      "%d addr_state calls, bad %d missing %d", as_calls, m.bad_tasks,
	      m.missing);
	mma_model_free(&m);
	fk_free(&s.f);
}

/*
 * The target's CPU count (crash: kt->cpus) taken unbounded when the
 * kernel's nr_cpu_ids cannot be read: 1.1e9 CPUs, calloc of 120 GB
 * (ASan: out of memory in mma_read_cpus).  Likewise a cpumask size from
 * the debugger far beyond NR_CPUS 8192.
 */
static void
ncpus_unbounded(void)
{
	struct synth s;
	struct mma_layout l;
	struct sk_cfg c;

	sk_default_cfg(&c);
	c.no_nr_cpu_ids = 1;
	sk_init(&s, &c);
	s.t.ncpus = 1 << 30;
	mma_layout_resolve(&s.t, &l);
	check(l.nr_cpu_ids == 8192 && l.ncpus == 8192,
	      "a target CPU count beyond NR_CPUS is not taken",
	      "nr_cpu_ids %u ncpus %d", l.nr_cpu_ids, l.ncpus);
	s.t.ncpus = 0;
	fk_struct(&s.f, "cpumask", 1L << 20);
	mma_layout_resolve(&s.t, &l);
	check(l.nr_cpus_max == 0 && l.nr_cpu_ids == 1,
	      "a cpumask of 1 MiB is not NR_CPUS 8M",
	      "NR_CPUS %u nr_cpu_ids %u", l.nr_cpus_max, l.nr_cpu_ids);
	fk_free(&s.f);
}

/*
 * Offsets near LONG_MAX: mm_users at LONG_MAX made mma_add_mm()'s
 * "hi - lo" overflow (UBSan: signed integer overflow); a 3-byte state
 * read 8 bytes past the task's one read.
 */
static void
implausible_layout(void)
{
	struct synth s;
	struct mma_layout l;
	struct sk_cfg c;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	fk_member(&s.f, "mm_struct", "mm_users", 0x7fffffffffffffffL, 4,
		  MMA_TC_INT);
	mma_layout_resolve(&s.t, &l);
	check(!l.ok && strstr(l.why, "mm_users"),
	      "mm_users at LONG_MAX counts as not found", "ok %d why %s",
	      l.ok, l.why);
	fk_free(&s.f);

	sk_init(&s, &c);
	fk_member(&s.f, "task_struct", "__state", T_COMM + 16, 3, MMA_TC_INT);
	mma_layout_resolve(&s.t, &l);
	check(l.span_lo + l.span_len >= l.t_state + 8,
	      "a 3-byte state: the task's one read holds the 8 bytes read",
	      "span %ld+%ld, state at %ld", l.span_lo, l.span_len, l.t_state);
	fk_free(&s.f);
}

/*
 * The recorder (mmaudit -R) looked every line up in a list: quadratic
 * in the CPU count (libFuzzer: timeout in emit() with 8192 CPUs).
 */
static void
recorder_many_cpus(void)
{
	struct synth s;
	struct sk_cfg c;
	struct mma_recorder r;
	struct timespec t0, t1;
	uint64_t a;
	char *buf = NULL;
	size_t len = 0, n;
	FILE *fp;
	double ms;
	int cpu, pass, lines = 0;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	fp = open_memstream(&buf, &len);
	mma_record_init(&r, &s.t, fp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (pass = 0; pass < 2; pass++)
		for (cpu = 0; cpu < 60000; cpu++)
			r.t.percpu_addr(r.t.ctx, "runqueues", cpu, &a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	n = r.nseen;
	mma_record_free(&r);
	fclose(fp);
	for (len = 0; buf[len]; len++)
		lines += buf[len] == '\n';
	free(buf);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	check(n == 60000 && lines == 60000,
	      "recorder: 60000 per-CPU answers written once each",
	      "%zu seen, %d lines", n, lines);
	check(ms < 3000, "recorder: 120000 questions in under 3 s (was ~30 s)",
	      "%.0f ms", ms);
	fk_free(&s.f);
}

int
main(void)
{
	csd_dst_missing();
	csd_member_beyond();
	addr_missing_wrap();
	ncpus_unbounded();
	implausible_layout();
	recorder_many_cpus();
	return t_done();
}
