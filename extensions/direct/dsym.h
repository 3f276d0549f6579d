/*
 * dsym.h - kernel symbols and types for the direct (crash-free) front end.
 *
 * Two sources, one interface:
 *  - the dump itself: symbols decoded from the kernel's kallsyms tables
 *    (VMCOREINFO SYMBOL(kallsyms_names), kallsyms_offsets, ... since 6.0)
 *    and types from the kernel's in-memory BTF (__start_BTF..__stop_BTF);
 *  - a vmlinux: ELF .symtab relocated by the dump's KERNELOFFSET, types
 *    from its .BTF section.
 *
 * Every lookup answers exactly what the matching struct mma_target
 * callback (extensions/core/mmcore.h) must answer: the direct front end's
 * target calls these one to one.  Nothing here reads a file or the dump
 * except through the constructor's arguments; no crash, no gdb.
 */
#ifndef DSYM_H
#define DSYM_H

#include <stddef.h>
#include <stdint.h>

struct dsym;

/* read len bytes of kernel virtual memory; 0 ok, -1 error */
typedef int (*dsym_read_fn)(void *rctx, uint64_t kvaddr, void *buf, size_t len);

/*
 * From the dump: vmcoreinfo is the dump's VMCOREINFO note text (NUL
 * terminated).  NULL with a one-line reason in err when the dump lacks
 * what is needed (no kallsyms in VMCOREINFO, no BTF in memory, ...).
 * rd/rctx stay in use until dsym_free() (dsym_symbol_size() reads).
 */
struct dsym *dsym_from_dump(dsym_read_fn rd, void *rctx, const char *vmcoreinfo,
			    char *err, size_t errlen);

/*
 * From a vmlinux: symbol values + kaslr_offset (VMCOREINFO KERNELOFFSET).
 * NULL with a reason in err (not ELF, no .symtab, no type information).
 */
struct dsym *dsym_from_vmlinux(const char *path, uint64_t kaslr_offset,
			       char *err, size_t errlen);

void dsym_free(struct dsym *d);

/* "kallsyms+btf" or "vmlinux+btf" (for the report) */
const char *dsym_source(const struct dsym *d);

/* as mma_target.symbol / symbol_size / symbol_name */
int dsym_symbol(struct dsym *d, const char *name, uint64_t *addr);
long dsym_symbol_size(struct dsym *d, const char *name);
int dsym_symbol_name(struct dsym *d, uint64_t addr, char *buf, size_t len,
		     uint64_t *offset);

/* as mma_target.member_offset / member_size / member_type / typedef_type /
 * struct_size; type names as the core passes them */
long dsym_member_offset(struct dsym *d, const char *type, const char *member);
long dsym_member_size(struct dsym *d, const char *type, const char *member);
int dsym_member_type(struct dsym *d, const char *type, const char *member,
		     char *name, size_t namelen);
int dsym_typedef_type(struct dsym *d, const char *name, char *target, size_t len);
long dsym_struct_size(struct dsym *d, const char *type);

/* value of a kernel enumerator (PG_slab, PGTY_slab, ...); 0 found, -1 not */
int dsym_enum_value(struct dsym *d, const char *name, long long *value);

/*
 * Every symbol, in the source's order (kallsyms: address order; vmlinux:
 * .symtab order): name, address (relocated), nm type letter.  For tests
 * and diagnostics.  dsym_nth: 0 ok, -1 past the end.
 */
size_t dsym_nsyms(const struct dsym *d);
int dsym_nth(const struct dsym *d, size_t i, const char **name,
	     uint64_t *addr, char *type);

#endif
