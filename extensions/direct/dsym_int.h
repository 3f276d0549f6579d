/*
 * dsym_int.h - what the dsym source files share (not for the front end).
 */
#ifndef DSYM_INT_H
#define DSYM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dsym.h"

struct btf;

struct dsym_sym {
	uint64_t addr;
	uint64_t size;		/* ELF st_size; 0 unknown (kallsyms) */
	uint32_t name;		/* offset into dsym.pool */
	uint32_t hash;		/* of the name (dsym_hash) */
	char type;		/* nm type letter ('T', 'd', ...) */
	uint8_t cut;		/* length of the suffix crash strips from
				 * the name (".isra.0"), stored after it */
};

struct dsym {
	const char *source;
	struct dsym_sym *syms;
	size_t nsyms, capsyms;
	char *pool;		/* NUL-terminated names */
	size_t pool_len, pool_cap;
	uint32_t *name_hash;	/* symbol index + 1, 0 empty */
	size_t name_cap;	/* power of two */
	uint32_t *by_addr;	/* symbol indices sorted by address (lazy) */
	int sorted;		/* syms already in address order */

	struct btf *btf;
	uint32_t *type_hash;	/* BTF type id, 0 empty: named types */
	size_t type_cap;
	uint32_t *var_hash;	/* BTF VAR ids by name (lazy) */
	size_t var_cap;
	int vars_done;

	dsym_read_fn rd;	/* the dump (dsym_from_dump): symbol sizes */
	void *rctx;
};

/* dsym.c */
struct dsym *dsym_alloc(const char *source);
int dsym_reserve(struct dsym *d, size_t nsyms, size_t pool);
int dsym_add(struct dsym *d, const char *name, size_t nlen, uint64_t addr,
	     uint64_t size, char type);
int dsym_finish_symbols(struct dsym *d);
void dsym_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t dsym_hash(const char *s, size_t n);

#endif
