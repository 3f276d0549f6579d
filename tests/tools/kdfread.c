/*
 * kdfread - read a dump with libkdumpfile, the independent reader the tools
 * suite compares vmcore-id against (tests/tools/run.sh).
 *
 *   kdfread DUMP        prints format=<libkdumpfile's file.format>,
 *                       release=<linux.uts.release>, vmcoreinfo_size=<bytes>
 *   kdfread --raw DUMP  prints the VMCOREINFO text (ending in one newline)
 *
 * Exit 0, or 2 when libkdumpfile cannot open the dump or has no VMCOREINFO
 * (its message on stderr, e.g. "Unknown file format" for the flattened
 * format in libkdumpfile 0.5.1).
 *
 * Build: gcc -Wall -Wextra -o kdfread tests/tools/kdfread.c -lkdumpfile
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

int main(int argc, char **argv)
{
	int raw = argc == 3 && strcmp(argv[1], "--raw") == 0;
	const char *path = argv[argc - 1];
	kdump_ctx_t *ctx;
	const char *fmt = NULL, *rel = NULL;
	char *vmci = NULL;
	int fd;

	if (argc != 2 && !raw) {
		fprintf(stderr, "usage: kdfread [--raw] DUMP\n");
		return 1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	ctx = kdump_new();
	if (!ctx) {
		fprintf(stderr, "kdfread: kdump_new failed\n");
		return 2;
	}
	if (kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK ||
	    kdump_open_fd(ctx, fd) != KDUMP_OK ||
	    kdump_vmcoreinfo_raw(ctx, &vmci) != KDUMP_OK) {
		fprintf(stderr, "kdfread: %s: %s\n", path, kdump_get_err(ctx));
		return 2;
	}
	if (raw) {
		size_t len = strlen(vmci);
		fputs(vmci, stdout);
		if (!len || vmci[len - 1] != '\n')
			fputc('\n', stdout);
	} else {
		if (kdump_get_string_attr(ctx, KDUMP_ATTR_FILE_FORMAT, &fmt) != KDUMP_OK)
			fmt = "?";
		if (kdump_get_string_attr(ctx, "linux.uts.release", &rel) != KDUMP_OK)
			rel = "";
		printf("format=%s\nrelease=%s\nvmcoreinfo_size=%zu\n", fmt, rel, strlen(vmci));
	}
	free(vmci);
	kdump_free(ctx);
	close(fd);
	return 0;
}
