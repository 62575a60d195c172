/*
 * check.c - the feedback checker (see check.h).
 */
#include "check.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum cls { C_OTHER, C_BAR, C_PERCENT, C_PERCENTILE, C_TEMPO };
static const char *cls_name[] = { "count or value", "bar", "percent",
				  "percentile", "tempo" };

struct numset {
	double *v;
	int n, cap;
};

static void add(struct numset *s, double v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		double *p = realloc(s->v, (size_t)cap * sizeof(*p));
		if (!p)
			return;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = fabs(v);
}

/* The numbers written in a string such as "Op. 28 No. 4". */
static void add_digits(struct numset *s, const char *str)
{
	while (str && *str) {
		if (isdigit((unsigned char)*str)) {
			char *end;
			add(s, strtod(str, &end));
			str = end;
		} else {
			str++;
		}
	}
}

struct sets {
	struct numset pct, pctile, tempo, other;
};

static void collect_bars(const struct pp_facts *f, struct sets *s)
{
	int i;

	for (i = 0; i < f->nbars; i++) {
		const struct pp_fact_bar *b = &f->bars[i];
		add(&s->pct, b->pedal_down * 100);
		add(&s->pct, b->tempo_ratio * 100);
		add(&s->pct, (b->tempo_ratio - 1) * 100);
		add(&s->tempo, b->qpm);
		add(&s->other, b->expected);
		add(&s->other, b->wrong_pitch);
		add(&s->other, b->missing);
		add(&s->other, b->extra);
		add(&s->other, b->wrong_pitch + b->missing);
		add(&s->other, b->onset_dev_ms);
		add(&s->other, b->velocity_mean);
		add(&s->other, b->velocity_max);
		add(&s->other, b->tempo_ratio);
	}
}

static void collect(const struct pp_facts *f, struct sets *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; f->have_predictions && i < PP_FACTS_DIMS; i++) {
		add(&s->pctile, f->dims[i].percentile);
		add(&s->pct, f->dims[i].percentile);
	}
	if (f->have_alignment) {
		add(&s->pct, f->pitch_accuracy * 100);
		add(&s->pct, (1 - f->pitch_accuracy) * 100);
		if (f->rhythm_accuracy >= 0)
			add(&s->pct, f->rhythm_accuracy * 100);
		add(&s->tempo, f->qpm_mean);
		add(&s->tempo, f->qpm_min);
		add(&s->tempo, f->qpm_max);
		add(&s->other, f->notes_expected);
		add(&s->other, f->notes_played);
		add(&s->other, f->wrong_pitch);
		add(&s->other, f->missing);
		add(&s->other, f->extra);
		add(&s->other, f->wrong_pitch + f->missing);
		add(&s->other, f->notes_expected - f->wrong_pitch - f->missing);
		add(&s->other, f->nbars);
		collect_bars(f, s);
	}
	for (i = 0; i < f->nfindings; i++) {
		const struct pp_finding *g = &f->findings[i];
		if (g->practice_qpm)
			add(&s->tempo, g->practice_qpm);
		add(&s->other, g->count);
		if (g->kind == PP_FIND_DYNAMICS) {
			add(&s->other, g->soft_vel);
			add(&s->other, g->loud_vel);
			add(&s->other, g->extreme);
		}
	}
	add(&s->other, f->npassages);
	add_digits(&s->other, f->title);
	add_digits(&s->other, f->composer);
}

static void release(struct sets *s)
{
	free(s->pct.v);
	free(s->pctile.v);
	free(s->tempo.v);
	free(s->other.v);
}

/* X written with DECIMALS digits after the point matches V when V rounds
 * or truncates to it: |X - V| < one unit of the last digit. */
static int in(const struct numset *s, double x, int decimals)
{
	double unit = pow(10, -decimals);
	int i;

	for (i = 0; i < s->n; i++)
		if (fabs(x - s->v[i]) < unit - 1e-9)
			return 1;
	return 0;
}

static int matches(const struct sets *s, enum cls c, double x, int dec)
{
	switch (c) {
	case C_PERCENT:
		return in(&s->pct, x, dec);
	case C_PERCENTILE:
		return in(&s->pctile, x, dec);
	case C_TEMPO:
		return in(&s->tempo, x, dec);
	default:
		return in(&s->pct, x, dec) || in(&s->pctile, x, dec) ||
		       in(&s->tempo, x, dec) || in(&s->other, x, dec);
	}
}

/* Length of a citation "[1]" or "[1, 3]" at P, or 0. */
static size_t citation_len(const char *p)
{
	const char *q = p + 1;
	int digits = 0;

	if (*p != '[')
		return 0;
	for (; *q && *q != ']'; q++) {
		if (isdigit((unsigned char)*q))
			digits = 1;
		else if (*q != ',' && *q != ' ')
			return 0;
	}
	return *q == ']' && digits ? (size_t)(q - p + 1) : 0;
}

int pp_check_words(const char *text)
{
	int words = 0, alnum = 0;
	size_t c;

	for (const char *p = text;; p++) {
		if ((c = citation_len(p))) {
			p += c - 1;
			continue;
		}
		if (!*p || isspace((unsigned char)*p)) {
			words += alnum;
			alnum = 0;
			if (!*p)
				break;
		} else if (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80) {
			alnum = 1;
		}
	}
	return words;
}

int pp_check_citations(const char *text, int *out, int cap)
{
	int n = 0, k, v;
	size_t c;

	for (const char *p = text; *p; p++) {
		if (!(c = citation_len(p)))
			continue;
		for (const char *q = p + 1; q < p + c; q++) {
			if (!isdigit((unsigned char)*q))
				continue;
			v = (int)strtol(q, NULL, 10);
			while (isdigit((unsigned char)q[1]))
				q++;
			for (k = 0; k < n && k < cap && out[k] != v; k++)
				;
			if (k == n) {
				if (n < cap)
					out[n] = v;
				n++;
			}
		}
		p += c - 1;
	}
	return n;
}

/* The word (letters and dots, lower case) that ends just before P. */
static void word_before(const char *text, const char *p, char *w, size_t cap)
{
	const char *e, *s;
	size_t n, i;

	while (p > text && (p[-1] == ' ' || p[-1] == '('))
		p--;
	e = p;
	while (p > text && (isalpha((unsigned char)p[-1]) || p[-1] == '.'))
		p--;
	s = p;
	n = (size_t)(e - s) < cap - 1 ? (size_t)(e - s) : cap - 1;
	for (i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	w[n] = '\0';
}

static int is_bar_word(const char *w)
{
	static const char *words[] = { "bar", "bars", "measure", "measures",
				       "m.", "mm.", "b.", "bb.", NULL };
	for (int i = 0; words[i]; i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}

/* Between two numbers of a list or range: only separators and joining
 * words ("12, 13 and 15", "12-14", "12 to 14", "12–14"). */
static int joins(const char *a, const char *b)
{
	static const char *ok[] = { "and", "to", "through", "or", NULL };
	char w[16];
	size_t n;

	if (b - a > 12)
		return 0;
	while (a < b) {
		if (*a == ' ' || *a == ',' || *a == '-' || *a == '&') {
			a++;
		} else if (!strncmp(a, "\xe2\x80\x93", 3)) {
			a += 3;
		} else if (isalpha((unsigned char)*a)) {
			int i, hit = 0;
			for (n = 0; a + n < b && isalpha((unsigned char)a[n]) && n < 15; n++)
				w[n] = (char)tolower((unsigned char)a[n]);
			w[n] = '\0';
			for (i = 0; ok[i]; i++)
				hit |= !strcmp(w, ok[i]);
			if (!hit)
				return 0;
			a += n;
		} else {
			return 0;
		}
	}
	return 1;
}

static enum cls classify_after(const char *e)
{
	const char *p = e;

	if (*p == '%' || !strncmp(p, " %", 2) || !strncmp(p, " percent", 8))
		return C_PERCENT;
	if (!strncmp(p, "st", 2) || !strncmp(p, "nd", 2) || !strncmp(p, "rd", 2) ||
	    !strncmp(p, "th", 2)) {
		p += 2;
		if (!strncmp(p, " percentile", 11))
			return C_PERCENTILE;
	}
	if (*p == ' ')
		p++;
	if (!strncasecmp(p, "bpm", 3) || !strncasecmp(p, "qpm", 3) ||
	    !strncmp(p, "beats per minute", 16) || !strncmp(p, "quarter notes per minute", 24))
		return C_TEMPO;
	return C_OTHER;
}

struct scan {
	const char *text;
	const struct sets *sets;
	const struct pp_facts *f;
	struct pp_tb *report;
	int problems;
	const char *prev_end; /* end of the previous bar number, or NULL */
};

static void check_number(struct scan *sc, const char *p, const char *e)
{
	char w[16], tok[32];
	enum cls c = C_OTHER;
	const char *dot = memchr(p, '.', (size_t)(e - p));
	int dec = dot ? (int)(e - dot - 1) : 0;
	size_t n = (size_t)(e - p) < sizeof(tok) - 1 ? (size_t)(e - p) : sizeof(tok) - 1;
	const char *b = p;

	memcpy(tok, p, n);
	tok[n] = '\0';
	word_before(sc->text, p, w, sizeof(w));
	while (b > sc->text && b[-1] == ' ')
		b--;
	if (is_bar_word(w) || (sc->prev_end && joins(sc->prev_end, p)))
		c = C_BAR;
	else if (b > sc->text && b[-1] == '=')
		c = C_TEMPO;
	else
		c = classify_after(e);
	sc->prev_end = c == C_BAR ? e : NULL;
	if (c == C_BAR) {
		if (pp_facts_bar(sc->f, tok) < 0) {
			sc->problems++;
			if (sc->report)
				pp_tb_printf(sc->report, "bar %s is not in the %s\n", tok,
					     sc->f->have_alignment ? "score" : "facts (no alignment)");
		}
		return;
	}
	if (!matches(sc->sets, c, strtod(tok, NULL), dec)) {
		sc->problems++;
		if (sc->report)
			pp_tb_printf(sc->report, "number %s (%s) is not in the facts\n",
				     tok, cls_name[c]);
	}
}

static void check_citations(const struct pp_facts *f, const char *text,
			    struct scan *sc)
{
	int cited[64], n = pp_check_citations(text, cited, 64), i, k, found;

	for (i = 0; i < n && i < 64; i++) {
		for (k = 0, found = 0; k < f->npassages; k++)
			found |= f->passages[k].n == cited[i];
		if (!found) {
			sc->problems++;
			if (sc->report)
				pp_tb_printf(sc->report, "citation [%d] names no passage (%d given)\n",
					     cited[i], f->npassages);
		}
	}
}

int pp_check_text(const char *text, const struct pp_facts *f,
		  int min_words, int max_words, struct pp_tb *report)
{
	struct sets sets;
	struct scan sc = { text, &sets, f, report, 0, NULL };
	int words = pp_check_words(text);
	size_t c;

	collect(f, &sets);
	for (const char *p = text; *p;) {
		if ((c = citation_len(p))) {
			p += c;
		} else if (isdigit((unsigned char)*p) &&
			   (p == text || !isalpha((unsigned char)p[-1]))) {
			const char *e = p;
			while (isdigit((unsigned char)*e))
				e++;
			if (*e == '.' && isdigit((unsigned char)e[1]))
				for (e++; isdigit((unsigned char)*e); e++)
					;
			check_number(&sc, p, e);
			p = e;
		} else {
			p++;
		}
	}
	check_citations(f, text, &sc);
	if (words < min_words || words > max_words) {
		sc.problems++;
		if (report)
			pp_tb_printf(report, "%d words, %s than %d\n", words,
				     words < min_words ? "fewer" : "more",
				     words < min_words ? min_words : max_words);
	}
	release(&sets);
	return sc.problems;
}
