/*
 * note_features_norm.c - normalization statistics for the features: the norm/1
 * file (mean and population std of each z-scored column), applying it,
 * and accumulating it over many raw feature files.
 *
 * norm/1: {"pp": "norm/1", "id": ID, "columns": [{"index", "name",
 * "zscored", "mean", "std"}...], "sources": [...]}; columns that are not
 * z-scored carry mean 0 and std 1.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "note_features.h"

int pp_norm_load(const char *path, struct pp_norm *norm, struct pp_err *err)
{
	static const char *const fmt[] = { "norm/1", NULL };
	json_t *doc, *cols, *c;
	const char *id;
	size_t i;
	int rc = -1;

	if (pp_doc_read(path, fmt, &doc, err) < 0)
		return -1;
	if (pp_json_string(doc, "id", &id, path, err) < 0 ||
	    pp_json_array(doc, "columns", &cols, path, err) < 0)
		goto out;
	if (json_array_size(cols) != PP_FEAT_DIM) {
		pp_fail(err, "'%s': %zu columns, expected %d", path,
			json_array_size(cols), PP_FEAT_DIM);
		goto out;
	}
	snprintf(norm->id, sizeof(norm->id), "%s", id);
	json_array_foreach(cols, i, c) {
		char where[300];
		const char *name;

		snprintf(where, sizeof(where), "'%s': columns[%zu]", path, i);
		if (pp_json_string(c, "name", &name, where, err) < 0 ||
		    pp_json_number(c, "mean", &norm->mean[i], where, err) < 0 ||
		    pp_json_number(c, "std", &norm->std[i], where, err) < 0)
			goto out;
		if (strcmp(name, pp_feature_name((int)i))) {
			pp_fail(err, "%s: column '%s', expected '%s'", where, name,
				pp_feature_name((int)i));
			goto out;
		}
		if (!(norm->std[i] > 0)) {
			pp_fail(err, "%s: std must be positive", where);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int pp_norm_save(const char *path, const struct pp_norm *norm,
		 json_t *sources, struct pp_err *err)
{
	json_t *doc = pp_doc_new("norm/1"), *cols = json_array();
	int rc;

	json_object_set_new(doc, "id", json_string(norm->id));
	json_object_set_new(doc, "about", json_string(
		"pp-features normalization: population mean and std per z-scored "
		"column (std 0 stored as 1), qpm_primo over one value per file"));
	for (int i = 0; i < PP_FEAT_DIM; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "index", json_integer(i));
		json_object_set_new(c, "name", json_string(pp_feature_name(i)));
		json_object_set_new(c, "zscored", json_boolean(pp_feature_zscored(i)));
		pp_json_set_real(c, "mean", norm->mean[i]);
		pp_json_set_real(c, "std", norm->std[i]);
		json_array_append_new(cols, c);
	}
	json_object_set_new(doc, "columns", cols);
	if (sources)
		json_object_set(doc, "sources", sources);
	rc = pp_doc_save(path, doc, PP_DOC_PRETTY, err);
	json_decref(doc);
	return rc;
}

void pp_features_normalize(struct pp_features *f, const struct pp_norm *norm)
{
	for (size_t r = 0; r < f->n; r++)
		for (int i = 0; i < PP_FEAT_DIM; i++)
			if (pp_feature_zscored(i)) {
				float *v = &f->x[r * PP_FEAT_DIM + i];

				*v = (float)((*v - norm->mean[i]) / norm->std[i]);
			}
}

void pp_norm_acc_init(struct pp_norm_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
}

static void acc_one(struct pp_norm_acc *acc, int i, double v)
{
	if (acc->count[i] == 0)
		acc->shift[i] = v;
	v -= acc->shift[i];
	acc->sum[i] += v;
	acc->sumsq[i] += v * v;
	acc->count[i] += 1;
}

void pp_norm_acc_add(struct pp_norm_acc *acc, const float *x, size_t n)
{
	for (size_t r = 0; r < n; r++)
		for (int i = 0; i < PP_FEAT_DIM; i++)
			if (pp_feature_zscored(i) && i != PP_FEAT_QPM_PRIMO)
				acc_one(acc, i, x[r * PP_FEAT_DIM + i]);
	if (n > 0)
		acc_one(acc, PP_FEAT_QPM_PRIMO, x[PP_FEAT_QPM_PRIMO]);
	acc->started = 1;
}

void pp_norm_acc_finish(const struct pp_norm_acc *acc, const char *id,
			struct pp_norm *norm)
{
	snprintf(norm->id, sizeof(norm->id), "%s", id);
	for (int i = 0; i < PP_FEAT_DIM; i++) {
		double n = acc->count[i], m, var;

		norm->mean[i] = 0;
		norm->std[i] = 1;
		if (!pp_feature_zscored(i) || n == 0)
			continue;
		m = acc->sum[i] / n;
		var = acc->sumsq[i] / n - m * m;
		norm->mean[i] = m + acc->shift[i];
		norm->std[i] = var > 0 ? sqrt(var) : 1;
		if (norm->std[i] == 0)
			norm->std[i] = 1;
	}
}
