/* envelope_test.c - format checks and accessors of envelope.c. */
#include <string.h>

#include "envelope.h"
#include "tap.h"

static const char *const notes1[] = { "notes/1", NULL };

static void bad(const char *text, const char *want, const char *title)
{
	struct pp_err err;
	json_t *d = NULL;

	pp_err_clear(&err);
	ok(pp_doc_parse(text, strlen(text), "x.json", notes1, &d, &err) < 0 && !d,
	   "refuses %s", title);
	is_str(err.msg, want, "message for %s", title);
}

int main(void)
{
	struct pp_err err;
	json_t *d, *arr;
	double v;
	long long n;
	const char *s, *text = "{\"keep\": [1], \"pp\": \"notes/1\", \"x\": 2.5}";
	char *out;

	bad("{\"pp\": \"alignment/1\"}", "'x.json': expected notes/1, got alignment/1",
	    "wrong format");
	bad("{\"pp\": \"notes/2\"}",
	    "'x.json': unsupported version notes/2 (this pp reads notes/1)", "newer version");
	bad("{\"notes\": []}", "'x.json': not a pp document (no \"pp\" member)", "no pp");
	bad("{\"pp\": 1}", "'x.json': member \"pp\" is not a string", "pp not a string");
	bad("[1, 2]", "'x.json': not a pp document (not a JSON object)", "array");
	bad("{\"pp\": \"notes/1\",\n \"a\": }",
	    "'x.json': line 2, column 7: invalid JSON: unexpected token near '}'", "syntax");
	bad("{\"pp\": \"notes/1\", \"pp\": \"notes/1\"}",
	    "'x.json': line 1, column 22: invalid JSON: duplicate object key near '\"pp\"'",
	    "duplicate key");

	pp_err_clear(&err);
	ok(pp_doc_parse(text, strlen(text), "x.json", notes1, &d, &err) == 0, "parses");
	ok(pp_json_number(d, "x", &v, "'x.json'", &err) == 0 && v == 2.5, "number");
	ok(pp_json_number(d, "y", &v, "'x.json'", &err) < 0, "missing number");
	is_str(err.msg, "'x.json': missing member 'y'", "missing message");
	pp_err_clear(&err);
	ok(pp_json_number_or(d, "y", 7, &v, "'x.json'", &err) == 0 && v == 7, "default");
	ok(pp_json_int(d, "x", &n, "'x.json'", &err) < 0, "real is not an integer");
	is_str(err.msg, "'x.json': member 'x' is not an integer", "integer message");
	pp_err_clear(&err);
	ok(pp_json_string(d, "pp", &s, "w", &err) == 0 && strcmp(s, "notes/1") == 0, "string");
	ok(pp_json_array(d, "keep", &arr, "w", &err) == 0 && json_array_size(arr) == 1, "array");

	pp_doc_set_format(d, "alignment/1");
	out = json_dumps(d, JSON_COMPACT);
	is_str(out, "{\"pp\":\"alignment/1\",\"keep\":[1],\"x\":2.5}",
	       "new format first, unknown members kept in order");
	free(out);
	json_decref(d);

	pp_err_clear(&err);
	ok(pp_fail(&err, "first") < 0 && pp_fail(&err, "second") < 0, "pp_fail returns -1");
	is_str(err.msg, "first", "first failure wins");
	pp_fail_wrap(&err, "'%s'", "f.mid");
	is_str(err.msg, "'f.mid': first", "wrap prefixes");
	pp_err_clear(&err);
	pp_fail(&err, "two\nlines");
	is_str(err.msg, "two lines", "messages stay on one line");
	return tap_done();
}
