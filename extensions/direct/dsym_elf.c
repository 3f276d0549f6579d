/*
 * dsym_elf.c - symbols and types from a vmlinux: its ELF .symtab (libelf)
 * moved by the dump's KASLR offset, and its .BTF section (libbpf).
 *
 * Symbols as crash's bfd reads them: section symbols too, named by their
 * section (".exit.text": crash's value_search() answers them).
 *
 * Relocation as crash does it on x86_64 (symbols.c relocate()): a symbol
 * inside the kernel image moves, one outside does not - the per-CPU
 * variables (section .data..percpu is linked at address 0) and absolute
 * numbers keep their link-time value.  "Inside the image" here: at or
 * above the lowest address of an allocated section linked at a non-zero
 * address.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "dsym_int.h"

/* nm's letter for an ELF symbol (binutils bfd_decode_symclass, roughly) */
static char
nm_type(const GElf_Sym *s, const GElf_Shdr *sh)
{
	int bind = GELF_ST_BIND(s->st_info), type = GELF_ST_TYPE(s->st_info);
	char c;

	if (s->st_shndx == SHN_ABS)
		c = 'A';
	else if (bind == STB_WEAK)
		return type == STT_OBJECT ? 'V' : 'W';
	else if (!sh)
		c = '?';
	else if (sh->sh_flags & SHF_EXECINSTR)
		c = 'T';
	else if (sh->sh_type == SHT_NOBITS)
		c = 'B';
	else if (sh->sh_flags & SHF_WRITE)
		c = 'D';
	else
		c = 'R';
	return bind == STB_LOCAL ? (char)(c - 'A' + 'a') : c;
}

struct dsym *
dsym_from_vmlinux(const char *path, uint64_t kaslr_offset, char *err,
		  size_t errlen)
{
	struct dsym *d = NULL;
	Elf *e = NULL;
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	GElf_Shdr *shdrs = NULL;
	size_t nsec = 0, i, n, shstr;
	uint64_t lo = UINT64_MAX;
	Elf_Data *data;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		dsym_err(err, errlen, "libelf: %s", elf_errmsg(-1));
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		dsym_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(e = elf_begin(fd, ELF_C_READ_MMAP, NULL)) ||
	    elf_kind(e) != ELF_K_ELF || elf_getshdrnum(e, &nsec)) {
		dsym_err(err, errlen, "%s: not an ELF file", path);
		goto fail;
	}
	if (elf_getshdrstrndx(e, &shstr))
		shstr = (size_t)-1;
	if (!(shdrs = calloc(nsec ? nsec : 1, sizeof(*shdrs))))
		goto nomem;
	while ((scn = elf_nextscn(e, scn))) {
		size_t idx = elf_ndxscn(scn);

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (idx < nsec)
			shdrs[idx] = sh;
		if (sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
		}
		if ((sh.sh_flags & SHF_ALLOC) && sh.sh_addr && sh.sh_addr < lo)
			lo = sh.sh_addr;
	}
	if (!symscn || !(data = elf_getdata(symscn, NULL)) ||
	    !symsh.sh_entsize) {
		dsym_err(err, errlen, "%s: no .symtab (a stripped vmlinux?)", path);
		goto fail;
	}
	if (!(d = dsym_alloc("vmlinux+btf")))
		goto nomem;
	n = symsh.sh_size / symsh.sh_entsize;
	for (i = 1; i < n; i++) {
		GElf_Sym s;
		const char *nm;
		uint64_t v;
		int type;

		if (!gelf_getsym(data, (int)i, &s))
			continue;
		type = GELF_ST_TYPE(s.st_info);
		if (type == STT_FILE || s.st_shndx == SHN_UNDEF)
			continue;
		/* a section symbol: bfd (and so crash) names it by section */
		if (type == STT_SECTION)
			nm = s.st_shndx < nsec && shstr != (size_t)-1 ?
				elf_strptr(e, shstr, shdrs[s.st_shndx].sh_name) :
				NULL;
		else
			nm = s.st_name ? elf_strptr(e, symsh.sh_link, s.st_name) :
				NULL;
		if (!nm || !*nm)
			continue;
		v = s.st_value;
		if (v >= lo)
			v += kaslr_offset;
		if (dsym_add(d, nm, strlen(nm), v, s.st_size,
			     nm_type(&s, s.st_shndx < nsec &&
				     s.st_shndx != SHN_ABS ?
				     &shdrs[s.st_shndx] : NULL)))
			goto nomem;
	}
	free(shdrs);
	shdrs = NULL;
	elf_end(e);
	e = NULL;
	close(fd);
	fd = -1;
	if (dsym_finish_symbols(d))
		goto nomem;
	d->btf = btf__parse_elf(path, NULL);
	if (!d->btf) {
		int er = errno;

		dsym_err(err, errlen, "%s: no usable .BTF section (libbpf: %s)",
			 path, strerror(er));
		goto fail;
	}
	return d;

nomem:
	dsym_err(err, errlen, "out of memory reading %s", path);
fail:
	free(shdrs);
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	dsym_free(d);
	return NULL;
}
