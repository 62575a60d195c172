/*
 * rowfile.c - float rows in an unlinked temporary file (see rowfile.h).
 */
#include "rowfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pp_rowfile_open(struct pp_rowfile *f, int width, struct pp_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[sizeof f->dir + 16];

	memset(f, 0, sizeof *f);
	f->width = width;
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(f->dir, sizeof f->dir, "%s", dir);
	if (strlen(dir) >= sizeof f->dir)
		return pp_fail(err, "cannot create a temporary file in '%s' (TMPDIR): "
			       "the name is too long", f->dir);
	snprintf(path, sizeof path, "%s/pp-XXXXXX", dir);
	f->fd = mkstemp(path);
	if (f->fd < 0)
		return pp_fail(err, "cannot create a temporary file in '%s' (TMPDIR): %s",
			       dir, strerror(errno));
	/* Nameless from now on: the kernel frees it when the last descriptor
	 * closes, even if the process is killed. */
	unlink(path);
	f->is_open = 1;
	return 0;
}

int pp_rowfile_append(struct pp_rowfile *f, const float *rows, size_t n,
		      struct pp_err *err)
{
	const char *p = (const char *)rows;
	size_t left = n * (size_t)f->width * sizeof(float);

	while (left > 0) {
		ssize_t w = write(f->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pp_fail(err, "temporary file in '%s': write error: %s",
				       f->dir, w < 0 ? strerror(errno) : "no space left");
		p += w;
		left -= (size_t)w;
	}
	f->rows += n;
	return 0;
}

int pp_rowfile_read(const struct pp_rowfile *f, size_t first, size_t n,
		    float *out, struct pp_err *err)
{
	size_t row = (size_t)f->width * sizeof(float);
	char *p = (char *)out;
	size_t left = n * row;
	off_t at = (off_t)(first * row);

	if (first + n > f->rows)
		PP_BUG("rowfile: reading rows %zu-%zu of %zu", first, first + n, f->rows);
	while (left > 0) {
		ssize_t r = pread(f->fd, p, left, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return pp_fail(err, "temporary file in '%s': read error: %s",
				       f->dir, r < 0 ? strerror(errno) : "file shrank");
		p += r;
		at += r;
		left -= (size_t)r;
	}
	return 0;
}

void pp_rowfile_close(struct pp_rowfile *f)
{
	if (f->is_open)
		close(f->fd);
	f->is_open = 0;
	f->rows = 0;
}
