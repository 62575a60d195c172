/*
 * embed.c - OpenAI-compatible embeddings client (see embed.h); the HTTP
 * transport is http.h.
 */
#include "embed.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* Inputs per request: small enough for any server's body limit. */
#define BATCH 64

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

int pp_embed_from_env(struct pp_embed *e, struct pp_err *err)
{
	const char *url = getenv("PP_EMBED_URL"), *t = getenv("PP_EMBED_TIMEOUT");
	size_t n;

	memset(e, 0, sizeof(*e));
	if (!url || !*url)
		return 0;
	e->timeout_ms = 30000;
	if (t && *t) {
		char *end;
		double s = strtod(t, &end);

		if (*end || !(s > 0) || s > 3600)
			return pp_fail(err, "PP_EMBED_TIMEOUT '%s': not a number of seconds", t);
		e->timeout_ms = (long)(s * 1000 + 0.5);
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	e->url = malloc(n + sizeof("/embeddings"));
	memcpy(e->url, url, n);
	e->url[n] = '\0';
	if (n < 11 || strcmp(e->url + n - 11, "/embeddings") != 0)
		strcat(e->url, "/embeddings");
	e->model = env_dup("PP_EMBED_MODEL");
	if (!e->model)
		e->model = strdup("text-embedding-3-small");
	e->key = env_dup("PP_EMBED_KEY");
	return 1;
}

void pp_embed_release(struct pp_embed *e)
{
	free(e->url);
	free(e->model);
	free(e->key);
	memset(e, 0, sizeof(*e));
}

float pp_embed_dot(const float *a, const float *b, int dim)
{
	float s = 0;

	for (int i = 0; i < dim; i++)
		s += a[i] * b[i];
	return s;
}

/* Reads one embedding array into ROW (DIM floats, or sets *DIM on first). */
static int read_vector(const json_t *emb, float *row, int dim, const char *url,
		       struct pp_err *err)
{
	double norm = 0;
	size_t i;
	json_t *x;

	if (!json_is_array(emb) || (int)json_array_size(emb) != dim)
		return pp_fail(err, "'%s': malformed answer: embeddings of different lengths",
			       url);
	json_array_foreach(emb, i, x) {
		if (!json_is_number(x))
			return pp_fail(err, "'%s': malformed answer: non-number in an embedding",
				       url);
		row[i] = (float)json_number_value(x);
		norm += (double)row[i] * row[i];
	}
	norm = sqrt(norm);
	if (!(norm > 0) || !isfinite(norm))
		return pp_fail(err, "'%s': malformed answer: zero or infinite embedding",
			       url);
	for (i = 0; i < (size_t)dim; i++)
		row[i] = (float)(row[i] / norm);
	return 0;
}

/* Reads an answer ROOT for N inputs into *VECS (N rows, allocated here). */
static int parse_answer(const struct pp_embed *e, const json_t *root, int n,
			float **vecs, int *dim, struct pp_err *err)
{
	const json_t *data = json_object_get(root, "data"), *d;
	size_t i;

	if (!json_is_array(data) || (int)json_array_size(data) != n)
		return pp_fail(err, "'%s': malformed answer: expected %d embeddings in \"data\"",
			       e->url, n);
	json_array_foreach(data, i, d) {
		const json_t *emb = json_object_get(d, "embedding");
		const json_t *ix = json_object_get(d, "index");
		long long at = json_is_integer(ix) ? json_integer_value(ix) : (long long)i;

		if (*dim == 0)
			*dim = json_is_array(emb) ? (int)json_array_size(emb) : 0;
		if (*dim == 0)
			return pp_fail(err, "'%s': malformed answer: no embedding", e->url);
		if (!*vecs)
			*vecs = malloc(sizeof(float) * (size_t)*dim * (size_t)n);
		if (at < 0 || at >= n)
			return pp_fail(err, "'%s': malformed answer: index %lld out of range",
				       e->url, at);
		if (read_vector(emb, *vecs + (size_t)at * *dim, *dim, e->url, err) < 0)
			return -1;
	}
	return 0;
}

/* POSTs one batch of N texts; the answer lands in *PART (N rows). */
static int embed_batch(const struct pp_embed *e, const char *const *texts,
		       int n, float **part, int *dim, struct pp_err *err)
{
	struct pp_http_opts o = PP_HTTP_OPTS_INIT;
	json_t *req = json_object(), *in = json_array(), *ans = NULL;
	int rc;

	for (int i = 0; i < n; i++)
		json_array_append_new(in, json_string(texts[i]));
	json_object_set_new(req, "model", json_string(e->model));
	json_object_set_new(req, "input", in);
	o.url = e->url;
	o.key_env = "PP_EMBED_KEY";
	o.timeout = e->timeout_ms / 1000.0;
	o.connect_timeout = o.timeout < 10 ? o.timeout : 10;
	o.retries = 1;     /* one more try on 429/5xx: retrieval must stay fast */
	o.backoff = 0.2;
	o.max_retry_after = 2;
	rc = pp_http_post_json(&o, req, &ans, err);
	json_decref(req);
	if (rc == 0)
		rc = parse_answer(e, ans, n, part, dim, err);
	json_decref(ans);
	return rc;
}

int pp_embed_texts(const struct pp_embed *e, const char *const *texts, int n,
		   float **vecs, int *dim, struct pp_err *err)
{
	float *v = NULL;
	int d = 0;

	*vecs = NULL;
	*dim = 0;
	for (int first = 0; first < n; first += BATCH) {
		int m = n - first < BATCH ? n - first : BATCH;
		float *part = NULL;

		if (embed_batch(e, texts + first, m, &part, &d, err) < 0) {
			free(part);
			free(v);
			return -1;
		}
		v = realloc(v, sizeof(float) * (size_t)d * (size_t)(first + m));
		memcpy(v + (size_t)first * d, part, sizeof(float) * (size_t)d * m);
		free(part);
	}
	*vecs = v;
	*dim = d;
	return 0;
}
