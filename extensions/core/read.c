/*
 * read.c - checked access to the target for the model files: address
 * validation, counted reads, little-endian field extraction, growth of
 * the model's arrays, a monotonic clock.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmcore.h"
#include "modelint.h"

/**
 * mma_kvaddr_ok - is addr a plausible kernel virtual address, aligned?
 *
 * The kernel's address ranges are the target's to tell (x86_64's direct
 * map starts at 0xffff888000000000 with 4-level and 0xff11000000000000
 * with 5-level paging; other architectures differ): without its check,
 * any non-NULL aligned address is a candidate and the read decides.
 */
int
mma_kvaddr_ok(const struct mma_target *t, uint64_t addr, unsigned align)
{
	if (!addr || (align && addr % align))
		return 0;
	if (t->is_kvaddr)
		return t->is_kvaddr(t->ctx, addr) ? 1 : 0;
	return 1;
}

int
mma_tread(const struct mma_model *m, uint64_t addr, void *buf, size_t len)
{
	if (m->t->read(m->t->ctx, addr, buf, len)) {
		((struct mma_model *)m)->read_errors++;
		return -1;
	}
	return 0;
}

uint64_t
mma_get_uint(const unsigned char *buf, long off, long size)
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

int64_t
mma_get_int(const unsigned char *buf, long off, long size)
{
	uint64_t v = mma_get_uint(buf, off, size);

	if (size == 4)
		return (int32_t)(uint32_t)v;
	if (size == 2)
		return (int16_t)(uint16_t)v;
	if (size == 1)
		return (int8_t)(uint8_t)v;
	return (int64_t)v;
}

void *
mma_grow(void *p, int *cap, int need, size_t elem)
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

double
mma_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/**
 * mma_addr_missing - after a failed read: is [addr, addr+len) in a page
 * that the dump left out (makedumpfile filtering)?  Then the object is
 * unknown, not corrupt.  Each page of the range is asked once.
 */
int
mma_addr_missing(const struct mma_model *m, uint64_t addr, size_t len)
{
	const uint64_t page = 4096;
	uint64_t a, end = addr + (len ? len : 1);

	if (!m->t->addr_state || end < addr)
		return 0;
	for (a = addr & ~(page - 1); a < end; a += page) {
		uint64_t p = a < addr ? addr : a;

		if (m->t->addr_state(m->t->ctx, p) == MMA_ADDR_EXCLUDED)
			return 1;
		/* the last page of the address space: a += page wraps to 0 */
		if (a + page < a)
			break;
	}
	return 0;
}
