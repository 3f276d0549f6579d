/*
 * main.c - mmaudit, the direct (crash-free) front end: the extension's
 * views on a vmcore without crash or gdb.
 *
 *   mmaudit check -j DUMP              mmcheck -j inside crash
 *   mmaudit task|list|cpu|flush|mask|overview [options] DUMP [arg]
 *
 * Symbols and types come from the dump itself (kallsyms + BTF, Linux 6.0+
 * with CONFIG_DEBUG_INFO_BTF) or from --vmlinux (its build-id checked
 * against the dump's).  Exit status: 0 audited (check: no bug finding),
 * 1 check found a bug, 2 could not audit (bad arguments, not a dump, no
 * symbols, wrong vmlinux, dump cut short).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "csd.h"
#include "dread.h"
#include "dsym.h"
#include "dtarget.h"
#include "mmcore.h"
#include "views.h"

#define EXIT_BUG	1
#define EXIT_ERROR	2

static const char *prog = "mmaudit";

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mmaudit COMMAND [options] DUMP [arg]\n"
"\n"
"Audit task->mm/active_mm, mm_users/mm_count, mm CPU masks and TLB\n"
"shootdowns of a Linux x86_64 vmcore (ELF, kdump-compressed or flattened)\n"
"without crash: the crash extension's views, the same JSON.\n"
"\n"
"commands (the extension's command in parentheses):\n"
"  check     all findings with a summary (mmcheck)\n"
"  task      tasks and their mm/active_mm relation (mmtask) [pid]\n"
"  list      address spaces: users, counters, borrowers, mask (mmlist) [mm]\n"
"  cpu       CPUs: current task, loaded_mm, lazy state (mmcpu) [cpu]\n"
"  flush     TLB shootdowns and cross-CPU calls (mmflush)\n"
"  overview  version, layout, counts, rules (mmaudit)\n"
"  mask      decode a cpumask (mmmask; its options: mmaudit mask [-jvd]\n"
"            [-n nbits] [-c cpu] DUMP [-m] mm | -a addr | -s sym | -p sym,\n"
"            or mmaudit mask -w word...; the command must come first)\n"
"\n"
"options:\n"
"  -j, --json         JSON output (docs/json-schema.md)\n"
"  --vmlinux PATH     symbols and types from this vmlinux (its build-id must\n"
"                     be the dump's); needed when the dump has no kallsyms\n"
"                     and BTF (before Linux 6.0)\n"
"  -v                 verbose (reasons, counts)\n"
"  -b                 task: only BORROWED tasks\n"
"  -L                 check: do not walk init_task.tasks\n"
"  -s SEV             check: only findings of at least bug|suspicious|info\n"
"  -r RULE            check: only this rule\n"
"  -p PID, -m MM, -c CPU   only this pid, mm or CPU\n"
"  -h, --help         this text\n"
"\n"
"exit status: 0 audited (check: no bug), 1 check found a bug, 2 could not\n"
"audit (bad arguments, not a dump, no symbols, wrong vmlinux, dump cut short)\n");
}

static void
fail(unsigned flags, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* one line on stderr (and the JSON error object with -j); exit 2 */
static void
fail(unsigned flags, const char *cmd, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog, why);
	if (flags & MMA_F_JSON)
		mma_render_error(cmd, why, flags, stdout);
	exit(EXIT_ERROR);
}

/* ------------------------------------------------------------------ */
/* build-id                                                            */
/* ------------------------------------------------------------------ */

/* the GNU build-id of an ELF file as lowercase hex; 0 found, -1 not */
static int
elf_build_id(const char *path, char *hex, size_t len)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	int fd, found = -1;

	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (!(e = elf_begin(fd, ELF_C_READ, NULL))) {
		close(fd);
		return -1;
	}
	while (found < 0 && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			size_t i;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + noff, "GNU", 4) ||
			    nh.n_descsz * 2 + 1 > len)
				continue;
			for (i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x",
					 ((unsigned char *)d->d_buf)[doff + i]);
			found = 0;
			break;
		}
	}
	elf_end(e);
	close(fd);
	return found;
}

/* ------------------------------------------------------------------ */
/* views (as extensions/mmaudit.c runs them inside crash)              */
/* ------------------------------------------------------------------ */

static struct dtarget DT;
static struct mma_layout L;

static int
parse_u64(const char *s, uint64_t *v, int base)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, base);
	return *end || errno ? -1 : 0;
}

/* an address argument: hex (0x optional) or a symbol */
static int
parse_addr(const char *s, uint64_t *v)
{
	if (!parse_u64(s, v, 16))
		return 0;
	return DT.t.symbol(DT.t.ctx, s, v);
}

/* extensions/mmaudit.c build_model(): crash's task table, active tasks */
static int
build_model(const char *cmd, unsigned flags, struct mma_model *m, int walk,
	    uint64_t extra_mm)
{
	uint64_t *tasks = NULL, *active;
	int n, c;

	mma_layout_resolve(&DT.t, &L);
	if (!L.ok) {
		mma_render_error(cmd, L.why, flags, stdout);
		return -1;
	}
	mma_model_init(m, &DT.t, &L);
	n = dtarget_tasks(&DT, &tasks);
	active = calloc(DT.t.ncpus > 0 ? DT.t.ncpus : 1, sizeof(*active));
	for (c = 0; active && c < DT.t.ncpus; c++)
		active[c] = dtarget_active(&DT, c);
	mma_model_fill(m, tasks, n, active, active ? DT.t.ncpus : 0, extra_mm,
		       walk);
	free(active);
	free(tasks);
	return 0;
}

typedef void (*view_render_fn)(const struct mma_model *,
			       const struct mma_filter *, unsigned, FILE *);

static int
run_view(const char *cmd, unsigned flags, const struct mma_filter *filter,
	 int walk, uint64_t extra_mm, view_render_fn render)
{
	struct mma_filter f = *filter;
	struct mma_model m;
	int bugs;

	if (build_model(cmd, flags, &m, walk, extra_mm))
		return EXIT_ERROR;
	if (!mma_check_filter(stdout, cmd, flags, &m, &f))
		render(&m, &f, flags, stdout);
	bugs = m.nsev[MMA_SEV_BUG];
	mma_model_free(&m);
	return strcmp(cmd, "mmcheck") || !bugs ? 0 : EXIT_BUG;
}

/*
 * why slab classification is off, NULL when it is on: the core's SLUB walk
 * on the target's page_of (the model's, made here if no mm needed it yet),
 * as the extension asks its own walk (mmslab_status())
 */
static const char *
direct_slab_status(struct mma_model *m)
{
	if (!m->slab) {
		if (!(m->slab = malloc(sizeof(*m->slab))))
			return "out of memory";
		mma_slab_init(m->slab, m->t);
	}
	return mma_slab_status(m->slab);
}

/* the extension's mmaudit overview (-j: its JSON) */
static int
run_overview(unsigned flags)
{
	struct mma_model m;
	const char *slab = NULL;

	if (build_model("mmaudit", flags, &m, 1, 0))
		return EXIT_ERROR;
	slab = direct_slab_status(&m);
	if (flags & MMA_F_JSON) {
		mma_render_overview_json(&m, slab, stdout);
	} else {
		printf("mmaudit %s: task->mm/active_mm, mm_users/mm_count and "
		       "mm_cpumask audit\n", MMA_VERSION);
		printf("  layout:   %s\n", L.notes);
		printf("  slab:     %s\n", slab ? slab : "mm pointers checked "
		       "against the mm_struct slab cache (SLUB)");
		printf("  model:    %d tasks (%d from init_task.tasks walk), %d "
		       "mms, %d cpus (%d online), built in %.0f ms\n", m.ntasks,
		       m.list_walked, m.nmms, m.ncpus, m.online ? m.nonline : -1,
		       m.build_ms);
		printf("  findings: %d bug, %d suspicious, %d info (see check)\n",
		       m.nsev[MMA_SEV_BUG], m.nsev[MMA_SEV_SUSPICIOUS],
		       m.nsev[MMA_SEV_INFO]);
		if (flags & MMA_F_VERBOSE)
			mma_layout_describe(&L, stdout);
	}
	mma_model_free(&m);
	return 0;
}

/* the extension's mmflush (core/csd.c + render_csd.c) */
static int
run_flush(unsigned flags, const struct mma_filter *f)
{
	struct mma_model m;
	struct mma_csd s;

	if (build_model("mmflush", flags, &m, 0, 0))
		return EXIT_ERROR;
	if (f->cpu >= m.ncpus) {
		if (flags & MMA_F_JSON)
			mma_render_error("mmflush", "no such CPU", flags, stdout);
		else
			printf("mmflush: CPU %d does not exist: this dump has "
			       "CPUs 0-%d\n", f->cpu, m.ncpus - 1);
		mma_model_free(&m);
		return EXIT_ERROR;
	}
	mma_csd_read(&m, &s);
	mma_render_csd(&m, &s, f, flags, stdout);
	mma_csd_free(&s);
	mma_model_free(&m);
	return 0;
}

/* the dump and its symbols (--vmlinux, build-id checked), or exit 2 */
static void
open_dump(unsigned flags, const char *ext, const char *dump,
	  const char *vmlinux, struct dread **rp, struct dsym **sp)
{
	char err[1024], bid[256], vbid[256];
	struct dread *r;
	struct dsym *s;

	r = dread_open(dump, err, sizeof(err));
	if (!r)
		fail(flags, ext, "%s", err);
	if (vmlinux) {
		if (dread_vmci(r, "BUILD-ID", bid, sizeof(bid)) == 0) {
			if (elf_build_id(vmlinux, vbid, sizeof(vbid)))
				fail(flags, ext, "%s: not an ELF file with a "
				     "build-id", vmlinux);
			if (strcmp(bid, vbid))
				fail(flags, ext, "%s is not the dump's kernel: "
				     "build-id %s, the dump's %s", vmlinux,
				     vbid, bid);
		}
		s = dsym_from_vmlinux(vmlinux, dread_kaslr_offset(r), err,
				      sizeof(err));
		if (!s)
			fail(flags, ext, "%s: %s", vmlinux, err);
	} else {
		s = dsym_from_dump(dread_read, r, dread_vmcoreinfo(r), err,
				   sizeof(err));
		if (!s && dread_truncated(r)[0])
			fail(flags, ext, "dump truncated (%s): its kallsyms/BTF "
			     "cannot be read (%s)", dread_truncated(r), err);
		if (!s)
			fail(flags, ext, "no kallsyms/BTF in the dump (%s); give "
			     "--vmlinux", err);
	}
	*rp = r;
	*sp = s;
}

/*
 * mmaudit mask: the extension's mmmask, its options as in crash
 * (-m/-a/-s/-p/-w, -d, -n, -c, -j, -v) plus --vmlinux; DUMP first, then
 * an mm when no -a/-s/-p is given; -w WORD... needs no dump.
 */
static int
run_mask(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mma_maskq q;
	unsigned flags = 0, nbits = 0, nwords = 0;
	const char *vmlinux = NULL, *what = NULL, *dump = NULL;
	uint64_t v, *w;
	struct dread *r;
	struct dsym *s;
	int c, mode = 0, deref = 0, cpu = -1, rc = 0;

	while ((c = getopt_long(argc, argv, "jvdwhn:c:m:a:s:p:", lo, NULL)) != -1) {
		switch (c) {
		case 'j': flags |= MMA_F_JSON; break;
		case 'v': flags |= MMA_F_VERBOSE; break;
		case 'd': deref = 1; break;
		case 'w': mode = 'w'; break;
		case 'V': vmlinux = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'n':
			if (parse_u64(optarg, &v, 10) || !v || v > 65536)
				fail(flags, "mmmask", "-n: 1-65536 bits, not %s",
				     optarg);
			nbits = (unsigned)v;
			break;
		case 'c':
			if (parse_u64(optarg, &v, 10))
				fail(flags, "mmmask", "-c: not a CPU: %s", optarg);
			cpu = (int)v;
			break;
		case 'm': case 'a': case 's': case 'p':
			if (mode)
				fail(flags, "mmmask", "one of -m, -a, -s, -p, -w");
			mode = c;
			what = optarg;
			break;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (mode == 'w') {
		if (optind >= argc)
			fail(flags, "mmmask", "-w needs hex words");
		w = calloc((size_t)(argc - optind), sizeof(*w));
		if (!w)
			fail(flags, "mmmask", "out of memory");
		for (; optind < argc; optind++)
			if (parse_u64(argv[optind], &w[nwords++], 16)) {
				free(w);
				mma_render_error("mmmask", "bad hex word", flags,
						 stdout);
				return EXIT_ERROR;
			}
		mma_render_mask_words(w, nwords, nbits, flags, stdout);
		free(w);
		return 0;
	}
	if (optind < argc)
		dump = argv[optind++];
	if (!mode && optind < argc) {
		mode = 'm';
		what = argv[optind++];
	}
	if (!dump || !mode || optind < argc)
		fail(flags, "mmmask", "usage: mmaudit mask [-jvd] [-n nbits] "
		     "[-c cpu] DUMP [-m] mm | -a addr | -s symbol | -p "
		     "percpu-symbol | -w word...");
	open_dump(flags, "mmmask", dump, vmlinux, &r, &s);
	dtarget_init(&DT, r, s);
	mma_layout_resolve(&DT.t, &L);
	if (!L.ok) {
		mma_render_error("mmmask", L.why, flags, stdout);
		rc = EXIT_ERROR;
	} else {
		memset(&q, 0, sizeof(q));
		q.mode = mode;
		q.what = what;
		q.deref = deref;
		q.cpu = cpu;
		q.nbits = nbits;
		mma_render_mask_query(&DT.t, &L, &q, flags, stdout);
	}
	fflush(stdout);
	if (dread_truncated(r)[0]) {
		fprintf(stderr, "%s: dump truncated (%s): decoded what could be "
			"read\n", prog, dread_truncated(r));
		rc = EXIT_ERROR;
	}
	dtarget_free(&DT);
	dsym_free(s);
	dread_close(r);
	return rc;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name, *ext;
} commands[] = {
	{ "check", "mmcheck" }, { "task", "mmtask" }, { "list", "mmlist" },
	{ "cpu", "mmcpu" }, { "flush", "mmflush" }, { "overview", "mmaudit" },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mma_filter f;
	unsigned flags = 0;
	const char *vmlinux = NULL, *cmd = NULL, *ext = NULL, *dump, *arg;
	struct dread *r;
	struct dsym *s;
	uint64_t v;
	int c, i, walk = 1, rc, npos;
	char **pos;

	if (argc > 1 && !strcmp(argv[1], "mask"))
		return run_mask(argc - 1, argv + 1);
	mma_filter_init(&f);
	while ((c = getopt_long(argc, argv, "jvbhLs:r:p:m:c:", lo, NULL)) != -1) {
		switch (c) {
		case 'j': flags |= MMA_F_JSON; break;
		case 'v': flags |= MMA_F_VERBOSE; break;
		case 'b': flags |= MMA_F_BORROWED; break;
		case 'L': walk = 0; break;
		case 'V': vmlinux = optarg; break;
		case 'h': usage(stdout); return 0;
		case 's':
			if ((f.min_sev = mma_sev_parse(optarg)) < 0)
				fail(flags, "mmaudit", "-s: bug, suspicious or "
				     "info, not \"%s\"", optarg);
			break;
		case 'r':
			if (!mma_rule_find(optarg))
				fail(flags, "mmaudit", "-r: unknown rule \"%s\"",
				     optarg);
			f.rule = optarg;
			break;
		case 'p':
			if (parse_u64(optarg, &v, 10))
				fail(flags, "mmaudit", "-p: not a pid: %s", optarg);
			f.pid = (int)v;
			break;
		case 'c':
			if (parse_u64(optarg, &v, 10))
				fail(flags, "mmaudit", "-c: not a CPU: %s", optarg);
			f.cpu = (int)v;
			break;
		case 'm':
			arg = optarg;
			/* resolved after the symbols are loaded */
			f.mm = 1;
			setenv("MMAUDIT_MM_ARG", arg, 1);
			break;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	pos = argv + optind;
	npos = argc - optind;
	if (npos < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	for (i = 0; commands[i].name; i++)
		if (!strcmp(pos[0], commands[i].name)) {
			cmd = commands[i].name;
			ext = commands[i].ext;
		}
	if (!cmd)
		fail(flags, "mmaudit", "unknown command \"%s\" (check, task, "
		     "list, cpu, flush, overview, mask; -h)", pos[0]);
	dump = pos[1];
	arg = npos > 2 ? pos[2] : NULL;
	if (npos > 3)
		fail(flags, ext, "too many arguments (-h)");

	open_dump(flags, ext, dump, vmlinux, &r, &s);
	dtarget_init(&DT, r, s);
	if (f.mm == 1) {
		const char *ma = getenv("MMAUDIT_MM_ARG");

		if (parse_addr(ma, &f.mm) || !f.mm)
			fail(flags, ext, "-m: not an address or symbol: %s", ma);
	}

	if (!strcmp(cmd, "check")) {
		if (arg)
			fail(flags, ext, "check takes no argument after the dump");
		rc = run_view(ext, flags, &f, walk, 0, mma_render_findings);
	} else if (!strcmp(cmd, "task")) {
		if (arg && parse_u64(arg, &v, 10))
			fail(flags, ext, "not a pid: %s", arg);
		if (arg)
			f.pid = (int)v;
		rc = run_view(ext, flags, &f, 0, 0, mma_render_tasks);
	} else if (!strcmp(cmd, "list")) {
		if (arg && (parse_addr(arg, &f.mm) || !f.mm))
			fail(flags, ext, "not an mm_struct address or symbol: "
			     "%s", arg);
		rc = run_view(ext, flags, &f, 0, arg ? f.mm : 0,
			      mma_render_mms);
	} else if (!strcmp(cmd, "cpu")) {
		if (arg && parse_u64(arg, &v, 10))
			fail(flags, ext, "not a CPU: %s", arg);
		if (arg)
			f.cpu = (int)v;
		rc = run_view(ext, flags, &f, 0, 0, mma_render_cpus);
	} else if (!strcmp(cmd, "flush")) {
		if (arg && parse_u64(arg, &v, 10))
			fail(flags, ext, "not a CPU: %s", arg);
		if (arg)
			f.cpu = (int)v;
		rc = run_flush(flags, &f);
	} else {
		rc = run_overview(flags);
	}
	fflush(stdout);
	if (dread_truncated(r)[0]) {
		fprintf(stderr, "%s: dump truncated (%s): audited what could "
			"be read\n", prog, dread_truncated(r));
		rc = EXIT_ERROR;
	}
	dtarget_free(&DT);
	dsym_free(s);
	dread_close(r);
	return rc;
}
