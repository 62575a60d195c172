/*
 * rowfile.h - a matrix of float rows kept in an unlinked temporary file, so
 * that a long computation can set aside data that grow with its input
 * (Basic Pitch's posteriorgrams: about 210 MiB per hour of audio) and read
 * them back in pieces, with resident memory independent of the length.
 *
 * The file is created with mkstemp in $TMPDIR (or /tmp when unset or
 * empty) and unlinked at once: it has no name, nobody else can open it, and
 * the kernel frees it when the process ends, however it ends. Its pages sit
 * in the page cache, not in the process's resident memory. Values are
 * stored as they are (native float32), so reading gives back exactly what
 * was written.
 *
 * Rows are appended in order and read at any row offset (pread), so reads
 * keep no position and a const rowfile can be read.
 *
 * Ownership: the struct owns its descriptor; pp_rowfile_close releases it.
 *
 *     struct pp_rowfile f;
 *     if (pp_rowfile_open(&f, 88, err) < 0) return -1;
 *     pp_rowfile_append(&f, rows, n, err);          // as often as needed
 *     pp_rowfile_read(&f, first, n, buf, err);      // any rows < f.rows
 *     pp_rowfile_close(&f);
 */
#ifndef PP_ROWFILE_H
#define PP_ROWFILE_H

#include <stddef.h>
#include "error.h"

/* Rows its readers take at a time: a few hundred KiB for Basic Pitch's 88
 * keys, so that reading back costs little memory and few system calls. */
#define PP_ROWFILE_CHUNK 1024

struct pp_rowfile {
	int fd;          /* the unlinked file */
	int is_open;     /* 1 between open and close (a zeroed struct: 0) */
	int width;       /* floats per row */
	size_t rows;     /* rows appended so far */
	char dir[256];   /* directory of the file, for messages */
};

/* Creates the file for rows of WIDTH floats. Returns 0, or -1 with
 * "cannot create a temporary file in 'DIR' (TMPDIR): why". */
int pp_rowfile_open(struct pp_rowfile *f, int width, struct pp_err *err);

/* Appends N rows (N x width floats). Returns 0, or -1 with "temporary
 * file in 'DIR': write error: why" (a full disk, a file size limit). */
int pp_rowfile_append(struct pp_rowfile *f, const float *rows, size_t n,
		      struct pp_err *err);

/* Reads rows [FIRST, FIRST + N) into OUT (N x width floats); they must have
 * been appended. Returns 0 or -1 (a read error). */
int pp_rowfile_read(const struct pp_rowfile *f, size_t first, size_t n,
		    float *out, struct pp_err *err);

/* Closes the file (it disappears). Does nothing on a zeroed or closed
 * struct. */
void pp_rowfile_close(struct pp_rowfile *f);

#endif
