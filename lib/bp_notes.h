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
 * Streaming note creation: the same algorithm with memory bounded by a
 * segment of MAX_SEGMENT frames, whatever the input's length. The rows go
 * through twice, in order:
 *
 *     struct bp_stream *s = bp_stream_new(p, n_frames, max_segment, err);
 *     for t in 0..n_frames-1: bp_stream_scan(s, note[t], onset[t]);
 *     for t in 0..n_frames-1: bp_stream_feed(s, note[t], onset[t], err);
 *     bp_stream_finish(s, &notes, &n, &stats, err);
 *     bp_stream_free(s);
 *
 * The scan gathers the two global maxima that step 2 rescales by. The feed
 * computes the inferred onsets and the onset candidates row by row (they
 * need only a row's two predecessors and its successor) and collects rows
 * into a segment; steps 4-6 run on a segment as on a whole input.
 *
 * Where a segment may end. Call a frame quiet when no key in the band has a
 * note posterior at or above the frame threshold and no key has an
 * (inferred) onset above the onset threshold. No onset candidate and no
 * melodia start lies in a quiet frame, and there the remaining energy
 * (only ever lowered) is below the threshold whatever happened before, so
 * every walk counts the frame as "below". A walk stops after tol (the
 * energy tolerance, 11) such frames in a row. In a run of L >= tol quiet
 * frames R..R+L-1, walks from before the run therefore stop before R+tol
 * and walks from after it (the melodia pass also walks backwards) stop at
 * R+L-tol or later: neither side reads or clears a non-quiet frame of the
 * other, and what they clear inside the run changes no comparison. A cut
 * at a frame C with R < C < R+L then changes no walk's result either: a
 * walk stopped by its segment's end (the reference stops forward walks one
 * frame before the input's last, backward ones one after its first) has
 * already passed the note's last frame above the threshold, next to the run
 * or inside its segment, and counted the quiet frames since, so it ends the
 * note at the same frame; the frames it no longer visits are quiet. Peak
 * picking is done on the whole input as rows arrive, the minimum note
 * length only decides whether a walked note is kept, and the melodia
 * pass's order (global maxima) only interleaves the two sides' own orders.
 * Such cuts give exactly the reference's notes. 11 quiet frames (128 ms)
 * are common between phrases; with 10 they would not be exact.
 *
 * When MAX_SEGMENT frames pass without such a run (sustained playing, 190
 * s by default), the segment is forced to end where the fewest keys are
 * active over 2 tol + 2 frames, in its second half. Only there may the
 * notes differ from the reference: a note held across the cut ends there
 * and restarts after it. STATS counts the forced cuts. MAX_SEGMENT 0 takes
 * the whole input as one segment and never cuts (the reference's memory
 * use).
 */
#define BP_MAX_SEGMENT 16384 /* frames, 190 s: 11.7 MB of segment buffers */

struct bp_stream;

struct bp_stream_stats {
	size_t segments;    /* segments decoded */
	size_t forced_cuts; /* segments ended without a quiet run */
};

/* A decoder for N_FRAMES frames with parameters P (copied). Returns NULL
 * (out of memory) with ERR set. */
struct bp_stream *bp_stream_new(const struct bp_note_params *p,
				size_t n_frames, size_t max_segment,
				struct pp_err *err);

/* First pass: frame after frame, NOTE and ONSET rows of 88 (read only). */
void bp_stream_scan(struct bp_stream *s, const float *note, const float *onset);

/* Second pass, after all frames were scanned: the same rows in the same
 * order. May decode a segment. Returns 0 or -1 (out of memory). */
int bp_stream_feed(struct bp_stream *s, const float *note, const float *onset,
		   struct pp_err *err);

/* After all frames were fed: decodes the last segment and hands over the
 * notes, *OUT (malloc'd, the caller frees it), *N_OUT of them, segment by
 * segment in the reference's order within a segment (onset pass from the
 * last candidate back, then melodia notes); callers sort. STATS may be
 * NULL. Returns 0 or -1 (out of memory). */
int bp_stream_finish(struct bp_stream *s, struct bp_note **out, size_t *n_out,
		     struct bp_stream_stats *stats, struct pp_err *err);

void bp_stream_free(struct bp_stream *s);

/*
 * Decodes NOTE and ONSET ([n_frames][88], read only) into *OUT (malloc'd,
 * the caller frees it), *N_OUT entries, through a bp_stream with
 * MAX_SEGMENT (0: one segment, exactly the reference's order). Returns 0
 * or -1 (out of memory).
 */
int bp_notes_decode(const float *note, const float *onset, size_t n_frames,
		    const struct bp_note_params *p, size_t max_segment,
		    struct bp_note **out, size_t *n_out,
		    struct bp_stream_stats *stats, struct pp_err *err);

/* Seconds of frame F in the stitched output (the reference's
 * modelFrameToTime). */
double bp_frame_time(long f);

#endif
