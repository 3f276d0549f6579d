/*
 * render_csd.c - the mmflush view: per CPU the TLB generation of its
 * loaded mm, its pending cross-CPU calls (call_single_queue), the calls
 * it is waiting for as a sender (locked CSDs of cfd_data) and its
 * per-CPU flush_tlb_info; text (aligned columns, hex addresses without
 * 0x, like crash) or JSON (docs/json-schema.md).
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "csd.h"

#define X(v) ((unsigned long long)(v))

static const char *
kind_name(const struct mma_csd_ent *e, const struct mma_csd *s)
{
	if (e->kind == MMA_CSDK_IRQ_WORK)
		return "IRQ_WORK";
	if (e->kind == MMA_CSDK_TTWU)
		return "TTWU";
	if (!s->L.typed)
		return (e->flags & MMA_CSD_OLD_SYNC) ? "SYNC" : "ASYNC";
	return (e->flags & MMA_CSD_TYPE_MASK) == MMA_CSD_TYPE_SYNC ? "SYNC" :
	       "ASYNC";
}

static const char *
tri(int v, const char *yes, const char *no)
{
	return v < 0 ? "?" : v ? yes : no;
}

static const char *
regs_word(const struct mma_csd_cpu *c)
{
	if (!c->regs_ok)
		return "-";
	if ((c->cs & 3) == 3)
		return "user";
	return (c->rflags & 0x200) ? "kernel" : "kernel,irqs-off";
}

/*
 * a CPU worth a row: online, or holding state (a panic leaves only the
 * panicking CPU online; an unplugged or never-booted one sits on init_mm)
 */
static int
shown(const struct mma_model *m, const struct mma_csd_cpu *c,
      const struct mma_filter *f)
{
	int k;

	if (f && f->cpu >= 0)
		return c->cpu == f->cpu;
	if (c->online != 0 || c->nq || c->nlocked)
		return 1;
	k = mma_model_find_mm(m, c->loaded_mm);
	return k >= 0 && !m->mms[k].is_static;
}

static int
mm_match(const struct mma_filter *f, uint64_t mm)
{
	return !f || !f->mm || f->mm == mm;
}

static int
cpu_match(const struct mma_csd_cpu *c, const struct mma_filter *f)
{
	int i;

	if (!f || !f->mm)
		return 1;
	if (c->loaded_mm == f->mm || (c->fti.ok && c->fti.mm == f->mm))
		return 1;
	for (i = 0; i < c->nq; i++)
		if (c->q[i].fti.ok && c->q[i].fti.mm == f->mm)
			return 1;
	for (i = 0; i < c->nlocked; i++)
		if (c->locked[i].fti.ok && c->locked[i].fti.mm == f->mm)
			return 1;
	return 0;
}

static void
fti_text(const struct mma_model *m, const struct mma_fti *t, FILE *fp)
{
	char comm[17];
	int pid;

	if (!t->ok) {
		fprintf(fp, "info unreadable");
		return;
	}
	if (!t->mm) {
		fprintf(fp, "kernel range %llx-%llx", X(t->start), X(t->end));
		return;
	}
	pid = mma_csd_mm_owner(m, t->mm, comm, sizeof(comm));
	fprintf(fp, "mm %llx", X(t->mm));
	if (pid >= 0)
		fprintf(fp, " (pid %d %s)", pid, comm);
	fprintf(fp, " %llx-%llx%s", X(t->start), X(t->end),
		t->end == ~0ULL ? " (TLB_FLUSH_ALL)" : "");
	if (t->stride_shift >= 0)
		fprintf(fp, " stride_shift %d", t->stride_shift);
	if (t->freed_tables >= 0)
		fprintf(fp, " freed_tables %d", t->freed_tables);
	fprintf(fp, " new_tlb_gen %llu", X(t->new_tlb_gen));
	if (t->initiating_cpu >= 0)
		fprintf(fp, " initiating_cpu %d", t->initiating_cpu);
	if (t->trim_cpumask >= 0)
		fprintf(fp, " trim_cpumask %d", t->trim_cpumask);
}

static void
ent_text(const struct mma_model *m, const struct mma_csd *s,
	 const struct mma_csd_ent *e, FILE *fp)
{
	fprintf(fp, "  %3d  %-16llx  %-8s  %5x  ", e->cpu, X(e->addr),
		kind_name(e, s), e->flags);
	if (e->src >= 0)
		fprintf(fp, "%3d  ", e->src);
	else
		fprintf(fp, "%3s  ", "-");
	if (e->kind == MMA_CSDK_TTWU) {
		fprintf(fp, "wake pid %d %s\n", e->pid, e->comm);
		return;
	}
	fprintf(fp, "%-24s  %-16llx", e->fname[0] ? e->fname : "-",
		X(e->info));
	if (e->flush == MMA_FLUSH_MM || e->flush == MMA_FLUSH_KERNEL) {
		fprintf(fp, "\n       ");
		fti_text(m, &e->fti, fp);
	}
	fprintf(fp, "\n");
}

static void
cpulist(const struct mma_csd *s, const uint64_t *w, char *buf, size_t len)
{
	if (!w) {
		snprintf(buf, len, "?");
		return;
	}
	if (!mma_cpulist_format(w, s->nr_cpu_ids, buf, len))
		snprintf(buf, len, "-");
}

static void
render_text(const struct mma_model *m, const struct mma_csd *s,
	    const struct mma_filter *f, FILE *fp)
{
	const struct mma_csd_layout *L = &s->L;
	int c, i, n;
	char a[128], b[128];

	fprintf(fp, "CPU  ONLINE  CURRENT                  LOADED_MM         "
		"LAZY  ASID   CPU_GEN    MM_GEN   LAG  QUEUED  WAITS_ON  "
		"REGS\n");
	for (c = 0; c < s->ncpus; c++) {
		const struct mma_csd_cpu *p = &s->cpus[c];
		char cur[32], gen[3][24], waits[64];

		if (!shown(m, p, f) || !cpu_match(p, f))
			continue;
		snprintf(cur, sizeof(cur), "%d %s", p->curr_pid, p->curr_comm);
		if (p->gen_ok && p->ctx_match) {
			snprintf(gen[0], sizeof(gen[0]), "%llu", X(p->tlb_gen));
			snprintf(gen[1], sizeof(gen[1]), "%llu",
				 X(p->mm_tlb_gen));
			snprintf(gen[2], sizeof(gen[2]), "%lld",
				 (long long)p->lag);
		} else {
			snprintf(gen[0], sizeof(gen[0]), "%s",
				 p->gen_ok ? "other" : "-");
			snprintf(gen[1], sizeof(gen[1]), "%s",
				 p->gen_ok ? "ctx" : "-");
			snprintf(gen[2], sizeof(gen[2]), "-");
		}
		waits[0] = '\0';
		for (i = n = 0; i < p->nlocked; i++) {
			size_t k = strlen(waits);

			snprintf(waits + k, sizeof(waits) - k, "%s%d",
				 n++ ? "," : "", p->locked[i].cpu);
		}
		fprintf(fp, "%3d  %-6s  %-23s  ", c,
			tri(p->online, "yes", "no"), cur);
		if (p->loaded_mm == MMA_LOADED_MM_SWITCHING)
			fprintf(fp, "%-16s  ", "switching");
		else if (p->loaded_mm)
			fprintf(fp, "%-16llx  ", X(p->loaded_mm));
		else
			fprintf(fp, "%-16s  ", "-");
		fprintf(fp, "%-4s  %4d  %8s  %8s  %4s  %6s  %-8s  %s\n",
			tri(p->lazy, "yes", "no"), p->asid, gen[0], gen[1],
			gen[2], p->q_ok ? (snprintf(a, sizeof(a), "%d%s", p->nq,
						    p->q_more ? "+" : ""), a) :
			"?", waits[0] ? waits : "-", regs_word(p));
	}

	fprintf(fp, "\nPENDING CALLS (call_single_queue)\n");
	if (!L->ok)
		fprintf(fp, "  not decoded: %s\n", L->why);
	else {
		for (c = n = 0; c < s->ncpus; c++) {
			const struct mma_csd_cpu *p = &s->cpus[c];

			if (f && f->cpu >= 0 && c != f->cpu)
				continue;
			for (i = 0; i < p->nq; i++) {
				if (!mm_match(f, p->q[i].fti.mm) &&
				    !(f && f->mm && !p->q[i].fti.ok &&
				      p->loaded_mm == f->mm))
					continue;
				if (!n++)
					fprintf(fp, "  CPU  ENTRY             TYPE"
						"      FLAGS  SRC  FUNCTION"
						"                  INFO\n");
				ent_text(m, s, &p->q[i], fp);
			}
		}
		if (!n)
			fprintf(fp, "  (none: every queue is empty)\n");
	}

	fprintf(fp, "\nWAITING SENDERS (cfd_data: csd locked until the target "
		"has run it)\n");
	if (!L->has_cfd)
		fprintf(fp, "  cfd_data: not present in this kernel\n");
	else {
		for (c = n = 0; c < s->ncpus; c++) {
			const struct mma_csd_cpu *p = &s->cpus[c];

			if (f && f->cpu >= 0 && c != f->cpu)
				continue;
			for (i = 0; i < p->nlocked; i++) {
				const struct mma_csd_ent *e = &p->locked[i];

				if (!mm_match(f, e->fti.mm))
					continue;
				if (!n++)
					fprintf(fp, "  FROM   TO  CSD               "
						"FUNCTION                  INFO"
						"              ON_TARGET  "
						"TARGETS  IPI\n");
				cpulist(s, p->cfd_mask, a, sizeof(a));
				cpulist(s, p->cfd_ipi, b, sizeof(b));
				fprintf(fp, "  %4d  %3d  %-16llx  %-24s  %-16llx  "
					"%-9s  %-7s  %s\n", c, e->cpu,
					X(e->addr), e->fname[0] ? e->fname :
					"-", X(e->info), e->queued == 1 ?
					"queued" : e->queued == 0 ? "taken" :
					"?", e->stack ? "-" : a,
					e->stack ? "(stack)" : b);
				if (e->flush == MMA_FLUSH_MM ||
				    e->flush == MMA_FLUSH_KERNEL) {
					fprintf(fp, "             ");
					fti_text(m, &e->fti, fp);
					fprintf(fp, "\n");
				}
			}
		}
		if (!n)
			fprintf(fp, "  (none: no CPU waits for another)\n");
	}
	if (L->has_cur_csd) {
		fprintf(fp, "\nRUNNING CALLS (cur_csd, CONFIG_CSD_LOCK_WAIT_DEBUG)"
			"\n");
		for (c = n = 0; c < s->ncpus; c++)
			if (s->cpus[c].cur_ok && s->cpus[c].cur_csd &&
			    (!f || f->cpu < 0 || c == f->cpu))
				fprintf(fp, "  %3d  csd %llx  %s  info %llx\n", c,
					X(s->cpus[c].cur_csd),
					s->cpus[c].cur_fname,
					X(s->cpus[c].cur_info)), n++;
		if (!n)
			fprintf(fp, "  (none)\n");
	}

	fprintf(fp, "\nFLUSHES (per-CPU flush_tlb_info; \"last\" is the "
		"previous flush's leftover)\n");
	if (!L->has_fti)
		fprintf(fp, "  flush_tlb_info: not present in this kernel\n");
	else {
		for (c = n = 0; c < s->ncpus; c++) {
			const struct mma_csd_cpu *p = &s->cpus[c];

			if (!p->fti.ok || (!p->fti.mm && !p->fti.end) ||
			    !shown(m, p, f) || !mm_match(f, p->fti.mm))
				continue;
			n++;
			fprintf(fp, "  %3d  %-6s  ", c,
				p->fti_busy ? "in use" : "last");
			fti_text(m, &p->fti, fp);
			fprintf(fp, "\n");
		}
		if (!n)
			fprintf(fp, "  (none)\n");
	}
	if (!L->has_gen)
		fprintf(fp, "\nTLB generations: not present in this kernel "
			"(not x86, or before v4.13)\n");
	fprintf(fp, "\nflush hook: %s%s%s\n", s->native == 1 ? "native" :
		s->native == 0 ? "paravirt" : "unknown",
		s->pv_fn[0] ? " " : "", s->pv_fn);
}

/* ---------------------------------------------------------------- JSON */

static void
jaddr(FILE *fp, const char *key, uint64_t v)
{
	fprintf(fp, "\"%s\":\"0x%llx\"", key, X(v));
}

static void
jfti(const struct mma_model *m, FILE *fp, const char *key,
     const struct mma_fti *t)
{
	char comm[17];
	int pid;

	fprintf(fp, "\"%s\":", key);
	if (!t->ok) {
		fprintf(fp, "null");
		return;
	}
	pid = mma_csd_mm_owner(m, t->mm, comm, sizeof(comm));
	fputc('{', fp);
	jaddr(fp, "addr", t->addr);
	fputc(',', fp);
	jaddr(fp, "mm", t->mm);
	fprintf(fp, ",\"owner_pid\":%d,\"owner_comm\":", pid);
	mma_json_str(fp, comm);
	fputc(',', fp);
	jaddr(fp, "start", t->start);
	fputc(',', fp);
	jaddr(fp, "end", t->end);
	fprintf(fp, ",\"new_tlb_gen\":%llu", X(t->new_tlb_gen));
	if (t->stride_shift >= 0)
		fprintf(fp, ",\"stride_shift\":%d", t->stride_shift);
	if (t->freed_tables >= 0)
		fprintf(fp, ",\"freed_tables\":%s",
			t->freed_tables ? "true" : "false");
	if (t->initiating_cpu >= 0)
		fprintf(fp, ",\"initiating_cpu\":%d", t->initiating_cpu);
	if (t->trim_cpumask >= 0)
		fprintf(fp, ",\"trim_cpumask\":%s",
			t->trim_cpumask ? "true" : "false");
	fputc('}', fp);
}

static void
jent(const struct mma_model *m, const struct mma_csd *s, FILE *fp,
     const struct mma_csd_ent *e, int locked)
{
	fputc('{', fp);
	jaddr(fp, "addr", e->addr);
	fprintf(fp, ",\"type\":\"%s\",\"flags\":%u,\"locked\":%s,\"cpu\":%d,"
		"\"src\":%d,\"dst\":%d,", kind_name(e, s), e->flags,
		(e->flags & MMA_CSD_FLAG_LOCK) ? "true" : "false", e->cpu,
		e->src, e->dst);
	jaddr(fp, "func", e->func);
	fprintf(fp, ",\"function\":");
	mma_json_str(fp, e->fname);
	fputc(',', fp);
	jaddr(fp, "info", e->info);
	fprintf(fp, ",\"flush\":\"%s\"", mma_flush_name(e->flush));
	if (e->kind == MMA_CSDK_TTWU) {
		fprintf(fp, ",\"pid\":%d,\"comm\":", e->pid);
		mma_json_str(fp, e->comm);
	}
	if (locked)
		fprintf(fp, ",\"on_target_queue\":%s,\"in_cfd\":%s",
			e->queued < 0 ? "null" : e->queued ? "true" : "false",
			e->stack ? "false" : "true");
	if (e->flush == MMA_FLUSH_MM || e->flush == MMA_FLUSH_KERNEL) {
		fputc(',', fp);
		jfti(m, fp, "flush_tlb_info", &e->fti);
	}
	fputc('}', fp);
}

static void
jmask(const struct mma_csd *s, FILE *fp, const char *key, const uint64_t *w)
{
	char buf[512];

	fprintf(fp, "\"%s\":", key);
	if (!w) {
		fprintf(fp, "null");
		return;
	}
	mma_cpulist_format(w, s->nr_cpu_ids, buf, sizeof(buf));
	mma_json_str(fp, buf);
}

static void
render_json(const struct mma_model *m, const struct mma_csd *s,
	    const struct mma_filter *f, FILE *fp)
{
	const struct mma_csd_layout *L = &s->L;
	int c, i, n = 0, nq = 0, nl = 0;

	mma_json_head(fp, "mmflush");
	fprintf(fp, ",\"status\":\"ok\",\"layout\":{\"queue\":%s,"
		"\"why\":", L->ok ? "true" : "false");
	mma_json_str(fp, L->ok ? "" : L->why);
	fprintf(fp, ",\"csd_struct\":");
	mma_json_str(fp, L->csd_struct);
	fprintf(fp, ",\"typed\":%s,\"src_dst\":%s,\"cfd\":",
		L->typed ? "true" : "false", L->csd_src >= 0 ? "true" : "false");
	mma_json_str(fp, L->has_cfd ? L->cfd_member : "");
	fprintf(fp, ",\"cur_csd\":%s,\"flush_tlb_info\":%s,"
		"\"tlb_gen\":%s,\"notes\":", L->has_cur_csd ? "true" : "false",
		L->has_fti ? "true" : "false", L->has_gen ? "true" : "false");
	mma_json_str(fp, L->notes);
	fprintf(fp, ",\"flush_hook\":\"%s\",\"flush_hook_function\":",
		s->native == 1 ? "native" : s->native == 0 ? "paravirt" :
		"unknown");
	mma_json_str(fp, s->pv_fn);
	fprintf(fp, "},\"cpus\":[");
	for (c = 0; c < s->ncpus; c++) {
		const struct mma_csd_cpu *p = &s->cpus[c];

		if (!shown(m, p, f) || !cpu_match(p, f))
			continue;
		fprintf(fp, "%s{\"cpu\":%d,\"online\":%s,\"pid\":%d,\"comm\":",
			n++ ? "," : "", c, p->online < 0 ? "null" :
			p->online ? "true" : "false", p->curr_pid);
		mma_json_str(fp, p->curr_comm);
		fputc(',', fp);
		jaddr(fp, "loaded_mm", p->loaded_mm);
		fprintf(fp, ",\"lazy\":%s,\"asid\":%d,\"next_asid\":%d,"
			"\"gen_ok\":%s,\"ctx_match\":%s,", p->lazy < 0 ? "null" :
			p->lazy ? "true" : "false", p->asid, p->next_asid,
			p->gen_ok ? "true" : "false",
			p->ctx_match ? "true" : "false");
		jaddr(fp, "ctx_id", p->ctx_id);
		fputc(',', fp);
		jaddr(fp, "mm_ctx_id", p->mm_ctx_id);
		fprintf(fp, ",\"tlb_gen\":%llu,\"mm_tlb_gen\":%llu,\"lag\":%lld,"
			"\"batched\":%s", X(p->tlb_gen), X(p->mm_tlb_gen),
			(long long)p->lag, p->batched < 0 ? "null" :
			p->batched ? "true" : "false");
		if (p->regs_ok) {
			fprintf(fp, ",\"regs\":{");
			jaddr(fp, "ip", p->ip);
			fprintf(fp, ",\"ip_symbol\":");
			mma_json_str(fp, p->ip_sym);
			fprintf(fp, ",\"rflags\":\"0x%llx\",\"cs\":\"0x%llx\","
				"\"user\":%s,\"irqs_off\":%s}", X(p->rflags),
				X(p->cs), (p->cs & 3) == 3 ? "true" : "false",
				(p->rflags & 0x200) ? "false" : "true");
		} else
			fprintf(fp, ",\"regs\":null");
		fprintf(fp, ",\"queue_ok\":%s,\"queue_more\":%s,\"queue\":[",
			p->q_ok ? "true" : "false", p->q_more ? "true" : "false");
		for (i = 0; i < p->nq; i++, nq++) {
			if (i)
				fputc(',', fp);
			jent(m, s, fp, &p->q[i], 0);
		}
		fprintf(fp, "],\"cfd_ok\":%s,", p->cfd_ok ? "true" : "false");
		jmask(s, fp, "cfd_cpumask", p->cfd_mask);
		fputc(',', fp);
		jmask(s, fp, "cfd_cpumask_ipi", p->cfd_ipi);
		fprintf(fp, ",\"locked\":[");
		for (i = 0; i < p->nlocked; i++, nl++) {
			if (i)
				fputc(',', fp);
			jent(m, s, fp, &p->locked[i], 1);
		}
		fprintf(fp, "]");
		if (L->has_cur_csd) {
			fputc(',', fp);
			jaddr(fp, "cur_csd", p->cur_csd);
			fprintf(fp, ",\"cur_csd_function\":");
			mma_json_str(fp, p->cur_fname);
		}
		fputc(',', fp);
		jfti(m, fp, "flush_tlb_info", &p->fti);
		fprintf(fp, ",\"flush_tlb_info_in_use\":%s}",
			p->fti_busy ? "true" : "false");
	}
	fprintf(fp, "],\"summary\":{\"cpus\":%d,\"queued\":%d,\"locked\":%d,"
		"\"read_errors\":%d,\"ms\":%.1f}}\n", n, nq, nl, s->read_errors,
		s->ms);
}

/**
 * mma_render_csd - the mmflush view
 * @m: built model
 * @s: read state (mma_csd_read())
 * @f: filter (cpu, mm), may be NULL
 * @flags: MMA_F_JSON
 * @fp: output
 */
void
mma_render_csd(const struct mma_model *m, const struct mma_csd *s,
	       const struct mma_filter *f, unsigned flags, FILE *fp)
{
	if (flags & MMA_F_JSON)
		render_json(m, s, f, fp);
	else
		render_text(m, s, f, fp);
}
