/*
 * align.h - joining a performance to its score, note by note, and the
 * summary a teacher reads (the alignment/1 contract, pp-formats(5)).
 *
 * The algorithm (pp-align(1) describes it for users):
 *
 *  1. Score notes are grouped into events: the notes that share an onset;
 *     the grace notes before a main note form an event of their own.
 *  2. A Viterbi pass runs over the performance notes in onset order; a
 *     state is "the score event this note belongs to". A note may stay in
 *     the previous note's event (a chord, an arpeggio), advance by up to
 *     K_ADV events, step back one or two events (a slip), jump far forward
 *     or back at a fixed penalty (a restart, a skipped passage), or be an
 *     extra note. Entering an event charges its notes as missing; a note
 *     that takes an untaken score note of its pitch refunds one (so a pitch
 *     is refunded only as often as the event holds it), a semitone or
 *     octave neighbour costs a little, another pitch as much as an extra
 *     note. A timing term (log ratio of the time since the previous event
 *     to the score distance at the local tempo; each path carries and
 *     smooths its tempo) makes rubato cheap and leaps dear.
 *     A path's future costs depend on what it carries (the event's time,
 *     the tempo, the notes taken), so a state keeps up to K_HYP paths that
 *     differ in the notes taken or the event's time, not only the
 *     cheapest: with one path a state, a path that was cheaper for one
 *     note evicted the right one, and whole passages shifted by a beat in
 *     regular textures. Paths dearer than the best by PRUNE (less the
 *     refunds their event may still give) are dropped, so time and memory
 *     are linear in the number of notes. A move too dear for that margin
 *     (a far jump, a skip, a start later in the score) is tried only at
 *     the start and where no ordinary move places the note free of
 *     charge, and only where the next notes fit the score there; its path
 *     is kept apart while it keeps gaining on the best.
 *  3. Inside each event, performance notes pair with score notes of the
 *     same pitch; unmatched score notes then take a free performance note
 *     of their pitch near the event's time (early or late chord notes);
 *     leftovers placed in an event take an unmatched score note of another
 *     pitch there (within an octave) as wrong-pitch pairs.
 *  4. What is left is extra: an ornament when it is a short note within
 *     two semitones of a still-sounding matched note just before it (an
 *     unmarked trill or turn), or within three semitones of a score note
 *     marked trill, mordent or turn or of a grace group, during its span;
 *     a repeat when it belongs to a run of eight or more extra notes on the
 *     score's pitches, or comes well after the score's end.
 *  5. Event times (median matched onset) give the tempo curve; each note's
 *     onset deviation is measured against a line fitted to the neighbouring
 *     events (four each side, the event itself left out).
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
 * SCORE_FLAGS are layout options of score.h other than PP_SCORE_UNFOLD
 * (which UNFOLD decides), such as PP_SCORE_TREMOLO.
 * Returns 0 and *doc (a new reference), or -1 with a message.
 */
int pp_align_document(const char *score_path, const char *perf_path,
		      enum pp_unfold unfold, int score_flags, json_t **doc,
		      struct pp_err *err);

#endif
