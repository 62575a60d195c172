/*
 * note_features.h - the PercePiano / VirtuosoNet per-note input vector.
 * (Not "features.h": that name would shadow glibc's <features.h> under -Ilib.)
 *
 * What it is: from one alignment/1 document (the score model, the
 * performance and the note-to-note match that pp-align made), the 101
 * numbers per row that PercePiano's HAN reads, plus the hierarchy indices
 * (voice, beat, measure) the model groups rows by. The definitions follow
 * PercePiano's pyScoreParser (docs/percepiano-model.md §3) including its
 * quirks; man/pp-features.1.scd documents every column and every place
 * where our score model or aligner cannot supply what the reference had.
 *
 * What it is not: no alignment (pp-align does that), no MusicXML parsing
 * (the score model arrives inside the alignment), no model.
 *
 * Rows: the score notes in score order, then every performance note that
 * no score note kept as its match is inserted as an extra row (voice 0,
 * note_index -1) at the place PercePiano's insertion rule gives.
 *
 * Normalization: the columns PercePiano z-scores (pp_feature_zscored) are
 * z-scored with statistics from a norm file (data/norm/ID.json, written by
 * pp_norm_save); all other columns stay raw. pp_features_extract writes
 * raw values; pp_features_normalize applies a norm.
 *
 * Ownership: pp_features_extract fills a struct the caller releases with
 * pp_features_release. Names and groups are static strings.
 */
#ifndef PP_NOTE_FEATURES_H
#define PP_NOTE_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "error.h"

#define PP_FEAT_DIM 101           /* columns of x */
#define PP_FEAT_QPM_PRIMO 3       /* the one per-performance column */
#define PP_NORM_DEFAULT "percepiano-comp-train" /* data/norm/<id>.json */

struct pp_features {
	size_t n;               /* rows */
	float *x;               /* [n, PP_FEAT_DIM], row-major */
	int32_t *note_index;    /* [n] score note id, -1 on inserted rows */
	int32_t *voice;         /* [n] voice + 10 x part (>= 1), 0 inserted */
	int32_t *beat;          /* [n] continuous beat index 0, 0, 1, ... */
	int32_t *measure;       /* [n] continuous measure index */
	/* counts for reports */
	size_t score_notes;     /* score notes (rows before insertion) */
	size_t matched;         /* score notes that kept a performance note */
	size_t inserted;        /* performance notes inserted as rows */
	int tempo_fallback;     /* 1: no tempo anchor, marked tempo used */
};

/* Column name ("beat_tempo"), group ("score", "performance", "raw midi",
 * "unnormalized copies"), and whether PercePiano z-scores it. */
const char *pp_feature_name(int col);
const char *pp_feature_group(int col);
int pp_feature_zscored(int col);

/* Computes the raw features of an alignment/1 document (already format-
 * checked). NAME is the file for messages. Returns 0, or -1 naming the
 * missing or malformed member. */
int pp_features_extract(const json_t *doc, const char *name,
			struct pp_features *f, struct pp_err *err);

void pp_features_release(struct pp_features *f);

/* Normalization statistics: mean and population std per column (std 0 is
 * stored as 1); columns that are not z-scored hold 0 and 1. */
struct pp_norm {
	char id[128];               /* e.g. "percepiano-comp-train" */
	double mean[PP_FEAT_DIM];
	double std[PP_FEAT_DIM];
};

/* Reads a norm file (JSON, "pp": "norm/1"). Returns 0 or -1. */
int pp_norm_load(const char *path, struct pp_norm *norm, struct pp_err *err);

/* Writes NORM to PATH (NULL or "-" = stdout) as JSON, atomically; SOURCES
 * (may be NULL) is stored as the list of files the statistics came from. */
int pp_norm_save(const char *path, const struct pp_norm *norm,
		 json_t *sources, struct pp_err *err);

/* z-scores the z-scored columns of F in place. */
void pp_features_normalize(struct pp_features *f, const struct pp_norm *norm);

/*
 * Accumulating statistics over many raw feature files: every row counts
 * for the per-note columns (inserted rows included, as PercePiano), one
 * value per file for qpm_primo. Call _add per file, then _finish.
 */
struct pp_norm_acc {
	double sum[PP_FEAT_DIM], sumsq[PP_FEAT_DIM]; /* shifted sums */
	double shift[PP_FEAT_DIM];                   /* first value seen */
	double count[PP_FEAT_DIM];
	int started;
};
void pp_norm_acc_init(struct pp_norm_acc *acc);
void pp_norm_acc_add(struct pp_norm_acc *acc, const float *x, size_t n);
void pp_norm_acc_finish(const struct pp_norm_acc *acc, const char *id,
			struct pp_norm *norm);

#endif
