/*
 * model.c - build the model: tasks, address spaces (mm_struct), CPUs.
 *
 * Each task_struct is read with ONE read of the span that holds every
 * field we need (layout.span_lo/span_len).  mm and task lookups go through
 * open-addressing hash tables.  Every pointer from the dump is validated
 * (kernel address range, alignment, read errors) before use; a bad task or
 * mm becomes a finding and is skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmcore.h"

#define LOADED_MM_SWITCHING 1ULL	/* x86: (struct mm_struct *)1 */
#define DEFAULT_MAX_TASKS   (1 << 22)

/* ------------------------------------------------------------------ */
/* hash: u64 key (never 0) -> int                                      */
/* ------------------------------------------------------------------ */

void
mma_hash_init(struct mma_hash *h)
{
	memset(h, 0, sizeof(*h));
}

void
mma_hash_free(struct mma_hash *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

static size_t
hslot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

int
mma_hash_get(const struct mma_hash *h, uint64_t key)
{
	size_t i;

	if (!h->cap || !key)
		return -1;
	for (i = hslot(key, h->cap); h->keys[i]; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key)
			return h->vals[i];
	return -1;
}

static int
hash_grow(struct mma_hash *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 1024, i, j;
	uint64_t *nk = calloc(ncap, sizeof(*nk));
	int *nv = calloc(ncap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (i = 0; i < h->cap; i++) {
		if (!h->keys[i])
			continue;
		for (j = hslot(h->keys[i], ncap); nk[j]; j = (j + 1) & (ncap - 1))
			;
		nk[j] = h->keys[i];
		nv[j] = h->vals[i];
	}
	free(h->keys);
	free(h->vals);
	h->keys = nk;
	h->vals = nv;
	h->cap = ncap;
	return 0;
}

/* insert or overwrite; -1 on allocation failure or key 0 */
int
mma_hash_put(struct mma_hash *h, uint64_t key, int val)
{
	size_t i;

	if (!key)
		return -1;
	if ((h->n + 1) * 2 > h->cap && hash_grow(h))
		return -1;
	for (i = hslot(key, h->cap); h->keys[i]; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key) {
			h->vals[i] = val;
			return 0;
		}
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

/**
 * mma_kvaddr_ok - is addr a plausible kernel virtual address, aligned?
 *
 * Uses the target's check when it has one, else the x86_64 canonical
 * upper half.
 */
int
mma_kvaddr_ok(const struct mma_target *t, uint64_t addr, unsigned align)
{
	if (!addr || (align && addr % align))
		return 0;
	if (t->is_kvaddr)
		return t->is_kvaddr(t->ctx, addr) ? 1 : 0;
	return addr >= 0xffff800000000000ULL;
}

static int
tread(const struct mma_model *m, uint64_t addr, void *buf, size_t len)
{
	if (m->t->read(m->t->ctx, addr, buf, len)) {
		((struct mma_model *)m)->read_errors++;
		return -1;
	}
	return 0;
}

static uint64_t
get_uint(const unsigned char *buf, long off, long size)
{
	uint64_t v = 0;

	switch (size) {
	case 1: v = buf[off]; break;
	case 2: { uint16_t x; memcpy(&x, buf + off, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, buf + off, 4); v = x; break; }
	default: memcpy(&v, buf + off, 8); break;
	}
	return v;
}

static int64_t
get_int(const unsigned char *buf, long off, long size)
{
	uint64_t v = get_uint(buf, off, size);

	if (size == 4)
		return (int32_t)(uint32_t)v;
	if (size == 2)
		return (int16_t)(uint16_t)v;
	if (size == 1)
		return (int8_t)(uint8_t)v;
	return (int64_t)v;
}

static void *
grow(void *p, int *cap, int need, size_t elem)
{
	int ncap;
	void *np;

	if (need <= *cap)
		return p;
	ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	np = realloc(p, (size_t)ncap * elem);
	if (!np)
		return NULL;
	memset((char *)np + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
	*cap = ncap;
	return np;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
mma_model_init(struct mma_model *m, const struct mma_target *t,
	       const struct mma_layout *l)
{
	memset(m, 0, sizeof(*m));
	m->t = t;
	m->l = l;
	m->list_state = -1;
	m->t_start = now_ms();
	mma_hash_init(&m->taskh);
	mma_hash_init(&m->mmh);
}

void
mma_model_free(struct mma_model *m)
{
	int i;

	for (i = 0; i < m->nmms; i++) {
		free(m->mms[i].tgids);
		free(m->mms[i].mask);
	}
	free(m->mms);
	free(m->tasks);
	free(m->cpus);
	free(m->findings);
	free(m->online);
	mma_hash_free(&m->taskh);
	mma_hash_free(&m->mmh);
	memset(m, 0, sizeof(*m));
}

int
mma_model_find_mm(const struct mma_model *m, uint64_t addr)
{
	return mma_hash_get(&m->mmh, addr);
}

int
mma_model_find_task(const struct mma_model *m, uint64_t addr)
{
	return mma_hash_get(&m->taskh, addr);
}

static const char *
letter_name(char c)
{
	switch (c) {
	case 'R': return "RU";
	case 'S': return "IN";
	case 'D': return "UN";
	case 'T': return "ST";
	case 't': return "TR";
	case 'X': case 'x': return "DE";
	case 'Z': return "ZO";
	case 'P': return "PA";
	case 'I': return "ID";
	case 'W': return "WA";
	case 'K': return "WK";
	default: return "??";
	}
}

static int
fls64(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/*
 * State name the way fs/proc/array.c task_state_index() derives it: the
 * index into task_state_array is fls(state | exit_state) over the bits the
 * array names; TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD) is reported
 * as the array's last entry "I (idle)" where it exists.  Without the
 * array, the values of v4.14+ are assumed.
 */
static void
decode_state(const struct mma_layout *l, struct mma_task *tk)
{
	const char *s;
	uint64_t v = tk->state | tk->exit_state;
	int n = l->nstates, hasI = n > 1 && l->state_letter[n - 1] == 'I';
	int bits = n - 1 - hasI, i;

	if (n >= 2) {
		if (hasI && tk->state == 0x402 && !tk->exit_state)
			i = n - 1;
		else
			i = fls64(v & ((1ULL << bits) - 1));
		s = letter_name(l->state_letter[i]);
	} else if (tk->exit_state)
		s = (tk->exit_state & 0x20) ? "ZO" : "DE";
	else if (tk->state == 0)
		s = "RU";
	else if (tk->state == 0x402)
		s = "ID";
	else if (tk->state & 0x1)
		s = "IN";
	else if (tk->state & 0x2)
		s = "UN";
	else if (tk->state & 0x4)
		s = "ST";
	else if (tk->state & 0x8)
		s = "TR";
	else if (tk->state & 0x40)
		s = "PA";
	else
		s = "??";
	memcpy(tk->st, s, 3);
}

/**
 * mma_model_add_task - read one task_struct into the model
 *
 * A task already present only gets src or-ed in.  Returns the task index,
 * or -1 if the pointer was rejected (reported as a finding).
 */
int
mma_model_add_task(struct mma_model *m, uint64_t addr, unsigned src)
{
	const struct mma_layout *l = m->l;
	unsigned char stackbuf[4096], *buf = stackbuf;
	struct mma_task *tk;
	int idx, i;

	if ((idx = mma_hash_get(&m->taskh, addr)) >= 0) {
		m->tasks[idx].src |= src;
		return idx;
	}
	if (!mma_kvaddr_ok(m->t, addr, 8)) {
		m->bad_tasks++;
		mma_add_finding(m, "bad-task-pointer", MMA_SEV_SUSPICIOUS, addr,
				0, -1, -1, "task pointer %llx is not an aligned "
				"kernel address", (unsigned long long)addr);
		return -1;
	}
	if ((size_t)l->span_len > sizeof(stackbuf) &&
	    !(buf = malloc((size_t)l->span_len)))
		return -1;
	if (tread(m, addr + (uint64_t)l->span_lo, buf, (size_t)l->span_len)) {
		m->bad_tasks++;
		mma_add_finding(m, "bad-task-pointer", MMA_SEV_SUSPICIOUS, addr,
				0, -1, -1, "task_struct at %llx cannot be read "
				"(%ld bytes)", (unsigned long long)addr,
				l->span_len);
		if (buf != stackbuf)
			free(buf);
		return -1;
	}
	m->tasks = grow(m->tasks, &m->taskcap, m->ntasks + 1, sizeof(*m->tasks));
	if (!m->tasks) {
		if (buf != stackbuf)
			free(buf);
		return -1;
	}
	idx = m->ntasks++;
	tk = &m->tasks[idx];
	memset(tk, 0, sizeof(*tk));
	tk->addr = addr;
	tk->src = src;
	tk->oncpu = tk->idle_of = tk->cpu = -1;
	tk->mm_idx = tk->amm_idx = -1;
#define F(o) ((o) - l->span_lo)
	tk->pid = (int32_t)get_int(buf, F(l->t_pid), 4);
	tk->tgid = l->t_tgid >= 0 ? (int32_t)get_int(buf, F(l->t_tgid), 4) :
		   tk->pid;
	if (l->t_flags >= 0)
		tk->flags = (uint32_t)get_uint(buf, F(l->t_flags),
					       l->t_flags_size == 8 ? 8 : 4);
	if (l->t_state >= 0)
		tk->state = get_uint(buf, F(l->t_state), l->t_state_size);
	if (l->t_exit_state >= 0)
		tk->exit_state = (uint32_t)get_uint(buf, F(l->t_exit_state), 4);
	tk->mm = get_uint(buf, F(l->t_mm), 8);
	tk->active_mm = get_uint(buf, F(l->t_active_mm), 8);
	if (l->t_group_leader >= 0)
		tk->group_leader = get_uint(buf, F(l->t_group_leader), 8);
	if (l->t_tasks >= 0)
		tk->tasks_next = get_uint(buf, F(l->t_tasks), 8);
	if (l->t_cpu >= 0)
		tk->cpu = (int)get_int(buf, F(l->t_cpu),
				       l->t_cpu_size > 0 ? l->t_cpu_size : 4);
	memcpy(tk->comm, buf + F(l->t_comm), (size_t)l->t_comm_len);
	tk->comm[16] = '\0';
	for (i = 0; tk->comm[i]; i++)
		if ((unsigned char)tk->comm[i] < 0x20 ||
		    (unsigned char)tk->comm[i] == 0x7f)
			tk->comm[i] = '?';
	if (l->t_stack >= 0 && l->ti_cpu >= 0) {
		uint64_t stack = get_uint(buf, F(l->t_stack), 8);
		uint32_t c;

		if (mma_kvaddr_ok(m->t, stack, 8) &&
		    !tread(m, stack + (uint64_t)l->ti_cpu, &c, sizeof(c)))
			tk->cpu = (int)c;
	}
#undef F
	if (buf != stackbuf)
		free(buf);
	if (m->t->task_state && !m->t->task_state(m->t->ctx, addr, tk->st,
						  sizeof(tk->st)))
		tk->st[sizeof(tk->st) - 1] = '\0';
	else
		decode_state(l, tk);
	mma_hash_put(&m->taskh, addr, idx);
	return idx;
}

/* ------------------------------------------------------------------ */
/* masks                                                               */
/* ------------------------------------------------------------------ */

/**
 * mma_mm_mask_addr - address of mm_cpumask(mm), 0 if unknown or bad
 */
uint64_t
mma_mm_mask_addr(const struct mma_model *m, uint64_t mm)
{
	const struct mma_layout *l = m->l;
	uint64_t p;

	switch (l->mask_kind) {
	case MMA_MASK_VAR_PTR:
		if (tread(m, mm + (uint64_t)l->mask_off, &p, sizeof(p)) ||
		    !mma_kvaddr_ok(m->t, p, 8))
			return 0;
		return p;
	case MMA_MASK_VAR_ARRAY:
	case MMA_MASK_CPU_BITMAP:
	case MMA_MASK_FLEX:
	case MMA_MASK_CPU_VM_MASK:
		return mm + (uint64_t)l->mask_off;
	default:
		return 0;
	}
}

/* read nwords words of a mask; 0 ok */
int
mma_read_mask(const struct mma_model *m, uint64_t addr, uint64_t *w,
	      unsigned nwords)
{
	if (!addr || !nwords)
		return -1;
	return tread(m, addr, w, nwords * sizeof(*w));
}

static void
decode_mm_mask(struct mma_model *m, struct mma_mm *x)
{
	const struct mma_layout *l = m->l;
	unsigned total = l->mask_words * MMA_BITS_PER_LONG;
	size_t need;
	char tmp[4096];

	x->mask_addr = mma_mm_mask_addr(m, x->addr);
	if (!x->mask_addr)
		return;
	x->mask = calloc(l->mask_words, sizeof(uint64_t));
	if (!x->mask || mma_read_mask(m, x->mask_addr, x->mask, l->mask_words)) {
		free(x->mask);
		x->mask = NULL;
		return;
	}
	x->mask_ok = 1;
	x->mask_weight = (int)mma_bit_weight(x->mask, l->nr_cpu_ids);
	x->mask_beyond = (int)(mma_bit_weight(x->mask, total) -
			       (unsigned)x->mask_weight);
	need = mma_cpulist_format(x->mask, l->nr_cpu_ids, tmp, sizeof(tmp));
	if (need >= sizeof(x->cpus)) {
		memcpy(x->cpus, tmp, sizeof(x->cpus) - 4);
		strcpy(x->cpus + sizeof(x->cpus) - 4, "...");
	} else
		memcpy(x->cpus, tmp, need + 1);
}

/* ------------------------------------------------------------------ */
/* mms                                                                 */
/* ------------------------------------------------------------------ */

static int
add_mm(struct mma_model *m, uint64_t addr, unsigned ref)
{
	const struct mma_layout *l = m->l;
	struct mma_mm *x;
	int idx;

	if (!addr)
		return -1;
	if ((idx = mma_hash_get(&m->mmh, addr)) >= 0) {
		m->mms[idx].refs |= ref;
		return idx;
	}
	m->mms = grow(m->mms, &m->mmcap, m->nmms + 1, sizeof(*m->mms));
	if (!m->mms)
		return -1;
	idx = m->nmms++;
	x = &m->mms[idx];
	memset(x, 0, sizeof(*x));
	x->addr = addr;
	x->refs = ref;
	x->owner_pid = -1;
	mma_hash_put(&m->mmh, addr, idx);

	if (addr == l->init_mm)
		x->is_static = 1;
	else if (l->efi_mm && addr == l->efi_mm)
		x->is_static = 2;
	else if (l->poking_mm && addr == l->poking_mm)
		x->is_static = 3;

	if (!mma_kvaddr_ok(m->t, addr, 8)) {
		x->bad = 1;
		return idx;
	}
	{
		/* both counters, one read when close together */
		long lo = l->mm_users < l->mm_count ? l->mm_users : l->mm_count;
		long hi = (l->mm_users > l->mm_count ? l->mm_users : l->mm_count)
			  + 8;
		unsigned char buf[512];

		if (hi - lo <= (long)sizeof(buf)) {
			if (tread(m, addr + (uint64_t)lo, buf, (size_t)(hi - lo))) {
				x->bad = 2;
				return idx;
			}
			x->users = (int32_t)get_int(buf, l->mm_users - lo,
						    l->mm_users_size);
			x->count = (int32_t)get_int(buf, l->mm_count - lo,
						    l->mm_count_size);
		} else {
			int32_t u, c;

			if (tread(m, addr + (uint64_t)l->mm_users, &u, 4) ||
			    tread(m, addr + (uint64_t)l->mm_count, &c, 4)) {
				x->bad = 2;
				return idx;
			}
			x->users = u;
			x->count = c;
		}
		x->readok = 1;
	}
	if (l->mm_owner >= 0 &&
	    tread(m, addr + (uint64_t)l->mm_owner, &x->owner, 8))
		x->owner = 0;
	decode_mm_mask(m, x);

	x->slab = MMA_SLAB_UNKNOWN;
	if ((!x->is_static || x->is_static == 3) && m->t->slab_classify)
		x->slab = m->t->slab_classify(m->t->ctx, addr, x->slab_cache,
					      sizeof(x->slab_cache));
	x->slab_cache[sizeof(x->slab_cache) - 1] = '\0';
	return idx;
}

/**
 * mma_model_add_mm - put an mm into the model that nothing may reference
 * (a user asked about it); it is read and checked like the others
 */
int
mma_model_add_mm(struct mma_model *m, uint64_t addr)
{
	return add_mm(m, addr, 0);
}

static void
mm_add_tgid(struct mma_mm *x, int tgid)
{
	int i;

	for (i = 0; i < x->ntgids; i++)
		if (x->tgids[i] == tgid)
			return;
	if (x->ntgids == x->tgcap) {
		int ncap = x->tgcap ? x->tgcap * 2 : 4;
		int *n = realloc(x->tgids, (size_t)ncap * sizeof(int));

		if (!n)
			return;
		x->tgids = n;
		x->tgcap = ncap;
	}
	x->tgids[x->ntgids++] = tgid;
}

/* ------------------------------------------------------------------ */
/* CPUs                                                                */
/* ------------------------------------------------------------------ */

static void
read_cpus(struct mma_model *m)
{
	const struct mma_layout *l = m->l;
	const struct mma_target *t = m->t;
	int c;

	m->ncpus = l->ncpus > 0 ? l->ncpus : 0;
	m->cpus = calloc((size_t)(m->ncpus ? m->ncpus : 1), sizeof(*m->cpus));
	if (!m->cpus) {
		m->ncpus = 0;
		return;
	}
	if (l->online_mask) {
		m->online = calloc(l->mask_words, sizeof(uint64_t));
		if (m->online && mma_read_mask(m, l->online_mask, m->online,
					       l->mask_words)) {
			free(m->online);
			m->online = NULL;
		}
		if (m->online)
			m->nonline = (int)mma_bit_weight(m->online,
							 l->nr_cpu_ids);
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];
		uint64_t a, v;
		int ci;

		cp->cpu = c;
		cp->curr_idx = cp->idle_idx = cp->loaded_idx = -1;
		cp->is_lazy = -1;
		cp->bit = -1;
		cp->online = m->online ? mma_bit_test(m->online, l->mask_words,
						      (unsigned)c) : -1;
		if (l->rq_sym && !t->percpu_addr(t->ctx, l->rq_sym, c, &a)) {
			if (!tread(m, a + (uint64_t)l->rq_curr, &v, 8))
				cp->curr = v, cp->readok = 1;
			if (l->rq_idle >= 0 &&
			    !tread(m, a + (uint64_t)l->rq_idle, &v, 8))
				cp->idle = v;
		}
		if (cp->idle && (ci = mma_model_add_task(m, cp->idle,
							 MMA_SRC_IDLE)) >= 0) {
			cp->idle_idx = ci;
			if (m->tasks[ci].idle_of < 0)
				m->tasks[ci].idle_of = c;
		}
		if (cp->curr && (ci = mma_model_add_task(m, cp->curr,
							 MMA_SRC_CURR)) >= 0) {
			cp->curr_idx = ci;
			m->tasks[ci].oncpu = c;
		}

		switch (l->tlb_kind) {
		case MMA_TLB_LAZY:
		case MMA_TLB_SHARED:
		case MMA_TLB_LOADED:
			if (!t->percpu_addr(t->ctx, "cpu_tlbstate", c, &a) &&
			    !tread(m, a + (uint64_t)l->tlb_loaded_mm, &v, 8))
				cp->loaded_mm = v;
			if (l->tlb_kind == MMA_TLB_LOADED)
				break;
			if (l->tlb_kind == MMA_TLB_SHARED &&
			    t->percpu_addr(t->ctx, "cpu_tlbstate_shared", c, &a))
				break;
			v = 0;
			if (!tread(m, a + (uint64_t)(l->tlb_kind == MMA_TLB_LAZY ?
			    l->tlb_is_lazy : l->tlb_shared_is_lazy), &v,
			    (size_t)l->tlb_lazy_size))
				cp->is_lazy = v ? 1 : 0;
			break;
		case MMA_TLB_OLD:
			if (!t->percpu_addr(t->ctx, "cpu_tlbstate", c, &a)) {
				uint32_t st;

				if (!tread(m, a + (uint64_t)l->tlb_active_mm, &v, 8))
					cp->loaded_mm = v;
				if (!tread(m, a + (uint64_t)l->tlb_state, &st, 4)) {
					cp->tlbstate = (int)st;
					cp->is_lazy = st == MMA_TLBSTATE_LAZY;
				}
			}
			break;
		default:
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* init_task.tasks walk                                                */
/* ------------------------------------------------------------------ */

static void
walk_task_list(struct mma_model *m, int max)
{
	const struct mma_layout *l = m->l;
	struct mma_hash seen;
	uint64_t head, next, task;
	int n = 0, idx;

	if (!l->init_task || l->t_tasks < 0)
		return;
	task = l->init_task;	/* the task whose tasks.next is read next */
	mma_hash_init(&seen);
	head = l->init_task + (uint64_t)l->t_tasks;
	m->list_state = 0;
	if (tread(m, head, &next, 8)) {
		m->list_state = 3;
		mma_add_finding(m, "tasklist-broken", MMA_SEV_BUG,
				l->init_task, 0, -1, -1,
				"init_task.tasks at %llx cannot be read",
				(unsigned long long)head);
		return;
	}
	while (next != head) {
		if (!mma_kvaddr_ok(m->t, next, 8)) {
			m->list_state = 3;
			mma_add_finding(m, "tasklist-broken", MMA_SEV_BUG, task,
					0, -1, -1, "init_task.tasks walk: bad "
					"next pointer %llx in task %llx after "
					"%d tasks", (unsigned long long)next,
					(unsigned long long)task, n);
			break;
		}
		if (mma_hash_get(&seen, next) >= 0) {
			m->list_state = 1;
			mma_add_finding(m, "tasklist-loop", MMA_SEV_BUG,
					next - (uint64_t)l->t_tasks, 0, -1, -1,
					"init_task.tasks loops back to %llx "
					"after %d tasks without returning to "
					"the head", (unsigned long long)next, n);
			break;
		}
		if (n >= max) {
			m->list_state = 2;
			mma_add_finding(m, "tasklist-truncated",
					MMA_SEV_SUSPICIOUS, 0, 0, -1, -1,
					"init_task.tasks walk stopped at the "
					"cap of %d tasks", max);
			break;
		}
		mma_hash_put(&seen, next, n);
		n++;
		task = next - (uint64_t)l->t_tasks;
		idx = mma_hash_get(&m->taskh, task);
		if (idx < 0 && (idx = mma_model_add_task(m, task,
							 MMA_SRC_LIST)) >= 0)
			m->list_added++;
		if (idx >= 0) {
			/* tasks.next came with the task's one read */
			m->tasks[idx].src |= MMA_SRC_LIST;
			next = m->tasks[idx].tasks_next;
		} else if (tread(m, next, &next, 8)) {
			m->list_state = 3;
			mma_add_finding(m, "tasklist-broken", MMA_SEV_BUG, task,
					0, -1, -1, "init_task.tasks walk: "
					"cannot read tasks.next of %llx",
					(unsigned long long)task);
			break;
		}
	}
	m->list_walked = n;
	mma_hash_free(&seen);
}

/* ------------------------------------------------------------------ */
/* build                                                               */
/* ------------------------------------------------------------------ */

static int
relation(const struct mma_task *tk)
{
	if (!tk->mm)
		return tk->active_mm ? MMA_REL_BORROWED : MMA_REL_NONE;
	if (tk->active_mm != tk->mm)
		return MMA_REL_INVALID;
	if (tk->flags & MMA_PF_KTHREAD)
		return MMA_REL_KTHREAD_USE_MM;
	return MMA_REL_OWN;
}

const char *
mma_rel_name(int rel)
{
	switch (rel) {
	case MMA_REL_OWN: return "OWN";
	case MMA_REL_BORROWED: return "BORROWED";
	case MMA_REL_KTHREAD_USE_MM: return "KTHREAD_USE_MM";
	case MMA_REL_INVALID: return "INVALID";
	default: return "NONE";
	}
}

/**
 * mma_model_build - complete the model after the adapter's tasks are in
 *
 * Reads each CPU (runqueue curr/idle, x86 cpu_tlbstate), optionally walks
 * init_task.tasks (bounded, loop-checked), collects every mm reachable from
 * task->mm, task->active_mm and a CPU's loaded_mm, counts users, then runs
 * the rules.
 */
int
mma_model_build(struct mma_model *m, const struct mma_build_opts *o)
{
	const struct mma_layout *l = m->l;
	double t = now_ms();
	int i, c;

	m->ms_tasks = t - m->t_start;
	read_cpus(m);
	m->ms_cpus = now_ms() - t;
	t = now_ms();
	if (o && o->walk_list)
		walk_task_list(m, o->max_tasks > 0 ? o->max_tasks :
			       DEFAULT_MAX_TASKS);
	m->ms_walk = now_ms() - t;
	t = now_ms();

	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];

		tk->rel = relation(tk);
		if (tk->mm)
			tk->mm_idx = add_mm(m, tk->mm, MMA_REF_MM);
		if (tk->active_mm)
			tk->amm_idx = add_mm(m, tk->active_mm, MMA_REF_ACTIVE);
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];

		if (cp->loaded_mm && cp->loaded_mm != LOADED_MM_SWITCHING)
			cp->loaded_idx = add_mm(m, cp->loaded_mm,
						MMA_REF_LOADED);
	}
	/* pointers into m->mms are stable from here on */
	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];

		if (tk->mm_idx >= 0) {
			struct mma_mm *x = &m->mms[tk->mm_idx];

			if (tk->flags & MMA_PF_KTHREAD)
				x->nkthread++;
			else {
				x->ntasks++;
				mm_add_tgid(x, tk->tgid);
			}
		} else if (!tk->mm && tk->amm_idx >= 0) {
			struct mma_mm *x = &m->mms[tk->amm_idx];

			x->nlazy++;
			if (tk->oncpu >= 0)
				x->nlazy_oncpu++;
		}
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mma_cpu *cp = &m->cpus[c];
		struct mma_mm *x;

		if (cp->loaded_idx < 0)
			continue;
		x = &m->mms[cp->loaded_idx];
		x->nloaded++;
		if (x->mask_ok)
			cp->bit = mma_bit_test(x->mask, l->mask_words,
					       (unsigned)c);
	}
	for (i = 0; i < m->nmms; i++) {
		struct mma_mm *x = &m->mms[i];
		int ti;

		x->explained = (x->users > 0 ? 1 : 0) + x->nlazy + x->nkthread;
		x->slack = x->count - x->explained;
		x->users_slack = x->users - x->ntasks;
		if (x->owner && (ti = mma_hash_get(&m->taskh, x->owner)) >= 0)
			x->owner_pid = m->tasks[ti].pid;
	}
	/* owner fallback: a thread-group leader using the mm */
	for (i = 0; i < m->ntasks; i++) {
		struct mma_task *tk = &m->tasks[i];

		if (tk->mm_idx >= 0 && m->mms[tk->mm_idx].owner_pid < 0 &&
		    (tk->pid == tk->tgid || tk->group_leader == tk->addr))
			m->mms[tk->mm_idx].owner_pid = tk->pid;
	}
	m->ms_mms = now_ms() - t;
	t = now_ms();
	mma_run_rules(m);
	m->ms_rules = now_ms() - t;
	m->build_ms = now_ms() - m->t_start;
	return 0;
}
