/*
 * mkcore - synthetic inputs for the vmcore-id / vmcore-inject tests.
 *
 *   mkcore elf OUT [--l5] [--release R] [--build-id HEX|none] [--crashtime T|none]
 *                  [--qemu-wrap] [--no-vmcoreinfo] [--no-pgt] [--vaddr] [--be]
 *       tiny x86_64 ELF core: PT_NOTE (CORE note + VMCOREINFO), three PT_LOADs
 *       (PA 0-1M, 16M-18M, 32M+2K of 4K in the file), real 4- or 5-level page
 *       tables (direct map by a 1G page, kernel text by a 2M page, vmalloc by
 *       4K pages), every other u64 = 0x5a5a000000000000|PA.  Prints the layout.
 *   mkcore kdump OUT [--flat FLAT] [--version N] [--release R] [--be]
 *                  [--no-vmcoreinfo] [--incomplete]
 *       kdump-compressed file (8 pages, half zlib), optionally also its
 *       flattened form (records out of order, one overridden record)
 *   mkcore vmlinux OUT [--release R] [--banner R] [--build-id HEX|none]
 *       minimal ELF executable: build-id note, linux_banner, page_offset_base
 *   mkcore mutate FILE SEED COUNT LIMIT [START]
 *       overwrite COUNT random bytes/fields in [START, LIMIT) (deterministic)
 *
 * Test helper only; built by tests/tools/run.sh.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PAGE 4096u
#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define KASLR            UINT64_C(0x1000000)
#define PHYS_BASE        ((uint64_t)-(int64_t)0x1000000)
#define TEXT_VA          UINT64_C(0xffffffff82000000)   /* runtime, 2M page */
#define PGT_VA           (TEXT_VA + 0x10000)            /* init_top_pgt */
#define POBVAR_LINK      UINT64_C(0xffffffff81100000)   /* page_offset_base */
#define TESTVAR_LINK     (POBVAR_LINK + 0x100)
#define POB4             UINT64_C(0xffff9b4a40000000)
#define POB5             UINT64_C(0xff2d400000000000)
#define VMA4             UINT64_C(0xffffc90000000000)
#define VMA5             UINT64_C(0xffa0000000000000)

static int big;

/* room for the flattened form of a kdump file of n bytes */
#define FLAT_CAP(n) (4096 + 16 + 600 + ((n) / 1000 + 2) * 16 + (n) + 16)

static void die(const char *m)
{
	fprintf(stderr, "mkcore: %s: %s\n", m, strerror(errno));
	exit(1);
}

static void w16(uint8_t *p, uint16_t v) { for (int i = 0; i < 2; i++) p[big ? 1 - i : i] = (uint8_t)(v >> (8 * i)); }
static void w32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[big ? 3 - i : i] = (uint8_t)(v >> (8 * i)); }
static void w64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[big ? 7 - i : i] = (uint8_t)(v >> (8 * i)); }
static void w64be(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[7 - i] = (uint8_t)(v >> (8 * i)); }

static void writefile(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	const char *p = buf;
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r <= 0)
			die(path);
		p += r;
		len -= (size_t)r;
	}
	close(fd);
}

/* append an ELF note (4-byte aligned) to buf at *pos */
static void note(uint8_t *buf, size_t *pos, const char *name, uint32_t type,
		 const void *desc, size_t dl)
{
	size_t nl = strlen(name) + 1;
	w32(buf + *pos, (uint32_t)nl);
	w32(buf + *pos + 4, (uint32_t)dl);
	w32(buf + *pos + 8, type);
	*pos += 12;
	memcpy(buf + *pos, name, nl);
	*pos += (nl + 3) & ~(size_t)3;
	memcpy(buf + *pos, desc, dl);
	*pos += (dl + 3) & ~(size_t)3;
}

static size_t vmcoreinfo(char *out, size_t ol, const char *rel, const char *bid,
			 const char *crashtime, int l5, int pgt)
{
	size_t n = 0;
	n += (size_t)snprintf(out + n, ol - n, "OSRELEASE=%s\n", rel);
	if (bid)
		n += (size_t)snprintf(out + n, ol - n, "BUILD-ID=%s\n", bid);
	n += (size_t)snprintf(out + n, ol - n, "PAGESIZE=4096\n");
	if (pgt)
		n += (size_t)snprintf(out + n, ol - n,
				      "SYMBOL(init_uts_ns)=ffffffff82200000\n"
				      "SYMBOL(swapper_pg_dir)=%" PRIx64 "\n"
				      "SYMBOL(_stext)=%" PRIx64 "\n", PGT_VA, TEXT_VA);
	n += (size_t)snprintf(out + n, ol - n,
			      "SIZE(mm_struct)=1344\nOFFSET(mm_struct.pgd)=80\n"
			      "NUMBER(phys_base)=%" PRId64 "\n", (int64_t)PHYS_BASE);
	if (pgt)
		n += (size_t)snprintf(out + n, ol - n, "SYMBOL(init_top_pgt)=%" PRIx64 "\n", PGT_VA);
	n += (size_t)snprintf(out + n, ol - n,
			      "NUMBER(pgtable_l5_enabled)=%d\nKERNELOFFSET=%" PRIx64 "\n"
			      "NUMBER(KERNEL_IMAGE_SIZE)=1073741824\nNUMBER(sme_mask)=0\n",
			      l5, KASLR);
	if (crashtime)
		n += (size_t)snprintf(out + n, ol - n, "CRASHTIME=%s\n", crashtime);
	return n;
}

/* ------------------------------------------------------------------ elf */

struct mem { uint64_t pa; size_t len; size_t filesz; uint8_t *b; };
static struct mem mem[3] = {
	{ 0, 0x100000, 0x100000, NULL },
	{ 0x1000000, 0x200000, 0x200000, NULL },
	{ 0x2000000, 0x1000, 0x800, NULL },
};
static uint64_t next_table = 0x10000;

static uint8_t *pa_ptr(uint64_t pa)
{
	for (int i = 0; i < 3; i++)
		if (pa >= mem[i].pa && pa < mem[i].pa + mem[i].len)
			return mem[i].b + (pa - mem[i].pa);
	fprintf(stderr, "mkcore: internal: PA %" PRIx64 " not backed\n", pa);
	exit(1);
}

static uint64_t new_table(void)
{
	uint64_t t = next_table;
	next_table += PAGE;
	memset(pa_ptr(t), 0, PAGE);
	return t;
}

/* map va -> pa at level leaf (4 = 4K PTE, 3 = 2M PMD, 2 = 1G PUD) */
static void map(uint64_t top, int l5, uint64_t va, uint64_t pa, int leaf)
{
	static const int shift[5] = { 48, 39, 30, 21, 12 };
	uint64_t table = top;
	for (int l = l5 ? 0 : 1; l <= leaf; l++) {
		uint8_t *e = pa_ptr(table + ((va >> shift[l]) & 511) * 8);
		if (l == leaf) {
			uint64_t flags = 0x63 | (l < 4 ? 0x80 : 0) | UINT64_C(0x8000000000000000);
			w64(e, pa | flags);
			return;
		}
		uint64_t cur = 0;
		for (int i = 0; i < 8; i++)
			cur |= (uint64_t)e[big ? 7 - i : i] << (8 * i);
		if (!(cur & 1)) {
			cur = new_table() | 0x67;
			w64(e, cur);
		}
		table = cur & UINT64_C(0x000ffffffffff000);
	}
}

static int mk_elf(int argc, char **argv)
{
	const char *out = argv[2], *rel = "6.1.0-99-test-amd64";
	const char *bid = "0123456789abcdef0123456789abcdef01234567", *crash = "1700000000";
	int l5 = 0, wrap = 0, novmci = 0, nopgt = 0, vaddr = 0;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--l5")) l5 = 1;
		else if (!strcmp(argv[i], "--release") && i + 1 < argc) rel = argv[++i];
		else if (!strcmp(argv[i], "--build-id") && i + 1 < argc) { bid = argv[++i]; if (!strcmp(bid, "none")) bid = NULL; }
		else if (!strcmp(argv[i], "--crashtime") && i + 1 < argc) { crash = argv[++i]; if (!strcmp(crash, "none")) crash = NULL; }
		else if (!strcmp(argv[i], "--qemu-wrap")) wrap = 1;
		else if (!strcmp(argv[i], "--no-vmcoreinfo")) novmci = 1;
		else if (!strcmp(argv[i], "--no-pgt")) nopgt = 1;
		else if (!strcmp(argv[i], "--vaddr")) vaddr = 1;
		else if (!strcmp(argv[i], "--be")) big = 1;
		else { fprintf(stderr, "mkcore elf: bad option %s\n", argv[i]); return 2; }
	}
	uint64_t pob = l5 ? POB5 : POB4, vma = l5 ? VMA5 : VMA4;
	for (int i = 0; i < 3; i++) {
		mem[i].b = calloc(1, mem[i].len);
		if (!mem[i].b)
			die("calloc");
		for (size_t o = 0; o < mem[i].len; o += 8)
			w64(mem[i].b + o, UINT64_C(0x5a5a000000000000) | (mem[i].pa + o));
	}
	uint64_t top = PGT_VA - START_KERNEL_MAP + PHYS_BASE;   /* in mem[1] */
	memset(pa_ptr(top), 0, PAGE);
	map(top, l5, pob, 0, 2);                        /* direct map: 1G page */
	map(top, l5, TEXT_VA, 0x1000000, 3);            /* text: 2M page */
	map(top, l5, vma + 0x0000, 0x5000, 4);          /* vmalloc, 4K pages */
	map(top, l5, vma + 0x1000, 0x3000, 4);          /*   out of PA order */
	map(top, l5, vma + 0x3000, 0x800000, 4);        /*   PA in a hole */
	map(top, l5, vma + 0x4000, 0x2000000, 4);       /*   half in the file */
	/* vma + 0x2000: not present (its PTE table exists, entry 0) */
	w64(pa_ptr(POBVAR_LINK + KASLR - START_KERNEL_MAP + PHYS_BASE), pob);

	/* notes */
	uint8_t notes[8192];
	size_t np = 0;
	uint8_t prstatus[336];
	memset(prstatus, 0, sizeof(prstatus));
	note(notes, &np, "CORE", 1, prstatus, sizeof(prstatus));
	char vi[2048];
	size_t vl = vmcoreinfo(vi, sizeof(vi), rel, bid, crash, l5, !nopgt);
	if (!novmci) {
		if (wrap) {
			/* the guest's note wrapped inside a note of another name */
			uint8_t inner[4096];
			size_t ip = 0;
			memset(inner, 0xee, 20);
			ip = 20;
			note(inner, &ip, "VMCOREINFO", 0, vi, vl);
			note(notes, &np, "QEMU", 0x4d455551, inner, ip);
		} else {
			note(notes, &np, "VMCOREINFO", 0, vi, vl);
		}
	}
	/* layout: ehdr, 4 phdrs, notes, then the segments page-aligned */
	size_t phoff = 64, nph = 4, noteoff = phoff + nph * 56;
	size_t off = (noteoff + np + PAGE - 1) & ~(size_t)(PAGE - 1);
	size_t total = off;
	for (int i = 0; i < 3; i++)
		total += mem[i].filesz;
	uint8_t *f = calloc(1, total);
	if (!f)
		die("calloc");
	memcpy(f, ELFMAG, SELFMAG);
	f[EI_CLASS] = ELFCLASS64;
	f[EI_DATA] = big ? ELFDATA2MSB : ELFDATA2LSB;
	f[EI_VERSION] = EV_CURRENT;
	w16(f + 16, ET_CORE);
	w16(f + 18, EM_X86_64);
	w32(f + 20, EV_CURRENT);
	w64(f + 32, phoff);
	w16(f + 52, 64);
	w16(f + 54, 56);
	w16(f + 56, (uint16_t)nph);
	uint8_t *ph = f + phoff;
	w32(ph, PT_NOTE);
	w64(ph + 8, noteoff);
	w64(ph + 32, np);
	w64(ph + 40, np);
	memcpy(f + noteoff, notes, np);
	for (int i = 0; i < 3; i++) {
		ph = f + phoff + 56 * (size_t)(i + 1);
		w32(ph, PT_LOAD);
		w32(ph + 4, 7);
		w64(ph + 8, off);
		w64(ph + 16, vaddr ? pob + mem[i].pa : 0);
		w64(ph + 24, mem[i].pa);
		w64(ph + 32, mem[i].filesz);
		w64(ph + 40, mem[i].len);
		memcpy(f + off, mem[i].b, mem[i].filesz);
		off += mem[i].filesz;
	}
	writefile(out, f, total);
	printf("pob=0x%" PRIx64 "\nvmalloc=0x%" PRIx64 "\ntext=0x%" PRIx64 "\ntext_pa=0x1000000\n"
	       "init_top_pgt=0x%" PRIx64 "\npgt_pa=0x%" PRIx64 "\nseg_offset=0x%zx\n"
	       "release=%s\nbuild_id=%s\nsize=%zu\n", pob, vma, TEXT_VA, PGT_VA, top,
	       total - mem[0].filesz - mem[1].filesz - mem[2].filesz, rel, bid ? bid : "", total);
	return 0;
}

/* ---------------------------------------------------------------- kdump */

static int mk_kdump(int argc, char **argv)
{
	const char *out = argv[2], *flat = NULL, *rel = "5.10.0-99-test-amd64";
	int version = 6, novmci = 0, incomplete = 0;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--flat") && i + 1 < argc) flat = argv[++i];
		else if (!strcmp(argv[i], "--version") && i + 1 < argc) version = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--release") && i + 1 < argc) rel = argv[++i];
		else if (!strcmp(argv[i], "--no-vmcoreinfo")) novmci = 1;
		else if (!strcmp(argv[i], "--incomplete")) incomplete = 1;
		else if (!strcmp(argv[i], "--be")) big = 1;
		else { fprintf(stderr, "mkcore kdump: bad option %s\n", argv[i]); return 2; }
	}
	const uint32_t bs = PAGE, npages = 8, max_mapnr = 256;
	size_t cap = 64 * PAGE;
	uint8_t *f = calloc(1, cap);
	if (!f)
		die("calloc");
	/* disk_dump_header */
	memcpy(f, "KDUMP   ", 8);
	w32(f + 8, (uint32_t)version);
	memcpy(f + 12, "Linux", 5);
	memcpy(f + 12 + 65, "testhost", 8);
	memcpy(f + 12 + 130, rel, strlen(rel) < 64 ? strlen(rel) : 64);
	memcpy(f + 12 + 260, "x86_64", 6);
	w32(f + 424, 0x1 | (incomplete ? 0x8 : 0));   /* zlib */
	w32(f + 428, bs);
	w32(f + 432, 1);                /* sub_hdr_size */
	w32(f + 436, 2);                /* bitmap_blocks */
	w32(f + 440, max_mapnr);
	w32(f + 460, 2);                /* nr_cpus */
	/* sub header at block 1, notes after it */
	uint8_t *sh = f + bs;
	w64(sh, PHYS_BASE);
	w32(sh + 8, 31);
	uint64_t note_off = bs + 128;
	char vi[2048];
	size_t vl = vmcoreinfo(vi, sizeof(vi), rel, NULL, NULL, 0, 1);
	size_t np = 0;
	uint8_t prstatus[336];
	memset(prstatus, 0, sizeof(prstatus));
	note(f + note_off, &np, "CORE", 1, prstatus, sizeof(prstatus));
	size_t vnote = np;
	note(f + note_off, &np, "VMCOREINFO", 0, vi, vl);
	if (version >= 3 && !novmci) {
		w64(sh + 32, note_off + vnote + 12 + 12);
		w64(sh + 40, vl);
	}
	if (version >= 4) {
		w64(sh + 48, novmci ? 0 : note_off);
		w64(sh + 56, novmci ? 0 : np);
	}
	if (version >= 6) {
		w64(sh + 80, 0);
		w64(sh + 88, max_mapnr);
		w64(sh + 96, max_mapnr);
	}
	/* bitmaps: blocks 2 (valid) and 3 (dumpable) */
	memset(f + 2 * bs, 0xff, max_mapnr / 8);
	f[3 * bs] = 0xff;       /* pfns 0-7 */
	/* page descs at block 4, data from block 5 */
	uint64_t desc = 4 * bs, data = 5 * bs;
	for (uint32_t p = 0; p < npages; p++) {
		uint8_t page[PAGE];
		for (size_t o = 0; o < PAGE; o += 8)
			w64(page + o, UINT64_C(0x5a5a000000000000) | ((uint64_t)p * PAGE + o));
		uLongf cl = compressBound(PAGE);
		uint8_t cbuf[PAGE * 2];
		uint32_t size = PAGE, flags = 0;
		if (!(p & 1) && compress2(cbuf, &cl, page, PAGE, 6) == Z_OK && cl < PAGE) {
			memcpy(f + data, cbuf, cl);
			size = (uint32_t)cl;
			flags = 1;
		} else {
			memcpy(f + data, page, PAGE);
		}
		w64(f + desc, data);
		w32(f + desc + 8, size);
		w32(f + desc + 12, flags);
		w64(f + desc + 16, 0);
		desc += 24;
		data += size;
	}
	size_t total = (size_t)data;
	writefile(out, f, total);
	if (flat) {
		/* header, then records in reverse order of 1000-byte chunks, with a
		 * garbage record for the header first (overridden later) */
		size_t fcap = FLAT_CAP(total);
		uint8_t *g = calloc(1, fcap);
		if (!g)
			die("calloc");
		memcpy(g, "makedumpfile", 12);
		w64be(g + 16, 1);
		w64be(g + 24, 1);
		size_t gp = 4096;
		uint8_t junk[600];
		memset(junk, 0xa5, sizeof(junk));
		w64be(g + gp, 0);
		w64be(g + gp + 8, sizeof(junk));
		memcpy(g + gp + 16, junk, sizeof(junk));
		gp += 16 + sizeof(junk);
		size_t nchunk = (total + 999) / 1000;
		for (size_t c = nchunk; c-- > 0;) {
			size_t o = c * 1000, l = total - o < 1000 ? total - o : 1000;
			w64be(g + gp, o);
			w64be(g + gp + 8, l);
			memcpy(g + gp + 16, f + o, l);
			gp += 16 + l;
		}
		w64be(g + gp, UINT64_MAX);
		w64be(g + gp + 8, UINT64_MAX);
		gp += 16;
		writefile(flat, g, gp);
		free(g);
	}
	printf("size=%zu\nrelease=%s\n", total, rel);
	free(f);
	return 0;
}

/* -------------------------------------------------------------- vmlinux */

static int mk_vmlinux(int argc, char **argv)
{
	const char *out = argv[2], *rel = "6.1.0-99-test-amd64", *banner = NULL;
	const char *bid = "0123456789abcdef0123456789abcdef01234567";
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--release") && i + 1 < argc) rel = argv[++i];
		else if (!strcmp(argv[i], "--banner") && i + 1 < argc) banner = argv[++i];
		else if (!strcmp(argv[i], "--build-id") && i + 1 < argc) { bid = argv[++i]; if (!strcmp(bid, "none")) bid = NULL; }
		else { fprintf(stderr, "mkcore vmlinux: bad option %s\n", argv[i]); return 2; }
	}
	if (!banner)
		banner = rel;
	uint8_t f[16384];
	memset(f, 0, sizeof(f));
	size_t p = 64;
	/* .note.gnu.build-id */
	size_t note_off = p, note_len = 0;
	if (bid) {
		uint8_t id[64];
		size_t n = strlen(bid) / 2;
		for (size_t i = 0; i < n && i < sizeof(id); i++)
			sscanf(bid + 2 * i, "%2hhx", &id[i]);
		note(f + p, &note_len, "GNU", NT_GNU_BUILD_ID, id, n);
		p += note_len;
	}
	p = (p + 15) & ~(size_t)15;
	/* .rodata with the banner at +0x100 */
	size_t ro_off = p, ro_len = 0x200;
	snprintf((char *)f + ro_off + 0x10, 64, "%%s version %%s (%%s)\n");
	snprintf((char *)f + ro_off + 0x100, 0x100,
		 "Linux version %s (test@example) (gcc 12) #1 SMP Debian\n", banner);
	p += ro_len;
	/* .data: page_offset_base at +0, test_var at +0x100 */
	size_t da_off = p, da_len = 0x200;
	p += da_len;
	/* .symtab */
	static const char strtab[] = "\0linux_banner\0page_offset_base\0test_var\0init_top_pgt\0";
	size_t sy_off = p;
	struct { uint32_t name; uint8_t info; uint16_t shndx; uint64_t val, size; } syms[] = {
		{ 0, 0, 0, 0, 0 },
		{ 1, 0x11, 2, UINT64_C(0xffffffff81800100), 0x100 },
		{ 14, 0x11, 3, POBVAR_LINK, 8 },
		{ 31, 0x11, 3, TESTVAR_LINK, 8 },
		{ 40, 0x11, SHN_ABS, PGT_VA - KASLR, 4096 },
	};
	size_t nsy = sizeof(syms) / sizeof(syms[0]);
	for (size_t i = 0; i < nsy; i++) {
		uint8_t *s = f + p + 24 * i;
		w32(s, syms[i].name);
		s[4] = syms[i].info;
		w16(s + 6, syms[i].shndx);
		w64(s + 8, syms[i].val);
		w64(s + 16, syms[i].size);
	}
	p += 24 * nsy;
	size_t st_off = p;
	memcpy(f + p, strtab, sizeof(strtab));
	p += sizeof(strtab);
	static const char shstr[] = "\0.note.gnu.build-id\0.rodata\0.data\0.symtab\0.strtab\0.shstrtab\0";
	size_t shs_off = p;
	memcpy(f + p, shstr, sizeof(shstr));
	p += sizeof(shstr);
	p = (p + 7) & ~(size_t)7;
	size_t shoff = p;
	struct { uint32_t name, type; uint64_t flags, addr, off, size; uint32_t link, info; uint64_t align, entsize; } sh[] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 1, SHT_NOTE, SHF_ALLOC, UINT64_C(0xffffffff81000000), note_off, note_len, 0, 0, 4, 0 },
		{ 20, SHT_PROGBITS, SHF_ALLOC, UINT64_C(0xffffffff81800000), ro_off, ro_len, 0, 0, 16, 0 },
		{ 28, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, POBVAR_LINK, da_off, da_len, 0, 0, 16, 0 },
		{ 34, SHT_SYMTAB, 0, 0, sy_off, 24 * nsy, 5, 1, 8, 24 },
		{ 42, SHT_STRTAB, 0, 0, st_off, sizeof(strtab), 0, 0, 1, 0 },
		{ 50, SHT_STRTAB, 0, 0, shs_off, sizeof(shstr), 0, 0, 1, 0 },
	};
	size_t nsh = sizeof(sh) / sizeof(sh[0]);
	for (size_t i = 0; i < nsh; i++) {
		uint8_t *s = f + p + 64 * i;
		w32(s, sh[i].name);
		w32(s + 4, sh[i].type);
		w64(s + 8, sh[i].flags);
		w64(s + 16, sh[i].addr);
		w64(s + 24, sh[i].off);
		w64(s + 32, sh[i].size);
		w32(s + 40, sh[i].link);
		w32(s + 44, sh[i].info);
		w64(s + 48, sh[i].align);
		w64(s + 56, sh[i].entsize);
	}
	p += 64 * nsh;
	memcpy(f, ELFMAG, SELFMAG);
	f[EI_CLASS] = ELFCLASS64;
	f[EI_DATA] = ELFDATA2LSB;
	f[EI_VERSION] = EV_CURRENT;
	w16(f + 16, ET_EXEC);
	w16(f + 18, EM_X86_64);
	w32(f + 20, EV_CURRENT);
	w64(f + 40, shoff);
	w16(f + 52, 64);
	w16(f + 58, 64);
	w16(f + 60, (uint16_t)nsh);
	w16(f + 62, 6);
	writefile(out, f, p);
	return 0;
}

/* --------------------------------------------------------------- mutate */

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int mk_mutate(int argc, char **argv)
{
	if (argc < 6)
		return 2;
	const char *path = argv[2];
	rng = strtoull(argv[3], NULL, 0) * UINT64_C(0x9e3779b97f4a7c15) + 1;
	int count = atoi(argv[4]);
	uint64_t limit = strtoull(argv[5], NULL, 0);
	int fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	off_t sz = lseek(fd, 0, SEEK_END);
	if (sz <= 0)
		return 0;
	uint64_t start = argc > 6 ? strtoull(argv[6], NULL, 0) : 0;
	if (limit == 0 || limit > (uint64_t)sz)
		limit = (uint64_t)sz;
	if (start >= limit)
		start = 0;
	static const uint64_t interesting[] = {
		0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, UINT64_C(0x7fffffffffffffff), UINT64_MAX, 4096, 11, 12,
	};
	for (int i = 0; i < count; i++) {
		uint64_t off = start + rnd() % (limit - start);
		uint8_t b[8];
		size_t n;
		switch (rnd() % 4) {
		case 0: /* random byte */
			b[0] = (uint8_t)rnd();
			n = 1;
			break;
		case 1: /* bit flip */
			if (pread(fd, b, 1, (off_t)off) != 1)
				continue;
			b[0] ^= (uint8_t)(1u << (rnd() % 8));
			n = 1;
			break;
		default: { /* interesting 4- or 8-byte value, either endianness */
			uint64_t v = interesting[rnd() % (sizeof(interesting) / sizeof(interesting[0]))];
			n = rnd() % 2 ? 8 : 4;
			int be = (int)(rnd() % 2);
			for (size_t k = 0; k < n; k++)
				b[be ? n - 1 - k : k] = (uint8_t)(v >> (8 * k));
			off &= ~(uint64_t)3;
			if (off + n > (uint64_t)sz)
				continue;
		}
		}
		if (pwrite(fd, b, n, (off_t)off) != (ssize_t)n)
			die("pwrite");
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkcore elf|kdump|vmlinux|mutate OUT ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "elf"))
		return mk_elf(argc, argv);
	if (!strcmp(argv[1], "kdump"))
		return mk_kdump(argc, argv);
	if (!strcmp(argv[1], "vmlinux"))
		return mk_vmlinux(argc, argv);
	if (!strcmp(argv[1], "mutate"))
		return mk_mutate(argc, argv);
	fprintf(stderr, "mkcore: unknown mode %s\n", argv[1]);
	return 2;
}
