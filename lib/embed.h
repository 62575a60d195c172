/*
 * embed.h - dense text vectors from an OpenAI-compatible embeddings endpoint.
 *
 * Optional by design: retrieval works with BM25 alone, and every failure
 * here (no endpoint, timeout, HTTP error, malformed answer, wrong shape) is
 * an ordinary error record that the caller turns into one warning line and
 * a BM25-only result. Nothing here retries.
 *
 * Configuration comes from the environment, never the command line, so that
 * a key does not show in `ps`:
 *   PP_EMBED_URL      base URL ("http://127.0.0.1:8080/v1") or the full
 *                     ".../embeddings" URL; unset or empty: no embeddings
 *   PP_EMBED_MODEL    model name sent with each request
 *                     (default "text-embedding-3-small")
 *   PP_EMBED_KEY      bearer token, optional
 *   PP_EMBED_TIMEOUT  seconds per request, default 30
 *
 * The request is POST {"model": M, "input": [texts]}; the answer must hold
 * data[i].embedding arrays of equal length, one per input (placed by their
 * "index" member when present).
 *
 * Ownership: pp_embed_from_env fills a struct whose strings the caller
 * frees with pp_embed_release; vectors returned by pp_embed_texts are one
 * malloc'd block the caller frees.
 */
#ifndef PP_EMBED_H
#define PP_EMBED_H

#include <stddef.h>
#include "error.h"

struct pp_embed {
	char *url;        /* full endpoint URL, ending in /embeddings */
	char *model;      /* model name */
	char *key;        /* bearer token or NULL */
	long timeout_ms;  /* per request */
};

/* Reads the environment. Returns 1 when an endpoint is configured, 0 when
 * not (E is then zeroed), -1 on a bad setting (e.g. a timeout that is not a
 * number). */
int pp_embed_from_env(struct pp_embed *e, struct pp_err *err);
void pp_embed_release(struct pp_embed *e);

/* Embeds N texts in batches. On success returns 0, *VECS = N x *DIM floats
 * (row-major, each row scaled to unit length so that a dot product is the
 * cosine) and *DIM. On failure returns -1 with a one-line reason naming the
 * URL ("'URL': HTTP 500", "'URL': timed out after 1.0 s", "'URL': malformed
 * answer: ..."), *VECS NULL. */
int pp_embed_texts(const struct pp_embed *e, const char *const *texts, int n,
		   float **vecs, int *dim, struct pp_err *err);

/* Dot product of two DIM-vectors (the cosine for unit vectors). */
float pp_embed_dot(const float *a, const float *b, int dim);

#endif
