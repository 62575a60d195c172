/*
 * atomic.h - output files that appear whole or not at all.
 *
 * A tool writing `-o FILE` writes into a temporary file in FILE's directory
 * (".FILE.XXXXXX") and renames it over FILE only when everything was written
 * and flushed. An error, a crash or a signal never leaves a partial FILE, so
 * make, which trusts timestamps, never sees half a result. Temporary files
 * of live outputs are removed on SIGINT, SIGTERM, SIGHUP and SIGPIPE before
 * the process dies of that signal.
 *
 * With no path (NULL or "-") the output is stdout; commit then only flushes
 * and checks for write errors (a full disk on stdout is still exit 1). A
 * PATH that exists and is not a regular file (/dev/null, a FIFO) is written
 * in place, since there is nothing to rename over.
 *
 * Calling idiom:
 *
 *     struct pp_out out;
 *     if (pp_out_open(&out, path, err) < 0)
 *         return -1;
 *     ... write to out.fp ...
 *     if (failed) { pp_out_abort(&out); return -1; }
 *     return pp_out_commit(&out, err);   // renames, or fails and removes
 *
 * Exactly one of commit or abort must follow a successful open.
 */
#ifndef PP_ATOMIC_H
#define PP_ATOMIC_H

#include <stdio.h>
#include "error.h"

struct pp_out {
	FILE *fp;    /* where to write: the temporary file, or stdout */
	char *path;  /* final path, NULL for stdout */
	char *tmp;   /* temporary path, NULL for stdout */
	int slot;    /* index in the signal-cleanup table, -1 for stdout */
	int direct;  /* 1: PATH is a device or pipe, written in place */
};

/* Opens an output. Returns 0, or -1 with "'PATH': why". */
int pp_out_open(struct pp_out *out, const char *path, struct pp_err *err);

/* Flushes, syncs, closes and renames into place. Returns 0, or -1 (the
 * temporary file is removed, the old PATH, if any, is left untouched). */
int pp_out_commit(struct pp_out *out, struct pp_err *err);

/* Discards the output: removes the temporary file (stdout: nothing). */
void pp_out_abort(struct pp_out *out);

/* Name for messages: the final path or "<stdout>". */
const char *pp_out_name(const struct pp_out *out);

#endif
