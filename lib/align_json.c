/*
 * align_json.c - the alignment/1 members match, extra and summary (see
 * align.h and pp-formats(5)): counts, accuracies, the tempo curve per beat
 * and per measure, loudness and pedal per measure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "envelope.h"

/* The time curve: score position q -> seconds, piecewise linear through
 * the events' local-tempo times, kept strictly increasing. */
struct curve { double *q, *t; int n; };

static void curve_make(const struct pp_alignment *a, struct curve *c)
{
	const struct pp_score *s = a->score;

	c->q = malloc(((size_t)s->n_notes + 1) * sizeof(double));
	c->t = malloc(((size_t)s->n_notes + 1) * sizeof(double));
	c->n = 0;
	if (!c->q || !c->t)
		return;
	for (int j = 0; j < s->n_notes; j++) {
		double q = s->notes[j].onset, t = a->event_time[j];
		if (c->n && q <= c->q[c->n - 1] + 1e-9)
			continue;
		if (c->n && t <= c->t[c->n - 1] + 1e-4)
			continue;
		c->q[c->n] = q;
		c->t[c->n] = t;
		c->n++;
	}
}

static double curve_at(const struct curve *c, double q)
{
	int lo = 0, hi = c->n - 1;

	if (c->n == 0)
		return 0;
	if (c->n == 1)
		return c->t[0] + (q - c->q[0]) * 0.5;
	if (q <= c->q[0])
		hi = 1;
	else if (q >= c->q[c->n - 1])
		lo = c->n - 2, hi = c->n - 1;
	else
		while (hi - lo > 1) {
			int mid = (lo + hi) / 2;
			if (c->q[mid] <= q)
				lo = mid;
			else
				hi = mid;
		}
	return c->t[lo] + (q - c->q[lo]) * (c->t[hi] - c->t[lo]) / (c->q[hi] - c->q[lo]);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *const status_names[] = { "matched", "wrong_pitch", "missing" };
static const char *const kind_names[] = { "extra", "ornament", "repeat" };

static json_t *match_json(const struct pp_alignment *a)
{
	json_t *arr = json_array();

	for (int j = 0; j < a->score->n_notes; j++) {
		const struct pp_match *m = &a->match[j];
		json_t *o = json_object();
		json_object_set_new(o, "score", json_integer(j));
		json_object_set_new(o, "status", json_string(status_names[m->status]));
		json_object_set_new(o, "perf", m->perf >= 0 ? json_integer(m->perf) : json_null());
		if (m->perf >= 0)
			json_object_set_new(o, "onset_deviation", num(m->onset_deviation));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *extra_json(const struct pp_alignment *a)
{
	json_t *arr = json_array();

	for (int k = 0; k < a->n_extra; k++) {
		json_t *o = json_object();
		json_object_set_new(o, "perf", json_integer(a->extra[k].perf));
		json_object_set_new(o, "measure", json_integer(a->extra[k].measure));
		json_object_set_new(o, "kind", json_string(kind_names[a->extra[k].kind]));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Beat length (q) of measure M's time signature. */
static double beat_q(const struct pp_score_measure *m)
{
	int num = m->numerator, b;

	b = num == 6 ? 2 : num == 9 ? 3 : num == 12 ? 4 : num == 18 ? 3 : num == 24 ? 4 : num;
	return num * 4.0 / m->denominator / (b > 0 ? b : 1);
}

/* Seconds per quarter at score note J, from the neighbouring events. */
static double local_spq(const struct pp_alignment *a, int j)
{
	const struct pp_score *s = a->score;
	double q = s->notes[j].onset;

	for (int k = j + 1; k < s->n_notes; k++)
		if (s->notes[k].onset > q + 1e-6)
			return fabs(a->event_time[k] - a->event_time[j]) / (s->notes[k].onset - q);
	for (int k = j - 1; k >= 0; k--)
		if (s->notes[k].onset < q - 1e-6)
			return fabs(a->event_time[j] - a->event_time[k]) / (q - s->notes[k].onset);
	return 0.5;
}

struct mstat {
	int expected, matched, wrong, missing, extra, nvel, ndev;
	double dev, vel, vmax;
};

/* Fraction of [T0, T1] with the sustain pedal down. */
static double pedal_frac(const struct pp_notes *p, double t0, double t1)
{
	double down = 0;

	if (t1 <= t0)
		return 0;
	for (size_t i = 0; i < p->n_pedal; i++) {
		double a = fmax(p->pedal[i].onset, t0), b = fmin(p->pedal[i].offset, t1);
		if (b > a)
			down += b - a;
	}
	return down / (t1 - t0);
}

static const char *dynamic_at(const struct pp_score *s, const struct pp_score_measure *m)
{
	const char *d = NULL;

	for (int i = 0; i < s->n_directions; i++) {
		const struct pp_score_direction *x = &s->directions[i];
		if (x->kind != PP_DIR_DYNAMIC)
			continue;
		if (x->onset <= m->onset + 1e-6)
			d = x->text;
		else if (!d && x->onset < m->onset + m->length)
			return x->text;
	}
	return d;
}

static int pedal_marked(const struct pp_score *s, const struct pp_score_measure *m)
{
	int on = 0;

	for (int i = 0; i < s->n_directions; i++) {
		const struct pp_score_direction *x = &s->directions[i];
		if (x->kind != PP_DIR_PEDAL)
			continue;
		if (x->onset >= m->onset - 1e-6 && x->onset < m->onset + m->length &&
		    strcmp(x->text, "stop"))
			return 1;
		if (x->onset < m->onset - 1e-6)
			on = strcmp(x->text, "stop") != 0;
	}
	return on;
}

static json_t *measures_json(const struct pp_alignment *a, const struct curve *c,
			     double mean_qpm)
{
	const struct pp_score *s = a->score;
	const struct pp_notes *p = a->perf;
	struct mstat *ms = calloc((size_t)s->n_measures + 1, sizeof(*ms));
	json_t *arr = json_array();

	if (!ms)
		return arr;
	for (int j = 0; j < s->n_notes; j++) {
		const struct pp_match *m = &a->match[j];
		struct mstat *x = &ms[s->notes[j].measure];
		x->expected++;
		x->matched += m->status == PP_MATCHED;
		x->wrong += m->status == PP_WRONG_PITCH;
		x->missing += m->status == PP_MISSING;
		if (m->perf >= 0) {
			double v = p->notes[m->perf].velocity;
			x->vel += v, x->nvel++, x->vmax = fmax(x->vmax, v);
		}
		if (m->status == PP_MATCHED && !s->notes[j].grace)
			x->dev += m->onset_deviation, x->ndev++;
	}
	for (int k = 0; k < a->n_extra; k++) {
		struct mstat *x = &ms[a->extra[k].measure];
		double v = p->notes[a->extra[k].perf].velocity;
		x->extra++;
		x->vel += v, x->nvel++, x->vmax = fmax(x->vmax, v);
	}
	for (int i = 0; i < s->n_measures; i++) {
		const struct pp_score_measure *m = &s->measures[i];
		struct mstat *x = &ms[i];
		double t0 = curve_at(c, m->onset), t1 = curve_at(c, m->onset + m->length);
		double qpm = t1 > t0 ? 60 * m->length / (t1 - t0) : NAN;
		const char *dyn = dynamic_at(s, m);
		json_t *o = json_object();
		json_object_set_new(o, "index", json_integer(i));
		json_object_set_new(o, "number", json_string(m->number));
		json_object_set_new(o, "expected", json_integer(x->expected));
		json_object_set_new(o, "matched", json_integer(x->matched));
		json_object_set_new(o, "wrong_pitch", json_integer(x->wrong));
		json_object_set_new(o, "missing", json_integer(x->missing));
		json_object_set_new(o, "extra", json_integer(x->extra));
		json_object_set_new(o, "onset_deviation_ms",
				    x->ndev ? num(1000 * x->dev / x->ndev) : json_null());
		json_object_set_new(o, "qpm", num(qpm));
		json_object_set_new(o, "tempo_ratio",
				    mean_qpm > 0 ? num(qpm / mean_qpm) : json_null());
		json_object_set_new(o, "velocity_mean", x->nvel ? num(x->vel / x->nvel) : json_null());
		json_object_set_new(o, "velocity_max", x->nvel ? json_integer((int)x->vmax) : json_null());
		json_object_set_new(o, "dynamic", dyn ? json_string(dyn) : json_null());
		json_object_set_new(o, "pedal_marked", json_boolean(pedal_marked(s, m)));
		json_object_set_new(o, "pedal_down", num(pedal_frac(p, t0, t1)));
		json_array_append_new(arr, o);
	}
	free(ms);
	return arr;
}

/* The per-beat tempo curve; fills the mean, min and max qpm. */
static json_t *beats_json(const struct pp_alignment *a, const struct curve *c,
			  double *mean, double *mn, double *mx)
{
	const struct pp_score *s = a->score;
	json_t *arr = json_array();
	double sum = 0;
	int n = 0;

	*mn = INFINITY;
	*mx = -INFINITY;
	for (int b = 0; b < s->n_beats; b++) {
		double q = s->beats[b];
		int mi = pp_score_measure_at(s, q);
		const struct pp_score_measure *m = &s->measures[mi];
		double q1 = b + 1 < s->n_beats ? s->beats[b + 1] : m->onset + m->length;
		if (q1 <= q)
			q1 = q + beat_q(m);
		double t = curve_at(c, q), t1 = curve_at(c, q1);
		double qpm = t1 > t ? 60 * (q1 - q) / (t1 - t) : NAN;
		json_t *o = json_object();
		json_object_set_new(o, "index", json_integer(b));
		json_object_set_new(o, "measure", json_integer(mi));
		json_object_set_new(o, "onset", json_real(q));
		json_object_set_new(o, "time", num(t));
		json_object_set_new(o, "qpm", num(qpm));
		json_array_append_new(arr, o);
		if (isfinite(qpm)) {
			sum += qpm, n++;
			*mn = fmin(*mn, qpm);
			*mx = fmax(*mx, qpm);
		}
	}
	*mean = n ? sum / n : NAN;
	if (!n)
		*mn = *mx = NAN;
	return arr;
}

static json_t *summary_json(const struct pp_alignment *a)
{
	const struct pp_score *s = a->score;
	json_t *o = json_object(), *x;
	struct curve c;
	int matched = 0, wrong = 0, missing = 0, ndev = 0, inrhythm = 0, nrh = 0;
	double sd = 0, sdd = 0, mean, mn, mx;

	for (int j = 0; j < s->n_notes; j++) {
		const struct pp_match *m = &a->match[j];
		matched += m->status == PP_MATCHED;
		wrong += m->status == PP_WRONG_PITCH;
		missing += m->status == PP_MISSING;
		if (m->status != PP_MATCHED || s->notes[j].grace)
			continue;
		double d = m->onset_deviation;
		sd += d, sdd += d * d, ndev++;
		const struct pp_score_measure *ms = &s->measures[s->notes[j].measure];
		/* seconds per beat from the curve around the note */
		double bq = beat_q(ms);
		nrh++;
		inrhythm += fabs(d) <= 0.1 * bq * local_spq(a, j);
	}
	curve_make(a, &c);
	json_t *beats = beats_json(a, &c, &mean, &mn, &mx);
	json_object_set_new(o, "notes_expected", json_integer(s->n_notes));
	json_object_set_new(o, "notes_played", json_integer((json_int_t)a->perf->n_notes));
	json_object_set_new(o, "matched", json_integer(matched));
	json_object_set_new(o, "wrong_pitch", json_integer(wrong));
	json_object_set_new(o, "missing", json_integer(missing));
	json_object_set_new(o, "extra", json_integer(a->n_extra));
	json_object_set_new(o, "pitch_accuracy", s->n_notes ? num((double)matched / s->n_notes) : json_null());
	json_object_set_new(o, "rhythm_accuracy", nrh ? num((double)inrhythm / nrh) : json_null());
	x = json_object();
	double m1 = ndev ? sd / ndev : NAN;
	json_object_set_new(x, "mean", ndev ? num(1000 * m1) : json_null());
	json_object_set_new(x, "sd", ndev ? num(1000 * sqrt(fmax(0, sdd / ndev - m1 * m1))) : json_null());
	json_object_set_new(o, "onset_deviation_ms", x);
	x = json_object();
	json_object_set_new(x, "mean", num(mean));
	json_object_set_new(x, "min", num(mn));
	json_object_set_new(x, "max", num(mx));
	json_object_set_new(o, "tempo_qpm", x);
	json_object_set_new(o, "beats", beats);
	json_object_set_new(o, "measures", measures_json(a, &c, mean));
	free(c.q);
	free(c.t);
	return o;
}

void pp_alignment_json(const struct pp_alignment *a, json_t *doc)
{
	json_object_set_new(doc, "match", match_json(a));
	json_object_set_new(doc, "extra", extra_json(a));
	json_object_set_new(doc, "summary", summary_json(a));
}
