/*
 * rowfile.c - float rows in an unlinked temporary file (see rowfile.h).
 */
#include "rowfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

int pp_rowfile_open(struct pp_rowfile *f, int width, struct pp_err *err)
{
	memset(f, 0, sizeof *f);
	f->width = width;
	f->fd = pp_io_tmpfd(f->dir, sizeof f->dir, err);
	if (f->fd < 0)
		return -1;
	f->is_open = 1;
	return 0;
}

int pp_rowfile_append(struct pp_rowfile *f, const float *rows, size_t n,
		      struct pp_err *err)
{
	if (pp_io_write_all(f->fd, rows, n * (size_t)f->width * sizeof(float)) < 0)
		return pp_fail(err, "temporary file in '%s': write error: %s",
			       f->dir, strerror(errno));
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
