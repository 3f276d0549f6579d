/*
 * dread.c - the direct front end's dump reader (dread.h).
 *
 * libkdumpfile reads pages by physical address.  Its own virtual address
 * translation is not used: on QEMU's kdump files it fails ("No way to
 * translate", QEMU writes a wrong phys_base into the kdump sub header) and
 * it answers reads of address 0.  Translation here follows crash's
 * x86_64_kvtop(): an address outside the vmalloc-like areas is
 * direct-mapped (va - PAGE_OFFSET) or in the kernel image (va -
 * __START_KERNEL_map + phys_base, phys_base from VMCOREINFO), everything
 * else walks init_top_pgt.  libkdumpfile does not read makedumpfile's
 * flattened format: such a file is rebuilt into an unlinked temporary file
 * first (its records, indexed by tools/dumpid.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "dumpid.h"
#include "dread.h"
#include "mmcore.h"

#define PG_SHIFT	12
#define PG_SIZE		(1ULL << PG_SHIFT)
#define START_KERNEL_MAP	0xffffffff80000000ULL
#define MODULES_VADDR		0xffffffffc0000000ULL
#define PTE_PRESENT		0x1ULL
#define PTE_PSE			0x80ULL
#define PTE_ADDR		0x000ffffffffff000ULL
#define TLB_SLOTS		4096

struct tlb_ent {
	uint64_t vpn;		/* va >> 12, +1 (0 = empty) */
	uint64_t ppn;
};

struct dread {
	struct dumpid id;
	kdump_ctx_t *kd;
	int fd;			/* what libkdumpfile reads */
	int tmpfd;		/* rebuilt flattened file, -1 */
	char *vmci;
	uint64_t phys_base, kaslr, pgd_pa;
	int l5;
	uint64_t page_offset, vmalloc_start, vmalloc_end;
	uint64_t vmemmap_start, vmemmap_end, max_pfn;
	int map_set;
	struct tlb_ent tlb[TLB_SLOTS];
	/* NT_PRSTATUS notes: ip, flags, cs */
	uint64_t (*regs)[3];
	int nregs;
};

static void
seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* flattened -> a temporary kdump file                                 */
/* ------------------------------------------------------------------ */

static int
rebuild_flat(const struct dumpid *d, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], *buf;
	int fd;
	size_t i;

	snprintf(path, sizeof(path), "%s/mmaudit-flat-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		seterr(err, errlen, "cannot create a temporary file to rebuild "
		       "the flattened dump in %s: %s", path, strerror(errno));
		return -1;
	}
	unlink(path);
	buf = malloc(1 << 20);
	if (!buf) {
		close(fd);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	/* records in file order: a later record overwrites an earlier one,
	 * as makedumpfile -R does */
	for (i = 0; i < d->nrec; i++) {
		uint64_t done = 0, n;
		const struct dumpid_rec *rc = &d->rec[i];

		while (done < rc->size) {
			n = rc->size - done;
			if (n > (1 << 20))
				n = 1 << 20;
			if (dumpid_pread(d->fd, buf, n, rc->foff + done) !=
			    (ssize_t)n ||
			    pwrite(fd, buf, n, (off_t)(rc->off + done)) !=
			    (ssize_t)n) {
				seterr(err, errlen, "cannot rebuild the flattened "
				       "dump (record at 0x%" PRIx64 "): %s",
				       rc->foff, errno ? strerror(errno) :
				       "short read");
				free(buf);
				close(fd);
				return -1;
			}
			done += n;
		}
	}
	free(buf);
	return fd;
}

/* ------------------------------------------------------------------ */
/* notes                                                               */
/* ------------------------------------------------------------------ */

#define NT_PRSTATUS_TYPE 1
/* struct elf_prstatus (x86_64): pr_reg at 112, user_regs_struct words */
#define PRS_REG		112
#define UR_RIP		16
#define UR_CS		17
#define UR_EFLAGS	18

static void
parse_notes(struct dread *r, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t desc;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		desc = off + 12 + (((size_t)namesz + 3) & ~(size_t)3);
		if (desc > len || descsz > len - desc)
			break;
		if (type == NT_PRSTATUS_TYPE && namesz == 5 &&
		    !memcmp(p + off + 12, "CORE", 5) &&
		    descsz >= PRS_REG + 8 * (UR_EFLAGS + 1)) {
			void *n = realloc(r->regs, (size_t)(r->nregs + 1) *
					  sizeof(*r->regs));

			if (!n)
				return;
			r->regs = n;
			memcpy(&r->regs[r->nregs][0], p + desc + PRS_REG +
			       8 * UR_RIP, 8);
			memcpy(&r->regs[r->nregs][1], p + desc + PRS_REG +
			       8 * UR_EFLAGS, 8);
			memcpy(&r->regs[r->nregs][2], p + desc + PRS_REG +
			       8 * UR_CS, 8);
			r->nregs++;
		}
		off = desc + (((size_t)descsz + 3) & ~(size_t)3);
	}
}

static void
read_notes_at(struct dread *r, int fd, uint64_t off, uint64_t len)
{
	uint8_t *buf;

	if (!len || len > DUMPID_MAX_NOTE_BYTES)
		return;
	buf = malloc(len);
	if (!buf)
		return;
	if (dumpid_pread(fd, buf, len, off) == (ssize_t)len)
		parse_notes(r, buf, len);
	free(buf);
}

static void
load_notes(struct dread *r)
{
	uint8_t h[64];

	if (r->id.kind == DUMPID_ELF) {
		uint64_t phoff;
		uint16_t phentsize, phnum, i;

		if (dumpid_pread(r->fd, h, 64, 0) != 64)
			return;
		memcpy(&phoff, h + 32, 8);
		memcpy(&phentsize, h + 54, 2);
		memcpy(&phnum, h + 56, 2);
		if (phentsize < 56)
			return;
		for (i = 0; i < phnum; i++) {
			uint8_t ph[56];
			uint32_t type;
			uint64_t o, fsz;

			if (dumpid_pread(r->fd, ph, 56, phoff +
					 (uint64_t)i * phentsize) != 56)
				return;
			memcpy(&type, ph, 4);
			memcpy(&o, ph + 8, 8);
			memcpy(&fsz, ph + 32, 8);
			if (type == 4)	/* PT_NOTE */
				read_notes_at(r, r->fd, o, fsz);
		}
	} else {
		/* kdump: the sub header (one block in) has the notes */
		uint8_t dh[464], sh[64];
		int32_t bs, ver;
		uint64_t o, l;

		if (dumpid_pread(r->fd, dh, sizeof(dh), 0) != sizeof(dh))
			return;
		memcpy(&ver, dh + 8, 4);
		memcpy(&bs, dh + 428, 4);
		if (ver < 4 || bs <= 0 || dumpid_pread(r->fd, sh, 64, (uint64_t)bs)
		    != 64)
			return;
		memcpy(&o, sh + 48, 8);
		memcpy(&l, sh + 56, 8);
		read_notes_at(r, r->fd, o, l);
	}
}

/* ------------------------------------------------------------------ */
/* open                                                                */
/* ------------------------------------------------------------------ */

static int
vmci_u64(struct dread *r, const char *key, int base, uint64_t *v)
{
	char buf[64], *end;

	if (dread_vmci(r, key, buf, sizeof(buf)))
		return -1;
	errno = 0;
	if (base == 10 && buf[0] == '-')
		*v = (uint64_t)strtoll(buf, &end, 10);
	else
		*v = strtoull(buf, &end, base);
	return errno || end == buf ? -1 : 0;
}

struct dread *
dread_open(const char *path, char *err, size_t errlen)
{
	struct dread *r = calloc(1, sizeof(*r));
	kdump_status s;
	uint64_t v;
	char mach[64];

	if (!r) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	r->tmpfd = -1;
	dumpid_prog = "mmaudit";
	if (dumpid_open(&r->id, path) || dumpid_identify(&r->id)) {
		seterr(err, errlen, "%s: %s", path, dumpid_err);
		goto fail;
	}
	if (strcmp(r->id.machine, "x86_64") &&
	    !(dread_vmci(r, "MACHINE", mach, sizeof(mach)) == 0 &&
	      !strcmp(mach, "x86_64"))) {
		seterr(err, errlen, "%s: unsupported architecture %s (the direct "
		       "reader knows x86_64; use crash)", path, r->id.machine);
		goto fail;
	}
	r->vmci = r->id.vmci;
	r->fd = r->id.fd;
	if (r->id.kind == DUMPID_FLAT) {
		r->tmpfd = rebuild_flat(&r->id, err, errlen);
		if (r->tmpfd < 0)
			goto fail;
		r->fd = r->tmpfd;
	}
	r->kd = kdump_new();
	if (!r->kd) {
		seterr(err, errlen, "out of memory (libkdumpfile)");
		goto fail;
	}
	s = kdump_open_fd(r->kd, r->fd);
	if (s != KDUMP_OK) {
		seterr(err, errlen, "%s: libkdumpfile: %s", path,
		       kdump_get_err(r->kd));
		goto fail;
	}
	/* without an OS type its physical reads fail too ("Cannot
	 * determine 5-level paging") */
	if (kdump_set_string_attr(r->kd, KDUMP_ATTR_OSTYPE, "linux") !=
	    KDUMP_OK) {
		seterr(err, errlen, "%s: libkdumpfile: %s", path,
		       kdump_get_err(r->kd));
		goto fail;
	}
	if (vmci_u64(r, "NUMBER(phys_base)", 10, &r->phys_base)) {
		seterr(err, errlen, "%s: VMCOREINFO has no NUMBER(phys_base)",
		       path);
		goto fail;
	}
	if (vmci_u64(r, "KERNELOFFSET", 16, &r->kaslr))
		r->kaslr = 0;
	if (vmci_u64(r, "SYMBOL(init_top_pgt)", 16, &v) &&
	    vmci_u64(r, "SYMBOL(swapper_pg_dir)", 16, &v)) {
		seterr(err, errlen, "%s: VMCOREINFO has no SYMBOL(init_top_pgt)",
		       path);
		goto fail;
	}
	r->pgd_pa = v - START_KERNEL_MAP + r->phys_base;
	r->l5 = !vmci_u64(r, "NUMBER(pgtable_l5_enabled)", 10, &v) && v;
	/* the defaults of a 4-level kernel without KASLR of the memory map */
	dread_set_map(r, 0, 0, 0, 0);
	r->map_set = 0;
	load_notes(r);
	return r;
fail:
	dread_close(r);
	return NULL;
}

void
dread_close(struct dread *r)
{
	if (!r)
		return;
	if (r->kd)
		kdump_free(r->kd);
	if (r->tmpfd >= 0)
		close(r->tmpfd);
	dumpid_close(&r->id);
	free(r->regs);
	free(r);
}

const char *
dread_vmcoreinfo(const struct dread *r)
{
	return r->id.vmci ? r->id.vmci : "";
}

int
dread_vmci(const struct dread *r, const char *key, char *buf, size_t len)
{
	const char *p = r->id.vmci;
	size_t kl = strlen(key), n;

	while (p && *p) {
		const char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			n = (size_t)(e - p) - kl - 1;
			if (n >= len)
				n = len - 1;
			memcpy(buf, p + kl + 1, n);
			buf[n] = '\0';
			return 0;
		}
		p = *e ? e + 1 : e;
	}
	return -1;
}

const char *
dread_format(const struct dread *r)
{
	return r->id.format;
}

const char *
dread_truncated(const struct dread *r)
{
	return r->id.truncated;
}

uint64_t
dread_kaslr_offset(const struct dread *r)
{
	return r->kaslr;
}

void
dread_set_map(struct dread *r, uint64_t page_offset, uint64_t vmalloc,
	      uint64_t vmemmap, uint64_t max_pfn)
{
	r->page_offset = page_offset ? page_offset :
			 r->l5 ? 0xff11000000000000ULL : 0xffff888000000000ULL;
	r->vmalloc_start = vmalloc ? vmalloc :
			   r->l5 ? 0xffa0000000000000ULL : 0xffffc90000000000ULL;
	/* VMALLOC_SIZE_TB: 12800 (5-level), 32 (4-level) */
	r->vmalloc_end = r->vmalloc_start + ((r->l5 ? 12800ULL : 32ULL) << 40)
			 - 1;
	r->vmemmap_start = vmemmap ? vmemmap :
			   r->l5 ? 0xffd4000000000000ULL : 0xffffea0000000000ULL;
	r->vmemmap_end = r->vmemmap_start + ((r->l5 ? 512ULL : 1ULL) << 40) - 1;
	r->max_pfn = max_pfn;
	r->map_set = 1;
	memset(r->tlb, 0, sizeof(r->tlb));
}

int
dread_is_kvaddr(const struct dread *r, uint64_t va)
{
	return va >= r->page_offset;
}

/* ------------------------------------------------------------------ */
/* translation                                                         */
/* ------------------------------------------------------------------ */

/* read physical memory; KDUMP_OK or libkdumpfile's status */
static kdump_status
read_pa(struct dread *r, uint64_t pa, void *buf, size_t len)
{
	size_t n = len;
	kdump_status s;
	uint64_t off, left;

	/*
	 * An ELF dump cut short: the program headers still promise the
	 * missing pages, and what the reader answers for them is not the
	 * kernel's memory.  Data past the end of the file is not in the dump
	 * (excluded), as crash says "read error" there.
	 */
	if (r->id.kind == DUMPID_ELF && r->id.truncated[0] &&
	    dumpid_pa_to_off(&r->id, pa, len, &off, &left) < 0)
		return KDUMP_ERR_NODATA;
	s = kdump_read(r->kd, KDUMP_MACHPHYSADDR, pa, buf, &n);

	if (s == KDUMP_OK && n != len)
		s = KDUMP_ERR_NODATA;
	return s;
}

static int
vmalloc_like(const struct dread *r, uint64_t va)
{
	return (va >= r->vmalloc_start && va <= r->vmalloc_end) ||
	       (va >= r->vmemmap_start && va <= r->vmemmap_end) ||
	       (va >= MODULES_VADDR && va < 0xffffffffff000000ULL) ||
	       (va >= 0xffffffffff600000ULL && va < 0xffffffffff601000ULL) ||
	       /* cpu_entry_area: CPU_ENTRY_AREA_BASE, 512 GiB (4-level) */
	       (va >= 0xfffffe0000000000ULL && va < 0xfffffe8000000000ULL);
}

static int
walk(struct dread *r, uint64_t va, uint64_t *pa)
{
	static const int shifts4[] = { 39, 30, 21, 12 };
	static const int shifts5[] = { 48, 39, 30, 21, 12 };
	const int *sh = r->l5 ? shifts5 : shifts4;
	int n = r->l5 ? 5 : 4, i;
	uint64_t table = r->pgd_pa, e = 0;
	struct tlb_ent *t = &r->tlb[(va >> PG_SHIFT) % TLB_SLOTS];

	if (t->vpn == (va >> PG_SHIFT) + 1) {
		*pa = (t->ppn << PG_SHIFT) | (va & (PG_SIZE - 1));
		return 0;
	}
	for (i = 0; i < n; i++) {
		uint64_t idx = (va >> sh[i]) & 511;

		if (read_pa(r, table + idx * 8, &e, 8) != KDUMP_OK)
			return -1;
		if (!(e & PTE_PRESENT))
			return -1;
		/* 1 GiB (pud) or 2 MiB (pmd) page */
		if ((e & PTE_PSE) && (sh[i] == 30 || sh[i] == 21)) {
			uint64_t mask = (1ULL << sh[i]) - 1;

			*pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
			goto done;
		}
		table = e & PTE_ADDR;
	}
	*pa = (e & PTE_ADDR) | (va & (PG_SIZE - 1));
done:
	t->vpn = (va >> PG_SHIFT) + 1;
	t->ppn = *pa >> PG_SHIFT;
	return 0;
}

/* crash's x86_64_kvtop(): 0 ok, -1 no translation */
static int
kvtop(struct dread *r, uint64_t va, uint64_t *pa)
{
	if (va < r->page_offset)
		return -1;
	if (va >= START_KERNEL_MAP && va < MODULES_VADDR) {
		*pa = va - START_KERNEL_MAP + r->phys_base;
		return 0;
	}
	if (r->map_set && !vmalloc_like(r, va)) {
		*pa = va - r->page_offset;
		return 0;
	}
	return walk(r, va, pa);
}

int
dread_vtop(struct dread *r, uint64_t va, uint64_t *pa)
{
	return kvtop(r, va, pa);
}

int
dread_read(void *rctx, uint64_t va, void *buf, size_t len)
{
	struct dread *r = rctx;
	uint64_t pa;
	size_t n;

	while (len) {
		n = PG_SIZE - (va & (PG_SIZE - 1));
		if (n > len)
			n = len;
		if (kvtop(r, va, &pa) || read_pa(r, pa, buf, n) != KDUMP_OK)
			return -1;
		va += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

int
dread_addr_state(struct dread *r, uint64_t va)
{
	uint64_t pa;
	uint8_t b;
	kdump_status s;

	if (!dread_is_kvaddr(r, va) || kvtop(r, va, &pa))
		return MMA_ADDR_UNMAPPED;
	if (r->max_pfn && (pa >> PG_SHIFT) >= r->max_pfn)
		return MMA_ADDR_UNMAPPED;
	s = read_pa(r, pa, &b, 1);
	if (s == KDUMP_OK)
		return MMA_ADDR_PRESENT;
	if (s == KDUMP_ERR_NODATA || r->id.kind == DUMPID_ELF)
		return MMA_ADDR_EXCLUDED;
	return MMA_ADDR_UNKNOWN;
}

int
dread_prstatus(struct dread *r, int n, uint64_t *ip, uint64_t *flags,
	       uint64_t *cs)
{
	if (n < 0 || n >= r->nregs)
		return -1;
	*ip = r->regs[n][0];
	*flags = r->regs[n][1];
	*cs = r->regs[n][2];
	return 0;
}

int
dread_nprstatus(struct dread *r)
{
	return r->nregs;
}
