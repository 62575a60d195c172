/*
 * align_eval.c - alignment scoring (see align_eval.h).
 */
#include "align_eval.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "io.h"

static const char *const align1[] = { "alignment/1", NULL };

static int add(char ***v, int *n, const char *s, struct pp_err *err)
{
	char **q = realloc(*v, ((size_t)*n + 1) * sizeof(char *));

	if (!q)
		return pp_fail(err, "out of memory");
	*v = q;
	if (!(q[*n] = strdup(s)))
		return pp_fail(err, "out of memory");
	(*n)++;
	return 0;
}

static void score_key(json_t *notes, long long id, char *out, size_t cap)
{
	json_t *n = json_array_get(notes, (size_t)id);
	json_t *x = n ? json_object_get(n, "xml_id") : NULL;

	if (json_is_string(x) && json_string_length(x))
		snprintf(out, cap, "%s", json_string_value(x));
	else
		snprintf(out, cap, "s%lld", id);
}

static int from_json(json_t *doc, const char *name, struct pp_align_sets *o,
		     struct pp_err *err)
{
	json_t *match, *extra, *score, *notes = NULL, *m;
	size_t i;
	char a[128], b[160];

	if (pp_json_array(doc, "match", &match, name, err) < 0 ||
	    pp_json_array(doc, "extra", &extra, name, err) < 0)
		return -1;
	score = json_object_get(doc, "score");
	if (json_is_object(score))
		notes = json_object_get(score, "notes");
	json_array_foreach(match, i, m) {
		long long sid, perf = -1;
		const char *st;
		if (pp_json_int(m, "score", &sid, name, err) < 0 ||
		    pp_json_string(m, "status", &st, name, err) < 0)
			return -1;
		json_t *p = json_object_get(m, "perf");
		if (json_is_integer(p))
			perf = json_integer_value(p);
		score_key(notes, sid, a, sizeof(a));
		if (!strcmp(st, "matched") && perf >= 0) {
			snprintf(b, sizeof(b), "%s p%lld", a, perf);
			if (add(&o->match, &o->n_match, b, err) < 0)
				return -1;
			continue;
		}
		if (add(&o->deletion, &o->n_deletion, a, err) < 0)
			return -1;
		if (perf >= 0) {
			snprintf(b, sizeof(b), "p%lld", perf);
			if (add(&o->insertion, &o->n_insertion, b, err) < 0)
				return -1;
		}
	}
	json_array_foreach(extra, i, m) {
		long long perf;
		if (pp_json_int(m, "perf", &perf, name, err) < 0)
			return -1;
		snprintf(b, sizeof(b), "p%lld", perf);
		if (add(&o->insertion, &o->n_insertion, b, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- .match ---- */

struct mnote { char id[64]; long onset; int pitch; int index; };

static int cmp_mnote(const void *a, const void *b)
{
	const struct mnote *x = a, *y = b;

	if (x->onset != y->onset)
		return x->onset < y->onset ? -1 : 1;
	return x->pitch - y->pitch;
}

/* Parses "note(ID,[STEP,ALTER],OCTAVE,ONSET,..." at S. */
static int parse_note(const char *s, struct mnote *n)
{
	static const int sv[7] = { 9, 11, 0, 2, 4, 5, 7 };
	char step = 0, alt[16] = "";
	int oct = 0;

	if (sscanf(s, "note(%63[^,],[%c,%15[^]]],%d,%ld", n->id, &step, alt, &oct,
		   &n->onset) != 5)
		return -1;
	step = (char)toupper((unsigned char)step);
	if (step < 'A' || step > 'G')
		return -1;
	int a = 0;
	for (char *c = alt; *c; c++)
		a += *c == '#' ? 1 : *c == 'b' ? -1 : 0;
	if (isdigit((unsigned char)alt[0]) || alt[0] == '-')
		a = atoi(alt);
	n->pitch = (oct + 1) * 12 + sv[step - 'A'] + a;
	return 0;
}

static const struct mnote *perf_key(const struct mnote *v, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].id, id))
			return &v[i];
	return NULL;
}

static int from_match(char *buf, const char *name, struct pp_align_sets *o,
		      struct pp_err *err)
{
	struct mnote *v = NULL;
	int n = 0, rc = -1, line = 0;
	char key[160];

	/* first pass: the performance notes, to number them in onset order */
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *p = strstr(l, "note(");
		char *nl = strchr(l, '\n');
		while (p && (!nl || p < nl) && p > l && p[-1] == 's')
			p = strstr(p + 1, "note(");
		if (!p || (nl && p > nl))
			continue;
		struct mnote *q = realloc(v, ((size_t)n + 1) * sizeof(*v));
		if (!q) {
			pp_fail(err, "out of memory");
			goto out;
		}
		v = q;
		if (parse_note(p, &v[n]) == 0)
			n++;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_mnote);
	for (int i = 0; i < n; i++)
		v[i].index = i;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char sid[64] = "";
		struct mnote pn;
		const struct mnote *pk = NULL;
		line++;
		if (!strncmp(l, "snote(", 6))
			sscanf(l, "snote(%63[^,]", sid);
		char *p = strstr(l, ")-note(");
		if (!p)
			p = strstr(l, "insertion-note(");
		if (p) {
			p = strstr(p, "note(");
			if (parse_note(p, &pn) == 0)
				pk = perf_key(v, n, pn.id);
		}
		if (sid[0] && pk) {
			snprintf(key, sizeof(key), "%s p%d", sid, pk->index);
			if (add(&o->match, &o->n_match, key, err) < 0)
				goto out;
		} else if (sid[0] && strstr(l, ")-deletion")) {
			if (add(&o->deletion, &o->n_deletion, sid, err) < 0)
				goto out;
		} else if (!sid[0] && pk && !strncmp(l, "insertion-", 10)) {
			snprintf(key, sizeof(key), "p%d", pk->index);
			if (add(&o->insertion, &o->n_insertion, key, err) < 0)
				goto out;
		}
	}
	if (!o->n_match && !o->n_deletion && !o->n_insertion) {
		pp_fail(err, "'%s': no alignment lines (not a .match file?)", name);
		goto out;
	}
	rc = 0;
out:
	free(v);
	return rc;
}

int pp_align_sets_read(const char *path, struct pp_align_sets *o, struct pp_err *err)
{
	char *buf;
	size_t len;
	const char *name = pp_io_name(path);
	int rc;

	memset(o, 0, sizeof(*o));
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	size_t k = strspn(buf, " \t\r\n");
	if (buf[k] == '{') {
		json_t *doc;
		rc = pp_doc_parse(buf, len, name, align1, &doc, err);
		if (rc == 0) {
			rc = from_json(doc, name, o, err);
			json_decref(doc);
		}
	} else {
		rc = from_match(buf, name, o, err);
	}
	free(buf);
	if (rc < 0)
		pp_align_sets_free(o);
	return rc;
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void pp_align_sets_free(struct pp_align_sets *s)
{
	free_list(s->match, s->n_match);
	free_list(s->deletion, s->n_deletion);
	free_list(s->insertion, s->n_insertion);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct pp_prf prf(char **t, int nt, char **e, int ne)
{
	struct pp_prf r = { 1, 1, 1, 0, ne, nt };
	int i = 0, j = 0;

	qsort(t, (size_t)nt, sizeof(char *), cmp_str);
	qsort(e, (size_t)ne, sizeof(char *), cmp_str);
	while (i < nt && j < ne) {
		int c = strcmp(t[i], e[j]);
		if (c == 0)
			r.tp++, i++, j++;
		else if (c < 0)
			i++;
		else
			j++;
	}
	if (nt == 0 && ne == 0)
		return r;
	r.precision = ne ? (double)r.tp / ne : 0;
	r.recall = nt ? (double)r.tp / nt : 0;
	r.f = r.precision + r.recall > 0 ?
	      2 * r.precision * r.recall / (r.precision + r.recall) : 0;
	return r;
}

void pp_align_score(const struct pp_align_sets *t, const struct pp_align_sets *e,
		    struct pp_prf out[3])
{
	out[0] = prf(t->match, t->n_match, e->match, e->n_match);
	out[1] = prf(t->insertion, t->n_insertion, e->insertion, e->n_insertion);
	out[2] = prf(t->deletion, t->n_deletion, e->deletion, e->n_deletion);
}
