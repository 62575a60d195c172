/*
 * facts.c - checkable facts from a pp document (see facts.h).
 */
#include "facts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "envelope.h"
#include "textbuf.h"

/* Which pole a teacher usually aims for. The other 13 scales are matters
 * of character: "dark", "slow-paced" or "soft" are not faults, only a
 * question of fit to the music (data/dimensions.json). */
static const struct { const char *name; int merit; } merits[] = {
	{ "timing", -1 },                 /* stable */
	{ "pedal_clarity", -1 },          /* clean */
	{ "timbre_depth", +1 },           /* rich */
	{ "dynamic_sophistication", -1 }, /* sophisticated/mellow */
	{ "balance", +1 },                /* balanced */
	{ "interpretation", +1 },         /* convincing */
};

static int merit_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(merits) / sizeof(merits[0]); i++)
		if (strcmp(merits[i].name, name) == 0)
			return merits[i].merit;
	return 0;
}

double pp_fact_dim_score(const struct pp_fact_dim *d)
{
	if (d->merit > 0)
		return d->percentile;
	if (d->merit < 0)
		return 100 - d->percentile;
	return 2 * fabs(d->percentile - 50);
}

int pp_fact_dim_trusted(const struct pp_fact_dim *d)
{
	return !d->uncertain && !d->unreliable;
}

void pp_facts_ordinal(double x, char *out, size_t cap)
{
	long n = lround(x);
	const char *suf = "th";

	if (n % 100 < 11 || n % 100 > 13)
		suf = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
	snprintf(out, cap, "%ld%s", n, suf);
}

int pp_facts_metronome(double qpm)
{
	static const int marks[] = {
		40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 63, 66, 69, 72,
		76, 80, 84, 88, 92, 96, 100, 104, 108, 112, 116, 120, 126, 132,
		138, 144, 152, 160, 168, 176, 184, 192, 200, 208,
	};
	int i, n = (int)(sizeof(marks) / sizeof(marks[0]));

	for (i = n - 1; i > 0; i--)
		if (marks[i] <= qpm + 1e-9)
			return marks[i];
	return marks[0];
}

/* Percentile of V in a reference row (values at 0, 5, ..., 100 %). */
static double ref_percentile(const json_t *row, double v)
{
	json_t *p = json_object_get(row, "percentiles");
	size_t n = json_array_size(p), k;
	double a, b;

	if (n < 2)
		return -1;
	if (v <= json_number_value(json_array_get(p, 0)))
		return 0;
	for (k = 0; k + 1 < n; k++) {
		a = json_number_value(json_array_get(p, k));
		b = json_number_value(json_array_get(p, k + 1));
		if (v <= b)
			return (100.0 * k + 100.0 * (b > a ? (v - a) / (b - a) : 0)) /
			       (double)(n - 1);
	}
	return 100;
}

static const json_t *ref_row(const json_t *ref, const char *name)
{
	json_t *dims = json_object_get(ref, "dimensions"), *row;
	size_t i;

	json_array_foreach(dims, i, row)
		if (json_is_string(json_object_get(row, "name")) &&
		    strcmp(json_string_value(json_object_get(row, "name")), name) == 0)
			return row;
	return NULL;
}

static int read_dim(const json_t *o, size_t i, const json_t *ref,
		    struct pp_fact_dim *d, struct pp_err *err)
{
	char where[64];
	double pc;
	const json_t *row;

	snprintf(where, sizeof(where), "dimensions[%zu]", i);
	memset(d, 0, sizeof(*d));
	if (pp_json_string(o, "name", &d->name, where, err) < 0 ||
	    pp_json_string(o, "low", &d->low, where, err) < 0 ||
	    pp_json_string(o, "high", &d->high, where, err) < 0 ||
	    pp_json_number(o, "value", &d->value, where, err) < 0 ||
	    pp_json_number_or(o, "percentile", -1, &pc, where, err) < 0)
		return -1;
	d->group = json_string_value(json_object_get(o, "group"));
	d->index = (int)i;
	d->merit = merit_of(d->name);
	d->uncertain = json_is_true(json_object_get(o, "uncertain"));
	d->unreliable = json_is_false(json_object_get(o, "reliable"));
	if (pc < 0 && ref && (row = ref_row(ref, d->name)))
		pc = ref_percentile(row, d->value);
	d->percentile = pc;
	return 0;
}

/* Strongest and weakest merit dimension, and the two character dimensions
 * furthest from the middle. Dimensions the fold models disagree on or the
 * model predicts poorly carry no advice; they are used only when nothing
 * else is left. */
static void rank_dims(struct pp_facts *f)
{
	int i, any_trusted = 0;
	double best = -1, worst = 101, s1 = -1, s2 = -1, s;

	for (i = 0; i < PP_FACTS_DIMS; i++)
		any_trusted |= pp_fact_dim_trusted(&f->dims[i]);
	f->strongest = f->weakest = f->standout[0] = f->standout[1] = -1;
	for (i = 0; i < PP_FACTS_DIMS; i++) {
		if (any_trusted && !pp_fact_dim_trusted(&f->dims[i]))
			continue;
		s = pp_fact_dim_score(&f->dims[i]);
		if (f->dims[i].merit) {
			if (s > best)
				best = s, f->strongest = i;
			if (s < worst)
				worst = s, f->weakest = i;
		} else if (s > s1) {
			s2 = s1, f->standout[1] = f->standout[0];
			s1 = s, f->standout[0] = i;
		} else if (s > s2) {
			s2 = s, f->standout[1] = i;
		}
	}
}

static int read_predictions(const json_t *doc, const json_t *ref,
			    struct pp_facts *f, struct pp_err *err)
{
	json_t *dims = json_object_get(doc, "dimensions"), *o;
	size_t i;
	int fractions = 1;

	if (!dims)
		return 0;
	if (!json_is_array(dims))
		return pp_fail(err, "member 'dimensions' is not an array");
	if (json_array_size(dims) != PP_FACTS_DIMS)
		return pp_fail(err, "'dimensions' has %zu entries, expected %d",
			       json_array_size(dims), PP_FACTS_DIMS);
	json_array_foreach(dims, i, o)
		if (read_dim(o, i, ref, &f->dims[i], err) < 0)
			return -1;
	for (i = 0; i < PP_FACTS_DIMS; i++) {
		if (f->dims[i].percentile < 0)
			return 0; /* no percentile and no reference: say nothing */
		if (f->dims[i].percentile > 1)
			fractions = 0;
	}
	/* A producer that wrote percentiles as fractions of 1. */
	for (i = 0; fractions && i < PP_FACTS_DIMS; i++)
		f->dims[i].percentile *= 100;
	f->have_predictions = 1;
	rank_dims(f);
	return 0;
}

static int read_bar(const json_t *o, size_t i, struct pp_fact_bar *b,
		    struct pp_err *err)
{
	char where[64];
	json_t *num = json_object_get(o, "number");
	double v[9];
	const char *dyn;

	snprintf(where, sizeof(where), "summary.measures[%zu]", i);
	memset(b, 0, sizeof(*b));
	if (pp_json_number_or(o, "index", (double)i, &v[0], where, err) < 0 ||
	    pp_json_number_or(o, "expected", 0, &v[1], where, err) < 0 ||
	    pp_json_number_or(o, "wrong_pitch", 0, &v[2], where, err) < 0 ||
	    pp_json_number_or(o, "missing", 0, &v[3], where, err) < 0 ||
	    pp_json_number_or(o, "extra", 0, &v[4], where, err) < 0 ||
	    pp_json_number_or(o, "onset_deviation_ms", 0, &b->onset_dev_ms, where, err) < 0 ||
	    pp_json_number_or(o, "qpm", 0, &b->qpm, where, err) < 0 ||
	    pp_json_number_or(o, "tempo_ratio", 1, &b->tempo_ratio, where, err) < 0 ||
	    pp_json_number_or(o, "velocity_mean", 0, &b->velocity_mean, where, err) < 0 ||
	    pp_json_number_or(o, "velocity_max", 0, &b->velocity_max, where, err) < 0 ||
	    pp_json_number_or(o, "pedal_down", 0, &b->pedal_down, where, err) < 0)
		return -1;
	b->index = (int)v[0];
	b->expected = (int)v[1];
	b->wrong_pitch = (int)v[2];
	b->missing = (int)v[3];
	b->extra = (int)v[4];
	if (json_is_string(num))
		snprintf(b->number, sizeof(b->number), "%s", json_string_value(num));
	else if (json_is_integer(num))
		snprintf(b->number, sizeof(b->number), "%lld", (long long)json_integer_value(num));
	else
		snprintf(b->number, sizeof(b->number), "%zu", i + 1);
	dyn = json_string_value(json_object_get(o, "dynamic"));
	b->dynamic = dyn && *dyn ? dyn : NULL;
	b->pedal_marked = json_is_true(json_object_get(o, "pedal_marked"));
	return 0;
}

static int read_summary(const json_t *doc, struct pp_facts *f, struct pp_err *err)
{
	json_t *s = json_object_get(doc, "summary"), *ms, *o, *t;
	double v[6];
	size_t i;

	if (!s)
		return 0;
	if (!json_is_object(s))
		return pp_fail(err, "member 'summary' is not an object");
	if (pp_json_number_or(s, "notes_expected", 0, &v[0], "summary", err) < 0 ||
	    pp_json_number_or(s, "notes_played", 0, &v[1], "summary", err) < 0 ||
	    pp_json_number_or(s, "wrong_pitch", 0, &v[2], "summary", err) < 0 ||
	    pp_json_number_or(s, "missing", 0, &v[3], "summary", err) < 0 ||
	    pp_json_number_or(s, "extra", 0, &v[4], "summary", err) < 0 ||
	    pp_json_number_or(s, "pitch_accuracy", 0, &f->pitch_accuracy, "summary", err) < 0 ||
	    pp_json_number_or(s, "rhythm_accuracy", -1, &f->rhythm_accuracy, "summary", err) < 0)
		return -1;
	f->notes_expected = (int)v[0];
	f->notes_played = (int)v[1];
	f->wrong_pitch = (int)v[2];
	f->missing = (int)v[3];
	f->extra = (int)v[4];
	if ((t = json_object_get(s, "tempo_qpm")) && json_is_object(t) &&
	    (pp_json_number_or(t, "mean", 0, &f->qpm_mean, "summary.tempo_qpm", err) < 0 ||
	     pp_json_number_or(t, "min", 0, &f->qpm_min, "summary.tempo_qpm", err) < 0 ||
	     pp_json_number_or(t, "max", 0, &f->qpm_max, "summary.tempo_qpm", err) < 0))
		return -1;
	ms = json_object_get(s, "measures");
	if (ms && !json_is_array(ms))
		return pp_fail(err, "summary: member 'measures' is not an array");
	if (json_array_size(ms) &&
	    !(f->bars = calloc(json_array_size(ms), sizeof(*f->bars))))
		return pp_fail(err, "out of memory");
	json_array_foreach(ms, i, o) {
		if (read_bar(o, i, &f->bars[i], err) < 0)
			return -1;
		f->score_has_pedal |= f->bars[i].pedal_marked;
	}
	f->nbars = (int)json_array_size(ms);
	f->have_alignment = f->notes_expected > 0 || f->nbars > 0;
	return 0;
}

static int read_passages(const json_t *doc, struct pp_facts *f, struct pp_err *err)
{
	json_t *ps = json_object_get(doc, "passages"), *o, *ds, *d;
	size_t i, k;
	char where[64];
	double n;

	if (!ps)
		return 0;
	if (!json_is_array(ps))
		return pp_fail(err, "member 'passages' is not an array");
	if (json_array_size(ps) &&
	    !(f->passages = calloc(json_array_size(ps), sizeof(*f->passages))))
		return pp_fail(err, "out of memory");
	json_array_foreach(ps, i, o) {
		struct pp_fact_passage *p = &f->passages[i];
		snprintf(where, sizeof(where), "passages[%zu]", i);
		if (pp_json_number_or(o, "n", (double)(i + 1), &n, where, err) < 0 ||
		    pp_json_string(o, "text", &p->text, where, err) < 0)
			return -1;
		p->n = (int)n;
		p->id = json_string_value(json_object_get(o, "id"));
		p->title = json_string_value(json_object_get(o, "title"));
		p->source = json_string_value(json_object_get(o, "source"));
		ds = json_object_get(o, "dimensions");
		json_array_foreach(ds, k, d) {
			if (p->ndims == 8)
				break;
			p->dims[p->ndims] = json_string_value(json_object_get(d, "name"));
			p->poles[p->ndims] = json_string_value(json_object_get(d, "pole"));
			if (p->dims[p->ndims])
				p->ndims++;
		}
		f->npassages++;
	}
	return 0;
}

/* ---- findings ---- */

static int dim_by_name(const struct pp_facts *f, const char *name)
{
	int i;

	for (i = 0; f->have_predictions && i < PP_FACTS_DIMS; i++)
		if (strcmp(f->dims[i].name, name) == 0)
			return i;
	return -1;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Keeps the KEEP bars with the largest KEY (ties: earlier bar), in score
 * order. */
static void pick_bars(struct pp_finding *g, const int *idx, const double *key,
		      int n, int keep)
{
	int used[PP_FACTS_MAX_BARS], i, j, best;

	g->nbars = 0;
	for (j = 0; j < keep && j < n; j++) {
		best = -1;
		for (i = 0; i < n; i++) {
			int k, taken = 0;
			for (k = 0; k < g->nbars; k++)
				taken |= used[k] == i;
			if (!taken && (best < 0 || key[i] > key[best]))
				best = i;
		}
		used[g->nbars] = best;
		g->bars[g->nbars++] = idx[best];
	}
	qsort(g->bars, (size_t)g->nbars, sizeof(int), cmp_int);
}

static struct pp_finding *add_finding(struct pp_facts *f, enum pp_finding_kind kind)
{
	struct pp_finding *g;

	if (f->nfindings == PP_FACTS_MAX_FINDINGS)
		return NULL;
	g = &f->findings[f->nfindings++];
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->dim = -1;
	g->soft_bar = g->loud_bar = -1;
	return g;
}

static void find_notes(struct pp_facts *f, int *idx, double *key)
{
	int i, n = 0, total = 0;
	struct pp_finding *g;

	for (i = 0; i < f->nbars; i++) {
		int e = f->bars[i].wrong_pitch + f->bars[i].missing;
		total += e;
		if (e > 0) {
			idx[n] = i;
			key[n++] = e;
		}
	}
	if (total < 2 && f->pitch_accuracy >= 0.98)
		return;
	if (!n || !(g = add_finding(f, PP_FIND_NOTES)))
		return;
	pick_bars(g, idx, key, n, 3);
	for (i = 0; i < g->nbars; i++)
		g->count += f->bars[g->bars[i]].wrong_pitch + f->bars[g->bars[i]].missing;
	g->severity = fmin(1, (1 - f->pitch_accuracy) * 12 + 0.1 * g->count);
	if (f->qpm_mean > 0)
		g->practice_qpm = pp_facts_metronome(f->qpm_mean * 0.6);
}

static void find_tempo(struct pp_facts *f, int *idx, double *key, int rush)
{
	int i, n = 0;
	struct pp_finding *g;

	for (i = 0; i < f->nbars; i++) {
		double r = f->bars[i].tempo_ratio;
		if (f->bars[i].qpm > 0 && (rush ? r >= 1.08 : r <= 0.92)) {
			idx[n] = i;
			key[n++] = rush ? r : -r;
		}
	}
	if (!n || !(g = add_finding(f, rush ? PP_FIND_RUSH : PP_FIND_DRAG)))
		return;
	pick_bars(g, idx, key, n, 3);
	g->extreme = 1;
	for (i = 0; i < g->nbars; i++) {
		const struct pp_fact_bar *b = &f->bars[g->bars[i]];
		if (fabs(b->tempo_ratio - 1) > fabs(g->extreme - 1)) {
			g->extreme = b->tempo_ratio;
			g->qpm = b->qpm;
		}
	}
	g->severity = fmin(1, fabs(g->extreme - 1) * 4);
	if (f->qpm_mean > 0)
		g->practice_qpm = pp_facts_metronome(f->qpm_mean * 0.85);
	g->dim = dim_by_name(f, "timing");
}

static int dyn_level(const char *m)
{
	static const char *levels[] = { "ppp", "pp", "p", "mp", "mf", "f", "ff", "fff" };
	int i;

	for (i = 0; m && i < 8; i++)
		if (strcmp(m, levels[i]) == 0)
			return i;
	return -1;
}

static void find_dynamics(struct pp_facts *f)
{
	double sum[8] = { 0 };
	int cnt[8] = { 0 }, first[8], i, lo = -1, hi = -1, steps;
	double gap, ratio;
	struct pp_finding *g;

	for (i = 0; i < f->nbars; i++) {
		int l = dyn_level(f->bars[i].dynamic);
		if (l < 0 || f->bars[i].velocity_mean <= 0)
			continue;
		if (!cnt[l])
			first[l] = i;
		sum[l] += f->bars[i].velocity_mean;
		cnt[l]++;
	}
	for (i = 0; i < 8; i++)
		if (cnt[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	if (lo < 0 || hi == lo)
		return;
	steps = hi - lo;
	gap = sum[hi] / cnt[hi] - sum[lo] / cnt[lo];
	/* A level step of 8 velocity units is a modest but audible one. */
	ratio = gap / (8.0 * steps);
	if (ratio >= 0.6 || !(g = add_finding(f, PP_FIND_DYNAMICS)))
		return;
	g->soft_bar = first[lo];
	g->loud_bar = first[hi];
	g->soft_vel = sum[lo] / cnt[lo];
	g->loud_vel = sum[hi] / cnt[hi];
	g->soft_mark = f->bars[first[lo]].dynamic;
	g->loud_mark = f->bars[first[hi]].dynamic;
	g->extreme = gap;
	g->bars[g->nbars++] = first[lo];
	g->bars[g->nbars++] = first[hi];
	qsort(g->bars, 2, sizeof(int), cmp_int);
	g->severity = fmin(1, 0.1 + 0.8 * (1 - ratio));
	g->dim = dim_by_name(f, "dynamic_range");
}

static void find_pedal(struct pp_facts *f, int *idx, double *key, int blur)
{
	int i, n = 0;
	struct pp_finding *g;

	if (!f->score_has_pedal)
		return;
	for (i = 0; i < f->nbars; i++) {
		const struct pp_fact_bar *b = &f->bars[i];
		if (blur ? !b->pedal_marked && b->pedal_down >= 0.85
			 : b->pedal_marked && b->pedal_down < 0.2) {
			idx[n] = i;
			key[n++] = blur ? b->pedal_down : -b->pedal_down;
		}
	}
	if (n < (blur ? 1 : 2) ||
	    !(g = add_finding(f, blur ? PP_FIND_PEDAL_BLUR : PP_FIND_PEDAL_MISSING)))
		return;
	pick_bars(g, idx, key, n, 4);
	g->extreme = blur ? 0 : 1;
	for (i = 0; i < g->nbars; i++) {
		double d = f->bars[g->bars[i]].pedal_down;
		g->extreme = blur ? fmax(g->extreme, d) : fmin(g->extreme, d);
	}
	g->severity = fmin(1, 0.3 + 0.1 * n);
	if (f->qpm_mean > 0)
		g->practice_qpm = pp_facts_metronome(f->qpm_mean * 0.75);
	g->dim = dim_by_name(f, "pedal_clarity");
}

/* Ties the weakest merit dimension to a finding that shows it in bars,
 * or makes it a finding of its own. */
static void find_weak_dim(struct pp_facts *f)
{
	int i, w = f->weakest;
	double s;
	struct pp_finding *g;

	if (!f->have_predictions || w < 0)
		return;
	/* With nothing else to work on, the weakest merit dimension is still
	 * the next step, however good it is. */
	if ((s = pp_fact_dim_score(&f->dims[w])) > 35 && f->nfindings > 0)
		return;
	for (i = 0; i < f->nfindings; i++)
		if (f->findings[i].dim == w) {
			f->findings[i].severity = fmin(1, f->findings[i].severity + 0.15);
			return;
		}
	if (!(g = add_finding(f, PP_FIND_DIM)))
		return;
	g->dim = w;
	g->severity = fmax(0.05, (50 - s) / 50);
	if (f->qpm_mean > 0)
		g->practice_qpm = pp_facts_metronome(f->qpm_mean * 0.8);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct pp_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity < y->severity ? 1 : -1;
	return (int)x->kind - (int)y->kind;
}

static int find_all(struct pp_facts *f, struct pp_err *err)
{
	int *idx = NULL;
	double *key = NULL;

	if (f->nbars) {
		idx = malloc((size_t)f->nbars * sizeof(*idx));
		key = malloc((size_t)f->nbars * sizeof(*key));
		if (!idx || !key) {
			free(idx);
			free(key);
			return pp_fail(err, "out of memory");
		}
		find_notes(f, idx, key);
		find_tempo(f, idx, key, 1);
		find_tempo(f, idx, key, 0);
		find_dynamics(f);
		find_pedal(f, idx, key, 1);
		find_pedal(f, idx, key, 0);
	}
	free(idx);
	free(key);
	find_weak_dim(f);
	qsort(f->findings, (size_t)f->nfindings, sizeof(f->findings[0]), cmp_finding);
	return 0;
}

int pp_facts_extract(const json_t *doc, const json_t *ref,
		     struct pp_facts *f, struct pp_err *err)
{
	const json_t *score = json_object_get(doc, "score");

	memset(f, 0, sizeof(*f));
	f->strongest = f->weakest = f->standout[0] = f->standout[1] = -1;
	f->rhythm_accuracy = -1;
	f->title = json_string_value(json_object_get(score, "title"));
	f->composer = json_string_value(json_object_get(score, "composer"));
	if (read_predictions(doc, ref, f, err) < 0 || read_summary(doc, f, err) < 0 ||
	    read_passages(doc, f, err) < 0 || find_all(f, err) < 0) {
		pp_facts_release(f);
		return -1;
	}
	return 0;
}

void pp_facts_release(struct pp_facts *f)
{
	free(f->bars);
	free(f->passages);
	f->bars = NULL;
	f->passages = NULL;
	f->nbars = f->npassages = 0;
}

int pp_facts_bar(const struct pp_facts *f, const char *number)
{
	int i;

	for (i = 0; i < f->nbars; i++)
		if (strcmp(f->bars[i].number, number) == 0)
			return i;
	return -1;
}

/* ---- the fact list for a prompt ---- */

static const char *kind_name[] = {
	"wrong or missing notes", "rushing", "dragging",
	"dynamics flatter than the markings", "pedal held through unmarked bars",
	"marked pedal hardly used", "weak dimension",
};

static void text_dims(const struct pp_facts *f, struct pp_tb *b)
{
	int i;

	pp_tb_puts(b, "Perceptual dimensions (percentile against reference recordings; "
		      "each scale runs from its low pole to its high pole):\n");
	for (i = 0; i < PP_FACTS_DIMS; i++) {
		const struct pp_fact_dim *d = &f->dims[i];
		char o[16];
		pp_facts_ordinal(d->percentile, o, sizeof(o));
		pp_tb_printf(b, "- %s: %s percentile, towards '%s' (scale '%s' to '%s'); %s%s%s\n",
			     d->name, o,
			     d->percentile >= 50 ? d->high : d->low, d->low, d->high,
			     d->merit > 0 ? "the aim is usually the high pole" :
			     d->merit < 0 ? "the aim is usually the low pole" :
			     "a matter of character, neither pole is a fault",
			     d->uncertain ? "; uncertain" : "",
			     d->unreliable ? "; weakly predicted, not a basis for advice" : "");
	}
}

static void text_bar(const struct pp_fact_bar *m, struct pp_tb *b)
{
	pp_tb_printf(b, "- bar %s: %d notes, %d wrong, %d missing, %d extra; "
		     "tempo %.0f qpm (%.0f%% of the mean); velocity %.0f%s%s; "
		     "pedal down %.0f%% of the bar%s\n",
		     m->number, m->expected, m->wrong_pitch, m->missing, m->extra,
		     m->qpm, m->tempo_ratio * 100, m->velocity_mean,
		     m->dynamic ? " under " : "", m->dynamic ? m->dynamic : "",
		     m->pedal_down * 100, m->pedal_marked ? " (pedal marked)" : "");
}

static int notable(const struct pp_fact_bar *m)
{
	return m->wrong_pitch + m->missing + m->extra > 0 ||
	       fabs(m->tempo_ratio - 1) >= 0.08 ||
	       (m->pedal_marked ? m->pedal_down < 0.2 : m->pedal_down >= 0.85);
}

/* The bar where a dynamic marking comes into force. */
static int new_marking(const struct pp_facts *f, int i)
{
	const char *d = f->bars[i].dynamic, *p = i ? f->bars[i - 1].dynamic : NULL;

	return d && (!p || strcmp(d, p));
}

static void text_findings(const struct pp_facts *f, struct pp_tb *b)
{
	int i, k;

	pp_tb_puts(b, "Findings, most important first:\n");
	for (i = 0; i < f->nfindings; i++) {
		const struct pp_finding *g = &f->findings[i];
		pp_tb_printf(b, "- %s", kind_name[g->kind]);
		for (k = 0; k < g->nbars; k++)
			pp_tb_printf(b, "%s%s", k ? ", " : g->nbars > 1 ? " in bars " : " in bar ",
				     f->bars[g->bars[k]].number);
		if (g->kind == PP_FIND_DYNAMICS)
			pp_tb_printf(b, " (%s at velocity %.0f, %s at velocity %.0f)",
				     g->soft_mark, g->soft_vel, g->loud_mark, g->loud_vel);
		if (g->dim >= 0)
			pp_tb_printf(b, "; related dimension %s", f->dims[g->dim].name);
		if (g->practice_qpm)
			pp_tb_printf(b, "; suggested practice metronome mark %d", g->practice_qpm);
		pp_tb_puts(b, "\n");
	}
}

char *pp_facts_text(const struct pp_facts *f)
{
	struct pp_tb b = PP_TB_INIT;
	int i, listed = 0;

	pp_tb_printf(&b, "Piece: %s%s%s\n", f->composer ? f->composer : "unknown composer",
		     f->title ? ", " : "", f->title ? f->title : "");
	if (f->have_predictions)
		text_dims(f, &b);
	else
		pp_tb_puts(&b, "No perceptual predictions: say nothing about them.\n");
	if (f->have_alignment) {
		pp_tb_printf(&b, "Notes: %d in the score, %d played, %d wrong, %d missing, "
			     "%d extra; pitch accuracy %.0f%%",
			     f->notes_expected, f->notes_played, f->wrong_pitch,
			     f->missing, f->extra, f->pitch_accuracy * 100);
		if (f->rhythm_accuracy >= 0)
			pp_tb_printf(&b, "; rhythm accuracy %.0f%%", f->rhythm_accuracy * 100);
		pp_tb_puts(&b, "\n");
		if (f->qpm_mean > 0)
			pp_tb_printf(&b, "Tempo: mean %.0f qpm, from %.0f to %.0f\n",
				     f->qpm_mean, f->qpm_min, f->qpm_max);
		pp_tb_puts(&b, "Bars worth a remark (printed bar numbers):\n");
		for (i = 0; i < f->nbars && listed < 40; i++)
			if (notable(&f->bars[i]) || new_marking(f, i)) {
				text_bar(&f->bars[i], &b);
				listed++;
			}
	} else {
		pp_tb_puts(&b, "No alignment with the score: name no bars, notes or tempi.\n");
	}
	text_findings(f, &b);
	return pp_tb_take(&b);
}
