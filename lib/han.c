/*
 * han.c - the HAN's configuration, weight loading into one parameter arena,
 * input checks and the beat/measure grouping. The forward passes live in
 * han_cpu.c and han_cuda.cu.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "han.h"

/* The parameter table: name, shape and where the pointer goes. Built once
 * per load from the config, so sizes and names are in one place. */
struct slot {
	char name[64];
	int64_t shape[2];
	int ndim;
	const float **dst;
};

struct table {
	struct slot s[80];
	int n;
};

static void add(struct table *t, const char *name, int64_t d0, int64_t d1,
		const float **dst)
{
	struct slot *s = &t->s[t->n++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->shape[0] = d0;
	s->shape[1] = d1;
	s->ndim = d1 ? 2 : 1;
	s->dst = dst;
}

static void add_lstm(struct table *t, const char *pre, struct pp_lstm *l,
		     int input, int hidden, int layers)
{
	char name[64];
	l->input = input;
	l->hidden = hidden;
	l->layers = layers;
	for (int k = 0; k < layers; k++) {
		for (int d = 0; d < 2; d++) {
			const char *sfx = d ? "_reverse" : "";
			int in = k ? 2 * hidden : input;
			snprintf(name, sizeof name, "%s.weight_ih_l%d%s", pre, k, sfx);
			add(t, name, 4 * hidden, in, &l->w_ih[k][d]);
			snprintf(name, sizeof name, "%s.weight_hh_l%d%s", pre, k, sfx);
			add(t, name, 4 * hidden, hidden, &l->w_hh[k][d]);
			snprintf(name, sizeof name, "%s.bias_ih_l%d%s", pre, k, sfx);
			add(t, name, 4 * hidden, 0, &l->b_ih[k][d]);
			snprintf(name, sizeof name, "%s.bias_hh_l%d%s", pre, k, sfx);
			add(t, name, 4 * hidden, 0, &l->b_hh[k][d]);
		}
	}
}

static void add_attn(struct table *t, const char *pre, struct pp_attn *a, int size)
{
	char name[64];
	a->size = size;
	snprintf(name, sizeof name, "%s.net.weight", pre);
	add(t, name, size, size, &a->w);
	snprintf(name, sizeof name, "%s.net.bias", pre);
	add(t, name, size, 0, &a->b);
	snprintf(name, sizeof name, "%s.context", pre);
	add(t, name, PP_HAN_HEADS, size / PP_HAN_HEADS, &a->context);
}

static void build_table(struct table *t, struct pp_han_params *p,
			const struct pp_han_config *c)
{
	int h = c->hidden;
	t->n = 0;
	add(t, "embed.weight", h, c->input_size, &p->embed_w);
	add(t, "embed.bias", h, 0, &p->embed_b);
	add_lstm(t, "note_lstm", &p->note, h, h, 2);
	add_lstm(t, "voice_lstm", &p->voice, h, h, 2);
	add_attn(t, "beat_attention", &p->beat_attn, 4 * h);
	add_lstm(t, "beat_lstm", &p->beat, 4 * h, h, 2);
	add_attn(t, "measure_attention", &p->measure_attn, 2 * h);
	add_lstm(t, "measure_lstm", &p->measure, 2 * h, h, 1);
	add_attn(t, "top_attention", &p->top_attn, 2 * h);
	add(t, "head.fc1.weight", 2 * h, 2 * h, &p->fc1_w);
	add(t, "head.fc1.bias", 2 * h, 0, &p->fc1_b);
	add(t, "head.fc2.weight", c->labels, 2 * h, &p->fc2_w);
	add(t, "head.fc2.bias", c->labels, 0, &p->fc2_b);
}

/* IEEE half to float, subnormals included. */
static float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023;
	uint32_t bits;
	if (exp == 0) {
		float v = ldexpf((float)man, -24);
		return sign ? -v : v;
	}
	if (exp == 31)
		bits = sign | 0x7f800000u | (man << 13);
	else
		bits = sign | ((exp + 112) << 23) | (man << 13);
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

static void copy_meta(char *dst, size_t cap, const struct pp_st *st, const char *key)
{
	const char *v = pp_st_meta(st, key);
	snprintf(dst, cap, "%s", v ? v : "");
}

/* Optional metadata "dimension_r2": a JSON list of one R2 per label, the
 * model's score on its split's held-out test segments (export.py). */
static int read_dim_r2(struct pp_han *m, const struct pp_st *st, const char *path,
		       struct pp_err *err)
{
	const char *v = pp_st_meta(st, "dimension_r2");
	if (!v)
		return 0;
	json_t *a = json_loads(v, 0, NULL), *x;
	size_t i;
	int ok = json_is_array(a) && json_array_size(a) == (size_t)m->cfg.labels;
	json_array_foreach(a, i, x)
		if (!json_is_number(x) || !isfinite(json_number_value(x)) ||
		    json_number_value(x) > 1)
			ok = 0;
		else if (ok)
			m->dim_r2[i] = json_number_value(x);
	json_decref(a);
	if (!ok)
		return pp_fail(err, "'%s': metadata dimension_r2 is not a list of %d R2 values",
			       path, m->cfg.labels);
	m->has_dim_r2 = 1;
	return 0;
}

static int check_meta(struct pp_han *m, const struct pp_st *st, const char *path,
		      struct pp_err *err)
{
	const char *pp = pp_st_meta(st, "pp"), *arch = pp_st_meta(st, "arch");
	const char *in = pp_st_meta(st, "input_size");
	if (!pp || strcmp(pp, "model/1"))
		return pp_fail(err, "'%s': not a pp model (metadata pp is not model/1); "
			       "make one with train/export.py", path);
	if (!arch || strcmp(arch, "han"))
		return pp_fail(err, "'%s': architecture '%s', this pp reads 'han'",
			       path, arch ? arch : "?");
	m->cfg.input_size = in ? atoi(in) : 101;
	if (m->cfg.input_size < 1 || m->cfg.input_size > 4096)
		return pp_fail(err, "'%s': bad input_size '%s'", path, in);
	m->cfg.hidden = 256;
	m->cfg.labels = 19;
	copy_meta(m->model_id, sizeof m->model_id, st, "model_id");
	copy_meta(m->version, sizeof m->version, st, "version");
	copy_meta(m->norm_id, sizeof m->norm_id, st, "norm_id");
	snprintf(m->path, sizeof m->path, "%s", path);
	return read_dim_r2(m, st, path, err);
}

int pp_han_load(struct pp_han *m, const char *path, struct pp_err *err)
{
	struct pp_st st;
	struct table t;
	memset(m, 0, sizeof *m);
	if (pp_st_load(path, &st, err) < 0)
		return -1;
	if (check_meta(m, &st, path, err) < 0)
		goto fail;
	build_table(&t, &m->p, &m->cfg);
	size_t total = 0;
	for (int i = 0; i < t.n; i++)
		total += (size_t)t.s[i].shape[0] * (size_t)(t.s[i].ndim == 2 ? t.s[i].shape[1] : 1);
	m->arena = malloc(total * sizeof(float));
	if (!m->arena) {
		pp_fail(err, "'%s': out of memory for %zu parameters", path, total);
		goto fail;
	}
	m->nparams = total;
	float *p = m->arena;
	for (int i = 0; i < t.n; i++) {
		const struct slot *s = &t.s[i];
		const struct pp_tensor *ten = pp_st_find(&st, s->name);
		if (!ten) {
			pp_fail(err, "'%s': missing tensor '%s'", path, s->name);
			goto fail;
		}
		enum pp_dtype dt = ten->dtype == PP_DT_F16 ? PP_DT_F16 : PP_DT_F32;
		if (pp_st_get(&st, s->name, dt, s->ndim, s->shape, &ten, path, err) < 0)
			goto fail;
		if (dt == PP_DT_F16) {
			const uint16_t *src = ten->data;
			for (size_t k = 0; k < ten->count; k++)
				p[k] = half_to_float(src[k]);
		} else {
			memcpy(p, ten->data, ten->count * sizeof(float));
		}
		*s->dst = p;
		p += ten->count;
	}
	pp_st_free(&st);
	return 0;
fail:
	pp_st_free(&st);
	free(m->arena);
	m->arena = NULL;
	return -1;
}

void pp_han_free(struct pp_han *m)
{
	free(m->arena);
	m->arena = NULL;
}

static int check_index(const int32_t *a, int n, const char *what, const char *name,
		       struct pp_err *err)
{
	for (int i = 0; i < n; i++) {
		if (a[i] < 0)
			return pp_fail(err, "'%s': row %d: negative %s index", name, i, what);
		if (i && (a[i] - a[i - 1] < 0 || a[i] - a[i - 1] > 1))
			return pp_fail(err, "'%s': row %d: %s indices not continuous "
				       "(%d after %d)", name, i, what, a[i], a[i - 1]);
	}
	return 0;
}

int pp_han_input_from_st(const struct pp_han *m, const struct pp_st *st,
			 const char *name, struct pp_han_input *in,
			 struct pp_err *err)
{
	const struct pp_tensor *x, *v, *b, *ms;
	int64_t shx[2] = { -1, -1 };
	if (pp_st_get(st, "x", PP_DT_F32, 2, shx, &x, name, err) < 0)
		return -1;
	int64_t n = x->shape[0];
	if (n < 1)
		return pp_fail(err, "'%s': no rows", name);
	if (x->shape[1] != m->cfg.input_size)
		return pp_fail(err, "'%s': %lld features per row, the model expects %d",
			       name, (long long)x->shape[1], m->cfg.input_size);
	if (pp_st_get(st, "voice", PP_DT_I32, 1, &n, &v, name, err) < 0 ||
	    pp_st_get(st, "beat", PP_DT_I32, 1, &n, &b, name, err) < 0 ||
	    pp_st_get(st, "measure", PP_DT_I32, 1, &n, &ms, name, err) < 0)
		return -1;
	const char *norm = pp_st_meta(st, "norm_id");
	if (m->norm_id[0] && (!norm || strcmp(norm, m->norm_id)))
		return pp_fail(err, "'%s': normalization '%s', the model expects '%s'",
			       name, norm ? norm : "(none)", m->norm_id);
	const float *xf = x->data;
	for (size_t i = 0; i < x->count; i++)
		if (!isfinite(xf[i]))
			return pp_fail(err, "'%s': row %zu, feature %zu: not a finite number",
				       name, i / (size_t)x->shape[1], i % (size_t)x->shape[1]);
	const int32_t *vv = v->data;
	for (int64_t i = 0; i < n; i++)
		if (vv[i] < 0 || vv[i] > 100000)
			return pp_fail(err, "'%s': row %lld: bad voice %d", name, (long long)i, vv[i]);
	if (check_index(b->data, (int)n, "beat", name, err) < 0 ||
	    check_index(ms->data, (int)n, "measure", name, err) < 0)
		return -1;
	in->n = (int)n;
	in->f = (int)x->shape[1];
	in->x = xf;
	in->voice = vv;
	in->beat = b->data;
	in->measure = ms->data;
	return 0;
}

int pp_han_groups(const struct pp_han_input *in, int *bg, int *mg, int *nmeasures)
{
	int nb = 0, nm = 1, last = 0;
	bg[0] = 0;
	for (int t = 1; t < in->n; t++) {
		if (in->beat[t] - in->beat[t - 1] == 1)
			nb++;
		bg[t] = nb;
	}
	nb++;
	/* measure starts in beat space; duplicates (two measure steps inside
	 * one beat) collapse, which keeps every group non-empty */
	for (int b = 0; b < nb; b++)
		mg[b] = 0;
	for (int t = 1; t < in->n; t++) {
		if (in->measure[t] - in->measure[t - 1] != 1)
			continue;
		int s = in->beat[t] - in->beat[0];
		if (s <= last || s >= nb)
			continue;
		for (int b = s; b < nb; b++)
			mg[b] = nm;
		nm++;
		last = s;
	}
	*nmeasures = nm;
	return nb;
}

void pp_han_levels_free(struct pp_han_levels *lv)
{
	free(lv->embedding);
	free(lv->note_lstm);
	free(lv->voice_lstm);
	free(lv->beat_attention);
	free(lv->beat_lstm);
	free(lv->measure_attention);
	free(lv->measure_lstm);
	free(lv->top_attention);
	free(lv->logits);
	free(lv->output);
	memset(lv, 0, sizeof *lv);
}
