/*
 * render.c - text (aligned columns, hex addresses, like crash's own
 * output) and JSON renderers.  Everything goes to the FILE * given (the
 * crash adapter passes crash's fp so pipes and redirection work).
 *
 * JSON: one object per command, {"tool":"mmaudit","version":...,
 * "schema":N,"command":...,"status":"ok"|"error", ...}; see
 * docs/json-schema.md.
 */
#include <string.h>

#include "mmcore.h"

#define A(x) ((unsigned long long)(x))

void
mma_filter_init(struct mma_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->pid = -1;
	f->cpu = -1;
	f->min_sev = MMA_SEV_INFO;
}

/* ------------------------------------------------------------------ */
/* JSON helpers                                                        */
/* ------------------------------------------------------------------ */

void
mma_json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void
jaddr(FILE *fp, const char *key, uint64_t v)
{
	fprintf(fp, "\"%s\":\"0x%llx\"", key, A(v));
}

static void
jtri(FILE *fp, const char *key, int v)
{
	fprintf(fp, "\"%s\":%s", key, v < 0 ? "null" : v ? "true" : "false");
}

void
mma_json_head(FILE *fp, const char *cmd)
{
	fprintf(fp, "{\"tool\":\"mmaudit\",\"version\":\"%s\",\"schema\":%d,"
		"\"command\":", MMA_VERSION, MMA_JSON_VERSION);
	mma_json_str(fp, cmd);
}

static const char *status_word(const struct mma_model *m);

static void
json_summary(const struct mma_model *m, FILE *fp)
{
	const struct mma_layout *l = m->l;

	fprintf(fp, "\"summary\":{\"tasks\":%d,\"mms\":%d,\"cpus\":%d,"
		"\"nr_cpu_ids\":%u,\"cpus_online\":%d,\"bug\":%d,"
		"\"suspicious\":%d,\"info\":%d,\"bad_tasks\":%d,"
		"\"read_errors\":%d,\"list_walked\":%d,\"list_added\":%d,"
		"\"list_state\":\"%s\",\"missing\":%d,\"verdict\":\"%s\","
		"\"ms\":%.1f,\"timing_ms\":{"
		"\"tasks\":%.1f,\"cpus\":%.1f,\"walk\":%.1f,\"mms\":%.1f,"
		"\"rules\":%.1f}}",
		m->ntasks, m->nmms, m->ncpus, l->nr_cpu_ids,
		m->online ? m->nonline : -1, m->nsev[MMA_SEV_BUG],
		m->nsev[MMA_SEV_SUSPICIOUS], m->nsev[MMA_SEV_INFO],
		m->bad_tasks, m->read_errors, m->list_walked, m->list_added,
		mma_list_state_name(m->list_state), m->missing,
		status_word(m), m->build_ms, m->ms_tasks, m->ms_cpus,
		m->ms_walk, m->ms_mms, m->ms_rules);
}

void
mma_render_error(const char *cmd, const char *why, unsigned flags, FILE *fp)
{
	if (flags & MMA_F_JSON) {
		mma_json_head(fp, cmd);
		fprintf(fp, ",\"status\":\"error\",\"error\":");
		mma_json_str(fp, why);
		fprintf(fp, "}\n");
	} else
		fprintf(fp, "%s: cannot run: %s\nmmaudit-status: error\n", cmd,
			why);
}

/* ------------------------------------------------------------------ */
/* text helpers                                                        */
/* ------------------------------------------------------------------ */

static const char *
hexaddr(uint64_t v, char *buf)
{
	if (!v)
		return "-";
	sprintf(buf, "%llx", A(v));
	return buf;
}

/* ------------------------------------------------------------------ */
/* tasks                                                               */
/* ------------------------------------------------------------------ */

static int
task_match(const struct mma_task *tk, const struct mma_filter *f,
	   unsigned flags)
{
	if (f->pid >= 0 && tk->pid != f->pid)
		return 0;
	if (f->mm && tk->mm != f->mm && tk->active_mm != f->mm)
		return 0;
	if (f->cpu >= 0 && tk->oncpu != f->cpu && tk->idle_of != f->cpu)
		return 0;
	if ((flags & MMA_F_BORROWED) && tk->rel != MMA_REL_BORROWED)
		return 0;
	return 1;
}

void
mma_render_tasks(const struct mma_model *m, const struct mma_filter *f,
		 unsigned flags, FILE *fp)
{
	char b1[24], b2[24];
	int i, n = 0;

	if (flags & MMA_F_JSON) {
		mma_json_head(fp, "mmtask");
		fprintf(fp, ",\"status\":\"ok\",\"tasks\":[");
		for (i = 0; i < m->ntasks; i++) {
			const struct mma_task *tk = &m->tasks[i];

			if (!task_match(tk, f, flags))
				continue;
			fprintf(fp, "%s\n{\"pid\":%d,\"tgid\":%d,\"comm\":",
				n++ ? "," : "", tk->pid, tk->tgid);
			mma_json_str(fp, tk->comm);
			fprintf(fp, ",\"cpu\":%d,\"oncpu\":%d,\"idle_of\":%d,"
				"\"state\":", tk->cpu, tk->oncpu, tk->idle_of);
			mma_json_str(fp, tk->st);
			fprintf(fp, ",");
			jaddr(fp, "task", tk->addr);
			fprintf(fp, ",");
			jaddr(fp, "mm", tk->mm);
			fprintf(fp, ",");
			jaddr(fp, "active_mm", tk->active_mm);
			fprintf(fp, ",\"relation\":\"%s\",\"flags\":\"0x%x\","
				"\"kthread\":%s,\"exit_state\":%u,"
				"\"src\":%u}", mma_rel_name(tk->rel), tk->flags,
				tk->flags & MMA_PF_KTHREAD ? "true" : "false",
				tk->exit_state, tk->src);
		}
		fprintf(fp, "],\"count\":%d,", n);
		json_summary(m, fp);
		fprintf(fp, "}\n");
		return;
	}
	fprintf(fp, "     PID     TGID  CPU  ST  TASK              MM          "
		"      ACTIVE_MM         RELATION        COMM\n");
	for (i = 0; i < m->ntasks; i++) {
		const struct mma_task *tk = &m->tasks[i];

		if (!task_match(tk, f, flags))
			continue;
		n++;
		fprintf(fp, "%c%7d %8d %4d  %-2s  %16llx  %-16s  %-16s  %-14s  "
			"%s\n", tk->oncpu >= 0 ? '>' : ' ', tk->pid, tk->tgid,
			tk->oncpu >= 0 ? tk->oncpu : tk->cpu, tk->st,
			A(tk->addr), hexaddr(tk->mm, b1),
			hexaddr(tk->active_mm, b2), mma_rel_name(tk->rel),
			tk->comm);
	}
	if (flags & MMA_F_VERBOSE)
		fprintf(fp, "%d task(s)\n", n);
}

/* ------------------------------------------------------------------ */
/* mms                                                                 */
/* ------------------------------------------------------------------ */

static int
mm_match(const struct mma_model *m, int idx, const struct mma_filter *f)
{
	const struct mma_mm *x = &m->mms[idx];
	int i;

	if (f->mm && x->addr != f->mm)
		return 0;
	if (f->pid >= 0) {
		for (i = 0; i < m->ntasks; i++)
			if (m->tasks[i].pid == f->pid &&
			    (m->tasks[i].mm_idx == idx ||
			     m->tasks[i].amm_idx == idx))
				return 1;
		return 0;
	}
	return 1;
}

static void
tgid_list(const struct mma_mm *x, char *buf, size_t len)
{
	size_t pos = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < x->ntgids; i++) {
		char tmp[16];
		size_t n = (size_t)snprintf(tmp, sizeof(tmp), "%s%d",
					    i ? "," : "", x->tgids[i]);

		if (pos + n + 4 >= len) {
			strcpy(buf + pos, ",..");
			return;
		}
		memcpy(buf + pos, tmp, n + 1);
		pos += n;
	}
	if (!x->ntgids)
		strcpy(buf, "-");
}

void
mma_render_mms(const struct mma_model *m, const struct mma_filter *f,
	       unsigned flags, FILE *fp)
{
	int i, j, n = 0;

	if (flags & MMA_F_JSON) {
		mma_json_head(fp, "mmlist");
		fprintf(fp, ",\"status\":\"ok\",\"mms\":[");
		for (i = 0; i < m->nmms; i++) {
			const struct mma_mm *x = &m->mms[i];

			if (!mm_match(m, i, f))
				continue;
			fprintf(fp, "%s\n{", n++ ? "," : "");
			jaddr(fp, "mm", x->addr);
			if (x->is_static)
				fprintf(fp, ",\"static\":\"%s\"",
					mma_static_name(x->is_static));
			else
				fprintf(fp, ",\"static\":null");
			fprintf(fp, ",\"valid\":%s,\"readok\":%s,",
				x->bad ? "false" : "true",
				x->readok ? "true" : "false");
			jaddr(fp, "owner", x->owner);
			fprintf(fp, ",\"owner_pid\":%d,\"mm_users\":%d,"
				"\"tasks\":%d,\"tgids\":[", x->owner_pid,
				x->users, x->ntasks);
			for (j = 0; j < x->ntgids; j++)
				fprintf(fp, "%s%d", j ? "," : "", x->tgids[j]);
			fprintf(fp, "],\"kthread_users\":%d,\"mm_count\":%d,"
				"\"lazy\":%d,\"lazy_oncpu\":%d,\"loaded_on\":%d,"
				"\"explained\":%d,\"explained_max\":%d,"
				"\"lazy_unref\":%d,\"prev_mm\":%d,"
				"\"slack\":%d,\"users_slack\":%d,",
				x->nkthread, x->count, x->nlazy,
				x->nlazy_oncpu, x->nloaded, x->explained,
				x->explained_max, x->nlazy_unref, x->nprev,
				x->slack, x->users_slack);
			jaddr(fp, "mask", x->mask_addr);
			fprintf(fp, ",\"mask_ok\":%s,\"cpus\":",
				x->mask_ok ? "true" : "false");
			mma_json_str(fp, x->cpus);
			fprintf(fp, ",\"weight\":%d,\"beyond\":%d,"
				"\"slab\":\"%s\",\"cache\":", x->mask_weight,
				x->mask_beyond, mma_slab_name(x->slab));
			mma_json_str(fp, x->slab_cache);
			fprintf(fp, "}");
		}
		fprintf(fp, "],\"count\":%d,", n);
		json_summary(m, fp);
		fprintf(fp, "}\n");
		return;
	}
	fprintf(fp, "MM                  OWNER  USERS  TASKS  TGIDS            "
		"COUNT  LAZY  KTHR   MIN  SLACK  CPUS\n");
	for (i = 0; i < m->nmms; i++) {
		const struct mma_mm *x = &m->mms[i];
		char tg[17], own[16];

		if (!mm_match(m, i, f))
			continue;
		n++;
		if (x->is_static)
			snprintf(own, sizeof(own), "%s",
				 x->is_static == MMA_STATIC_POKING_MM ? "poking" :
				 mma_static_name(x->is_static));
		else
			snprintf(own, sizeof(own), "%d", x->owner_pid);
		if (x->bad) {
			fprintf(fp, "%16llx  %7s  (%s)\n", A(x->addr), own,
				x->bad == MMA_BAD_ADDR ? "bad pointer" :
				x->bad == MMA_BAD_MISSING ? "not in the dump" :
				"unreadable");
			continue;
		}
		tgid_list(x, tg, sizeof(tg));
		fprintf(fp, "%16llx  %7s  %5d  %5d  %-16s %5d  %4d  %4d  %4d  "
			"%5d  %s\n", A(x->addr), own, x->users, x->ntasks, tg,
			x->count, x->nlazy, x->nkthread, x->explained,
			x->slack, x->mask_ok ? (x->cpus[0] ? x->cpus : "-") :
			"?");
	}
	if (flags & MMA_F_VERBOSE)
		fprintf(fp, "%d mm(s)\n", n);
}

/* ------------------------------------------------------------------ */
/* cpus                                                                */
/* ------------------------------------------------------------------ */

void
mma_render_cpus(const struct mma_model *m, const struct mma_filter *f,
		unsigned flags, FILE *fp)
{
	const struct mma_layout *l = m->l;
	char b1[24], b2[24], b3[24], b4[24];
	int c, n = 0;

	if (flags & MMA_F_JSON) {
		mma_json_head(fp, "mmcpu");
		fprintf(fp, ",\"status\":\"ok\",\"tlbstate\":\"%s\",\"cpus\":[",
			mma_tlb_kind_name(l->tlb_kind));
		for (c = 0; c < m->ncpus; c++) {
			const struct mma_cpu *cp = &m->cpus[c];
			const struct mma_task *tk = cp->curr_idx >= 0 ?
				&m->tasks[cp->curr_idx] : NULL;

			if (f->cpu >= 0 && c != f->cpu)
				continue;
			fprintf(fp, "%s\n{\"cpu\":%d,", n++ ? "," : "", c);
			jtri(fp, "online", cp->online);
			fprintf(fp, ",");
			jaddr(fp, "curr", cp->curr);
			fprintf(fp, ",\"pid\":%d,\"comm\":", tk ? tk->pid : -1);
			mma_json_str(fp, tk ? tk->comm : "");
			fprintf(fp, ",");
			jaddr(fp, "mm", tk ? tk->mm : 0);
			fprintf(fp, ",");
			jaddr(fp, "active_mm", tk ? tk->active_mm : 0);
			fprintf(fp, ",");
			jaddr(fp, "idle", cp->idle);
			fprintf(fp, ",");
			jaddr(fp, "loaded_mm", cp->loaded_mm);
			fprintf(fp, ",");
			jtri(fp, "is_lazy", cp->is_lazy);
			fprintf(fp, ",\"tlbstate\":%d,", cp->tlbstate);
			jtri(fp, "bit", cp->bit);
			fprintf(fp, "}");
		}
		fprintf(fp, "],\"count\":%d,", n);
		json_summary(m, fp);
		fprintf(fp, "}\n");
		return;
	}
	fprintf(fp, "CPU  ONLINE  CURRENT              PID  COMM              "
		"MM                ACTIVE_MM         LOADED_MM         LAZY  BIT\n");
	for (c = 0; c < m->ncpus; c++) {
		const struct mma_cpu *cp = &m->cpus[c];
		const struct mma_task *tk = cp->curr_idx >= 0 ?
			&m->tasks[cp->curr_idx] : NULL;
		char pid[16];

		if (f->cpu >= 0 && c != f->cpu)
			continue;
		snprintf(pid, sizeof(pid), "%d", tk ? tk->pid : -1);
		fprintf(fp, "%3d  %-6s  %-16s  %6s  %-16s  %-16s  %-16s  %-16s  "
			"%-4s  %s\n", c, cp->online < 0 ? "?" : cp->online ?
			"yes" : "no", hexaddr(cp->curr, b1), tk ? pid : "-",
			tk ? tk->comm : "-", hexaddr(tk ? tk->mm : 0, b2),
			hexaddr(tk ? tk->active_mm : 0, b3),
			cp->loaded_mm == 1 ? "switching" :
			hexaddr(cp->loaded_mm, b4),
			cp->is_lazy < 0 ? "-" : cp->is_lazy ? "yes" : "no",
			cp->bit < 0 ? "-" : cp->bit ? "set" :
			(cp->loaded_mm == l->init_mm ? "clear(init_mm)" :
			 "CLEAR"));
	}
}

/* ------------------------------------------------------------------ */
/* findings                                                            */
/* ------------------------------------------------------------------ */

static int
finding_match(const struct mma_finding *x, const struct mma_filter *f)
{
	if (x->sev < f->min_sev)
		return 0;
	if (f->rule && strcmp(f->rule, x->rule))
		return 0;
	if (f->mm && x->mm != f->mm)
		return 0;
	if (f->pid >= 0 && x->pid != f->pid)
		return 0;
	if (f->cpu >= 0 && x->cpu != f->cpu)
		return 0;
	return 1;
}

/*
 * bugs: a bug finding; incomplete: no bug, but objects mmaudit needed are
 * in pages the dump left out (makedumpfile filtering), so a clean result
 * is not proof; clean otherwise.
 */
static const char *
status_word(const struct mma_model *m)
{
	return m->nsev[MMA_SEV_BUG] ? "bugs" : m->missing ? "incomplete" :
	       "clean";
}

void
mma_render_findings(const struct mma_model *m, const struct mma_filter *f,
		    unsigned flags, FILE *fp)
{
	int i, n = 0, sev;

	if (flags & MMA_F_JSON) {
		mma_json_head(fp, "mmcheck");
		fprintf(fp, ",\"status\":\"ok\",\"verdict\":\"%s\","
			"\"findings\":[", status_word(m));
		for (i = 0; i < m->nfindings; i++) {
			const struct mma_finding *x = &m->findings[i];

			if (!finding_match(x, f))
				continue;
			fprintf(fp, "%s\n{\"rule\":\"%s\",\"severity\":\"%s\",",
				n++ ? "," : "", x->rule, mma_sev_name(x->sev));
			jaddr(fp, "task", x->task);
			fprintf(fp, ",\"pid\":%d,", x->pid);
			jaddr(fp, "mm", x->mm);
			fprintf(fp, ",\"cpu\":%d,\"detail\":", x->cpu);
			mma_json_str(fp, x->detail);
			fprintf(fp, ",\"reason\":");
			mma_json_str(fp, x->reason);
			fprintf(fp, "}");
		}
		fprintf(fp, "],\"count\":%d,", n);
		json_summary(m, fp);
		fprintf(fp, "}\n");
		return;
	}
	for (sev = MMA_SEV_BUG; sev >= MMA_SEV_INFO; sev--)
		for (i = 0; i < m->nfindings; i++) {
			const struct mma_finding *x = &m->findings[i];

			if (x->sev != sev || !finding_match(x, f))
				continue;
			n++;
			fprintf(fp, "%-10s  %-22s  %s\n", mma_sev_name(x->sev),
				x->rule, x->detail);
			if (flags & MMA_F_VERBOSE)
				fprintf(fp, "%-10s  %-22s  why: %s\n", "", "",
					x->reason);
		}
	mma_render_summary(m, 0, fp);
}

/**
 * mma_render_summary - the machine-readable closing line of mmcheck
 */
void
mma_render_summary(const struct mma_model *m, unsigned flags, FILE *fp)
{
	if (flags & MMA_F_JSON) {
		fprintf(fp, "{");
		json_summary(m, fp);
		fprintf(fp, "}\n");
		return;
	}
	fprintf(fp, "mmcheck: %d tasks, %d mms, %d cpus: %d bug, %d suspicious, "
		"%d info (%s, %.0f ms)\n", m->ntasks,
		m->nmms, m->ncpus, m->nsev[MMA_SEV_BUG],
		m->nsev[MMA_SEV_SUSPICIOUS], m->nsev[MMA_SEV_INFO],
		status_word(m), m->build_ms);
	if (m->missing)
		fprintf(fp, "mmcheck: incomplete dump: %d object(s) mmaudit "
			"reads are in pages not in the dump (filtered); "
			"they were skipped, not judged\n", m->missing);
	fprintf(fp, "mmaudit-status: ok\n");
}
