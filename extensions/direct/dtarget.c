/*
 * dtarget.c - the core's target without crash (dtarget.h).
 *
 * Each callback answers as the crash glue does on the same dump (cited
 * per function): the reference is crash 8.0.6 on x86_64.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dread.h"
#include "dsym.h"
#include "dtarget.h"

#define DT(ctx) ((struct dtarget *)(ctx))
#define MAX_CPUS 8192

/* readmem(KVADDR): crash refuses an address below PAGE_OFFSET */
static int
t_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	if (!dread_is_kvaddr(DT(ctx)->r, addr) ||
	    addr + len < addr)
		return -1;
	return dread_read(DT(ctx)->r, addr, buf, len);
}

static long
t_member_offset(void *ctx, const char *s, const char *m)
{
	return dsym_member_offset(DT(ctx)->s, s, m);
}

static long
t_member_size(void *ctx, const char *s, const char *m)
{
	return dsym_member_size(DT(ctx)->s, s, m);
}

static int
t_member_type(void *ctx, const char *s, const char *m, char *name, size_t len)
{
	return dsym_member_type(DT(ctx)->s, s, m, name, len);
}

static int
t_typedef_type(void *ctx, const char *name, char *target, size_t len)
{
	return dsym_typedef_type(DT(ctx)->s, name, target, len);
}

static long
t_struct_size(void *ctx, const char *s)
{
	return dsym_struct_size(DT(ctx)->s, s);
}

static int
t_symbol(void *ctx, const char *name, uint64_t *addr)
{
	return dsym_symbol(DT(ctx)->s, name, addr);
}

/* crash's is_percpu_symbol(): value in [__per_cpu_start, __per_cpu_end) */
static int
percpu_sym(struct dtarget *dt, const char *name, uint64_t *v)
{
	char old[256];

	if (!dsym_symbol(dt->s, name, v) && *v >= dt->pcpu_start &&
	    *v < dt->pcpu_end)
		return 0;
	snprintf(old, sizeof(old), "per_cpu__%s", name);
	return dsym_symbol(dt->s, old, v);
}

/* mmg_percpu_addr(): symbol + __per_cpu_offset[cpu], cpu < kt->cpus */
static int
t_percpu_addr(void *ctx, const char *sym, int cpu, uint64_t *addr)
{
	struct dtarget *dt = ctx;
	uint64_t v;

	if (percpu_sym(dt, sym, &v) || cpu < 0 || cpu >= dt->t.ncpus)
		return -1;
	if (dt->npcpu > 1)
		v += dt->pcpu_off[cpu];
	else if (cpu)
		return -1;
	*addr = v;
	return 0;
}

static int
t_is_kvaddr(void *ctx, uint64_t addr)
{
	return dread_is_kvaddr(DT(ctx)->r, addr);
}

static int
t_addr_state(void *ctx, uint64_t addr)
{
	return dread_addr_state(DT(ctx)->r, addr);
}

static long
t_symbol_size(void *ctx, const char *name)
{
	return dsym_symbol_size(DT(ctx)->s, name);
}

/* ------------------------------------------------------------------ */
/* ikconfig (crash: read_in_kernel_config())                           */
/* ------------------------------------------------------------------ */

static void
load_ikconfig(struct dtarget *dt)
{
	uint64_t a, e;
	unsigned char *raw = NULL;
	size_t n, cap = 1 << 20, got = 0;
	z_stream zs;
	int rc;

	dt->ikconfig_state = -1;
	if (dsym_symbol(dt->s, "kernel_config_data", &a) ||
	    dsym_symbol(dt->s, "kernel_config_data_end", &e) || e <= a ||
	    e - a > (16 << 20))
		return;
	n = (size_t)(e - a);
	raw = malloc(n);
	dt->ikconfig = malloc(cap + 1);
	if (!raw || !dt->ikconfig || t_read(dt, a, raw, n) || n < 16 ||
	    memcmp(raw, "IKCFG_ST", 8))
		goto out;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		goto out;
	zs.next_in = raw + 8;
	zs.avail_in = (uInt)(n - 8);
	for (;;) {
		zs.next_out = (unsigned char *)dt->ikconfig + got;
		zs.avail_out = (uInt)(cap - got);
		rc = inflate(&zs, Z_NO_FLUSH);
		got = cap - zs.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK || got < cap)
			break;
		{
			char *bigger = realloc(dt->ikconfig, cap * 2 + 1);

			if (!bigger)
				break;
			dt->ikconfig = bigger;
			cap *= 2;
		}
	}
	inflateEnd(&zs);
	if (rc == Z_STREAM_END) {
		dt->ikconfig[got] = '\0';
		dt->ikconfig_state = 1;
	}
out:
	free(raw);
	if (dt->ikconfig_state != 1) {
		free(dt->ikconfig);
		dt->ikconfig = NULL;
	}
}

static int
t_kconfig(void *ctx, const char *name)
{
	struct dtarget *dt = ctx;
	char key[256];
	const char *p;
	size_t kl;

	if (!dt->ikconfig_state)
		load_ikconfig(dt);
	if (dt->ikconfig_state != 1)
		return -1;
	snprintf(key, sizeof(key), "%s%s", strncmp(name, "CONFIG_", 7) ?
		 "CONFIG_" : "", name);
	kl = strlen(key);
	for (p = dt->ikconfig; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, kl) && p[kl] == '=')
			return p[kl + 1] == 'y' || p[kl + 1] == 'm';
	return 0;
}

static int read_u64(struct dtarget *dt, uint64_t a, uint64_t *v);

/* ------------------------------------------------------------------ */
/* module symbols (crash: store_module_symbols_*(), value_search())    */
/* ------------------------------------------------------------------ */

struct modsym {
	uint64_t value;
	char *name;
};

static int
by_value(const void *a, const void *b)
{
	const struct modsym *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* crash's strip_symbol_end(): "f.isra.0", "f.part.0", "f.llvm.N" are "f" */
static void
strip_symbol_end(char *name)
{
	static const char *const strip[] = { ".isra.", ".part.", ".llvm.", NULL };
	char *p;
	int i;

	for (i = 0; strip[i]; i++)
		if ((p = strstr(name, strip[i]))) {
			*p = '\0';
			return;
		}
}

/* every named, defined symbol of every loaded module (mod->kallsyms) */
static void
load_modsyms(struct dtarget *dt)
{
	long o_list = dsym_member_offset(dt->s, "module", "list");
	long o_ks = dsym_member_offset(dt->s, "module", "kallsyms");
	long o_sym = dsym_member_offset(dt->s, "mod_kallsyms", "symtab");
	long o_num = dsym_member_offset(dt->s, "mod_kallsyms", "num_symtab");
	long o_str = dsym_member_offset(dt->s, "mod_kallsyms", "strtab");
	uint64_t head, next, ks, symtab, strtab;
	uint32_t num;
	int nmod = 0;

	dt->modsyms_done = 1;
	if (o_list < 0 || o_ks < 0 || o_sym < 0 || o_num < 0 || o_str < 0 ||
	    dsym_symbol(dt->s, "modules", &head) || read_u64(dt, head, &next))
		return;
	while (next != head && nmod++ < 4096 && dread_is_kvaddr(dt->r, next)) {
		uint64_t mod = next - (uint64_t)o_list;
		unsigned char *syms = NULL;
		uint32_t i;

		if (read_u64(dt, mod + (uint64_t)o_ks, &ks) ||
		    read_u64(dt, ks + (uint64_t)o_sym, &symtab) ||
		    t_read(dt, ks + (uint64_t)o_num, &num, 4) ||
		    read_u64(dt, ks + (uint64_t)o_str, &strtab) ||
		    num > 1000000 || !(syms = malloc((size_t)num * 24 + 1)) ||
		    t_read(dt, symtab, syms, (size_t)num * 24)) {
			free(syms);
			goto next;
		}
		for (i = 0; i < num; i++) {
			const unsigned char *e = syms + (size_t)i * 24;
			uint32_t name;
			uint16_t shndx;
			uint64_t value;
			char buf[128];
			struct modsym *nv;

			memcpy(&name, e, 4);
			memcpy(&shndx, e + 6, 2);
			memcpy(&value, e + 8, 8);
			if (!shndx || shndx >= 0xff00 || !value || !name ||
			    t_read(dt, strtab + name, buf, 1))
				continue;
			/* the name: up to its NUL, within one read of 128 */
			if (t_read(dt, strtab + name, buf, sizeof(buf)))
				continue;
			buf[sizeof(buf) - 1] = '\0';
			strip_symbol_end(buf);
			if (!buf[0])
				continue;
			if (dt->nmodsyms == dt->modsymcap) {
				int nc = dt->modsymcap ? dt->modsymcap * 2 : 1024;

				nv = realloc(dt->modsyms, (size_t)nc * sizeof(*nv));
				if (!nv)
					break;
				dt->modsyms = nv;
				dt->modsymcap = nc;
			}
			dt->modsyms[dt->nmodsyms].value = value;
			dt->modsyms[dt->nmodsyms].name = strdup(buf);
			if (dt->modsyms[dt->nmodsyms].name)
				dt->nmodsyms++;
		}
		free(syms);
next:
		if (read_u64(dt, next, &next))
			break;
	}
	qsort(dt->modsyms, (size_t)dt->nmodsyms, sizeof(*dt->modsyms),
	      by_value);
}

static int
module_symbol(struct dtarget *dt, uint64_t addr, char *buf, size_t len,
	      uint64_t *offset)
{
	int lo = 0, hi, mid;

	if (!dt->modsyms_done)
		load_modsyms(dt);
	hi = dt->nmodsyms - 1;
	if (hi < 0 || addr < dt->modsyms[0].value)
		return -1;
	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (dt->modsyms[mid].value <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (addr - dt->modsyms[lo].value >= (1 << 20))
		return -1;
	snprintf(buf, len, "%s", dt->modsyms[lo].name);
	*offset = addr - dt->modsyms[lo].value;
	return 0;
}

/* mmflush_symbol_name(): value_search(), kernel then module symbols */
static int
t_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len,
	      uint64_t *offset)
{
	struct dtarget *dt = ctx;

	if (!addr || !dread_is_kvaddr(dt->r, addr))
		return -1;
	if (addr >= 0xffffffffc0000000ULL && addr < 0xffffffffff000000ULL)
		return module_symbol(dt, addr, buf, len, offset);
	return dsym_symbol_name(dt->s, addr, buf, len, offset);
}

/* mmflush_cpu_regs(): the dump's saved registers of a CPU */
static int
t_cpu_regs(void *ctx, int cpu, uint64_t *ip, uint64_t *flags, uint64_t *cs)
{
	struct dtarget *dt = ctx;

	if (cpu < 0 || cpu >= dt->t.ncpus ||
	    dread_prstatus(dt->r, cpu, ip, flags, cs) || !*ip)
		return -1;
	return 0;
}

/* crash: kvtop() + phys_to_page() (vmemmap); 0 direct map, 1 other */
static int
t_page_of(void *ctx, uint64_t kvaddr, uint64_t *page)
{
	struct dtarget *dt = ctx;
	uint64_t pa;

	if (!dt->vmemmap || dt->page_struct <= 0 ||
	    dread_vtop(dt->r, kvaddr, &pa))
		return -1;
	if (dt->max_pfn && (pa >> 12) >= dt->max_pfn)
		return -1;
	*page = dt->vmemmap + (pa >> 12) * (uint64_t)dt->page_struct;
	return pa + dt->page_offset == kvaddr ? 0 : 1;
}

static int
t_enum_value(void *ctx, const char *name, long long *val)
{
	return dsym_enum_value(DT(ctx)->s, name, val);
}

/* ------------------------------------------------------------------ */
/* CPUs (crash: x86_64_per_cpu_init(), kt->cpus)                       */
/* ------------------------------------------------------------------ */

static int
read_u64(struct dtarget *dt, uint64_t a, uint64_t *v)
{
	return t_read(dt, a, v, 8);
}

static void
init_cpus(struct dtarget *dt)
{
	uint64_t a, load = 0, cpu_addr, present;
	long n, off, csize;
	int i, cpus = 0, highest = -1, npresent = 0;
	int32_t num;

	if (dsym_symbol(dt->s, "__per_cpu_start", &dt->pcpu_start))
		dt->pcpu_start = 0;
	if (dsym_symbol(dt->s, "__per_cpu_end", &dt->pcpu_end))
		dt->pcpu_end = 0;
	dt->pcpu_off = calloc(MAX_CPUS, sizeof(*dt->pcpu_off));
	if (!dt->pcpu_off || dsym_symbol(dt->s, "__per_cpu_offset", &a)) {
		dt->t.ncpus = 1;
		return;
	}
	n = dsym_symbol_size(dt->s, "__per_cpu_offset");
	n = n > 0 ? n / 8 : MAX_CPUS;
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	for (i = 0; i < n; i++)
		if (read_u64(dt, a + 8 * (uint64_t)i, &dt->pcpu_off[i]))
			break;
	dt->npcpu = i;
	dsym_symbol(dt->s, "__per_cpu_load", &load);

	/* count CPUs whose per-CPU cpu_number is their number */
	if (!percpu_sym(dt, "pcpu_hot", &cpu_addr) &&
	    (off = dsym_member_offset(dt->s, "pcpu_hot", "cpu_number")) >= 0)
		cpu_addr += (uint64_t)off;
	else if (percpu_sym(dt, "cpu_number", &cpu_addr))
		cpu_addr = 0;
	for (i = 0; cpu_addr && i < dt->npcpu; i++) {
		if (load && dt->pcpu_off[i] == load)
			break;
		if (t_read(dt, cpu_addr + dt->pcpu_off[i], &num, 4) ||
		    num != cpus)
			break;
		cpus++;
	}
	/* get_cpus_present(), get_highest_cpu_present() */
	if (!dsym_symbol(dt->s, "__cpu_present_mask", &present) ||
	    !dsym_symbol(dt->s, "cpu_present_mask", &present)) {
		csize = dsym_struct_size(dt->s, "cpumask");
		for (i = 0; csize > 0 && i < csize / 8; i++) {
			uint64_t w;

			if (read_u64(dt, present + 8 * (uint64_t)i, &w))
				break;
			npresent += __builtin_popcountll(w);
			if (w)
				highest = 63 - __builtin_clzll(w) + i * 64;
		}
	}
	if (npresent && (!cpus || npresent < cpus))
		cpus = highest + 1;
	dt->t.ncpus = cpus > 0 ? cpus : 1;
}

void
dtarget_init(struct dtarget *dt, struct dread *r, struct dsym *s)
{
	uint64_t a, pob = 0, vmb = 0, vme = 0;

	memset(dt, 0, sizeof(*dt));
	dt->r = r;
	dt->s = s;
	if (!dsym_symbol(s, "page_offset_base", &a))
		dread_read(r, a, &pob, 8);
	if (!dsym_symbol(s, "vmalloc_base", &a))
		dread_read(r, a, &vmb, 8);
	if (!dsym_symbol(s, "vmemmap_base", &a))
		dread_read(r, a, &vme, 8);
	if (!dsym_symbol(s, "max_pfn", &a))
		dread_read(r, a, &dt->max_pfn, 8);
	dread_set_map(r, pob, vmb, vme, dt->max_pfn);
	dt->page_offset = pob ? pob : 0xffff888000000000ULL;
	dt->vmemmap = vme ? vme : 0xffffea0000000000ULL;
	dt->page_struct = dsym_struct_size(s, "page");

	dt->t.ctx = dt;
	dt->t.read = t_read;
	dt->t.member_offset = t_member_offset;
	dt->t.member_size = t_member_size;
	dt->t.member_type = t_member_type;
	dt->t.typedef_type = t_typedef_type;
	dt->t.struct_size = t_struct_size;
	dt->t.symbol = t_symbol;
	dt->t.percpu_addr = t_percpu_addr;
	dt->t.is_kvaddr = t_is_kvaddr;
	dt->t.addr_state = t_addr_state;
	dt->t.symbol_size = t_symbol_size;
	dt->t.kconfig = t_kconfig;
	dt->t.symbol_name = t_symbol_name;
	dt->t.cpu_regs = t_cpu_regs;
	dt->t.page_of = t_page_of;
	dt->t.enum_value = t_enum_value;
	dt->t.page_size = 4096;
	init_cpus(dt);
}

void
dtarget_free(struct dtarget *dt)
{
	int i;

	for (i = 0; i < dt->nmodsyms; i++)
		free(dt->modsyms[i].name);
	free(dt->modsyms);
	dt->modsyms = NULL;
	dt->nmodsyms = 0;
	free(dt->pcpu_off);
	free(dt->ikconfig);
	dt->pcpu_off = NULL;
	dt->ikconfig = NULL;
}

/* ------------------------------------------------------------------ */
/* crash's task table                                                  */
/* ------------------------------------------------------------------ */

struct tk {
	uint64_t addr;
	int pid, cpu;
};

struct tasklist {
	struct tk *v;
	int n, cap;
	struct mma_hash seen;
};

static void
tl_add(struct tasklist *tl, uint64_t addr, int pid, int cpu)
{
	if (mma_hash_get(&tl->seen, addr) >= 0)
		return;
	if (tl->n == tl->cap) {
		int ncap = tl->cap ? tl->cap * 2 : 1024;
		struct tk *nv = realloc(tl->v, (size_t)ncap * sizeof(*nv));

		if (!nv)
			return;
		tl->v = nv;
		tl->cap = ncap;
	}
	mma_hash_put(&tl->seen, addr, tl->n);
	tl->v[tl->n].addr = addr;
	tl->v[tl->n].pid = pid;
	tl->v[tl->n].cpu = cpu;
	tl->n++;
}

static int
by_pid(const void *a, const void *b)
{
	const struct tk *x = a, *y = b;

	if (x->pid == 0 && y->pid == 0)
		return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

struct toffs {
	long pid, cpu, ti_cpu, tasks, signal, thread_head, thread_node;
	long thread_group;
};

static int
task_facts(struct dtarget *dt, const struct toffs *o, uint64_t task,
	   int *pid, int *cpu)
{
	int32_t v;

	if (t_read(dt, task + (uint64_t)o->pid, &v, 4))
		return -1;
	*pid = v;
	*cpu = 0;
	if (o->cpu >= 0 && !t_read(dt, task + (uint64_t)o->cpu, &v, 4))
		*cpu = v;
	else if (o->ti_cpu >= 0 && !t_read(dt, task + (uint64_t)o->ti_cpu,
					   &v, 4))
		*cpu = v;
	return 0;
}

/* each thread of the group led by leader (signal->thread_head, or the
 * older thread_group list) */
static void
walk_threads(struct dtarget *dt, const struct toffs *o, uint64_t leader,
	     struct tasklist *tl)
{
	uint64_t head, next, sig, task;
	long link;
	int n = 0, pid, cpu;

	if (o->signal >= 0 && o->thread_head >= 0 && o->thread_node >= 0) {
		if (read_u64(dt, leader + (uint64_t)o->signal, &sig) ||
		    !dread_is_kvaddr(dt->r, sig))
			return;
		head = sig + (uint64_t)o->thread_head;
		link = o->thread_node;
	} else if (o->thread_group >= 0) {
		head = leader + (uint64_t)o->thread_group;
		link = o->thread_group;
	} else
		return;
	if (read_u64(dt, head, &next))
		return;
	while (next != head && n++ < (1 << 22)) {
		if (!dread_is_kvaddr(dt->r, next))
			return;
		task = next - (uint64_t)link;
		if (task != leader && !task_facts(dt, o, task, &pid, &cpu))
			tl_add(tl, task, pid, cpu);
		if (read_u64(dt, next, &next))
			return;
	}
}

/*
 * The pid table's tasks (crash: refresh_xarray_task_table()): every struct
 * pid in init_pid_ns.idr whose numbers[0].ns is init_pid_ns, its
 * tasks[PIDTYPE_PID] task, in index order.  Returns -1 when the kernel has
 * no such xarray (the caller walks the task lists instead).
 */
struct xawalk {
	struct dtarget *dt;
	long slots, nslots;
	uint64_t *pids;
	int n, cap, depth_err;
};

static void
xa_walk(struct xawalk *w, uint64_t entry, int depth)
{
	uint64_t slots[64];
	int i;

	if (!entry || depth > 12)
		return;
	if ((entry & 3) == 2) {
		if (entry <= 4096)		/* retry, sibling, zero entries */
			return;
		if (t_read(w->dt, entry - 2 + (uint64_t)w->slots, slots,
			   (size_t)w->nslots * 8)) {
			w->depth_err = 1;
			return;
		}
		for (i = 0; i < w->nslots; i++)
			xa_walk(w, slots[i], depth + 1);
		return;
	}
	if (entry & 1)				/* value entry */
		return;
	if (w->n == w->cap) {
		int nc = w->cap ? w->cap * 2 : 1024;
		uint64_t *nv = realloc(w->pids, (size_t)nc * sizeof(*nv));

		if (!nv)
			return;
		w->pids = nv;
		w->cap = nc;
	}
	w->pids[w->n++] = entry;
}

static int
pid_table(struct dtarget *dt, const struct toffs *o, struct tasklist *tl,
	  const struct mma_hash *idle)
{
	struct xawalk w;
	uint64_t ns, head, pns, first, task;
	long o_idr = dsym_member_offset(dt->s, "pid_namespace", "idr");
	long o_rt = dsym_member_offset(dt->s, "idr", "idr_rt");
	long o_head = dsym_member_offset(dt->s, "xarray", "xa_head");
	long o_num = dsym_member_offset(dt->s, "pid", "numbers");
	long o_ns = dsym_member_offset(dt->s, "upid", "ns");
	long o_tasks = dsym_member_offset(dt->s, "pid", "tasks");
	long o_links = dsym_member_offset(dt->s, "task_struct", "pid_links");
	int i, pid, cpu;

	memset(&w, 0, sizeof(w));
	w.dt = dt;
	w.slots = dsym_member_offset(dt->s, "xa_node", "slots");
	w.nslots = dsym_member_size(dt->s, "xa_node", "slots") / 8;
	if (o_idr < 0 || o_rt < 0 || o_head < 0 || o_num < 0 || o_ns < 0 ||
	    o_tasks < 0 || o_links < 0 || w.slots < 0 || w.nslots <= 0 ||
	    w.nslots > 64 || dsym_symbol(dt->s, "init_pid_ns", &ns) ||
	    read_u64(dt, ns + (uint64_t)(o_idr + o_rt + o_head), &head))
		return -1;
	xa_walk(&w, head, 0);
	for (i = 0; i < w.n; i++) {
		if (read_u64(dt, w.pids[i] + (uint64_t)(o_num + o_ns), &pns))
			continue;		/* crash: "cannot read pid" */
		if (pns != ns)
			continue;
		if (read_u64(dt, w.pids[i] + (uint64_t)o_tasks, &first) ||
		    !first)
			continue;
		task = first - (uint64_t)o_links;
		if (mma_hash_get(idle, task) >= 0)
			continue;
		/* crash stops at an invalid or duplicate task (dump files) */
		if (!dread_is_kvaddr(dt->r, task) || (task & 7) ||
		    mma_hash_get(&tl->seen, task) >= 0)
			break;
		if (!task_facts(dt, o, task, &pid, &cpu))
			tl_add(tl, task, pid, cpu);
	}
	free(w.pids);
	return 0;
}

uint64_t
dtarget_active(struct dtarget *dt, int cpu)
{
	uint64_t rq, curr;
	long off = dsym_member_offset(dt->s, "rq", "curr");

	if (off < 0 || t_percpu_addr(dt, "runqueues", cpu, &rq) ||
	    read_u64(dt, rq + (uint64_t)off, &curr))
		return 0;
	return curr;
}

int
dtarget_tasks(struct dtarget *dt, uint64_t **tasks)
{
	struct tasklist tl;
	struct toffs o;
	uint64_t init_task, head, next, task, rq, idle;
	long ti, idle_off;
	int c, n = 0, pid, cpu, i, nleaders, rc;
	struct mma_hash idles;

	memset(&tl, 0, sizeof(tl));
	mma_hash_init(&tl.seen);
	mma_hash_init(&idles);
	o.pid = dsym_member_offset(dt->s, "task_struct", "pid");
	o.cpu = dsym_member_offset(dt->s, "task_struct", "cpu");
	ti = dsym_member_offset(dt->s, "task_struct", "thread_info");
	o.ti_cpu = ti >= 0 && dsym_member_offset(dt->s, "thread_info", "cpu")
		   >= 0 ? ti + dsym_member_offset(dt->s, "thread_info", "cpu")
		   : -1;
	o.tasks = dsym_member_offset(dt->s, "task_struct", "tasks");
	o.signal = dsym_member_offset(dt->s, "task_struct", "signal");
	o.thread_head = dsym_member_offset(dt->s, "signal_struct",
					   "thread_head");
	o.thread_node = dsym_member_offset(dt->s, "task_struct", "thread_node");
	o.thread_group = dsym_member_offset(dt->s, "task_struct",
					    "thread_group");
	if (o.pid < 0 || o.tasks < 0 ||
	    dsym_symbol(dt->s, "init_task", &init_task))
		return -1;

	/* the idle tasks (crash: get_idle_threads(), rq->idle) */
	idle_off = dsym_member_offset(dt->s, "rq", "idle");
	for (c = 0; idle_off >= 0 && c < dt->t.ncpus; c++)
		if (!t_percpu_addr(dt, "runqueues", c, &rq) &&
		    !read_u64(dt, rq + (uint64_t)idle_off, &idle) &&
		    dread_is_kvaddr(dt->r, idle) &&
		    !task_facts(dt, &o, idle, &pid, &cpu))
			tl_add(&tl, idle, pid, cpu);
	/* the pid table, as crash reads it; else the task lists */
	for (i = 0; i < tl.n; i++)
		mma_hash_put(&idles, tl.v[i].addr, i);
	rc = pid_table(dt, &o, &tl, &idles);
	mma_hash_free(&idles);
	if (!rc)
		goto sort;
	/* every thread group leader, then their threads */
	head = init_task + (uint64_t)o.tasks;
	if (!read_u64(dt, head, &next))
		while (next != head && n++ < (1 << 22)) {
			if (!dread_is_kvaddr(dt->r, next))
				break;
			task = next - (uint64_t)o.tasks;
			if (task_facts(dt, &o, task, &pid, &cpu))
				break;
			tl_add(&tl, task, pid, cpu);
			if (read_u64(dt, next, &next))
				break;
		}
	nleaders = tl.n;
	for (i = 0; i < nleaders; i++)
		if (tl.v[i].pid > 0)
			walk_threads(dt, &o, tl.v[i].addr, &tl);
sort:
	qsort(tl.v, (size_t)tl.n, sizeof(*tl.v), by_pid);
	*tasks = malloc((size_t)(tl.n ? tl.n : 1) * sizeof(**tasks));
	if (!*tasks) {
		free(tl.v);
		mma_hash_free(&tl.seen);
		return -1;
	}
	for (i = 0; i < tl.n; i++)
		(*tasks)[i] = tl.v[i].addr;
	n = tl.n;
	free(tl.v);
	mma_hash_free(&tl.seen);
	return n;
}
