/*
 * views.c - the views' shared tail around the renderers (views.h), used
 * by the crash extension and by the direct command alike.
 */
#include <stdarg.h>
#include <string.h>

#include "views.h"

void
mma_filter_error(FILE *fp, const char *cmd, unsigned flags, const char *fmt,
		 ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (flags & MMA_F_JSON)
		mma_render_error(cmd, why, flags, fp);
	else
		fprintf(fp, "%s: %s\n", cmd, why);
}

int
mma_check_filter(FILE *fp, const char *cmd, unsigned flags,
		 const struct mma_model *m, struct mma_filter *f)
{
	const struct mma_task *tk = NULL;
	int i;

	if (f->cpu >= 0 && f->cpu >= m->ncpus) {
		mma_filter_error(fp, cmd, flags, "CPU %d does not exist: this "
				 "dump has CPUs 0-%d", f->cpu, m->ncpus - 1);
		return -1;
	}
	if (f->pid < 0)
		return 0;
	for (i = 0; i < m->ntasks && !tk; i++)
		if (m->tasks[i].pid == f->pid)
			tk = &m->tasks[i];
	if (!tk) {
		mma_filter_error(fp, cmd, flags, "no task with pid %d", f->pid);
		return -1;
	}
	if (strcmp(cmd, "mmlist") || tk->mm || tk->active_mm)
		return 0;
	for (i = 0; i < m->ntasks; i++)
		if (m->tasks[i].tgid == f->pid && m->tasks[i].mm) {
			if (!(flags & MMA_F_JSON))
				fprintf(fp, "mmlist: pid %d (%s, %s) has no mm; "
					"its thread group uses mm %llx\n",
					f->pid, tk->comm, tk->st,
					(unsigned long long)m->tasks[i].mm);
			f->mm = m->tasks[i].mm;
			f->pid = -1;
			return 0;
		}
	mma_filter_error(fp, cmd, flags, "pid %d (%s, %s) uses no mm (a kernel "
			 "thread that is not running, or a task that has "
			 "exited)", f->pid, tk->comm, tk->st);
	return -1;
}

void
mma_render_overview_json(const struct mma_model *m, const char *slab,
			 FILE *fp)
{
	const struct mma_layout *l = m->l;
	const struct mma_rule *r;

	mma_json_head(fp, "mmaudit");
	fprintf(fp, ",\"status\":\"ok\",\"layout\":{\"mask\":\"%s\","
		"\"mask_offset\":%ld,\"mm_users\":%ld,\"mm_count\":%ld,"
		"\"nr_cpu_ids\":%u,\"task_read_bytes\":%ld,"
		"\"tlbstate\":%d,\"slab_check\":", l->mask_member,
		l->mask_off, l->mm_users, l->mm_count, l->nr_cpu_ids,
		l->span_len, l->tlb_kind);
	mma_json_str(fp, slab ? slab : "ok");
	fprintf(fp, "},\"rules\":[");
	for (r = mma_rules; r->id; r++)
		fprintf(fp, "%s{\"id\":\"%s\",\"severity\":\"%s\"}",
			r == mma_rules ? "" : ",", r->id, mma_sev_name(r->sev));
	fprintf(fp, "],\"findings\":%d,\"bug\":%d,\"suspicious\":%d,"
		"\"info\":%d,\"tasks\":%d,\"mms\":%d,\"cpus\":%d,"
		"\"ms\":%.1f}\n", m->nfindings, m->nsev[MMA_SEV_BUG],
		m->nsev[MMA_SEV_SUSPICIOUS], m->nsev[MMA_SEV_INFO],
		m->ntasks, m->nmms, m->ncpus, m->build_ms);
}
