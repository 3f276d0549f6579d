/*
 * test_robust.c - hostile dumps: task-list loops and breaks are bounded and
 * reported, garbage task/mm/mask pointers are reported and skipped, and the
 * renderers still produce well-formed JSON.
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"

#include "json_check.h"

/* ---- cases ------------------------------------------------------------ */

static void
loop_case(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;

	/* 400 -> 300: a cycle among leaders that never returns to the head */
	sk_default_cfg(&c);
	sk_init(&s, &c);
	sk_scene(&s, &x);
	fk_u64(&s.f, x.t400 + T_TASKS, x.t300 + T_TASKS);
	sk_build(&s, &l, &m);
	CHECK_EQ_INT("task list loop detected", count_rule(&m, "tasklist-loop"), 1);
	CHECK_EQ_INT("task list loop state", m.list_state, 1);
	check(m.list_walked < 20, "task list loop bounded", "walked %d",
	      m.list_walked);
	mma_model_free(&m);
	fk_free(&s.f);

	/* a self loop */
	sk_init(&s, &c);
	sk_scene(&s, &x);
	fk_u64(&s.f, x.t100 + T_TASKS, x.t100 + T_TASKS);
	sk_build(&s, &l, &m);
	CHECK_EQ_INT("self loop detected", count_rule(&m, "tasklist-loop"), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	/* a garbage next pointer */
	sk_init(&s, &c);
	sk_scene(&s, &x);
	fk_u64(&s.f, x.t200 + T_TASKS, 0xdead000000000100ULL);
	sk_build(&s, &l, &m);
	CHECK_EQ_INT("broken task list reported",
		     count_rule(&m, "tasklist-broken"), 1);
	mma_model_free(&m);
	fk_free(&s.f);

	/* an unmapped but canonical next pointer */
	sk_init(&s, &c);
	sk_scene(&s, &x);
	fk_u64(&s.f, x.t200 + T_TASKS, 0xffff888077770100ULL);
	sk_build(&s, &l, &m);
	check(count_rule(&m, "tasklist-broken") + count_rule(&m,
	      "bad-task-pointer") >= 1, "unmapped task list pointer reported",
	      "nothing reported");
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
cap_case(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	struct mma_build_opts o = { 1, 3 };
	int i;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	sk_scene(&s, &x);
	mma_layout_resolve(&s.t, &l);
	mma_model_init(&m, &s.t, &l);
	for (i = 0; i < s.ntask; i++)
		mma_model_add_task(&m, s.tasks[i], MMA_SRC_TARGET);
	mma_model_build(&m, &o);
	CHECK_EQ_INT("task list cap reported", count_rule(&m,
		     "tasklist-truncated"), 1);
	CHECK_EQ_INT("task list cap respected", m.list_walked, 3);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
garbage_case(void)
{
	struct sk_cfg c;
	struct synth s;
	struct scene x;
	struct mma_layout l;
	struct mma_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int i, bad = 0;

	sk_default_cfg(&c);
	sk_init(&s, &c);
	sk_scene(&s, &x);
	/* task pointers: user address, misaligned, unmapped */
	s.tasks[s.ntask++] = 0x00007fff00001000ULL;
	s.tasks[s.ntask++] = x.t100 + 3;
	s.tasks[s.ntask++] = 0xffff888066660000ULL;
	/* mm pointers: misaligned, unmapped, user-space */
	sk_task_mm(&s, x.t10, 0, x.A + 4);
	sk_task_mm(&s, x.t300, 0xffff888055550000ULL, 0xffff888055550000ULL);
	sk_task_mm(&s, x.t500, 0x1234, 0x1234);
	/* a bad cpu_vm_mask_var-style pointer cannot happen with cpu_bitmap;
	 * make C's mask unreadable by shrinking nothing: use comm garbage */
	fk_poke(&s.f, x.t200 + T_COMM, "\x01\"\\\xff" "abc", 7);
	/* runqueue curr garbage */
	fk_u64(&s.f, SK_RQ + 3 * SK_CPU_STRIDE + 0x10, 0xffffffffffffffffULL);
	sk_build(&s, &l, &m);
	CHECK_EQ_INT("garbage task pointers reported", count_rule(&m,
		     "bad-task-pointer"), 4);
	CHECK_EQ_INT("garbage task pointers skipped", m.bad_tasks, 4);
	for (i = 0; i < m.nfindings; i++)
		if (!strcmp(m.findings[i].rule, "bad-mm-pointer"))
			bad++;
	CHECK_EQ_INT("garbage mm pointers reported", bad, 3);
	check(m.ntasks >= 15, "good tasks still modelled", "%d tasks", m.ntasks);

	fp = open_memstream(&buf, &len);
	mma_render_findings(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL },
			    MMA_F_JSON, fp);
	fclose(fp);
	check(json_ok(buf), "findings JSON well-formed with garbage", "%.200s", buf);
	free(buf);
	fp = open_memstream(&buf, &len);
	mma_render_tasks(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL },
			 MMA_F_JSON, fp);
	fclose(fp);
	check(json_ok(buf) && strstr(buf, "?\\\"\\\\\\u00ffabc"),
	      "task JSON escapes a hostile comm", "%.300s", buf);
	free(buf);
	fp = open_memstream(&buf, &len);
	mma_render_mms(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL },
		       MMA_F_JSON, fp);
	mma_render_cpus(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL },
			MMA_F_JSON, fp);
	fclose(fp);
	{
		char *second = strstr(buf + 1, "{\"tool\"");

		if (second)
			second[-1] = '\0';
		check(json_ok(buf) && second && json_ok(second),
		      "mm and cpu JSON well-formed", "%.200s", buf);
	}
	free(buf);
	fp = open_memstream(&buf, &len);
	mma_render_tasks(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL }, 0, fp);
	mma_render_mms(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL }, 0, fp);
	mma_render_cpus(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL }, 0, fp);
	mma_render_findings(&m, &(struct mma_filter){ -1, 0, -1, 0, NULL }, 0, fp);
	fclose(fp);
	check(strstr(buf, "mmaudit-status: ok") != NULL, "text views render",
	      "no status line");
	free(buf);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
bad_mask_case(void)
{
	/* OFFSTACK cpu_vm_mask_var pointing nowhere: mask unknown, no crash */
	struct sk_cfg c;
	struct synth s;
	struct mma_layout l;
	struct mma_model m;
	uint64_t mm;
	int i;

	sk_default_cfg(&c);
	c.mask_kind = MMA_MASK_VAR_PTR;
	sk_init(&s, &c);
	mm = sk_mm(&s, 1, 1, "0");
	fk_u64(&s.f, mm + 0x300, 0xffff888044440000ULL);
	sk_task(&s, 100, 100, "p", 0, mm, mm, 0);
	sk_cpu(&s, 0, s.tasks[0], SK_INIT_TASK, mm, 0);
	sk_build(&s, &l, &m);
	i = mma_model_find_mm(&m, mm);
	CHECK_EQ_INT("unreadable mask pointer: mask unknown", m.mms[i].mask_ok, 0);
	CHECK_EQ_INT("unreadable mask: no bit-clear finding", count_rule(&m,
		     "loaded-mm-bit-clear"), 0);
	CHECK_EQ_INT("unreadable mask: cpu bit unknown", m.cpus[0].bit, -1);
	mma_model_free(&m);
	fk_free(&s.f);
}

static void
error_render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	mma_render_error("mmtask", "mm_struct.mm_count \"x\" not found",
			 MMA_F_JSON, fp);
	fclose(fp);
	check(json_ok(buf) && strstr(buf, "\"status\":\"error\""),
	      "error JSON well-formed", "%s", buf);
	free(buf);
}

int
main(void)
{
	loop_case();
	cap_case();
	garbage_case();
	bad_mask_case();
	error_render();
	return t_done();
}
