/*
 * align_eval.h - scoring an alignment against a ground truth, in the sense
 * of parangonar's fscore_alignments: three sets are compared, match pairs
 * (score note, performance note), deletions (score notes left unplayed)
 * and insertions (performance notes in no pair); an element counts only if
 * it is in both sets, so a pair is right only when both notes agree.
 *
 * Inputs are alignment/1 documents or the .match text format of public
 * corpora (Vienna 4x22, (n)ASAP, Batik), versions 0.x/1.0-5.0 and 1.0.0:
 * lines "snote(ID,...)-note(ID,...)." (a match), "snote(ID,...)-deletion."
 * and "insertion-note(ID,...)." and their older synonyms; ornament and
 * trill lines, like alignment/1 extras of kind "ornament", are in no set
 * (as in parangonar); metadata lines are passed over; any other line is
 * an error naming the file and the line (align_eval.c has the grammar).
 * Keys: a score note is its MusicXML id where the alignment/1 score has
 * one (member xml_id), else "s" and its index; a performance note is "p"
 * and its index in onset order (for .match, the notes sorted by onset
 * tick, then pitch, so that both describe the same MIDI file alike).
 * A wrong-pitch pair of alignment/1 counts as a deletion plus an insertion
 * (a match means the same pitch).
 *
 * Ownership: the caller frees a struct pp_align_sets with
 * pp_align_sets_free.
 */
#ifndef PP_ALIGN_EVAL_H
#define PP_ALIGN_EVAL_H

#include "error.h"

struct pp_align_sets {
	char **match; int n_match;       /* "SCOREKEY PERFKEY" */
	char **deletion; int n_deletion; /* score keys */
	char **insertion; int n_insertion; /* performance keys */
};

struct pp_prf { double precision, recall, f; int tp, n_est, n_truth; };

/* Reads PATH (alignment/1 JSON or .match, told apart by content). */
int pp_align_sets_read(const char *path, struct pp_align_sets *out,
		       struct pp_err *err);

void pp_align_sets_free(struct pp_align_sets *s);

/* Scores EST against TRUTH: out[0] match, out[1] insertion, out[2]
 * deletion. An empty set on both sides scores 1. */
void pp_align_score(const struct pp_align_sets *truth,
		    const struct pp_align_sets *est, struct pp_prf out[3]);

#endif
