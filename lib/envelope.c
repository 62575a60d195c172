/*
 * envelope.c - pp JSON documents (see envelope.h).
 */
#include "envelope.h"

#include <math.h>
#include <string.h>

#include "atomic.h"
#include "io.h"

const char *pp_doc_format(const json_t *doc)
{
	const json_t *f = json_is_object(doc) ? json_object_get(doc, "pp") : NULL;

	return json_is_string(f) ? json_string_value(f) : NULL;
}

/* Compares the name part of two "name/version" strings. */
static int same_name(const char *a, const char *b)
{
	size_t la = strcspn(a, "/"), lb = strcspn(b, "/");

	return la == lb && strncmp(a, b, la) == 0;
}

static void list_formats(char *out, size_t cap, const char *const *accepted)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; accepted[i] && n < cap; i++)
		n += snprintf(out + n, cap - n, "%s%s", i ? " or " : "",
			      accepted[i]);
}

int pp_doc_check(const json_t *doc, const char *name,
		 const char *const *accepted, struct pp_err *err)
{
	const json_t *f;
	const char *fmt;
	char want[256];

	if (!json_is_object(doc))
		return pp_fail(err, "'%s': not a pp document (not a JSON object)",
			       name);
	f = json_object_get(doc, "pp");
	if (!f)
		return pp_fail(err, "'%s': not a pp document (no \"pp\" member)",
			       name);
	if (!json_is_string(f))
		return pp_fail(err, "'%s': member \"pp\" is not a string", name);
	fmt = json_string_value(f);
	if (!accepted)
		return 0;
	for (int i = 0; accepted[i]; i++)
		if (strcmp(fmt, accepted[i]) == 0)
			return 0;
	list_formats(want, sizeof(want), accepted);
	for (int i = 0; accepted[i]; i++)
		if (same_name(fmt, accepted[i]))
			return pp_fail(err,
				       "'%s': unsupported version %s (this pp reads %s)",
				       name, fmt, want);
	return pp_fail(err, "'%s': expected %s, got %s", name, want, fmt);
}

int pp_doc_parse(const char *buf, size_t len, const char *name,
		 const char *const *accepted, json_t **doc, struct pp_err *err)
{
	json_error_t je;
	json_t *d;

	*doc = NULL;
	d = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!d)
		return pp_fail(err, "'%s': line %d, column %d: invalid JSON: %s",
			       name, je.line, je.column, je.text);
	if (pp_doc_check(d, name, accepted, err) < 0) {
		json_decref(d);
		return -1;
	}
	*doc = d;
	return 0;
}

int pp_doc_read(const char *path, const char *const *accepted, json_t **doc,
		struct pp_err *err)
{
	char *buf;
	size_t len;
	int rc;

	*doc = NULL;
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	rc = pp_doc_parse(buf, len, pp_io_name(path), accepted, doc, err);
	free(buf);
	return rc;
}

void pp_doc_set_format(json_t *doc, const char *format)
{
	json_t *copy;

	/* Rebuild so that "pp" is printed first: jansson keeps insertion
	 * order, and a reader looking at the file sees the format at once. */
	copy = json_object();
	json_object_set_new(copy, "pp", json_string(format));
	json_object_del(doc, "pp");
	json_object_update(copy, doc);
	json_object_clear(doc);
	json_object_update(doc, copy);
	json_decref(copy);
}

json_t *pp_doc_new(const char *format)
{
	json_t *d = json_object();

	json_object_set_new(d, "pp", json_string(format));
	return d;
}

int pp_doc_write(FILE *fp, const char *name, const json_t *doc, int flags,
		 struct pp_err *err)
{
	size_t jf = JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER;

	jf |= (flags & PP_DOC_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
	if (json_dumpf(doc, fp, jf) != 0 || fputc('\n', fp) == EOF)
		return pp_fail(err, "'%s': write error", name);
	return 0;
}

int pp_doc_save(const char *path, const json_t *doc, int flags,
		struct pp_err *err)
{
	struct pp_out out;

	if (pp_out_open(&out, path, err) < 0)
		return -1;
	if (pp_doc_write(out.fp, pp_out_name(&out), doc, flags, err) < 0) {
		pp_out_abort(&out);
		return -1;
	}
	return pp_out_commit(&out, err);
}

static int member(const json_t *obj, const char *key, int required,
		  json_t **out, const char *where, struct pp_err *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	*out = v;
	if (!json_is_object(obj))
		return pp_fail(err, "%s: not an object", where);
	if ((!v || json_is_null(v)) && required)
		return pp_fail(err, "%s: missing member '%s'", where, key);
	return 0;
}

int pp_json_number_or(const json_t *obj, const char *key, double dflt,
		      double *out, const char *where, struct pp_err *err)
{
	json_t *v;

	if (member(obj, key, 0, &v, where, err) < 0)
		return -1;
	if (!v || json_is_null(v)) {
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return pp_fail(err, "%s: member '%s' is not a number", where, key);
	*out = json_number_value(v);
	return 0;
}

int pp_json_number(const json_t *obj, const char *key, double *out,
		   const char *where, struct pp_err *err)
{
	json_t *v;

	if (member(obj, key, 1, &v, where, err) < 0)
		return -1;
	return pp_json_number_or(obj, key, 0, out, where, err);
}

int pp_json_int(const json_t *obj, const char *key, long long *out,
		const char *where, struct pp_err *err)
{
	json_t *v;

	if (member(obj, key, 1, &v, where, err) < 0)
		return -1;
	if (!json_is_integer(v))
		return pp_fail(err, "%s: member '%s' is not an integer", where,
			       key);
	*out = json_integer_value(v);
	return 0;
}

int pp_json_string(const json_t *obj, const char *key, const char **out,
		   const char *where, struct pp_err *err)
{
	json_t *v;

	if (member(obj, key, 1, &v, where, err) < 0)
		return -1;
	if (!json_is_string(v))
		return pp_fail(err, "%s: member '%s' is not a string", where, key);
	*out = json_string_value(v);
	return 0;
}

int pp_json_array(const json_t *obj, const char *key, json_t **out,
		  const char *where, struct pp_err *err)
{
	if (member(obj, key, 1, out, where, err) < 0)
		return -1;
	if (!json_is_array(*out))
		return pp_fail(err, "%s: member '%s' is not an array", where, key);
	return 0;
}

int pp_json_object(const json_t *obj, const char *key, json_t **out,
		   const char *where, struct pp_err *err)
{
	if (member(obj, key, 1, out, where, err) < 0)
		return -1;
	if (!json_is_object(*out))
		return pp_fail(err, "%s: member '%s' is not an object", where, key);
	return 0;
}

void pp_json_set_real(json_t *obj, const char *key, double v)
{
	if (!isfinite(v))
		PP_BUG("non-finite value for '%s'", key);
	json_object_set_new(obj, key, json_real(v));
}
