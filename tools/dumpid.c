/*
 * dumpid.c - open a Linux vmcore, tell its format, find its VMCOREINFO.
 *
 * Formats:
 *   elf         ELF cores (/proc/vmcore copies, QEMU dump-guest-memory,
 *               virsh dump --memory-only, makedumpfile -E): read with libelf;
 *               VMCOREINFO is an ELF note in a PT_NOTE segment, found with
 *               libelf's note iteration (gelf_getnote); every PT_NOTE is
 *               searched, and notes wrapped inside other notes are found by a
 *               bounded scan
 *   kdump       kdump-compressed ("KDUMP   ", makedumpfile -c/-l/-p/-z, QEMU
 *               kdump-*): disk_dump_header + kdump_sub_header, VMCOREINFO at
 *               offset_vmcoreinfo/size_vmcoreinfo (header_version >= 3), else
 *               a VMCOREINFO note among offset_note/size_note (version >= 4)
 *   kdump-flat  makedumpfile's flattened format ("makedumpfile" signature,
 *               then (offset,size) data records that rebuild the kdump file)
 *
 * Why our own kdump reader and not libkdumpfile: the libkdumpfile of Debian
 * bookworm (0.5.1) cannot open the flattened format ("Unknown file format"),
 * which is what QEMU's kdump-* dumps and makedumpfile -F write, so the kdump
 * header has to be read here anyway; one reader for both the standard and the
 * flattened file keeps their output identical (`makedumpfile -R` of a
 * flattened file must identify the same).  libkdumpfile also does not expose
 * what vmcore-id reports: header_version, block_size, compression, the sub
 * header's own phys_base (libkdumpfile's linux.phys_base is the VMCOREINFO
 * value), the page bitmap and descriptors behind the truncation check, nor
 * the file offsets of ELF PT_LOADs that vmcore-inject patches.  The tests use
 * libkdumpfile as an independent reader of the same dumps instead
 * (tests/tools/kdfread.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "dumpid.h"

#define MAX_FLAT_RECS		(4u << 20)	/* records indexed (96 MiB) */
#define MAX_BITMAP_BYTES	(256u << 20)	/* kdump bitmap read for the size check */
#define MAX_DESC_SCAN		(256u << 20)	/* kdump page descriptors read for it */
#define FLAT_HDR_SIZE		4096		/* MAX_SIZE_MDF_HEADER */
#define FLAT_REC_HDR		16		/* big-endian int64 offset, int64 size */

/* struct disk_dump_header (64-bit layout): field offsets */
#define DH_SIZE			464
#define DH_VERSION		8
#define DH_UTSNAME		12		/* struct new_utsname: 6 x 65 bytes */
#define DH_UTS_FIELD		65
#define DH_UTS_MACHINE		4		/* sysname nodename release version machine */
#define DH_STATUS		424
#define DH_BLOCK_SIZE		428
#define DH_SUB_HDR_SIZE		432
#define DH_BITMAP_BLOCKS	436
#define DH_MAX_MAPNR		440

/* disk_dump_header.status */
#define DUMP_DH_COMPRESSED_ZLIB		0x1
#define DUMP_DH_COMPRESSED_LZO		0x2
#define DUMP_DH_COMPRESSED_SNAPPY	0x4
#define DUMP_DH_COMPRESSED_INCOMPLETE	0x8
#define DUMP_DH_COMPRESSED_ZSTD		0x20

/* struct kdump_sub_header: field offsets, and its size per header_version */
#define SH_SIZE			104		/* version 6 */
#define SH_PHYS_BASE		0
#define SH_SPLIT		12
#define SH_OFF_VMCOREINFO	32		/* version >= 3 */
#define SH_SIZE_VMCOREINFO	40
#define SH_OFF_NOTE		48		/* version >= 4 */
#define SH_SIZE_NOTE		56
#define SH_MAX_MAPNR_64		96		/* version >= 6 */

#define PAGE_DESC_SIZE		24		/* struct page_desc */
#define PD_OFFSET		0
#define PD_SIZE			8

#define NOT_A_DUMP		"not an ELF core or kdump file"

const char *dumpid_prog = "dumpid";
int dumpid_oom_exit = 2;
char dumpid_err[1024];

/* ----------------------------------------------------------------- helpers */

void dumpid_seterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dumpid_err, sizeof(dumpid_err), fmt, ap);
	va_end(ap);
}

void *dumpid_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", dumpid_prog);
		exit(dumpid_oom_exit);
	}
	return p;
}

uint32_t dumpid_rd32(const uint8_t *p, int big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

uint64_t dumpid_rd64(const uint8_t *p, int big)
{
	uint64_t hi = dumpid_rd32(p, big), lo = dumpid_rd32(p + 4, big);

	return big ? (hi << 32 | lo) : (lo << 32 | hi);
}

/**
 * dumpid_pread - pread that retries short reads and EINTR
 *
 * Returns the bytes read (short: end of file) or -1.
 */
ssize_t dumpid_pread(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		if (off + done > (uint64_t)INT64_MAX)
			break;
		ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

void dumpid_add_extra(struct dumpid *d, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (d->nextra >= DUMPID_MAX_EXTRA)
		return;
	snprintf(d->extra[d->nextra][0], sizeof(d->extra[0][0]), "%s", key);
	va_start(ap, fmt);
	vsnprintf(d->extra[d->nextra][1], sizeof(d->extra[0][1]), fmt, ap);
	va_end(ap);
	d->nextra++;
}

/* ------------------------------------------- the (rebuilt) file as a source */

static int cmp_u64pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * Read len bytes at offset off of the kdump file (for a flattened file: of
 * the file its records rebuild).  0 when fully available, else -1.
 */
static int read_at(struct dumpid *d, uint64_t off, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (off > d->vsize || len > d->vsize - off) {
		dumpid_seterr("truncated: need bytes 0x%" PRIx64 "-0x%" PRIx64
			      " but the %sfile ends at 0x%" PRIx64,
			      off, off + (uint64_t)len, d->kind == DUMPID_FLAT ? "rebuilt " : "",
			      d->vsize);
		return -1;
	}
	if (d->kind != DUMPID_FLAT) {
		ssize_t r = dumpid_pread(d->fd, buf, len, off);
		if (r < 0) {
			dumpid_seterr("read error at 0x%" PRIx64 ": %s", off, strerror(errno));
			return -1;
		}
		if ((size_t)r < len) {
			dumpid_seterr("truncated: file ends at 0x%" PRIx64 " inside bytes 0x%"
				      PRIx64 "-0x%" PRIx64, off + (uint64_t)r, off,
				      off + (uint64_t)len);
			return -1;
		}
		return 0;
	}
	/* flattened: apply overlapping records in file order (last one wins,
	 * as makedumpfile -R does), then check the union covers the range */
	memset(buf, 0, len);
	uint64_t end = off + len;
	size_t ncov = 0, capcov = 16;
	uint64_t *cov = dumpid_calloc(capcov, 2 * sizeof(uint64_t));
	for (size_t i = 0; i < d->nrec; i++) {
		const struct dumpid_rec *r = &d->rec[i];
		uint64_t rs = r->off, re = r->off + r->size;
		if (re <= off || rs >= end)
			continue;
		uint64_t a = rs > off ? rs : off, b = re < end ? re : end;
		ssize_t got = dumpid_pread(d->fd, (char *)buf + (a - off), b - a,
					   r->foff + (a - rs));
		if (got < 0 || (uint64_t)got != b - a) {
			free(cov);
			dumpid_seterr("truncated: flattened record data at file offset 0x%"
				      PRIx64 " cut short", r->foff);
			return -1;
		}
		if (ncov == capcov) {
			capcov *= 2;
			uint64_t *n = realloc(cov, capcov * 2 * sizeof(uint64_t));
			if (!n) {
				free(cov);
				dumpid_seterr("out of memory");
				return -1;
			}
			cov = n;
		}
		cov[2 * ncov] = a;
		cov[2 * ncov + 1] = b;
		ncov++;
	}
	qsort(cov, ncov, 2 * sizeof(uint64_t), cmp_u64pair);
	uint64_t reach = off;
	for (size_t i = 0; i < ncov && reach < end; i++) {
		if (cov[2 * i] > reach)
			break;
		if (cov[2 * i + 1] > reach)
			reach = cov[2 * i + 1];
	}
	free(cov);
	if (reach < end) {
		dumpid_seterr("%s: flattened records do not cover bytes 0x%" PRIx64 "-0x%"
			      PRIx64 " of the rebuilt file%s",
			      d->rec_capped ? "unsupported" : "truncated", reach, end,
			      d->rec_capped ? " (record index limit reached)" : "");
		return -1;
	}
	return 0;
}

/*
 * Walk the flattened file's record headers (big-endian int64 offset, size)
 * from FLAT_HDR_SIZE until the end marker (-1,-1).  Bounded: every record
 * advances the position by >= FLAT_REC_HDR bytes within the file.
 */
static int flat_index(struct dumpid *d)
{
	uint8_t h[32];

	if (dumpid_pread(d->fd, h, 32, 0) != 32) {
		dumpid_seterr("truncated: flattened header shorter than 32 bytes");
		return -1;
	}
	int64_t type = (int64_t)dumpid_rd64(h + 16, 1);
	if (type != 1) {
		dumpid_seterr(NOT_A_DUMP " (flattened header type %" PRId64 ", expected 1)",
			      type);
		return -1;
	}
	uint64_t pos = FLAT_HDR_SIZE;
	size_t cap = 0;
	d->vsize = 0;
	d->flat_why[0] = 0;
	if (d->fsize < pos)
		snprintf(d->flat_why, sizeof(d->flat_why),
			 "file (%" PRIu64 " bytes) ends inside the 4096-byte flattened header",
			 d->fsize);
	while (!d->flat_why[0]) {
		if (pos == d->fsize) {
			snprintf(d->flat_why, sizeof(d->flat_why),
				 "no end record: file ends after %zu records at 0x%" PRIx64,
				 d->nrec, pos);
			break;
		}
		if (d->fsize - pos < FLAT_REC_HDR) {
			snprintf(d->flat_why, sizeof(d->flat_why),
				 "file ends inside a record header at 0x%" PRIx64, pos);
			break;
		}
		uint8_t rh[FLAT_REC_HDR];
		if (dumpid_pread(d->fd, rh, FLAT_REC_HDR, pos) != FLAT_REC_HDR) {
			snprintf(d->flat_why, sizeof(d->flat_why),
				 "read error in record header at 0x%" PRIx64, pos);
			break;
		}
		int64_t off = (int64_t)dumpid_rd64(rh, 1), size = (int64_t)dumpid_rd64(rh + 8, 1);
		if (off == -1 && size == -1) {
			d->flat_end = 1;
			break;
		}
		if (off < 0 || size < 0 || (uint64_t)off > (UINT64_C(1) << 62) ||
		    (uint64_t)size > (UINT64_C(1) << 40)) {
			snprintf(d->flat_why, sizeof(d->flat_why),
				 "corrupt record header at 0x%" PRIx64 " (offset %" PRId64
				 ", size %" PRId64 ")", pos, off, size);
			break;
		}
		if ((uint64_t)size > d->fsize - pos - FLAT_REC_HDR) {
			snprintf(d->flat_why, sizeof(d->flat_why),
				 "record at 0x%" PRIx64 " needs %" PRId64 " bytes, file has %"
				 PRIu64, pos, size, d->fsize - pos - FLAT_REC_HDR);
			break;
		}
		if (size > 0) {
			if ((uint64_t)off + (uint64_t)size > d->vsize)
				d->vsize = (uint64_t)off + (uint64_t)size;
			if (d->nrec >= MAX_FLAT_RECS) {
				d->rec_capped = 1;
			} else {
				if (d->nrec == cap) {
					size_t ncap = cap ? cap * 2 : 1024;
					struct dumpid_rec *n = realloc(d->rec, ncap * sizeof(*n));
					if (!n) {
						dumpid_seterr("out of memory indexing flattened records");
						return -1;
					}
					d->rec = n;
					cap = ncap;
				}
				d->rec[d->nrec].off = (uint64_t)off;
				d->rec[d->nrec].size = (uint64_t)size;
				d->rec[d->nrec].foff = pos + FLAT_REC_HDR;
				d->nrec++;
			}
		}
		pos += FLAT_REC_HDR + (uint64_t)size;
	}
	return 0;
}

/* -------------------------------------------------------------- VMCOREINFO */

static void set_vmci(struct dumpid *d, const uint8_t *p, size_t len, const char *how)
{
	while (len > 0 && p[len - 1] == 0)
		len--;
	d->vmci = dumpid_calloc(len + 1, 1);
	memcpy(d->vmci, p, len);
	/* embedded NULs would hide the rest from the line parser */
	for (size_t i = 0; i < len; i++)
		if (d->vmci[i] == 0)
			d->vmci[i] = '\n';
	d->vmci_len = len;
	d->vmci_how = how;
}

/**
 * dumpid_vmci_get - the value of VMCOREINFO key KEY (its first line)
 *
 * Returns a malloc'd string (trailing blanks and CR removed), or NULL.
 */
char *dumpid_vmci_get(const struct dumpid *d, const char *key)
{
	size_t kl = strlen(key);
	const char *p = d->vmci, *end = d->vmci + d->vmci_len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t vl = (size_t)(le - v);
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			char *r = dumpid_calloc(vl + 1, 1);
			memcpy(r, v, vl);
			return r;
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

/**
 * dumpid_vmci_num - a VMCOREINFO number
 * @base: 10 (NUMBER(...), may be negative) or 16 (SYMBOL(...), KERNELOFFSET)
 *
 * Returns 1 with *v set when KEY is present and a whole number, else 0.
 */
int dumpid_vmci_num(const struct dumpid *d, const char *key, int base, uint64_t *v)
{
	char *s = dumpid_vmci_get(d, key), *end;
	int ok;

	if (!s)
		return 0;
	errno = 0;
	if (base == 10 && s[0] == '-')
		*v = (uint64_t)strtoll(s, &end, 10);
	else
		*v = strtoull(s, &end, base);
	ok = !errno && end != s && *end == 0;
	free(s);
	return ok;
}

/* ------------------------------------------------------------- ELF notes */

/* a note name, with or without its NUL (some writers omit it) */
static int name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t wl = strlen(want);

	if (namesz == wl + 1)
		return memcmp(name, want, wl + 1) == 0;
	if (namesz == wl)
		return memcmp(name, want, wl) == 0;
	return 0;
}

/* does a VMCOREINFO text look like one? */
static int looks_like_vmcoreinfo(const uint8_t *p, size_t len)
{
	static const char *const keys[] = { "OSRELEASE=", "PAGESIZE=", "SYMBOL(", "SIZE(", NULL };

	for (int i = 0; keys[i]; i++)
		if (len >= strlen(keys[i]) && memmem(p, len, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

struct found {
	const uint8_t *p;
	size_t len;
	const char *how;	/* note | note-align8 | nested | desc-scan */
};

/*
 * The first note of d (libelf's note iteration) named VMCOREINFO, or with
 * by_text, the first whose descriptor starts like VMCOREINFO text.
 */
static int note_walk(Elf_Data *d, int by_text, struct found *f)
{
	size_t off = 0, next, noff, doff;
	GElf_Nhdr nh;

	if (!d || !d->d_buf)
		return 0;
	while ((next = gelf_getnote(d, off, &nh, &noff, &doff)) != 0) {
		const uint8_t *name = (const uint8_t *)d->d_buf + noff;
		const uint8_t *desc = (const uint8_t *)d->d_buf + doff;
		off = next;
		if (by_text ? nh.n_descsz >= 10 && memcmp(desc, "OSRELEASE=", 10) == 0
			    : name_is(name, nh.n_namesz, "VMCOREINFO") && nh.n_descsz > 0) {
			f->p = desc;
			f->len = nh.n_descsz;
			return 1;
		}
	}
	return 0;
}

/* bounded scan of raw note bytes: "VMCOREINFO\0" behind a plausible note header */
static int nested_scan(const uint8_t *buf, size_t len, int big, struct found *f)
{
	for (size_t i = 12; i + 11 <= len; i++) {
		if (buf[i] != 'V' || memcmp(buf + i, "VMCOREINFO", 11) != 0)
			continue;
		uint32_t namesz = dumpid_rd32(buf + i - 12, big);
		uint32_t descsz = dumpid_rd32(buf + i - 8, big);
		if (namesz != 11)
			continue;
		size_t desc = i + 12;	/* the name, 4-byte aligned */
		if (desc > len || descsz == 0 || descsz > len - desc)
			continue;
		if (!looks_like_vmcoreinfo(buf + desc, descsz))
			continue;
		f->p = buf + desc;
		f->len = descsz;
		f->how = "nested";
		return 1;
	}
	return 0;
}

/*
 * Find VMCOREINFO among the notes at [off, off+len) of an ELF file and keep
 * a copy: a note named "VMCOREINFO" (4-byte notes, then 8-byte ones); else a
 * VMCOREINFO note header anywhere in the bytes (a guest note wrapped in
 * another note, or notes after garbage); else a note whose descriptor is
 * VMCOREINFO text.  how, when not NULL, names the source instead.
 */
static int notes_vmcoreinfo(struct dumpid *d, Elf *e, uint64_t off, size_t len,
			    const char *how)
{
	static const Elf_Type types[2] = { ELF_T_NHDR, ELF_T_NHDR8 };
	static const char *const names[2] = { "note", "note-align8" };
	Elf_Data *nd[2];
	struct found f;

	for (int a = 0; a < 2; a++) {
		nd[a] = elf_getdata_rawchunk(e, (int64_t)off, len, types[a]);
		if (note_walk(nd[a], 0, &f)) {
			set_vmci(d, f.p, f.len, how ? how : names[a]);
			return 1;
		}
	}
	Elf_Data *raw = elf_getdata_rawchunk(e, (int64_t)off, len, ELF_T_BYTE);
	if (raw && raw->d_buf && nested_scan(raw->d_buf, raw->d_size, d->big, &f)) {
		set_vmci(d, f.p, f.len, how ? how : f.how);
		return 1;
	}
	for (int a = 0; a < 2; a++)
		if (note_walk(nd[a], 1, &f)) {
			set_vmci(d, f.p, f.len, how ? how : "desc-scan");
			return 1;
		}
	return 0;
}

/*
 * The same search in notes that are not in an ELF file (the kdump header's
 * offset_note): behind a bare ELF header in memory, libelf reads them too.
 */
static int buffer_notes_vmcoreinfo(struct dumpid *d, const uint8_t *notes, size_t len,
				   const char *how)
{
	size_t hl = sizeof(Elf64_Ehdr);
	uint8_t *img = dumpid_calloc(hl + len, 1);
	int got = 0;

	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = ELFCLASS64;
	img[EI_DATA] = d->big ? ELFDATA2MSB : ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	memcpy(img + hl, notes, len);
	Elf *e = elf_memory((char *)img, hl + len);
	if (e) {
		got = notes_vmcoreinfo(d, e, hl, len, how);
		elf_end(e);
	}
	free(img);
	return got;
}

/* ------------------------------------------------------------------- ELF */

static const char *em_name(unsigned int em, char *buf, size_t bl)
{
	switch (em) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390x";
#ifdef EM_RISCV
	case EM_RISCV: return "riscv64";
#endif
	default:
		snprintf(buf, bl, "em-%u", em);
		return buf;
	}
}

static int id_elf_phdrs(struct dumpid *d, Elf *e, const GElf_Ehdr *eh)
{
	if (eh->e_phnum != PN_XNUM && eh->e_phnum &&
	    (eh->e_phoff >= d->fsize ||
	     (uint64_t)eh->e_phnum * eh->e_phentsize > d->fsize - eh->e_phoff)) {
		dumpid_seterr("truncated: %u program headers at 0x%" PRIx64 " end beyond the"
			      " file (%" PRIu64 " bytes)", eh->e_phnum, (uint64_t)eh->e_phoff,
			      d->fsize);
		return -1;
	}
	size_t phnum = 0;
	if (elf_getphdrnum(e, &phnum) != 0 || phnum == 0) {
		dumpid_seterr("no VMCOREINFO: no program headers (%s)", elf_errmsg(-1));
		return -1;
	}
	uint64_t phend = eh->e_phoff + (uint64_t)phnum * (eh->e_phentsize ? eh->e_phentsize : 1);
	if (eh->e_phoff >= d->fsize || phend > d->fsize || phend < eh->e_phoff) {
		dumpid_seterr("truncated: %zu program headers at 0x%" PRIx64 " end beyond the"
			      " file (%" PRIu64 " bytes)", phnum, (uint64_t)eh->e_phoff, d->fsize);
		return -1;
	}
	uint64_t need_end = 0;
	int nload = 0, nnote = 0, got = 0;
	char trunc_note[256] = "";
	d->seg = dumpid_calloc(phnum, sizeof(*d->seg));
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			dumpid_seterr("truncated: program header %zu unreadable (%s)", i,
				      elf_errmsg(-1));
			return -1;
		}
		uint64_t pend = ph.p_offset + ph.p_filesz;
		if (pend < ph.p_offset)
			pend = UINT64_MAX;	/* overflow: never satisfiable */
		if (ph.p_type == PT_LOAD) {
			struct dumpid_seg *s = &d->seg[d->nseg++];
			s->paddr = ph.p_paddr;
			s->vaddr = ph.p_vaddr;
			s->filesz = ph.p_filesz;
			s->memsz = ph.p_memsz > ph.p_filesz ? ph.p_memsz : ph.p_filesz;
			s->off = ph.p_offset;
			if (d->seg_bad < 0 && (s->paddr + s->memsz < s->paddr ||
					       s->off + s->filesz < s->off))
				d->seg_bad = (long)i;
			nload++;
			if (pend > need_end)
				need_end = pend;
		}
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
			continue;
		nnote++;
		if (pend > need_end)
			need_end = pend;
		if (got)
			continue;
		if (ph.p_offset >= d->fsize) {
			snprintf(trunc_note, sizeof(trunc_note),
				 "PT_NOTE at 0x%" PRIx64 " lies beyond the end of the file (%"
				 PRIu64 " bytes)", (uint64_t)ph.p_offset, d->fsize);
			continue;
		}
		uint64_t len = ph.p_filesz;
		if (len > d->fsize - ph.p_offset) {
			snprintf(trunc_note, sizeof(trunc_note),
				 "PT_NOTE 0x%" PRIx64 "+0x%" PRIx64 " is cut by the end of the file"
				 " (%" PRIu64 " bytes)", (uint64_t)ph.p_offset, len, d->fsize);
			len = d->fsize - ph.p_offset;
		}
		if (len > DUMPID_MAX_NOTE_BYTES)
			len = DUMPID_MAX_NOTE_BYTES;
		got = notes_vmcoreinfo(d, e, ph.p_offset, (size_t)len, NULL);
	}
	dumpid_add_extra(d, "elf_segments", "%d PT_LOAD, %d PT_NOTE", nload, nnote);
	if (need_end > d->fsize) {
		snprintf(d->truncated, sizeof(d->truncated),
			 "file has %" PRIu64 " bytes, its program headers need %" PRIu64,
			 d->fsize, need_end);
		d->size_expected = need_end;
		d->size_actual = d->fsize;
	}
	if (!got) {
		if (trunc_note[0])
			dumpid_seterr("truncated: %s", trunc_note);
		else if (!nnote)
			dumpid_seterr("no VMCOREINFO: the ELF core has no PT_NOTE segment");
		else
			dumpid_seterr("no VMCOREINFO: no VMCOREINFO note in %d PT_NOTE segment%s"
				      " (QEMU dumps need -device vmcoreinfo in the guest)",
				      nnote, nnote > 1 ? "s" : "");
		return -1;
	}
	return 0;
}

static int id_elf(struct dumpid *d)
{
	Elf *e = elf_begin(d->fd, ELF_C_READ, NULL);
	GElf_Ehdr eh;
	int rc = -1;

	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		dumpid_seterr("truncated: ELF header unreadable (%s)", elf_errmsg(-1));
	} else if (eh.e_type != ET_CORE) {
		dumpid_seterr(NOT_A_DUMP " (ELF type %u, not ET_CORE)", eh.e_type);
	} else {
		char emb[32];
		d->big = eh.e_ident[EI_DATA] == ELFDATA2MSB;
		d->e_machine = eh.e_machine;
		snprintf(d->machine, sizeof(d->machine), "%s",
			 em_name(eh.e_machine, emb, sizeof(emb)));
		rc = id_elf_phdrs(d, e, &eh);
	}
	if (e)
		elf_end(e);
	return rc;
}

/* ----------------------------------------------------------------- kdump */

static int plausible_version(uint32_t v)
{
	return v >= 1 && v <= 64;
}

static const char *const machines32[] = {
	"i386", "i486", "i586", "i686", "arm", "armv6l", "armv7l", "ppc", "s390",
	"mips", "sh4", NULL
};

/* the kdump_sub_header bytes a header version has */
static size_t sub_header_size(uint32_t version)
{
	return version >= 6 ? SH_SIZE : version >= 5 ? 80 : version >= 4 ? 64 :
	       version >= 3 ? 48 : 32;
}

static const char *compression(uint32_t status)
{
	return (status & DUMP_DH_COMPRESSED_ZLIB) ? "zlib" :
	       (status & DUMP_DH_COMPRESSED_LZO) ? "lzo" :
	       (status & DUMP_DH_COMPRESSED_SNAPPY) ? "snappy" :
	       (status & DUMP_DH_COMPRESSED_ZSTD) ? "zstd" : "none";
}

/* VMCOREINFO from the sub header's offset_vmcoreinfo, else its notes */
static int kdump_vmcoreinfo(struct dumpid *d, const uint8_t *sh, uint32_t version)
{
	uint64_t off_vmci = 0, size_vmci = 0, off_note = 0, size_note = 0;

	if (version >= 3) {
		off_vmci = dumpid_rd64(sh + SH_OFF_VMCOREINFO, d->big);
		size_vmci = dumpid_rd64(sh + SH_SIZE_VMCOREINFO, d->big);
	}
	if (version >= 4) {
		off_note = dumpid_rd64(sh + SH_OFF_NOTE, d->big);
		size_note = dumpid_rd64(sh + SH_SIZE_NOTE, d->big);
	}
	if (off_vmci && size_vmci) {
		if (size_vmci > DUMPID_MAX_VMCOREINFO) {
			dumpid_seterr("corrupt kdump sub header: size_vmcoreinfo %" PRIu64
				      " is implausibly large", size_vmci);
			return -1;
		}
		uint8_t *buf = dumpid_calloc(size_vmci, 1);
		if (read_at(d, off_vmci, buf, size_vmci) < 0) {
			char why[sizeof(dumpid_err)];
			snprintf(why, sizeof(why), "%s", dumpid_err);
			dumpid_seterr("truncated: VMCOREINFO at 0x%" PRIx64 "+0x%" PRIx64
				      " unreadable: %s", off_vmci, size_vmci, why);
			free(buf);
			return -1;
		}
		const uint8_t *p = buf;
		size_t l = size_vmci;
		/* a writer pointing at the note header instead of its text */
		if (l > 24 && memcmp(p + 12, "VMCOREINFO", 11) == 0 &&
		    dumpid_rd32(p, d->big) == 11) {
			uint32_t dl = dumpid_rd32(p + 4, d->big);
			if (dl <= l - 24) {
				p += 24;
				l = dl;
			}
		}
		set_vmci(d, p, l, "kdump-sub-header");
		free(buf);
		return 0;
	}
	if (off_note && size_note && size_note <= DUMPID_MAX_NOTE_BYTES) {
		uint8_t *buf = dumpid_calloc(size_note, 1);
		int got = read_at(d, off_note, buf, size_note) == 0 &&
			  buffer_notes_vmcoreinfo(d, buf, size_note, "kdump-notes");
		free(buf);
		if (got)
			return 0;
	}
	if (version < 3)
		dumpid_seterr("no VMCOREINFO: kdump header version %u < 3", version);
	else
		dumpid_seterr("no VMCOREINFO: the kdump sub header has none");
	return -1;
}

/*
 * Is the kdump file complete?  The header's incomplete flag, the bitmaps,
 * and the last page descriptor and its data (makedumpfile and QEMU write
 * pages in pfn order, so the last descriptor is the last data).
 */
static void kdump_complete(struct dumpid *d, const uint8_t *h, const uint8_t *sh,
			   uint32_t version)
{
	uint32_t status = dumpid_rd32(h + DH_STATUS, d->big);
	uint64_t bs = (uint64_t)(int32_t)dumpid_rd32(h + DH_BLOCK_SIZE, d->big);
	uint64_t sub_blocks = (uint64_t)(int32_t)dumpid_rd32(h + DH_SUB_HDR_SIZE, d->big);
	uint64_t bitmap_len = bs * dumpid_rd32(h + DH_BITMAP_BLOCKS, d->big);
	uint64_t max_mapnr = version >= 6 ? dumpid_rd64(sh + SH_MAX_MAPNR_64, d->big)
					  : dumpid_rd32(h + DH_MAX_MAPNR, d->big);
	const char *rebuilt = d->kind == DUMPID_FLAT ? "rebuilt " : "";

	if (status & DUMP_DH_COMPRESSED_INCOMPLETE) {
		snprintf(d->truncated, sizeof(d->truncated),
			 "the header marks the dump incomplete (DUMP_DH_COMPRESSED_INCOMPLETE)");
		return;
	}
	uint64_t bitmap_off = bs * (1 + sub_blocks);
	uint64_t desc_off = bitmap_off + bitmap_len;
	d->size_actual = d->vsize;
	if (desc_off > d->vsize) {
		snprintf(d->truncated, sizeof(d->truncated),
			 "bitmaps end at 0x%" PRIx64 ", the %sfile at 0x%" PRIx64, desc_off,
			 rebuilt, d->vsize);
		d->size_expected = desc_off;
		return;
	}
	int split = (int32_t)dumpid_rd32(sh + SH_SPLIT, d->big);
	if (split || bitmap_len / 2 > MAX_BITMAP_BYTES || bitmap_len == 0)
		return;		/* not checked further */
	/* the second half of the bitmaps: the pages dumped */
	uint64_t half = bitmap_len / 2;
	uint64_t bits_used = max_mapnr ? (max_mapnr + 7) / 8 : half;
	if (bits_used > half)
		bits_used = half;
	uint8_t *bm = malloc(bits_used ? bits_used : 1);
	if (!bm)
		return;
	if (read_at(d, bitmap_off + half, bm, bits_used) < 0) {
		snprintf(d->truncated, sizeof(d->truncated), "%s", dumpid_err);
		free(bm);
		return;
	}
	uint64_t npages = 0;
	for (uint64_t i = 0; i < bits_used; i++)
		npages += (uint64_t)__builtin_popcount(bm[i]);
	free(bm);
	dumpid_add_extra(d, "kdump_dumped_pages", "%" PRIu64, npages);
	if (npages == 0)
		return;
	uint64_t table_end = desc_off + npages * PAGE_DESC_SIZE;
	if (table_end > d->vsize) {
		snprintf(d->truncated, sizeof(d->truncated),
			 "the page descriptor table (%" PRIu64 " entries from 0x%" PRIx64
			 ") is cut short", npages, desc_off);
		d->size_expected = table_end;
		return;
	}
	/*
	 * The end of the page data: the largest offset+size of any descriptor.
	 * Not the last descriptor's: makedumpfile writes the zero page once,
	 * first, and every zero page's descriptor points there, so the
	 * highest pfn may well be a zero page.  Tables larger than
	 * MAX_DESC_SCAN are judged by their last MAX_DESC_SCAN bytes.
	 */
	uint64_t from = desc_off;
	if (table_end - desc_off > MAX_DESC_SCAN)
		from = table_end - MAX_DESC_SCAN / PAGE_DESC_SIZE * PAGE_DESC_SIZE;
	size_t chunk = 4096 * PAGE_DESC_SIZE;
	uint8_t *buf = malloc(chunk);
	if (!buf)
		return;
	uint64_t data_end = 0, at = 0;
	uint32_t at_size = 0;
	for (uint64_t o = from; o < table_end; o += chunk) {
		size_t n = table_end - o < chunk ? (size_t)(table_end - o) : chunk;
		if (read_at(d, o, buf, n) < 0) {
			snprintf(d->truncated, sizeof(d->truncated), "%s", dumpid_err);
			free(buf);
			return;
		}
		for (size_t k = 0; k + PAGE_DESC_SIZE <= n; k += PAGE_DESC_SIZE) {
			uint64_t poff = dumpid_rd64(buf + k + PD_OFFSET, d->big);
			uint32_t psize = dumpid_rd32(buf + k + PD_SIZE, d->big);
			uint64_t end = poff + psize;
			if (end < poff)
				end = UINT64_MAX;
			if (end > data_end) {
				data_end = end;
				at = poff;
				at_size = psize;
			}
		}
	}
	free(buf);
	if (data_end > d->vsize) {
		snprintf(d->truncated, sizeof(d->truncated),
			 "the page data ends at 0x%" PRIx64 " (last page's data at 0x%" PRIx64 "+0x%x) beyond"
			 " the end of the %sfile (0x%" PRIx64 ")", data_end, at, at_size,
			 rebuilt, d->vsize);
		d->size_expected = data_end;
	}
}

static int id_kdump(struct dumpid *d)
{
	uint8_t h[DH_SIZE];

	if (read_at(d, 0, h, sizeof(h)) < 0) {
		dumpid_seterr("truncated: the kdump header (%d bytes) is incomplete", DH_SIZE);
		return -1;
	}
	if (memcmp(h, "KDUMP   ", 8) != 0) {
		if (memcmp(h, "DISKDUMP", 8) == 0)
			dumpid_seterr("no VMCOREINFO: old diskdump format (DISKDUMP) carries none");
		else
			dumpid_seterr(NOT_A_DUMP " (flattened data is not KDUMP)");
		return -1;
	}
	/* the byte order: the one that gives a plausible header_version */
	uint32_t vle = dumpid_rd32(h + DH_VERSION, 0), vbe = dumpid_rd32(h + DH_VERSION, 1);
	if (plausible_version(vle)) {
		d->big = 0;
	} else if (plausible_version(vbe)) {
		d->big = 1;
	} else {
		dumpid_seterr("corrupt kdump header: header_version 0x%08x", vle);
		return -1;
	}
	uint32_t version = dumpid_rd32(h + DH_VERSION, d->big);
	char machine[DH_UTS_FIELD + 1];
	memcpy(machine, h + DH_UTSNAME + DH_UTS_MACHINE * DH_UTS_FIELD, DH_UTS_FIELD);
	machine[DH_UTS_FIELD] = 0;
	for (char *c = machine; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	for (int i = 0; machines32[i]; i++)
		if (strcmp(machine, machines32[i]) == 0) {
			dumpid_seterr("unsupported: 32-bit kdump header (machine %s)", machine);
			return -1;
		}
	snprintf(d->machine, sizeof(d->machine), "%s", machine[0] ? machine : "unknown");
	int32_t block_size = (int32_t)dumpid_rd32(h + DH_BLOCK_SIZE, d->big);
	int32_t sub_hdr_size = (int32_t)dumpid_rd32(h + DH_SUB_HDR_SIZE, d->big);
	if (block_size < 512 || block_size > (1 << 20) || (block_size & (block_size - 1))) {
		dumpid_seterr("corrupt kdump header: block_size %d", block_size);
		return -1;
	}
	if (sub_hdr_size < 1 || sub_hdr_size > (1 << 20)) {
		dumpid_seterr("corrupt kdump header: sub_hdr_size %d blocks", sub_hdr_size);
		return -1;
	}
	dumpid_add_extra(d, "kdump_header_version", "%u", version);
	dumpid_add_extra(d, "kdump_block_size", "%d", block_size);
	dumpid_add_extra(d, "kdump_compression", "%s",
			 compression(dumpid_rd32(h + DH_STATUS, d->big)));

	uint8_t sh[SH_SIZE];
	memset(sh, 0, sizeof(sh));
	if (read_at(d, (uint64_t)block_size, sh, sub_header_size(version)) < 0)
		return -1;
	dumpid_add_extra(d, "kdump_phys_base", "0x%" PRIx64,
			 dumpid_rd64(sh + SH_PHYS_BASE, d->big));
	if (kdump_vmcoreinfo(d, sh, version) < 0)
		return -1;
	kdump_complete(d, h, sh, version);
	return 0;
}

static int id_flat(struct dumpid *d)
{
	if (flat_index(d) < 0)
		return -1;
	if (d->nrec == 0) {
		dumpid_seterr("truncated: flattened file has no data records%s%s",
			      d->flat_why[0] ? ": " : "", d->flat_why);
		return -1;
	}
	int rc = id_kdump(d);
	if (rc == 0 && !d->truncated[0] && !d->flat_end)
		snprintf(d->truncated, sizeof(d->truncated), "%s", d->flat_why);
	if (rc < 0 && !d->flat_end && strncmp(dumpid_err, "truncated", 9) != 0) {
		char why[sizeof(dumpid_err)];
		snprintf(why, sizeof(why), "%s", dumpid_err);
		dumpid_seterr("truncated: %s (%s)", d->flat_why, why);
	}
	dumpid_add_extra(d, "flat_records", "%zu", d->nrec);
	return rc;
}

/* ------------------------------------------------------------- the dump */

/**
 * dumpid_open - open a dump and tell its format from its first bytes
 *
 * Returns 0 with d->fd open, d->kind and d->format set; -1 when the file
 * cannot be opened or is no dump (d->fd may still be open: dumpid_close).
 */
int dumpid_open(struct dumpid *d, const char *path)
{
	memset(d, 0, sizeof(*d));
	d->seg_bad = -1;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		d->fd = -1;
		dumpid_seterr("libelf initialisation failed");
		return -1;
	}
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		dumpid_seterr("cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(d->fd, &st) < 0) {
		dumpid_seterr("cannot stat: %s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		dumpid_seterr(NOT_A_DUMP " (a directory)");
		return -1;
	}
	d->fsize = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (!S_ISREG(st.st_mode)) {
		/* block devices: ask for the size */
		off_t e = lseek(d->fd, 0, SEEK_END);
		if (e > 0)
			d->fsize = (uint64_t)e;
	}
	d->vsize = d->fsize;
	uint8_t magic[16];
	ssize_t r = dumpid_pread(d->fd, magic, sizeof(magic), 0);
	if (r < 0) {
		dumpid_seterr("cannot read: %s", strerror(errno));
		return -1;
	}
	if (r >= 4 && memcmp(magic, ELFMAG, SELFMAG) == 0) {
		d->kind = DUMPID_ELF;
		d->format = "elf";
		if (r < EI_NIDENT || d->fsize < sizeof(Elf64_Ehdr)) {
			dumpid_seterr("truncated: file (%" PRIu64 " bytes) ends inside the ELF"
				      " header", d->fsize);
			return -1;
		}
		return 0;
	}
	if (r >= 8 && memcmp(magic, "KDUMP   ", 8) == 0) {
		d->kind = DUMPID_KDUMP;
		d->format = "kdump";
		return 0;
	}
	if (r >= 12 && memcmp(magic, "makedumpfile", 12) == 0) {
		d->kind = DUMPID_FLAT;
		d->format = "kdump-flat";
		return 0;
	}
	if (r < 8 && (r == 0 || memcmp(magic, "KDUMP   ", (size_t)r) == 0 ||
		      memcmp(magic, ELFMAG, r < 4 ? (size_t)r : 4) == 0 ||
		      memcmp(magic, "makedumpfile", (size_t)r) == 0))
		dumpid_seterr("truncated: file has only %zd bytes", r);
	else
		dumpid_seterr(NOT_A_DUMP);
	return -1;
}

/**
 * dumpid_identify - read an opened dump's VMCOREINFO and format facts
 *
 * Returns 0 with d->vmci set (d->truncated non-empty when the dump is
 * incomplete), -1 when there is no readable VMCOREINFO.
 */
int dumpid_identify(struct dumpid *d)
{
	switch (d->kind) {
	case DUMPID_ELF:
		return id_elf(d);
	case DUMPID_KDUMP:
		return id_kdump(d);
	case DUMPID_FLAT:
		return id_flat(d);
	}
	return -1;
}

void dumpid_close(struct dumpid *d)
{
	free(d->vmci);
	free(d->rec);
	free(d->seg);
	if (d->fd >= 0)
		close(d->fd);
	d->vmci = NULL;
	d->rec = NULL;
	d->seg = NULL;
	d->fd = -1;
}

/* ------------------------------------------- ELF: physical memory by PA */

/**
 * dumpid_pa_to_off - the file offset of physical address PA
 * @len: bytes wanted there (must lie inside the file)
 * @seg_left: set to the bytes of the segment's file data from PA on
 */
int dumpid_pa_to_off(const struct dumpid *d, uint64_t pa, size_t len, uint64_t *off,
		     uint64_t *seg_left)
{
	for (size_t i = 0; i < d->nseg; i++) {
		const struct dumpid_seg *s = &d->seg[i];
		if (pa < s->paddr || pa - s->paddr >= s->memsz)
			continue;
		uint64_t rel = pa - s->paddr;
		if (rel >= s->filesz) {
			dumpid_seterr("PA 0x%" PRIx64 " is in PT_LOAD %zu but beyond its file"
				      " data (p_filesz 0x%" PRIx64 " < p_memsz: not in the dump)",
				      pa, i, s->filesz);
			return -1;
		}
		*off = s->off + rel;
		*seg_left = s->filesz - rel;
		if (*off >= d->fsize || (uint64_t)len > d->fsize - *off) {
			dumpid_seterr("PA 0x%" PRIx64 " maps to file offset 0x%" PRIx64
				      " beyond the end of the (truncated) file (%" PRIu64 " bytes)",
				      pa, *off, d->fsize);
			return -1;
		}
		return 0;
	}
	dumpid_seterr("PA 0x%" PRIx64 " is not in the dump (no PT_LOAD covers it)", pa);
	return -1;
}

/* read len bytes of physical memory at PA, across segments */
int dumpid_read_pa(const struct dumpid *d, uint64_t pa, void *buf, size_t len)
{
	while (len) {
		uint64_t off, left;
		if (dumpid_pa_to_off(d, pa, 1, &off, &left) < 0)
			return -1;
		size_t n = left < len ? (size_t)left : len;
		if (n > d->fsize - off)
			n = (size_t)(d->fsize - off);
		if (dumpid_pread(d->fd, buf, n, off) != (ssize_t)n) {
			dumpid_seterr("read error at file offset 0x%" PRIx64, off);
			return -1;
		}
		pa += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}
