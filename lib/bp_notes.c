/*
 * bp_notes.c - Basic Pitch note creation (see bp_notes.h). Arithmetic is
 * in double where the reference (JavaScript numbers) computes in double.
 */
#include "bp_notes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bp_model.h"

#define K BP_KEYS

void bp_note_params_default(struct bp_note_params *p)
{
	p->onset_threshold = 0.5;
	p->frame_threshold = 0.3;
	p->min_frames = bp_min_frames(127.70);
	p->energy_tolerance = 11;
	p->infer_onsets = 1;
	p->melodia = 1;
	p->min_freq = 0;
	p->max_freq = 0;
}

int bp_min_frames(double ms)
{
	return (int)lround(ms / 1000.0 * ((double)BP_SR / BP_HOP));
}

double bp_frame_time(long f)
{
	const double off = (double)BP_HOP / BP_SR *
			   (2 * BP_FPS - (double)BP_WIN / BP_HOP) + 0.0018;
	return (double)f * BP_HOP / BP_SR - off * floor((double)f / (2 * BP_FPS));
}

static double hz_to_key(double hz)
{
	return 12.0 * (log2(hz) - log2(440.0)) + 69.0 - BP_MIDI_LOW;
}

/* JS Array.fill bounds: truncate, negative counts from the end, clamp. */
static long js_index(double v)
{
	long i = (long)v;
	if (i < 0)
		i += K;
	return i < 0 ? 0 : i > K ? K : i;
}

/* Keys [*lo, *hi) survive the frequency limits (the reference zeroes
 * the rest of both matrices; here the note matrix is only read, so every
 * reader of it skips the columns outside). */
static void band(const struct bp_note_params *p, long *lo, long *hi)
{
	*lo = 0;
	*hi = K;
	if (p->max_freq > 0)
		*hi = js_index(hz_to_key(p->max_freq));
	if (p->min_freq > 0)
		*lo = js_index(hz_to_key(p->min_freq));
}

/* Inferred onsets into ON (in place). A flat note posterior gives 0/0 in
 * the reference: every inferred value is NaN and no onset is picked. */
static int infer(const float *fr, double *on, size_t n, long lo, long hi)
{
	double omax = 0.0, dmax = 0.0;
	size_t cells = n * (size_t)K;
	double *d = malloc(sizeof *d * (cells ? cells : 1));

	if (!d)
		return -1;
	for (size_t t = 0; t < n; t++)
		for (int k = 0; k < K; k++) {
			if (k < lo || k >= hi) {
				d[t * K + k] = 0;
				continue;
			}
			double v = fr[t * K + k];
			double d1 = v - (t >= 1 ? fr[(t - 1) * K + k] : 0.0);
			double d2 = v - (t >= 2 ? fr[(t - 2) * K + k] : 0.0);
			double m = d1 < d2 ? d1 : d2;
			if (m < 0 || t < 2)
				m = 0;
			d[t * K + k] = m;
			if (m > dmax)
				dmax = m;
			if (on[t * K + k] > omax)
				omax = on[t * K + k];
		}
	for (size_t i = 0; i < n * K; i++) {
		double v = omax * d[i] / dmax;
		on[i] = (isnan(v) || isnan(on[i])) ? NAN : (on[i] > v ? on[i] : v);
	}
	free(d);
	return 0;
}

static int is_peak(const double *on, size_t n, size_t t, int k)
{
	double v = on[t * K + k];
	if (t > 0 && !(v > on[(t - 1) * K + k]))
		return 0;
	if (t + 1 < n && !(v > on[(t + 1) * K + k]))
		return 0;
	return 1;
}

static void clear(float *rem, long t, int k)
{
	rem[t * K + k] = 0;
	if (k < K - 1)
		rem[t * K + k + 1] = 0;
	if (k > 0)
		rem[t * K + k - 1] = 0;
}

static double mean(const float *fr, long a, long b, int k)
{
	double s = 0;
	for (long t = a; t < b; t++)
		s += fr[t * K + k];
	return s / (double)(b - a);
}

struct list {
	struct bp_note *v;
	size_t n, cap;
};

static int push(struct list *l, long start, long len, int k, double amp)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct bp_note *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct bp_note){start, len, k + BP_MIDI_LOW, amp};
	return 0;
}

static int onset_pass(const float *fr, const double *on, float *rem, long n,
		      const struct bp_note_params *p, struct list *out)
{
	for (long t = n - 1; t >= 0; t--)
		for (int k = K - 1; k >= 0; k--) {
			if (!(on[t * K + k] > p->onset_threshold) || !is_peak(on, n, t, k))
				continue;
			if (t >= n - 1)
				continue;
			long i = t + 1, c = 0;
			while (i < n - 1 && c < p->energy_tolerance) {
				c = rem[i * K + k] < p->frame_threshold ? c + 1 : 0;
				i++;
			}
			i -= c;
			if (i - t <= p->min_frames)
				continue;
			for (long j = t; j < i; j++)
				clear(rem, j, k);
			if (push(out, t, i - t, k, mean(fr, t, i, k)) < 0)
				return -1;
		}
	return 0;
}

/*
 * The melodia pass repeatedly takes the reference's argmax of the whole
 * remaining energy: the first row holding the largest value, and within it
 * the last index of the row's maximum (cell (0, 0) wins ties in row 0, as
 * the reference starts from it). A full scan per note would be quadratic
 * in the input's length, so row maxima sit in a segment tree (leftmost
 * maximum at the root) and only the rows a note touched are recomputed.
 */
struct rowtree {
	long n, size;    /* rows, leaves (a power of 2) */
	double *val;     /* [2 size] maxima, leaves at size.. */
	int *col;        /* [n] the reference's argmax column of each row */
};

static void row_update(struct rowtree *rt, const float *rem, long t)
{
	const float *r = rem + t * K;
	int c = 0;
	for (int k = 1; k < K; k++)
		if (!(r[c] > r[k]))
			c = k;
	if (t == 0 && !(r[c] > r[0]))
		c = 0;
	rt->col[t] = c;
	long i = rt->size + t;
	rt->val[i] = r[c];
	for (i /= 2; i >= 1; i /= 2)
		rt->val[i] = fmax(rt->val[2 * i], rt->val[2 * i + 1]);
}

static int rowtree_init(struct rowtree *rt, const float *rem, long n)
{
	rt->n = n;
	for (rt->size = 1; rt->size < n; rt->size *= 2)
		;
	rt->val = malloc(sizeof *rt->val * 2 * rt->size);
	rt->col = malloc(sizeof *rt->col * (n ? n : 1));
	if (!rt->val || !rt->col)
		return -1;
	for (long i = 0; i < 2 * rt->size; i++)
		rt->val[i] = -1.0; /* below any energy */
	for (long t = 0; t < n; t++)
		row_update(rt, rem, t);
	return 0;
}

/* The global maximum, its row (leftmost) and column. */
static double rowtree_max(const struct rowtree *rt, long *tm, int *km)
{
	long i = 1;
	while (i < rt->size)
		i = rt->val[2 * i] >= rt->val[2 * i + 1] ? 2 * i : 2 * i + 1;
	*tm = i - rt->size;
	*km = rt->col[*tm];
	return rt->val[1];
}

static int melodia(const float *fr, float *rem, long n,
		   const struct bp_note_params *p, struct list *out)
{
	double thr = p->frame_threshold;
	struct rowtree rt = {0};
	long mid;
	int k, rc = -1;

	if (rowtree_init(&rt, rem, n) < 0)
		goto out;
	while (rowtree_max(&rt, &mid, &k) > thr) {
		long i = mid + 1, c = 0, end, start, lo, hi;
		rem[mid * K + k] = 0;
		while (i < n - 1 && c < p->energy_tolerance) {
			c = rem[i * K + k] < thr ? c + 1 : 0;
			clear(rem, i, k);
			i++;
		}
		hi = i - 1;
		end = i - 1 - c;
		i = mid - 1;
		c = 0;
		while (i > 0 && c < p->energy_tolerance) {
			c = rem[i * K + k] < thr ? c + 1 : 0;
			clear(rem, i, k);
			i--;
		}
		lo = i + 1;
		start = i + 1 + c;
		for (long t = lo < mid ? lo : mid; t <= (hi > mid ? hi : mid); t++)
			row_update(&rt, rem, t);
		if (end - start <= p->min_frames)
			continue;
		if (push(out, start, end - start, k, mean(fr, start, end, k)) < 0)
			goto out;
	}
	rc = 0;
out:
	free(rt.val);
	free(rt.col);
	return rc;
}

int bp_notes_decode(const float *note, const float *onset, size_t n_frames,
		    const struct bp_note_params *p, struct bp_note **out,
		    size_t *n_out, struct pp_err *err)
{
	size_t cells = n_frames * K;
	double *on = malloc(sizeof *on * (cells ? cells : 1));
	float *rem = malloc(sizeof *rem * (cells ? cells : 1));
	struct list l = {0};
	long lo, hi;
	int rc = -1;

	*out = NULL;
	*n_out = 0;
	if (!on || !rem)
		goto done;
	if (n_frames == 0) {
		rc = 0;
		goto done;
	}
	band(p, &lo, &hi);
	for (size_t i = 0; i < cells; i++) {
		int in = (long)(i % K) >= lo && (long)(i % K) < hi;
		on[i] = in ? onset[i] : 0.0;
		rem[i] = in ? note[i] : 0.0f;
	}
	if (p->infer_onsets && infer(note, on, n_frames, lo, hi) < 0)
		goto done;
	if (onset_pass(note, on, rem, (long)n_frames, p, &l) < 0)
		goto done;
	if (p->melodia && melodia(note, rem, (long)n_frames, p, &l) < 0)
		goto done;
	rc = 0;
done:
	free(on);
	free(rem);
	if (rc < 0) {
		free(l.v);
		return pp_fail(err, "out of memory");
	}
	*out = l.v;
	*n_out = l.n;
	return 0;
}
