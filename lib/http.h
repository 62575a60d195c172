/*
 * http.h - a small HTTP client for JSON POSTs to OpenAI-compatible
 * endpoints (chat completions for pp-feedback, embeddings for pp-retrieve).
 *
 * What it is: one call that POSTs a JSON body and returns the parsed JSON
 * reply, with a connect timeout and a total timeout per attempt, retries
 * with exponential backoff on HTTP 429 and 5xx and on failed connections,
 * Retry-After honoured when it is small, and TLS verification always on
 * (there is no switch to turn it off). What it is not: a general HTTP
 * library; no GET, no streaming, no cookies, no redirects to other hosts.
 *
 * The key: the Authorization header is "Bearer KEY" where KEY comes from the
 * environment variable named by key_env, or from key (read by the caller
 * from a configuration file). Never pass a key taken from the command line:
 * command lines are visible to every user of the machine (ps). The key is
 * never copied into an error message.
 *
 * Errors: libpp never prints. Every failure is one line in the pp_err
 * record, naming the URL (without query string) and what went wrong:
 *
 *     'http://127.0.0.1:8080/v1/chat/completions': timed out after 2 s
 *     'https://api.example.com/v1/embeddings': HTTP 401: invalid api key
 *     'https://.../v1/chat/completions': HTTP 503 after 3 attempts
 *     'https://.../v1/chat/completions': reply is not JSON: line 1, ...
 *
 * Ownership: the caller owns opts and body; *reply is a new reference
 * (json_decref it). Calling idiom:
 *
 *     struct pp_http_opts o = PP_HTTP_OPTS_INIT;
 *     o.url = "https://api.openai.com/v1/chat/completions";
 *     o.key_env = "PP_LLM_KEY";
 *     json_t *reply;
 *     if (pp_http_post_json(&o, body, &reply, err) < 0)
 *         return -1;
 *
 * Thread safety: curl's global initialisation happens on the first call;
 * make that first call from one thread.
 */
#ifndef PP_HTTP_H
#define PP_HTTP_H

#include <jansson.h>
#include "error.h"

struct pp_http_opts {
	const char *url;        /* http:// or https:// endpoint, required */
	const char *key_env;    /* env var holding the bearer key, or NULL */
	const char *key;        /* the key itself (from a config file), or NULL;
				   key_env wins when both are set and it is set */
	double connect_timeout; /* seconds to establish the connection */
	double timeout;         /* seconds for one whole attempt */
	int retries;            /* extra attempts after a 429, 5xx or a failed
				   connection (timeouts are not retried) */
	double backoff;         /* seconds before the first retry, doubled for
				   each further one */
	double max_retry_after; /* a Retry-After up to this many seconds is
				   obeyed; a longer one ends the retries */
	long status;            /* out: the last HTTP status, 0 if none */
	int attempts;           /* out: attempts made */
};

/* Defaults: 10 s connect, 60 s total, 2 retries, 0.5 s backoff, Retry-After
 * obeyed up to 10 s. */
#define PP_HTTP_OPTS_INIT { NULL, NULL, NULL, 10.0, 60.0, 2, 0.5, 10.0, 0, 0 }

/*
 * POSTs BODY (Content-Type: application/json) to opts->url and parses the
 * reply. Returns 0 and *reply (a new reference) when the status is 2xx and
 * the body is JSON. Returns -1 with one line in err otherwise: bad URL,
 * connection failure, timeout, HTTP status other than 2xx (with the
 * server's error message when the reply carries one), malformed JSON.
 * Fills opts->status and opts->attempts in both cases.
 */
int pp_http_post_json(struct pp_http_opts *opts, const json_t *body,
		      json_t **reply, struct pp_err *err);

#endif
