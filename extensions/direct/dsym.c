/*
 * dsym.c - the symbol table and the BTF type lookups of the direct front
 * end (dsym.h), shared by both sources (dsym_kallsyms.c: the dump's own
 * kallsyms + BTF; dsym_elf.c: a vmlinux's .symtab + .BTF).
 *
 * Every answer reproduces what crash 8.0.6 (gdb 10.2) answers through the
 * extension's target callbacks (extensions/mmaudit.c, mmglue.c, mmflush.c);
 * tests/direct/test_dsym.c checks each one against the fixtures recorded
 * from the real crash (tests/unit/fixtures/<tag>.txt).  Where gdb's answer
 * has a rule of its own, the function says so.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "../core/mmcore.h"
#include "dsym_int.h"

void
dsym_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* FNV-1a of n bytes */
uint64_t
dsym_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

struct dsym *
dsym_alloc(const char *source)
{
	struct dsym *d = calloc(1, sizeof(*d));

	if (d)
		d->source = source;
	return d;
}

void
dsym_free(struct dsym *d)
{
	if (!d)
		return;
	free(d->syms);
	free(d->pool);
	free(d->name_hash);
	free(d->by_addr);
	free(d->type_hash);
	free(d->var_hash);
	if (d->btf)
		btf__free(d->btf);
	free(d);
}

const char *
dsym_source(const struct dsym *d)
{
	return d ? d->source : "";
}

/* room for nsyms more symbols with pool bytes of names; 0 ok */
int
dsym_reserve(struct dsym *d, size_t nsyms, size_t pool)
{
	struct dsym_sym *s;
	char *p;

	if (d->nsyms + nsyms > d->capsyms) {
		if (!(s = realloc(d->syms, (d->nsyms + nsyms) * sizeof(*s))))
			return -1;
		d->syms = s;
		d->capsyms = d->nsyms + nsyms;
	}
	if (d->pool_len + pool > d->pool_cap) {
		if (!(p = realloc(d->pool, d->pool_len + pool)))
			return -1;
		d->pool = p;
		d->pool_cap = d->pool_len + pool;
	}
	return 0;
}

/*
 * crash's strip_symbol_end(): gcc's clone suffixes ".isra.N", ".part.N"
 * and clang's ".llvm.N" are cut from a name (the first of them found, in
 * that order, and everything after it: "NF_HOOK.constprop.0.isra.0" is
 * "NF_HOOK.constprop.0"); ".constprop.N" and ".cold" stay.
 */
static size_t
strip_len(const char *name, size_t nlen)
{
	static const char *const strip[] = { ".isra.", ".part.", ".llvm." };
	size_t i, k, sl;

	for (i = 0; i < 3; i++) {
		sl = strlen(strip[i]);
		for (k = 0; k + sl <= nlen; k++)
			if (name[k] == '.' && !memcmp(name + k, strip[i], sl))
				return k;
	}
	return nlen;
}

/* append one symbol; 0 ok, -1 out of memory */
int
dsym_add(struct dsym *d, const char *name, size_t nlen, uint64_t addr,
	 uint64_t size, char type)
{
	struct dsym_sym *s;
	size_t keep = strip_len(name, nlen);

	if (nlen - keep > 255)
		keep = nlen;
	if (d->nsyms == d->capsyms) {
		size_t n = d->capsyms ? 2 * d->capsyms : 65536;

		if (!(s = realloc(d->syms, n * sizeof(*s))))
			return -1;
		d->syms = s;
		d->capsyms = n;
	}
	if (d->pool_len + nlen + 2 > d->pool_cap) {
		size_t n = d->pool_cap ? 2 * d->pool_cap : 1 << 21;
		char *p;

		while (n < d->pool_len + nlen + 2)
			n *= 2;
		if (!(p = realloc(d->pool, n)))
			return -1;
		d->pool = p;
		d->pool_cap = n;
	}
	s = &d->syms[d->nsyms++];
	s->addr = addr;
	s->size = size;
	s->type = type;
	s->cut = (uint8_t)(nlen - keep);
	s->name = (uint32_t)d->pool_len;
	s->hash = (uint32_t)dsym_hash(name, keep);
	memcpy(d->pool + d->pool_len, name, keep);
	d->pool[d->pool_len + keep] = '\0';
	d->pool_len += keep + 1;
	if (keep < nlen) {
		memcpy(d->pool + d->pool_len, name + keep, nlen - keep);
		d->pool[d->pool_len + nlen - keep] = '\0';
		d->pool_len += nlen - keep + 1;
	}
	return 0;
}

static const char *
sname(const struct dsym *d, uint32_t i)
{
	return d->pool + d->syms[i].name;
}

/*
 * The name index.  A name defined more than once (static functions of
 * different files) answers its lowest address: crash installs its
 * symbols in address order and symbol_value() returns the first one of
 * the name (symbols.c: symname_hash_install() appends to the chain).
 */
int
dsym_finish_symbols(struct dsym *d)
{
	size_t cap = 1, i, j;

	while (cap < 2 * d->nsyms + 2)
		cap *= 2;
	free(d->name_hash);
	if (!(d->name_hash = calloc(cap, sizeof(*d->name_hash))))
		return -1;
	d->name_cap = cap;
	for (i = 0; i < d->nsyms; i++) {
		const struct dsym_sym *s = &d->syms[i];

		for (j = s->hash & (cap - 1); d->name_hash[j];
		     j = (j + 1) & (cap - 1)) {
			uint32_t o = d->name_hash[j] - 1;

			if (d->syms[o].hash == s->hash &&
			    !strcmp(sname(d, o), sname(d, (uint32_t)i))) {
				if (s->addr < d->syms[o].addr)
					d->name_hash[j] = (uint32_t)i + 1;
				break;
			}
		}
		if (!d->name_hash[j])
			d->name_hash[j] = (uint32_t)i + 1;
	}
	return 0;
}

static long
sym_index(const struct dsym *d, const char *name)
{
	uint32_t h;
	size_t j;

	if (!d || !name || !d->name_cap)
		return -1;
	h = (uint32_t)dsym_hash(name, strlen(name));
	for (j = h & (d->name_cap - 1); d->name_hash[j];
	     j = (j + 1) & (d->name_cap - 1)) {
		uint32_t o = d->name_hash[j] - 1;

		if (d->syms[o].hash == h && !strcmp(sname(d, o), name))
			return (long)o;
	}
	return -1;
}

int
dsym_symbol(struct dsym *d, const char *name, uint64_t *addr)
{
	long i = sym_index(d, name);

	if (i < 0)
		return -1;
	if (addr)
		*addr = d->syms[i].addr;
	return 0;
}

size_t
dsym_nsyms(const struct dsym *d)
{
	return d ? d->nsyms : 0;
}

int
dsym_nth(const struct dsym *d, size_t i, const char **name, uint64_t *addr,
	 char *type)
{
	if (!d || i >= d->nsyms)
		return -1;
	if (name)
		*name = sname(d, (uint32_t)i);
	if (addr)
		*addr = d->syms[i].addr;
	if (type)
		*type = d->syms[i].type;
	return 0;
}

/* ------------------------------------------------------------------ */
/* address order: symbol_name                                          */
/* ------------------------------------------------------------------ */

/*
 * Symbols at one address are ordered by name (strcmp), as crash's table
 * is: asked with `sym` on the 6.1 test dump for 71 alias groups, crash
 * named the first by strcmp for the exact address (__do_sys_geteuid, not
 * __x64_sys_geteuid; _stext, not _text or startup_64) and the last for
 * an address inside (startup_64+5, __x64_sys_geteuid+5): value_search()
 * returns the entry before the first higher one.
 */
static const struct dsym *sort_d;

/* the i-th character of symbol x's unstripped name (0 past its end) */
static int
full_char(const struct dsym *d, uint32_t x, size_t i, size_t nl)
{
	const char *n = sname(d, x);

	if (i < nl)
		return (unsigned char)n[i];
	if (!d->syms[x].cut || i - nl >= d->syms[x].cut)
		return 0;
	return (unsigned char)n[nl + 1 + (i - nl)];
}

static int
cmp_full(const struct dsym *d, uint32_t x, uint32_t y)
{
	size_t i, lx, ly;
	int r;

	if (!d->syms[x].cut && !d->syms[y].cut)
		return strcmp(sname(d, x), sname(d, y));
	lx = strlen(sname(d, x));
	ly = strlen(sname(d, y));
	for (i = 0;; i++) {
		int a = full_char(d, x, i, lx), b = full_char(d, y, i, ly);

		if ((r = a - b) || !a)
			return r;
	}
}

static int
cmp_addr(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct dsym_sym *s = &sort_d->syms[x], *t = &sort_d->syms[y];
	int r;

	if (s->addr != t->addr)
		return s->addr < t->addr ? -1 : 1;
	if ((r = cmp_full(sort_d, x, y)))
		return r;
	return x < y ? -1 : x > y;
}

/*
 * The table symbol_name() searches, as crash builds its own on x86_64:
 * every symbol in (address, unstripped name) order (symbols.c
 * gnu_qsort()), from the first "_text" or "_stext" of that order on
 * (x86_64_verify_symbol(): what sorts before it - the per-CPU symbols
 * apart, which value_search() never answers - is dropped: ".text",
 * "__pfx_..." at _text's address).
 */
static int
build_by_addr(struct dsym *d)
{
	uint64_t lo = 0;
	size_t i, n = 0, first;

	if (dsym_symbol(d, "_text", &lo) && dsym_symbol(d, "_stext", &lo))
		lo = 0;
	if (!(d->by_addr = malloc((d->nsyms + 1) * sizeof(*d->by_addr))))
		return -1;
	for (i = 0; i < d->nsyms; i++)
		if (d->syms[i].addr >= lo)
			d->by_addr[n++] = (uint32_t)i;
	sort_d = d;
	/* kallsyms is in address order already: sort the alias groups only */
	for (i = 1; i < n; i++)
		if (d->syms[d->by_addr[i - 1]].addr > d->syms[d->by_addr[i]].addr)
			break;
	if (i < n) {
		qsort(d->by_addr, n, sizeof(*d->by_addr), cmp_addr);
	} else {
		size_t a, b;

		for (a = 0; a < n; a = b) {
			for (b = a + 1; b < n && d->syms[d->by_addr[b]].addr ==
			     d->syms[d->by_addr[a]].addr; b++)
				;
			if (b - a > 1)
				qsort(d->by_addr + a, b - a, sizeof(*d->by_addr),
				      cmp_addr);
		}
	}
	for (first = 0; first < n; first++) {
		const char *nm = sname(d, d->by_addr[first]);

		if (!strcmp(nm, "_text") || !strcmp(nm, "_stext"))
			break;
	}
	if (first == n)
		first = 0;
	memmove(d->by_addr, d->by_addr + first,
		(n - first) * sizeof(*d->by_addr));
	d->sorted = (int)(n - first);
	return 0;
}

/*
 * The symbol at or below addr, as crash's value_search() for a kernel
 * image address: NULL (-1) below the first or above the last symbol of
 * the table.  At an exact address the first symbol of that address in
 * the table's order, except that a ".text.*", "SyS_*"/"compat_SyS_*" or
 * "*_text_start*" name gives way to the next symbol of the same address
 * (each rule once, in that order); inside, the last symbol at the highest
 * address below (crash returns the entry before the first higher one).
 * Module symbols are in neither source.  crash's table also has the
 * vmlinux's section symbols (".exit.text", "__bug_table") and .LC labels:
 * the vmlinux source has them as crash does; kallsyms never has them, so
 * from the dump alone an address where crash answers one of those is
 * named differently.
 */
int
dsym_symbol_name(struct dsym *d, uint64_t addr, char *buf, size_t len,
		 uint64_t *offset)
{
	size_t lo, hi, n;
	uint32_t i;

	if (!d || !addr)
		return -1;
	if (!d->by_addr && build_by_addr(d))
		return -1;
	n = (size_t)d->sorted;
	if (!n || addr < d->syms[d->by_addr[0]].addr ||
	    addr > d->syms[d->by_addr[n - 1]].addr)
		return -1;
	/* last index whose address <= addr */
	lo = 0, hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->syms[d->by_addr[mid]].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (d->syms[d->by_addr[lo]].addr == addr) {
		while (lo > 0 && d->syms[d->by_addr[lo - 1]].addr == addr)
			lo--;
#define NEXT_SAME (lo + 1 < n && d->syms[d->by_addr[lo + 1]].addr == addr)
		if (!strncmp(sname(d, d->by_addr[lo]), ".text.", 6) && NEXT_SAME)
			lo++;
		if ((!strncmp(sname(d, d->by_addr[lo]), "SyS_", 4) ||
		     !strncmp(sname(d, d->by_addr[lo]), "compat_SyS_", 11)) &&
		    NEXT_SAME)
			lo++;
		if (strstr(sname(d, d->by_addr[lo]), "_text_start") && NEXT_SAME)
			lo++;
#undef NEXT_SAME
	}
	i = d->by_addr[lo];
	if (buf && len)
		snprintf(buf, len, "%s", sname(d, i));
	if (offset)
		*offset = addr - d->syms[i].addr;
	return 0;
}

/* ------------------------------------------------------------------ */
/* BTF                                                                 */
/* ------------------------------------------------------------------ */

/* name groups of the type index */
enum { G_COMPOSITE = 1, G_TYPEDEF, G_ENUM };

static int
kind_group(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return G_COMPOSITE;
	case BTF_KIND_TYPEDEF:
		return G_TYPEDEF;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return G_ENUM;
	default:
		return 0;
	}
}

/* a complete struct/union beats an empty one of the same name */
static int
better(const struct btf_type *n, const struct btf_type *o)
{
	return kind_group(n) == G_COMPOSITE && !btf_vlen(o) && btf_vlen(n);
}

static int
build_types(struct dsym *d)
{
	uint32_t cnt = btf__type_cnt(d->btf), id;
	size_t cap = 1, j;

	while (cap < cnt)
		cap *= 2;
	cap *= 2;
	if (!(d->type_hash = calloc(cap, sizeof(*d->type_hash))))
		return -1;
	d->type_cap = cap;
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(d->btf, id);
		const char *n;
		int g = kind_group(t);

		if (!g || !t->name_off)
			continue;
		n = btf__name_by_offset(d->btf, t->name_off);
		if (!n || !*n)
			continue;
		for (j = (dsym_hash(n, strlen(n)) + (uint64_t)g) & (cap - 1);
		     d->type_hash[j]; j = (j + 1) & (cap - 1)) {
			const struct btf_type *o =
				btf__type_by_id(d->btf, d->type_hash[j]);

			if (kind_group(o) == g &&
			    !strcmp(btf__name_by_offset(d->btf, o->name_off), n)) {
				if (better(t, o))
					d->type_hash[j] = id;
				break;
			}
		}
		if (!d->type_hash[j])
			d->type_hash[j] = id;
	}
	return 0;
}

/* the type id of a named type of group g, 0 if none */
static uint32_t
type_lookup(struct dsym *d, const char *name, int g)
{
	size_t j;

	if (!d || !d->btf || !name || !*name)
		return 0;
	if (!d->type_hash && build_types(d))
		return 0;
	for (j = (dsym_hash(name, strlen(name)) + (uint64_t)g) &
		 (d->type_cap - 1);
	     d->type_hash[j]; j = (j + 1) & (d->type_cap - 1)) {
		const struct btf_type *o =
			btf__type_by_id(d->btf, d->type_hash[j]);

		if (kind_group(o) == g &&
		    !strcmp(btf__name_by_offset(d->btf, o->name_off), name))
			return d->type_hash[j];
	}
	return 0;
}

/* gdb has no type for const/volatile/restrict/type tags: skip them */
static uint32_t
skip_mods(const struct btf *b, uint32_t id)
{
	int n;

	for (n = 0; n < 64 && id; n++) {
		const struct btf_type *t = btf__type_by_id(b, id);

		if (!t)
			return 0;
		switch (btf_kind(t)) {
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		default:
			return id;
		}
	}
	return id;
}

/* also skip typedefs: gdb's check_typedef() */
static uint32_t
skip_typedefs(const struct btf *b, uint32_t id)
{
	int n;

	for (n = 0; n < 64; n++) {
		const struct btf_type *t;

		id = skip_mods(b, id);
		if (!id || !(t = btf__type_by_id(b, id)) ||
		    !btf_is_typedef(t))
			return id;
		id = t->type;
	}
	return id;
}

/*
 * The struct or union called name (the core passes "mm_struct", never
 * "struct mm_struct"), else a typedef of one: crash's datatype_info()
 * looks the name up in gdb's struct domain first, then as a type name.
 */
static const struct btf_type *
composite(struct dsym *d, const char *name)
{
	uint32_t id = type_lookup(d, name, G_COMPOSITE);
	const struct btf_type *t;

	if (!id && (id = type_lookup(d, name, G_TYPEDEF))) {
		id = skip_typedefs(d->btf, id);
		if (!id)
			return NULL;
	}
	if (!id || !(t = btf__type_by_id(d->btf, id)))
		return NULL;
	return btf_is_composite(t) ? t : NULL;
}

/*
 * Member m of composite t, also inside anonymous structs and unions
 * (crash 8's gdb 10.2 patch searches unnamed fields itself).  *bits gets
 * the member's bit offset from the start of t.
 */
static const struct btf_member *
find_member(const struct btf *b, const struct btf_type *t, const char *m,
	    uint64_t *bits, int depth)
{
	const struct btf_member *mb = btf_members(t);
	int i, n = btf_vlen(t);

	if (depth > 16)
		return NULL;
	for (i = 0; i < n; i++, mb++) {
		const char *nm = btf__name_by_offset(b, mb->name_off);

		if (nm && *nm) {
			if (!strcmp(nm, m)) {
				*bits = btf_member_bit_offset(t, i);
				return mb;
			}
			continue;
		}
		{
			const struct btf_type *at =
				btf__type_by_id(b, skip_mods(b, mb->type));
			const struct btf_member *r;
			uint64_t sub = 0;

			if (!at || !btf_is_composite(at))
				continue;
			if ((r = find_member(b, at, m, &sub, depth + 1))) {
				*bits = btf_member_bit_offset(t, i) + sub;
				return r;
			}
		}
	}
	return NULL;
}

long
dsym_member_offset(struct dsym *d, const char *type, const char *member)
{
	const struct btf_type *t;
	uint64_t bits = 0;

	if (!member || !(t = composite(d, type)))
		return -1;
	if (!find_member(d->btf, t, member, &bits, 0))
		return -1;
	/* a bitfield: the byte holding its first bit (gdb: bitpos / 8) */
	return (long)(bits / 8);
}

/*
 * crash's MEMBER_SIZE(): the size of the member's type (a bitfield: its
 * declared type's), 0 for a flexible array member, and 0 - not -1 - for a
 * member the struct does not have (crash's datatype_info() answers 0 once
 * the struct exists: recorded on every test kernel); -1 for no struct.
 */
long
dsym_member_size(struct dsym *d, const char *type, const char *member)
{
	const struct btf_type *t;
	const struct btf_member *m;
	uint64_t bits = 0;
	long long sz;

	if (!member || !(t = composite(d, type)))
		return -1;
	if (!(m = find_member(d->btf, t, member, &bits, 0)))
		return 0;
	sz = btf__resolve_size(d->btf, m->type);
	return sz < 0 ? -1 : (long)sz;
}

/* the enum mma_tc class of a BTF type */

static int
tclass(const struct btf *b, uint32_t id)
{
	const struct btf_type *t;

	if (!id)
		return MMA_TC_VOID;
	if (!(t = btf__type_by_id(b, id)))
		return MMA_TC_OTHER;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return (btf_int_encoding(t) & BTF_INT_BOOL) ? MMA_TC_BOOL : MMA_TC_INT;
	case BTF_KIND_PTR: return MMA_TC_PTR;
	case BTF_KIND_ARRAY: return MMA_TC_ARRAY;
	case BTF_KIND_STRUCT: return MMA_TC_STRUCT;
	case BTF_KIND_UNION: return MMA_TC_UNION;
	case BTF_KIND_FWD: return btf_kflag(t) ? MMA_TC_UNION : MMA_TC_STRUCT;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: return MMA_TC_ENUM;
	case BTF_KIND_TYPEDEF: return MMA_TC_TYPEDEF;
	case BTF_KIND_FUNC_PROTO: return MMA_TC_FUNC;
	case BTF_KIND_FLOAT: return MMA_TC_FLOAT;
	default: return MMA_TC_OTHER;
	}
}

/*
 * The name crash's MEMBER_TYPE_NAME() gives a type: its own name; for a
 * pointer or an array the name of what it points to / holds ("mm_struct"
 * for struct mm_struct *, "char" for char[16], "long unsigned int" for
 * unsigned long[]), through further pointers and arrays; "void" for void.
 */
static void
type_name(const struct btf *b, uint32_t id, char *name, size_t len)
{
	int n;

	for (n = 0; n < 64; n++) {
		const struct btf_type *t;
		const char *s;

		id = skip_mods(b, id);
		if (!id) {
			snprintf(name, len, "void");
			return;
		}
		if (!(t = btf__type_by_id(b, id)))
			return;
		if (btf_is_ptr(t)) {
			id = t->type;
			continue;
		}
		if (btf_is_array(t)) {
			id = btf_array(t)->type;
			continue;
		}
		s = btf__name_by_offset(b, t->name_off);
		snprintf(name, len, "%s", s ? s : "");
		return;
	}
}

int
dsym_member_type(struct dsym *d, const char *type, const char *member,
		 char *name, size_t namelen)
{
	const struct btf_type *t;
	const struct btf_member *m;
	uint64_t bits = 0;
	uint32_t id;

	if (name && namelen)
		name[0] = '\0';
	if (!member || !(t = composite(d, type)) ||
	    !(m = find_member(d->btf, t, member, &bits, 0)))
		return MMA_TC_NONE;
	id = skip_mods(d->btf, m->type);
	if (name && namelen)
		type_name(d->btf, id, name, namelen);
	return tclass(d->btf, id);
}

/*
 * As crash's datatype_info() for a type name: the whole typedef chain is
 * resolved at once (check_typedef()), target stays empty.  A struct tag,
 * a variable or nothing: MMA_TC_NONE.
 */
int
dsym_typedef_type(struct dsym *d, const char *name, char *target, size_t len)
{
	uint32_t id;

	if (target && len)
		target[0] = '\0';
	if (!(id = type_lookup(d, name, G_TYPEDEF)))
		return MMA_TC_NONE;
	return tclass(d->btf, skip_typedefs(d->btf, id));
}

long
dsym_struct_size(struct dsym *d, const char *type)
{
	const struct btf_type *t = composite(d, type);

	return t ? (long)t->size : -1;
}

int
dsym_enum_value(struct dsym *d, const char *name, long long *value)
{
	uint32_t cnt, id;

	if (!d || !d->btf || !name)
		return -1;
	cnt = btf__type_cnt(d->btf);
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(d->btf, id);
		int i, n = btf_vlen(t);

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);

			for (i = 0; i < n; i++, e++)
				if (!strcmp(btf__name_by_offset(d->btf,
								e->name_off),
					    name)) {
					*value = btf_kflag(t) ? (long long)e->val :
						(long long)(uint32_t)e->val;
					return 0;
				}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);

			for (i = 0; i < n; i++, e++)
				if (!strcmp(btf__name_by_offset(d->btf,
								e->name_off),
					    name)) {
					*value = (long long)btf_enum64_value(e);
					return 0;
				}
		}
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* symbol sizes                                                        */
/* ------------------------------------------------------------------ */

/* BTF VAR of that name (per-CPU variables; all globals with newer pahole) */
static uint32_t
var_lookup(struct dsym *d, const char *name)
{
	size_t j;

	if (!d->btf)
		return 0;
	if (!d->vars_done) {
		uint32_t cnt = btf__type_cnt(d->btf), id;
		size_t cap = 64;

		d->vars_done = 1;
		for (id = 1; id < cnt; id++)
			if (btf_is_var(btf__type_by_id(d->btf, id)))
				cap += 2;
		while (cap & (cap - 1))
			cap += cap & -cap;
		if (!(d->var_hash = calloc(cap, sizeof(*d->var_hash))))
			return 0;
		d->var_cap = cap;
		for (id = 1; id < cnt; id++) {
			const struct btf_type *t = btf__type_by_id(d->btf, id);
			const char *n;

			if (!btf_is_var(t))
				continue;
			n = btf__name_by_offset(d->btf, t->name_off);
			for (j = dsym_hash(n, strlen(n)) & (cap - 1);
			     d->var_hash[j]; j = (j + 1) & (cap - 1))
				;
			d->var_hash[j] = id;
		}
	}
	if (!d->var_cap)
		return 0;
	for (j = dsym_hash(name, strlen(name)) & (d->var_cap - 1);
	     d->var_hash[j]; j = (j + 1) & (d->var_cap - 1)) {
		const struct btf_type *t = btf__type_by_id(d->btf,
							   d->var_hash[j]);

		if (!strcmp(btf__name_by_offset(d->btf, t->name_off), name))
			return d->var_hash[j];
	}
	return 0;
}

/*
 * crash: the length of the symbol's debuginfo type.  Here: the BTF VAR's
 * type size when BTF has the variable (per-CPU variables), else the ELF
 * st_size (vmlinux), else - kallsyms has no sizes - the distance to the
 * next symbol at a higher address less the zero 8-byte words at its end
 * (the linker's alignment padding: task_state_array is 72 bytes, the next
 * symbol 128 bytes on; crash says 72).  An object that itself ends in
 * zero words is answered too short by that rule - the core only bounds
 * reads with it (task_state_array; call_single_queue has a BTF VAR).
 */
long
dsym_symbol_size(struct dsym *d, const char *name)
{
	long i = sym_index(d, name);
	uint32_t v;
	long long sz;
	size_t lo, hi, n;
	uint64_t a, len, w;

	if (i < 0)
		return -1;
	if ((v = var_lookup(d, name)) &&
	    (sz = btf__resolve_size(d->btf,
				    btf__type_by_id(d->btf, v)->type)) > 0)
		return (long)sz;
	if (d->syms[i].size)
		return (long)d->syms[i].size;
	if (!d->by_addr && build_by_addr(d))
		return -1;
	n = (size_t)d->sorted;
	lo = 0, hi = n;
	a = d->syms[i].addr;
	while (lo < hi) {		/* first address > the symbol's */
		size_t mid = lo + (hi - lo) / 2;

		if (d->syms[d->by_addr[mid]].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n)
		return -1;
	len = d->syms[d->by_addr[lo]].addr - a;
	if (!d->rd || len > (1u << 20))
		return (long)len;
	while (len > 8 && !(len & 7) &&
	       !d->rd(d->rctx, a + len - 8, &w, 8) && !w)
		len -= 8;
	return (long)len;
}
