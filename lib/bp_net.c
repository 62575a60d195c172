/*
 * bp_net.c - the six convolutions of Basic Pitch (see bp_net.h).
 */
#include "bp_net.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T BP_FRAMES
#define NT 4               /* time frames per sgemm */
#define PAD_MAX ((T + 6) * (BP_CONTOUR + 40) * 33)
#define PATCH_MAX (NT * BP_CONTOUR * 3 * 39 * 8)

enum act { RELU, SIGMOID };

/* A convolution: input [T][w][c], kernel [kh][kw][c][o], output [T][wo][o]
 * with output channels written at stride ostride (for the concatenation). */
struct conv {
	int w, c;       /* input width and channels */
	int kh, kw, o;  /* kernel */
	int sw;         /* frequency stride */
	int pt, pw;     /* padding before, in time and frequency */
	int wo;         /* output width */
	const float *k, *bias;
	enum act act;
};

int bp_net_init(struct bp_net *n, const struct bp_model *m, struct pp_err *err)
{
	memset(n, 0, sizeof *n);
	n->m = m;
	if (bp_cqt_work_init(&n->cqt, err) < 0)
		return -1;
	n->hs = malloc(sizeof(float) * T * BP_CONTOUR * 8);
	n->a1 = malloc(sizeof(float) * T * BP_CONTOUR * 8);
	n->a2 = malloc(sizeof(float) * T * BP_KEYS * 32);
	n->cat = malloc(sizeof(float) * T * BP_KEYS * 33);
	n->pad = malloc(sizeof(float) * PAD_MAX);
	n->patch = malloc(sizeof(float) * PATCH_MAX);
	n->acc = malloc(sizeof(float) * T * BP_CONTOUR * 32);
	if (!n->hs || !n->a1 || !n->a2 || !n->cat || !n->pad || !n->patch || !n->acc) {
		bp_net_free(n);
		return pp_fail(err, "out of memory");
	}
	return 0;
}

void bp_net_free(struct bp_net *n)
{
	bp_cqt_work_free(&n->cqt);
	free(n->hs);
	free(n->a1);
	free(n->a2);
	free(n->cat);
	free(n->pad);
	free(n->patch);
	free(n->acc);
	memset(n, 0, sizeof *n);
}

/* Copies IN [T][w][c] into PAD [T + kh - 1][wp][c] with zero borders. */
static int pad_input(const struct conv *cv, const float *in, float *pad)
{
	int wp = (cv->wo - 1) * cv->sw + cv->kw;
	int tp = T + cv->kh - 1;

	memset(pad, 0, sizeof(float) * (size_t)tp * wp * cv->c);
	for (int t = 0; t < T; t++) {
		float *dst = pad + ((size_t)(t + cv->pt) * wp + cv->pw) * cv->c;
		memcpy(dst, in + (size_t)t * cv->w * cv->c,
		       sizeof(float) * cv->w * cv->c);
	}
	return wp;
}

static void activate(const struct conv *cv, const float *acc, int rows,
		     float *out, int ostride)
{
	for (int r = 0; r < rows; r++)
		for (int o = 0; o < cv->o; o++) {
			float v = acc[r * cv->o + o] + cv->bias[o];
			if (cv->act == RELU)
				v = v > 0.0f ? v : 0.0f;
			else
				v = (float)(1.0 / (1.0 + exp(-(double)v)));
			out[(size_t)r * ostride + o] = v;
		}
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PP_FMA_CLONE 1
#define BODY static inline __attribute__((always_inline))
#else
#define BODY static
#endif

typedef float v8 __attribute__((vector_size(32)));

/*
 * Direct convolution for 8k output channels: four output positions at a
 * time, eight channels per vector, so each weight vector loaded serves four
 * positions. Reads the padded input PAD (row width WP).
 */
BODY void conv_body(const struct conv *cv, const float *pad, int wp,
		    float *acc_out)
{
	const int C = cv->c, O = cv->o, sw = cv->sw;

	for (int t = 0; t < T; t++)
		for (int x0 = 0; x0 < cv->wo; x0 += 4)
			for (int g = 0; g < O; g += 8) {
				v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
				for (int dt = 0; dt < cv->kh; dt++) {
					const float *row = pad + (size_t)(t + dt) * wp * C;
					for (int dw = 0; dw < cv->kw; dw++) {
						const float *wv = cv->k + (size_t)(dt * cv->kw + dw) * C * O + g;
						const float *x = row + (size_t)(x0 * sw + dw) * C;
						for (int c = 0; c < C; c++) {
							v8 w;
							memcpy(&w, wv + (size_t)c * O, sizeof w);
							a0 += x[c] * w;
							a1 += x[c + sw * C] * w;
							a2 += x[c + 2 * sw * C] * w;
							a3 += x[c + 3 * sw * C] * w;
						}
					}
				}
				float *o = acc_out + ((size_t)t * cv->wo + x0) * O + g;
				memcpy(o, &a0, sizeof a0);
				memcpy(o + O, &a1, sizeof a1);
				memcpy(o + 2 * O, &a2, sizeof a2);
				memcpy(o + 3 * O, &a3, sizeof a3);
			}
}

/* conv_body compiled twice: for AVX2 + FMA (chosen at run time when the
 * CPU has them) and for the baseline. */
#ifdef PP_FMA_CLONE
__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=fast")))
static void conv_fma(const struct conv *cv, const float *pad, int wp, float *out)
{
	conv_body(cv, pad, wp, out);
}
#endif

__attribute__((optimize("O3")))
static void conv_plain(const struct conv *cv, const float *pad, int wp, float *out)
{
	conv_body(cv, pad, wp, out);
}

static void conv_direct(const struct conv *cv, const float *pad, int wp, float *out)
{
#ifdef PP_FMA_CLONE
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		conv_fma(cv, pad, wp, out);
		return;
	}
#endif
	conv_plain(cv, pad, wp, out);
}

static void conv_run(struct bp_net *n, const struct conv *cv, const float *in,
		     float *out, int ostride)
{
	int wp = pad_input(cv, in, n->pad);

	if (cv->o % 8 == 0 && cv->wo % 4 == 0) {
		conv_direct(cv, n->pad, wp, n->acc);
		activate(cv, n->acc, T * cv->wo, out, ostride);
		return;
	}
	int kdim = cv->kh * cv->kw * cv->c;
	int span = cv->kw * cv->c;

	for (int t0 = 0; t0 < T; t0 += NT) {
		int nt = T - t0 < NT ? T - t0 : NT;
		int rows = nt * cv->wo;
		for (int dt = 0; dt < nt; dt++)
			for (int x = 0; x < cv->wo; x++) {
				float *p = n->patch + (size_t)(dt * cv->wo + x) * kdim;
				for (int i = 0; i < cv->kh; i++)
					memcpy(p + i * span,
					       n->pad + ((size_t)(t0 + dt + i) * wp + x * cv->sw) * cv->c,
					       sizeof(float) * span);
			}
		if (cv->o == 1)
			cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, kdim, 1.0f,
				    n->patch, kdim, cv->k, 1, 0.0f, n->acc, 1);
		else
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows,
				    cv->o, kdim, 1.0f, n->patch, kdim, cv->k, cv->o,
				    0.0f, n->acc, cv->o);
		activate(cv, n->acc, rows, out + (size_t)t0 * cv->wo * ostride, ostride);
	}
}

void bp_net_window(struct bp_net *n, const float *x, float *contour,
		   float *note, float *onset)
{
	const struct bp_model *m = n->m;
	const struct conv c1 = {BP_CONTOUR, 8, 3, 39, 8, 1, 1, 19, BP_CONTOUR, m->w1, m->b1, RELU};
	const struct conv cc = {BP_CONTOUR, 8, 5, 5, 1, 1, 2, 2, BP_CONTOUR, m->wc, m->bc, SIGMOID};
	const struct conv c2 = {BP_CONTOUR, 1, 7, 7, 32, 3, 3, 2, BP_KEYS, m->w2, m->b2, RELU};
	const struct conv c3 = {BP_KEYS, 32, 7, 3, 1, 1, 3, 1, BP_KEYS, m->w3, m->b3, SIGMOID};
	const struct conv c4 = {BP_CONTOUR, 8, 5, 5, 32, 3, 2, 1, BP_KEYS, m->w4, m->b4, RELU};
	const struct conv c5 = {BP_KEYS, 33, 3, 3, 1, 1, 1, 1, BP_KEYS, m->w5, m->b5, SIGMOID};
	/* Without a caller's contour buffer, the cat buffer (172 x 88 x 33 >=
	 * 172 x 264) holds it until conv2d_2 has read it. */
	float *ctr = contour ? contour : n->cat;

	bp_cqt_window(m, &n->cqt, x, n->hs);
	conv_run(n, &c1, n->hs, n->a1, 8);
	conv_run(n, &cc, n->a1, ctr, 1);
	conv_run(n, &c2, ctr, n->a2, 32);
	conv_run(n, &c3, n->a2, note, 1);
	conv_run(n, &c4, n->hs, n->cat + 1, 33);
	for (int i = 0; i < T * BP_KEYS; i++)
		n->cat[(size_t)i * 33] = note[i];
	conv_run(n, &c5, n->cat, onset, 1);
}
