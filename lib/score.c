/*
 * score.c - the score model built from MusicXML (see score.h).
 *
 * Two steps. Reading (pp_score_load) visits every part's measures in
 * document order as the parser streams them and collects "raw" events (notes, rests, directions, attribute changes) with
 * their written measure and their position inside it (q). Layout then
 * decides the measures' order (written, or unfolded through repeats and
 * voltas) and onsets, copies the events into playing order, merges ties,
 * plays tremolos out, drops overlapped duplicates, sorts the notes and
 * fills the derived members (beat, following rest). One reading can be
 * laid out several ways (pp_score_layout).
 */
#include "score.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "io.h"
#include "musicxml.h"

#define EPS 1e-6

const char *const pp_score_notation_names[PP_N_COUNT] = {
	"staccato", "staccatissimo", "tenuto", "accent", "strong_accent",
	"fermata", "trill", "mordent", "turn", "arpeggiate", "cue", "slash",
};

/* A growable array: P points to N elements, CAP allocated. */
#define PUSH(p, n, cap, err) \
	((__typeof__(p))push((void **)&(p), &(n), &(cap), sizeof(*(p)), err))

/* Appends one zeroed element to the array *P of *N (capacity *CAP);
 * returns it, or NULL (out of memory, message in ERR). */
static void *push(void **p, int *n, int *cap, size_t elem, struct pp_err *err)
{
	if (*n >= *cap) {
		int ncap = *cap ? *cap * 2 : 64;
		void *q = realloc(*p, (size_t)ncap * elem);
		if (!q) {
			pp_fail(err, "out of memory");
			return NULL;
		}
		memset((char *)q + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
		*p = q;
		*cap = ncap;
	}
	return (char *)*p + (size_t)(*n)++ * elem;
}

/* A tremolo written on a note (see expand_tremolos). */
enum { TREM_NONE, TREM_SINGLE, TREM_START, TREM_STOP };
struct trem {
	int kind;               /* TREM_* */
	int marks;              /* 1-8 */
	double stroke;          /* q: the value of one stroke (0 until known) */
};

struct raw_note {
	struct pp_score_note n; /* onset holds the position in the measure */
	int wm;                 /* written measure */
	int tie_start, tie_stop;
	int xml_chord;
	struct trem trem;
};

struct raw_rest { int part, voice, wm; double pos, dur; int fermata; };
struct raw_dir { struct pp_score_direction d; int wm; };
struct raw_tempo { struct pp_score_tempo t; int wm; };
struct raw_time { struct pp_score_time t; int wm; };
struct raw_key { struct pp_score_key k; int wm; };

struct wmeasure {
	char number[16];
	int implicit, fwd, bwd, times;
	char ending[16];
	double length;          /* max position reached, q */
	int numerator, denominator; /* in force */
};

struct reader {
	const char *name;
	struct pp_err *err;
	struct raw_note *notes; int nn, cn;
	struct raw_rest *rests; int nr, cr;
	struct raw_dir *dirs; int nd, cd;
	struct raw_tempo *tempos; int nt, ct;
	struct raw_time *times; int nti, cti;
	struct raw_key *keys; int nk, ck;
	struct wmeasure *wms; int nwm, cwm;
	/* cursor state of the part being read */
	int part, divisions, num, den;
	double pos, last_pos; /* q within the measure */
	int wm;               /* index of the next measure in the part */
	int chord_head;       /* raw note index of the chord being read, -1 none */
	int *grace_pending; int ngp, cgp; /* raw note indices awaiting a main note */
	/* identity, from the header elements */
	int seen_work, seen_movement, seen_ident;
	char work_title[512], movement_title[512], composer[512];
};

typedef const struct pp_xml_el xel; /* an element of the light tree */

static int is(xel *n, const char *name)
{
	return !strcmp(n->name, name);
}

static int line_of(xel *n)
{
	return n->line;
}

/* The number in S, as strtod reads it; plain integers (nearly every
 * number in MusicXML) without the cost of strtod. */
static double number(const char *s)
{
	const char *p = s + (*s == '-');
	long v = 0;
	int k = 0;

	while (p[k] >= '0' && p[k] <= '9' && k < 9)
		v = v * 10 + (p[k++] - '0');
	if (k && !p[k])
		return *s == '-' ? -(double)v : (double)v;
	return strtod(s, NULL);
}

static int child_int(xel *n, const char *name, int dflt)
{
	char buf[64];
	xel *c = pp_xml_el_child(n, name);

	if (!c)
		return dflt;
	pp_xml_el_text(c, buf, sizeof(buf));
	return buf[0] ? (int)lround(number(buf)) : dflt;
}

static double child_num(xel *n, const char *name, double dflt)
{
	char buf[64];
	xel *c = pp_xml_el_child(n, name);

	if (!c)
		return dflt;
	pp_xml_el_text(c, buf, sizeof(buf));
	return buf[0] ? number(buf) : dflt;
}

static void prop(xel *n, const char *name, char *out, size_t cap)
{
	const char *p = pp_xml_el_attr(n, name);

	snprintf(out, cap, "%s", p ? p : "");
}

static int bpm_of(int num)
{
	switch (num) {
	case 6: return 2;
	case 9: return 3;
	case 12: return 4;
	case 18: return 3;
	case 24: return 4;
	default: return num > 0 ? num : 4;
	}
}

/* ---- reading ---- */

static unsigned mark_bits(const char *t)
{
	if (!strcmp(t, "start") || !strcmp(t, "begin") || !strcmp(t, "forward hook"))
		return PP_MARK_START;
	if (!strcmp(t, "continue"))
		return PP_MARK_CONTINUE;
	if (!strcmp(t, "stop") || !strcmp(t, "end") || !strcmp(t, "backward hook"))
		return PP_MARK_STOP;
	return 0;
}

/* <tremolo type="single|start|stop">MARKS</tremolo>; unmeasured tremolos
 * (type "unmeasured", or no marks) are not kept: their speed is free. */
static void read_tremolo(xel *el, struct trem *t)
{
	char type[32], text[32];
	int marks;

	prop(el, "type", type, sizeof(type));
	pp_xml_el_text(el, text, sizeof(text));
	marks = text[0] ? (int)lround(number(text)) : 0;
	if (marks < 1 || marks > 8)
		return;
	if (!type[0] || !strcmp(type, "single"))
		t->kind = TREM_SINGLE;
	else if (!strcmp(type, "start"))
		t->kind = TREM_START;
	else if (!strcmp(type, "stop"))
		t->kind = TREM_STOP;
	else
		return;
	t->marks = marks;
}

static void read_notations(xel *nots, struct raw_note *r)
{
	char t[32];

	for (xel *c = nots->child; c; c = c->next) {
		if (is(c, "tied")) {
			prop(c, "type", t, sizeof(t));
			r->tie_start |= !strcmp(t, "start") || !strcmp(t, "continue");
			r->tie_stop |= !strcmp(t, "stop") || !strcmp(t, "continue");
		} else if (is(c, "slur")) {
			prop(c, "type", t, sizeof(t));
			r->n.slur |= mark_bits(t);
		} else if (is(c, "fermata")) {
			r->n.notations |= PP_N_FERMATA;
		} else if (is(c, "arpeggiate")) {
			r->n.notations |= PP_N_ARPEGGIATE;
		} else if (is(c, "articulations") || is(c, "ornaments")) {
			for (xel *a = c->child; a; a = a->next) {
				const char *an = (const char *)a->name;
				if (!strcmp(an, "staccato")) r->n.notations |= PP_N_STACCATO;
				else if (!strcmp(an, "staccatissimo") || !strcmp(an, "spiccato"))
					r->n.notations |= PP_N_STACCATISSIMO;
				else if (!strcmp(an, "tenuto")) r->n.notations |= PP_N_TENUTO;
				else if (!strcmp(an, "detached-legato"))
					r->n.notations |= PP_N_TENUTO | PP_N_STACCATO;
				else if (!strcmp(an, "accent")) r->n.notations |= PP_N_ACCENT;
				else if (!strcmp(an, "strong-accent")) r->n.notations |= PP_N_STRONG_ACCENT;
				else if (!strcmp(an, "trill-mark")) r->n.notations |= PP_N_TRILL;
				else if (!strcmp(an, "wavy-line")) {
					prop(a, "type", t, sizeof(t));
					if (!strcmp(t, "start"))
						r->n.notations |= PP_N_TRILL;
				} else if (!strcmp(an, "tremolo"))
					read_tremolo(a, &r->trem);
				else if (strstr(an, "mordent") || !strcmp(an, "shake"))
					r->n.notations |= PP_N_MORDENT;
				else if (strstr(an, "turn")) r->n.notations |= PP_N_TURN;
			}
		}
	}
}

static int step_value(char s)
{
	static const int v[7] = { 9, 11, 0, 2, 4, 5, 7 }; /* A..G */

	return s >= 'A' && s <= 'G' ? v[s - 'A'] : -1;
}

/* Gives the pending grace notes of (part, voice) their order, counting back
 * from MAIN (a raw note index, or -1 when none follows). */
static void close_graces(struct reader *rd, int voice, int main)
{
	int k = 0, count = 0;

	for (int i = rd->ngp - 1; i >= 0; i--) {
		struct raw_note *g = &rd->notes[rd->grace_pending[i]];
		if (g->n.voice != voice)
			continue;
		if (!g->xml_chord)
			count++;
	}
	if (!count)
		return;
	if (main >= 0)
		rd->notes[main].n.preceded_by_grace = 1;
	/* walk forward: the first chain member gets -count */
	k = -count - 1;
	int w = 0;
	for (int i = 0; i < rd->ngp; i++) {
		struct raw_note *g = &rd->notes[rd->grace_pending[i]];
		if (g->n.voice != voice) {
			rd->grace_pending[w++] = rd->grace_pending[i];
			continue;
		}
		if (!g->xml_chord)
			k++;
		g->n.grace = k < 0 ? k : -1;
		if (main >= 0)
			g->n.onset = rd->notes[main].n.onset;
	}
	rd->ngp = w;
}

static int read_pitch(struct reader *rd, xel *note, xel *pitch,
		      struct raw_note *r)
{
	char s[16];
	xel *st = pp_xml_el_child(pitch, "step");

	pp_xml_el_text(st, s, sizeof(s));
	r->n.step = (char)toupper((unsigned char)s[0]);
	if (!st || step_value(r->n.step) < 0 || s[1])
		return pp_fail(rd->err, "'%s': line %d: bad <step> '%s'", rd->name,
			       line_of(note), s);
	r->n.alter = (int)lround(child_num(pitch, "alter", 0));
	r->n.octave = child_int(pitch, "octave", -100);
	if (r->n.octave < 0 || r->n.octave > 9 || r->n.alter < -3 || r->n.alter > 3)
		return pp_fail(rd->err, "'%s': line %d: bad pitch (octave or alter)",
			       rd->name, line_of(note));
	r->n.pitch = (r->n.octave + 1) * 12 + step_value(r->n.step) + r->n.alter;
	if (r->n.pitch < 0 || r->n.pitch > 127)
		return pp_fail(rd->err, "'%s': line %d: pitch out of MIDI range",
			       rd->name, line_of(note));
	return 0;
}

/* The children of a <note> that read_note looks at (the first of each). */
struct note_parts {
	xel *pitch, *grace, *dur, *chord, *rest, *voice, *staff, *nots, *type;
	int dots;
};

static void note_parts(xel *note, struct note_parts *p)
{
	memset(p, 0, sizeof(*p));
	for (xel *c = note->child; c; c = c->next) {
		xel **slot = NULL;
		switch (c->name[0]) {
		case 'p': slot = is(c, "pitch") ? &p->pitch : NULL; break;
		case 't': slot = is(c, "type") ? &p->type : NULL; break;
		case 'g': slot = is(c, "grace") ? &p->grace : NULL; break;
		case 'd':
			slot = is(c, "duration") ? &p->dur : NULL;
			p->dots += is(c, "dot");
			break;
		case 'c': slot = is(c, "chord") ? &p->chord : NULL; break;
		case 'r': slot = is(c, "rest") ? &p->rest : NULL; break;
		case 'v': slot = is(c, "voice") ? &p->voice : NULL; break;
		case 's': slot = is(c, "staff") ? &p->staff : NULL; break;
		case 'n': slot = is(c, "notations") ? &p->nots : NULL; break;
		}
		if (slot && !*slot)
			*slot = c;
	}
}

/* The number in element C (trimmed), DFLT when C is absent or empty. */
static double num_of(xel *c, double dflt)
{
	char buf[64];

	if (!c)
		return dflt;
	pp_xml_el_text(c, buf, sizeof(buf));
	return buf[0] ? number(buf) : dflt;
}

/* Quarter notes in a <type> value, 0 if unknown. */
static double type_q(const char *t)
{
	static const char *const names[] = {
		"1024th", "512th", "256th", "128th", "64th", "32nd", "16th",
		"eighth", "quarter", "half", "whole", "breve", "long", "maxima",
	};

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(t, names[i]))
			return ldexp(1, i - 8);
	return 0;
}

/* The value of one stroke of a tremolo on a note that lasts D (q): its
 * written value with MARKS more beams (a quarter or longer note has none
 * of its own, an eighth one...), times its tuplet ratio. The two notes of
 * a two-note tremolo are each written with half of their type's time (the
 * MusicXML rule), so their value spans 2 D. Without a <type>, the largest
 * power of two in the span stands for the value. */
static double stroke_value(xel *type, int dots, double d, int two, int marks)
{
	char t[32] = "";
	double span = two ? 2 * d : d, value, ratio = 1;

	if (type)
		pp_xml_el_text(type, t, sizeof(t));
	value = type_q(t);
	if (value > 0)
		ratio = span / (value * (2 - ldexp(1, -dots)));
	else
		value = ldexp(1, (int)floor(log2(span)));
	int beams = value < 1 ? (int)lround(-log2(value)) : 0;
	return ldexp(ratio, -(beams + marks));
}

/* The notes of a chord share the tremolo written on one of them: the chord
 * runs from rd->chord_head to the note just read. */
static void chord_tremolo(struct reader *rd)
{
	struct raw_note *v = rd->notes;
	int last = rd->nn - 1, from = -1;

	if (rd->chord_head < 0 || v[rd->chord_head].n.voice != v[last].n.voice)
		return;
	for (int i = rd->chord_head; i <= last && from < 0; i++)
		if (v[i].trem.kind)
			from = i;
	for (int i = rd->chord_head; from >= 0 && i <= last; i++)
		if (!v[i].trem.kind)
			v[i].trem = v[from].trem;
}

static int read_note(struct reader *rd, xel *note, int wm)
{
	struct raw_note r;
	struct note_parts np;
	double d = 0;
	char t[32];

	note_parts(note, &np);
	memset(&r, 0, sizeof(r));
	r.xml_chord = np.chord != NULL;
	r.n.voice = np.voice ? (int)lround(num_of(np.voice, 1)) : 1;
	r.n.staff = np.staff ? (int)lround(num_of(np.staff, 1)) : 1;
	if (r.n.voice < 1)
		r.n.voice = 1;
	if (r.n.staff < 1)
		r.n.staff = 1;
	r.n.part = rd->part;
	r.wm = wm;
	if (!np.grace) {
		if (!np.dur)
			return pp_fail(rd->err, "'%s': line %d: <note> without <duration>",
				       rd->name, line_of(note));
		d = num_of(np.dur, -1) / rd->divisions;
		if (!(d >= 0) || d > 1e4)
			return pp_fail(rd->err, "'%s': line %d: bad <duration>", rd->name,
				       line_of(note));
	}
	double start = r.xml_chord ? rd->last_pos : rd->pos;
	if (!r.xml_chord) {
		rd->last_pos = rd->pos;
		rd->pos += d;
	}
	if (np.rest || !np.pitch) {
		if (!r.xml_chord)
			rd->chord_head = -1;
		if (np.rest && !r.xml_chord) {
			struct raw_rest *x = PUSH(rd->rests, rd->nr, rd->cr, rd->err);
			if (!x)
				return -1;
			*x = (struct raw_rest){ rd->part, r.n.voice, wm, start, d,
						np.nots && pp_xml_el_child(np.nots, "fermata") };
		}
		return 0; /* rests, unpitched notes */
	}
	if (read_pitch(rd, note, np.pitch, &r) < 0)
		return -1;
	r.n.onset = start;
	r.n.duration = d;
	prop(note, "id", r.n.xml_id, sizeof(r.n.xml_id));
	for (xel *c = note->child; c; c = c->next) {
		if (is(c, "tie")) {
			prop(c, "type", t, sizeof(t));
			r.tie_start |= !strcmp(t, "start");
			r.tie_stop |= !strcmp(t, "stop");
		} else if (is(c, "beam")) {
			prop(c, "number", t, sizeof(t));
			if (!t[0] || !strcmp(t, "1")) {
				pp_xml_el_text(c, t, sizeof(t));
				r.n.beam |= mark_bits(t);
			}
		} else if (is(c, "notations")) {
			read_notations(c, &r);
		} else if (is(c, "cue")) {
			r.n.notations |= PP_N_CUE;
		}
	}
	if (np.grace) {
		prop(np.grace, "slash", t, sizeof(t));
		if (!strcmp(t, "yes"))
			r.n.notations |= PP_N_SLASH;
		r.trem.kind = TREM_NONE;
	}
	if (r.trem.kind && d > 0)
		r.trem.stroke = stroke_value(np.type, np.dots, d, r.trem.kind != TREM_SINGLE,
					     r.trem.marks);
	else
		r.trem.kind = TREM_NONE;
	struct raw_note *x = PUSH(rd->notes, rd->nn, rd->cn, rd->err);
	if (!x)
		return -1;
	*x = r;
	int idx = rd->nn - 1;
	if (np.grace) {
		int *g = PUSH(rd->grace_pending, rd->ngp, rd->cgp, rd->err);
		if (!g)
			return -1;
		*g = idx;
	} else if (!r.xml_chord) {
		close_graces(rd, r.n.voice, idx);
	}
	if (!r.xml_chord)
		rd->chord_head = np.grace ? -1 : idx;
	else if (!np.grace)
		chord_tremolo(rd);
	return 0;
}

static int is_tempo_word(const char *s)
{
	static const char *const w[] = {
		"grave", "largo", "lento", "adagio", "larghetto", "andant", "moderato",
		"allegr", "vivace", "vivo", "presto", "prestissimo", "tempo", "rit",
		"rall", "accel", "meno mosso", "piu mosso", "più mosso", "rubato",
		"stringendo", "allargando", "calando", "slentando", "smorzando",
		"a tempo", "l'istesso", "maestoso", "marcia", "tempo di", NULL,
	};

	while (*s && !isalpha((unsigned char)*s))
		s++;
	for (int i = 0; w[i]; i++)
		if (!strncasecmp(s, w[i], strlen(w[i])))
			return 1;
	return 0;
}

static double beat_unit_q(const char *u)
{
	static const struct { const char *n; double q; } t[] = {
		{ "breve", 8 }, { "whole", 4 }, { "half", 2 }, { "quarter", 1 },
		{ "eighth", 0.5 }, { "16th", 0.25 }, { "32nd", 0.125 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(u, t[i].n))
			return t[i].q;
	return 1;
}

static int add_dir(struct reader *rd, int wm, int staff, enum pp_direction_kind k,
		   const char *text)
{
	struct raw_dir *d = PUSH(rd->dirs, rd->nd, rd->cd, rd->err);

	if (!d)
		return -1;
	d->wm = wm;
	d->d.onset = rd->pos;
	d->d.staff = staff;
	d->d.kind = k;
	snprintf(d->d.text, sizeof(d->d.text), "%s", text);
	return 0;
}

static int add_tempo(struct reader *rd, int wm, double qpm, const char *text)
{
	struct raw_tempo *t = PUSH(rd->tempos, rd->nt, rd->ct, rd->err);

	if (!t)
		return -1;
	t->wm = wm;
	t->t.onset = rd->pos;
	t->t.qpm = qpm;
	snprintf(t->t.text, sizeof(t->t.text), "%s", text);
	return 0;
}

static int read_direction_type(struct reader *rd, xel *dt, int wm, int staff,
			       char *words, size_t wcap, double *metro)
{
	char t[64];

	for (xel *c = dt->child; c; c = c->next) {
		if (is(c, "dynamics")) {
			for (xel *x = c->child; x; x = x->next) {
				if (is(x, "other-dynamics"))
					pp_xml_el_text(x, t, sizeof(t));
				else
					snprintf(t, sizeof(t), "%s", (const char *)x->name);
				if (add_dir(rd, wm, staff, PP_DIR_DYNAMIC, t) < 0)
					return -1;
			}
		} else if (is(c, "wedge")) {
			prop(c, "type", t, sizeof(t));
			if (strcmp(t, "continue") &&
			    add_dir(rd, wm, staff, PP_DIR_WEDGE, t) < 0)
				return -1;
		} else if (is(c, "words")) {
			size_t l = strlen(words);
			pp_xml_el_text(c, t, sizeof(t));
			if (t[0])
				snprintf(words + l, wcap - l, "%s%s", l ? " " : "", t);
		} else if (is(c, "pedal")) {
			prop(c, "type", t, sizeof(t));
			if (!strcmp(t, "start") || !strcmp(t, "stop") || !strcmp(t, "change")) {
				if (add_dir(rd, wm, staff, PP_DIR_PEDAL, t) < 0)
					return -1;
			}
		} else if (is(c, "metronome")) {
			xel *bu = pp_xml_el_child(c, "beat-unit");
			double pm = child_num(c, "per-minute", 0);
			if (bu && pm > 0) {
				pp_xml_el_text(bu, t, sizeof(t));
				double q = beat_unit_q(t);
				if (pp_xml_el_child(c, "beat-unit-dot"))
					q *= 1.5;
				*metro = pm * q;
			}
		}
	}
	return 0;
}

static int read_direction(struct reader *rd, xel *dir, int wm)
{
	char words[64] = "", t[64];
	double metro = 0, qpm = 0;
	int staff = child_int(dir, "staff", 1);
	xel *snd = pp_xml_el_child(dir, "sound");

	for (xel *c = dir->child; c; c = c->next)
		if (is(c, "direction-type") &&
		    read_direction_type(rd, c, wm, staff, words, sizeof(words), &metro) < 0)
			return -1;
	if (snd) {
		prop(snd, "tempo", t, sizeof(t));
		if (t[0])
			qpm = strtod(t, NULL);
	}
	if (metro > 0)
		qpm = metro;
	if (words[0] && add_dir(rd, wm, staff, PP_DIR_WORDS, words) < 0)
		return -1;
	if ((qpm > 0 && qpm < 1000) || (words[0] && is_tempo_word(words)))
		return add_tempo(rd, wm, qpm > 0 && qpm < 1000 ? qpm : 0, words);
	return 0;
}

static int read_attributes(struct reader *rd, xel *at, int wm)
{
	char t[32];

	for (xel *c = at->child; c; c = c->next) {
		if (is(c, "divisions")) {
			int dv = child_int(at, "divisions", 0);
			if (dv <= 0)
				return pp_fail(rd->err, "'%s': line %d: bad <divisions>",
					       rd->name, line_of(c));
			rd->divisions = dv;
		} else if (is(c, "time") && rd->part == 0) {
			xel *b = pp_xml_el_child(c, "beats");
			int num = 0, den = child_int(c, "beat-type", 4);
			if (b) {
				pp_xml_el_text(b, t, sizeof(t));
				for (char *s = t; *s;) { /* "3+2" */
					num += (int)strtol(s, &s, 10);
					while (*s && !isdigit((unsigned char)*s))
						s++;
				}
			}
			if (num <= 0 || num > 64 || den <= 0 || den > 64)
				continue; /* senza misura and the like: keep the old one */
			rd->num = num;
			rd->den = den;
			struct raw_time *x = PUSH(rd->times, rd->nti, rd->cti, rd->err);
			if (!x)
				return -1;
			*x = (struct raw_time){ { rd->pos, num, den }, wm };
		} else if (is(c, "key") && rd->part == 0) {
			struct raw_key *x = PUSH(rd->keys, rd->nk, rd->ck, rd->err);
			if (!x)
				return -1;
			x->wm = wm;
			x->k.onset = rd->pos;
			x->k.fifths = child_int(c, "fifths", 0);
			xel *m = pp_xml_el_child(c, "mode");
			if (m)
				pp_xml_el_text(m, x->k.mode, sizeof(x->k.mode));
			else
				snprintf(x->k.mode, sizeof(x->k.mode), "major");
		}
	}
	return 0;
}

static void read_barline(struct reader *rd, xel *bl, struct wmeasure *m)
{
	char t[32];
	xel *rep = pp_xml_el_child(bl, "repeat"), *end = pp_xml_el_child(bl, "ending");

	(void)rd;
	if (rep) {
		prop(rep, "direction", t, sizeof(t));
		if (!strcmp(t, "forward"))
			m->fwd = 1;
		else if (!strcmp(t, "backward")) {
			m->bwd = 1;
			prop(rep, "times", t, sizeof(t));
			m->times = t[0] ? atoi(t) : 2;
			if (m->times < 2 || m->times > 16)
				m->times = 2;
		}
	}
	if (end) {
		prop(end, "type", t, sizeof(t));
		if (!strcmp(t, "start"))
			prop(end, "number", m->ending, sizeof(m->ending));
	}
}

static int read_measure(struct reader *rd, xel *meas, int wm)
{
	struct wmeasure *m;
	char t[16];

	if (rd->part == 0) {
		if (!PUSH(rd->wms, rd->nwm, rd->cwm, rd->err))
			return -1;
		m = &rd->wms[wm];
		prop(meas, "number", m->number, sizeof(m->number));
		prop(meas, "implicit", t, sizeof(t));
		m->implicit = !strcmp(t, "yes");
	} else if (wm >= rd->nwm) {
		return 0; /* a part longer than the first: ignore the surplus */
	}
	m = &rd->wms[wm];
	rd->pos = rd->last_pos = 0;
	rd->chord_head = -1;
	for (xel *c = meas->child; c; c = c->next) {
		int rc = 0;
		if (is(c, "note"))
			rc = read_note(rd, c, wm);
		else if (is(c, "backup") || is(c, "forward")) {
			double d = child_num(c, "duration", 0) / rd->divisions;
			if (!(d >= 0) || d > 1e4)
				return pp_fail(rd->err, "'%s': line %d: bad <duration>",
					       rd->name, line_of(c));
			rd->pos += is(c, "backup") ? -d : d;
			if (rd->pos < 0)
				rd->pos = 0;
			rd->last_pos = rd->pos;
		} else if (is(c, "attributes"))
			rc = read_attributes(rd, c, wm);
		else if (is(c, "direction"))
			rc = read_direction(rd, c, wm);
		else if (is(c, "barline"))
			read_barline(rd, c, m);
		if (rc < 0)
			return -1;
		if (rd->pos > m->length)
			m->length = rd->pos;
	}
	if (rd->part == 0) {
		m->numerator = rd->num;
		m->denominator = rd->den;
	}
	return 0;
}

/* The cursor state at the start of a part. */
static void part_begin(struct reader *rd)
{
	rd->divisions = 1;
	rd->num = 4;
	rd->den = 4;
	rd->wm = 0;
}

/* Title and composer: the first <work>'s <work-title>, else the first
 * <movement-title>; the first <identification>'s first composer. */
static void read_identity(struct reader *rd, xel *el)
{
	char t[32];

	if (is(el, "work") && !rd->seen_work) {
		rd->seen_work = 1;
		if (pp_xml_el_child(el, "work-title"))
			pp_xml_el_text(pp_xml_el_child(el, "work-title"), rd->work_title,
				    sizeof(rd->work_title));
	} else if (is(el, "movement-title") && !rd->seen_movement) {
		rd->seen_movement = 1;
		pp_xml_el_text(el, rd->movement_title, sizeof(rd->movement_title));
	} else if (is(el, "identification") && !rd->seen_ident) {
		rd->seen_ident = 1;
		for (xel *c = el->child; c; c = c->next) {
			if (!is(c, "creator"))
				continue;
			prop(c, "type", t, sizeof(t));
			if (!strcmp(t, "composer")) {
				pp_xml_el_text(c, rd->composer, sizeof(rd->composer));
				break;
			}
		}
	}
}

/* The visitor of the score's elements (pp_musicxml_stream): measures of
 * each part in turn, the end of a part, and the header elements. */
static int visit(void *ctx, xel *el, int depth, struct pp_err *err)
{
	struct reader *rd = ctx;

	rd->err = err;
	if (depth == 2) {
		if (!is(el, "measure"))
			return 0;
		if (read_measure(rd, el, rd->wm++) < 0)
			return -1;
		/* grace notes with no main note after them in the measure */
		while (rd->ngp)
			close_graces(rd, rd->notes[rd->grace_pending[0]].n.voice, -1);
		return 0;
	}
	if (is(el, "part")) {
		rd->part++;
		part_begin(rd);
	} else {
		read_identity(rd, el);
	}
	return 0;
}


/* ---- layout ---- */

static int in_ending(const char *ending, int pass)
{
	const char *s = ending;

	while (*s) {
		if (isdigit((unsigned char)*s)) {
			char *e;
			long v = strtol(s, &e, 10);
			if (v == pass)
				return 1;
			s = e;
		} else {
			s++;
		}
	}
	return 0;
}

/* Playing order of the written measures. Returns the count (<= cap). */
static int play_order(const struct wmeasure *w, int n, int unfold, int *order, int cap)
{
	int k = 0, start = 0, pass = 1;
	int *done = calloc((size_t)n, sizeof(int));
	char cur_ending[16] = "";

	if (!unfold || !done) {
		free(done);
		for (int i = 0; i < n && i < cap; i++)
			order[k++] = i;
		return k;
	}
	for (int i = 0; i < n && k < cap;) {
		/* an ending lasts from its start to the next start or repeat end */
		if (w[i].ending[0])
			snprintf(cur_ending, sizeof(cur_ending), "%s", w[i].ending);
		if (w[i].fwd && i != start) {
			start = i;
			pass = 1;
		}
		if (cur_ending[0] && !in_ending(cur_ending, pass)) {
			if (w[i].bwd)
				cur_ending[0] = '\0';
			i++;
			continue;
		}
		order[k++] = i;
		if (w[i].bwd && done[i] < w[i].times - 1) {
			done[i]++;
			pass++;
			cur_ending[0] = '\0';
			i = start;
			continue;
		}
		if (w[i].bwd) {
			cur_ending[0] = '\0';
			start = i + 1;
			pass = 1;
		}
		i++;
	}
	free(done);
	return k;
}

static double nominal_len(int num, int den)
{
	return num * 4.0 / den;
}

static int layout_measures(const struct reader *rd, struct pp_score *s, int unfold,
			   int **order_out, struct pp_err *err)
{
	int cap = rd->nwm * 4 + 16;
	int *order = malloc((size_t)cap * sizeof(int));
	double q = 0;

	if (!order)
		return pp_fail(err, "out of memory");
	s->n_measures = play_order(rd->wms, rd->nwm, unfold, order, cap);
	s->measures = calloc((size_t)s->n_measures, sizeof(*s->measures));
	if (!s->measures) {
		free(order);
		return pp_fail(err, "out of memory");
	}
	for (int k = 0; k < s->n_measures; k++) {
		const struct wmeasure *w = &rd->wms[order[k]];
		struct pp_score_measure *m = &s->measures[k];
		double nom = nominal_len(w->numerator, w->denominator);
		m->index = k;
		snprintf(m->number, sizeof(m->number), "%s", w->number);
		m->onset = q;
		m->length = w->length > EPS ? w->length : nom;
		m->numerator = w->numerator;
		m->denominator = w->denominator;
		m->implicit = w->implicit || (order[k] == 0 && m->length < nom - EPS);
		m->repeat_forward = w->fwd;
		m->repeat_backward = w->bwd;
		m->repeat_times = w->bwd ? w->times : 0;
		snprintf(m->ending, sizeof(m->ending), "%s", w->ending);
		m->source = order[k];
		q += m->length;
	}
	*order_out = order;
	return 0;
}

static int build_beats(struct pp_score *s, struct pp_err *err)
{
	int cap = 0;

	for (int k = 0; k < s->n_measures; k++) {
		struct pp_score_measure *m = &s->measures[k];
		double nom = nominal_len(m->numerator, m->denominator);
		double bl = nom / bpm_of(m->numerator), end = m->onset + m->length;
		double first = m->onset;
		if (k == 0 && m->implicit && m->length < nom - EPS) {
			first = end - floor(m->length / bl + EPS) * bl;
			if (first > m->onset + EPS && !PUSH(s->beats, s->n_beats, cap, err))
				return -1;
			if (first > m->onset + EPS)
				s->beats[s->n_beats - 1] = m->onset;
		}
		for (double b = first; b < end - EPS; b += bl) {
			double *x = PUSH(s->beats, s->n_beats, cap, err);
			if (!x)
				return -1;
			*x = b;
		}
	}
	return 0;
}

int pp_score_beat_at(const struct pp_score *s, double q)
{
	int lo = 0, hi = s->n_beats - 1;

	if (s->n_beats == 0 || q < s->beats[0] + EPS)
		return 0;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (s->beats[mid] <= q + EPS)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int pp_score_measure_at(const struct pp_score *s, double q)
{
	int lo = 0, hi = s->n_measures - 1;

	if (s->n_measures == 0)
		return 0;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (s->measures[mid].onset <= q + EPS)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int cmp_note(const void *a, const void *b)
{
	const struct pp_score_note *x = a, *y = b;

	if (fabs(x->onset - y->onset) > EPS)
		return x->onset < y->onset ? -1 : 1;
	if (x->grace != y->grace) {
		/* grace notes (-2 before -1) before main notes (0) */
		int gx = x->grace ? x->grace : 1, gy = y->grace ? y->grace : 1;
		return gx < gy ? -1 : 1;
	}
	if (x->pitch != y->pitch)
		return x->pitch > y->pitch ? -1 : 1;
	if (x->part != y->part)
		return x->part - y->part;
	return x->voice - y->voice;
}

struct lnote {
	struct pp_score_note n;
	int tie_start, tie_stop, dead;
	struct trem trem;
};

static int cmp_lnote(const void *a, const void *b)
{
	return cmp_note(&((const struct lnote *)a)->n, &((const struct lnote *)b)->n);
}

/* Merges each tie-stop note into the open note of the same part and pitch
 * that ends where it starts, the nearest before it in score order. Notes
 * of one part and pitch are chained (PREV), and a search stops once no
 * earlier note can last long enough to reach the tie, so that the pass
 * stays linear. */
static int merge_ties(struct lnote *v, int n, struct pp_err *err)
{
	int nparts = 0, *last, *prev;
	double maxdur = 0; /* longest note before i */

	for (int i = 0; i < n; i++)
		if (v[i].n.part >= nparts)
			nparts = v[i].n.part + 1;
	last = malloc((size_t)nparts * 128 * sizeof(int));
	prev = malloc(((size_t)n + 1) * sizeof(int));
	if (!last || !prev) {
		free(last);
		free(prev);
		return pp_fail(err, "out of memory");
	}
	for (int k = 0; k < nparts * 128; k++)
		last[k] = -1;
	for (int i = 0; i < n; i++) {
		int *head = &last[v[i].n.part * 128 + v[i].n.pitch];
		prev[i] = *head;
		*head = i;
		if (v[i].tie_stop && !v[i].n.grace) {
			for (int j = prev[i]; j >= 0; j = prev[j]) {
				struct lnote *o = &v[j];
				if (o->n.onset + maxdur < v[i].n.onset - 1e-2)
					break; /* too early to reach it (with a margin) */
				if (o->dead || !o->tie_start)
					continue;
				if (fabs(o->n.onset + o->n.duration - v[i].n.onset) > 1e-3)
					continue;
				o->n.duration += v[i].n.duration;
				o->n.notations |= v[i].n.notations &
						  ~(PP_N_TRILL | PP_N_MORDENT | PP_N_TURN |
						    PP_N_ARPEGGIATE);
				o->n.slur |= v[i].n.slur & PP_MARK_STOP;
				o->tie_start = v[i].tie_start;
				v[i].dead = 1;
				if (o->n.duration > maxdur)
					maxdur = o->n.duration;
				break;
			}
		}
		if (v[i].n.duration > maxdur)
			maxdur = v[i].n.duration;
	}
	free(last);
	free(prev);
	return 0;
}

static void drop_overlaps(struct lnote *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i].dead)
			continue;
		for (int j = i + 1; j < n && fabs(v[j].n.onset - v[i].n.onset) < EPS; j++) {
			if (v[j].dead || v[j].n.pitch != v[i].n.pitch ||
			    v[j].n.grace != v[i].n.grace || v[j].n.part != v[i].n.part)
				continue;
			struct lnote *keep = &v[i], *drop = &v[j];
			if (v[j].n.duration > v[i].n.duration) {
				keep = &v[j];
				drop = &v[i];
			}
			keep->n.overlapped = 1;
			keep->n.notations |= drop->n.notations;
			drop->dead = 1;
			if (drop == &v[i])
				break;
		}
	}
}

/*
 * Tremolos played out. A single-note tremolo repeats its note (a chord:
 * all of its notes) in strokes of its stroke value over its (tied)
 * duration; a two-note tremolo alternates its start note (or chord) with
 * its stop note, the one of the same part and voice that begins where the
 * start ends, over their two durations, the start first. Strokes split the
 * time evenly; the first stroke of each written note is that note (it keeps
 * its id and markings), the others are copies without them. Every note of
 * a played tremolo has tremolo = its stroke number, from 1. A tremolo of
 * fewer than two or more than TREM_MAX strokes stays as written, and all
 * tremolos together add at most 8 notes a written note (plus TREM_MAX), so
 * that memory stays linear in the score whatever it says.
 */
#define TREM_MAX 128

/* Marks the notes of V (sorted) that begin at ONSET in the part and voice
 * of V[I], have tremolo KIND and are not yet played out; returns how many,
 * their indices in OUT (room for CAP) and their longest duration. */
static int trem_group(const struct lnote *v, int n, int i, double onset, int kind,
		      int *out, int cap, double *dur)
{
	int lo = 0, hi = n, k = 0;

	while (lo < hi) { /* the first note not before onset - 1e-3 */
		int mid = (lo + hi) / 2;
		if (v[mid].n.onset < onset - 1e-3)
			lo = mid + 1;
		else
			hi = mid;
	}
	*dur = 0;
	for (int j = lo; j < n && v[j].n.onset <= onset + 1e-3 && k < cap; j++) {
		const struct lnote *x = &v[j];
		if (x->dead || x->n.grace || x->n.tremolo || x->trem.kind != kind ||
		    x->n.part != v[i].n.part || x->n.voice != v[i].n.voice)
			continue;
		out[k++] = j;
		if (x->n.duration > *dur)
			*dur = x->n.duration;
	}
	return k;
}

/* Adds the strokes of one tremolo: groups A (strokes 1, 3...) and B (2, 4...;
 * B may be A) from ONSET, COUNT strokes of STEP. */
static int trem_strokes(struct lnote **v, int *n, int *cap, const int *a, int na,
			const int *b, int nb, double onset, int count, double step,
			struct pp_err *err)
{
	for (int k = 0; k < count; k++) {
		const int *g = k % 2 ? b : a;
		int ng = k % 2 ? nb : na;
		for (int j = 0; j < ng; j++) {
			struct lnote *x;
			if (k == 0 || (k == 1 && b != a)) { /* the written note itself */
				x = &(*v)[g[j]];
			} else {
				if (!PUSH(*v, *n, *cap, err))
					return -1;
				x = &(*v)[*n - 1];
				*x = (*v)[g[j]];
				x->n.xml_id[0] = '\0';
				x->n.slur = x->n.beam = x->n.notations = 0;
				x->n.preceded_by_grace = x->n.overlapped = 0;
			}
			x->n.onset = onset + k * step;
			x->n.duration = step;
			x->n.tremolo = k + 1;
		}
	}
	return 0;
}

/* Plays out the tremolos of V (sorted by cmp_lnote), appending strokes to
 * it; returns 1 if it changed V (sort it again), 0 if not, -1 (ERR) when
 * out of memory. */
static int expand_tremolos(struct lnote **v, int *n, int *cap, struct pp_err *err)
{
	int n0 = *n, budget = 8 * n0 + TREM_MAX, changed = 0;
	int a[16], b[16];

	for (int i = 0; i < n0; i++) {
		struct lnote *x = &(*v)[i];
		double da, db = 0, total, onset = x->n.onset;
		int na, nb = 0, count;
		if (x->dead || x->n.grace || x->n.tremolo || x->trem.stroke <= 0 ||
		    (x->trem.kind != TREM_SINGLE && x->trem.kind != TREM_START))
			continue;
		na = trem_group(*v, n0, i, onset, x->trem.kind, a, 16, &da);
		total = da;
		if (x->trem.kind == TREM_START) {
			nb = trem_group(*v, n0, i, onset + da, TREM_STOP, b, 16, &db);
			if (!nb) {
				x->trem.kind = TREM_NONE; /* no partner: as written */
				continue;
			}
			total += db;
		}
		count = (int)lround(total / x->trem.stroke);
		int copies = nb ? (count - 2) * (na + nb) / 2 + na : (count - 1) * na;
		if (count < 2 || count > TREM_MAX || copies > budget) {
			for (int j = 0; j < na; j++)
				(*v)[a[j]].trem.kind = TREM_NONE;
			continue;
		}
		budget -= copies;
		if (trem_strokes(v, n, cap, a, na, nb ? b : a, nb ? nb : na, onset, count,
				 total / count, err) < 0)
			return -1;
		changed = 1;
	}
	return changed;
}

/* Rests of one part and voice by position, then by their order. */
static int cmp_rest(const void *a, const void *b)
{
	const struct raw_rest *x = a, *y = b;

	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	if (x->voice != y->voice)
		return x->voice < y->voice ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->wm - y->wm; /* the order, see fill_rests */
}

/* The first rest in order of R (sorted by cmp_rest) of a part and voice at
 * END (within 1e-4 q) that lasts, or NULL. */
static const struct raw_rest *rest_at(const struct raw_rest *r, int nr, int part,
				      int voice, double end)
{
	int lo = 0, hi = nr;
	const struct raw_rest *best = NULL;

	while (lo < hi) { /* the first not before (part, voice, end - 1e-4) */
		int mid = (lo + hi) / 2;
		const struct raw_rest *m = &r[mid];
		if (m->part < part || (m->part == part && (m->voice < voice ||
		    (m->voice == voice && m->pos < end - 1e-4))))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int j = lo; j < nr && r[j].part == part && r[j].voice == voice &&
	     r[j].pos <= end + 1e-4; j++)
		if (fabs(r[j].pos - end) <= 1e-4 && r[j].dur > EPS &&
		    (!best || r[j].wm < best->wm))
			best = &r[j];
	return best;
}

/* following_rest: rests of the same part and voice chained from its end.
 * R is sorted here, its wm member replaced by the rest's index in R as
 * given (laid out in score order), so that of two rests at one place the
 * first laid out wins. */
static void fill_rests(struct pp_score *s, struct raw_rest *r, int nr)
{
	if (!nr)
		return;
	for (int j = 0; j < nr; j++)
		r[j].wm = j;
	qsort(r, (size_t)nr, sizeof(*r), cmp_rest);
	for (int i = 0; i < s->n_notes; i++) {
		struct pp_score_note *n = &s->notes[i];
		double end = n->onset + n->duration;
		const struct raw_rest *x;
		if (n->grace)
			continue;
		while ((x = rest_at(r, nr, n->part, n->voice, end))) {
			n->following_rest += x->dur;
			n->followed_by_fermata_rest |= x->fermata;
			end += x->dur;
		}
	}
}

/* Indices of N records (SIZE bytes each, written measure at offset OFF)
 * grouped by written measure, stable: idx[start[w] .. start[w + 1]) are
 * those of measure w, in their order. One pass, so that laying out M
 * measures costs O(N + M), not O(N M). */
struct groups { int *idx, *start; };

static int group(const void *base, int n, size_t size, size_t off, int nwm,
		 struct groups *g, struct pp_err *err)
{
	g->idx = malloc(((size_t)n + 1) * sizeof(int));
	g->start = calloc((size_t)nwm + 2, sizeof(int));
	if (!g->idx || !g->start)
		return pp_fail(err, "out of memory");
	for (int i = 0; i < n; i++) {
		int w = *(const int *)((const char *)base + (size_t)i * size + off);
		g->start[w + 2]++;
	}
	for (int w = 0; w < nwm; w++)
		g->start[w + 2] += g->start[w + 1];
	for (int i = 0; i < n; i++) {
		int w = *(const int *)((const char *)base + (size_t)i * size + off);
		g->idx[g->start[w + 1]++] = i;
	}
	return 0;
}

static void groups_free(struct groups *g)
{
	free(g->idx);
	free(g->start);
}

#define GROUP(arr, n, nwm, g, err) \
	group((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), wm), (nwm), (g), (err))
#define EACH_IN(g, w, i) \
	for (int k_ = (g).start[w], i; k_ < (g).start[(w) + 1] && ((i) = (g).idx[k_], 1); k_++)

static int layout_events(const struct reader *rd, struct pp_score *s, const int *order,
			 int flags, struct pp_err *err)
{
	int nl = 0, cl = 0, nr = 0, cr = 0, ct = 0, ck = 0, cd = 0, cte = 0;
	struct lnote *v = NULL;
	struct raw_rest *rests = NULL;
	struct groups gn = { 0 }, gr = { 0 }, gti = { 0 }, gk = { 0 }, gt = { 0 },
		      gd = { 0 };
	int rc = -1;

	if (GROUP(rd->notes, rd->nn, rd->nwm, &gn, err) < 0 ||
	    GROUP(rd->rests, rd->nr, rd->nwm, &gr, err) < 0 ||
	    GROUP(rd->times, rd->nti, rd->nwm, &gti, err) < 0 ||
	    GROUP(rd->keys, rd->nk, rd->nwm, &gk, err) < 0 ||
	    GROUP(rd->tempos, rd->nt, rd->nwm, &gt, err) < 0 ||
	    GROUP(rd->dirs, rd->nd, rd->nwm, &gd, err) < 0)
		goto out;
	for (int k = 0; k < s->n_measures; k++) {
		int w = order[k];
		double off = s->measures[k].onset;
		EACH_IN(gn, w, i) {
			struct lnote *x = PUSH(v, nl, cl, err);
			if (!x)
				goto out;
			x->n = rd->notes[i].n;
			x->n.onset += off;
			x->n.chord = rd->notes[i].xml_chord;
			x->tie_start = rd->notes[i].tie_start;
			x->tie_stop = rd->notes[i].tie_stop;
			x->trem = rd->notes[i].trem;
		}
		EACH_IN(gr, w, i) {
			struct raw_rest *x = PUSH(rests, nr, cr, err);
			if (!x)
				goto out;
			*x = rd->rests[i];
			x->pos += off;
		}
		EACH_IN(gti, w, i) {
			struct pp_score_time *x = PUSH(s->times, s->n_times, ct, err);
			if (!x)
				goto out;
			*x = rd->times[i].t;
			x->onset += off;
		}
		EACH_IN(gk, w, i) {
			struct pp_score_key *x = PUSH(s->keys, s->n_keys, ck, err);
			if (!x)
				goto out;
			*x = rd->keys[i].k;
			x->onset += off;
		}
		EACH_IN(gt, w, i) {
			struct pp_score_tempo *x = PUSH(s->tempos, s->n_tempos, cte, err);
			if (!x)
				goto out;
			*x = rd->tempos[i].t;
			x->onset += off;
		}
		EACH_IN(gd, w, i) {
			struct pp_score_direction *x =
				PUSH(s->directions, s->n_directions, cd, err);
			if (!x)
				goto out;
			*x = rd->dirs[i].d;
			x->onset += off;
		}
	}
	/* ties are merged in written order within a voice: sort first */
	if (nl)
		qsort(v, (size_t)nl, sizeof(*v), cmp_lnote);
	if (merge_ties(v, nl, err) < 0)
		goto out;
	if (flags & PP_SCORE_TREMOLO) {
		int changed = expand_tremolos(&v, &nl, &cl, err);
		if (changed < 0)
			goto out;
		if (changed)
			qsort(v, (size_t)nl, sizeof(*v), cmp_lnote);
	}
	drop_overlaps(v, nl);
	s->notes = calloc((size_t)nl + 1, sizeof(*s->notes));
	if (!s->notes) {
		pp_fail(err, "out of memory");
		goto out;
	}
	for (int i = 0; i < nl; i++)
		if (!v[i].dead)
			s->notes[s->n_notes++] = v[i].n;
	for (int i = 0; i < s->n_notes; i++) {
		struct pp_score_note *n = &s->notes[i];
		n->chord = 0;
		for (int j = i - 1; j >= 0 && fabs(s->notes[j].onset - n->onset) < EPS; j--)
			if (s->notes[j].part == n->part && s->notes[j].voice == n->voice &&
			    s->notes[j].grace == n->grace)
				n->chord = 1;
		n->measure = pp_score_measure_at(s, n->onset);
		n->beat = pp_score_beat_at(s, n->onset);
		n->tie_open = 0;
	}
	fill_rests(s, rests, nr);
	rc = 0;
out:
	groups_free(&gn);
	groups_free(&gr);
	groups_free(&gti);
	groups_free(&gk);
	groups_free(&gt);
	groups_free(&gd);
	free(v);
	free(rests);
	return rc;
}

static void reader_free(struct reader *rd)
{
	free(rd->notes);
	free(rd->rests);
	free(rd->dirs);
	free(rd->tempos);
	free(rd->times);
	free(rd->keys);
	free(rd->wms);
	free(rd->grace_pending);
}

/* Puts the file name in front of a message that lacks it. */
static int name_it(struct pp_err *err, const char *name)
{
	if (strncmp(err->msg, "'", 1))
		pp_fail_wrap(err, "'%s'", name);
	return -1;
}

/* A score read but not laid out: what the reader gathered. */
struct pp_score_source {
	struct reader rd;
	char *name;             /* for messages and the score's source */
};

int pp_score_layout(const struct pp_score_source *src, int flags,
		    struct pp_score **out, struct pp_err *err)
{
	const struct reader *rd = &src->rd;
	struct pp_score *s = calloc(1, sizeof(*s));
	int *order = NULL;

	*out = NULL;
	if (!s)
		return pp_fail(err, "out of memory");
	s->source = strdup(src->name);
	s->title = strdup(rd->work_title[0] ? rd->work_title : rd->movement_title);
	s->composer = strdup(rd->composer);
	for (int i = 0; i < rd->nwm; i++)
		s->has_repeats |= rd->wms[i].bwd;
	s->unfolded = (flags & PP_SCORE_UNFOLD) && s->has_repeats;
	if (layout_measures(rd, s, s->unfolded, &order, err) < 0 ||
	    build_beats(s, err) < 0 || layout_events(rd, s, order, flags, err) < 0)
		goto fail;
	if (!s->source || !s->title || !s->composer) {
		pp_fail(err, "out of memory");
		goto fail;
	}
	free(order);
	*out = s;
	return 0;
fail:
	free(order);
	pp_score_free(s);
	return name_it(err, src->name);
}

static struct pp_score_source *source_new(const char *name, struct pp_err *err)
{
	struct pp_score_source *src = calloc(1, sizeof(*src));

	if (!src || !(src->name = strdup(name))) {
		free(src);
		pp_fail(err, "out of memory");
		return NULL;
	}
	src->rd.name = src->name;
	src->rd.err = err;
	part_begin(&src->rd);
	return src;
}

/* Ends reading: a score needs a measure. */
static int source_done(struct pp_score_source *src, int rc, struct pp_err *err)
{
	if (rc == 0 && src->rd.nwm == 0)
		rc = pp_fail(err, "'%s': the score has no measures", src->name);
	src->rd.err = NULL;
	if (rc < 0)
		name_it(err, src->name);
	return rc;
}

void pp_score_source_free(struct pp_score_source *src)
{
	if (!src)
		return;
	reader_free(&src->rd);
	free(src->name);
	free(src);
}

int pp_score_load(const char *path, struct pp_score_source **out, struct pp_err *err)
{
	struct pp_score_source *src;
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	src = source_new(pp_io_name(path), err);
	if (!src) {
		free(buf);
		return -1;
	}
	rc = pp_musicxml_stream(buf, len, src->name, visit, &src->rd, err);
	free(buf);
	if (source_done(src, rc, err) < 0) {
		pp_score_source_free(src);
		return -1;
	}
	*out = src;
	return 0;
}


void pp_score_free(struct pp_score *s)
{
	if (!s)
		return;
	free(s->source);
	free(s->title);
	free(s->composer);
	free(s->measures);
	free(s->beats);
	free(s->times);
	free(s->keys);
	free(s->tempos);
	free(s->directions);
	free(s->notes);
	free(s);
}

/* ---- JSON ---- */

/*
 * A score of N notes makes some 25 N JSON values, and most of them repeat:
 * small integers, the step letters, empty arrays, common durations. The
 * note objects share one value for each of these instead of allocating a
 * copy each (jansson counts the references), which roughly halves the
 * allocations and the memory of the score member; keys are literal ASCII,
 * so their UTF-8 check is skipped too.
 */
#define INT_LO (-16)
#define INT_HI 1024
#define REALS 64 /* a small direct-mapped cache of reals */

struct shared {
	json_t *ints[INT_HI - INT_LO];
	json_t *steps[7];
	json_t *marks[8];       /* by PP_MARK_* bits */
	json_t *no_notations;
	json_t *reals[REALS];
};

/* A new reference to the shared integer V (or a new one out of range). */
static json_t *sh_int(struct shared *c, long long v)
{
	json_t **x;

	if (v < INT_LO || v >= INT_HI)
		return json_integer(v);
	x = &c->ints[v - INT_LO];
	if (!*x)
		*x = json_integer(v);
	return json_incref(*x);
}

static json_t *sh_real(struct shared *c, double v)
{
	unsigned h;
	json_t **x;

	if (!isfinite(v))
		PP_BUG("non-finite value in the score");
	h = (unsigned)(long long)floor(v * 48) % REALS; /* 1/48 q: triplets, 16ths */
	x = &c->reals[h];
	if (*x) {
		double w = json_real_value(*x);
		if (!memcmp(&w, &v, sizeof(v))) /* bitwise: -0 is not 0 */
			return json_incref(*x);
	}
	json_decref(*x);
	*x = json_real(v);
	return json_incref(*x);
}

static json_t *marks_json(struct shared *c, unsigned bits)
{
	static const char *const names[] = { "start", "continue", "stop" };
	json_t **x = &c->marks[bits & 7];

	if (!*x) {
		*x = json_array();
		for (int i = 0; i < 3; i++)
			if (bits & (1u << i))
				json_array_append_new(*x, json_string(names[i]));
	}
	return json_incref(*x);
}

static void shared_release(struct shared *c)
{
	for (int i = 0; i < INT_HI - INT_LO; i++)
		json_decref(c->ints[i]);
	for (int i = 0; i < 7; i++)
		json_decref(c->steps[i]);
	for (int i = 0; i < 8; i++)
		json_decref(c->marks[i]);
	for (int i = 0; i < REALS; i++)
		json_decref(c->reals[i]);
	json_decref(c->no_notations);
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

static json_t *note_json(struct shared *c, const struct pp_score_note *n, int id)
{
	json_t *o = json_object(), *nots;

	if (n->notations) {
		nots = json_array();
		for (int i = 0; i < PP_N_COUNT; i++)
			if (n->notations & (1u << i))
				json_array_append_new(nots,
						      json_string(pp_score_notation_names[i]));
	} else {
		if (!c->no_notations)
			c->no_notations = json_array();
		nots = json_incref(c->no_notations);
	}
	json_t **step = &c->steps[(n->step - 'A') % 7];
	if (!*step)
		*step = json_stringn(&n->step, 1);
	set(o, "id", json_integer(id));
	set(o, "part", sh_int(c, n->part));
	set(o, "staff", sh_int(c, n->staff));
	set(o, "voice", sh_int(c, n->voice));
	set(o, "measure", sh_int(c, n->measure));
	set(o, "onset", sh_real(c, n->onset));
	set(o, "duration", sh_real(c, n->duration));
	set(o, "beat", sh_int(c, n->beat));
	set(o, "pitch", sh_int(c, n->pitch));
	set(o, "step", json_incref(*step));
	set(o, "alter", sh_int(c, n->alter));
	set(o, "octave", sh_int(c, n->octave));
	set(o, "grace", sh_int(c, n->grace));
	set(o, "preceded_by_grace", json_boolean(n->preceded_by_grace));
	set(o, "chord", json_boolean(n->chord));
	set(o, "following_rest", sh_real(c, n->following_rest));
	set(o, "followed_by_fermata_rest", json_boolean(n->followed_by_fermata_rest));
	set(o, "slur", marks_json(c, n->slur));
	set(o, "beam", marks_json(c, n->beam));
	set(o, "notations", nots);
	set(o, "overlapped", json_boolean(n->overlapped));
	if (n->xml_id[0])
		set(o, "xml_id", json_string(n->xml_id));
	if (n->tremolo)
		set(o, "tremolo", sh_int(c, n->tremolo));
	return o;
}

static const char *const dir_kinds[] = { "dynamic", "wedge", "words", "pedal" };

json_t *pp_score_json(const struct pp_score *s)
{
	json_t *o = json_object(), *a;
	struct shared *c;

	json_object_set_new(o, "source", json_string(s->source));
	json_object_set_new(o, "title", json_string(s->title));
	json_object_set_new(o, "composer", json_string(s->composer));
	json_object_set_new(o, "unfolded", json_boolean(s->unfolded));
	a = json_array();
	for (int i = 0; i < s->n_measures; i++) {
		const struct pp_score_measure *m = &s->measures[i];
		json_t *x = json_object();
		json_object_set_new(x, "index", json_integer(i));
		json_object_set_new(x, "number", json_string(m->number));
		pp_json_set_real(x, "onset", m->onset);
		pp_json_set_real(x, "length", m->length);
		json_object_set_new(x, "numerator", json_integer(m->numerator));
		json_object_set_new(x, "denominator", json_integer(m->denominator));
		json_object_set_new(x, "implicit", json_boolean(m->implicit));
		if (m->repeat_forward)
			json_object_set_new(x, "repeat_forward", json_true());
		if (m->repeat_backward)
			json_object_set_new(x, "repeat_backward", json_integer(m->repeat_times));
		if (m->ending[0])
			json_object_set_new(x, "ending", json_string(m->ending));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "measures", a);
	a = json_array();
	for (int i = 0; i < s->n_beats; i++)
		json_array_append_new(a, json_real(s->beats[i]));
	json_object_set_new(o, "beats", a);
	a = json_array();
	for (int i = 0; i < s->n_times; i++) {
		json_t *x = json_object();
		pp_json_set_real(x, "onset", s->times[i].onset);
		json_object_set_new(x, "numerator", json_integer(s->times[i].numerator));
		json_object_set_new(x, "denominator", json_integer(s->times[i].denominator));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "time_signatures", a);
	a = json_array();
	for (int i = 0; i < s->n_keys; i++) {
		json_t *x = json_object();
		pp_json_set_real(x, "onset", s->keys[i].onset);
		json_object_set_new(x, "fifths", json_integer(s->keys[i].fifths));
		json_object_set_new(x, "mode", json_string(s->keys[i].mode));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "key_signatures", a);
	a = json_array();
	for (int i = 0; i < s->n_tempos; i++) {
		json_t *x = json_object();
		pp_json_set_real(x, "onset", s->tempos[i].onset);
		json_object_set_new(x, "qpm", s->tempos[i].qpm > 0 ?
				    json_real(s->tempos[i].qpm) : json_null());
		json_object_set_new(x, "text", json_string(s->tempos[i].text));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "tempos", a);
	a = json_array();
	for (int i = 0; i < s->n_directions; i++) {
		const struct pp_score_direction *d = &s->directions[i];
		json_t *x = json_object();
		pp_json_set_real(x, "onset", d->onset);
		json_object_set_new(x, "staff", json_integer(d->staff));
		json_object_set_new(x, "kind", json_string(dir_kinds[d->kind]));
		json_object_set_new(x, "text", json_string(d->text));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "directions", a);
	a = json_array();
	c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(a);
		json_decref(o);
		return NULL;
	}
	for (int i = 0; i < s->n_notes; i++)
		json_array_append_new(a, note_json(c, &s->notes[i], i));
	shared_release(c);
	free(c);
	json_object_set_new(o, "notes", a);
	return o;
}
