/*
 * views.c - the views' shared tail around the renderers (views.h), used
 * by the crash extension and by the direct command alike.
 */
#include <stdarg.h>
#include <stdlib.h>
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

/* ------------------------------------------------------------------ */
/* mmmask                                                              */
/* ------------------------------------------------------------------ */

struct maskreq {
	const char *source;	/* mm, addr, symbol, percpu, words */
	char name[64];
	uint64_t addr;
	int cpu;
	uint64_t mm;		/* -m: the mm_struct, for its counters */
};

/* ,"mm_users":N,"mm_count":N of q->mm (JSON), where they can be read */
static void
print_mm_counters(const struct mma_target *t, const struct mma_layout *l,
		  const struct maskreq *q, FILE *fp)
{
	int32_t v;

	if (!q->mm || !t || !l)
		return;
	if (l->mm_users >= 0 && l->mm_users_size == 4 &&
	    !t->read(t->ctx, q->mm + (uint64_t)l->mm_users, &v, 4))
		fprintf(fp, ",\"mm_users\":%d", v);
	if (l->mm_count >= 0 && l->mm_count_size == 4 &&
	    !t->read(t->ctx, q->mm + (uint64_t)l->mm_count, &v, 4))
		fprintf(fp, ",\"mm_count\":%d", v);
}

static void
print_mask(const struct mma_target *t, const struct mma_layout *l,
	   const struct maskreq *q, const uint64_t *w, unsigned nwords,
	   unsigned nbits, unsigned flags, int *n, FILE *fp)
{
	char list[4096];
	unsigned i, weight = mma_bit_weight(w, nbits);
	unsigned beyond = mma_bit_weight(w, nwords * 64) - weight;

	mma_cpulist_format(w, nbits, list, sizeof(list));
	if (flags & MMA_F_JSON) {
		fprintf(fp, "%s\n{\"source\":\"%s\",\"name\":", (*n)++ ? "," : "",
			q->source);
		mma_json_str(fp, q->name);
		fprintf(fp, ",\"addr\":\"0x%llx\",\"cpu\":%d,\"nbits\":%u,"
			"\"words\":[", (unsigned long long)q->addr, q->cpu, nbits);
		for (i = 0; i < nwords; i++)
			fprintf(fp, "%s\"0x%llx\"", i ? "," : "",
				(unsigned long long)w[i]);
		fprintf(fp, "],\"weight\":%u,\"beyond\":%u,\"cpus\":", weight,
			beyond);
		mma_json_str(fp, list);
		print_mm_counters(t, l, q, fp);
		fprintf(fp, "}");
		return;
	}
	if (!(*n)++)
		fprintf(fp, "SOURCE  NAME                      ADDRESS           "
			"NBITS  WEIGHT  CPUS\n");
	if (q->addr)
		fprintf(fp, "%-6s  %-24s  %16llx  %5u  %6u  %s\n", q->source,
			q->name, (unsigned long long)q->addr, nbits, weight,
			list[0] ? list : "-");
	else
		fprintf(fp, "%-6s  %-24s  %16s  %5u  %6u  %s\n", q->source,
			q->name, "-", nbits, weight, list[0] ? list : "-");
	if (beyond)
		fprintf(fp, "        (%u bit(s) set at or beyond bit %u)\n",
			beyond, nbits);
	if (flags & MMA_F_VERBOSE)
		for (i = 0; i < nwords; i++)
			fprintf(fp, "        word %3u: %016llx\n", i,
				(unsigned long long)w[i]);
}

void
mma_render_mask_words(const uint64_t *w, unsigned nwords, unsigned nbits,
		      unsigned flags, FILE *fp)
{
	struct maskreq q;
	int n = 0;

	memset(&q, 0, sizeof(q));
	q.source = "words";
	snprintf(q.name, sizeof(q.name), "%u word(s)", nwords);
	q.cpu = -1;
	if (!nbits || nbits > nwords * 64)
		nbits = nwords * 64;
	if (flags & MMA_F_JSON) {
		mma_json_head(fp, "mmmask");
		fprintf(fp, ",\"status\":\"ok\",\"masks\":[");
	}
	print_mask(NULL, NULL, &q, w, nwords, nbits, flags, &n, fp);
	if (flags & MMA_F_JSON)
		fprintf(fp, "]}\n");
}

/* hex (0x optional), else a symbol of the target */
static int
mask_addr(const struct mma_target *t, const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoull(s, &end, 16);
	if (!*end)
		return 0;
	return t->symbol(t->ctx, s, v);
}

void
mma_render_mask_query(const struct mma_target *t, const struct mma_layout *l,
		      const struct mma_maskq *mq, unsigned flags, FILE *fp)
{
	struct maskreq q;
	struct mma_model m;
	unsigned nbits = mq->nbits, nwords;
	uint64_t *w, v = 0;
	int c, n = 0, cpu0, cpu1;

	memset(&q, 0, sizeof(q));
	if (!nbits)
		nbits = l->nr_cpu_ids;
	nwords = MMA_BITS_TO_LONGS(nbits);
	w = calloc(nwords ? nwords : 1, sizeof(*w));
	if (!w)
		return;
	mma_model_init(&m, t, l);
	if (flags & MMA_F_JSON) {
		mma_json_head(fp, "mmmask");
		fprintf(fp, ",\"status\":\"ok\",\"masks\":[");
	}
	cpu0 = 0;
	cpu1 = 1;
	if (mq->mode == 'p') {
		cpu0 = mq->cpu >= 0 ? mq->cpu : 0;
		cpu1 = mq->cpu >= 0 ? mq->cpu + 1 : l->ncpus;
	}
	for (c = cpu0; c < cpu1; c++) {
		const char *err = NULL;

		q.cpu = mq->mode == 'p' ? c : -1;
		snprintf(q.name, sizeof(q.name), "%s", mq->what);
		switch (mq->mode) {
		case 'm':
			q.source = "mm";
			if (mask_addr(t, mq->what, &v) || !mma_kvaddr_ok(t, v, 8))
				err = "not a kernel address";
			else if (!(q.addr = mma_mm_mask_addr(&m, v)))
				err = "mm_cpumask(mm) cannot be located";
			else
				q.mm = v;
			break;
		case 'a': {
			char *end;

			q.source = "addr";
			q.addr = strtoull(mq->what, &end, 16);
			if (!*mq->what || *end)
				err = "bad address";
			break;
		}
		case 's':
			q.source = "symbol";
			if (t->symbol(t->ctx, mq->what, &q.addr))
				err = "no such symbol";
			break;
		case 'p':
			q.source = "percpu";
			snprintf(q.name, sizeof(q.name), "%s:%d", mq->what, c);
			if (t->percpu_addr(t->ctx, mq->what, c, &q.addr))
				err = "no such per-CPU symbol or CPU";
			break;
		}
		if (!err && mq->deref) {
			if (t->read(t->ctx, q.addr, &v, 8) || !mma_kvaddr_ok(t, v, 8))
				err = "cannot dereference the mask pointer";
			else
				q.addr = v;
		}
		if (!err && mma_read_mask(&m, q.addr, w, nwords))
			err = "mask cannot be read";
		if (err) {
			if (flags & MMA_F_JSON) {
				fprintf(fp, "%s\n{\"source\":\"%s\",\"name\":",
					n++ ? "," : "", q.source);
				mma_json_str(fp, q.name);
				fprintf(fp, ",\"error\":");
				mma_json_str(fp, err);
				fprintf(fp, "}");
			} else
				fprintf(fp, "mmmask: %s: %s\n", q.name, err);
			continue;
		}
		print_mask(t, l, &q, w, nwords, nbits, flags, &n, fp);
	}
	if (flags & MMA_F_JSON)
		fprintf(fp, "]}\n");
	mma_model_free(&m);
	free(w);
}
