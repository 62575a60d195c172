/*
 * bp_notes_test.c - segmented note creation (bp_stream) against the whole
 * input in one piece (max_segment 0, the reference's algorithm) on
 * synthetic posteriorgrams: phrases of overlapping notes on neighbouring
 * keys, some with onset peaks and some without (melodia notes), under
 * noise just below both thresholds, separated by quiet gaps whose lengths
 * cluster around the shortest run that allows a cut (the energy tolerance,
 * 11 frames). Cuts at quiet runs must give exactly the same notes; forced
 * cuts must still give valid notes.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_notes.h"
#include "tap.h"

#define K 88

static unsigned long long rng_state;

static double rnd(void) /* [0, 1) */
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static int irand(int lo, int hi) /* [lo, hi] */
{
	return lo + (int)(rnd() * (hi - lo + 1));
}

/* One note: a plateau around LEVEL (dipping under the frame threshold now
 * and then), a decay; an onset peak at its start if ONSET. */
static void put_note(float *fr, float *on, long n, long t0, int len, int k,
		     double level, int onset)
{
	for (long t = t0; t < t0 + len + 6 && t < n; t++) {
		double v = t < t0 + len ? level - 0.3 * rnd() :
			   level * 0.4 / (t - t0 - len + 1);
		if (v > fr[t * K + k])
			fr[t * K + k] = (float)v;
	}
	if (onset && t0 < n)
		on[t0 * K + k] = (float)(0.5 + 0.5 * rnd());
}

/* N frames of phrases and gaps; GAP_LO..GAP_HI frames between phrases. */
static void gen(float *fr, float *on, long n, int gap_lo, int gap_hi)
{
	for (long i = 0; i < n * K; i++) {
		fr[i] = (float)(0.299 * rnd() * rnd());
		on[i] = (float)(0.3 * rnd() * rnd());
	}
	for (long t = irand(0, 30); t < n;) {
		int len = irand(5, 300), base = irand(10, 70);
		for (int j = irand(1, len / 4 + 1); j > 0; j--) {
			int at = irand(0, len - 1), l = irand(2, 60);
			put_note(fr, on, n, t + at, l < len - at ? l : len - at,
				 base + irand(-4, 4), 0.3 + 0.7 * rnd(), rnd() < 0.6);
		}
		t += len + 6 + irand(gap_lo, gap_hi);
	}
}

static int cmp_note(const void *a, const void *b)
{
	const struct bp_note *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->pitch != y->pitch)
		return x->pitch - y->pitch;
	if (x->frames != y->frames)
		return x->frames < y->frames ? -1 : 1;
	return (x->amplitude > y->amplitude) - (x->amplitude < y->amplitude);
}

static int same(struct bp_note *a, size_t na, struct bp_note *b, size_t nb)
{
	if (na != nb)
		return 0;
	qsort(a, na, sizeof *a, cmp_note);
	qsort(b, nb, sizeof *b, cmp_note);
	for (size_t i = 0; i < na; i++)
		if (cmp_note(a + i, b + i) || a[i].amplitude != b[i].amplitude)
			return 0;
	return 1;
}

static int valid(const struct bp_note *v, size_t m, long n, int min_frames)
{
	for (size_t i = 0; i < m; i++)
		if (v[i].start < 0 || v[i].frames <= min_frames ||
		    v[i].start + v[i].frames > n || v[i].pitch < 21 ||
		    v[i].pitch > 108 || !(v[i].amplitude >= 0 && v[i].amplitude <= 1))
			return 0;
	return 1;
}

/* Decodes with MAX_SEGMENT and whole; 1 when the notes are identical. */
static int check(const float *fr, const float *on, long n,
		 const struct bp_note_params *p, size_t max_segment,
		 struct bp_stream_stats *st)
{
	struct bp_note *a, *b;
	size_t na, nb;
	struct pp_err err = {{0}};
	int r;

	if (bp_notes_decode(fr, on, (size_t)n, p, 0, &a, &na, NULL, &err) < 0 ||
	    bp_notes_decode(fr, on, (size_t)n, p, max_segment, &b, &nb, st, &err) < 0)
		return 0;
	r = na > 0 && same(a, na, b, nb);
	free(a);
	free(b);
	return r;
}

/* Two notes separated by GAP silent frames: how many segments. */
static size_t segments_for_gap(int gap)
{
	long n = 200;
	float *fr = calloc(n * K, sizeof *fr), *on = calloc(n * K, sizeof *on);
	struct bp_note_params p;
	struct bp_note *v;
	size_t m;
	struct bp_stream_stats st = {0};
	struct pp_err err = {{0}};

	bp_note_params_default(&p);
	for (long t = 50; t < 70; t++)
		fr[t * K + 40] = 0.9f;
	for (long t = 70 + gap; t < 90 + gap; t++)
		fr[t * K + 40] = 0.9f;
	on[50 * K + 40] = on[(70 + gap) * K + 40] = 0.9f;
	if (bp_notes_decode(fr, on, n, &p, 4096, &v, &m, &st, &err) < 0)
		st.segments = 0;
	else
		free(v);
	free(fr);
	free(on);
	return st.segments;
}

int main(void)
{
	long n = 4000;
	float *fr = malloc(sizeof *fr * n * K), *on = malloc(sizeof *on * n * K);
	struct bp_note_params p;
	struct bp_stream_stats st;
	int all = 1, cuts = 1;

	/* A gap of 11 frames allows a cut, 10 do not. A run is cut when it
	 * ends: the leading silence gives one, the trailing one none. */
	is_int(segments_for_gap(10), 2, "a 10-frame gap is not cut");
	is_int(segments_for_gap(11), 3, "an 11-frame gap is cut");

	for (int seed = 1; seed <= 40; seed++) {
		rng_state = (unsigned long long)seed;
		gen(fr, on, n, 6, 16);
		bp_note_params_default(&p);
		switch (seed % 5) {
		case 1: p.melodia = 0; break;
		case 2: p.infer_onsets = 0; break;
		case 3: p.min_freq = 80; p.max_freq = 900; break;
		case 4: p.onset_threshold = 0.6; p.frame_threshold = 0.35; p.min_frames = 3; break;
		}
		memset(&st, 0, sizeof st);
		all &= check(fr, on, n, &p, BP_MAX_SEGMENT, &st);
		cuts &= st.segments > 5 && st.forced_cuts == 0;
		if (getenv("VERBOSE"))
			printf("# seed %d: %zu segments, %zu forced\n", seed,
			       st.segments, st.forced_cuts);
	}
	ok(all, "cuts at quiet runs give the reference's notes (40 inputs)");
	ok(cuts, "each input was cut several times, never forced");

	/* A silence longer than the buffer: still no forced cut. */
	rng_state = 99;
	gen(fr, on, n, 600, 900);
	bp_note_params_default(&p);
	memset(&st, 0, sizeof st);
	ok(check(fr, on, n, &p, 400, &st) && st.forced_cuts == 0,
	   "long silences in a small buffer: same notes, no forced cut");

	/* No gaps at all: forced cuts, valid notes. */
	rng_state = 7;
	gen(fr, on, n, 0, 0);
	for (long t = 0; t < n; t++)
		fr[t * K + 60] = 0.8f; /* one key held throughout: never quiet */
	{
		struct bp_note *v;
		size_t m;
		struct pp_err err = {{0}};
		memset(&st, 0, sizeof st);
		ok(bp_notes_decode(fr, on, n, &p, 300, &v, &m, &st, &err) == 0 &&
		   valid(v, m, n, p.min_frames) && m > 0, "forced cuts: valid notes");
		ok(st.forced_cuts >= 10, "forced cuts counted (%zu)", st.forced_cuts);
		if (m > 0)
			free(v);
	}
	free(fr);
	free(on);
	return tap_done();
}
