/*
 * mmglue.c - the few crash services both glue files need, in one place:
 * member offsets and sizes (also of members of anonymous structs and
 * unions), per-CPU addresses, checked reads, kernel enumerators, and where
 * an address stands in the dump (present, excluded by a dump filter, or
 * outside memory).
 *
 * Every function here is quiet and never aborts the command: reads use
 * RETURN_ON_ERROR|QUIET, lookups of missing members or symbols return -1.
 */
#include "defs.h"
#include "mmcore.h"
#include "mmglue.h"

/**
 * mmg_member_offset - offset of member m in struct/union s
 * @s: type name ("mm_struct")
 * @m: member name; members of anonymous structs and unions are found too
 *
 * Returns the offset in bytes, or -1 when s has no such member.
 */
/*
 * crash 8's gdb 10.2 patch (gdb-10.2.patch: get_member_data()) and crash
 * 9's gdb 16.2 patch search unnamed struct/union fields themselves, so a
 * member MEMBER_OFFSET() does not find is not there.  crash's
 * ANON_MEMBER_OFFSET() evaluates a gdb expression instead, whose parser
 * looks the member name up as a symbol: 150-400 ms per call on a Debian
 * vmlinux without a gdb index (measured on the 6.1 test dump), once for
 * every member of an older era the layout asks about.  Older gdbs need it.
 */
#if defined(GDB_10_2) || defined(GDB_16_2)
#define MMG_ANON_FALLBACK 0
#else
#define MMG_ANON_FALLBACK 1
#endif

long
mmg_member_offset(const char *s, const char *m)
{
	long o = MEMBER_OFFSET((char *)s, (char *)m);

	if (o < 0 && MMG_ANON_FALLBACK)
		o = ANON_MEMBER_OFFSET((char *)s, (char *)m);
	return o < 0 ? -1 : o;
}

/**
 * mmg_member_size - size of member m in struct/union s, or -1
 */
long
mmg_member_size(const char *s, const char *m)
{
	long n = MEMBER_SIZE((char *)s, (char *)m);

	if (n < 0 && MMG_ANON_FALLBACK)
		n = ANON_MEMBER_SIZE((char *)s, (char *)m);
	return n < 0 ? -1 : n;
}

/**
 * mmg_percpu_ptr - this CPU's instance of a per-CPU address
 * @base: a per-CPU symbol's value or a __percpu pointer read from the dump
 * @cpu: CPU number
 * @addr: result
 *
 * base + __per_cpu_offset[cpu], as crash's task.c does for runqueues, when
 * the kernel is SMP with per-CPU offsets; on a UP kernel only CPU 0 exists.
 * Returns 0, or -1 for a CPU crash does not know.
 */
int
mmg_percpu_ptr(uint64_t base, int cpu, uint64_t *addr)
{
	if (cpu < 0 || cpu >= NR_CPUS || cpu >= kt->cpus)
		return -1;
	*addr = base;
	if ((kt->flags & SMP) && (kt->flags & PER_CPU_OFF))
		*addr += kt->__per_cpu_offset[cpu];
	else if (cpu)
		return -1;
	return 0;
}

/**
 * mmg_percpu_addr - address of CPU cpu's instance of per-CPU symbol sym
 *
 * The symbol is found with crash's per_cpu_symbol_search(), which accepts
 * both spellings: 2.6 kernels name per-CPU variables "per_cpu__runqueues"
 * (the prefix was dropped by Linux kernel commit dd17c8f72993 ("percpu:
 * remove per_cpu__ prefix.") (in v2.6.33)).  Returns 0, or -1 when sym is
 * not a per-CPU symbol or the CPU is unknown.
 */
int
mmg_percpu_addr(const char *sym, int cpu, uint64_t *addr)
{
	struct syment *sp;

	if (!(sp = per_cpu_symbol_search((char *)sym)))
		return -1;
	return mmg_percpu_ptr(sp->value, cpu, addr);
}

/**
 * mmg_read - read len bytes of kernel virtual memory
 *
 * Returns 0, or -1 when any byte cannot be read (quietly: the caller
 * decides what a failed read means, e.g. with mmg_addr_state()).
 */
int
mmg_read(uint64_t addr, void *buf, long len)
{
	return readmem((ulonglong)addr, KVADDR, buf, len, "mmaudit",
		       RETURN_ON_ERROR | QUIET) ? 0 : -1;
}

/**
 * mmg_read_uint - read an unsigned integer of size bytes (1, 2, 4 or 8)
 * @err: set to 1 on failure (never cleared), so a sequence of reads can be
 *       checked once
 */
uint64_t
mmg_read_uint(uint64_t addr, long size, int *err)
{
	unsigned char b[8];
	uint64_t v;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		*err = 1;
		return 0;
	}
	if (mmg_read(addr, b, size)) {
		*err = 1;
		return 0;
	}
	switch (size) {
	case 1: v = b[0]; break;
	case 2: v = *(uint16_t *)b; break;
	case 4: v = *(uint32_t *)b; break;
	default: v = *(uint64_t *)b; break;
	}
	return v;
}

/**
 * mmg_enum - value of a kernel enumerator (PG_slab, PGTY_slab, ...)
 *
 * Returns 0 and sets *v, or -1 when the kernel's debuginfo has no such
 * enumerator.
 */
int
mmg_enum(const char *name, long *v)
{
	return enumerator_value((char *)name, v) ? 0 : -1;
}

/*
 * What the dump reader itself says about one physical page: crash's
 * readmem() folds every reader error into FALSE, so ask the reader
 * (pc->readmem: read_diskdump(), read_netdump(), ...) directly, the way
 * readmem() calls it, for one byte.
 */
static int
dump_page_state(physaddr_t paddr, ulong vaddr)
{
	char byte;
	ulong saved;
	int r;

	if (ACTIVE() || REMOTE_MEMSRC() || !READMEM)
		return MMA_ADDR_UNKNOWN;
	/*
	 * crash --zero_excluded makes excluded pages read as zeros; ask
	 * for the truth, then put the user's choice back.
	 */
	saved = *diskdump_flags;
	*diskdump_flags &= ~ZERO_EXCLUDED;
	pc->curcmd_flags |= MEMTYPE_KVADDR;
	r = READMEM(pc->dfd, &byte, 1, vaddr, paddr);
	*diskdump_flags = saved;

	if (r == 1)
		return MMA_ADDR_PRESENT;
	switch (r) {
	case PAGE_EXCLUDED:	/* compressed kdump: filtered out */
	case PAGE_INCOMPLETE:	/* compressed kdump: not written (cut short) */
		return MMA_ADDR_EXCLUDED;
	case SEEK_ERROR:
		/* read_diskdump(): pfn beyond max_mapnr or not RAM */
		if (DISKDUMP_DUMPFILE())
			return MMA_ADDR_UNMAPPED;
		return MMA_ADDR_UNKNOWN;
	case READ_ERROR:
		/*
		 * read_netdump(): no PT_LOAD segment holds this RAM page
		 * (makedumpfile -E drops filtered pages from the segments),
		 * or the file is cut short.
		 */
		if (NETDUMP_DUMPFILE() || KDUMP_DUMPFILE())
			return MMA_ADDR_EXCLUDED;
		return MMA_ADDR_UNKNOWN;
	}
	return MMA_ADDR_UNKNOWN;
}

/**
 * mmg_addr_state - where a kernel virtual address stands in the dump
 *
 * MMA_ADDR_UNMAPPED: no translation (kvtop() fails), or the physical
 * address has no struct page (beyond the kernel's memory) or is not RAM
 * according to the dump; MMA_ADDR_EXCLUDED: a RAM page the dump does not
 * hold (makedumpfile filter, or a dump cut short); MMA_ADDR_PRESENT: the
 * page can be read; MMA_ADDR_UNKNOWN otherwise (live system, reader I/O or
 * decompression error).
 */
int
mmg_addr_state(uint64_t addr)
{
	physaddr_t paddr;
	ulong page;

	if (!IS_KVADDR((ulong)addr))
		return MMA_ADDR_UNMAPPED;
	if (!kvtop(NULL, (ulong)addr, &paddr, 0))
		return MMA_ADDR_UNMAPPED;
	/*
	 * A physical address beyond every sparsemem section root: crash's
	 * nr_to_section() would say so with error(WARNING, "sparsemem:
	 * invalid section number"), written into the command's output (a
	 * `mmcpu -j > file` or `| jq` got a WARNING line inside its JSON;
	 * found by the mutation campaign, a runqueue's curr pointing into
	 * unmapped vmalloc space).  The same test, without the message.
	 */
	if (IS_SPARSEMEM_EX() && SECTION_NR_TO_ROOT(pfn_to_section_nr(
	    (ulong)(paddr >> PAGESHIFT()))) >= NR_SECTION_ROOTS())
		return MMA_ADDR_UNMAPPED;
	if (!phys_to_page(paddr, &page))
		return MMA_ADDR_UNMAPPED;
	return dump_page_state(paddr, (ulong)addr);
}
