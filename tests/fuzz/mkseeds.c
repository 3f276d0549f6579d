/*
 * mkseeds.c - write the seed corpus of the core's fuzz harness
 * (tests/fuzz/fuzz_core.c; input format: fuzz_input.h) into a directory:
 * per era, the healthy scene with each switch of byte 1 on its own, then
 * a few seeds that already reach the hostile paths (a task-list loop, a
 * garbage mm pointer, a perturbed member answer, a new memory region, a
 * mmmask query, a cpulist, filters).  Deterministic: the same files on
 * every run.
 *
 *   mkseeds <dir>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

static int nseeds;

static void
seed(const char *dir, const unsigned char *b, size_t n)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/seed-%04d", dir, nseeds++);
	if (!(fp = fopen(path, "wb")) || fwrite(b, 1, n, fp) != n ||
	    fclose(fp)) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static const unsigned char opts[] = { 0, FZ_O_NOCSD, FZ_O_NOWALK,
		FZ_O_SLAB, FZ_O_KVADDR, FZ_O_ADDRSTATE, FZ_O_REGS,
		FZ_O_TASKSTATE, FZ_O_RECORD, FZ_O_SLAB | FZ_O_KVADDR |
		FZ_O_ADDRSTATE | FZ_O_REGS };
	/* operations (after era, switches, salt): length, bytes */
	static const unsigned char ops[][16] = {
		/* task 5's tasks.next points at task 2's node: a loop */
		{ 5, FZ_OP_FIELD, 0x9d, 0x00, 4, 2 },
		/* a task's mm: misaligned pointer into an mm */
		{ 6, FZ_OP_FIELD, 0x42, 0x00, 8, 1, 3 },
		/* mm_users of an mm: INT_MIN */
		{ 5, FZ_OP_FIELD, 0x00, 0x01, 14, 0 },
		/* a member answer: some offset 4096 */
		{ 5, FZ_OP_MEMBER, 0x10, 0x00, 1, 15 },
		/* a member's type class changed */
		{ 5, FZ_OP_MEMBER, 0x20, 0x00, 3, 8 },
		/* a new region at the scratch area, a copy of a task */
		{ 8, FZ_OP_REGION, 11, 0x10, 0x00, 0x00, 0x20, 3, 4 },
		/* mmmask: deref the scratch area, 8192 bits */
		{ 7, FZ_OP_MASKQ, 1, 0x00, 0x20, 11, 0, 0 },
		/* a cpulist */
		{ 8, FZ_OP_CPULIST, 6, 0, 11, 1, 12, 3, 10 },
		/* filters: pid 100, JSON views verbose + borrowed */
		{ 12, FZ_OP_FILTER, 5, 100, 0, 0, 0, FZ_OP_FILTER, 6, 3, 0,
		  0, 0 },
		/* the target's CPU count, a symbol gone */
		{ 5, FZ_OP_NCPUS, 20, FZ_OP_SYMBOL, 3, 0 },
		/* saved registers of CPU 1: user mode */
		{ 3, FZ_OP_REGS, 1, 0x15 },
	};
	unsigned char b[64];
	size_t i, k;
	int era;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds <dir>\n");
		return 2;
	}
	for (era = 0; era < FZ_ERA_COUNT; era++) {
		for (i = 0; i < sizeof(opts); i++) {
			b[0] = (unsigned char)era;
			b[1] = opts[i];
			b[2] = 0;
			seed(argv[1], b, 3);
		}
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			b[0] = (unsigned char)era;
			b[1] = 0;
			b[2] = 0;
			k = ops[i][0];
			memcpy(b + 3, ops[i] + 1, k);
			seed(argv[1], b, 3 + k);
		}
	}
	printf("mkseeds: %d seeds in %s\n", nseeds, argv[1]);
	return 0;
}
