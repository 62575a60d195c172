/*
 * infer.h - what pp-infer does with the HAN: a set of models (one file, or
 * every fold model in a directory), their mean prediction with the spread
 * across folds, and the predictions/1 document (pp-formats(5)).
 *
 * Not the network itself (han.h) nor the command line (src/pp-infer.c).
 *
 * Ownership: the caller owns the set (pp_infer_set_free) and the document
 * it gets (json_decref).
 */
#ifndef PP_INFER_H
#define PP_INFER_H

#include <jansson.h>
#include "han.h"

#define PP_INFER_MAX_MODELS 16
/* A dimension whose fold models disagree by more than this (sd on the 0..1
 * scale, about a third of a Likert point) is flagged "uncertain". */
#define PP_INFER_UNCERTAIN_SD 0.05
/* A dimension the models explain less than this share of on held-out
 * segments (R2, metadata "dimension_r2", mean over the fold models) is
 * marked "reliable": false: the number is reported, but it should not
 * carry advice (pp-feedback and pp-retrieve pass it over). */
#define PP_INFER_MIN_R2 0.15

enum pp_device { PP_DEV_AUTO, PP_DEV_CPU, PP_DEV_CUDA };

struct pp_infer_set {
	int n;                                  /* models loaded */
	struct pp_han m[PP_INFER_MAX_MODELS];   /* fold models, same shape */
	json_t *reference;                      /* data/reference.json, owned */
	json_t *dimensions;                     /* data/dimensions.json, owned */
	int gpu;                                /* 1: run on the GPU */
};

/* Loads PATH: a model file, or a directory whose *.safetensors are fold
 * models (sorted by name; all must share input size and norm id), plus
 * data/reference.json and data/dimensions.json. Returns 0 or -1. */
int pp_infer_open(struct pp_infer_set *s, const char *path, struct pp_err *err);

void pp_infer_set_free(struct pp_infer_set *s);

/* Runs every model on the features file ST (named NAME) and builds the
 * predictions/1 document: the features' upstream document (metadata
 * "document") with "id", "model" and "dimensions" added. Returns 0, or -1
 * (a refused input, a GPU failure). */
int pp_infer_run(struct pp_infer_set *s, const struct pp_st *st,
		 const char *name, json_t **doc, struct pp_err *err);

/* Writes every level of the first model's forward pass on ST to PATH
 * (safetensors, F32; the names of tests/fixtures/han/NAME.levels.*), on
 * the device chosen for the set: for checking one backend against another.
 * Returns 0 or -1. */
int pp_infer_dump(struct pp_infer_set *s, const struct pp_st *st, const char *name,
		  const char *path, struct pp_err *err);

/* Where V stands in the 21-point percentile grid P (0, 5, ..., 100 %):
 * linear between grid points, clamped to 0..100. */
double pp_infer_percentile(const double *p, double v);

#endif
