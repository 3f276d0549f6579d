/*
 * vmcore-id - identify a Linux vmcore without crash(8).
 *
 * Reads the dump's VMCOREINFO and prints the kernel release and other keys as
 * stable "key=value" lines (or one JSON object with --json).  ELF cores,
 * kdump-compressed and makedumpfile flattened files are read by the shared
 * module dumpid.c (formats, VMCOREINFO, truncation); this file is the command
 * line, the output and, with --match DIR..., finding and verifying the
 * matching vmlinux (libelf).
 *
 * Exit: 0 ok, 1 usage (or --get KEY absent), 2 not a dump / unreadable /
 * truncated / no VMCOREINFO, 3 no matching vmlinux.
 *
 * Build: make tools (gcc -Wall -Wextra -Itools -o build/vmcore-id
 *        tools/vmcore-id.c tools/dumpid.c -lelf -lz)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "dumpid.h"

#define EX_OK      0
#define EX_USAGE   1
#define EX_BADDUMP 2
#define EX_NOMATCH 3

static const char *prog = "vmcore-id";
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
		    ph.p_filesz > DUMPID_MAX_NOTE_BYTES)
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
	dumpid_seterr("no matching vmlinux for release %s%s%s in %d director%s%s%s",
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
	dumpid_prog = prog;
	dumpid_oom_exit = EX_BADDUMP;
	char **dirs = dumpid_calloc((size_t)argc + 1, sizeof(char *));
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

	struct dumpid d;
	if (dumpid_open(&d, path) < 0 || dumpid_identify(&d) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, dumpid_err);
		if (json) {
			fputs("{\"error\": ", stdout);
			print_json_string(stdout, dumpid_err);
			fputs(", \"exit\": \"2\"}\n", stdout);
		}
		return EX_BADDUMP;
	}
	if (raw) {
		if (json)
			print_json_string(stdout, d.vmci), fputc('\n', stdout);
		else {
			for (const char *p = d.vmci; *p; p++)
				fputc((*p >= 0x20 && *p < 0x7f) || *p == '\n' ? *p : '?', stdout);
			if (d.vmci_len && d.vmci[d.vmci_len - 1] != '\n')
				fputc('\n', stdout);
		}
		return d.truncated[0] && !allow_trunc ? EX_BADDUMP : EX_OK;
	}
	if (get) {
		char *v = dumpid_vmci_get(&d, get);
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
	out_add(&o, "format", d.format);
	out_add(&o, "machine", d.machine);
	for (int i = 0; keys[i]; i++) {
		char *v = dumpid_vmci_get(&d, keys[i]);
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
	for (int i = 0; i < d.nextra; i++)
		if (strcmp(d.extra[i][0], "kdump_phys_base") == 0)
			kpb = d.extra[i][1];
	char *npb = dumpid_vmci_get(&d, "NUMBER(phys_base)");
	if (kpb && npb) {
		char *e1, *e2;
		errno = 0;
		unsigned long long a = strtoull(kpb, &e1, 16);
		long long bv = strtoll(npb, &e2, 10);
		if (!errno && !*e1 && !*e2 && e2 != npb)
			dumpid_add_extra(&d, "kdump_phys_base_agrees",
					 "%s", a == (unsigned long long)bv ? "yes" : "no");
	}
	free(npb);
	char b[64];
	snprintf(b, sizeof(b), "%zu", d.vmci_len);
	out_add(&o, "vmcoreinfo_size", b);
	out_add(&o, "vmcoreinfo_source", d.vmci_how);
	for (int i = 0; i < d.nextra; i++)
		out_add(&o, d.extra[i][0], d.extra[i][1]);
	if (d.truncated[0]) {
		out_add(&o, "truncated", d.truncated);
		/* the sizes behind it: bytes the headers say the file needs and the
		 * bytes it has (of the rebuilt file for a flattened one) */
		if (d.size_expected) {
			snprintf(b, sizeof(b), "%" PRIu64, d.size_expected);
			out_add(&o, "truncated_expected_size", b);
			snprintf(b, sizeof(b), "%" PRIu64, d.size_actual);
			out_add(&o, "truncated_actual_size", b);
		}
	}

	int ex = EX_OK;
	if (match) {
		char *rel = dumpid_vmci_get(&d, "OSRELEASE");
		char *bid = dumpid_vmci_get(&d, "BUILD-ID");
		if (do_match(dirs, ndirs, bid, rel, &o) < 0)
			ex = EX_NOMATCH;
		free(rel);
		free(bid);
	}
	out_print(&o, json);
	if (ex == EX_NOMATCH)
		fprintf(stderr, "%s: %s: %s\n", prog, path, dumpid_err);
	if (d.truncated[0] && !allow_trunc) {
		fprintf(stderr, "%s: %s: truncated: %s\n", prog, path, d.truncated);
		if (ex == EX_OK)
			ex = EX_BADDUMP;
	}
	for (int i = 0; i < o.n; i++)
		free(o.kv[i].v);
	dumpid_close(&d);
	free(dirs);
	return ex;
}
