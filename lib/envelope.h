/*
 * envelope.h - pp's JSON documents: the "pp" format member, reading with
 * format checks, writing, and small typed accessors with good messages.
 *
 * Every JSON document that passes between the tools is an object whose
 * member "pp" names its format and version, "notes/1", "alignment/1", ...
 * (pp-formats(5)). A tool states which formats it accepts; anything else is
 * refused with one line:
 *
 *     'x.json': expected notes/1, got alignment/1
 *     'x.json': unsupported version notes/2 (this pp reads notes/1)
 *     'x.json': not a pp document (no "pp" member)
 *     'x.json': line 3, column 7: invalid JSON: ...
 *
 * A tool that passes a document on modifies the parsed object in place and
 * sets its own format with pp_doc_set_format, so members it does not know
 * stay as they were (DESIGN.md §2).
 *
 * Ownership: pp_doc_read/parse give the caller a new reference (json_decref
 * it). Accessors return borrowed references. JSON has no NaN or infinity:
 * never store one (json_real returns NULL for them); pp_json_set_real
 * refuses them with a PP_BUG.
 */
#ifndef PP_ENVELOPE_H
#define PP_ENVELOPE_H

#include <stdio.h>
#include <jansson.h>
#include "error.h"

/* Parses BUF (LEN bytes) named NAME in messages and checks its format
 * against ACCEPTED, a NULL-terminated list such as {"notes/1", NULL}; a NULL
 * list accepts any pp document. Returns 0 and *doc, or -1. */
int pp_doc_parse(const char *buf, size_t len, const char *name,
		 const char *const *accepted, json_t **doc, struct pp_err *err);

/* Reads PATH (NULL or "-" = stdin) and parses it as pp_doc_parse does. */
int pp_doc_read(const char *path, const char *const *accepted, json_t **doc,
		struct pp_err *err);

/* Checks an already parsed document's format. Returns 0 or -1. */
int pp_doc_check(const json_t *doc, const char *name,
		 const char *const *accepted, struct pp_err *err);

/* The document's format string ("notes/1"), or NULL. */
const char *pp_doc_format(const json_t *doc);

/* Sets the "pp" member (and keeps it the first member when printed). */
void pp_doc_set_format(json_t *doc, const char *format);

/* Creates {"pp": FORMAT}. */
json_t *pp_doc_new(const char *format);

enum {
	PP_DOC_COMPACT = 0, /* one line */
	PP_DOC_PRETTY = 1,  /* indented by 2 */
};

/* Writes DOC and a newline to FP. Returns 0, or -1 naming NAME. */
int pp_doc_write(FILE *fp, const char *name, const json_t *doc, int flags,
		 struct pp_err *err);

/* Writes DOC atomically to PATH (NULL or "-" = stdout). */
int pp_doc_save(const char *path, const json_t *doc, int flags,
		struct pp_err *err);

/*
 * Typed accessors. WHERE names the object in messages, e.g. "'a.json':
 * notes[3]". The required forms fail with "WHERE: missing member 'pitch'" or
 * "WHERE: member 'pitch' is not a number"; the _or forms return DFLT when the
 * member is absent or null, and fail only when it has the wrong type.
 */
int pp_json_number(const json_t *obj, const char *key, double *out,
		   const char *where, struct pp_err *err);
int pp_json_number_or(const json_t *obj, const char *key, double dflt,
		      double *out, const char *where, struct pp_err *err);
int pp_json_int(const json_t *obj, const char *key, long long *out,
		const char *where, struct pp_err *err);
int pp_json_string(const json_t *obj, const char *key, const char **out,
		   const char *where, struct pp_err *err);
int pp_json_array(const json_t *obj, const char *key, json_t **out,
		  const char *where, struct pp_err *err);
int pp_json_object(const json_t *obj, const char *key, json_t **out,
		   const char *where, struct pp_err *err);

/* Sets OBJ[KEY] to a real; a NaN or infinity is a bug (PP_BUG). */
void pp_json_set_real(json_t *obj, const char *key, double v);

#endif
