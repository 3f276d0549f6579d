/*
 * vmcore-id - identify a Linux vmcore without crash(8).
 *
 * Reads the dump's VMCOREINFO and prints the kernel release and other keys as
 * stable "key=value" lines (or one JSON object with --json).  Handles:
 *   elf         ELF cores (/proc/vmcore copies, QEMU dump-guest-memory,
 *               virsh dump --memory-only, makedumpfile -E): VMCOREINFO is an
 *               ELF note in a PT_NOTE segment (every PT_NOTE is searched, and
 *               notes wrapped inside other notes are found by a bounded scan)
 *   kdump       kdump-compressed ("KDUMP   ", makedumpfile -c/-l/-p/-z, QEMU
 *               kdump-*): disk_dump_header + kdump_sub_header, VMCOREINFO at
 *               offset_vmcoreinfo/size_vmcoreinfo (header_version >= 3)
 *   kdump-flat  makedumpfile's flattened format ("makedumpfile" signature,
 *               then (offset,size) data records that rebuild the kdump file)
 * With --match DIR... it also finds and verifies the matching vmlinux.
 *
 * Exit: 0 ok, 1 usage (or --get KEY absent), 2 not a dump / unreadable /
 * truncated / no VMCOREINFO, 3 no matching vmlinux.
 *
 * Every byte of the input is treated as hostile: all sizes and offsets are
 * bounds-checked, every loop advances and is bounded by the file size.
 *
 * Build: gcc -O2 -g -Wall -Wextra -o build/vmcore-id scripts/vmcore-id.c -lelf -lz
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#define EX_OK      0
#define EX_USAGE   1
#define EX_BADDUMP 2
#define EX_NOMATCH 3

#define MAX_VMCOREINFO   (1u << 20)     /* real ones are 2-5 KiB */
#define MAX_NOTE_BYTES   (64u << 20)    /* cap on PT_NOTE bytes read */
#define MAX_FLAT_RECS    (4u << 20)     /* records indexed (96 MiB) */
#define MAX_BITMAP_BYTES (256u << 20)   /* kdump bitmap read for the size check */
#define FLAT_HDR_SIZE    4096           /* MAX_SIZE_MDF_HEADER */
#define KDUMP_HDR_SIZE   464            /* struct disk_dump_header, 64-bit */
#define KDUMP_SUB_SIZE   104            /* struct kdump_sub_header, v6, 64-bit */
#define PAGE_DESC_SIZE   24             /* struct page_desc */

static const char *prog = "vmcore-id";

/* ------------------------------------------------------------------ errors */

static char g_err[1024];

static void seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void seterr(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g_err, sizeof(g_err), fmt, ap);
	va_end(ap);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EX_BADDUMP);
	}
	return p;
}

/* --------------------------------------------------------- byte helpers */

static uint32_t rd32(const uint8_t *p, int big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static uint64_t rd64(const uint8_t *p, int big)
{
	uint64_t hi = rd32(p, big), lo = rd32(p + 4, big);
	return big ? (hi << 32 | lo) : (lo << 32 | hi);
}

/* pread that retries short reads and EINTR; returns bytes read (short = EOF) */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
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

/* ------------------------------------------------- the dump as a source */

struct rec { uint64_t off, size, foff; };

struct src {
	int fd;
	uint64_t fsize;         /* bytes in the file on disk */
	int flat;               /* makedumpfile flattened format */
	struct rec *rec;        /* flattened: records in file order */
	size_t nrec;
	int rec_capped;         /* more records than MAX_FLAT_RECS */
	int flat_end;           /* end marker seen */
	char flat_why[256];     /* why the record walk stopped without one */
	uint64_t vsize;         /* size of the (rebuilt) logical file */
};

static int cmp_u64pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * Read len bytes at logical offset off.  Returns 0 when fully available,
 * -1 (g_err set) otherwise.
 */
static int src_read(struct src *s, uint64_t off, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (off > s->vsize || len > s->vsize - off) {
		seterr("truncated: need bytes 0x%" PRIx64 "-0x%" PRIx64
		       " but the %sfile ends at 0x%" PRIx64,
		       off, off + (uint64_t)len, s->flat ? "rebuilt " : "", s->vsize);
		return -1;
	}
	if (!s->flat) {
		ssize_t r = pread_full(s->fd, buf, len, off);
		if (r < 0) {
			seterr("read error at 0x%" PRIx64 ": %s", off, strerror(errno));
			return -1;
		}
		if ((size_t)r < len) {
			seterr("truncated: file ends at 0x%" PRIx64 " inside bytes 0x%" PRIx64
			       "-0x%" PRIx64, off + (uint64_t)r, off, off + (uint64_t)len);
			return -1;
		}
		return 0;
	}
	/* flattened: apply overlapping records in file order (last one wins,
	 * as makedumpfile -R does), then check the union covers the range */
	memset(buf, 0, len);
	uint64_t end = off + len;
	size_t ncov = 0, capcov = 16;
	uint64_t *cov = xcalloc(capcov, 2 * sizeof(uint64_t));
	for (size_t i = 0; i < s->nrec; i++) {
		const struct rec *r = &s->rec[i];
		uint64_t rs = r->off, re = r->off + r->size;
		if (re <= off || rs >= end)
			continue;
		uint64_t a = rs > off ? rs : off, b = re < end ? re : end;
		ssize_t got = pread_full(s->fd, (char *)buf + (a - off), b - a,
					 r->foff + (a - rs));
		if (got < 0 || (uint64_t)got != b - a) {
			free(cov);
			seterr("truncated: flattened record data at file offset 0x%" PRIx64
			       " cut short", r->foff);
			return -1;
		}
		if (ncov == capcov) {
			capcov *= 2;
			uint64_t *n = realloc(cov, capcov * 2 * sizeof(uint64_t));
			if (!n) {
				free(cov);
				seterr("out of memory");
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
		seterr("%s: flattened records do not cover bytes 0x%" PRIx64 "-0x%" PRIx64
		       " of the rebuilt file%s",
		       s->rec_capped ? "unsupported" : "truncated", reach, end,
		       s->rec_capped ? " (record index limit reached)" : "");
		return -1;
	}
	return 0;
}

/*
 * Walk the flattened file's record headers (big-endian int64 offset, size)
 * from FLAT_HDR_SIZE until the end marker (-1,-1).  Bounded: every record
 * advances the position by >= 16 bytes within the file.
 */
static int flat_index(struct src *s)
{
	uint8_t h[32];
	if (pread_full(s->fd, h, 32, 0) != 32) {
		seterr("truncated: flattened header shorter than 32 bytes");
		return -1;
	}
	int64_t type = (int64_t)rd64(h + 16, 1);
	if (type != 1) {
		seterr("not an ELF core or kdump file (flattened header type %" PRId64
		       ", expected 1)", type);
		return -1;
	}
	uint64_t pos = FLAT_HDR_SIZE;
	size_t cap = 0;
	s->vsize = 0;
	s->flat_why[0] = 0;
	if (s->fsize < pos)
		snprintf(s->flat_why, sizeof(s->flat_why),
			 "file (%" PRIu64 " bytes) ends inside the 4096-byte flattened header",
			 s->fsize);
	while (!s->flat_why[0]) {
		if (pos == s->fsize) {
			snprintf(s->flat_why, sizeof(s->flat_why),
				 "no end record: file ends after %zu records at 0x%" PRIx64,
				 s->nrec, pos);
			break;
		}
		if (s->fsize - pos < 16) {
			snprintf(s->flat_why, sizeof(s->flat_why),
				 "file ends inside a record header at 0x%" PRIx64, pos);
			break;
		}
		uint8_t d[16];
		if (pread_full(s->fd, d, 16, pos) != 16) {
			snprintf(s->flat_why, sizeof(s->flat_why),
				 "read error in record header at 0x%" PRIx64, pos);
			break;
		}
		int64_t off = (int64_t)rd64(d, 1), size = (int64_t)rd64(d + 8, 1);
		if (off == -1 && size == -1) {
			s->flat_end = 1;
			break;
		}
		if (off < 0 || size < 0 || (uint64_t)off > (UINT64_C(1) << 62) ||
		    (uint64_t)size > (UINT64_C(1) << 40)) {
			snprintf(s->flat_why, sizeof(s->flat_why),
				 "corrupt record header at 0x%" PRIx64 " (offset %" PRId64
				 ", size %" PRId64 ")", pos, off, size);
			break;
		}
		if ((uint64_t)size > s->fsize - pos - 16) {
			snprintf(s->flat_why, sizeof(s->flat_why),
				 "record at 0x%" PRIx64 " needs %" PRId64 " bytes, file has %"
				 PRIu64, pos, size, s->fsize - pos - 16);
			break;
		}
		if (size > 0) {
			if ((uint64_t)off + (uint64_t)size > s->vsize)
				s->vsize = (uint64_t)off + (uint64_t)size;
			if (s->nrec >= MAX_FLAT_RECS) {
				s->rec_capped = 1;
			} else {
				if (s->nrec == cap) {
					size_t ncap = cap ? cap * 2 : 1024;
					struct rec *n = realloc(s->rec, ncap * sizeof(*n));
					if (!n) {
						seterr("out of memory indexing flattened records");
						return -1;
					}
					s->rec = n;
					cap = ncap;
				}
				s->rec[s->nrec].off = (uint64_t)off;
				s->rec[s->nrec].size = (uint64_t)size;
				s->rec[s->nrec].foff = pos + 16;
				s->nrec++;
			}
		}
		pos += 16 + (uint64_t)size;
	}
	return 0;
}

/* ---------------------------------------------------------- ELF notes */

struct note {
	uint32_t namesz, descsz, type;
	const uint8_t *name, *desc;
};

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* next note at *pos; 1 = got one, 0 = end, -1 = malformed */
static int note_next(const uint8_t *buf, size_t len, size_t *pos, int big,
		     size_t al, struct note *n)
{
	size_t p = *pos;
	if (p >= len || len - p < 12)
		return 0;
	n->namesz = rd32(buf + p, big);
	n->descsz = rd32(buf + p + 4, big);
	n->type = rd32(buf + p + 8, big);
	p += 12;
	if (n->namesz > len - p)
		return -1;
	n->name = buf + p;
	size_t step = align_up(n->namesz, al);
	p = step > len - p ? len : p + step;
	if (n->descsz > len - p)
		return -1;
	n->desc = buf + p;
	step = align_up(n->descsz, al);
	p = step > len - p ? len : p + step;
	*pos = p;
	return 1;
}

static int name_is(const struct note *n, const char *want)
{
	size_t wl = strlen(want);
	if (n->namesz == wl + 1)
		return memcmp(n->name, want, wl + 1) == 0;
	if (n->namesz == wl)    /* some writers omit the NUL */
		return memcmp(n->name, want, wl) == 0;
	return 0;
}

/* does a VMCOREINFO text look like one? */
static int looks_like_vmcoreinfo(const uint8_t *p, size_t len)
{
	static const char *keys[] = { "OSRELEASE=", "PAGESIZE=", "SYMBOL(", "SIZE(", NULL };
	for (int i = 0; keys[i]; i++)
		if (len >= strlen(keys[i]) && memmem(p, len, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

struct found {
	const uint8_t *p;
	size_t len;
	const char *how;        /* note | note-align8 | nested | desc-scan */
};

/*
 * Find VMCOREINFO in a buffer of ELF notes: a note named "VMCOREINFO"
 * (4-byte alignment, then 8); else a VMCOREINFO note header anywhere in the
 * buffer (a guest note wrapped in another note, or notes after garbage);
 * else a note whose descriptor is VMCOREINFO text.
 */
static int find_vmcoreinfo_notes(const uint8_t *buf, size_t len, int big,
				 struct found *f)
{
	static const size_t aligns[2] = { 4, 8 };
	struct note n;
	for (int a = 0; a < 2; a++) {
		size_t pos = 0;
		int r;
		while ((r = note_next(buf, len, &pos, big, aligns[a], &n)) == 1) {
			if (name_is(&n, "VMCOREINFO") && n.descsz > 0) {
				f->p = n.desc;
				f->len = n.descsz;
				f->how = a ? "note-align8" : "note";
				return 1;
			}
		}
	}
	/* bounded scan: "VMCOREINFO\0" preceded by a plausible note header */
	for (size_t i = 12; i + 11 <= len; i++) {
		if (buf[i] != 'V' || memcmp(buf + i, "VMCOREINFO", 11) != 0)
			continue;
		uint32_t namesz = rd32(buf + i - 12, big);
		uint32_t descsz = rd32(buf + i - 8, big);
		if (namesz != 11)
			continue;
		size_t d = i + 12;      /* align_up(11, 4) */
		if (d > len || descsz == 0 || descsz > len - d)
			continue;
		if (!looks_like_vmcoreinfo(buf + d, descsz))
			continue;
		f->p = buf + d;
		f->len = descsz;
		f->how = "nested";
		return 1;
	}
	for (int a = 0; a < 2; a++) {
		size_t pos = 0;
		while (note_next(buf, len, &pos, big, aligns[a], &n) == 1) {
			if (n.descsz >= 10 && memcmp(n.desc, "OSRELEASE=", 10) == 0) {
				f->p = n.desc;
				f->len = n.descsz;
				f->how = "desc-scan";
				return 1;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------- VMCOREINFO text */

struct info {
	const char *format;     /* elf | kdump | kdump-flat */
	char machine[80];
	char *vmci;             /* NUL-terminated copy */
	size_t vmci_len;
	const char *vmci_how;
	char extra[12][2][96];  /* format-specific key/value pairs */
	int nextra;
	char truncated[1024];   /* non-empty: the dump is incomplete (why) */
};

static void add_extra(struct info *in, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_extra(struct info *in, const char *k, const char *fmt, ...)
{
	if (in->nextra >= 12)
		return;
	snprintf(in->extra[in->nextra][0], sizeof(in->extra[0][0]), "%s", k);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(in->extra[in->nextra][1], sizeof(in->extra[0][1]), fmt, ap);
	va_end(ap);
	in->nextra++;
}

static void set_vmci(struct info *in, const uint8_t *p, size_t len, const char *how)
{
	while (len > 0 && p[len - 1] == 0)
		len--;
	in->vmci = xcalloc(len + 1, 1);
	memcpy(in->vmci, p, len);
	/* embedded NULs would hide the rest from the line parser */
	for (size_t i = 0; i < len; i++)
		if (in->vmci[i] == 0)
			in->vmci[i] = '\n';
	in->vmci_len = len;
	in->vmci_how = how;
}

/* value of KEY (first occurrence) as a malloc'd string, or NULL */
static char *vmci_get(const struct info *in, const char *key)
{
	size_t kl = strlen(key);
	const char *p = in->vmci, *end = in->vmci + in->vmci_len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t vl = (size_t)(le - v);
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			char *r = xcalloc(vl + 1, 1);
			memcpy(r, v, vl);
			return r;
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

/* ----------------------------------------------------------------- ELF */

static const char *em_name(unsigned em, char *buf, size_t bl)
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

static int id_elf(struct src *s, struct info *in)
{
	in->format = "elf";
	Elf *e = elf_begin(s->fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		seterr("truncated: ELF header unreadable (%s)", elf_errmsg(-1));
		if (e)
			elf_end(e);
		return -1;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh)) {
		seterr("truncated: ELF header unreadable (%s)", elf_errmsg(-1));
		elf_end(e);
		return -1;
	}
	if (eh.e_type != ET_CORE) {
		seterr("not an ELF core or kdump file (ELF type %u, not ET_CORE)", eh.e_type);
		elf_end(e);
		return -1;
	}
	int big = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	char emb[32];
	snprintf(in->machine, sizeof(in->machine), "%s", em_name(eh.e_machine, emb, sizeof(emb)));
	if (eh.e_phnum != PN_XNUM && eh.e_phnum &&
	    (eh.e_phoff >= s->fsize ||
	     (uint64_t)eh.e_phnum * eh.e_phentsize > s->fsize - eh.e_phoff)) {
		seterr("truncated: %u program headers at 0x%" PRIx64 " end beyond the file (%"
		       PRIu64 " bytes)", eh.e_phnum, (uint64_t)eh.e_phoff, s->fsize);
		elf_end(e);
		return -1;
	}
	size_t phnum = 0;
	if (elf_getphdrnum(e, &phnum) != 0 || phnum == 0) {
		seterr("no VMCOREINFO: no program headers (%s)", elf_errmsg(-1));
		elf_end(e);
		return -1;
	}
	uint64_t phend = eh.e_phoff + (uint64_t)phnum * (eh.e_phentsize ? eh.e_phentsize : 1);
	if (eh.e_phoff >= s->fsize || phend > s->fsize || phend < eh.e_phoff) {
		seterr("truncated: %zu program headers at 0x%" PRIx64 " end beyond the file (%"
		       PRIu64 " bytes)", phnum, (uint64_t)eh.e_phoff, s->fsize);
		elf_end(e);
		return -1;
	}
	uint64_t need_end = 0;
	int nload = 0, nnote = 0, got = 0;
	char trunc_note[256] = "";
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			seterr("truncated: program header %zu unreadable (%s)", i, elf_errmsg(-1));
			elf_end(e);
			return -1;
		}
		uint64_t pend = ph.p_offset + ph.p_filesz;
		if (pend < ph.p_offset)
			pend = UINT64_MAX;      /* overflow: never satisfiable */
		if (ph.p_type == PT_LOAD) {
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
		if (ph.p_offset >= s->fsize) {
			snprintf(trunc_note, sizeof(trunc_note),
				 "PT_NOTE at 0x%" PRIx64 " lies beyond the end of the file (%"
				 PRIu64 " bytes)", (uint64_t)ph.p_offset, s->fsize);
			continue;
		}
		uint64_t len = ph.p_filesz;
		if (len > s->fsize - ph.p_offset) {
			snprintf(trunc_note, sizeof(trunc_note),
				 "PT_NOTE 0x%" PRIx64 "+0x%" PRIx64 " is cut by the end of the file (%"
				 PRIu64 " bytes)", (uint64_t)ph.p_offset, len, s->fsize);
			len = s->fsize - ph.p_offset;
		}
		if (len > MAX_NOTE_BYTES)
			len = MAX_NOTE_BYTES;
		uint8_t *buf = xcalloc(len, 1);
		ssize_t r = pread_full(s->fd, buf, len, ph.p_offset);
		if (r > 0) {
			struct found f;
			if (find_vmcoreinfo_notes(buf, (size_t)r, big, &f)) {
				set_vmci(in, f.p, f.len, f.how);
				got = 1;
			}
		}
		free(buf);
	}
	elf_end(e);
	add_extra(in, "elf_segments", "%d PT_LOAD, %d PT_NOTE", nload, nnote);
	if (need_end > s->fsize)
		snprintf(in->truncated, sizeof(in->truncated),
			 "file has %" PRIu64 " bytes, its program headers need %" PRIu64,
			 s->fsize, need_end);
	if (!got) {
		if (trunc_note[0])
			seterr("truncated: %s", trunc_note);
		else if (!nnote)
			seterr("no VMCOREINFO: the ELF core has no PT_NOTE segment");
		else
			seterr("no VMCOREINFO: no VMCOREINFO note in %d PT_NOTE segment%s"
			       " (QEMU dumps need -device vmcoreinfo in the guest)",
			       nnote, nnote > 1 ? "s" : "");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- kdump */

static int plausible_version(uint32_t v)
{
	return v >= 1 && v <= 64;
}

static const char *const machines32[] = {
	"i386", "i486", "i586", "i686", "arm", "armv6l", "armv7l", "ppc", "s390",
	"mips", "sh4", NULL
};

static int id_kdump(struct src *s, struct info *in)
{
	uint8_t h[KDUMP_HDR_SIZE];
	if (src_read(s, 0, h, sizeof(h)) < 0) {
		seterr("truncated: the kdump header (%d bytes) is incomplete", KDUMP_HDR_SIZE);
		return -1;
	}
	if (memcmp(h, "KDUMP   ", 8) != 0) {
		if (memcmp(h, "DISKDUMP", 8) == 0)
			seterr("no VMCOREINFO: old diskdump format (DISKDUMP) carries none");
		else
			seterr("not an ELF core or kdump file (flattened data is not KDUMP)");
		return -1;
	}
	uint32_t vle = rd32(h + 8, 0), vbe = rd32(h + 8, 1);
	int big;
	if (plausible_version(vle))
		big = 0;
	else if (plausible_version(vbe))
		big = 1;
	else {
		seterr("corrupt kdump header: header_version 0x%08x", vle);
		return -1;
	}
	uint32_t version = rd32(h + 8, big);
	/* utsname: 6 fields of 65 bytes from offset 12; machine is the 5th */
	char machine[66];
	memcpy(machine, h + 12 + 4 * 65, 65);
	machine[65] = 0;
	for (char *c = machine; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	for (int i = 0; machines32[i]; i++)
		if (strcmp(machine, machines32[i]) == 0) {
			seterr("unsupported: 32-bit kdump header (machine %s)", machine);
			return -1;
		}
	snprintf(in->machine, sizeof(in->machine), "%s", machine[0] ? machine : "unknown");
	uint32_t status = rd32(h + 424, big);
	int32_t block_size = (int32_t)rd32(h + 428, big);
	int32_t sub_hdr_size = (int32_t)rd32(h + 432, big);
	uint32_t bitmap_blocks = rd32(h + 436, big);
	uint32_t max_mapnr32 = rd32(h + 440, big);
	if (block_size < 512 || block_size > (1 << 20) || (block_size & (block_size - 1))) {
		seterr("corrupt kdump header: block_size %d", block_size);
		return -1;
	}
	if (sub_hdr_size < 1 || sub_hdr_size > (1 << 20)) {
		seterr("corrupt kdump header: sub_hdr_size %d blocks", sub_hdr_size);
		return -1;
	}
	add_extra(in, "kdump_header_version", "%u", version);
	add_extra(in, "kdump_block_size", "%d", block_size);
	const char *comp = (status & 0x1) ? "zlib" : (status & 0x2) ? "lzo" :
			   (status & 0x4) ? "snappy" : (status & 0x20) ? "zstd" : "none";
	add_extra(in, "kdump_compression", "%s", comp);

	uint8_t sh[KDUMP_SUB_SIZE];
	memset(sh, 0, sizeof(sh));
	size_t shlen = version >= 6 ? 104 : version >= 5 ? 80 : version >= 4 ? 64 :
		       version >= 3 ? 48 : 32;
	if (src_read(s, (uint64_t)block_size, sh, shlen) < 0)
		return -1;
	add_extra(in, "kdump_phys_base", "0x%" PRIx64, rd64(sh, big));

	uint64_t off_vmci = 0, size_vmci = 0, off_note = 0, size_note = 0;
	if (version >= 3) {
		off_vmci = rd64(sh + 32, big);
		size_vmci = rd64(sh + 40, big);
	}
	if (version >= 4) {
		off_note = rd64(sh + 48, big);
		size_note = rd64(sh + 56, big);
	}
	uint64_t max_mapnr = version >= 6 ? rd64(sh + 96, big) : max_mapnr32;

	int got = 0;
	if (off_vmci && size_vmci) {
		if (size_vmci > MAX_VMCOREINFO) {
			seterr("corrupt kdump sub header: size_vmcoreinfo %" PRIu64
			       " is implausibly large", size_vmci);
			return -1;
		}
		uint8_t *buf = xcalloc(size_vmci, 1);
		if (src_read(s, off_vmci, buf, size_vmci) < 0) {
			char why[sizeof(g_err)];
			snprintf(why, sizeof(why), "%s", g_err);
			seterr("truncated: VMCOREINFO at 0x%" PRIx64 "+0x%" PRIx64
			       " unreadable: %s", off_vmci, size_vmci, why);
			free(buf);
			return -1;
		}
		const uint8_t *p = buf;
		size_t l = size_vmci;
		/* a writer pointing at the note header instead of its text */
		if (l > 24 && memcmp(p + 12, "VMCOREINFO", 11) == 0 && rd32(p, big) == 11) {
			uint32_t d = rd32(p + 4, big);
			if (d <= l - 24) {
				p += 24;
				l = d;
			}
		}
		set_vmci(in, p, l, "kdump-sub-header");
		free(buf);
		got = 1;
	}
	if (!got && off_note && size_note && size_note <= MAX_NOTE_BYTES) {
		uint8_t *buf = xcalloc(size_note, 1);
		if (src_read(s, off_note, buf, size_note) == 0) {
			struct found f;
			if (find_vmcoreinfo_notes(buf, size_note, big, &f)) {
				set_vmci(in, f.p, f.len, "kdump-notes");
				got = 1;
			}
		}
		free(buf);
	}
	if (!got) {
		if (version < 3)
			seterr("no VMCOREINFO: kdump header version %u < 3", version);
		else
			seterr("no VMCOREINFO: the kdump sub header has none");
		return -1;
	}

	/* completeness: bitmaps, page descriptors, the last page's data */
	if (status & 0x8) {
		snprintf(in->truncated, sizeof(in->truncated),
			 "the header marks the dump incomplete (DUMP_DH_COMPRESSED_INCOMPLETE)");
		return 0;
	}
	uint64_t bs = (uint64_t)block_size;
	uint64_t bitmap_off = bs * (1 + (uint64_t)sub_hdr_size);
	uint64_t bitmap_len = bs * bitmap_blocks;
	uint64_t desc_off = bitmap_off + bitmap_len;
	if (desc_off > s->vsize) {
		snprintf(in->truncated, sizeof(in->truncated),
			 "bitmaps end at 0x%" PRIx64 ", the %sfile at 0x%" PRIx64, desc_off,
			 s->flat ? "rebuilt " : "", s->vsize);
		return 0;
	}
	int split = (int32_t)rd32(sh + 12, big);
	if (split || bitmap_len / 2 > MAX_BITMAP_BYTES || bitmap_len == 0)
		return 0;       /* not checked further */
	uint64_t half = bitmap_len / 2;
	uint64_t bits_used = max_mapnr ? (max_mapnr + 7) / 8 : half;
	if (bits_used > half)
		bits_used = half;
	uint8_t *bm = malloc(bits_used ? bits_used : 1);
	if (!bm)
		return 0;
	if (src_read(s, bitmap_off + half, bm, bits_used) < 0) {
		snprintf(in->truncated, sizeof(in->truncated), "%s", g_err);
		free(bm);
		return 0;
	}
	uint64_t npages = 0;
	for (uint64_t i = 0; i < bits_used; i++)
		npages += (uint64_t)__builtin_popcount(bm[i]);
	free(bm);
	add_extra(in, "kdump_dumped_pages", "%" PRIu64, npages);
	if (npages == 0)
		return 0;
	uint64_t last = desc_off + (npages - 1) * PAGE_DESC_SIZE;
	uint8_t pd[PAGE_DESC_SIZE];
	if (src_read(s, last, pd, sizeof(pd)) < 0) {
		snprintf(in->truncated, sizeof(in->truncated),
			 "the page descriptor table (%" PRIu64 " entries from 0x%" PRIx64
			 ") is cut short", npages, desc_off);
		return 0;
	}
	uint64_t poff = rd64(pd, big);
	uint32_t psize = rd32(pd + 8, big);
	if (poff > s->vsize || psize > s->vsize - poff)
		snprintf(in->truncated, sizeof(in->truncated),
			 "the last page's data (0x%" PRIx64 "+0x%x) lies beyond the end of the"
			 " %sfile (0x%" PRIx64 ")", poff, psize, s->flat ? "rebuilt " : "",
			 s->vsize);
	return 0;
}

/* ------------------------------------------------------------ identify */

static int identify(const char *path, struct src *s, struct info *in)
{
	memset(s, 0, sizeof(*s));
	memset(in, 0, sizeof(*in));
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		seterr("cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(s->fd, &st) < 0) {
		seterr("cannot stat: %s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		seterr("not an ELF core or kdump file (a directory)");
		return -1;
	}
	s->fsize = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (!S_ISREG(st.st_mode)) {
		/* block devices: ask for the size */
		off_t e = lseek(s->fd, 0, SEEK_END);
		if (e > 0)
			s->fsize = (uint64_t)e;
	}
	s->vsize = s->fsize;
	uint8_t magic[16];
	ssize_t r = pread_full(s->fd, magic, sizeof(magic), 0);
	if (r < 0) {
		seterr("cannot read: %s", strerror(errno));
		return -1;
	}
	if (r >= 4 && memcmp(magic, ELFMAG, SELFMAG) == 0) {
		if (r < EI_NIDENT || s->fsize < 64) {
			seterr("truncated: file (%" PRIu64 " bytes) ends inside the ELF header",
			       s->fsize);
			return -1;
		}
		return id_elf(s, in);
	}
	if (r >= 8 && memcmp(magic, "KDUMP   ", 8) == 0) {
		in->format = "kdump";
		return id_kdump(s, in);
	}
	if (r >= 12 && memcmp(magic, "makedumpfile", 12) == 0) {
		in->format = "kdump-flat";
		s->flat = 1;
		if (flat_index(s) < 0)
			return -1;
		if (s->nrec == 0) {
			seterr("truncated: flattened file has no data records%s%s",
			       s->flat_why[0] ? ": " : "", s->flat_why);
			return -1;
		}
		int rc = id_kdump(s, in);
		if (rc == 0 && !in->truncated[0] && !s->flat_end)
			snprintf(in->truncated, sizeof(in->truncated), "%s", s->flat_why);
		if (rc < 0 && !s->flat_end && strncmp(g_err, "truncated", 9) != 0) {
			char why[sizeof(g_err)];
			snprintf(why, sizeof(why), "%s", g_err);
			seterr("truncated: %s (%s)", s->flat_why, why);
		}
		add_extra(in, "flat_records", "%zu", s->nrec);
		return rc;
	}
	if (r < 8 && (r == 0 || memcmp(magic, "KDUMP   ", (size_t)r) == 0 ||
		      memcmp(magic, ELFMAG, r < 4 ? (size_t)r : 4) == 0 ||
		      memcmp(magic, "makedumpfile", (size_t)r) == 0))
		seterr("truncated: file has only %zd bytes", r);
	else
		seterr("not an ELF core or kdump file");
	return -1;
}

/* ---------------------------------------------------------------- output */

static const char *const keys[] = {
	"OSRELEASE", "BUILD-ID", "PAGESIZE", "KERNELOFFSET", "NUMBER(phys_base)",
	"SYMBOL(init_top_pgt)", "SYMBOL(swapper_pg_dir)", "SYMBOL(_stext)",
	"NUMBER(pgtable_l5_enabled)", "NUMBER(KERNEL_IMAGE_SIZE)", "NUMBER(sme_mask)",
	"CRASHTIME", NULL
};

struct kv { char k[64]; char *v; };
struct out { struct kv kv[48]; int n; };

static void out_add(struct out *o, const char *k, const char *v)
{
	if (o->n >= 48 || !v)
		return;
	snprintf(o->kv[o->n].k, sizeof(o->kv[0].k), "%s", k);
	o->kv[o->n].v = strdup(v);
	if (!o->kv[o->n].v)
		return;
	o->n++;
}

static void print_text_value(FILE *f, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
}

static void print_json_string(FILE *f, const char *v)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void out_print(const struct out *o, int json)
{
	if (!json) {
		for (int i = 0; i < o->n; i++) {
			fputs(o->kv[i].k, stdout);
			fputc('=', stdout);
			print_text_value(stdout, o->kv[i].v);
			fputc('\n', stdout);
		}
		return;
	}
	fputs("{", stdout);
	for (int i = 0; i < o->n; i++) {
		fputs(i ? ", " : "", stdout);
		print_json_string(stdout, o->kv[i].k);
		fputs(": ", stdout);
		print_json_string(stdout, o->kv[i].v);
	}
	fputs("}\n", stdout);
}

/* ---------------------------------------------------- vmlinux matching */

static int is_hex_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 128 || (n & 1))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int safe_release(const char *r)
{
	if (!r || !r[0] || r[0] == '.' || strlen(r) > 64)
		return 0;
	for (const char *p = r; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-~", *p))
			return 0;
	return 1;
}

/* the NT_GNU_BUILD_ID note among the notes in d, as lowercase hex */
static int note_build_id(Elf_Data *d, char *hex, size_t hl)
{
	size_t off = 0, noff, doff, next;
	GElf_Nhdr nh;
	while ((next = gelf_getnote(d, off, &nh, &noff, &doff)) > off) {
		off = next;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp((char *)d->d_buf + noff, "GNU", 4) == 0 &&
		    nh.n_descsz > 0 && nh.n_descsz * 2 < hl) {
			const uint8_t *b = (const uint8_t *)d->d_buf + doff;
			for (size_t i = 0; i < nh.n_descsz; i++)
				sprintf(hex + 2 * i, "%02x", b[i]);
			return 1;
		}
	}
	return 0;
}

/* build id of an ELF file as lowercase hex; 1 found, 0 none */
static int elf_build_id(Elf *e, char *hex, size_t hl)
{
	Elf_Scn *scn = NULL;
	size_t nsec = 0;
	elf_getshdrnum(e, &nsec);
	for (size_t guard = 0; (scn = elf_nextscn(e, scn)) != NULL && guard < nsec + 1; guard++) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		if (note_build_id(d, hex, hl))
			return 1;
	}
	size_t phnum = 0;
	if (elf_getphdrnum(e, &phnum) != 0)
		return 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE || !ph.p_filesz ||
		    ph.p_filesz > MAX_NOTE_BYTES)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(e, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!d || !d->d_buf)
			continue;
		if (note_build_id(d, hex, hl))
			return 1;
	}
	return 0;
}

/* does "Linux version REL " appear at p? */
static int banner_is(const char *p, size_t avail, const char *rel)
{
	static const char pre[] = "Linux version ";
	size_t pl = sizeof(pre) - 1, rl = strlen(rel);
	if (avail < pl + rl + 1 || memcmp(p, pre, pl) != 0)
		return 0;
	return memcmp(p + pl, rel, rl) == 0 && p[pl + rl] == ' ';
}

static void banner_release(const char *p, size_t avail, char *out, size_t ol)
{
	static const char pre[] = "Linux version ";
	size_t pl = sizeof(pre) - 1, i = 0;
	out[0] = 0;
	if (avail < pl || memcmp(p, pre, pl) != 0)
		return;
	for (size_t j = pl; j < avail && i + 1 < ol && p[j] != ' ' && p[j] != 0; j++)
		out[i++] = isprint((unsigned char)p[j]) ? p[j] : '?';
	out[i] = 0;
}

/*
 * Release check through linux_banner ("Linux version <release> (...").
 * 1 match, 0 mismatch (why), -1 cannot tell (why).
 */
static int elf_banner_check(Elf *e, const char *rel, char *why, size_t wl)
{
	Elf_Scn *scn = NULL;
	size_t nsec = 0;
	elf_getshdrnum(e, &nsec);
	/* 1: the linux_banner symbol */
	for (size_t guard = 0; (scn = elf_nextscn(e, scn)) != NULL && guard < nsec + 1; guard++) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		size_t nsym = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < nsym; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			const char *nm = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!nm || strcmp(nm, "linux_banner") != 0)
				continue;
			Elf_Scn *ds = elf_getscn(e, sym.st_shndx);
			GElf_Shdr dsh;
			if (!ds || !gelf_getshdr(ds, &dsh) || dsh.sh_type != SHT_PROGBITS)
				break;  /* e.g. NOBITS in a split .debug file */
			Elf_Data *dd = elf_getdata(ds, NULL);
			if (!dd || !dd->d_buf || sym.st_value < dsh.sh_addr ||
			    sym.st_value - dsh.sh_addr >= dd->d_size)
				break;
			size_t o = sym.st_value - dsh.sh_addr;
			const char *p = (const char *)dd->d_buf + o;
			size_t avail = dd->d_size - o;
			if (banner_is(p, avail, rel))
				return 1;
			char got[80];
			banner_release(p, avail, got, sizeof(got));
			snprintf(why, wl, "linux_banner says release %s", got[0] ? got : "(unparsable)");
			return 0;
		}
	}
	/* 2: scan allocated PROGBITS sections for the banner text */
	scn = NULL;
	for (size_t guard = 0; (scn = elf_nextscn(e, scn)) != NULL && guard < nsec + 1; guard++) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		const char *p = d->d_buf, *end = p + d->d_size;
		while (p < end) {
			const char *h = memmem(p, (size_t)(end - p), "Linux version ", 14);
			if (!h)
				break;
			if (banner_is(h, (size_t)(end - h), rel))
				return 1;
			char got[80];
			banner_release(h, (size_t)(end - h), got, sizeof(got));
			if (got[0] && got[0] != '%') {
				snprintf(why, wl, "banner says release %s", got);
				return 0;
			}
			p = h + 14;
		}
	}
	snprintf(why, wl, "no readable linux_banner");
	return -1;
}

/* 2 build-id match, 1 release match, 0 mismatch, -1 unusable; why set */
static int verify_vmlinux(const char *path, const char *bid, const char *rel,
			  char *why, size_t wl)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wl, "%s", strerror(errno));
		return -1;
	}
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		snprintf(why, wl, "not an ELF file");
		if (e)
			elf_end(e);
		close(fd);
		return -1;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh) || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		snprintf(why, wl, "not an ELF executable (vmlinux)");
		elf_end(e);
		close(fd);
		return -1;
	}
	int rc;
	char hex[300];
	if (bid && elf_build_id(e, hex, sizeof(hex))) {
		if (strcasecmp(hex, bid) == 0) {
			rc = 2;
		} else {
			snprintf(why, wl, "build-id %s differs", hex);
			rc = 0;
		}
	} else if (rel && rel[0]) {
		/* no build id known, or the file has no build-id note */
		rc = elf_banner_check(e, rel, why, wl);
	} else {
		snprintf(why, wl, "neither build-id nor release known");
		rc = -1;
	}
	elf_end(e);
	close(fd);
	return rc;
}

static int path_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int do_match(char **dirs, int ndirs, const char *bid, const char *rel,
		    struct out *o)
{
	static const char *const default_dirs[] = { "/usr/lib/debug", "/boot", "/", NULL };
	const char *const *dl = (const char *const *)dirs;
	if (ndirs == 0) {
		dl = default_dirs;
		ndirs = 3;
	}
	if (bid && !is_hex_id(bid))
		bid = NULL;
	int relok = safe_release(rel);
	char tried[4096] = "";
	size_t tl = 0;
	int ncand = 0;
	for (int d = 0; d < ndirs; d++) {
		const char *dir = dl[d];
		char cand[24][4096];
		int nc = 0;
		struct stat st;
		if (stat(dir, &st) == 0 && S_ISREG(st.st_mode)) {
			snprintf(cand[nc++], sizeof(cand[0]), "%s", dir);
		} else {
			if (bid) {
				const char *pre[] = { "/.build-id/", "/usr/lib/debug/.build-id/",
						      "/lib/debug/.build-id/", "/" };
				for (int i = 0; i < 4; i++) {
					snprintf(cand[nc++], sizeof(cand[0]), "%s%s%.2s/%s.debug",
						 dir, pre[i], bid, bid + 2);
					if (i < 3)
						snprintf(cand[nc++], sizeof(cand[0]), "%s%s%.2s/%s",
							 dir, pre[i], bid, bid + 2);
				}
			}
			if (relok) {
				const char *fmt[] = {
					"%s/vmlinux-%s", "%s/%s/vmlinux", "%s/boot/vmlinux-%s",
					"%s/usr/lib/debug/boot/vmlinux-%s",
					"%s/lib/debug/boot/vmlinux-%s",
					"%s/usr/lib/debug/lib/modules/%s/vmlinux",
					"%s/lib/modules/%s/vmlinux",
					"%s/lib/modules/%s/build/vmlinux",
				};
				for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++)
					snprintf(cand[nc++], sizeof(cand[0]), fmt[i], dir, rel);
			}
			snprintf(cand[nc++], sizeof(cand[0]), "%s/vmlinux", dir);
		}
		for (int i = 0; i < nc; i++) {
			if (!path_exists(cand[i]))
				continue;
			ncand++;
			char why[512] = "";
			int rc = verify_vmlinux(cand[i], bid, rel, why, sizeof(why));
			if (rc >= 1) {
				char *rp = realpath(cand[i], NULL);
				out_add(o, "vmlinux", cand[i]);
				if (rp && strcmp(rp, cand[i]) != 0)
					out_add(o, "vmlinux_realpath", rp);
				free(rp);
				out_add(o, "vmlinux_verified", rc == 2 ? "build-id" : "release");
				return 0;
			}
			int n = snprintf(tried + tl, sizeof(tried) - tl, "\n  %s: %s", cand[i], why);
			if (n > 0 && (size_t)n < sizeof(tried) - tl)
				tl += (size_t)n;
		}
	}
	seterr("no matching vmlinux for release %s%s%s in %d director%s%s%s",
	       rel ? rel : "(unknown)", bid ? ", build-id " : "", bid ? bid : "", ndirs,
	       ndirs == 1 ? "y" : "ies",
	       ncand ? "; candidates rejected:" : " (no candidate file found)", tried);
	return -1;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmcore-id [--json] [--raw] [--get KEY] [--allow-truncated] VMCORE\n"
"       vmcore-id [--json] VMCORE --match [DIR...]\n"
"\n"
"Identify a Linux vmcore (ELF, kdump-compressed or flattened makedumpfile\n"
"format) from its VMCOREINFO: prints format=, machine=, OSRELEASE=, BUILD-ID=,\n"
"PAGESIZE=, KERNELOFFSET=, NUMBER(phys_base)=, SYMBOL(init_top_pgt)=, ... as\n"
"key=value lines.\n"
"\n"
"  -j, --json             one JSON object (all values are strings)\n"
"  -r, --raw              print the whole VMCOREINFO text instead\n"
"  -g, --get KEY          print only the value of VMCOREINFO key KEY\n"
"  -m, --match[=DIR]      find the vmlinux matching the dump in DIR (repeatable;\n"
"                         further non-option arguments are DIRs too; default\n"
"                         /usr/lib/debug /boot /): .build-id/xx/yyyy.debug,\n"
"                         vmlinux-REL, REL/vmlinux, boot/vmlinux-REL,\n"
"                         usr/lib/debug/boot/vmlinux-REL, lib/modules/REL/vmlinux,\n"
"                         vmlinux; verified by build-id or linux_banner\n"
"  -t, --allow-truncated  exit 0 for a truncated dump (truncated= is printed)\n"
"  -h, --help\n"
"\n"
"exit: 0 ok; 1 usage or --get KEY absent; 2 not a dump, unreadable, truncated\n"
"or no VMCOREINFO; 3 no matching vmlinux\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "get", required_argument, NULL, 'g' },
		{ "match", optional_argument, NULL, 'm' },
		{ "allow-truncated", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, raw = 0, match = 0, allow_trunc = 0, c;
	const char *get = NULL;
	char **dirs = xcalloc((size_t)argc + 1, sizeof(char *));
	int ndirs = 0;
	while ((c = getopt_long(argc, argv, "jrg:m::th", lo, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'r': raw = 1; break;
		case 'g': get = optarg; break;
		case 'm':
			match = 1;
			if (optarg)
				dirs[ndirs++] = optarg;
			break;
		case 't': allow_trunc = 1; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *path = argv[optind++];
	if (optind < argc && !match) {
		fprintf(stderr, "%s: extra arguments (directories need --match)\n", prog);
		return EX_USAGE;
	}
	while (optind < argc)
		dirs[ndirs++] = argv[optind++];

	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "%s: libelf initialisation failed\n", prog);
		return EX_BADDUMP;
	}
	struct src s;
	struct info in;
	int rc = identify(path, &s, &in);
	if (rc < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, g_err);
		if (json) {
			fputs("{\"error\": ", stdout);
			print_json_string(stdout, g_err);
			fputs(", \"exit\": \"2\"}\n", stdout);
		}
		return EX_BADDUMP;
	}
	if (raw) {
		if (json)
			print_json_string(stdout, in.vmci), fputc('\n', stdout);
		else {
			for (const char *p = in.vmci; *p; p++)
				fputc((*p >= 0x20 && *p < 0x7f) || *p == '\n' ? *p : '?', stdout);
			if (in.vmci_len && in.vmci[in.vmci_len - 1] != '\n')
				fputc('\n', stdout);
		}
		return in.truncated[0] && !allow_trunc ? EX_BADDUMP : EX_OK;
	}
	if (get) {
		char *v = vmci_get(&in, get);
		if (!v) {
			fprintf(stderr, "%s: %s: no %s in VMCOREINFO\n", prog, path, get);
			return EX_USAGE;
		}
		print_text_value(stdout, v);
		fputc('\n', stdout);
		free(v);
		return EX_OK;
	}

	struct out o;
	memset(&o, 0, sizeof(o));
	out_add(&o, "format", in.format);
	out_add(&o, "machine", in.machine);
	for (int i = 0; keys[i]; i++) {
		char *v = vmci_get(&in, keys[i]);
		out_add(&o, keys[i], v);
		if (v && strcmp(keys[i], "CRASHTIME") == 0) {
			char *end;
			errno = 0;
			long long t = strtoll(v, &end, 10);
			struct tm tm;
			time_t tt = (time_t)t;
			if (!errno && end != v && !*end && t > 0 && gmtime_r(&tt, &tm)) {
				char b[64];
				strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
				out_add(&o, "crashtime_utc", b);
			}
		}
		free(v);
	}
	/* QEMU parses the kernel's decimal NUMBER(phys_base) as hex when it
	 * fills the kdump sub header: say whether the two agree */
	const char *kpb = NULL;
	for (int i = 0; i < in.nextra; i++)
		if (strcmp(in.extra[i][0], "kdump_phys_base") == 0)
			kpb = in.extra[i][1];
	char *npb = vmci_get(&in, "NUMBER(phys_base)");
	if (kpb && npb) {
		char *e1, *e2;
		errno = 0;
		unsigned long long a = strtoull(kpb, &e1, 16);
		long long bv = strtoll(npb, &e2, 10);
		if (!errno && !*e1 && !*e2 && e2 != npb)
			add_extra(&in, "kdump_phys_base_agrees",
				  "%s", a == (unsigned long long)bv ? "yes" : "no");
	}
	free(npb);
	char b[64];
	snprintf(b, sizeof(b), "%zu", in.vmci_len);
	out_add(&o, "vmcoreinfo_size", b);
	out_add(&o, "vmcoreinfo_source", in.vmci_how);
	for (int i = 0; i < in.nextra; i++)
		out_add(&o, in.extra[i][0], in.extra[i][1]);
	if (in.truncated[0])
		out_add(&o, "truncated", in.truncated);

	int ex = EX_OK;
	if (match) {
		char *rel = vmci_get(&in, "OSRELEASE");
		char *bid = vmci_get(&in, "BUILD-ID");
		if (do_match(dirs, ndirs, bid, rel, &o) < 0)
			ex = EX_NOMATCH;
		free(rel);
		free(bid);
	}
	out_print(&o, json);
	if (ex == EX_NOMATCH)
		fprintf(stderr, "%s: %s: %s\n", prog, path, g_err);
	if (in.truncated[0] && !allow_trunc) {
		fprintf(stderr, "%s: %s: truncated: %s\n", prog, path, in.truncated);
		if (ex == EX_OK)
			ex = EX_BADDUMP;
	}
	for (int i = 0; i < o.n; i++)
		free(o.kv[i].v);
	free(in.vmci);
	free(s.rec);
	free(dirs);
	if (s.fd >= 0)
		close(s.fd);
	return ex;
}
