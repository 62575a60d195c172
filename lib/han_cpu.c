/*
 * han_cpu.c - the HAN forward pass on the CPU: the readable reference.
 *
 * Layer functions over plain float arrays with explicit sizes, GEMMs on
 * OpenBLAS (cblas_sgemm / cblas_sgemv), everything row-major. Each layer is
 * what train/han.py computes; pp_han_forward reads as the list of layers.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "han.h"

/* out[n, o] = in[n, i] . W[o, i]^T + b[o] */
static void linear(float *out, const float *in, const float *w, const float *b,
		   int n, int i, int o)
{
	for (int r = 0; r < n; r++)
		memcpy(out + (size_t)r * o, b, o * sizeof(float));
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, o, i, 1.0f, in, i,
		    w, i, 1.0f, out, o);
}

static float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

/* One direction of one LSTM layer over in[T, I]: writes h_t to
 * out[t*ostride + ooff .. +H]. PyTorch gates i, f, g, o; h0 = c0 = 0.
 * GATES is scratch [T, 4H], HC scratch [3H]. */
static void lstm_dir(float *out, int ostride, int ooff, const float *in, int T,
		     int ni, int H, const float *w_ih, const float *w_hh,
		     const float *b_ih, const float *b_hh, int reverse,
		     float *gates, float *hc)
{
	float *h = hc, *c = hc + H;
	linear(gates, in, w_ih, b_ih, T, ni, 4 * H);
	for (int t = 0; t < T; t++)
		for (int k = 0; k < 4 * H; k++)
			gates[(size_t)t * 4 * H + k] += b_hh[k];
	memset(h, 0, 2 * H * sizeof(float));
	for (int s = 0; s < T; s++) {
		int t = reverse ? T - 1 - s : s;
		float *z = gates + (size_t)t * 4 * H;
		if (s)
			cblas_sgemv(CblasRowMajor, CblasNoTrans, 4 * H, H, 1.0f, w_hh, H,
				    h, 1, 1.0f, z, 1);
		float *o = out + (size_t)t * ostride + ooff;
		for (int k = 0; k < H; k++) {
			float ig = sigmoidf(z[k]), fg = sigmoidf(z[H + k]);
			float gg = tanhf(z[2 * H + k]), og = sigmoidf(z[3 * H + k]);
			c[k] = fg * c[k] + ig * gg;
			h[k] = og * tanhf(c[k]);
			o[k] = h[k];
		}
	}
}

/* A bidirectional multi-layer LSTM: in[T, I] -> out[T, 2H]. */
static int bilstm(float *out, const float *in, int T, const struct pp_lstm *l)
{
	int H = l->hidden;
	float *gates = malloc((size_t)T * 4 * H * sizeof(float));
	float *mid = malloc((size_t)T * 2 * H * sizeof(float));
	float *hc = malloc(3 * (size_t)H * sizeof(float));
	if (!gates || !mid || !hc) {
		free(gates); free(mid); free(hc);
		return -1;
	}
	const float *x = in;
	int ni = l->input;
	for (int k = 0; k < l->layers; k++) {
		float *y = k == l->layers - 1 ? out : mid;
		for (int d = 0; d < 2; d++)
			lstm_dir(y, 2 * H, d * H, x, T, ni, H, l->w_ih[k][d], l->w_hh[k][d],
				 l->b_ih[k][d], l->b_hh[k][d], d, gates, hc);
		x = y;
		ni = 2 * H;
	}
	free(gates); free(mid); free(hc);
	return 0;
}

/* Context attention pooling: x[R, S] rows in groups grp[R] (0..G-1,
 * non-decreasing) -> out[G, S]. MASK: rows summing to 0 score -1e10 (the
 * top level). SCRATCH [R, S] + [R, 8]. */
static int attention(float *out, const float *x, const int *grp, int R, int G,
		     const struct pp_attn *a, int mask)
{
	int S = a->size, d = S / PP_HAN_HEADS;
	float *t = malloc((size_t)R * S * sizeof(float));
	float *sc = malloc((size_t)R * PP_HAN_HEADS * sizeof(float));
	if (!t || !sc) {
		free(t); free(sc);
		return -1;
	}
	linear(t, x, a->w, a->b, R, S, S);
	for (int r = 0; r < R; r++) {
		float sum = 0;
		for (int j = 0; j < S; j++)
			sum += x[(size_t)r * S + j];
		for (int k = 0; k < PP_HAN_HEADS; k++) {
			float s = 0;
			for (int j = 0; j < d; j++)
				s += tanhf(t[(size_t)r * S + k * d + j]) * a->context[k * d + j];
			sc[r * PP_HAN_HEADS + k] = mask && sum == 0.0f ? -1e10f : s;
		}
	}
	memset(out, 0, (size_t)G * S * sizeof(float));
	for (int r0 = 0; r0 < R;) {
		int r1 = r0;
		while (r1 < R && grp[r1] == grp[r0])
			r1++;
		float *o = out + (size_t)grp[r0] * S;
		for (int k = 0; k < PP_HAN_HEADS; k++) {
			float mx = -INFINITY, den = 0;
			for (int r = r0; r < r1; r++)
				mx = fmaxf(mx, sc[r * PP_HAN_HEADS + k]);
			for (int r = r0; r < r1; r++)
				den += expf(sc[r * PP_HAN_HEADS + k] - mx);
			for (int r = r0; r < r1; r++) {
				float w = expf(sc[r * PP_HAN_HEADS + k] - mx) / den;
				for (int j = 0; j < d; j++)
					o[k * d + j] += w * x[(size_t)r * S + k * d + j];
			}
		}
		r0 = r1;
	}
	free(t); free(sc);
	return 0;
}

/* The voice LSTM: each voice v >= 1 alone over its rows of e[N, H];
 * outputs scattered to u[N, 2H] (voice-0 rows stay zero). */
static int voice_lstm(float *u, const float *e, const int32_t *voice, int N,
		      const struct pp_lstm *l)
{
	int H = l->input, O = 2 * l->hidden, maxv = 0, rc = 0;
	for (int i = 0; i < N; i++)
		maxv = voice[i] > maxv ? voice[i] : maxv;
	int *rows = malloc((size_t)N * sizeof(int));
	float *xs = malloc((size_t)N * H * sizeof(float));
	float *ys = malloc((size_t)N * O * sizeof(float));
	if (!rows || !xs || !ys)
		rc = -1;
	memset(u, 0, (size_t)N * O * sizeof(float));
	for (int v = 1; v <= maxv && !rc; v++) {
		int n = 0;
		for (int i = 0; i < N; i++)
			if (voice[i] == v)
				rows[n++] = i;
		if (!n)
			continue;
		for (int k = 0; k < n; k++)
			memcpy(xs + (size_t)k * H, e + (size_t)rows[k] * H, H * sizeof(float));
		rc = bilstm(ys, xs, n, l);
		for (int k = 0; k < n && !rc; k++)
			memcpy(u + (size_t)rows[k] * O, ys + (size_t)k * O, O * sizeof(float));
	}
	free(rows); free(xs); free(ys);
	return rc;
}

static float *alloc(size_t n, int *bad)
{
	float *p = calloc(n ? n : 1, sizeof(float));
	if (!p)
		*bad = 1;
	return p;
}

int pp_han_forward(const struct pp_han *m, const struct pp_han_input *in,
		   struct pp_han_levels *lv, struct pp_err *err)
{
	const struct pp_han_params *p = &m->p;
	int N = in->n, H = m->cfg.hidden, L = m->cfg.labels, bad = 0, M;
	int *bg = malloc((size_t)N * sizeof(int)), *mg = malloc((size_t)N * sizeof(int));
	float *hcat = malloc((size_t)N * 4 * H * sizeof(float));
	memset(lv, 0, sizeof *lv);
	if (!bg || !mg || !hcat)
		goto oom;
	int B = pp_han_groups(in, bg, mg, &M);
	lv->n = N; lv->beats = B; lv->measures = M;
	lv->embedding = alloc((size_t)N * H, &bad);
	lv->note_lstm = alloc((size_t)N * 2 * H, &bad);
	lv->voice_lstm = alloc((size_t)N * 2 * H, &bad);
	lv->beat_attention = alloc((size_t)B * 4 * H, &bad);
	lv->beat_lstm = alloc((size_t)B * 2 * H, &bad);
	lv->measure_attention = alloc((size_t)M * 2 * H, &bad);
	lv->measure_lstm = alloc((size_t)M * 2 * H, &bad);
	lv->top_attention = alloc(2 * H, &bad);
	lv->logits = alloc(L, &bad);
	lv->output = alloc(L, &bad);
	if (bad)
		goto oom;
	float fc1[1024]; /* 2H */
	linear(lv->embedding, in->x, p->embed_w, p->embed_b, N, in->f, H);
	if (bilstm(lv->note_lstm, lv->embedding, N, &p->note) ||
	    voice_lstm(lv->voice_lstm, lv->embedding, in->voice, N, &p->voice))
		goto oom;
	for (int r = 0; r < N; r++) {
		memcpy(hcat + (size_t)r * 4 * H, lv->note_lstm + (size_t)r * 2 * H, 2 * H * sizeof(float));
		memcpy(hcat + (size_t)r * 4 * H + 2 * H, lv->voice_lstm + (size_t)r * 2 * H, 2 * H * sizeof(float));
	}
	if (attention(lv->beat_attention, hcat, bg, N, B, &p->beat_attn, 0) ||
	    bilstm(lv->beat_lstm, lv->beat_attention, B, &p->beat) ||
	    attention(lv->measure_attention, lv->beat_lstm, mg, B, M, &p->measure_attn, 0) ||
	    bilstm(lv->measure_lstm, lv->measure_attention, M, &p->measure))
		goto oom;
	int *top = malloc((size_t)M * sizeof(int));
	if (!top || attention(lv->top_attention, lv->measure_lstm, memset(top, 0, M * sizeof(int)), M, 1, &p->top_attn, 1)) {
		free(top);
		goto oom;
	}
	free(top);
	linear(fc1, lv->top_attention, p->fc1_w, p->fc1_b, 1, 2 * H, 2 * H);
	for (int k = 0; k < 2 * H; k++)
		fc1[k] = 0.5f * fc1[k] * (1.0f + erff(fc1[k] * (float)M_SQRT1_2));
	linear(lv->logits, fc1, p->fc2_w, p->fc2_b, 1, 2 * H, L);
	for (int k = 0; k < L; k++)
		lv->output[k] = sigmoidf(lv->logits[k]);
	free(bg); free(mg); free(hcat);
	return 0;
oom:
	free(bg); free(mg); free(hcat);
	pp_han_levels_free(lv);
	return pp_fail(err, "out of memory in the forward pass (%d rows)", N);
}
