/*
 * datadir.h - finding pp's data files (models, statistics, knowledge base).
 *
 * Tools find data in this order, the first directory that exists wins:
 *   1. $PP_DATADIR
 *   2. DIR/data for the executable's directory's parent and grandparent
 *      (a build tree: bin/pp-x -> ./data; build/asan/bin/pp-x -> ./data
 *      via ../../..)
 *   3. the compiled-in PP_DATADIR_INSTALLED ($(PREFIX)/share/pp).
 * A directory counts only if it holds the marker file "pp-data".
 */
#ifndef PP_DATADIR_H
#define PP_DATADIR_H

#include <stddef.h>
#include "error.h"

/* Writes the data directory into OUT (CAP bytes). Returns 0, or -1 with a
 * message listing where it looked. */
int pp_datadir(char *out, size_t cap, struct pp_err *err);

/* Writes DATADIR/REL into OUT. Returns 0, or -1 if there is no data
 * directory, or no such file ("... not found; run 'make deps'" when HINT). */
int pp_data_path(const char *rel, char *out, size_t cap, struct pp_err *err);

#endif
