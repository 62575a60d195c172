/*
 * infer.c - model sets, ensemble predictions and the predictions/1 document.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "datadir.h"
#include "envelope.h"
#include "infer.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct pp_infer_set *s, const char *dir, struct pp_err *err)
{
	DIR *d = opendir(dir);
	char *names[PP_INFER_MAX_MODELS], path[2048];
	int n = 0, rc = 0;
	struct dirent *e;
	if (!d)
		return pp_fail(err, "'%s': cannot open the model directory", dir);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 12 && !strcmp(e->d_name + l - 12, ".safetensors") && n < PP_INFER_MAX_MODELS)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (!n)
		return pp_fail(err, "'%s': no *.safetensors model in the directory", dir);
	qsort(names, n, sizeof *names, cmp_str);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (!rc && pp_han_load(&s->m[s->n], path, err) == 0)
			s->n++;
		else
			rc = -1;
		free(names[i]);
	}
	return rc;
}

static json_t *load_json(const char *rel, struct pp_err *err)
{
	char path[2048];
	json_error_t je;
	if (pp_data_path(rel, path, sizeof path, err) < 0)
		return NULL;
	json_t *j = json_load_file(path, 0, &je);
	if (!j)
		pp_fail(err, "'%s': line %d: %s", path, je.line, je.text);
	return j;
}

int pp_infer_open(struct pp_infer_set *s, const char *path, struct pp_err *err)
{
	struct stat sb;
	memset(s, 0, sizeof *s);
	if (stat(path, &sb) < 0)
		return pp_fail(err, "'%s': no such model file or directory", path);
	if (S_ISDIR(sb.st_mode) ? load_dir(s, path, err) < 0 :
	    pp_han_load(&s->m[s->n++], path, err) < 0) {
		if (!S_ISDIR(sb.st_mode))
			s->n = 0;
		goto fail;
	}
	for (int i = 1; i < s->n; i++)
		if (s->m[i].cfg.input_size != s->m[0].cfg.input_size ||
		    strcmp(s->m[i].norm_id, s->m[0].norm_id)) {
			pp_fail(err, "'%s': fold models disagree on input size or norm id", path);
			goto fail;
		}
	if (!(s->reference = load_json("reference.json", err)) ||
	    !(s->dimensions = load_json("dimensions.json", err)))
		goto fail;
	return 0;
fail:
	pp_infer_set_free(s);
	return -1;
}

void pp_infer_set_free(struct pp_infer_set *s)
{
	for (int i = 0; i < s->n; i++) {
		pp_han_gpu_release(&s->m[i]);
		pp_han_free(&s->m[i]);
	}
	s->n = 0;
	json_decref(s->reference);
	json_decref(s->dimensions);
	s->reference = s->dimensions = NULL;
}

double pp_infer_percentile(const double *p, double v)
{
	if (v <= p[0])
		return 0;
	if (v >= p[20])
		return 100;
	for (int k = 0; k < 20; k++)
		if (v <= p[k + 1]) {
			double w = p[k + 1] > p[k] ? (v - p[k]) / (p[k + 1] - p[k]) : 1;
			return 5.0 * (k + w);
		}
	return 100;
}

static double round6(double v) { return round(v * 1e6) / 1e6; }

static json_t *model_member(const struct pp_infer_set *s)
{
	char id[128];
	snprintf(id, sizeof id, "%s", s->m[0].model_id);
	size_t l = strlen(id);
	/* an ensemble of folds "...-fK" is named without the fold */
	if (s->n > 1 && l > 3 && id[l - 3] == '-' && id[l - 2] == 'f')
		id[l - 3] = 0;
	return json_pack("{s:s, s:s, s:i, s:s}", "id", id, "version", s->m[0].version,
			 "folds", s->n, "norm_id", s->m[0].norm_id);
}

/* The mean held-out R2 of dimension K over the models; 0 when a model
 * file does not carry it. */
static int held_out_r2(const struct pp_infer_set *s, int k, double *r2)
{
	double sum = 0;
	for (int i = 0; i < s->n; i++) {
		if (!s->m[i].has_dim_r2)
			return 0;
		sum += s->m[i].dim_r2[k];
	}
	*r2 = sum / s->n;
	return 1;
}

static int dimension(const struct pp_infer_set *s, int k, double mean, double sd,
		     json_t *arr, struct pp_err *err)
{
	json_t *dims = json_object_get(s->dimensions, "dimensions");
	json_t *refs = json_object_get(s->reference, "dimensions");
	json_t *d = json_array_get(dims, k), *r = json_array_get(refs, k);
	json_t *pc = json_object_get(r, "percentiles");
	double p[21];
	if (!d || !r || json_array_size(pc) != 21)
		return pp_fail(err, "data/dimensions.json or data/reference.json: no dimension %d", k);
	for (int i = 0; i < 21; i++)
		p[i] = json_number_value(json_array_get(pc, i));
	json_t *o = json_pack("{s:i, s:O, s:O, s:O, s:O}", "index", k,
			      "name", json_object_get(d, "name"), "group", json_object_get(d, "group"),
			      "low", json_object_get(d, "low"), "high", json_object_get(d, "high"));
	if (!o)
		return pp_fail(err, "data/dimensions.json: dimension %d lacks name, group or poles", k);
	pp_json_set_real(o, "value", round6(mean));
	pp_json_set_real(o, "percentile", round(pp_infer_percentile(p, mean) * 10) / 10);
	if (s->n > 1) {
		pp_json_set_real(o, "spread", round6(sd));
		json_object_set_new(o, "uncertain", json_boolean(sd > PP_INFER_UNCERTAIN_SD));
	}
	double r2;
	if (held_out_r2(s, k, &r2)) {
		pp_json_set_real(o, "held_out_r2", round(r2 * 1000) / 1000);
		json_object_set_new(o, "reliable", json_boolean(r2 >= PP_INFER_MIN_R2));
	}
	json_array_append_new(arr, o);
	return 0;
}

static json_t *base_document(const struct pp_st *st)
{
	const char *doc = pp_st_meta(st, "document");
	json_t *j = doc ? json_loads(doc, 0, NULL) : NULL;
	if (j && json_is_object(j))
		return j;
	json_decref(j);
	return json_object();
}

static void segment_id(const char *name, char *id, size_t cap)
{
	const char *b = strrchr(name, '/');
	snprintf(id, cap, "%s", b ? b + 1 : name);
	char *dot = strstr(id, ".safetensors");
	if (dot)
		*dot = 0;
}

int pp_infer_run(struct pp_infer_set *s, const struct pp_st *st,
		 const char *name, json_t **doc, struct pp_err *err)
{
	int L = s->m[0].cfg.labels;
	double sum[64] = { 0 }, sq[64] = { 0 };
	char id[512];
	for (int i = 0; i < s->n; i++) {
		struct pp_han_input in;
		struct pp_han_levels lv;
		if (pp_han_input_from_st(&s->m[i], st, name, &in, err) < 0)
			return -1;
		if ((s->gpu ? pp_han_forward_gpu(&s->m[i], &in, &lv, err)
			    : pp_han_forward(&s->m[i], &in, &lv, err)) < 0)
			return pp_fail_wrap(err, "'%s'", name);
		for (int k = 0; k < L; k++) {
			sum[k] += lv.output[k];
			sq[k] += (double)lv.output[k] * lv.output[k];
		}
		pp_han_levels_free(&lv);
	}
	json_t *d = base_document(st), *arr = json_array();
	pp_doc_set_format(d, "predictions/1");
	segment_id(name, id, sizeof id);
	json_object_set_new(d, "id", json_string(id));
	json_object_set_new(d, "model", model_member(s));
	for (int k = 0; k < L; k++) {
		double mean = sum[k] / s->n, var = sq[k] / s->n - mean * mean;
		if (dimension(s, k, mean, sqrt(var > 0 ? var : 0), arr, err) < 0) {
			json_decref(arr);
			json_decref(d);
			return -1;
		}
	}
	json_object_set_new(d, "dimensions", arr);
	*doc = d;
	return 0;
}

int pp_infer_dump(struct pp_infer_set *s, const struct pp_st *st, const char *name,
		  const char *path, struct pp_err *err)
{
	struct pp_han *m = &s->m[0];
	struct pp_han_input in;
	struct pp_han_levels lv;
	struct pp_st_writer w;
	int H = m->cfg.hidden, rc = 0;
	if (pp_han_input_from_st(m, st, name, &in, err) < 0 ||
	    (s->gpu ? pp_han_forward_gpu(m, &in, &lv, err) : pp_han_forward(m, &in, &lv, err)) < 0)
		return -1;
	int64_t sh[][2] = { { lv.n, H }, { lv.n, 2 * H }, { lv.n, 2 * H }, { lv.beats, 4 * H },
			    { lv.beats, 2 * H }, { lv.measures, 2 * H }, { lv.measures, 2 * H },
			    { 2 * H, 0 }, { m->cfg.labels, 0 }, { m->cfg.labels, 0 } };
	const char *names[] = { "embedding", "note_lstm", "voice_lstm", "beat_attention", "beat_lstm",
				"measure_attention", "measure_lstm", "top_attention", "logits", "output" };
	float *data[] = { lv.embedding, lv.note_lstm, lv.voice_lstm, lv.beat_attention, lv.beat_lstm,
			  lv.measure_attention, lv.measure_lstm, lv.top_attention, lv.logits, lv.output };
	pp_st_writer_init(&w);
	for (int i = 0; i < 10 && !rc; i++)
		rc = pp_st_writer_add(&w, names[i], PP_DT_F32, sh[i][1] ? 2 : 1, sh[i], data[i], err);
	pp_st_writer_meta(&w, "model", m->model_id);
	pp_st_writer_meta(&w, "device", s->gpu ? "cuda" : "cpu");
	if (!rc)
		rc = pp_st_writer_save(&w, path, err);
	pp_st_writer_release(&w);
	pp_han_levels_free(&lv);
	return rc;
}
