/*
 * http.c - JSON POSTs over libcurl with timeouts and retries (see http.h).
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

/* A reply larger than this is refused: no endpoint we talk to sends more. */
#define MAX_REPLY ((size_t)32 << 20)

struct buf {
	char *data;
	size_t len, cap;
	int too_big;
};

struct attempt {
	struct buf body;
	double retry_after; /* seconds from the Retry-After header, -1 if none */
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;

	if (b->len + add + 1 > MAX_REPLY) {
		b->too_big = 1;
		return 0;
	}
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;
		while (cap < b->len + add + 1)
			cap *= 2;
		if (!(d = realloc(b->data, cap)))
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

/* Picks up "Retry-After: N" (seconds; the HTTP-date form is ignored). */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct attempt *a = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		char tmp[32];
		size_t k = len - (sizeof(name) - 1);
		char *end;
		double v;
		if (k >= sizeof(tmp))
			k = sizeof(tmp) - 1;
		memcpy(tmp, p + sizeof(name) - 1, k);
		tmp[k] = '\0';
		v = strtod(tmp, &end);
		if (end != tmp && v >= 0)
			a->retry_after = v;
	}
	return len;
}

/* The URL for messages: no query string (it may hold a key). */
static void url_name(const char *url, char *out, size_t cap)
{
	size_t n = strcspn(url, "?#");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, url, n);
	out[n] = '\0';
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The server's own words from an error reply ({"error": {"message": ...}},
 * {"error": "..."}, {"message": ...}), or the start of the body. */
static void server_message(const struct buf *b, char *out, size_t cap)
{
	json_t *j = b->data ? json_loads(b->data, 0, NULL) : NULL;
	const char *s = NULL;
	json_t *e;
	size_t i;

	if (j) {
		e = json_object_get(j, "error");
		if (json_is_string(e))
			s = json_string_value(e);
		else if (json_is_object(e))
			s = json_string_value(json_object_get(e, "message"));
		if (!s)
			s = json_string_value(json_object_get(j, "message"));
	}
	if (!s)
		s = b->data ? b->data : "";
	snprintf(out, cap, "%s", s);
	for (i = 0; out[i]; i++)
		if (!isprint((unsigned char)out[i]))
			out[i] = ' ';
	if (j)
		json_decref(j);
}

static struct curl_slist *make_headers(const struct pp_http_opts *o,
				       const char *name, struct pp_err *err)
{
	struct curl_slist *h = NULL, *t;
	const char *key = NULL;
	char line[4096];

	if (o->key_env && getenv(o->key_env) && *getenv(o->key_env))
		key = getenv(o->key_env);
	else if (o->key && *o->key)
		key = o->key;
	if (key && (strpbrk(key, "\r\n") || strlen(key) > sizeof(line) - 64)) {
		pp_fail(err, "'%s': the API key holds a line break or is too long", name);
		return NULL;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	if (h && (t = curl_slist_append(h, "Accept: application/json")))
		h = t;
	if (h && key) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
		t = curl_slist_append(h, line);
		memset(line, 0, sizeof(line));
		if (!t) {
			curl_slist_free_all(h);
			h = NULL;
		}
	}
	if (!h)
		pp_fail(err, "'%s': out of memory", name);
	return h;
}

static void set_options(CURL *c, const struct pp_http_opts *o,
			struct curl_slist *h, const char *body,
			struct attempt *a)
{
	curl_easy_setopt(c, CURLOPT_URL, o->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(o->connect_timeout * 1000 + 0.5));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000 + 0.5));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pp/0.1");
}

/* Adds a note (printf format) to the end of the message already in ERR. */
static void append(struct pp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void append(struct pp_err *err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return;
	n = strlen(err->msg);
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

enum verdict { DONE, RETRY, FAIL };

/* Runs one attempt; says whether to stop with a reply, retry or fail. */
static enum verdict attempt_once(CURL *c, struct pp_http_opts *o,
				 struct attempt *a, const char *name,
				 struct pp_err *err)
{
	CURLcode rc = curl_easy_perform(c);
	char msg[256];

	o->attempts++;
	o->status = 0;
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		pp_fail(err, "'%s': timed out after %g s", name, o->timeout);
		return FAIL;
	}
	if (rc == CURLE_WRITE_ERROR && a->body.too_big) {
		pp_fail(err, "'%s': reply larger than %zu bytes", name, MAX_REPLY);
		return FAIL;
	}
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
	    rc == CURLE_SEND_ERROR) {
		snprintf(msg, sizeof(msg), "%s", curl_easy_strerror(rc));
		pp_err_clear(err);
		pp_fail(err, "'%s': %s", name, msg);
		return RETRY;
	}
	if (rc != CURLE_OK) {
		pp_fail(err, "'%s': %s", name, curl_easy_strerror(rc));
		return FAIL;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &o->status);
	if (o->status >= 200 && o->status < 300)
		return DONE;
	server_message(&a->body, msg, 160);
	pp_err_clear(err);
	pp_fail(err, "'%s': HTTP %ld%s%s", name, o->status, msg[0] ? ": " : "", msg);
	return o->status == 429 || o->status >= 500 ? RETRY : FAIL;
}

static int parse_reply(const struct buf *b, const char *name, json_t **reply,
		       struct pp_err *err)
{
	json_error_t je;

	*reply = json_loadb(b->data ? b->data : "", b->len, 0, &je);
	if (!*reply)
		return pp_fail(err, "'%s': reply is not JSON: line %d, column %d: %s",
			       name, je.line, je.column, je.text);
	return 0;
}

int pp_http_post_json(struct pp_http_opts *o, const json_t *body,
		      json_t **reply, struct pp_err *err)
{
	char name[512], *text;
	struct curl_slist *h;
	struct attempt a;
	double wait = o->backoff;
	enum verdict v = FAIL;
	CURL *c;
	int i, ret = -1;

	*reply = NULL;
	o->status = 0;
	o->attempts = 0;
	if (!o->url || (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)))
		return pp_fail(err, "'%s': not an http:// or https:// URL",
			       o->url ? o->url : "");
	url_name(o->url, name, sizeof(name));
	if (!(h = make_headers(o, name, err)))
		return -1;
	if (!(text = json_dumps(body, JSON_COMPACT))) {
		curl_slist_free_all(h);
		return pp_fail(err, "'%s': cannot encode the request", name);
	}
	if (!(c = curl_easy_init())) {
		curl_slist_free_all(h);
		free(text);
		return pp_fail(err, "'%s': cannot start libcurl", name);
	}
	for (i = 0; i <= o->retries; i++) {
		memset(&a, 0, sizeof(a));
		a.retry_after = -1;
		set_options(c, o, h, text, &a);
		v = attempt_once(c, o, &a, name, err);
		if (v == DONE) {
			ret = parse_reply(&a.body, name, reply, err);
			free(a.body.data);
			break;
		}
		free(a.body.data);
		if (v == FAIL || i == o->retries)
			break;
		if (a.retry_after > o->max_retry_after) {
			append(err, " (Retry-After %g s is too long)", a.retry_after);
			v = FAIL;
			break;
		}
		sleep_s(a.retry_after >= 0 ? a.retry_after : wait);
		wait *= 2;
	}
	if (v == RETRY && o->attempts > 1)
		append(err, " (after %d attempts)", o->attempts);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(text);
	return ret;
}
