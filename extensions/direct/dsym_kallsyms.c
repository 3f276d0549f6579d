/*
 * dsym_kallsyms.c - symbols and types from the dump alone: the kernel's
 * kallsyms tables (found through VMCOREINFO, Linux 6.0+: kernel commit
 * 5fd8fea935a1 "vmcoreinfo: include kallsyms symbols") and its in-memory
 * BTF (the bytes between __start_BTF and __stop_BTF, CONFIG_DEBUG_INFO_BTF).
 *
 * The table formats (scripts/kallsyms.c writes them, kernel/kallsyms.c
 * reads them):
 *  - kallsyms_names: per symbol a length byte - two bytes when the first
 *    has bit 7 set (len = (b0 & 0x7f) | b1 << 7, Linux 6.1+ "big"
 *    symbols; no older kernel has a name that long) - then that many
 *    token indices;
 *  - kallsyms_token_table: 256 NUL-terminated strings, at the offsets in
 *    kallsyms_token_index (u16[256]); a name's expansion starts with its
 *    nm type letter;
 *  - kallsyms_offsets (s32[num_syms]) + kallsyms_relative_base: with
 *    CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP) an offset >= 0 is the
 *    absolute value (per-CPU symbols) and a negative one means
 *    relative_base - 1 - offset; without it every value is relative_base
 *    + (u32)offset.  The dump does not say which: the absolute scheme
 *    stores the kernel image as negative numbers, nearly all of them, the
 *    relative one never (an image is far smaller than 2 GiB).
 *  - the table is in address order (kallsyms_seqs_of_names, 6.2+, is a
 *    name order index; not needed for a full decode, nor are the markers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "dsym_int.h"

/* the hex value of "SYMBOL(name)=" / "KEY=" in the VMCOREINFO text */
static int
vmci(const char *vi, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	const char *p = vi;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			char *e;

			errno = 0;
			*v = strtoull(p + kl + 1, &e, 16);
			return errno || e == p + kl + 1 ? -1 : 0;
		}
		if ((p = strchr(p, '\n')))
			p++;
	}
	return -1;
}

/* read len bytes; on failure retry page by page to say where it failed */
static int
rdall(dsym_read_fn rd, void *rctx, uint64_t a, void *buf, size_t len)
{
	return rd(rctx, a, buf, len);
}

/*
 * The names stream: read in chunks, as far as needed (the table's length
 * is only known after decoding it).
 */
struct stream {
	dsym_read_fn rd;
	void *rctx;
	uint64_t base;		/* address of buf[0] */
	unsigned char *buf;
	size_t len, cap;
};

#define CHUNK (256u << 10)

/* make [pos, pos + n) of the stream available; 0 ok */
static int
want(struct stream *s, size_t pos, size_t n)
{
	while (pos + n > s->len) {
		size_t get = CHUNK;

		if (s->len + get > s->cap) {
			size_t c = s->cap ? 2 * s->cap : 4 * CHUNK;
			unsigned char *b;

			while (c < s->len + get)
				c *= 2;
			if (!(b = realloc(s->buf, c)))
				return -1;
			s->buf = b;
			s->cap = c;
		}
		/* a short table at the end of a mapping: smaller reads */
		while (get >= 4096 &&
		       s->rd(s->rctx, s->base + s->len, s->buf + s->len, get))
			get /= 2;
		if (get < 4096)
			return -1;
		s->len += get;
	}
	return 0;
}

struct dsym *
dsym_from_dump(dsym_read_fn rd, void *rctx, const char *vi, char *err,
	       size_t errlen)
{
	uint64_t a_names, a_num, a_tt, a_ti, a_off, a_base, base, bs, be;
	uint16_t tidx[256];
	const char *tok[256];
	size_t toklen[256];
	unsigned char *tt = NULL;
	int32_t *offs = NULL;
	uint32_t num = 0, i;
	size_t pos = 0, ttlen = 0, neg = 0;
	struct stream s = { 0 };
	struct dsym *d = NULL;
	void *raw = NULL;
	char name[1024];
	int absolute, j;

	if (!rd || !vi) {
		dsym_err(err, errlen, "no dump to read");
		return NULL;
	}
	if (vmci(vi, "SYMBOL(kallsyms_names)", &a_names) ||
	    vmci(vi, "SYMBOL(kallsyms_num_syms)", &a_num) ||
	    vmci(vi, "SYMBOL(kallsyms_token_table)", &a_tt) ||
	    vmci(vi, "SYMBOL(kallsyms_token_index)", &a_ti) ||
	    vmci(vi, "SYMBOL(kallsyms_offsets)", &a_off) ||
	    vmci(vi, "SYMBOL(kallsyms_relative_base)", &a_base)) {
		dsym_err(err, errlen, "no kallsyms tables in VMCOREINFO "
			 "(Linux before 6.0, or !CONFIG_KALLSYMS_BASE_RELATIVE): "
			 "a vmlinux is needed");
		return NULL;
	}
	if (rdall(rd, rctx, a_num, &num, 4) ||
	    rdall(rd, rctx, a_base, &base, 8) ||
	    rdall(rd, rctx, a_ti, tidx, sizeof(tidx))) {
		dsym_err(err, errlen, "kallsyms tables not readable in the dump");
		return NULL;
	}
	if (!num || num > (1u << 22)) {
		dsym_err(err, errlen, "kallsyms_num_syms %u is not plausible", num);
		return NULL;
	}
	/* the token table: up to the end of its last token */
	for (j = 0; j < 256; j++)
		if (tidx[j] > ttlen)
			ttlen = tidx[j];
	ttlen += 256;
	if (!(tt = malloc(ttlen + 1)) ||
	    !(offs = malloc((size_t)num * 4)) || !(d = dsym_alloc("kallsyms+btf")))
		goto nomem;
	while (rd(rctx, a_tt, tt, ttlen) && ttlen > (size_t)tidx[0] + 1)
		ttlen--;		/* the table ends at a page's end */
	tt[ttlen] = '\0';
	for (j = 0; j < 256; j++) {
		if (tidx[j] >= ttlen) {
			dsym_err(err, errlen, "kallsyms_token_index is corrupt");
			goto fail;
		}
		tok[j] = (const char *)tt + tidx[j];
		toklen[j] = strnlen(tok[j], ttlen - tidx[j]);
	}
	if (rdall(rd, rctx, a_off, offs, (size_t)num * 4)) {
		dsym_err(err, errlen, "kallsyms_offsets not readable in the dump");
		goto fail;
	}
	for (i = 0; i < num; i++)
		neg += offs[i] < 0;
	absolute = neg > num / 2;

	s.rd = rd;
	s.rctx = rctx;
	s.base = a_names;
	/* the names end before the next table: read them in one go */
	if (a_tt > a_names && a_tt - a_names <= (64u << 20)) {
		size_t len = (size_t)(a_tt - a_names);

		if ((s.buf = malloc(len))) {
			s.cap = len;
			if (!rd(rctx, a_names, s.buf, len))
				s.len = len;
		}
	}
	if (dsym_reserve(d, num, (size_t)num * 24))
		goto nomem;
	for (i = 0; i < num; i++) {
		size_t len, n = 0, k;
		uint64_t addr;

		if (want(&s, pos, 2))
			goto trunc;
		len = s.buf[pos++];
		if (len & 0x80)
			len = (len & 0x7f) | ((size_t)s.buf[pos++] << 7);
		if (want(&s, pos, len))
			goto trunc;
		for (k = 0; k < len; k++) {
			const unsigned char t = s.buf[pos + k];

			if (n + toklen[t] >= sizeof(name))
				break;
			memcpy(name + n, tok[t], toklen[t]);
			n += toklen[t];
		}
		pos += len;
		if (n < 2)
			continue;
		if (absolute)
			addr = offs[i] >= 0 ? (uint64_t)offs[i] :
				base - 1 - (uint64_t)(int64_t)offs[i];
		else
			addr = base + (uint32_t)offs[i];
		if (dsym_add(d, name + 1, n - 1, addr, 0, name[0]))
			goto nomem;
	}
	free(s.buf);
	s.buf = NULL;
	free(offs);
	offs = NULL;
	free(tt);
	tt = NULL;
	if (dsym_finish_symbols(d))
		goto nomem;

	if (dsym_symbol(d, "__start_BTF", &bs) ||
	    dsym_symbol(d, "__stop_BTF", &be) || be <= bs) {
		dsym_err(err, errlen, "no BTF in the kernel (no __start_BTF/"
			 "__stop_BTF symbols: !CONFIG_DEBUG_INFO_BTF): a vmlinux "
			 "is needed");
		goto fail;
	}
	if (be - bs > (256u << 20)) {
		dsym_err(err, errlen, "kernel BTF of %llu bytes is not plausible",
			 (unsigned long long)(be - bs));
		goto fail;
	}
	if (!(raw = malloc(be - bs)))
		goto nomem;
	if (rd(rctx, bs, raw, be - bs)) {
		dsym_err(err, errlen, "kernel BTF (%llu bytes at %#llx) not "
			 "readable in the dump", (unsigned long long)(be - bs),
			 (unsigned long long)bs);
		goto fail;
	}
	d->btf = btf__new(raw, (uint32_t)(be - bs));
	if (!d->btf) {
		int e = errno;

		d->btf = NULL;
		dsym_err(err, errlen, "kernel BTF in the dump does not parse "
			 "(libbpf: %s)", strerror(e));
		goto fail;
	}
	free(raw);
	d->rd = rd;
	d->rctx = rctx;
	return d;

trunc:
	dsym_err(err, errlen, "kallsyms_names not readable in the dump "
		 "(symbol %u of %u)", i, num);
	goto fail;
nomem:
	dsym_err(err, errlen, "out of memory reading kallsyms");
fail:
	free(raw);
	free(s.buf);
	free(offs);
	free(tt);
	dsym_free(d);
	return NULL;
}
