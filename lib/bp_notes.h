/*
 * bp_notes.h - Basic Pitch's note creation: from the note and onset
 * posteriorgrams ([frames][88]) to note events, exactly as the reference
 * (outputToNotesPoly in @spotify/basic-pitch 1.0.1, toMidi.ts), so that
 * our notes equal the JS package's on the same posteriors:
 *
 *  1. optional frequency limits: bins at or above the maximum, and below the
 *     minimum, are zeroed in both matrices;
 *  2. inferred onsets: per pitch, the smaller of the note posterior's rise
 *     over 1 and over 2 frames, clamped at 0, zero in the first 2 frames,
 *     rescaled to the onset posterior's global maximum, then the element-wise
 *     maximum with the onset posterior;
 *  3. candidates: strict local maxima in time (a first or last frame
 *     compares with its one neighbour) above the onset threshold;
 *  4. from the last candidate to the first: walk forward on the "remaining
 *     energy" (a copy of the note posterior) until the energy tolerance (11)
 *     frames in a row lie below the frame threshold; the note ends at the
 *     last frame above it; notes of <= min_frames are dropped; kept notes
 *     clear the remaining energy over their span for their pitch and both
 *     neighbours;
 *  5. melodia pass (optional): while some remaining energy exceeds the frame
 *     threshold, grow a note both ways from the global maximum with the same
 *     tolerance, clearing as it goes, and keep it if longer than min_frames;
 *  6. amplitude: mean note posterior over the note's frames. pp uses
 *     round(127 x amplitude) as the MIDI velocity: a proxy, not loudness.
 *
 * Pitch bends are not computed (a piano has none).
 *
 * Frame times follow the reference too (bp_frame_time), including its
 * per-window correction constant.
 */
#ifndef PP_BP_NOTES_H
#define PP_BP_NOTES_H

#include <stddef.h>
#include "error.h"

struct bp_note_params {
	double onset_threshold;  /* 0-1, default 0.5 */
	double frame_threshold;  /* 0-1, default 0.3 */
	int min_frames;          /* notes must be longer than this; default 11 */
	int energy_tolerance;    /* frames below threshold that end a note: 11 */
	int infer_onsets;        /* 1 (default): add onsets from note rises */
	int melodia;             /* 1 (default): the melodia pass */
	double min_freq;         /* Hz, 0 = no limit */
	double max_freq;         /* Hz, 0 = no limit */
};

struct bp_note {
	long start;       /* first frame */
	long frames;      /* length in frames, > min_frames */
	int pitch;        /* MIDI 21-108 */
	double amplitude; /* mean note posterior over the note, 0-1 */
};

/* Fills P with Basic Pitch's defaults (as listed above). */
void bp_note_params_default(struct bp_note_params *p);

/* Frames for a minimum note length in milliseconds, as Basic Pitch rounds
 * it: round(ms / 1000 x 22050 / 256). */
int bp_min_frames(double ms);

/*
 * Decodes NOTE and ONSET ([n_frames][88], read only) into *OUT (malloc'd,
 * the caller frees it), *N_OUT entries, in the reference's order (onset
 * pass from the last candidate back, then melodia notes). Returns 0 or -1
 * (out of memory).
 */
int bp_notes_decode(const float *note, const float *onset, size_t n_frames,
		    const struct bp_note_params *p, struct bp_note **out,
		    size_t *n_out, struct pp_err *err);

/* Seconds of frame F in the stitched output (the reference's
 * modelFrameToTime). */
double bp_frame_time(long f);

#endif
