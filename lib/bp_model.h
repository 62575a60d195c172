/*
 * bp_model.h - the Basic Pitch weights (Spotify, Apache-2.0, npm
 * @spotify/basic-pitch 1.0.1), read straight from the TF.js graph-model
 * files: model.json (its weightsManifest: name, shape, dtype of each tensor,
 * in the order they are packed) and the one weight shard.
 *
 * The loader does not interpret the graph: the architecture is fixed
 * (../shared/docs/basic-pitch.md, bp_cqt.h, bp_net.h). It walks the
 * manifest, checks that every tensor is float32 or int32, that the sizes add
 * up to the shard's length exactly, and that each tensor pp uses is present
 * with the expected shape. A different or damaged model is refused with one
 * line naming the file and the tensor, and a hint to run tools/deps.sh
 * (which fetches the weights with tools/fetch-basic-pitch.sh).
 *
 * Ownership: bp_model_load fills a struct the caller releases with
 * bp_model_free; every pointer in it points into memory it owns.
 */
#ifndef PP_BP_MODEL_H
#define PP_BP_MODEL_H

#include "error.h"

#define BP_SR 22050          /* Hz, the model's sample rate */
#define BP_HOP 256           /* samples per frame */
#define BP_WIN 43844         /* samples per window (2 s - one hop) */
#define BP_FRAMES 172        /* frames per window */
#define BP_KEEP_FROM 15      /* first kept frame of a window */
#define BP_KEEP 142          /* frames kept per window */
#define BP_WIN_HOP 36164     /* window hop: BP_WIN - 30 hops */
#define BP_LEAD 3840         /* zeros put before the audio: 15 hops */
#define BP_FPS 86            /* the code's ANNOTATIONS_FPS = floor(22050/256) */
#define BP_CQT_TAPS 256      /* CQT kernel length */
#define BP_CQT_BINS 36       /* bins per octave */
#define BP_CQT_OCTAVES 9
#define BP_CQT_KEEP 309      /* bins kept (of 9 x 36 = 324): 27.5 Hz up */
#define BP_HS_CH 8           /* harmonic-stack channels */
#define BP_CONTOUR 264       /* contour bins: 88 keys x 3 */
#define BP_KEYS 88           /* note and onset bins: MIDI 21-108 */
#define BP_MIDI_LOW 21

struct bp_model {
	float *blob;          /* the weight shard, owned, 4-byte elements */
	float *cqt_k;         /* [256][72] owned: real (36) then imaginary (36) */
	const float *lowpass; /* [256] half-band decimation FIR */
	const float *cqt_scale; /* [309] per-bin sqrt-length scale */
	float log_eps;        /* NormalizedLog: added to the power (1e-10) */
	float log_mul;        /* NormalizedLog: 10/ln 10 */
	float bn_scale;       /* folded BatchNorm on the log spectrum */
	float bn_offset;
	const float *w1, *b1; /* conv2d_1 [3][39][8][8], [8] (BN folded) */
	const float *wc, *bc; /* contours-reduced [5][5][8][1], [1] */
	const float *w2, *b2; /* conv2d_2 [7][7][1][32], [32] */
	const float *w3, *b3; /* conv2d_3 [7][3][32][1], [1] */
	const float *w4, *b4; /* conv2d_4 [5][5][8][32], [32] (BN folded) */
	const float *w5, *b5; /* conv2d_5 [3][3][33][1], [1] */
};

/* Loads DIR/model.json and the shard it names (DIR is the model directory,
 * e.g. DATADIR/basic-pitch/model). Returns 0, or -1 with a message. */
int bp_model_load(struct bp_model *m, const char *dir, struct pp_err *err);

/* Releases what bp_model_load allocated; safe on a zeroed struct. */
void bp_model_free(struct bp_model *m);

#endif
