/*
 * writer.h - the built-in feedback writer: 150-200 words a teacher would
 * sign, from the facts alone, with no network.
 *
 * What it writes: one real strength (the merit dimension nearest its aim,
 * or the note accuracy, or a steady tempo); the character of the reading
 * where a two-sided scale stands out ("dark", "slow-paced" and "soft" are
 * not faults: it asks whether they fit the music); one or two priorities,
 * the most severe findings of facts.h, each with a concrete practice
 * assignment (which bars, a metronome mark derived from the measured
 * tempo, which hand, how many repetitions) and an inline citation [n] of
 * the retrieved passage that fits it best. Pole names are the ones of
 * data/dimensions.json ("saturated/wet" written "saturated and wet").
 *
 * What it never does: invent. Every number comes from the facts, so the
 * text passes the checker (check.h); without predictions it says nothing
 * about the perceptual scales, without an alignment it names no bars or
 * tempi, and it says so in one sentence. Where the facts are thin, general
 * practice advice without numbers fills the length.
 *
 * Deterministic: the same facts give the same bytes. Not one template:
 * each sentence has several phrasings, chosen by a hash of the material,
 * so different performances read differently.
 *
 * Ownership: *text is malloc'd; the caller frees it.
 */
#ifndef PP_WRITER_H
#define PP_WRITER_H

#include "facts.h"

/* Writes the feedback for F into *text (plain text, paragraphs separated
 * by a blank line, no trailing newline). Returns 0, or -1 with err set
 * (out of memory only). */
int pp_writer_write(const struct pp_facts *f, char **text, struct pp_err *err);

#endif
