/*
 * align.h - joining a performance to its score, note by note, and the
 * summary a teacher reads (the alignment/1 contract, pp-formats(5)).
 *
 * The algorithm (pp-align(1) describes it for users):
 *
 *  1. Score notes are grouped into events: all notes that share an onset
 *     (grace notes join the event of their main note).
 *  2. A beam-limited Viterbi pass runs over the performance notes in onset
 *     order. A state is "the score event this note belongs to". From the
 *     previous note's event a note may stay (a chord note, an arpeggio, a
 *     repeated key), advance by one or a few events (skipped events cost
 *     their notes as missing), jump far (a fixed penalty: a restart, a
 *     skipped passage) or be an extra note (stays, costs a constant). The
 *     local cost is 0 when the pitch is in the event's pitch set, lower
 *     for an octave or semitone neighbour than for an unrelated pitch, and
 *     a timing term compares the time since the previous event with the
 *     score distance at the local tempo, which each path carries and
 *     updates (seconds per quarter, smoothed), so rubato and gradual tempo
 *     changes cost little while wild jumps cost much. The beam follows the
 *     best state, so time and memory are linear in the number of notes.
 *  3. Inside each event, performance notes are paired with score notes of
 *     the same pitch; leftovers that sit where an unmatched score note of
 *     another pitch was expected become wrong-pitch pairs; then unmatched
 *     score notes take a nearby unused performance note of their pitch
 *     (chords played early or late, asynchrony).
 *  4. What is left is extra; an extra note inside the span of a score note
 *     marked trill, mordent or turn (or next to a grace group), within
 *     three semitones of it, is an ornament; a long run of extra notes
 *     after the score's end, or one that repeats score pitches, is a
 *     repeat.
 *  5. A local tempo curve (event times against score positions, smoothed)
 *     gives each matched note its onset deviation and the per-beat and
 *     per-measure tempo.
 *
 * Ownership: pp_align returns a new struct pp_alignment that the caller
 * frees with pp_alignment_free. It keeps pointers to SCORE and PERF, which
 * must outlive it.
 */
#ifndef PP_ALIGN_H
#define PP_ALIGN_H

#include <jansson.h>

#include "error.h"
#include "notes.h"
#include "score.h"

enum pp_match_status { PP_MATCHED, PP_WRONG_PITCH, PP_MISSING };
enum pp_extra_kind { PP_EXTRA, PP_ORNAMENT, PP_REPEAT };

struct pp_match {
	enum pp_match_status status;
	int perf;               /* index into perf->notes, -1 when missing */
	double onset_deviation; /* seconds, + late, against the local tempo */
};

struct pp_extra {
	int perf;               /* index into perf->notes */
	int measure;            /* nearest measure */
	enum pp_extra_kind kind;
};

struct pp_alignment {
	const struct pp_score *score;
	const struct pp_notes *perf;
	struct pp_match *match;  /* [score->n_notes] */
	struct pp_extra *extra;  /* [n_extra], in performance order */
	int n_extra;
	double *event_time;      /* [score->n_notes] local-tempo time of each note's onset, s */
	double cost;             /* Viterbi cost, lower is better (for choosing layouts) */
};

/* Aligns PERF to SCORE. An empty performance or score gives an alignment
 * with everything missing or extra. Returns 0 and *out, or -1 (out of
 * memory). */
int pp_align(const struct pp_score *score, const struct pp_notes *perf,
	     struct pp_alignment **out, struct pp_err *err);

void pp_alignment_free(struct pp_alignment *a);

/* Counts, for choosing between layouts (folded or unfolded repeats). */
int pp_alignment_matched(const struct pp_alignment *a);

/* The alignment/1 members "match", "extra" and "summary" added to DOC (an
 * object that already holds "score" and "performance"). */
void pp_alignment_json(const struct pp_alignment *a, json_t *doc);

/* How pp_align_document treats repeats in the score. */
enum pp_unfold {
	PP_UNFOLD_AUTO, /* align both ways, keep the cheaper alignment */
	PP_UNFOLD_NO,   /* the score as written: each measure once */
	PP_UNFOLD_YES,  /* repeats and voltas in playing order */
};

/*
 * The whole of pp-align: reads the score (MusicXML or .mxl) at SCORE_PATH
 * and the performance at PERF_PATH (MIDI or notes/1 JSON; NULL or "-" =
 * stdin), aligns them and builds the alignment/1 document: "score",
 * "performance" (the notes/1 content without "pp"; for JSON input every
 * member of the input is kept), "match", "extra", "summary", and
 * "performance_metrics" (the input's, plus pp-align's wall time).
 * Returns 0 and *doc (a new reference), or -1 with a message.
 */
int pp_align_document(const char *score_path, const char *perf_path,
		      enum pp_unfold unfold, json_t **doc, struct pp_err *err);

#endif
