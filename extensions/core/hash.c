/*
 * hash.c - a small open-addressing hash table, u64 key (never 0) -> int,
 * used for the task and mm lookups of the model and by the rules.
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"

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
