/*
 * io.c - whole-input reading (see io.h).
 */
#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
