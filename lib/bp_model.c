/*
 * bp_model.c - reading the Basic Pitch TF.js manifest and weight shard.
 */
#include "bp_model.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

#define PREFIX "StatefulPartitionedCall/model_1/"
#define HINT "; run tools/deps.sh to fetch the Basic Pitch weights"

struct want {
	const char *name;  /* without PREFIX */
	int ndim;
	int shape[4];
	const float **dst; /* where to store the pointer */
	float *scalar;     /* or: copy the single value here */
};

/* Finds NAME in the manifest; returns its element offset or -1. */
static long find(json_t *weights, const long *offs, const char *name,
		 json_t **entry)
{
	size_t i;
	json_t *w;
	char full[256];

	snprintf(full, sizeof full, PREFIX "%s", name);
	json_array_foreach(weights, i, w) {
		const char *n = json_string_value(json_object_get(w, "name"));
		if (n && strcmp(n, full) == 0) {
			*entry = w;
			return offs[i];
		}
	}
	return -1;
}

static int check_shape(json_t *entry, const struct want *wt, const char *file,
		       struct pp_err *err)
{
	json_t *shape = json_object_get(entry, "shape");
	const char *dt = json_string_value(json_object_get(entry, "dtype"));

	if (!dt || strcmp(dt, "float32") != 0)
		return pp_fail(err, "'%s': tensor '%s': expected float32", file, wt->name);
	if (!json_is_array(shape) || (int)json_array_size(shape) != wt->ndim)
		return pp_fail(err, "'%s': tensor '%s': expected %d dimensions",
			       file, wt->name, wt->ndim);
	for (int d = 0; d < wt->ndim; d++)
		if (json_integer_value(json_array_get(shape, d)) != wt->shape[d])
			return pp_fail(err, "'%s': tensor '%s': dimension %d is %lld, expected %d",
				       file, wt->name, d,
				       (long long)json_integer_value(json_array_get(shape, d)),
				       wt->shape[d]);
	return 0;
}

/* Element offsets of every manifest entry; checks dtypes and the total. */
static long *offsets(json_t *weights, size_t nbytes, const char *file,
		     struct pp_err *err)
{
	size_t i, n = json_array_size(weights);
	long *offs = calloc(n ? n : 1, sizeof *offs);
	long pos = 0;
	json_t *w;

	if (!offs) {
		pp_fail(err, "out of memory");
		return NULL;
	}
	json_array_foreach(weights, i, w) {
		const char *dt = json_string_value(json_object_get(w, "dtype"));
		json_t *shape = json_object_get(w, "shape");
		size_t j;
		json_t *d;
		long count = 1;

		if (!dt || (strcmp(dt, "float32") && strcmp(dt, "int32")) ||
		    json_object_get(w, "quantization") || !json_is_array(shape)) {
			pp_fail(err, "'%s': weight %zu: unsupported dtype or shape", file, i);
			free(offs);
			return NULL;
		}
		json_array_foreach(shape, j, d) {
			json_int_t v = json_integer_value(d);
			if (!json_is_integer(d) || v < 0 || v > 1 << 24 || count > (1L << 30) / (v ? v : 1)) {
				pp_fail(err, "'%s': weight %zu: bad shape", file, i);
				free(offs);
				return NULL;
			}
			count *= v;
		}
		offs[i] = pos;
		pos += count;
	}
	if ((size_t)pos * 4 != nbytes) {
		pp_fail(err, "'%s': weights need %ld bytes, the shard has %zu" HINT,
			file, pos * 4, nbytes);
		free(offs);
		return NULL;
	}
	return offs;
}

static int bind(struct bp_model *m, json_t *weights, const long *offs,
		const char *file, struct pp_err *err)
{
	const struct want wants[] = {
		{"cq_t2010v2_1/conv1d/ExpandDims_1", 4, {1, 256, 1, 36}, NULL, NULL},
		{"cq_t2010v2_1/conv1d_1/ExpandDims_1", 4, {1, 256, 1, 36}, NULL, NULL},
		{"cq_t2010v2_1/conv1d_2/ExpandDims_1", 4, {1, 256, 1, 1}, &m->lowpass, NULL},
		{"cq_t2010v2_1/Sqrt", 3, {309, 1, 1}, &m->cqt_scale, NULL},
		{"normalized_log_1/add/y", 0, {0}, NULL, &m->log_eps},
		{"normalized_log_1/truediv", 0, {0}, NULL, &m->log_mul},
		{"batch_normalization/FusedBatchNormV3/Scaled", 1, {1}, NULL, &m->bn_scale},
		{"batch_normalization/FusedBatchNormV3/Offset", 1, {1}, NULL, &m->bn_offset},
		{"conv2d_1/Conv2D_weights", 4, {3, 39, 8, 8}, &m->w1, NULL},
		{"conv2d_1/Conv2D_bn_offset", 1, {8}, &m->b1, NULL},
		{"contours-reduced/Conv2D/ReadVariableOp", 4, {5, 5, 8, 1}, &m->wc, NULL},
		{"contours-reduced/BiasAdd/ReadVariableOp", 1, {1}, &m->bc, NULL},
		{"conv2d_2/Conv2D/ReadVariableOp", 4, {7, 7, 1, 32}, &m->w2, NULL},
		{"conv2d_2/BiasAdd/ReadVariableOp", 1, {32}, &m->b2, NULL},
		{"conv2d_3/Conv2D/ReadVariableOp", 4, {7, 3, 32, 1}, &m->w3, NULL},
		{"conv2d_3/BiasAdd/ReadVariableOp", 1, {1}, &m->b3, NULL},
		{"conv2d_4/Conv2D_weights", 4, {5, 5, 8, 32}, &m->w4, NULL},
		{"conv2d_4/Conv2D_bn_offset", 1, {32}, &m->b4, NULL},
		{"conv2d_5/Conv2D/ReadVariableOp", 4, {3, 3, 33, 1}, &m->w5, NULL},
		{"conv2d_5/BiasAdd/ReadVariableOp", 1, {1}, &m->b5, NULL},
	};
	const float *re = NULL, *im = NULL;

	for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++) {
		json_t *entry = NULL;
		long off = find(weights, offs, wants[i].name, &entry);
		if (off < 0)
			return pp_fail(err, "'%s': no tensor '%s'" HINT, file, wants[i].name);
		if (check_shape(entry, &wants[i], file, err) < 0)
			return -1;
		if (wants[i].dst)
			*wants[i].dst = m->blob + off;
		else if (wants[i].scalar)
			*wants[i].scalar = m->blob[off];
		else if (i == 0)
			re = m->blob + off;
		else
			im = m->blob + off;
	}
	m->cqt_k = malloc(sizeof(float) * BP_CQT_TAPS * 2 * BP_CQT_BINS);
	if (!m->cqt_k)
		return pp_fail(err, "out of memory");
	for (int k = 0; k < BP_CQT_TAPS; k++)
		for (int b = 0; b < BP_CQT_BINS; b++) {
			m->cqt_k[k * 72 + b] = re[k * 36 + b];
			m->cqt_k[k * 72 + 36 + b] = im[k * 36 + b];
		}
	return 0;
}

int bp_model_load(struct bp_model *m, const char *dir, struct pp_err *err)
{
	char path[4096], shard[4096];
	json_error_t jerr;
	json_t *doc, *groups, *weights;
	const char *sname;
	char *data = NULL;
	size_t len = 0;
	long *offs;
	int rc = -1;

	memset(m, 0, sizeof *m);
	snprintf(path, sizeof path, "%s/model.json", dir);
	doc = json_load_file(path, 0, &jerr);
	if (!doc)
		return pp_fail(err, "'%s': %s" HINT, path, jerr.text);
	groups = json_object_get(doc, "weightsManifest");
	weights = json_object_get(json_array_get(groups, 0), "weights");
	sname = json_string_value(json_array_get(
		json_object_get(json_array_get(groups, 0), "paths"), 0));
	if (json_array_size(groups) != 1 || !json_is_array(weights) || !sname ||
	    strchr(sname, '/')) {
		pp_fail(err, "'%s': not a one-shard TF.js weights manifest", path);
		goto out;
	}
	snprintf(shard, sizeof shard, "%s/%s", dir, sname);
	if (pp_read_all(shard, &data, &len, err) < 0)
		goto out;
	if (!(offs = offsets(weights, len, shard, err)))
		goto out;
	m->blob = malloc(len ? len : 1);
	if (!m->blob) {
		free(offs);
		pp_fail(err, "out of memory");
		goto out;
	}
	memcpy(m->blob, data, len);
	rc = bind(m, weights, offs, shard, err);
	free(offs);
out:
	free(data);
	json_decref(doc);
	if (rc < 0)
		bp_model_free(m);
	return rc;
}

void bp_model_free(struct bp_model *m)
{
	free(m->blob);
	free(m->cqt_k);
	memset(m, 0, sizeof *m);
}
