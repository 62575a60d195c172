/*
 * http_test.c - the parts of lib/http that need no server: refused URLs,
 * a refused connection retried with backoff, the key never in messages.
 * The full paths (timeouts, 429, 5xx, bad JSON) run against a local test
 * server in tests/t0510-feedback-llm.sh.
 */
#include <stdlib.h>
#include "http.h"
#include "tap.h"

int main(void)
{
	struct pp_http_opts o = PP_HTTP_OPTS_INIT;
	struct pp_err err;
	json_t *body = json_pack("{s:s}", "model", "x"), *reply = NULL;

	pp_err_clear(&err);
	o.url = "ftp://example.com/v1";
	ok(pp_http_post_json(&o, body, &reply, &err) == -1, "ftp URL refused");
	is_str(err.msg, "'ftp://example.com/v1': not an http:// or https:// URL",
	       "message names the URL");
	ok(reply == NULL, "no reply on failure");

	/* Port 1 on the loopback: nothing listens, the connection is refused. */
	pp_err_clear(&err);
	setenv("PP_HTTP_TEST_KEY", "sk-secret-123", 1);
	o.url = "http://127.0.0.1:1/v1/chat/completions?key=abc";
	o.key_env = "PP_HTTP_TEST_KEY";
	o.retries = 2;
	o.backoff = 0.01;
	ok(pp_http_post_json(&o, body, &reply, &err) == -1, "refused connection fails");
	is_int(o.attempts, 3, "retried twice");
	is_int(o.status, 0, "no HTTP status");
	ok(strstr(err.msg, "'http://127.0.0.1:1/v1/chat/completions': ") == err.msg,
	   "message starts with the URL without its query: %s", err.msg);
	ok(strstr(err.msg, "(after 3 attempts)") != NULL, "message counts attempts");
	ok(strstr(err.msg, "sk-secret") == NULL && strstr(err.msg, "abc") == NULL,
	   "neither the key nor the query string leak into the message");
	ok(strchr(err.msg, '\n') == NULL, "one line");

	pp_err_clear(&err);
	setenv("PP_HTTP_TEST_KEY", "bad\r\nX-Injected: 1", 1);
	ok(pp_http_post_json(&o, body, &reply, &err) == -1 &&
	   strstr(err.msg, "line break") != NULL, "a key with a line break is refused");
	json_decref(body);
	return tap_done();
}
