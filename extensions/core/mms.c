/*
 * mms.c - address spaces of the model: reading mm_struct counters, owner
 * and slab state, locating and decoding mm_cpumask(mm) whatever the
 * kernel's layout.
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "modelint.h"

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
		if (mma_tread(m, mm + (uint64_t)l->mask_off, &p, sizeof(p)) ||
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
	return mma_tread(m, addr, w, nwords * sizeof(*w));
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

/* why a read of an mm failed: its page left out of the dump, or not */
static int
unreadable(struct mma_model *m, uint64_t addr, size_t len)
{
	if (mma_addr_missing(m, addr, len)) {
		m->missing++;
		return MMA_BAD_MISSING;
	}
	return MMA_BAD_READ;
}

int
mma_add_mm(struct mma_model *m, uint64_t addr, unsigned ref)
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
	m->mms = mma_grow(m->mms, &m->mmcap, m->nmms + 1, sizeof(*m->mms));
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
		x->is_static = MMA_STATIC_INIT_MM;
	else if (l->efi_mm && addr == l->efi_mm)
		x->is_static = MMA_STATIC_EFI_MM;
	else if (l->poking_mm && addr == l->poking_mm)
		x->is_static = MMA_STATIC_POKING_MM;

	if (!mma_kvaddr_ok(m->t, addr, 8)) {
		x->bad = MMA_BAD_ADDR;
		return idx;
	}
	{
		/* both counters, one read when close together */
		long lo = l->mm_users < l->mm_count ? l->mm_users : l->mm_count;
		long hi = (l->mm_users > l->mm_count ? l->mm_users : l->mm_count)
			  + 8;
		unsigned char buf[512];

		if (hi - lo <= (long)sizeof(buf)) {
			if (mma_tread(m, addr + (uint64_t)lo, buf, (size_t)(hi - lo))) {
				x->bad = unreadable(m, addr + (uint64_t)lo,
						    (size_t)(hi - lo));
				return idx;
			}
			x->users = (int32_t)mma_get_int(buf, l->mm_users - lo,
						    l->mm_users_size);
			x->count = (int32_t)mma_get_int(buf, l->mm_count - lo,
						    l->mm_count_size);
		} else {
			int32_t u, c;

			if (mma_tread(m, addr + (uint64_t)l->mm_users, &u, 4)) {
				x->bad = unreadable(m, addr + (uint64_t)
						    l->mm_users, 4);
				return idx;
			}
			if (mma_tread(m, addr + (uint64_t)l->mm_count, &c, 4)) {
				x->bad = unreadable(m, addr + (uint64_t)
						    l->mm_count, 4);
				return idx;
			}
			x->users = u;
			x->count = c;
		}
		x->readok = 1;
	}
	if (l->mm_owner >= 0 &&
	    mma_tread(m, addr + (uint64_t)l->mm_owner, &x->owner, 8))
		x->owner = 0;
	decode_mm_mask(m, x);

	x->slab = MMA_SLAB_UNKNOWN;
	if (!x->is_static || x->is_static == MMA_STATIC_POKING_MM)
		x->slab = mma_model_slab(m, addr, x->slab_cache,
					 sizeof(x->slab_cache));
	x->slab_cache[sizeof(x->slab_cache) - 1] = '\0';
	return idx;
}

/**
 * mma_model_slab - slab classification of an mm pointer
 *
 * The target's own slab_classify wins (crash keeps one walk for the whole
 * session); a target that gives page_of instead gets the core's SLUB walk
 * (slab.c), one per model: per-CPU slabs read once per build.
 */
int
mma_model_slab(struct mma_model *m, uint64_t addr, char *cache, size_t len)
{
	if (len)
		cache[0] = '\0';
	if (m->t->slab_classify)
		return m->t->slab_classify(m->t->ctx, addr, cache, len);
	if (!m->t->page_of)
		return MMA_SLAB_UNKNOWN;
	if (!m->slab) {
		if (!(m->slab = malloc(sizeof(*m->slab))))
			return MMA_SLAB_UNKNOWN;
		mma_slab_init(m->slab, m->t);
	}
	return mma_slab_classify(m->slab, addr, cache, len);
}

/**
 * mma_model_add_mm - put an mm into the model that nothing may reference
 * (a user asked about it); it is read and checked like the others
 */
int
mma_model_add_mm(struct mma_model *m, uint64_t addr)
{
	return mma_add_mm(m, addr, 0);
}

void
mma_mm_add_tgid(struct mma_mm *x, int tgid)
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
