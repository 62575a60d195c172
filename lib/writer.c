/*
 * writer.c - the built-in feedback writer (see writer.h).
 *
 * The text is a list of parts (sentences), each marked required or
 * optional with a rank. Required parts go in; optional ones are added by
 * rank while the text stays within 200 words; if it is still under 150,
 * general advice (no numbers) fills it. Then the parts are printed in
 * their fixed order, so the length rule never shuffles the argument.
 */
#include "writer.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "textbuf.h"

#define MAX_PARTS 40
#define MIN_WORDS PP_CHECK_MIN_WORDS
#define MAX_WORDS PP_CHECK_MAX_WORDS

enum { P_OPEN, P_STRENGTH, P_CHARACTER, P_PRIORITIES, P_CLOSE }; /* paragraphs */

struct part {
	char *text;
	int para;   /* paragraph */
	int rank;   /* 0: required; 1, 2, ...: optional, lower first */
	int words;
	int in;     /* chosen */
};

struct wr {
	const struct pp_facts *f;
	uint64_t h;               /* hash of the material */
	struct part parts[MAX_PARTS];
	int nparts;
	int used[64];             /* passages already cited */
	int failed;
};

/* ---- small helpers ---- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The phrasing for SLOT among N. */
static int pick(const struct wr *w, int slot, int n)
{
	return (int)(mix(w->h + (uint64_t)slot * 0x100000001b3ull) % (uint64_t)n);
}

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		*h = (*h ^ *c++) * 0x100000001b3ull;
}

static uint64_t material_hash(const struct pp_facts *f)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int i, v;

	if (f->title)
		fnv(&h, f->title, strlen(f->title));
	if (f->composer)
		fnv(&h, f->composer, strlen(f->composer));
	for (i = 0; f->have_predictions && i < PP_FACTS_DIMS; i++) {
		v = (int)lround(f->dims[i].percentile);
		fnv(&h, &v, sizeof(v));
	}
	for (i = 0; i < f->nfindings; i++) {
		v = (int)f->findings[i].kind * 1000 + (int)lround(f->findings[i].severity * 100);
		fnv(&h, &v, sizeof(v));
		fnv(&h, f->findings[i].bars, sizeof(int) * (size_t)f->findings[i].nbars);
	}
	v = f->notes_expected * 31 + f->nbars;
	fnv(&h, &v, sizeof(v));
	return h;
}

/* "saturated/wet" -> "saturated and wet" */
static void pole(const char *p, char *out, size_t cap)
{
	const char *s = strchr(p, '/');

	if (s)
		snprintf(out, cap, "%.*s and %s", (int)(s - p), p, s + 1);
	else
		snprintf(out, cap, "%s", p);
}

/* The pole a dimension leans to. */
static const char *lean(const struct pp_fact_dim *d)
{
	return d->percentile >= 50 ? d->high : d->low;
}

/* The aim pole of a merit dimension. */
static const char *aim(const struct pp_fact_dim *d)
{
	return d->merit > 0 ? d->high : d->low;
}

static void ordinal(double x, char *out, size_t cap)
{
	pp_facts_ordinal(x, out, cap);
}

static const char *num(const struct pp_facts *f, int bar)
{
	return f->bars[bar].number;
}

/* "bar 5", "bars 13-14", "bars 5 and 13-14" from bar indices in order. */
static void bars_phrase(const struct pp_facts *f, const int *bars, int n,
			char *out, size_t cap)
{
	struct pp_tb b = PP_TB_INIT;
	int i = 0, groups = 0, plural = n > 1;
	int start[PP_FACTS_MAX_BARS], end[PP_FACTS_MAX_BARS];

	while (i < n) {
		int j = i;
		while (j + 1 < n && bars[j + 1] == bars[j] + 1)
			j++;
		start[groups] = bars[i];
		end[groups++] = bars[j];
		i = j + 1;
	}
	pp_tb_puts(&b, plural ? "bars " : "bar ");
	for (i = 0; i < groups; i++) {
		if (i)
			pp_tb_puts(&b, i == groups - 1 ? " and " : ", ");
		if (start[i] == end[i])
			pp_tb_puts(&b, num(f, start[i]));
		else
			pp_tb_printf(&b, "%s-%s", num(f, start[i]), num(f, end[i]));
	}
	snprintf(out, cap, "%s", pp_tb_str(&b));
	pp_tb_release(&b);
}

/* The bars to practise: the finding's bars with one bar either side when
 * they lie close together, else the bars themselves. */
static void practice_phrase(const struct pp_facts *f, const struct pp_finding *g,
			    char *out, size_t cap)
{
	int lo, hi;

	if (!g->nbars) {
		snprintf(out, cap, "the opening phrase");
		return;
	}
	lo = g->bars[0];
	hi = g->bars[g->nbars - 1];
	if (hi - lo > 6) {
		bars_phrase(f, g->bars, g->nbars, out, cap);
		return;
	}
	lo = lo > 0 ? lo - 1 : lo;
	hi = hi + 1 < f->nbars ? hi + 1 : hi;
	snprintf(out, cap, "bars %s-%s", num(f, lo), num(f, hi));
}

/* Appends a part; takes the text from B. */
static void add(struct wr *w, struct pp_tb *b, int para, int rank)
{
	struct part *p;

	if (w->nparts == MAX_PARTS || b->failed || !b->len) {
		w->failed |= b->failed;
		pp_tb_release(b);
		return;
	}
	p = &w->parts[w->nparts++];
	p->text = pp_tb_take(b);
	p->para = para;
	p->rank = rank;
	p->words = p->text ? pp_check_words(p->text) : 0;
	w->failed |= !p->text;
}

/* ---- passages ---- */

static int has_word(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* The best unused passage for DIMS and KEYWORDS (NULL-terminated), or -1
 * when there are none left. Ties go to the retrieval order. */
static int cite(struct wr *w, const char *const *dims, const char *const *keys,
		int min)
{
	const struct pp_facts *f = w->f;
	int i, k, best = -1, best_s = -1;

	for (i = 0; i < f->npassages && i < 64; i++) {
		const struct pp_fact_passage *p = &f->passages[i];
		int s = 0;
		if (w->used[i])
			continue;
		for (k = 0; k < p->ndims; k++)
			for (const char *const *d = dims; *d; d++)
				s += strcmp(p->dims[k], *d) == 0 ? 3 : 0;
		for (const char *const *q = keys; *q; q++)
			s += has_word(p->title, *q) || has_word(p->text, *q);
		if (s > best_s)
			best_s = s, best = i;
	}
	if (best_s < min)
		return -1;
	if (best >= 0)
		w->used[best] = 1;
	return best;
}

/* " [n]" for passage index I, or "" */
static void cite_text(const struct wr *w, int i, char *out, size_t cap)
{
	if (i < 0)
		out[0] = '\0';
	else
		snprintf(out, cap, " [%d]", w->f->passages[i].n);
}

/* ---- opening and strength ---- */

/* "Mozart's Piano Sonata ..." or "the piece" */
static void piece(const struct pp_facts *f, char *out, size_t cap)
{
	const char *c = f->composer, *last;

	if (!f->title) {
		snprintf(out, cap, "this piece");
		return;
	}
	if (!c) {
		snprintf(out, cap, "%s", f->title);
		return;
	}
	last = strrchr(c, ' ');
	last = last ? last + 1 : c;
	snprintf(out, cap, "%s's %s", last, f->title);
}

static void opening(struct wr *w)
{
	static const char *v[] = {
		"Thank you for this recording of %s.",
		"I listened to your performance of %s with the score open.",
		"Here are my notes on your playing of %s.",
	};
	struct pp_tb b = PP_TB_INIT;
	char p[512];

	piece(w->f, p, sizeof(p));
	pp_tb_printf(&b, v[pick(w, 0, 3)], p);
	add(w, &b, P_OPEN, 0);
}

static const char *aspect(const char *name)
{
	static const char *t[][2] = {
		{ "timing", "your sense of pulse" },
		{ "pedal_clarity", "your pedalling" },
		{ "timbre_depth", "your tone" },
		{ "dynamic_sophistication", "your shaping of dynamics" },
		{ "balance", "the balance between the hands" },
		{ "interpretation", "the interpretation as a whole" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i][0], name))
			return t[i][1];
	return name;
}

static const char *praise(const char *name)
{
	static const char *t[][2] = {
		{ "timing", "A steady pulse is what lets everything else in the music breathe." },
		{ "pedal_clarity", "The harmonies stay clear without the sound turning dry." },
		{ "timbre_depth", "The sound has body even in the quiet passages." },
		{ "dynamic_sophistication", "Your dynamics are graded rather than switched on and off." },
		{ "balance", "The melody sings above the accompaniment without being forced." },
		{ "interpretation", "The music sounds as if it means something to you, and a listener follows it." },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i][0], name))
			return t[i][1];
	return "";
}

static void strength_dim(struct wr *w, const struct pp_fact_dim *d)
{
	static const char *v[] = {
		"The real strength here is %s: the model places it firmly on the %s side, at the %s percentile of the reference performances.",
		"What works best is %s, which comes across as %s (%s percentile against the reference recordings).",
		"Start from what is already good: %s sounds %s, at the %s percentile of the reference set.",
	};
	struct pp_tb b = PP_TB_INIT;
	char p[64], o[16];

	pole(aim(d), p, sizeof(p));
	ordinal(d->merit > 0 ? d->percentile : d->percentile, o, sizeof(o));
	pp_tb_printf(&b, v[pick(w, 1, 3)], aspect(d->name), p, o);
	add(w, &b, P_STRENGTH, 0);
	pp_tb_puts(&b, praise(d->name));
	add(w, &b, P_STRENGTH, 4);
}

static void accuracy(struct wr *w, int required)
{
	static const char *v[] = {
		"You played %d of the %d notes in the score correctly, %.0f%%.",
		"Note accuracy is high: %d of %d notes right, %.0f%% of the score.",
		"The notes are secure, with %d of %d in place (%.0f%%).",
	};
	const struct pp_facts *f = w->f;
	struct pp_tb b = PP_TB_INIT;

	pp_tb_printf(&b, v[pick(w, 2, 3)], f->notes_expected - f->wrong_pitch - f->missing,
		     f->notes_expected, f->pitch_accuracy * 100);
	add(w, &b, P_STRENGTH, required ? 0 : 5);
}

static int has_finding(const struct pp_facts *f, enum pp_finding_kind k)
{
	for (int i = 0; i < f->nfindings; i++)
		if (f->findings[i].kind == k)
			return 1;
	return 0;
}

static void strength(struct wr *w)
{
	const struct pp_facts *f = w->f;
	struct pp_tb b = PP_TB_INIT;
	int acc = f->have_alignment && f->notes_expected > 0 && f->pitch_accuracy >= 0.97 &&
		  !has_finding(f, PP_FIND_NOTES);

	if (f->have_predictions && f->strongest >= 0 &&
	    pp_fact_dim_score(&f->dims[f->strongest]) >= 60) {
		strength_dim(w, &f->dims[f->strongest]);
		if (acc)
			accuracy(w, 0);
	} else if (acc) {
		accuracy(w, 1);
	} else if (f->have_alignment && f->qpm_mean > 0 &&
		   !has_finding(f, PP_FIND_RUSH) && !has_finding(f, PP_FIND_DRAG)) {
		pp_tb_printf(&b, "Your tempo holds together well: no bar strays far from your average of %.0f qpm.",
			     f->qpm_mean);
		add(w, &b, P_STRENGTH, 0);
	} else {
		pp_tb_puts(&b, "You carry the piece through from beginning to end, and that continuity is the base for everything below.");
		add(w, &b, P_STRENGTH, 0);
	}
}

/* ---- character: two-sided scales ---- */

/* A character scale that a finding already speaks about (the pedal amount
 * next to blurred pedalling) is left to the finding. */
static int spoken_for(const struct pp_facts *f, const struct pp_fact_dim *d)
{
	for (int i = 0; i < f->nfindings; i++) {
		enum pp_finding_kind k = f->findings[i].kind;
		if ((f->findings[i].dim >= 0 && !strcmp(f->dims[f->findings[i].dim].name, d->name)) ||
		    (!strcmp(d->name, "pedal_amount") &&
		     (k == PP_FIND_PEDAL_BLUR || k == PP_FIND_PEDAL_MISSING)) ||
		    (!strcmp(d->name, "pace") && (k == PP_FIND_RUSH || k == PP_FIND_DRAG)) ||
		    (!strcmp(d->name, "dynamic_range") && k == PP_FIND_DYNAMICS))
			return 1;
	}
	return 0;
}

/* The two character scales farthest from the median (score >= 60). */
static void standouts(const struct pp_facts *f, const struct pp_fact_dim **a,
		      const struct pp_fact_dim **b)
{
	double sa = 59.999, sb = 59.999, s;

	*a = *b = NULL;
	for (int i = 0; i < PP_FACTS_DIMS; i++) {
		const struct pp_fact_dim *d = &f->dims[i];
		if (d->merit || spoken_for(f, d) || (s = pp_fact_dim_score(d)) < 60)
			continue;
		if (s > sa) {
			*b = *a, sb = sa;
			*a = d, sa = s;
		} else if (s > sb) {
			*b = d, sb = s;
		}
	}
}

static void character(struct wr *w)
{
	static const char *v2[] = {
		"The reading is distinctly %s (%s percentile) and %s (%s percentile); neither is a fault in itself, the question is whether it fits the music%s.",
		"Your performance comes across as %s (%s percentile) and %s (%s percentile). Those are choices rather than errors: keep them if they serve this piece%s.",
		"In character the playing leans %s (%s percentile) and %s (%s percentile); that is not wrong, so decide deliberately whether the piece asks for it%s.",
	};
	static const char *v1[] = {
		"The reading is distinctly %s (%s percentile); that is not a fault in itself, the question is whether it fits the music%s.",
		"Your performance comes across as %s (%s percentile), a choice rather than an error: keep it if it serves this piece%s.",
		"In character the playing leans %s (%s percentile); decide deliberately whether the piece asks for that%s.",
	};
	static const char *keys[] = { "character", "choice", NULL };
	const struct pp_facts *f = w->f;
	const struct pp_fact_dim *a, *b2;
	const char *dims[3] = { NULL, NULL, NULL };
	struct pp_tb b = PP_TB_INIT;
	char p1[64], p2[64], o1[16], o2[16], c[16];
	int k = pick(w, 3, 3);

	if (!f->have_predictions)
		return;
	standouts(f, &a, &b2);
	if (!a)
		return;
	dims[0] = a->name;
	dims[1] = b2 ? b2->name : NULL;
	pole(lean(a), p1, sizeof(p1));
	ordinal(a->percentile, o1, sizeof(o1));
	cite_text(w, cite(w, dims, keys, 1), c, sizeof(c));
	if (b2) {
		pole(lean(b2), p2, sizeof(p2));
		ordinal(b2->percentile, o2, sizeof(o2));
		pp_tb_printf(&b, v2[k], p1, o1, p2, o2, c);
	} else {
		pp_tb_printf(&b, v1[k], p1, o1, c);
	}
	add(w, &b, P_CHARACTER, 2);
}

/* ---- priorities ---- */

/* "at ♩ = 80" or "slowly" when there is no measured tempo. */
static void mark(const struct pp_finding *g, const char *fmt, char *out, size_t cap)
{
	if (g->practice_qpm)
		snprintf(out, cap, fmt, g->practice_qpm);
	else
		snprintf(out, cap, "at a slow tempo");
}

static void desc_notes(struct wr *w, const struct pp_finding *g, const char *bars,
		       struct pp_tb *d, struct pp_tb *a, const char *c)
{
	static const char *dv[] = {
		"the notes in %s, where %d wrong or missing notes cluster.",
		"the slips that gather in %s: %d wrong or missing notes.",
		"the reading of %s, where %d notes were wrong or missing.",
	};
	static const char *av[] = {
		"Write in a fingering, then play %s hands separately %s, right hand first, starting one note before each slip; five clean repetitions in a row before the hands go together%s.",
		"Isolate %s: left hand alone, then right, %s, until you have three correct runs in a row; only then play hands together at the same mark%s.",
		"Play %s hands separately %s, four times each without a slip, then twice hands together before raising the tempo%s.",
	};
	char p[64], m[48];

	practice_phrase(w->f, g, p, sizeof(p));
	mark(g, "with the metronome at %d", m, sizeof(m));
	pp_tb_printf(d, dv[pick(w, 10, 3)], bars, g->count);
	pp_tb_printf(a, av[pick(w, 11, 3)], p, m, c);
}

static void desc_tempo(struct wr *w, const struct pp_finding *g, const char *bars,
		       struct pp_tb *d, struct pp_tb *a, const char *c)
{
	static const char *rush[] = {
		"the tempo runs ahead in %s, reaching %.0f qpm against your average of %.0f.",
		"%s rush: the local tempo climbs to %.0f qpm where the piece averages %.0f.",
		"in %s you push forward, up to %.0f qpm against an average of %.0f.",
	};
	static const char *drag[] = {
		"the tempo sags in %s, down to %.0f qpm against your average of %.0f.",
		"%s drag: the pulse slows to %.0f qpm where the piece averages %.0f.",
		"you lose momentum in %s, where the tempo drops to %.0f qpm from an average of %.0f.",
	};
	static const char *av[] = {
		"Practise %s with the metronome at %d, a little under your average, counting the subdivisions aloud, hands together, four times without %s the click%s.",
		"Put the metronome on %d and play %s with the click on the off-beats, left hand alone first, then hands together, three clean times %s before moving the mark up one notch%s.",
		"Take %s at ♩ = %d: five times hands together, listening for the click on every beat and never %s it, then once at your own tempo%s.",
	};
	const char *verb = g->kind == PP_FIND_RUSH ? "getting ahead of" : "falling behind";
	char p[64];
	int k = pick(w, 13, 3);

	practice_phrase(w->f, g, p, sizeof(p));
	pp_tb_printf(d, (g->kind == PP_FIND_RUSH ? rush : drag)[pick(w, 12, 3)],
		     bars, g->qpm, w->f->qpm_mean);
	if (k == 1)
		pp_tb_printf(a, av[1], g->practice_qpm, p,
			     g->kind == PP_FIND_RUSH ? "without pushing" : "without sagging", c);
	else
		pp_tb_printf(a, av[k], p, g->practice_qpm, verb, c);
}

static void desc_dynamics(struct wr *w, const struct pp_finding *g,
			  struct pp_tb *d, struct pp_tb *a, const char *c)
{
	const struct pp_facts *f = w->f;
	const char *sb = num(f, g->soft_bar), *lb = num(f, g->loud_bar);
	const char *s = g->soft_mark, *l = g->loud_mark;

	switch (pick(w, 14, 3)) {
	case 0:
		pp_tb_printf(d, "dynamics flatter than the score asks: the %s from bar %s averages velocity %.0f, hardly above the %s from bar %s at %.0f.",
			     l, lb, g->loud_vel, s, sb, g->soft_vel);
		break;
	case 1:
		pp_tb_printf(d, "your %s and %s sound too alike: mean velocity %.0f under the %s (from bar %s) and only %.0f under the %s (from bar %s).",
			     s, l, g->soft_vel, s, sb, g->loud_vel, l, lb);
		break;
	default:
		pp_tb_printf(d, "the contrast between %s and %s: the key velocity averages %.0f in the %s bars and %.0f in the %s bars.",
			     s, l, g->soft_vel, s, g->loud_vel, l);
	}
	switch (pick(w, 15, 3)) {
	case 0:
		pp_tb_printf(a, "Play bar %s and bar %s back to back, six times, exaggerating both: the %s lighter than feels natural, the %s from the weight of the arm, hands together%s.",
			     sb, lb, s, l, c);
		break;
	case 1:
		pp_tb_printf(a, "Alternate bar %s (%s) and bar %s (%s) four times, right hand alone first, then hands together, until a listener could name each marking%s.",
			     sb, s, lb, l, c);
		break;
	default:
		pp_tb_printf(a, "Record bar %s and bar %s one after the other, three times, both hands, and listen back: the %s must be unmistakably louder than the %s%s.",
			     sb, lb, l, s, c);
	}
}

static void desc_pedal(struct wr *w, const struct pp_finding *g, const char *bars,
		       struct pp_tb *d, struct pp_tb *a, const char *c)
{
	static const char *blur[] = {
		"the pedal stays down through %s, up to %.0f%% of the bar, where the score marks none, and the harmonies blur.",
		"in %s the sustain pedal is held for up to %.0f%% of the bar although the score asks for none.",
		"the pedal clouds %s: it is down for as much as %.0f%% of the bar there, without a marking.",
	};
	static const char *dry[] = {
		"the pedal marked in %s is hardly used, at most %.0f%% of the bar.",
		"in %s the score asks for pedal, but it is down for no more than %.0f%% of the bar.",
		"the missing pedal in %s: at most %.0f%% of the bar, where the score marks it.",
	};
	static const char *av[] = {
		"Play the left hand alone in %s %s, changing the pedal exactly as the harmony changes, three times, then add the right hand and listen for clean changes%s.",
		"Practise %s without pedal %s until the legato is in the fingers, then add the pedal only where it is marked, four times hands together%s.",
		"Take %s %s, left hand and pedal only, five times, catching every new harmony with the foot; then hands together%s.",
	};
	char p[64], m[48];

	practice_phrase(w->f, g, p, sizeof(p));
	mark(g, "at ♩ = %d", m, sizeof(m));
	pp_tb_printf(d, (g->kind == PP_FIND_PEDAL_BLUR ? blur : dry)[pick(w, 16, 3)],
		     bars, g->extreme * 100);
	pp_tb_printf(a, av[pick(w, 17, 3)], p, m, c);
}

static void desc_dim(struct wr *w, const struct pp_finding *g,
		     struct pp_tb *d, struct pp_tb *a, const char *c)
{
	static const char *t[][3] = {
		{ "timing", "the pulse: the model hears the timing as %s, at the %s percentile.",
		  "Choose the hardest eight bars, play them hands together %s, three times without a wobble, then raise the metronome one notch%s." },
		{ "pedal_clarity", "clarity of pedalling: the model hears it as %s (%s percentile).",
		  "Play the left hand alone with pedal through the first page %s, changing on every new harmony, three times; then add the right hand%s." },
		{ "timbre_depth", "tone: the sound comes across as %s (%s percentile).",
		  "Play the melody of the opening phrase alone with the right hand %s, four times, letting the arm's weight sink into each key, then add the accompaniment more softly%s." },
		{ "dynamic_sophistication", "dynamic shaping: the model hears it as %s (%s percentile).",
		  "Pick the first phrase, mark its peak, and play it five times %s with both hands, growing towards the peak and relaxing after it%s." },
		{ "balance", "the balance: the hands come across as %s (%s percentile).",
		  "Play the melody alone forte and the accompaniment alone pianissimo, then together %s keeping that difference, four times through the opening phrase%s." },
		{ "interpretation", "the overall shape: the model finds the interpretation %s (%s percentile).",
		  "Sing the first phrase, mark where it travels to, and play it three times %s with both hands, leaning towards that point%s." },
	};
	const struct pp_fact_dim *dim = &w->f->dims[g->dim];
	char p[64], o[16], m[48];
	size_t i;

	pole(lean(dim), p, sizeof(p));
	ordinal(dim->percentile, o, sizeof(o));
	mark(g, "with the metronome at %d", m, sizeof(m));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i][0], dim->name))
			break;
	if (i == sizeof(t) / sizeof(t[0]))
		i = 5;
	if (pp_fact_dim_score(dim) > 40)
		pp_tb_printf(d, "%s, already %s (%s percentile) but the one with the most room left.",
			     aspect(dim->name), p, o);
	else
		pp_tb_printf(d, t[i][1], p, o);
	pp_tb_printf(a, t[i][2], m, c);
}

/* The model's view of the dimension a finding relates to, when weak,
 * appended to B as a sentence. */
static void echo(struct wr *w, const struct pp_finding *g, struct pp_tb *b)
{
	static const char *v[] = {
		"The model hears the same: %s, at the %s percentile.",
		"This matches the perceptual assessment, %s (%s percentile).",
		"The perceptual model agrees and hears it as %s (%s percentile).",
	};
	const struct pp_fact_dim *d;
	char p[64], o[16];

	if (g->dim < 0 || g->kind == PP_FIND_DIM || !w->f->have_predictions)
		return;
	d = &w->f->dims[g->dim];
	/* A dimension the folds disagree on or the model predicts poorly
	 * corroborates nothing. */
	if (!pp_fact_dim_trusted(d))
		return;
	/* Only when it leans to the pole the finding describes. */
	if (d->merit ? pp_fact_dim_score(d) > 40
		     : !(g->kind == PP_FIND_DYNAMICS && d->percentile <= 35))
		return;
	pole(lean(d), p, sizeof(p));
	ordinal(d->percentile, o, sizeof(o));
	pp_tb_printf(b, v[pick(w, 18, 3)], p, o);
}

static void keys_for(const struct pp_facts *f, const struct pp_finding *g,
		     const char **dims, const char **keys)
{
	static const char *k_notes[] = { "wrong note", "fingering", "isolate", NULL };
	static const char *k_tempo[] = { "metronome", "rush", "tempo", "pulse", NULL };
	static const char *k_dyn[] = { "dynamic", "loud", "soft", NULL };
	static const char *k_ped[] = { "pedal", NULL };
	static const char *k_none[] = { NULL };
	const char **k = (const char **)k_none;

	dims[0] = dims[1] = dims[2] = NULL;
	switch (g->kind) {
	case PP_FIND_NOTES: dims[0] = "interpretation"; k = (const char **)k_notes; break;
	case PP_FIND_RUSH: case PP_FIND_DRAG:
		dims[0] = "timing"; dims[1] = "pace"; k = (const char **)k_tempo; break;
	case PP_FIND_DYNAMICS:
		dims[0] = "dynamic_range"; dims[1] = "dynamic_sophistication";
		k = (const char **)k_dyn; break;
	case PP_FIND_PEDAL_BLUR: case PP_FIND_PEDAL_MISSING:
		dims[0] = "pedal_clarity"; dims[1] = "pedal_amount"; k = (const char **)k_ped; break;
	case PP_FIND_DIM: dims[0] = f->dims[g->dim].name; break;
	}
	for (int i = 0; i < 5; i++)
		if (!(keys[i] = k[i]))
			break;
}

static void priority(struct wr *w, const struct pp_finding *g, int second)
{
	static const char *lead1[] = { "First priority: ", "To work on first: ", "The main thing to work on: " };
	static const char *lead2[] = { "Second priority: ", "After that, ", "Next, " };
	const struct pp_facts *f = w->f;
	struct pp_tb d = PP_TB_INIT, a = PP_TB_INIT, a2 = PP_TB_INIT;
	const char *dims[3], *keys[5];
	char bars[160], c[16];

	keys_for(f, g, dims, keys);
	cite_text(w, cite(w, dims, keys, 0), c, sizeof(c));
	bars_phrase(f, g->bars, g->nbars, bars, sizeof(bars));
	pp_tb_puts(&d, second ? lead2[pick(w, 20, 3)] : lead1[pick(w, 19, 3)]);
	switch (g->kind) {
	case PP_FIND_NOTES: desc_notes(w, g, bars, &d, &a, c); break;
	case PP_FIND_RUSH: case PP_FIND_DRAG: desc_tempo(w, g, bars, &d, &a, c); break;
	case PP_FIND_DYNAMICS: desc_dynamics(w, g, &d, &a, c); break;
	case PP_FIND_PEDAL_BLUR: case PP_FIND_PEDAL_MISSING: desc_pedal(w, g, bars, &d, &a, c); break;
	case PP_FIND_DIM: desc_dim(w, g, &d, &a, c); break;
	}
	if (second) {
		struct pp_tb e = PP_TB_INIT;
		echo(w, g, &e);
		if (e.len)
			pp_tb_printf(&d, " %s", pp_tb_str(&e));
		pp_tb_printf(&d, " %s", pp_tb_str(&a));
		pp_tb_release(&a);
		pp_tb_release(&e);
		add(w, &d, P_PRIORITIES, 1);
		return;
	}
	add(w, &d, P_PRIORITIES, 0);
	echo(w, g, &a2);
	add(w, &a2, P_PRIORITIES, 3);
	add(w, &a, P_PRIORITIES, 0);
}

/* ---- what is missing, closing, filling ---- */

static void missing(struct wr *w)
{
	const struct pp_facts *f = w->f;
	struct pp_tb b = PP_TB_INIT;

	if (!f->have_alignment) {
		pp_tb_puts(&b, "Without an alignment to the score I cannot point to bars, notes or tempi, so the assignments below name phrases instead.");
		add(w, &b, P_PRIORITIES, 0);
	}
	if (!f->have_predictions) {
		pp_tb_puts(&b, "Without the perceptual assessment I can only speak about what the alignment with the score shows: notes, tempo, dynamics and pedal.");
		add(w, &b, P_STRENGTH, 0);
	}
}

static void closing(struct wr *w)
{
	static const char *v[] = {
		"Keep the sessions short and focused, and record yourself again in a week to hear the difference.",
		"Work on these in short daily sessions; the rest of the piece is in good hands.",
		"Take one assignment a day, and keep enjoying the piece.",
	};
	struct pp_tb b = PP_TB_INIT;

	pp_tb_puts(&b, v[pick(w, 30, 3)]);
	add(w, &b, P_CLOSE, 6);
}

static const char *fillers[] = {
	"Before each session, listen to the passage in your head once, then play it, and compare what you imagined with what you heard.",
	"Slow practice only helps if every repetition sounds exactly as you want it, so stop after a mistake and restart a little earlier.",
	"Listen to your recording with the score in hand and mark in pencil what you hear; a marked score is the best practice plan.",
	"Keep the wrist and shoulder loose throughout, since tension spoils both tone and timing long before the fingers notice it.",
	"End each session by playing the whole piece once without stopping, so that the details stay connected to the music.",
	"Vary the order of the assignments from day to day, so that no passage is always practised when you are tired.",
	"Practise the hands separately only as long as it helps, and return to both hands as soon as a passage feels secure.",
	"Mark the phrases in the score and breathe with them, as a singer would, so that the music moves in sentences rather than notes.",
	"Short, attentive practice beats long, absent-minded repetition; twenty focused minutes often achieve more than an hour of playing through.",
};

static int total_words(const struct wr *w)
{
	int n = 0;

	for (int i = 0; i < w->nparts; i++)
		n += w->parts[i].in ? w->parts[i].words : 0;
	return n;
}

/* Chooses the parts: required ones, then optional ones by rank while the
 * text stays within MAX_WORDS, then fillers up to MIN_WORDS. */
static void choose(struct wr *w)
{
	int i, r, k, nf = (int)(sizeof(fillers) / sizeof(fillers[0]));
	int start = pick(w, 40, nf);

	for (i = 0; i < w->nparts; i++)
		w->parts[i].in = w->parts[i].rank == 0;
	for (r = 1; r <= 6; r++)
		for (i = 0; i < w->nparts; i++)
			if (w->parts[i].rank == r &&
			    total_words(w) + w->parts[i].words <= MAX_WORDS)
				w->parts[i].in = 1;
	for (k = 0; k < nf && total_words(w) < MIN_WORDS; k++) {
		struct pp_tb b = PP_TB_INIT;
		pp_tb_puts(&b, fillers[(start + k) % nf]);
		if (total_words(w) + pp_check_words(fillers[(start + k) % nf]) > MAX_WORDS) {
			pp_tb_release(&b);
			continue;
		}
		add(w, &b, P_CLOSE, 7);
		if (w->nparts && w->parts[w->nparts - 1].rank == 7)
			w->parts[w->nparts - 1].in = 1;
	}
}

/* Appends the chosen parts of paragraph PARA whose rank is (or, with
 * NOT set, is not) RANK. */
static void emit(const struct wr *w, struct pp_tb *b, int para, int rank, int not,
		 int *first)
{
	for (int i = 0; i < w->nparts; i++) {
		const struct part *p = &w->parts[i];
		if (!p->in || p->para != para || (p->rank == rank) == not)
			continue;
		pp_tb_puts(b, *first ? (b->len ? "\n\n" : "") : " ");
		pp_tb_puts(b, p->text);
		*first = 0;
	}
}

/* Paragraphs in order; in the last one the fillers (rank 7) come before
 * the closing line. */
static char *assemble(const struct wr *w)
{
	struct pp_tb b = PP_TB_INIT;
	int para, first;

	for (para = P_OPEN; para < P_CLOSE; para++) {
		first = 1;
		emit(w, &b, para, -1, 1, &first);
	}
	first = 1;
	emit(w, &b, P_CLOSE, 7, 0, &first);
	emit(w, &b, P_CLOSE, 7, 1, &first);
	return pp_tb_take(&b);
}

int pp_writer_write(const struct pp_facts *f, char **text, struct pp_err *err)
{
	struct wr *w = calloc(1, sizeof(*w));
	int i;

	*text = NULL;
	if (!w)
		return pp_fail(err, "out of memory");
	w->f = f;
	w->h = material_hash(f);
	opening(w);
	strength(w);
	missing(w);
	if (f->nfindings > 0)
		priority(w, &f->findings[0], 0);
	if (f->nfindings > 1 && f->findings[1].severity >= 0.2)
		priority(w, &f->findings[1], 1);
	character(w);
	closing(w);
	choose(w);
	if (!w->failed)
		*text = assemble(w);
	for (i = 0; i < w->nparts; i++)
		free(w->parts[i].text);
	free(w);
	if (!*text)
		return pp_fail(err, "out of memory");
	return 0;
}
