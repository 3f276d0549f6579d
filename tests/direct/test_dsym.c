/*
 * test_dsym.c - the direct front end's symbols/types layer (extensions/
 * direct/dsym.h) against what the REAL crash 8.0.6 answered on the same
 * kernel (tests/unit/fixtures/<tag>.txt, recorded by
 * tests/unit/record-fixtures.sh; format: extensions/core/record.c).
 *
 *   test_dsym FIXTURE VMLINUX [DUMP]
 *
 * (a) dsym_from_vmlinux(VMLINUX, KASLR offset = -relocate of the fixture)
 *     must reproduce every member_offset, member_size, member_type,
 *     typedef, struct_size, symbol, symbol_size and (with DUMP, reading
 *     __per_cpu_offset[]) percpu answer of the fixture;
 * (b) with DUMP (an ELF vmcore libkdumpfile reads): dsym_from_dump() on
 *     its VMCOREINFO and memory must give the same answers - or, when the
 *     dump has no kallsyms in VMCOREINFO (Linux < 6.0), refuse with a
 *     one-line reason;
 * (c) every symbol decoded from the dump's kallsyms equals a .symtab
 *     symbol of the vmlinux of that name at that address (relocated).
 * Prints "ok - ..." / "not ok - ..." lines and the construction times;
 * exit 1 if anything failed.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "dsym.h"

static int npass, nfail;

static void
ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (cond)
		npass++;
	else
		nfail++;
}

/* enum mma_tc names, as in extensions/core/record.c */
static const char *const tc_names[] = {
	"NONE", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "OTHER", "TYPEDEF",
	"ENUM", "BOOL", "FUNC", "FLOAT", "VOID",
};

static const char *
tcn(int tc)
{
	return tc >= 0 && tc < (int)(sizeof(tc_names) / sizeof(*tc_names)) ?
		tc_names[tc] : "?";
}

/* a fixture token back to a type name: "-" -> "", '+' -> ' ' */
static void
untoken(const char *tok, char *buf, size_t len)
{
	size_t i;

	if (!strcmp(tok, "-")) {
		buf[0] = '\0';
		return;
	}
	for (i = 0; tok[i] && i + 1 < len; i++)
		buf[i] = tok[i] == '+' ? ' ' : tok[i];
	buf[i] = '\0';
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------ */
/* the dump, through libkdumpfile                                      */
/* ------------------------------------------------------------------ */

static kdump_ctx_t *kctx;

static int
kread(void *rctx, uint64_t addr, void *buf, size_t len)
{
	size_t got = len;

	(void)rctx;
	/* libkdumpfile answers reads at low addresses: kernel space only */
	if (addr < 0xffff800000000000ULL)
		return -1;
	if (kdump_read(kctx, KDUMP_KVADDR, addr, buf, &got) != KDUMP_OK ||
	    got != len)
		return -1;
	return 0;
}

static char *
open_dump(const char *path)
{
	char *vi = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !(kctx = kdump_new()))
		return NULL;
	if (kdump_set_string_attr(kctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK ||
	    kdump_open_fd(kctx, fd) != KDUMP_OK ||
	    kdump_vmcoreinfo_raw(kctx, &vi) != KDUMP_OK) {
		fprintf(stderr, "libkdumpfile: %s\n", kdump_get_err(kctx));
		return NULL;
	}
	return vi;
}

/* ------------------------------------------------------------------ */
/* the fixture                                                         */
/* ------------------------------------------------------------------ */

/*
 * Check every answer of the fixture against d.  Returns the number of
 * mismatches; each is printed.
 */
/* a kernel image address moves with KASLR, a per-CPU offset does not */
#define IMAGE_START 0xffffffff80000000ULL

struct pcpu {
	int cpu;
	uint64_t delta;
};

static int
check_fixture(struct dsym *d, const char *fixture, const char *what,
	      uint64_t shift, int *nchecked)
{
	FILE *f = fopen(fixture, "r");
	char line[1024];
	int bad = 0, n = 0, npc = 0;
	static struct pcpu pc[8192];

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		char k[64], a[256], b[256], c[256], e[256];
		char got[600], want[600];
		int nf;

		e[0] = c[0] = b[0] = '\0';
		nf = sscanf(line, "%63s %255s %255s %255s %255s", k, a, b, c, e);
		if (nf < 2 || k[0] == '#')
			continue;
		got[0] = want[0] = '\0';
		if (!strcmp(k, "member_offset") && nf >= 4) {
			snprintf(got, sizeof(got), "%ld", dsym_member_offset(d, a, b));
			snprintf(want, sizeof(want), "%s", c);
		} else if (!strcmp(k, "member_size") && nf >= 4) {
			snprintf(got, sizeof(got), "%ld", dsym_member_size(d, a, b));
			snprintf(want, sizeof(want), "%s", c);
		} else if (!strcmp(k, "member_type") && nf >= 5) {
			char nm[256], wn[256];
			int tc = dsym_member_type(d, a, b, nm, sizeof(nm));

			untoken(e, wn, sizeof(wn));
			snprintf(got, sizeof(got), "%s '%s'", tcn(tc), nm);
			snprintf(want, sizeof(want), "%s '%s'", c, wn);
		} else if (!strcmp(k, "typedef") && nf >= 4) {
			char tg[256], wt[256];
			int tc = dsym_typedef_type(d, a, tg, sizeof(tg));

			untoken(c, wt, sizeof(wt));
			snprintf(got, sizeof(got), "%s '%s'", tcn(tc), tg);
			snprintf(want, sizeof(want), "%s '%s'", b, wt);
		} else if (!strcmp(k, "struct_size") && nf >= 3) {
			snprintf(got, sizeof(got), "%ld", dsym_struct_size(d, a));
			snprintf(want, sizeof(want), "%s", b);
		} else if (!strcmp(k, "symbol") && nf >= 3) {
			uint64_t v;

			/* crash's address on the recording boot, moved to
			 * this source's KASLR offset */
			if (dsym_symbol(d, a, &v))
				snprintf(got, sizeof(got), "-");
			else
				snprintf(got, sizeof(got), "0x%" PRIx64, v);
			if (strcmp(b, "-") &&
			    (v = strtoull(b, NULL, 16)) >= IMAGE_START)
				snprintf(want, sizeof(want), "0x%" PRIx64,
					 v + shift);
			else
				snprintf(want, sizeof(want), "%s", b);
		} else if (!strcmp(k, "symbol_size") && nf >= 3) {
			snprintf(got, sizeof(got), "%ld", dsym_symbol_size(d, a));
			snprintf(want, sizeof(want), "%s", b);
		} else if (!strcmp(k, "percpu") && nf >= 4) {
			/*
			 * crash: symbol + __per_cpu_offset[cpu] of the recording
			 * boot (mmg_percpu_addr).  The dump may be of another
			 * boot: every symbol of one CPU must be the same
			 * distance from crash's address.
			 */
			uint64_t v;
			int cpu = atoi(b), p;

			if (dsym_symbol(d, a, &v)) {
				snprintf(got, sizeof(got), "-");
				snprintf(want, sizeof(want), "%s", c);
			} else if (!strcmp(c, "-")) {
				snprintf(got, sizeof(got), "0x%" PRIx64, v);
				snprintf(want, sizeof(want), "-");
			} else {
				uint64_t delta = strtoull(c, NULL, 16) - v;

				for (p = 0; p < npc && pc[p].cpu != cpu; p++)
					;
				if (p == npc && npc < 8192) {
					pc[npc].cpu = cpu;
					pc[npc++].delta = delta;
				}
				snprintf(got, sizeof(got), "cpu%d+%#" PRIx64, cpu,
					 delta);
				snprintf(want, sizeof(want), "cpu%d+%#" PRIx64, cpu,
					 p < npc ? pc[p].delta : delta);
			}
		} else {
			continue;	/* release, cpus, relocate, kconfig */
		}
		n++;
		if (strcmp(got, want)) {
			bad++;
			printf("# %s: %s %s %s: got %s, crash %s\n", what, k, a,
			       nf >= 4 && strcmp(k, "symbol") &&
			       strcmp(k, "struct_size") &&
			       strcmp(k, "symbol_size") ? b : "", got, want);
		}
	}
	fclose(f);
	*nchecked = n;
	return bad;
}

static uint64_t
fixture_relocate(const char *fixture, int *found)
{
	FILE *f = fopen(fixture, "r");
	char line[256];
	uint64_t r = 0;

	*found = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "relocate %" SCNx64, &r) == 1) {
			*found = 1;
			break;
		}
	if (f)
		fclose(f);
	return r;
}

/* ------------------------------------------------------------------ */
/* kallsyms vs .symtab                                                 */
/* ------------------------------------------------------------------ */

struct ent {
	const char *name;
	uint64_t addr;
};

static int
cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void
compare_symbols(struct dsym *ks, struct dsym *vm)
{
	size_t nk = dsym_nsyms(ks), nv = dsym_nsyms(vm), i, miss = 0,
		noname = 0;
	struct ent *v = calloc(nv, sizeof(*v));

	for (i = 0; i < nv; i++)
		dsym_nth(vm, i, &v[i].name, &v[i].addr, NULL);
	qsort(v, nv, sizeof(*v), cmp_ent);
	for (i = 0; i < nk; i++) {
		struct ent k;

		dsym_nth(ks, i, &k.name, &k.addr, NULL);
		if (bsearch(&k, v, nv, sizeof(*v), cmp_ent))
			continue;
		miss++;
		{
			uint64_t a;

			if (dsym_symbol(vm, k.name, &a))
				noname++;
			if (miss <= 10)
				printf("# kallsyms %s = %#" PRIx64 ": %s\n",
				       k.name, k.addr,
				       dsym_symbol(vm, k.name, &a) ?
				       "not in the vmlinux" :
				       "the vmlinux has another address");
		}
	}
	printf("# symbols: kallsyms %zu, vmlinux .symtab %zu, kallsyms not "
	       "in .symtab at its address: %zu (%zu of them not by name)\n",
	       nk, nv, miss, noname);
	ok(nk > 1000 && miss == 0, "every one of the %zu kallsyms symbols "
	   "equals the vmlinux's .symtab value + KASLR offset", nk);
	free(v);
}

/* symbol_name: same answers from both sources for kernel text/data */
static void
compare_symbol_name(struct dsym *ks, struct dsym *vm)
{
	const char *probe[] = { "flush_tlb_func", "do_flush_tlb_all",
				"native_flush_tlb_multi", "init_task",
				"task_state_array", "schedule", NULL };
	int i, bad = 0, n = 0;

	for (i = 0; probe[i]; i++) {
		uint64_t a, o1 = 0, o2 = 0;
		char b1[128], b2[128];
		int r1, r2, d;

		if (dsym_symbol(ks, probe[i], &a))
			continue;
		for (d = 0; d < 3; d++) {
			uint64_t x = a + (uint64_t)d * 7;

			r1 = dsym_symbol_name(ks, x, b1, sizeof(b1), &o1);
			r2 = dsym_symbol_name(vm, x, b2, sizeof(b2), &o2);
			n++;
			if (r1 || r2 || strcmp(b1, b2) || o1 != o2 ||
			    (d == 0 && strcmp(b1, probe[i]))) {
				bad++;
				printf("# symbol_name(%s+%d): kallsyms %s+%#" PRIx64
				       ", vmlinux %s+%#" PRIx64 "\n", probe[i],
				       d * 7, r1 ? "-" : b1, o1, r2 ? "-" : b2, o2);
			}
		}
	}
	ok(n > 0 && !bad, "symbol_name: both sources name %d addresses alike",
	   n);
}

/*
 * symbol_name against crash's `sym ADDR` answers (tests/direct/fixtures/
 * <tag>.symname, link-time addresses): this source moved by kaslr must
 * name each address as crash did.  An answer naming a symbol the source
 * does not have (crash's table also holds section symbols and .LC
 * labels; kallsyms lacks both) is counted, not failed.
 */
static void
check_symnames(struct dsym *d, const char *what, const char *path,
	       uint64_t kaslr)
{
	FILE *f = fopen(path, "r");
	char line[512], name[256], got[256];
	uint64_t a, off, goff;
	int n = 0, bad = 0, gap = 0, r;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "symname %" SCNx64 " %255s %" SCNu64, &a, name,
			   &off) != 3)
			continue;
		n++;
		got[0] = '\0';
		goff = 0;
		r = dsym_symbol_name(d, a + kaslr, got, sizeof(got), &goff);
		if (!strcmp(name, "-") ? r != 0 :
		    (!r && !strcmp(got, name) && goff == off))
			continue;
		if (strcmp(name, "-") && dsym_symbol(d, name, NULL)) {
			if (++gap <= 5)
				printf("# %s: symbol_name(%#" PRIx64 "): got %s+%"
				       PRIu64 ", crash %s+%" PRIu64 " (a symbol "
				       "this source lacks)\n", what, a,
				       r ? "-" : got, goff, name, off);
			continue;
		}
		if (++bad <= 10)
			printf("# %s: symbol_name(%#" PRIx64 "): got %s+%" PRIu64
			       ", crash %s+%" PRIu64 "\n", what, a,
			       r ? "-" : got, goff, name, off);
	}
	fclose(f);
	ok(n > 0 && !bad, "%s: symbol_name as crash's `sym` for %d addresses "
	   "(%d differ; %d named by crash with a symbol %s lacks)", what, n,
	   bad, gap, what);
}

/*
 * Every member offset, struct size and enumerator crash printed for the
 * structs the core and the slab walk read (tests/direct/fixtures/
 * <tag>.types, record-types.sh: `struct -o`, `p/d`).
 */
static void
check_types(struct dsym *d, const char *what, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], a[256], b[256], c[256];
	int n = 0, bad = 0, nf;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char got[300], want[300];

		nf = sscanf(line, "%*s %255s %255s %255s", a, b, c);
		got[0] = want[0] = '\0';
		if (!strncmp(line, "offset ", 7) && nf == 3) {
			snprintf(got, sizeof(got), "%ld", dsym_member_offset(d, a, b));
			snprintf(want, sizeof(want), "%s", c);
		} else if (!strncmp(line, "size ", 5) && nf >= 2) {
			snprintf(got, sizeof(got), "%ld", dsym_struct_size(d, a));
			snprintf(want, sizeof(want), "%s", b);
		} else if (!strncmp(line, "symsize ", 8) && nf >= 2) {
			snprintf(got, sizeof(got), "%ld", dsym_symbol_size(d, a));
			snprintf(want, sizeof(want), "%s", b);
		} else if (!strncmp(line, "enum ", 5) && nf >= 2) {
			long long v;

			if (dsym_enum_value(d, a, &v))
				snprintf(got, sizeof(got), "-");
			else
				snprintf(got, sizeof(got), "%lld", v);
			snprintf(want, sizeof(want), "%s", b);
		} else {
			continue;
		}
		n++;
		if (strcmp(got, want) && ++bad <= 10)
			printf("# %s: %.*s: got %s, crash %s\n", what,
			       (int)strcspn(line, "\n"), line, got, want);
	}
	fclose(f);
	ok(n > 0 && !bad, "%s: %d member offsets, struct sizes, enumerators "
	   "and symbol sizes as crash's struct -o / p/d (%d differ)", what, n,
	   bad);
}

/*
 * Hostile dumps: dsym_from_dump() with one of its reads corrupted (random
 * bytes over part or all of the buffer, the k-th read of a clean run, for
 * every k in turn and seeds) must return a dsym or NULL with a one-line
 * reason - never crash, hang or read without bound.
 */
static int nreads, bad_read, bad_mode;
static unsigned seed;

static int
kread_bad(void *rctx, uint64_t addr, void *buf, size_t len)
{
	int r = kread(rctx, addr, buf, len), k = nreads++;

	if (r || k != bad_read)
		return r;
	if (bad_mode == 0) {
		memset(buf, 0xff, len);
	} else {
		size_t i, from = rand_r(&seed) % len,
			n = 1 + rand_r(&seed) % (bad_mode == 1 ? 16 : len);

		for (i = from; i < len && i < from + n; i++)
			((unsigned char *)buf)[i] = (unsigned char)rand_r(&seed);
	}
	return 0;
}

static void
check_hostile(const char *vi)
{
	struct dsym *d;
	char err[512];
	int clean, k, m, made = 0, refused = 0, badmsg = 0;

	nreads = 0;
	bad_read = -1;
	d = dsym_from_dump(kread_bad, NULL, vi, err, sizeof(err));
	clean = nreads;
	dsym_free(d);
	for (k = 0; k < clean; k++)
		for (m = 0; m < 3; m++) {
			uint64_t a;

			nreads = 0;
			bad_read = k;
			bad_mode = m;
			seed = (unsigned)(k * 3 + m + 1);
			err[0] = '\0';
			d = dsym_from_dump(kread_bad, NULL, vi, err, sizeof(err));
			if (d) {
				made++;
				/* whatever it decoded answers without crashing */
				dsym_symbol(d, "init_task", &a);
				dsym_member_offset(d, "task_struct", "mm");
				dsym_symbol_size(d, "task_state_array");
				dsym_symbol_name(d, a, err, sizeof(err), &a);
				dsym_free(d);
			} else {
				refused++;
				badmsg += !err[0] || strchr(err, '\n') != NULL;
			}
		}
	ok(clean > 0 && !badmsg, "hostile dump: %d corrupted reads (each of "
	   "the %d reads, 3 ways): %d decoded, %d refused in one line", 3 * clean,
	   clean, made, refused);
}

/* KERNELOFFSET=<hex> of the VMCOREINFO text, 0 if none */
static uint64_t
kerneloffset(const char *vi)
{
	const char *p = strstr(vi, "KERNELOFFSET=");

	return p ? strtoull(p + 13, NULL, 16) : 0;
}

/* both sources know the enumerator alike (PG_slab to 6.9, PGTY_slab 6.12+) */
static void
compare_enums(struct dsym *ks, struct dsym *vm)
{
	const char *names[] = { "PG_slab", "PGTY_slab", "PG_head", "TASK_SIZE_nope",
				NULL };
	int i, bad = 0, found = 0;

	for (i = 0; names[i]; i++) {
		long long v1 = 0, v2 = 0;
		int r1 = dsym_enum_value(ks, names[i], &v1);
		int r2 = dsym_enum_value(vm, names[i], &v2);

		printf("# enum %s: kallsyms+btf %s%lld, vmlinux+btf %s%lld\n",
		       names[i], r1 ? "none " : "", v1, r2 ? "none " : "", v2);
		if (r1 != r2 || v1 != v2)
			bad++;
		found += !r1;
	}
	ok(!bad && found >= 2, "enumerators: both sources agree (%d found)",
	   found);
}

int
main(int argc, char **argv)
{
	const char *fixture, *vmlinux, *dump = NULL, *symnames = NULL,
		   *types = NULL;
	char *vi = NULL;
	struct dsym *vm, *vm2 = NULL, *ks = NULL;
	char err[512];
	uint64_t reloc, kaslr, dkaslr;
	double c0, w0, cv, wv, cd = 0, wd = 0;
	int found, n, bad;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FIXTURE VMLINUX [DUMP [SYMNAMES "
			"[TYPES]]]\n",
			argv[0]);
		return 2;
	}
	fixture = argv[1];
	vmlinux = argv[2];
	if (argc > 3 && *argv[3])
		dump = argv[3];
	if (argc > 4 && *argv[4])
		symnames = argv[4];
	if (argc > 5 && *argv[5])
		types = argv[5];
	reloc = fixture_relocate(fixture, &found);
	kaslr = -reloc;		/* crash's kt->relocate is -KASLR offset */
	ok(found, "%s: relocate %#" PRIx64 " (KASLR offset %#" PRIx64 ")",
	   fixture, reloc, kaslr);

	c0 = cpu_ms(), w0 = wall_ms();
	vm = dsym_from_vmlinux(vmlinux, kaslr, err, sizeof(err));
	cv = cpu_ms() - c0, wv = wall_ms() - w0;
	ok(vm != NULL, "dsym_from_vmlinux %s%s%s", vmlinux, vm ? "" : ": ",
	   vm ? "" : err);
	if (!vm)
		goto out;
	printf("# time: dsym_from_vmlinux %.1f ms CPU, %.1f ms wall\n", cv, wv);
	bad = check_fixture(vm, fixture, "vmlinux", 0, &n);
	ok(!bad && n > 0, "vmlinux+btf reproduces all %d answers of crash "
	   "(%d differ)", n, bad);
	if (symnames)
		check_symnames(vm, "vmlinux", symnames, kaslr);
	if (types)
		check_types(vm, "vmlinux", types);

	if (!dump)
		goto out;
	vi = open_dump(dump);
	ok(vi != NULL, "libkdumpfile opens %s and has its VMCOREINFO", dump);
	if (!vi)
		goto out;
	dkaslr = kerneloffset(vi);
	c0 = cpu_ms(), w0 = wall_ms();
	ks = dsym_from_dump(kread, NULL, vi, err, sizeof(err));
	cd = cpu_ms() - c0, wd = wall_ms() - w0;
	if (!strstr(vi, "SYMBOL(kallsyms_names)=")) {
		ok(!ks && strstr(err, "kallsyms") && !strchr(err, '\n'),
		   "no kallsyms in VMCOREINFO: dsym_from_dump refuses (%s)", err);
		goto out;
	}
	ok(ks != NULL, "dsym_from_dump on %s%s%s", dump, ks ? "" : ": ",
	   ks ? "" : err);
	if (!ks)
		goto out;
	printf("# time: dsym_from_dump %.1f ms CPU, %.1f ms wall "
	       "(libkdumpfile reads included)\n", cd, wd);
	/* the dump may be of a later boot than the fixture: its KASLR offset */
	printf("# dump KERNELOFFSET %#" PRIx64 ", fixture's %#" PRIx64 "\n",
	       dkaslr, kaslr);
	bad = check_fixture(ks, fixture, "kallsyms", dkaslr - kaslr, &n);
	ok(!bad && n > 0, "kallsyms+btf reproduces all %d answers of crash "
	   "(%d differ)", n, bad);
	vm2 = dsym_from_vmlinux(vmlinux, dkaslr, err, sizeof(err));
	ok(vm2 != NULL, "dsym_from_vmlinux with the dump's KERNELOFFSET");
	if (!vm2)
		goto out;
	compare_symbols(ks, vm2);
	compare_symbol_name(ks, vm2);
	if (symnames)
		check_symnames(ks, "kallsyms", symnames, dkaslr);
	if (types)
		check_types(ks, "kallsyms", types);
	compare_enums(ks, vm2);
	check_hostile(vi);
out:
	dsym_free(ks);
	dsym_free(vm);
	dsym_free(vm2);
	free(vi);
	if (kctx)
		kdump_free(kctx);
	printf("# %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
