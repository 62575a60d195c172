/*
 * io.h - reading a whole input (a file, or stdin for NULL or "-") into memory,
 * and naming inputs in messages.
 *
 * Every pp input is small enough to hold in memory (a performance, a score, a
 * features file) except audio, which audio.h streams. Reading in one go keeps
 * parsers simple and lets them report positions.
 *
 * Ownership: the caller frees *data with free(). The buffer is always
 * NUL-terminated one byte past *len, so text parsers may use it as a string.
 */
#ifndef PP_IO_H
#define PP_IO_H

#include <stddef.h>
#include "error.h"

/* Hard limit on one input, so that a wrong file cannot exhaust memory. */
#define PP_IO_MAX_INPUT ((size_t)1 << 31)

/* Reads PATH (NULL or "-" = stdin) whole. Returns 0, or -1 with
 * "'PATH': why" in err (stdin is named "<stdin>"). */
int pp_read_all(const char *path, char **data, size_t *len, struct pp_err *err);

/* The name to show for PATH in messages: "<stdin>" for NULL or "-". */
const char *pp_io_name(const char *path);

/* True for NULL or "-". */
int pp_io_is_std(const char *path);

/* Creates a nameless temporary file in $TMPDIR (/tmp when unset or empty):
 * made with mkstemp and unlinked at once, so nobody else can open it and
 * the kernel frees it when the process ends, however it ends. Writes the
 * directory into DIR (DIRSZ bytes) for later messages. Returns the
 * descriptor, or -1 with "cannot create a temporary file in 'DIR'
 * (TMPDIR): why". */
int pp_io_tmpfd(char *dir, size_t dirsz, struct pp_err *err);

/* Writes N bytes to FD, retrying short writes and EINTR. Returns 0, or -1
 * with errno set (ENOSPC where write() wrote nothing). */
int pp_io_write_all(int fd, const void *p, size_t n);

#endif
