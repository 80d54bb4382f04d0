/*
 * fuzz_config -- config_load() on arbitrary files (through a memfd, no
 * disk), config_check() and config_set() on what loads, and the round
 * trip of config_print(): the effective configuration it prints loads
 * back and prints the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#include "fz.h"

static int
memfd_with(const void *data, size_t size)
{
	int fd = memfd_create("bureau-fuzz-config", 0);

	if (fd == -1)
		fz_fail("memfd_create");
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		fz_fail("write");
	return fd;
}

/* The printed configuration without its first line (it names the
 * file).  An unset optional key prints as "key = ", which loads back
 * as unset. */
static char *
printed(const struct config *cfg, size_t *len)
{
	char *buf, *out, *line, *next;
	off_t n;
	size_t o = 0, l;
	int fd = memfd_create("bureau-fuzz-print", 0);

	config_print(cfg, fd);
	n = lseek(fd, 0, SEEK_END);
	buf = calloc(1, (size_t)n + 1);
	if (pread(fd, buf, (size_t)n, 0) != n)
		fz_fail("pread");
	close(fd);
	out = calloc(1, (size_t)n + 1);
	line = strchr(buf, '\n');
	for (line = line ? line + 1 : buf + n; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		l = (size_t)(next - line);
		memcpy(out + o, line, l);
		o += l;
	}
	free(buf);
	*len = o;
	return out;
}

/* A printed value that starts with ';' or '#', holds a blank and a ';'
 * (inih reads a comment there) or a control character (inih trims
 * them as white space, or they end the line); a line longer than
 * inih's buffer (printing adds the blanks around '='). */
static int
ini_ambiguous(const char *text)
{
	const char *line, *v, *end;

	for (line = text; *line; line = end + (*end != '\0')) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (end - line > 199)
			return 1;	/* over inih's line, refused on load */
		v = strstr(line, " = ");
		if (v == NULL || v > end)
			continue;
		v += 3;
		if (v < end && (*v == ';' || *v == '#'))
			return 1;
		for (; v < end; v++)
			if ((unsigned char)*v < 0x20 || (*v == ' ' &&
			    v + 1 < end && v[1] == ';'))
				return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct config cfg, again;
	char path[64], err[512], *p1, *p2, *line;
	size_t l1, l2, n;
	int fd, fd2;

	if (!once) {
		log_init("fuzz", 2, 0);		/* quiet */
		once = 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	fd = memfd_with(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		close(fd);
		if (err[0] == '\0')
			fz_fail("config_load refused without a reason");
		if (strlen(err) >= sizeof(err))
			fz_fail("unterminated error");
		return 0;
	}
	close(fd);
	(void)config_check(&cfg, err, sizeof(err));

	p1 = printed(&cfg, &l1);
	if (ini_ambiguous(p1)) {
		/* INI cannot write such a value back (a ';' after a blank
		 * starts a comment); the round trip does not apply. */
		free(p1);
		config_free(&cfg);
		return 0;
	}
	fd2 = memfd_with(p1, l1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd2);
	memset(&again, 0, sizeof(again));
	if (config_load(&again, path, err, sizeof(err)) == -1)
		fz_fail("printed configuration does not load: %s\n%s", err,
		    p1);
	close(fd2);
	p2 = printed(&again, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		fz_fail("print/load/print differs:\n%s\n---\n%s", p1, p2);

	/* The first line of the input as a command-line override. */
	n = size < 200 ? size : 200;
	line = calloc(1, n + 1);
	memcpy(line, data, n);
	line[strcspn(line, "\n")] = '\0';
	(void)config_set(&again, line, err, sizeof(err));
	free(line);

	free(p1);
	free(p2);
	config_free(&again);
	config_free(&cfg);
	return 0;
}
