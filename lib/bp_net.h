/*
 * bp_net.h - Basic Pitch's network for one window: harmonic stack in,
 * three posteriorgrams out (../shared/docs/basic-pitch.md §3.2).
 *
 *   hs [172][264][8] -> conv 3x39 8->8, ReLU -> conv 5x5 8->1, sigmoid
 *   = contour [172][264]; contour -> conv 7x7 1->32 (frequency stride 3),
 *   ReLU -> conv 7x3 32->1, sigmoid = note [172][88]; hs -> conv 5x5 8->32
 *   (stride 3), ReLU, with note as a 33rd channel in front -> conv 3x3
 *   33->1, sigmoid = onset [172][88].
 *
 * Every convolution is TF "SAME" (zeros outside the window, the extra pad
 * on the right) and runs as im2col (a few time frames at a time) plus one
 * OpenBLAS sgemm, so the cost is dominated by conv2d_1's 340 MMAC per
 * window. Single-threaded unless OpenBLAS is told otherwise.
 */
#ifndef PP_BP_NET_H
#define PP_BP_NET_H

#include "bp_cqt.h"
#include "bp_model.h"
#include "error.h"

struct bp_net {
	const struct bp_model *m;  /* borrowed */
	struct bp_cqt_work cqt;
	float *hs;      /* [172][264][8] */
	float *a1;      /* [172][264][8] conv2d_1 output */
	float *a2;      /* [172][88][32] conv2d_2 output */
	float *cat;     /* [172][88][33] note + conv2d_4 output */
	float *pad;     /* padded input of the current convolution */
	float *patch;   /* im2col rows */
	float *acc;     /* sgemm output before the activation */
};

/* Allocates the work buffers (about 10 MB). Returns 0 or -1. */
int bp_net_init(struct bp_net *n, const struct bp_model *m, struct pp_err *err);
void bp_net_free(struct bp_net *n);

/* Runs one window X (BP_WIN samples). Writes contour [172][264], note
 * [172][88] and onset [172][88]; CONTOUR may be NULL. */
void bp_net_window(struct bp_net *n, const float *x, float *contour,
		   float *note, float *onset);

#endif
