/*
 * dread.h - the direct front end's dump reader: kernel virtual memory of
 * an x86_64 vmcore (ELF core, kdump-compressed, makedumpfile flattened).
 *
 * Pages come from libkdumpfile, always by physical address; the format is
 * told, VMCOREINFO found and a flattened file's records indexed by the
 * project's own reader (tools/dumpid.c).  Virtual addresses are translated
 * here, from VMCOREINFO alone (phys_base, init_top_pgt), the way crash does
 * on x86_64: the kernel image and the direct map by arithmetic, the rest
 * (vmalloc, vmemmap, modules) by walking the kernel page tables.
 */
#ifndef DREAD_H
#define DREAD_H

#include <stddef.h>
#include <stdint.h>

struct dread;

/*
 * Open path.  NULL with a one-line reason in err (not a dump, truncated
 * before its VMCOREINFO, unsupported architecture, ...).
 */
struct dread *dread_open(const char *path, char *err, size_t errlen);
void dread_close(struct dread *r);

/* the dump's VMCOREINFO text (NUL-terminated) */
const char *dread_vmcoreinfo(const struct dread *r);
/* a VMCOREINFO value copied into buf; 0 found, -1 not */
int dread_vmci(const struct dread *r, const char *key, char *buf, size_t len);
/* "elf", "kdump", "kdump-flat" */
const char *dread_format(const struct dread *r);
/* "" for a complete dump, else why it is incomplete (cut short) */
const char *dread_truncated(const struct dread *r);
/* VMCOREINFO KERNELOFFSET (0 without KASLR) */
uint64_t dread_kaslr_offset(const struct dread *r);

/* kernel virtual memory; 0 ok, -1 (dsym_read_fn: rctx is the dread) */
int dread_read(void *r, uint64_t va, void *buf, size_t len);

/*
 * The kernel's memory map, once the symbols are known: page_offset_base,
 * vmalloc_base, vmemmap_base (values of those kernel variables; 0 keeps
 * the default) and max_pfn.  Before this, only the kernel image and what
 * the page tables map can be read.
 */
void dread_set_map(struct dread *r, uint64_t page_offset, uint64_t vmalloc,
		   uint64_t vmemmap, uint64_t max_pfn);
/* crash's kvtop(): 0 with *pa set, -1 no translation */
int dread_vtop(struct dread *r, uint64_t va, uint64_t *pa);
/* crash's IS_KVADDR(): addr >= PAGE_OFFSET */
int dread_is_kvaddr(const struct dread *r, uint64_t va);
/* enum mma_addr of a kernel address (after a failed read) */
int dread_addr_state(struct dread *r, uint64_t va);

/*
 * The n-th NT_PRSTATUS note of the dump (one per CPU, in CPU order):
 * instruction pointer, flags and code segment.  0 ok, -1 none.
 */
int dread_prstatus(struct dread *r, int n, uint64_t *ip, uint64_t *flags,
		   uint64_t *cs);
int dread_nprstatus(struct dread *r);

#endif
