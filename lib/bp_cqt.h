/*
 * bp_cqt.h - Basic Pitch's front end for one 43844-sample window: the
 * constant-Q transform (nnAudio CQT2010v2 as baked into the TF.js graph,
 * computed from the kernels in the weight file), the per-window
 * normalised log ("NormalizedLog"), the folded BatchNorm, and the harmonic
 * stack that the network reads.
 *
 * The CQT works octave by octave, top octave first: reflect-pad the signal
 * by 128, correlate with the 36 complex 256-tap kernels at a stride of
 * 256 / 2^k, then halve the rate with the 256-tap low-pass (zero-padded by
 * 127, stride 2) for the next octave. Nine octaves give 324 bins, of which
 * the top 309 (27.5 Hz up, 36 per octave) are kept and scaled by the stored
 * sqrt-length factors; magnitude, power, dB, minus the window's minimum,
 * over the window's maximum. Frame t is centred on sample 256 t. The
 * harmonic stack copies the spectrum shifted by round(36 log2 h) bins for
 * h = 0.5, 1, 2, ..., 7 into 8 channels, cropped to 264 bins.
 *
 * Not here: windowing of a long signal (basic_pitch.h), the network
 * (bp_net.h).
 */
#ifndef PP_BP_CQT_H
#define PP_BP_CQT_H

#include "bp_model.h"
#include "error.h"

struct bp_cqt_work {
	float *a, *b;  /* signal of the current / next octave, BP_WIN + 512 */
	float *seg;    /* [172][256] strided frames of one octave */
	float *cq;     /* [172][72] real | imaginary of one octave */
	float *spec;   /* [172][309] normalised log spectrum */
};

int bp_cqt_work_init(struct bp_cqt_work *w, struct pp_err *err);
void bp_cqt_work_free(struct bp_cqt_work *w);

/* X: BP_WIN samples at 22050 Hz. Writes HS [172][264][8] (NHWC, time,
 * frequency, harmonic). Never fails: the sizes are fixed. */
void bp_cqt_window(const struct bp_model *m, struct bp_cqt_work *w,
		   const float *x, float *hs);

#endif
