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

/* Onset candidates, one bit per key: [frames][CB] bytes. */
#define CB ((K + 7) / 8)

static int is_cand(const unsigned char *cand, long t, int k)
{
	return cand[t * CB + k / 8] >> (k % 8) & 1;
}

static int onset_pass(const float *fr, const unsigned char *cand, float *rem,
		      long n, const struct bp_note_params *p, struct list *out)
{
	for (long t = n - 1; t >= 0; t--)
		for (int k = K - 1; k >= 0; k--) {
			if (!is_cand(cand, t, k))
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
	int first;       /* row 0 is the input's first frame */
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
	if (t == 0 && rt->first && !(r[c] > r[0]))
		c = 0;
	rt->col[t] = c;
	long i = rt->size + t;
	rt->val[i] = r[c];
	for (i /= 2; i >= 1; i /= 2)
		rt->val[i] = fmax(rt->val[2 * i], rt->val[2 * i + 1]);
}

static int rowtree_init(struct rowtree *rt, const float *rem, long n, int first)
{
	rt->n = n;
	rt->first = first;
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

static int melodia(const float *fr, float *rem, long n, int first,
		   const struct bp_note_params *p, struct list *out)
{
	double thr = p->frame_threshold;
	struct rowtree rt = {0};
	long mid;
	int k, rc = -1;

	if (rowtree_init(&rt, rem, n, first) < 0)
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

/* ---- streaming: segments (see bp_notes.h for why the cuts are exact) ---- */

struct bp_stream {
	struct bp_note_params p;
	long lo, hi;            /* keys [lo, hi) inside the frequency limits */
	size_t n_frames;        /* frames of the whole input */
	size_t cap;             /* segment buffer, frames: the memory bound */
	long cut_run;           /* quiet frames that allow an exact cut; 0: never */
	long w;                 /* half the forced cut's window: tol + 1 */
	double omax, dmax;      /* onset and note-rise global maxima (scan) */
	size_t scanned, fed;    /* frames given to scan and to feed */
	float sprev[2][K];      /* note rows t-1, t-2 of the scan */
	float fprev[2][K];      /* the same for the feed */
	double on[3][K];        /* inferred onsets of frames t % 3 */
	size_t g0;              /* input frame of buffer row 0 */
	size_t len;             /* frames in the buffer */
	long run;               /* quiet frames ending at the newest one */
	float *fr;              /* [cap][K] note posterior */
	float *rem;             /* [cap][K] remaining energy while decoding */
	unsigned char *cand;    /* [cap][CB] onset candidates */
	unsigned char *active;  /* [cap] keys not quiet in each frame */
	struct list out;        /* notes so far, input frames */
	struct bp_stream_stats stats;
};

/* The note posterior's rise at key K of frame T (step 2 before scaling):
 * the smaller of the rises over 1 and 2 frames, >= 0, 0 in frames 0-1. */
static double rise(const float *cur, const float (*prev)[K], size_t t, int k)
{
	double v = cur[k];
	double d1 = v - (t >= 1 ? prev[0][k] : 0.0);
	double d2 = v - (t >= 2 ? prev[1][k] : 0.0);
	double m = d1 < d2 ? d1 : d2;
	return (m < 0 || t < 2) ? 0 : m;
}

static void shift_prev(float (*prev)[K], const float *note)
{
	memcpy(prev[1], prev[0], sizeof prev[0]);
	memcpy(prev[0], note, sizeof prev[0]);
}

struct bp_stream *bp_stream_new(const struct bp_note_params *p,
				size_t n_frames, size_t max_segment,
				struct pp_err *err)
{
	struct bp_stream *s = calloc(1, sizeof *s);
	long tol = p->energy_tolerance > 0 ? p->energy_tolerance : 0;

	if (!s) {
		pp_fail(err, "out of memory");
		return NULL;
	}
	s->p = *p;
	s->n_frames = n_frames;
	band(p, &s->lo, &s->hi);
	if (max_segment == 0) {
		s->cap = n_frames ? n_frames : 1;
	} else {
		s->cut_run = tol > 2 ? tol : 2;
		s->w = tol + 1;
		/* room for a quiet run and the forced cut's window */
		s->cap = max_segment > (size_t)(4 * (tol + 1)) ? max_segment
							      : (size_t)(4 * (tol + 1));
		if (s->cap > n_frames)
			s->cap = n_frames ? n_frames : 1;
	}
	s->fr = malloc(sizeof *s->fr * K * s->cap);
	s->rem = malloc(sizeof *s->rem * K * s->cap);
	s->cand = calloc(s->cap, CB);
	s->active = malloc(s->cap);
	if (!s->fr || !s->rem || !s->cand || !s->active) {
		bp_stream_free(s);
		pp_fail(err, "out of memory");
		return NULL;
	}
	return s;
}

void bp_stream_scan(struct bp_stream *s, const float *note, const float *onset)
{
	size_t t = s->scanned++;

	for (long k = s->lo; k < s->hi; k++) {
		double m = rise(note, (const float (*)[K])s->sprev, t, (int)k);
		if (m > s->dmax)
			s->dmax = m;
		if (onset[k] > s->omax)
			s->omax = onset[k];
	}
	shift_prev(s->sprev, note);
}

/* Inferred onsets of frame T into ON (step 2). A flat note posterior gives
 * 0/0 in the reference: every value is NaN and no onset is picked. */
static void infer_row(const struct bp_stream *s, const float *note,
		      const float *onset, size_t t, double *on)
{
	for (int k = 0; k < K; k++) {
		int in = k >= s->lo && k < s->hi;
		double o = in ? onset[k] : 0.0;
		if (!s->p.infer_onsets) {
			on[k] = o;
			continue;
		}
		double d = in ? rise(note, (const float (*)[K])s->fprev, t, k) : 0.0;
		double v = s->omax * d / s->dmax;
		on[k] = (isnan(v) || isnan(o)) ? NAN : (o > v ? o : v);
	}
}

/* Onset candidates of frame T (buffer row ROW), now that the inferred
 * onsets of frame T + 1 are known (step 3). */
static void set_cand(struct bp_stream *s, size_t row, size_t t)
{
	const double *v = s->on[t % 3];
	const double *before = t > 0 ? s->on[(t + 2) % 3] : NULL;
	const double *after = t + 1 < s->n_frames ? s->on[(t + 1) % 3] : NULL;
	unsigned char *c = s->cand + row * CB;

	memset(c, 0, CB);
	for (int k = 0; k < K; k++)
		if (v[k] > s->p.onset_threshold && (!before || v[k] > before[k]) &&
		    (!after || v[k] > after[k]))
			c[k / 8] |= (unsigned char)(1u << (k % 8));
}

/* Keys of buffer row ROW that make it not quiet (0: quiet). */
static int active_keys(const struct bp_stream *s, size_t row, const double *on)
{
	const float *f = s->fr + row * K;
	int n = 0;

	for (int k = 0; k < K; k++)
		n += (k >= s->lo && k < s->hi && !(f[k] < s->p.frame_threshold)) ||
		     on[k] > s->p.onset_threshold;
	return n;
}

/* Steps 4-6 on buffer rows [0, N) as if they were the whole input, then
 * drops them from the buffer. */
static int decode(struct bp_stream *s, size_t n)
{
	size_t from = s->out.n;

	for (size_t i = 0; i < n * K; i++) {
		long k = (long)(i % K);
		s->rem[i] = k >= s->lo && k < s->hi ? s->fr[i] : 0.0f;
	}
	if (onset_pass(s->fr, s->cand, s->rem, (long)n, &s->p, &s->out) < 0 ||
	    (s->p.melodia && melodia(s->fr, s->rem, (long)n, s->g0 == 0, &s->p,
				     &s->out) < 0))
		return -1;
	for (size_t i = from; i < s->out.n; i++)
		s->out.v[i].start += (long)s->g0;
	s->stats.segments++;
	memmove(s->fr, s->fr + n * K, sizeof *s->fr * K * (s->len - n));
	memmove(s->cand, s->cand + n * CB, CB * (s->len - n));
	memmove(s->active, s->active + n, s->len - n);
	s->len -= n;
	s->g0 += n;
	return 0;
}

/*
 * The buffer is full. In a quiet run of cut_run frames or more, cut before
 * its newest frame, exactly as when it ends. Otherwise cut where the fewest
 * keys are active over the 2 tol + 2 frames around the cut, in the second
 * half (ties: the latest), so that few notes cross it. The newest row's
 * candidates are not known yet: the cut is before it.
 */
static int full(struct bp_stream *s)
{
	long w = s->w, n = (long)s->len, best = n - 1;
	long lo = n / 2 > w ? n / 2 : w, sum = 0, min = -1;

	if (s->cut_run && s->run >= s->cut_run)
		return decode(s, s->len - 1);
	for (long j = lo - w; j < lo + w && j < n; j++)
		sum += s->active[j];
	for (long c = lo; c < n; c++) {
		if (min < 0 || sum <= min) {
			min = sum;
			best = c;
		}
		sum -= s->active[c - w];
		if (c + w < n)
			sum += s->active[c + w];
	}
	s->stats.forced_cuts++;
	if (decode(s, (size_t)best) < 0)
		return -1;
	/* a run may only count rows still in the buffer */
	if (s->run > (long)s->len)
		s->run = (long)s->len;
	return 0;
}

int bp_stream_feed(struct bp_stream *s, const float *note, const float *onset,
		   struct pp_err *err)
{
	size_t t = s->fed, row;

	if (s->scanned != s->n_frames || t >= s->n_frames)
		PP_BUG("bp_stream: frame %zu fed, %zu scanned of %zu", t,
		       s->scanned, s->n_frames);
	if (s->len == s->cap && full(s) < 0)
		return pp_fail(err, "out of memory");
	row = s->len++;
	s->fed++;
	memcpy(s->fr + row * K, note, sizeof *s->fr * K);
	infer_row(s, note, onset, t, s->on[t % 3]);
	shift_prev(s->fprev, note);
	if (t > 0)
		set_cand(s, row - 1, t - 1);
	s->active[row] = (unsigned char)active_keys(s, row, s->on[t % 3]);
	if (!s->active[row]) {
		s->run++;
		return 0;
	}
	/* A quiet run long enough ends: cut before its last frame, so that the
	 * next segment starts with an almost empty buffer (the silence stays
	 * with the segment before). */
	if (s->cut_run && s->run >= s->cut_run && row > 1 && decode(s, row - 1) < 0)
		return pp_fail(err, "out of memory");
	s->run = 0;
	return 0;
}

int bp_stream_finish(struct bp_stream *s, struct bp_note **out, size_t *n_out,
		     struct bp_stream_stats *stats, struct pp_err *err)
{
	*out = NULL;
	*n_out = 0;
	if (s->fed != s->n_frames)
		PP_BUG("bp_stream: %zu frames fed of %zu", s->fed, s->n_frames);
	if (s->len > 0) {
		set_cand(s, s->len - 1, s->fed - 1);
		if (decode(s, s->len) < 0)
			return pp_fail(err, "out of memory");
	}
	*out = s->out.v;
	*n_out = s->out.n;
	memset(&s->out, 0, sizeof s->out);
	if (stats)
		*stats = s->stats;
	return 0;
}

void bp_stream_free(struct bp_stream *s)
{
	if (!s)
		return;
	free(s->fr);
	free(s->rem);
	free(s->cand);
	free(s->active);
	free(s->out.v);
	free(s);
}

int bp_notes_decode(const float *note, const float *onset, size_t n_frames,
		    const struct bp_note_params *p, size_t max_segment,
		    struct bp_note **out, size_t *n_out,
		    struct bp_stream_stats *stats, struct pp_err *err)
{
	struct bp_stream *s = bp_stream_new(p, n_frames, max_segment, err);
	int rc = -1;

	*out = NULL;
	*n_out = 0;
	if (!s)
		return -1;
	for (size_t t = 0; t < n_frames; t++)
		bp_stream_scan(s, note + t * K, onset + t * K);
	for (size_t t = 0; t < n_frames; t++)
		if (bp_stream_feed(s, note + t * K, onset + t * K, err) < 0)
			goto out;
	rc = bp_stream_finish(s, out, n_out, stats, err);
out:
	bp_stream_free(s);
	return rc;
}
