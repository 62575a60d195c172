/*
 * report.h - static HTML reports and a static JSON API from final pp
 * documents (feedback/1, or any earlier stage: the page shows what the
 * document holds and says nothing about the rest).
 *
 * For each document the report directory gets
 *     ID.html                    the page: radar chart of the 19 dimensions
 *                                with both pole names and the reference band,
 *                                piano roll of performance over score (wrong,
 *                                missing, extra notes marked), tempo and
 *                                loudness per bar, waveform and audio player
 *                                when audio exists, feedback with citations
 *     api/performances/ID.json   identity of the performance
 *     api/analysis/ID.json       predictions, summary, feedback, timings
 * and for the whole set
 *     index.html                 gallery
 *     api/performances.json      list of all performances
 * mirroring the read API of the system pp grew from. Pages use no script and
 * no external resource. Every file is written atomically.
 *
 * Ownership: the caller keeps DOC and REFERENCE.
 */
#ifndef PP_REPORT_H
#define PP_REPORT_H

#include <jansson.h>
#include "error.h"

/* Audio shown on a page: an envelope for the waveform and the file to play. */
struct pp_wave {
	float *mins, *maxs; /* ncols each, in [-1, 1] */
	int ncols;
	double seconds;     /* duration */
};

/* Reads AUDIO (any libsndfile format) into an envelope of NCOLS columns.
 * Returns 0, or -1 with a one-line message. Free with pp_wave_free. */
int pp_wave_load(const char *audio, int ncols, struct pp_wave *w,
		 struct pp_err *err);
void pp_wave_free(struct pp_wave *w);

/*
 * Writes the page and API files of one document into OUTDIR (created if
 * needed). ID names the files (letters, digits, '.', '_' and '-' only);
 * AUDIO, when not NULL, is copied to OUTDIR/audio/ and played on the page;
 * REFERENCE is data/reference.json (may be NULL: no band). Returns 0 or -1.
 */
int pp_report_page(const json_t *doc, const char *id, const char *audio,
		   const json_t *reference, const char *outdir, struct pp_err *err);

/* Writes OUTDIR/index.html and OUTDIR/api/performances.json listing every
 * performance whose OUTDIR/api/performances/ID.json exists, so that pages
 * made one at a time (make -j) still give one gallery. Returns 0 or -1. */
int pp_report_index(const char *outdir, struct pp_err *err);

/* Makes a file-name-safe id from NAME (basename without extension). */
void pp_report_id(const char *name, char *out, size_t cap);

#endif
