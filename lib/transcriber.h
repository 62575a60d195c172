/*
 * transcriber.h - audio to notes through a transcription model, behind one
 * interface so that models can sit side by side (today Basic Pitch; a
 * piano-specific model of pp's own later). A model is a kind in enum
 * pp_tr_kind and a table of operations; callers only see this header.
 *
 * The protocol streams: open, feed mono samples at the model's sample rate
 * (t->sample_rate) in pieces of any size, finish, then decode notes. Audio
 * is processed window by window as it arrives, and what grows with the
 * input, the posteriorgrams (Basic Pitch: note and onset, 2 x 88 floats
 * per 11.6 ms frame, about 210 MiB per hour; the 264-bin contour, 310 MiB
 * more, only when asked for), goes to unlinked temporary files in $TMPDIR
 * (rowfile.h). Note creation reads them back in segments (bp_notes.h), so
 * resident memory does not depend on the input's length.
 *
 * Ownership: the transcriber owns its posteriors; pp_tr_free releases all.
 *
 *     struct pp_transcriber t;
 *     if (pp_tr_open(&t, PP_TR_BASIC_PITCH, 0, err) < 0) return -1;
 *     while (more audio) pp_tr_feed(&t, buf, n, err);
 *     pp_tr_finish(&t, err);
 *     pp_tr_notes(&t, &params, &notes, &n, err);
 *     pp_tr_free(&t);
 */
#ifndef PP_TRANSCRIBER_H
#define PP_TRANSCRIBER_H

#include <stddef.h>
#include "bp_notes.h"
#include "error.h"
#include "rowfile.h"

enum pp_tr_kind {
	PP_TR_BASIC_PITCH, /* Spotify Basic Pitch 1.0.1 (data/basic-pitch) */
};

/* Frame-level outputs of a model, rows of [n_frames][width] in temporary
 * files (read them with pp_rowfile_read). */
struct pp_posteriors {
	size_t n_frames;           /* frames of the input (the files may hold
				    * a few more, past the audio's end) */
	int n_keys;                /* note and onset width: 88 (MIDI 21-108) */
	int n_contour;             /* contour width (264), 0 when not kept */
	struct pp_rowfile note;    /* [n_frames][n_keys] note (frame) activation */
	struct pp_rowfile onset;   /* [n_frames][n_keys] onset activation */
	struct pp_rowfile contour; /* [n_frames][n_contour], when kept */
};

/* A decoded note in seconds. */
struct pp_tr_note {
	int pitch;        /* MIDI */
	double onset;     /* seconds from the start of the audio */
	double offset;    /* seconds */
	double amplitude; /* 0-1, the model's confidence, a velocity proxy */
};

struct pp_transcriber;

struct pp_tr_ops {
	const char *name;  /* "basic-pitch 1.0.1" */
	int (*feed)(struct pp_transcriber *t, const float *x, size_t n,
		    struct pp_err *err);
	int (*finish)(struct pp_transcriber *t, struct pp_err *err);
	int (*notes)(struct pp_transcriber *t,
		     const struct bp_note_params *p, struct pp_tr_note **out,
		     size_t *n, struct pp_err *err);
	void (*free)(struct pp_transcriber *t);
};

struct pp_transcriber {
	const struct pp_tr_ops *ops;
	void *impl;                /* the model's state */
	int sample_rate;           /* Hz the model wants */
	double fps;                /* nominal frames per second */
	size_t n_samples;          /* samples fed so far */
	size_t n_windows;          /* windows run so far (for progress) */
	struct pp_posteriors post; /* filled by feed and finish */
	size_t max_segment;        /* note creation's segment bound, frames
				    * (BP_MAX_SEGMENT; 0 = the whole input) */
	struct bp_stream_stats stats; /* of the last pp_tr_notes */
};

/* Opens a model, its files found in pp's data directory (datadir.h).
 * KEEP_CONTOUR: also keep the contour posteriorgram. Returns 0 or -1. */
int pp_tr_open(struct pp_transcriber *t, enum pp_tr_kind kind,
	       int keep_contour, struct pp_err *err);

/* Same with an explicit model directory (tests, other installs). */
int pp_tr_open_dir(struct pp_transcriber *t, enum pp_tr_kind kind,
		   const char *dir, int keep_contour, struct pp_err *err);

/* Feeds N mono samples at t->sample_rate. Returns 0 or -1. */
int pp_tr_feed(struct pp_transcriber *t, const float *x, size_t n,
	       struct pp_err *err);

/* Ends the input: runs the last windows and trims the posteriors to the
 * audio's length. Returns 0 or -1. */
int pp_tr_finish(struct pp_transcriber *t, struct pp_err *err);

/* Decodes notes from the posteriors (after finish) with P (Basic Pitch's
 * parameters; a later model may ignore some), holding at most
 * t->max_segment frames at once, and sets t->stats. *OUT is malloc'd
 * (caller frees), sorted by onset then pitch. Returns 0 or -1. */
int pp_tr_notes(struct pp_transcriber *t, const struct bp_note_params *p,
		struct pp_tr_note **out, size_t *n, struct pp_err *err);

void pp_tr_free(struct pp_transcriber *t);

/* Opens the temporary files of P for rows of N_KEYS and N_CONTOUR (0: no
 * contour) floats. Returns 0 or -1 (see pp_rowfile_open). */
int pp_posteriors_init(struct pp_posteriors *p, int n_keys, int n_contour,
		       struct pp_err *err);

/* Appends ROWS frames to P (CONTOUR is ignored when P keeps none).
 * Returns 0 or -1 (a write error: a full disk). */
int pp_posteriors_append(struct pp_posteriors *p, const float *note,
			 const float *onset, const float *contour, size_t rows,
			 struct pp_err *err);

/* Closes the files; safe on a zeroed struct. */
void pp_posteriors_free(struct pp_posteriors *p);

#endif
