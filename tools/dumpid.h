/*
 * dumpid.h - what vmcore-id and vmcore-inject share: open a Linux vmcore,
 * tell its format (ELF core, kdump-compressed, makedumpfile flattened), find
 * its VMCOREINFO and read its keys, and read physical memory of an ELF core.
 *
 * Every byte of the input is treated as hostile: sizes and offsets are
 * bounds-checked, every loop advances and is bounded by the file size.
 * Functions that can fail return -1 and leave the reason in dumpid_err.
 */
#ifndef DUMPID_H
#define DUMPID_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DUMPID_MAX_VMCOREINFO	(1u << 20)	/* real ones are 2-5 KiB */
#define DUMPID_MAX_NOTE_BYTES	(64u << 20)	/* cap on PT_NOTE bytes read */
#define DUMPID_MAX_EXTRA	12

/* set by the program: its name in messages and its exit code when out of memory */
extern const char *dumpid_prog;
extern int dumpid_oom_exit;

/* why the last call failed */
extern char dumpid_err[1024];

void dumpid_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *dumpid_calloc(size_t n, size_t size);
uint32_t dumpid_rd32(const uint8_t *p, int big);
uint64_t dumpid_rd64(const uint8_t *p, int big);
ssize_t dumpid_pread(int fd, void *buf, size_t len, uint64_t off);

enum dumpid_kind {
	DUMPID_ELF,		/* ELF core */
	DUMPID_KDUMP,		/* kdump-compressed ("KDUMP   ") */
	DUMPID_FLAT,		/* makedumpfile flattened ("makedumpfile") */
};

/* one record of a flattened file: size bytes of the rebuilt file at off */
struct dumpid_rec {
	uint64_t off, size, foff;
};

/* one PT_LOAD of an ELF core */
struct dumpid_seg {
	uint64_t paddr, vaddr, filesz, memsz, off;
};

struct dumpid {
	int fd;
	uint64_t fsize;			/* bytes in the file on disk */
	enum dumpid_kind kind;
	const char *format;		/* elf | kdump | kdump-flat */
	int big;			/* big-endian */
	unsigned int e_machine;		/* ELF: e_machine */
	char machine[80];		/* x86_64, aarch64, ... */

	/* flattened: the records that rebuild the kdump file */
	struct dumpid_rec *rec;		/* in file order */
	size_t nrec;
	int rec_capped;			/* more records than were indexed */
	int flat_end;			/* the end marker was seen */
	char flat_why[256];		/* why the record walk stopped without one */
	uint64_t vsize;			/* size of the (rebuilt) logical file */

	/* ELF: the PT_LOAD segments */
	struct dumpid_seg *seg;
	size_t nseg;
	long seg_bad;			/* first PT_LOAD whose range overflows, or -1 */

	/* VMCOREINFO, NUL-terminated, embedded NULs made newlines */
	char *vmci;
	size_t vmci_len;
	const char *vmci_how;		/* note, nested, kdump-sub-header, ... */

	/* format-specific facts as key/value pairs, in the order found */
	char extra[DUMPID_MAX_EXTRA][2][96];
	int nextra;
	char truncated[1024];		/* non-empty: the dump is incomplete (why) */
	uint64_t size_expected;		/* truncated: bytes the headers say the */
	uint64_t size_actual;		/* (rebuilt) file needs, and has; 0 unknown */
};

int dumpid_open(struct dumpid *d, const char *path);
int dumpid_identify(struct dumpid *d);
void dumpid_close(struct dumpid *d);
void dumpid_add_extra(struct dumpid *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

char *dumpid_vmci_get(const struct dumpid *d, const char *key);
int dumpid_vmci_num(const struct dumpid *d, const char *key, int base, uint64_t *v);

int dumpid_pa_to_off(const struct dumpid *d, uint64_t pa, size_t len, uint64_t *off,
		     uint64_t *seg_left);
int dumpid_read_pa(const struct dumpid *d, uint64_t pa, void *buf, size_t len);

#endif /* DUMPID_H */
