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
		json_t *kind = json_object_get(m, "kind");
		if (pp_json_int(m, "perf", &perf, name, err) < 0)
			return -1;
		if (json_is_string(kind) && !strcmp(json_string_value(kind), "ornament"))
			continue; /* in no set, like a .match ornament line */
		snprintf(b, sizeof(b), "p%lld", perf);
		if (add(&o->insertion, &o->n_insertion, b, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- .match ---- */

/*
 * A .match file is a list of Prolog facts, one a line ('%' starts a
 * comment line). The lines that matter here:
 *
 *     snote(S)-note(N).                        a pair
 *     snote(S)-deletion.                       a score note left out
 *     snote(S)-trailing_score_note.            the same (old files)
 *     snote(S)-no_played_note.                 the same
 *     insertion-note(N).                       an added note
 *     hammer_bounce-note(N).                   the same (old files)
 *     trailing_played_note-note(N).            the same
 *     ornament(A)-note(N).  trill(A)-note(N).  an ornament of score note A
 *     ornament(A,[TYPES])-note(N).             the same (version 1)
 *
 * with S = snote(Anchor,[Step,Modifier],Octave,Bar:Beat,Offset,Duration,
 * OnsetInBeats,OffsetInBeats,[Attributes]) and N either
 * note(Id,[Step,Modifier],Octave,Onset,Offset[,AdjOffset],Velocity)
 * (versions before 1.0.0; modifier n, #, b, ##, bb, x or a number) or
 * note(Id,MidiPitch,Onset,Offset,Velocity,Channel,Track) (1.0.0 on).
 * info, meta, scoreprop, section, stime-ptime, sustain, soft and pedal
 * lines are read past. Anything else is an error naming the line.
 */

enum { M_PAIR, M_DELETION, M_INSERTION, M_ORNAMENT };

/* Appends a zeroed element to the array *P (*N of *CAP); NULL when out of
 * memory. */
static void *grow(void **p, int *n, int *cap, size_t size, struct pp_err *err)
{
	if (*n == *cap) {
		int nc = *cap ? 2 * *cap : 64;
		void *q = realloc(*p, (size_t)nc * size);
		if (!q) {
			pp_fail(err, "out of memory");
			return NULL;
		}
		*p = q;
		*cap = nc;
	}
	memset((char *)*p + (size_t)*n * size, 0, size);
	return (char *)*p + (size_t)(*n)++ * size;
}

#define PUSH_M(p, n, cap, err) \
	((__typeof__(p))grow((void **)&(p), &(n), &(cap), sizeof(*(p)), err))

struct mnote {
	char id[64];
	double onset;           /* MIDI ticks (or seconds in the oldest files) */
	int pitch;              /* MIDI */
	int line;               /* 1-based */
	int index;              /* in onset order, then pitch, then line */
};

struct mline {
	int kind;               /* M_* */
	char anchor[64];        /* score note, "" for insertions */
	int note;               /* index into the notes read, -1 for deletions */
};

struct mfile {
	const char *name;
	int line;
	struct mnote *notes; int nn, cn;
	struct mline *lines; int nl, cl;
	struct pp_err *err;
};

static int bad(struct mfile *f, const char *what)
{
	return pp_fail(f->err, "'%s': line %d: %s", f->name, f->line, what);
}

/* S points just after a '('; returns the matching ')' (brackets, braces
 * and quotes nest), or NULL. */
static char *args_end(char *s)
{
	int depth = 0;
	char q = 0;

	for (; *s; s++) {
		if (q) {
			q = *s == q ? 0 : q;
		} else if (*s == '\'' || *s == '"') {
			q = *s;
		} else if (*s == '(' || *s == '[') {
			depth++;
		} else if (*s == ')' || *s == ']') {
			if (!depth)
				return *s == ')' ? s : NULL;
			depth--;
		}
	}
	return NULL;
}

/* Splits the arguments FROM..END (END the closing ')', made a NUL) at the
 * commas outside brackets; returns their count (at most MAX), -1 if more. */
static int split_args(char *from, char *end, char **argv, int max)
{
	int n = 0, depth = 0;

	*end = '\0';
	argv[n++] = from;
	for (char *s = from; *s; s++) {
		if (*s == '(' || *s == '[')
			depth++;
		else if (*s == ')' || *s == ']')
			depth--;
		else if (*s == ',' && !depth) {
			if (n == max)
				return -1;
			*s = '\0';
			argv[n++] = s + 1;
		}
	}
	return n;
}

static int int_of(const char *s, long lo, long hi, long *out)
{
	char *e;
	long v;

	if (!*s)
		return -1;
	v = strtol(s, &e, 10);
	if (*e || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "[Step,Modifier]" and an octave: the MIDI pitch, or -1. */
static int spelled_pitch(char *spell, const char *octave)
{
	static const int sv[7] = { 9, 11, 0, 2, 4, 5, 7 };
	char *argv[2];
	size_t l = strlen(spell);
	long oct, alt = 0;
	int step;

	if (l < 5 || spell[0] != '[' || spell[l - 1] != ']' ||
	    split_args(spell + 1, spell + l - 1, argv, 2) != 2 || strlen(argv[0]) != 1)
		return -1;
	step = toupper((unsigned char)argv[0][0]);
	if (step < 'A' || step > 'G' || int_of(octave, -1, 9, &oct) < 0)
		return -1;
	if (!strcmp(argv[1], "n"))
		alt = 0;
	else if (!strcmp(argv[1], "#"))
		alt = 1;
	else if (!strcmp(argv[1], "b"))
		alt = -1;
	else if (!strcmp(argv[1], "##") || !strcmp(argv[1], "x"))
		alt = 2;
	else if (!strcmp(argv[1], "bb"))
		alt = -2;
	else if (int_of(argv[1], -2, 2, &alt) < 0)
		return -1;
	int p = (int)((oct + 1) * 12 + sv[step - 'A'] + alt);
	return p >= 0 && p <= 127 ? p : -1;
}

/* snote(...) at S; its anchor into ANCHOR; returns the text after it. */
static char *read_snote(struct mfile *f, char *s, char *anchor, size_t cap)
{
	char *argv[10], *end = args_end(s + 6);

	if (!end || split_args(s + 6, end, argv, 10) != 9 || !argv[0][0] ||
	    strlen(argv[0]) >= cap || spelled_pitch(argv[1], argv[2]) < 0 ||
	    !strchr(argv[3], ':')) {
		bad(f, "malformed snote(Anchor,[Step,Modifier],Octave,Bar:Beat,"
		       "Offset,Duration,OnsetInBeats,OffsetInBeats,[Attributes])");
		return NULL;
	}
	snprintf(anchor, cap, "%s", argv[0]);
	return end + 1;
}

/* note(...) at S, which must end the line: adds the performance note. */
static int read_pnote(struct mfile *f, char *s)
{
	char *argv[8], *end, *e;
	struct mnote n = { .line = f->line };
	int argc, k;
	long pitch;

	if (strncmp(s, "note(", 5) || !(end = args_end(s + 5)) || end[1])
		return bad(f, "expected note(...) to end the line");
	argc = split_args(s + 5, end, argv, 8);
	if (argc >= 6 && argv[1][0] == '[') { /* before 1.0.0 */
		n.pitch = spelled_pitch(argv[1], argv[2]);
		k = 3;
	} else if (argc == 7 && int_of(argv[1], 0, 127, &pitch) == 0) {
		n.pitch = (int)pitch;
		k = 2;
	} else {
		return bad(f, "malformed note(Id,[Step,Modifier],Octave,Onset,...) "
			      "or note(Id,MidiPitch,Onset,...)");
	}
	if (n.pitch < 0 || (k == 3 && argc > 7))
		return bad(f, "malformed note(Id,[Step,Modifier],Octave,Onset,...)");
	n.onset = strtod(argv[k], &e);
	if (!argv[0][0] || strlen(argv[0]) >= sizeof(n.id) || e == argv[k] || *e)
		return bad(f, "malformed note(...): bad id or onset");
	snprintf(n.id, sizeof(n.id), "%s", argv[0]);
	struct mnote *x = PUSH_M(f->notes, f->nn, f->cn, f->err);
	if (!x)
		return -1;
	*x = n;
	return 0;
}

static int add_line(struct mfile *f, int kind, const char *anchor, int with_note)
{
	struct mline *m = PUSH_M(f->lines, f->nl, f->cl, f->err);

	if (!m)
		return -1;
	m->kind = kind;
	snprintf(m->anchor, sizeof(m->anchor), "%s", anchor);
	m->note = with_note ? f->nn - 1 : -1;
	return 0;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* One line, without its end of line: a fact, a comment or nothing. */
static int read_mline(struct mfile *f, char *l)
{
	static const char *const skip[] = {
		"info(", "meta(", "scoreprop(", "section(", "stime(", "sustain(",
		"soft(", "pedal(", NULL,
	};
	static const char *const inserted[] = {
		"insertion-", "hammer_bounce-", "trailing_played_note-", NULL,
	};
	char anchor[64], *s, *end;
	size_t n;

	while (*l == ' ' || *l == '\t')
		l++;
	n = strlen(l);
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
		l[--n] = '\0';
	if (!n || l[0] == '%')
		return 0;
	if (l[n - 1] != '.')
		return bad(f, "a line must end with '.'");
	l[--n] = '\0';
	for (int i = 0; skip[i]; i++)
		if (starts(l, skip[i]))
			return 0;
	if (starts(l, "snote(")) {
		if (!(s = read_snote(f, l, anchor, sizeof(anchor))))
			return -1;
		if (!strcmp(s, "-deletion") || !strcmp(s, "-trailing_score_note") ||
		    !strcmp(s, "-no_played_note"))
			return add_line(f, M_DELETION, anchor, 0);
		if (*s != '-' || !starts(s + 1, "note("))
			return bad(f, "expected -note(...) or -deletion after snote(...)");
		if (read_pnote(f, s + 1) < 0)
			return -1;
		return add_line(f, M_PAIR, anchor, 1);
	}
	for (int i = 0; inserted[i]; i++)
		if (starts(l, inserted[i]))
			return read_pnote(f, l + strlen(inserted[i])) < 0 ? -1 :
			       add_line(f, M_INSERTION, "", 1);
	if (starts(l, "ornament(") || starts(l, "trill(")) {
		s = strchr(l, '(') + 1;
		end = args_end(s);
		if (!end || end[1] != '-' || end == s)
			return bad(f, "malformed ornament(Anchor)-note(...) or trill(Anchor)-note(...)");
		*end = '\0';
		snprintf(anchor, sizeof(anchor), "%.*s", (int)strcspn(s, ","), s);
		if (read_pnote(f, end + 2) < 0)
			return -1;
		return add_line(f, M_ORNAMENT, anchor, 1);
	}
	return bad(f, "not a line of a .match file (snote, insertion, ornament, "
		      "trill, info...)");
}

static int cmp_onset(const void *a, const void *b)
{
	const struct mnote *x = *(const struct mnote *const *)a;
	const struct mnote *y = *(const struct mnote *const *)b;

	if (x->onset != y->onset)
		return x->onset < y->onset ? -1 : 1;
	if (x->pitch != y->pitch)
		return x->pitch - y->pitch;
	return x->line - y->line;
}

static int cmp_id(const void *a, const void *b)
{
	const struct mnote *x = *(const struct mnote *const *)a;
	const struct mnote *y = *(const struct mnote *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : x->line - y->line;
}

/* Numbers the performance notes in onset order; a note id seen twice is
 * an error. */
static int number_notes(struct mfile *f)
{
	struct mnote **v = malloc(((size_t)f->nn + 1) * sizeof(*v));

	if (!v)
		return pp_fail(f->err, "out of memory");
	for (int i = 0; i < f->nn; i++)
		v[i] = &f->notes[i];
	qsort(v, (size_t)f->nn, sizeof(*v), cmp_id);
	for (int i = 1; i < f->nn; i++)
		if (!strcmp(v[i]->id, v[i - 1]->id)) {
			f->line = v[i]->line;
			pp_fail(f->err, "'%s': line %d: performance note '%s' already on line %d",
				f->name, v[i]->line, v[i]->id, v[i - 1]->line);
			free(v);
			return -1;
		}
	qsort(v, (size_t)f->nn, sizeof(*v), cmp_onset);
	for (int i = 0; i < f->nn; i++)
		v[i]->index = i;
	free(v);
	return 0;
}

/* The three sets from the lines read. */
static int match_sets(struct mfile *f, struct pp_align_sets *o)
{
	char key[160];

	for (int i = 0; i < f->nl; i++) {
		const struct mline *m = &f->lines[i];
		int p = m->note >= 0 ? f->notes[m->note].index : -1;
		int rc = 0;
		switch (m->kind) {
		case M_PAIR:
			snprintf(key, sizeof(key), "%s p%d", m->anchor, p);
			rc = add(&o->match, &o->n_match, key, f->err);
			break;
		case M_DELETION:
			rc = add(&o->deletion, &o->n_deletion, m->anchor, f->err);
			break;
		case M_INSERTION:
			snprintf(key, sizeof(key), "p%d", p);
			rc = add(&o->insertion, &o->n_insertion, key, f->err);
			break;
		default: /* ornaments are in no set */
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int from_match(char *buf, const char *name, struct pp_align_sets *o,
		      struct pp_err *err)
{
	struct mfile f = { .name = name, .err = err };
	int rc = 0;

	for (char *l = buf, *next; l && rc == 0; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		f.line++;
		rc = read_mline(&f, l);
	}
	if (rc == 0 && !f.nl)
		rc = pp_fail(err, "'%s': no alignment lines (not a .match file?)", name);
	if (rc == 0)
		rc = number_notes(&f);
	if (rc == 0)
		rc = match_sets(&f, o);
	free(f.notes);
	free(f.lines);
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
	} else if (strlen(buf) != len) {
		rc = pp_fail(err, "'%s': not a text file (a NUL byte)", name);
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

	if (nt) /* an empty set may be a NULL array */
		qsort(t, (size_t)nt, sizeof(char *), cmp_str);
	if (ne)
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
