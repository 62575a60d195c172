/*
 * mireval.h - note-level transcription metrics, computed exactly as
 * mir_eval 0.7 does (mir_eval.transcription and
 * mir_eval.transcription_velocity; Debian's python3-mir-eval), so that pp's
 * scores can be quoted next to published ones.
 *
 * A reference note and an estimated note match when their pitches are within
 * 50 cents, their onsets within 50 ms and, for the "with offset" scores,
 * their offsets within max(20 % of the reference note's duration, 50 ms).
 * Time distances are rounded to 4 decimals first, as mir_eval does. Scores
 * count a maximum one-to-one matching: the bipartite graph of possible
 * matches goes through a faithful port of mir_eval's Hopcroft-Karp
 * (util._bipartite_match, with its visiting order), so even the choice
 * among equally large matchings, which the overlap ratio and the velocity
 * scores depend on, is the same.
 *
 * Velocity scores (transcription_velocity): reference velocities rescaled
 * to [0, 1] by their min and range (at least 1), estimated velocities of
 * the matched pairs fitted to them by least squares (slope and intercept),
 * and a pair counts only if the fitted value is within 0.1.
 *
 * Not here: frame-level (multipitch) metrics, pedal-extended offsets.
 */
#ifndef PP_MIREVAL_H
#define PP_MIREVAL_H

#include <stddef.h>
#include "error.h"

struct pp_mir_note {
	double onset, offset; /* seconds, offset >= onset */
	double hz;            /* pitch in Hz, > 0 */
	double velocity;      /* any scale (MIDI 0-127, or mir_eval's) */
};

struct pp_mir_opts {
	double onset_tol;     /* seconds, 0.05 */
	double pitch_tol;     /* cents, 50 */
	double offset_ratio;  /* 0.2 of the reference duration */
	double offset_min;    /* seconds, 0.05 */
	double velocity_tol;  /* 0.1 on the [0, 1] scale */
	double beta;          /* F-measure weight, 1 */
	int strict;           /* 1: < instead of <= */
};

/* One precision / recall / F-measure / average overlap ratio set. */
struct pp_mir_prf {
	double precision, recall, f, overlap;
};

struct pp_mir_scores {
	struct pp_mir_prf notes;          /* onset, pitch and offset */
	struct pp_mir_prf notes_no_offset;/* onset and pitch */
	struct pp_mir_prf onset;          /* onset only (no pitch), overlap unused */
	struct pp_mir_prf offset;         /* offset only (no pitch), overlap unused */
	struct pp_mir_prf vel;            /* notes + velocity */
	struct pp_mir_prf vel_no_offset;  /* notes without offset + velocity */
};

enum pp_mir_match_kind {
	PP_MIR_NOTES,     /* onset + pitch, + offset when offset_ratio > 0 */
	PP_MIR_ONSETS,    /* onset only */
	PP_MIR_OFFSETS,   /* offset only */
};

/* mir_eval's defaults, as listed above. */
void pp_mir_opts_default(struct pp_mir_opts *o);

/*
 * The matching of kind KIND (offset_ratio <= 0 means "no offset" for
 * PP_MIR_NOTES): *PAIRS gets 2 x *N ints (reference index, estimate index),
 * sorted by reference index; malloc'd, the caller frees. Returns 0 or -1.
 */
int pp_mir_match(const struct pp_mir_note *ref, size_t nr,
		 const struct pp_mir_note *est, size_t ne,
		 const struct pp_mir_opts *o, enum pp_mir_match_kind kind,
		 int **pairs, size_t *n, struct pp_err *err);

/* All scores of mir_eval.transcription.evaluate and
 * transcription_velocity.evaluate. Empty inputs give zeros, as there.
 * Returns 0 or -1 (out of memory). */
int pp_mir_evaluate(const struct pp_mir_note *ref, size_t nr,
		    const struct pp_mir_note *est, size_t ne,
		    const struct pp_mir_opts *o, struct pp_mir_scores *s,
		    struct pp_err *err);

/* MIDI note number to Hz (A4 = 440). */
double pp_mir_midi_to_hz(double midi);

#endif

#ifndef PP_MIREVAL_IO
#define PP_MIREVAL_IO
/*
 * Reads notes for evaluation from PATH (NULL or "-" = stdin): a Standard
 * MIDI File, a notes/1 document, or mir_eval's text format (one note a
 * line: onset offset frequency-in-Hz [velocity], '#' comments). *NOTES is
 * malloc'd (caller frees); *HAS_VELOCITY is 0 for text without a velocity
 * column. With PEDAL_EXTEND, a note released while the sustain pedal is
 * down lasts until the pedal comes up or the same key is struck again,
 * whichever is first (the MAESTRO convention; MIDI and notes/1 only).
 * Returns 0 or -1 with "'PATH': line 3: ...".
 */
int pp_mir_load(const char *path, int pedal_extend, struct pp_mir_note **notes,
		size_t *n, int *has_velocity, struct pp_err *err);

/* Adds SECONDS to every onset and offset (clamping nothing). */
void pp_mir_shift(struct pp_mir_note *notes, size_t n, double seconds);

/*
 * The global offset in [-RANGE, RANGE] seconds that, added to the
 * estimate's times, maximises the onset-and-pitch F-measure (10 ms grid,
 * then 1 ms around the best; where a range of offsets ties, its middle). Returns 0
 * or -1.
 */
int pp_mir_fit_offset(const struct pp_mir_note *ref, size_t nr,
		      const struct pp_mir_note *est, size_t ne,
		      const struct pp_mir_opts *o, double range, double *best,
		      struct pp_err *err);
#endif
