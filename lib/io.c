/*
 * io.c - whole-input reading (see io.h).
 */
#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pp_io_is_std(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

const char *pp_io_name(const char *path)
{
	return pp_io_is_std(path) ? "<stdin>" : path;
}

static int read_stream(FILE *fp, const char *name, char **data, size_t *len,
		       struct pp_err *err)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return pp_fail(err, "'%s': out of memory", name);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, fp);

		n += got;
		if (got == 0 || n < cap) {
			if (ferror(fp)) {
				free(buf);
				return pp_fail(err, "'%s': read error: %s", name,
					       strerror(errno));
			}
			if (feof(fp))
				break;
			continue;
		}
		if (cap >= PP_IO_MAX_INPUT) {
			free(buf);
			return pp_fail(err, "'%s': input larger than %zu bytes",
				       name, (size_t)PP_IO_MAX_INPUT);
		}
		char *nb = realloc(buf, cap * 2 + 1);
		if (!nb) {
			free(buf);
			return pp_fail(err, "'%s': out of memory", name);
		}
		buf = nb;
		cap *= 2;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int pp_read_all(const char *path, char **data, size_t *len, struct pp_err *err)
{
	const char *name = pp_io_name(path);
	FILE *fp;
	int rc;

	*data = NULL;
	*len = 0;
	if (pp_io_is_std(path))
		return read_stream(stdin, name, data, len, err);
	fp = fopen(path, "rb");
	if (!fp)
		return pp_fail(err, "'%s': cannot open: %s", name, strerror(errno));
	rc = read_stream(fp, name, data, len, err);
	fclose(fp);
	return rc;
}

int pp_io_tmpfd(char *dir, size_t dirsz, struct pp_err *err)
{
	const char *d = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!d || !*d)
		d = "/tmp";
	snprintf(dir, dirsz, "%s", d);
	if (strlen(d) >= dirsz || strlen(d) + 16 > sizeof path)
		return pp_fail(err, "cannot create a temporary file in '%s' (TMPDIR): "
			       "the name is too long", dir);
	snprintf(path, sizeof path, "%s/pp-XXXXXX", d);
	fd = mkstemp(path);
	if (fd < 0)
		return pp_fail(err, "cannot create a temporary file in '%s' (TMPDIR): %s",
			       d, strerror(errno));
	unlink(path);
	return fd;
}

int pp_io_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}
