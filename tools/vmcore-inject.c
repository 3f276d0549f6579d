/*
 * vmcore-inject - fault injection into ELF vmcores, for tests.
 *
 * Patches a copy of an x86_64 ELF vmcore at kernel virtual addresses (or
 * physical ones), translating VA -> PA with the dump's own information:
 *   text    VA in [__START_KERNEL_map, +KERNEL_IMAGE_SIZE):
 *           PA = VA - 0xffffffff80000000 + NUMBER(phys_base)
 *   direct  VA in [page_offset_base, +direct-map size):
 *           PA = VA - page_offset_base   (page_offset_base from --page-offset,
 *           from the dump through --vmlinux's page_offset_base symbol, from
 *           the kernel page tables, or from PT_LOAD p_vaddr)
 *   walk    a 4- or 5-level page-table walk from SYMBOL(init_top_pgt)
 *           (NUMBER(pgtable_l5_enabled), NUMBER(sme_mask) honoured):
 *           any mapped kernel address (vmalloc, vmemmap, modules, ...)
 * then PA -> file offset through the PT_LOAD segments, and writes.
 * All addresses are translated against the original dump before anything is
 * written; nothing is written unless every operation translates.
 *
 * Exit: 0 ok, 1 usage, 2 dump unreadable / not an ELF core / no VMCOREINFO,
 * 3 an address cannot be translated or is not in the dump, 4 output error.
 *
 * The dump is opened and its VMCOREINFO and PT_LOAD segments read by the
 * shared module dumpid.c, which also reads physical memory by PA.
 *
 * Build: make tools (gcc -Wall -Wextra -Itools -o build/vmcore-inject
 *        tools/vmcore-inject.c tools/dumpid.c -lelf -lz)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "dumpid.h"

#define EX_OK      0
#define EX_USAGE   1
#define EX_BADDUMP 2
#define EX_ADDR    3
#define EX_OUTPUT  4

#define START_KERNEL_MAP  UINT64_C(0xffffffff80000000)
#define MAX_BYTES_OP      (1u << 20)
#define PTE_PRESENT       UINT64_C(0x1)
#define PTE_PSE           UINT64_C(0x80)
#define PTE_ADDR_MASK     UINT64_C(0x000ffffffffff000)

static const char *prog = "vmcore-inject";
static int quiet;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}


static uint64_t rdn(const uint8_t *p, size_t n, int big)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
	return v;
}

static void wrn(uint8_t *p, size_t n, uint64_t v, int big)
{
	for (size_t i = 0; i < n; i++)
		p[big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* ------------------------------------------------------------- the dump */

/* the dump (read by dumpid.c) and what translation takes from its VMCOREINFO */
struct dump {
	struct dumpid id;
	int have_phys_base, have_pgt, have_kaslr, l5;
	uint64_t phys_base, pgt_va, kaslr, sme_mask, kimage_size;
	int have_pob;
	uint64_t pob;
	char pob_src[64];
};

static void open_dump(struct dump *d, const char *path)
{
	struct dumpid *id = &d->id;
	struct stat st;

	memset(d, 0, sizeof(*d));
	if (dumpid_open(id, path) < 0)
		die(EX_BADDUMP, "%s: %s", path, dumpid_err);
	if (fstat(id->fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(EX_BADDUMP, "%s: not a regular file", path);
	if (id->kind != DUMPID_ELF)
		die(EX_BADDUMP, "%s: kdump-compressed dumps cannot be patched: only ELF "
		    "vmcores (pages are compressed)", path);
	if (dumpid_identify(id) < 0)
		die(EX_BADDUMP, "%s: %s: cannot translate addresses", path, dumpid_err);
	if (id->vmci_len > DUMPID_MAX_VMCOREINFO)
		die(EX_BADDUMP, "%s: no VMCOREINFO: its note is implausibly large (%zu bytes)",
		    path, id->vmci_len);
	if (id->e_machine != EM_X86_64)
		die(EX_BADDUMP, "%s: only x86_64 vmcores are supported (e_machine %u)",
		    path, id->e_machine);
	if (id->seg_bad >= 0)
		die(EX_BADDUMP, "%s: PT_LOAD %ld overflows", path, id->seg_bad);
	d->have_phys_base = dumpid_vmci_num(id, "NUMBER(phys_base)", 10, &d->phys_base);
	d->have_pgt = dumpid_vmci_num(id, "SYMBOL(init_top_pgt)", 16, &d->pgt_va) ||
		      dumpid_vmci_num(id, "SYMBOL(swapper_pg_dir)", 16, &d->pgt_va);
	d->have_kaslr = dumpid_vmci_num(id, "KERNELOFFSET", 16, &d->kaslr);
	uint64_t v;
	d->l5 = dumpid_vmci_num(id, "NUMBER(pgtable_l5_enabled)", 10, &v) && v == 1;
	if (dumpid_vmci_num(id, "NUMBER(sme_mask)", 10, &v))
		d->sme_mask = v;
	d->kimage_size = UINT64_C(1) << 30;
	if (dumpid_vmci_num(id, "NUMBER(KERNEL_IMAGE_SIZE)", 10, &v) && v &&
	    v <= (UINT64_C(1) << 31))
		d->kimage_size = v;
}

/* --------------------------------------------------------- translation */

static int text_pa(const struct dump *d, uint64_t va, uint64_t *pa)
{
	if (!d->have_phys_base || va < START_KERNEL_MAP ||
	    va - START_KERNEL_MAP >= d->kimage_size)
		return 0;
	*pa = va - START_KERNEL_MAP + d->phys_base;
	return 1;
}

/*
 * The direct map is only as large as RAM (KASLR puts vmalloc right after it,
 * in the same 64 TB window), so the formula is used up to the highest
 * physical address the dump holds, rounded up to 1 GiB; anything above goes
 * to the page-table walk.
 */
static uint64_t direct_map_size(const struct dump *d)
{
	uint64_t max = d->l5 ? UINT64_C(1) << 52 : UINT64_C(1) << 46, top = 0;
	for (size_t i = 0; i < d->id.nseg; i++)
		if (d->id.seg[i].paddr + d->id.seg[i].memsz > top)
			top = d->id.seg[i].paddr + d->id.seg[i].memsz;
	top = (top + (UINT64_C(1) << 30) - 1) & ~((UINT64_C(1) << 30) - 1);
	return top && top < max ? top : max;
}

static int direct_pa(const struct dump *d, uint64_t va, uint64_t *pa)
{
	if (!d->have_pob || va < d->pob || va - d->pob >= direct_map_size(d))
		return 0;
	*pa = va - d->pob;
	return 1;
}

static const char *const lvl4[] = { "", "PGD", "PUD", "PMD", "PTE" };
static const char *const lvl5[] = { "PGD", "P4D", "PUD", "PMD", "PTE" };
static const int pt_shift[5] = { 48, 39, 30, 21, 12 };	/* VA bits of each level */

/* entry idx of the page table at PA table, the SME mask removed; -1 unreadable */
static int pt_entry(const struct dump *d, uint64_t table, uint64_t idx, uint64_t *e)
{
	uint8_t b[8];

	if (dumpid_read_pa(&d->id, table + idx * 8, b, 8) < 0)
		return -1;
	*e = rdn(b, 8, d->id.big) & ~d->sme_mask;
	return 0;
}

/* page-table walk; 0 ok (pa, page size), -1 (dumpid_err) */
static int walk(const struct dump *d, uint64_t va, uint64_t *pa, uint64_t *pgsz)
{
	if (!d->have_pgt || !d->have_phys_base) {
		dumpid_seterr("no page-table walk: VMCOREINFO lacks SYMBOL(init_top_pgt) or NUMBER(phys_base)");
		return -1;
	}
	int bits = d->l5 ? 57 : 48;
	uint64_t top = va >> (bits - 1);
	if (top != 0 && top != (UINT64_MAX >> (bits - 1))) {
		dumpid_seterr("0x%" PRIx64 " is not a canonical %d-bit address", va, bits);
		return -1;
	}
	uint64_t table;
	if (!text_pa(d, d->pgt_va, &table)) {
		dumpid_seterr("init_top_pgt 0x%" PRIx64 " is outside the kernel text mapping", d->pgt_va);
		return -1;
	}
	const char *const *nm = d->l5 ? lvl5 : lvl4;
	for (int l = d->l5 ? 0 : 1; l < 5; l++) {
		uint64_t idx = (va >> pt_shift[l]) & 511, ea = table + idx * 8, e;
		if (pt_entry(d, table, idx, &e) < 0) {
			char w[sizeof(dumpid_err)];
			snprintf(w, sizeof(w), "%s", dumpid_err);
			dumpid_seterr("%s table page at PA 0x%" PRIx64 " unreadable: %s", nm[l], table, w);
			return -1;
		}
		if (!(e & PTE_PRESENT)) {
			dumpid_seterr("0x%" PRIx64 " is not mapped: %s entry %" PRIu64 " (PA 0x%" PRIx64
			    ") = 0x%" PRIx64 " is not present", va, nm[l], idx, ea, e);
			return -1;
		}
		if ((l == 2 || l == 3) && (e & PTE_PSE)) {
			uint64_t size = UINT64_C(1) << pt_shift[l];
			*pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			*pgsz = size;
			return 0;
		}
		table = e & PTE_ADDR_MASK;
		if (l == 4) {
			*pa = table | (va & 0xfff);
			*pgsz = 4096;
			return 0;
		}
	}
	dumpid_seterr("internal: walk fell through");
	return -1;
}

/*
 * page_offset_base from the page tables: the lowest PUD-aligned kernel-half
 * address that translates to PA 0 (the direct map, which KASLR places at
 * PUD granularity below vmalloc and vmemmap).
 */
static int derive_pob(struct dump *d)
{
	if (!d->have_pgt || !d->have_phys_base)
		return 0;
	uint64_t top;
	if (!text_pa(d, d->pgt_va, &top))
		return 0;
	int first = d->l5 ? 0 : 1;
	uint64_t tab[3] = { top, 0, 0 };
	uint64_t base_hi = d->l5 ? UINT64_C(0xff00000000000000) : UINT64_C(0xffff000000000000);
	/* hostile 5-level tables could make this 67M entries: cap the work */
	long budget = 1L << 20;
	/* iterate the top level's kernel half, then (5-level) P4D, then PUD */
	for (unsigned i = 256; i < 512; i++) {
		uint64_t e;
		if (pt_entry(d, tab[0], i, &e) < 0 || !(e & PTE_PRESENT))
			continue;
		uint64_t va_i = base_hi | ((uint64_t)i << pt_shift[first]);
		unsigned jn = d->l5 ? 512 : 1;
		for (unsigned j = 0; j < jn; j++) {
			uint64_t pudt = e & PTE_ADDR_MASK, va_j = va_i;
			if (d->l5) {
				if (--budget < 0)
					return 0;
				uint64_t e2;
				if (pt_entry(d, pudt, j, &e2) < 0 || !(e2 & PTE_PRESENT))
					continue;
				pudt = e2 & PTE_ADDR_MASK;
				va_j = va_i | ((uint64_t)j << 39);
			}
			for (unsigned k = 0; k < 512; k++) {
				if (--budget < 0)
					return 0;
				uint64_t e3;
				if (pt_entry(d, pudt, k, &e3) < 0 || !(e3 & PTE_PRESENT))
					continue;
				uint64_t va = va_j | ((uint64_t)k << 30), pa, sz;
				if (walk(d, va, &pa, &sz) == 0 && pa == 0) {
					d->pob = va;
					d->have_pob = 1;
					snprintf(d->pob_src, sizeof(d->pob_src), "page-tables");
					return 1;
				}
			}
		}
	}
	return 0;
}

/* page_offset_base from PT_LOAD p_vaddr (kdump's /proc/vmcore sets __va()) */
static int pob_from_vaddr(struct dump *d)
{
	for (size_t i = 0; i < d->id.nseg; i++) {
		const struct dumpid_seg *s = &d->id.seg[i];
		if (s->vaddr < UINT64_C(0xff00000000000000) || s->vaddr >= START_KERNEL_MAP)
			continue;
		uint64_t pob = s->vaddr - s->paddr;
		if (pob & ((UINT64_C(1) << 30) - 1))
			continue;
		d->pob = pob;
		d->have_pob = 1;
		snprintf(d->pob_src, sizeof(d->pob_src), "PT_LOAD p_vaddr");
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ vmlinux */

struct syms {
	Elf *e;
	int fd;
	Elf_Data *data;
	size_t nsym, strndx;
};

static void open_vmlinux(struct syms *sy, const char *path)
{
	memset(sy, 0, sizeof(*sy));
	sy->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sy->fd < 0)
		die(EX_USAGE, "%s: cannot open: %s", path, strerror(errno));
	sy->e = elf_begin(sy->fd, ELF_C_READ, NULL);
	if (!sy->e || elf_kind(sy->e) != ELF_K_ELF)
		die(EX_USAGE, "%s: not an ELF file", path);
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(sy->e, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		sy->data = elf_getdata(scn, NULL);
		sy->nsym = sh.sh_size / sh.sh_entsize;
		sy->strndx = sh.sh_link;
		break;
	}
	if (!sy->data)
		die(EX_USAGE, "%s: no symbol table", path);
}

static int sym_value(const struct syms *sy, const char *name, uint64_t *v)
{
	if (!sy->data)
		return 0;
	for (size_t i = 0; i < sy->nsym; i++) {
		GElf_Sym s;
		if (!gelf_getsym(sy->data, (int)i, &s))
			break;
		const char *n = elf_strptr(sy->e, sy->strndx, s.st_name);
		if (n && strcmp(n, name) == 0 && s.st_shndx != SHN_UNDEF) {
			*v = s.st_value;
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ addresses */

struct addr {
	const char *text;
	int phys;               /* given as pa:ADDR */
	uint64_t va, pa;
	const char *method;     /* phys | text | direct | walk */
	uint64_t pgsz;
};

static const struct syms *g_syms;
static struct dump *g_dump;

static int parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;
	if (!*s)
		return 0;
	errno = 0;
	if (s[0] == '-') {
		long long x = strtoll(s, &end, base);
		*v = (uint64_t)x;
	} else {
		*v = strtoull(s, &end, base);
	}
	return !errno && *end == 0;
}

/* hex address (0x optional), pa:HEX, SYMBOL[+OFF] (needs --vmlinux) */
static int resolve(struct addr *a, const char *s)
{
	a->text = s;
	a->phys = 0;
	if (strncmp(s, "pa:", 3) == 0) {
		a->phys = 1;
		if (!parse_u64(s + 3, 16, &a->pa)) {
			dumpid_seterr("bad physical address '%s'", s);
			return -1;
		}
		a->va = a->pa;
		a->method = "phys";
		a->pgsz = 0;
		return 0;
	}
	const char *p = s;
	int forced_sym = strncmp(s, "sym:", 4) == 0;
	if (forced_sym)
		p = s + 4;
	if (!forced_sym) {
		const char *h = strncmp(p, "0x", 2) == 0 || strncmp(p, "0X", 2) == 0 ? p + 2 : p;
		size_t n = strspn(h, "0123456789abcdefABCDEF");
		if (n > 0 && n <= 16 && h[n] == 0) {
			a->va = strtoull(h, NULL, 16);
			return 0;
		}
	}
	char name[256];
	uint64_t off = 0;
	const char *plus = strpbrk(p, "+-");
	size_t nl = plus ? (size_t)(plus - p) : strlen(p);
	if (nl == 0 || nl >= sizeof(name)) {
		dumpid_seterr("bad address '%s'", s);
		return -1;
	}
	memcpy(name, p, nl);
	name[nl] = 0;
	if (plus) {
		if (!parse_u64(plus + 1, 0, &off)) {
			dumpid_seterr("bad offset in '%s'", s);
			return -1;
		}
		if (*plus == '-')
			off = (uint64_t)0 - off;
	}
	if (!g_syms) {
		dumpid_seterr("'%s' is not a hex address (symbols need --vmlinux)", s);
		return -1;
	}
	uint64_t v;
	if (!sym_value(g_syms, name, &v)) {
		dumpid_seterr("symbol '%s' not found in the vmlinux", name);
		return -1;
	}
	if (v < START_KERNEL_MAP) {
		dumpid_seterr("symbol '%s' (0x%" PRIx64 ") is per-CPU or not a kernel address", name, v);
		return -1;
	}
	a->va = v + (g_dump->have_kaslr ? g_dump->kaslr : 0) + off;
	return 0;
}

enum method { M_AUTO, M_WALK, M_DIRECT };
static enum method g_method = M_AUTO;

static int translate(struct addr *a)
{
	const struct dump *d = g_dump;
	if (a->phys)
		return 0;
	if (g_method == M_WALK) {
		a->method = "walk";
		return walk(d, a->va, &a->pa, &a->pgsz);
	}
	if (text_pa(d, a->va, &a->pa)) {
		a->method = "text";
		a->pgsz = 0;
		return 0;
	}
	if (direct_pa(d, a->va, &a->pa)) {
		a->method = "direct";
		a->pgsz = 0;
		return 0;
	}
	if (g_method == M_DIRECT) {
		if (!d->have_pob)
			dumpid_seterr("0x%" PRIx64 ": page_offset_base unknown (give --page-offset or --vmlinux)", a->va);
		else
			dumpid_seterr("0x%" PRIx64 " is neither kernel text nor direct map (page_offset_base 0x%"
			    PRIx64 ")", a->va, d->pob);
		return -1;
	}
	a->method = "walk";
	return walk(d, a->va, &a->pa, &a->pgsz);
}

/* translate every page of [va, va+len) into file extents */
struct ext { uint64_t off, len; };

static int extents(struct addr *a, size_t len, struct ext *ex, int *nex, int maxex)
{
	*nex = 0;
	if (translate(a) < 0)
		return -1;
	uint64_t va = a->va;
	size_t done = 0;
	while (done < len) {
		struct addr sub = *a;
		sub.va = va + done;
		uint64_t pa;
		if (done == 0) {
			pa = a->pa;
		} else if (a->phys) {
			pa = a->pa + done;
		} else {
			if (translate(&sub) < 0)
				return -1;
			pa = sub.pa;
		}
		size_t n = len - done;
		if (!a->phys) {
			size_t inpage = 4096 - (size_t)((va + done) & 4095);
			if (n > inpage)
				n = inpage;
		}
		uint64_t off, left;
		if (dumpid_pa_to_off(&g_dump->id, pa, 1, &off, &left) < 0)
			return -1;
		if (n > left)
			n = (size_t)left;
		if (n > g_dump->id.fsize - off) {
			dumpid_seterr("PA 0x%" PRIx64 "+0x%zx runs past the end of the (truncated) file", pa, n);
			return -1;
		}
		if (*nex && ex[*nex - 1].off + ex[*nex - 1].len == off) {
			ex[*nex - 1].len += n;
		} else {
			if (*nex >= maxex) {
				dumpid_seterr("range too fragmented");
				return -1;
			}
			ex[*nex].off = off;
			ex[*nex].len = n;
			(*nex)++;
		}
		done += n;
	}
	return 0;
}

/* ------------------------------------------------------------ operations */

enum optype { OP_W8, OP_W16, OP_W32, OP_W64, OP_WBYTES, OP_SETBIT, OP_CLRBIT,
	      OP_R32, OP_R64, OP_RBYTES, OP_VTOP };

struct op {
	enum optype t;
	const char *arg;
	struct addr a;
	uint64_t val;           /* value, or bit number */
	uint8_t *bytes;
	size_t len;
	struct ext ex[512];
	int nex;
};

static int op_writes(const struct op *o)
{
	return o->t <= OP_CLRBIT;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static void parse_op(struct op *o, enum optype t, const char *arg)
{
	memset(o, 0, sizeof(*o));
	o->t = t;
	o->arg = arg;
	char *s = strdup(arg);
	if (!s)
		die(EX_USAGE, "out of memory");
	char *sep = NULL;
	if (t <= OP_WBYTES) {
		sep = strchr(s, '=');
		if (!sep)
			die(EX_USAGE, "'%s': expected ADDR=VALUE", arg);
	} else if (t == OP_SETBIT || t == OP_CLRBIT || t == OP_RBYTES) {
		sep = strrchr(s, ':');
		if (!sep || sep == s || (strncmp(s, "pa:", 3) == 0 && sep == s + 2) ||
		    (strncmp(s, "sym:", 4) == 0 && sep == s + 3))
			die(EX_USAGE, "'%s': expected ADDR:%s", arg, t == OP_RBYTES ? "LEN" : "BIT");
	}
	if (sep)
		*sep++ = 0;
	o->a.text = s;          /* resolved later, once the dump is open */
	static const size_t width[] = { 1, 2, 4, 8 };
	switch (t) {
	case OP_W8: case OP_W16: case OP_W32: case OP_W64: {
		uint64_t v;
		size_t w = width[t - OP_W8];
		if (!parse_u64(sep, 0, &v))
			die(EX_USAGE, "'%s': bad value '%s'", arg, sep);
		if (w < 8) {
			uint64_t lim = UINT64_C(1) << (8 * w);
			int64_t sv = (int64_t)v;
			if (v >= lim && !(sep[0] == '-' && sv >= -(int64_t)(lim / 2)))
				die(EX_USAGE, "'%s': value does not fit in %zu bytes", arg, w);
			v &= lim - 1;
		}
		o->val = v;
		o->len = w;
		break;
	}
	case OP_WBYTES: {
		size_t n = strlen(sep);
		if (n >= 2 && sep[0] == '0' && (sep[1] == 'x' || sep[1] == 'X'))
			sep += 2, n -= 2;
		if (n == 0 || (n & 1) || n / 2 > MAX_BYTES_OP)
			die(EX_USAGE, "'%s': expected an even number of hex digits (max %u bytes)",
			    arg, MAX_BYTES_OP);
		o->bytes = dumpid_calloc(n / 2, 1);
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexval((unsigned char)sep[2 * i]), lo = hexval((unsigned char)sep[2 * i + 1]);
			if (hi < 0 || lo < 0)
				die(EX_USAGE, "'%s': bad hex digit", arg);
			o->bytes[i] = (uint8_t)(hi << 4 | lo);
		}
		o->len = n / 2;
		break;
	}
	case OP_SETBIT: case OP_CLRBIT:
		if (!parse_u64(sep, 0, &o->val) || o->val >= (UINT64_C(1) << 32))
			die(EX_USAGE, "'%s': bad bit number '%s'", arg, sep);
		o->len = 8;
		break;
	case OP_RBYTES:
		if (!parse_u64(sep, 0, &o->val) || o->val == 0 || o->val > 4096)
			die(EX_USAGE, "'%s': LEN must be 1..4096", arg);
		o->len = (size_t)o->val;
		break;
	case OP_R32: o->len = 4; break;
	case OP_R64: o->len = 8; break;
	case OP_VTOP: o->len = 1; break;
	}
}

static void prepare_op(struct op *o)
{
	char *text = (char *)o->a.text;
	if (resolve(&o->a, text) < 0)
		die(EX_ADDR, "%s: %s", o->arg, dumpid_err);
	if (o->t == OP_SETBIT || o->t == OP_CLRBIT) {
		/* bit N of an unsigned long array: word N/64, bit N%64 */
		uint64_t word = (o->val / 64) * 8;
		if (o->a.phys)
			o->a.pa += word;
		o->a.va += word;
		o->val %= 64;
	}
	if (o->t == OP_VTOP)
		return;
	if (extents(&o->a, o->len, o->ex, &o->nex, 512) < 0)
		die(EX_ADDR, "%s: %s", o->arg, dumpid_err);
}

static void print_addr(const struct op *o, uint64_t off)
{
	if (o->a.phys)
		printf("pa 0x%" PRIx64 " (file 0x%" PRIx64 ")", o->a.pa, off);
	else
		printf("0x%" PRIx64 " (pa 0x%" PRIx64 " %s, file 0x%" PRIx64 ")",
		       o->a.va, o->a.pa, o->a.method, off);
}

static void rw_ext(int fd, const struct op *o, uint8_t *buf, int write)
{
	size_t pos = 0;
	for (int i = 0; i < o->nex; i++) {
		int bad = write ? pwrite_full(fd, buf + pos, o->ex[i].len, o->ex[i].off) < 0
				: dumpid_pread(fd, buf + pos, o->ex[i].len, o->ex[i].off) !=
				  (ssize_t)o->ex[i].len;
		if (bad)
			die(EX_OUTPUT, "%s at file offset 0x%" PRIx64 ": %s",
			    write ? "write" : "read", o->ex[i].off, strerror(errno ? errno : EIO));
		pos += o->ex[i].len;
	}
}

static void print_hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static int do_vtop(struct op *o)
{
	const struct dump *d = g_dump;
	struct addr *a = &o->a;
	if (a->phys) {
		uint64_t off, left;
		if (dumpid_pa_to_off(&d->id, a->pa, 1, &off, &left) < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, o->arg, dumpid_err);
			return EX_ADDR;
		}
		printf("pa=0x%" PRIx64 " file_offset=0x%" PRIx64 "\n", a->pa, off);
		return EX_OK;
	}
	if (translate(a) < 0) {
		printf("va=0x%" PRIx64 " pa=none\n", a->va);
		fprintf(stderr, "%s: %s: %s\n", prog, o->arg, dumpid_err);
		return EX_ADDR;
	}
	printf("va=0x%" PRIx64 " pa=0x%" PRIx64 " method=%s", a->va, a->pa, a->method);
	if (a->pgsz)
		printf(" page=%s", a->pgsz == 4096 ? "4K" : a->pgsz == (1u << 21) ? "2M" : "1G");
	int rc = EX_OK;
	if (strcmp(a->method, "walk") != 0) {
		uint64_t wpa, sz;
		if (walk(d, a->va, &wpa, &sz) == 0)
			printf(" walk_pa=0x%" PRIx64 " walk=%s", wpa, wpa == a->pa ? "agrees" : "DIFFERS");
		else if (d->have_pgt)
			printf(" walk=unmapped");
	}
	uint64_t off, left;
	if (dumpid_pa_to_off(&d->id, a->pa, 1, &off, &left) == 0) {
		printf(" file_offset=0x%" PRIx64 "\n", off);
	} else {
		printf(" file_offset=none\n");
		fprintf(stderr, "%s: %s: %s\n", prog, o->arg, dumpid_err);
		rc = EX_ADDR;
	}
	return rc;
}

static int do_op(int fd, struct op *o)
{
	uint8_t old[MAX_BYTES_OP > 4096 ? 4096 : MAX_BYTES_OP];
	uint8_t *ob = o->len > sizeof(old) ? dumpid_calloc(o->len, 1) : old;
	int rc = EX_OK;
	switch (o->t) {
	case OP_VTOP:
		rc = do_vtop(o);
		break;
	case OP_R32: case OP_R64:
		rw_ext(fd, o, ob, 0);
		printf("read ");
		print_addr(o, o->ex[0].off);
		printf(": u%zu 0x%" PRIx64 "\n", o->len * 8, rdn(ob, o->len, g_dump->id.big));
		break;
	case OP_RBYTES:
		rw_ext(fd, o, ob, 0);
		printf("read ");
		print_addr(o, o->ex[0].off);
		printf(": bytes[%zu] ", o->len);
		print_hex(ob, o->len);
		printf("\n");
		break;
	case OP_W8: case OP_W16: case OP_W32: case OP_W64: {
		uint8_t nb[8];
		rw_ext(fd, o, ob, 0);
		uint64_t ov = rdn(ob, o->len, g_dump->id.big);
		wrn(nb, o->len, o->val, g_dump->id.big);
		rw_ext(fd, o, nb, 1);
		if (!quiet) {
			printf("patched ");
			print_addr(o, o->ex[0].off);
			printf(": u%zu 0x%" PRIx64 " -> 0x%" PRIx64 "\n", o->len * 8, ov, o->val);
		}
		break;
	}
	case OP_WBYTES:
		rw_ext(fd, o, ob, 0);
		rw_ext(fd, o, o->bytes, 1);
		if (!quiet) {
			printf("patched ");
			print_addr(o, o->ex[0].off);
			printf(": bytes[%zu] ", o->len);
			print_hex(ob, o->len < 64 ? o->len : 64);
			printf("%s -> ", o->len > 64 ? "..." : "");
			print_hex(o->bytes, o->len < 64 ? o->len : 64);
			printf("%s\n", o->len > 64 ? "..." : "");
		}
		break;
	case OP_SETBIT: case OP_CLRBIT: {
		uint8_t nb[8];
		rw_ext(fd, o, ob, 0);
		uint64_t ov = rdn(ob, 8, g_dump->id.big), m = UINT64_C(1) << o->val;
		uint64_t nv = o->t == OP_SETBIT ? ov | m : ov & ~m;
		wrn(nb, 8, nv, g_dump->id.big);
		rw_ext(fd, o, nb, 1);
		if (!quiet) {
			printf("patched ");
			print_addr(o, o->ex[0].off);
			printf(": bit %" PRIu64 " %d -> %d (u64 0x%" PRIx64 " -> 0x%" PRIx64 ")\n",
			       o->val, !!(ov & m), !!(nv & m), ov, nv);
		}
		break;
	}
	}
	if (ob != old)
		free(ob);
	return rc;
}

/* ------------------------------------------------------------ the copy */

static int copy_file(int in, int out, uint64_t len)
{
	if (len == 0)
		return 0;
	struct stat st;
	if (fstat(in, &st) == 0 && (uint64_t)st.st_size == len && ioctl(out, FICLONE, in) == 0)
		return 0;       /* reflink */
	loff_t io = 0, oo = 0;
	uint64_t left = len;
	while (left) {
		ssize_t n = copy_file_range(in, &io, out, &oo, left > (1u << 30) ? (1u << 30) : left, 0);
		if (n <= 0)
			break;
		left -= (uint64_t)n;
	}
	if (!left)
		return 0;
	size_t bs = 1 << 20;
	char *buf = dumpid_calloc(bs, 1);
	uint64_t pos = len - left;
	while (pos < len) {
		size_t n = len - pos < bs ? (size_t)(len - pos) : bs;
		ssize_t r = dumpid_pread(in, buf, n, pos);
		if (r <= 0 || pwrite_full(out, buf, (size_t)r, pos) < 0) {
			free(buf);
			return -1;
		}
		pos += (uint64_t)r;
	}
	free(buf);
	return 0;
}

static int parse_size(const char *s, uint64_t fsize, uint64_t *out)
{
	char *end;
	int neg = s[0] == '-';
	errno = 0;
	uint64_t v = strtoull(s + neg, &end, 0);
	if (errno || end == s + neg)
		return 0;
	uint64_t mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; end++; break;
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return 0;
	v *= mul;
	if (neg) {
		if (v > fsize)
			return 0;
		v = fsize - v;
	}
	*out = v;
	return 1;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmcore-inject [options] VMCORE OPERATION...\n"
"\n"
"Patch a copy of an x86_64 ELF vmcore at kernel virtual addresses.\n"
"\n"
"  -o, --output FILE        write the patched copy to FILE (default: patch nothing,\n"
"                           only read / translate)\n"
"      --in-place           patch VMCORE itself\n"
"      --truncate SIZE      make the output SIZE bytes long (K/M/G suffixes; -N:\n"
"                           N bytes shorter than VMCORE)\n"
"      --page-offset ADDR   direct-map base (page_offset_base)\n"
"      --vmlinux FILE       resolve SYMBOL[+OFF] addresses and read page_offset_base\n"
"                           from the dump through FILE's symbols\n"
"      --method M           auto (text, direct map, else page walk; default),\n"
"                           walk (always walk the page tables), direct (no walk)\n"
"  -q, --quiet              do not print patched values\n"
"\n"
"operations (any number, applied in order; ADDR is hex (0x optional), pa:HEX\n"
"for a physical address, or SYMBOL[+OFF] with --vmlinux; VALUE is decimal or\n"
"0x-hex, may be negative):\n"
"      --write-u8|--write-u16|--write-u32|--write-u64 ADDR=VALUE\n"
"      --write-bytes ADDR=HEX   --set-bit ADDR:BIT   --clear-bit ADDR:BIT\n"
"                           (bit BIT of an unsigned long array at ADDR)\n"
"      --read-u32 ADDR  --read-u64 ADDR  --read-bytes ADDR:LEN\n"
"      --va-to-pa ADDR          print va= pa= method= [walk_pa=] file_offset=\n"
"\n"
"exit: 0 ok; 1 usage; 2 dump unreadable or not an x86_64 ELF core with\n"
"VMCOREINFO; 3 an address cannot be translated or is not in the dump; 4 output\n"
"error.  Nothing is written unless every address translates.\n");
}

int main(int argc, char **argv)
{
	enum { OPT_INPLACE = 256, OPT_TRUNC, OPT_POFF, OPT_VMLINUX, OPT_METHOD,
	       OPT_W8, OPT_W16, OPT_W32, OPT_W64, OPT_WB, OPT_SB, OPT_CB, OPT_R32, OPT_R64, OPT_RB, OPT_VTOP };
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "in-place", no_argument, NULL, OPT_INPLACE },
		{ "truncate", required_argument, NULL, OPT_TRUNC },
		{ "page-offset", required_argument, NULL, OPT_POFF },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "quiet", no_argument, NULL, 'q' },
		{ "write-u8", required_argument, NULL, OPT_W8 },
		{ "write-u16", required_argument, NULL, OPT_W16 },
		{ "write-u32", required_argument, NULL, OPT_W32 },
		{ "write-u64", required_argument, NULL, OPT_W64 },
		{ "write-bytes", required_argument, NULL, OPT_WB },
		{ "set-bit", required_argument, NULL, OPT_SB },
		{ "clear-bit", required_argument, NULL, OPT_CB },
		{ "read-u32", required_argument, NULL, OPT_R32 },
		{ "read-u64", required_argument, NULL, OPT_R64 },
		{ "read-bytes", required_argument, NULL, OPT_RB },
		{ "va-to-pa", required_argument, NULL, OPT_VTOP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *trunc = NULL, *poff = NULL, *vmlinux = NULL;
	int inplace = 0, c;
	dumpid_prog = prog;
	dumpid_oom_exit = EX_OUTPUT;
	struct op *ops = dumpid_calloc((size_t)argc, sizeof(*ops));
	int nops = 0;
	while ((c = getopt_long(argc, argv, "o:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return EX_OK;
		case OPT_INPLACE: inplace = 1; break;
		case OPT_TRUNC: trunc = optarg; break;
		case OPT_POFF: poff = optarg; break;
		case OPT_VMLINUX: vmlinux = optarg; break;
		case OPT_METHOD:
			if (strcmp(optarg, "auto") == 0) g_method = M_AUTO;
			else if (strcmp(optarg, "walk") == 0) g_method = M_WALK;
			else if (strcmp(optarg, "direct") == 0) g_method = M_DIRECT;
			else die(EX_USAGE, "--method: auto, walk or direct");
			break;
		case OPT_W8: parse_op(&ops[nops++], OP_W8, optarg); break;
		case OPT_W16: parse_op(&ops[nops++], OP_W16, optarg); break;
		case OPT_W32: parse_op(&ops[nops++], OP_W32, optarg); break;
		case OPT_W64: parse_op(&ops[nops++], OP_W64, optarg); break;
		case OPT_WB: parse_op(&ops[nops++], OP_WBYTES, optarg); break;
		case OPT_SB: parse_op(&ops[nops++], OP_SETBIT, optarg); break;
		case OPT_CB: parse_op(&ops[nops++], OP_CLRBIT, optarg); break;
		case OPT_R32: parse_op(&ops[nops++], OP_R32, optarg); break;
		case OPT_R64: parse_op(&ops[nops++], OP_R64, optarg); break;
		case OPT_RB: parse_op(&ops[nops++], OP_RBYTES, optarg); break;
		case OPT_VTOP: parse_op(&ops[nops++], OP_VTOP, optarg); break;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *path = argv[optind];
	int writes = 0;
	for (int i = 0; i < nops; i++)
		writes |= op_writes(&ops[i]);
	if (inplace && output)
		die(EX_USAGE, "--in-place and --output exclude each other");
	if ((writes || trunc) && !output && !inplace)
		die(EX_USAGE, "patching needs --output FILE (or --in-place)");
	if (!nops && !output && !trunc)
		die(EX_USAGE, "nothing to do");

	static struct dump d;
	open_dump(&d, path);
	g_dump = &d;
	static struct syms sy;
	if (vmlinux) {
		open_vmlinux(&sy, vmlinux);
		g_syms = &sy;
	}
	if (poff) {
		if (!parse_u64(strncmp(poff, "0x", 2) == 0 ? poff + 2 : poff, 16, &d.pob))
			die(EX_USAGE, "--page-offset: bad address '%s'", poff);
		d.have_pob = 1;
		snprintf(d.pob_src, sizeof(d.pob_src), "--page-offset");
	} else if (vmlinux) {
		uint64_t sv, pa, v;
		uint8_t b[8];
		if (sym_value(&sy, "page_offset_base", &sv)) {
			sv += d.have_kaslr ? d.kaslr : 0;
			if (text_pa(&d, sv, &pa) && dumpid_read_pa(&d.id, pa, b, 8) == 0 &&
			    (v = rdn(b, 8, d.id.big)) >= UINT64_C(0xff00000000000000)) {
				d.pob = v;
				d.have_pob = 1;
				snprintf(d.pob_src, sizeof(d.pob_src), "page_offset_base (vmlinux)");
			}
		} else {
			/* no CONFIG_DYNAMIC_MEMORY_LAYOUT: the fixed __PAGE_OFFSET */
			d.pob = d.l5 ? UINT64_C(0xff11000000000000) : UINT64_C(0xffff888000000000);
			d.have_pob = 1;
			snprintf(d.pob_src, sizeof(d.pob_src), "__PAGE_OFFSET (no page_offset_base)");
		}
	}
	if (!d.have_pob)
		if (!derive_pob(&d))
			pob_from_vaddr(&d);

	uint64_t outsize = d.id.fsize;
	if (trunc && !parse_size(trunc, d.id.fsize, &outsize))
		die(EX_USAGE, "--truncate: bad size '%s'", trunc);
	if (outsize > d.id.fsize)
		die(EX_USAGE, "--truncate: %" PRIu64 " is larger than the dump (%" PRIu64 " bytes)",
		    outsize, d.id.fsize);

	int any_vtop = 0;
	for (int i = 0; i < nops; i++) {
		prepare_op(&ops[i]);
		any_vtop |= ops[i].t == OP_VTOP;
		for (int k = 0; k < ops[i].nex; k++)
			if (ops[i].ex[k].off + ops[i].ex[k].len > outsize && op_writes(&ops[i]))
				die(EX_ADDR, "%s: file offset 0x%" PRIx64 " lies in the part cut by"
				    " --truncate", ops[i].arg, ops[i].ex[k].off);
	}
	if (any_vtop && !quiet)
		printf("page_offset_base=%s%" PRIx64 "%s%s%s\n", d.have_pob ? "0x" : "",
		       d.have_pob ? d.pob : 0, d.have_pob ? " (" : "unknown",
		       d.have_pob ? d.pob_src : "", d.have_pob ? ")" : "");

	int fd = d.id.fd, created = 0;
	if (output) {
		struct stat si, so;
		fstat(d.id.fd, &si);
		if (stat(output, &so) == 0 && so.st_dev == si.st_dev && so.st_ino == si.st_ino)
			die(EX_USAGE, "--output is the input itself (use --in-place)");
		fd = open(output, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, (si.st_mode & 0777) | 0600);
		if (fd < 0)
			die(EX_OUTPUT, "%s: cannot create: %s", output, strerror(errno));
		created = 1;
		if (copy_file(d.id.fd, fd, outsize) < 0 || ftruncate(fd, (off_t)outsize) < 0) {
			int e = errno;
			unlink(output);
			die(EX_OUTPUT, "%s: copy failed: %s", output, strerror(e));
		}
	} else if (inplace) {
		close(d.id.fd);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(EX_OUTPUT, "%s: cannot open for writing: %s", path, strerror(errno));
		d.id.fd = fd;
	}
	int rc = EX_OK;
	for (int i = 0; i < nops; i++) {
		int r = do_op(fd, &ops[i]);
		if (r && !rc)
			rc = r;
	}
	if (inplace && trunc && ftruncate(fd, (off_t)outsize) < 0)
		die(EX_OUTPUT, "%s: truncate failed: %s", path, strerror(errno));
	if (fd != d.id.fd && close(fd) < 0) {
		if (created)
			unlink(output);
		die(EX_OUTPUT, "%s: %s", output, strerror(errno));
	}
	if (output && trunc && !quiet)
		printf("truncated %s to %" PRIu64 " bytes (of %" PRIu64 ")\n", output, outsize, d.id.fsize);
	return rc;
}
