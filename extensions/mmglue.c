/*
 * mmglue.c - the few crash services both glue files need, in one place:
 * member offsets and sizes (also of members of anonymous structs and
 * unions), per-CPU addresses, checked reads, kernel enumerators, and where
 * an address stands in the dump (present, excluded by a dump filter, or
 * outside memory); and on them the core's target (mmg_target_init(): the
 * struct mma_target every glue file and test extension hands the core).
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
 * A physical address beyond every sparsemem section root: crash's
 * nr_to_section() (called by phys_to_page()) would say so with
 * error(WARNING, "sparsemem: invalid section number"), written into the
 * command's output (a `mmcpu -j > file` or `| jq` got a WARNING line
 * inside its JSON; found by the mutation campaign, a runqueue's curr
 * pointing into unmapped vmalloc space).  The same test, quietly.
 */
static int
beyond_sections(physaddr_t paddr)
{
	return IS_SPARSEMEM_EX() && SECTION_NR_TO_ROOT(pfn_to_section_nr(
	       (ulong)(paddr >> PAGESHIFT()))) >= NR_SECTION_ROOTS();
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
	/* no struct page, and no WARNING from crash (beyond_sections()) */
	if (beyond_sections(paddr))
		return MMA_ADDR_UNMAPPED;
	if (!phys_to_page(paddr, &page))
		return MMA_ADDR_UNMAPPED;
	return dump_page_state(paddr, (ulong)addr);
}

/* ------------------------------------------------------------------ */
/* the core's target, implemented with crash APIs                      */
/* ------------------------------------------------------------------ */

static int
t_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	return readmem((ulonglong)addr, KVADDR, buf, (long)len, "mmaudit",
		       RETURN_ON_ERROR | QUIET) ? 0 : -1;
}

/* MEMBER_OFFSET, falling back to members of anonymous structs/unions */
static long
t_member_offset(void *ctx, const char *s, const char *m)
{
	(void)ctx;
	return mmg_member_offset(s, m);
}

static long
t_member_size(void *ctx, const char *s, const char *m)
{
	(void)ctx;
	return mmg_member_size(s, m);
}

/*
 * gdb's enum type_code past the codes crash's defs.h names.  crash 8
 * embeds gdb 10.2 (gdb/gdbtypes.h: ... TYPE_CODE_RVALUE_REF 19,
 * TYPE_CODE_CHAR 20, TYPE_CODE_BOOL 21, TYPE_CODE_COMPLEX 22,
 * TYPE_CODE_TYPEDEF 23), crash 9 gdb 16.2/16.3 with the same codes
 * (gdb/type-codes.def); crash 7's gdb 7.6 (and older) had no RVALUE_REF,
 * so one less there.  defs.h's TYPE_CODE_BOOL (20) is the gdb 7.6 value:
 * with gdb 10.2 and 16 it is TYPE_CODE_CHAR.
 */
#if defined(GDB_7_6) || defined(GDB_7_3_1) || defined(GDB_7_0) || \
    defined(GDB_6_1) || defined(GDB_6_0) || defined(GDB_5_3)
#define MMA_GDB_TYPE_CODE_CHAR		19
#define MMA_GDB_TYPE_CODE_BOOL		20
#define MMA_GDB_TYPE_CODE_TYPEDEF	22
#else
#define MMA_GDB_TYPE_CODE_CHAR		20
#define MMA_GDB_TYPE_CODE_BOOL		21
#define MMA_GDB_TYPE_CODE_TYPEDEF	23
#endif

/* a gdb type code as an enum mma_tc, without resolving anything */
static int
tc_class(long tc)
{
	switch (tc) {
	case TYPE_CODE_PTR: return MMA_TC_PTR;
	case TYPE_CODE_ARRAY: return MMA_TC_ARRAY;
	case TYPE_CODE_STRUCT: return MMA_TC_STRUCT;
	case TYPE_CODE_UNION: return MMA_TC_UNION;
	case TYPE_CODE_ENUM: return MMA_TC_ENUM;
	case TYPE_CODE_FUNC: return MMA_TC_FUNC;
	case TYPE_CODE_FLT: return MMA_TC_FLOAT;
	case TYPE_CODE_VOID: return MMA_TC_VOID;
	case TYPE_CODE_INT:
	case TYPE_CODE_RANGE:
	case TYPE_CODE_FLAGS:
	case MMA_GDB_TYPE_CODE_CHAR: return MMA_TC_INT;
	case MMA_GDB_TYPE_CODE_BOOL: return MMA_TC_BOOL;
	case MMA_GDB_TYPE_CODE_TYPEDEF: return MMA_TC_TYPEDEF;
	default: return MMA_TC_OTHER;
	}
}

/*
 * crash's raw answer: MEMBER_TYPE() is the member's own gdb type code,
 * TYPE_CODE_TYPEDEF for "atomic_t mm_users" or "cpumask_var_t
 * cpu_vm_mask_var" (crash resolves nothing), MEMBER_TYPE_NAME() its type
 * name ("cpumask_var_t"; for a pointer, the pointed-to type's name).  The
 * core resolves typedefs through t_typedef_type().
 */
static int
t_member_type(void *ctx, const char *s, const char *m, char *name, size_t len)
{
	long tc;
	char *tn;

	if (name && len)
		name[0] = '\0';
	if (t_member_offset(ctx, s, m) < 0)
		return MMA_TC_NONE;
	tc = MEMBER_TYPE((char *)s, (char *)m);
	if (name && len && (tn = MEMBER_TYPE_NAME((char *)s, (char *)m)))
		snprintf(name, len, "%s", tn);
	return tc_class(tc);
}

/*
 * The class of typedef name, the way crash's datatype_info() resolves a
 * type name: gdb_get_datatype() (crash's gdb-10.2.patch) parses the name,
 * flags a typedef (is_typedef) and reports check_typedef()'s type code, so
 * the whole chain is resolved in one step and target stays empty.  Not a
 * typedef (a struct tag, a variable, nothing): MMA_TC_NONE.
 */
static int
t_typedef_type(void *ctx, const char *name, char *target, size_t len)
{
	struct gnu_request req;
	char buf[BUFSIZE];

	(void)ctx;
	if (target && len)
		target[0] = '\0';
	if (!name || !*name || strlen(name) >= sizeof(buf))
		return MMA_TC_NONE;
	snprintf(buf, sizeof(buf), "%s", name);
	BZERO(&req, sizeof(req));
	req.command = GNU_GET_DATATYPE;
	req.flags |= GNU_RETURN_ON_ERROR;
	req.name = buf;
	req.fp = pc->nullfp;
	gdb_interface(&req);
	if ((req.flags & GNU_COMMAND_FAILED) || !req.is_typedef)
		return MMA_TC_NONE;
	return tc_class(req.typecode);
}

static long
t_struct_size(void *ctx, const char *s)
{
	long n;

	(void)ctx;
	n = STRUCT_SIZE((char *)s);
	return n < 0 ? -1 : n;
}

static int
t_symbol(void *ctx, const char *name, uint64_t *addr)
{
	(void)ctx;
	if (!symbol_exists((char *)name))
		return -1;
	*addr = symbol_value((char *)name);
	return 0;
}

/* per-CPU address: symbol + __per_cpu_offset[cpu] (crash task.c style) */
static int
t_percpu_addr(void *ctx, const char *sym, int cpu, uint64_t *addr)
{
	(void)ctx;
	return mmg_percpu_addr(sym, cpu, addr);
}

/* is addr's page in the dump (after a failed read): enum mma_addr */
static int
t_addr_state(void *ctx, uint64_t addr)
{
	(void)ctx;
	return mmg_addr_state(addr);
}

/* size of the object at a symbol, from its debuginfo type */
static long
t_symbol_size(void *ctx, const char *name)
{
	struct gnu_request *req;
	long len = -1;

	(void)ctx;
	if (!symbol_exists((char *)name))
		return -1;
	req = (struct gnu_request *)GETBUF(sizeof(struct gnu_request));
	if (get_symbol_type((char *)name, NULL, req) != TYPE_CODE_UNDEF)
		len = (long)req->length;
	FREEBUF(req);
	return len > 0 ? len : -1;
}

/* a config option from the dump's ikconfig; -1 when it has none */
static int
t_kconfig(void *ctx, const char *name)
{
	(void)ctx;
	if (!(kt->ikconfig_flags & IKCONFIG_AVAIL))
		return -1;
	switch (get_kernel_config((char *)name, NULL)) {
	case IKCONFIG_Y:
	case IKCONFIG_M:
		return 1;
	default:
		return (kt->ikconfig_flags & IKCONFIG_LOADED) ? 0 : -1;
	}
}

static int
t_is_kvaddr(void *ctx, uint64_t addr)
{
	(void)ctx;
	return IS_KVADDR((ulong)addr) ? 1 : 0;
}

/*
 * mma_target.page_of: the struct page of kvaddr's page, kvtop() +
 * phys_to_page(); 0 when kvaddr is the direct-map address (PTOV()) of its
 * byte, 1 through another mapping (vmalloc, kernel image), -1 none.
 */
static int
t_page_of(void *ctx, uint64_t kvaddr, uint64_t *page)
{
	physaddr_t paddr;
	ulong pg;

	(void)ctx;
	if (!IS_KVADDR((ulong)kvaddr) || !kvtop(NULL, (ulong)kvaddr, &paddr, 0))
		return -1;
	if (beyond_sections(paddr) || !phys_to_page(paddr, &pg))
		return -1;
	*page = pg;
	return PTOV(paddr) == (ulong)kvaddr ? 0 : 1;
}

/* mma_target.enum_value: a kernel enumerator (mmg_enum()) */
static int
t_enum_value(void *ctx, const char *name, long long *val)
{
	long v;

	(void)ctx;
	if (mmg_enum(name, &v))
		return -1;
	*val = v;
	return 0;
}

/**
 * mmg_target_init - the core's target answered by crash
 *
 * Every callback that needs only crash (reads, types, symbols, per-CPU
 * addresses, dump state, struct pages, enumerators); the commands add
 * their own (slab_classify, symbol_name, cpu_regs).
 */
void
mmg_target_init(struct mma_target *t)
{
	memset(t, 0, sizeof(*t));
	t->read = t_read;
	t->member_offset = t_member_offset;
	t->member_size = t_member_size;
	t->member_type = t_member_type;
	t->typedef_type = t_typedef_type;
	t->struct_size = t_struct_size;
	t->symbol = t_symbol;
	t->percpu_addr = t_percpu_addr;
	t->addr_state = t_addr_state;
	t->is_kvaddr = t_is_kvaddr;
	t->symbol_size = t_symbol_size;
	t->kconfig = t_kconfig;
	t->page_of = t_page_of;
	t->enum_value = t_enum_value;
	t->page_size = PAGESIZE();
	t->ncpus = kt->cpus;
}
