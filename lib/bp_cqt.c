/*
 * bp_cqt.c - constant-Q front end of Basic Pitch (see bp_cqt.h).
 */
#include "bp_cqt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NB2 (2 * BP_CQT_BINS)
#define PADR (BP_CQT_TAPS / 2)       /* reflect padding of each octave */
#define PADL ((BP_CQT_TAPS - 1) / 2) /* zero padding of the decimator */

int bp_cqt_work_init(struct bp_cqt_work *w, struct pp_err *err)
{
	w->a = malloc(sizeof(float) * (BP_WIN + 2 * BP_CQT_TAPS));
	w->b = malloc(sizeof(float) * (BP_WIN + 2 * BP_CQT_TAPS));
	w->seg = malloc(sizeof(float) * BP_FRAMES * BP_CQT_TAPS);
	w->cq = malloc(sizeof(float) * BP_FRAMES * NB2);
	w->spec = malloc(sizeof(float) * BP_FRAMES * BP_CQT_KEEP);
	if (!w->a || !w->b || !w->seg || !w->cq || !w->spec) {
		bp_cqt_work_free(w);
		return pp_fail(err, "out of memory");
	}
	return 0;
}

void bp_cqt_work_free(struct bp_cqt_work *w)
{
	free(w->a);
	free(w->b);
	free(w->seg);
	free(w->cq);
	free(w->spec);
	memset(w, 0, sizeof *w);
}

/* Reflect index J into 0..L-1 (numpy/TF "REFLECT": the edge not repeated). */
static int reflect(int j, int len)
{
	if (j < 0)
		j = -j;
	if (j >= len)
		j = 2 * len - 2 - j;
	return j;
}

/*
 * Accumulation order and precision follow the reference (TF.js's CPU
 * conv2d): taps in order, each product exact in double, the running sum
 * rounded to float32 after every tap. This is what makes the quiet bins,
 * where float32 sums cancel, agree: their dB values set the window's
 * minimum and so shift the whole normalised spectrum.
 */

/* The two hot loops below are vectorised across outputs (the order within
 * one output's sum stays as above); GCC builds an AVX2 clone picked at run
 * time. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HOT __attribute__((optimize("O3"), target_clones("avx2", "default")))
#else
#define HOT
#endif

/* One octave: S (LEN samples) at stride HOP -> w->cq [172][72]. */
HOT static void octave(const struct bp_model *m, struct bp_cqt_work *w,
		   const float *s, int len, int hop)
{
	for (int t = 0; t < BP_FRAMES; t++) {
		float *row = w->seg + (size_t)t * BP_CQT_TAPS;
		int start = t * hop - PADR;
		if (start >= 0 && start + BP_CQT_TAPS <= len) {
			memcpy(row, s + start, sizeof(float) * BP_CQT_TAPS);
		} else {
			for (int i = 0; i < BP_CQT_TAPS; i++)
				row[i] = s[reflect(start + i, len)];
		}
	}
	for (int t = 0; t < BP_FRAMES; t++) {
		const float *row = w->seg + (size_t)t * BP_CQT_TAPS;
		float *acc = w->cq + (size_t)t * NB2;
		memset(acc, 0, sizeof(float) * NB2);
		for (int i = 0; i < BP_CQT_TAPS; i++) {
			const double x = row[i];
			const float *k = m->cqt_k + (size_t)i * NB2;
			for (int b = 0; b < NB2; b++)
				acc[b] = (float)((double)acc[b] + x * k[b]);
		}
	}
}

/* Halves the rate: zero-pad by 127, 256-tap FIR, stride 2. Returns the new
 * length. IN must have room for PADL zeros on each side: it is laid out
 * with the samples at IN + BP_CQT_TAPS. */
HOT static int decimate(const float *lp, const float *in, int len, float *out)
{
	int n = (len + 2 * PADL - BP_CQT_TAPS) / 2 + 1;

	memset(out, 0, sizeof(float) * n);
	for (int i = 0; i < BP_CQT_TAPS; i++) {
		const double h = lp[i];
		const float *x = in + i - PADL;
		for (int j = 0; j < n; j++)
			out[j] = (float)((double)out[j] + (double)x[2 * j] * h);
	}
	return n;
}

/* Magnitudes of one octave into the kept bins of w->spec (as power dB). */
static void store(const struct bp_model *m, struct bp_cqt_work *w, int k)
{
	int first = (BP_CQT_OCTAVES - 1 - k) * BP_CQT_BINS -
		    (BP_CQT_OCTAVES * BP_CQT_BINS - BP_CQT_KEEP);

	for (int b = 0; b < BP_CQT_BINS; b++) {
		int bin = first + b;
		if (bin < 0)
			continue;
		float sc = m->cqt_scale[bin];
		for (int t = 0; t < BP_FRAMES; t++) {
			float re = w->cq[t * NB2 + b] * sc;
			float im = w->cq[t * NB2 + BP_CQT_BINS + b] * sc;
			float mag = sqrtf(re * re + im * im);
			float pw = mag * mag;
			w->spec[t * BP_CQT_KEEP + bin] =
				(float)log((double)(pw + m->log_eps)) * m->log_mul;
		}
	}
}

static void normalise(const struct bp_model *m, float *spec)
{
	size_t n = (size_t)BP_FRAMES * BP_CQT_KEEP;
	float lo = spec[0], hi;

	for (size_t i = 1; i < n; i++)
		if (spec[i] < lo)
			lo = spec[i];
	hi = spec[0] - lo;
	for (size_t i = 0; i < n; i++) {
		spec[i] -= lo;
		if (spec[i] > hi)
			hi = spec[i];
	}
	for (size_t i = 0; i < n; i++) {
		float v = hi != 0.0f ? spec[i] / hi : 0.0f;
		spec[i] = v * m->bn_scale + m->bn_offset;
	}
}

static void stack(const float *spec, float *hs)
{
	static const int shift[BP_HS_CH] = {-36, 0, 36, 57, 72, 84, 93, 101};

	for (int t = 0; t < BP_FRAMES; t++)
		for (int f = 0; f < BP_CONTOUR; f++)
			for (int c = 0; c < BP_HS_CH; c++) {
				int src = f + shift[c];
				hs[((size_t)t * BP_CONTOUR + f) * BP_HS_CH + c] =
					src >= 0 && src < BP_CQT_KEEP ?
					spec[t * BP_CQT_KEEP + src] : 0.0f;
			}
}

void bp_cqt_window(const struct bp_model *m, struct bp_cqt_work *w,
		   const float *x, float *hs)
{
	/* Signals live at offset BP_CQT_TAPS in a and b, zeros around them,
	 * so that the decimator's zero padding needs no special case. */
	float *cur = w->a, *nxt = w->b;
	int len = BP_WIN, hop = BP_HOP;

	memset(cur, 0, sizeof(float) * BP_CQT_TAPS);
	memcpy(cur + BP_CQT_TAPS, x, sizeof(float) * BP_WIN);
	memset(cur + BP_CQT_TAPS + len, 0, sizeof(float) * BP_CQT_TAPS);
	for (int k = 0; k < BP_CQT_OCTAVES; k++) {
		octave(m, w, cur + BP_CQT_TAPS, len, hop);
		store(m, w, k);
		if (k == BP_CQT_OCTAVES - 1)
			break;
		int n = decimate(m->lowpass, cur + BP_CQT_TAPS, len, nxt + BP_CQT_TAPS);
		memset(nxt, 0, sizeof(float) * BP_CQT_TAPS);
		memset(nxt + BP_CQT_TAPS + n, 0, sizeof(float) * BP_CQT_TAPS);
		float *tmp = cur;
		cur = nxt;
		nxt = tmp;
		len = n;
		hop /= 2;
	}
	normalise(m, w->spec);
	stack(w->spec, hs);
}
